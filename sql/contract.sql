-- The SQL contract (spec/api.md 1.0, 1.1, 1.2) checked as a whole: the shape
-- of every function (arguments, defaults, results), the same shape after
-- ALTER EXTENSION UPDATE from 1.0, no EXECUTE for PUBLIC, the read-only 1.2
-- functions usable by a monitoring role; then behaviour on a history nobody
-- here wrote: rev_plan is exactly what rev_upgrade/rev_downgrade run, for
-- every target form, a branch label alone names the labelled revision (as in
-- Alembic), and rev_lint reviews a tenant's own tables.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SET client_min_messages = warning;
\i sql/err_helper.psql

-- The shape of every function of the extension, as the contract fixes it.
CREATE TEMP TABLE contract_shape AS
SELECT p.proname::text AS name, p.prokind AS kind,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       p.pronamespace::regnamespace::text AS schema, p.prosecdef AS security_definer,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_revisions');
SELECT name, kind, arguments, result FROM contract_shape
 WHERE name IN ('rev_add', 'rev_merge', 'rev_drop', 'rev_upgrade', 'rev_downgrade', 'rev_stamp',
                'rev_current', 'rev_heads', 'rev_pending', 'rev_sql', 'rev_history', 'rev_claim',
                'rev_record', 'rev_verify', 'rev_diff', 'rev_autogenerate', 'rev_autogenerate_from',
                'rev_autogenerate_sql', 'rev_check', 'rev_plan', 'rev_lint', 'rev_rehearse',
                'rev_upgrade_each', 'rev_drift', 'rev_verify_schema', 'rev_squash', 'rev_test',
                'rev_tenants')
 ORDER BY name, arguments;
