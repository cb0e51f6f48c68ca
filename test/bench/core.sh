#!/usr/bin/env bash
# test/bench/core.sh — how much does running migrations inside the server cost?
#
# Times SELECT count(*) FROM rev_upgrade('head') over an N-revision chain
# against the plain script (psql -1 -f chain.sql) and a PL/pgSQL EXECUTE loop,
# the no-op upgrade, and rev_downgrade('base') against the DROP script.
# See test/bench/README.md.
#
#   test/bench/core.sh                    N in 1000 5000, 5 runs each
#   test/bench/core.sh --quick            N=100, 1 run (smoke test)
#   N_LIST="500 2000" RUNS=3 test/bench/core.sh
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
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "core.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
if [ "$QUICK" = 1 ]; then
    N_LIST=${N_LIST:-100}
    RUNS=${RUNS:-1}
fi
N_LIST=${N_LIST:-1000 5000}
RUNS=${RUNS:-5}
NOOP_CALLS=${NOOP_CALLS:-20}     # no-op upgrades per run, in one session

# The same server settings for every contender, durability on (never
# fsync=off for figures that compare).  5000 DROP TABLEs in one transaction
# need more than the default 64 * max_connections lock slots.
BENCH_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=1024"

for n in $N_LIST; do
    case "$n" in
        ''|*[!0-9]*) echo "core.sh: N must be a positive integer: '$n'" >&2; exit 2 ;;
    esac
    if [ "$n" -lt 1 ] || [ "$n" -gt 99999 ]; then
        echo "core.sh: N must be 1..99999 (ids are r00001..r99999): $n" >&2; exit 2
    fi
done
case "$RUNS" in ''|*[!0-9]*|0) echo "core.sh: RUNS must be a positive integer" >&2; exit 2 ;; esac

# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-bench.XXXXXX")
chmod 755 "$WORK"    # the server (postgres user) never reads it, psql does
OUTDIR="$HERE/out"
mkdir -p "$OUTDIR"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$OUTDIR/core-$STAMP.txt"
SAMPLES="$WORK/samples.tsv"    # workload \t N \t contender \t ms
ERRLOG="$WORK/stderr.log"      # psql's stderr (the NOTICEs) of the timed commands
: >"$SAMPLES"
: >"$ERRLOG"

