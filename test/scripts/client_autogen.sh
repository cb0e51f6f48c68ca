#!/usr/bin/env bash
# Script test: `pg_revisions revision --autogenerate` and `check --models` of
# the command-line client (bin/autogen.c), against the test cluster:
#   a database with a table (one hand-written revision, applied); a models file
#   adding a column, an index and a table; check --models exits 1 listing the
#   statements (text and JSON); revision --autogenerate writes a file (header
#   parent and message, the statements in its upgrade and downgrade sections,
#   the server's destructive comments verbatim) and changes nothing in the
#   database; check --models exits 1 while it is pending, and, the file taken
#   out of the directory, 1 again for the schema difference; upgrade head
#   applies it (catalog checked); check --models exits 0 and autogenerate says
#   "no changes", writing nothing; downgrade -1 brings the old schema back
#   (catalog checked); then autogenerate is refused while a revision is pending
#   (exit 1, nothing written); a broken models file gives exit 3 with the
#   server's message, CONTEXT and the file's line, writing nothing; a missing
#   models file (given or the default models.sql) exit 2; --schema; a
#   destructive upgrade keeps the server's "-- drops ..." lines; --privileges
#   (GRANT in the models, compared only then); a generated
#   line reading as a section marker is refused (exit 2); usage errors.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_autogen
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

mig="$work/migrations"
nfiles() { find "$mig" -name '*.sql' | wc -l; }
# section FILE up|down: the upgrade or downgrade section of a migration file.
section() {
    awk -v want="$2" '/^-- migrate:upgrade$/ {s = "up"; next} /^-- migrate:downgrade$/ {s = "down"; next}
                      s == want {print}' "$1"
}
# has FILE_OR_TEXT_NAME TEXT CONTENT: CONTENT contains the line TEXT.
has_line() {
    printf '%s\n' "$3" | grep -qxF -- "$2" || fail "$1 lacks the line [$2]:
$3"
}
users_columns() { value "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
                         WHERE attrelid = 'public.users'::regclass AND attnum > 0 AND NOT attisdropped"; }
relations() { value "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
                     WHERE relnamespace = 'public'::regnamespace"; }

# --- help ---------------------------------------------------------------------
run 0 --help
out_has "revision --autogenerate -m MSG [--models FILE] [--schema NAME]"
out_has "check [--models FILE [--schema NAME] [--privileges]]"
out_has "alembic check"
ok "--help documents revision --autogenerate and check --models"

# --- a database with a table ----------------------------------------------------
run 0 init
cat >"$mig/r1_users.sql" <<'EOF'
-- revision: r1
-- down_revision:
-- message: users

-- migrate:upgrade
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);

-- migrate:downgrade
DROP TABLE users;
EOF
run 0 upgrade head
[ "$(users_columns)" = "id,email" ] || fail "r1 not applied: $(users_columns)"
cat >"$work/models.sql" <<'EOF'
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text);
CREATE INDEX users_email ON users (email);
CREATE TABLE posts (id int PRIMARY KEY, author int NOT NULL REFERENCES users, title text NOT NULL);
EOF

# --- check --models before any revision: the difference -------------------------
run 1 check --models models.sql
out_has "ALTER TABLE public.users ADD COLUMN name text;"
out_has "CREATE INDEX users_email ON public.users USING btree (email);"
out_has "CREATE TABLE public.posts ("
err_has "the database does not match models.sql: 5 statements would be generated; run pg_revisions revision --autogenerate"
run 1 --format json check --models models.sql
[ "$(json 'len(j)')" = 5 ] || fail "check --models JSON: not 5 statements: $(cat "$work/out")"
[ "$(json 'sum("ADD COLUMN name text" in s for s in j)')" = 1 ] || fail "JSON lacks the new column: $(cat "$work/out")"
ok "check --models: exit 1, the 5 statements (text and JSON)"

# --- revision --autogenerate writes the file, changes nothing ---------------------
before=$(catalog_state)
run 0 revision --autogenerate -m "names and posts"
f2="$work/$(cat "$work/out")"
[ -f "$f2" ] || fail "autogenerate did not print the new file's path: $(cat "$work/out")"
[ "$(nfiles)" = 2 ] || fail "autogenerate wrote $(nfiles) files, not 2"
id2=$(file_id "$f2")
case "$(basename "$f2")" in "${id2}_names_and_posts.sql") ;; *) fail "file name $(basename "$f2")";; esac
grep -qx -- "-- down_revision: r1" "$f2" || fail "the new file's parent is not r1: $(cat "$f2")"
grep -qx -- "-- message: names and posts" "$f2" || fail "no message in $(cat "$f2")"
err_has "review it, then pg_revisions upgrade"
up=$(section "$f2" up)
down=$(section "$f2" down)
has_line "the upgrade section" "ALTER TABLE public.users ADD COLUMN name text;" "$up"
has_line "the upgrade section" "CREATE INDEX users_email ON public.users USING btree (email);" "$up"
has_line "the upgrade section" "CREATE TABLE public.posts (" "$up"
has_line "the upgrade section" \
    "ALTER TABLE public.posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author) REFERENCES public.users(id);" "$up"