-- Every function (the contract's and any other): callable unqualified, never
-- SECURITY DEFINER, nothing for PUBLIC.
SELECT count(*) FILTER (WHERE name LIKE 'rev\_%' AND schema <> 'pg_catalog') AS not_on_default_path,
       count(*) FILTER (WHERE security_definer) AS security_definer,
       count(*) FILTER (WHERE public_execute) AS public_execute
  FROM contract_shape;

-- The same shapes and privileges after ALTER EXTENSION UPDATE from 1.0.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions VERSION '1.0';
ALTER EXTENSION pg_revisions UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'pg_revisions';
SELECT 'fresh only' AS side, * FROM (TABLE contract_shape EXCEPT
SELECT p.proname::text, p.prokind, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
       p.pronamespace::regnamespace::text, p.prosecdef, has_function_privilege('public', p.oid, 'EXECUTE')
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_revisions')) f
UNION ALL
SELECT 'updated only', * FROM (SELECT p.proname::text, p.prokind, pg_get_function_arguments(p.oid),
       pg_get_function_result(p.oid), p.pronamespace::regnamespace::text, p.prosecdef,
       has_function_privilege('public', p.oid, 'EXECUTE')
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_revisions')
EXCEPT TABLE contract_shape) u;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

-- A history nobody here wrote: ids of one character, digits first, an id
-- of 63 characters, a long unicode message; a diamond of diamonds with a
-- labelled side, an independent labelled root, a dependency across
-- branches, and a label spelled like a prefix of other ids.
--
--   a_ ─┬─ b1 ─┬─ c ─┬─ d1 ──────┬─ e
--       └─ b2 ─┘     └─ d2 (lab) ┘
--   0 (net) ── n2 (depends on c)
--   x (label "63") ── <63 characters>
SELECT rev_add('a_', 'CREATE TABLE ct_a (id int)', 'DROP TABLE ct_a', '{}');
SELECT rev_add('b1', 'ALTER TABLE ct_a ADD b1 int', 'ALTER TABLE ct_a DROP b1', '{a_}');
SELECT rev_add('b2', 'ALTER TABLE ct_a ADD b2 int', 'ALTER TABLE ct_a DROP b2', '{a_}');
SELECT rev_merge('{b1,b2}', revision => 'c');
SELECT rev_add('d1', 'ALTER TABLE ct_a ADD d1 int', 'ALTER TABLE ct_a DROP d1', '{c}');
SELECT rev_add('d2', 'ALTER TABLE ct_a ADD d2 int', 'ALTER TABLE ct_a DROP d2', '{c}',
               message => repeat('ünïcödé ✓ ', 500), branch_label => 'lab');
SELECT rev_merge(revision => 'e', message => 'diamond of diamonds');
SELECT rev_add('0', 'CREATE TABLE ct_n (id int)', 'DROP TABLE ct_n', '{}', branch_label => 'net');
SELECT rev_add('n2', 'ALTER TABLE ct_n ADD c int', 'ALTER TABLE ct_n DROP c', '{0}', depends_on => '{c}');
SELECT rev_add('x', 'SELECT 1', 'SELECT 1', '{}', branch_label => '63');
SELECT rev_add(repeat('6', 63), 'SELECT 1', 'SELECT 1', '{x}');
SELECT revision, down_revision, depends_on, branch_label, length(message) AS message_length
  FROM rev_history();

-- rev_plan(target, operation) against what the call really does, run in a
-- subtransaction that is rolled back: the same ids in the same order, or
-- the same SQLSTATE.
CREATE FUNCTION pg_temp.plan_vs_run(p_target text, p_operation text)
RETURNS TABLE(target text, operation text, plan text, ran text, same boolean)
LANGUAGE plpgsql AS $$
DECLARE
    planned text;
    done text;
BEGIN
    BEGIN
        SELECT coalesce(string_agg(p.revision, ',' ORDER BY p.step), '') INTO planned
          FROM rev_plan(p_target, p_operation) p;
    EXCEPTION WHEN OTHERS THEN
        planned := 'ERROR ' || SQLSTATE;
    END;
    BEGIN
        IF p_operation = 'upgrade' THEN
            SELECT coalesce(string_agg(u, ',' ORDER BY n), '') INTO done
              FROM rev_upgrade(p_target) WITH ORDINALITY AS r(u, n);
        ELSE
            SELECT coalesce(string_agg(u, ',' ORDER BY n), '') INTO done
              FROM rev_downgrade(p_target) WITH ORDINALITY AS r(u, n);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'P0009', MESSAGE = done;
    EXCEPTION
        WHEN SQLSTATE 'P0009' THEN done := SQLERRM;
        WHEN OTHERS THEN done := 'ERROR ' || SQLSTATE;
    END;
    RETURN QUERY SELECT p_target, p_operation, planned, done,
                        planned IS NOT DISTINCT FROM done;
END $$;

-- From an empty database, every upgrade target form.
SELECT t.* FROM unnest(ARRAY['heads', 'head', 'base', 'a_', 'c', 'e', 'd', '6', '666', 'lab', 'lab@head',
                             'lab@+1', 'lab@+2', 'lab@base', '+1', '+2', 'c+1', 'e-1', 'd2-1', 'n2', 'net',
                             'net@head', 'net@+2', '63', '63@head', 'lab+1', 'nope', 'n2@head'])
       AS g(target), pg_temp.plan_vs_run(g.target, 'upgrade') t;
-- From c (two branches pending above it, two others not started).
SELECT count(*) AS applied FROM rev_upgrade('c');
SELECT t.* FROM unnest(ARRAY['heads', '+1', 'lab', 'lab@+1', 'lab@head', 'e', 'net@+1', 'n2', 'c+1'])
       AS g(target), pg_temp.plan_vs_run(g.target, 'upgrade') t;
-- From everything applied, every downgrade target form.
SELECT count(*) AS applied FROM rev_upgrade('heads');
SELECT t.* FROM unnest(ARRAY['base', '-1', 'a_', 'c', 'b1', 'lab', 'lab@base', 'lab@-1', 'lab@-2', 'net',
                             'net@base', 'net@-1', '0', 'e-1', 'e', 'x', '63@base', 'heads', 'e+1'])
       AS g(target), pg_temp.plan_vs_run(g.target, 'downgrade') t;
SELECT array_agg(r ORDER BY r) AS still_applied FROM rev_current() r;

-- A branch label alone names the labelled revision (Alembic: "the name
-- shoppingcart now serves as an alias for the revision"), for every use.
SELECT * FROM rev_downgrade('lab');
SELECT * FROM rev_current() ORDER BY 1;
SELECT * FROM rev_downgrade('net');
SELECT * FROM rev_downgrade('63');
SELECT * FROM rev_current() ORDER BY 1;
SELECT * FROM rev_upgrade('lab+1');
SELECT rev_sql('net+1') LIKE '%ALTER TABLE ct_n ADD c int%' AS sql_net_plus_1_runs_n2;
-- An exact id wins over a label spelled the same (x+1 is the id's child,
-- the label's revision has none); a label over a prefix ("ne" is a prefix
-- of net2, the label of lab_x).
SELECT rev_add('net2', 'SELECT 1', 'SELECT 1', '{n2}', branch_label => 'x');
SELECT * FROM rev_pending('x+1');
SELECT rev_add('lab_x', 'SELECT 1', 'SELECT 1', '{x}', branch_label => 'ne');
SELECT * FROM rev_pending('ne');
SELECT pg_temp.err($$SELECT rev_pending('nope')$$);
SELECT pg_temp.err($$SELECT rev_pending('n')$$);

-- rev_lint under a tenant reviews the tenant's tables (revision SQL runs
-- with search_path set to the tenant), not the caller's search_path.
SELECT count(*) AS reverted FROM rev_downgrade('base');
SELECT rev_add('lt1', 'CREATE TABLE ct_users (id int)', 'DROP TABLE ct_users', '{}');
SELECT rev_add('lt2', 'ALTER TABLE ct_users ALTER id TYPE bigint', 'ALTER TABLE ct_users ALTER id TYPE int',
               '{lt1}');
CREATE SCHEMA ct_tenant;
CREATE TABLE public.ct_users (id int);
SET pg_revisions.tenant = ct_tenant;
SELECT * FROM rev_upgrade('lt1');
INSERT INTO ct_tenant.ct_users SELECT generate_series(1, 10);
SELECT revision, statement, severity, rule, relation FROM rev_lint() ORDER BY rule;
SHOW search_path;
SET pg_revisions.tenant = '';
SELECT count(*) AS own_lint_rows FROM rev_lint('lt1');
DROP TABLE public.ct_users;
-- A table renamed earlier in the plan is still the existing table: a rewrite
-- of it by its new name is an error like any other.
CREATE TABLE ct_big (id int, a int);
INSERT INTO ct_big SELECT g, g FROM generate_series(1, 1000) g;
SELECT rev_add('lr1', 'ALTER TABLE ct_big RENAME TO ct_big2; ALTER TABLE ct_big2 ALTER a TYPE bigint',
               'ALTER TABLE ct_big2 RENAME TO ct_big', '{}');
SELECT statement, severity, rule, relation FROM rev_lint('lr1') ORDER BY statement, rule;
SELECT rev_drop('lr1');
DROP TABLE ct_big;

-- The read-only 1.2 functions work for a monitoring role granted them;
-- it still cannot read the catalog nor move anything.
CREATE ROLE regress_ct_monitor;
GRANT EXECUTE ON FUNCTION rev_plan(text, text), rev_lint(text), rev_drift(timestamptz), rev_tenants(),
      rev_current(), rev_heads(), rev_history(), rev_pending(text), rev_verify_schema(text, name)
      TO regress_ct_monitor;
GRANT USAGE ON SCHEMA ct_tenant TO regress_ct_monitor;
SET ROLE regress_ct_monitor;
-- (rev_verify_schema replays the history in a scratch schema the monitoring
-- role could not create itself: no CREATE on the database.)
SELECT has_database_privilege(current_database(), 'CREATE') AS can_create_schemas;
SELECT * FROM rev_verify_schema('lt2', 'ct_tenant');
SELECT * FROM rev_tenants();
SELECT * FROM rev_plan('lt2');
SELECT revision, rule FROM rev_lint('lt1');
SELECT count(*) > 0 AS drift_readable FROM rev_drift();
SELECT pg_temp.err($$SELECT * FROM revisions.applied$$);
SELECT pg_temp.err($$SELECT rev_upgrade_each()$$);
SELECT pg_temp.err($$SELECT * FROM rev_squash()$$);
SELECT pg_temp.err($$SELECT * FROM rev_stamp('lt1')$$);
RESET ROLE;
SET pg_revisions.tenant = ct_tenant;
SELECT count(*) AS reverted FROM rev_downgrade('base');
RESET pg_revisions.tenant;
DROP SCHEMA ct_tenant CASCADE;
DROP OWNED BY regress_ct_monitor;
DROP ROLE regress_ct_monitor;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
