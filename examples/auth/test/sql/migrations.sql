-- The Auth service's migrations, tested like code, with pg_regress:
--   make installcheck          (in examples/auth/test; PG_CONFIG=... for another server)
-- pg_regress creates the database (contrib_regression) and compares the
-- output with expected/migrations.out; any change in a revision's
-- behaviour shows up as a diff in regression.diffs.
SET client_min_messages = warning;
CREATE EXTENSION pg_revisions;

-- The revisions, as the team registers them (examples/auth/revisions.sql; paths are relative to
-- the directory make runs in).
\set ECHO none
\o /dev/null
\i ../revisions.sql
\o
\set ECHO all
SELECT revision FROM rev_history() ORDER BY revision;

-- Every revision: its downgrade leaves no trace, applying it again gives the
-- same schema (all inside a subtransaction rolled back: nothing is applied).
SELECT revision, test, passed, detail FROM rev_test();
SELECT count(*) AS applied FROM rev_current();

-- Applied for real, the schema is what the models describe: no statements.
SELECT count(*) AS applied FROM rev_upgrade('head');
\set models `cat ../models.sql`
SELECT * FROM rev_check(:'models');
