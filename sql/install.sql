-- What CREATE EXTENSION leaves behind: a fixed catalog schema, functions in
-- pg_catalog, every user table dumped by pg_dump, nothing granted to PUBLIC.

SELECT extname, extrelocatable, extnamespace::regnamespace AS function_schema
FROM pg_extension WHERE extname = 'pg_revisions';

-- The catalog tables and sequences, and which ones pg_dump keeps.
SELECT c.relname, c.relkind,
       c.oid = ANY (e.extconfig) AS dumped
FROM pg_class c, pg_extension e
WHERE c.relnamespace = 'revisions'::regnamespace AND c.relkind IN ('r', 'S')
  AND e.extname = 'pg_revisions'
ORDER BY c.relname;

-- Every function: schema, no SECURITY DEFINER, and PUBLIC cannot run it.
SELECT p.proname, p.pronamespace::regnamespace AS schema, p.prosecdef,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
FROM pg_proc p
WHERE p.proname LIKE 'rev\_%'
ORDER BY p.proname;

-- PUBLIC can neither see into nor write the catalog.
SELECT has_schema_privilege('public', 'revisions', 'USAGE') AS public_usage,
       bool_or(has_table_privilege('public', c.oid, 'SELECT')) AS public_select,
       bool_or(has_table_privilege('public', c.oid, 'INSERT,UPDATE,DELETE')) AS public_write
FROM pg_class c WHERE c.relnamespace = 'revisions'::regnamespace;

-- Callable unqualified on the default search_path.
SET search_path = "$user", public;
SELECT count(*) AS no_revisions_yet FROM rev_heads();
RESET search_path;

-- The schema is the extension's: dropping the extension removes it.
DROP EXTENSION pg_revisions;
SELECT count(*) AS schema_left FROM pg_namespace WHERE nspname = 'revisions';
-- A pre-existing "revisions" schema is never adopted (nobody can pre-plant objects).
-- (Terse: PostgreSQL 18 adds a CONTEXT line naming the script's line.)
CREATE SCHEMA revisions;
\set VERBOSITY terse
CREATE EXTENSION pg_revisions;
\set VERBOSITY default
DROP SCHEMA revisions;
CREATE EXTENSION pg_revisions;
