-- ALTER EXTENSION pg_revisions UPDATE from 1.0 (through 1.1 to 1.2) keeps the catalog:
-- revisions registered and applied under 1.0 go on being applied, reverted
-- and verified; the roles that could call the 1.0 rev_add are named.
-- The rows "written by 1.0" are made by 1.1 and copied over: the checksum
-- format and every 1.0 column are unchanged, so they are what 1.0 wrote.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SELECT rev_add('u1', 'CREATE TABLE upd_one (id int)', 'DROP TABLE upd_one', message => 'one');
SELECT rev_add('u2', 'CREATE TABLE upd_two (id int)', 'DROP TABLE upd_two');
SELECT rev_add('u3', 'CREATE TABLE upd_three (id int)', 'DROP TABLE upd_three');
SELECT * FROM rev_upgrade('u2');
CREATE TEMP TABLE saved_revision AS
    SELECT revision, seq, message, upgrade_sql, downgrade_sql, branch_label, checksum,
           heads_count, created_at, created_by FROM revisions.revision;
CREATE TEMP TABLE saved_edge AS SELECT * FROM revisions.edge;
CREATE TEMP TABLE saved_applied AS
    SELECT revision, applied_at, applied_by, operation_id FROM revisions.applied;
CREATE TEMP TABLE saved_operation AS
    SELECT id, started_at, role, operation, target, revisions, duration FROM revisions.operation;
DROP EXTENSION pg_revisions;

CREATE EXTENSION pg_revisions VERSION '1.0';
INSERT INTO revisions.revision (revision, seq, message, upgrade_sql, downgrade_sql, branch_label,
                                checksum, heads_count, created_at, created_by)
    SELECT * FROM saved_revision;
INSERT INTO revisions.edge SELECT * FROM saved_edge;
INSERT INTO revisions.applied SELECT * FROM saved_applied;
INSERT INTO revisions.operation SELECT * FROM saved_operation;
SELECT setval('revisions.revision_seq', 3), setval('revisions.operation_id_seq', 1);
CREATE ROLE regress_upd_deployer;
GRANT EXECUTE ON FUNCTION rev_add(text, text, text, text[], text, text, text[]) TO regress_upd_deployer;
GRANT EXECUTE ON FUNCTION rev_stamp(text) TO regress_upd_deployer;

-- The library (now 1.2) refuses to work on a 1.0 catalog, and says what to do.
SELECT * FROM rev_current();
SELECT rev_add('u4', 'SELECT 1');

ALTER EXTENSION pg_revisions UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_revisions';
SELECT revision, transactional FROM revisions.revision ORDER BY seq;
SELECT has_function_privilege('regress_upd_deployer',
    'rev_add(text, text, text, text[], text, text, text[], boolean)', 'EXECUTE') AS deployer_can_add;
-- 1.2's rev_stamp(target, verify): the same, named in its own WARNING.
SELECT has_function_privilege('regress_upd_deployer', 'rev_stamp(text, boolean)', 'EXECUTE')
    AS deployer_can_stamp;

-- Everything 1.0 registered still works.
SELECT * FROM rev_verify();
SELECT * FROM rev_current();
SELECT * FROM rev_upgrade('head');
SELECT rev_add('u4', 'VACUUM', transactional => false);
SELECT * FROM rev_downgrade('u1');
SELECT revision, down_revision, message, is_applied FROM rev_history();
SELECT operation, target, revisions FROM revisions.operation ORDER BY id;

-- The same objects as a fresh install (which runs 1.0, then this update).
-- PostgreSQL 17 also records the tables' row types and their array types as
-- members of the extension: they come with the tables, so they are not
-- counted (the count is then the same on every major).
CREATE TEMP VIEW extension_objects AS
    SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS object
    FROM pg_depend d WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_revisions')
      AND NOT (d.classid = 'pg_type'::regclass AND d.objid IN
               (SELECT t.oid FROM pg_type t
                JOIN pg_type r ON r.oid = t.oid OR r.typarray = t.oid
                JOIN pg_class c ON c.oid = r.typrelid
                WHERE c.relkind <> 'c'));
CREATE TEMP TABLE updated_objects AS SELECT object FROM extension_objects;
DROP TABLE upd_one;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SELECT count(*) AS objects,
       count(*) FILTER (WHERE u.object IS NULL) AS only_in_fresh,
       count(*) FILTER (WHERE f.object IS NULL) AS only_in_updated
FROM extension_objects f
FULL JOIN updated_objects u USING (object);
DROP ROLE regress_upd_deployer;
