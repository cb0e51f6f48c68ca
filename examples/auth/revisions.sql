-- pg_revisions: the Auth service's revisions (the Alembic guide's
-- migrations/versions/ directory, as SQL).
--
--   auth_0001_baseline                 users, as the hand-made schema has it
--   auth_0002_full_schema              is_active + refresh_tokens,
--        |                             email_verifications, password_resets
--      +-+---------------------------+
--   auth_0003_audit_log (audit)   auth_0003_user_last_login     two heads
--      +-+---------------------------+
--   auth_0004_merge                    rev_merge of the two heads
--
-- Re-runnable: re-adding an identical revision is a no-op, and the merge is
-- only created when it does not exist yet.  On its own it registers
-- everything, so a fresh database is built from scratch with
--
--   psql -X -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pg_revisions' \
--        -f examples/auth/revisions.sql -c "SELECT rev_upgrade('head')"
--
-- run.sql includes it in stages: only steps auth_from..auth_upto (psql
-- variables, 1..4) are registered; by default all of them (1..4).

\if :{?auth_from}
\else
\set auth_from 1
\endif
\if :{?auth_upto}
\else
\set auth_upto 4
\endif
SELECT :auth_from <= 1 AND :auth_upto >= 1 AS auth_do_0001,
       :auth_from <= 2 AND :auth_upto >= 2 AS auth_do_0002,
       :auth_from <= 3 AND :auth_upto >= 3 AS auth_do_0003,
       :auth_from <= 4 AND :auth_upto >= 4 AS auth_do_0004 \gset

-- 1. Baseline: the schema that predates migrations.  On an existing database
--    it is only stamped (rev_stamp('head')); on a fresh one it builds users.
\if :auth_do_0001
SELECT rev_add(
    revision      => 'auth_0001_baseline',
    message       => 'baseline existing schema',
    down_revision => '{}',
    upgrade       => $up$
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at    timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
$up$,
    downgrade     => $down$
DROP TABLE users;
$down$);
\endif

-- 2. The guide's "auth: add is_active + refresh/email_verify/password_resets".
\if :auth_do_0002
SELECT rev_add(
    revision      => 'auth_0002_full_schema',
    message       => 'auth: add is_active + refresh/email_verify/password_resets',
    down_revision => ARRAY['auth_0001_baseline'],
    upgrade       => $up$
ALTER TABLE users ADD COLUMN is_active boolean NOT NULL DEFAULT true;

CREATE TABLE refresh_tokens (
    jti        text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users(id),
    revoked    boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_refresh_jti UNIQUE (jti)
);
CREATE INDEX ix_refresh_user_revoked ON refresh_tokens (user_id, revoked);

CREATE TABLE email_verifications (
    token      text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users(id),
    expires_at timestamp NOT NULL,
    consumed   boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE password_resets (
    token      text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users(id),
    expires_at timestamp NOT NULL,
    consumed   boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
$up$,
    downgrade     => $down$
DROP TABLE password_resets;
DROP TABLE email_verifications;
DROP INDEX ix_refresh_user_revoked;
DROP TABLE refresh_tokens;
ALTER TABLE users DROP COLUMN is_active;
$down$);
\endif

-- 3. Two developers branch off auth_0002 at the same time: two heads.
\if :auth_do_0003
SELECT rev_add(
    revision      => 'auth_0003_audit_log',
    message       => 'auth: audit log',
    down_revision => ARRAY['auth_0002_full_schema'],
    branch_label  => 'audit',
    upgrade       => $up$
CREATE TABLE auth_audit_log (
    id      bigserial PRIMARY KEY,
    user_id text REFERENCES users(id),
    event   text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
$up$,
    downgrade     => $down$
DROP TABLE auth_audit_log;
$down$);

SELECT rev_add(
    revision      => 'auth_0003_user_last_login',
    message       => 'auth: users.last_login_at',
    down_revision => ARRAY['auth_0002_full_schema'],
    upgrade       => $up$
ALTER TABLE users ADD COLUMN last_login_at timestamptz;
$up$,
    downgrade     => $down$
ALTER TABLE users DROP COLUMN last_login_at;
$down$);
\endif

-- 4. Merge the two heads (alembic merge -m "merge heads" heads).  rev_merge
--    with NULL merges all current heads; skip it when already merged.
\if :auth_do_0004
SELECT NOT EXISTS (SELECT FROM rev_history() WHERE revision = 'auth_0004_merge')
       AS auth_need_merge \gset
\if :auth_need_merge
SELECT rev_merge(NULL, 'merge heads', 'auth_0004_merge');
\else
\echo 'auth_0004_merge is registered already'
\endif
\endif