has_line "the downgrade section" "-- drops table public.posts and all its rows" "$down"
has_line "the downgrade section" "DROP TABLE public.posts;" "$down"
has_line "the downgrade section" "ALTER TABLE public.users DROP COLUMN name;" "$down"
has_line "the downgrade section" "DROP INDEX public.users_email;" "$down"
case "$up" in *"-- "*) fail "the upgrade has a destructive comment: $up";; esac
[ "$(catalog_state)" = "$before" ] || fail "autogenerate changed the database:
$before
---
$(catalog_state)"
ok "revision --autogenerate: a file with parent r1, the message, the statements; the database unchanged"

# --- check --models while it is pending; then without its file --------------------
run 1 check --models models.sql
out_has "$id2"
err_has "1 revision pending"
mv "$f2" "$work/aside.sql"
run 1 check --models models.sql
out_has "ALTER TABLE public.users ADD COLUMN name text;"
err_has "the database does not match models.sql: 5 statements"
mv "$work/aside.sql" "$f2"
ok "check --models: exit 1 while the revision is pending, and for the schema difference without it"

# --- upgrade, then models and database agree ------------------------------------
run 0 upgrade head
out_has "$id2"
[ "$(users_columns)" = "id,email,name" ] || fail "users after the upgrade: $(users_columns)"
[ "$(relations)" = "posts,posts_pkey,users,users_email,users_pkey" ] || fail "relations after the upgrade: $(relations)"
[ "$(value "SELECT count(*) FROM pg_constraint WHERE conname = 'posts_author_fkey' AND contype = 'f'")" = 1 ] ||
    fail "no foreign key after the upgrade"
run 0 check --models models.sql
err_has "matches models.sql"
[ ! -s "$work/out" ] || fail "check --models printed statements when the database matches: $(cat "$work/out")"
run 0 --format json check --models models.sql
[ "$(json 'j')" = "[]" ] || fail "check --models JSON when matching: $(cat "$work/out")"
before=$(catalog_state)
run 0 revision --autogenerate -m "nothing"
err_has "no changes: the database matches models.sql; no revision written"
[ "$(nfiles)" = 2 ] || fail "autogenerate without changes wrote a file: $(ls "$mig")"
[ "$(catalog_state)" = "$before" ] || fail "autogenerate without changes changed the database"
ok "upgrade head applies it; check --models exits 0; autogenerate (default models.sql) says no changes, writes nothing"

# --- downgrade -1: the old schema -------------------------------------------------
run 0 downgrade -1
out_has "$id2"
[ "$(users_columns)" = "id,email" ] || fail "users after the downgrade: $(users_columns)"
[ "$(relations)" = "users,users_pkey" ] || fail "relations after the downgrade: $(relations)"
ok "downgrade -1 brings the old schema back"

# --- refused while not at head ----------------------------------------------------
# id2 (registered) is pending again, and so is r9, a file never registered:
# the refusal must leave r9 unregistered (the transaction is rolled back).
cat >"$mig/r9_extra.sql" <<EOF
-- revision: r9
-- down_revision: $id2
-- message: extra

-- migrate:upgrade
CREATE TABLE extra (id int);
EOF
before=$(catalog_state)
case "$before" in *r9*) fail "r9 registered already: $before";; esac
run 1 revision --autogenerate -m "too early"
err_has "the database is not up to date: 2 revisions pending:"
err_has "$id2"
err_has "r9 (migrations/r9_extra.sql)"
err_has "next: pg_revisions upgrade"
[ "$(nfiles)" = 3 ] || fail "autogenerate wrote a file while not at head: $(ls "$mig")"
[ "$(catalog_state)" = "$before" ] || fail "a refused autogenerate changed the database:
$before
---
$(catalog_state)"
rm "$mig/r9_extra.sql"
ok "autogenerate is refused (exit 1) while revisions are pending, writing and registering nothing"
run 0 upgrade head

# --- broken and missing models files ---------------------------------------------
printf 'CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text);\nCREATE TABLE oops (id int,, x int);\n' \
    >"$work/broken.sql"
before=$(catalog_state)
run 3 revision --autogenerate -m "broken" --models broken.sql
err_has 'syntax error at or near ","'
err_has "CONTEXT: while running the models given to rev_autogenerate_sql"
err_has "SQLSTATE: 42601"
err_has "models file: broken.sql:2 (schema public): CREATE TABLE oops (id int,, x int);"
err_has "no revision written"
[ "$(nfiles)" = 2 ] || fail "a broken models file wrote a file: $(ls "$mig")"
[ "$(catalog_state)" = "$before" ] || fail "a broken models file changed the database"
run 3 check --models broken.sql
err_has "CONTEXT: while running the models given to rev_check"
printf 'CREATE TABLE users (id int PRIMARY KEY, kind nosuchtype);\n' >"$work/badtype.sql"
run 3 revision --autogenerate -m "bad type" --models=badtype.sql
err_has 'type "nosuchtype" does not exist'
[ "$(nfiles)" = 2 ] || fail "a failing models file wrote a file: $(ls "$mig")"
ok "a broken models file: exit 3, the server's message, CONTEXT and the file's line; nothing written"

