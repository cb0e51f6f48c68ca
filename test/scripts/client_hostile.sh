#!/usr/bin/env bash
# Script test: what a hostile revision or migrations directory must not get
# out of the pg_revisions client (issue 11, items 2, 3, 6 and 10).
#
# 1. Session leaks (item 2): a non-transactional revision that runs
#    SET search_path = attacker, public, CREATE TEMP TABLE accounts and
#    SET ROLE <a plain role> leaves none of it to the next revision or to the
#    client's own rev_record: the next revision's CREATE TABLE users lands in
#    public (not attacker), its INSERT INTO accounts reaches public.accounts
#    (not the temporary table), and the tables after SET ROLE belong to the
#    client's role.
# 2. One statement at a time (item 3): rev_claim lists
#    SELECT 'a\'';DROP TABLE public.victim;--' as one statement (it splits
#    with standard_conforming_strings on), which the server reads as two after
#    the revision's SET standard_conforming_strings = off: public.victim is
#    never dropped and the command exits 3, whether the server refuses the SET
#    or the client refuses the two statements (extended protocol).
# 3. The script of `pg_revisions sql` (rev_sql) fed to psql -f runs no
#    backslash command hidden by SET standard_conforming_strings = off
#    (item 6): no file is created by its \! touch.
# 4. Terminal escapes and odd files (item 10): an ESC sequence in a revision
#    message, in a server error and in a file name is printed as \x1b, never
#    raw; a FIFO, a symbolic link to a FIFO, a symbolic link to /dev/zero and
#    a file over 64 MiB in the migrations directory are refused (exit 2)
#    with a clear error, without hanging.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_hostile
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

low="client_hostile_low_$$"
cleanup() {
    local rc=$?
    client_helpers_cleanup
    psql_q -d postgres -c "DROP ROLE IF EXISTS $low" >/dev/null 2>&1 || true
    return "$rc"
}
trap cleanup EXIT
psql_q -d postgres -c "CREATE ROLE $low NOLOGIN"
me=$(value "SELECT current_user")
esc=$(printf '\033')

# run_in DIR RC ARGS...: run with -m DIR, at most 60 s (a hang is a failure).
run_in() {
    local dir=$1 want=$2 rc
    shift 2
    set +e
    (cd "$work" && timeout 60 "$cli" -m "$dir" "$@") >"$work/out" 2>"$work/err"
    rc=$?
    set -e
    [ "$rc" != 124 ] || fail "pg_revisions -m $dir $*: still running after 60 s"
    [ "$rc" = "$want" ] || fail "pg_revisions -m $dir $*: exit $rc, expected $want
---- stdout ----
$(cat "$work/out")
---- stderr ----
$(cat "$work/err")"
}

# rev FILE ID PARENT TRANSACTIONAL UPGRADE [MESSAGE]: write a migration file.
rev() {
    printf -- '-- revision: %s\n-- down_revision: %s\n-- message: %s\n-- transactional: %s\n\n-- migrate:upgrade\n%s\n' \
        "$2" "$3" "${6:-$2}" "$4" "$5" >"$1"
}

