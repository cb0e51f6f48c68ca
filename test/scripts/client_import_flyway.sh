#!/usr/bin/env bash
# Script test: `pg_revisions import flyway` with Flyway's placeholders and
# repeatable scripts, and `stamp --from flyway` with a repeatable row.
#
# 1. ${name} placeholders in V, U and R scripts, from flyway.conf
#    (flyway.placeholders.*, found above the location), FLYWAY_PLACEHOLDERS_*
#    and the import command's options (-placeholders.NAME=V, --placeholder
#    NAME=V, later ones winning); Flyway's defaults ${flyway:defaultSchema},
#    ${flyway:user}, ${flyway:database}, ${flyway:table}, ${flyway:filename},
#    ${flyway:timestamp}, ${flyway:workingDirectory}, ${flyway:environment};
#    flyway.toml; the replaced SQL runs.
# 2. An unresolved placeholder: an error naming the file, the line and the
#    placeholder, nothing written; -placeholderReplacement=false keeps them.
# 3. Repeatable scripts: revisions after the last version, in description
#    order, irreversible; stamp --from flyway counts them applied when every
#    version is and the history has their row; a Flyway schema-creation row
#    is skipped.
set -euo pipefail

test_name=client_import_flyway
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
psql_q -d postgres -c "CREATE DATABASE $fresh"
psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"
psql_q -d "$fresh" -c "CREATE EXTENSION pg_revisions"

