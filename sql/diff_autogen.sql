-- rev_autogenerate, rev_autogenerate_from, rev_check: the Alembic workflow
-- (models -> revision -> upgrade -> check -> downgrade) on a live schema.
SET client_min_messages = warning;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
DROP SCHEMA IF EXISTS app, app_models CASCADE;
CREATE SCHEMA app;
CREATE FUNCTION pg_temp.cols(tab text) RETURNS TABLE(col name, type text, notnull bool, dflt text)
LANGUAGE sql AS $$
    SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = tab::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum $$;
CREATE FUNCTION pg_temp.scratch_left() RETURNS bigint LANGUAGE sql
    AS $$ SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'revisions\_scratch%' $$;

-- First revision: the models as written for an empty database.
SELECT rev_check($m$
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
$m$, 'app');
SELECT rev_autogenerate($m$
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
$m$, 'create users', 'app', '0001_users');
SELECT revision, down_revision, message, is_applied FROM rev_history();
SELECT rev_sql('head');
SELECT * FROM rev_upgrade('head');
SELECT * FROM pg_temp.cols('app.users');
-- The live schema matches: rev_check is empty, rev_autogenerate registers
-- nothing (a NOTICE) and returns NULL.
SELECT count(*) AS check_clean FROM rev_check($m$
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
$m$, 'app');
SET client_min_messages = notice;
SELECT rev_autogenerate($m$
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);
$m$, 'nothing', 'app') IS NULL AS nothing_registered;
SET client_min_messages = warning;
SELECT count(*) AS still_one FROM rev_history();

-- Second revision, id generated: a column, an enum, a table with a foreign
-- key, an index, a view.  The downgrade is the reverse diff.
SELECT length(rev_autogenerate($m$
    CREATE TYPE role AS ENUM ('member', 'admin');
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE,
                        role role NOT NULL DEFAULT 'member');
    CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        author int NOT NULL REFERENCES users ON DELETE CASCADE,
                        title varchar(200) NOT NULL);
    CREATE INDEX posts_author ON posts (author);
    CREATE VIEW admins AS SELECT id, email FROM users WHERE role = 'admin';
$m$, 'posts and roles', 'app')) AS generated_id_length;
SELECT message, is_applied FROM rev_history() ORDER BY message;
SELECT downgrade_sql FROM revisions.revision WHERE message = 'posts and roles';
INSERT INTO app.users (email) VALUES ('a@example.com');
SELECT count(*) AS applied FROM rev_upgrade('head');
SELECT * FROM pg_temp.cols('app.users');
SELECT * FROM pg_temp.cols('app.posts');
UPDATE app.users SET role = 'admin';
SELECT * FROM app.admins;
SELECT count(*) AS reverted FROM rev_downgrade('-1');
SELECT to_regclass('app.posts') AS posts_gone, to_regtype('app.role') AS role_gone;
SELECT * FROM pg_temp.cols('app.users');
SELECT count(*) AS applied FROM rev_upgrade('head');
SELECT count(*) AS admins_back FROM app.admins;

-- rev_check for CI: the statements a model change needs, nothing registered.
SELECT * FROM rev_check($m$
    CREATE TYPE role AS ENUM ('member', 'admin');
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE,
                        role role NOT NULL DEFAULT 'member');
    CREATE VIEW admins AS SELECT id, email FROM users WHERE role = 'admin';
$m$, 'app');
SELECT count(*) AS still_two FROM rev_history();

-- Types of an extension installed in the live schema resolve in the models
-- (the live schema follows the scratch one on the search_path); extension
-- objects are never compared.
CREATE EXTENSION citext SCHEMA app;
SELECT * FROM rev_check($m$
    CREATE TYPE role AS ENUM ('member', 'admin');
    CREATE TABLE users (id serial PRIMARY KEY, email citext NOT NULL UNIQUE,
                        role role NOT NULL DEFAULT 'member');
    CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        author int NOT NULL REFERENCES users ON DELETE CASCADE,
                        title varchar(200) NOT NULL);
    CREATE INDEX posts_author ON posts (author);
    CREATE VIEW admins AS SELECT id, email FROM users WHERE role = 'admin';
