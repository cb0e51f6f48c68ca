#!/usr/bin/env bash
# Script test: `pg_revisions import sqitch` and `stamp --from sqitch` on a
# project with a reworked change, built and deployed by the real sqitch
# (Debian's sqitch, installed when missing).
#
# The plan: appschema, users, @v1.0, flips [users], users reworked
# [users@v1.0], @v2.0, stats [users@v2.0 flips appschema], users reworked again
# [users@v2.0]: `sqitch rework` leaves deploy/users@v1.0.sql,
# deploy/users@v2.0.sql and deploy/users.sql.
# 1. import: three revisions users_at_v1_0, users_at_v2_0 and users, each with
#    its own script, parents in plan order, "users@v1.0" resolved to the
#    first instance, "users@v2.0" to the second, "users" (no tag) to the
#    instance planned before.
# 2. sqitch deploys to @v1.0, to stats and to the end on one database:
#    stamp --from sqitch maps each sqitch.changes row to its instance; after
#    upgrade the schema equals a fresh database upgraded with the files.
# 3. A hand-written plan: "project:change@tag" of the plan's own project; a
#    change named like an instance (users_at_home) after the last instance.
set -euo pipefail

test_name=client_import_sqitch
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

need "command -v sqitch && perl -MDBD::Pg -e 1" sqitch libdbd-pg-perl
fresh="${db}_fresh"
cleanup_fresh() {
    local rc=$?
    psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null 2>&1 || true
    client_helpers_cleanup
    return "$rc"
}
trap cleanup_fresh EXIT
export HOME=$work SQITCH_FULLNAME="Test Planner" SQITCH_EMAIL="planner@example.com"

