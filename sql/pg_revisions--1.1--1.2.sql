/*
 * pg_revisions 1.1 -> 1.2 — update script (also the last step of every
 * fresh install: CREATE EXTENSION runs 1.0, then 1.0--1.1, then this).
 *
 * 1.2 (../shared/spec/api.md, "1.2"): plans for clients (rev_plan),
 * deploying without hurting production, knowing what the database really
 * is, long histories and adoption, testing migrations like code, tenants.
 * Every function is created in pg_catalog (the control file's schema),
 * revoked from PUBLIC, and schema-qualifies everything it names.
 *
 * Until 1.2 is released this file may be edited; afterwards never.
 */

\echo Use "ALTER EXTENSION pg_revisions UPDATE TO '1.2'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Plans
-- ---------------------------------------------------------------------------

-- What rev_upgrade(target) ('upgrade') or rev_downgrade(target) ('downgrade')
-- would run, in order, step 1 first, naming the revisions registered with
-- transactional => false (the client runs those with rev_claim/rev_record).
-- Runs nothing; read-only, so grantable to a monitoring role.
CREATE FUNCTION pg_catalog.rev_plan(target text DEFAULT 'heads', operation text DEFAULT 'upgrade')
RETURNS TABLE(step integer, revision text, transactional boolean, message text)
AS 'MODULE_PATHNAME', 'rev_plan'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION pg_catalog.rev_plan(text, text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Deploying without hurting production
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Knowing what the database really is
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Long histories and adoption
-- ---------------------------------------------------------------------------

-- A baseline (rev_squash) replaces a revision and all its ancestors: it has no
-- edges, is never a head, and is applied exactly when what it replaces is.
ALTER TABLE revisions.revision ADD COLUMN replaces text REFERENCES revisions.revision;
COMMENT ON COLUMN revisions.revision.replaces IS
    'a baseline (rev_squash): the revision it replaces with all its ancestors';

CREATE FUNCTION pg_catalog.rev_squash(
    target text DEFAULT 'head',
    revision text DEFAULT NULL,
    message text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_squash'
LANGUAGE C;
REVOKE ALL ON FUNCTION pg_catalog.rev_squash(text, text, text) FROM PUBLIC;

-- Each backend keeps the last DAG it loaded while revisions.state is
-- unchanged (src/graph_cache.c).  The extension's own writes bump it; this
-- trigger bumps it for every other change to the tables the DAG is read
-- from (pg_restore's COPY, a superuser's edit), so no cache outlives one.
-- false after a change made outside the extension's own queries (the
-- catalog_changed trigger): rev_upgrade's no-op fast path, which does not load
-- the DAG, is then not taken until a rev_upgrade or rev_downgrade has loaded and
-- checked the whole catalog again.
ALTER TABLE revisions.state ADD COLUMN checked boolean NOT NULL DEFAULT true;

CREATE FUNCTION revisions.catalog_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'pgrev_catalog_changed'
LANGUAGE C;
REVOKE ALL ON FUNCTION revisions.catalog_changed() FROM PUBLIC;
CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON revisions.revision
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_changed();
CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON revisions.edge
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_changed();
CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON revisions.applied
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_changed();

-- ---------------------------------------------------------------------------
-- Testing migrations like code
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Tenants and fleets
-- ---------------------------------------------------------------------------

-- One applied state per tenant schema (the setting pg_revisions.tenant); ''
-- is the database's own state, which every 1.0/1.1 row keeps.
ALTER TABLE revisions.applied ADD COLUMN tenant text NOT NULL DEFAULT '';
ALTER TABLE revisions.applied DROP CONSTRAINT applied_pkey;
ALTER TABLE revisions.applied ADD PRIMARY KEY (tenant, revision);
CREATE INDEX applied_revision ON revisions.applied (revision);
COMMENT ON COLUMN revisions.applied.tenant IS
    'schema whose applied state this row is (pg_revisions.tenant); empty: the database''s own';
ALTER TABLE revisions.operation ADD COLUMN tenant text NOT NULL DEFAULT '';

-- What revisions.state is for the database's own state, per tenant: locked by
-- every call that changes a tenant's applied state, bumped when it did, so that
-- a REPEATABLE READ caller with an older snapshot fails instead of acting on
-- stale state.  Not user data, so not dumped.
CREATE TABLE revisions.tenant_state (
    tenant     text PRIMARY KEY,
    generation bigint NOT NULL
);
REVOKE ALL ON revisions.tenant_state FROM PUBLIC;

CREATE FUNCTION pg_catalog.rev_tenants()
RETURNS TABLE(tenant name, current text[], pending integer)
AS 'MODULE_PATHNAME', 'rev_tenants'
LANGUAGE C;
REVOKE ALL ON FUNCTION pg_catalog.rev_tenants() FROM PUBLIC;
