-- The drift ledger: DDL run outside pg_revisions is recorded as it happens
-- (rev_drift), DDL run by pg_revisions' own calls, on temporary objects, by
-- an extension's script, by a failed statement or by a restore is not; the
-- roles running DDL get no right over the ledger.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
-- CREATE EXTENSION itself was not recorded (no trigger existed when it began).
SELECT count(*) AS rows_after_install FROM rev_drift();
-- Two event triggers, members of the extension, enabled for ordinary sessions.
SELECT e.evtname, e.evtevent, e.evtenabled, e.evtfoid::regproc AS function
FROM pg_event_trigger e
JOIN pg_depend d ON d.classid = 'pg_event_trigger'::regclass AND d.objid = e.oid AND d.deptype = 'e'
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_revisions')
ORDER BY 1;

-- Recorded: one row per object the server reports, oldest first.
SET application_name = 'regress console';
CREATE TABLE drift_items (id serial PRIMARY KEY, name text);
CREATE INDEX drift_items_name ON drift_items (name);
ALTER TABLE drift_items ADD COLUMN price numeric;
ALTER TABLE drift_items DROP COLUMN price;
COMMENT ON TABLE drift_items IS 'hand-made';
GRANT SELECT ON drift_items TO PUBLIC;
CREATE VIEW drift_names AS SELECT name FROM drift_items;
CREATE FUNCTION drift_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
DO $$BEGIN EXECUTE 'CREATE TABLE drift_dynamic (id int)'; END$$;
DROP VIEW drift_names;
DROP INDEX drift_items_name;
SELECT role = current_user AS by_me, application, command, object_type, object_identity
FROM rev_drift();
RESET application_name;

-- The time is the statement's, in order; since filters.
SELECT bool_and(at <= clock_timestamp()) AS in_the_past FROM rev_drift();
SELECT clock_timestamp() AS mark \gset
CREATE TABLE drift_later (id int);
SELECT command, object_identity FROM rev_drift(:'mark');
SELECT (SELECT count(*) FROM rev_drift(NULL)) = (SELECT count(*) FROM rev_drift()) AS null_is_all;
SELECT count(*) AS future FROM rev_drift(now() + interval '1 day');
TRUNCATE revisions.drift;

-- Not recorded: a failed statement, a rolled-back transaction.
CREATE TABLE drift_items (id int);
BEGIN;
CREATE TABLE drift_rolled_back (id int);
ROLLBACK;
BEGIN;
CREATE TABLE drift_failed (id int);
SELECT 1 / 0;
ROLLBACK;
-- Not recorded: temporary objects.
CREATE TEMP TABLE drift_temp (id serial PRIMARY KEY, v text);
CREATE INDEX ON drift_temp (v);
ALTER TABLE drift_temp ADD COLUMN w int;
CREATE TEMP VIEW drift_temp_view AS SELECT 1 AS one;
DROP TABLE drift_temp;
DROP VIEW drift_temp_view;
-- Not recorded: what an extension's script does (the CREATE EXTENSION is).
CREATE EXTENSION IF NOT EXISTS plpgsql;
-- Not recorded: REFRESH MATERIALIZED VIEW (data, not schema).
CREATE MATERIALIZED VIEW drift_mv AS SELECT 1 AS one;
REFRESH MATERIALIZED VIEW drift_mv;
DROP MATERIALIZED VIEW drift_mv;
SELECT command, object_type, object_identity FROM rev_drift();
TRUNCATE revisions.drift;

-- Not recorded: revisions applied, reverted and stamped by pg_revisions.
SELECT rev_add('d1', 'CREATE TABLE drift_rev (id int); CREATE INDEX ON drift_rev (id)',
               'DROP TABLE drift_rev');
SELECT rev_add('d2', 'ALTER TABLE drift_rev ADD COLUMN v text', 'ALTER TABLE drift_rev DROP COLUMN v');
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_downgrade('d1');
SELECT * FROM rev_stamp('d2');
SELECT * FROM rev_stamp('d1');
SELECT * FROM rev_stamp('d2');
-- ... nor a claimed non-transactional revision's statements.
SELECT rev_add('d3', 'CREATE INDEX CONCURRENTLY drift_rev_cic ON drift_rev (id)',
               'DROP INDEX CONCURRENTLY drift_rev_cic', transactional => false);
