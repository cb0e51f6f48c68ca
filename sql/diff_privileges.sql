-- rev_diff, rev_check, rev_autogenerate with pg_revisions.diff_privileges:
-- owners (ALTER ... OWNER TO) and privileges (GRANT, REVOKE: table, column,
-- sequence, routine, type privileges, grant options, PUBLIC) of the compared
-- objects.  Off by default.  Each case is applied under a hostile
-- search_path (a decoy schema with the same objects first), then diffed
-- again both ways, then the reverse diff brings the old schema back.
\i sql/diff_helpers.psql
CREATE ROLE regress_dg_alice NOLOGIN;
CREATE ROLE regress_dg_bob NOLOGIN;
CREATE ROLE regress_dg_carol NOLOGIN;
-- A role name in a grant or owner: 'me' for the role running the test.
CREATE FUNCTION pg_temp.who(r oid) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN r = 0 THEN 'PUBLIC' WHEN r = current_user::regrole THEN 'me'
                ELSE r::regrole::text END $$;
-- An ACL as "grantee=PRIVILEGE[*]" (with grant option), grantors left out,
-- a NULL ACL being its owner's default.  MAINTAIN (PostgreSQL 17) is left
-- out so that the output is the same on every version.
CREATE FUNCTION pg_temp.acl(acl aclitem[]) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(DISTINCT pg_temp.who(a.grantee) || '=' || a.privilege_type
                      || CASE WHEN a.is_grantable THEN '*' ELSE '' END, ' ')
    FROM aclexplode(acl) a WHERE a.privilege_type <> 'MAINTAIN' $$;
