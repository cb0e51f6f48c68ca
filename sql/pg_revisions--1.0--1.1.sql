/*
 * pg_revisions 1.0 -> 1.1 — update script (also the second half of every
 * fresh install: CREATE EXTENSION runs pg_revisions--1.0.sql, then this).
 *
 * 1.1 adds autogenerate (rev_diff, rev_autogenerate, rev_autogenerate_from,
 * rev_autogenerate_sql, rev_check) and revisions that run outside a transaction block:
 *   - revisions.revision.transactional (existing revisions: true);
 *   - rev_add(..., transactional boolean DEFAULT true): every 1.0 call stays
 *     valid, but the function is recreated with a new signature, so EXECUTE
 *     grants on the old one are gone: the WARNING below lists the roles to
 *     grant again;
 *   - rev_claim and rev_record.
 *
 * Released: never edit; changes go into the next update script.
 */

\echo Use "ALTER EXTENSION pg_revisions UPDATE TO '1.1'" to load this file. \quit

ALTER TABLE revisions.revision
    ADD COLUMN transactional boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN revisions.revision.transactional IS
    'false: runs outside a transaction block, through rev_claim and rev_record';

-- Warn, naming the roles that could call the 1.0 rev_add, so the DBA can grant the
-- new one (a GRANT made here would count as the extension's own and be left
-- out of pg_dump).
DO $$
DECLARE
    grantees text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(r.rolname), ', ' ORDER BY r.rolname)
      INTO grantees
      FROM pg_catalog.pg_proc p,
           pg_catalog.aclexplode(p.proacl) AS a,
           pg_catalog.pg_roles r
     WHERE p.oid OPERATOR(pg_catalog.=)
           'pg_catalog.rev_add(text, text, text, text[], text, text, text[])'::pg_catalog.regprocedure
       AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
       AND a.grantee OPERATOR(pg_catalog.<>) p.proowner
       AND r.oid OPERATOR(pg_catalog.=) a.grantee;
    IF grantees IS NOT NULL THEN
        RAISE WARNING 'pg_revisions 1.1: rev_add has a new signature; grant it again to: %', grantees
            USING HINT = pg_catalog.format('GRANT EXECUTE ON FUNCTION rev_add(text, text, text, text[], '
                                           'text, text, text[], boolean) TO %s;', grantees);
    END IF;
END
$$;

DROP FUNCTION pg_catalog.rev_add(text, text, text, text[], text, text, text[]);
CREATE FUNCTION pg_catalog.rev_add(
    revision text,
    upgrade text,
    downgrade text DEFAULT NULL,
    down_revision text[] DEFAULT NULL,
    message text DEFAULT NULL,
    branch_label text DEFAULT NULL,
    depends_on text[] DEFAULT NULL,
    transactional boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_add'
LANGUAGE C VOLATILE;

-- A revision registered with transactional => false runs outside any
-- transaction block: rev_claim returns its statements and claims it for this
-- session, the client runs them one by one at top level, rev_record records
-- the result.  No lock anyone waits on is held in between.
CREATE FUNCTION pg_catalog.rev_claim(revision text, operation text DEFAULT 'upgrade')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_claim'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_record(revision text)
RETURNS void
AS 'MODULE_PATHNAME', 'rev_record'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION
    pg_catalog.rev_add(text, text, text, text[], text, text, text[], boolean),
    pg_catalog.rev_claim(text, text),
    pg_catalog.rev_record(text)
FROM PUBLIC;

-- Autogenerate: schema diffs ------------------------------------------------

CREATE FUNCTION pg_catalog.rev_diff(source name, target name)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_diff'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_autogenerate(
    models text,
    message text DEFAULT NULL,
    live_schema name DEFAULT 'public',
    revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_autogenerate'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_autogenerate_from(
    target_schema name,
    message text DEFAULT NULL,
    live_schema name DEFAULT 'public',
    revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'rev_autogenerate_from'
LANGUAGE C VOLATILE;

CREATE FUNCTION pg_catalog.rev_check(models text, live_schema name DEFAULT 'public')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'rev_check'
LANGUAGE C VOLATILE;

-- What rev_autogenerate would register, registering nothing: for clients
-- that write migration files (pg_revisions revision --autogenerate).
CREATE FUNCTION pg_catalog.rev_autogenerate_sql(
    models text,
    live_schema name DEFAULT 'public',
    OUT upgrade text,
    OUT downgrade text)
RETURNS record
AS 'MODULE_PATHNAME', 'rev_autogenerate_sql'
LANGUAGE C VOLATILE;

REVOKE ALL ON FUNCTION
    pg_catalog.rev_diff(name, name),
    pg_catalog.rev_autogenerate(text, text, name, text),
    pg_catalog.rev_autogenerate_from(name, text, name, text),
    pg_catalog.rev_check(text, name),
    pg_catalog.rev_autogenerate_sql(text, name)
FROM PUBLIC;
