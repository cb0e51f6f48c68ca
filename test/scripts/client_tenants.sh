#!/usr/bin/env bash
# Script test: the client over tenant schemas of one database: --tenants
# LIKE_PATTERN with -j 2 (each schema upgraded, the others untouched), the
# result table in text and JSON, a rerun touching nothing, a revision failing
# in one tenant (the others done, that one untouched and named, exit 3),
# --tenant NAME for read-only commands, and bad input: a pattern matching no
# schema, -j out of range, --atomic on a server without
# max_prepared_transactions (refused before anything runs).
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_tenants
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

run 0 init
value "CREATE SCHEMA org_a; CREATE SCHEMA org_b; CREATE SCHEMA org_c; CREATE SCHEMA other" >/dev/null
run 0 revision -m "accounts"
f1="$work/$(cat "$work/out")"
id1=$(file_id "$f1")
set_sql "$f1" "CREATE TABLE account (id int PRIMARY KEY);" "DROP TABLE account;"

# --- bad input: nothing runs -------------------------------------------------
run 2 --tenants 'nomatch%' upgrade
err_has 'no schema of this database matches'
run 2 --tenants 'org\_%' -j 0 upgrade
err_has '-j must be a whole number from 1 to 64'
run 2 --tenants 'org\_%' -j 65 upgrade
run 2 --tenant org_a --tenants 'org%' upgrade
run 2 -j 2 upgrade
err_has 'go with --tenant, --tenants or --fleet'
run 2 --tenants 'org%' revision -m nope
[ "$(value "SELECT count(*) FROM rev_history()")" = 0 ] || fail "refused runs registered the files"
ok "bad input (no matching schema, -j out of range, conflicting options) runs nothing"

# --- --atomic without max_prepared_transactions ----------------------------
if [ "$(value "SHOW max_prepared_transactions")" = 0 ]; then
    run 3 --tenants 'org\_%' --atomic --log-dir "$work" upgrade
    err_has 'max_prepared_transactions is 0'
    err_has 'nothing was run'
    [ "$(value "SELECT count(*) FROM rev_tenants()")" = 0 ] || fail "a refused --atomic run changed a tenant"
    ok "--atomic refused before anything runs when max_prepared_transactions is 0"
fi

# --- parallel tenants ------------------------------------------------------
run 0 --tenants 'org\_%' -j 2 upgrade
for s in org_a org_b org_c; do
    grep -q "^ *$s .*base.*$id1.*done" "$work/out" || fail "no done row for $s: $(cat "$work/out")"
    [ "$(value "SELECT to_regclass('$s.account') IS NOT NULL")" = t ] || fail "$s.account missing"
done
err_has "org_b: done (base -> $id1)"
[ "$(value "SELECT to_regclass('other.account') IS NULL AND to_regclass('public.account') IS NULL")" = t ] ||
    fail "a schema outside the pattern was touched"
[ "$(value "SELECT string_agg(tenant || ':' || array_to_string(current, ','), ' ' ORDER BY tenant) FROM rev_tenants()")" = \
  "org_a:$id1 org_b:$id1 org_c:$id1" ] || fail "rev_tenants: $(value "SELECT * FROM rev_tenants()")"
ok "--tenants 'org\\_%' -j 2 upgrade applies the revision in each tenant schema, and nowhere else"

run 0 --tenants 'org\_%' -j 2 --format json upgrade
[ "$(json "sorted((r['tenant'], r['status']) for r in j)")" = \
  "[('org_a', 'unchanged'), ('org_b', 'unchanged'), ('org_c', 'unchanged')]" ] || fail "rerun: $(cat "$work/out")"
ok "a rerun touches nothing (every tenant unchanged), JSON rows per tenant"

# --- a failure in one tenant -------------------------------------------------
run 0 revision -m "ledger"
f2="$work/$(cat "$work/out")"
id2=$(file_id "$f2")
set_sql "$f2" "CREATE TABLE ledger (id int REFERENCES account);" "DROP TABLE ledger;"
value "CREATE TABLE org_b.ledger (x int)" >/dev/null
run 3 --tenants 'org\_%' -j 2 upgrade
grep -q "^ *org_b .*$id1 .*$id1 .*failed.*already exists" "$work/out" || fail "org_b not named failed: $(cat "$work/out")"
grep -q "^ *org_a .*$id1 .*$id2 .*done" "$work/out" || fail "org_a not done: $(cat "$work/out")"
grep -q "^ *org_c .*$id1 .*$id2 .*done" "$work/out" || fail "org_c not done: $(cat "$work/out")"
err_has 'relation "ledger" already exists'
[ "$(value "SELECT array_to_string(current, ',') FROM rev_tenants() WHERE tenant = 'org_b'")" = "$id1" ] ||
    fail "org_b moved"
[ "$(value "SELECT count(*) FROM pg_attribute WHERE attrelid = 'org_b.ledger'::regclass AND attnum > 0")" = 1 ] ||
    fail "org_b.ledger changed"
ok "a revision failing in one tenant: the others done, that one untouched and named, exit 3"

value "DROP TABLE org_b.ledger" >/dev/null
run 0 --tenants 'org\_%' -j 2 upgrade
grep -q "^ *org_b .*$id1 .*$id2 .*done" "$work/out" || fail "rerun did not finish org_b: $(cat "$work/out")"
grep -q "^ *org_a .*unchanged" "$work/out" || fail "rerun touched org_a: $(cat "$work/out")"
ok "the rerun touches only the tenant still pending"

# --- read-only commands, --tenant NAME --------------------------------------
run 0 --tenant org_a current
out_has "== org_a =="
out_has "$id2"
run 0 --tenants 'org\_%' check
run 0 --tenant org_a downgrade -1
[ "$(value "SELECT array_to_string(current, ',') FROM rev_tenants() WHERE tenant = 'org_a'")" = "$id1" ] ||
    fail "--tenant downgrade"
run 1 --tenants 'org\_%' check
grep -q "^ *org_a .*pending" "$work/out" || fail "check: $(cat "$work/out")"
run 0 --tenant org_a --format json sql
[ "$(json "j[0]['tenant']")" = org_a ] || fail "sql json: $(cat "$work/out")"
[ "$(json "'ledger' in j[0]['output']")" = True ] || fail "sql output: $(cat "$work/out")"
run 3 --tenant no_such_schema current
grep -q "no_such_schema .*failed" "$work/out" || fail "missing tenant: $(cat "$work/out")"
ok "--tenant NAME: current, check (exit 1 when pending), downgrade, sql; a missing schema fails its row"

# --- one connection per worker: nothing of a tenant's session reaches the next ----
run 0 --tenants 'org\_%' upgrade
run 0 revision -m "audit"
f3="$work/$(cat "$work/out")"
set_sql "$f3" "CREATE TEMP TABLE scratch (x int); CREATE TABLE audit (id int);" "DROP TABLE audit;"
run 0 --tenants 'org\_%' -j 1 upgrade
[ "$(grep -c " done " "$work/out")" = 3 ] || fail "session leak between tenants: $(cat "$work/out")"
[ "$(value "SELECT count(*) FROM pg_class WHERE relname = 'audit' AND relnamespace::regnamespace::text LIKE 'org\_%'")" = 3 ] ||
    fail "audit tables"
ok "a revision's temporary table does not reach the next tenant on the worker's connection"
