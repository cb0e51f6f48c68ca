-- Revisions that cannot run in a transaction block: registered with
-- transactional => false, refused by rev_upgrade/rev_downgrade with a hint,
-- run statement by statement after rev_claim, recorded by rev_record.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

--   o1 (table) -> o2 (CREATE INDEX CONCURRENTLY, outside) -> o3 (table)
SELECT rev_add('o1', 'CREATE TABLE o_items (id int, v text)', 'DROP TABLE o_items');
SELECT rev_add('o2',
    $sql$CREATE INDEX CONCURRENTLY IF NOT EXISTS o_items_v ON o_items (v);
         -- a comment; with a semicolon
         VACUUM (ANALYZE) o_items;$sql$,
    'DROP INDEX CONCURRENTLY IF EXISTS o_items_v',
    message => 'index v', transactional => false);
SELECT rev_add('o3', 'CREATE TABLE o_more (id int)', 'DROP TABLE o_more');
SELECT revision, transactional FROM revisions.revision ORDER BY seq;

-- Re-adding is a no-op only with the same flag.
SELECT rev_add('o2',
    $sql$CREATE INDEX CONCURRENTLY IF NOT EXISTS o_items_v ON o_items (v);
         -- a comment; with a semicolon
         VACUUM (ANALYZE) o_items;$sql$,
    'DROP INDEX CONCURRENTLY IF EXISTS o_items_v',
    message => 'index v', transactional => false);
SELECT rev_add('o1', 'CREATE TABLE o_items (id int, v text)', 'DROP TABLE o_items',
               transactional => false);
SELECT rev_add('o9', 'SELECT 1', transactional => NULL);

-- rev_upgrade stops before it, naming it and the way out; nothing applied.
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_current();
SELECT to_regclass('o_items') AS items_table;
-- The plan shows it; the review script marks it.
SELECT * FROM rev_pending('head');
SELECT rev_sql('o2') ~ 'revision o2 \(2 of 2\), outside a transaction block' AS marked;

-- Claiming before its parent is applied, or a transactional revision: refused.
SELECT * FROM rev_claim('o2');
SELECT * FROM rev_upgrade('o1');
SELECT * FROM rev_claim('o1');
SELECT * FROM rev_claim('o2', 'sideways');
SELECT * FROM rev_claim('nope');
-- Recording without a claim: refused.
SELECT rev_record('o2');

-- The client's way: claim, run each statement at top level, record.
SELECT * FROM rev_claim('o2');
SELECT count(*) AS claims FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND objid = 1668047209 AND pid = pg_backend_pid();
CREATE INDEX CONCURRENTLY IF NOT EXISTS o_items_v ON o_items (v);
VACUUM (ANALYZE) o_items;
-- The claim survives the statements' own transactions; a failed
-- rev_record changes nothing and keeps it.
BEGIN;
SELECT rev_record('o1');
ROLLBACK;
-- A rev_record whose transaction rolls back records nothing and keeps the
-- claim, so it can be retried; the claim goes when rev_record commits.
BEGIN;
SELECT rev_record('o2');
ROLLBACK;
SELECT count(*) AS claims_after_rollback FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND objid = 1668047209 AND pid = pg_backend_pid();
SELECT * FROM rev_current();
-- The same when rev_record's savepoint (or exception block) rolls back,
-- even after an inner savepoint was released into it.
BEGIN;
SAVEPOINT s;
SELECT rev_record('o2');
ROLLBACK TO s;
COMMIT;
SELECT count(*) AS claims_after_savepoint_rollback FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND objid = 1668047209 AND pid = pg_backend_pid();
BEGIN;
SAVEPOINT outer_s;
SAVEPOINT inner_s;
SELECT rev_record('o2');
RELEASE inner_s;
ROLLBACK TO outer_s;
COMMIT;
DO $$BEGIN PERFORM rev_record('o2'); RAISE EXCEPTION 'undo'; EXCEPTION WHEN raise_exception THEN NULL; END$$;
SELECT count(*) AS claims_after_released_then_rolled_back FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND objid = 1668047209 AND pid = pg_backend_pid();
SELECT * FROM rev_current();
-- Recorded in a savepoint that is released: the claim goes at commit.
BEGIN;
SAVEPOINT s;
SELECT rev_record('o2');
RELEASE s;
SELECT count(*) AS claims_before_commit FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND objid = 1668047209 AND pid = pg_backend_pid();
COMMIT;
SELECT count(*) AS claims_after FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND pid = pg_backend_pid();
SELECT indisvalid FROM pg_index WHERE indexrelid = 'o_items_v'::regclass;
SELECT * FROM rev_current();
SELECT operation, target, revisions FROM revisions.operation ORDER BY id;
-- Recorded once: a second record or claim is refused.
SELECT rev_record('o2');
SELECT * FROM rev_claim('o2');

-- The rest goes on with rev_upgrade.
SELECT * FROM rev_upgrade('head');
SELECT revision, is_applied FROM rev_history();

-- Downgrading: rev_downgrade stops before it too; o3 goes first.
SELECT * FROM rev_downgrade('base');
SELECT * FROM rev_downgrade('o2');
SELECT * FROM rev_claim('o2', 'downgrade');
DROP INDEX CONCURRENTLY IF EXISTS o_items_v;
SELECT rev_record('o2');
SELECT to_regclass('o_items_v') AS index_after;
SELECT * FROM rev_current();
SELECT * FROM rev_downgrade('base');

-- Claiming another revision drops the previous claim (it stays unapplied).
SELECT rev_add('o4', 'VACUUM', down_revision => '{}', transactional => false);
SELECT rev_add('o5', 'VACUUM', down_revision => '{}', transactional => false);
SELECT * FROM rev_claim('o4');
SELECT * FROM rev_claim('o5');
SELECT count(*) AS claims FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND pid = pg_backend_pid();
SELECT rev_record('o4');
SELECT rev_record('o5');
SELECT revision FROM rev_history() WHERE is_applied;
