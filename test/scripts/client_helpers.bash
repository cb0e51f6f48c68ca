# shellcheck shell=bash
# test/scripts/client_helpers.bash: shared by the script tests of the
# pg_revisions command-line client (client*.sh).  Sourced, not run:
# scripts/test.sh runs only test/scripts/*.sh.
#
# The caller sets test_name before sourcing.  Sourcing checks
# PGHOST/PGPORT/PGUSER, finds PG_BIN and the installed client ($cli), creates
# a work directory ($work) and a database ($db, exported as PGDATABASE), and
# installs an EXIT trap that drops both.  Helpers:
#   run RC ARGS...      run the client in $work; fail unless it exits RC;
#                       stdout in $work/out, stderr in $work/err
#   err_has TEXT        stderr of the last run contains TEXT (fixed string)
#   out_has TEXT        stdout of the last run contains TEXT
#   value SQL           one query's unaligned output in $db
#   catalog_state       the whole state of $db's catalog and public schema, as text
#   json EXPR           evaluate a Python expression on the last stdout parsed as JSON (j)
#   set_sql FILE UP DOWN  replace the sections of a migration file

# shellcheck source=test/scripts/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
cli="$PG_BIN/pg_revisions"
db="pgrev_${test_name}_$$"
work=$(mktemp -d)
unset DATABASE_URL
export PGDATABASE=$db

# Unlike common.bash's value: one SQL string, always in $db.
value() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -d "$db" -c "$1"; }

[ -x "$cli" ] || fail "the client is not installed: $cli (make install)"

client_helpers_cleanup() {
    local rc=$?
    set +e
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
    return "$rc"
}
trap client_helpers_cleanup EXIT

psql_q -d postgres -c "CREATE DATABASE $db"

run() {
    local want=$1 rc
    shift
    set +e
    (cd "$work" && "$cli" "$@") >"$work/out" 2>"$work/err"
    rc=$?
    set -e
    if [ "$rc" != "$want" ]; then
        fail "pg_revisions $*: exit $rc, expected $want
---- stdout ----
$(cat "$work/out")
---- stderr ----
$(cat "$work/err")"
    fi
}

err_has() {
    grep -qF -- "$1" "$work/err" || fail "stderr of the last command lacks [$1]:
$(cat "$work/err")"
}

out_has() {
    grep -qF -- "$1" "$work/out" || fail "stdout of the last command lacks [$1]:
$(cat "$work/out")"
}

catalog_state() {
    value "SELECT coalesce((SELECT string_agg(format('%s %s %s %s', revision, down_revision, is_applied, message),
                                             E'\n' ORDER BY revision) FROM rev_history()), 'no revisions')
           || E'\n' || (SELECT count(*) FROM revisions.operation) || ' operations'
           || E'\n' || coalesce((SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
                                 WHERE relnamespace = 'public'::regnamespace), 'no relations')"
}

json() {
    /usr/bin/env python3 -c "import json, sys; j = json.load(open(sys.argv[1])); print($1)" "$work/out"
}

# set_sql FILE UP DOWN: replace the upgrade and downgrade sections (DOWN may be empty).
set_sql() {
    /usr/bin/env python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, up, down = sys.argv[1:4]
text = open(path).read()
head = text.split("-- migrate:upgrade")[0]
out = head + "-- migrate:upgrade\n" + up + "\n"
if down:
    out += "\n-- migrate:downgrade\n" + down + "\n"
open(path, "w").write(out)
EOF
}

# The id in the header of a migration file.
file_id() { sed -n 's/^-- revision: //p' "$1"; }
