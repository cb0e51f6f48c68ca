-- Hostile input to every SQL function: NULLs, empty strings, 64/100/10,000
-- character ids and labels, quotes, backslashes, ; -- /*, unicode, control
-- characters, every malformed target, 10 MB of SQL.  Each input is either
-- accepted and kept verbatim, or refused with a clear error (quoting the
-- input, cut to 80 bytes) and an errcode that is never XX000, and refused
-- input changes nothing.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SET client_min_messages = warning;

-- Every statement tried through sqlstate_of, with its outcome.
CREATE TEMP TABLE tried (statement text, sqlstate text, message text, detail text);

-- t as an error message quotes it: cut to 80 bytes on a character boundary,
-- then "...".
CREATE FUNCTION pg_temp.cut(t text) RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN octet_length(t) <= 80 THEN t
       ELSE (SELECT left(t, k) FROM generate_series(1, 80) k
             WHERE octet_length(left(t, k)) <= 80 ORDER BY k DESC LIMIT 1) || '...'
       END $$;

-- Control characters made visible, for display.
CREATE FUNCTION pg_temp.esc(t text) RETURNS text LANGUAGE sql AS $$
SELECT replace(replace(replace(replace(replace(t, chr(1), '\x01'), chr(9), '\t'), chr(10), '\n'),
                       chr(13), '\r'), chr(160), '\u00a0') $$;

-- An input for display: escaped, between brackets, long ones abbreviated.
CREATE FUNCTION pg_temp.show(t text) RETURNS text LANGUAGE sql AS $$
SELECT CASE WHEN t IS NULL THEN 'NULL'
            WHEN length(t) > 30 THEN format('[%s...] (%s chars)', pg_temp.esc(left(t, 12)), length(t))
            ELSE '[' || pg_temp.esc(t) || ']' END $$;

-- The SQLSTATE a statement fails with, or 'ok'.  Flags a message or detail
-- that is too long to be cut, and, when input is given, a message that does
-- not quote it as "<input cut to 80 bytes>".
CREATE FUNCTION pg_temp.sqlstate_of(statement text, input text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    det text;
BEGIN
    EXECUTE statement;
    INSERT INTO pg_temp.tried VALUES (statement, 'ok', NULL, NULL);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
    INSERT INTO pg_temp.tried VALUES (statement, state, msg, det);
    RETURN state
        || CASE WHEN octet_length(msg) > 200 THEN format(' (message of %s bytes)', octet_length(msg)) ELSE '' END
        || CASE WHEN octet_length(det) > 400 THEN format(' (detail of %s bytes)', octet_length(det)) ELSE '' END
        || CASE WHEN input IS NOT NULL AND strpos(msg, '"' || pg_temp.cut(input) || '"') = 0
                THEN ' (input not quoted)' ELSE '' END;
END $$;

-- The whole catalog, to compare before and after refused input.
CREATE FUNCTION pg_temp.catalog_state() RETURNS TABLE(revisions bigint, edges bigint, applied bigint,
                                                       operations bigint, fingerprint text)
LANGUAGE sql AS $$
SELECT (SELECT count(*) FROM revisions.revision),
       (SELECT count(*) FROM revisions.edge),
       (SELECT count(*) FROM revisions.applied),
       (SELECT count(*) FROM revisions.operation),
       md5(concat_ws('|',
           (SELECT string_agg(r::text, ',' ORDER BY r.seq) FROM revisions.revision r),
           (SELECT string_agg(e::text, ',' ORDER BY e::text) FROM revisions.edge e),
           (SELECT string_agg(a::text, ',' ORDER BY a.revision) FROM revisions.applied a),
           (SELECT string_agg(o::text, ',' ORDER BY o::text) FROM revisions.operation o),
           (SELECT string_agg(s::text, ',') FROM revisions.state s))) $$;

--   h_root <- h_mid (label "hlbl") <- h_top;  h_root and h_mid applied.
SELECT rev_add('h_root', 'CREATE TABLE hostile_root ()', 'DROP TABLE hostile_root');
SELECT rev_add('h_mid', 'SELECT 1', 'SELECT 1', branch_label => 'hlbl');
SELECT rev_add('h_top', 'SELECT 1', 'SELECT 1');
SELECT array_agg(u) AS applied FROM rev_upgrade('h_mid') u;

CREATE TEMP TABLE before_refused AS SELECT * FROM pg_temp.catalog_state();
SELECT revisions, edges, applied, operations FROM before_refused;

------------------------------------------------------------------------------
-- Refused input.
------------------------------------------------------------------------------

-- Bad revision ids and branch labels, in each place that takes one: the id,
-- the label, a down_revision and a depends_on element of rev_add; an element
-- of rev_merge's revisions and its id; rev_drop.  Every state must read 22023
-- (a suffix flags an unquoted input or an overlong message).
SELECT pg_temp.show(v) AS bad_name,
       ARRAY[pg_temp.sqlstate_of(format($f$SELECT rev_add(%L, 'SELECT 1')$f$, v), v),
             pg_temp.sqlstate_of(format($f$SELECT rev_add('h_new', 'SELECT 1', branch_label => %L)$f$, v), v),
             pg_temp.sqlstate_of(format($f$SELECT rev_add('h_new', 'SELECT 1', down_revision => ARRAY[%L])$f$, v), v),
             pg_temp.sqlstate_of(format($f$SELECT rev_add('h_new', 'SELECT 1', depends_on => ARRAY[%L])$f$, v), v),
             pg_temp.sqlstate_of(format($f$SELECT rev_merge(ARRAY['h_root', %L])$f$, v), v),
             pg_temp.sqlstate_of(format($f$SELECT rev_merge(revision => %L)$f$, v), v),
             pg_temp.sqlstate_of(format($f$SELECT rev_drop(%L)$f$, v), v)]
           AS "add: id, label, parent, dep / merge: parent, id / drop"
FROM unnest(ARRAY[
    '', repeat('a', 64), repeat('a', 100), repeat('a', 10000), repeat('é', 10000),
    'a' || repeat('😀', 100), 'a''b', 'a"b', 'a\b', 'a;b', 'a--b', 'a/*b', 'a*/b',
    'a b', ' a', 'a ', 'é', 'ab😀', '１', 'a' || chr(160), chr(1), 'a' || chr(9) || 'b',
    'a' || chr(10) || 'b', 'a' || chr(13) || 'b', 'head', 'HEADS', 'Base', 'hEaD',
    'a%', 'a.b', 'a@b', 'a+1', 'a-b', '$1'
]) WITH ORDINALITY AS t(v, n)
ORDER BY n;

