#!/usr/bin/env bash
# Script test: the pg_revisions client carries out exactly the server's plan
# (rev_plan) when non-transactional revisions split it into several calls.
#
# 1. A chain w1 -> w2 -> n1 (transactional: false) -> w3: w1 and w2 go in ONE
#    rev_upgrade call (rev_plan('w2') is exactly them: one operation-log row),
#    then n1 outside a transaction, then w3.
# 2. Branches: roots x1 and y1, x2 on x1, and z (transactional: false)
#    merging x2 and y1: no single target moves exactly x1, y1, x2, so each is
#    applied on its own; then z.
# 3. downgrade base through both non-transactional revisions: the client
#    reverts exactly what rev_plan('base', 'downgrade') listed, in that order,
#    and everything is reverted.
# 4. A target the server refuses changes nothing (exit 3); the advice that
#    follows an error comes from its SQLSTATE and position, not its text (a
#    function missing in revision SQL is not blamed on the extension).
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_plan
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

run 0 init
mig="$work/migrations"
# rev FILE ID PARENTS TRANSACTIONAL UPGRADE DOWNGRADE
rev() {
    printf -- '-- revision: %s\n-- down_revision: %s\n-- transactional: %s\n\n-- migrate:upgrade\n%s\n\n-- migrate:downgrade\n%s\n' \
        "$2" "$3" "$4" "$5" "$6" >"$mig/$1"
}
rev 1_w1.sql w1 "" true "CREATE TABLE w (id int);" "DROP TABLE w;"
rev 2_w2.sql w2 w1 true "ALTER TABLE w ADD COLUMN v int;" "ALTER TABLE w DROP COLUMN v;"
rev 3_n1.sql n1 w2 false "CREATE INDEX CONCURRENTLY IF NOT EXISTS w_v ON w (v);" "DROP INDEX CONCURRENTLY IF EXISTS w_v;"
rev 4_w3.sql w3 n1 true "CREATE TABLE w3 (id int);" "DROP TABLE w3;"

# --- 1. a chain before a non-transactional revision: one call ---------------------
run 0 upgrade w3
[ "$(awk 'NR > 2 && $1 != "(4" {print $1}' "$work/out" | paste -sd,)" = w1,w2,n1,w3 ] ||
    fail "applied, in order: $(cat "$work/out")"
[ "$(value "SELECT string_agg(array_to_string(revisions, '+'), ',' ORDER BY id) FROM revisions.operation")" = "w1+w2,n1,w3" ] ||
    fail "operations: $(value "SELECT string_agg(array_to_string(revisions, '+'), ',' ORDER BY id) FROM revisions.operation")"
ok "w1 and w2 in one rev_upgrade call, then n1 outside a transaction, then w3"

# --- 2. branches before a non-transactional merge: one call per revision ----------
rev 5_x1.sql x1 "" true "CREATE TABLE x1 (id int);" "DROP TABLE x1;"
rev 6_y1.sql y1 "" true "CREATE TABLE y1 (id int);" "DROP TABLE y1;"
rev 7_x2.sql x2 x1 true "CREATE TABLE x2 (id int);" "DROP TABLE x2;"
rev 8_z.sql z "x2, y1" false "CREATE INDEX CONCURRENTLY IF NOT EXISTS y1_id ON y1 (id);" "DROP INDEX CONCURRENTLY IF EXISTS y1_id;"
run 0 upgrade z
[ "$(awk 'NR > 2 && $1 !~ /^\(/ {print $1}' "$work/out" | paste -sd,)" = x1,y1,x2,z ] ||
    fail "applied, in order: $(cat "$work/out")"
[ "$(value "SELECT string_agg(array_to_string(revisions, '+'), ',' ORDER BY id) FROM revisions.operation
            WHERE id > (SELECT min(id) + 2 FROM revisions.operation)")" = "x1,y1,x2,z" ] ||
    fail "operations: $(value "SELECT string_agg(array_to_string(revisions, '+'), ',' ORDER BY id) FROM revisions.operation")"
[ "$(value "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.y1_id'::regclass")" = t ] || fail "y1_id"
ok "x1, y1, x2 each on its own (no single target moves exactly them), then z"

# --- 3. downgrade base: exactly rev_plan's steps, in its order ---------------------
planned=$(value "SELECT string_agg(revision, ',' ORDER BY step) FROM rev_plan('base', 'downgrade')")
[ "$planned" = z,x2,y1,x1,w3,n1,w2,w1 ] || fail "rev_plan('base', 'downgrade'): $planned"
run 0 downgrade base
err_has 'reverting non-transactional revision "z"'
err_has 'reverting non-transactional revision "n1"'
[ "$(awk 'NR > 2 && $1 !~ /^\(/ {print $1}' "$work/out" | paste -sd,)" = "$planned" ] ||
    fail "reverted, in order: $(cat "$work/out") (planned: $planned)"
[ "$(value "SELECT count(*) FROM rev_current()")" = 0 ] || fail "still applied: $(value "SELECT string_agg(c, ',') FROM rev_current() c")"
[ "$(value "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 0 ] ||
    fail "left behind: $(value "SELECT string_agg(relname, ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace")"
ok "downgrade base reverts exactly rev_plan's steps, in its order, through both non-transactional revisions"

# --- 4. errors from the plan change nothing -------------------------------------
before=$(catalog_state)
run 3 downgrade nope
err_has 'revision "nope" does not exist'
err_has "nothing was changed"
run 3 upgrade -1
err_has 'cannot move down to target "-1"'
[ "$(catalog_state)" = "$before" ] || fail "a refused plan changed something"
ok "a plan the server refuses changes nothing (exit 3)"

# What to do next comes from the SQLSTATE and where the error is, not its text:
# a missing rev_* function (no extension) versus one missing in revision SQL.
rev 9_bad.sql bad w3 true "SELECT no_such_function_here();" "SELECT 1;"
run 3 upgrade bad
err_has "no_such_function_here"
! grep -q "extension is missing" "$work/err" || fail "a function missing in revision SQL blamed on the extension"
rm "$mig/9_bad.sql"
psql_q -d postgres -c "CREATE DATABASE ${db}_noext"
set +e
(cd "$work" && "$cli" -d "dbname=${db}_noext" current) >"$work/out" 2>"$work/err"
rc=$?
set -e
psql_q -d postgres -c "DROP DATABASE ${db}_noext"
[ "$rc" = 3 ] || fail "current without the extension: exit $rc"
err_has "next: the pg_revisions extension is missing or too old in this database"
ok "next steps: the extension missing, not a function missing in revision SQL"

echo "$test_name: all checks passed"
