#!/usr/bin/env bash
# Script test: the client's drift commands on the Auth example.
#
# The guide's hand-made users table (examples/auth/00_existing_schema.sql):
# `stamp auth_0002_full_schema --verify` refuses it (exit 3, the differences
# listed, nothing stamped), `stamp auth_0001_baseline --verify` accepts it;
# check exits 1 for the pending revisions only, then 0 once upgraded; a
# hand-made index makes check exit 1, naming the command, the index, the role
# and the application; `drift` lists the ledger (text, json, --since).
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_drift
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mig="$root/examples/auth/migrations"

psql_q -d "$db" -c 'CREATE EXTENSION pg_revisions' -f "$root/examples/auth/00_existing_schema.sql"

# --- stamp --verify ----------------------------------------------------------------
run 3 -m "$mig" stamp auth_0002_full_schema --verify
err_has 'cannot stamp "auth_0002_full_schema": schema "public" differs from its history'
err_has 'ALTER TABLE public.users ADD COLUMN is_active boolean DEFAULT true NOT NULL;'
err_has 'SQLSTATE: 55000'
err_has 'nothing was changed'
[ "$(value "SELECT count(*) FROM rev_current()")" = 0 ] || fail "a refused stamp stamped something"
run 0 -m "$mig" stamp auth_0001_baseline --verify
out_has auth_0001_baseline
ok "stamp --verify refuses a schema that is not the target's, accepts the guide's baseline"

# --- check: pending, then drift -----------------------------------------------------------
run 1 -m "$mig" check
out_has "(4 pending)"
if grep -q "outside pg_revisions" "$work/err"; then
    fail "check reported the hand-made schema that the stamp baselined as drift: $(cat "$work/err")"
fi
run 0 -m "$mig" upgrade head
run 0 -m "$mig" check
err_has "up to date"
PGAPPNAME=console-3am psql_q -d "$db" -c "CREATE INDEX users_created_at ON users (created_at)"
run 1 -m "$mig" check
out_has "(0 pending)"
err_has "1 DDL command run outside pg_revisions since the last applied revision"
err_has "CREATE INDEX  index public.users_created_at by $PGUSER (console-3am)"
ok "check: exit 1 for pending revisions, 0 once upgraded, 1 again after a hand-made index"

# --- drift ------------------------------------------------------------------------------
run 0 drift
out_has "public.users_created_at"
out_has "console-3am"
out_has "(4 DDL commands recorded outside pg_revisions)"
run 0 --format json drift
[ "$(json "' '.join(r['command'] + ':' + r['object_identity'] for r in j)")" = \
  "CREATE TABLE:public.users CREATE INDEX:public.users_pkey CREATE INDEX:public.users_email_key CREATE INDEX:public.users_created_at" ] ||
    fail "drift (json): $(cat "$work/out")"
run 0 drift --since 2100-01-01
out_has "(0 DDL commands recorded outside pg_revisions)"
run 3 drift --since not-a-time
run 2 drift extra
ok "drift lists the ledger, oldest first; --since filters"

# A new revision covering the index makes check clean again.
cp -r "$mig" "$work/migrations"
cat >"$work/migrations/auth_0005_created_at_index.sql" <<'SQL'
-- revision: auth_0005_created_at_index
-- down_revision: auth_0004_merge
-- message: the 3 a.m. index

-- migrate:upgrade
CREATE INDEX IF NOT EXISTS users_created_at ON users (created_at);

-- migrate:downgrade
DROP INDEX users_created_at;
SQL
run 0 -m "$work/migrations" upgrade head
run 0 -m "$work/migrations" check
ok "a revision adopting the hand-made index makes check pass"

echo "client_drift: all checks passed"
