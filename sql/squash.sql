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
SELECT * FROM rev_heads();
SELECT count(*) AS revisions FROM revisions.revision;

SELECT * FROM rev_downgrade('base');
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
