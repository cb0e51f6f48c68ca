-- Privileges: PUBLIC can do nothing; a monitoring role the DBA grants can
-- read state; a migrator can register and apply, its revision SQL runs as
-- itself (never raised), and it cannot touch the catalog directly.  Objects
-- planted on the search_path are never called by the extension.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SELECT rev_add('p1', 'CREATE TABLE priv_one (id int)', 'DROP TABLE priv_one', message => 'secret: s3cr3t');

CREATE ROLE regress_rev_plain;
CREATE ROLE regress_rev_monitor;
CREATE ROLE regress_rev_migrator;
GRANT EXECUTE ON FUNCTION rev_current(), rev_heads(), rev_history(), rev_pending(text)
    TO regress_rev_monitor;
GRANT EXECUTE ON FUNCTION rev_add(text, text, text, text[], text, text, text[], boolean),
    rev_upgrade(text), rev_downgrade(text), rev_current(), rev_history()
    TO regress_rev_migrator;
GRANT CREATE ON SCHEMA public TO regress_rev_migrator;

-- A plain role: no function, no catalog.
SET ROLE regress_rev_plain;
SELECT rev_upgrade('head');
SELECT rev_add('p2', 'SELECT 1');
SELECT rev_history();
SELECT rev_sql();
SELECT rev_current();
SELECT * FROM revisions.revision;
INSERT INTO revisions.applied VALUES ('p1', now(), 'x', 0);
RESET ROLE;

-- A monitoring role: reads state, cannot move it or read revision SQL.
SET ROLE regress_rev_monitor;
SELECT * FROM rev_pending();
SELECT revision, message FROM rev_history();
SELECT * FROM rev_heads();
SELECT * FROM rev_current();
SELECT rev_upgrade('head');
SELECT rev_sql();
SELECT rev_verify();
SELECT upgrade_sql FROM revisions.revision;
RESET ROLE;

-- A migrator: registers and applies; what it creates it owns.
SET ROLE regress_rev_migrator;
SELECT rev_add('p2', 'CREATE TABLE priv_two (id int)', 'DROP TABLE priv_two');
SELECT * FROM rev_upgrade('head');
SELECT tablename, tableowner FROM pg_tables WHERE tablename LIKE 'priv\_%' ORDER BY 1;
-- but it cannot rewrite history behind the functions' back,
UPDATE revisions.revision SET upgrade_sql = 'SELECT 1';
DELETE FROM revisions.applied;
-- and revision SQL runs as the migrator, not as the extension owner.
SELECT rev_add('p3', 'SELECT count(*) FROM revisions.revision', 'SELECT 1');
SELECT * FROM rev_upgrade('head');
SELECT rev_add('p4', 'CREATE ROLE regress_rev_escalated SUPERUSER', 'SELECT 1', down_revision => '{p2}');
-- (Only the SQLSTATE, 42501: PostgreSQL 16 reworded the message.)
\set VERBOSITY sqlstate
SELECT * FROM rev_upgrade('p4');
\set VERBOSITY default
SELECT rev_add('p5', 'SELECT current_user, session_user', 'SELECT 1', down_revision => '{p2}');
RESET ROLE;

SELECT revision, created_by FROM revisions.revision ORDER BY seq;
SELECT revision, applied_by FROM revisions.applied ORDER BY revision;
SELECT operation, role, revisions FROM revisions.operation ORDER BY id;
SELECT count(*) AS escalated FROM pg_roles WHERE rolname = 'regress_rev_escalated';

-- Planted operators and functions in public, first on the search_path, are
-- never called: every query of the extension is schema-qualified.
CREATE FUNCTION public.captured_eq(text, text) RETURNS boolean
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'captured operator called'; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.captured_eq);
CREATE OPERATOR public.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = public.captured_eq);
CREATE FUNCTION public.captured_minus(bigint, integer) RETURNS bigint
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'captured minus called'; END $$;
CREATE OPERATOR public.- (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = public.captured_minus);
CREATE FUNCTION public.unnest(text[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'captured unnest called'; END $$;
CREATE FUNCTION public.now() RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'captured now called'; END $$;
SET search_path = public, pg_catalog;
SELECT 'a'::text = 'b'::text;    -- the trap works when called
SELECT rev_add('p6', 'SELECT 1', 'SELECT 1', down_revision => '{p3}', depends_on => '{p1}', branch_label => 'planted');
SELECT * FROM rev_upgrade('planted@head');
SELECT * FROM rev_downgrade('-1');
SELECT * FROM rev_stamp('heads');
SELECT count(*) FROM rev_history();
SELECT rev_merge(revision => 'p7');
SELECT rev_drop('p7');
SELECT rev_add('p6', 'SELECT 1', 'SELECT 1', down_revision => '{p3}', depends_on => '{p1}', branch_label => 'planted');
RESET search_path;
DROP OPERATOR public.= (text, text);
DROP OPERATOR public.<> (text, text);
DROP OPERATOR public.- (bigint, integer);
DROP FUNCTION public.captured_eq(text, text), public.captured_minus(bigint, integer),
    public.unnest(text[]), public.now();

DROP TABLE priv_one, priv_two;
REVOKE CREATE ON SCHEMA public FROM regress_rev_migrator;
DROP EXTENSION pg_revisions;
DROP ROLE regress_rev_plain, regress_rev_monitor, regress_rev_migrator;
CREATE EXTENSION pg_revisions;
