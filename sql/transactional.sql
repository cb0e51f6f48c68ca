-- A failing revision leaves nothing behind, keeps its SQLSTATE and names the
-- revision; statements that cannot run in a transaction are refused; a SET
-- inside a revision does not leak.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

CREATE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- The second of three revisions fails.
SELECT rev_add('t1', 'CREATE TABLE tx_one (id int); INSERT INTO tx_one VALUES (1);', 'DROP TABLE tx_one');
SELECT rev_add('t2', 'CREATE TABLE tx_two (id int); SELECT 1 / 0;', 'DROP TABLE tx_two', message => 'divides by zero');
SELECT rev_add('t3', 'CREATE TABLE tx_three (id int)', 'DROP TABLE tx_three');
SELECT * FROM rev_upgrade('head');
-- Its original SQLSTATE (22012 division_by_zero), not a generic one.
SELECT pg_temp.sqlstate_of($$SELECT rev_upgrade('head')$$) AS sqlstate;
-- Nothing persisted: no table, no applied row, no log row.
SELECT count(*) AS tables FROM pg_tables WHERE tablename LIKE 'tx\_%';
SELECT (SELECT count(*) FROM revisions.applied) AS applied,
       (SELECT count(*) FROM revisions.operation) AS logged;

-- The same inside the caller's transaction, rolled back to a savepoint.
BEGIN;
SELECT * FROM rev_upgrade('t1');
SAVEPOINT before_t2;
SELECT * FROM rev_upgrade('head');
ROLLBACK TO before_t2;
SELECT * FROM rev_current();
ROLLBACK;
SELECT count(*) AS applied_after_rollback FROM revisions.applied;

-- A syntax error points into the revision's SQL.
SELECT rev_add('syntax', 'CREATE TABLE tx_syntax (id int);' || chr(10) || 'CREAT TABLE oops ();', down_revision => '{}');
SELECT * FROM rev_upgrade('syntax');

-- Statements that cannot run inside a transaction, or would end it.
SELECT rev_drop('syntax');
SELECT rev_add('cic', 'CREATE TABLE tx_cic (id int); CREATE INDEX CONCURRENTLY ON tx_cic (id);', down_revision => '{}');
SELECT * FROM rev_upgrade('cic');
SELECT rev_drop('cic');
SELECT rev_add('vac', 'VACUUM', down_revision => '{}');
SELECT * FROM rev_upgrade('vac');
SELECT rev_drop('vac');
SELECT rev_add('commit', 'CREATE TABLE tx_commit (id int); COMMIT;', down_revision => '{}');
SELECT * FROM rev_upgrade('commit');
SELECT rev_drop('commit');
SELECT rev_add('rollback', 'ROLLBACK', down_revision => '{}');
SELECT * FROM rev_upgrade('rollback');
SELECT rev_drop('rollback');
SELECT rev_add('savepoint', 'SAVEPOINT s', down_revision => '{}');
SELECT * FROM rev_upgrade('savepoint');
SELECT rev_drop('savepoint');
SELECT rev_add('createdb', 'CREATE DATABASE tx_never', down_revision => '{}');
SELECT * FROM rev_upgrade('createdb');
SELECT rev_drop('createdb');
SELECT rev_add('copy', 'COPY pg_class TO STDOUT', down_revision => '{}');
SELECT * FROM rev_upgrade('copy');
SELECT rev_drop('copy');
-- ... and their errcodes.
SELECT rev_add('cic2', 'DROP INDEX CONCURRENTLY IF EXISTS nothing', down_revision => '{}');
SELECT pg_temp.sqlstate_of($$SELECT rev_upgrade('cic2')$$) AS cic,
       pg_temp.sqlstate_of($$SELECT rev_upgrade('t2')$$) AS div_by_zero;
SELECT rev_drop('cic2');
SELECT count(*) AS tables FROM pg_tables WHERE tablename LIKE 'tx\_%';

-- A timeout inside a revision: 57014, the revision named, nothing kept.
SELECT rev_drop('t3');
SELECT rev_drop('t2');
SELECT rev_add('slow', 'CREATE TABLE tx_slow (id int); SELECT pg_sleep(5);', 'DROP TABLE tx_slow');
SET statement_timeout = '200ms';
SELECT * FROM rev_upgrade('head');
RESET statement_timeout;
SELECT count(*) AS tables FROM pg_tables WHERE tablename LIKE 'tx\_%';
SELECT rev_drop('slow');

