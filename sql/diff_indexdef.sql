-- rev_diff: the definitions of plain indexes are built without the deparser
-- (diff_indexdef.c); each must read exactly as pg_get_indexdef prints it,
-- and every index that pg_get_indexdef decorates (operator class, collation,
-- ordering, options, INCLUDE, predicate, expression) must still come out as
-- it prints it.
CREATE SCHEMA "Idx W";
CREATE SCHEMA idx_empty;
SET search_path = "Idx W";
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE "T 1" (id int, "select" text, v varchar(20), d posint, m mood, arr int[],
    c text COLLATE "C", ts tsvector, r int4range, "Mixed" int, n numeric, b bytea,
    t timestamptz, u uuid);
CREATE INDEX ON "T 1" (id);
CREATE UNIQUE INDEX "Uniq Idx" ON "T 1" (id, "select");
CREATE INDEX ON "T 1" (id DESC);
CREATE INDEX ON "T 1" (id NULLS FIRST);
CREATE INDEX ON "T 1" (id ASC NULLS LAST);
CREATE INDEX ON "T 1" (id DESC NULLS LAST);
CREATE INDEX ON "T 1" ("select" COLLATE "C");
CREATE INDEX ON "T 1" ("select" COLLATE "default");
CREATE INDEX ON "T 1" (c);
CREATE INDEX ON "T 1" (c COLLATE "POSIX");
CREATE INDEX ON "T 1" ("select" text_pattern_ops);
CREATE INDEX ON "T 1" (v);
CREATE INDEX ON "T 1" (v varchar_pattern_ops);
CREATE INDEX ON "T 1" (d);
CREATE INDEX ON "T 1" (m);
CREATE INDEX ON "T 1" (arr);
CREATE INDEX ON "T 1" USING gin (arr);
CREATE INDEX ON "T 1" USING hash (id);
CREATE INDEX ON "T 1" USING gist (ts);
CREATE INDEX ON "T 1" USING gist (ts tsvector_ops (siglen = 100));
CREATE INDEX ON "T 1" USING gin (ts);
CREATE INDEX ON "T 1" USING spgist (r);
CREATE INDEX ON "T 1" USING brin (t);
CREATE INDEX ON "T 1" USING brin (id int4_minmax_multi_ops);
CREATE INDEX ON "T 1" (id) INCLUDE ("select");
CREATE INDEX ON "T 1" (id) WHERE id > 0;
CREATE INDEX ON "T 1" ((id + 1));
CREATE INDEX ON "T 1" (lower("select"));
CREATE INDEX ON "T 1" (id) WITH (fillfactor = 50);
CREATE UNIQUE INDEX ON "T 1" (id) NULLS NOT DISTINCT;
CREATE INDEX ON "T 1" ("Mixed", n, b, t, u);
CREATE INDEX "select" ON "T 1" (u);
ALTER TABLE "T 1" DROP COLUMN b;
CREATE INDEX ON "T 1" (t, u);
CREATE MATERIALIZED VIEW mv AS SELECT id, "select" FROM "T 1";
CREATE UNIQUE INDEX ON mv ("select", id);
CREATE TABLE p (id int, k text) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE INDEX ON p (id);
RESET search_path;

-- Every index of the schema, as pg_get_indexdef prints it (qualified with
-- the output schema; ON ONLY dropped for the partitioned table, as
-- diff_read.c does), is a statement of the diff that creates the schema.
SELECT count(*) AS indexes,
       count(*) FILTER (WHERE d.s IS NULL) AS not_as_pg_get_indexdef
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
LEFT JOIN rev_diff('idx_empty', 'Idx W') AS d(s)
  ON d.s = replace(replace(pg_get_indexdef(i.oid), ' ON ONLY ', ' ON '), '"Idx W".', 'idx_empty.')
WHERE t.relnamespace = '"Idx W"'::regnamespace AND NOT t.relispartition;
SELECT s FROM rev_diff('idx_empty', 'Idx W') AS s WHERE s LIKE 'CREATE %INDEX%' ORDER BY s COLLATE "C";

DROP SCHEMA "Idx W" CASCADE;
DROP SCHEMA idx_empty;
