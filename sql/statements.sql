-- Revision SQL runs one statement at a time (src/statements.c): statements
-- are split by the server's own lexer and parser in batches of at most 10,000
-- statements or 1 MB, every statement is checked before any runs, and
-- settings that change how the lexer reads the rest are refused.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

\i sql/err_helper.psql

-- Semicolons inside literals, comments, dollar quotes, parentheses and the
-- BEGIN ATOMIC body of a function (with a CASE ... END inside) do not end a
-- statement; a comment before a statement stays with it.
SELECT rev_add('s1', $sql$
CREATE TABLE st_items (id int PRIMARY KEY, note text);
INSERT INTO st_items VALUES (1, 'a;b'), (2, $$c;d$$); -- trailing; comment
/* block; comment */ INSERT INTO st_items VALUES (3, E'e\';f');
CREATE FUNCTION st_kind(i int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
    SELECT CASE WHEN i > 1 THEN 'many' ELSE 'one' END;
END;
CREATE OR REPLACE PROCEDURE st_add(i int) LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO st_items VALUES (i, 'added');
    INSERT INTO st_items VALUES (i + 100, 'added too');
END;
CALL st_add(4)
$sql$, 'DROP PROCEDURE st_add; DROP FUNCTION st_kind; DROP TABLE st_items');
SELECT * FROM rev_upgrade('s1');
SELECT id, note, st_kind(id) FROM st_items ORDER BY id;

-- 25,000 statements: three batches, run in order, all in one revision.
SELECT rev_add('s2',
    'CREATE TABLE st_many (n int);' ||
    (SELECT string_agg(format('INSERT INTO st_many VALUES (%s);', g), E'\n') FROM generate_series(1, 25000) g),
    'DROP TABLE st_many');
SELECT * FROM rev_upgrade('s2');
SELECT count(*), min(n), max(n), count(DISTINCT n) FROM st_many;

-- A syntax error in the last batch: refused before the first statement runs,
-- its position in the batch that holds it.
SELECT rev_add('s3',
    'CREATE TABLE st_never (n int);' ||
    (SELECT string_agg(format('INSERT INTO st_never VALUES (%s);', g), '') FROM generate_series(1, 25000) g) ||
    ' INSERT INTO st_never VALUES (1',
    'DROP TABLE st_never');
SELECT * FROM rev_upgrade('s3');
SELECT to_regclass('st_never') AS created;
-- An unterminated literal is a lexer error, reported the same way.
SELECT rev_add('s4', 'CREATE TABLE st_never (n int); SELECT ''unterminated', 'SELECT 1', down_revision => '{s2}');
SELECT pg_temp.err($$SELECT rev_upgrade('s4')$$);
SELECT rev_drop('s4');
SELECT rev_drop('s3');

-- Settings that change how the lexer reads the rest of the revision are
-- refused before anything runs, however they are spelled...
SELECT rev_add('lex1', 'CREATE TABLE st_lex (n int); SET standard_conforming_strings = off; SELECT 1', 'SELECT 1');
SELECT * FROM rev_upgrade('lex1');
SELECT rev_drop('lex1');
SELECT rev_add('lex2', 'SET LOCAL backslash_quote = on', 'SELECT 1');
SELECT pg_temp.err($$SELECT rev_upgrade('lex2')$$);
SELECT rev_drop('lex2');
SELECT rev_add('lex3', 'RESET standard_conforming_strings', 'SELECT 1');
SELECT pg_temp.err($$SELECT rev_upgrade('lex3')$$);
SELECT rev_drop('lex3');
-- ... and by a route the parse tree does not show, as soon as it ran.
SELECT rev_add('lex4', 'CREATE TABLE st_lex (n int); SELECT set_config(''standard_conforming_strings'', ''off'', true); SELECT 1', 'SELECT 1');
SELECT * FROM rev_upgrade('lex4');
SELECT to_regclass('st_lex') AS created, current_setting('standard_conforming_strings') AS scs;
SELECT rev_drop('lex4');
-- A non-transactional revision too: rev_claim refuses it, claiming nothing.
SELECT rev_add('lex5', $$SET standard_conforming_strings = off; SELECT 'a\'';DROP TABLE public.st_items;--'$$,
               'SELECT 1', transactional => false);
SELECT * FROM rev_claim('lex5');
SELECT count(*) AS claims FROM pg_locks
 WHERE locktype = 'advisory' AND objsubid = 21078 AND pid = pg_backend_pid();
SELECT rev_drop('lex5');
-- A function whose SET clause changes it is fine: the setting ends with the call.
SELECT rev_add('lex6', $sql$
CREATE FUNCTION st_scs() RETURNS text LANGUAGE sql SET standard_conforming_strings = on
AS $$ SELECT current_setting('standard_conforming_strings') $$;
SELECT st_scs();
$sql$, 'DROP FUNCTION st_scs');
SELECT * FROM rev_upgrade('lex6');

-- Models run one statement at a time too.
CREATE SCHEMA st_live;
SELECT * FROM rev_check('CREATE TABLE t (id int); CREATE TABLE t (id int)', 'st_live');
SELECT pg_temp.err($$SELECT * FROM rev_check('CREATE TABLE t (id int); SET backslash_quote = off', 'st_live')$$);
SELECT * FROM rev_check(
    (SELECT string_agg(format('CREATE TABLE t%s (id int);', g), '') FROM generate_series(1, 3) g) ||
    (SELECT string_agg('COMMENT ON TABLE t1 IS NULL;', '') FROM generate_series(1, 20000)), 'st_live');
DROP SCHEMA st_live;

SELECT * FROM rev_downgrade('base');
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
