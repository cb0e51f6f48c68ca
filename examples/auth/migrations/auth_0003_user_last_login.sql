-- revision: auth_0003_user_last_login
-- down_revision: auth_0002_full_schema
-- message: auth: users.last_login_at

-- migrate:upgrade
ALTER TABLE users ADD COLUMN last_login_at timestamptz;

-- migrate:downgrade
ALTER TABLE users DROP COLUMN last_login_at;
