-- The Auth service's hand-made schema, created before anyone used migrations
-- (the "existing schema" case of the team's Alembic guide, section 4 A).
-- run.sql creates it first and then baselines it with rev_stamp('head').
CREATE TABLE users (
    id            text PRIMARY KEY,
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at    timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
