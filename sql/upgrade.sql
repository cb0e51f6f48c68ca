-- Applying, reverting and stamping: the order (parents and dependencies
-- first, ties by registration), progress notices, the operation log,
-- history, current, and the offline script.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

--        base0
--        /    \
--      b1      a1      (b1 registered first)
--      |       |
--      c1 ---> a2      (c1 depends on a2)
--        \    /
--         m1           (merge)
SELECT rev_add('base0', 'CREATE TABLE t_base0 (id int)', 'DROP TABLE t_base0', message => 'the root');
SELECT rev_add('b1', 'CREATE TABLE t_b1 (id int)', 'DROP TABLE t_b1', down_revision => '{base0}');
SELECT rev_add('a1', 'CREATE TABLE t_a1 (id int PRIMARY KEY)', 'DROP TABLE t_a1', down_revision => '{base0}', branch_label => 'alpha');
SELECT rev_add('a2', 'CREATE TABLE t_a2 (id int REFERENCES t_a1 (id))', 'DROP TABLE t_a2', down_revision => '{a1}');
SELECT rev_add('c1', 'CREATE TABLE t_c1 (id int)', 'DROP TABLE t_c1', down_revision => '{b1}', depends_on => '{a2}');
SELECT rev_merge(NULL, 'join b and a', 'm1');

-- c1 needs its dependency a2, so a1 and a2 come before it.
SELECT * FROM rev_pending('c1');
SELECT * FROM rev_upgrade('c1');
SELECT * FROM rev_current();
SELECT * FROM rev_heads();
-- The merge has nothing left to apply but itself.
SELECT * FROM rev_upgrade();
SELECT * FROM rev_upgrade();
SELECT tablename FROM pg_tables WHERE tablename LIKE 't\_%' ORDER BY 1;

-- -1 from a merge reverts the merge only.
SELECT * FROM rev_downgrade('-1');
SELECT * FROM rev_current();
-- Reverting a2 also reverts c1, which depends on it; b1 stays.
SELECT * FROM rev_downgrade('a1');
SELECT * FROM rev_current();
SELECT tablename FROM pg_tables WHERE tablename LIKE 't\_%' ORDER BY 1;

-- History: newest first, with the DAG and the applied state.
SELECT revision, down_revision, depends_on, branch_label, message, is_head, is_applied,
       applied_at IS NOT NULL AS has_applied_at
FROM rev_history();

-- The operation log: one row per call that changed the applied state.
SELECT id, operation, target, revisions, role = current_user AS by_me,
       duration >= '0'::interval AS timed
FROM revisions.operation ORDER BY id;
SELECT revision, applied_by = current_user AS by_me, operation_id
FROM revisions.applied ORDER BY revision;

-- The offline script: what rev_upgrade would run, revision by revision.
SELECT rev_sql();
SELECT rev_sql('b1');
SELECT rev_add('multi', E'CREATE TABLE t_multi (id int);\nINSERT INTO t_multi VALUES (1) -- no semicolon',
               'DROP TABLE t_multi', down_revision => '{m1}', message => E'two\nlines');
SELECT rev_sql('multi');

-- rev_stamp: set the applied state without running SQL (Alembic's stamp).
SELECT * FROM rev_downgrade('base');
CREATE TABLE t_base0 (id int);     -- made by hand
SELECT * FROM rev_stamp('base0');
SELECT * FROM rev_pending('b1');
SELECT * FROM rev_stamp('head');
SELECT revision FROM revisions.applied ORDER BY revision;
SELECT count(*) AS tables_made_by_stamp FROM pg_tables WHERE tablename LIKE 't\_%' AND tablename <> 't_base0';
SELECT * FROM rev_stamp('-1');
SELECT * FROM rev_stamp('alpha@base');
SELECT * FROM rev_stamp('base');
SELECT * FROM rev_current();
SELECT operation, target, revisions FROM revisions.operation WHERE operation = 'stamp' ORDER BY id;
-- Stamping to the current state logs nothing.
SELECT * FROM rev_stamp('base');
SELECT count(*) AS stamps FROM revisions.operation WHERE operation = 'stamp';
DROP TABLE t_base0;
