-- Revision ids, branch labels and the arguments of rev_add: bad input gets a
-- clear error with an errcode, and changes nothing.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

-- The SQLSTATE a statement fails with, or 'ok'.
CREATE FUNCTION pg_temp.sqlstate_of(statement text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

SELECT rev_add('ok_1', 'SELECT 1', message => 'a valid id');

-- Invalid ids, each with its reason.
SELECT rev_add('', 'SELECT 1');
SELECT rev_add('has space', 'SELECT 1');
SELECT rev_add('semi;colon', 'SELECT 1');
SELECT rev_add('quote''s', 'SELECT 1');
SELECT rev_add('back\slash', 'SELECT 1');
SELECT rev_add('dash-ed', 'SELECT 1');
SELECT rev_add('ünïcode', 'SELECT 1');
SELECT rev_add(repeat('x', 64), 'SELECT 1');
SELECT rev_add('head', 'SELECT 1');
SELECT rev_add('HEADS', 'SELECT 1');
SELECT rev_add('Base', 'SELECT 1');
-- A very long bad id is quoted, but cut short.
SELECT rev_add(repeat('y', 200) || '!', 'SELECT 1');
-- 63 characters is the limit.
SELECT length(rev_add(repeat('z', 63), 'SELECT 1')) AS longest_id;

-- Branch labels follow the same rule.
SELECT rev_add('lab_1', 'SELECT 1', branch_label => 'bad label');
SELECT rev_add('lab_1', 'SELECT 1', branch_label => 'head');

-- Upgrade SQL is required ('' is a revision that runs nothing).
SELECT rev_add('no_sql', NULL);

-- Parents and dependencies: well-formed and registered.
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{ok_1,NULL}');
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{ok_1,ok_1}');
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{{ok_1},{ok_1}}');
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{"bad id"}');
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{missing}');
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{ok_1}', depends_on => '{missing_dep}');
SELECT rev_add('p_1', 'SELECT 1', down_revision => '{p_1}');

-- None of these left anything behind.
SELECT revision FROM revisions.revision ORDER BY seq;

-- Errcodes: never XX000.
SELECT s AS statement, pg_temp.sqlstate_of(s) AS sqlstate
FROM unnest(ARRAY[
    $$SELECT rev_add('has space', 'SELECT 1')$$,
    $$SELECT rev_add('ok_2', NULL)$$,
    $$SELECT rev_add('ok_2', 'SELECT 1', down_revision => '{missing}')$$,
    $$SELECT rev_add('ok_2', 'SELECT 1', down_revision => '{ok_1,NULL}')$$,
    $$SELECT rev_add('ok_2', 'SELECT 1', down_revision => '{{ok_1},{ok_1}}')$$,
    $$SELECT rev_add('ok_1', 'SELECT 2')$$,
    $$SELECT rev_drop(NULL)$$,
    $$SELECT rev_drop('nope')$$,
    $$SELECT rev_drop('bad id')$$
]) AS s;

-- A NULL id is generated: 12 hex digits.
SELECT rev_add(NULL, 'SELECT 1', down_revision => '{}') ~ '^[0-9a-f]{12}$' AS generated_id_ok;
