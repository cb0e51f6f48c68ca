-- Run once by the postgres image's entrypoint, in POSTGRES_DB, when the data directory is new.
CREATE EXTENSION IF NOT EXISTS pg_revisions;
