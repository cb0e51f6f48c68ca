-- revision: auth_0003_audit_log
-- down_revision: auth_0002_full_schema
-- message: auth: audit log
-- branch_label: audit

-- migrate:upgrade
CREATE TABLE auth_audit_log (
    id      bigserial PRIMARY KEY,
    user_id text REFERENCES users(id),
    event   text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);

-- migrate:downgrade
DROP TABLE auth_audit_log;