SELECT * FROM rev_claim('d3');
CREATE INDEX CONCURRENTLY drift_rev_cic ON drift_rev (id);
SELECT rev_record('d3');
SELECT * FROM rev_claim('d3', 'downgrade');
DROP INDEX CONCURRENTLY drift_rev_cic;
SELECT rev_record('d3');
-- ... nor autogenerate's scratch schema.
SELECT * FROM rev_check('CREATE TABLE drift_rev (id int); CREATE INDEX ON drift_rev (id); CREATE TABLE drift_new (id int)');
SELECT upgrade IS NOT NULL AS has_upgrade FROM rev_autogenerate_sql('CREATE TABLE drift_rev (id int)');
SELECT count(*) AS pg_revisions_own_ddl FROM rev_drift();
-- Once the claim is recorded and committed, the session's DDL counts again.
CREATE TABLE drift_after_claim (id int);
SELECT command, object_identity FROM rev_drift();
TRUNCATE revisions.drift;

-- A restore (pg_restore names itself so) by a superuser is not recorded...
SET application_name = 'pg_restore';
CREATE TABLE drift_restored (id int);
DROP TABLE drift_restored;
SELECT count(*) AS restore_rows FROM rev_drift();
RESET application_name;

-- Privileges: a plain role can neither read nor write the ledger.
CREATE ROLE regress_drift_plain;
CREATE ROLE regress_drift_ddl;
GRANT CREATE ON SCHEMA public TO regress_drift_ddl;
SET ROLE regress_drift_plain;
SELECT * FROM rev_drift();
SELECT * FROM revisions.drift;
INSERT INTO revisions.drift (at, role, application, command) VALUES (now(), 'x', 'x', 'x');
SELECT revisions.drift_record();
RESET ROLE;
-- A role running DDL is recorded under its name, and gets no right over the
-- ledger: it cannot forge, change or erase a row, nor fire the trigger function.
SET SESSION AUTHORIZATION regress_drift_ddl;
SET application_name = 'pg_restore';  -- not a superuser: recorded all the same
CREATE TABLE drift_by_ddl (id int);
RESET application_name;
INSERT INTO revisions.drift (at, role, application, command) VALUES (now(), 'postgres', 'x', 'x');
UPDATE revisions.drift SET role = 'postgres';
DELETE FROM revisions.drift;
SELECT revisions.drift_record();
DROP TABLE drift_by_ddl;
RESET SESSION AUTHORIZATION;
SELECT role, application, command, object_identity FROM rev_drift();
SELECT has_table_privilege('regress_drift_ddl', 'revisions.drift', 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE') AS ddl_role_any_right;
-- A monitoring role the DBA grants rev_drift to reads it.
GRANT EXECUTE ON FUNCTION rev_drift(timestamptz) TO regress_drift_plain;
SET ROLE regress_drift_plain;
SELECT count(*) AS monitor_reads FROM rev_drift();
RESET ROLE;
-- Even the owner cannot change a row (the owner may delete old ones).
UPDATE revisions.drift SET role = 'someone';
-- Called directly, outside an event trigger: refused.
SELECT revisions.drift_record();
-- A library of another version than the installed extension never blocks
-- DDL: a WARNING, no row (until ALTER EXTENSION ... UPDATE).
TRUNCATE revisions.drift;
UPDATE pg_extension SET extversion = '1.1' WHERE extname = 'pg_revisions';
CREATE TABLE drift_unrecorded (id int);
DROP TABLE drift_unrecorded;
UPDATE pg_extension SET extversion = '1.2' WHERE extname = 'pg_revisions';
SELECT count(*) AS unrecorded FROM rev_drift();

DROP TABLE drift_items, drift_later, drift_dynamic, drift_after_claim;
DROP FUNCTION drift_f();
SELECT count(*) AS stamped FROM rev_stamp('base');
DROP TABLE drift_rev;
REVOKE CREATE ON SCHEMA public FROM regress_drift_ddl;
REVOKE EXECUTE ON FUNCTION rev_drift(timestamptz) FROM regress_drift_plain;
DROP ROLE regress_drift_plain;
DROP ROLE regress_drift_ddl;
