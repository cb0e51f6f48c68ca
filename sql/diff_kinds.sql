-- rev_diff: more kinds of objects: row level security (ENABLE, FORCE,
-- policies).
\i sql/diff_helpers.psql

-- Row level security: enabled and forced on a table, policies added,
-- changed (their expression, command, roles), dropped; a policy calling a
-- function of the schema is created after it; a column type change of the
-- table rebuilds its policies.
SELECT pg_temp.setup(
$$CREATE TABLE doc (id int, owner text, secret boolean, n int);
  CREATE TABLE gone (id int);
  ALTER TABLE gone ENABLE ROW LEVEL SECURITY;
  CREATE POLICY gone_all ON gone USING (id > 0);
  CREATE POLICY mine ON doc FOR SELECT USING (owner = current_user);
  CREATE POLICY old ON doc FOR DELETE USING (NOT secret);
  CREATE POLICY big ON doc FOR UPDATE USING (n > 10)$$,
$$CREATE TABLE doc (id int, owner text, secret boolean, n bigint);
  ALTER TABLE doc ENABLE ROW LEVEL SECURITY;
  ALTER TABLE doc FORCE ROW LEVEL SECURITY;
  CREATE FUNCTION visible(s boolean) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT NOT s';
  CREATE POLICY mine ON doc AS RESTRICTIVE FOR ALL TO PUBLIC USING (owner = current_user AND visible(secret))
      WITH CHECK (owner = current_user);
  CREATE POLICY big ON doc FOR UPDATE USING (n > 10);
  CREATE POLICY admins ON doc TO pg_read_all_data, pg_monitor USING (true);
  COMMENT ON POLICY admins ON doc IS 'read everything'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relnamespace = 'a'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'a' ORDER BY 1;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();
SELECT policyname, permissive, roles, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'a' ORDER BY 1;

-- Domains (with a check calling a function of the schema, a default, NOT
-- NULL) and composite types: created before the tables using them, after
-- the functions they call; changed in place; dropped after the columns
-- using them.
SELECT pg_temp.setup(
$$CREATE DOMAIN code AS text CHECK (length(VALUE) < 10);
  CREATE DOMAIN old_d AS int;
  CREATE TYPE pair AS (x int, y int, gone text);
  CREATE TABLE t (id int, c code, o old_d)$$,
$$CREATE FUNCTION is_upper(s text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT s = upper(s)';
  CREATE DOMAIN code AS text DEFAULT 'A' NOT NULL CONSTRAINT short CHECK (length(VALUE) < 5)
      CONSTRAINT upper_case CHECK (is_upper(VALUE));
  CREATE DOMAIN money_amount AS numeric(12,2) CHECK (VALUE >= 0);
  CREATE TYPE pair AS (x int, y bigint, label text);
  CREATE TYPE point3 AS (x float8, y float8, z float8);
  CREATE TABLE t (id int, c code, m money_amount, p point3);
  COMMENT ON DOMAIN money_amount IS 'never negative'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
INSERT INTO a.t (id, m, p) VALUES (1, 2.5, ROW(1, 2, 3));
SELECT * FROM a.t;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- Extensions the models need: CREATE EXTENSION IF NOT EXISTS in the live
-- schema, first; never dropped (the downgrade keeps it, and once installed
-- the models' CREATE EXTENSION IF NOT EXISTS does nothing).
DROP SCHEMA IF EXISTS live CASCADE;
CREATE SCHEMA live;
SELECT upgrade, downgrade FROM rev_autogenerate_sql(
$$CREATE EXTENSION IF NOT EXISTS citext;
  CREATE TABLE person (id int PRIMARY KEY, email citext NOT NULL UNIQUE)$$, 'live');
DO $$ BEGIN EXECUTE (SELECT upgrade FROM rev_autogenerate_sql(
$m$CREATE EXTENSION IF NOT EXISTS citext;
  CREATE TABLE person (id int PRIMARY KEY, email citext NOT NULL UNIQUE)$m$, 'live')); END $$;
SELECT extname, extnamespace::regnamespace FROM pg_extension WHERE extname = 'citext';
INSERT INTO live.person VALUES (1, 'A@example.org');
SELECT id FROM live.person WHERE email OPERATOR(live.=) 'a@EXAMPLE.org'::live.citext;
SELECT * FROM rev_check($$CREATE EXTENSION IF NOT EXISTS citext;
  CREATE TABLE person (id int PRIMARY KEY, email citext NOT NULL UNIQUE)$$, 'live');
DROP SCHEMA live CASCADE;

-- Partitioned tables and partitions: created with PARTITION BY and
-- PARTITION OF (sub-partitioned too), their indexes, keys and columns from
-- the parent; a partition dropped (with its rows), moved to a new bound
-- (DETACH, ATTACH).
SELECT pg_temp.setup(
$$CREATE TABLE m (id int, at date, v text) PARTITION BY RANGE (at);
  CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
  CREATE TABLE m_2021 PARTITION OF m FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
  CREATE TABLE m_old PARTITION OF m FOR VALUES FROM ('2000-01-01') TO ('2010-01-01')$$,
$$CREATE TABLE m (id int, at date, v text, n int) PARTITION BY RANGE (at);
  CREATE INDEX m_v ON m (v);
  ALTER TABLE m ADD CONSTRAINT m_pk PRIMARY KEY (id, at, v);
  CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
  CREATE TABLE m_2021 PARTITION OF m FOR VALUES FROM ('2021-01-01') TO ('2023-01-01');
  CREATE TABLE m_2023 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01') PARTITION BY LIST (v);
  CREATE TABLE m_2023_x PARTITION OF m_2023 FOR VALUES IN ('x');
  CREATE TABLE l (k text) PARTITION BY LIST (k);
  CREATE TABLE l_ab PARTITION OF l FOR VALUES IN ('a', 'b');
  CREATE TABLE l_rest PARTITION OF l DEFAULT;
  COMMENT ON TABLE m_2023 IS 'partitioned partition'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
INSERT INTO a.m VALUES (1, '2022-06-01', 'y', 1), (2, '2023-02-01', 'x', 2);
SELECT tableoid::regclass, * FROM a.m ORDER BY id;
SELECT * FROM rev_diff('a', 'c');
DELETE FROM a.m;
SELECT pg_temp.backward();

-- A sub-partition whose name sorts before its parent's is created after it
-- (the dependency graph, not the names, orders them).
SELECT pg_temp.setup($$ $$,
$$CREATE TABLE z_m (id int, k text) PARTITION BY LIST (k);
  CREATE TABLE z_part PARTITION OF z_m FOR VALUES IN ('a', 'b') PARTITION BY LIST (id);
  CREATE TABLE a_sub PARTITION OF z_part FOR VALUES IN (1)$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT pg_temp.backward();
