#!/usr/bin/env bash
# test/bench/run.sh — pg_revisions against the plain script, Alembic and Sqitch.
#
#   test/bench/run.sh            full run (about 20 min): N in 100 1000 5000, 3 runs,
#                                graph functions at 10k and 100k, memory at 5000,
#                                writes test/bench/upgrade.{png,svg,dat}
#   test/bench/run.sh --quick    N=20, 1 run, graph at 500 and 5000, memory at 200
#                                (about 15 s; test/scripts/bench_quick.sh runs it)
#   N_LIST="100 1000 5000 10000" RUNS=5 SQITCH_MAX_N=1000 test/bench/run.sh
#
# Other settings (environment): WORKLOADS ("chain multi dag"), CONTENDERS
# ("plain pg_revisions alembic sqitch"), SQITCH_MAX_N (1000), ALEMBIC_MAX_N
# (10000), GRAPH_N ("10000 100000"), GRAPH_CALLS (7), MEM_N (5000),
# NOOP_CALLS (20), PLOT_DIR (test/bench; --quick: the run's output directory),
# BENCH_OUTDIR (test/bench/out: the result files), NET_DELAY_MS (0: the
# contenders connect through test/bench/delay_proxy.py, which delays every
# chunk by NET_DELAY_MS each way: 0.5 for the 1 ms round trip of a network).
#
# Installs the peers (python3-alembic python3-psycopg2 sqitch libdbd-pg-perl
# gnuplot-nox) with apt-get when missing; needs the extension installed
# (make install).  Starts a throwaway cluster (scripts/lib.sh: 127.0.0.1, a
# free port) with fsync on, stops it at the end, also on failure or Ctrl-C.
# Every timed step checks its result; any failure exits non-zero with FAIL.
# See test/bench/README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3

QUICK=0
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        -h|--help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
if [ "$QUICK" = 1 ]; then
    N_LIST=${N_LIST:-20}
    RUNS=${RUNS:-1}
    GRAPH_N=${GRAPH_N:-500 5000}
    GRAPH_CALLS=${GRAPH_CALLS:-3}
    MEM_N=${MEM_N:-200}
    NOOP_CALLS=${NOOP_CALLS:-5}
fi
N_LIST=${N_LIST:-100 1000 5000}
RUNS=${RUNS:-3}
WORKLOADS=${WORKLOADS:-chain multi dag}
CONTENDERS=${CONTENDERS:-plain pg_revisions alembic sqitch}
SQITCH_MAX_N=${SQITCH_MAX_N:-1000}
ALEMBIC_MAX_N=${ALEMBIC_MAX_N:-10000}
GRAPH_N=${GRAPH_N:-10000 100000}
GRAPH_CALLS=${GRAPH_CALLS:-7}
MEM_N=${MEM_N:-5000}
NOOP_CALLS=${NOOP_CALLS:-20}

for n in $N_LIST $GRAPH_N $MEM_N; do
    case "$n" in ''|*[!0-9]*|0) echo "run.sh: N must be a positive integer: '$n'" >&2; exit 2 ;; esac
    [ "$n" -le 999999 ] || { echo "run.sh: N must be <= 999999: $n" >&2; exit 2; }
done
case "$RUNS" in ''|*[!0-9]*|0) echo "run.sh: RUNS must be a positive integer" >&2; exit 2 ;; esac

# The same settings for every contender, durability on.  5000 DROP TABLEs in
# one transaction need more lock slots than the default 64 per connection.
export PGREV_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=1024"

# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-bench.XXXXXX")
chmod 755 "$WORK"
OUTDIR=${BENCH_OUTDIR:-$HERE/out}
mkdir -p "$OUTDIR"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT="$OUTDIR/run-$STAMP.txt"
[ "$QUICK" = 1 ] && OUT="$OUTDIR/run-quick-$STAMP.txt"
if [ -z "${PLOT_DIR:-}" ]; then
    if [ "$QUICK" = 1 ]; then PLOT_DIR="$OUTDIR/quick-$STAMP"; else PLOT_DIR="$HERE"; fi
