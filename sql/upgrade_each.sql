-- CALL rev_upgrade_each(target): one transaction per revision.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

-- A chain of 20 revisions, each creating 10 tables and taking 4,000
-- transaction-level advisory locks (the locks of a big data migration, taken
-- quickly): 80,000 locks, more than the whole lock table of the test cluster
-- (max_locks_per_transaction = 256: about 31,000 slots, 45,000 at most
-- with the spare shared memory).
DO $$
DECLARE
    parent text[] := '{}';
BEGIN
    FOR i IN 1..20 LOOP
        PERFORM rev_add('each' || i,
            pg_catalog.format($sql$
                DO $d$ BEGIN
                    FOR t IN 1..10 LOOP
                        EXECUTE pg_catalog.format('CREATE TABLE each_%s_%%s (id int PRIMARY KEY, v text)', t);
                    END LOOP;
                END $d$;
                SELECT pg_catalog.count(pg_catalog.pg_advisory_xact_lock(%s, g))
                FROM pg_catalog.generate_series(1, 4000) g$sql$, i, i),
            NULL, parent, message => 'step ' || i);
        parent := ARRAY['each' || i];
    END LOOP;
END $$;

-- In one transaction it overflows the lock table (53200, out of shared
-- memory; where exactly depends on the server's shared memory), and nothing
-- is applied.
SET client_min_messages = warning;
\set VERBOSITY sqlstate
SELECT count(*) FROM rev_upgrade();
\set VERBOSITY default
RESET client_min_messages;
SELECT count(*) AS applied FROM rev_current();
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE 'each\_%' AND relkind = 'r';

-- One transaction per revision: all of it applies, each revision recorded
-- by its own operation-log row.
CALL rev_upgrade_each();
SELECT * FROM rev_current();
SELECT count(*) AS tables FROM pg_class WHERE relname LIKE 'each\_%' AND relkind = 'r';
SELECT count(*) AS operations, min(pg_catalog.array_length(revisions, 1)) AS revisions_each
FROM revisions.operation WHERE operation = 'upgrade';
SELECT count(*) AS advisory_locks_left FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid();
-- Nothing to do: no error, nothing recorded.
CALL rev_upgrade_each();
SELECT count(*) AS operations FROM revisions.operation;

-- A failing revision in the middle: the revisions before it stay applied
-- and recorded, nothing of it persists, the error keeps its SQLSTATE and
-- names it.
SELECT rev_add('f1', 'CREATE TABLE each_f1 (id int)', 'DROP TABLE each_f1');
SELECT rev_add('f2', 'CREATE TABLE each_f2 (id int); SELECT 1 / 0', 'DROP TABLE each_f2');
SELECT rev_add('f3', 'CREATE TABLE each_f3 (id int)', 'DROP TABLE each_f3');
CALL rev_upgrade_each();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM rev_current();
SELECT to_regclass('each_f1') AS f1, to_regclass('each_f2') AS f2, to_regclass('each_f3') AS f3;
SELECT revisions FROM revisions.operation ORDER BY id DESC LIMIT 1;

-- A target already reached: nothing to do.  Then f1 is reverted, and f2
-- and f3 dropped.
CALL rev_upgrade_each('f1');
SELECT * FROM rev_downgrade('each20');
SELECT rev_drop('f3');
SELECT rev_drop('f2');

-- Lock-timeout retries apply per revision here too.
SET pg_revisions.lock_timeout = '1s';
SELECT rev_add('f4', $$CREATE TABLE each_f4 AS SELECT pg_catalog.current_setting('lock_timeout') AS t$$,
               'DROP TABLE each_f4');
CALL rev_upgrade_each();
SELECT * FROM each_f4;
RESET pg_revisions.lock_timeout;

-- Refused inside a transaction block or a function, and for bad targets;
-- a plan with a transactional => false revision is refused before anything.
BEGIN;
CALL rev_upgrade_each();
ROLLBACK;
CREATE FUNCTION each_in_function() RETURNS void LANGUAGE plpgsql AS $$BEGIN CALL rev_upgrade_each(); END$$;
SELECT each_in_function();
DROP FUNCTION each_in_function();
SELECT rev_upgrade_each();
CALL rev_upgrade_each(NULL);
CALL rev_upgrade_each('');
CALL rev_upgrade_each('no_such_revision');
SELECT rev_add('f5', 'CREATE TABLE each_f5 (id int)', 'DROP TABLE each_f5');
SELECT rev_add('f6', 'VACUUM each_f5', transactional => false);
CALL rev_upgrade_each();
SELECT to_regclass('each_f5') AS f5;

-- Not callable by PUBLIC.
CREATE ROLE regress_each_plain;
SET ROLE regress_each_plain;
CALL rev_upgrade_each();
RESET ROLE;
DROP ROLE regress_each_plain;

DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT relname FROM pg_class WHERE relname ~ '^each_[0-9]+_[0-9]+$' AND relkind = 'r' LOOP
        EXECUTE pg_catalog.format('DROP TABLE %I', r.relname);
    END LOOP;
END $$;
DROP TABLE each_f1, each_f4;
