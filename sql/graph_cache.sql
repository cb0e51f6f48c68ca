-- Each backend keeps the last DAG it loaded while revisions.state is
-- unchanged (src/graph_cache.c).  It must never serve a stale graph: after
-- a rollback, inside the transaction that changed the catalog, or after a
-- change made behind the extension's back.  (Other sessions:
-- test/specs/graph_cache.spec.)
DROP EXTENSION pg_revisions;
CREATE EXTENSION pg_revisions;
SELECT rev_add('gc1', 'SELECT 1', 'SELECT 1');
SELECT rev_add('gc2', 'SELECT 2', 'SELECT 2');
SELECT * FROM rev_heads();
-- A change rolled back: gone, in the transaction and after.
BEGIN;
SELECT rev_add('gc3', 'SELECT 3', 'SELECT 3');
SELECT * FROM rev_heads();
SELECT * FROM rev_pending('head');
ROLLBACK;
SELECT * FROM rev_heads();
SELECT * FROM rev_pending('head');
-- Inside a savepoint rolled back, while the transaction goes on.
BEGIN;
SELECT * FROM rev_upgrade('gc1');
SAVEPOINT s;
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_current();
ROLLBACK TO SAVEPOINT s;
SELECT * FROM rev_current();
COMMIT;
SELECT * FROM rev_current();
-- The no-op upgrade to the head (one index lookup) and the full path agree.
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_current();
-- Rows inserted by hand (as pg_restore would): the catalog_changed trigger
-- makes every backend reload.
SELECT generation AS g0 FROM revisions.state \gset
INSERT INTO revisions.revision (revision, upgrade_sql, downgrade_sql, checksum, heads_count, created_by)
    VALUES ('gc4', '', '', encode(sha256('\x540000000000000000540000000000000000'::bytea), 'hex'),
            1, current_user);
INSERT INTO revisions.edge (revision, kind, position, requires) VALUES ('gc4', 'down_revision', 0, 'gc2');
SELECT generation > :g0 AS bumped FROM revisions.state;
SELECT * FROM rev_heads();
SELECT * FROM rev_pending('heads');
-- A message edited by hand (guard disabled): rev_history shows the new one.
SELECT message FROM rev_history() WHERE revision = 'gc1';
ALTER TABLE revisions.revision DISABLE TRIGGER catalog_guard;
UPDATE revisions.revision SET message = 'edited' WHERE revision = 'gc1';
ALTER TABLE revisions.revision ENABLE TRIGGER catalog_guard;
SELECT message FROM rev_history() WHERE revision = 'gc1';
SELECT * FROM rev_upgrade('head');
SELECT * FROM rev_downgrade('base');
