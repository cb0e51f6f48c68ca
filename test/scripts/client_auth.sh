#!/usr/bin/env bash
# Script test: the Auth example as migration files (examples/auth/migrations/),
# driven by the pg_revisions client.
#
# 1. On the hand-made schema (examples/auth/00_existing_schema.sql): stamp the
#    baseline, check (exit 1, four pending), upgrade head, current, history
#    (json: five revisions, all applied), check (exit 0); the schema equals the
#    one examples/auth/revisions.sql + rev_upgrade('head') builds with psql
#    (same SQL); downgrade -1 reverts the merge only; upgrade head again.
# 2. In an empty database: init (the extension) and upgrade head build the
#    same schema from scratch.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_auth
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mig="$root/examples/auth/migrations"
db_sql="${db}_sql"
db_fresh="${db}_fresh"
cleanup_auth() {
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db_sql WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS $db_fresh WITH (FORCE)" >/dev/null 2>&1 || true
    client_helpers_cleanup
}
trap cleanup_auth EXIT

schema_query="
SELECT string_agg(format('%s.%s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
                         coalesce(pg_get_expr(d.adbin, d.adrelid), '-')), E'\n' ORDER BY c.relname, a.attnum)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
UNION ALL
SELECT string_agg(format('%s %s', conrelid::regclass, pg_get_constraintdef(oid)), E'\n'
                  ORDER BY conrelid::regclass::text, pg_get_constraintdef(oid))
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'"
schema_of() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -d "$1" -c "$schema_query"; }

# The reference: revisions.sql through psql.
psql_q -d postgres -c "CREATE DATABASE $db_sql"
(cd "$root" && psql_q -d "$db_sql" -c 'CREATE EXTENSION pg_revisions' -f examples/auth/revisions.sql \
    -c "SELECT count(*) FROM rev_upgrade('head')") >/dev/null 2>&1 || fail "revisions.sql did not run"
reference=$(schema_of "$db_sql")
[ -n "$reference" ] || fail "empty reference schema"

# --- 1. the hand-made schema, baselined ---------------------------------------------
psql_q -d "$db" -c 'CREATE EXTENSION pg_revisions' -f "$root/examples/auth/00_existing_schema.sql"
run 0 -m "$mig" stamp auth_0001_baseline
out_has auth_0001_baseline
[ "$(value "SELECT to_regclass('refresh_tokens') IS NULL")" = t ] || fail "stamp ran SQL"
run 1 -m "$mig" check
out_has "(4 pending)"
run 0 -m "$mig" upgrade head
out_has "(4 applied)"
err_has 'applying revision "auth_0002_full_schema" (1 of 4)'
run 0 -m "$mig" current
out_has auth_0004_merge
run 0 -m "$mig" --format json history
[ "$(json "' '.join(r['revision'] + ':' + str(r['applied']) for r in j)")" = \
  "auth_0004_merge:True auth_0003_user_last_login:True auth_0003_audit_log:True auth_0002_full_schema:True auth_0001_baseline:True" ] ||
    fail "history: $(cat "$work/out")"
[ "$(json "[r['branch_label'] for r in j if r['revision'] == 'auth_0003_audit_log'][0]")" = audit ] ||
    fail "branch label: $(cat "$work/out")"
run 0 -m "$mig" check
[ "$(schema_of "$db")" = "$reference" ] || fail "the client's schema differs from revisions.sql's:
$(diff <(echo "$reference") <(schema_of "$db"))"
ok "baseline stamped, upgrade head, current, history, check: the same schema as revisions.sql"

run 0 -m "$mig" downgrade -1
out_has auth_0004_merge
out_has "(1 reverted)"
[ "$(value "SELECT string_agg(r, ',' ORDER BY r) FROM rev_current() r")" = \
  "auth_0003_audit_log,auth_0003_user_last_login" ] || fail "downgrade -1 from the merge"
run 1 -m "$mig" check
out_has auth_0004_merge
run 0 -m "$mig" upgrade head
[ "$(schema_of "$db")" = "$reference" ] || fail "schema after downgrade -1 / upgrade head"
ok "downgrade -1 reverts the merge only; check sees it pending; upgrade head restores it"

# --- 2. from scratch ----------------------------------------------------------------------
psql_q -d postgres -c "CREATE DATABASE $db_fresh"
run 0 -d "dbname=$db_fresh" -m "$mig" init
run 0 -d "dbname=$db_fresh" -m "$mig" upgrade head
out_has "(5 applied)"
[ "$(schema_of "$db_fresh")" = "$reference" ] || fail "schema from scratch differs:
$(diff <(echo "$reference") <(schema_of "$db_fresh"))"
ok "an empty database: init + upgrade head build the same schema"

echo "client_auth: all checks passed"
