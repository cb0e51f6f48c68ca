#!/usr/bin/env bash
# Script test: `pg_revisions import flyway|dbmate|sqitch` and
# `pg_revisions stamp --from flyway|dbmate|sqitch`.
#
# For each tool: a project in its own layout; a database brought part of the
# way by that tool (Sqitch: the real sqitch when installed; Flyway and dbmate:
# their scripts run with psql and their history tables created as the tools
# create them); import; stamp --from on that database; upgrade the rest; the
# schema must equal that of a fresh database upgraded with the imported files
# only.  Then bad input: each a clear error naming the file, nothing written;
# bad version tables: an error, nothing stamped.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_import_sql
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

fresh="${db}_fresh"
cleanup_fresh() {
    local rc=$?
    psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null 2>&1 || true
    client_helpers_cleanup
    return "$rc"
}
trap cleanup_fresh EXIT

# new_dbs: empty $db (the tool's database) and $fresh, both with the extension.
new_dbs() {
    psql_q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" \
        -c "CREATE DATABASE $db" -c "CREATE DATABASE $fresh"
    psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"
    psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"
}
# schema DB SCHEMA: the DDL of one schema, for comparing.
schema() { "$PG_BIN/pg_dump" -s -n "$2" -d "$1" | grep -v -e '^--' -e '^$' -e '^\\restrict' -e '^\\unrestrict'; }
same_schema() {
    local a b
    a=$(schema "$db" "$1")
    b=$(schema "$fresh" "$1")
    [ "$a" = "$b" ] || fail "schema $1 differs between the adopted and the fresh database:
$(diff <(echo "$a") <(echo "$b"))"
}
# header FILE KEY: a header value of a migration file.
header() { sed -n "s/^-- $2: *//p" "$1"; }
file_of() {
    local f
    f=$(grep -lx -- "-- revision: $2" "$work/$1"/*.sql) || fail "no file of revision $2 in $1"
    echo "$f"
}
nothing_written() {
    [ ! -e "$work/$1" ] || fail "$1 was written after a failed import: $(ls -a "$work/$1")"
    if ls -d "$work/$1".import-* >/dev/null 2>&1; then fail "a temporary directory was left: $(ls -d "$work/$1".import-*)"; fi
}

# ---------------------------------------------------------------- Flyway
fly="$work/flyway/sql"
mkdir -p "$fly/more"
echo "CREATE TABLE users (id int PRIMARY KEY);" >"$fly/V1__create_users.sql"
echo "ALTER TABLE users ADD COLUMN email text;" >"$fly/V1.1__add_email.sql"
echo "CREATE INDEX users_email ON users (email);" >"$fly/more/V1_10__email_index.sql"
echo "CREATE TABLE posts (id int, user_id int REFERENCES users);" >"$fly/V2__posts.sql"
echo "DROP TABLE posts;" >"$fly/U2__posts.sql"
echo "CREATE INDEX CONCURRENTLY posts_user ON posts (user_id);" >"$fly/V3__posts_index.sql"
echo "executeInTransaction=false" >"$fly/V3__posts_index.sql.conf"
echo "CREATE OR REPLACE VIEW v AS SELECT 1;" >"$fly/R__views.sql"

run 0 import flyway flyway/sql -m fly
err_has "imported 6 revisions from flyway into fly"
[ "$(header "$(file_of fly R_views)" down_revision)" = "V3" ] || fail "the repeatable script is not after the last version"
grep -q "CREATE OR REPLACE VIEW v" "$(file_of fly R_views)" || fail "R_views lacks its SQL"
[ "$(header "$(file_of fly V1)" down_revision)" = "" ] || fail "V1 is not a root"
[ "$(header "$(file_of fly V1_1)" down_revision)" = "V1" ] || fail "V1_1's parent"
[ "$(header "$(file_of fly V1_10)" down_revision)" = "V1_1" ] || fail "V1_10's parent (1.1 < 1.10 < 2)"
[ "$(header "$(file_of fly V2)" down_revision)" = "V1_10" ] || fail "V2's parent"
[ "$(header "$(file_of fly V2)" message)" = "posts" ] || fail "V2's message"
[ "$(header "$(file_of fly V3)" transactional)" = "false" ] || fail "V3 is not marked transactional: false"
grep -q "DROP TABLE posts;" "$(file_of fly V2)" || fail "V2 lacks its undo script as downgrade"
ok "import flyway: ids V<version>, parents in version order, U as downgrade, .conf, R__ last"

# The Flyway database: V1 .. V1.10 applied, as Flyway records it.
new_dbs
for f in V1__create_users.sql V1.1__add_email.sql more/V1_10__email_index.sql; do psql_q -d "$db" -f "$fly/$f"; done
psql_q -d "$db" <<'EOF'
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
INSERT INTO flyway_schema_history VALUES
 (1, '1', 'create users', 'SQL', 'V1__create_users.sql', 1, 'me', now(), 5, true),
 (2, '1.1', 'add email', 'SQL', 'V1.1__add_email.sql', 1, 'me', now(), 5, true),
 (3, NULL, 'views', 'SQL', 'R__views.sql', 1, 'me', now(), 5, true),
 (4, '2', 'posts', 'SQL', 'V2__posts.sql', 1, 'me', now(), 5, false),
 (5, '1.10', 'email index', 'SQL', 'V1_10__email_index.sql', 1, 'me', now(), 5, true);
EOF
run 0 stamp --from flyway -m fly
out_has "V1_10"
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "V1_10" ] || fail "flyway stamp: $(value "SELECT rev_current()")"
run 0 upgrade -m fly
PGDATABASE=$fresh run 0 upgrade -m fly
psql_q -d "$db" -c "DROP TABLE flyway_schema_history"
same_schema public
ok "stamp --from flyway: the successful versioned rows (V1_10), then upgrade; schema = a fresh upgrade"

# An unknown version in the history: an error, nothing stamped.
new_dbs
psql_q -d "$db" -c 'CREATE TABLE "public"."flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)' \
    -c "INSERT INTO flyway_schema_history VALUES (1, '1', 'x', 'SQL', 'V1__x.sql', 1, 'me', now(), 1, true), (2, '9', 'x', 'SQL', 'V9__x.sql', 1, 'me', now(), 1, true)"
run 2 stamp --from flyway -m fly
err_has 'says version "9" is applied, but no migration file has id "V9"'
err_has "nothing was changed"
[ "$(value "SELECT count(*) FROM rev_history()")" = "0" ] || fail "a failed stamp --from registered files"
run 2 stamp --from dbmate -m fly
err_has "the database has no dbmate version table public.schema_migrations"
ok "stamp --from: an unknown version or a missing table is an error that stamps and registers nothing"

# Bad Flyway input: nothing written.
echo "DROP TABLE x;" >"$fly/U7__nothing.sql"
run 2 import flyway flyway/sql -m fly2
err_has "flyway/sql/U7__nothing.sql: error: undo script of version 7, but no versioned script"
err_has "nothing was written"
nothing_written fly2
rm "$fly/U7__nothing.sql"
echo "SELECT 1;" >"$fly/V1_1__again.sql"
run 2 import flyway flyway/sql -m fly2
err_has "version 1_1 is also"
nothing_written fly2
rm "$fly/V1_1__again.sql"
run 2 import flyway flyway/sql -m fly
err_has 'the migrations directory "fly" holds migration files already'
run 2 import flyway flyway/nowhere -m fly2
err_has "flyway/nowhere: error: could not open the Flyway location"
nothing_written fly2
ok "bad Flyway input (undo without version, one version twice, a missing location, a used directory): nothing written"

# ---------------------------------------------------------------- dbmate
dbm="$work/db/migrations"
mkdir -p "$dbm"
cat >"$dbm/20240101000000_create_accounts.sql" <<'EOF'
-- migrate:up
CREATE TABLE accounts (id bigint PRIMARY KEY, name text);

-- migrate:down
DROP TABLE accounts;
EOF
cat >"$dbm/20240102000000_add_balance.sql" <<'EOF'
-- migrate:up
ALTER TABLE accounts ADD COLUMN balance numeric NOT NULL DEFAULT 0;
-- migrate:down
ALTER TABLE accounts DROP COLUMN balance;
EOF
cat >"$dbm/20240103000000_index_name.sql" <<'EOF'
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY accounts_name ON accounts (name);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY accounts_name;
EOF
run 0 import dbmate db/migrations -m dbm
f=$(file_of dbm 20240103000000)
[ "$(header "$f" down_revision)" = "20240102000000" ] || fail "dbmate parent"
[ "$(header "$f" transactional)" = "false" ] || fail "dbmate transaction:false"
[ "$(header "$(file_of dbm 20240102000000)" message)" = "add balance" ] || fail "dbmate message"
grep -q "DROP COLUMN balance" "$(file_of dbm 20240102000000)" || fail "dbmate down section"
rm -r "$work/dbm"
run 0 --format json import dbmate db/migrations -m dbm
[ "$(json 'len(j)')" = "3" ] || fail "JSON output: $(cat "$work/out")"
[ "$(json 'j[0]["revision"]')" = "20240101000000" ] || fail "JSON output: $(cat "$work/out")"
ok "import dbmate: ids = versions, parents in order, sections, transaction:false; --format json"

new_dbs
# what dbmate up leaves after the first migration (its up section, its table)
psql_q -d "$db" -c "create table if not exists schema_migrations (version varchar(128) primary key)" \
    -c "CREATE TABLE accounts (id bigint PRIMARY KEY, name text)" -c "INSERT INTO schema_migrations VALUES ('20240101000000')"
run 0 stamp --from dbmate -m dbm
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "20240101000000" ] || fail "dbmate stamp"
run 0 upgrade -m dbm
PGDATABASE=$fresh run 0 upgrade -m dbm
psql_q -d "$db" -c "DROP TABLE schema_migrations"
same_schema public
ok "stamp --from dbmate, then upgrade: schema = a fresh upgrade"

# A gap (dbmate applied out of order): an error, nothing stamped.
new_dbs
psql_q -d "$db" -c "create table if not exists schema_migrations (version varchar(128) primary key)" \
    -c "INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240103000000')"
run 2 stamp --from dbmate -m dbm
err_has 'public.schema_migrations does not list "20240102000000" as applied, but revisions after it are'
[ "$(value "SELECT count(*) FROM rev_history()")" = "0" ] || fail "a failed stamp --from registered files"
# An empty table: base.
psql_q -d "$db" -c "DELETE FROM schema_migrations"
run 0 stamp --from dbmate -m dbm
[ "$(value "SELECT count(*) FROM rev_current()")" = "0" ] || fail "empty schema_migrations is not base"
ok "stamp --from dbmate: an out-of-order gap is an error; an empty table stamps base"

printf '%s\n' "CREATE TABLE broken (id int);" >"$dbm/20240104000000_no_marker.sql"
run 2 import dbmate db/migrations -m dbm2
err_has "db/migrations/20240104000000_no_marker.sql:1: error: no \"-- migrate:up\" line"
nothing_written dbm2
printf '%s\n' "-- migrate:down" "x" "-- migrate:up" "y" >"$dbm/20240104000000_no_marker.sql"
run 2 import dbmate db/migrations -m dbm2
err_has 'db/migrations/20240104000000_no_marker.sql:1: error: "-- migrate:down" before "-- migrate:up"'
nothing_written dbm2
rm "$dbm/20240104000000_no_marker.sql"
ok "bad dbmate input: an error naming the file and line, nothing written"

# ---------------------------------------------------------------- Sqitch
sq="$work/sq"
mkdir -p "$sq/deploy" "$sq/revert" "$sq/verify"
cat >"$sq/sqitch.plan" <<'EOF'
%syntax-version=1.0.0
%project=flipr

appschema 2024-01-01T00:00:00Z T <t@example.com> # Add schema for all flipr objects.
users [appschema] 2024-01-02T00:00:00Z T <t@example.com> # Creates table to track our users.
@v1.0 2024-01-02T00:00:01Z T <t@example.com> # Tag v1.0.
flips [appschema users] 2024-01-03T00:00:00Z T <t@example.com> # Adds table for storing flips.
insert-user [users@v1.0 appschema] 2024-01-04T00:00:00Z T <t@example.com> # A function.
EOF
for c in appschema users flips insert-user; do
    case $c in
        appschema) up="CREATE SCHEMA flipr;"; down="DROP SCHEMA flipr;";;
        users) up="CREATE TABLE flipr.users (nickname text PRIMARY KEY, password text NOT NULL);"; down="DROP TABLE flipr.users;";;
        flips) up="CREATE TABLE flipr.flips (id bigserial PRIMARY KEY, nickname text NOT NULL REFERENCES flipr.users, body text);"; down="DROP TABLE flipr.flips;";;
        insert-user) up="CREATE FUNCTION flipr.insert_user(n text, p text) RETURNS void LANGUAGE sql AS \$\$ INSERT INTO flipr.users VALUES (n, md5(p)); \$\$;"; down="DROP FUNCTION flipr.insert_user(text, text);";;
    esac
    printf -- '-- Deploy flipr:%s to pg\n\nBEGIN;\n\n%s\n\nCOMMIT;\n' "$c" "$up" >"$sq/deploy/$c.sql"
    printf -- '-- Revert flipr:%s from pg\n\nBEGIN;\n\n%s\n\nCOMMIT;\n' "$c" "$down" >"$sq/revert/$c.sql"
    printf -- '-- Verify flipr:%s on pg\n\nBEGIN;\nROLLBACK;\n' "$c" >"$sq/verify/$c.sql"
done
run 0 import sqitch sq -m sqm
f=$(file_of sqm insert_user)
[ "$(header "$f" down_revision)" = "flips" ] || fail "sqitch parent = previous change"
[ "$(header "$f" depends_on)" = "users, appschema" ] || fail "sqitch requires -> depends_on: $(header "$f" depends_on)"
[ "$(header "$(file_of sqm flips)" depends_on)" = "appschema" ] || fail "flips: requires minus the parent"
[ "$(header "$f" message)" = "A function." ] || fail "sqitch note as message"
if grep -qE '^(BEGIN|COMMIT);' "$f"; then fail "BEGIN;/COMMIT; kept: $(cat "$f")"; fi
grep -q "DROP FUNCTION flipr.insert_user" "$f" || fail "revert script as downgrade"
ok "import sqitch: plan order as parents, requires as depends_on, BEGIN/COMMIT stripped, notes as messages"

new_dbs
need "command -v sqitch && perl -MDBD::Pg -e 1" sqitch libdbd-pg-perl
if command -v sqitch >/dev/null 2>&1; then
    (cd "$sq" && HOME="$work" sqitch --quiet deploy --to users "db:pg://$PGUSER@$PGHOST:$PGPORT/$db" >/dev/null 2>&1) ||
        fail "sqitch deploy failed"
    how="the real sqitch"
else
    for c in appschema users; do psql_q -d "$db" -f "$sq/deploy/$c.sql"; done
    psql_q -d "$db" -c "CREATE SCHEMA sqitch" -c "CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, script_hash text, change text NOT NULL, project text NOT NULL, note text NOT NULL DEFAULT '', committed_at timestamptz NOT NULL DEFAULT clock_timestamp(), committer_name text NOT NULL DEFAULT '', committer_email text NOT NULL DEFAULT '', planned_at timestamptz NOT NULL DEFAULT now(), planner_name text NOT NULL DEFAULT '', planner_email text NOT NULL DEFAULT '')" \
        -c "INSERT INTO sqitch.changes (change_id, change, project) VALUES ('a', 'appschema', 'flipr'), ('b', 'users', 'flipr')"
    how="a hand-made sqitch.changes (sqitch is not installed)"
fi
[ "$(value "SELECT count(*) FROM sqitch.changes")" = "2" ] || fail "sqitch did not deploy two changes"
run 0 stamp --from sqitch -m sqm
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "users" ] || fail "sqitch stamp"
run 0 upgrade -m sqm
PGDATABASE=$fresh run 0 upgrade -m sqm
same_schema flipr
ok "stamp --from sqitch ($how), then upgrade: schema = a fresh upgrade"

printf '%s\n' "%project=x" "a 2024-01-01T00:00:00Z T <t@e> # a" "b [zz] 2024-01-01T00:00:00Z T <t@e> # b" >"$work/bad.plan"
mkdir -p "$work/deploy"
echo "SELECT 1;" >"$work/deploy/a.sql"
echo "SELECT 1;" >"$work/deploy/b.sql"
run 2 import sqitch bad.plan -m sq2
err_has 'bad.plan:3: error: change "b" requires "zz", which is not planned before it'
nothing_written sq2
printf '%s\n' "%project=x" "a 2024-01-01T00:00:00Z T <t@e> # a" "c 2024-01-01T00:00:00Z T <t@e> # c" >"$work/bad.plan"
run 2 import sqitch bad.plan -m sq2
err_has "deploy/c.sql: error: could not read the Sqitch deploy script"
err_has 'change "c" is planned on line 3'
nothing_written sq2
printf '%s\n' "%project=x" "a 2024-01-01T00:00:00Z T <t@e> # a" "@t 2024-01-01T00:00:00Z T <t@e> # t" \
    "a [a@t] 2024-01-01T00:00:00Z T <t@e> # rework" >"$work/bad.plan"
run 2 import sqitch bad.plan -m sq2
err_has 'deploy/a@t.sql: error: could not read the Sqitch deploy script'
err_has 'change "a" is planned on line 2'
nothing_written sq2
printf '%s\n' "%project=x" "a 2024-01-01T00:00:00Z T <t@e> # a" "a 2024-01-01T00:00:00Z T <t@e> # again" >"$work/bad.plan"
run 2 import sqitch bad.plan -m sq2
err_has 'bad.plan:3: error: change "a" is planned again (line 2) without a tag in between'
nothing_written sq2
run 2 import sqitch nowhere -m sq2
err_has "nowhere: error: could not read the Sqitch plan"
nothing_written sq2
run 2 import liquibase x -m sq2
err_has 'unknown tool "liquibase"'
ok "bad Sqitch input (unplanned requirement, missing script, a reworked change without its @tag script or without a tag, no plan): an error naming the file, nothing written"
