#!/usr/bin/env bash
# test/bench/drift.sh — what the drift ledger costs DDL.
#
# Times N CREATE TABLEs (one statement, one transaction each, as a console
# or a deploy script runs them) in a database with pg_revisions (its event
# triggers record every one in revisions.drift) and in one without it, in
# the same cluster and run, alternating which goes first, RUNS rounds; prints
# the medians and the overhead.  See test/bench/README.md.
#
#   test/bench/drift.sh                   N=1000, 7 rounds
#   test/bench/drift.sh --quick           N=100, 1 round (smoke test)
#   N=5000 RUNS=5 test/bench/drift.sh
#
# Needs the extension installed (make install); starts and stops a throwaway
# cluster through scripts/lib.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

for arg in "$@"; do
    case "$arg" in
        --quick) N=${N:-100}; RUNS=${RUNS:-1} ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "drift.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
N=${N:-1000}
RUNS=${RUNS:-7}
case "$N" in ''|*[!0-9]*|0) echo "drift.sh: N must be a positive integer" >&2; exit 2 ;; esac
case "$RUNS" in ''|*[!0-9]*|0) echo "drift.sh: RUNS must be a positive integer" >&2; exit 2 ;; esac

# Durability on, as in the other benchmarks: figures that compare never use fsync=off.
PGREV_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=1024"
export PGREV_SERVER_OPTS
# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-drift.XXXXXX")
chmod 755 "$WORK"
cleanup() {
    local rc=$?
    set +e
    pgrev_cluster_stop
    rm -rf "$WORK"
    exit "$rc"
}

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pgrev_cluster_start >/dev/null
# pgrev_cluster_start sets its own EXIT trap; ours stops the cluster too.
trap cleanup EXIT
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_ledger" -c "CREATE DATABASE bench_plain"
"${PSQL[@]}" -d bench_ledger -c "CREATE EXTENSION pg_revisions"

# The N CREATE TABLEs, between two readings of the backend's CPU time
# (utime + stime in clock ticks, from /proc): on a busy machine the wall time
# is noisy, the CPU the backend spent much less so.
{
    echo "SELECT pg_catalog.pg_backend_pid() AS pid \\gset"
    echo "\\setenv BENCH_PID :pid"
    echo "\\! awk '{ print \$14 + \$15 }' /proc/\$BENCH_PID/stat >>$WORK/cpu_before"
    for i in $(seq 1 "$N"); do
        printf 'CREATE TABLE bench.t_%d (id bigint PRIMARY KEY, name text, created timestamptz);\n' "$i"
    done
    echo "\\! awk '{ print \$14 + \$15 }' /proc/\$BENCH_PID/stat >>$WORK/cpu_after"
} >"$WORK/create.sql"
TICK=$(getconf CLK_TCK)

# One timed round in one database: N CREATE TABLEs, autocommit; prints the
# wall time and the backend's CPU time, in ms.
round() {
    local db=$1 start
    "${PSQL[@]}" -d "$db" -c "DROP SCHEMA IF EXISTS bench CASCADE" -c "CREATE SCHEMA bench" \
        -c "SET client_min_messages = warning" >/dev/null 2>&1
    if [ "$db" = bench_ledger ]; then
        "${PSQL[@]}" -d "$db" -c "TRUNCATE revisions.drift"
    fi
    "${PSQL[@]}" -d "$db" -c "CHECKPOINT"
    : >"$WORK/cpu_before"; : >"$WORK/cpu_after"
    start=$(now_ns)
    "${PSQL[@]}" -d "$db" -f "$WORK/create.sql"
    awk -v a="$start" -v b="$(now_ns)" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }' >>"$WORK/$2"
    paste "$WORK/cpu_before" "$WORK/cpu_after" | awk -v t="$TICK" '{ printf "%.0f\n", ($2 - $1) * 1000 / t }' >>"$WORK/$2_cpu"
}

: >"$WORK/ledger"; : >"$WORK/plain"; : >"$WORK/ledger_cpu"; : >"$WORK/plain_cpu"
for r in $(seq 1 "$RUNS"); do
    if [ $((r % 2)) -eq 1 ]; then
        round bench_ledger ledger; round bench_plain plain
    else
        round bench_plain plain; round bench_ledger ledger
    fi
done
rows=$("${PSQL[@]}" -At -d bench_ledger -c "SELECT count(*) FROM revisions.drift WHERE command = 'CREATE TABLE'")
[ "$rows" = "$N" ] || { echo "drift.sh: FAIL: the ledger recorded $rows CREATE TABLEs, expected $N" >&2; exit 1; }

report() {
    local what=$1 suffix=$2 with without
    with=$(median <"$WORK/ledger$suffix")
    without=$(median <"$WORK/plain$suffix")
    echo "  $what with the ledger:   $(tr '\n' ' ' <"$WORK/ledger$suffix")ms  median $with ms"
    echo "  $what without (no ext.): $(tr '\n' ' ' <"$WORK/plain$suffix")ms  median $without ms"
    awk -v w="$with" -v o="$without" -v what="$what" \
        'BEGIN { printf "  %s overhead: %+.1f%% (median with / median without)\n", what, (w / o - 1) * 100 }'
}
echo "drift ledger: $N CREATE TABLEs (each with a primary key), $RUNS alternating rounds, fsync=on"
report "wall time:  " ""
report "backend CPU:" "_cpu"