fi
SAMPLES="$WORK/samples.tsv"    # op \t workload \t N \t contender \t ms
MEM="$WORK/mem.tsv"            # contender \t N \t VmHWM before \t VmHWM after \t peak RssAnon (kB)
ERRLOG="$WORK/stderr.log"      # the timed commands' stderr (NOTICEs, peers' logs)
NOTES="$WORK/notes.txt"        # caps and skips, printed with the table
: >"$SAMPLES"; : >"$MEM"; : >"$ERRLOG"; : >"$NOTES"
T_START=$SECONDS

log() { printf '%s\n' "$*" >&2; }
die() { log "run.sh: FAIL: $*"; exit 1; }
note() { grep -qxF -- "$*" "$NOTES" || printf '%s\n' "$*" >>"$NOTES"; }

cleanup() {
    local rc=$?
    set +e
    if [ "$rc" -ne 0 ] && [ -s "$ERRLOG" ]; then
        printf -- '---- last lines of the timed commands'"'"' stderr ----\n' >&2
        tail -n 25 "$ERRLOG" >&2
    fi
    [ -e "$WORK/mem.stop" ] || touch "$WORK/mem.stop" 2>/dev/null
    [ -z "${PROXY_PID:-}" ] || kill "$PROXY_PID" 2>/dev/null
    wait 2>/dev/null
    pgrev_cluster_stop
    rm -rf "$WORK"
    exit "$rc"
}

# shellcheck source=peers.sh
. "$HERE/peers.sh"

