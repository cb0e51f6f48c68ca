#!/usr/bin/env bash
# scripts/demo.sh — the main job: build and install pg_revisions, start a
# throwaway PostgreSQL cluster, run the Auth walk-through (examples/auth/run.sql)
# in a new database auth_demo, print rev_history(); then the same service as
# migration files (examples/auth/migrations) driven by the pg_revisions
# command-line client in a database auth_files (the hand-made schema stamped
# with --verify), checked against the service's models
# (examples/auth/models.sql), then a hand-made index showing in
# `pg_revisions drift` and failing `pg_revisions check`; and stop the cluster.
# Installs PostgreSQL 15 and its headers with apt-get first if they are missing.
#
# Usage: bash scripts/demo.sh
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

example="examples/auth/run.sql"
[ -f "$PGREV_ROOT/$example" ] || pgrev_die "$example not found in $PGREV_ROOT (the Auth example is missing)"

pgrev_install_deps
# shellcheck disable=SC2119  # (no extra make arguments)
pgrev_build_install
pgrev_cluster_start

pgrev_psql -d postgres -c 'CREATE DATABASE auth_demo'

echo
pgrev_msg "psql -X -v ON_ERROR_STOP=1 -d auth_demo -f $example"
cd "$PGREV_ROOT"
psql -X -v ON_ERROR_STOP=1 -d auth_demo -f "$example" </dev/null

echo
pgrev_msg "SELECT * FROM rev_history()"
psql -X -v ON_ERROR_STOP=1 -d auth_demo -c 'SELECT * FROM rev_history()' </dev/null

# The same Auth service, as reviewed files in git, through the client.
mig="examples/auth/migrations"
client() {
    pgrev_msg "pg_revisions $*"
    pg_revisions -d auth_files -m "$mig" "$@" </dev/null
}
echo
pgrev_msg "with the command-line client: the hand-made schema, baselined, then upgraded from $mig/"
pgrev_psql -d postgres -c 'CREATE DATABASE auth_files'
psql -X -q -v ON_ERROR_STOP=1 -d auth_files -f examples/auth/00_existing_schema.sql </dev/null
client init
client stamp auth_0001_baseline --verify
rc=0; client check || rc=$?
[ "$rc" -eq 1 ] || pgrev_die "pg_revisions check exited $rc before the upgrade (expected 1: revisions pending)"
client upgrade head
client history
# Alembic's `check`: the database matches the models (examples/auth/models.sql).
client check --models examples/auth/models.sql
# Drift: a hot-fix index made by hand shows in the ledger, and check fails on it.
echo
pgrev_msg "a hand-made index, from a 3 a.m. console: CREATE INDEX users_created_at ON users (created_at)"
PGAPPNAME=console-3am psql -X -q -v ON_ERROR_STOP=1 -d auth_files \
    -c 'CREATE INDEX users_created_at ON users (created_at)' </dev/null
client drift
rc=0; client check || rc=$?
[ "$rc" -eq 1 ] || pgrev_die "pg_revisions check exited $rc after the hand-made index (expected 1: drift)"

pgrev_cluster_stop
pgrev_msg "demo finished; the throwaway cluster is stopped and removed"