header() { sed -n "s/^-- $2: *//p" "$1"; }
file_of() {
    local f
    f=$(grep -lx -- "-- revision: $2" "$work/$1"/*.sql) || fail "no file of revision $2 in $1"
    echo "$f"
}
nothing_written() {
    [ ! -e "$work/$1" ] || fail "$1 was written after a failed import: $(ls -a "$work/$1")"
    if ls -d "$work/$1".import-* >/dev/null 2>&1; then fail "a temporary directory was left"; fi
}
upgrade_sql() { sed -n '/^-- migrate:upgrade/,/^-- migrate:downgrade/p' "$1"; }

# ---------------------------------------------------------------- the project
proj="$work/proj"
loc="$proj/src/main/resources/db/migration"
mkdir -p "$loc"
cat >"$proj/flyway.conf" <<'EOF'
# Flyway configuration
flyway.url=jdbc:postgresql://db.example.com:5432/shop?ssl=true
flyway.user=shop_owner
flyway.schemas=app,extra
flyway.placeholders.tableName=customers
flyway.placeholders.Reader=placeholder_reader
flyway.placeholders.retention=30
flyway.placeholders.owner=from_conf
EOF
cat >"$loc/V1__init.sql" <<'EOF'
CREATE SCHEMA ${flyway:defaultSchema};
CREATE TABLE ${flyway:defaultSchema}.${tableName} (id int PRIMARY KEY, keep_days int DEFAULT ${RETENTION});
COMMENT ON TABLE ${flyway:defaultSchema}.${tableName} IS 'by ${flyway:user} on ${flyway:database}, history in ${flyway:table}, from ${flyway:filename}, env ${flyway:environment}';
CREATE TABLE ${flyway:defaultSchema}.audit (owner text DEFAULT '${owner}', region text DEFAULT '${region}', at text DEFAULT '${flyway:timestamp}', dir text DEFAULT '${flyway:workingDirectory}');
EOF
echo 'DROP SCHEMA ${flyway:defaultSchema} CASCADE;' >"$loc/U1__init.sql"
echo 'CREATE OR REPLACE VIEW ${flyway:defaultSchema}.b_view AS SELECT id FROM ${flyway:defaultSchema}.${tableName};' >"$loc/R__b_view.sql"
echo 'CREATE OR REPLACE VIEW ${flyway:defaultSchema}.a_view AS SELECT 1 AS one;' >"$loc/R__a_view.sql"
echo 'ALTER TABLE ${flyway:defaultSchema}.${tableName} ADD COLUMN name text;' >"$loc/V2__name.sql"

FLYWAY_PLACEHOLDERS_REGION=eu FLYWAY_PLACEHOLDERS_OWNER=from_env run 0 import flyway proj/src/main/resources/db/migration \
    -m mig -placeholders.owner=from_option
f=$(file_of mig V1)
up=$(upgrade_sql "$f")
for want in "CREATE SCHEMA app;" "CREATE TABLE app.customers (id int PRIMARY KEY, keep_days int DEFAULT 30);" \
    "'by shop_owner on shop, history in flyway_schema_history, from V1__init.sql, env default'" \
    "owner text DEFAULT 'from_option', region text DEFAULT 'eu'" "dir text DEFAULT '$work'"; do
    grep -qF -- "$want" <<<"$up" || fail "V1 lacks [$want]: $up"
done
grep -qE "at text DEFAULT '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'" <<<"$up" || fail "flyway:timestamp: $up"
grep -q 'DROP SCHEMA app CASCADE;' "$f" || fail "U1's placeholder: $(cat "$f")"
if grep -q '\${' "$work"/mig/*.sql; then fail "a placeholder was left: $(grep '\${' "$work"/mig/*.sql)"; fi
ok "flyway placeholders: flyway.conf above the location, FLYWAY_PLACEHOLDERS_*, -placeholders. (later wins), case-insensitive names, Flyway's defaults, U scripts"

[ "$(header "$(file_of mig R_a_view)" down_revision)" = "V2" ] || fail "R_a_view is not after V2"
[ "$(header "$(file_of mig R_b_view)" down_revision)" = "R_a_view" ] || fail "repeatables not in description order"
grep -q "CREATE OR REPLACE VIEW app.b_view AS SELECT id FROM app.customers;" "$(file_of mig R_b_view)" || fail "R's placeholders"
if sed -n '/^-- migrate:downgrade/,$p' "$(file_of mig R_b_view)" | grep -v '^-- migrate:downgrade' | grep -q '[^[:space:]]'; then
    fail "a repeatable has a downgrade"
fi
PGDATABASE=$fresh run 0 upgrade -m mig
[ "$("$PG_BIN/psql" -X -A -t -d "$fresh" -c "SELECT column_default || ' ' || (SELECT count(*) FROM app.b_view) FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'customers' AND column_name = 'keep_days'")" = "30 0" ] ||
    fail "the imported files do not build app.customers and app.b_view"
ok "R__ scripts: revisions after the last version, in description order, irreversible; the replaced SQL runs"

# --placeholder beats everything; flyway.toml is read too; the conf is given with --flyway-config.
mkdir -p "$work/toml/sql"
cp "$loc/V1__init.sql" "$work/toml/sql/"
cat >"$work/toml/flyway.toml" <<'EOF'
[environments.default]
url = "jdbc:postgresql://localhost/tomldb"
user = "toml_user"

[flyway]
defaultSchema = "tschema"

[flyway.placeholders]
tableName = "t_customers"
retention = "7"
owner = "o"
region = "r"
EOF
run 0 import flyway toml/sql -m mig_toml --placeholder retention=99
up=$(upgrade_sql "$(file_of mig_toml V1)")
for want in "CREATE TABLE tschema.t_customers (id int PRIMARY KEY, keep_days int DEFAULT 99);" "by toml_user on tomldb"; do
    grep -qF -- "$want" <<<"$up" || fail "flyway.toml: V1 lacks [$want]: $up"
done
run 0 import flyway toml/sql -m mig_conf --flyway-config proj/flyway.conf --placeholder region=x --placeholder flyway:user=alice
up=$(upgrade_sql "$(file_of mig_conf V1)")
grep -qF "CREATE TABLE app.customers" <<<"$up" || fail "--flyway-config: $up"
grep -qF "by alice on shop" <<<"$up" || fail "--placeholder flyway:user: $up"
ok "flyway.toml ([flyway], [flyway.placeholders], [environments.default]); --flyway-config; --placeholder overrides"

# ---------------------------------------------------------------- unresolved
run 2 import flyway proj/src/main/resources/db/migration -m bad
err_has "V1__init.sql:4: error: no value for placeholder \${region}"
err_has "--placeholder region=VALUE"
err_has "nothing was written"
nothing_written bad
mkdir -p "$work/nouser"
echo 'GRANT USAGE ON SCHEMA public TO ${flyway:user};' >"$work/nouser/V1__grant.sql"
run 2 import flyway nouser -m bad
err_has "nouser/V1__grant.sql:1: error: no value for placeholder \${flyway:user}"
nothing_written bad
run 0 import flyway nouser -m kept -placeholderReplacement=false
grep -qF 'TO ${flyway:user};' "$(file_of kept V1)" || fail "placeholderReplacement=false replaced"
run 2 import flyway nouser -m bad --placeholder novalue
err_has '--placeholder needs NAME=VALUE, not "novalue"'
mkdir -p "$work/custom"
echo 'CREATE TABLE #[name] (id int); -- ${kept}' >"$work/custom/V1__custom.sql"
run 0 import flyway custom -m custom_mig -placeholderPrefix='#[' -placeholderSuffix=']' -placeholders.name=t_custom
grep -qF 'CREATE TABLE t_custom (id int); -- ${kept}' "$(file_of custom_mig V1)" || fail "custom prefix/suffix: $(cat "$(file_of custom_mig V1)")"
ok "an unresolved placeholder: an error naming the file, line and placeholder, nothing written; -placeholderReplacement=false keeps them; a custom prefix and suffix"

# ---------------------------------------------------------------- stamp --from flyway with repeatables
mkhistory() {
    psql_q -d "$db" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS flyway_schema_history" -c 'CREATE TABLE "public"."flyway_schema_history" ("installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL)' \
        -c "INSERT INTO flyway_schema_history VALUES $1"
}
mkhistory "(1, '0', '<< Flyway Schema Creation >>', 'SCHEMA', '\"app\"', NULL, 'me', now(), 0, true),
 (2, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', now(), 5, true),
 (3, NULL, 'a view', 'SQL', 'R__a_view.sql', 1, 'me', now(), 5, true),
 (4, NULL, 'b view', 'SQL', 'R__b_view.sql', 1, 'me', now(), 5, true)"
run 0 stamp --from flyway -m mig
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "V1" ] || fail "repeatables before V2 stamped: $(value "SELECT rev_current()")"
mkhistory "(1, '0', '<< Flyway Schema Creation >>', 'SCHEMA', '\"app\"', NULL, 'me', now(), 0, true),
 (2, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', now(), 5, true),
 (3, NULL, 'a view', 'SQL', 'R__a_view.sql', 1, 'me', now(), 5, true),
 (4, '2', 'name', 'SQL', 'V2__name.sql', 1, 'me', now(), 5, true),
 (5, NULL, 'b view', 'SQL', 'R__b_view.sql', 1, 'me', now(), 5, false)"
run 0 stamp --from flyway -m mig
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "R_a_view" ] || fail "R_a_view: $(value "SELECT rev_current()")"
mkhistory "(1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', now(), 5, true),
 (2, '2', 'name', 'SQL', 'V2__name.sql', 1, 'me', now(), 5, true),
 (3, NULL, 'a view', 'SQL', 'R__a_view.sql', 1, 'me', now(), 5, true),
 (4, NULL, 'b view', 'SQL', 'sub/R__b_view.sql', 1, 'me', now(), 5, true)"
run 0 stamp --from flyway -m mig
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() AS r")" = "R_b_view" ] || fail "R_b_view: $(value "SELECT rev_current()")"
ok "stamp --from flyway: the schema-creation row skipped; repeatables applied when every version is and their row succeeded"
