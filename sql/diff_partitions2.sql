-- rev_diff: partitioned tables, the cases PostgreSQL cannot change in place
-- and what a partition has of its own.
\i sql/diff_helpers.psql

-- A new partition key (RANGE (at) -> LIST (k)): PostgreSQL cannot change
-- one, so the table is recreated (its loss line says the rows go), with
-- partitions for the new key; the view reading it and the foreign key
-- referencing it are dropped before and created again after; the serial
-- sequence its column owns survives (disowned, then owned again).
SELECT pg_temp.setup(
$$CREATE TABLE m (id serial, at date NOT NULL, k text NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE m_2020 PARTITION OF m FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
  CREATE TABLE m_2021 PARTITION OF m FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
  CREATE UNIQUE INDEX m_k ON m (k, at);
  CREATE TABLE ref (id int, at date, FOREIGN KEY (id, at) REFERENCES m (id, at));
  CREATE VIEW recent AS SELECT count(*) AS n FROM m$$,
$$CREATE TABLE m (id serial, at date NOT NULL, k text NOT NULL, PRIMARY KEY (id, k)) PARTITION BY LIST (k);
  CREATE TABLE m_2020 PARTITION OF m FOR VALUES IN ('a', 'b');
  CREATE TABLE m_rest PARTITION OF m DEFAULT;
  CREATE TABLE ref (id int, k text, at date);
  ALTER TABLE ref ADD FOREIGN KEY (id, k) REFERENCES m (id, k);
  CREATE VIEW recent AS SELECT count(*) AS n FROM m$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
INSERT INTO a.m (at, k) VALUES ('2020-02-02', 'a'), ('2024-01-01', 'z');
SELECT tableoid::regclass, * FROM a.m ORDER BY id;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- A plain table becomes partitioned (and back), and a partition's own key
-- changes: its sub-partitions are created again under it.
SELECT pg_temp.setup(
$$CREATE TABLE p (id int, v text);
  CREATE TABLE q (id int, v text) PARTITION BY LIST (id);
  CREATE TABLE q_1 PARTITION OF q FOR VALUES IN (1, 2) PARTITION BY LIST (v);
  CREATE TABLE q_1_x PARTITION OF q_1 FOR VALUES IN ('x')$$,
$$CREATE TABLE p (id int, v text) PARTITION BY HASH (id);
  CREATE TABLE p_0 PARTITION OF p FOR VALUES WITH (MODULUS 2, REMAINDER 0);
  CREATE TABLE p_1 PARTITION OF p FOR VALUES WITH (MODULUS 2, REMAINDER 1);
  CREATE TABLE q (id int, v text) PARTITION BY LIST (id);
  CREATE TABLE q_1 PARTITION OF q FOR VALUES IN (1, 2) PARTITION BY RANGE (v);
  CREATE TABLE q_1_x PARTITION OF q_1 FOR VALUES FROM ('x') TO ('y')$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- What a partition has of its own: an index created on it alone, a check
-- constraint and a unique constraint of its own; the index and key it
-- inherits from its parent are not emitted again.  A new bound detaches and
-- attaches it again: its own index and constraints stay.
SELECT pg_temp.setup(
$$CREATE TABLE e (id int NOT NULL, at date NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE INDEX e_v ON e (v);
  CREATE TABLE e_2020 PARTITION OF e FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
  CREATE TABLE e_2021 PARTITION OF e FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
  CREATE INDEX e_2021_gone ON e_2021 (id) WHERE v IS NULL;
  ALTER TABLE e_2021 ADD CONSTRAINT e_2021_old CHECK (id > 0)$$,
$$CREATE TABLE e (id int NOT NULL, at date NOT NULL, v text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE INDEX e_v ON e (v);
  CREATE TABLE e_2020 PARTITION OF e FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
  CREATE TABLE e_2021 PARTITION OF e FOR VALUES FROM ('2021-01-01') TO ('2023-01-01');
  CREATE INDEX e_2020_v_lower ON e_2020 (lower(v));
  ALTER TABLE e_2020 ADD CONSTRAINT e_2020_v_short CHECK (length(v) < 10);
  ALTER TABLE e_2021 ADD CONSTRAINT e_2021_v_key UNIQUE (v);
  COMMENT ON INDEX e_2020_v_lower IS 'own index'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT c.relname, i.relname, (SELECT count(*) FROM pg_inherits h WHERE h.inhrelid = i.oid) AS inherited
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = 'a'::regnamespace ORDER BY 1, 2;
SELECT conrelid::regclass, conname, contype, conislocal FROM pg_constraint
WHERE connamespace = 'a'::regnamespace AND contype <> 'n' ORDER BY 1, 2;
SELECT * FROM rev_diff('a', 'c');
SELECT pg_temp.backward();

-- A routine taking the row type of a table recreated for its new partition
-- key would block the drop: it is dropped before and created again after.
SELECT pg_temp.setup(
$$CREATE TABLE r (id int, k int) PARTITION BY RANGE (k);
  CREATE FUNCTION r_id(x r) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1'$$,
$$CREATE TABLE r (id int, k int) PARTITION BY LIST (k);
  CREATE FUNCTION r_id(x r) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1'$$);
SELECT * FROM rev_diff('a', 'b');
SELECT pg_temp.forward();
SELECT pg_temp.backward();
