#!/usr/bin/env bash
# Script test: the Auth example (examples/auth) does what its README claims.
#
# 1. run.sql, the walk-through scripts/demo.sh shows, runs without error in an
#    empty database and ends with the merge applied, the schema of the guide in
#    place (users.is_active NOT NULL DEFAULT true, refresh_tokens with a unique
#    jti and an index on (user_id, revoked), email_verifications and
#    password_resets with their FKs), and one operation-log row per move;
# 2. downgrading to the baseline removes exactly what auth_0002 and later
#    added: users is back to its hand-made columns;
# 3. in a second, empty database, revisions.sql + rev_upgrade('head') builds
#    the same schema from scratch.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=auth_example
# shellcheck source=test/scripts/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
db_walk="pgrev_auth_walk_$$"
db_fresh="pgrev_auth_fresh_$$"
errors=$(mktemp)

# expect DB DESCRIPTION SQL EXPECTED: one query's unaligned output must match.
expect() {
    local got
    got=$(value -d "$1" -c "$3")
    [ "$got" = "$4" ] || fail "$2: expected [$4], got [$got]"
    echo "ok: $2"
}

cleanup() {
    rm -f "$errors"
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db_walk" >/dev/null 2>&1 || true
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db_fresh" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# The schema the guide asks for, as one comparable text.
schema_query="
SELECT string_agg(format('%s.%s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
                         coalesce(pg_get_expr(d.adbin, d.adrelid), '-')), E'\n' ORDER BY c.relname, a.attnum)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'"
constraint_query="
SELECT string_agg(format('%s %s', conrelid::regclass, pg_get_constraintdef(oid)), E'\n' ORDER BY conrelid::regclass::text, pg_get_constraintdef(oid))
FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
index_query="
SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes
WHERE schemaname = 'public' AND indexname = 'ix_refresh_user_revoked'"

# 1. The walk-through.
psql_q -d postgres -c "CREATE DATABASE $db_walk"
if ! (cd "$root" && psql -X -v ON_ERROR_STOP=1 -d "$db_walk" -f examples/auth/run.sql) >/dev/null 2>"$errors"; then
    cat "$errors" >&2
    fail "examples/auth/run.sql did not run to the end"
fi
expect "$db_walk" "current head after the walk-through" \
    "SELECT string_agg(c, ',') FROM rev_current() c" "auth_0004_merge"
expect "$db_walk" "everything applied" \
    "SELECT count(*) FILTER (WHERE is_applied) || '/' || count(*) FROM rev_history()" "5/5"
expect "$db_walk" "users.is_active" \
    "SELECT format_type(atttypid, atttypmod) || ' ' || attnotnull || ' ' || pg_get_expr(adbin, adrelid)
     FROM pg_attribute JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum
     WHERE attrelid = 'users'::regclass AND attname = 'is_active'" "boolean true true"
# (PostgreSQL folds the guide's uq_refresh_jti UNIQUE (jti) into the primary key on jti.)
expect "$db_walk" "refresh_tokens has a unique jti" \
    "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ',') FROM pg_constraint
     WHERE conrelid = 'refresh_tokens'::regclass AND contype IN ('p', 'u')" "uq_refresh_jti PRIMARY KEY (jti)"
expect "$db_walk" "index on refresh_tokens (user_id, revoked)" "$index_query" \
    "CREATE INDEX ix_refresh_user_revoked ON public.refresh_tokens USING btree (user_id, revoked)"
expect "$db_walk" "foreign keys to users" \
    "SELECT string_agg(conrelid::regclass::text, ',' ORDER BY conrelid::regclass::text) FROM pg_constraint
     WHERE contype = 'f' AND confrelid = 'users'::regclass" \
    "auth_audit_log,email_verifications,password_resets,refresh_tokens"
expect "$db_walk" "operation log: stamp, upgrade, upgrade, downgrade, upgrade" \
    "SELECT string_agg(operation || ':' || target, ' ' ORDER BY id) FROM revisions.operation" \
    "stamp:head upgrade:head upgrade:head downgrade:-1 upgrade:head"
walk_schema=$(value -d "$db_walk" -c "$schema_query")
walk_constraints=$(value -d "$db_walk" -c "$constraint_query")

# 2. Back to the baseline: exactly the hand-made users table is left.
value -d "$db_walk" -c "SELECT count(*) FROM rev_downgrade('auth_0001_baseline')" >/dev/null
expect "$db_walk" "tables after downgrading to the baseline" \
    "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'" "users"
expect "$db_walk" "users columns after downgrading to the baseline" \
    "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute
     WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped" "id,email,password_hash,created_at"
expect "$db_walk" "current after downgrading to the baseline" \
    "SELECT string_agg(c, ',') FROM rev_current() c" "auth_0001_baseline"

# 3. From scratch: the same schema, built by the revisions alone.
psql_q -d postgres -c "CREATE DATABASE $db_fresh"
(cd "$root" && psql -X -v ON_ERROR_STOP=1 -q -d "$db_fresh" -c 'CREATE EXTENSION pg_revisions' \
    -f examples/auth/revisions.sql -c "SELECT count(*) FROM rev_upgrade('head')") >/dev/null
fresh_schema=$(value -d "$db_fresh" -c "$schema_query")
fresh_constraints=$(value -d "$db_fresh" -c "$constraint_query")
[ "$fresh_schema" = "$walk_schema" ] || fail "columns differ from scratch:
$(diff <(echo "$walk_schema") <(echo "$fresh_schema"))"
echo "ok: a fresh database gets the same columns"
[ "$fresh_constraints" = "$walk_constraints" ] || fail "constraints differ from scratch:
$(diff <(echo "$walk_constraints") <(echo "$fresh_constraints"))"
echo "ok: a fresh database gets the same constraints"
echo "auth_example: all checks passed"
