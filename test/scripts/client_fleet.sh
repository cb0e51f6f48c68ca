#!/usr/bin/env bash
# Script test: the client over a fleet (--fleet FILE) of 3 databases on 2
# extra throwaway clusters (max_prepared_transactions on): a malformed line
# (an error naming it, nothing run), upgrade -j 2 everywhere, a revision
# failing in one database without --atomic (the others done, that one
# untouched and named), the same with --atomic (nothing changed anywhere, no
# prepared transaction left), an unreachable server (reported, the others go
# on; with --atomic nothing runs), and the client killed with SIGKILL after
# every target prepared, then after the decision was logged, each time
# followed by fleet-recover (rolled back, then committed: consistent).
# Uses the cluster in PGHOST/PGPORT/PGUSER for the work database only.
set -euo pipefail

test_name=client_fleet
# shellcheck source=test/scripts/client_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/client_helpers.bash"
# shellcheck source=test/scripts/fleet_helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/fleet_helpers.bash"
trap 'fleet_cleanup; client_helpers_cleanup' EXIT

extra_cluster || fail "could not start cluster 1"; p1=$fleet_port
extra_cluster || fail "could not start cluster 2"; p2=$fleet_port
q() { local port=$1 dbn=$2; shift 2; "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q -A -t -h 127.0.0.1 -p "$port" -U postgres -d "$dbn" -c "$*"; }
q "$p1" postgres "CREATE DATABASE db1" >/dev/null
q "$p1" postgres "CREATE DATABASE db2" >/dev/null
q "$p2" postgres "CREATE DATABASE db3" >/dev/null
# Where each target is: "port db".
targets=("$p1 db1" "$p1 db2" "$p2 db3")
heads() { q "$1" "$2" "SELECT coalesce(string_agg(c, ',' ORDER BY c), 'base') FROM rev_current() c"; }
prepared() { local n=0 t; for t in "${targets[@]}"; do set -- $t; n=$((n + $(q "$1" "$2" "SELECT count(*) FROM pg_prepared_xacts WHERE database = current_database()"))); done; echo $n; }
all_at() {
    local want=$1 t
    for t in "${targets[@]}"; do
        set -- $t
        [ "$(heads "$1" "$2")" = "$want" ] || fail "$2 on $1 is at $(heads "$1" "$2"), expected $want"
    done
}

fleet="$work/fleet.txt"
cat >"$fleet" <<F
# the fleet: two databases on cluster 1, one on cluster 2

host=127.0.0.1 port=$p1 user=postgres dbname=db1
postgresql://postgres@127.0.0.1:$p1/db2
host=127.0.0.1 port=$p2 user=postgres dbname=db3
F
{ head -n 3 "$fleet"; echo "host=127.0.0.1 port"; tail -n 2 "$fleet"; } >"$work/bad.txt"
run 2 --fleet "$work/bad.txt" init
err_has "bad.txt:4: malformed connection string"
err_has "nothing was run"
[ "$(q "$p1" db1 "SELECT count(*) FROM pg_extension WHERE extname = 'pg_revisions'")" = 0 ] || fail "ran anyway"
run 0 --fleet "$fleet" -j 2 init
printf 'host=127.0.0.1 port=%s dbname=db1 user=postgres\nhost=127.0.0.1 port=%s user=postgres dbname=db1\n' "$p1" "$p1" >"$work/dup.txt"
run 0 --fleet "$work/dup.txt" heads
printf 'host=127.0.0.1 port=%s user=postgres dbname=db1\nhost=127.0.0.1 port=%s user=postgres dbname=db1\n' "$p1" "$p1" >"$work/dup.txt"
run 2 --fleet "$work/dup.txt" heads
err_has "dup.txt:2: the same connection string as an earlier line"
ok "a malformed or repeated fleet line: an error naming the line, nothing run"
run 0 revision -m "one"
f1="$work/$(cat "$work/out")"; id1=$(file_id "$f1")
set_sql "$f1" "CREATE TABLE t1 (id int);" "DROP TABLE t1;"
run 0 --fleet "$fleet" -j 2 upgrade
out_has "127.0.0.1:$p2/db3"
[ "$(grep -c " done " "$work/out")" = 3 ] || fail "not 3 done: $(cat "$work/out")"
all_at "$id1"
ok "--fleet -j 2 upgrade: three databases on two clusters, each done"

# --- a failure without --atomic -------------------------------------------------
run 0 revision -m "two"
f2="$work/$(cat "$work/out")"; id2=$(file_id "$f2")
set_sql "$f2" "CREATE TABLE t2 (id int);" "DROP TABLE t2;"
q "$p1" db2 "CREATE TABLE t2 (x text)" >/dev/null
run 3 --fleet "$fleet" -j 2 upgrade
grep -q "/db2 .*failed.*already exists" "$work/out" || fail "db2 not named: $(cat "$work/out")"
[ "$(heads "$p1" db1)" = "$id2" ] && [ "$(heads "$p2" db3)" = "$id2" ] || fail "db1/db3 not done"
[ "$(heads "$p1" db2)" = "$id1" ] || fail "db2 moved"
ok "one database failing: the others done, the failed one untouched and named, exit 3"
q "$p1" db2 "DROP TABLE t2" >/dev/null
run 0 --fleet "$fleet" upgrade
all_at "$id2"

# --- the same with --atomic -----------------------------------------------------
run 0 revision -m "three"
f3="$work/$(cat "$work/out")"; id3=$(file_id "$f3")
set_sql "$f3" "CREATE TABLE t3 (id int);" "DROP TABLE t3;"
q "$p2" db3 "CREATE TABLE t3 (x text)" >/dev/null
run 3 --fleet "$fleet" -j 2 --atomic upgrade
grep -q "/db3 .*failed.*already exists" "$work/out" || fail "db3 not named: $(cat "$work/out")"
[ "$(grep -c "rolled back" "$work/out")" = 2 ] || fail "not 2 rolled back: $(cat "$work/out")"
all_at "$id2"
[ "$(prepared)" = 0 ] || fail "prepared transactions left"
[ "$(q "$p1" db1 "SELECT count(*) FROM rev_history() WHERE revision = '$id3'")" = 0 ] ||
    fail "--atomic left the registration of $id3 in db1"
ok "--atomic with one failing database: nothing changed anywhere, no prepared transaction left"
q "$p2" db3 "DROP TABLE t3" >/dev/null

# --- an unreachable server -----------------------------------------------------------
extra_cluster || fail "could not start cluster 3"; p3=$fleet_port
kill_cluster "$p3"
cp "$fleet" "$work/with_dead.txt"
echo "host=127.0.0.1 port=$p3 user=postgres dbname=postgres connect_timeout=5" >>"$work/with_dead.txt"
run 3 --fleet "$work/with_dead.txt" --atomic upgrade
err_has "unreachable"
all_at "$id2"
run 3 --fleet "$work/with_dead.txt" -j 2 downgrade -1
grep -q ":$p3/postgres .*failed.*could not connect" "$work/out" || fail "dead server row: $(cat "$work/out")"
all_at "$id1"
run 0 --fleet "$fleet" upgrade "$id2"
ok "an unreachable server: reported in its row and the others go on; with --atomic nothing runs"

# --- SIGKILL after every target prepared, then fleet-recover ----------------------
kill_at() {
    local point=$1 pid
    (cd "$work" && PGREV_FLEET_PAUSE=$point exec "$cli" --fleet "$fleet" -j 3 --atomic upgrade) \
        >"$work/kout" 2>"$work/kerr" &
    pid=$!
    for _ in $(seq 1 600); do
        grep -q "pausing at \"$point\"" "$work/kerr" && break
        kill -0 "$pid" 2>/dev/null || fail "the client ended before $point: $(cat "$work/kerr")"
        sleep 0.1
    done
    grep -q "pausing at \"$point\"" "$work/kerr" || fail "the client never paused at $point"
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
}
kill_at prepared
[ "$(prepared)" = 3 ] || fail "expected 3 prepared transactions, got $(prepared)"
all_at "$id2"
run 0 --fleet "$fleet" fleet-recover
[ "$(grep -c "rolled back" "$work/out")" = 3 ] || fail "recover: $(cat "$work/out")"
[ "$(prepared)" = 0 ] || fail "prepared transactions left after recover"
all_at "$id2"
ok "killed after every target prepared, no decision logged: fleet-recover rolls all back"

kill_at decided
[ "$(prepared)" = 3 ] || fail "expected 3 prepared transactions, got $(prepared)"
ls "$work"/pgrev_*.commit >/dev/null 2>&1 || fail "no decision file"
[ "$(ls "$work"/pgrev_*.run | wc -l)" = 1 ] || fail "the first recover left its run file: $(ls "$work")"
run 0 --fleet "$fleet" fleet-recover
[ "$(grep -c "committed" "$work/out")" = 3 ] || fail "recover: $(cat "$work/out")"
[ "$(prepared)" = 0 ] || fail "prepared transactions left after recover"
all_at "$id3"
run 0 --fleet "$fleet" fleet-recover
out_has "(0 prepared transactions finished)"
ok "killed after the decision was logged: fleet-recover commits all"

run 0 --fleet "$fleet" --atomic downgrade "$id1"
[ "$(grep -c "committed" "$work/out")" = 3 ] || fail "atomic downgrade: $(cat "$work/out")"
all_at "$id1"
ls "$work"/pgrev_* >/dev/null 2>&1 && fail "files left: $(ls "$work")"
ok "--atomic downgrade commits everywhere and leaves no log behind"

# --- --tenants --atomic: each tenant in its own transaction, all or nothing ----------
d1="host=127.0.0.1 port=$p1 user=postgres dbname=db1"
q "$p1" db1 "CREATE SCHEMA ten_a; CREATE SCHEMA ten_b; CREATE SCHEMA ten_c; CREATE TABLE ten_b.t1 (x text)" >/dev/null
tenant_heads() { q "$p1" db1 "SELECT coalesce(string_agg(tenant || ':' || array_to_string(current, ','), ' ' ORDER BY tenant), 'none') FROM rev_tenants()"; }
run 3 -d "$d1" --tenants 'ten\_%' -j 2 --atomic --log-dir "$work" upgrade "$id1"
grep -q "^ *ten_b .*failed.*already exists" "$work/out" || fail "ten_b not named: $(cat "$work/out")"
[ "$(tenant_heads)" = none ] || fail "--atomic tenants changed: $(tenant_heads)"
[ "$(prepared)" = 0 ] || fail "prepared transactions left"
q "$p1" db1 "DROP TABLE ten_b.t1" >/dev/null
run 0 -d "$d1" --tenants 'ten\_%' -j 2 --atomic --log-dir "$work" upgrade "$id1"
[ "$(grep -c "committed" "$work/out")" = 3 ] || fail "tenants atomic: $(cat "$work/out")"
[ "$(tenant_heads)" = "ten_a:$id1 ten_b:$id1 ten_c:$id1" ] || fail "tenants: $(tenant_heads)"
[ "$(q "$p1" db1 "SELECT count(*) FROM pg_class WHERE relname = 't1' AND relnamespace::regnamespace::text LIKE 'ten\_%'")" = 3 ] ||
    fail "t1 not in every tenant schema"
ok "--tenants --atomic: one failing tenant rolls all back; then all commit together"
