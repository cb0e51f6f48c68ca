#!/usr/bin/env bash
# Script test: pg_revisions driven from two real clients besides psql.
#
#   Python  test/clients/psycopg2_client.py  (Debian python3-psycopg2)
#   Node.js test/clients/node_pg_client.js   (pg from the npm registry, pinned
#                                             by test/clients/package-lock.json)
#
# Each gets a fresh database with the extension and checks, with its own
# driver: registering and applying revisions in a transaction, rolling one
# back, a failing revision (SQLSTATE and revision name kept, nothing left),
# a CREATE INDEX CONCURRENTLY revision run through rev_claim/rev_record in
# autocommit mode, and rev_history().  Installs what is missing: python3 and
# python3-psycopg2, nodejs and npm (apt-get), then `npm ci`.
#
# Uses the running cluster given by PGHOST/PGPORT/PGUSER (scripts/test.sh
# starts one).
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
test_name=language_clients
# shellcheck source=test/scripts/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/common.bash"
clients="$PGREV_ROOT/test/clients"
python=/usr/bin/python3         # Debian's, which python3-psycopg2 is for
db_py="pgrev_lang_py_$$"
db_js="pgrev_lang_js_$$"


cleanup() {
    local rc=$?
    set +e
    psql_q -d postgres -c "DROP DATABASE IF EXISTS $db_py" -c "DROP DATABASE IF EXISTS $db_js" >/dev/null 2>&1
    exit "$rc"
}
trap cleanup EXIT

if ! { [ -x "$python" ] && "$python" -c 'import psycopg2' 2>/dev/null; }; then
    pgrev_apt_install python3 python3-psycopg2 || fail "cannot install python3-psycopg2"
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    pgrev_apt_install nodejs npm || fail "cannot install nodejs and npm"
fi
if ! (cd "$clients" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    fail "npm ci in $clients failed (is the npm registry reachable?)"
fi

# libpq's key=value form for psycopg2, a URL for node-postgres.
dsn() { printf 'host=%s port=%s user=%s dbname=%s' "$PGHOST" "$PGPORT" "$PGUSER" "$1"; }
url() { printf 'postgresql://%s@%s:%s/%s' "$PGUSER" "$PGHOST" "$PGPORT" "$1"; }
for db in "$db_py" "$db_js"; do
    psql_q -d postgres -c "CREATE DATABASE $db"
    psql_q -d "$db" -c "CREATE EXTENSION pg_revisions"
done

echo "psycopg2 $("$python" -c 'import psycopg2; print(psycopg2.__version__)')"
PGREV_DSN=$(dsn "$db_py") "$python" "$clients/psycopg2_client.py" || fail "the psycopg2 client's checks failed"
echo "node $(node --version), pg $(cd "$clients" && node -p 'require("pg/package.json").version')"
PGREV_DSN=$(url "$db_js") node "$clients/node_pg_client.js" || fail "the Node.js pg client's checks failed"

# What the clients left is what they said: checked once more from psql.
for pair in "$db_py:py" "$db_js:js"; do
    db=${pair%%:*} prefix=${pair##*:}
    got=$(psql_q -d "$db" -A -t -c "SELECT string_agg(revision, ',' ORDER BY revision) FROM rev_history() WHERE is_applied")
    [ "$got" = "${prefix}1,${prefix}2,${prefix}4" ] || fail "$db: applied revisions are '$got'"
done
echo "language_clients: psycopg2 and node pg passed"
