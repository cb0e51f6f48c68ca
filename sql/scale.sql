-- A 20,000-revision chain registers, plans, upgrades, walks and downgrades
-- without recursion or stack limits (all DAG walks are iterative sweeps).
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SET client_min_messages = warning;

SELECT count(rev_add(format('s%s', lpad(i::text, 5, '0')), 'SELECT 1', 'SELECT 1'))
FROM generate_series(1, 20000) AS i;
SELECT * FROM rev_heads();
SELECT count(*) AS pending FROM rev_pending('head');
SELECT count(*) AS applied, min(u), max(u) FROM rev_upgrade('head') AS u;
SELECT * FROM rev_current();
SELECT count(*) AS reverted FROM rev_downgrade('-15000');
SELECT * FROM rev_current();
SELECT count(*) AS applied FROM rev_upgrade('+14999');
SELECT * FROM rev_current();
SELECT count(*) AS history, min(revision), max(revision) FROM rev_history();
SELECT (array_agg(revision))[1:2] AS newest_first FROM rev_history();
SELECT count(*) AS reverted FROM rev_downgrade('base');
SELECT count(*) AS applied FROM revisions.applied;
