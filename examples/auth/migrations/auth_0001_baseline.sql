-- revision: auth_0001_baseline
-- down_revision:
-- message: baseline existing schema

-- migrate:upgrade
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at    timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- migrate:downgrade
DROP TABLE users;
