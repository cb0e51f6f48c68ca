#!/usr/bin/env bash
# Script test: every command of the pg_revisions command-line client (bin/)
# against the test cluster, as a developer would use it:
#   --help/--version, usage errors (exit 2), a bad connection (exit 3),
#   DATABASE_URL; init; revision -m and editing the new file; check (exit 1
#   pending, 0 up to date); sql (registers nothing); upgrade head; current;
#   history; downgrade -1; --format json parsed and checked; an applied file
#   edited afterwards (both checksums and the file shown, nothing runs, exit 3)
#   and verify listing it; stamp; two branches: heads, the "multiple heads ->
#   merge" message, upgrade head refused, merge, upgrade; downgrade -1 from the
#   merge; verify catching tampered registered SQL (rev_verify()).
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

# --- help, version, usage errors, connections --------------------------------
run 0 --help
out_has "Exit codes:"
out_has "3  database error"
run 0 --version
# The client carries the version of the extension it comes with.
control="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/pg_revisions.control"
version=$(sed -n "s/^default_version = '\(.*\)'\$/\1/p" "$control")
[ -n "$version" ] || fail "no default_version in $control"
out_has "pg_revisions $version "
run 2
run 2 frobnicate
err_has 'unknown command "frobnicate"'
run 2 downgrade
run 2 revision
err_has "revision needs a message"
run 2 --format xml current
run 2 upgrade --bogus
run 2 upgrade a b
run 2 -m no/such/dir check
err_has 'could not open the migrations directory "no/such/dir"'
ok "usage errors exit 2 (a missing migrations directory too)"
run 3 -d "host=127.0.0.1 port=1 dbname=nothere connect_timeout=5" current
err_has "could not connect to the database"
err_has "hint: pass -d CONNINFO"
ok "a bad connection exits 3 and says what to set"

# --- init, revision, editing, check, sql --------------------------------------
run 0 init
[ -d "$work/migrations" ] || fail "init did not create migrations/"
[ "$(value "SELECT count(*) FROM pg_extension WHERE extname = 'pg_revisions'")" = 1 ] ||
    fail "init did not create the extension"
run 0 init
err_has "exists already"
ok "init creates the directory and the extension, and can be re-run"

run 0 revision -m "create users"
f1="$work/$(cat "$work/out")"
[ -f "$f1" ] || fail "revision did not print the new file's path: $(cat "$work/out")"
id1=$(file_id "$f1")
case "$(basename "$f1")" in "${id1}_create_users.sql") ;; *) fail "file name $(basename "$f1")";; esac
grep -qx -- "-- down_revision:" "$f1" || fail "the first revision is not a root: $(cat "$f1")"
grep -qx -- "-- migrate:upgrade" "$f1" || fail "no upgrade section in $(cat "$f1")"
set_sql "$f1" "CREATE TABLE users (id int PRIMARY KEY);" "DROP TABLE users;"
run 0 revision -m "users.email"
f2="$work/$(cat "$work/out")"
id2=$(file_id "$f2")
grep -qx -- "-- down_revision: $id1" "$f2" || fail "the second revision's parent is not $id1: $(cat "$f2")"
set_sql "$f2" "ALTER TABLE users ADD COLUMN email text;" "ALTER TABLE users DROP COLUMN email;"
ok "revision -m writes <id>_<slug>.sql chained on the head of the files"

run 1 check
out_has "$id1"
out_has "$id2"
err_has "2 revisions pending"
run 1 --format json check
[ "$(json "','.join(r['revision'] for r in j)")" = "$id1,$id2" ] || fail "check json: $(cat "$work/out")"
ok "check exits 1 and lists the pending revisions in order (text and json)"

run 0 sql
out_has "CREATE TABLE users (id int PRIMARY KEY);"
out_has "-- revision $id1 (1 of 2): create users"
out_has "-- revision $id2 (2 of 2): users.email"
[ "$(catalog_state)" = "$(printf 'no revisions\n0 operations\nno relations')" ] ||
    fail "read-only commands left something behind: $(catalog_state)"
ok "sql prints the script; check and sql register nothing"

# --- upgrade, current, history, downgrade -------------------------------------
run 0 upgrade head
err_has "applying revision \"$id1\" (1 of 2): create users"
out_has "(2 applied)"
[ "$(value "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
            WHERE attrelid = 'users'::regclass AND attnum > 0")" = "id,email" ] || fail "users not built"
run 0 current
out_has "$id2"
out_has "(1 current head)"
run 0 --format json current
[ "$(json "j[0]['revision'] + ' ' + str(len(j))")" = "$id2 1" ] || fail "current json: $(cat "$work/out")"
run 0 check
err_has "up to date"
ok "upgrade head applies both; current shows the head; check exits 0"

run 0 history --format json
[ "$(json "' '.join('%s:%s:%s:%s' % (r['revision'], ','.join(r['down_revision']), r['applied'], r['head']) for r in j)")" = \
  "$id2:$id1:True:True $id1::True:False" ] || fail "history json: $(cat "$work/out")"
[ "$(json "j[1]['file'].endswith('_create_users.sql') and j[0]['message'] == 'users.email'")" = True ] ||
    fail "history json files/messages: $(cat "$work/out")"
run 0 history
out_has "(2 revisions, 2 applied)"
ok "history: newest first, parents, applied, heads, files (text and json)"

