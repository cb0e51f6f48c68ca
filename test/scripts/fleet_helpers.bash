# shellcheck shell=bash
# test/scripts/fleet_helpers.bash: extra throwaway clusters for the fleet
# tests (client_fleet*.sh), on 127.0.0.1 with free ports, owned by the
# cluster's OS user as scripts/lib.sh does, each with
# max_prepared_transactions = 20 (two-phase commit).  Sourced after
# client_helpers.bash.  Helpers:
#   extra_cluster       start one; its port in $fleet_port; stopped by fleet_cleanup
#                       (not in a subshell: it records the cluster)
#   fleet_cleanup       stop them all and remove their directories
#   kill_cluster PORT   stop one now (an unreachable server)

fleet_dirs=()
fleet_os_user=${PGREV_OS_USER:-postgres}

fleet__as_pguser() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u "$fleet_os_user" -- "$@")
    else
        "$@"
    fi
}

fleet__free_port() {
    local port
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    for _ in $(seq 1 500); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
        port=$(( port >= 49999 ? 20000 : port + 1 ))
    done
    return 1
}

extra_cluster() {
    local dir port attempt
    dir=$(mktemp -d "${PGREV_TMPROOT:-/tmp}/pg_revisions_fleet.XXXXXX")
    chmod 755 "$dir"
    [ "$(id -u)" -ne 0 ] || chown "$fleet_os_user:" "$dir"
    fleet_dirs+=("$dir")
    fleet__as_pguser "$PG_BIN/initdb" -D "$dir/data" --auth=trust -U postgres --no-sync -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    for attempt in 1 2 3 4 5; do
        port=$(fleet__free_port)
        if fleet__as_pguser "$PG_BIN/pg_ctl" -D "$dir/data" -w -t 120 -l "$dir/server.log" \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_prepared_transactions=20" \
            start >/dev/null 2>&1; then
            fleet_port=$port
            echo "$port" >"$dir/port"
            return 0
        fi
        [ "$attempt" -lt 5 ] || { cat "$dir/server.log" >&2; return 1; }
    done
}

kill_cluster() {
    local port=$1 dir
    for dir in "${fleet_dirs[@]}"; do
        if [ "$(cat "$dir/port" 2>/dev/null)" = "$port" ]; then
            fleet__as_pguser "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
    done
}

fleet_cleanup() {
    local dir
    for dir in "${fleet_dirs[@]}"; do
        if [ -f "$dir/data/postmaster.pid" ]; then
            fleet__as_pguser "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$dir"
    done
    fleet_dirs=()
}
