-- rev_lint: every statement of the plan reviewed against the live catalog.
-- Fixtures: tables with rows, then one revision per hazardous statement
-- (each must be flagged with its severity and rule) and one per safe one
-- (no error row), chained in one plan.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

CREATE TABLE lint_big (id int NOT NULL, a int, b varchar(10), c numeric(10,2), d text,
                       e timestamp(3), f int, g int, h char(5));
INSERT INTO lint_big SELECT i, i, 'b' || i, i, 'd' || i, '2020-01-01', i, i, 'h'
    FROM generate_series(1, 2000) i;
CREATE UNIQUE INDEX lint_big_id ON lint_big (id);
CREATE INDEX lint_big_a ON lint_big (a);
ALTER TABLE lint_big ADD CONSTRAINT lint_big_f_nn CHECK (f IS NOT NULL);
CREATE TABLE lint_ref (id int PRIMARY KEY, name text);
INSERT INTO lint_ref SELECT i, 'r' || i FROM generate_series(1, 500) i;
CREATE TABLE lint_child (id int, ref_id int, other_id int);
INSERT INTO lint_child SELECT i, i % 500 + 1, i % 500 + 1 FROM generate_series(1, 1000) i;
CREATE INDEX lint_child_other ON lint_child (other_id);
CREATE UNLOGGED TABLE lint_unlogged (id int);
INSERT INTO lint_unlogged SELECT generate_series(1, 1000);
CREATE TABLE lint_empty (id int, a int);
CREATE MATERIALIZED VIEW lint_mv AS SELECT id FROM lint_big;
CREATE TABLE lint_part (id int, k int) PARTITION BY RANGE (id);
CREATE TABLE lint_part_1 PARTITION OF lint_part FOR VALUES FROM (0) TO (1000);
CREATE TABLE lint_part_2 PARTITION OF lint_part FOR VALUES FROM (1000) TO (2000);
INSERT INTO lint_part SELECT i, i FROM generate_series(0, 1999) i;
CREATE SEQUENCE lint_seq;
CREATE FUNCTION lint_stable() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';

CREATE TEMP TABLE fixture (
    id text PRIMARY KEY,
    sql text NOT NULL,
    transactional boolean NOT NULL DEFAULT true,
    statement integer,          -- the statement expected to be flagged
    severity text,              -- NULL: safe, no error row
    rule text);