cleanup() {
    local rc=$?
    set +e
    if [ "$rc" -ne 0 ]; then
        if [ -s "$ERRLOG" ]; then
            printf -- '---- last lines of psql stderr ----\n' >&2
            tail -n 20 "$ERRLOG" >&2
        fi
        if [ -n "${PGREV_SERVER_LOG:-}" ] && [ -s "$PGREV_SERVER_LOG" ]; then
            pgrev_server_log_tail 20
        fi
    fi
    pgrev_cluster_stop      # idempotent; a no-op when no cluster runs
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s\n' "$*" >&2; }
die() { log "core.sh: FAIL: $*"; exit 1; }

now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$SAMPLES"; }

# psql as every contender runs it: no psqlrc, quiet, stop on the first error.
# The timed commands send stderr (pg_revisions' per-revision NOTICEs) to a
# file: the server still sends them, the terminal does not slow psql down.
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
psql_db() { local db=$1; shift; "${PSQL[@]}" -d "$db" "$@"; }
psql_val() { local db=$1; shift; "${PSQL[@]}" -At -d "$db" -c "$1"; }
timed_db() { local db=$1; shift; "${PSQL[@]}" -d "$db" "$@" 2>>"$ERRLOG"; }
timed_val() { local db=$1; shift; "${PSQL[@]}" -At -d "$db" -c "$1" 2>>"$ERRLOG"; }

drop_db() {
    "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1"
}
fresh_db() {
    drop_db "$1"
    psql_val postgres "CREATE DATABASE $1" >/dev/null
}

# Untimed, before every timed step: flush dirty buffers so that no contender
# pays for an earlier one's checkpoint.
settle() { psql_val "$1" "CHECKPOINT" >/dev/null; }

# Number of the bench tables t_1..t_N that exist.
table_count() {
    psql_val "$1" "SELECT count(*) FROM pg_catalog.pg_class c
                   JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
                   WHERE s.nspname = 'public' AND c.relkind = 'r'
                     AND c.relname ~ '^t_[0-9]+\$'"
}
expect_tables() {
    local got
    got=$(table_count "$1")
    [ "$got" = "$2" ] || die "$3: expected $2 tables t_i in $1, found $got"
}

# ---------------------------------------------------------------------------
# Scripts for one N.

make_scripts() {
    local n=$1 d="$WORK/n$1" i
    mkdir -p "$d"
    for ((i = 1; i <= n; i++)); do
        printf 'CREATE TABLE t_%d (id int primary key, v text);\n' "$i"
    done >"$d/chain.sql"
    for ((i = n; i >= 1; i--)); do
        printf 'DROP TABLE t_%d;\n' "$i"
    done >"$d/drop.sql"
    for ((i = 1; i <= n; i++)); do
        printf 'SELECT %d;\n' "$i"
    done >"$d/trivial.sql"
    {
        printf "SELECT rev_add('r%05d', 'SELECT %d;', 'SELECT -%d;', '{}');\n" 1 1 1
        for ((i = 2; i <= n; i++)); do
            printf "SELECT rev_add('r%05d', 'SELECT %d;', 'SELECT -%d;', ARRAY['r%05d']);\n" \
                "$i" "$i" "$i" "$((i - 1))"
        done
    } >"$d/register-trivial.sql"
    {
        printf "SELECT rev_add('r%05d', 'CREATE TABLE t_%d (id int primary key, v text);', 'DROP TABLE t_%d;', '{}');\n" 1 1 1
        for ((i = 2; i <= n; i++)); do
            printf "SELECT rev_add('r%05d', 'CREATE TABLE t_%d (id int primary key, v text);', 'DROP TABLE t_%d;', ARRAY['r%05d']);\n" \
                "$i" "$i" "$i" "$((i - 1))"
        done
    } >"$d/register.sql"
}

# ---------------------------------------------------------------------------
# One run of every contender at one N.  Each contender gets its own fresh
# database; only the command under test is inside the timer.

run_plain() {
    local n=$1 db=bench_plain d="$WORK/n$1" t ms
    fresh_db "$db"
    settle "$db"
    t=$(now_ns)
    timed_db "$db" -1 -f "$d/chain.sql"
    ms=$(ms_since "$t")
    expect_tables "$db" "$n" "plain upgrade"
    record upgrade "$n" plain "$ms"

    settle "$db"
    t=$(now_ns)
    timed_db "$db" -1 -f "$d/drop.sql"
    ms=$(ms_since "$t")
    expect_tables "$db" 0 "plain downgrade"
    record downgrade "$n" plain "$ms"

    # Reference for the no-op: what any psql -c round trip costs.
    t=$(now_ns)
    timed_db "$db" -c "SELECT 1" >/dev/null
    ms=$(ms_since "$t")
    record noop "$n" "plain (psql -c 'SELECT 1', wall)" "$ms"
    drop_db "$db"
}

# run_revisions N [quiet]: quiet runs the timed calls with
# client_min_messages=warning, so the server skips the per-revision NOTICEs.
run_revisions() {
    local n=$1 quiet=${2:-} db=bench_rev d="$WORK/n$1" t ms got name=pg_revisions
    if [ -n "$quiet" ]; then
        db=bench_rev_quiet
        name="pg_revisions, no NOTICEs"
    fi
    fresh_db "$db"
    psql_db "$db" -c "CREATE EXTENSION pg_revisions"
    settle "$db"
    t=$(now_ns)
    psql_db "$db" -1 -f "$d/register.sql" >/dev/null
    ms=$(ms_since "$t")
    [ -n "$quiet" ] || record register "$n" "pg_revisions (rev_add x N, -1 -f)" "$ms"
    got=$(psql_val "$db" "SELECT count(*) FROM rev_pending('head')")
    [ "$got" = "$n" ] || die "rev_pending('head') after registering $n revisions returned $got rows"

    if [ -n "$quiet" ]; then
        export PGOPTIONS="-c client_min_messages=warning"
    fi
    settle "$db"
    t=$(now_ns)
    got=$(timed_val "$db" "SELECT count(*) FROM rev_upgrade('head')")
    ms=$(ms_since "$t")
    [ "$got" = "$n" ] || die "SELECT count(*) FROM rev_upgrade('head') returned $got, expected $n"
    expect_tables "$db" "$n" "rev_upgrade('head')"
    record upgrade "$n" "$name" "$ms"

    if [ -z "$quiet" ]; then
        # No-op: client wall time of one psql -c, then NOOP_CALLS calls in
        # one session under \timing (no connection start-up in those).
        settle "$db"
        t=$(now_ns)
        got=$(timed_val "$db" "SELECT count(*) FROM rev_upgrade('head')")
        ms=$(ms_since "$t")
        [ "$got" = 0 ] || die "no-op SELECT count(*) FROM rev_upgrade('head') returned $got, expected 0"
        record noop "$n" "pg_revisions (psql -c, wall)" "$ms"

        local i script="$WORK/noop.sql" timing="$WORK/noop.out"
        {
            echo '\timing on'
            for ((i = 0; i < NOOP_CALLS; i++)); do
                echo "SELECT count(*) FROM rev_upgrade('head');"
            done
        } >"$script"
        timed_db "$db" -At -f "$script" >"$timing"
        got=$(grep -cx '0' "$timing" || true)
        [ "$got" = "$NOOP_CALLS" ] || die "no-op session: expected $NOOP_CALLS results of 0, got: $(grep -v '^Time' "$timing" | tr '\n' ' ')"
        sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' "$timing" | while read -r ms; do
            record noop "$n" "pg_revisions (\\timing, in session)" "$ms"
        done
    fi

    settle "$db"
    t=$(now_ns)
    got=$(timed_val "$db" "SELECT count(*) FROM rev_downgrade('base')")
    ms=$(ms_since "$t")
    [ "$got" = "$n" ] || die "SELECT count(*) FROM rev_downgrade('base') returned $got, expected $n"
    expect_tables "$db" 0 "rev_downgrade('base')"
    record downgrade "$n" "$name" "$ms"
    unset PGOPTIONS
    drop_db "$db"
}

run_plpgsql() {
    local n=$1 db=bench_plpgsql t ms
    fresh_db "$db"
    psql_db "$db" -1 <<EOF
CREATE TABLE bench_stmt (i int PRIMARY KEY, up text NOT NULL, down text NOT NULL);
INSERT INTO bench_stmt
SELECT i, format('CREATE TABLE t_%s (id int primary key, v text);', i),
          format('DROP TABLE t_%s;', i)
FROM generate_series(1, $n) AS i;
EOF
    settle "$db"
    t=$(now_ns)
    timed_db "$db" -c 'DO $$DECLARE s text; BEGIN FOR s IN SELECT up FROM bench_stmt ORDER BY i LOOP EXECUTE s; END LOOP; END$$'
    ms=$(ms_since "$t")
    expect_tables "$db" "$n" "PL/pgSQL upgrade loop"
    record upgrade "$n" "PL/pgSQL EXECUTE loop" "$ms"

    settle "$db"
    t=$(now_ns)
    timed_db "$db" -c 'DO $$DECLARE s text; BEGIN FOR s IN SELECT down FROM bench_stmt ORDER BY i DESC LOOP EXECUTE s; END LOOP; END$$'
    ms=$(ms_since "$t")
    expect_tables "$db" 0 "PL/pgSQL downgrade loop"
    record downgrade "$n" "PL/pgSQL EXECUTE loop" "$ms"
    drop_db "$db"
}

# Per-revision overhead without the DDL: every revision is "SELECT i;".
run_trivial() {
    local n=$1 d="$WORK/n$1" db t ms got
    db=bench_trivial_plain
    fresh_db "$db"
    settle "$db"
    t=$(now_ns)
    timed_db "$db" -1 -f "$d/trivial.sql" >/dev/null
    ms=$(ms_since "$t")
    record trivial "$n" plain "$ms"
    drop_db "$db"

    db=bench_trivial_rev
    fresh_db "$db"
    psql_db "$db" -c "CREATE EXTENSION pg_revisions"
    psql_db "$db" -1 -f "$d/register-trivial.sql" >/dev/null
    settle "$db"
    t=$(now_ns)
    got=$(timed_val "$db" "SELECT count(*) FROM rev_upgrade('head')")
    ms=$(ms_since "$t")
    [ "$got" = "$n" ] || die "trivial: SELECT count(*) FROM rev_upgrade('head') returned $got, expected $n"
    record trivial "$n" pg_revisions "$ms"
    drop_db "$db"

    db=bench_trivial_plpgsql
    fresh_db "$db"
    psql_db "$db" -c "CREATE TABLE bench_stmt (i int PRIMARY KEY, up text NOT NULL)" \
        -c "INSERT INTO bench_stmt SELECT i, format('SELECT %s;', i) FROM generate_series(1, $n) AS i"
    settle "$db"
    t=$(now_ns)
    timed_db "$db" -c 'DO $$DECLARE s text; BEGIN FOR s IN SELECT up FROM bench_stmt ORDER BY i LOOP EXECUTE s; END LOOP; END$$'
    ms=$(ms_since "$t")
    record trivial "$n" "PL/pgSQL EXECUTE loop" "$ms"
    drop_db "$db"
}

# ---------------------------------------------------------------------------
# Report: per (workload, N, contender) median and min; ratio = median over the
# median of the workload's first contender (plain).

report() {
    sort -t $'\t' -k1,1 -k2,2n -s "$SAMPLES" | awk -F '\t' '
        function fmt(x) { return sprintf(x < 10 ? "%.3f" : "%.1f", x) }
        function median(arr, k,    i, j, t) {
            for (i = 2; i <= k; i++) {          # insertion sort, k is small
                t = arr[i]
                for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]
                arr[j + 1] = t
            }
            return (k % 2) ? arr[(k + 1) / 2] : (arr[k / 2] + arr[k / 2 + 1]) / 2
        }
        {
            key = $1 SUBSEP $2 SUBSEP $3
            if (!(key in cnt)) { order[++nkeys] = key }
            cnt[key]++
            val[key, cnt[key]] = $4 + 0
        }
        END {
            wl["upgrade"] = 1; wl["noop"] = 2; wl["downgrade"] = 3; wl["trivial"] = 4; wl["register"] = 5
            printf "%-10s %6s  %-36s %5s %11s %11s %9s\n", "workload", "N", "contender", "n", "median ms", "min ms", "ratio"
            printf "%-10s %6s  %-36s %5s %11s %11s %9s\n", "----------", "------", "------------------------------------", "-----", "-----------", "-----------", "---------"
            for (w = 1; w <= 5; w++) {
                for (i = 1; i <= nkeys; i++) {
                    split(order[i], p, SUBSEP)
                    if (wl[p[1]] != w) continue
                    k = cnt[order[i]]
                    delete a
                    mn = ""
                    for (j = 1; j <= k; j++) {
                        a[j] = val[order[i], j]
                        if (mn == "" || a[j] < mn) mn = a[j]
                    }
                    med = median(a, k)
                    if (p[3] ~ /^plain/) base[p[1], p[2]] = med
                    ratio = "-"
                    if (((p[1], p[2]) in base) && p[3] !~ /timing/ && base[p[1], p[2]] > 0)
                        ratio = sprintf("%.2f", med / base[p[1], p[2]])
                    printf "%-10s %6s  %-36s %5d %11s %11s %9s\n", p[1], p[2], p[3], k, fmt(med), fmt(mn), ratio
                }
            }
        }'
}

