# shellcheck shell=bash
#
# scripts/lib.sh — helpers shared by scripts/demo.sh, scripts/test.sh and the
# script tests in test/scripts/.  Source it from bash (it is safe under
# `set -euo pipefail`):
#
#   . "$(dirname "$0")/../scripts/lib.sh"
#   pgrev_install_deps      # PostgreSQL $PG_MAJOR server + headers, libpq-dev, python3, make, gcc (apt-get)
#   pgrev_apt_install pkg.. # more Debian packages, for a test (apt-get)
#   pgrev_build_install     # make && make install (root or sudo for the install)
#   pgrev_cluster_start     # throwaway cluster; exports PGHOST PGPORT PGUSER
#   pgrev_psql -d db -c ... # psql -X -v ON_ERROR_STOP=1 -q
#   pgrev_cluster_stop      # also run by the EXIT trap that pgrev_cluster_start sets
#
# Settings read from the environment (all optional):
#   PG_MAJOR            PostgreSQL major version to use (default 15)
#   PG_CONFIG           pg_config to build against (default: the one of PG_MAJOR)
#   PGREV_OS_USER       OS user that owns the throwaway cluster when run as root (default postgres)
#   PGREV_TMPROOT       where the cluster's temporary directory goes (default /tmp)
#   PGREV_LOGDIR        where build and test logs go (default <repo>/tmp_check/logs)
#   PGREV_SERVER_OPTS   extra server options, after the defaults (-c fsync=off
#                       -c max_locks_per_transaction=256), e.g. "-c fsync=on"
#
# Exported for the callers and their children: PG_MAJOR, PG_CONFIG, PG_BIN, PATH
# (with PG_BIN first), PGREV_ROOT (the repository), and, while a cluster runs,
# PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGREV_SERVER_LOG.

PGREV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGREV_ROOT
export PG_MAJOR="${PG_MAJOR:-15}"
PGREV_LOGDIR="${PGREV_LOGDIR:-$PGREV_ROOT/tmp_check/logs}"

# State of the throwaway cluster (empty when none is running).
PGREV_CLUSTER_DIR=""
PGREV_SERVER_LOG="${PGREV_SERVER_LOG:-}"

pgrev_msg() { printf '==> %s\n' "$*"; }
pgrev_err() { printf 'pg_revisions: error: %s\n' "$*" >&2; }
pgrev_die() { pgrev_err "$*"; exit 1; }

# Run a command as root: directly, or through sudo.
pgrev__as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        pgrev_err "need root (or sudo) to run: $*"
        return 1
    fi
}

# Print the last lines of a log file to stderr, under a header.
pgrev__show_log() {
    local file=$1 lines=${2:-60}
    [ -s "$file" ] || return 0
    printf -- '---- last %s lines of %s ----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '---- end of %s ----\n' "$file" >&2
}

pgrev__logfile() {
    mkdir -p "$PGREV_LOGDIR"
    printf '%s/%s.log' "$PGREV_LOGDIR" "$1"
}

# Set PG_CONFIG and PG_BIN if a pg_config of the wanted major is installed.
pgrev__find_pg_config() {
    local c cand
    if [ -n "${PG_CONFIG:-}" ]; then
        # Given by the caller: use it as is (whatever its major version).
        c=$(command -v "$PG_CONFIG" 2>/dev/null) || return 1
    else
        c=""
        for cand in "/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" /usr/bin/pg_config; do
            [ -x "$cand" ] || continue
            case "$("$cand" --version 2>/dev/null)" in
                "PostgreSQL $PG_MAJOR."*|"PostgreSQL $PG_MAJOR "*) c=$cand; break ;;
            esac
        done
    fi
    [ -n "$c" ] || return 1
    PG_CONFIG=$c
    PG_BIN=$("$PG_CONFIG" --bindir) || return 1
    export PG_CONFIG PG_BIN
}