now_ns() { date +%s%N; }
ms_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e6 }'; }
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$SAMPLES"; }

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
psql_val() { local db=$1; shift; "${PSQL[@]}" -At -d "$db" -c "$1"; }
drop_db() { "${PSQL[@]}" -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1"; }
fresh_db() { drop_db "$1"; psql_val postgres "CREATE DATABASE $1" >/dev/null; }
settle() { psql_val "$1" "CHECKPOINT" >/dev/null; }

# timed OP WORKLOAD N CONTENDER CMD...: run CMD (stdout to $WORK/last.out,
# stderr to $ERRLOG), record its wall time.  Fails the run if CMD fails.
timed() {
    local op=$1 w=$2 n=$3 c=$4 t ms
    shift 4
    t=$(now_ns)
    if ! "$@" >"$WORK/last.out" 2>>"$ERRLOG"; then
        die "$c: $op $w N=$n: command failed: $*"
    fi
    ms=$(ms_since "$t")
    record "$op" "$w" "$n" "$c" "$ms"
}
last_out() { tr -d '[:space:]' <"$WORK/last.out"; }

# check_objects DB N WORKLOAD WHAT: exactly N tables t_i (and N indexes t_i_n for multi).
check_objects() {
    local db=$1 n=$2 w=$3 what=$4 got
    got=$(psql_val "$db" "SELECT count(*) FILTER (WHERE c.relkind = 'r' AND c.relname ~ '^t_[0-9]+\$')
                                || ' ' || count(*) FILTER (WHERE c.relkind = 'i' AND c.relname ~ '^t_[0-9]+_n\$')
                          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace
                          WHERE s.nspname = 'public'")
    local want="$n 0"
    [ "$w" = multi ] && want="$n $n"
    [ "$got" = "$want" ] || die "$what: expected (tables, indexes t_i_n) = ($want) in $db, found ($got)"
}

# In-server timing: one call of a query, count(*) and milliseconds between
# clock_timestamp()s around it.  Each call is its own statement (transaction),
# after one untimed warm-up call (the session's first call loads the library
# and fills the catalog caches).
INSERVER_FN="CREATE FUNCTION pg_temp.bench_time(q text) RETURNS text LANGUAGE plpgsql AS \$f\$
DECLARE t0 timestamptz; c bigint;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q INTO c;
    RETURN c || ' ' || round(extract(epoch FROM clock_timestamp() - t0) * 1000, 3);
END \$f\$;"

# inserver OP WORKLOAD N CONTENDER DB QUERY CALLS EXPECTED_COUNT
inserver() {
    local op=$1 w=$2 n=$3 c=$4 db=$5 q=$6 k=$7 want=$8 i script="$WORK/inserver.sql" cnt ms
    {
        echo "$INSERVER_FN"
        echo "SELECT pg_temp.bench_time(\$q\$$q\$q\$) AS warm_up \\g /dev/null"
        for ((i = 0; i < k; i++)); do
            echo "SELECT pg_temp.bench_time(\$q\$$q\$q\$);"
        done
    } >"$script"
    "${PSQL[@]}" -At -d "$db" -f "$script" >"$WORK/inserver.out" 2>>"$ERRLOG" ||
        die "$c: $q failed in $db"
    [ "$(wc -l <"$WORK/inserver.out")" = "$k" ] || die "$c: $q: expected $k results, got: $(cat "$WORK/inserver.out")"
    while read -r cnt ms; do
        [ "$cnt" = "$want" ] || die "$c: $q in $db returned count $cnt, expected $want"
        record "$op" "$w" "$n" "$c" "$ms"
    done <"$WORK/inserver.out"
}

# ---------------------------------------------------------------------------
# The contenders.  Each: a fresh database, upgrade, no-op upgrade, downgrade
# to base, every step checked.

run_plain() {
    local w=$1 n=$2 d="$WORK/$1-$2" db=bench_plain
    fresh_db "$db"
    settle "$db"
    timed upgrade "$w" "$n" plain "${PSQL[@]}" -d "$db" -1 -f "$d/up.sql"
    check_objects "$db" "$n" "$w" "plain upgrade $w"
    timed noop "$w" "$n" "plain (psql -c 'SELECT 1')" "${PSQL[@]}" -At -d "$db" -c "SELECT 1"
    settle "$db"
    timed downgrade "$w" "$n" plain "${PSQL[@]}" -d "$db" -1 -f "$d/down.sql"
    check_objects "$db" 0 "$w" "plain downgrade $w"
    plain_register "$w" "$n" "$db"
    drop_db "$db"
}

# The limit for registering: N INSERTs of the same texts into a plain table.
plain_register() {
    local w=$1 n=$2 db=$3
    settle "$db"
    timed register "$w" "$n" "plain (INSERT x N, -1 -f)" "${PSQL[@]}" -d "$db" -1 -f "$WORK/$w-$n/register_plain.sql"
    [ "$(psql_val "$db" "SELECT count(*) FROM plain_rev")" = "$n" ] || die "plain register $w N=$n: wrong row count"
}

run_pg_revisions() {
    local w=$1 n=$2 d="$WORK/$1-$2" db=bench_rev c=pg_revisions
    fresh_db "$db"
    psql_val "$db" "CREATE EXTENSION pg_revisions" >/dev/null
    settle "$db"
    timed register "$w" "$n" "pg_revisions (rev_add x N, -1 -f)" "${PSQL[@]}" -d "$db" -1 -f "$d/register.sql"
    [ "$(psql_val "$db" "SELECT count(*) FROM rev_pending('head')")" = "$n" ] ||
        die "$c $w: rev_pending('head') after registering $n revisions is not $n"
    settle "$db"
    timed upgrade "$w" "$n" "$c" "${PSQL[@]}" -At -d "$db" -c "SELECT count(*) FROM rev_upgrade('head')"
    [ "$(last_out)" = "$n" ] || die "$c $w: SELECT count(*) FROM rev_upgrade('head') returned $(last_out), expected $n"
    check_objects "$db" "$n" "$w" "$c upgrade $w"
    settle "$db"
    timed noop "$w" "$n" "$c (psql -c)" "${PSQL[@]}" -At -d "$db" -c "SELECT count(*) FROM rev_upgrade('head')"
    [ "$(last_out)" = 0 ] || die "$c $w: no-op rev_upgrade('head') returned $(last_out), expected 0"
    inserver noop "$w" "$n" "$c (in-server)" "$db" "SELECT count(*) FROM rev_upgrade('head')" "$NOOP_CALLS" 0
    check_objects "$db" "$n" "$w" "$c no-op $w"
    settle "$db"
    timed downgrade "$w" "$n" "$c" "${PSQL[@]}" -At -d "$db" -c "SELECT count(*) FROM rev_downgrade('base')"
    [ "$(last_out)" = "$n" ] || die "$c $w: SELECT count(*) FROM rev_downgrade('base') returned $(last_out), expected $n"
    check_objects "$db" 0 "$w" "$c downgrade $w"
    [ "$(psql_val "$db" "SELECT count(*) FROM rev_current()")" = 0 ] || die "$c $w: rev_current() not empty after downgrade"
    drop_db "$db"
}

run_alembic() {
    local w=$1 n=$2 d="$WORK/$1-$2/alembic" db=bench_alembic c=alembic head
    if [ "$n" -gt "$ALEMBIC_MAX_N" ]; then note "alembic: capped at N <= $ALEMBIC_MAX_N (ALEMBIC_MAX_N)"; return 0; fi
    head=$(sed -n 's/^head=//p' "$WORK/$w-$n/meta")
    fresh_db "$db"
    settle "$db"
    timed upgrade "$w" "$n" "$c" alembic_run "$d" "$db" upgrade head
    check_objects "$db" "$n" "$w" "$c upgrade $w"
    [ "$(psql_val "$db" "SELECT string_agg(version_num, ',') FROM alembic_version")" = "$head" ] ||
        die "$c $w: alembic_version is not $head after upgrade head"
    settle "$db"
    timed noop "$w" "$n" "$c" alembic_run "$d" "$db" upgrade head
    check_objects "$db" "$n" "$w" "$c no-op $w"
    settle "$db"
    timed downgrade "$w" "$n" "$c" alembic_run "$d" "$db" downgrade base
    check_objects "$db" 0 "$w" "$c downgrade $w"
    [ "$(psql_val "$db" "SELECT count(*) FROM alembic_version")" = 0 ] || die "$c $w: alembic_version not empty after downgrade base"
    drop_db "$db"
}

run_sqitch() {
    local w=$1 n=$2 d="$WORK/$1-$2/sqitch" db=bench_sqitch c=sqitch
    if [ "$n" -gt "$SQITCH_MAX_N" ]; then note "sqitch: capped at N <= $SQITCH_MAX_N (SQITCH_MAX_N; about 100x slower than the others)"; return 0; fi
    fresh_db "$db"
    settle "$db"
    timed upgrade "$w" "$n" "$c" sqitch_run "$d" "$db" deploy
    check_objects "$db" "$n" "$w" "$c deploy $w"
    [ "$(psql_val "$db" "SELECT count(*) FROM sqitch.changes")" = "$n" ] || die "$c $w: sqitch.changes does not hold $n rows after deploy"
    settle "$db"
    timed noop "$w" "$n" "$c" sqitch_run "$d" "$db" deploy
    grep -q 'Nothing to deploy' "$WORK/last.out" || die "$c $w: no-op deploy did not say 'Nothing to deploy'"
    check_objects "$db" "$n" "$w" "$c no-op $w"
    settle "$db"
    timed downgrade "$w" "$n" "$c" sqitch_run "$d" "$db" revert -y
    check_objects "$db" 0 "$w" "$c revert $w"
    [ "$(psql_val "$db" "SELECT count(*) FROM sqitch.changes")" = 0 ] || die "$c $w: sqitch.changes not empty after revert"
    drop_db "$db"
}

# ---------------------------------------------------------------------------
# Graph functions alone on a registered DAG (trivial SQL, never run): half of
# it stamped as applied (rev_stamp, no SQL runs), so that rev_current and
# rev_pending have something to find.

run_graph() {
    local n=$1 d="$WORK/graph-$1" db=bench_graph mid mid_n f
    mid=$(sed -n 's/^mid=//p' "$d/meta")
    mid_n=$(sed -n 's/^mid_n=//p' "$d/meta")
    fresh_db "$db"
    plain_register graph "$n" "$db"
    drop_db "$db"
    fresh_db "$db"
    psql_val "$db" "CREATE EXTENSION pg_revisions" >/dev/null
    settle "$db"
    timed register graph "$n" "pg_revisions (rev_add x N, -1 -f)" "${PSQL[@]}" -d "$db" -1 -f "$d/register.sql"
    [ "$(psql_val "$db" "SELECT count(*) FROM rev_stamp('$mid')")" = 1 ] || die "graph $n: rev_stamp('$mid') did not give one head"
    psql_val "$db" "VACUUM ANALYZE" >/dev/null
    inserver graph "rev_heads()" "$n" pg_revisions "$db" "SELECT count(*) FROM rev_heads()" "$GRAPH_CALLS" 1
    inserver graph "rev_current()" "$n" pg_revisions "$db" "SELECT count(*) FROM rev_current()" "$GRAPH_CALLS" 1
    inserver graph "rev_pending('heads')" "$n" pg_revisions "$db" "SELECT count(*) FROM rev_pending('heads')" "$GRAPH_CALLS" "$((n - mid_n))"
    inserver graph "rev_history()" "$n" pg_revisions "$db" "SELECT count(*) FROM rev_history()" "$GRAPH_CALLS" "$n"
    inserver graph "rev_upgrade(mid), no-op" "$n" pg_revisions "$db" "SELECT count(*) FROM rev_upgrade('$mid')" "$GRAPH_CALLS" 0
    drop_db "$db"
}

# ---------------------------------------------------------------------------
# Memory of the server backend during the upgrade.  One psql session: it
# writes its backend's pid to a file, the sampler reads /proc/<pid>/status
# every 10 ms (peak RssAnon: the backend's private memory, palloc'd), and
# psql itself copies VmHWM (peak resident set, which also counts the shared
# buffers the backend touched) before and after the timed statement.

mem_sampler() {
    local pidfile=$1 stop=$2 out=$3 pid max=0 v
    while [ ! -s "$pidfile" ]; do [ -e "$stop" ] && return 0; sleep 0.01; done
    pid=$(cat "$pidfile")
    while [ ! -e "$stop" ]; do
        v=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
        sleep 0.01
    done
    echo "$max" >"$out"
}

# mem_run CONTENDER DB SQL-LINES...
mem_run() {
    local c=$1 db=$2 script="$WORK/mem.sql" before after peak
    shift 2
    rm -f "$WORK/mem.pid" "$WORK/mem.stop" "$WORK/mem.peak" "$WORK/mem.before" "$WORK/mem.after"
    {
        echo "SELECT pg_backend_pid() AS pid \\gset"
        echo "\\setenv BENCH_PID :pid"
        echo "\\! echo \$BENCH_PID > $WORK/mem.pid"
        echo "SELECT pg_sleep(0.2);"
        echo "\\! awk '/^VmHWM:/ { print \$2 }' /proc/\$BENCH_PID/status > $WORK/mem.before"
        printf '%s\n' "$@"
        echo "\\! awk '/^VmHWM:/ { print \$2 }' /proc/\$BENCH_PID/status > $WORK/mem.after"
    } >"$script"
    mem_sampler "$WORK/mem.pid" "$WORK/mem.stop" "$WORK/mem.peak" &
    local sampler=$!
    if ! "${PSQL[@]}" -At -d "$db" -f "$script" >"$WORK/mem.out" 2>>"$ERRLOG"; then
        touch "$WORK/mem.stop"; wait "$sampler" || true
        die "memory: $c failed"
    fi
    touch "$WORK/mem.stop"
    wait "$sampler" || true
    before=$(cat "$WORK/mem.before"); after=$(cat "$WORK/mem.after"); peak=$(cat "$WORK/mem.peak" 2>/dev/null || echo '?')
    printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$MEM_N" "$before" "$after" "$peak" >>"$MEM"
}

run_memory() {
    local n=$MEM_N d="$WORK/chain-$MEM_N" db=bench_mem
    fresh_db "$db"
    settle "$db"
    mem_run "plain (psql -1 -f up.sql)" "$db" "BEGIN;" "\\i $d/up.sql" "COMMIT;"
    check_objects "$db" "$n" chain "memory: plain"
    drop_db "$db"

    fresh_db "$db"
    psql_val "$db" "CREATE EXTENSION pg_revisions" >/dev/null
    "${PSQL[@]}" -d "$db" -1 -f "$d/register.sql" >/dev/null
    settle "$db"
    mem_run "pg_revisions (rev_upgrade('head'))" "$db" "SELECT count(*) FROM rev_upgrade('head');"
    grep -qx "$n" "$WORK/mem.out" || die "memory: rev_upgrade('head') did not return $n"
    check_objects "$db" "$n" chain "memory: pg_revisions"
    drop_db "$db"
}

# ---------------------------------------------------------------------------
# Report: per (op, workload, N, contender) samples, median and min; ratio =
# median / median of the plain contender of the same op, workload and N.

report() {
    awk -F '\t' -f "$HERE/report.awk" "$SAMPLES"
}

plot() {
    mkdir -p "$PLOT_DIR"
    awk -F '\t' -f "$HERE/report.awk" -v mode=plotdata -v op=upgrade -v wl=chain "$SAMPLES" >"$PLOT_DIR/upgrade.dat"
    PLOT_CMD="gnuplot -e \"dat='$PLOT_DIR/upgrade.dat'; out='$PLOT_DIR/upgrade'\" $HERE/plot.gp"
    gnuplot -e "dat='$PLOT_DIR/upgrade.dat'; out='$PLOT_DIR/upgrade'" "$HERE/plot.gp" ||
        die "gnuplot failed"
    [ -s "$PLOT_DIR/upgrade.png" ] && [ -s "$PLOT_DIR/upgrade.svg" ] || die "gnuplot wrote no upgrade.png/svg"
}

# ---------------------------------------------------------------------------

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
peers_install
export SQITCH_PSQL
pgrev__find_pg_config || die "no pg_config for PostgreSQL $PG_MAJOR"
SQITCH_PSQL="$PG_BIN/psql"

log "== generating workloads: ${WORKLOADS} at N in ${N_LIST}; graph at ${GRAPH_N}; memory at ${MEM_N}"
for w in $WORKLOADS; do
    for n in $N_LIST; do "$PY" "$HERE/gen.py" "$w" "$n" "$WORK/$w-$n"; done
done
for n in $GRAPH_N; do "$PY" "$HERE/gen.py" graph "$n" "$WORK/graph-$n"; done
[ -d "$WORK/chain-$MEM_N" ] || "$PY" "$HERE/gen.py" chain "$MEM_N" "$WORK/chain-$MEM_N"

case " $N_LIST " in *" 10000 "*) ;; *) [ "$QUICK" = 1 ] ||
    note "N=10000 is not in the default N_LIST: 3 runs would add ~20 min (one run: 8 min); run it with N_LIST=10000 RUNS=1" ;; esac
