#!/usr/bin/env bash
# Script test: the catalog survives pg_dump -Fc / pg_restore.
# The drift ledger too: it is kept, and the restore itself adds no row to it
# (pg_restore's DDL, run by a superuser under application_name pg_restore, is
# not drift); DDL by hand in the restored copy is recorded again.
#
# Uses the running cluster given by PGHOST/PGPORT/PGUSER (scripts/test.sh
# starts one).  In database A: three revisions, upgrade, downgrade -1, upgrade
# (three operation-log rows); dump A, restore into B; rev_current(),
# rev_history() and revisions.operation must read the same in both; then B
# must go on: rev_add('r4') chains onto r3 and rev_upgrade('head') applies r4.
set -euo pipefail

test_name=dump_restore
# shellcheck source=test/scripts/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"

db_a="pgrev_dump_a_$$"
db_b="pgrev_dump_b_$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_dump.XXXXXX")


cleanup() {
    local rc=$?
    set +e
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db_a" >/dev/null 2>&1
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db_b" >/dev/null 2>&1
    rm -rf "$work"
    return "$rc"
}
trap cleanup EXIT

psql_q -d postgres -c "CREATE DATABASE $db_a"
if ! psql_q -d "$db_a" >"$work/setup.out" 2>&1 <<'SQL'
CREATE EXTENSION pg_revisions;
SELECT rev_add('r1', 'CREATE TABLE t1(id int)', 'DROP TABLE t1');
SELECT rev_add('r2', 'CREATE TABLE t2(id int)', 'DROP TABLE t2');
SELECT rev_add('r3', 'CREATE TABLE t3(id int)', 'DROP TABLE t3');
SELECT rev_upgrade('head');
SELECT rev_downgrade('-1');
SELECT rev_upgrade('head');
CREATE SCHEMA tenant_x;
SET pg_revisions.tenant = tenant_x;
SELECT rev_upgrade('r2');
SET application_name = 'dba console';
CREATE INDEX t1_by_hand ON t1 (id);
SQL
then
    cat "$work/setup.out" >&2
    fail "setting up $db_a (three revisions, upgrade, downgrade -1, upgrade) failed"
fi

current=$(value -d "$db_a" -c "SELECT string_agg(r, ',') FROM rev_current() AS r")
[ "$current" = "r3" ] || fail "before the dump, rev_current() in A is '$current', expected 'r3'"
drift=$(value -d "$db_a" -c "SELECT string_agg(command || ' ' || object_identity, ',') FROM rev_drift()")
[ "$drift" = "CREATE SCHEMA tenant_x,CREATE INDEX public.t1_by_hand" ] || fail "before the dump, rev_drift() in A is '$drift', expected the hand-made schema and index only"
ops=$(value -d "$db_a" -c 'SELECT count(*) FROM revisions.operation')
[ "$ops" -ge 3 ] || fail "before the dump, revisions.operation in A has $ops rows, expected at least 3 (upgrade, downgrade, upgrade)"

"$PG_BIN/pg_dump" -Fc -f "$work/a.dump" "$db_a" || fail "pg_dump of $db_a failed"
psql_q -d postgres -c "CREATE DATABASE $db_b"
if ! "$PG_BIN/pg_restore" -d "$db_b" "$work/a.dump" 2>"$work/restore.err"; then
    cat "$work/restore.err" >&2
    fail "pg_restore into $db_b reported errors"
fi
if [ -s "$work/restore.err" ]; then
    echo "pg_restore said:" >&2
    cat "$work/restore.err" >&2
fi

# Same queries, same formatting, in both databases.
snapshot() {
    local db=$1
    {
        echo "-- rev_current()"
        psql_q -d "$db" -c 'SELECT * FROM rev_current()'
        echo "-- rev_history()"
        psql_q -d "$db" -c 'SELECT revision, down_revision, depends_on, branch_label, message, is_head, is_applied, applied_at FROM rev_history()'
        echo "-- revisions.operation"
        psql_q -d "$db" -c 'SELECT id, started_at, role, operation, target, revisions, duration, tenant FROM revisions.operation ORDER BY id'
        echo "-- tenant tenant_x: rev_current(), rev_tenants()"
        psql_q -d "$db" -c 'SET pg_revisions.tenant = tenant_x' -c 'SELECT * FROM rev_current()' -c 'SELECT * FROM rev_tenants()'
        echo "-- revisions.drift"
        psql_q -d "$db" -c 'SELECT id, at, role, application, command, object_type, object_identity FROM revisions.drift ORDER BY id'
        echo "-- tables"
        psql_q -d "$db" -c "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1"
    } >"$work/$db.out" 2>&1 || { cat "$work/$db.out" >&2; fail "reading the catalog of $db failed"; }
}
snapshot "$db_a"
snapshot "$db_b"
if ! diff -u --label "$db_a (dumped)" --label "$db_b (restored)" "$work/$db_a.out" "$work/$db_b.out"; then
    fail "the restored database differs from the dumped one (diff above)"
fi
grep -q ' t3$' "$work/$db_b.out" || fail "table t3 (from applied revision r3) is missing in the restored database"
grep -q '^ tenant_x | {r2}    |       1$' "$work/$db_b.out" || fail "tenant tenant_x's state (r2 applied, 1 pending) is missing in the restored database"

# The restored catalog must go on working: r4 chains onto r3 (the single head).
psql_q -d "$db_b" -c "SELECT rev_add('r4', 'CREATE TABLE t4(id int)', 'DROP TABLE t4')" >/dev/null ||
    fail "in the restored database, rev_add('r4', ...) failed"
parent=$(value -d "$db_b" -c "SELECT array_to_string(down_revision, ',') FROM rev_history() WHERE revision = 'r4'")
[ "$parent" = "r3" ] || fail "in the restored database, r4's down_revision is '$parent', expected 'r3'"
applied=$(value -d "$db_b" -c "SET client_min_messages = warning" -c "SELECT string_agg(r, ',') FROM rev_upgrade('head') AS r") ||
    fail "in the restored database, rev_upgrade('head') failed"
[ "$applied" = "r4" ] || fail "in the restored database, rev_upgrade('head') returned '$applied', expected 'r4'"
t4=$(value -d "$db_b" -c "SELECT to_regclass('public.t4') IS NOT NULL")
[ "$t4" = "t" ] || fail "in the restored database, table t4 does not exist after rev_upgrade('head')"
dups=$(value -d "$db_b" -c 'SELECT count(*) - count(DISTINCT id) FROM revisions.operation')
[ "$dups" = "0" ] || fail "in the restored database, revisions.operation has duplicate ids (sequence not restored?)"

# DDL by hand in the restored copy is recorded, after the restored rows.
psql_q -d "$db_b" -c "CREATE TABLE by_hand_after_restore (id int)" >/dev/null ||
    fail "in the restored database, CREATE TABLE by hand failed"
drift=$(value -d "$db_b" -c "SELECT string_agg(object_identity, ',' ORDER BY id) FROM revisions.drift")
[ "$drift" = "public.t1_by_hand,public.by_hand_after_restore" ] ||
    fail "in the restored database, the ledger reads '$drift', expected the dumped row then the new one"

echo "dump_restore: OK ($ops operation rows survived pg_dump -Fc / pg_restore; r4 applied on the restored copy)"
