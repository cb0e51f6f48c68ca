#!/usr/bin/env bash
# Script test: faults injected in the middle of rev_upgrade leave nothing
# behind, and a following normal rev_upgrade('head') applies everything once.
#
# One database; each fault registers a few revisions on top of what earlier
# steps applied, so the state that must stay put is never empty.  Every
# revision inserts its id into fault_log (a table outside the revisions) and
# creates a table t_<id>.  The faults:
#   a. SIGKILL of the backend while revision 30 of 50 sleeps: the postmaster
#      restarts every backend (crash recovery); we wait until it accepts
#      connections again;
#   b. lock_timeout: another session holds ACCESS EXCLUSIVE on `victim`, a
#      revision ALTERs it: SQLSTATE 55P03, the revision named;
#   c. statement_timeout while a revision sleeps: 57014, the revision named;
#   d. pg_cancel_backend() of an upgrade sleeping in a revision: 57014.
# After each: revisions.applied, revisions.operation, rev_pending('head'), the
# tables of the database and fault_log are exactly as before, and the
# applied set is closed under requirements; then rev_upgrade('head') applies
# exactly the pending list, in order, once (one fault_log row each, one new
# operation row).
#
# The sleeping revisions sleep only when the session sets pgrev_faults.sleep
# (a placeholder setting), so the normal upgrade after the fault does not.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one); the
# SIGKILL needs to run as root or as the cluster's OS user.  scripts/test.sh
# ignores exactly the "terminated by signal 9: Killed" line this causes.
set -euo pipefail

db="pgrev_faults_$$"
app="pgrev_faults_$$"          # prefix of the application_name of every session we start
work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_faults.XXXXXX")
injected=0
survived=0

test_name=faults
# shellcheck source=test/scripts/session_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/session_helpers.bash"

