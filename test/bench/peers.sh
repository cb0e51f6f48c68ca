# shellcheck shell=bash
# test/bench/peers.sh — sourced by test/bench/run.sh: install and run the
# peers (Alembic, Sqitch) and gnuplot.  Debian packages only; Alembic runs
# with the system Python (/usr/bin/python3), never the one first on PATH.

ALEMBIC=(/usr/bin/python3 -m alembic)
PEER_PACKAGES="python3-alembic python3-psycopg2 sqitch libdbd-pg-perl gnuplot-nox"

peers_missing() {
    local p missing=""
    for p in $PEER_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
    done
    printf '%s' "${missing# }"
}

# apt-get update + install of whatever is missing; a no-op when all are there.
peers_install() {
    local missing log
    missing=$(peers_missing)
    [ -n "$missing" ] || return 0
    log "== installing the peers (apt-get): $missing"
    [ "$(id -u)" -eq 0 ] || die "need root to apt-get install: $missing"
    log=$WORK/apt.log
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
           DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "apt-get install $missing failed"
    fi
    missing=$(peers_missing)
    [ -z "$missing" ] || die "still missing after apt-get install: $missing"
}

peers_versions() {
    printf 'alembic %s (sqlalchemy %s, psycopg2 %s, %s); %s; %s' \
        "$(/usr/bin/python3 -c 'import alembic; print(alembic.__version__)')" \
        "$(/usr/bin/python3 -c 'import sqlalchemy; print(sqlalchemy.__version__)')" \
        "$(/usr/bin/python3 -c 'import psycopg2; print(psycopg2.__version__.split()[0])')" \
        "$(/usr/bin/python3 --version)" \
        "$(sqitch --version | head -n 1)" \
        "$(gnuplot --version)"
}

# alembic_run DIR DB ARGS...: alembic against database DB of the bench cluster.
alembic_run() {
    local dir=$1 db=$2
    shift 2
    (cd "$dir" && "${ALEMBIC[@]}" -c alembic.ini \
        -x "url=postgresql+psycopg2://$PGUSER@$PGHOST:$PGPORT/$db?application_name=bench_alembic" "$@")
}

# sqitch_run DIR DB ARGS...: sqitch against database DB (registry schema sqitch in DB).
sqitch_run() {
    local dir=$1 db=$2 cmd=$3
    shift 3
    (cd "$dir" && sqitch "$cmd" "$@" "db:pg://$PGUSER@$PGHOST:$PGPORT/$db")
}
