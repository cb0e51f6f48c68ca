#!/usr/bin/env bash
# test/bench/revtest.sh — how long does rev_test take over a long history?
#
# Registers a chain of N revisions (default 500), each creating a table with
# a primary key, a NOT NULL column, a column with a default and an index
# (downgrade: DROP TABLE), then times, in one session, RUNS times each
# (default 3), median:
#
#   rev_test     SELECT count(*) FROM rev_test()   (apply, revert, apply again
#                each revision, all rolled back: nothing is applied)
#   rev_upgrade  BEGIN; SELECT count(*) FROM rev_upgrade(); ROLLBACK
#                (the same revisions applied once, for scale)
#
# Checks that rev_test returns 2 N rows, all passed, and left nothing.
#
#   test/bench/revtest.sh            N=500, RUNS=3
#   N=100 RUNS=1 test/bench/revtest.sh
#
# Needs the extension installed (make install); starts and stops a throwaway
# cluster through scripts/lib.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/lib.sh
. "$HERE/../../scripts/lib.sh"
N=${N:-500}
RUNS=${RUNS:-3}

pgrev_cluster_start >/dev/null
psql_c() { psql -X -q -v ON_ERROR_STOP=1 -A -t -d postgres "$@"; }
psql_c -c "CREATE EXTENSION pg_revisions" >/dev/null
psql_c -c "SET client_min_messages = warning" -c "SELECT count(rev_add('b' || i,
    format('CREATE TABLE t_%s (id int PRIMARY KEY, a text NOT NULL, b int DEFAULT 0); CREATE INDEX t_%s_b ON t_%s (b)', i, i, i),
    format('DROP TABLE t_%s', i))) FROM generate_series(1, $N) i" >/dev/null

# ms SQL: one statement's duration in the server, in milliseconds.
ms() {
    psql_c -c "SET client_min_messages = warning" -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n bigint; BEGIN
        $1;
        RAISE WARNING 'ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000);
    END \$\$" 2>&1 | sed -n 's/.*ms=\([0-9]*\).*/\1/p'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

tests=$(for _ in $(seq 1 "$RUNS"); do ms "SELECT count(*) INTO n FROM rev_test()"; done | median)
# rev_upgrade inside the DO block is rolled back by the exception, after the timing is raised.
upgrades=$(for _ in $(seq 1 "$RUNS"); do
    psql_c -c "SET client_min_messages = warning" -c "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); n bigint; BEGIN
        SELECT count(*) INTO n FROM rev_upgrade();
        RAISE EXCEPTION 'ms=%', round(extract(epoch FROM clock_timestamp() - t0) * 1000);
    END \$\$" 2>&1 || true; done | sed -n 's/.*ms=\([0-9]*\).*/\1/p' | median)

rows=$(psql_c -c "SET client_min_messages = warning" -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE passed) FROM rev_test()")
[ "$rows" = "$((2 * N)) $((2 * N))" ] || pgrev_die "rev_test: expected $((2 * N)) passed rows, got [$rows]"
[ "$(psql_c -c "SELECT count(*) FROM pg_class WHERE relname LIKE 't\_%'")" = 0 ] || pgrev_die "tables left behind"
[ "$(psql_c -c "SELECT count(*) FROM rev_current()")" = 0 ] || pgrev_die "revisions left applied"

echo "N=$N revisions, median of $RUNS, load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo "  rev_test     ${tests} ms"
echo "  rev_upgrade  ${upgrades} ms   (rev_test / rev_upgrade = $(awk -v a="$tests" -v b="$upgrades" 'BEGIN { printf "%.1f", a / b }'))"
