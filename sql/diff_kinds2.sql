-- rev_diff: a domain's new base type while columns use it; extension
-- versions.
\i sql/diff_helpers.psql

-- A domain's new base type (int -> bigint, a widening: no loss line) while
-- columns (one an array, one with a default) use it and a view reads their
-- table:
-- the old domain is renamed away, the new one created with its default and
-- constraints (one calling a function created by the same diff), the
-- columns converted, the old domain dropped last.  Back (bigint -> int, a
-- narrowing), the renaming statement carries a loss line.
SELECT pg_temp.setup(
$$CREATE DOMAIN qty AS int DEFAULT 1 NOT NULL CONSTRAINT positive CHECK (VALUE > 0);
  CREATE DOMAIN label AS varchar(10);
  CREATE TABLE item (id int, n qty DEFAULT 5, ns qty[], l label);
  CREATE VIEW big AS SELECT count(*) AS c FROM item$$,
$$CREATE FUNCTION is_even(v bigint) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT v % 2 = 0';
  CREATE DOMAIN qty AS bigint DEFAULT 1 NOT NULL CONSTRAINT positive CHECK (VALUE > 0)
      CONSTRAINT even CHECK (is_even(VALUE));
  CREATE DOMAIN label AS text COLLATE "C";
  CREATE TABLE item (id int, n qty DEFAULT 6, ns qty[], l label);
  CREATE VIEW big AS SELECT count(*) AS c FROM item;
  COMMENT ON DOMAIN qty IS 'even quantities'$$);
INSERT INTO a.item VALUES (1, 2, '{4,6}', 'x');
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT * FROM a.item;
SELECT * FROM pg_temp.cols('a.item');
SELECT typname, format_type(typbasetype, typtypmod), typnotnull, typdefault FROM pg_type
WHERE typnamespace = 'a'::regnamespace AND typtype = 'd' ORDER BY 1;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();
SELECT * FROM a.item;

-- A routine taking or returning the domain would block the old domain's
-- drop: it is dropped before and created again after.
SELECT pg_temp.setup(
$$CREATE DOMAIN qty AS int;
  CREATE TABLE t (q qty);
  CREATE FUNCTION twice(x qty) RETURNS qty LANGUAGE sql IMMUTABLE AS 'SELECT x * 2'$$,
$$CREATE DOMAIN qty AS bigint;
  CREATE TABLE t (q qty);
  CREATE FUNCTION twice(x qty) RETURNS qty LANGUAGE sql IMMUTABLE AS 'SELECT x * 2'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT pg_temp.backward();

-- Extension versions.  Two schemas of one database cannot both have an
-- extension, but the models can ask for one the live schema has: CREATE
-- EXTENSION IF NOT EXISTS ... VERSION does nothing in the scratch schema,
-- and the diff updates the live one (ALTER EXTENSION ... UPDATE TO); the
-- downgrade has no update path back (contrib ships none): a comment row
-- says so.  A new extension is created at the version the models ask for.
DROP SCHEMA IF EXISTS live CASCADE;
CREATE SCHEMA live;
SELECT upgrade, downgrade FROM rev_autogenerate_sql(
$$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.6';
  CREATE TABLE doc (id int, attrs hstore)$$, 'live');
DO $$ BEGIN EXECUTE (SELECT upgrade FROM rev_autogenerate_sql(
$m$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.6';
  CREATE TABLE doc (id int, attrs hstore)$m$, 'live')); END $$;
SELECT extname, extversion, extnamespace::regnamespace FROM pg_extension WHERE extname = 'hstore';
SELECT * FROM rev_check($$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.6';
  CREATE TABLE doc (id int, attrs hstore)$$, 'live');
SELECT * FROM rev_check($$CREATE EXTENSION IF NOT EXISTS hstore;
  CREATE TABLE doc (id int, attrs hstore)$$, 'live');
SELECT upgrade, downgrade FROM rev_autogenerate_sql(
$$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.7';
  CREATE TABLE doc (id int, attrs hstore)$$, 'live');
DO $$ BEGIN EXECUTE (SELECT upgrade FROM rev_autogenerate_sql(
$m$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.7';
  CREATE TABLE doc (id int, attrs hstore)$m$, 'live')); END $$;
SELECT extname, extversion FROM pg_extension WHERE extname = 'hstore';
SELECT * FROM rev_check($$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.7';
  CREATE TABLE doc (id int, attrs hstore)$$, 'live');
-- the downgrade to 1.6: no path
SELECT * FROM rev_check($$CREATE EXTENSION IF NOT EXISTS hstore VERSION '1.6';
  CREATE TABLE doc (id int, attrs hstore)$$, 'live');
DROP SCHEMA live CASCADE;
