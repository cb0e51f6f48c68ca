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

-- What rev_upgrade(target) would run, reviewed against the live catalog for
-- statements that rewrite, scan or lock busy tables.  Runs nothing:
-- grantable to a monitoring role.
CREATE FUNCTION pg_catalog.rev_lint(target text DEFAULT 'heads')
RETURNS TABLE(revision text, statement integer, severity text, rule text,
              relation text, message text, hint text)
AS 'MODULE_PATHNAME', 'rev_lint'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION pg_catalog.rev_lint(text) FROM PUBLIC;

-- rev_upgrade with a commit after each revision: locks released revision by
-- revision, histories too big for one transaction's lock table.
CREATE PROCEDURE pg_catalog.rev_upgrade_each(target text DEFAULT 'heads')
AS 'MODULE_PATHNAME', 'rev_upgrade_each'
LANGUAGE C;

REVOKE ALL ON PROCEDURE pg_catalog.rev_upgrade_each(text) FROM PUBLIC;

-- What rev_upgrade(target) would run, run on the real data in a
-- subtransaction always rolled back: the locks each statement takes on
-- existing relations, rewrites, durations.  Runs revision SQL: a migrator's.
CREATE FUNCTION pg_catalog.rev_rehearse(target text DEFAULT 'heads')
RETURNS TABLE(revision text, statement integer, command text, relation text,
              lock_mode text, rewrote boolean, duration_ms double precision)
AS 'MODULE_PATHNAME', 'rev_rehearse'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION pg_catalog.rev_rehearse(text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Knowing what the database really is
-- ---------------------------------------------------------------------------

-- The drift ledger: every DDL command run in this database outside
-- pg_revisions' own calls, one row per object the server reports for it.
-- Written only by the event triggers below, as the extension owner; dumped
-- like the rest of the catalog.  Rows are never updated; the owner may
-- delete old ones.  id orders the rows of one moment and is deliberately not
-- unique: a restore whose DDL is recorded (one not recognised as a restore,
-- see README) then adds rows instead of failing on the dumped ones.
CREATE SEQUENCE revisions.drift_id_seq;
CREATE TABLE revisions.drift (
    id              bigint NOT NULL
                    DEFAULT pg_catalog.nextval('revisions.drift_id_seq'::pg_catalog.regclass),
    at              timestamptz NOT NULL,
    role            name NOT NULL,          -- current_user running the DDL
    application     text NOT NULL,          -- its application_name
    command         text NOT NULL,          -- command tag
    object_type     text,
    object_identity text
);
COMMENT ON TABLE revisions.drift IS
    'DDL run outside pg_revisions (the drift ledger), written by the event triggers pg_revisions_drift*';
CREATE TRIGGER catalog_guard BEFORE UPDATE ON revisions.drift
    FOR EACH STATEMENT EXECUTE FUNCTION revisions.catalog_guard();
SELECT pg_catalog.pg_extension_config_dump('revisions.drift', '');
SELECT pg_catalog.pg_extension_config_dump('revisions.drift_id_seq', '');
REVOKE ALL ON TABLE revisions.drift FROM PUBLIC;
REVOKE ALL ON SEQUENCE revisions.drift_id_seq FROM PUBLIC;

CREATE FUNCTION revisions.drift_record()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'pgrev_drift_record'
LANGUAGE C;
REVOKE ALL ON FUNCTION revisions.drift_record() FROM PUBLIC;
CREATE EVENT TRIGGER pg_revisions_drift ON ddl_command_end
    EXECUTE FUNCTION revisions.drift_record();
CREATE EVENT TRIGGER pg_revisions_drift_drop ON sql_drop
    EXECUTE FUNCTION revisions.drift_record();

CREATE FUNCTION pg_catalog.rev_drift(since timestamptz DEFAULT NULL)
RETURNS TABLE(at timestamptz, role name, application text, command text,
              object_type text, object_identity text)
AS 'MODULE_PATHNAME', 'rev_drift'
LANGUAGE C VOLATILE;

-- What would turn live_schema into the schema the history up to target
-- builds from nothing (replayed in a scratch schema, always rolled back).
CREATE FUNCTION pg_catalog.rev_verify_schema(target text DEFAULT NULL,
                                             live_schema name DEFAULT 'public')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_verify_schema'
LANGUAGE C VOLATILE;

-- rev_stamp gains verify: every 1.0 call stays valid, but the function is
-- recreated with a new signature, so EXECUTE grants on the old one are gone:
-- the WARNING below lists the roles to grant again (a GRANT made here would
-- count as the extension's own and be left out of pg_dump).
DO $$
DECLARE
    grantees text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
      INTO grantees
      FROM pg_catalog.pg_proc p,
           pg_catalog.aclexplode(p.proacl) AS a,
           pg_catalog.pg_roles r
     WHERE p.oid OPERATOR(pg_catalog.=) 'pg_catalog.rev_stamp(text)'::pg_catalog.regprocedure
       AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
       AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
       AND r.oid OPERATOR(pg_catalog.=) a.grantee;
    IF grantees IS NOT NULL THEN
        RAISE WARNING 'pg_revisions 1.2: rev_stamp has a new signature; grant it again to: %', grantees
            USING HINT = pg_catalog.format('GRANT EXECUTE ON FUNCTION rev_stamp(text, boolean) TO %s;',
                                           grantees);
    END IF;
END
$$;

DROP FUNCTION pg_catalog.rev_stamp(text);
CREATE FUNCTION pg_catalog.rev_stamp(target text, verify boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_stamp'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION
    pg_catalog.rev_drift(timestamptz),
    pg_catalog.rev_verify_schema(text, name),
    pg_catalog.rev_stamp(text, boolean)
FROM PUBLIC;

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

-- The "stairway" test of every revision rev_upgrade(target) would apply:
-- apply, revert, compare; apply again, compare; all inside a subtransaction
-- that is always rolled back (src/revtest.c).  passed is NULL for a revision
-- that was not tested (registered with transactional => false).
CREATE FUNCTION pg_catalog.rev_test(target text DEFAULT 'heads', live_schema name DEFAULT 'public')
RETURNS TABLE(revision text, test text, passed boolean, detail text)
AS 'MODULE_PATHNAME', 'rev_test'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION pg_catalog.rev_test(text, name) FROM PUBLIC;

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
