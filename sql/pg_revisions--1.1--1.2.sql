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

-- ---------------------------------------------------------------------------
-- Long histories and adoption
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Testing migrations like code
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Tenants and fleets
-- ---------------------------------------------------------------------------