-- SET inside a revision is undone when the revision ends.
SET work_mem = '4MB';
SELECT rev_add('sets', $$SET work_mem = '7MB'; SET search_path = nowhere; SET LOCAL lock_timeout = '1s';
                        CREATE TABLE public.tx_sets AS
                        SELECT current_setting('work_mem') AS work_mem, current_setting('search_path') AS search_path$$,
               'DROP TABLE tx_sets');
SELECT rev_add('after_sets', $$CREATE TABLE tx_after AS
                              SELECT current_setting('work_mem') AS work_mem, current_setting('search_path') AS search_path,
                                     current_setting('lock_timeout') AS lock_timeout$$,
               'DROP TABLE tx_after');
SELECT * FROM rev_upgrade('head');
SELECT * FROM tx_sets;
SELECT * FROM tx_after;
SHOW work_mem;
SHOW search_path;
RESET work_mem;

-- A revision cannot move the applied state itself.
SELECT rev_add('nested', $$SELECT rev_upgrade('head')$$, 'SELECT 1');
SELECT * FROM rev_upgrade('head');
SELECT rev_drop('nested');

-- An irreversible revision stops a downgrade before anything is reverted.
SELECT rev_add('one_way', 'CREATE TABLE tx_one_way (id int)');
SELECT rev_add('after_one_way', 'CREATE TABLE tx_after_one_way (id int)', 'DROP TABLE tx_after_one_way');
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_downgrade('base');
SELECT pg_temp.sqlstate_of($$SELECT rev_downgrade('base')$$) AS sqlstate;
SELECT count(*) AS applied FROM revisions.applied;
-- Stamping past it is the way out.
SELECT * FROM rev_downgrade('one_way');
SELECT * FROM rev_stamp('one_way-1');
SELECT * FROM rev_downgrade('base');
SELECT count(*) AS applied FROM revisions.applied;
DROP TABLE tx_one_way;

-- SET CONSTRAINTS inside a revision is undone when the revision ends too:
-- the checks it deferred run then (naming it), and every constraint is back
-- to its declared mode, or to the mode the caller set itself.
CREATE TABLE tx_parent (id int PRIMARY KEY);
CREATE TABLE tx_child (pid int REFERENCES tx_parent DEFERRABLE INITIALLY IMMEDIATE);
CREATE TABLE tx_late (pid int REFERENCES tx_parent DEFERRABLE INITIALLY DEFERRED);
SELECT rev_add('defer_ok', $$SET CONSTRAINTS ALL DEFERRED;
                             INSERT INTO tx_child VALUES (1); INSERT INTO tx_parent VALUES (1)$$,
               'SELECT 1', down_revision => '{}');
SELECT rev_add('defer_bad', $$SET CONSTRAINTS ALL DEFERRED; INSERT INTO tx_child VALUES (2)$$,
               'SELECT 1', down_revision => '{}');
SELECT rev_add('defer_all', 'SET CONSTRAINTS ALL DEFERRED', 'SELECT 1', down_revision => '{}');
BEGIN;
INSERT INTO tx_late VALUES (3);     -- INITIALLY DEFERRED: checked at commit
SELECT * FROM rev_upgrade('defer_ok');
SAVEPOINT s;
INSERT INTO tx_child VALUES (4);    -- INITIALLY IMMEDIATE again: checked at once
ROLLBACK TO s;
INSERT INTO tx_parent VALUES (3);   -- tx_late's check still waits for the commit
COMMIT;
-- A revision that leaves a deferred violation behind fails, naming itself.
SELECT * FROM rev_upgrade('defer_bad');
-- The caller's own SET CONSTRAINTS outlives the revisions' (not one rolled
-- back with its savepoint), and what it deferred is not checked when the
-- revision ends.
BEGIN;
SET CONSTRAINTS tx_child_pid_fkey DEFERRED;
SAVEPOINT s;
SET CONSTRAINTS tx_late_pid_fkey IMMEDIATE;
ROLLBACK TO s;
INSERT INTO tx_child VALUES (5);    -- pending: the caller deferred it
SELECT * FROM rev_upgrade('defer_all');
INSERT INTO tx_child VALUES (6);    -- still deferred, as the caller set it
INSERT INTO tx_late VALUES (7);     -- still deferred, as declared
INSERT INTO tx_parent VALUES (5), (6), (7);
COMMIT;
SELECT * FROM tx_child ORDER BY pid;
SELECT * FROM rev_downgrade('base');
SELECT rev_drop('defer_ok'), rev_drop('defer_bad'), rev_drop('defer_all');
DROP TABLE tx_child, tx_late, tx_parent;
