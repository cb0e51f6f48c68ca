-- Immutable history: the catalog changes only through the extension's
-- functions, even for its owner; rev_verify() finds SQL changed behind its
-- back, and such SQL is never applied or shown.
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SET client_min_messages = warning;

SELECT rev_add('i1', 'CREATE TABLE imm_one (id int)', 'DROP TABLE imm_one');
SELECT rev_add('i2', 'CREATE TABLE imm_two (id int)', 'DROP TABLE imm_two');
SELECT * FROM rev_upgrade('i1');

-- The owner (a superuser here) cannot edit the catalog by hand.
UPDATE revisions.revision SET upgrade_sql = 'SELECT 1' WHERE revision = 'i2';
DELETE FROM revisions.revision WHERE revision = 'i2';
DELETE FROM revisions.applied;
UPDATE revisions.edge SET requires = 'i2';
TRUNCATE revisions.operation;
DELETE FROM revisions.operation;
SELECT count(*) AS revisions, (SELECT count(*) FROM revisions.applied) AS applied,
       (SELECT count(*) FROM revisions.operation) AS operations
FROM revisions.revision;

-- All is well.
SELECT * FROM rev_verify();

-- A superuser can still switch the guard off and tamper with the SQL ...
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET upgrade_sql = 'CREATE TABLE imm_two (id bigint)' WHERE revision = 'i2';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
-- ... but it shows, and the tampered SQL is neither applied nor shown.
SELECT * FROM rev_verify();
SELECT * FROM rev_upgrade('head');
SELECT rev_sql('head');
SELECT count(*) AS imm_two_tables FROM pg_tables WHERE tablename = 'imm_two';
-- Downgrading checks the checksum too (it covers both SQL texts).
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET upgrade_sql = 'CREATE TABLE imm_two (id int)' WHERE revision = 'i2';
UPDATE revisions.revision SET downgrade_sql = 'SELECT 1' WHERE revision = 'i1';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
SELECT revision FROM rev_verify();
SELECT * FROM rev_downgrade('base');
-- Put back, everything works again.
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET downgrade_sql = 'DROP TABLE imm_one' WHERE revision = 'i1';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
SELECT count(*) AS corrupted FROM rev_verify();
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_downgrade('base');
-- The checksum's definition, byte for byte, whatever the server's byte
-- order: per part a tag ('T' text, 'N' NULL), the length as a 64-bit
-- little-endian integer, the bytes.  (A server hashing its own uint64
-- fails this on a big-endian machine.)
SELECT rev_add('i_sum', 'SELECT 1', NULL, ARRAY[]::text[]) AS i_sum;
SELECT checksum = encode(sha256('\x540800000000000000'::bytea || convert_to('SELECT 1', 'UTF8')
                                || '\x4e0000000000000000'::bytea), 'hex') AS documented_checksum
FROM revisions.revision WHERE revision = 'i_sum';
SELECT rev_drop('i_sum');

-- Other tampering is refused whenever the catalog is loaded (XX001, naming
-- what is wrong), never acted on.  Each is put back afterwards.
SELECT rev_add('i3', 'SELECT 1', 'SELECT 1', down_revision => '{i1}');
SELECT rev_merge('{i2,i3}', revision => 'im');
-- An applied revision whose parent is not: rev_current would report it and
-- rev_upgrade skip the parent's SQL (inserts stay open, for pg_restore).
INSERT INTO revisions.applied VALUES ('im', now(), current_user, 0);
SELECT * FROM rev_current();
SELECT * FROM rev_upgrade('head');
ALTER TABLE revisions.applied DISABLE TRIGGER catalog_guard;
DELETE FROM revisions.applied WHERE revision = 'im';
ALTER TABLE revisions.applied ENABLE TRIGGER catalog_guard;
-- A heads_count that is not the number of heads: rev_add would pick a
-- parent from it.
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET heads_count = 2 WHERE revision = 'im';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
SELECT rev_add('i4', 'SELECT 1', 'SELECT 1');
SELECT * FROM rev_heads();
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET heads_count = 0 WHERE revision = 'im';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
SELECT rev_add('i4', 'SELECT 1', 'SELECT 1');
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET heads_count = 1 WHERE revision = 'im';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
-- A missing edge row: the merge's first parent slot would stay empty, or
-- its last parent would be forgotten (a second head appears).
BEGIN;
ALTER TABLE revisions.edge DISABLE TRIGGER catalog_guard;
DELETE FROM revisions.edge WHERE revision = 'im' AND position = 0;
SELECT * FROM rev_history();
ROLLBACK;
BEGIN;
ALTER TABLE revisions.edge DISABLE TRIGGER catalog_guard;
DELETE FROM revisions.edge WHERE revision = 'im' AND position = 1;
SELECT * FROM rev_upgrade('head');
ROLLBACK;
-- Two edges in one slot (with the primary key dropped).
BEGIN;
ALTER TABLE revisions.edge DISABLE TRIGGER catalog_guard;
ALTER TABLE revisions.edge DROP CONSTRAINT edge_pkey;
UPDATE revisions.edge SET position = 0 WHERE revision = 'im';
SELECT * FROM rev_pending('head');
ROLLBACK;
-- All put back: everything works again.
SELECT * FROM rev_heads();
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_current();
SELECT * FROM rev_downgrade('base');
SELECT rev_drop('im'), rev_drop('i3');
