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
