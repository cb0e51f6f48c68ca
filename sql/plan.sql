-- rev_plan(target, operation): what rev_upgrade/rev_downgrade would run, in
-- order, without running it; lists non-transactional revisions (the client
-- runs them with rev_claim/rev_record) instead of refusing them.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

--   p1 -> p2 (outside a transaction) -> p3 -> p4
--            \-> q1 (branch "side")
--   p5: irreversible, on top of p4
SELECT rev_add('p1', 'CREATE TABLE plan_a (id int)', 'DROP TABLE plan_a', message => 'table a');
SELECT rev_add('p2', 'CREATE INDEX CONCURRENTLY plan_a_id ON plan_a (id)',
               'DROP INDEX CONCURRENTLY plan_a_id', message => 'index a', transactional => false);
SELECT rev_add('p3', 'CREATE TABLE plan_b (id int)', 'DROP TABLE plan_b');
SELECT rev_add('q1', 'CREATE TABLE plan_side (id int)', 'DROP TABLE plan_side',
               down_revision => ARRAY['p2'], branch_label => 'side', message => 'side branch');
SELECT rev_add('p4', 'CREATE TABLE plan_c (id int)', 'DROP TABLE plan_c',
               down_revision => ARRAY['p3'], message => 'table c');

-- Upgrade plans: defaults ('heads', 'upgrade'), one head, a branch, relative.
SELECT * FROM rev_plan();
SELECT * FROM rev_plan('p4');
SELECT * FROM rev_plan('side@head', 'upgrade');
SELECT * FROM rev_plan('+2');
SELECT * FROM rev_plan('base');
-- Same order as rev_pending, and nothing ran.
SELECT array_agg(revision ORDER BY step) = ARRAY(SELECT rev_pending('heads')) AS same_as_pending
FROM rev_plan('heads');
SELECT count(*) AS applied FROM rev_current();
SELECT to_regclass('public.plan_a') IS NULL AS nothing_created;

-- rev_upgrade refuses the non-transactional p2; rev_plan lists it.
SELECT * FROM rev_upgrade('p4');
SELECT rev_upgrade('p1');
SELECT s FROM rev_claim('p2') s;
CREATE INDEX CONCURRENTLY plan_a_id ON plan_a (id);
SELECT rev_record('p2');
SELECT rev_upgrade('p4');
SELECT rev_upgrade('q1');

-- Downgrade plans: children first, stop at the target.
SELECT * FROM rev_plan('p2', 'downgrade');
SELECT * FROM rev_plan('-1', 'downgrade');
SELECT * FROM rev_plan('side@-1', 'downgrade');
SELECT * FROM rev_plan('p4-2', 'downgrade');
SELECT * FROM rev_plan('side@base', 'downgrade');
SELECT * FROM rev_plan('base', 'downgrade');
SELECT * FROM rev_plan('p4', 'downgrade');
SELECT count(*) AS applied_still FROM revisions.applied;
-- Nothing more to upgrade.
SELECT count(*) AS nothing_pending FROM rev_plan('heads');

-- An irreversible revision: the downgrade plan fails as rev_downgrade does.
SELECT rev_add('p5', 'CREATE TABLE plan_d (id int)', NULL, down_revision => ARRAY['p4']);
SELECT rev_upgrade('p5');
SELECT * FROM rev_plan('p3', 'downgrade');
SELECT * FROM rev_plan('q1', 'downgrade');

-- Bad input: each a clear error quoting the value.
SELECT * FROM rev_plan(NULL);
SELECT * FROM rev_plan('heads', NULL);
SELECT * FROM rev_plan('heads', 'sideways');
SELECT * FROM rev_plan('heads', 'Upgrade');
SELECT * FROM rev_plan('heads', repeat('x', 500));
SELECT * FROM rev_plan('nope');
SELECT * FROM rev_plan('p@x');
SELECT * FROM rev_plan('-1');
SELECT * FROM rev_plan('+1', 'downgrade');
SELECT * FROM rev_plan('head');

-- Privileges: revoked from PUBLIC, grantable to a monitoring role.
CREATE ROLE regress_rev_plan_monitor;
SET ROLE regress_rev_plan_monitor;
SELECT * FROM rev_plan();
RESET ROLE;
GRANT EXECUTE ON FUNCTION rev_plan(text, text) TO regress_rev_plan_monitor;
SET ROLE regress_rev_plan_monitor;
SELECT * FROM rev_plan('side@base', 'downgrade');
RESET ROLE;
REVOKE ALL ON FUNCTION rev_plan(text, text) FROM regress_rev_plan_monitor;
DROP ROLE regress_rev_plan_monitor;

DROP TABLE plan_a, plan_b, plan_c, plan_d, plan_side;
