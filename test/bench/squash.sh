#!/usr/bin/env bash
# test/bench/squash.sh — a new database through a baseline (rev_squash) against
# replaying the whole history.
#
# A synthetic history of N revisions (default 5000) over T tables (default 50)
# with the churn of a real one: tables created, columns added, indexes created
# and dropped again, columns added and dropped again.  Per run, alternating:
#   replay:   an empty schema, nothing applied -> rev_upgrade('head') runs all N;
#   baseline: rev_squash('head') registered (untimed), an empty schema again ->
#             rev_upgrade('head') runs the baseline instead; then rev_drop of it.
# Both end with pg_dump -s of the schema, which must be identical (checked).
# Prints the medians and their ratio.
#
#   test/bench/squash.sh               N=5000, RUNS=3
#   test/bench/squash.sh --quick       N=200, RUNS=1 (smoke test; bench_quick.sh)
#   N=2000 RUNS=5 test/bench/squash.sh
#
# Needs the extension installed (make install); starts and stops a throwaway
# cluster through scripts/lib.sh, durability on.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "squash.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
if [ "$QUICK" = 1 ]; then N=${N:-200}; RUNS=${RUNS:-1}; fi
N=${N:-5000}
RUNS=${RUNS:-3}
T=${T:-50}
for v in N RUNS T; do
    case "${!v}" in ''|*[!0-9]*|0) echo "squash.sh: $v must be a positive integer" >&2; exit 2 ;; esac
done
[ "$N" -gt "$T" ] || { echo "squash.sh: N must be larger than T ($T)" >&2; exit 2; }

# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"
PGREV_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=1024"
export PGREV_SERVER_OPTS
work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_squash.XXXXXX")
pgrev_cluster_start >&2
trap 'rc=$?; [ "$rc" -ne 0 ] && pgrev_server_log_tail 30 >&2; pgrev_cluster_stop >/dev/null 2>&1; rm -rf "$work"; exit "$rc"' EXIT

db=pgrev_squash_bench
q() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -d "$db" "$@"; }
"$PG_BIN/psql" -X -q -d postgres -c "CREATE DATABASE $db" >/dev/null
q -c "CREATE EXTENSION pg_revisions" >/dev/null

# The history: revision i works on table (i mod T).
q >/dev/null <<SQL
SET client_min_messages = warning;
DO \$\$
DECLARE
    t int;
    up text;
    down text;
BEGIN
    FOR i IN 1..$N LOOP
        t := i % $T;
        IF i <= $T THEN
            up := format('CREATE TABLE sq_t%s (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())', t);
            down := format('DROP TABLE sq_t%s', t);
        ELSIF i % 4 = 0 THEN
            up := format('ALTER TABLE sq_t%s ADD COLUMN c%s integer NOT NULL DEFAULT 0', t, i);
            down := format('ALTER TABLE sq_t%s DROP COLUMN c%s', t, i);
        ELSIF i % 4 = 1 THEN
            up := format('CREATE INDEX sq_i%s ON sq_t%s (created_at)', i, t);
            down := format('DROP INDEX sq_i%s', i);
        ELSIF i % 4 = 2 THEN
            up := format('ALTER TABLE sq_t%s ADD COLUMN d%s text', t, i);
            down := format('ALTER TABLE sq_t%s DROP COLUMN d%s', t, i);
        ELSE
            up := format('DROP INDEX IF EXISTS sq_i%s; ALTER TABLE sq_t%s DROP COLUMN IF EXISTS d%s', i - 2, (i - 1) % $T, i - 1);
            down := 'SELECT 1';
        END IF;
        PERFORM rev_add(format('r%s', lpad(i::text, 6, '0')), up, down);
    END LOOP;
END
\$\$;
SQL

# An empty public schema and nothing applied.
reset_database() {
    q >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
SELECT count(*) FROM rev_stamp('base');
SQL
}

# Milliseconds that rev_upgrade('head') takes; checks it applied $1 revision(s).
timed_upgrade() {
    local expect=$1 t0 t1 got
    t0=$(date +%s%N)
    got=$(q -c "SET client_min_messages = warning" -c "SELECT count(*) FROM rev_upgrade('head')")
    t1=$(date +%s%N)
    [ "$got" = "$expect" ] || { echo "squash.sh: rev_upgrade('head') returned $got rows, expected $expect" >&2; exit 1; }
    echo $(((t1 - t0) / 1000000))
}

# pg_dump -s of the schema, without the random key of its \restrict lines.
dump_schema() {
    "$PG_BIN/pg_dump" -s -n public -d "$db" | grep -Ev '^\\(un)?restrict '
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: >"$work/replay.ms"
: >"$work/baseline.ms"
for ((run = 1; run <= RUNS; run++)); do
    reset_database
    timed_upgrade "$N" >>"$work/replay.ms"
    dump_schema >"$work/replay.sql"
    q -c "SET client_min_messages = error" -c "SELECT rev_squash('head', 'squashed')" >/dev/null
    reset_database
    timed_upgrade 1 >>"$work/baseline.ms"
    dump_schema >"$work/baseline.sql"
    if ! diff -u "$work/replay.sql" "$work/baseline.sql" >"$work/schema.diff"; then
        head -n 40 "$work/schema.diff" >&2
        echo "squash.sh: the schema reached through the baseline differs from the replayed one" >&2
        exit 1
    fi
    [ "$(q -c 'SELECT count(*) FROM revisions.applied')" = "$N" ] ||
        { echo "squash.sh: the baseline did not record the $N revisions it replaces as applied" >&2; exit 1; }
    q -c "SELECT rev_drop('squashed')" >/dev/null
done

replay=$(median <"$work/replay.ms")
baseline=$(median <"$work/baseline.ms")
tables=$(grep -c '^CREATE TABLE' "$work/replay.sql")
echo "history: $N revisions over $T tables (final schema: $tables tables), $RUNS runs, medians"
printf '%-42s %10s ms\n' "replay: rev_upgrade('head'), $N revisions" "$replay"
printf '%-42s %10s ms\n' "baseline: rev_upgrade('head') via rev_squash" "$baseline"
awk -v a="$replay" -v b="$baseline" 'BEGIN { printf "ratio replay / baseline: %.1fx (pg_dump -s identical)\n", a / (b > 0 ? b : 1) }'
