-- The Auth service's models: the schema it wants, as plain DDL in one file
-- (what SQLAlchemy models are to `alembic revision --autogenerate`).
--
-- This is the schema that revisions.sql builds on top of the hand-made
-- baseline (00_existing_schema.sql): users with is_active and last_login_at,
-- refresh_tokens, email_verifications, password_resets, auth_audit_log.
-- Instead of writing those revisions by hand:
--
--   \set models `cat examples/auth/models.sql`
--   SELECT rev_autogenerate(:'models', 'auth: full schema');
--   SELECT * FROM rev_upgrade('head');
--   SELECT * FROM rev_check(:'models');      -- no rows: the database matches
--
-- Names are unqualified: rev_autogenerate runs this in a scratch schema and
-- diffs the live schema (public by default) against it.  Constraint names
-- are the ones PostgreSQL gives the revisions' DDL, so that nothing is renamed.
-- test/scripts/diff_auth.sh checks all of the above.

CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL CONSTRAINT users_email_key UNIQUE,
    password_hash text NOT NULL,
    created_at    timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    is_active     boolean NOT NULL DEFAULT true,
    last_login_at timestamptz
);

CREATE TABLE refresh_tokens (
    jti        text CONSTRAINT uq_refresh_jti PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    revoked    boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ix_refresh_user_revoked ON refresh_tokens (user_id, revoked);

CREATE TABLE email_verifications (
    token      text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    expires_at timestamp NOT NULL,
    consumed   boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE password_resets (
    token      text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES users (id),
    expires_at timestamp NOT NULL,
    consumed   boolean NOT NULL DEFAULT false,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE auth_audit_log (
    id      bigserial PRIMARY KEY,
    user_id text REFERENCES users (id),
    event   text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
