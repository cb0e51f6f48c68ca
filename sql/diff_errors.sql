-- rev_diff, rev_check, rev_autogenerate: bad arguments, failing models,
-- models that leave the scratch schema, privileges.  Every error changes
-- nothing and leaves no scratch schema behind.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || replace(SQLERRM, current_database(), '<database>');
END $$;
CREATE FUNCTION pg_temp.scratch_left() RETURNS bigint LANGUAGE sql
    AS $$ SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'revisions\_scratch%' $$;
DROP SCHEMA IF EXISTS live CASCADE;
CREATE SCHEMA live;
CREATE TABLE live.existing (id int);
CREATE TABLE live.secret (id int PRIMARY KEY);

-- Unknown schemas (3F000, quoted), the same schema twice, NULLs.
SELECT pg_temp.err($$SELECT rev_diff('nope', 'live')$$);
SELECT pg_temp.err($$SELECT rev_diff('live', 'No Such')$$);
SELECT rev_diff('live', 'nope');
SELECT pg_temp.err($$SELECT rev_diff('live', 'live')$$);
SELECT pg_temp.err($$SELECT rev_diff(NULL, 'live')$$);
SELECT pg_temp.err($$SELECT rev_diff('live', NULL)$$);
SELECT pg_temp.err($$SELECT rev_check(NULL, 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE t (id int)', 'nope')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE t (id int)', NULL)$$);
SELECT pg_temp.err($$SELECT rev_autogenerate(NULL, 'm', 'live')$$);
SELECT pg_temp.err($$SELECT rev_autogenerate('CREATE TABLE t (id int)', 'm', 'nope')$$);
SELECT pg_temp.err($$SELECT rev_autogenerate_from('live', 'm', 'live')$$);
SELECT pg_temp.err($$SELECT rev_autogenerate_from('nope', 'm', 'live')$$);
SELECT count(*) AS nothing_registered FROM rev_history();

-- Models that fail: the model's error, with a context naming the models;
-- nothing is left behind.
SELECT * FROM rev_check('CREATE TABLE t (id int REFERENCES missing_table)', 'live');
SELECT * FROM rev_check('CREATE TABLE t (id int); CREATE TABLE t (id int)', 'live');
SELECT * FROM rev_check('CREATE TABLE t (id int', 'live');
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE t (id int); COMMIT', 'live')$$);
SELECT pg_temp.err($$SELECT rev_autogenerate('CREATE TABLE t (id intt)', 'm', 'live')$$);
SELECT pg_temp.scratch_left(), to_regclass('live.t') AS no_t, count(*) AS nothing_registered FROM rev_history();

-- Models that try to leave the scratch schema are refused (42P15), and
-- what they did is undone.
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE live.escaped (id int)', 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE ok (id int); SET search_path = public; CREATE TABLE escaped (id int)', 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE SCHEMA elsewhere', 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('ALTER TABLE live.existing ADD COLUMN x int', 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS ''SELECT 1''', 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE TYPE public.e AS ENUM (''x'')', 'live')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE TEMP TABLE tmp (id int)', 'live')$$);
SELECT to_regclass('live.escaped') AS live_escaped, to_regclass('public.escaped') AS public_escaped,
       to_regnamespace('elsewhere') AS elsewhere, to_regprocedure('public.f()') AS f,
       (SELECT count(*) FROM pg_attribute WHERE attrelid = 'live.existing'::regclass AND attname = 'x') AS x_column,
       pg_temp.scratch_left();

-- Privileges: nothing is granted to PUBLIC; models run as the caller, never
-- elevated (here the role cannot create the scratch schema, then cannot
-- reference a table it has no right to).
CREATE ROLE regress_rev_differ;
SET ROLE regress_rev_differ;
SELECT pg_temp.err($$SELECT rev_diff('live', 'public')$$);
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE t (id int)', 'live')$$);
SELECT pg_temp.err($$SELECT rev_autogenerate('CREATE TABLE t (id int)', 'm', 'live')$$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION rev_diff(name, name), rev_check(text, name) TO regress_rev_differ;
SET ROLE regress_rev_differ;
SELECT pg_temp.err($$SELECT rev_diff('live', 'public')$$);
RESET ROLE;
GRANT USAGE ON SCHEMA live TO regress_rev_differ;
SET ROLE regress_rev_differ;
SELECT count(*) > 0 AS rev_diff_runs FROM rev_diff('live', 'public');
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE t (id int)', 'live')$$);
RESET ROLE;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO regress_rev_differ', current_database()); END $$;
SET ROLE regress_rev_differ;
SELECT * FROM rev_check('CREATE TABLE existing (id int); CREATE TABLE secret (id int PRIMARY KEY); CREATE TABLE t (id int)', 'live');
SELECT pg_temp.err($$SELECT rev_check('CREATE TABLE secret (id int PRIMARY KEY); CREATE TABLE existing (id int REFERENCES live.secret)', 'live')$$);
RESET ROLE;
DO $$ BEGIN EXECUTE format('REVOKE CREATE ON DATABASE %I FROM regress_rev_differ', current_database()); END $$;
REVOKE ALL ON SCHEMA live FROM regress_rev_differ;
REVOKE ALL ON FUNCTION rev_diff(name, name), rev_check(text, name) FROM regress_rev_differ;
DROP ROLE regress_rev_differ;
DROP SCHEMA live CASCADE;