# Wait (at most $2 seconds) until the session with application_name $1 sleeps
# in pg_sleep; print its backend pid.
wait_for_sleeper() {
    local name=$1 limit=$2 pid="" i
    for ((i = 0; i < limit * 10; i++)); do
        pid=$(value -d "$db" -c "SELECT pid FROM pg_stat_activity
                                 WHERE application_name = '$name' AND wait_event = 'PgSleep'" 2>/dev/null || true)
        if [ -n "$pid" ]; then echo "$pid"; return 0; fi
        sleep 0.1
    done
    return 1
}

# Wait (at most $2 seconds) for our background client $1 to end; its exit
# status goes to $bg_rc.
wait_client() {
    local pid=$1 limit=$2 i
    for ((i = 0; i < limit * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && return 1
    bg_rc=0
    wait "$pid" || bg_rc=$?
    return 0
}

# register PREFIX N [SLEEPER] [EXTRA_SQL_REVISION EXTRA_SQL]: N chained
# revisions PREFIX_01..; revision SLEEPER also sleeps pgrev_faults.sleep
# seconds; revision EXTRA_SQL_REVISION also runs EXTRA_SQL.
register() {
    local prefix=$1 n=$2 sleeper=${3:-0} extra_at=${4:-0} extra=${5:-} i id sql
    {
        for ((i = 1; i <= n; i++)); do
            id=$(printf '%s_%02d' "$prefix" "$i")
            sql="INSERT INTO fault_log (revision) VALUES ('$id'); CREATE TABLE t_$id (id int);"
            if [ "$i" -eq "$sleeper" ]; then
                sql="$sql SELECT pg_sleep(coalesce(nullif(current_setting('pgrev_faults.sleep', true), ''), '0')::float8);"
            fi
            if [ "$i" -eq "$extra_at" ]; then
                sql="$sql $extra"
            fi
            printf "SELECT rev_add('%s', \$up\$%s\$up\$, 'DROP TABLE t_%s', message => 'fault test %s');\n" \
                "$id" "$sql" "$id" "$id"
        done
    } >"$work/register_$prefix.sql"
    psql_q -d "$db" -f "$work/register_$prefix.sql" >/dev/null 2>"$work/register_$prefix.err" || {
        cat "$work/register_$prefix.err" >&2
        fail "registering the $n revisions ${prefix}_* failed"
    }
}

# The state that a failed upgrade must not change, one file per aspect.
snapshot() {
    local dir=$work/$1
    mkdir -p "$dir"
    value -d "$db" -c "SELECT revision || ' op ' || operation_id || ' at ' || applied_at FROM revisions.applied ORDER BY revision" >"$dir/applied"
    value -d "$db" -c "SELECT id || ' ' || operation || ' ' || target || ' {' || array_to_string(revisions, ',') || '}' FROM revisions.operation ORDER BY id" >"$dir/operation"
    value -d "$db" -c "SELECT p FROM rev_pending('head') WITH ORDINALITY AS x(p, n) ORDER BY n" >"$dir/pending"
    value -d "$db" -c "SELECT c.relname || ' ' || c.relkind::text FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1" >"$dir/relations"
    value -d "$db" -c "SELECT attname FROM pg_attribute WHERE attrelid = 'victim'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum" >"$dir/victim"
    value -d "$db" -c "SELECT id || ' ' || revision FROM fault_log ORDER BY id" >"$dir/fault_log"
}

# check_unchanged FAULT: compare with the snapshot taken before it.
check_unchanged() {
    local fault=$1 f what
    snapshot "after_$fault"
    for f in applied operation pending relations victim fault_log; do
        case $f in
            applied) what="revisions.applied" ;;
            operation) what="revisions.operation" ;;
            pending) what="rev_pending('head')" ;;
            relations) what="the relations in schema public (a revision's table exists?)" ;;
            victim) what="the columns of table victim" ;;
            fault_log) what="fault_log (rows written by revisions)" ;;
        esac
        if ! diff -u --label "before fault $fault" --label "after fault $fault" \
                "$work/before_$fault/$f" "$work/after_$fault/$f" >"$work/diff" 2>&1; then
            cat "$work/diff" >&2
            fail "fault $fault: $what changed (diff above), but nothing of the failed call may persist"
        fi
    done
    [ -s "$work/before_$fault/pending" ] || fail "fault $fault: rev_pending('head') was empty before the fault: the test set-up is wrong"
    # Every applied revision's requirements are applied, every applied row
    # points at a logged operation.
    local broken
    broken=$(value -d "$db" -c "
        SELECT (SELECT count(*) FROM revisions.edge e JOIN revisions.applied a ON a.revision = e.revision
                WHERE NOT EXISTS (SELECT FROM revisions.applied b WHERE b.revision = e.requires))
            || ' ' ||
               (SELECT count(*) FROM revisions.applied a
                WHERE NOT EXISTS (SELECT FROM revisions.operation o WHERE o.id = a.operation_id))")
    [ "$broken" = "0 0" ] || fail "fault $fault: inconsistent catalog ([applied revisions with an unapplied requirement, applied rows without an operation row] = [$broken])"
    ok "fault $fault: nothing applied ($(wc -l <"$work/before_$fault/pending") revisions still pending, applied/operation/tables/fault_log unchanged, catalog consistent)"
}