run 0 downgrade -1
out_has "$id2"
out_has "(1 reverted)"
[ "$(value "SELECT count(*) FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email'")" = 0 ] ||
    fail "downgrade -1 left users.email"
run 0 --format json current
[ "$(json "j[0]['revision']")" = "$id1" ] || fail "current after downgrade: $(cat "$work/out")"
run 0 upgrade
ok "downgrade -1 reverts the head; upgrade (heads) re-applies it"

# --- an applied file edited afterwards ----------------------------------------
run 0 revision -m "orders"
f3="$work/$(cat "$work/out")"
id3=$(file_id "$f3")
set_sql "$f3" "CREATE TABLE orders (id int);" "DROP TABLE orders;"
before=$(catalog_state)
cp "$f1" "$work/f1.orig"
sed -i 's/id int PRIMARY KEY/id bigint PRIMARY KEY/' "$f1"
run 3 upgrade
err_has "revision \"$id1\" is already registered with different SQL"
err_has "Stored checksum"
err_has ", given "
err_has "file: migrations/$(basename "$f1")"
err_has "next: a registered revision never changes"
err_has "nothing was changed"
[ "$(catalog_state)" = "$before" ] || fail "the edited file changed the catalog:
$before
---
$(catalog_state)"
[ "$(value "SELECT to_regclass('orders') IS NULL")" = t ] || fail "orders was created"
run 1 verify
out_has "$id1"
out_has "already registered with different SQL"
out_has "migrations/$(basename "$f1")"
cp "$work/f1.orig" "$f1"
run 0 upgrade
out_has "$id3"
run 0 verify
out_has "(0 problems; 3 files checked)"
ok "an edited applied file: both checksums and its file shown, nothing runs (exit 3); verify lists it"

# --- stamp ----------------------------------------------------------------------
run 0 stamp "$id1"
out_has "$id1"
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() r")" = "$id1" ] || fail "stamp did not move current"
[ "$(value "SELECT to_regclass('orders') IS NOT NULL")" = t ] || fail "stamp ran downgrade SQL"
run 0 stamp head
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() r")" = "$id3" ] || fail "stamp head"
ok "stamp moves the applied state and runs no SQL"

# --- two branches, heads, merge ----------------------------------------------------
run 0 revision -m "audit log" --head "$id1" --branch-label audit
fa="$work/$(cat "$work/out")"
ida=$(file_id "$fa")
grep -qx -- "-- down_revision: $id1" "$fa" || fail "--head: $(cat "$fa")"
grep -qx -- "-- branch_label: audit" "$fa" || fail "--branch-label: $(cat "$fa")"
set_sql "$fa" "CREATE TABLE audit (at timestamptz);" "DROP TABLE audit;"
run 2 revision -m "one more"
err_has "the migration files have 2 heads"
err_has "pg_revisions merge"
run 0 heads
out_has "$ida"
out_has "$id3"
out_has "(2 heads)"
err_has "pg_revisions merge"
before=$(catalog_state)
run 2 upgrade head
err_has 'target "head" is ambiguous: there are 2 heads'
err_has "$ida"
err_has "$id3"
err_has "pg_revisions merge"
[ "$(catalog_state)" = "$before" ] || fail "upgrade head with two heads changed something"
run 0 merge -m "merge heads"
fm="$work/$(cat "$work/out")"
idm=$(file_id "$fm")
grep -qx -- "-- down_revision: $ida, $id3" "$fm" ||
    grep -qx -- "-- down_revision: $id3, $ida" "$fm" || fail "merge parents: $(cat "$fm")"
run 0 --format json heads
[ "$(json "' '.join(r['revision'] for r in j)")" = "$idm" ] || fail "heads after merge: $(cat "$work/out")"
run 0 upgrade head
out_has "$ida"
out_has "$idm"
[ "$(value "SELECT to_regclass('audit') IS NOT NULL")" = t ] || fail "audit not created"
run 0 downgrade -1
[ "$(value "SELECT string_agg(r, ',' ORDER BY r) FROM rev_current() r")" = \
  "$(printf '%s\n' "$ida" "$id3" | sort | paste -sd,)" ] || fail "downgrade -1 from the merge"
run 0 upgrade head
ok "two branches: heads and upgrade head point at merge; merge joins them; -1 reverts the merge only"

# --- verify catches tampered registered SQL (rev_verify) ------------------------
value "ALTER TABLE revisions.revision DISABLE TRIGGER USER;
       UPDATE revisions.revision SET upgrade_sql = upgrade_sql || ' ' WHERE revision = '$id3';
       ALTER TABLE revisions.revision ENABLE TRIGGER USER" >/dev/null
run 1 verify
out_has "registered SQL does not match its checksum"
out_has "$id3"
value "ALTER TABLE revisions.revision DISABLE TRIGGER USER;
       UPDATE revisions.revision SET upgrade_sql = rtrim(upgrade_sql, ' ') WHERE revision = '$id3';
       ALTER TABLE revisions.revision ENABLE TRIGGER USER" >/dev/null
run 0 verify
ok "verify reports rev_verify()'s findings"

# --- DATABASE_URL ------------------------------------------------------------------
(
    export DATABASE_URL="postgresql://$PGUSER@127.0.0.1:$PGPORT/$db"
    unset PGDATABASE PGHOST PGPORT
    run 0 current
    out_has "$idm"
)
ok "DATABASE_URL is used when -d is not given"

echo "client: all checks passed"
