# shellcheck shell=bash
# test/scripts/session_helpers.bash: shared by the script tests that start
# background sessions (faults.sh, load.sh).  Sourced, not run: scripts/test.sh
# runs only test/scripts/*.sh.
#
# The caller sets, before sourcing:
#   test_name   prefix of failure messages ("faults", "load")
#   db          the test's database
#   app         prefix of the application_name of every session it starts
#   work        its temporary directory
# and appends the pids of its background clients to bg_pids.  Sourcing checks
# PGHOST/PGPORT/PGUSER, finds PG_BIN, defines psql_q, value, fail and ok, and
# installs an EXIT trap that ends the sessions, the clients, the database and
# the directory.

# shellcheck source=test/scripts/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
bg_pids=()

session_helpers_cleanup() {
    local rc=$? pid
    set +e
    # Sessions first (a backend sleeping for a vanished client would stay),
    # then our clients, then the database.
    value -d postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                          WHERE application_name LIKE '${app}%'" >/dev/null 2>&1
    for pid in "${bg_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
    rm -rf "$work"
    return "$rc"
}
trap session_helpers_cleanup EXIT