# Set PGREV_MISSING to what the build and the tests need but is missing
# (one item a line; empty when all is there), and PG_CONFIG/PG_BIN if found.
pgrev__check_deps() {
    PGREV_MISSING=""
    local t pgxs inc global clang
    pgrev__add_missing() { PGREV_MISSING="${PGREV_MISSING:+$PGREV_MISSING
}$1"; }
    for t in make gcc; do
        command -v "$t" >/dev/null 2>&1 || pgrev__add_missing "$t"
    done
    [ -e /usr/include/stdio.h ] || pgrev__add_missing "libc6-dev (C headers)"
    # Debian's Python: the client's tests parse its JSON with it, the rev_diff
    # round-trip test generates its schemas with it.
    [ -x /usr/bin/python3 ] || pgrev__add_missing "python3 (/usr/bin/python3)"
    if ! pgrev__find_pg_config; then
        pgrev__add_missing "pg_config for PostgreSQL $PG_MAJOR"
        return 0
    fi
    for t in postgres initdb pg_ctl psql pg_dump pg_restore; do
        [ -x "$PG_BIN/$t" ] || pgrev__add_missing "$PG_BIN/$t"
    done
    pgxs=$("$PG_CONFIG" --pgxs 2>/dev/null) || pgxs=""
    if [ -z "$pgxs" ] || [ ! -f "$pgxs" ]; then pgrev__add_missing "PGXS makefile (server headers)"; fi
    inc=$("$PG_CONFIG" --includedir-server 2>/dev/null) || inc=""
    if [ -z "$inc" ] || [ ! -f "$inc/postgres.h" ]; then pgrev__add_missing "server headers (postgres.h)"; fi
    # The command-line client (bin/) links libpq.
    t=$("$PG_CONFIG" --includedir 2>/dev/null) || t=""
    [ -n "$t" ] && [ -f "$t/libpq-fe.h" ] || pgrev__add_missing "libpq-dev (libpq-fe.h)"
    if [ ! -e "$("$PG_CONFIG" --libdir 2>/dev/null)/libpq.so" ] && ! compgen -G '/usr/lib/*/libpq.so' >/dev/null; then
        pgrev__add_missing "libpq-dev (libpq.so)"
    fi
    t="$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress"
    [ -x "$t" ] || pgrev__add_missing "$t"
    # A server built with LLVM makes PGXS compile bitcode with its clang.
    if [ -n "$pgxs" ] && [ -f "$pgxs" ]; then
        global="$(dirname "$pgxs")/../Makefile.global"
        if grep -Eq '^with_llvm[[:space:]]*=[[:space:]]*yes' "$global" 2>/dev/null; then
            clang=$(sed -n 's/^CLANG[[:space:]]*=[[:space:]]*//p' "$global" | head -n 1)
            if [ -n "$clang" ] && ! command -v "$clang" >/dev/null 2>&1; then
                pgrev__add_missing "$clang"
            fi
        fi
    fi
    return 0
}

# Install PostgreSQL $PG_MAJOR (server, client, headers, isolation tester),
# make, gcc and python3 with apt-get, unless they are all present already.
pgrev_install_deps() {
    local log
    pgrev__check_deps
    if [ -z "$PGREV_MISSING" ]; then
        pgrev_msg "dependencies present: $("$PG_CONFIG" --version) ($PG_CONFIG)"
        return 0
    fi
    pgrev_msg "installing build dependencies; missing: $(printf '%s' "$PGREV_MISSING" | paste -sd, - | sed 's/,/, /g')"
    command -v apt-get >/dev/null 2>&1 ||
        pgrev_die "apt-get not found; install PostgreSQL $PG_MAJOR server, headers (PGXS), make and gcc by hand, or set PG_CONFIG"
    log=$(pgrev__logfile apt)
    # A fresh postgresql-N package creates and starts a "main" cluster on port
    # 5432; the scripts never use it, so ask postgresql-common not to create it.
    if ! dpkg-query -W -f='${Status}' "postgresql-$PG_MAJOR" 2>/dev/null | grep -q 'install ok installed'; then
        pgrev__as_root mkdir -p /etc/postgresql-common/createcluster.d
        printf '# written by pg_revisions scripts/lib.sh: no main cluster, tests start their own\ncreate_main_cluster = false\n' |
            pgrev__as_root tee /etc/postgresql-common/createcluster.d/50-pg_revisions.conf >/dev/null
    fi
    if ! pgrev__as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$log" 2>&1; then
        pgrev__show_log "$log" 40
        pgrev_die "apt-get update failed"
    fi
    if ! pgrev__as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" libpq-dev python3 make gcc libc6-dev >>"$log" 2>&1; then
        pgrev__show_log "$log" 40
        pgrev_die "apt-get install failed"
    fi
    pgrev__check_deps
    if [ -n "$PGREV_MISSING" ]; then
        pgrev_die "still missing after apt-get install: $(printf '%s' "$PGREV_MISSING" | paste -sd, -)"
    fi
    pgrev_msg "installed: $("$PG_CONFIG" --version) ($PG_CONFIG)"
}

