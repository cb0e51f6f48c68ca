-- Tenants: pg_revisions.tenant selects a schema's own applied state for
-- every function; revision SQL runs with search_path set to that schema and
-- the caller's search_path is back afterwards; the graph is shared.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

\i sql/err_helper.psql

CREATE SCHEMA tenant_a;
CREATE SCHEMA tenant_b;
SELECT rev_add('t1', 'CREATE TABLE users (id int PRIMARY KEY)', 'DROP TABLE users');
SELECT rev_add('t2', 'ALTER TABLE users ADD COLUMN email text', 'ALTER TABLE users DROP COLUMN email');
SELECT rev_add('t3', 'CREATE INDEX users_email ON users (email)', 'DROP INDEX users_email');

-- Tenant a goes to t2: its tables land in its schema, and only its state moves.
SET search_path = public;
SET pg_revisions.tenant = tenant_a;
SELECT * FROM rev_upgrade('t2');
SHOW search_path;
SELECT * FROM rev_current();
SELECT revision, is_applied FROM rev_history() ORDER BY revision;
SELECT * FROM rev_pending();
SELECT table_schema, table_name, column_name FROM information_schema.columns
 WHERE table_name = 'users' ORDER BY table_schema, ordinal_position;

-- Tenant b goes to head on its own; a is untouched.
SET pg_revisions.tenant = tenant_b;
SELECT * FROM rev_current();
SELECT * FROM rev_upgrade('head');
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'tenant_b.users'::regclass ORDER BY 1;

-- The database's own state is still empty.
RESET pg_revisions.tenant;
SELECT count(*) AS own_applied FROM rev_current();
SELECT * FROM rev_tenants();

-- Downgrade and stamp are per tenant too.
SET pg_revisions.tenant = tenant_b;
SELECT * FROM rev_downgrade('t1');
SELECT * FROM rev_stamp('t3');
SELECT * FROM rev_current();
SET pg_revisions.tenant = tenant_a;
SELECT * FROM rev_current();
RESET pg_revisions.tenant;
SELECT tenant, revision FROM revisions.applied ORDER BY tenant, revision;
SELECT tenant, operation, target, revisions FROM revisions.operation ORDER BY id;

-- A revision applied to any tenant cannot be dropped.
SELECT pg_temp.err($$SELECT rev_drop('t3')$$);

-- Bad tenants are refused with the name quoted, changing nothing.
SET pg_revisions.tenant = 'no_such_schema';
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_current();
SET pg_revisions.tenant = 'bad name; DROP TABLE x';
SELECT * FROM rev_upgrade('head');
SET pg_revisions.tenant = '"tenant_a"';
SELECT * FROM rev_current();
RESET pg_revisions.tenant;
SELECT count(*) AS applied_rows FROM revisions.applied;

-- A failing revision of a tenant leaves nothing, and search_path is back.
SELECT rev_add('t4', 'CREATE TABLE extra (id int); SELECT 1 / 0', 'DROP TABLE extra');
SET search_path = public;
SET pg_revisions.tenant = tenant_a;
SELECT * FROM rev_upgrade('head');
SHOW search_path;
SELECT * FROM rev_current();
SELECT to_regclass('tenant_a.extra') AS extra;
RESET pg_revisions.tenant;
RESET search_path;

DROP SCHEMA tenant_a CASCADE;
DROP SCHEMA tenant_b CASCADE;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
