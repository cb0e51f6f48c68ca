#!/usr/bin/env bash
# test/bench/client_vs_alembic.sh — the pg_revisions command-line client
# against Alembic on the same workload (not run by the test suite):
#
#   N revision files (default 1,000), each CREATE TABLE t_i (id int primary
#   key, v text), chained.  pg_revisions: migrations/rNNNNNN.sql files;
#   Alembic (Debian python3-alembic + python3-psycopg2): versions/rNNNNNN.py
#   with op.execute of the same DDL (written by test/bench/gen.py chain).
#
# For each of RUNS runs (default 3), each contender gets a fresh database of
# one throwaway cluster (fsync=on, as test/bench/run.sh) and is timed as a
# whole command: `pg_revisions upgrade head` (registering the N files with
# rev_add and applying them, one transaction) and `alembic upgrade head` (one
# transaction, Alembic's default); then the no-op `upgrade head` again, with
# everything applied.  Prints the median and min in ms and the ratio
# (pg_revisions / Alembic) of the medians, and checks that both created N
# tables and ended at the head.
#
#   make && make install      (the extension and the client, into PG_CONFIG's server)
#   test/bench/client_vs_alembic.sh
#   N=200 RUNS=1 test/bench/client_vs_alembic.sh
#
# The table also goes to test/bench/out/client_vs_alembic-<date>.txt.
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

N=${N:-1000}
RUNS=${RUNS:-3}
export PGREV_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=1024"
outdir="${BENCH_OUTDIR:-$PGREV_ROOT/test/bench/out}"
WORK=$(mktemp -d)

log() { printf '%s\n' "$*" >&2; }
die() { pgrev_err "$*"; exit 1; }
now_ns() { date +%s%N; }

pgrev__find_pg_config || die "no pg_config; set PG_CONFIG"
cli="$PG_BIN/pg_revisions"
[ -x "$cli" ] || die "the client is not installed: $cli (make install)"
for p in python3-alembic python3-psycopg2; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        pgrev_apt_install python3-alembic python3-psycopg2 || die "could not install Alembic"
        break
    fi
done

log "== generating $N revisions in $WORK"
/usr/bin/python3 "$PGREV_ROOT/test/bench/gen.py" chain "$N" "$WORK/gen" >/dev/null
mkdir "$WORK/migrations"
/usr/bin/python3 - "$N" "$WORK/migrations" <<'EOF'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
for i in range(1, n + 1):
    with open("%s/r%06d_t_%d.sql" % (out, i, i), "w") as f:
        f.write("-- revision: r%06d\n-- down_revision:%s\n-- message: revision %d\n\n"
                "-- migrate:upgrade\nCREATE TABLE t_%d (id int primary key, v text);\n\n"
                "-- migrate:downgrade\nDROP TABLE t_%d;\n"
                % (i, (" r%06d" % (i - 1)) if i > 1 else "", i, i, i))
EOF
head_rev=$(printf 'r%06d' "$N")

pgrev_cluster_start >&2
cleanup() {
    local rc=$?
    pgrev_cluster_stop
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

# time_ms CMD...: run it, print its wall time in ms; its output goes to $WORK/last.log.
time_ms() {
    local t0 t1
    t0=$(now_ns)
    "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log" >&2; die "failed: $*"; }
    t1=$(now_ns)
    echo $(((t1 - t0) / 1000000))
}
client_up() { "$cli" -d "dbname=$1" -m "$WORK/migrations" upgrade head; }
alembic_up() {
    (cd "$WORK/gen/alembic" && /usr/bin/python3 -m alembic -c alembic.ini \
        -x "url=postgresql+psycopg2://$PGUSER@$PGHOST:$PGPORT/$1" upgrade head)
}
check_db() {
    local db=$1 what=$2 tables
    tables=$(pgrev_psql -A -t -d "$db" -c "SELECT count(*) FROM pg_class WHERE relname ~ '^t_[0-9]+\$' AND relkind = 'r'")
    [ "$tables" = "$N" ] || die "$what: $tables tables in $db, expected $N"
}

declare -A samples
for run in $(seq 1 "$RUNS"); do
    for who in client alembic; do
        db="bench_${who}_$run"
        pgrev_psql -d postgres -c "CREATE DATABASE $db"
        if [ "$who" = client ]; then
            pgrev_psql -d "$db" -c "CREATE EXTENSION pg_revisions"
            up=$(time_ms client_up "$db")
            check_db "$db" client
            [ "$(pgrev_psql -A -t -d "$db" -c "SELECT string_agg(c, ',') FROM rev_current() c")" = "$head_rev" ] ||
                die "client: not at $head_rev"
            noop=$(time_ms client_up "$db")
        else
            up=$(time_ms alembic_up "$db")
            check_db "$db" alembic
            [ "$(pgrev_psql -A -t -d "$db" -c "SELECT version_num FROM alembic_version")" = "$head_rev" ] ||
                die "alembic: not at $head_rev"
            noop=$(time_ms alembic_up "$db")
        fi
        samples[$who.up]+="$up "
        samples[$who.noop]+="$noop "
        log "run $run $who: upgrade head ${up} ms, no-op upgrade head ${noop} ms"
        pgrev_psql -d postgres -c "DROP DATABASE $db"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minimum() { tr ' ' '\n' | grep -v '^$' | sort -n | head -n 1; }

mkdir -p "$outdir"
report="$outdir/client_vs_alembic-$(date -u +%Y%m%d-%H%M%S).txt"
{
    echo "pg_revisions client vs Alembic: chain of $N CREATE TABLE revisions, median of $RUNS runs, fresh database each"
    echo "server: $("$PG_BIN/postgres" --version), $PGREV_SERVER_OPTS; commit $(git -C "$PGREV_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "alembic $(/usr/bin/python3 -c 'import alembic; print(alembic.__version__)'), $(/usr/bin/python3 --version); $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-26s %14s %14s %8s\n' "what" "pg_revisions" "alembic" "ratio"
    for what in up noop; do
        c=$(echo "${samples[client.$what]}" | median)
        a=$(echo "${samples[alembic.$what]}" | median)
        label=$([ "$what" = up ] && echo "upgrade head (N=$N)" || echo "no-op upgrade head")
        printf '%-26s %11s ms %11s ms %8s\n' "$label" "$c" "$a" "$(awk -v c="$c" -v a="$a" 'BEGIN { printf "%.2f", c / a }')"
        printf '%-26s %14s %14s\n' "  min" "$(echo "${samples[client.$what]}" | minimum) ms" \
            "$(echo "${samples[alembic.$what]}" | minimum) ms"
    done
    echo "samples (ms): client up [${samples[client.up]% }] noop [${samples[client.noop]% }]; alembic up [${samples[alembic.up]% }] noop [${samples[alembic.noop]% }]"
} | tee "$report"