log "== starting the benchmark cluster ($PGREV_SERVER_OPTS)"
pgrev_cluster_start >&2
trap cleanup EXIT    # pgrev_cluster_start set its own; ours stops the cluster too
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(psql_val postgres "SELECT current_setting('fsync') || ' ' || current_setting('max_locks_per_transaction')")" = "on 1024" ] ||
    die "the cluster does not run with $PGREV_SERVER_OPTS"
psql_val postgres "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_revisions'" | grep -q 1 ||
    die "pg_revisions is not installed in this server (run make install)"
NET_DELAY_MS=${NET_DELAY_MS:-0}
PROXY_PID=""
if [ "$NET_DELAY_MS" != 0 ]; then
    # Everything from here on, the contenders included, goes through the proxy.
    for attempt in 1 2 3 4 5; do    # a port found free can be taken meanwhile
        proxy_port=$(pgrev__free_port) || die "no free port for the delay proxy"
        [ "$proxy_port" != "$PGPORT" ] || continue
        "$PY" "$HERE/delay_proxy.py" "$proxy_port" "$PGPORT" "$NET_DELAY_MS" >"$WORK/proxy.out" 2>&1 &
        PROXY_PID=$!
        for _ in $(seq 1 50); do
            grep -q listening "$WORK/proxy.out" 2>/dev/null && break
            kill -0 "$PROXY_PID" 2>/dev/null || break
            sleep 0.1
        done
        grep -q listening "$WORK/proxy.out" && break
        kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=""
    done
    [ -n "$PROXY_PID" ] || die "the delay proxy did not start: $(cat "$WORK/proxy.out")"
    export PGPORT=$proxy_port
    note "network emulated: every chunk delayed by $NET_DELAY_MS ms each way (test/bench/delay_proxy.py on port $proxy_port)"
