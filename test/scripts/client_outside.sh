#!/usr/bin/env bash
# Script test: revisions marked "-- transactional: false", run by the
# pg_revisions client outside any transaction (rev_claim, each statement at
# top level, rev_record).
#
# 1. upgrade: the revisions before it in one transaction, then its CREATE
#    INDEX CONCURRENTLY (index valid afterwards, revision applied in
#    rev_history()), then the revision after it; downgrade base reverts all.
# 2. Concurrency: while client A runs a non-transactional revision whose
#    statements are SELECT pg_sleep(2) and CREATE INDEX CONCURRENTLY, a second
#    client on the same revision fails at once with a clear "being applied"
#    error (exit 3), and a psql session upgrades another branch in its own
#    transaction, keeps it open past the start of the CIC and commits: the CIC
#    completes after that commit (it waited for it) with no deadlock and no
#    error, and both branches are applied.
# 3. A failing statement: exit 3 naming the revision and the statement, what
#    ran, that re-running retries; the revision is not recorded as applied.
# Uses the cluster in PGHOST/PGPORT/PGUSER (scripts/test.sh starts one).
set -euo pipefail

test_name=client_outside
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"

run 0 init
mig="$work/migrations"
cat >"$mig/b1_base.sql" <<'EOF'
-- revision: b1
-- down_revision:
-- message: base table

-- migrate:upgrade
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT i, md5(i::text) FROM generate_series(1, 1000) i;

-- migrate:downgrade
DROP TABLE t;
EOF
cat >"$mig/n0_index.sql" <<'EOF'
-- revision: n0
-- down_revision: b1
-- message: index t.v concurrently
-- transactional: false

-- migrate:upgrade
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v);

-- migrate:downgrade
DROP INDEX CONCURRENTLY IF EXISTS t_v;
EOF
cat >"$mig/n0a_after.sql" <<'EOF'
-- revision: n0a
-- down_revision: n0
-- message: after the index

-- migrate:upgrade
ALTER TABLE t ADD COLUMN w int;

-- migrate:downgrade
ALTER TABLE t DROP COLUMN w;
EOF

# --- 1. upgrade / downgrade through a non-transactional revision ----------------
run 0 upgrade n0a
err_has 'applying revision "b1" (1 of 1)'
err_has 'applying non-transactional revision "n0"'
err_has "statement 1 of 1: CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v)"
err_has 'applying revision "n0a" (1 of 1)'
out_has "(3 applied)"
[ "$(value "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v'::regclass")" = t ] ||
    fail "t_v is not a valid index"
[ "$(value "SELECT string_agg(revision || ':' || is_applied, ' ') FROM rev_history()")" = "n0a:true n0:true b1:true" ] ||
    fail "rev_history: $(value "SELECT string_agg(revision || ':' || is_applied, ' ') FROM rev_history()")"
[ "$(value "SELECT count(*) FROM revisions.operation WHERE 'n0' = ANY (revisions)")" -ge 1 ] ||
    fail "no operation-log row for n0: $(value "SELECT * FROM revisions.operation")"
ok "upgrade: before, the CIC outside a transaction (index valid, applied in rev_history), after"
run 0 downgrade -1
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() r")" = n0 ] || fail "downgrade -1 from n0a"
run 0 downgrade -1
err_has 'reverting non-transactional revision "n0"'
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() r")" = b1 ] || fail "downgrade -1 from n0"
[ "$(value "SELECT to_regclass('public.t_v') IS NULL")" = t ] || fail "t_v was not dropped"
run 0 upgrade
# -2 is planned once by rev_plan (n0a, then n0 outside a transaction): not
# re-read from the state left after n0a, which would go one step further.
run 0 downgrade -2
out_has "(2 reverted)"
[ "$(value "SELECT string_agg(r, ',') FROM rev_current() r")" = b1 ] || fail "downgrade -2 from n0a"
run 0 upgrade
run 0 downgrade base
out_has "(3 reverted)"
[ "$(value "SELECT to_regclass('public.t') IS NULL")" = t ] || fail "downgrade base left t"
run 0 upgrade b1
ok "downgrade -1 (twice), -2 and base through the non-transactional revision"

# --- 2. concurrency ---------------------------------------------------------------
cat >"$mig/n1_slow_index.sql" <<'EOF'
-- revision: n1
-- down_revision: n0a
-- message: slow concurrent index
-- transactional: false

-- migrate:upgrade
SELECT pg_sleep(2);
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_v ON t (id, v);

