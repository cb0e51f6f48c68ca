#!/usr/bin/env bash
# test/bench/squash.sh — a new database through a baseline (rev_squash) against
# replaying the whole history.
#
# A synthetic history of N revisions (default 5000) over T tables (default 50)
# with the churn of a real one: tables created, columns added, indexes created
# and dropped again, columns added and dropped again.  Each timed step runs in a
# fresh database, a copy (CREATE DATABASE ... TEMPLATE) of one with the history
# registered, nothing applied and schema public empty, after a CHECKPOINT.
# Per run, alternating:
#   replay:       rev_upgrade('head') runs all N revisions;
#   replay SQL:   the N revisions' upgrade SQL run by psql as one query,
#                 without pg_revisions (no bookkeeping; event triggers off);
#   baseline:     the template also has rev_squash('head') registered (built
#                 once, untimed) -> rev_upgrade('head') runs the baseline
#                 instead and records the N revisions as applied;
#   baseline SQL: the baseline's upgrade SQL run the same way as the replay's.
# The ratio of the two "SQL" steps is the most any baseline can save on this
# history: what remains of pg_revisions' own cost is the difference.
# Each ends with pg_dump -s of the schema, which must be identical (checked).
# Timed: the statement alone (psql's \timing: the server's work, commit
# included, and one round trip), in a new session each time (a deploy's cold
# caches), not psql's start and connection; and the backend's CPU time
# meanwhile (Linux's /proc/self/schedstat), which a loaded machine disturbs
# less.  Prints the medians and the ratios.
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
        -h|--help) sed -n '2,32p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# The two templates every timed step starts from, copied by CREATE DATABASE:
# the history alone (nothing applied, schema public empty), and the same with
# its baseline registered (rev_squash replays the history in a scratch schema
# to build it; untimed, once).
plain_template=$db
base_template=${db}_base
"$PG_BIN/psql" -X -q -d postgres -c "CREATE DATABASE $base_template TEMPLATE $plain_template" >/dev/null
db=$base_template
q -c "SET client_min_messages = error" -c "SELECT rev_squash('head', 'squashed')" >/dev/null

# A fresh database $1, a copy of template $2 (dropping the last one of that
# name), made the current one ($db); then a checkpoint, so that every timed
# step starts from the same state (its first change of each page writes the
# whole page to the WAL).
fresh_database() {
    "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -d postgres \
        -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" \
        -c "CREATE DATABASE $1 TEMPLATE $2" -c "CHECKPOINT" >/dev/null
    db=$1
}

# The backend's CPU time so far in ns, from Linux's /proc/self/schedstat
# (pg_read_file: the bench runs as a superuser); 0 where that cannot be read,
# and the CPU columns say n/a.
cpu_now="pg_catalog.split_part(pg_catalog.pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"
q -c "SELECT $cpu_now" >/dev/null 2>&1 || cpu_now=0

# "WALL CPU": the milliseconds that statement $1 takes (psql's \timing: the
# server's work, commit included, and one round trip) and the backend's CPU
# milliseconds meanwhile, in a new session; $2 is SQL run first (settings).
# Prints the statement's own output lines to fd 3.
timed() {
    local out
    out=$(q <<SQL
SET client_min_messages = warning;
$2
SELECT $cpu_now AS cpu0 \\gset
\\timing on
$1
\\timing off
SELECT 'cpu: ' || (($cpu_now OPERATOR(pg_catalog.-) :cpu0) / 1e6)::numeric(12, 1);
SQL
)
    printf '%s\n' "$out" | grep -Ev '^(Time|cpu): ' >&3 || true
    printf '%s\n' "$out" | awk '/^Time: / && !w {w = $2} /^cpu: / {c = $2} END {print w, c}'
}

# rev_upgrade('head') timed (timed's output); checks it applied $1 revision(s).
timed_upgrade() {
    local expect=$1 result got
    result=$(timed "SELECT count(*) FROM rev_upgrade('head');" "" 3>"$work/got")
    got=$(tail -n 1 "$work/got")
    [ "$got" = "$expect" ] || { echo "squash.sh: rev_upgrade('head') returned $got rows, expected $expect" >&2; exit 1; }
    echo "$result"
}

# The SQL returned by query $1 (one row, one text column) timed (timed's
# output), run by psql as one query (one implicit transaction) without
# pg_revisions: no revision bookkeeping, and no drift ledger
# (session_replication_role = replica turns event triggers off).  \gexec
# sends the text as it is; psql prints the timing of what \gexec ran before
# that of the SELECT feeding it (timed keeps the first).
timed_sql() {
    timed "$1 \\gexec" "SET session_replication_role = replica;" 3>/dev/null
}
replay_sql="SELECT pg_catalog.string_agg(r.upgrade_sql, E';\\n' ORDER BY r.seq) FROM revisions.revision r"
baseline_sql="SELECT r.upgrade_sql FROM revisions.revision r WHERE r.revision OPERATOR(pg_catalog.=) 'squashed'"

