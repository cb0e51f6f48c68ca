-- rev_test: each pending revision applied, reverted and applied again inside a
-- subtransaction that is always rolled back; downgrades that leave something
-- behind are caught with the statements that would repair it; nothing persists.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SET client_min_messages = warning;
CREATE SCHEMA rt;
SET search_path = rt, public;

-- What must not change: the catalogs (row counts), the applied state, the log.
CREATE FUNCTION public.rt_footprint() RETURNS text LANGUAGE sql AS $$
    SELECT format('class %s type %s proc %s constraint %s index %s attribute %s description %s '
                  'depend %s namespace %s trigger %s applied %s operation %s',
        (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_type),
        (SELECT count(*) FROM pg_proc), (SELECT count(*) FROM pg_constraint),
        (SELECT count(*) FROM pg_index), (SELECT count(*) FROM pg_attribute),
        (SELECT count(*) FROM pg_description), (SELECT count(*) FROM pg_depend),
        (SELECT count(*) FROM pg_namespace), (SELECT count(*) FROM pg_trigger),
        (SELECT count(*) FROM revisions.applied), (SELECT count(*) FROM revisions.operation))
$$;

-- A base applied for real; rev_test then tests only what is pending.
SELECT rev_add('rt_base', 'CREATE TABLE base (id int PRIMARY KEY, v int); CREATE SEQUENCE seq;',
               'DROP TABLE base; DROP SEQUENCE seq;');
SELECT * FROM rev_upgrade('rt_base');

-- A correct revision, then one downgrade per kind of leftover.
SELECT rev_add('rt_good', 'CREATE TABLE good (id int PRIMARY KEY, base int REFERENCES base, note text DEFAULT ''x'');
                           CREATE INDEX good_base ON good (base);',
               'DROP TABLE good');
SELECT rev_add('rt_column', 'ALTER TABLE base ADD COLUMN IF NOT EXISTS extra text, ADD COLUMN IF NOT EXISTS extra2 int',
               'ALTER TABLE base DROP COLUMN extra2');
SELECT rev_add('rt_index', 'CREATE INDEX IF NOT EXISTS base_v ON base (v)', 'SELECT 1');
SELECT rev_add('rt_constraint', 'ALTER TABLE base ADD CONSTRAINT base_v_positive CHECK (v > 0)', 'SELECT 1');
SELECT rev_add('rt_type', $$CREATE TYPE mood AS ENUM ('ok', 'bad')$$, 'SELECT 1');
SELECT rev_add('rt_function', 'CREATE OR REPLACE FUNCTION twice(i int) RETURNS int LANGUAGE sql IMMUTABLE RETURN i * 2',
               'SELECT 1');
SELECT rev_add('rt_sequence', 'ALTER SEQUENCE seq OWNED BY base.id', 'SELECT 1');
SELECT rev_add('rt_comment', $$COMMENT ON TABLE base IS 'the base'$$, 'SELECT 1');
-- A composite type left behind.
SELECT rev_add('rt_composite', 'CREATE TYPE pair AS (a int, b int)', 'SELECT 1');
-- An irreversible revision: reported, applied once, the next ones still tested.
SELECT rev_add('rt_irreversible', 'CREATE TABLE kept (id int)', NULL);
SELECT rev_add('rt_after_irreversible', 'ALTER TABLE kept ADD COLUMN name text', 'ALTER TABLE kept DROP COLUMN name');
-- Applying again differs: a default frozen at the clock, an index with a random name.
SELECT rev_add('rt_clock', $r$DO $$ BEGIN EXECUTE format('ALTER TABLE kept ADD COLUMN at timestamptz DEFAULT %L', clock_timestamp()); END $$$r$,
               'ALTER TABLE kept DROP COLUMN at');
SELECT rev_add('rt_random', $r$DO $$ BEGIN EXECUTE format('CREATE INDEX kept_%s ON kept (id)', md5(random()::text)); END $$$r$,
               $r$DO $$ DECLARE i text; BEGIN
                     FOR i IN SELECT indexname FROM pg_indexes WHERE schemaname = 'rt' AND indexname LIKE 'kept\_%' LOOP
                         EXECUTE format('DROP INDEX rt.%I', i);
                     END LOOP; END $$$r$);
