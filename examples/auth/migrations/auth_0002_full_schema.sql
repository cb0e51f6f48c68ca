-- revision: auth_0002_full_schema
-- down_revision: auth_0001_baseline
-- message: auth: add is_active + refresh/email_verify/password_resets

-- migrate:upgrade
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

-- migrate:downgrade
DROP TABLE password_resets;
DROP TABLE email_verifications;
DROP INDEX ix_refresh_user_revoked;
DROP TABLE refresh_tokens;
ALTER TABLE users DROP COLUMN is_active;
