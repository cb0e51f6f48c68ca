-- rev_squash: a baseline replaces a revision and all its ancestors.  Built from
-- the live schema when the database is at the target, else by replaying the
-- history in a scratch schema; a fresh database runs the baseline instead of
-- the replaced revisions, a fully applied one counts it as applied, a partly
-- applied one runs the rest of the originals.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

\i sql/err_helper.psql

SELECT rev_add('q1', 'CREATE TABLE sq_users (id int PRIMARY KEY, email text)', 'DROP TABLE sq_users');
SELECT rev_add('q2', $$CREATE TYPE sq_role AS ENUM ('admin', 'user');
                      ALTER TABLE sq_users ADD COLUMN role sq_role NOT NULL DEFAULT 'user';
                      INSERT INTO sq_users VALUES (1, 'root@example.com', 'admin')$$,
               'ALTER TABLE sq_users DROP COLUMN role; DROP TYPE sq_role');
SELECT rev_add('q3', 'CREATE INDEX sq_users_email ON sq_users (email)', 'DROP INDEX sq_users_email');
SELECT rev_add('q4', 'CREATE TABLE sq_posts (id int, user_id int REFERENCES sq_users)', 'DROP TABLE sq_posts');

-- At q3: the baseline comes from the live schema; q2's seed row is named.
SELECT * FROM rev_upgrade('q3');
SELECT rev_squash('q3', 'b3', 'baseline of q3');
SELECT upgrade_sql, downgrade_sql, replaces FROM revisions.revision WHERE revision = 'b3';
-- Never a head, never current; applied exactly when q3 is.
SELECT * FROM rev_heads();
SELECT * FROM rev_current();
SELECT revision, down_revision, is_head, is_applied FROM rev_history();
-- rev_add still takes the newest real revision as the parent.
SELECT rev_add('q5', 'CREATE TABLE sq_tags (id int)', 'DROP TABLE sq_tags');
SELECT down_revision FROM rev_history() WHERE revision = 'q5';

-- Fully applied: nothing of the baseline runs.
SELECT * FROM rev_pending('head');
-- Downgrading reverts the originals, never the baseline.
SELECT * FROM rev_downgrade('base');

-- Fresh: the baseline runs instead of q1..q3 and records them applied.
SELECT step, revision FROM rev_plan('head');
SELECT * FROM rev_upgrade('head');
SELECT revision FROM revisions.applied ORDER BY revision;
SELECT operation, revisions FROM revisions.operation ORDER BY id DESC LIMIT 1;
SELECT count(*) AS seed_rows FROM sq_users;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'sq_users'::regclass ORDER BY 1;
SELECT * FROM rev_current();

-- Partly applied: the rest of the originals run.
SELECT * FROM rev_downgrade('q1');
SELECT * FROM rev_pending('head');
SELECT * FROM rev_upgrade('head');

-- Not at the target: built by replaying q1..q3 in a scratch schema; the same SQL.
SELECT * FROM rev_downgrade('q1');
SELECT rev_squash('q3', 'b3_replayed');
SELECT a.upgrade_sql = b.upgrade_sql AS same_upgrade, a.downgrade_sql = b.downgrade_sql AS same_downgrade
FROM revisions.revision a, revisions.revision b WHERE a.revision = 'b3' AND b.revision = 'b3_replayed';
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'revisions\_scratch%';
SELECT rev_drop('b3_replayed');

-- Stamping the baseline stamps what it replaces.
BEGIN;
SELECT * FROM rev_stamp('b3');
SELECT revision FROM revisions.applied ORDER BY revision;
ROLLBACK;

