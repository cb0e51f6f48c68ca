#!/usr/bin/env bash
# Script test: `pg_revisions test [TARGET]`, the migration files tested by
# rev_test in a scratch database.
#
#  - the Auth example: every revision passes, exit 0, JSON rows;
#  - a downgrade that leaves a column behind: exit 1, the FAIL line names the
#    file and shows the statement that would repair it; a TARGET before it: 0;
#  - a revision whose upgrade fails: exit 3, the file named;
#  - usage (too many arguments, a missing directory): exit 2; an unreachable
#    server: exit 3;
#  - SIGINT while rev_test runs (a slow downgrade): the query is cancelled,
#    exit 130;
#  - after every run, no scratch database is left, and the database the
#    client connected to is untouched.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_test
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scratch_left() {
    value "SELECT count(*) FROM pg_database WHERE datname LIKE 'pg\_revisions\_test\_%'"
}
untouched() {
    [ "$(value "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 0 ] ||
        fail "the client's own database was changed"
    [ "$(value "SELECT count(*) FROM pg_extension WHERE extname = 'pg_revisions'")" = 0 ] ||
        fail "the extension was created in the client's own database"
}

# The Auth example: all pass.
run 0 -m "$root/examples/auth/migrations" test
out_has "(10 passed, 0 failed, 0 skipped)"
out_has "auth_0004_merge"
err_has "scratch database pg_revisions_test_"
err_has "dropped"
[ "$(scratch_left)" = 0 ] || fail "scratch database left after a passing run"
untouched
run 0 -m "$root/examples/auth/migrations" --format json test
[ "$(json 'len(j)')" = 10 ] || fail "JSON: 10 rows expected"
[ "$(json 'all(r["passed"] is True for r in j)')" = True ] || fail "JSON: all passed expected"
[ "$(json 'j[0]["test"]')" = downgrade_leaves_no_trace ] || fail "JSON: test name"
ok "the Auth example passes (text and JSON), nothing left"

# A downgrade that leaves a column behind.
mkdir -p "$work/m"
cat >"$work/m/0001_users.sql" <<'EOF'
-- revision: 0001_users
-- down_revision:
-- message: users

-- migrate:upgrade
CREATE TABLE users (id int PRIMARY KEY);

-- migrate:downgrade
DROP TABLE users;
EOF
cat >"$work/m/0002_email.sql" <<'EOF'
-- revision: 0002_email
-- down_revision: 0001_users
-- message: email

-- migrate:upgrade
ALTER TABLE users ADD COLUMN IF NOT EXISTS email text, ADD COLUMN IF NOT EXISTS name text;

-- migrate:downgrade
ALTER TABLE users DROP COLUMN name;
EOF
run 1 -m m test
out_has "FAIL  0002_email  downgrade_leaves_no_trace  (m/0002_email.sql)"
out_has "ALTER TABLE public.users DROP COLUMN email;"
out_has "ok    0001_users  downgrade_leaves_no_trace"
out_has "(3 passed, 1 failed, 0 skipped)"
[ "$(scratch_left)" = 0 ] || fail "scratch database left after a failing test"
run 0 -m m test 0001_users
out_has "(2 passed, 0 failed, 0 skipped)"
untouched
ok "a downgrade leaving a column: exit 1 with the file and the repair; TARGET limits the plan"

# The downgrade fixed: passes.
set_sql "$work/m/0002_email.sql" \
    "ALTER TABLE users ADD COLUMN email text, ADD COLUMN name text;" \
    "ALTER TABLE users DROP COLUMN name, DROP COLUMN email;"
run 0 -m m test
out_has "(4 passed, 0 failed, 0 skipped)"
ok "fixed downgrade passes"

# A failing upgrade: a database error naming the file, nothing left.
cat >"$work/m/0003_bad.sql" <<'EOF'
-- revision: 0003_bad
-- down_revision: 0002_email
-- message: bad

-- migrate:upgrade
ALTER TABLE no_such_table ADD COLUMN x int;

-- migrate:downgrade
SELECT 1;
EOF
run 3 -m m test
err_has "no_such_table"
err_has "m/0003_bad.sql"
[ "$(scratch_left)" = 0 ] || fail "scratch database left after an error"
rm "$work/m/0003_bad.sql"
ok "a failing upgrade: exit 3, file named, nothing left"

# Usage and connection errors.
run 2 -m m test heads extra
err_has "too many arguments"
run 2 -m no_such_dir test
run 3 -d "host=127.0.0.1 port=1 connect_timeout=5" -m m test
err_has "could not connect"
[ "$(scratch_left)" = 0 ] || fail "scratch database left after a usage error"
ok "usage errors exit 2, connection errors 3"

# SIGINT while the tests run: cancelled, the scratch database dropped.
cat >"$work/m/0003_slow.sql" <<'EOF'
-- revision: 0003_slow
-- down_revision: 0002_email
-- message: slow downgrade

-- migrate:upgrade
CREATE TABLE slow (id int);

-- migrate:downgrade
SELECT pg_sleep(120);
DROP TABLE slow;
EOF
set +e
(cd "$work" && exec "$cli" -m m test) >"$work/out" 2>"$work/err" &
pid=$!
set -e
for _ in $(seq 1 300); do
    [ "$(value "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'
                AND datname LIKE 'pg\_revisions\_test\_%'")" = 1 ] && break
    sleep 0.1
done
[ "$(value "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'
            AND datname LIKE 'pg\_revisions\_test\_%'")" = 1 ] || fail "the slow downgrade never started"
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, expected 130
$(cat "$work/err")"
err_has "interrupted"
err_has "dropped"
[ "$(scratch_left)" = 0 ] || fail "scratch database left after SIGINT"
untouched
ok "SIGINT cancels the running test and drops the scratch database (exit 130)"