-- migrate:downgrade
DROP INDEX CONCURRENTLY IF EXISTS t_id_v;
EOF
cat >"$mig/o1_other.sql" <<'EOF'
-- revision: o1
-- down_revision: b1
-- message: another branch
-- branch_label: other

-- migrate:upgrade
CREATE TABLE other_branch (id int);

-- migrate:downgrade
DROP TABLE other_branch;
EOF
run 0 upgrade n0a
a_pid=""
b_pid=""
(cd "$work" && PGAPPNAME=pgrev_client_A "$cli" upgrade n1 >"$work/a.out" 2>"$work/a.err"; echo $? >"$work/a.rc") &
a_pid=$!
for _ in $(seq 1 200); do
    [ "$(value "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgrev_client_A'
                AND query LIKE 'SELECT pg_sleep(2)%' AND state = 'active'")" = 1 ] && break
    sleep 0.05
done
[ "$(value "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgrev_client_A'
            AND query LIKE 'SELECT pg_sleep(2)%'")" = 1 ] || fail "client A never reached its pg_sleep(2)"
# C: the same revision while A holds it (A is in its pg_sleep(2)).  Before B
# starts: B's open transaction holds the catalog lock, and C, which registers
# the files first, would wait for it and could find n1 already applied.
run 3 upgrade n1
err_has 'cannot claim revision "n1"'
err_has 'revision "n1" is being applied by another session'
ok "a second client on the revision being applied fails at once, saying so (exit 3)"
# B: another branch, in its own transaction, open past the start of the CIC.
"$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -d "$db" >"$work/b.out" 2>"$work/b.err" <<'EOF' &
BEGIN;
SELECT string_agg(r, ',') FROM rev_upgrade('o1') r;
SELECT pg_sleep(3);
SELECT 'b_commits_after ' || clock_timestamp();
COMMIT;
EOF
b_pid=$!
wait "$b_pid" || fail "session B failed: $(cat "$work/b.err")"
wait "$a_pid" || true
[ "$(cat "$work/a.rc")" = 0 ] || fail "client A failed (exit $(cat "$work/a.rc")): $(cat "$work/a.err")"
grep -q 'error' "$work/a.err" && fail "client A reported an error: $(cat "$work/a.err")"
grep -Eq 'ERROR|FATAL|deadlock' "$work/b.err" && fail "session B reported: $(cat "$work/b.err")"
grep -qx o1 "$work/b.out" || fail "session B did not apply o1: $(cat "$work/b.out")"
b_commit=$(sed -n 's/^b_commits_after //p' "$work/b.out")
[ "$(value "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_id_v'::regclass")" = t ] ||
    fail "t_id_v is not valid"
[ "$(value "SELECT string_agg(revision || ':' || is_applied, ' ' ORDER BY revision) FROM rev_history()
            WHERE revision IN ('n1', 'o1')")" = "n1:true o1:true" ] || fail "n1 and o1 are not both applied"
[ "$(value "SELECT applied_at > '$b_commit'::timestamptz FROM rev_history() WHERE revision = 'n1'")" = t ] ||
    fail "n1 was recorded before session B committed: the CIC did not overlap B's transaction"
ok "CIC overlapping another branch's upgrade transaction: it waits for the commit, completes, no deadlock"

# --- 3. a failing statement -----------------------------------------------------------
cat >"$mig/n2_fails.sql" <<'EOF'
-- revision: n2
-- down_revision: n1
-- message: fails halfway
-- transactional: false

-- migrate:upgrade
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_w ON t (w);
SELECT 1 / 0;

-- migrate:downgrade
DROP INDEX CONCURRENTLY IF EXISTS t_w;
EOF
run 3 upgrade n2
err_has "division by zero"
err_has 'revision "n2" (migrations/n2_fails.sql) stopped at statement 2 of 2:'
err_has "SELECT 1 / 0"
err_has "statements 1 to 1 ran and stay committed"
err_has "re-run the command: it retries this revision"
[ "$(value "SELECT is_applied FROM rev_history() WHERE revision = 'n2'")" = f ] || fail "n2 recorded as applied"
[ "$(value "SELECT to_regclass('public.t_w') IS NOT NULL")" = t ] || fail "statement 1 of n2 did not stay"
run 3 upgrade n2
err_has "statement 2 of 2"
ok "a failing statement: exit 3, revision, statement and what ran shown; re-running retries it"

echo "client_outside: all checks passed"
