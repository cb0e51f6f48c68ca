#!/usr/bin/env bash
# test/bench/diff.sh — how long does rev_diff take between two big schemas?
#
# Builds schemas s_a and s_b of N tables each (default 1,000): every table has
# a bigint primary key, a secondary index and six columns; in s_b half of the
# tables differ (100 each: a column added, a column dropped, a type changed, an
# index added, a default changed + NOT NULL set).  Then times, RUNS times each
# (default 5), median and min:
#
#   rev_diff cold   SELECT count(*) FROM rev_diff('s_a', 's_b') as the first
#                   statement of a new session (empty catalog caches)
#   rev_diff warm   the same call again in that session
#   pg_dump 1       pg_dump --schema-only -n s_a       (the peer / the floor:
#   pg_dump 2       pg_dump --schema-only -n s_a -n s_b  what a migra-style tool
#                   must at least pay to read the schemas it compares)
#
# rev_diff is timed in the session with clock_timestamp() around the call;
# pg_dump from the shell (process start included, which it cannot avoid).
# Checks: the diff has at least one row per changed table, and applying it
# makes a second rev_diff empty.  See test/bench/README.md.
#
#   test/bench/diff.sh              N=1000, RUNS=5
#   test/bench/diff.sh --quick      N=100, RUNS=1 (smoke test)
#   N=5000 RUNS=3 test/bench/diff.sh
#
# Needs the extension installed (make install); starts and stops a throwaway
# cluster through scripts/lib.sh.  Results: stdout and test/bench/out/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,29p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "diff.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
if [ "$QUICK" = 1 ]; then
    N=${N:-100}
    RUNS=${RUNS:-1}
fi
N=${N:-1000}
RUNS=${RUNS:-5}
case "$N" in ''|*[!0-9]*|0) echo "diff.sh: N must be a positive integer" >&2; exit 2 ;; esac
case "$RUNS" in ''|*[!0-9]*|0) echo "diff.sh: RUNS must be a positive integer" >&2; exit 2 ;; esac

# Durability on, as for every figure in test/bench; 2 x 1,000 tables with
# their indexes and sequences in one transaction need more lock slots.
PGREV_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=4096"
export PGREV_SERVER_OPTS

# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"

OUTDIR="$HERE/out"
mkdir -p "$OUTDIR"
OUT="$OUTDIR/diff-$(date +%Y%m%d-%H%M%S).txt"
DB=bench_diff

cleanup() {
    local rc=$?
    set +e
    [ "$rc" -eq 0 ] || [ -z "${PGREV_SERVER_LOG:-}" ] || pgrev_server_log_tail 20
    pgrev_cluster_stop
    [ -z "${WORK:-}" ] || rm -rf "$WORK"
    exit "$rc"
}

die() { echo "diff.sh: FAIL: $*" >&2; exit 1; }
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
val() { "${PSQL[@]}" -At -d "$DB" -c "$1"; }
now_ns() { date +%s%N; }
# median and min of the numbers on stdin, "median min"
stats() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                                             printf "%.1f %.1f\n", m, v[1] }'; }

pgrev_cluster_start
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-bench-diff.XXXXXX")
trap cleanup EXIT
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"

echo "building s_a and s_b, $N tables each"
"${PSQL[@]}" -d "$DB" -v n="$N" >/dev/null <<'EOF'
CREATE EXTENSION pg_revisions;
CREATE SCHEMA s_a;
CREATE SCHEMA s_b;
SELECT set_config('bench.n', :'n', false);
DO $$
DECLARE
    n int := current_setting('bench.n')::int;
    s text;
