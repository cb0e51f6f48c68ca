#!/usr/bin/env bash
# Script test: a revision's memory is flat in its number of statements
# (src/statements.c runs them one at a time, each batch of parse trees and
# each statement's plan freed before the next).  Measured as the backend's
# peak RSS (VmHWM in /proc/PID/status) before and after rev_upgrade of
#   - a revision of 10,000 statements, then
#   - a revision of 1,000,000 statements (22 MB of SQL),
# every statement a nextval() so that the sequence proves each one ran,
# each in a session of its own.  Before the one-statement-at-a-time runner a
# single SPI_execute of 300,000 `SELECT 1;` took 2.1 GB; the bound here is
# 200 MB above the session's own peak before the call, and the 1,000,000
# revision may not grow more than 100 MB beyond the 10,000 one.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one); reads
# /proc of the cluster's backends, so it runs on the cluster's machine.
set -euo pipefail

db="pgrev_memory_$$"
app="pgrev_memory_$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_memory.XXXXXX")
test_name=memory
# shellcheck source=test/scripts/session_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/session_helpers.bash"

psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" -c "CREATE EXTENSION pg_revisions" -c "CREATE SEQUENCE ran"
psql_q -d "$db" -A -t >/dev/null <<'SQL'
SELECT rev_add('small', (SELECT string_agg('SELECT nextval(''ran'');', '') FROM generate_series(1, 10000)), 'SELECT 1');
SELECT rev_add('big', (SELECT string_agg('SELECT nextval(''ran'');', '') FROM generate_series(1, 1000000)), 'SELECT 1');
SQL

# Peak RSS growth, in kB, of one session applying revision $1.
peak_growth() {
    local revision=$1 out
    out="$work/$revision"
    PGAPPNAME="$app" psql_q -d "$db" -A -t >/dev/null <<SQL
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
SELECT count(*) FROM rev_current();
\! awk '/^VmHWM/ {print \$2}' /proc/\$BACKEND_PID/status > $out.before
SELECT count(*) FROM rev_upgrade('$revision');
\! awk '/^VmHWM/ {print \$2}' /proc/\$BACKEND_PID/status > $out.after
SQL
    [ -s "$out.before" ] && [ -s "$out.after" ] || fail "could not read the backend's VmHWM for $revision"
    echo $(( $(cat "$out.after") - $(cat "$out.before") ))
}

start=$SECONDS
small=$(peak_growth small)
echo "10,000 statements: peak RSS +$((small / 1024)) MB"
big=$(peak_growth big)
echo "1,000,000 statements: peak RSS +$((big / 1024)) MB ($((SECONDS - start)) s for both)"

[ "$(value -d "$db" -c "SELECT string_agg(r, ',') FROM rev_current() r")" = big ] ||
    fail "the 1,000,000-statement revision is not applied"
ran=$(value -d "$db" -c "SELECT last_value FROM ran")
[ "$ran" = 1010000 ] || fail "1,010,000 statements should have run; the sequence says $ran"
[ "$big" -lt $((200 * 1024)) ] || fail "1,000,000 statements took $((big / 1024)) MB above the session's peak (bound: 200 MB)"
[ "$big" -lt $((small + 100 * 1024)) ] ||
    fail "memory grows with the number of statements: +$((small / 1024)) MB for 10,000, +$((big / 1024)) MB for 1,000,000"
ok "memory is flat in the number of statements"
