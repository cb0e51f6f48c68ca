#!/usr/bin/env bash
# test/bench/fleet.sh — the scale figures of the client's tenant and fleet
# modes (README "Tenants and fleets from the client"), in one run:
#
#   tenants   N_TENANTS tenant schemas x 1 revision: `pg_revisions --tenants
#             'ten\_%' -j 2 upgrade` against a psql loop doing the same in one
#             session (SET pg_revisions.tenant = ...; SELECT rev_upgrade(...)
#             per schema), each in a database of its own, same cluster
#   fleet     3 clusters x N_DBS databases x 1 revision: `--fleet FILE -j 2
#             upgrade`, then the same with --atomic (two-phase commit)
#
#   test/bench/fleet.sh                 N_TENANTS=1000 N_DBS=10
#   N_TENANTS=100 N_DBS=3 test/bench/fleet.sh   (smoke test)
#
# Needs the extension and the client installed into $PG_CONFIG's tree
# (make install); runs as root (the clusters belong to the postgres OS user).
# Wall-clock seconds, printed as a small table.  A benchmark, not a test.
set -euo pipefail

N_TENANTS=${N_TENANTS:-1000}
N_DBS=${N_DBS:-10}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
pgrev__find_pg_config || pgrev_die "no pg_config"
export PG_BIN
test_name=bench_fleet
# shellcheck source=test/scripts/fleet_helpers.bash
. "$ROOT/test/scripts/fleet_helpers.bash"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgrev-bench-fleet.XXXXXX")
trap 'fleet_cleanup; rm -rf "$WORK"' EXIT
cli="$PG_BIN/pg_revisions"
q() { local port=$1 dbn=$2; shift 2; "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -h 127.0.0.1 -p "$port" -U postgres -d "$dbn" "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

extra_cluster; p1=$fleet_port
extra_cluster; p2=$fleet_port
extra_cluster; p3=$fleet_port

# The one revision: a table in the tenant's schema (search_path).
mkdir -p "$WORK/migrations"
cat >"$WORK/migrations/0001_first.sql" <<'SQL'
-- revision: aaaa00000001
-- down_revision:
-- message: first
-- migrate:upgrade
CREATE TABLE account (id int PRIMARY KEY, name text);
-- migrate:downgrade
DROP TABLE account;
SQL

# --- tenants ---------------------------------------------------------------------
for d in t_client t_psql; do
    q "$p1" postgres -c "CREATE DATABASE $d"
    q "$p1" "$d" -c "CREATE EXTENSION pg_revisions"
    q "$p1" "$d" -c "DO \$\$BEGIN FOR i IN 1..$N_TENANTS LOOP EXECUTE format('CREATE SCHEMA ten_%s', i); END LOOP; END\$\$" >/dev/null
done
# psql loop: the revision registered first (the client registers it once too).
q "$p1" t_psql -c "SELECT rev_add(revision => 'aaaa00000001', upgrade => 'CREATE TABLE account (id int PRIMARY KEY, name text);', downgrade => 'DROP TABLE account;', down_revision => '{}', message => 'first')" >/dev/null
for i in $(seq 1 "$N_TENANTS"); do
    printf "SET pg_revisions.tenant = ten_%s;\nSELECT count(*) FROM rev_upgrade('heads');\n" "$i"
done >"$WORK/loop.sql"

t0=$(now)
(cd "$WORK" && "$cli" -d "host=127.0.0.1 port=$p1 user=postgres dbname=t_client" --tenants 'ten\_%' -j 2 upgrade) \
    >"$WORK/client.out" 2>"$WORK/client.err" || { tail -20 "$WORK/client.err"; pgrev_die "client run failed"; }
t1=$(now)
q "$p1" t_psql -f "$WORK/loop.sql" >/dev/null
t2=$(now)
[ "$(q "$p1" t_client -c "SELECT count(*) FROM rev_tenants() WHERE current = '{aaaa00000001}'")" = "$N_TENANTS" ] ||
    pgrev_die "the client did not migrate every tenant"
[ "$(q "$p1" t_psql -c "SELECT count(*) FROM rev_tenants() WHERE current = '{aaaa00000001}'")" = "$N_TENANTS" ] ||
    pgrev_die "the psql loop did not migrate every tenant"
t3=$(now)
(cd "$WORK" && "$cli" -d "host=127.0.0.1 port=$p1 user=postgres dbname=t_client" --tenants 'ten\_%' -j 2 upgrade) \
    >/dev/null 2>&1
t4=$(now)

# --- fleet ---------------------------------------------------------------------------
: >"$WORK/fleet.txt"
for p in "$p1" "$p2" "$p3"; do
    for i in $(seq 1 "$N_DBS"); do
        q "$p" postgres -c "CREATE DATABASE f_$i"
        q "$p" "f_$i" -c "CREATE EXTENSION pg_revisions"
        echo "host=127.0.0.1 port=$p user=postgres dbname=f_$i" >>"$WORK/fleet.txt"
    done
done
t5=$(now)
(cd "$WORK" && "$cli" --fleet "$WORK/fleet.txt" -j 2 upgrade) >/dev/null 2>"$WORK/fleet.err" ||
    { tail -20 "$WORK/fleet.err"; pgrev_die "fleet run failed"; }
t6=$(now)
(cd "$WORK" && "$cli" --fleet "$WORK/fleet.txt" -j 2 --atomic downgrade base) >/dev/null 2>"$WORK/fleet.err" ||
    { tail -20 "$WORK/fleet.err"; pgrev_die "fleet --atomic run failed"; }
t7=$(now)

printf '%-58s %8s\n' "what (wall clock)" "seconds"
printf '%-58s %8s\n' "$N_TENANTS tenants x 1 revision, pg_revisions --tenants -j 2" "$(secs "$t0" "$t1")"
printf '%-58s %8s\n' "$N_TENANTS tenants x 1 revision, psql loop (one session)" "$(secs "$t1" "$t2")"
printf '%-58s %8s\n' "$N_TENANTS tenants, rerun with nothing pending, -j 2" "$(secs "$t3" "$t4")"
printf '%-58s %8s\n' "3 clusters x $N_DBS databases x 1 revision, --fleet -j 2" "$(secs "$t5" "$t6")"
printf '%-58s %8s\n' "the same fleet, downgrade --atomic -j 2 (2PC)" "$(secs "$t6" "$t7")"