# recover FAULT: a normal rev_upgrade('head') applies exactly the pending
# list, in order, once each, with one new operation row.
recover() {
    local fault=$1 got want ops_before ops_after last dups missing
    want=$(paste -sd, "$work/before_$fault/pending")
    ops_before=$(wc -l <"$work/before_$fault/operation")
    got=$(value -d "$db" -c "SET client_min_messages = warning" \
                -c "SELECT string_agg(r, ',' ORDER BY n) FROM rev_upgrade('head') WITH ORDINALITY AS u(r, n)" 2>"$work/recover.err") || {
        cat "$work/recover.err" >&2
        fail "fault $fault: the normal rev_upgrade('head') after the fault failed"
    }
    [ "$got" = "$want" ] || fail "fault $fault: rev_upgrade('head') after the fault applied [$got], expected the pending list [$want]"
    ops_after=$(value -d "$db" -c "SELECT count(*) FROM revisions.operation")
    [ "$ops_after" -eq $((ops_before + 1)) ] || fail "fault $fault: revisions.operation went from $ops_before to $ops_after rows, expected one more"
    last=$(value -d "$db" -c "SELECT operation || ' ' || target || ' ' || array_to_string(revisions, ',') FROM revisions.operation ORDER BY id DESC LIMIT 1")
    [ "$last" = "upgrade head $want" ] || fail "fault $fault: the new operation row reads [$last], expected [upgrade head $want]"
    dups=$(value -d "$db" -c "SELECT coalesce(string_agg(revision || ' x' || n, ', '), '') FROM (SELECT revision, count(*) n FROM fault_log GROUP BY revision HAVING count(*) > 1) d")
    [ -z "$dups" ] || fail "fault $fault: revisions ran more than once: $dups"
    missing=$(value -d "$db" -c "SELECT coalesce(string_agg(p, ','), '') FROM unnest(string_to_array('$want', ',')) p
                                WHERE NOT EXISTS (SELECT FROM fault_log l WHERE l.revision = p)
                                   OR NOT EXISTS (SELECT FROM revisions.applied a WHERE a.revision = p)
                                   OR to_regclass('t_' || p) IS NULL")
    [ -z "$missing" ] || fail "fault $fault: after the normal upgrade these revisions lack their fault_log row, applied row or table: $missing"
    got=$(value -d "$db" -c "SELECT count(*) FROM rev_pending('head')")
    [ "$got" = "0" ] || fail "fault $fault: $got revisions still pending after the normal upgrade"
    ok "fault $fault: the following rev_upgrade('head') applied the $(wc -l <"$work/before_$fault/pending") pending revisions once each, in order, one operation row"
    survived=$((survived + 1))
}

# expect_error FAULT SQLSTATE MESSAGE_PART REVISION FILE: psql's verbose stderr.
expect_error() {
    local fault=$1 state=$2 msg=$3 rev=$4 file=$5
    grep -q "^ERROR:  $state: .*$msg" "$file" || {
        cat "$file" >&2
        fail "fault $fault: expected 'ERROR:  $state: ...$msg...' (stderr above)"
    }
    grep -q "while applying revision \"$rev\"" "$file" || {
        cat "$file" >&2
        fail "fault $fault: the error's CONTEXT does not name the revision (no 'while applying revision \"$rev\"'; stderr above)"
    }
    ok "fault $fault: SQLSTATE $state, context names revision $rev"
}

start=$SECONDS
psql_q -d postgres -c "CREATE DATABASE $db"
psql_q -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION pg_revisions;
CREATE TABLE fault_log (id bigserial PRIMARY KEY, revision text NOT NULL);
CREATE TABLE victim (id int);
SQL
# Something applied before the first fault.
register base 3
value -d "$db" -c "SET client_min_messages = warning" -c "SELECT count(*) FROM rev_upgrade('head')" >/dev/null

# --- a. SIGKILL of the backend in the middle of a long upgrade -------------
register ka 50 30
snapshot before_a
name="${app}_kill"
PGAPPNAME=$name PGOPTIONS="-c pgrev_faults.sleep=60" \
    "$PG_BIN/psql" -X -q -d "$db" -c "SELECT count(*) FROM rev_upgrade('head')" \
    >"$work/a.out" 2>"$work/a.err" &
kill_client=$!
bg_pids+=("$kill_client")
# A canary session: when the postmaster restarts the backends it ends too,
# which tells us the crash recovery has begun.
PGAPPNAME="${app}_canary" "$PG_BIN/psql" -X -q -d "$db" -c "SELECT pg_sleep(120)" \
    >"$work/canary.out" 2>"$work/canary.err" &
canary=$!
bg_pids+=("$canary")
victim_pid=$(wait_for_sleeper "$name" 30) || {
    cat "$work/a.err" >&2
    fail "fault a: the upgrade never reached the pg_sleep of revision ka_30 within 30 s"
}
doing=$(value -d "$db" -c "SELECT query FROM pg_stat_activity WHERE pid = $victim_pid")
case "$doing" in *"rev_upgrade('head')"*) ;; *) fail "fault a: backend $victim_pid runs [$doing], not our rev_upgrade" ;; esac
case "$(tr '\0' ' ' <"/proc/$victim_pid/cmdline" 2>/dev/null)" in
    postgres:*) ;;
    *) fail "fault a: pid $victim_pid is not a postgres backend on this machine (is PGHOST local?)" ;;