-- Malformed targets, for rev_upgrade, rev_downgrade, rev_stamp, rev_pending
-- and rev_sql.  Every state must read 22023, quoting the target.
SELECT pg_temp.show(t) AS malformed_target,
       ARRAY[pg_temp.sqlstate_of(format('SELECT rev_upgrade(%L)', t), t),
             pg_temp.sqlstate_of(format('SELECT rev_downgrade(%L)', t), t),
             pg_temp.sqlstate_of(format('SELECT rev_stamp(%L)', t), t),
             pg_temp.sqlstate_of(format('SELECT rev_pending(%L)', t), t),
             pg_temp.sqlstate_of(format('SELECT rev_sql(%L)', t), t)]
           AS "upgrade, downgrade, stamp, pending, sql"
FROM unnest(ARRAY[
    '', '+', '-', '-0', '+0', '+00', '-00', '+99999999999999999999', '+2147483648',
    '-2147483648', '+-1', '-+1', '++1', '+ 1', '+1 ', ' +1', '+1e3', '+0x10', '+1.0',
    '+１', '+٣', '@head', '@', 'x@', 'a@b@c', 'x@+', 'x@-', 'x@-0', 'x@+0', 'x@HEAD',
    'x@Base', 'x@heads', 'x@@head', 'x@head@base', 'x@base+1', 'x@ head', 'HEAD', 'Head',
    'hEADS', 'BASE', ' head', 'head ', 'heads+1', 'base-1', 'head@head', 'x+1+1',
    'x-1+1', 'x+', 'x-', 'x+0', 'x-0', '1+', 'x y', 'x;y', 'x''y', 'x"y', 'x\y',
    'x--y', 'x/*y', 'é', '😀', 'h_root+😀', 'x@é', chr(1), 'head' || chr(10),
    chr(9) || 'head', 'h_root' || chr(13), repeat('t', 64), repeat('t', 100),
    repeat('t', 10000), repeat('é', 10000), 'x@' || repeat('😀', 100),
    '+' || repeat('1', 10000), repeat('x', 64) || '@head'
]) WITH ORDINALITY AS u(t, n)
ORDER BY n;

