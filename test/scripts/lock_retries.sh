#!/usr/bin/env bash
# Script test: pg_revisions.lock_timeout / pg_revisions.lock_retries keep a
# deploy from stalling the application.
#
# A table "hot" is read all the time (pgbench, 2 clients, 40 reads/s in all,
# latency measured from each read's scheduled start).  A "holder" session
# reads it in a transaction that lasts HOLD seconds (a long report).  While
# it runs, an upgrade needs ACCESS EXCLUSIVE on the table:
#   1. without the settings, the upgrade waits in the lock queue behind the
#      holder and every reader waits behind the upgrade: the readers' worst
#      latency is about the holder's remaining time (asserted > HOLD/2);
#   2. with lock_timeout = 100ms and lock_retries = 100 the upgrade leaves
#      the queue after 100 ms, lets the readers through, and retries after a
#      growing pause: their worst latency stays near 100 ms (asserted < 1 s,
#      a wide margin on a loaded machine), the upgrade completes once the
#      holder ends, and the revision before it in the call ran only once;
#   3. with lock_retries = 1 the upgrade fails with SQLSTATE 55P03, names the
#      revision and lists the holder session; nothing of the call persists.
# Prints both worst latencies (the README's figure).
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

HOLD=4
db="pgrev_lockretry_$$"
app="pgrev_lockretry_$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_lockretry.XXXXXX")
chmod 755 "$work"

test_name=lock_retries
# shellcheck source=test/scripts/session_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/session_helpers.bash"

psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION pg_revisions;
CREATE TABLE hot (id int PRIMARY KEY, v int);
INSERT INTO hot SELECT i, i FROM generate_series(1, 10000) i;
SELECT rev_add('a0', 'CREATE TABLE before_a (id int)', 'DROP TABLE before_a', '{}');
SELECT rev_add('a1', 'ALTER TABLE hot ADD COLUMN a int', 'ALTER TABLE hot DROP COLUMN a', '{a0}');
SELECT rev_add('b0', 'CREATE TABLE before_b (id int)', 'DROP TABLE before_b', '{a1}');
SELECT rev_add('b1', 'ALTER TABLE hot ADD COLUMN b int', 'ALTER TABLE hot DROP COLUMN b', '{b0}');
SELECT rev_add('c0', 'CREATE TABLE before_c (id int)', 'DROP TABLE before_c', '{b1}');
SELECT rev_add('c1', 'ALTER TABLE hot ADD COLUMN c int', 'ALTER TABLE hot DROP COLUMN c', '{c0}');
SQL
printf '%s\n' '\set k random(1, 10000)' 'SELECT v FROM hot WHERE id = :k;' >"$work/read.sql"

now_ms() { date +%s%3N; }