# --- 1. nothing a non-transactional revision does to its session leaks ---------
m1="$work/m1"
mkdir "$m1"
rev "$m1/a1.sql" a1 "" true "CREATE SCHEMA attacker;
GRANT USAGE, CREATE ON SCHEMA attacker, public TO $low;
CREATE TABLE accounts (id int);"
rev "$m1/a2.sql" a2 a1 false "SET search_path = attacker, public;
CREATE TEMP TABLE accounts (id int)"
rev "$m1/a3.sql" a3 a2 true "CREATE TABLE users (id int);
INSERT INTO accounts VALUES (1);"
rev "$m1/a4.sql" a4 a3 false "SET ROLE $low;
SET SESSION AUTHORIZATION DEFAULT;
SET ROLE $low"
rev "$m1/a5.sql" a5 a4 true "CREATE TABLE after_role (id int);"
rev "$m1/a6.sql" a6 a5 false "SET ROLE $low"
psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"
run_in "$m1" 0 upgrade a3
[ "$(value "SELECT string_agg(n.nspname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = 'users'")" = public ] ||
    fail "users landed in: $(value "SELECT string_agg(c.oid::regclass::text, ',') FROM pg_class c WHERE relname = 'users'")"
[ "$(value "SELECT count(*) FROM public.accounts")" = 1 ] ||
    fail "the INSERT of a3 did not reach public.accounts (a temporary table left by a2 took it?)"
ok "SET search_path and a temporary table of a non-transactional revision do not reach the next revision"
run_in "$m1" 0 upgrade a6
[ "$(value "SELECT tableowner FROM pg_tables WHERE tablename = 'after_role'")" = "$me" ] ||
    fail "after_role is owned by $(value "SELECT tableowner FROM pg_tables WHERE tablename = 'after_role'"), not $me"
[ "$(value "SELECT string_agg(revision, ',' ORDER BY revision) FROM rev_history() WHERE is_applied")" = a1,a2,a3,a4,a5,a6 ] ||
    fail "not all applied: $(value "SELECT string_agg(revision || ':' || is_applied, ',') FROM rev_history()")"
ok "SET ROLE in a non-transactional revision reaches neither rev_record nor the next revision"

# --- 2. exactly one statement per claimed statement ----------------------------
psql_q -d "$db" -c "CREATE TABLE public.victim (id int); INSERT INTO public.victim VALUES (42)"
m3="$work/m3"
mkdir "$m3"
cp "$m1"/*.sql "$m3"/
rev "$m3/c1.sql" c1 a6 false "SET standard_conforming_strings = off;
SELECT 'a\\'';DROP TABLE public.victim;--'"
run_in "$m3" 3 upgrade c1
[ "$(value "SELECT count(*) FROM public.victim")" = 1 ] || fail "public.victim is gone"
[ "$(value "SELECT count(*) FROM rev_history() WHERE revision = 'c1' AND is_applied")" = 0 ] ||
    fail "c1 recorded as applied"
ok "SET standard_conforming_strings = off in the revision: the hidden DROP TABLE does not run (exit 3)"

# --- 3. the review script is not a psql script ---------------------------------
m4="$work/m4"
mkdir "$m4"
cp "$m1"/*.sql "$m4"/
rev "$m4/d1.sql" d1 a6 true "SET standard_conforming_strings = off;
SELECT 'a\\'';
\\! touch $work/pwned
-- ';"
set +e
(cd "$work" && "$cli" -m "$m4" sql d1) >"$work/script.sql" 2>"$work/err"
rc=$?
set -e
if [ "$rc" = 0 ]; then
    grep -qF '\! touch' "$work/script.sql" || fail "the script lacks the revision: $(cat "$work/script.sql")"
    "$PG_BIN/psql" -X -q -d "$db" -f "$work/script.sql" >/dev/null 2>&1 || true
    [ ! -e "$work/pwned" ] || fail "psql -f of the review script ran a shell command"
    ok "psql -f of the review script runs no backslash command (stops at its guard line)"
else
    [ "$rc" = 3 ] || fail "pg_revisions sql: exit $rc: $(cat "$work/err")"
    ok "the server refused the revision, so there is no script to feed psql"
fi
[ ! -e "$work/pwned" ] || fail "a shell command ran"

# --- 4. control characters and odd files ---------------------------------------
m5="$work/m5"
mkdir "$m5"
rev "$m5/e1.sql" e1 "" true "SELECT 1;" "evil ${esc}]0;owned${esc}\\ ${esc}[2J title"
rev "$m5/e2.sql" e2 e1 true "DO \$\$ BEGIN RAISE EXCEPTION E'boom \\x1b[31mred\\x1b[0m'; END \$\$;" "fails"
run_in "$m5" 3 upgrade e2
if grep -q "$esc" "$work/err" "$work/out"; then
    fail "a raw ESC reached the terminal: $(od -c "$work/err" | head -20)"
fi
err_has 'evil \x1b]0;owned\x1b\ \x1b[2J title'
err_has 'boom \x1b[31mred\x1b[0m'
rm "$m5/e2.sql"
run_in "$m5" 0 upgrade e1
run_in "$m5" 0 history
! grep -q "$esc" "$work/out" || fail "history printed a raw ESC"
out_has 'evil \x1b]0;owned\x1b\ \x1b[2J title'
run_in "$m5" 0 --format json history
! grep -q "$esc" "$work/out" || fail "history --format json printed a raw ESC"
out_has '"evil \u001b]0;owned\u001b\\ \u001b[2J title"'
ok "ESC sequences in revision messages and server errors are printed as \\x1b (JSON: \\u001b)"

# A C1 control (U+009B, CSI for some terminals) in a message: escaped too.
c1=$(printf '\302\233')
rev "$m5/e4.sql" e4 e1 true "SELECT 1;" "c1 ${c1}2J"
run_in "$m5" 0 upgrade e4
! grep -q "$c1" "$work/err" "$work/out" || fail "a raw U+009B reached the terminal"
err_has 'c1 \xc2\x9b2J'
run_in "$m5" 0 --format json history
! grep -q "$c1" "$work/out" || fail "history --format json printed a raw U+009B"
out_has '"c1 \u009b2J"'
ok "a C1 control (U+009B) is escaped as well"

touch "$m5/e3${esc}[2Jx.sql"
run_in "$m5" 2 check
! grep -q "$esc" "$work/err" || fail "a raw ESC in a file name reached the terminal"
err_has 'e3\x1b[2Jx.sql'
rm "$m5/e3${esc}[2Jx.sql"
ok "a file name with an ESC is refused, printed escaped"

mkfifo "$m5/f1.sql"
run_in "$m5" 2 check
err_has "f1.sql:0: error: could not read the file: not a regular file"
rm "$m5/f1.sql"
mkfifo "$work/fifo"
ln -s "$work/fifo" "$m5/f2.sql"
run_in "$m5" 2 upgrade e1
err_has "f2.sql:0: error: could not read the file: not a regular file"
rm "$m5/f2.sql"
ln -s /dev/zero "$m5/f3.sql"
run_in "$m5" 2 history
err_has "f3.sql:0: error: could not read the file: not a regular file"
rm "$m5/f3.sql"
truncate -s 65M "$m5/f4.sql"
run_in "$m5" 2 check
err_has "f4.sql:0: error: could not read the file: larger than 64 MiB"
rm "$m5/f4.sql"
run_in "$m5" 0 history
ok "a FIFO, links to a FIFO and to /dev/zero, and a 65 MiB file are refused at once (exit 2)"

echo "$test_name: all checks passed"
