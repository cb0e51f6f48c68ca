#!/usr/bin/env bash
# Script test: the benchmarks' quick modes still run, so that they cannot rot.
#
#   test/bench/run.sh --quick   every contender (plain script, pg_revisions,
#                               Alembic, Sqitch) on every workload at N=20, the
#                               graph functions at 500 and 5000 revisions, the
#                               memory measurement, the plot (gnuplot)
#   test/bench/core.sh --quick  the core benchmark at N=100
#   test/bench/diff.sh --quick  rev_diff against pg_dump, two 100-table schemas
#   test/bench/client_vs_alembic.sh (N=30, RUNS=1)
#                               the command-line client against Alembic
#   test/bench/squash.sh --quick  a new database through a baseline against
#                               the replay, N=200, schemas compared
#   test/bench/drift.sh --quick 100 CREATE TABLEs with and without the ledger
#   test/bench/verify.sh --quick  rev_verify_schema on a 50-revision history
#
# Both start their own throwaway cluster (the suite's PGHOST/PGPORT/PGUSER are
# not used) and install the peers with apt-get when missing (needs root).  Every
# timed step checks its result (tables created/dropped, returned counts, the
# peers' registries); this test fails if either exits non-zero, or if the
# table lacks a row of some contender.  Their output goes to a temporary
# directory.  About 20 s on 2 CPUs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_bench_quick.XXXXXX")
trap 'rm -rf "$out"' EXIT
fail() { echo "bench_quick: FAIL: $*" >&2; exit 1; }

start=$SECONDS
BENCH_OUTDIR="$out" timeout --kill-after=10 600 bash "$ROOT/test/bench/run.sh" --quick >"$out/run.txt" 2>"$out/run.err" || {
    tail -n 40 "$out/run.err" >&2
    fail "test/bench/run.sh --quick exited non-zero"
}
echo "run.sh --quick: $((SECONDS - start)) s"

# Every contender has a row for every workload and step.
for op in upgrade noop downgrade; do
    for w in chain multi dag; do
        for c in plain pg_revisions alembic sqitch; do
            grep -Eq "^$op +$w +20  $c( |\$)" "$out/run.txt" || fail "no '$op $w N=20 $c' row in the table"
        done
    done
done
grep -Eq '^noop +chain +20  pg_revisions \(in-server\)' "$out/run.txt" || fail "no in-server no-op row"
for w in chain multi dag; do
    grep -Eq "^register +$w +20  pg_revisions" "$out/run.txt" || fail "no 'register $w' row"
done
for f in "rev_heads()" "rev_current()" "rev_pending('heads')" "rev_history()"; do
    for n in 500 5000; do
        grep -Fq "$f" "$out/run.txt" && grep -E "^graph +" "$out/run.txt" | grep -F "$f" | grep -Eq " $n  pg_revisions " ||
            fail "no graph row for $f at N=$n"
    done
done
grep -Eq "^  pg_revisions \(rev_upgrade\('head'\)\) +200 +[0-9]+ +[0-9]+ +[0-9]+\$" "$out/run.txt" || fail "no memory row for pg_revisions"
grep -Eq "^  plain \(psql -1 -f up.sql\) +200 +[0-9]+ +[0-9]+ +[0-9]+\$" "$out/run.txt" || fail "no memory row for the plain script"
ls "$out"/quick-*/upgrade.png "$out"/quick-*/upgrade.svg >/dev/null 2>&1 || fail "no plot written"
grep -A 200 '^op ' "$out/run.txt" | sed -n '1,/^$/p'

start=$SECONDS
timeout --kill-after=10 300 bash "$ROOT/test/bench/core.sh" --quick >"$out/core.txt" 2>"$out/core.err" || {
    tail -n 40 "$out/core.err" >&2
    fail "test/bench/core.sh --quick exited non-zero"
}
for c in "plain" "pg_revisions" "PL/pgSQL EXECUTE loop"; do
    grep -Eq "^upgrade +100  $c " "$out/core.txt" || fail "core.sh: no 'upgrade 100 $c' row"
done
echo "core.sh --quick: $((SECONDS - start)) s"

start=$SECONDS
BENCH_OUTDIR="$out" timeout --kill-after=10 300 bash "$ROOT/test/bench/diff.sh" --quick >"$out/diff.txt" 2>"$out/diff.err" || {
    tail -n 40 "$out/diff.err" >&2
    fail "test/bench/diff.sh --quick exited non-zero"
}
for row in "rev_diff, first call of a session" "rev_diff, second call" "pg_dump --schema-only -n s_a -n s_b"; do
    grep -Eq "^$row +[0-9.]+ +[0-9.]+ +[0-9.]+\$" "$out/diff.txt" || fail "diff.sh: no '$row' row"
done
grep -q "^applying the diff: ok, a second rev_diff returns 0 rows" "$out/diff.txt" || fail "diff.sh: the diff was not checked"
echo "diff.sh --quick: $((SECONDS - start)) s"

start=$SECONDS
N=30 RUNS=1 BENCH_OUTDIR="$out" timeout --kill-after=10 300 bash "$ROOT/test/bench/client_vs_alembic.sh" \
    >"$out/client.txt" 2>"$out/client.err" || {
    tail -n 40 "$out/client.err" >&2
    fail "test/bench/client_vs_alembic.sh (N=30) exited non-zero"
}
grep -Eq "^upgrade head \(N=30\) +[0-9]+ ms +[0-9]+ ms +[0-9.]+\$" "$out/client.txt" || fail "client_vs_alembic.sh: no upgrade row"
grep -Eq "^no-op upgrade head +[0-9]+ ms +[0-9]+ ms +[0-9.]+\$" "$out/client.txt" || fail "client_vs_alembic.sh: no no-op row"
echo "client_vs_alembic.sh (N=30): $((SECONDS - start)) s"

start=$SECONDS
timeout --kill-after=10 300 bash "$ROOT/test/bench/squash.sh" --quick >"$out/squash.txt" 2>"$out/squash.err" || {
    tail -n 40 "$out/squash.err" >&2
    fail "test/bench/squash.sh --quick exited non-zero"
}
grep -Eq "^ratio replay / baseline: [0-9.]+x \(pg_dump -s identical\)\$" "$out/squash.txt" || fail "squash.sh: no ratio row"
echo "squash.sh --quick: $((SECONDS - start)) s"

start=$SECONDS
timeout --kill-after=10 300 bash "$ROOT/test/bench/drift.sh" --quick >"$out/drift.txt" 2>"$out/drift.err" || {
    tail -n 40 "$out/drift.err" >&2
    fail "test/bench/drift.sh --quick exited non-zero"
}
grep -Eq "^  backend CPU: overhead: [-+][0-9.]+%" "$out/drift.txt" || fail "drift.sh: no overhead line"
timeout --kill-after=10 300 bash "$ROOT/test/bench/verify.sh" --quick >"$out/verify.txt" 2>"$out/verify.err" || {
    tail -n 40 "$out/verify.err" >&2
    fail "test/bench/verify.sh --quick exited non-zero"
}
grep -Eq "^  ms: [0-9.]+ " "$out/verify.txt" || fail "verify.sh: no timing line"
echo "drift.sh, verify.sh --quick: $((SECONDS - start)) s"
echo "bench_quick: ok"
