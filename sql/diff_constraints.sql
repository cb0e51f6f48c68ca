-- rev_diff: primary keys, unique, check, exclusion and foreign key
-- constraints; indexes (plain, unique, partial, expression).
\i sql/diff_helpers.psql
CREATE FUNCTION pg_temp.cons(nsp text) RETURNS TABLE(tab name, con name, type "char", def text)
LANGUAGE sql AS $$
    SELECT c.relname, co.conname, co.contype, pg_get_constraintdef(co.oid)
    FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
    -- (PostgreSQL 18 also keeps NOT NULL as constraints, contype 'n': they
    -- are the columns' attnotnull, which rev_diff compares with the columns.)
    WHERE c.relnamespace = nsp::regnamespace AND co.contype <> 'n' ORDER BY 1, 2 $$;
CREATE FUNCTION pg_temp.idx(nsp text) RETURNS TABLE(idx name, def text)
LANGUAGE sql AS $$
    SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_class c
    WHERE c.relnamespace = nsp::regnamespace AND c.relkind = 'i' ORDER BY 1 $$;

-- Constraints added, dropped and changed.
SELECT pg_temp.setup(
$$CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, lo int, hi int);
  CREATE TABLE child (id int, parent_id int REFERENCES parent ON DELETE CASCADE, qty int CHECK (qty > 0));
  CREATE TABLE area (c circle)$$,
$$CREATE TABLE parent (id int, code text, lo int, hi int, CONSTRAINT parent_pkey PRIMARY KEY (id, code),
                       CONSTRAINT lo_hi CHECK (lo <= hi));
  ALTER TABLE parent ADD CONSTRAINT parent_code_lo UNIQUE (code, lo);
  CREATE TABLE child (id int PRIMARY KEY, parent_id int, code text, qty int CHECK (qty >= 0),
                      FOREIGN KEY (parent_id, code) REFERENCES parent (id, code) ON DELETE SET NULL);
  CREATE TABLE area (c circle, EXCLUDE USING gist (c WITH &&));
  COMMENT ON CONSTRAINT lo_hi ON parent IS 'lo never above hi'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT * FROM pg_temp.cons('a');
SELECT obj_description(oid, 'pg_constraint') AS lo_hi_comment FROM pg_constraint WHERE conname = 'lo_hi' AND connamespace = 'a'::regnamespace;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();
SELECT * FROM pg_temp.cons('a');

-- A primary key that foreign keys reference changes: they are rebuilt too.
SELECT pg_temp.setup(
$$CREATE TABLE p (id int CONSTRAINT p_key PRIMARY KEY, other int NOT NULL);
  CREATE TABLE r (p_id int REFERENCES p)$$,
$$CREATE TABLE p (id int, other int NOT NULL, CONSTRAINT p_key PRIMARY KEY (id) INCLUDE (other));
  CREATE TABLE r (p_id int REFERENCES p)$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT pg_temp.backward();

-- Tables dropped together with foreign keys between them and to a kept
-- table: the foreign keys go first, whatever the order of the drops.
SELECT pg_temp.setup(
$$CREATE TABLE kept (id int PRIMARY KEY);
  CREATE TABLE a1 (id int PRIMARY KEY, k int REFERENCES kept);
  CREATE TABLE z1 (id int PRIMARY KEY, a_id int REFERENCES a1, self int REFERENCES z1);
  ALTER TABLE a1 ADD COLUMN z_id int REFERENCES z1$$,
$$CREATE TABLE kept (id int)$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT pg_temp.backward();

-- Indexes: added (partial, expression, unique, with a comment), dropped,
-- changed; an index on a new table.
SELECT pg_temp.setup(
$$CREATE TABLE t (id int, name text, email text, active bool);
  CREATE INDEX t_name ON t (name);
  CREATE INDEX t_gone ON t (email);
  CREATE INDEX t_changed ON t (id)$$,
$$CREATE TABLE t (id int, name text, email text, active bool);
  CREATE INDEX t_name ON t (name);
  CREATE UNIQUE INDEX t_email_lower ON t (lower(email)) WHERE active;
  CREATE INDEX t_changed ON t USING hash (id);
  CREATE TABLE n (x int);
  CREATE INDEX n_x_desc ON n (x DESC NULLS LAST);
  COMMENT ON INDEX t_name IS 'by name'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT * FROM pg_temp.idx('a');
SELECT obj_description('a.t_name'::regclass, 'pg_class') AS t_name_comment;
SELECT pg_temp.backward();
SELECT * FROM pg_temp.idx('a');

DROP SCHEMA a, b, c CASCADE;
