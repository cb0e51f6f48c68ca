#!/usr/bin/env bash
# Script test: the pg_regress kit of the Auth example (examples/auth/test/:
# sql/ + expected/ + a three-line PGXS Makefile) run as a team would run it,
# `make installcheck`, against the test cluster.
#
# 1. On a copy of examples/auth: the suite passes (every Auth revision passes
#    rev_test, rev_check against the models is empty).
# 2. The copy's auth_0002 downgrade broken (it forgets to drop users.is_active):
#    the suite fails, and regression.diffs shows the failed test and the
#    statement that would repair it.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

: "${PGHOST:?PGHOST must point at the test cluster}"
: "${PGPORT:?PGPORT must point at the test cluster}"
: "${PGUSER:?PGUSER must be a superuser of the test cluster}"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pg_config=${PG_CONFIG:-pg_config}
work=$(mktemp -d)
testdb="pgrev_auth_kit_$$"
cleanup() {
    rm -rf "$work"
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $testdb" >/dev/null 2>&1 || true
}
trap cleanup EXIT
fail() { echo "auth_kit: FAIL: $*" >&2; exit 1; }

cp -r "$root/examples/auth" "$work/auth"
rm -rf "$work/auth/test/results" "$work/auth/test/regression".* "$work/auth/test/log"
[ "$(wc -l <"$work/auth/test/Makefile")" = 3 ] || fail "the kit's Makefile is not three lines"

# 1. As shipped: passes.
if ! make -s -C "$work/auth/test" installcheck PG_CONFIG="$pg_config" CONTRIB_TESTDB="$testdb" >"$work/out" 2>&1; then
    cat "$work/out" "$work/auth/test/regression.diffs" 2>/dev/null >&2 || true
    fail "the kit fails on the Auth example as shipped"
fi
grep -q "migrations .*ok" "$work/out" || fail "the kit's test did not run: $(cat "$work/out")"
echo "ok: the Auth kit passes (every revision, rev_check empty)"

# 2. A broken downgrade: caught.
python3 - "$work/auth/revisions.sql" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
line = "ALTER TABLE users DROP COLUMN is_active;\n"
assert text.count(line) == 1
open(path, "w").write(text.replace(line, ""))
PY
if make -s -C "$work/auth/test" installcheck PG_CONFIG="$pg_config" CONTRIB_TESTDB="$testdb" >"$work/out" 2>&1; then
    fail "the kit passed with a downgrade that leaves users.is_active behind"
fi
diffs="$work/auth/test/regression.diffs"
[ -f "$diffs" ] || fail "no regression.diffs: $(cat "$work/out")"
grep -q "^+ auth_0002_full_schema *| downgrade_leaves_no_trace | f *| .*drops column public.users.is_active" "$diffs" ||
    fail "regression.diffs lacks the failed test: $(cat "$diffs")"
grep -q "^+ *| *| *| ALTER TABLE public.users DROP COLUMN is_active;" "$diffs" ||
    fail "regression.diffs lacks the repairing statement: $(cat "$diffs")"
echo "ok: a downgrade leaving a column is caught, with the statement that repairs it"
