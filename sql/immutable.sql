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
