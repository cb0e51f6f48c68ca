-- rev_rehearse: the plan run on the real data in a subtransaction that is
-- always rolled back; per statement the locks newly taken on relations
-- that existed before the call, rewrites, durations.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

CREATE TABLE rh_big (id int PRIMARY KEY, a int, b varchar(10), d text);
INSERT INTO rh_big SELECT i, i, 'b' || i, 'd' || i FROM generate_series(1, 1000) i;
CREATE INDEX rh_big_a ON rh_big (a);
CREATE TABLE rh_ref (id int PRIMARY KEY);
INSERT INTO rh_ref SELECT generate_series(1, 100);
CREATE TABLE rh_child (id int, ref_id int);
INSERT INTO rh_child SELECT i, i % 100 + 1 FROM generate_series(1, 500) i;
CREATE MATERIALIZED VIEW rh_mv AS SELECT id FROM rh_big;

CREATE TEMP TABLE fixture (id text PRIMARY KEY, sql text NOT NULL);
INSERT INTO fixture VALUES
('f01', 'ALTER TABLE rh_big ADD COLUMN c int'),
('f02', 'ALTER TABLE rh_big ADD COLUMN c float DEFAULT random()'),
('f03', 'ALTER TABLE rh_big ALTER COLUMN a TYPE bigint'),
('f04', 'ALTER TABLE rh_big ALTER COLUMN b TYPE varchar(20)'),
('f05', 'ALTER TABLE rh_big ALTER COLUMN a SET NOT NULL'),
('f06', 'ALTER TABLE rh_big ADD CONSTRAINT rh_chk CHECK (a > 0)'),
('f07', 'ALTER TABLE rh_big ADD CONSTRAINT rh_chk CHECK (a > 0) NOT VALID'),
('f08', 'ALTER TABLE rh_child ADD FOREIGN KEY (ref_id) REFERENCES rh_ref'),
('f09', 'ALTER TABLE rh_child ADD FOREIGN KEY (ref_id) REFERENCES rh_ref NOT VALID'),
('f10', 'CREATE INDEX rh_big_b ON rh_big (b)'),
('f11', 'DROP INDEX rh_big_a'),
('f12', 'REINDEX INDEX rh_big_a'),
('f13', 'CLUSTER rh_big USING rh_big_pkey'),
('f14', 'ALTER TABLE rh_big SET UNLOGGED'),
('f15', 'REFRESH MATERIALIZED VIEW rh_mv'),
('f16', 'LOCK TABLE rh_ref IN SHARE ROW EXCLUSIVE MODE'),
('f17', 'TRUNCATE rh_child'),
('f18', 'UPDATE rh_ref SET id = id WHERE id = 1'),
('f19', 'SELECT count(*) FROM rh_big'),
('f20', 'DELETE FROM rh_child WHERE id < 0'),
('f21', 'CREATE TABLE rh_new (id int REFERENCES rh_ref)'),
('f22', 'ALTER TABLE rh_big RENAME COLUMN d TO dd'),
('f23', 'DROP TABLE rh_child'),
('f24', 'CREATE TABLE rh_new2 (id int)'),
('f25', 'ALTER TABLE rh_big ALTER COLUMN b SET DEFAULT ''x''');

-- Each fixture is a root revision of its own: rev_rehearse(id) runs just it.
SELECT count(rev_add('rh_' || id, sql, NULL, '{}')) FROM fixture;

-- For each fixture: the locks rev_rehearse reports, and the ones pg_locks
-- shows for this backend when the same statement runs in a subtransaction
-- (then rolled back), on the relations of schema public that existed
-- before (named as they were: a dropped one is gone from pg_class).
CREATE TEMP TABLE known AS
    SELECT c.oid, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public';
CREATE TEMP TABLE result (id text, rehearsed text[], in_pg_locks text[], rewrote boolean,
                          rows integer, durations_ok boolean);
DO $$
DECLARE
    f record;
    v_rehearsed text[];
    v_actual text[];
    v_rewrote boolean;
    v_rows integer;
    v_durations_ok boolean;