$m$, 'app');
DROP EXTENSION citext;

-- The scratch schema never outlives the call, even inside the caller's
-- transaction.
BEGIN;
SELECT count(*) > 0 AS has_statements FROM rev_check('CREATE TABLE other (x int)', 'app');
SELECT pg_temp.scratch_left();
COMMIT;

-- Its name cannot be guessed: a schema squatting the pid-based name it once
-- had (any role with CREATE on the database can create one) blocks nothing,
-- and is left alone.
DO $$BEGIN EXECUTE format('CREATE SCHEMA %I', 'revisions_scratch_' || pg_backend_pid()); END$$;
SELECT count(*) > 0 AS has_statements FROM rev_check('CREATE TABLE other (x int)', 'app');
SELECT upgrade IS NOT NULL AS has_upgrade FROM rev_autogenerate_sql('CREATE TABLE other (x int)', 'app');
SELECT pg_temp.scratch_left();
DO $$BEGIN EXECUTE format('DROP SCHEMA %I', 'revisions_scratch_' || pg_backend_pid()); END$$;

-- The variant taking a schema instead of model text.
CREATE SCHEMA app_models;
CREATE TYPE app_models.role AS ENUM ('member', 'admin');
CREATE TABLE app_models.users (id serial PRIMARY KEY, email text NOT NULL UNIQUE,
                               role app_models.role NOT NULL DEFAULT 'member', name text);
CREATE TABLE app_models.posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                               author int NOT NULL REFERENCES app_models.users ON DELETE CASCADE,
                               title varchar(200) NOT NULL);
CREATE INDEX posts_author ON app_models.posts (author);
CREATE VIEW app_models.admins AS SELECT id, email FROM app_models.users WHERE role = 'admin';
SELECT rev_autogenerate_from('app_models', 'user names', 'app', '0003_names');
SELECT upgrade_sql, downgrade_sql FROM revisions.revision WHERE revision = '0003_names';
SELECT * FROM rev_upgrade('head');
SET client_min_messages = notice;
SELECT rev_autogenerate_from('app_models', 'again', 'app') IS NULL AS nothing_registered;
SET client_min_messages = warning;

-- The scripts without registering (what `pg_revisions revision --autogenerate`
-- writes into a file): nothing registered; the very text rev_autogenerate
-- then registers; NULLs once the live schema matches.
SELECT count(*) AS revisions_before FROM revisions.revision \gset
CREATE TEMP TABLE tag_models AS SELECT $m$
    CREATE TYPE role AS ENUM ('member', 'admin');
    CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE,
                        role role NOT NULL DEFAULT 'member', name text);
    CREATE TABLE posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        author int NOT NULL REFERENCES users ON DELETE CASCADE,
                        title varchar(200) NOT NULL);
    CREATE INDEX posts_author ON posts (author);
    CREATE VIEW admins AS SELECT id, email FROM users WHERE role = 'admin';
    CREATE TABLE tags (id int PRIMARY KEY, label text NOT NULL);
$m$ AS models;
CREATE TEMP TABLE tag_sql AS
    SELECT s.* FROM tag_models, rev_autogenerate_sql(models, 'app') s;
SELECT upgrade, downgrade FROM tag_sql;
SELECT count(*) = :revisions_before AS nothing_registered FROM revisions.revision;
SELECT rev_autogenerate(models, 'tags', 'app', '0004_tags') FROM tag_models;
SELECT r.upgrade_sql = s.upgrade AND r.downgrade_sql = s.downgrade AS same_as_registered
FROM revisions.revision r, tag_sql s WHERE r.revision = '0004_tags';
SELECT * FROM rev_upgrade('head');
SELECT s.upgrade IS NULL AND s.downgrade IS NULL AS nothing_to_change
FROM tag_models, rev_autogenerate_sql(models, 'app') s;
SELECT * FROM rev_autogenerate_sql(NULL);
SELECT pg_temp.scratch_left();

DROP SCHEMA app, app_models CASCADE;