# ---------------------------------------------------------------------------
# Server settings.  scripts/lib.sh starts its clusters for the tests (with
# fsync=off, and no hook for other options), so restart the same cluster,
# same port and socket directory, with the benchmark's options, then check
# that they are in force.

bench_settings_ok() {
    [ "$(psql_val postgres "SELECT current_setting('fsync') || ' ' || current_setting('max_locks_per_transaction')")" = "on 1024" ]
}

bench_apply_settings() {
    bench_settings_ok && return 0
    local datadir sockdir owner
    datadir=$(psql_val postgres "SHOW data_directory")
    sockdir=$(psql_val postgres "SHOW unix_socket_directories")
    owner=$(stat -c %U "$datadir")
    log "== restarting the cluster with: $BENCH_SERVER_OPTS"
    local cmd=("$PG_BIN/pg_ctl" -D "$datadir" -w -t 120 -m fast -l "${PGREV_SERVER_LOG:-$datadir/../server.log}"
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $sockdir $BENCH_SERVER_OPTS" restart)
    if [ "$(id -u)" -eq 0 ] && [ "$owner" != root ]; then
        (cd / && runuser -u "$owner" -- "${cmd[@]}") >/dev/null
    else
        (cd / && "${cmd[@]}") >/dev/null
    fi
    bench_settings_ok || die "the cluster does not run with $BENCH_SERVER_OPTS: $(psql_val postgres "SELECT current_setting('fsync'), current_setting('max_locks_per_transaction')")"
}

# ---------------------------------------------------------------------------

log "== building scripts for N in: $N_LIST"
for n in $N_LIST; do make_scripts "$n"; done

log "== starting the benchmark cluster ($BENCH_SERVER_OPTS)"
pgrev_cluster_start >&2
# pgrev_cluster_start sets its own EXIT trap; ours stops the cluster too.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
bench_apply_settings
psql_val postgres "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_revisions'" | grep -q 1 ||
    die "pg_revisions is not installed in this server (run make install)"

SETTINGS=$(psql_val postgres "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('max_locks_per_transaction', 'fsync', 'synchronous_commit',
        'full_page_writes', 'shared_buffers', 'wal_level', 'max_wal_size', 'checkpoint_timeout', 'max_connections')")
SERVER=$(psql_val postgres "SELECT version()")
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
EXTVER=$(psql_val postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_revisions'")

for n in $N_LIST; do
    for ((r = 1; r <= RUNS; r++)); do
        log "== N=$n run $r/$RUNS"
        # Interleaved, so that drift over time hits every contender alike.
        run_plain "$n"
        run_revisions "$n"
        run_plpgsql "$n"
        run_revisions "$n" quiet
        run_trivial "$n"
    done
done

{
    echo "pg_revisions core benchmark — $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host: $(uname -sr), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
    echo "server: $SERVER"
    echo "pg_revisions: $EXTVER ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ', dirty tree'))"
    echo "cluster: throwaway (scripts/lib.sh), restarted with $BENCH_SERVER_OPTS; the same cluster and settings for every contender"
    echo "settings: $SETTINGS"
    echo "N: $N_LIST; runs per N: $RUNS; no-op calls per run under \\timing: $NOOP_CALLS"
    echo
    echo "upgrade:   plain = psql -X -q -1 -f chain.sql (N x CREATE TABLE t_i (id int primary key, v text))"
    echo "           pg_revisions = psql -X -q -c \"SELECT count(*) FROM rev_upgrade('head')\" (N revisions registered beforehand, untimed)"
    echo "           PL/pgSQL EXECUTE loop = psql -c 'DO ...' running the same statements from a table"
    echo "noop:      rev_upgrade('head') with nothing pending (returns 0); wall = one psql -c; \\timing = per call in one session"
    echo "downgrade: plain = psql -X -q -1 -f drop.sql (N x DROP TABLE, reverse order);"
    echo "           pg_revisions = SELECT count(*) FROM rev_downgrade('base'); PL/pgSQL loop over the DROPs"
    echo "'no NOTICEs': the same calls with PGOPTIONS='-c client_min_messages=warning' (pg_revisions NOTICEs each revision)"
    echo "trivial:   as upgrade, but every statement / revision is 'SELECT i;': the per-revision cost without DDL"
    echo "register:  the untimed set-up of the pg_revisions rows: N x rev_add (explicit parent) in one transaction"
    echo "times: wall clock around the psql command (includes connection start-up), fresh database per contender and run,"
    echo "       CHECKPOINT before each timed step; ratio = median / median of the plain contender of the same row group"
    echo "load average: $LOAD_BEFORE at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo
    report
    echo
    echo "samples (ms, in run order):"
    awk -F '\t' '{ key = sprintf("  %-10s %6s  %-36s", $1, $2, $3)
                   if (!(key in v)) order[++n] = key
                   v[key] = v[key] " " $4 }
                 END { for (i = 1; i <= n; i++) print order[i] v[order[i]] }' "$SAMPLES"
} | tee "$OUT"
log "== written to ${OUT#"$ROOT"/}"
# The EXIT trap stops the cluster and removes the work directory.
