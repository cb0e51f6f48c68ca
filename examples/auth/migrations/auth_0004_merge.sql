-- revision: auth_0004_merge
-- down_revision: auth_0003_audit_log, auth_0003_user_last_login
-- message: merge heads

-- migrate:upgrade

-- migrate:downgrade
