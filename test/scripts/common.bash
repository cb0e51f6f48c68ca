# shellcheck shell=bash
# test/scripts/common.bash: the preamble every script test shares.  Sourced,
# not run: scripts/test.sh runs only test/scripts/*.sh.
#
# The caller sets test_name (the prefix of its failure messages) before
# sourcing.  Sourcing checks PGHOST/PGPORT/PGUSER (the cluster scripts/test.sh
# starts), finds PG_BIN, sets root (the repository), and defines:
#   fail MSG...     print "$test_name: FAIL: MSG" on stderr and exit 1
#   ok MSG...       print "ok: MSG"
#   psql_q ARGS...  psql -X -v ON_ERROR_STOP=1 -q ARGS
#   value ARGS...   the same, unaligned and without headers (-A -t): a value
#   need CHECK PKG...  when the shell command CHECK fails, install the Debian
#                   packages PKG (scripts/lib.sh's pgrev_apt_install) and check
#                   again; fail when it still fails (a test never skips itself)

: "${test_name:?set test_name before sourcing test/scripts/common.bash}"
: "${PGHOST:?PGHOST must point at the test cluster}"
: "${PGPORT:?PGPORT must point at the test cluster}"
: "${PGUSER:?PGUSER must be a superuser of the test cluster}"

if [ -z "${PG_BIN:-}" ]; then
    PG_BIN=$("${PG_CONFIG:-pg_config}" --bindir)
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

fail() { echo "$test_name: FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
psql_q() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"; }
value() { "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t "$@"; }
need() {
    local check=$1
    shift
    bash -c "$check" >/dev/null 2>&1 && return 0
    if ! declare -F pgrev_apt_install >/dev/null; then
        # shellcheck source=scripts/lib.sh
        . "$root/scripts/lib.sh"
    fi
    pgrev_apt_install "$@" || fail "could not install $* (apt-get)"
    bash -c "$check" >/dev/null 2>&1 || fail "still missing after installing $*: $check"
}