esac
# (psql prints the NOTICE of each revision as it comes; give it a moment.)
for ((i = 0; i < 50; i++)); do
    grep -q 'applying revision "ka_30" (30 of 50)' "$work/a.err" && break
    sleep 0.1
done
grep -q 'applying revision "ka_30" (30 of 50)' "$work/a.err" || {
    cat "$work/a.err" >&2
    fail "fault a: backend $victim_pid sleeps, but its upgrade did not report reaching revision ka_30 (its NOTICEs above)"
}
kill -9 "$victim_pid" || fail "fault a: kill -9 $victim_pid failed (run as root or as the cluster's OS user)"
injected=$((injected + 1))
wait_client "$kill_client" 30 || fail "fault a: the killed upgrade's psql did not end within 30 s"
[ "$bg_rc" -ne 0 ] || fail "fault a: the killed upgrade's psql exited 0 (output: $(cat "$work/a.out"))"
wait_client "$canary" 30 || fail "fault a: the canary session survived the SIGKILL: the postmaster did not restart the backends within 30 s"
grep -q "crash of another server process\|server closed the connection" "$work/canary.err" ||
    fail "fault a: the canary session ended without the crash-restart message: $(cat "$work/canary.err")"
ok "fault a: backend $victim_pid (sleeping in revision ka_30 of 50) killed with SIGKILL; the postmaster restarted the backends"
ready=0
for ((i = 0; i < 600; i++)); do
    if "$PG_BIN/pg_isready" -q && value -d "$db" -c "SELECT 1" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
done
[ "$ready" -eq 1 ] || fail "fault a: the server did not accept connections within 60 s of the SIGKILL"
ok "fault a: the server accepts connections again after $((i / 10)).$((i % 10)) s"
if [ -n "${PGREV_SERVER_LOG:-}" ] && [ -r "$PGREV_SERVER_LOG" ]; then
    # "server process (PID n)" up to 17, "client backend (PID n)" from 18 on.
    grep -Eq "(server process|client backend) \(PID $victim_pid\) was terminated by signal 9" "$PGREV_SERVER_LOG" ||
        fail "fault a: the server log does not say that PID $victim_pid was terminated by signal 9"
    ok "fault a: the server log records the SIGKILL of PID $victim_pid"
fi
check_unchanged a
recover a

# --- b. lock_timeout inside a revision --------------------------------------
register kb 5 0 3 "ALTER TABLE victim ADD COLUMN x int;"
snapshot before_b
PGAPPNAME="${app}_holder" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" \
    -c "BEGIN" -c "LOCK TABLE victim IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" \
    >/dev/null 2>"$work/holder.err" &