# Compare the schema dumped to $work/$1.sql with the replayed one.
same_schema() {
    if ! diff -u "$work/replay.sql" "$work/$1.sql" >"$work/schema.diff"; then
        head -n 40 "$work/schema.diff" >&2
        echo "squash.sh: the schema built by step '$1' differs from the replayed one" >&2
        exit 1
    fi
}

# pg_dump -s of the schema, without the random key of its \restrict lines.
dump_schema() {
    "$PG_BIN/pg_dump" -s -n public -d "$db" | grep -Ev '^\\(un)?restrict '
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: >"$work/replay.ms"
: >"$work/replay_sql.ms"
: >"$work/baseline.ms"
: >"$work/baseline_sql.ms"
for ((run = 1; run <= RUNS; run++)); do
    fresh_database pgrev_squash_replay "$plain_template"
    timed_upgrade "$N" >>"$work/replay.ms"
    dump_schema >"$work/replay.sql"

    fresh_database pgrev_squash_replay_sql "$plain_template"
    timed_sql "$replay_sql" >>"$work/replay_sql.ms"
    dump_schema >"$work/replay_sql.sql"
    same_schema replay_sql

    fresh_database pgrev_squash_baseline "$base_template"
    timed_upgrade 1 >>"$work/baseline.ms"
    dump_schema >"$work/baseline.sql"
    same_schema baseline
    [ "$(q -c 'SELECT count(*) FROM revisions.applied')" = "$N" ] ||
        { echo "squash.sh: the baseline did not record the $N revisions it replaces as applied" >&2; exit 1; }

    fresh_database pgrev_squash_baseline_sql "$base_template"
    timed_sql "$baseline_sql" >>"$work/baseline_sql.ms"
    dump_schema >"$work/baseline_sql.sql"
    same_schema baseline_sql
done

# Column $2 (1 wall, 2 CPU) of step $1: its median.
med() { awk -v c="$2" '{print $c}' "$work/$1.ms" | median; }
replay=$(med replay 1)
replay_alone=$(med replay_sql 1)
baseline=$(med baseline 1)
baseline_alone=$(med baseline_sql 1)
tables=$(grep -c '^CREATE TABLE' "$work/replay.sql")
load=$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo unknown)
cpu() { if [ "$cpu_now" = 0 ]; then echo "   n/a"; else printf '%10.1f ms' "$(med "$1" 2)"; fi; }
echo "history: $N revisions over $T tables (final schema: $tables tables), $RUNS runs, medians"
printf '%-48s %10s   %s\n' "" "wall" "server CPU"
printf '%-48s %10.1f ms %s\n' "replay: rev_upgrade('head'), $N revisions" "$replay" "$(cpu replay)"
printf '%-48s %10.1f ms %s\n' "  its SQL alone (psql, no pg_revisions)" "$replay_alone" "$(cpu replay_sql)"
printf '%-48s %10.1f ms %s\n' "baseline: rev_upgrade('head') via rev_squash" "$baseline" "$(cpu baseline)"
printf '%-48s %10.1f ms %s\n' "  its SQL alone (psql, no pg_revisions)" "$baseline_alone" "$(cpu baseline_sql)"
awk -v a="$replay" -v b="$baseline" 'BEGIN { printf "ratio replay / baseline: %.1fx (pg_dump -s identical)\n", a / (b > 0 ? b : 1) }'
awk -v a="$replay_alone" -v b="$baseline_alone" 'BEGIN { printf "ratio of their SQL alone: %.1fx (the most a baseline can save on this history)\n", a / (b > 0 ? b : 1) }'
if [ "$cpu_now" != 0 ]; then
    awk -v a="$(med replay 2)" -v b="$(med baseline 2)" -v c="$(med replay_sql 2)" -v d="$(med baseline_sql 2)" \
        'BEGIN { printf "server CPU ratios: replay / baseline %.1fx, their SQL alone %.1fx\n", a / (b > 0 ? b : 1), c / (d > 0 ? d : 1) }'
fi
echo "load average at the end: $load"
for f in replay replay_sql baseline baseline_sql; do
    printf '%s ' "$f:" $(awk '{print $1 "/" $2}' "$work/$f.ms")
done
echo "(wall/CPU ms, each run)"