# Install Debian packages a test needs (apt-get update first, once per
# shell).  Output goes to a log under PGREV_LOGDIR; on failure its tail is
# shown and the function returns 1.
PGREV__APT_UPDATED=0
pgrev_apt_install() {
    local log
    command -v apt-get >/dev/null 2>&1 || { pgrev_err "apt-get not found; install by hand: $*"; return 1; }
    log=$(pgrev__logfile apt-test)
    pgrev_msg "installing $* (apt-get)"
    if [ "$PGREV__APT_UPDATED" -eq 0 ]; then
        pgrev__as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 ||
            { pgrev__show_log "$log" 20; pgrev_err "apt-get update failed"; return 1; }
        PGREV__APT_UPDATED=1
    fi
    pgrev__as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
        >>"$log" 2>&1 || { pgrev__show_log "$log" 20; pgrev_err "apt-get install $* failed"; return 1; }
}

# What a failed build's log shows: diagnostics of the compiler (gcc/clang:
# "file:line:col: error: ...", "fatal error:", "warning:", "note:"), of the
# linker ("undefined reference", "ld: ... error") and make's "*** ..." lines.
PGREV__DIAG_RE='(^|: )(fatal )?(error|warning|note):|undefined reference|^make(\[[0-9]+\])?: \*\*\*'

# Build the extension in the repository and install it into $PG_CONFIG's server.
#   pgrev_build_install [--clean] [make VAR=value ...]
# --clean runs `make clean` first, so that extra flags (COPT=-Werror) reach
# every object.  The extra arguments go to both `make` and `make install`.
pgrev_build_install() {
    local clean=0 log
    if [ "${1:-}" = "--clean" ]; then clean=1; shift; fi
    [ -n "${PG_CONFIG:-}" ] || pgrev__find_pg_config || pgrev_die "no pg_config for PostgreSQL $PG_MAJOR; run pgrev_install_deps first"
    if [ "$clean" -eq 1 ]; then
        make -C "$PGREV_ROOT" -s PG_CONFIG="$PG_CONFIG" clean >/dev/null 2>&1 || true
    fi
    log=$(pgrev__logfile build)
    pgrev_msg "building pg_revisions${*:+ ($*)}"
    if ! make -C "$PGREV_ROOT" -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG" "$@" >"$log" 2>&1; then
        # Show the compiler's and linker's diagnostics ("file.c:12:3: error:",
        # "undefined reference", make's "***" lines), not the command lines
        # (which contain -Werror), or else the end of the log.
        if grep -Eq "$PGREV__DIAG_RE" "$log"; then
            grep -E -A4 "$PGREV__DIAG_RE" "$log" | head -n 150 >&2
        else
            pgrev__show_log "$log" 40
        fi
        pgrev_err "make failed (full log: $log)"
        return 1
    fi
    if grep -Eq ': warning:' "$log"; then
        grep -E -A4 ': warning:' "$log" | head -n 60
    fi
    log=$(pgrev__logfile install)
    if ! pgrev__as_root make -C "$PGREV_ROOT" PG_CONFIG="$PG_CONFIG" "$@" install >"$log" 2>&1; then
        pgrev__show_log "$log" 40
        pgrev_err "make install failed (full log: $log)"
        return 1
    fi
    pgrev_msg "installed into $("$PG_CONFIG" --pkglibdir) and $("$PG_CONFIG" --sharedir)/extension"
}