BEGIN
    FOREACH s IN ARRAY ARRAY['s_a', 's_b'] LOOP
        FOR i IN 1..n LOOP
            EXECUTE format('CREATE TABLE %I.t_%s (
                id bigint PRIMARY KEY, name text NOT NULL, email text,
                created_at timestamptz NOT NULL DEFAULT now(), amount numeric(12,2) DEFAULT 0,
                flag boolean NOT NULL DEFAULT false)', s, i);
            EXECUTE format('CREATE INDEX t_%s_email ON %I.t_%s (email)', i, s, i);
        END LOOP;
    END LOOP;
    -- s_b: half the tables changed, five kinds of change.
    FOR i IN 1..n LOOP
        CASE i % 10
            WHEN 1 THEN EXECUTE format('ALTER TABLE s_b.t_%s ADD COLUMN note text', i);
            WHEN 3 THEN EXECUTE format('ALTER TABLE s_b.t_%s DROP COLUMN amount', i);
            WHEN 5 THEN EXECUTE format('ALTER TABLE s_b.t_%s ALTER COLUMN name TYPE varchar(200)', i);
            WHEN 7 THEN EXECUTE format('CREATE INDEX t_%s_created ON s_b.t_%s (created_at)', i, i);
            WHEN 9 THEN EXECUTE format('ALTER TABLE s_b.t_%s ALTER COLUMN amount SET DEFAULT 1,
                                        ALTER COLUMN email SET NOT NULL', i);
            ELSE NULL;
        END CASE;
    END LOOP;
END
$$;
ANALYZE;
CHECKPOINT;
EOF
changed=$(( N / 10 * 5 + (N % 10 >= 1) + (N % 10 >= 3) + (N % 10 >= 5) + (N % 10 >= 7) + (N % 10 >= 9) ))

rows=$(val "SELECT count(*) FROM rev_diff('s_a', 's_b')")
[ "$rows" -ge "$changed" ] || die "rev_diff('s_a', 's_b') returned $rows rows for $changed changed tables"
echo "rev_diff('s_a', 's_b'): $rows rows for $changed changed tables"

: >"$WORK/cold"; : >"$WORK/warm"; : >"$WORK/dump1"; : >"$WORK/dump2"
for ((k = 1; k <= RUNS; k++)); do
    "${PSQL[@]}" -At -d "$DB" >"$WORK/run" <<'EOF'
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS n1 FROM rev_diff('s_a', 's_b') \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, 2);
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) AS n2 FROM rev_diff('s_a', 's_b') \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000, 2);
SELECT :n1 + :n2;
EOF
    [ "$(sed -n 3p "$WORK/run")" = "$((2 * rows))" ] || die "run $k: rev_diff returned other row counts: $(tr '\n' ' ' <"$WORK/run")"
    sed -n 1p "$WORK/run" >>"$WORK/cold"
    sed -n 2p "$WORK/run" >>"$WORK/warm"
    t=$(now_ns)
    pg_dump --schema-only -n s_a -d "$DB" >"$WORK/dump.sql"
    echo "$(( ($(now_ns) - t) / 1000 ))" | awk '{ print $1 / 1000 }' >>"$WORK/dump1"
    t=$(now_ns)
    pg_dump --schema-only -n s_a -n s_b -d "$DB" >"$WORK/dump.sql"
    echo "$(( ($(now_ns) - t) / 1000 ))" | awk '{ print $1 / 1000 }' >>"$WORK/dump2"
done
grep -q "CREATE TABLE s_a.t_$N " "$WORK/dump.sql" || die "pg_dump did not dump s_a.t_$N"

# Correctness at this scale: the diff applies, and then nothing is left.
val "SELECT string_agg(s || ';', E'\n') FROM rev_diff('s_a', 's_b') AS s" >"$WORK/diff.sql"
"${PSQL[@]}" -d "$DB" -1 -c "SET search_path = pg_catalog" -f "$WORK/diff.sql" >/dev/null
left=$(val "SELECT count(*) FROM rev_diff('s_a', 's_b')")
[ "$left" = 0 ] || die "after applying the diff, rev_diff('s_a', 's_b') still returns $left rows"

read -r cold_med cold_min < <(stats <"$WORK/cold")
read -r warm_med warm_min < <(stats <"$WORK/warm")
read -r d1_med d1_min < <(stats <"$WORK/dump1")
read -r d2_med d2_min < <(stats <"$WORK/dump2")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
    echo "rev_diff benchmark: $N tables per schema, $changed changed, $rows diff rows, $RUNS runs"
    echo "server: $(val 'SELECT version()')"
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
    echo
    printf '%-42s %10s %10s %12s\n' "what" "median ms" "min ms" "vs pg_dump 2"
    printf '%-42s %10s %10s %12s\n' "rev_diff, first call of a session" "$cold_med" "$cold_min" "$(ratio "$cold_med" "$d2_med")"
    printf '%-42s %10s %10s %12s\n' "rev_diff, second call" "$warm_med" "$warm_min" "$(ratio "$warm_med" "$d2_med")"
    printf '%-42s %10s %10s %12s\n' "pg_dump --schema-only -n s_a" "$d1_med" "$d1_min" "$(ratio "$d1_med" "$d2_med")"
    printf '%-42s %10s %10s %12s\n' "pg_dump --schema-only -n s_a -n s_b" "$d2_med" "$d2_min" "1.00"
    echo
    echo "samples (ms): cold $(paste -sd' ' "$WORK/cold"); warm $(paste -sd' ' "$WORK/warm");" \
         "dump1 $(paste -sd' ' "$WORK/dump1"); dump2 $(paste -sd' ' "$WORK/dump2")"
    echo "applying the diff: ok, a second rev_diff returns 0 rows"
} | tee "$OUT"
echo "(written to $OUT)"
