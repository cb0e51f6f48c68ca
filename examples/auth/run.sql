-- pg_revisions walk-through: the Auth service of the team's Alembic guide,
-- done inside the server.  Run it in an empty database, as a superuser:
--
--   createdb auth_demo
--   psql -X -v ON_ERROR_STOP=1 -d auth_demo -f examples/auth/run.sql
--
-- Every step \echo-es the Alembic command it replaces.  The revisions
-- themselves are in revisions.sql, included step by step (auth_from..auth_upto).

\set ON_ERROR_STOP 1
\pset null '(null)'

\echo
\echo '== pip install alembic && alembic init  ->  CREATE EXTENSION pg_revisions'
CREATE EXTENSION pg_revisions;

\echo
\echo '== the hand-made schema that predates migrations (guide, section 4 A)'
\ir 00_existing_schema.sql

\echo
\echo '== alembic revision -m "baseline existing schema"  ->  SELECT rev_add(''auth_0001_baseline'', ...)'
\set auth_from 1
\set auth_upto 1
\ir revisions.sql

\echo
\echo '== alembic stamp head  ->  SELECT rev_stamp(''head'', verify => true)   (no SQL runs: users exists already;'
\echo '==   verify first checks that the hand-made users table is what the baseline builds)'
SELECT * FROM rev_stamp('head', verify => true);

\echo
\echo '== alembic current  ->  SELECT * FROM rev_current()'
SELECT * FROM rev_current();

\echo
\echo '== alembic revision -m "auth: add is_active + refresh/email_verify/password_resets"'
\echo '==   ->  SELECT rev_add(''auth_0002_full_schema'', ...)'
\set auth_from 2
\set auth_upto 2
\ir revisions.sql

\echo
\echo '== what would alembic upgrade head do?  ->  SELECT * FROM rev_pending(''head'')'
SELECT * FROM rev_pending('head');

\echo
\echo '== alembic upgrade head --sql  ->  SELECT rev_sql(''head'')   (offline review)'
SELECT rev_sql('head') \g (format=unaligned tuples_only=on)

\echo
\echo '== alembic upgrade head  ->  SELECT * FROM rev_upgrade(''head'')'
SELECT * FROM rev_upgrade('head');

\echo
\echo '== psql -c "\\d users"'
\d users
\echo '== psql -c "\\dt"'
\dt

\echo
\echo '== two developers branch off auth_0002 (auth_0003_audit_log, label audit; auth_0003_user_last_login)'
\set auth_from 3
\set auth_upto 3
\ir revisions.sql

\echo
\echo '== alembic heads  ->  SELECT * FROM rev_heads()'
SELECT * FROM rev_heads();

\echo
\echo '== alembic upgrade head with two heads fails (Multiple heads, guide 8.4):'
\echo '==   SELECT * FROM rev_upgrade(''head'')  ->  error, nothing applied'
DO $$
DECLARE
    v_state text;
    v_msg   text;
    v_hint  text;
BEGIN
    PERFORM * FROM rev_upgrade('head');
    RAISE EXCEPTION 'rev_upgrade(''head'') should have failed: there are two heads';
EXCEPTION
    WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE,
                                v_msg   = MESSAGE_TEXT,
                                v_hint  = PG_EXCEPTION_HINT;
        IF v_msg LIKE 'rev_upgrade(''head'') should have failed%' THEN
            RAISE;
        END IF;
        RAISE NOTICE 'rev_upgrade(''head'') failed as expected: [%] %', v_state, v_msg;
        RAISE NOTICE 'hint: %', v_hint;
END
$$;
SELECT * FROM rev_current();

\echo
\echo '== alembic merge -m "merge heads" heads  ->  SELECT rev_merge(NULL, ''merge heads'', ''auth_0004_merge'')'
\set auth_from 4
\set auth_upto 4
\ir revisions.sql
SELECT * FROM rev_heads();

\echo
\echo '== alembic upgrade head  ->  SELECT * FROM rev_upgrade(''head'')   (both branches, then the merge)'
SELECT * FROM rev_upgrade('head');

\echo
\echo '== alembic downgrade -1  ->  SELECT * FROM rev_downgrade(''-1'')   (reverts the merge only)'
SELECT * FROM rev_downgrade('-1');
\echo '== alembic current  ->  SELECT * FROM rev_current()   (both branch heads still applied)'
SELECT * FROM rev_current();

\echo
\echo '== alembic upgrade head  ->  SELECT * FROM rev_upgrade(''head'')   (re-applies the merge)'
SELECT * FROM rev_upgrade('head');

\echo
\echo '== deploy scripts can re-run: registering every revision again changes nothing'
\set auth_from 1
\ir revisions.sql
SELECT * FROM rev_pending('head');

\echo
\echo '== alembic history  ->  SELECT * FROM rev_history()'
SELECT * FROM rev_history();

\echo
\echo '== a hot-fix index added by hand at 3 a.m., outside migrations ...'
SET application_name = 'console-3am';
CREATE INDEX users_created_at ON users (created_at);
RESET application_name;
\echo '== ... is in the drift ledger: SELECT * FROM rev_drift()   (the hand-made users table too)'
SELECT role, application, command, object_type, object_identity FROM rev_drift();
\echo '== and rev_verify_schema() says what would make public what the history says it is'
SELECT * FROM rev_verify_schema();
\echo '== (the team writes a revision for it, or drops it)'
DROP INDEX users_created_at;