INSERT INTO fixture (id, sql, statement, severity, rule) VALUES
('h01', 'ALTER TABLE lint_big ADD COLUMN x1 double precision DEFAULT random()', 1, 'error', 'add-column-volatile-default'),
('h02', 'ALTER TABLE lint_big ADD COLUMN x2 timestamptz DEFAULT clock_timestamp()', 1, 'error', 'add-column-volatile-default'),
('h03', 'ALTER TABLE lint_big ADD COLUMN x3 uuid DEFAULT gen_random_uuid()', 1, 'error', 'add-column-volatile-default'),
('h04', 'ALTER TABLE public.lint_big ADD COLUMN x4 int DEFAULT nextval(''lint_seq'')', 1, 'error', 'add-column-volatile-default'),
('h05', 'ALTER TABLE lint_big ADD COLUMN x5 int GENERATED ALWAYS AS (a * 2) STORED', 1, 'error', 'add-column-stored-generated'),
('h06', 'ALTER TABLE lint_big ADD COLUMN x6 serial', 1, 'error', 'add-column-serial'),
('h07', 'ALTER TABLE lint_big ADD COLUMN x7 bigserial', 1, 'error', 'add-column-serial'),
('h08', 'ALTER TABLE lint_big ADD COLUMN x8 int GENERATED ALWAYS AS IDENTITY', 1, 'error', 'add-column-identity'),
('h09', 'ALTER TABLE lint_big ALTER COLUMN a TYPE bigint', 1, 'error', 'alter-column-type'),
('h10', 'ALTER TABLE lint_big ALTER COLUMN b TYPE varchar(5)', 1, 'error', 'alter-column-type'),
('h11', 'ALTER TABLE lint_big ALTER COLUMN d TYPE varchar(20)', 1, 'error', 'alter-column-type'),
('h12', 'ALTER TABLE lint_big ALTER COLUMN c TYPE numeric(10,3)', 1, 'error', 'alter-column-type'),
('h13', 'ALTER TABLE lint_big ALTER COLUMN a TYPE text USING a::text', 1, 'error', 'alter-column-type'),
('h14', 'ALTER TABLE lint_big ALTER COLUMN h TYPE char(10)', 1, 'error', 'alter-column-type'),
('h15', 'ALTER TABLE lint_big ALTER COLUMN e TYPE timestamptz', 1, 'error', 'alter-column-type'),
('h16', 'ALTER TABLE lint_big ALTER COLUMN a SET NOT NULL', 1, 'error', 'set-not-null'),
('h17', 'SELECT 1; ALTER TABLE lint_big ALTER g SET NOT NULL', 2, 'error', 'set-not-null'),
('h18', 'ALTER TABLE lint_big ADD CONSTRAINT lint_chk1 CHECK (a > 0)', 1, 'error', 'add-check'),
('h19', 'ALTER TABLE lint_big ADD CHECK (g < 100000)', 1, 'error', 'add-check'),
('h20', 'ALTER TABLE lint_child ADD CONSTRAINT lint_fk1 FOREIGN KEY (ref_id) REFERENCES lint_ref (id)', 1, 'error', 'add-foreign-key'),
('h21', 'ALTER TABLE lint_child ADD FOREIGN KEY (other_id) REFERENCES lint_ref', 1, 'error', 'add-foreign-key'),
('h22', 'CREATE INDEX ON lint_big (b)', 1, 'error', 'create-index'),
('h23', 'CREATE UNIQUE INDEX lint_big_u ON lint_big (id, a)', 1, 'error', 'create-index'),
('h24', 'CREATE INDEX lint_big_expr ON lint_big (lower(d))', 1, 'error', 'create-index'),
('h25', 'CREATE INDEX ON lint_part (k)', 1, 'error', 'create-index'),
('h26', 'ALTER TABLE lint_big ADD CONSTRAINT lint_big_uq UNIQUE (id)', 1, 'error', 'add-unique'),
('h27', 'ALTER TABLE lint_child ADD PRIMARY KEY (id)', 1, 'error', 'add-primary-key'),
('h28', 'ALTER TABLE lint_big ADD CONSTRAINT lint_ex EXCLUDE USING btree (id WITH =)', 1, 'error', 'add-exclusion-constraint'),
('h29', 'DROP INDEX lint_big_a', 1, 'error', 'drop-index'),
('h30', 'DROP INDEX public.lint_child_other', 1, 'error', 'drop-index'),
('h31', 'REINDEX TABLE lint_big', 1, 'error', 'reindex'),
('h32', 'REINDEX INDEX lint_big_id', 1, 'error', 'reindex'),
('h35', 'CLUSTER lint_big USING lint_big_id', 1, 'error', 'cluster'),
('h36', 'ALTER TABLE lint_big SET UNLOGGED', 1, 'error', 'set-unlogged'),
('h37', 'ALTER TABLE lint_unlogged SET LOGGED', 1, 'error', 'set-logged'),
('h38', 'REFRESH MATERIALIZED VIEW lint_mv', 1, 'error', 'refresh-materialized-view'),
('h39', 'ALTER TABLE lint_big ADD COLUMN x9 int CHECK (x9 > 0)', 1, 'error', 'add-check'),
('h40', 'ALTER TABLE lint_big ADD COLUMN x10 int UNIQUE', 1, 'error', 'add-unique'),
('h41', 'ALTER TABLE lint_big ALTER COLUMN b TYPE int USING b::int, ALTER COLUMN g SET NOT NULL', 1, 'error', 'set-not-null'),
('h42', 'CREATE INDEX lint_big_c ON lint_big USING hash (c)', 1, 'error', 'create-index'),
('w01', 'DROP TABLE lint_child', 1, 'warning', 'drop-table'),
('w02', 'ALTER TABLE lint_big DROP COLUMN d', 1, 'warning', 'drop-column'),
('w03', 'ALTER TABLE lint_big RENAME COLUMN b TO bb', 1, 'warning', 'rename-column'),
('w04', 'ALTER TABLE lint_ref RENAME TO lint_ref2', 1, 'warning', 'rename-table'),
('w05', 'ALTER TABLE lint_big ALTER COLUMN b TYPE text', 1, 'warning', 'visible-type-change'),
('w06', 'ALTER TABLE lint_child ADD CONSTRAINT lint_fk3 FOREIGN KEY (ref_id) REFERENCES lint_ref NOT VALID', 1, 'warning', 'foreign-key-without-index'),
('w07', 'LOCK TABLE lint_big IN ACCESS EXCLUSIVE MODE', 1, 'warning', 'lock-without-timeout'),
('w08', 'ALTER TABLE lint_big ADD COLUMN x11 int', 1, 'warning', 'lock-without-timeout'),
('w09', 'ALTER TABLE lint_big ADD CONSTRAINT lint_chk2 CHECK (a > 0) NOT VALID; ALTER TABLE lint_big VALIDATE CONSTRAINT lint_chk2', 2, 'warning', 'not-valid-then-validate'),
('w10', 'SET LOCAL lock_timeout = ''1s''; LOCK TABLE lint_ref IN ACCESS EXCLUSIVE MODE; SELECT 1', 3, 'warning', 'statements-after-access-exclusive'),
('w11', 'CREATE TRIGGER lint_trg BEFORE INSERT ON lint_big FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()', 1, 'warning', 'lock-without-timeout');