-- Owner and privileges of everything rev_diff compares in a schema.
CREATE FUNCTION pg_temp.privs(nsp text) RETURNS TABLE(object text, owner text, privileges text)
LANGUAGE sql AS $$
    SELECT c.relname::text, pg_temp.who(c.relowner),
           pg_temp.acl(coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)))
    FROM pg_class c WHERE c.relnamespace = nsp::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    UNION ALL
    SELECT c.relname || '.' || a.attname, NULL, pg_temp.acl(a.attacl)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    WHERE c.relnamespace = nsp::regnamespace AND a.attacl IS NOT NULL AND a.attnum > 0
    UNION ALL
    SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', pg_temp.who(p.proowner),
           pg_temp.acl(coalesce(p.proacl, acldefault('f', p.proowner)))
    FROM pg_proc p WHERE p.pronamespace = nsp::regnamespace
    UNION ALL
    SELECT t.typname::text, pg_temp.who(t.typowner), pg_temp.acl(coalesce(t.typacl, acldefault('T', t.typowner)))
    FROM pg_type t WHERE t.typnamespace = nsp::regnamespace
    AND (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND
         (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
    ORDER BY 1 $$;
-- rev_diff's rows with the role running the test shown as CURRENT_USER.
CREATE FUNCTION pg_temp.diff(s name, t name) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT replace(d, current_user, 'CURRENT_USER') FROM rev_diff(s, t) d $$;
-- decoy: schema a's objects again (the old DDL), first on the search_path
-- while a diff is applied: a row reaching it instead of a is caught.
CREATE FUNCTION pg_temp.decoy(old text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DROP SCHEMA IF EXISTS decoy CASCADE;
    CREATE SCHEMA decoy;
    PERFORM set_config('search_path', 'decoy', true);
    EXECUTE old;
    PERFORM set_config('search_path', 'public', true);
END $$;
-- Apply rev_diff(s, t) row by row with search_path = decoy, pg_catalog; then
-- nothing is left to do either way, and decoy is untouched.
CREATE FUNCTION pg_temp.hostile(s name, t name) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
    n int := 0;
    left_over text;
    before text;
    after text;
BEGIN
    SELECT string_agg(format('%s %s %s', object, owner, privileges), '; ') INTO before FROM pg_temp.privs('decoy');
    PERFORM set_config('search_path', 'decoy, pg_catalog', true);
    FOR r IN SELECT * FROM rev_diff(s, t) LOOP
        EXECUTE r;
        n := n + 1;
    END LOOP;
    PERFORM set_config('search_path', 'public', true);
    SELECT string_agg(x, E'\n') INTO left_over
    FROM (SELECT * FROM rev_diff(s, t) UNION ALL SELECT * FROM rev_diff(t, s)) d(x);
    SELECT string_agg(format('%s %s %s', object, owner, privileges), '; ') INTO after FROM pg_temp.privs('decoy');
    IF before IS DISTINCT FROM after THEN
        RETURN 'DECOY CHANGED: ' || after;
    END IF;
    RETURN coalesce('NOT CONVERGED: ' || left_over, format('%s statements applied, %s = %s', n, s, t));
END $$;

-- Off by default: privileges and owners that differ give no rows.
SHOW pg_revisions.diff_privileges;
SELECT pg_temp.setup(
$$CREATE TABLE t (id int, x text); CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'$$,
$$CREATE TABLE t (id int, x text); CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
  ALTER TABLE t OWNER TO regress_dg_alice; GRANT SELECT ON t TO regress_dg_bob;
  GRANT UPDATE (x) ON t TO regress_dg_bob; REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC$$);
SELECT count(*) AS rows_when_off FROM rev_diff('a', 'b');
SELECT count(*) AS rows_when_off FROM rev_diff('b', 'a');

-- On: an owner change, table privileges granted and revoked (PUBLIC too),
-- with and without grant option, column privileges, EXECUTE revoked from
-- PUBLIC (which has it by default), sequences, views, materialized views,
-- enums, domains, composite types, procedures.
SET pg_revisions.diff_privileges = on;
SELECT pg_temp.setup(
$$CREATE TABLE t (id int, x text, y text);
  CREATE TABLE keep (id int);
  CREATE SEQUENCE s;
  CREATE VIEW v AS SELECT id FROM t;
  CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;
  CREATE TYPE mood AS ENUM ('ok');
  CREATE DOMAIN posint AS int CHECK (VALUE > 0);
  CREATE TYPE pair AS (a int, b int);
  CREATE FUNCTION f(n int) RETURNS int LANGUAGE sql AS 'SELECT n';
  CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
  GRANT SELECT ON t TO PUBLIC;
  GRANT INSERT ON t TO regress_dg_carol WITH GRANT OPTION;
  GRANT SELECT (y) ON t TO regress_dg_carol;
  GRANT SELECT ON keep TO regress_dg_bob$$,
$$CREATE TABLE t (id int, x text, y text);
  CREATE TABLE keep (id int);
  CREATE SEQUENCE s;
  CREATE VIEW v AS SELECT id FROM t;
  CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;
  CREATE TYPE mood AS ENUM ('ok');
  CREATE DOMAIN posint AS int CHECK (VALUE > 0);
  CREATE TYPE pair AS (a int, b int);
  CREATE FUNCTION f(n int) RETURNS int LANGUAGE sql AS 'SELECT n';
  CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
  ALTER TABLE t OWNER TO regress_dg_alice;
  GRANT SELECT, INSERT ON t TO regress_dg_bob;
  GRANT INSERT ON t TO regress_dg_carol;
  GRANT UPDATE (x) ON t TO regress_dg_bob WITH GRANT OPTION;
  GRANT SELECT ON keep TO regress_dg_bob;
  GRANT USAGE, SELECT ON SEQUENCE s TO regress_dg_bob;
  ALTER SEQUENCE s OWNER TO regress_dg_carol;
  GRANT SELECT ON v TO regress_dg_bob;
  ALTER VIEW v OWNER TO regress_dg_bob;
  ALTER MATERIALIZED VIEW mv OWNER TO regress_dg_alice;
  REVOKE USAGE ON TYPE mood FROM PUBLIC;
  ALTER DOMAIN posint OWNER TO regress_dg_alice;
  GRANT USAGE ON TYPE pair TO regress_dg_bob WITH GRANT OPTION;
  REVOKE EXECUTE ON FUNCTION f(int) FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION f(int) TO regress_dg_bob;
  ALTER PROCEDURE p() OWNER TO regress_dg_carol$$);
SELECT pg_temp.decoy($$CREATE TABLE t (id int, x text, y text); CREATE SEQUENCE s;
  CREATE FUNCTION f(n int) RETURNS int LANGUAGE sql AS 'SELECT n'; CREATE TYPE mood AS ENUM ('ok')$$);
SELECT * FROM pg_temp.diff('a', 'b');
SELECT pg_temp.hostile('a', 'b');
SELECT * FROM pg_temp.privs('a');
-- The way back.
SELECT * FROM pg_temp.diff('a', 'c');
SELECT pg_temp.hostile('a', 'c');
SELECT * FROM pg_temp.privs('a');

-- A NULL ACL and the same privileges granted explicitly compare equal.
SELECT pg_temp.setup(
$$CREATE TABLE t (id int); CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
  CREATE SEQUENCE s; CREATE TYPE mood AS ENUM ('ok')$$,
$$CREATE TABLE t (id int); CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
  CREATE SEQUENCE s; CREATE TYPE mood AS ENUM ('ok');
  GRANT ALL ON t TO CURRENT_USER; GRANT EXECUTE ON FUNCTION f() TO PUBLIC;
  GRANT ALL ON SEQUENCE s TO CURRENT_USER; GRANT USAGE ON TYPE mood TO PUBLIC$$);
SELECT (SELECT relacl IS NULL FROM pg_class WHERE oid = 'a.t'::regclass) AS a_null,
       (SELECT relacl IS NULL FROM pg_class WHERE oid = 'b.t'::regclass) AS b_null,
       (SELECT proacl IS NULL FROM pg_proc WHERE oid = 'b.f()'::regprocedure) AS b_f_null;
SELECT count(*) AS rows_null_vs_default FROM rev_diff('a', 'b');
SELECT count(*) AS rows_null_vs_default FROM rev_diff('b', 'a');

-- Objects the script creates: their owner always (they are created by
-- whoever runs the script), their privileges against their owner's
-- default; a serial's sequence, owned by its column, follows its table.
SELECT pg_temp.setup(
$$CREATE TABLE old (id int)$$,
$$CREATE TABLE old (id int);
  CREATE TABLE n (id serial, secret text, pub text);
  ALTER TABLE n OWNER TO regress_dg_alice;
  REVOKE ALL ON n FROM PUBLIC;
  GRANT SELECT (pub) ON n TO PUBLIC;
  GRANT SELECT, UPDATE ON n TO regress_dg_bob;
  CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 2';
  REVOKE ALL ON FUNCTION g() FROM PUBLIC;
  CREATE VIEW w AS SELECT pub FROM n;
  ALTER VIEW w OWNER TO regress_dg_bob$$);
SELECT pg_temp.decoy($$CREATE TABLE old (id int)$$);
SELECT * FROM pg_temp.diff('a', 'b');
SELECT pg_temp.hostile('a', 'b');
SELECT * FROM pg_temp.privs('a');
SELECT * FROM pg_temp.diff('a', 'c');
SELECT pg_temp.hostile('a', 'c');

-- A table REVOKE also revokes the column privileges: those "to" keeps are
-- granted again after it.  A grant option alone goes with REVOKE GRANT
-- OPTION FOR.  A serial's owner changes with its table's.
SELECT pg_temp.setup(
$$CREATE TABLE t (id serial, x text);
  GRANT SELECT, UPDATE ON t TO regress_dg_bob WITH GRANT OPTION;
  GRANT SELECT (x) ON t TO regress_dg_bob$$,
$$CREATE TABLE t (id serial, x text);
  GRANT UPDATE ON t TO regress_dg_bob;
  GRANT SELECT (x) ON t TO regress_dg_bob;
  ALTER TABLE t OWNER TO regress_dg_carol$$);
SELECT pg_temp.decoy($$CREATE TABLE t (id serial, x text)$$);
SELECT * FROM pg_temp.diff('a', 'b');
SELECT pg_temp.hostile('a', 'b');
SELECT * FROM pg_temp.privs('a');
SELECT * FROM pg_temp.diff('a', 'c');
SELECT pg_temp.hostile('a', 'c');
SELECT * FROM pg_temp.privs('a');

-- A sequence that becomes owned by a column of a table with another owner:
-- its owner changes first (the server wants a sequence to have its table's).
SELECT pg_temp.setup(
$$CREATE SEQUENCE s; CREATE TABLE t (id int)$$,
$$CREATE SEQUENCE s; CREATE TABLE t (id int);
  ALTER TABLE t OWNER TO regress_dg_alice; ALTER SEQUENCE s OWNER TO regress_dg_alice;
  ALTER SEQUENCE s OWNED BY t.id$$);
SELECT pg_temp.decoy($$CREATE SEQUENCE s; CREATE TABLE t (id int)$$);
SELECT * FROM pg_temp.diff('a', 'b');
SELECT pg_temp.hostile('a', 'b');
SELECT * FROM pg_temp.diff('a', 'c');
SELECT pg_temp.hostile('a', 'c');

-- A sequence owned by a column of a table whose owner changes, and no more
-- owned in "to", where it keeps its old owner: the table's OWNER TO takes it
-- along while it is still linked, so its own OWNER TO comes after OWNED BY
-- NONE.
SELECT pg_temp.setup(
$$CREATE TABLE t (id int); CREATE SEQUENCE s OWNED BY t.id;
  ALTER TABLE t OWNER TO regress_dg_alice$$,
$$CREATE TABLE t (id int); CREATE SEQUENCE s;
  ALTER TABLE t OWNER TO regress_dg_bob; ALTER SEQUENCE s OWNER TO regress_dg_alice$$);
SELECT pg_temp.decoy($$CREATE TABLE t (id int); CREATE SEQUENCE s OWNED BY t.id$$);
SELECT * FROM pg_temp.diff('a', 'b');
SELECT pg_temp.hostile('a', 'b');
SELECT * FROM pg_temp.privs('a');
SELECT * FROM pg_temp.diff('a', 'c');
SELECT pg_temp.hostile('a', 'c');

-- rev_check and rev_autogenerate: models with GRANT.  Off, the grants are
-- not compared; on, they are generated, applied, and then nothing is left.
RESET search_path;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
DROP SCHEMA IF EXISTS app CASCADE;
CREATE SCHEMA app;
CREATE TABLE app.items (id int PRIMARY KEY, name text);
SET pg_revisions.diff_privileges = off;
SELECT * FROM rev_check($m$
    CREATE TABLE items (id int PRIMARY KEY, name text);
    GRANT SELECT ON items TO regress_dg_bob;
    GRANT UPDATE (name) ON items TO regress_dg_carol;
$m$, 'app');
SET pg_revisions.diff_privileges = on;
SELECT * FROM rev_check($m$
    CREATE TABLE items (id int PRIMARY KEY, name text);
    GRANT SELECT ON items TO regress_dg_bob;
    GRANT UPDATE (name) ON items TO regress_dg_carol;
$m$, 'app');
SELECT rev_autogenerate($m$
    CREATE TABLE items (id int PRIMARY KEY, name text);
    GRANT SELECT ON items TO regress_dg_bob;
    GRANT UPDATE (name) ON items TO regress_dg_carol;
$m$, 'grant items', 'app', '0001_grants');
SELECT rev_sql('head');
SELECT count(*) AS applied FROM rev_upgrade('head');
SELECT * FROM pg_temp.privs('app');
SELECT count(*) AS check_clean FROM rev_check($m$
    CREATE TABLE items (id int PRIMARY KEY, name text);
    GRANT SELECT ON items TO regress_dg_bob;
    GRANT UPDATE (name) ON items TO regress_dg_carol;
$m$, 'app');
SELECT count(*) AS reverted FROM rev_downgrade('base');
SELECT * FROM pg_temp.privs('app');

RESET pg_revisions.diff_privileges;
DROP SCHEMA a, b, c, decoy, app CASCADE;
DROP OWNED BY regress_dg_alice, regress_dg_bob, regress_dg_carol;
DROP ROLE regress_dg_alice, regress_dg_bob, regress_dg_carol;
