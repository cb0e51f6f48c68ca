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

-- ---------------------------------------------------------------------------
-- Deploying without hurting production
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Knowing what the database really is
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Long histories and adoption
-- ---------------------------------------------------------------------------

-- Each backend keeps the last DAG it loaded while revisions.state is
-- unchanged (src/graph_cache.c).  The extension's own writes bump it; this
-- trigger bumps it for every other change to the tables the DAG is read
-- from (pg_restore's COPY, a superuser's edit), so no cache outlives one.
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