holder=$!
bg_pids+=("$holder")
holder_pid=$(wait_for_sleeper "${app}_holder" 30) || {
    cat "$work/holder.err" >&2
    fail "fault b: the session meant to hold the lock on victim never got to sleep"
}
held=$(value -d "$db" -c "SELECT count(*) FROM pg_locks WHERE pid = $holder_pid AND relation = 'victim'::regclass
                          AND mode = 'AccessExclusiveLock' AND granted")
[ "$held" = "1" ] || fail "fault b: session $holder_pid does not hold ACCESS EXCLUSIVE on victim"
injected=$((injected + 1))
t0=$SECONDS
if value -d "$db" -c "\\set VERBOSITY verbose" -c "SET lock_timeout = '300ms'" -c "SET client_min_messages = warning" \
        -c "SELECT count(*) FROM rev_upgrade('head')" >"$work/b.out" 2>"$work/b.err"; then
    fail "fault b: rev_upgrade('head') succeeded although victim is locked (output: $(cat "$work/b.out"))"
fi
[ $((SECONDS - t0)) -lt 20 ] || fail "fault b: the failing upgrade took $((SECONDS - t0)) s, lock_timeout is 300ms"
expect_error b 55P03 "lock timeout" kb_03 "$work/b.err"
check_unchanged b
value -d "$db" -c "SELECT pg_cancel_backend($holder_pid)" >/dev/null
wait_client "$holder" 30 || fail "fault b: the lock holder did not end within 30 s of its cancel"
recover b
x=$(value -d "$db" -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'victim'::regclass AND attname = 'x'")
[ "$x" = "1" ] || fail "fault b: victim.x does not exist after the normal upgrade"

# --- c. statement_timeout inside a revision ---------------------------------
register kc 3 2
snapshot before_c
injected=$((injected + 1))
t0=$SECONDS
if value -d "$db" -c "\\set VERBOSITY verbose" -c "SET pgrev_faults.sleep = 10" -c "SET statement_timeout = '300ms'" \
        -c "SET client_min_messages = warning" -c "SELECT count(*) FROM rev_upgrade('head')" >"$work/c.out" 2>"$work/c.err"; then
    fail "fault c: rev_upgrade('head') succeeded despite statement_timeout = 300ms and a 10 s sleep (output: $(cat "$work/c.out"))"
fi
[ $((SECONDS - t0)) -lt 8 ] || fail "fault c: the failing upgrade took $((SECONDS - t0)) s, statement_timeout is 300ms"
expect_error c 57014 "statement timeout" kc_02 "$work/c.err"
check_unchanged c
recover c

# --- d. pg_cancel_backend() of a running upgrade -----------------------------
register kd 3 2
snapshot before_d
name="${app}_cancel"
PGAPPNAME=$name PGOPTIONS="-c pgrev_faults.sleep=60 -c client_min_messages=warning" \
    "$PG_BIN/psql" -X -q -d "$db" -c "\\set VERBOSITY verbose" -c "SELECT count(*) FROM rev_upgrade('head')" \
    >"$work/d.out" 2>"$work/d.err" &
cancel_client=$!
bg_pids+=("$cancel_client")
target_pid=$(wait_for_sleeper "$name" 30) || {
    cat "$work/d.err" >&2
    fail "fault d: the upgrade never reached the pg_sleep of revision kd_02 within 30 s"
}
sent=$(value -d "$db" -c "SELECT pg_cancel_backend($target_pid)")
[ "$sent" = "t" ] || fail "fault d: pg_cancel_backend($target_pid) returned [$sent]"
injected=$((injected + 1))
wait_client "$cancel_client" 30 || fail "fault d: the cancelled upgrade did not end within 30 s"
[ "$bg_rc" -ne 0 ] || fail "fault d: the cancelled upgrade's psql exited 0 (output: $(cat "$work/d.out"))"
expect_error d 57014 "canceling statement due to user request" kd_02 "$work/d.err"
check_unchanged d
recover d

# --- overall -------------------------------------------------------------------
total=$(value -d "$db" -c "SELECT count(*) || ' ' || count(DISTINCT revision) FROM fault_log")
expected_total=$((3 + 50 + 5 + 3 + 3))
[ "$total" = "$expected_total $expected_total" ] ||
    fail "fault_log has [rows distinct] = [$total], expected $expected_total revisions run exactly once each"
applied=$(value -d "$db" -c "SELECT count(*) FROM revisions.applied")
[ "$applied" = "$expected_total" ] || fail "revisions.applied has $applied rows, expected $expected_total"
left=$(value -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE '${app}%'")
[ "$left" = "0" ] || fail "$left of our sessions are still connected"
[ "$survived" -eq "$injected" ] || fail "only $survived of $injected faults survived"
echo "faults: $injected injected, $survived survived, nothing applied twice ($expected_total revisions applied once each, $((SECONDS - start)) s)"
