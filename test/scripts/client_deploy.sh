#!/usr/bin/env bash
# Script test: the client's deploy commands against the test cluster:
#   lint (exit 1 on an error finding, 0 when only warnings; nothing
#   registered), rehearse (the locks and the rewrite shown; nothing applied),
#   upgrade --lock-timeout/--lock-retries (bad values exit 2; a revision
#   blocked by another session for 1.5 s is retried and applied), upgrade
#   --each (one transaction per revision; a failing one in the middle keeps
#   the ones before it, exit 3).
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_deploy
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

run 0 init
value "CREATE TABLE busy (id int PRIMARY KEY, v int); INSERT INTO busy SELECT i, i FROM generate_series(1, 5000) i" >/dev/null

run 0 revision -m "random column"
f1="$work/$(cat "$work/out")"
id1=$(file_id "$f1")
set_sql "$f1" "ALTER TABLE busy ADD COLUMN r float DEFAULT random();" "ALTER TABLE busy DROP COLUMN r;"

# --- lint ------------------------------------------------------------------
run 1 lint
out_has "add-column-volatile-default"
out_has "public.busy"
err_has "1 error"
run 1 --format json lint
[ "$(json "[r['rule'] for r in j if r['severity'] == 'error'][0]")" = "add-column-volatile-default" ] ||
    fail "lint json: $(cat "$work/out")"
[ "$(value "SELECT count(*) FROM rev_history()")" = 0 ] || fail "lint registered the files"
set_sql "$f1" "SET LOCAL lock_timeout = '1s'; ALTER TABLE busy ADD COLUMN r float DEFAULT 0.5;" "ALTER TABLE busy DROP COLUMN r;"
run 0 lint
run 0 lint "$id1"
run 3 lint no_such_target
err_has 'revision "no_such_target" does not exist'
ok "lint exits 1 on an error finding, 0 otherwise, registers nothing"

# --- rehearse --------------------------------------------------------------
set_sql "$f1" "ALTER TABLE busy ADD COLUMN r float DEFAULT random();" "ALTER TABLE busy DROP COLUMN r;"
run 0 rehearse
out_has "AccessExclusiveLock"
out_has "public.busy"
[ "$(grep 'public.busy ' "$work/out" | grep -c ' yes ')" -ge 1 ] || fail "rehearse shows no rewrite: $(cat "$work/out")"
[ "$(value "SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'r'")" = 0 ] ||
    fail "rehearse left the column behind"
[ "$(value "SELECT count(*) FROM rev_history()")" = 0 ] || fail "rehearse registered the files"
ok "rehearse shows the lock and the rewrite, and leaves nothing behind"

# --- upgrade --lock-timeout / --lock-retries -------------------------------
run 2 upgrade --lock-timeout soon
err_has "--lock-timeout must be a duration"
run 2 upgrade --lock-timeout -5ms
run 2 upgrade --lock-timeout 2h
run 2 upgrade --lock-timeout 100ms --lock-retries 101
err_has "--lock-retries must be a whole number from 0 to 100"
run 2 upgrade --lock-retries 3
err_has "--lock-retries needs --lock-timeout"
[ "$(value "SELECT count(*) FROM rev_history()")" = 0 ] || fail "a refused upgrade registered the files"

PGAPPNAME=client_deploy_holder "$PG_BIN/psql" -X -q -d "$db" \
    -c "BEGIN" -c "SELECT count(*) FROM busy" -c "SELECT pg_sleep(1.5)" -c "COMMIT" >/dev/null &
holder=$!
sleep 0.3
run 0 upgrade --lock-timeout 100ms --lock-retries 50
wait "$holder"
err_has "timed out waiting for a lock (attempt 1 of 51)"
out_has "$id1"
[ "$(value "SELECT string_agg(c, ',') FROM rev_current() c")" = "$id1" ] || fail "upgrade did not apply $id1"
ok "upgrade --lock-timeout 100ms --lock-retries 50 retried behind a reader and applied"

# --- upgrade --each --------------------------------------------------------
run 0 revision -m "two"
f2="$work/$(cat "$work/out")"
id2=$(file_id "$f2")
set_sql "$f2" "CREATE TABLE each_two (id int);" "DROP TABLE each_two;"
run 0 revision -m "three fails"
f3="$work/$(cat "$work/out")"
id3=$(file_id "$f3")
set_sql "$f3" "CREATE TABLE each_three (id int); SELECT 1 / 0;" "DROP TABLE each_three;"
run 0 revision -m "four"
f4="$work/$(cat "$work/out")"
set_sql "$f4" "CREATE TABLE each_four (id int);" "DROP TABLE each_four;"
run 3 upgrade --each
out_has "$id2"
err_has "division by zero"
err_has "the ones listed on stdout stay applied"
[ "$(value "SELECT string_agg(c, ',') FROM rev_current() c")" = "$id2" ] || fail "--each did not keep $id2"
[ "$(value "SELECT to_regclass('each_three') IS NULL AND to_regclass('each_two') IS NOT NULL")" = t ] ||
    fail "--each: wrong tables after the failure"
[ "$(value "SELECT count(*) FROM revisions.operation WHERE revisions = ARRAY['$id2']")" = 1 ] ||
    fail "--each: $id2 was not recorded on its own"
set_sql "$f3" "CREATE TABLE each_three (id int);" "DROP TABLE each_three;"
value "SELECT rev_drop('$(file_id "$f4")'); SELECT rev_drop('$id3')" >/dev/null
run 0 upgrade --each
out_has "$id3"
out_has "(2 applied)"
[ "$(value "SELECT count(*) FROM revisions.operation WHERE operation = 'upgrade'")" = 4 ] ||
    fail "--each: not one operation per revision"
run 0 upgrade --each
err_has "nothing to apply"
ok "upgrade --each commits each revision; a failing one keeps the ones before it"
