-- rev_diff: views and materialized views (dependency order, rebuilt when
-- what they read changes), functions and procedures, triggers.
\i sql/diff_helpers.psql

-- Views: added on top of each other (created in dependency order), dropped
-- (dependants first), changed (dropped and created again, with dependants).
SELECT pg_temp.setup(
$$CREATE TABLE t (id int, price numeric(6,2), gone text);
  CREATE VIEW base AS SELECT id, price FROM t;
  CREATE VIEW top AS SELECT id FROM base WHERE price > 10;
  CREATE VIEW unused AS SELECT gone FROM t;
  CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM t;
  CREATE UNIQUE INDEX totals_n ON totals (n)$$,
$$CREATE TABLE t (id int, price numeric(6,2));
  CREATE VIEW base AS SELECT id, price, price * 2 AS doubled FROM t;
  CREATE VIEW top AS SELECT id FROM base WHERE price > 10;
  CREATE VIEW z_first AS SELECT id FROM t;
  CREATE VIEW a_second AS SELECT id FROM z_first;
  CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(price) AS s FROM t;
  CREATE UNIQUE INDEX totals_n ON totals (n);
  COMMENT ON VIEW a_second IS 'reads z_first';
  COMMENT ON MATERIALIZED VIEW totals IS 'sums'$$);
SELECT * FROM rev_diff('a', 'b');
INSERT INTO a.t VALUES (1, 20);
SELECT pg_temp.forward();
SELECT * FROM a.top;
SELECT * FROM a.totals;
SELECT c.relname, c.relkind, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c
WHERE c.relnamespace = 'a'::regnamespace AND c.relkind IN ('v', 'm', 'i') ORDER BY 1;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- A column type change rebuilds the views reading the table.
SELECT pg_temp.setup(
$$CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t; CREATE VIEW w AS SELECT * FROM v$$,
$$CREATE TABLE t (id bigint); CREATE VIEW v AS SELECT id FROM t; CREATE VIEW w AS SELECT * FROM v$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT format_type(atttypid, atttypmod) AS w_id_type FROM pg_attribute WHERE attrelid = 'a.w'::regclass AND attname = 'id';
SELECT pg_temp.backward();

-- Functions and procedures: a new body is CREATE OR REPLACE; a new result
-- type or argument name drops and creates; overloads are told apart by their
-- arguments; an SQL function reading a table is created after the table.
SELECT pg_temp.setup(
$$CREATE FUNCTION add1(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
  CREATE FUNCTION add1(x numeric) RETURNS numeric LANGUAGE sql AS 'SELECT x + 1';
  CREATE FUNCTION shape(x int) RETURNS int LANGUAGE sql AS 'SELECT x';
  CREATE FUNCTION gone() RETURNS void LANGUAGE sql AS '';
  CREATE PROCEDURE p(INOUT n int) LANGUAGE plpgsql AS $b$ BEGIN n := n; END $b$ $$,
$$CREATE FUNCTION add1(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 100';
  CREATE FUNCTION add1(x numeric) RETURNS numeric LANGUAGE sql AS 'SELECT x + 1';
  CREATE FUNCTION shape(x int) RETURNS bigint LANGUAGE sql AS 'SELECT x::bigint';
  CREATE TABLE items (n int);
  CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM items';
  CREATE FUNCTION atomic_count() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM items; END;
  CREATE PROCEDURE p(INOUT n int) LANGUAGE plpgsql AS $b$ BEGIN n := n * 2; END $b$;
  COMMENT ON FUNCTION add1(numeric) IS 'numeric flavour'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SET search_path = a;
SELECT a.add1(1) AS add1_int, a.add1(1.5) AS add1_numeric, pg_typeof(a.shape(1)) AS shape_type,
       a.item_count(), a.atomic_count(), obj_description('a.add1(numeric)'::regprocedure, 'pg_proc') AS comment;
RESET search_path;
CALL a.p(21);
SELECT pg_temp.backward();
SELECT p.oid::regprocedure AS functions_back FROM pg_proc p WHERE p.pronamespace = 'a'::regnamespace ORDER BY p.oid::regprocedure::text COLLATE "C";

-- A column default or a generated column calling a new function: set, or
-- added, once the function exists.
SELECT pg_temp.setup(
$$CREATE TABLE t (id int)$$,
$$CREATE FUNCTION next_id() RETURNS int LANGUAGE sql AS 'SELECT 42';
  CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
  CREATE TABLE t (id int DEFAULT next_id(), g int GENERATED ALWAYS AS (twice(id)) STORED);
  CREATE TABLE u (id int DEFAULT next_id() CHECK (id > 0), g int GENERATED ALWAYS AS (twice(id)) STORED, z int)$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
INSERT INTO a.u DEFAULT VALUES;
SELECT * FROM a.u;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- A function that must be dropped and created again (an argument renamed)
-- takes along what uses it: a default, a generated column, a check, an
-- expression index, a view; they come back after it.
SELECT pg_temp.setup(
$$CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
  CREATE TABLE t (id int DEFAULT f(1) CHECK (f(id) > 0), g int GENERATED ALWAYS AS (f(id)) STORED, other int);
  CREATE INDEX t_f ON t (f(id));
  CREATE INDEX t_other ON t (other);
  CREATE VIEW v AS SELECT f(id) AS fid FROM t$$,
$$CREATE FUNCTION f(y int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT y + 1';
  CREATE TABLE t (id int DEFAULT f(1) CHECK (f(id) > 0), g int GENERATED ALWAYS AS (f(id)) STORED, other int);
  CREATE INDEX t_f ON t (f(id));
  CREATE INDEX t_other ON t (other);
  CREATE VIEW v AS SELECT f(id) AS fid FROM t$$);
SELECT * FROM rev_diff('a', 'b');
INSERT INTO a.t (other) VALUES (7);
SELECT pg_temp.forward();
SELECT * FROM a.t;
SELECT * FROM a.v;
SELECT proargnames FROM pg_proc WHERE oid = 'a.f(int)'::regprocedure;
SELECT pg_temp.backward();

-- Triggers: added, dropped, changed; with their comments.
SELECT pg_temp.setup(
$$CREATE TABLE t (id int, touched int);
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $b$ BEGIN NEW.touched := 1; RETURN NEW; END $b$;
  CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();
  CREATE TRIGGER t_gone AFTER DELETE ON t FOR EACH STATEMENT EXECUTE FUNCTION touch()$$,
$$CREATE TABLE t (id int, touched int);
  CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $b$ BEGIN NEW.touched := 1; RETURN NEW; END $b$;
  CREATE TRIGGER t_touch BEFORE INSERT OR UPDATE ON t FOR EACH ROW WHEN (NEW.id > 0) EXECUTE FUNCTION touch();
  CREATE TRIGGER t_new BEFORE UPDATE OF id ON t FOR EACH ROW EXECUTE FUNCTION touch();
  COMMENT ON TRIGGER t_new ON t IS 'new one'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT tgname, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger') AS comment
FROM pg_trigger WHERE tgrelid = 'a.t'::regclass ORDER BY 1;
INSERT INTO a.t (id) VALUES (5);
SELECT * FROM a.t;
SELECT pg_temp.backward();
SELECT tgname FROM pg_trigger WHERE tgrelid = 'a.t'::regclass ORDER BY 1;

-- Function bodies are never rewritten: a body naming schema b keeps doing so.
SELECT pg_temp.setup('', $$CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $b$ SELECT 'b.x' $b$ $$);
SELECT * FROM rev_diff('a', 'b');

DROP SCHEMA a, b, c CASCADE;