# Run a command as the OS user that owns the cluster, from a directory that
# user can enter (the repository may live under /root).
pgrev__as_pguser() {
    if [ "$(id -u)" -ne 0 ]; then
        (cd "$PGREV_CLUSTER_DIR" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$PGREV_CLUSTER_DIR" && runuser -u "$PGREV_OS_USER" -- "$@")
    else
        (cd "$PGREV_CLUSTER_DIR" && su "$PGREV_OS_USER" -s /bin/sh -c "$(printf '%q ' "$@")")
    fi
}

# Exit 0 when something listens on 127.0.0.1:$1.
pgrev__port_busy() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Htln "sport = :$port" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

pgrev__free_port() {
    local port
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    for _ in $(seq 1 500); do
        if ! pgrev__port_busy "$port"; then
            echo "$port"
            return 0
        fi
        port=$(( port >= 49999 ? 20000 : port + 1 ))
    done
    pgrev_err "no free TCP port found on 127.0.0.1 (tried 500)"
    return 1
}

pgrev__on_exit() {
    local rc=$?
    set +e
    if [ -n "$PGREV_CLUSTER_DIR" ] && [ "$rc" -ne 0 ]; then
        pgrev__show_log "$PGREV_SERVER_LOG" 20
    fi
    pgrev_cluster_stop
    return "$rc"
}

# Start a throwaway cluster in a new temporary directory, owned by
# $PGREV_OS_USER when run as root; export PGHOST, PGPORT and PGUSER for it.
# Sets an EXIT trap (and INT/TERM/HUP) that stops it and removes the directory:
# call it from the script's top level, not from a subshell.
pgrev_cluster_start() {
    local tmproot attempt port
    [ -z "$PGREV_CLUSTER_DIR" ] || pgrev_die "a cluster is already running in $PGREV_CLUSTER_DIR"
    [ -n "${PG_BIN:-}" ] || pgrev__find_pg_config || pgrev_die "no pg_config for PostgreSQL $PG_MAJOR; run pgrev_install_deps first"
    if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
        pgrev_die "no initdb/pg_ctl in $PG_BIN; run pgrev_install_deps first"
    fi
    PGREV_OS_USER="${PGREV_OS_USER:-postgres}"
    if [ "$(id -u)" -eq 0 ] && ! id -u "$PGREV_OS_USER" >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
            --shell /bin/bash "$PGREV_OS_USER" || pgrev_die "could not create OS user $PGREV_OS_USER"
    fi

    trap pgrev__on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP

    tmproot="${PGREV_TMPROOT:-/tmp}"
    PGREV_CLUSTER_DIR=$(mktemp -d "$tmproot/pg_revisions.XXXXXX") || pgrev_die "mktemp -d in $tmproot failed"
    chmod 755 "$PGREV_CLUSTER_DIR"
    mkdir "$PGREV_CLUSTER_DIR/sock"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R "$PGREV_OS_USER:" "$PGREV_CLUSTER_DIR"
    fi
    PGREV_SERVER_LOG="$PGREV_CLUSTER_DIR/server.log"
    export PGREV_SERVER_LOG

    if ! pgrev__as_pguser "$PG_BIN/initdb" -D "$PGREV_CLUSTER_DIR/data" --auth=trust -U postgres \
            --no-sync -E UTF8 --locale=C >"$PGREV_CLUSTER_DIR/initdb.log" 2>&1; then
        pgrev__show_log "$PGREV_CLUSTER_DIR/initdb.log" 40
        pgrev_die "initdb failed"
    fi

    for attempt in 1 2 3 4 5; do
        port=$(pgrev__free_port) || pgrev_die "no free port"
        if pgrev__as_pguser "$PG_BIN/pg_ctl" -D "$PGREV_CLUSTER_DIR/data" -w -t 120 -l "$PGREV_SERVER_LOG" \
                -o "-c listen_addresses=127.0.0.1 -p $port -k $PGREV_CLUSTER_DIR/sock -c fsync=off -c max_locks_per_transaction=256 ${PGREV_SERVER_OPTS:-}" \
                start >"$PGREV_CLUSTER_DIR/pg_ctl.log" 2>&1; then
            export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
            # Variables that would send clients elsewhere.
            unset PGHOSTADDR PGSERVICE PGDATABASE PGPASSWORD PGSSLMODE
            PATH="$PG_BIN:$PATH"
            export PATH
            pgrev_msg "cluster running on 127.0.0.1:$port (data $PGREV_CLUSTER_DIR/data, log $PGREV_SERVER_LOG)"
            return 0
        fi
        if grep -q 'could not bind\|Address already in use' "$PGREV_SERVER_LOG" 2>/dev/null && [ "$attempt" -lt 5 ]; then
            pgrev_msg "port $port was taken meanwhile; retrying"
            continue
        fi
        cat "$PGREV_CLUSTER_DIR/pg_ctl.log" >&2
        pgrev__show_log "$PGREV_SERVER_LOG" 40
        pgrev_die "the throwaway cluster did not start"
    done
}

# Stop the throwaway cluster and remove its directory.  Idempotent.
pgrev_cluster_stop() {
    local dir=$PGREV_CLUSTER_DIR pid
    [ -n "$dir" ] || return 0
    if [ -f "$dir/data/postmaster.pid" ]; then
        if ! pgrev__as_pguser "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1; then
            # Last resort: the postmaster is our own child; end it by its pid.
            pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                pgrev_err "pg_ctl stop failed; sending SIGQUIT to postmaster $pid"
                kill -QUIT "$pid" 2>/dev/null || true
                for _ in $(seq 1 50); do
                    kill -0 "$pid" 2>/dev/null || break
                    sleep 0.1
                done
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    rm -rf "$dir"
    PGREV_CLUSTER_DIR=""
    trap - EXIT INT TERM HUP
    return 0
}

# Print the tail of the running cluster's server log (to stderr).
pgrev_server_log_tail() {
    pgrev__show_log "$PGREV_SERVER_LOG" "${1:-40}"
}

pgrev_psql() {
    "${PG_BIN:+$PG_BIN/}psql" -X -v ON_ERROR_STOP=1 -q "$@"
}