fi
SETTINGS=$(psql_val postgres "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('max_locks_per_transaction', 'fsync', 'synchronous_commit',
        'full_page_writes', 'shared_buffers', 'work_mem', 'wal_level', 'max_wal_size', 'max_connections')")
SERVER=$(psql_val postgres "SELECT version()")
EXTVER=$(psql_val postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_revisions'")
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

for n in $N_LIST; do
    for ((r = 1; r <= RUNS; r++)); do
        for w in $WORKLOADS; do
            log "== N=$n run $r/$RUNS workload $w ($((SECONDS - T_START)) s so far)"
            # Interleaved, so that drift over time hits every contender alike.
            for c in $CONTENDERS; do
                case "$c" in
                    plain|pg_revisions|alembic|sqitch) "run_$c" "$w" "$n" ;;
                    *) die "unknown contender: $c" ;;
                esac
            done
        done
    done
done
for n in $GRAPH_N; do
    log "== graph functions on $n revisions ($((SECONDS - T_START)) s so far)"
    run_graph "$n"
done
log "== memory at N=$MEM_N ($((SECONDS - T_START)) s so far)"
run_memory
PLOT_CMD=""
plot

{
    echo "pg_revisions benchmark against the plain script, Alembic and Sqitch — $(date '+%Y-%m-%d %H:%M:%S %Z')"
    echo "host: $(uname -sr), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
    echo "server: $SERVER"
    echo "pg_revisions: $EXTVER ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'no commit')$(git -C "$ROOT" diff --quiet HEAD -- src sql 2>/dev/null || echo ', src/sql modified'))"
    echo "peers: $(peers_versions)"
    echo "cluster: throwaway (scripts/lib.sh), $PGREV_SERVER_OPTS; one cluster and the same settings for every contender"
    echo "settings: $SETTINGS"
    echo "N: $N_LIST; runs: $RUNS; workloads: $WORKLOADS; graph N: $GRAPH_N ($GRAPH_CALLS calls each); memory N: $MEM_N; no-op in-server calls: $NOOP_CALLS"
    [ "$QUICK" = 1 ] && echo "QUICK MODE: smoke test, figures are not meaningful"
    [ -s "$NOTES" ] && sed 's/^/cap: /' "$NOTES"
    echo "load average: $LOAD_BEFORE at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end; $((SECONDS - T_START)) s in all"
    echo
    echo "Workloads (the same DDL for every tool): chain = N x CREATE TABLE t_i (id int primary key, v text);"
    echo "  multi = CREATE TABLE + INSERT 10 rows + CREATE INDEX + COMMENT per revision; dag = chain DDL, two branches"
    echo "  every 50 revisions joined by a merge revision (Alembic: tuple down_revision; Sqitch: requires [a b])."
    echo "Contenders: plain = psql -1 -f up.sql / down.sql; pg_revisions = psql -c \"SELECT count(*) FROM rev_upgrade('head')\""
    echo "  / rev_downgrade('base'); alembic = /usr/bin/python3 -m alembic upgrade head / downgrade base (one transaction);"
    echo "  sqitch = sqitch deploy / revert -y (one transaction per change, one psql per script)."
    echo "noop = the same upgrade command again with nothing to do; its plain limit is psql -c 'SELECT 1';"
    echo "  '(in-server)' = clock_timestamp() around the call inside the server (no connection), no ratio."
    echo "register = the N rev_add calls in one transaction; its plain limit is N INSERTs of the same texts into a table."
    echo "graph = the function alone on a registered DAG (half stamped as applied), in-server, count(*) checked;"
    echo "  its ratio column is the growth against the smallest graph N (linear growth: the ratio of the Ns)."
    echo "Times: wall clock around the whole command (incl. process start-up and connection), fresh database per"
    echo "  contender and run, CHECKPOINT before each timed step; ratio = median / median of plain, same op, workload, N."
    echo
    report
    echo
    echo "memory: server backend during the upgrade of the $MEM_N-revision chain (kB; /proc/<backend pid>/status;"
    echo "  VmHWM = peak resident set incl. the shared buffers it touched, read by the session itself before and after;"
    echo "  peak RssAnon = the backend's private memory, sampled every 10 ms from outside)"
    awk -F '\t' 'BEGIN { printf "  %-40s %8s %14s %14s %16s\n", "contender", "N", "VmHWM before", "VmHWM after", "peak RssAnon" }
                 { printf "  %-40s %8s %14s %14s %16s\n", $1, $2, $3, $4, $5 }' "$MEM"
    echo
    echo "plot: $PLOT_DIR/upgrade.png and .svg (data upgrade.dat), made with:"
    echo "  $PLOT_CMD"
    echo
    echo "samples (ms, in run order):"
    awk -F '\t' '{ key = sprintf("  %-9s %-26s %6s  %-36s", $1, $2, $3, $4)
                   if (!(key in v)) order[++n] = key
                   v[key] = v[key] " " $5 }
                 END { for (i = 1; i <= n; i++) print order[i] v[order[i]] }' "$SAMPLES"
} | tee "$OUT"
log "== written to ${OUT#"$ROOT"/} ($((SECONDS - T_START)) s)"
