// pg_revisions from Node.js with the `pg` package (npm).
//
// Run by test/scripts/language_clients.sh with PGREV_DSN set to an empty
// database that has the extension.  The same five steps as
// psycopg2_client.py: commit, rollback, a failing revision, CREATE INDEX
// CONCURRENTLY through rev_claim/rev_record, rev_history().  A failed
// check throws (exit 1).
'use strict';
const assert = require('node:assert/strict');
const { Client } = require('pg');

async function column(client, sql, params) {
  const result = await client.query({ text: sql, values: params, rowMode: 'array' });
  return result.rows.map((row) => row[0]);
}

async function main() {
  const client = new Client({ connectionString: process.env.PGREV_DSN });
  const notices = [];
  client.on('notice', (msg) => notices.push(msg.message));
  await client.connect();

  // 1. Register and apply in one transaction.
  await client.query('BEGIN');
  await client.query('SELECT rev_add($1, $2, $3, message => $4)',
    ['js1', 'CREATE TABLE js_users (id int PRIMARY KEY, email text)', 'DROP TABLE js_users', 'users']);
  await client.query('SELECT rev_add($1, $2, $3, message => $4)',
    ['js2', 'ALTER TABLE js_users ADD COLUMN name text', 'ALTER TABLE js_users DROP COLUMN name', 'user names']);
  assert.deepEqual(await column(client, 'SELECT * FROM rev_upgrade($1)', ['head']), ['js1', 'js2']);
  await client.query('COMMIT');
  assert.ok(notices.some((n) => n.includes('applying revision "js2" (2 of 2): user names')),
    `no progress notice for js2 in ${JSON.stringify(notices)}`);

  // 2. Register and apply a third, then roll back.
  await client.query('BEGIN');
  await client.query("SELECT rev_add('js3', 'CREATE TABLE js_rolled_back (id int)', 'DROP TABLE js_rolled_back')");
  assert.deepEqual(await column(client, "SELECT * FROM rev_upgrade('head')"), ['js3']);
  await client.query('ROLLBACK');
  assert.deepEqual(await column(client, "SELECT to_regclass('js_rolled_back')::text"), [null]);
  assert.deepEqual(await column(client, 'SELECT revision FROM rev_history()'), ['js2', 'js1']);

  // 3. A failing revision: SQLSTATE kept, revision named, nothing left.
  await client.query('BEGIN');
  await client.query("SELECT rev_add('js3', 'CREATE TABLE js_half (id int); SELECT 1/0', 'DROP TABLE js_half')");
  await assert.rejects(client.query("SELECT * FROM rev_upgrade('head')"), (err) => {
    assert.equal(err.code, '22012');
    assert.match(err.where, /revision "js3"/);
    return true;
  });
  await client.query('ROLLBACK');
  assert.deepEqual(await column(client, "SELECT to_regclass('js_half')::text"), [null]);
  assert.deepEqual(await column(client, 'SELECT * FROM rev_current()'), ['js2']);

  // 4. CREATE INDEX CONCURRENTLY: outside a transaction, claim, run, record.
  await client.query("SELECT rev_add('js4', 'CREATE INDEX CONCURRENTLY js_users_email ON js_users (email)',"
    + " 'DROP INDEX CONCURRENTLY js_users_email', transactional => false)");
  await assert.rejects(client.query("SELECT * FROM rev_upgrade('head')"), (err) => {
    assert.equal(err.code, '25001');
    assert.match(err.hint, /rev_claim\('js4'\)/);
    return true;
  });
  for (const statement of await column(client, "SELECT * FROM rev_claim('js4')")) {
    await client.query(statement);
  }
  await client.query("SELECT rev_record('js4')");
  assert.deepEqual(await column(client,
    "SELECT indisvalid FROM pg_index WHERE indexrelid = 'js_users_email'::regclass"), [true]);

  // 5. History, newest first.
  const history = await client.query('SELECT revision, down_revision, message, is_applied FROM rev_history()');
  assert.deepEqual(history.rows, [
    { revision: 'js4', down_revision: ['js2'], message: null, is_applied: true },
    { revision: 'js2', down_revision: ['js1'], message: 'user names', is_applied: true },
    { revision: 'js1', down_revision: [], message: 'users', is_applied: true },
  ]);
  await client.end();
  console.log('node pg: 5 checks passed (commit, rollback, failing revision, CONCURRENTLY, history)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
