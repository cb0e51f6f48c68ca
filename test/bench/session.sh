#!/usr/bin/env bash
# test/bench/session.sh — the per-call costs users feel, before/after a change.
#
# For each installation given (PG_CONFIGS, e.g. one with the old library and
# one with the new), starts a throwaway cluster, sets up the same databases,
# then measures, RUNS times, alternating between the installations so that
# drift hits all alike (medians at the end):
#
#   first     no-op rev_upgrade('head') as the first pg_revisions call of a
#             new session, 5,000 revisions applied (in-server, clock_timestamp)
#   warm      the same call again in that session
#   wall      psql -c "SELECT count(*) FROM rev_upgrade('head')" minus
#             psql -c 'SELECT 1' (whole commands: connection, start-up)
#   graph     rev_heads(), rev_current(), rev_pending('heads'), rev_history()
#             and a no-op rev_upgrade(mid) on N_GRAPH revisions (half applied):
#             first call of a session, then warm (median of GRAPH_CALLS calls)
#   cheap     rev_upgrade('head') over N_CHEAP one-INSERT revisions against
#             psql -1 -f of the same INSERTs (the cheap-SQL ratio)
#
#   PG_CONFIGS="/a/pg_config /b/pg_config" RUNS=7 test/bench/session.sh
#   test/bench/session.sh --quick         N_GRAPH=2000, RUNS=1 (smoke test)
#
# Needs the extension installed in each installation (make install); runs
# as root (the clusters belong to the postgres OS user) or as that user.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ "${1:-}" = "--quick" ]; then
    N_GRAPH=${N_GRAPH:-2000}; N_SMALL=${N_SMALL:-500}; N_CHEAP=${N_CHEAP:-500}; RUNS=${RUNS:-1}
fi
PG_CONFIGS=${PG_CONFIGS:-$(command -v "${PG_CONFIG:-pg_config}")}
N_SMALL=${N_SMALL:-5000}
N_GRAPH=${N_GRAPH:-100000}
N_CHEAP=${N_CHEAP:-5000}
RUNS=${RUNS:-7}
GRAPH_CALLS=${GRAPH_CALLS:-7}
OS_USER=${PGREV_OS_USER:-postgres}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-session.XXXXXX")
chmod 755 "$WORK"
if [ "$(id -u)" -eq 0 ]; then chown "$OS_USER:" "$WORK"; fi
SAMPLES="$WORK/samples.tsv"     # side \t metric \t ms
: >"$SAMPLES"
sides=()

as_pg() { if [ "$(id -u)" -eq 0 ]; then su "$OS_USER" -s /bin/bash -c "$(printf '%q ' "$@")"; else "$@"; fi; }

cleanup() {
    local i
    for i in "${!sides[@]}"; do
        as_pg "${sides[$i]}/pg_ctl" -D "$WORK/c$i" -m immediate -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000 )); }    # microseconds, despite the name
q() { local i=$1; shift; "${sides[$i]}/psql" -X -q -At -h 127.0.0.1 -p "${ports[$i]}" -U postgres -v ON_ERROR_STOP=1 "$@"; }
sample() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$SAMPLES"; }

# In-server timing: the call's own time, no round trip.
BENCH_FN="CREATE FUNCTION public.bench_ms(sql text) RETURNS float8 LANGUAGE plpgsql AS \$f\$
DECLARE t0 timestamptz; c bigint;
BEGIN t0 := clock_timestamp(); EXECUTE sql INTO c;
RETURN extract(epoch FROM clock_timestamp() - t0) * 1000; END \$f\$;"

ports=()
i=0
for cfg in $PG_CONFIGS; do
    bin=$("$cfg" --bindir)
    sides[$i]=$bin
    mkdir -p "$WORK/c$i"; chown "$OS_USER:" "$WORK/c$i" 2>/dev/null || true
    as_pg "$bin/initdb" -D "$WORK/c$i" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >/dev/null
    port=$(( 20000 + RANDOM % 20000 ))
    ports[$i]=$port
    as_pg "$bin/pg_ctl" -D "$WORK/c$i" -w -l "$WORK/c$i.log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k /tmp -c fsync=on -c max_locks_per_transaction=1024" start >/dev/null
    echo "side $i: $cfg (port $port)"
    q $i -d postgres -c "CREATE DATABASE small" -c "CREATE DATABASE graph" -c "CREATE DATABASE cheap" -c "CREATE DATABASE plain"
    for db in small graph cheap plain; do q $i -d $db -c "CREATE EXTENSION pg_revisions" -c "$BENCH_FN"; done
    chain="SELECT count(rev_add(format('r%s', lpad(g::text, 6, '0')), 'SELECT 1', 'SELECT 1',
                CASE WHEN g = 1 THEN ARRAY[]::text[] ELSE ARRAY[format('r%s', lpad((g - 1)::text, 6, '0'))] END))
           FROM generate_series(1, @N@) g"
    q $i -d small -c "${chain//@N@/$N_SMALL}" -c "SELECT count(*) FROM rev_stamp('head')" >/dev/null
    q $i -d graph -c "${chain//@N@/$N_GRAPH}" \
        -c "SELECT count(*) FROM rev_stamp('r$(printf %06d $((N_GRAPH / 2)))')" >/dev/null
    q $i -d cheap -c "CREATE TABLE t (v int)" \
        -c "SELECT count(rev_add(format('r%s', lpad(g::text, 6, '0')), format('INSERT INTO t VALUES (%s)', g),
                'DELETE FROM t', CASE WHEN g = 1 THEN ARRAY[]::text[] ELSE ARRAY[format('r%s', lpad((g - 1)::text, 6, '0'))] END))
            FROM generate_series(1, $N_CHEAP) g" >/dev/null
    q $i -d plain -c "CREATE TABLE t (v int)"
    i=$((i + 1))