INSERT INTO fixture (id, sql, transactional, statement, severity, rule) VALUES
('h33', 'VACUUM FULL lint_big', false, 1, 'error', 'vacuum-full'),
('h34', 'VACUUM (FULL, ANALYZE) lint_child', false, 1, 'error', 'vacuum-full');

-- Safe: no error row.
INSERT INTO fixture (id, sql) VALUES
('s01', 'CREATE TABLE lint_new (id int PRIMARY KEY, a int, b varchar(10))'),
('s02', 'CREATE INDEX lint_new_a ON lint_new (a)'),
('s03', 'ALTER TABLE lint_new ADD COLUMN c float DEFAULT random()'),
('s04', 'ALTER TABLE lint_new ALTER COLUMN a TYPE bigint'),
('s05', 'ALTER TABLE lint_new ALTER COLUMN b SET NOT NULL'),
('s06', 'ALTER TABLE lint_new ADD CONSTRAINT lint_new_chk CHECK (a > 0)'),
('s07', 'ALTER TABLE lint_new ADD FOREIGN KEY (a) REFERENCES lint_ref (id)'),
('s08', 'ALTER TABLE lint_new ADD UNIQUE (b)'),
('s09', 'DROP INDEX lint_new_a'),
('s10', 'ALTER TABLE lint_new RENAME TO lint_new_r; CREATE INDEX ON lint_new_r (b); ALTER TABLE lint_new_r ADD COLUMN d serial'),
('s11', 'ALTER TABLE lint_big ADD COLUMN s1 int'),
('s12', 'ALTER TABLE lint_big ADD COLUMN s2 int DEFAULT 0'),
('s13', 'ALTER TABLE lint_big ADD COLUMN s3 text DEFAULT ''x'''),
('s14', 'ALTER TABLE lint_big ADD COLUMN s4 timestamptz DEFAULT now()'),
('s15', 'ALTER TABLE lint_big ADD COLUMN s5 int DEFAULT lint_stable()'),
('s16', 'ALTER TABLE lint_big ALTER COLUMN b TYPE varchar(20)'),
('s17', 'ALTER TABLE lint_big ALTER COLUMN b TYPE varchar'),
('s18', 'ALTER TABLE lint_big ALTER COLUMN c TYPE numeric(12,2)'),
('s19', 'ALTER TABLE lint_big ALTER COLUMN c TYPE numeric'),
('s20', 'ALTER TABLE lint_big ALTER COLUMN e TYPE timestamp(6)'),
('s21', 'ALTER TABLE lint_big ALTER COLUMN b TYPE text'),
('s22', 'ALTER TABLE lint_big ALTER COLUMN f SET NOT NULL'),
('s23', 'ALTER TABLE lint_big ALTER COLUMN id SET NOT NULL'),
('s24', 'ALTER TABLE lint_big ADD CONSTRAINT lint_s_chk CHECK (a > 0) NOT VALID'),
('s25', 'ALTER TABLE lint_big VALIDATE CONSTRAINT lint_big_f_nn'),
('s26', 'ALTER TABLE lint_child ADD CONSTRAINT lint_s_fk FOREIGN KEY (other_id) REFERENCES lint_ref NOT VALID'),
('s27', 'ALTER TABLE lint_big ADD CONSTRAINT lint_big_pk PRIMARY KEY USING INDEX lint_big_id'),
('s28', 'ALTER TABLE lint_big ADD CONSTRAINT lint_big_uq2 UNIQUE USING INDEX lint_big_id'),
('s29', 'ANALYZE lint_big'),
('s30', 'INSERT INTO lint_big (id) VALUES (-1)'),
('s31', 'UPDATE lint_ref SET name = ''x'' WHERE id = 1'),
('s32', 'DELETE FROM lint_ref WHERE id = -5'),
('s33', 'CREATE VIEW lint_v AS SELECT id FROM lint_big'),
('s34', 'CREATE FUNCTION lint_f() RETURNS int LANGUAGE sql AS ''SELECT 1'''),
('s35', 'COMMENT ON TABLE lint_big IS ''big'''),
('s36', 'GRANT SELECT ON lint_big TO PUBLIC'),
('s37', 'CREATE SEQUENCE lint_s_seq'),
('s38', 'ALTER TABLE lint_big SET (fillfactor = 90)'),
('s39', 'ALTER TABLE lint_big ALTER COLUMN a SET STATISTICS 500'),
('s40', 'ALTER TABLE lint_big ALTER COLUMN a SET DEFAULT 1'),
('s41', 'ALTER TABLE lint_big ALTER COLUMN a DROP DEFAULT'),
('s42', 'ALTER TABLE lint_big ALTER COLUMN id DROP NOT NULL'),
('s43', 'ALTER TABLE lint_empty ADD COLUMN z float DEFAULT random()'),
('s44', 'CREATE INDEX ON lint_empty (a)'),
('s45', 'ALTER TABLE lint_empty ALTER COLUMN a TYPE bigint'),
('s46', 'CREATE SCHEMA lint_s'),
('s47', 'CREATE TYPE lint_enum AS ENUM (''a'')'),
('s48', 'SET lock_timeout = ''1s'''),
('s49', 'SELECT 1'),
('s50', 'DO $$ BEGIN END $$'),
('s51', 'CREATE TABLE lint_new2 AS SELECT * FROM lint_big; CREATE INDEX ON lint_new2 (a); VACUUM FULL lint_new2'),
('s52', 'ALTER TABLE lint_big ALTER COLUMN d SET STORAGE EXTERNAL'),
('s53', 'REFRESH MATERIALIZED VIEW CONCURRENTLY lint_mv'),
('s54', 'CREATE TABLE lint_new3 (id int REFERENCES lint_ref)'),
('s55', 'ALTER TABLE lint_part ADD COLUMN z int'),
('s56', 'CREATE TABLE lint_new4 (id int); INSERT INTO lint_new4 SELECT 1; ALTER TABLE lint_new4 ADD COLUMN t timestamptz DEFAULT clock_timestamp(), ALTER COLUMN id TYPE text, ADD CHECK (id <> '''')'),
('s57', 'ALTER TABLE lint_child ALTER COLUMN other_id TYPE int'),
('s58', 'ALTER TABLE lint_big ADD COLUMN s6 int DEFAULT lint_not_yet()'),
('s65', 'CREATE INDEX lint_part_k ON ONLY lint_part (k)');

INSERT INTO fixture (id, sql, transactional) VALUES
('s59', 'CREATE INDEX CONCURRENTLY lint_big_b ON lint_big (b)', false),
('s60', 'DROP INDEX CONCURRENTLY lint_big_a', false),
('s61', 'REINDEX INDEX CONCURRENTLY lint_big_id', false),
('s62', 'REINDEX TABLE CONCURRENTLY lint_big', false),
('s63', 'VACUUM lint_big', false),
('s64', 'VACUUM (ANALYZE) lint_big', false);

SELECT count(*) FILTER (WHERE severity = 'error') AS hazardous_errors,
       count(*) FILTER (WHERE severity = 'warning') AS hazardous_warnings,
       count(*) FILTER (WHERE severity IS NULL) AS safe
FROM fixture;

-- One chain of revisions, one per fixture, in id order.
DO $$
DECLARE
    f record;
    parent text := NULL;
BEGIN
    FOR f IN SELECT * FROM fixture ORDER BY id LOOP
        PERFORM rev_add('lint_' || f.id, f.sql, NULL,
                        CASE WHEN parent IS NULL THEN '{}'::text[] ELSE ARRAY[parent] END,
                        transactional => f.transactional);
        parent := 'lint_' || f.id;
    END LOOP;
END $$;

CREATE TEMP TABLE lint AS SELECT * FROM rev_lint();

-- Every hazardous fixture is flagged at its statement with its severity and
-- rule (and an error names the table in relation); no safe fixture has an error.
SELECT f.id, f.severity, f.rule,
       EXISTS (SELECT FROM lint l
               WHERE l.revision = 'lint_' || f.id AND l.statement = f.statement
                 AND l.severity = f.severity AND l.rule = f.rule
                 AND (l.severity = 'warning' OR l.relation IS NOT NULL OR f.rule = 'vacuum-full')) AS flagged
FROM fixture f WHERE f.severity IS NOT NULL ORDER BY f.id;

SELECT f.id, l.rule, l.message
FROM fixture f JOIN lint l ON l.revision = 'lint_' || f.id
WHERE f.severity IS NULL AND l.severity = 'error';

-- The warnings the safe fixtures get (each one explained).
SELECT l.revision, l.statement, l.rule, l.relation
FROM fixture f JOIN lint l ON l.revision = 'lint_' || f.id
WHERE f.severity IS NULL ORDER BY 1, 2, 3;

-- Full rows of a few findings: the message names the table, its size, the
-- lock and what it blocks; the hint gives the safe form.
\x on
SELECT * FROM lint
WHERE (revision, rule) IN (('lint_h01', 'add-column-volatile-default'), ('lint_h09', 'alter-column-type'),
                           ('lint_h16', 'set-not-null'), ('lint_h20', 'add-foreign-key'),
                           ('lint_h22', 'create-index'), ('lint_h29', 'drop-index'),
                           ('lint_h33', 'vacuum-full'), ('lint_w06', 'foreign-key-without-index'),
                           ('lint_w08', 'lock-without-timeout'), ('lint_w09', 'not-valid-then-validate'),
                           ('lint_w10', 'statements-after-access-exclusive'), ('lint_w05', 'visible-type-change'))
ORDER BY revision, statement, rule;
\x off

-- Settings the deploy will run with count as a lock timeout.
SET pg_revisions.lock_timeout = '100ms';
SELECT count(*) AS lock_warnings FROM rev_lint() WHERE rule = 'lock-without-timeout';
RESET pg_revisions.lock_timeout;
SET lock_timeout = '2s';
SELECT count(*) AS lock_warnings FROM rev_lint() WHERE rule = 'lock-without-timeout';
RESET lock_timeout;

-- Targets: a part of the plan, nothing pending, bad input.
SELECT DISTINCT revision FROM rev_lint('lint_h02') ORDER BY 1;
SELECT * FROM rev_upgrade('lint_h01');
SELECT count(*) FROM rev_lint('lint_h01');
SELECT * FROM rev_lint('base');
SELECT * FROM rev_lint(NULL);
SELECT * FROM rev_lint('');
SELECT * FROM rev_lint('no_such_revision');
SELECT * FROM rev_lint('lint_');

-- rev_lint runs nothing and takes no lock stronger than a SELECT's.
BEGIN;
SELECT count(*) > 0 AS found FROM rev_lint();
SELECT DISTINCT mode FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'relation'
  AND relation IN ('lint_big'::regclass, 'lint_ref'::regclass, 'lint_child'::regclass);
COMMIT;
SELECT count(*) AS columns_of_lint_big FROM pg_attribute
WHERE attrelid = 'lint_big'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT to_regclass('lint_new') AS lint_new;

-- Clean up.
DROP TABLE lint_big, lint_ref, lint_child, lint_unlogged, lint_empty, lint_part CASCADE;
DROP SEQUENCE lint_seq;
DROP FUNCTION lint_stable();
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

-- Not callable by PUBLIC; grantable to a monitoring role.
CREATE ROLE regress_lint_monitor;
SET ROLE regress_lint_monitor;
SELECT * FROM rev_lint();
RESET ROLE;
GRANT EXECUTE ON FUNCTION rev_lint(text) TO regress_lint_monitor;
SET ROLE regress_lint_monitor;
SELECT * FROM rev_lint();
RESET ROLE;
REVOKE EXECUTE ON FUNCTION rev_lint(text) FROM regress_lint_monitor;
DROP ROLE regress_lint_monitor;