# scenario NAME TARGET SETTINGS: readers + holder + upgrade; sets worst_ms,
# upgrade_rc, upgrade_end_ms, holder_end_ms.
scenario() {
    local name=$1 target=$2 settings=$3 reader holder
    PGAPPNAME="${app}_reader" "$PG_BIN/pgbench" -n -c 2 -j 1 -R 40 -T $((HOLD + 4)) \
        -f "$work/read.sql" -l --log-prefix="$work/$name" "$db" >"$work/$name.pgbench" 2>&1 &
    reader=$!
    bg_pids+=("$reader")
    sleep 1
    (PGAPPNAME="${app}_holder" psql_q -d "$db" \
        -c "BEGIN" -c "SELECT count(*) FROM hot" -c "SELECT pg_sleep($HOLD)" -c "COMMIT" >/dev/null
     now_ms >"$work/$name.holder_end") &
    holder=$!
    bg_pids+=("$holder")
    sleep 0.5
    set +e
    PGAPPNAME="${app}_upgrade" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -d "$db" \
        -c "$settings" -c "SELECT * FROM rev_upgrade('$target')" >"$work/$name.upgrade" 2>&1
    upgrade_rc=$?
    set -e
    upgrade_end_ms=$(now_ms)
    wait "$holder"
    wait "$reader" || { cat "$work/$name.pgbench" >&2; fail "$name: pgbench failed"; }
    holder_end_ms=$(cat "$work/$name.holder_end")
    worst_ms=$(cat "$work/$name".[0-9]* | awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { printf "%d", m / 1000 }')
    reads=$(cat "$work/$name".[0-9]* | wc -l)
    [ "$reads" -gt 100 ] || fail "$name: only $reads reads were logged"
}

# 1. No settings: the readers queue behind the upgrade, behind the holder.
scenario plain a1 "SELECT 1"
[ "$upgrade_rc" -eq 0 ] || { cat "$work/plain.upgrade" >&2; fail "plain: the upgrade failed"; }
plain_worst=$worst_ms
[ "$plain_worst" -gt $((HOLD * 1000 / 2)) ] ||
    fail "plain: readers' worst latency ${plain_worst} ms; expected a stall of most of the holder's ${HOLD} s"
ok "without the settings, readers' worst latency ${plain_worst} ms (holder ${HOLD} s)"

# 2. lock_timeout = 100ms, lock_retries = 100: readers barely notice.
scenario retry b1 "SET pg_revisions.lock_timeout = '100ms'; SET pg_revisions.lock_retries = 100"
[ "$upgrade_rc" -eq 0 ] || { cat "$work/retry.upgrade" >&2; fail "retry: the upgrade failed"; }
retry_worst=$worst_ms
[ "$retry_worst" -lt 1000 ] ||
    fail "retry: readers' worst latency ${retry_worst} ms; expected near 100 ms"
grep -q 'revision "b1" timed out waiting for a lock (attempt 1 of 101)' "$work/retry.upgrade" ||
    { cat "$work/retry.upgrade" >&2; fail "retry: no retry was reported"; }
[ "$(grep -c 'applying revision "b0"' "$work/retry.upgrade")" -eq 1 ] ||
    fail "retry: the revision before the retried one ran more than once"
[ "$upgrade_end_ms" -ge "$holder_end_ms" ] || fail "retry: the upgrade ended before the holder"
[ $((upgrade_end_ms - holder_end_ms)) -lt 9000 ] ||
    fail "retry: the upgrade ended $((upgrade_end_ms - holder_end_ms)) ms after the holder"
[ "$(value -d "$db" -c "SELECT string_agg(r, ',') FROM rev_current() r")" = "b1" ] ||
    fail "retry: b1 is not the current revision"
[ "$(value -d "$db" -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'hot'::regclass AND attname = 'b'")" = 1 ] ||
    fail "retry: column b was not added"
ok "with lock_timeout = 100ms, readers' worst latency ${retry_worst} ms; upgrade done $((upgrade_end_ms - holder_end_ms)) ms after the holder ended ($(grep -c 'timed out waiting' "$work/retry.upgrade") retries)"

# 3. Too few retries: 55P03, the revision and the holder named, nothing kept.
scenario fail c1 "SET pg_revisions.lock_timeout = '100ms'; SET pg_revisions.lock_retries = 1"
[ "$upgrade_rc" -ne 0 ] || fail "fail: the upgrade succeeded"
grep -q 'ERROR:  55P03: revision "c1" could not take its locks within pg_revisions.lock_timeout (100 ms) in 2 attempts' \
    "$work/fail.upgrade" || { cat "$work/fail.upgrade" >&2; fail "fail: unexpected error"; }
grep -q "application_name '${app}_holder', active for .* holds hot AccessShareLock" "$work/fail.upgrade" ||
    { cat "$work/fail.upgrade" >&2; fail "fail: the holder is not listed"; }
[ "$(value -d "$db" -c "SELECT string_agg(r, ',') FROM rev_current() r")" = "b1" ] ||
    fail "fail: the applied state changed"
[ "$(value -d "$db" -c "SELECT to_regclass('before_c') IS NULL")" = t ] ||
    fail "fail: the revision before the failing one persisted"
ok "with lock_retries = 1 the upgrade fails with 55P03 naming c1 and the holder; nothing kept"

echo "lock_retries: readers' worst latency without settings ${plain_worst} ms, with lock_timeout = 100ms ${retry_worst} ms"
