#!/usr/bin/env bash
# Script test: `pg_revisions squash [TARGET] [-m MSG]` and baseline files
# ("-- replaces:"), registered with rev_add_baseline.
#
# 1. A 40-revision history (tables, an index, a seed row) applied to one
#    database; squash writes a baseline file, names the seed row's revision
#    (the server's WARNING), and leaves the database unchanged.
# 2. The user adds the seed row to the file; upgrade on the applied database
#    registers the baseline and runs nothing; a fresh database runs the
#    baseline alone (one step in `sql`), gets the same schema (pg_dump -s) and
#    the seed row, and every replaced revision counts as applied.
# 3. A new revision's parent is the real head, never the baseline; squash of
#    an earlier target works on the partly newer history.
# 4. Editing a registered baseline file is refused (different SQL) naming
#    the file; a bad baseline header is a file error.
set -euo pipefail

test_name=client_squash
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

fresh="${db}_fresh"
cleanup_fresh() {
    local rc=$?
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null 2>&1 || true
    client_helpers_cleanup
    return "$rc"
}
trap cleanup_fresh EXIT
psql_q -d postgres -c "CREATE DATABASE $fresh"
psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"
schema() { "$PG_BIN/pg_dump" -s -n public -d "$1" | grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'; }
fvalue() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -d "$fresh" -c "$1"; }

run 0 init
mig="$work/migrations"
prev=""
for i in $(seq -w 1 40); do
    case $i in
        01) up="CREATE TABLE t01 (id int PRIMARY KEY, name text NOT NULL)"; down="DROP TABLE t01";;
        07) up="INSERT INTO t01 VALUES (1, 'root')"; down="DELETE FROM t01 WHERE id = 1";;
        13) up="CREATE INDEX t01_name ON t01 (name)"; down="DROP INDEX t01_name";;
        *) up="CREATE TABLE t$i (id int PRIMARY KEY, t01_id int REFERENCES t01)"; down="DROP TABLE t$i";;
    esac
    printf -- '-- revision: r%s\n-- down_revision: %s\n-- message: step %s\n\n-- migrate:upgrade\n%s;\n\n-- migrate:downgrade\n%s;\n' \
        "$i" "$prev" "$i" "$up" "$down" >"$mig/r${i}_step.sql"
    prev="r$i"
done
run 0 upgrade
before=$(catalog_state)

run 0 squash -m "baseline of r40"
base_file="$work/$(cat "$work/out")"
[ -f "$base_file" ] || fail "squash printed no file: $(cat "$work/out")"
base_id=$(file_id "$base_file")
grep -qx -- "-- replaces: r40" "$base_file" || fail "no replaces header: $(head -5 "$base_file")"
grep -q -- "-- down_revision" "$base_file" && fail "a baseline file has a down_revision"
grep -q "CREATE TABLE public.t40" "$base_file" || fail "baseline SQL lacks t40: $(cat "$base_file")"
err_has 'WARNING:  1 replaced revision writes rows, which the baseline does not hold'
err_has '"r07"'
err_has "add the rows a new database needs"
[ "$(catalog_state)" = "$before" ] || fail "squash changed the database"
ok "squash writes a baseline file (-- replaces: r40), names the seed row's revision, changes nothing"

# The user adds the seed row before committing the file.
sed -i "/^-- migrate:downgrade/i INSERT INTO public.t01 VALUES (1, 'root');\n" "$base_file"
run 0 upgrade
[ "$(value "SELECT replaces FROM revisions.revision WHERE revision = '$base_id'")" = "r40" ] || fail "baseline not registered"
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "r40" ] || fail "current moved"
run 0 check
ok "upgrade on the applied database registers the baseline (rev_add_baseline) and runs nothing"

PGDATABASE=$fresh run 0 sql head
out_has "$base_id"
if grep -q "r39" "$work/out"; then fail "the fresh plan replays r39: $(cat "$work/out")"; fi
PGDATABASE=$fresh run 0 upgrade
[ "$(schema "$db")" = "$(schema "$fresh")" ] || fail "the baseline builds another schema:
$(diff <(schema "$db") <(schema "$fresh"))"
[ "$(fvalue "SELECT name FROM t01")" = "root" ] || fail "the seed row added to the baseline is missing"
[ "$(fvalue "SELECT count(*) FROM revisions.applied")" = "40" ] || fail "the replaced revisions are not all applied"
PGDATABASE=$fresh run 0 check
ok "a fresh database runs the baseline alone: same schema, the seed row, all 40 counted applied"

# A new revision: its parent is r40 (the baseline is never a head).
run 0 revision -m "after the baseline"
new_file="$work/$(cat "$work/out")"
grep -qx -- "-- down_revision: r40" "$new_file" || fail "new revision's parent: $(head -3 "$new_file")"
set_sql "$new_file" "CREATE TABLE after_base (id int);" "DROP TABLE after_base;"
PGDATABASE=$fresh run 0 upgrade
run 0 upgrade
ok "a new revision after a baseline has r40 as parent and applies on both databases"

# An earlier target: a baseline of r20 on a database at the head (replayed).
run 0 squash r20 -m "baseline of r20"
f20="$work/$(cat "$work/out")"
grep -qx -- "-- replaces: r20" "$f20" || fail "squash r20"
if grep -q "t30" "$f20"; then fail "the r20 baseline holds t30"; fi
rm "$f20"
ok "squash TARGET: a baseline of an earlier revision holds only its schema"

# A registered baseline never changes.
cp "$base_file" "$work/keep.sql"
sed -i "s/VALUES (1, 'root')/VALUES (1, 'admin')/" "$base_file"
run 3 upgrade
err_has "is already registered with different SQL"
err_has "$(basename "$base_file")"
err_has "nothing was changed"
cp "$work/keep.sql" "$base_file"
printf '%s\n' "-- revision: bx" "-- replaces: r10" "-- down_revision: r09" "-- migrate:upgrade" "SELECT 1;" >"$mig/bx_bad.sql"
run 2 upgrade
err_has "migrations/bx_bad.sql:2: error: a baseline"
rm "$mig/bx_bad.sql"
printf '%s\n' "-- revision: bx" "-- replaces: nope" "-- migrate:upgrade" "SELECT 1;" >"$mig/bx_bad.sql"
run 3 upgrade
err_has 'revision "nope" does not exist'
err_has "bx_bad.sql"
rm "$mig/bx_bad.sql"
run 0 upgrade
ok "an edited registered baseline, a baseline with a parent, one replacing an unknown revision: errors naming the file"
