-- Registering revisions: default parents, re-adding, immutable SQL,
-- branch labels, dependencies, merges and drops.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

-- The first revision is a root; the next ones chain onto the single head.
SELECT rev_add('a1', 'CREATE TABLE a1 (id int)', 'DROP TABLE a1', message => 'first');
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', 'DROP TABLE a2');
SELECT rev_add('a3', 'CREATE TABLE a3 (id int)');   -- irreversible
SELECT revision, down_revision, is_head FROM rev_history();

-- '{}' asks for a new root: now there are two heads.
SELECT rev_add('x1', 'SELECT 1', 'SELECT 1', down_revision => '{}', branch_label => 'extra');
SELECT * FROM rev_heads();
-- So a new revision without down_revision cannot guess its parent.
SELECT rev_add('a4', 'SELECT 1');

-- Re-adding an identical revision is a no-op returning its id, even now that
-- there are several heads (a known id keeps its stored parents).
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', 'DROP TABLE a2');
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', 'DROP TABLE a2', down_revision => '{a1}',
               message => 'messages are not compared', depends_on => '{}');
SELECT count(*) AS revisions, max(seq) AS last_seq FROM revisions.revision;

-- The same id with other SQL, parents, dependencies or label changes nothing.
SELECT rev_add('a2', 'CREATE TABLE a2 (id bigint)', 'DROP TABLE a2');
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', NULL);
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', 'DROP TABLE a2', down_revision => '{}');
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', 'DROP TABLE a2', depends_on => '{x1}');
SELECT rev_add('a2', 'CREATE TABLE a2 (id int)', 'DROP TABLE a2', branch_label => 'other');
SELECT revision, checksum FROM revisions.revision WHERE revision = 'a2';

-- A branch label names one revision only.
SELECT rev_add('x2', 'SELECT 1', down_revision => '{x1}', branch_label => 'extra');

-- Dependencies: b1 continues a3 and needs x1 applied first.
SELECT rev_add('b1', 'SELECT 1', 'SELECT 1', down_revision => '{a3}', depends_on => '{x1}');
SELECT revision, down_revision, depends_on, branch_label, is_head
FROM rev_history() WHERE revision IN ('b1', 'x1');

-- Bookkeeping columns.
SELECT revision, created_by = current_user AS by_me, created_at <= now() AS in_past,
       downgrade_sql IS NULL AS irreversible, length(checksum) AS checksum_length
FROM revisions.revision ORDER BY seq;

-- rev_merge: all current heads by default (b1 and x1 are heads).
SELECT * FROM rev_heads();
SELECT rev_merge(message => 'merge heads', revision => 'm1');
SELECT revision, down_revision, message, is_head FROM rev_history() LIMIT 1;
-- Merging again is a no-op; merging one head is an error.
SELECT rev_merge(ARRAY['b1', 'x1'], 'merge heads', 'm1');
SELECT rev_merge();
SELECT rev_merge(ARRAY['m1']);
SELECT rev_merge(ARRAY['m1', 'nope']);
-- A generated merge id.
SELECT rev_add('c1', 'SELECT 1', 'SELECT 1', down_revision => '{a1}');
SELECT rev_merge() ~ '^[0-9a-f]{12}$' AS merged;
SELECT count(*) AS heads FROM rev_heads();

-- rev_drop: only a revision nothing requires and that is not applied.
SELECT rev_add('d1', 'SELECT 1', down_revision => '{x1}');
SELECT rev_drop('x1');        -- has children and dependants
SELECT rev_drop('a3');        -- b1 requires it
SELECT rev_drop('nope');
SELECT rev_drop('d1');
SELECT revision, is_head FROM rev_history() WHERE revision IN ('x1', 'd1');
-- Dropping the only child makes its parent a head again.
SELECT rev_add('f1', 'SELECT 1', 'SELECT 1', down_revision => '{}');
SELECT rev_add('f2', 'SELECT 1', 'SELECT 1', down_revision => '{f1}');
SELECT is_head FROM rev_history() WHERE revision = 'f1';
SELECT rev_drop('f2');
SELECT is_head FROM rev_history() WHERE revision = 'f1';
-- The heads count kept for rev_add matches the DAG after all these adds and drops.
SELECT (SELECT heads_count FROM revisions.revision ORDER BY seq DESC LIMIT 1) AS kept,
       (SELECT count(*) FROM rev_heads()) AS real;
SELECT rev_drop('f1');
SELECT (SELECT heads_count FROM revisions.revision ORDER BY seq DESC LIMIT 1) AS kept,
       (SELECT count(*) FROM rev_heads()) AS real;
SELECT rev_add('f1', 'SELECT 1', 'SELECT 1', down_revision => '{}');
-- An applied revision cannot be dropped.
SELECT * FROM rev_upgrade('f1');
SELECT rev_drop('f1');