-- A downgrade that fails, and a revision that must run outside a transaction block.
SELECT rev_add('rt_failing_downgrade', 'CREATE TABLE doomed (id int)', 'DROP TABLE doomed; SELECT 1 / 0');
SELECT rev_add('rt_outside', 'CREATE INDEX CONCURRENTLY doomed_id ON doomed (id)', 'DROP INDEX CONCURRENTLY doomed_id',
               transactional => false);
SELECT rev_add('rt_last', 'CREATE TABLE last_one (id int)', 'DROP TABLE last_one');

SELECT public.rt_footprint() AS footprint \gset
SELECT revision, test, passed,
       regexp_replace(regexp_replace(detail, 'DEFAULT ''[^'']*''', 'DEFAULT ''<clock>''', 'g'),
                      'kept_[0-9a-f]{32}', 'kept_<random>', 'g') AS detail
FROM rev_test('heads', 'rt');

-- Nothing persisted: the catalogs, the applied state and the log are as before;
-- rt holds only what rt_base created.
SELECT public.rt_footprint() = :'footprint' AS catalogs_unchanged;
SELECT * FROM rev_current();
SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = 'rt'::regnamespace ORDER BY 1;
SELECT typname FROM pg_type WHERE typnamespace = 'rt'::regnamespace AND typtype IN ('e', 'c') ORDER BY 1;
SELECT count(*) AS functions FROM pg_proc WHERE pronamespace = 'rt'::regnamespace;
SELECT obj_description('rt.base'::regclass, 'pg_class') AS base_comment;

-- A target: only the revisions up to it.
SELECT revision, test, passed FROM rev_test('rt_column', 'rt');
-- Nothing pending: no rows.
SELECT * FROM rev_test('rt_base', 'rt');
-- The default schema is public.
SELECT rev_stamp('rt_last');
SELECT rev_add('rt_public', 'CREATE TABLE public.rt_public_table (id int)', 'DROP TABLE public.rt_public_table');
SELECT * FROM rev_test();
SELECT to_regclass('public.rt_public_table') AS not_created;

-- Bad input: SQLSTATE and message, nothing persisted.
\set VERBOSITY sqlstate
SELECT * FROM rev_test(NULL);
SELECT * FROM rev_test('no_such_revision');
SELECT * FROM rev_test('heads', NULL);
SELECT * FROM rev_test('heads', 'no_such_schema');
\set VERBOSITY default
SELECT * FROM rev_test('no_such_revision');
SELECT * FROM rev_test('heads', 'no_such_schema');

-- Called from revision SQL: refused (the outer call is applying).
SELECT rev_add('rt_nested', 'SELECT count(*) FROM rev_test()', 'SELECT 1');
SELECT * FROM rev_test('heads', 'rt');
-- A failing first application: its error, nothing persisted.
SELECT rev_stamp('rt_nested');
SELECT rev_add('rt_broken', 'CREATE TABLE broken (id int); SELECT 1 / 0', 'DROP TABLE broken');
SELECT * FROM rev_test('heads', 'rt');
SELECT to_regclass('rt.broken') AS not_created;

-- statement_timeout applies, inside the downgrade too; nothing persisted.
SELECT rev_stamp('rt_broken');
SELECT rev_add('rt_slow', 'CREATE TABLE slow (id int)', 'SELECT pg_sleep(30); DROP TABLE slow');
SELECT public.rt_footprint() AS footprint \gset
SET statement_timeout = '300ms';
SELECT * FROM rev_test('heads', 'rt');
RESET statement_timeout;
SELECT to_regclass('rt.slow') AS not_created;
SELECT public.rt_footprint() = :'footprint' AS catalogs_unchanged;

-- Inside the caller's transaction: the caller's own work is kept.
SELECT rev_stamp('rt_slow');
SELECT rev_add('rt_tx', 'CREATE TABLE tx (id int)', 'DROP TABLE tx');
BEGIN;
CREATE TABLE rt.mine (id int);
SELECT revision, test, passed FROM rev_test('heads', 'rt');
SELECT to_regclass('rt.mine') IS NOT NULL AS mine_kept, to_regclass('rt.tx') AS not_created;
ROLLBACK;