new_dbs() {
    psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" \
        -c "CREATE DATABASE $db" -c "CREATE DATABASE $fresh"
    psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"
    psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"
}
schema() { "$PG_BIN/pg_dump" -s -n flipr -d "$1" | grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'; }
header() { sed -n "s/^-- $2: *//p" "$1"; }
file_of() {
    local f
    f=$(grep -lx -- "-- revision: $2" "$work/$1"/*.sql) || fail "no file of revision $2 in $1"
    echo "$f"
}
current() { value "SELECT coalesce(string_agg(r, ',' ORDER BY r), 'base') FROM rev_current() AS r"; }
sq() { (cd "$sq" && sqitch --quiet "$@" >"$work/sqitch.out" 2>&1) || fail "sqitch $*: $(cat "$work/sqitch.out")"; }
script() {  # script deploy|revert CHANGE SQL
    printf -- '-- %s flipr:%s\n\nBEGIN;\n\n%s\n\nCOMMIT;\n' "$1" "$2" "$3" >"$sq/$1/$2.sql"
}

# ---------------------------------------------------------------- the project, made by sqitch
sq="$work/flipr"
mkdir -p "$sq"
sq init flipr --engine pg
sq add appschema -n "Add schema for all flipr objects."
script deploy appschema "CREATE SCHEMA flipr;"
script revert appschema "DROP SCHEMA flipr;"
sq add users --requires appschema -n "Creates table to track our users."
script deploy users "CREATE TABLE flipr.users (nickname text PRIMARY KEY, password text NOT NULL);"
script revert users "DROP TABLE flipr.users;"
sq tag v1.0 -n "Tag v1.0."
sq add flips --requires users -n "Adds table for storing flips."
script deploy flips "CREATE TABLE flipr.flips (id bigserial PRIMARY KEY, nickname text NOT NULL REFERENCES flipr.users);"
script revert flips "DROP TABLE flipr.flips;"
sq rework users -n "Adds users.email."
script deploy users "ALTER TABLE flipr.users ADD COLUMN email text;"
script revert users "ALTER TABLE flipr.users DROP COLUMN email;"
sq tag v2.0 -n "Tag v2.0."
sq add stats --requires users@v2.0 --requires flips --requires appschema -n "Stats view."
script deploy stats "CREATE VIEW flipr.stats AS SELECT count(*) AS n FROM flipr.users;"
script revert stats "DROP VIEW flipr.stats;"
sq rework users -n "Adds users.created_at."
script deploy users "ALTER TABLE flipr.users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();"
script revert users "ALTER TABLE flipr.users DROP COLUMN created_at;"
for f in deploy/users@v1.0.sql deploy/users@v2.0.sql deploy/users.sql revert/users@v2.0.sql; do
    [ -f "$sq/$f" ] || fail "sqitch rework did not leave $f: $(ls "$sq/deploy" "$sq/revert")"
done
[ "$(grep -c '^users ' "$sq/sqitch.plan")" = "3" ] || fail "users is not planned three times: $(cat "$sq/sqitch.plan")"

# ---------------------------------------------------------------- import
run 0 import sqitch flipr -m mig
err_has "imported 6 revisions from sqitch into mig"
v1=$(file_of mig users_at_v1_0); v2=$(file_of mig users_at_v2_0); v3=$(file_of mig users)
grep -q "CREATE TABLE flipr.users" "$v1" || fail "users_at_v1_0's SQL: $(cat "$v1")"
grep -q "ADD COLUMN email" "$v2" || fail "users_at_v2_0's SQL: $(cat "$v2")"
grep -q "DROP COLUMN email" "$v2" || fail "users_at_v2_0's revert: $(cat "$v2")"
grep -q "ADD COLUMN created_at" "$v3" || fail "users' SQL: $(cat "$v3")"
[ "$(header "$v1" down_revision)" = "appschema" ] || fail "users_at_v1_0's parent"
[ "$(header "$(file_of mig flips)" down_revision)" = "users_at_v1_0" ] || fail "flips' parent"
[ "$(header "$(file_of mig flips)" depends_on)" = "" ] || fail "flips requires its parent: no dependency"
[ "$(header "$v2" down_revision)" = "flips" ] || fail "users_at_v2_0's parent"
[ "$(header "$v2" depends_on)" = "users_at_v1_0" ] || fail "users@v1.0: $(header "$v2" depends_on)"
[ "$(header "$(file_of mig stats)" depends_on)" = "flips, appschema" ] || fail "stats: $(header "$(file_of mig stats)" depends_on)"
[ "$(header "$v3" down_revision)" = "stats" ] || fail "users' parent"
[ "$(header "$v3" depends_on)" = "users_at_v2_0" ] || fail "users@v2.0: $(header "$v3" depends_on)"
[ "$(header "$v2" message)" = "Adds users.email." ] || fail "users_at_v2_0's message"
ok "import sqitch, a change reworked twice: three revisions with their own scripts, users@v1.0 / users@v2.0 resolved, parents in plan order"

# ---------------------------------------------------------------- sqitch deploys, stamp --from sqitch
uri="db:pg://$PGUSER@$PGHOST:$PGPORT/$db"
new_dbs
sq deploy --to @v1.0 "$uri"
run 0 stamp --from sqitch -m mig
[ "$(current)" = "users_at_v1_0" ] || fail "at @v1.0: $(current)"
sq deploy --to stats "$uri"
[ "$(value "SELECT count(*) FROM sqitch.changes WHERE change = 'users'")" = "2" ] || fail "sqitch did not deploy users twice"
run 0 stamp --from sqitch -m mig
[ "$(current)" = "stats" ] || fail "at stats: $(current)"
[ "$(value "SELECT string_agg(revision, ',' ORDER BY revision) FROM rev_history() WHERE NOT is_applied")" = "users" ] || fail "the last users is applied"
run 0 upgrade -m mig
PGDATABASE=$fresh run 0 upgrade -m mig
a=$(schema "$db"); b=$(schema "$fresh")
[ "$a" = "$b" ] || fail "sqitch's and the imported files' schemas differ:
$(diff <(echo "$a") <(echo "$b"))"
ok "stamp --from sqitch maps each deployed row of a reworked change to its instance (@v1.0, stats); upgrade: schema = a fresh upgrade"

new_dbs
sq deploy "$uri"
run 0 stamp --from sqitch -m mig
[ "$(current)" = "users" ] || fail "at the end: $(current)"
run 0 check -m mig
a=$(schema "$db"); PGDATABASE=$fresh run 0 upgrade -m mig; b=$(schema "$fresh")
[ "$a" = "$b" ] || fail "sqitch's full deploy and the imported files differ:
$(diff <(echo "$a") <(echo "$b"))"
# A plan whose reworked instances were dropped from the files: an error, nothing stamped.
mkdir -p "$work/short"
cp "$work"/mig/*.sql "$work/short/"
rm "$work/short/$(basename "$v3")"
psql_q -d "$db" -c "SET client_min_messages = warning" -c "DROP EXTENSION pg_revisions CASCADE" -c "CREATE EXTENSION pg_revisions"
run 2 stamp --from sqitch -m short
err_has 'sqitch.changes lists change "users" 3 times (a reworked change), but the files have fewer revisions of it'
[ "$(value "SELECT count(*) FROM rev_history()")" = "0" ] || fail "a failed stamp registered files"
ok "stamp --from sqitch after a full deploy: the last instance; a row without its instance stamps nothing"

# A hand-written plan: a change named like an instance (users_at_home, after the
# last users) is not one; "flipr:users@v1.0" names the plan's own project.
hw="$work/hand"
mkdir -p "$hw/deploy"
cat >"$hw/sqitch.plan" <<'PLAN'
%syntax-version=1.0.0
%project=flipr

users 2024-01-01T00:00:00Z T <t@example.com> # v1
@v1.0 2024-01-01T00:00:01Z T <t@example.com> # tag
other 2024-01-01T12:00:00Z T <t@example.com> # other
users [flipr:users@v1.0] 2024-01-02T00:00:00Z T <t@example.com> # v2
users_at_home [users] 2024-01-03T00:00:00Z T <t@example.com> # not an instance
PLAN
echo "CREATE TABLE hand_users (id int);" >"$hw/deploy/users@v1.0.sql"
echo "ALTER TABLE hand_users ADD COLUMN v2 int;" >"$hw/deploy/users.sql"
echo "CREATE TABLE hand_home (id int);" >"$hw/deploy/users_at_home.sql"
echo "CREATE TABLE hand_other (id int);" >"$hw/deploy/other.sql"
run 0 import sqitch hand -m mig_hand
[ "$(header "$(file_of mig_hand users)" depends_on)" = "users_at_v1_0" ] || fail "flipr:users@v1.0: $(header "$(file_of mig_hand users)" depends_on)"
[ "$(header "$(file_of mig_hand users_at_home)" depends_on)" = "" ] || fail "users_at_home requires its parent users"
grep -q "ADD COLUMN v2" "$(file_of mig_hand users)" || fail "the last users' script"
new_dbs
psql_q -d "$db" -c "CREATE SCHEMA sqitch" -c "CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, change text NOT NULL, project text NOT NULL, committed_at timestamptz NOT NULL)" \
    -c "INSERT INTO sqitch.changes VALUES ('a', 'users', 'flipr', '2024-01-01'), ('o', 'other', 'flipr', '2024-01-01 12:00'), ('b', 'users', 'flipr', '2024-01-02'), ('c', 'users_at_home', 'flipr', '2024-01-03')"
run 0 stamp --from sqitch -m mig_hand
[ "$(current)" = "users_at_home" ] || fail "hand plan: $(current)"
psql_q -d "$db" -c "DELETE FROM sqitch.changes WHERE change_id = 'c'"
run 0 stamp --from sqitch -m mig_hand
[ "$(current)" = "users" ] || fail "hand plan, two rows: $(current)"
ok "a change named like an instance after the last one is not one; project:change@tag of the plan's own project"