BEGIN
    FOR f IN SELECT * FROM fixture ORDER BY id LOOP
        SELECT coalesce(array_agg(relation || ' ' || lock_mode ORDER BY relation, lock_mode)
                        FILTER (WHERE lock_mode IS NOT NULL AND relation LIKE 'public.%'), '{}'),
               bool_or(r.rewrote), count(*), bool_and(r.duration_ms >= 0)
          INTO v_rehearsed, v_rewrote, v_rows, v_durations_ok
          FROM rev_rehearse('rh_' || f.id) r;
        BEGIN
            EXECUTE f.sql;
            SELECT coalesce(array_agg(k.name || ' ' || l.mode ORDER BY k.name, l.mode), '{}')
              INTO v_actual
              FROM pg_locks l JOIN known k ON k.oid = l.relation
             WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted;
            RAISE EXCEPTION 'roll back';
        EXCEPTION WHEN raise_exception THEN
            NULL;
        END;
        INSERT INTO result VALUES (f.id, v_rehearsed, v_actual, v_rewrote, v_rows, v_durations_ok);
    END LOOP;
END $$;
SELECT id, rehearsed = in_pg_locks AS same_as_pg_locks, rewrote, durations_ok,
       (SELECT string_agg(l, ', ') FROM unnest(rehearsed) l
        WHERE l ~ '^public\.rh_(big|ref|child|mv) ') AS table_locks
FROM result ORDER BY id;

-- Nothing persisted: no table, no column, no index, nothing applied.
SELECT to_regclass('rh_new') AS rh_new, to_regclass('rh_big_b') AS rh_big_b,
       to_regclass('rh_child') AS rh_child, to_regclass('rh_big_a') AS rh_big_a;
SELECT string_agg(attname, ',' ORDER BY attnum) AS columns FROM pg_attribute
WHERE attrelid = 'rh_big'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT count(*) AS rows, (SELECT relpersistence FROM pg_class WHERE oid = 'rh_big'::regclass)
FROM rh_big;
SELECT count(*) AS child_rows FROM rh_child;
SELECT count(*) AS applied FROM rev_current();
SELECT count(*) AS operations FROM revisions.operation;
SELECT count(*) AS locks_left FROM pg_locks
WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = 'rh_big'::regclass;

-- A plan of several revisions: statements numbered within each revision,
-- a statement with no lock on an existing relation has one row.
SELECT rev_add('rh_p1', 'CREATE TABLE rh_p (id int); ALTER TABLE rh_big ADD COLUMN p int', NULL, '{}');
SELECT rev_add('rh_p2', 'INSERT INTO rh_p VALUES (1); -- a comment
SELECT 1 FROM rh_ref LIMIT 1', NULL, '{rh_p1}');
SELECT revision, statement, command, relation, lock_mode, rewrote FROM rev_rehearse('rh_p2')
ORDER BY revision, statement, relation, lock_mode;
SELECT to_regclass('rh_p') AS rh_p;

-- An error: raised as it is, nothing persists.
SELECT rev_add('rh_err', 'CREATE TABLE rh_err_t (id int); SELECT 1 / 0', NULL, '{}');
SELECT * FROM rev_rehearse('rh_err');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('rh_err_t') AS rh_err_t;

-- statement_timeout still applies to the call.
SELECT rev_add('rh_slow', 'CREATE TABLE rh_slow_t (id int); SELECT pg_sleep(5)', NULL, '{}');
SET statement_timeout = '300ms';
SELECT * FROM rev_rehearse('rh_slow');
RESET statement_timeout;
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('rh_slow_t') AS rh_slow_t;

-- Inside a transaction: the caller's transaction goes on, nothing of the
-- rehearsal in it.
BEGIN;
SELECT count(*) > 0 AS rows FROM rev_rehearse('rh_f03');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'rh_big'::regclass AND attname = 'a';
COMMIT;

-- Bad input; a plan with a transactional => false revision.
SELECT * FROM rev_rehearse(NULL);
SELECT * FROM rev_rehearse('');
SELECT * FROM rev_rehearse('rh_nope');
SELECT rev_add('rh_out', 'VACUUM rh_big', NULL, '{}', transactional => false);
SELECT * FROM rev_rehearse('rh_out');

-- Not callable by PUBLIC.
CREATE ROLE regress_rh_plain;
SET ROLE regress_rh_plain;
SELECT * FROM rev_rehearse('rh_f01');
RESET ROLE;
DROP ROLE regress_rh_plain;

DROP MATERIALIZED VIEW rh_mv;
DROP TABLE rh_big, rh_child, rh_ref;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