-- Only what a step touched is read again (the object access hook): leftovers
-- made through every route are still caught.
SELECT rev_stamp('rt_tx');
CREATE SCHEMA rt_elsewhere;
CREATE TABLE rt_elsewhere.moved (id int);
SELECT rev_add('fp_dynamic', $r$DO $$ BEGIN EXECUTE 'CREATE TABLE dyn (id int)'; EXECUTE 'CREATE INDEX dyn_id ON dyn (id)'; END $$$r$,
               'DROP INDEX dyn_id');
SELECT rev_add('fp_default', 'ALTER TABLE base ALTER COLUMN v SET DEFAULT 7', 'SELECT 1');
SELECT rev_add('fp_not_null', 'ALTER TABLE base ALTER COLUMN v SET NOT NULL', 'SELECT 1');
SELECT rev_add('fp_type', 'ALTER TABLE base ALTER COLUMN v TYPE bigint', 'SELECT 1');
SELECT rev_add('fp_enum_value', $$CREATE TYPE color AS ENUM ('red'); ALTER TYPE color ADD VALUE 'blue'$$,
               $$DROP TYPE color; CREATE TYPE color AS ENUM ('red')$$);
SELECT rev_add('fp_rename', 'ALTER TABLE base RENAME TO base2', 'SELECT 1');
SELECT rev_add('fp_set_schema', 'ALTER TABLE rt_elsewhere.moved SET SCHEMA rt', 'SELECT 1');
SELECT rev_add('fp_function', 'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$',
               'DROP FUNCTION touch()');
SELECT rev_add('fp_trigger', 'CREATE TRIGGER base2_touch BEFORE UPDATE ON base2 FOR EACH ROW EXECUTE FUNCTION touch()',
               'SELECT 1');
SELECT rev_add('fp_view', 'CREATE VIEW v AS SELECT id FROM base2', 'SELECT 1');
SELECT rev_add('fp_view_replaced', 'CREATE OR REPLACE VIEW v AS SELECT id, v FROM base2', 'SELECT 1');
SELECT rev_add('fp_function_body', 'CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.id = 0; RETURN NEW; END$$',
               'SELECT 1');
SELECT rev_add('fp_sequence', 'ALTER SEQUENCE seq INCREMENT BY 5', 'SELECT 1');
SELECT rev_add('fp_child', 'CREATE TABLE child (id int)', 'DROP TABLE child');
SELECT rev_add('fp_foreign_key', 'ALTER TABLE child ADD CONSTRAINT child_base2 FOREIGN KEY (id) REFERENCES base2 (id)',
               'SELECT 1');
SELECT rev_add('fp_comment', $$COMMENT ON COLUMN base2.v IS 'value'$$, 'SELECT 1');
SELECT rev_add('fp_domain', 'CREATE DOMAIN posint AS int CHECK (VALUE > 0)', 'DROP DOMAIN posint');
SELECT rev_add('fp_domain_check', 'ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 100)', 'SELECT 1');
SELECT rev_add('fp_policy', 'ALTER TABLE child ENABLE ROW LEVEL SECURITY; CREATE POLICY child_own ON child USING (id > 0)',
               'ALTER TABLE child DISABLE ROW LEVEL SECURITY');
SELECT rev_add('fp_partitioned', 'CREATE TABLE part (k int) PARTITION BY RANGE (k); CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (0) TO (10)',
               'DROP TABLE part');
SELECT rev_add('fp_partition', 'CREATE TABLE part_2 PARTITION OF part FOR VALUES FROM (10) TO (20)', 'SELECT 1');
SELECT rev_add('fp_row_security', 'ALTER TABLE base2 ENABLE ROW LEVEL SECURITY', 'SELECT 1');
SELECT revision, test, passed, detail FROM rev_test('heads', 'rt')
WHERE test = 'downgrade_leaves_no_trace';
DROP TABLE rt_elsewhere.moved;
DROP SCHEMA rt_elsewhere;

-- Privileges: not granted to PUBLIC.
SELECT has_function_privilege('public', 'rev_test(text, name)', 'EXECUTE') AS public_can_execute;

RESET search_path;
DROP FUNCTION public.rt_footprint();
DROP SCHEMA rt CASCADE;
