#!/usr/bin/env bash
# test/bench/verify.sh — rev_verify_schema on a long history.
#
# Registers N revisions (200 tables by default, each created, given a column
# with a default, an index, a self-referencing foreign key and a comment:
# five revisions per table), applies them, then times RUNS calls of
# rev_verify_schema('head') (the whole history replayed in a scratch schema
# and diffed against public: no rows expected) in one session, the first one
# on cold caches; prints each and the median.  See test/bench/README.md.
#
#   test/bench/verify.sh                  N=1000, 5 calls
#   test/bench/verify.sh --quick          N=50, 1 call (smoke test)
#
# Needs the extension installed (make install); starts and stops a throwaway
# cluster through scripts/lib.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

for arg in "$@"; do
    case "$arg" in
        --quick) N=${N:-50}; RUNS=${RUNS:-1} ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "verify.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done
N=${N:-1000}
RUNS=${RUNS:-5}
case "$N" in ''|*[!0-9]*|0) echo "verify.sh: N must be a positive integer" >&2; exit 2 ;; esac
case "$RUNS" in ''|*[!0-9]*|0) echo "verify.sh: RUNS must be a positive integer" >&2; exit 2 ;; esac

PGREV_SERVER_OPTS="-c fsync=on -c max_locks_per_transaction=1024"
export PGREV_SERVER_OPTS
# shellcheck source=../../scripts/lib.sh
. "$ROOT/scripts/lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-verify.XXXXXX")
chmod 755 "$WORK"
cleanup() {
    local rc=$?
    set +e
    pgrev_cluster_stop
    rm -rf "$WORK"
    exit "$rc"
}
pgrev_cluster_start >/dev/null
# pgrev_cluster_start sets its own EXIT trap; ours stops the cluster too.
trap cleanup EXIT

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE bench_verify"
{
    echo "CREATE EXTENSION pg_revisions;"
    echo "BEGIN;"
    for i in $(seq 1 "$N"); do
        t=$(( (i - 1) / 5 + 1 ))
        case $(( (i - 1) % 5 )) in
            0) up="CREATE TABLE t_$t (id bigint PRIMARY KEY, name text NOT NULL)"; down="DROP TABLE t_$t" ;;
            1) up="ALTER TABLE t_$t ADD COLUMN created timestamptz DEFAULT now()"; down="ALTER TABLE t_$t DROP COLUMN created" ;;
            2) up="CREATE INDEX t_${t}_name ON t_$t (name)"; down="DROP INDEX t_${t}_name" ;;
            3) up="ALTER TABLE t_$t ADD COLUMN parent bigint REFERENCES t_$t (id)"; down="ALTER TABLE t_$t DROP COLUMN parent" ;;
            4) up="COMMENT ON TABLE t_$t IS 'table $t'"; down="COMMENT ON TABLE t_$t IS NULL" ;;
        esac
        printf "SELECT rev_add('r%05d', \$u\$%s\$u\$, \$d\$%s\$d\$);\n" "$i" "$up" "$down"
    done
    echo "COMMIT;"
    echo "SET client_min_messages = warning;"
    echo "SELECT count(*) FROM rev_upgrade('head');"
} >"$WORK/history.sql"
"${PSQL[@]}" -d bench_verify -f "$WORK/history.sql" >/dev/null

{
    for r in $(seq 1 "$RUNS"); do
        echo "SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset"
        echo "SELECT count(*) AS rows FROM rev_verify_schema('head') \\gset"
        echo "SELECT round((extract(epoch FROM clock_timestamp()) - :t0) * 1000, 1) AS ms, :rows AS rows;"
    done
} >"$WORK/calls.sql"
"${PSQL[@]}" -At -F ' ' -d bench_verify -f "$WORK/calls.sql" >"$WORK/times"
if awk '$2 != 0 { bad = 1 } END { exit !bad }' "$WORK/times"; then
    echo "verify.sh: FAIL: rev_verify_schema('head') returned rows on the schema the history built" >&2
    exit 1
fi
median=$(cut -d' ' -f1 "$WORK/times" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "rev_verify_schema('head') on a $N-revision history ($((N / 5)) tables), $RUNS calls in one session, fsync=on"
echo "  ms: $(cut -d' ' -f1 "$WORK/times" | tr '\n' ' ')(first on cold caches)  median $median ms"