-- Well-formed targets that name nothing, or lead nowhere: refused by every
-- function (22023 ambiguous or out of range, 42704 unknown).
SELECT pg_temp.show(t) AS unresolvable_target,
       ARRAY[pg_temp.sqlstate_of(format('SELECT rev_upgrade(%L)', t), q),
             pg_temp.sqlstate_of(format('SELECT rev_downgrade(%L)', t), q),
             pg_temp.sqlstate_of(format('SELECT rev_stamp(%L)', t), q),
             pg_temp.sqlstate_of(format('SELECT rev_pending(%L)', t), q),
             pg_temp.sqlstate_of(format('SELECT rev_sql(%L)', t), q)]
           AS "upgrade, downgrade, stamp, pending, sql"
FROM (VALUES
    (1, 'zzz', 'zzz'), (2, 'zzz+1', 'zzz'), (3, 'zzz-1', 'zzz'), (4, 'Z' || repeat('9', 62), NULL),
    (5, 'h_', 'h_'), (6, 'h_+1', 'h_'), (7, 'nolabel@head', 'nolabel'), (8, 'nolabel@base', 'nolabel'),
    (9, 'nolabel@+1', 'nolabel'), (10, 'nolabel@-1', 'nolabel'), (11, '+2147483647', NULL),
    (12, '-2147483647', NULL), (13, 'h_top+1', NULL), (14, 'h_root-2147483647', NULL),
    (15, 'hlbl@+2147483647', NULL), (16, 'hlbl@-2147483647', NULL),
    -- leading zeros are accepted (as Alembic's int() does), so a well-formed
    -- target can be long: its message must still quote it cut to 80 bytes
    (17, 'h_top+' || repeat('0', 10000) || '1', 'h_top+' || repeat('0', 10000) || '1'),
    (18, 'hlbl@+' || repeat('0', 10000) || '2147483647', 'hlbl@+' || repeat('0', 10000) || '2147483647')
) AS v(n, t, q)
ORDER BY n;

-- NULLs, empty arrays, duplicates, unknown references, conflicts with what
-- is registered, wrong argument lists.
SELECT s AS statement, pg_temp.sqlstate_of(s) AS sqlstate
FROM unnest(ARRAY[
    $$SELECT rev_add('h_new', NULL)$$,
    $$SELECT rev_add(NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$,
    $$SELECT rev_add('h_new', 'SELECT 1', down_revision => ARRAY[NULL]::text[])$$,
    $$SELECT rev_add('h_new', 'SELECT 1', depends_on => ARRAY['h_root', NULL])$$,
    $$SELECT rev_add('h_new', 'SELECT 1', down_revision => '{h_root,h_root}')$$,
    $$SELECT rev_add('h_new', 'SELECT 1', depends_on => '{h_root,h_root}')$$,
    $$SELECT rev_add('h_new', 'SELECT 1', down_revision => '{zzz}')$$,
    $$SELECT rev_add('h_new', 'SELECT 1', depends_on => (SELECT array_agg('d' || i) FROM generate_series(1, 10000) i))$$,
    $$SELECT rev_add('h_new', 'SELECT 1', down_revision => '{h_root,h_top}', branch_label => 'hlbl')$$,
    $$SELECT rev_add('h_root', 'CREATE TABLE hostile_root ();')$$,
    $$SELECT rev_add('h_root', 'CREATE TABLE hostile_root ()', 'DROP TABLE hostile_root', down_revision => '{h_top}')$$,
    $$SELECT rev_add('h_root', 'CREATE TABLE hostile_root ()', 'DROP TABLE hostile_root', depends_on => '{h_mid}')$$,
    $$SELECT rev_add('h_top', 'SELECT 1', 'SELECT 1', branch_label => 'other')$$,
    $$SELECT rev_merge()$$,
    $$SELECT rev_merge(NULL, NULL, NULL)$$,
    $$SELECT rev_merge('{}')$$,
    $$SELECT rev_merge(ARRAY[NULL, NULL]::text[])$$,
    $$SELECT rev_merge('{h_top}')$$,
    $$SELECT rev_merge('{h_top,h_top}')$$,
    $$SELECT rev_merge('{h_top,zzz}')$$,
    $$SELECT rev_merge('{h_root,h_top}', revision => 'h_root')$$,
    $$SELECT rev_merge(message => repeat('m', 10000))$$,
    $$SELECT rev_drop(NULL)$$,
    $$SELECT rev_drop('h_root')$$,
    $$SELECT rev_drop('h_mid')$$,
    $$SELECT rev_drop('h_')$$,
    $$SELECT rev_upgrade(NULL)$$,
    $$SELECT rev_downgrade(NULL)$$,
    $$SELECT rev_stamp(NULL)$$,
    $$SELECT rev_pending(NULL)$$,
    $$SELECT rev_sql(NULL)$$,
    $$SELECT rev_upgrade('-1')$$,
    $$SELECT rev_downgrade('+1')$$,
    $$SELECT rev_downgrade('hlbl@+1')$$,
    $$SELECT rev_downgrade()$$,
    $$SELECT rev_stamp()$$,
    $$SELECT rev_current(NULL)$$,
    $$SELECT rev_heads('')$$,
    $$SELECT rev_history('h_root')$$
]) AS s;

-- A representative subset, with its messages: the input is quoted, cut to
-- 80 bytes on a character boundary.
SELECT rev_add('a' || repeat('😀', 10000), 'SELECT 1');
SELECT rev_add('h_new', 'SELECT 1', branch_label => repeat('é', 10000));
SELECT rev_add(E'new\nline', 'SELECT 1');
SELECT rev_add('h_new', 'SELECT 1', down_revision => ARRAY['x"y']);
SELECT rev_merge(ARRAY['h_top', E'tab\there']);
SELECT rev_drop('drop; table');
SELECT rev_drop(repeat('d', 100));
SELECT rev_pending(repeat('t', 10000));
SELECT rev_stamp('x@' || repeat('😀', 100));
SELECT rev_upgrade('x@HEAD');
SELECT rev_downgrade(' head');
SELECT rev_sql('+2147483648');
SELECT rev_pending('x@-0');
SELECT rev_pending('h_');
SELECT rev_upgrade('+2147483647');
SELECT rev_add('h_root', 'CREATE TABLE hostile_root ();');

-- Nothing of it changed the catalog.
SELECT b.revisions AS revisions_before, a.revisions AS revisions_after,
       b.applied AS applied_before, a.applied AS applied_after,
       b.operations AS operations_before, a.operations AS operations_after,
       b.edges = a.edges AND b.fingerprint = a.fingerprint AS catalog_unchanged
FROM before_refused b, pg_temp.catalog_state() a;
SELECT to_regclass('h_new') IS NULL AS no_stray_objects;

------------------------------------------------------------------------------
-- Accepted input, kept verbatim.
------------------------------------------------------------------------------

CREATE TEMP TABLE input (name text PRIMARY KEY, value text);
INSERT INTO input VALUES
    -- SQL full of quotes, backslashes, ; -- /* */, unicode and raw control
    -- characters inside a literal, ending in a line comment with no newline
    ('sql', $sql$CREATE TABLE hostile_vals AS SELECT 'quote''s "dq"' AS quotes,
    E'back\\slash' AS backslash, '; -- /* not a comment */' AS punct,
    'é€😀' AS unicode, '$sql$ || chr(1) || chr(9) || chr(10) || $sql$' AS controls;
COMMENT ON TABLE hostile_vals IS 'semi; dash -- slash-star /*'; -- trailing /* comment$sql$),
    ('message', $m$quote's "dq" back\slash; -- /* */ é€😀 $m$ || chr(1) || chr(9) || 'tab'
                || chr(10) || 'second line'),
    ('long_message', repeat('é😀', 5000)),
    ('label63', repeat('L', 63)),
    ('id63', repeat('Az9_', 15) || 'Az9'),
    -- 10 MB of SQL: a string literal, then a block comment
    ('big_literal', 'CREATE TABLE hostile_big AS SELECT length(''' || repeat('x', 10 * 1024 * 1024) || ''') AS n'),
    ('big_comment', '/* ' || repeat('y', 10 * 1024 * 1024) || ' */ CREATE TABLE hostile_big_comment (n int) -- end');

SELECT rev_add('h_msg', (SELECT value FROM input WHERE name = 'sql'),
               'DROP TABLE hostile_vals; -- and /* that is all',
               message => (SELECT value FROM input WHERE name = 'message'));
-- Empty SQL and message are kept as '' (not NULL); NULLs take their defaults.
SELECT rev_add('h_empty', '', '', message => '');
SELECT rev_add('h_nulls', 'SELECT 1', NULL, NULL, NULL, NULL, NULL);
SELECT rev_add((SELECT value FROM input WHERE name = 'id63'), 'SELECT 1', 'SELECT 1',
               branch_label => (SELECT value FROM input WHERE name = 'label63'),
               message => (SELECT value FROM input WHERE name = 'long_message'));
SELECT rev_add('h_big', (SELECT value FROM input WHERE name = 'big_literal'),
               'DROP TABLE hostile_big', down_revision => '{}', message => 'ten megabytes');
SELECT rev_add('h_big_c', (SELECT value FROM input WHERE name = 'big_comment'),
               'DROP TABLE hostile_big_comment', down_revision => '{h_big}');
SELECT rev_merge(ARRAY['h_big_c', (SELECT value FROM input WHERE name = 'id63')],
                 E'merge\n-- of "both"', 'h_merge');
-- A generated id (not shown: it is random).
SELECT rev_add(NULL, '', down_revision => '{}', message => 'generated') ~ '^[0-9a-f]{12}$' AS generated_id;
SELECT rev_drop(revision) FROM revisions.revision WHERE message = 'generated';
-- Re-adding an identical revision is a no-op, 10 MB included.
SELECT rev_add('h_big', (SELECT value FROM input WHERE name = 'big_literal'),
               'DROP TABLE hostile_big', down_revision => '{}', message => 'ten megabytes');

SELECT r.revision, pg_temp.show(r.upgrade_sql) AS upgrade_sql, octet_length(r.upgrade_sql) AS bytes,
       r.upgrade_sql = i.value AND md5(r.upgrade_sql) = md5(i.value) AS upgrade_verbatim
FROM revisions.revision r
JOIN input i ON i.name = CASE r.revision WHEN 'h_msg' THEN 'sql' WHEN 'h_big' THEN 'big_literal'
                                         WHEN 'h_big_c' THEN 'big_comment' END
ORDER BY r.seq;
SELECT revision = (SELECT value FROM input WHERE name = 'id63') AS id_verbatim,
       branch_label = (SELECT value FROM input WHERE name = 'label63') AS label_verbatim,
       message = (SELECT value FROM input WHERE name = 'long_message') AS message_verbatim
FROM revisions.revision WHERE revision LIKE 'Az9%';
SELECT (SELECT message FROM revisions.revision WHERE revision = 'h_msg')
       = (SELECT value FROM input WHERE name = 'message') AS message_verbatim,
       (SELECT message FROM rev_history() WHERE revision = 'h_msg')
       = (SELECT value FROM input WHERE name = 'message') AS history_verbatim;
SELECT revision, pg_temp.show(upgrade_sql) AS upgrade_sql, pg_temp.show(downgrade_sql) AS downgrade_sql,
       pg_temp.show(message) AS message, branch_label
FROM revisions.revision WHERE revision IN ('h_empty', 'h_nulls', 'h_merge') ORDER BY seq;

-- Leading zeros in steps are accepted: +01 is +1.
SELECT array_agg(p) AS plus_01 FROM rev_pending('+01') p;

-- What rev_upgrade would run: each revision's SQL verbatim, the message kept
-- inside the comment line.
SELECT n, pg_temp.esc(line) AS rev_sql_h_msg
FROM regexp_split_to_table(rev_sql('h_msg'), E'\n') WITH ORDINALITY AS l(line, n);
SELECT length(s) AS rev_sql_length,
       strpos(s, (SELECT value FROM input WHERE name = 'big_literal')) > 0 AS has_10mb_literal,
       strpos(s, (SELECT value FROM input WHERE name = 'big_comment')) > 0 AS has_10mb_comment
FROM rev_sql('h_big_c') s;

-- A message with a carriage return (a line break to PostgreSQL's lexer) must
-- not escape its comment line: running the reviewed script must not run it.
-- (The script's \echo ... \quit line, which stops psql, is a syntax error for
-- the server: it is taken out first, as a reviewer who runs the script would.)
SELECT rev_add('h_cr', 'SELECT 1', 'SELECT 1', down_revision => '{}',
               message => E'carriage\rCREATE TABLE hostile_injected ();');
BEGIN;
DO $$ BEGIN EXECUTE regexp_replace(rev_sql('h_cr'), '^\\.*$', '', 'gn'); END $$;
SELECT to_regclass('hostile_injected') IS NULL AS message_stayed_in_comment;
ROLLBACK;

-- Applying it all runs the SQL as given.
SELECT array_agg(u) AS applied FROM rev_upgrade('heads') u;
SELECT quotes, backslash, punct, unicode, controls = chr(1) || chr(9) || chr(10) AS controls_ok,
       obj_description('hostile_vals'::regclass) AS comment
FROM hostile_vals;
SELECT n AS literal_length FROM hostile_big;
SELECT to_regclass('hostile_big_comment') IS NOT NULL AS big_comment_applied;
SELECT target, revisions FROM revisions.operation ORDER BY id DESC LIMIT 1;

-- The read-only functions over all of it.
SELECT pg_temp.show(revision) AS revision, down_revision, depends_on, branch_label,
       pg_temp.show(message) AS message, is_head, is_applied
FROM rev_history();
SELECT pg_temp.show(c) AS current FROM rev_current() c ORDER BY 1;
SELECT pg_temp.show(h) AS heads FROM rev_heads() h ORDER BY 1;

-- A downgrade through an irreversible revision is refused, changing nothing.
CREATE TEMP TABLE before_downgrade AS SELECT * FROM pg_temp.catalog_state();
SELECT rev_downgrade('base');
SELECT b.applied = a.applied AND b.fingerprint = a.fingerprint AS catalog_unchanged,
       to_regclass('hostile_vals') IS NOT NULL AS tables_kept
FROM before_downgrade b, pg_temp.catalog_state() a;

-- Revision SQL that does not parse is registered as given, and refused when
-- applied (42601, naming the revision), changing nothing; 10 MB included.
SELECT rev_add('h_bad', 'SELECT 1 /* unterminated', down_revision => '{}');
SELECT rev_add('h_bad_big', 'SELECT length(''' || repeat('x', 10 * 1024 * 1024) || ''') SELEC 1',
               down_revision => '{}');
CREATE TEMP TABLE before_bad AS SELECT * FROM pg_temp.catalog_state();
SELECT s AS statement, pg_temp.sqlstate_of(s) AS sqlstate
FROM unnest(ARRAY[$$SELECT rev_upgrade('h_bad')$$, $$SELECT rev_upgrade('h_bad_big')$$]) AS s;
SELECT message, octet_length(detail) < 200 AS short_detail FROM tried
WHERE statement LIKE '%h_bad%' ORDER BY statement;
SELECT b.fingerprint = a.fingerprint AS catalog_unchanged
FROM before_bad b, pg_temp.catalog_state() a;
SELECT rev_drop('h_bad'), rev_drop('h_bad_big');

------------------------------------------------------------------------------
-- Revision SQL calling the functions that change the catalog or the applied
-- state: each is refused with the error a nested rev_upgrade gets (55000,
-- naming the function), never XX000; nothing is applied.
------------------------------------------------------------------------------

SELECT rev_add('hx_later', 'SELECT 1', 'SELECT 1', down_revision => '{}');
SELECT f AS called_from_revision_sql,
       pg_temp.sqlstate_of(format('SELECT rev_upgrade(%L)',
                                  rev_add('hx_' || n, format('SELECT %s', c), 'SELECT 1',
                                          down_revision => '{hx_later}'))) AS sqlstate
FROM (VALUES
    (1, 'rev_add', $$rev_add('hx_new', 'SELECT 1')$$),
    (2, 'rev_merge', $$rev_merge(ARRAY['h_root', 'hx_later'])$$),
    (3, 'rev_drop', $$rev_drop('hx_later')$$),
    (4, 'rev_stamp', $$rev_stamp('base')$$),
    (5, 'rev_claim', $$rev_claim('hx_later')$$),
    (6, 'rev_record', $$rev_record('hx_later')$$),
    (7, 'rev_upgrade', $$rev_upgrade('heads')$$),
    (8, 'rev_downgrade', $$rev_downgrade('base')$$),
    (9, 'rev_autogenerate', $$rev_autogenerate('CREATE TABLE x (id int)')$$),
    (10, 'rev_autogenerate_from', $$rev_autogenerate_from('pg_catalog')$$)
) AS v(n, f, c)
ORDER BY n;
SELECT message FROM tried WHERE statement LIKE 'SELECT rev_upgrade(''hx\_%' ORDER BY statement;
-- A revision dropping the next one of its own plan.
SELECT rev_add('hx_dropper', $$SELECT rev_drop('hx_dropped')$$, 'SELECT 1', down_revision => '{}');
SELECT rev_add('hx_dropped', 'SELECT 1', 'SELECT 1', down_revision => '{hx_dropper}');
SELECT pg_temp.sqlstate_of($$SELECT rev_upgrade('hx_dropped')$$) AS sqlstate;
SELECT count(*) AS hx_applied FROM revisions.applied WHERE revision LIKE 'hx\_%';
SELECT count(*) AS dropped
FROM (SELECT rev_drop(revision) FROM revisions.revision WHERE revision LIKE 'hx\_%' ORDER BY seq DESC) d;

------------------------------------------------------------------------------
-- Models that would change live state (rev_check, rev_autogenerate_sql and
-- rev_autogenerate run them in a subtransaction that is rolled back, which
-- does not undo sequence values, session-level advisory locks, prepared
-- statements ...): refused before anything runs (0A000).
------------------------------------------------------------------------------

CREATE SCHEMA hostile_app;
CREATE SEQUENCE hostile_app.hostile_live_seq;
SELECT nextval('hostile_app.hostile_live_seq') AS live_seq_before;
CREATE TABLE hostile_app.hostile_live (id int);
INSERT INTO hostile_app.hostile_live VALUES (1), (2);
PREPARE hostile_prepared AS SELECT 1;
SELECT pg_temp.show(m) AS models,
       ARRAY[pg_temp.sqlstate_of(format('SELECT * FROM rev_check(%L, %L)', m, 'hostile_app')),
             pg_temp.sqlstate_of(format('SELECT * FROM rev_autogenerate_sql(%L, %L)', m, 'hostile_app')),
             pg_temp.sqlstate_of(format('SELECT rev_autogenerate(%L, NULL, %L)', m, 'hostile_app'))]
           AS "check, autogenerate_sql, autogenerate"
FROM unnest(ARRAY[
    $$CREATE TABLE t (id int); SELECT setval('hostile_live_seq', 1000)$$,
    $$SELECT nextval('hostile_live_seq')$$,
    $$SELECT pg_catalog.pg_advisory_lock(42)$$,
    $$VALUES (pg_try_advisory_lock(42))$$,
    $$SELECT pg_advisory_unlock_all()$$,
    $$PREPARE p AS SELECT 1$$,
    $$EXECUTE hostile_prepared$$,
    $$DEALLOCATE ALL$$,
    $$LISTEN hostile_channel$$,
    $$UNLISTEN *$$,
    $$NOTIFY hostile_channel$$,
    $$DO 'BEGIN PERFORM setval(''hostile_live_seq'', 1000); END'$$,
    $$CALL some_procedure()$$,
    $$INSERT INTO hostile_live VALUES (3)$$,
    $$UPDATE hostile_live SET id = 0$$,
    $$DELETE FROM hostile_live$$,
    $$LOCK hostile_live$$,
    $$COPY hostile_live TO '/tmp/hostile_live'$$,
    $$DECLARE c CURSOR WITH HOLD FOR SELECT 1$$,
    $$DISCARD PLANS$$,
    $$LOAD 'plpgsql'$$,
    $$ANALYZE hostile_live$$,
    $$CHECKPOINT$$,
    $$EXPLAIN ANALYZE SELECT setval('hostile_live_seq', 1000)$$,
    $$SET CONSTRAINTS ALL DEFERRED$$,
    $$REFRESH MATERIALIZED VIEW v$$,
    $$CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION f()$$,
    $$CREATE TABLE t AS SELECT setval('hostile_live_seq', 1000) AS n$$,
    $$CREATE MATERIALIZED VIEW v AS SELECT nextval('hostile_live_seq') AS n$$,
    $$CREATE TABLE t AS EXECUTE hostile_prepared$$,
    $$ALTER TABLE hostile_live ADD COLUMN n bigint DEFAULT nextval('hostile_live_seq')$$,
    $$ALTER TABLE hostile_live ALTER COLUMN id TYPE bigint USING setval('hostile_live_seq', 1000)$$,
    $$ALTER TABLE hostile_live ADD CHECK (pg_advisory_lock(id) IS NOT NULL)$$,
    $$CREATE DOMAIN d AS int; ALTER DOMAIN d ADD CHECK (nextval('hostile_live_seq') > 0)$$
]) WITH ORDINALITY AS u(m, n)
ORDER BY n;
SELECT message FROM tried WHERE statement LIKE 'SELECT * FROM rev_check(%' AND sqlstate = '0A000'
GROUP BY message ORDER BY message;
-- Nothing outlived the calls: the sequence, locks, prepared statements,
-- channels and the live table are as they were; no scratch schema is left.
SELECT last_value AS live_seq_after FROM hostile_app.hostile_live_seq;
SELECT count(*) AS advisory_locks FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid <> 21078;
SELECT array_agg(name) AS prepared FROM pg_prepared_statements;
SELECT count(*) AS channels FROM pg_listening_channels();
SELECT array_agg(id ORDER BY id) AS live_rows, pg_typeof(min(id)) AS live_type FROM hostile_app.hostile_live;
SELECT count(*) AS scratch_left FROM pg_namespace WHERE nspname LIKE 'revisions\_scratch%';
-- What models may do is still done: defaults, views and function bodies that
-- call nextval are stored, not run; SET is undone with the models.
SET work_mem = '4MB';
SELECT * FROM rev_check($$CREATE TABLE hostile_live (id int);
    CREATE SEQUENCE hostile_live_seq;
    CREATE TABLE t (id bigint DEFAULT nextval('hostile_live_seq'));
    CREATE VIEW v AS SELECT nextval('hostile_live_seq') AS n;
    CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS 'SELECT nextval(''hostile_live_seq'')';
    SET work_mem = '77MB'$$, 'hostile_app') AS statements;
SHOW work_mem;
SELECT last_value AS live_seq_unchanged FROM hostile_app.hostile_live_seq;
RESET work_mem;
DEALLOCATE hostile_prepared;
DROP SCHEMA hostile_app CASCADE;

-- Across everything tried: never XX000 (nor any other internal error class).
SELECT count(*) AS statements_tried,
       count(*) FILTER (WHERE sqlstate = 'ok') AS accepted,
       count(*) FILTER (WHERE sqlstate LIKE 'XX%') AS internal_errors
FROM tried;
SELECT sqlstate, count(*) FROM tried GROUP BY sqlstate ORDER BY sqlstate;
SELECT pg_temp.show(statement) AS statement, sqlstate, pg_temp.show(message) AS message
FROM tried WHERE sqlstate = 'XX000' OR sqlstate = 'ok';

-- Leave no tables behind for the tests that follow.
DROP TABLE hostile_root, hostile_vals, hostile_big, hostile_big_comment;