-- Registering the same baseline again is a no-op; bad input changes nothing.
SELECT rev_squash('q3', 'b3');
SELECT pg_temp.err($$SELECT rev_squash('q2', 'b3')$$);
SELECT pg_temp.err($$SELECT rev_squash('b3')$$);
SELECT pg_temp.err($$SELECT rev_squash(NULL)$$);
SELECT pg_temp.err($$SELECT rev_squash('nope')$$);
SELECT pg_temp.err($$SELECT rev_squash('base')$$);
SELECT pg_temp.err($$SELECT rev_squash('q3', 'bad id')$$);
SELECT rev_add('q6', 'SELECT 1', down_revision => '{q1}');
SELECT pg_temp.err($$SELECT rev_squash('heads')$$);
-- What a baseline replaces cannot be dropped while it exists.
SELECT rev_drop('q6');
SELECT rev_add('q7', 'SELECT 1', down_revision => '{q5}');
SELECT rev_squash('q7', 'b7');
SELECT pg_temp.err($$SELECT rev_drop('q7')$$);
SELECT rev_drop('b7');
SELECT rev_drop('q7');
-- rev_add_baseline: a baseline with the SQL as given (a migration file with
-- "-- replaces:", perhaps with seed rows added); idempotent like rev_add.
SELECT rev_add('q8', 'CREATE TABLE sq_q8 (id int)', 'DROP TABLE sq_q8', down_revision => '{q5}');
SELECT rev_add_baseline('b8', 'q8', 'CREATE TABLE sq_q8 (id int); INSERT INTO sq_q8 VALUES (8)',
                        'DROP TABLE sq_q8', 'q8 with its row');
SELECT rev_add_baseline('b8', 'q8', 'CREATE TABLE sq_q8 (id int); INSERT INTO sq_q8 VALUES (8)',
                        'DROP TABLE sq_q8', 'another message: still a no-op');
SELECT revision, upgrade_sql, downgrade_sql, replaces, message FROM revisions.revision WHERE revision = 'b8';
SELECT revision, is_head FROM rev_history() WHERE revision IN ('b8', 'q8') ORDER BY revision;
SELECT rev_add_baseline('b8n', 'q8', 'SELECT 1');
SELECT downgrade_sql, message FROM revisions.revision WHERE revision = 'b8n';
SELECT pg_temp.err($$SELECT rev_add_baseline('b8', 'q8', 'CREATE TABLE sq_q8 (id int)', 'DROP TABLE sq_q8')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('b8', 'q5', 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('q5', 'q8', 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('b9', 'nope', 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('b9', 'b8', 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline(NULL, 'q8', 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('b9', NULL, 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('b9', 'q8', NULL)$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('bad id', 'q8', 'SELECT 1')$$);
SELECT pg_temp.err($$SELECT rev_add_baseline('b9', 'head', 'SELECT 1')$$);
SELECT count(*) AS baselines_of_q8 FROM revisions.revision WHERE replaces = 'q8';
SELECT has_function_privilege('public', 'rev_add_baseline(text, text, text, text, text)', 'EXECUTE') AS public_may_call;
SELECT rev_drop('b8');
SELECT rev_drop('b8n');
SELECT rev_drop('q8');
SELECT * FROM rev_heads();
SELECT count(*) AS revisions FROM revisions.revision;

SELECT * FROM rev_downgrade('base');
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

-- Tenants: one history for every tenant schema, so a baseline squashed under
-- a tenant names that schema's objects unqualified; a new tenant then builds
-- its own tables through it (a qualified baseline would build them in the
-- first tenant's schema: "relation already exists").
CREATE SCHEMA sq_ta;
CREATE SCHEMA sq_tb;
SELECT rev_add('t1', 'CREATE TABLE acct (id int PRIMARY KEY, owner text DEFAULT current_user)', 'DROP TABLE acct');
SELECT rev_add('t2', 'CREATE SEQUENCE acct_seq; ALTER TABLE acct ALTER COLUMN id SET DEFAULT nextval(''acct_seq'')',
               'ALTER TABLE acct ALTER COLUMN id DROP DEFAULT; DROP SEQUENCE acct_seq');
SET pg_revisions.tenant = sq_ta;
SELECT * FROM rev_upgrade('head');
SELECT rev_squash('head', 'tb1', 'tenants baseline');
SELECT upgrade_sql, downgrade_sql FROM revisions.revision WHERE revision = 'tb1';
SET pg_revisions.tenant = sq_tb;
SELECT * FROM rev_upgrade('head');
SELECT c.relnamespace::regnamespace AS schema, count(*) AS relations
FROM pg_class c WHERE c.relname IN ('acct', 'acct_seq', 'acct_pkey') GROUP BY 1 ORDER BY 1;
SELECT pg_get_expr(d.adbin, d.adrelid) AS sq_tb_default
FROM pg_attrdef d WHERE d.adrelid = 'sq_tb.acct'::regclass ORDER BY 1;
SELECT * FROM rev_downgrade('base');
RESET pg_revisions.tenant;
DROP SCHEMA sq_ta CASCADE;
DROP SCHEMA sq_tb CASCADE;
