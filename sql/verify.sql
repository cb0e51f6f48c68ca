-- rev_verify_schema: the statements that would turn the live schema into what
-- the history builds, replayed in a scratch schema that never outlives the
-- call; rev_stamp(target, verify => true) refuses a schema that differs.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SELECT rev_add('v1', 'CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL)', 'DROP TABLE users');
SELECT rev_add('v2', 'CREATE INDEX users_email ON users (email)', 'DROP INDEX users_email');
SELECT rev_add('v3', 'SET lock_timeout = ''1s''; ALTER TABLE users ADD COLUMN name text',
               'ALTER TABLE users DROP COLUMN name');
SELECT rev_add('v4', 'CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users)',
               'DROP TABLE orders');
-- Non-transactional: replayed without CONCURRENTLY, VACUUM skipped.
SELECT rev_add('v5', 'CREATE INDEX CONCURRENTLY orders_user ON orders (user_id); VACUUM ANALYZE orders',
               'DROP INDEX CONCURRENTLY orders_user', transactional => false);

-- Nothing applied, nothing in public: they match.
SELECT * FROM rev_verify_schema();
-- What v1 builds is missing.
SELECT * FROM rev_verify_schema('v1');
SELECT * FROM rev_verify_schema('v1', 'public');

-- A hand-made schema matching v4 (the guide's baseline): no rows.
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text);
CREATE INDEX users_email ON users (email);
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);
SELECT * FROM rev_verify_schema('v4');
SELECT * FROM rev_verify_schema('head');
-- Nothing of the scratch schema is left, nothing was recorded as drift by
-- the replay, and the SET in v3 ended with it.
SELECT count(*) AS scratch_left FROM pg_namespace WHERE nspname LIKE 'revisions_scratch%';
SHOW lock_timeout;
SELECT count(*) AS scratch_drift FROM rev_drift() WHERE object_identity LIKE 'revisions_scratch%';

-- Each kind of mismatch.
-- A missing column:
ALTER TABLE users DROP COLUMN name;
SELECT * FROM rev_verify_schema('v4');
ALTER TABLE users ADD COLUMN name text;
-- An extra index:
CREATE INDEX users_name ON users (name);
SELECT * FROM rev_verify_schema('v4');
DROP INDEX users_name;
-- A different type:
ALTER TABLE users ALTER COLUMN email TYPE varchar(200);
SELECT * FROM rev_verify_schema('v4');
ALTER TABLE users ALTER COLUMN email TYPE text;
-- A missing table:
DROP TABLE orders;
SELECT * FROM rev_verify_schema('v4');
CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);
SELECT * FROM rev_verify_schema('v4');

-- rev_stamp with verify: a matching schema is stamped...
SELECT * FROM rev_stamp('v4', verify => true);
-- ... and NULL now means the applied state.
SELECT * FROM rev_verify_schema();
-- A schema that differs from the target's history: nothing stamped, 55000,
-- the differences in DETAIL.
SELECT * FROM rev_stamp('v5', verify => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM rev_stamp('v3', true);
SELECT * FROM rev_current();
-- Without verify, as in 1.0.
SELECT * FROM rev_stamp('v3');
SELECT * FROM rev_stamp('v4', false);
SELECT * FROM rev_stamp('v4', verify => NULL);

-- Another live schema.
CREATE SCHEMA vlive;
CREATE TABLE vlive.users (id int PRIMARY KEY, email text NOT NULL);
SELECT * FROM rev_verify_schema('v2', 'vlive');
SELECT * FROM rev_verify_schema('v1', live_schema => 'vlive');
DROP SCHEMA vlive CASCADE;

-- A revision whose SQL reaches outside the scratch schema: named, with the object.
SELECT rev_add('v6', 'CREATE TABLE public.audit (id int)', 'DROP TABLE public.audit');
SELECT * FROM rev_verify_schema('v6');
SELECT rev_drop('v6');
SELECT rev_add('v6', 'CREATE TABLE audit (id int); CREATE SCHEMA side; CREATE TABLE side.t (id int)', 'DROP SCHEMA side CASCADE; DROP TABLE audit');
SELECT rev_add('v7', 'CREATE TABLE v7_table (id int)', 'DROP TABLE v7_table');
SELECT * FROM rev_verify_schema('v7');
-- One that fails names itself too.
SELECT rev_add('v8', 'ALTER TABLE nowhere ADD COLUMN x int', 'SELECT 1');
SELECT * FROM rev_verify_schema('v8');
SELECT to_regclass('audit') AS audit, to_regnamespace('side') AS side;

-- Bad input.
SELECT * FROM rev_verify_schema('no_such_revision');
SELECT * FROM rev_verify_schema('v4', NULL);
SELECT * FROM rev_verify_schema('v4', 'no_such_schema');
SELECT * FROM rev_verify_schema('bad target!');

SELECT count(*) AS stamped FROM rev_stamp('base');
DROP TABLE orders, users;