run 2 revision --autogenerate -m "missing" --models nope.sql
err_has 'could not read the models file "nope.sql"'
run 2 check --models nope.sql
err_has 'could not read the models file "nope.sql"'
mv "$work/models.sql" "$work/models.sql.off"
run 2 revision --autogenerate -m "no default"
err_has 'could not read the models file "models.sql"'
mv "$work/models.sql.off" "$work/models.sql"
[ "$(nfiles)" = 2 ] || fail "a missing models file wrote a file: $(ls "$mig")"
ok "a missing models file (given or the default models.sql): exit 2 naming it, nothing written"

# --- another schema -----------------------------------------------------------------
value "CREATE SCHEMA app; CREATE TABLE app.t (id int)" >/dev/null
printf 'CREATE TABLE t (id int, x int);\n' >"$work/app.sql"
run 1 check --models app.sql --schema app
out_has "ALTER TABLE app.t ADD COLUMN x integer;"
err_has "1 statement would be generated"
run 0 revision --autogenerate -m "app x" --models app.sql --schema app
f3="$work/$(cat "$work/out")"
has_line "the app revision's upgrade" "ALTER TABLE app.t ADD COLUMN x integer;" "$(section "$f3" up)"
grep -qx -- "-- down_revision: $id2" "$f3" || fail "the app revision's parent is not $id2: $(cat "$f3")"
rm "$f3"
ok "--schema compares another schema"

# --- --privileges: owners and privileges compared too ----------------------------
# (pg_revisions.diff_privileges, sent as a startup option: check prints what
# autogenerate writes)
value "DROP ROLE IF EXISTS regress_client_reader" >/dev/null
value "CREATE ROLE regress_client_reader NOLOGIN" >/dev/null
printf 'CREATE TABLE t (id int);\nGRANT SELECT ON t TO regress_client_reader;\n' >"$work/apppriv.sql"
# (exit 1 either way: schema app was made outside pg_revisions, which check reports)
run 1 check --models apppriv.sql --schema app
err_has "schema app matches apppriv.sql"
! grep -q GRANT "$work/out" || fail "check without --privileges compared privileges: $(cat "$work/out")"
run 1 check --models apppriv.sql --schema app --privileges
out_has "GRANT SELECT ON TABLE app.t TO regress_client_reader;"
err_has "1 statement would be generated"
run 0 revision --autogenerate -m "grant" --models apppriv.sql --schema app --privileges
f5="$work/$(cat "$work/out")"
has_line "the grant revision's upgrade" "GRANT SELECT ON TABLE app.t TO regress_client_reader;" "$(section "$f5" up)"
has_line "the grant revision's downgrade" "REVOKE SELECT ON TABLE app.t FROM regress_client_reader;" "$(section "$f5" down)"
rm "$f5"
run 2 revision -m "x" --privileges
err_has "--privileges goes with"
run 2 check --privileges
err_has "--privileges goes with"
value "DROP ROLE regress_client_reader" >/dev/null
ok "--privileges: check and revision --autogenerate compare owners and privileges too"

# --- a destructive upgrade keeps the server's comments ----------------------------
grep -v posts "$work/models.sql" >"$work/noposts.sql"
run 0 revision --autogenerate -m "drop posts" --models noposts.sql
f4="$work/$(cat "$work/out")"
up=$(section "$f4" up)
has_line "the destructive upgrade" "-- drops table public.posts and all its rows" "$up"
has_line "the destructive upgrade" "DROP TABLE public.posts;" "$up"
err_has "its upgrade has destructive statements:"
err_has "  -- drops table public.posts and all its rows"
rm "$f4"
ok "a destructive upgrade keeps the server's -- comments, and they are listed"

# --- a generated line that would read as a section marker -----------------------
cp "$work/models.sql" "$work/marker.sql"
printf "COMMENT ON TABLE users IS 'a\n-- migrate:downgrade\nb';\n" >>"$work/marker.sql"
run 2 revision --autogenerate -m "marker" --models marker.sql
err_has "a generated script has a line that reads as a section marker"
[ "$(nfiles)" = 2 ] || fail "a script with a marker line was written: $(ls "$mig")"
run 1 check --models marker.sql
out_has "COMMENT ON TABLE public.users IS"
ok "a generated script with a \"-- migrate:\" line is refused (exit 2), not written into a file it would break"

# --- usage errors -----------------------------------------------------------------
run 2 revision -m "x" --models models.sql
err_has "--models and --schema go with"
run 2 check --schema app
err_has "--schema goes with"
run 2 revision --autogenerate -m "x" --non-transactional
run 2 revision --autogenerate
err_has "revision needs a message"
run 2 revision --autogenerate -m "x" --head nosuch
err_has '--head "nosuch": no migration file has that revision'
[ "$(nfiles)" = 2 ] || fail "a usage error wrote a file: $(ls "$mig")"
ok "usage errors exit 2, writing nothing"

echo "client_autogen: all passed"
