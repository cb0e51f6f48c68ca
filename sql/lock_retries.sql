-- pg_revisions.lock_timeout / pg_revisions.lock_retries: the settings and
-- their bounds, and revisions run in a subtransaction each when they are
-- set (test/scripts/lock_retries.sh makes them time out for real).
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;

SHOW pg_revisions.lock_timeout;
SHOW pg_revisions.lock_retries;

-- Negative, absurd and malformed values are refused; the value is kept.
SET pg_revisions.lock_timeout = -1;
SET pg_revisions.lock_timeout = '2h';
SET pg_revisions.lock_timeout = 'soon';
SET pg_revisions.lock_retries = -1;
SET pg_revisions.lock_retries = 101;
SET pg_revisions.lock_retries = 'many';
SET pg_revisions.no_such_setting = 1;
SHOW pg_revisions.lock_timeout;
SHOW pg_revisions.lock_retries;

SET pg_revisions.lock_timeout = '250ms';
SET pg_revisions.lock_retries = 100;
SHOW pg_revisions.lock_timeout;
SELECT name, setting, unit, min_val, max_val FROM pg_settings
WHERE name LIKE 'pg_revisions.%' ORDER BY name;

-- With the settings, each revision runs with lock_timeout set (and then
-- restored), in a subtransaction of its own.
SELECT rev_add('lr1', $$CREATE TABLE lr_one (setting text);
    INSERT INTO lr_one VALUES (pg_catalog.current_setting('lock_timeout'))$$,
    'DROP TABLE lr_one', '{}');
SELECT rev_add('lr2', $$CREATE TABLE lr_two (id int);
    INSERT INTO lr_one VALUES (pg_catalog.current_setting('lock_timeout'))$$,
    'DROP TABLE lr_two');
SELECT rev_add('lr3', 'CREATE TABLE lr_three (id int); SELECT 1 / 0', 'DROP TABLE lr_three');
SHOW lock_timeout;
SELECT * FROM rev_upgrade('lr2');
SELECT * FROM lr_one;
SHOW lock_timeout;

-- Any other error is raised as it is, with its own SQLSTATE, and the
-- whole call is undone as without the settings.
SELECT * FROM rev_upgrade('lr3');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('lr_three') AS lr_three;
SELECT * FROM rev_current();

-- A revision's own SET LOCAL lock_timeout wins, and ends with it.
SELECT rev_add('lr4', $$SET LOCAL lock_timeout = '7s';
    CREATE TABLE lr_four AS SELECT pg_catalog.current_setting('lock_timeout') AS t$$,
    'DROP TABLE lr_four', '{lr2}');
SELECT * FROM rev_upgrade('lr4');
SELECT * FROM lr_four;
SHOW lock_timeout;

-- Downgrades run the same way.
SELECT * FROM rev_downgrade('base');
SELECT to_regclass('lr_one') AS lr_one;

RESET pg_revisions.lock_timeout;
RESET pg_revisions.lock_retries;
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