done
for g in $(seq 1 "$N_CHEAP"); do echo "INSERT INTO t VALUES ($g);"; done >"$WORK/up.sql"
chmod 644 "$WORK/up.sql"

mid="r$(printf %06d $((N_GRAPH / 2)))"
graph_fns=("rev_heads()" "rev_current()" "rev_pending('heads')" "rev_history()" "rev_upgrade('$mid')")
graph_names=(heads current pending history upgrade_mid)

for run in $(seq 1 "$RUNS"); do
    for i in "${!sides[@]}"; do
        # First call of a session, then warm, in-server.
        out=$(q $i -d small -c "SELECT bench_ms('SELECT 1')" \
                -c "SELECT bench_ms(\$\$SELECT count(*) FROM rev_upgrade('head')\$\$)" \
                -c "SELECT bench_ms(\$\$SELECT count(*) FROM rev_upgrade('head')\$\$)" \
                -c "SELECT bench_ms(\$\$SELECT count(*) FROM rev_upgrade('head')\$\$)")
        sample $i first "$(sed -n 2p <<<"$out")"
        sample $i warm "$(sed -n 4p <<<"$out")"
        # Whole commands.
        t0=$(now_ms); q $i -d small -c "SELECT 1" >/dev/null; t1=$(now_ms)
        q $i -d small -c "SELECT count(*) FROM rev_upgrade('head')" >/dev/null; t2=$(now_ms)
        sample $i wall_select1 "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1000 }')"
        sample $i wall_noop "$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", (b - a) / 1000 }')"
        # Graph functions: first call of a session, then warm.
        for k in "${!graph_fns[@]}"; do
            args=(-c "SELECT bench_ms('SELECT 1')")
            for _ in $(seq 0 "$GRAPH_CALLS"); do
                args+=(-c "SELECT bench_ms(\$\$SELECT count(*) FROM ${graph_fns[$k]}\$\$)")
            done
            out=$(q $i -d graph "${args[@]}")
            sample $i "graph_first_${graph_names[$k]}" "$(sed -n 2p <<<"$out")"
            sed -n "4,\$p" <<<"$out" | while read -r ms; do sample $i "graph_warm_${graph_names[$k]}" "$ms"; done
        done
        # The cheap-SQL ratio: both start from an empty t, after a checkpoint.
        q $i -d cheap -c "SELECT count(*) FROM rev_downgrade('base')" -c "CHECKPOINT" >/dev/null
        t0=$(now_ms); q $i -d cheap -c "SELECT count(*) FROM rev_upgrade('head')" >/dev/null; t1=$(now_ms)
        q $i -d plain -c "TRUNCATE t" -c "CHECKPOINT" >/dev/null
        t2=$(now_ms); q $i -d plain -1 -f "$WORK/up.sql" >/dev/null; t3=$(now_ms)
        sample $i cheap_pg_revisions "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1000 }')"
        sample $i cheap_plain "$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.3f", (b - a) / 1000 }')"
    done
done

echo
echo "N_SMALL=$N_SMALL N_GRAPH=$N_GRAPH N_CHEAP=$N_CHEAP RUNS=$RUNS GRAPH_CALLS=$GRAPH_CALLS $(uptime | sed 's/.*load/load/')"
median() {   # median of the samples of side $1, metric $2
    awk -F'\t' -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3 }' "$SAMPLES" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
printf '%-28s' metric
for i in "${!sides[@]}"; do printf '%14s' "side $i (ms)"; done
echo
for m in first warm wall_select1 wall_noop $(for n in "${graph_names[@]}"; do echo graph_first_$n graph_warm_$n; done) cheap_plain cheap_pg_revisions; do
    printf '%-28s' "$m"
    for i in "${!sides[@]}"; do printf '%14s' "$(median "$i" "$m")"; done
    echo
done
for i in "${!sides[@]}"; do
    awk -v s="$i" -v a="$(median "$i" cheap_pg_revisions)" -v b="$(median "$i" cheap_plain)" \
        'BEGIN { printf "side %s: cheap-SQL ratio (median over median) %.2f\n", s, a / b }'
done
