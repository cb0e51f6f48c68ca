#!/usr/bin/env bash
# Script test: bad migration files and atomicity in the pg_revisions client.
#
# 1. Each bad file — no header, no "revision:", no "down_revision:", a bad id,
#    an unknown parent, the same id in two files, no upgrade section, a cycle —
#    makes `upgrade` exit 2 with "FILE:LINE: error: ..." and changes nothing
#    (the catalog and the public schema are compared before and after).
# 2. Atomicity: three new files whose second fails (division by zero): exit 3,
#    the error names the failing revision's file, and none of the three is
#    registered or applied.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_files
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

run 0 init
mig="$work/migrations"
cat >"$mig/r1_base.sql" <<'EOF'
-- revision: r1
-- down_revision:
-- message: base

-- migrate:upgrade
CREATE TABLE base (id int);

-- migrate:downgrade
DROP TABLE base;
EOF
run 0 upgrade
good=$(catalog_state)
case "$good" in *"r1 {} t base"*) ;; *) fail "r1 not applied: $good";; esac

# bad NAME LINE_RE MESSAGE CONTENT...: the file NAME with the given lines
# (one argument a line) makes upgrade exit 2 with "migrations/NAME:LINE: error:"
# containing MESSAGE, and nothing changes.
bad() {
    local name=$1 line=$2 msg=$3
    shift 3
    printf '%s\n' "$@" >"$mig/$name"
    run 2 upgrade
    err_has "migrations/$name:$line: error:"
    err_has "$msg"
    [ "$(catalog_state)" = "$good" ] || fail "$name changed the catalog:
$good
---
$(catalog_state)"
    rm -f "$mig/$name"
    ok "bad file ($msg) -> exit 2, file and line shown, nothing changed"
}

bad x_noheader.sql 1 "missing header" \
    "CREATE TABLE x (id int);"
bad x_norev.sql 1 'missing "-- revision: <id>"' \
    "-- down_revision: r1" "-- migrate:upgrade" "CREATE TABLE x (id int);"
bad x_nodown.sql 1 'missing "-- down_revision:"' \
    "-- revision: x1" "-- migrate:upgrade" "CREATE TABLE x (id int);"
bad x_badid.sql 1 'invalid revision id "x-1"' \
    "-- revision: x-1" "-- down_revision: r1" "-- migrate:upgrade" "CREATE TABLE x (id int);"
bad x_badparent.sql 2 'invalid revision id "head"' \
    "-- revision: x1" "-- down_revision: head" "-- migrate:upgrade" "CREATE TABLE x (id int);"
bad x_unknown.sql 2 'unknown down_revision "nosuch"' \
    "-- revision: x1" "-- down_revision: nosuch" "-- migrate:upgrade" "CREATE TABLE x (id int);"
bad x_unknowndep.sql 3 'unknown depends_on "nosuch"' \
    "-- revision: x1" "-- down_revision: r1" "-- depends_on: nosuch" "-- migrate:upgrade" "SELECT 1;"
bad x_dup.sql 1 'duplicate revision id "r1": also in migrations/r1_base.sql:1' \
    "-- revision: r1" "-- down_revision:" "-- migrate:upgrade" "CREATE TABLE x (id int);"
bad x_noup.sql 4 "missing upgrade section" \
    "-- revision: x1" "-- down_revision: r1" "" "CREATE TABLE x (id int);"
bad x_noup2.sql 4 "missing upgrade section" \
    "-- revision: x1" "-- down_revision: r1" "-- message: only a downgrade" "-- migrate:downgrade" "DROP TABLE x;"
bad x_nontx.sql 3 "transactional must be true or false" \
    "-- revision: x1" "-- down_revision: r1" "-- transactional: maybe" "-- migrate:upgrade" "SELECT 1;"
# A cycle: c1 -> c2 -> c1 (each the other's parent).
printf '%s\n' "-- revision: c2" "-- down_revision: c1" "-- migrate:upgrade" "CREATE TABLE c2 (id int);" >"$mig/c2.sql"
bad c1.sql 2 'is part of a cycle' \
    "-- revision: c1" "-- down_revision: c2" "-- migrate:upgrade" "CREATE TABLE c1 (id int);"
rm -f "$mig/c2.sql"
# The same checks guard the other state-changing commands.
printf '%s\n' "-- revision: x1" "-- down_revision: nosuch" "-- migrate:upgrade" "SELECT 1;" >"$mig/x1.sql"
for cmd in "downgrade base" "stamp head" "check" "history" "sql"; do
    # shellcheck disable=SC2086
    run 2 $cmd
    err_has "migrations/x1.sql:2: error: unknown down_revision"
done
[ "$(catalog_state)" = "$good" ] || fail "a command with a bad file changed the catalog"
rm -f "$mig/x1.sql"
ok "downgrade, stamp, check, history and sql refuse bad files too"

# --- atomicity: the second of three new revisions fails -------------------------
cat >"$mig/a1_first.sql" <<'EOF'
-- revision: a1
-- down_revision: r1
-- message: first of three

-- migrate:upgrade
CREATE TABLE first_of_three (id int);

-- migrate:downgrade
DROP TABLE first_of_three;
EOF
cat >"$mig/a2_second.sql" <<'EOF'
-- revision: a2
-- down_revision: a1
-- message: second of three, fails

-- migrate:upgrade
CREATE TABLE second_of_three (id int);
SELECT 1 / 0;

-- migrate:downgrade
DROP TABLE second_of_three;
EOF
cat >"$mig/a3_third.sql" <<'EOF'
-- revision: a3
-- down_revision: a2
-- message: third of three

-- migrate:upgrade
CREATE TABLE third_of_three (id int);
EOF
run 3 upgrade head
err_has "division by zero"
err_has 'while applying revision "a2"'
err_has "file: migrations/a2_second.sql"
err_has "SQLSTATE: 22012"
[ "$(catalog_state)" = "$good" ] || fail "a failing revision left something behind:
$good
---
$(catalog_state)"
[ "$(value "SELECT count(*) FROM rev_history() WHERE revision IN ('a1', 'a2', 'a3')")" = 0 ] ||
    fail "some of a1..a3 are registered"
[ "$(value "SELECT count(*) FROM pg_class WHERE relname LIKE '%_of_three'")" = 0 ] || fail "a table was created"
ok "a failing revision among three new files: none registered, none applied, its file named (exit 3)"

set_sql "$mig/a2_second.sql" "CREATE TABLE second_of_three (id int);" "DROP TABLE second_of_three;"
run 0 upgrade head
out_has "(3 applied)"
[ "$(value "SELECT count(*) FROM pg_class WHERE relname LIKE '%_of_three'")" = 3 ] || fail "not all created"
ok "once fixed (never registered, so it may change), the three apply"

echo "client_files: all checks passed"
