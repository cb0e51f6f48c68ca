#!/usr/bin/env bash
# scripts/test-majors.sh — the whole test suite (scripts/test.sh) on other
# PostgreSQL majors, each in a Debian chroot that has that major's packages:
#
#   bash scripts/test-majors.sh 17 18
#
#   17  Debian trixie  (postgresql-17)
#   18  Debian sid     (postgresql-18)
#
# For each major it makes (or reuses) a debootstrap chroot under
# $PGREV_CHROOT_DIR/<suite> (default /var/tmp/pg_revisions-chroots), installs
# postgresql-N, postgresql-server-dev-N and what the tests install (compilers,
# Python, Node, Alembic, Sqitch, gnuplot) with apt-get, copies the work tree
# in (the files git knows, committed or not, without build products and
# tmp_check), runs `PG_MAJOR=N bash scripts/test.sh` inside and prints, after
# all majors, one line per major:
#
#   PostgreSQL N: X passed, Y failed
#
# X and Y come from test.sh's final "X passed, Y failed" line; a chroot or
# build that breaks before the suite reports counts as "0 passed, 1 failed"
# with the reason on the next line.  Exits non-zero if any major failed.
#
# Needs root (debootstrap, mount, chroot) on a Debian host; installs
# debootstrap with apt-get when missing.  The Debian mirror is the host's (from
# /etc/apt/sources.list and sources.list.d), else deb.debian.org.  No service
# starts in the chroot (a policy-rc.d that exits 101; postgresql-common makes no
# main cluster).  proc, sys, dev, dev/pts and dev/shm are mounted for the
# suite and always unmounted on exit.  A chroot is made once (about 2 minutes)
# and reused; delete its directory to start over.
#
# Settings: PGREV_CHROOT_DIR (see above); PGREV_MIRROR (a Debian mirror URL);
# PGREV_MAJORS_LOGDIR (set-up and test output per major, and the suite's
# tmp_check/logs; default $PGREV_CHROOT_DIR/logs).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHROOT_DIR="${PGREV_CHROOT_DIR:-/var/tmp/pg_revisions-chroots}"
LOGDIR="${PGREV_MAJORS_LOGDIR:-$CHROOT_DIR/logs}"

msg() { printf '==> %s\n' "$*"; }
die() { printf 'test-majors: error: %s\n' "$*" >&2; exit 2; }

usage() { sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

[ "$#" -gt 0 ] || { usage >&2; exit 2; }
for a in "$@"; do
    case "$a" in
        -h|--help) usage; exit 0 ;;
        15|16|17|18) ;;
        *) die "unknown major: $a (known: 17 18)" ;;
    esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot)"

# The Debian suite that packages PostgreSQL N (Debian's own packages, no PGDG).
suite_of() {
    case "$1" in
        15) echo bookworm ;;
        17) echo trixie ;;
        18) echo sid ;;
        *) return 1 ;;
    esac
}

# The host's Debian mirror: the first deb URI of the main archive (not the
# security one) in its apt sources, else deb.debian.org.
host_mirror() {
    local m
    if [ -n "${PGREV_MIRROR:-}" ]; then echo "$PGREV_MIRROR"; return; fi
    m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        grep -Eo 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')
    echo "${m:-http://deb.debian.org/debian}"
}

# Packages for the build and for every test in scripts/test.sh: lib.sh's
# pgrev_install_deps, test/scripts (clang for fuzz_target, Python and Node for
# language_clients) and test/bench (the peers of bench_quick).
packages() {
    local n=$1
    echo "postgresql-$n postgresql-server-dev-$n libpq-dev python3 make gcc libc6-dev" \
         "ca-certificates iproute2 procps git clang" \
         "python3-psycopg2 python3-alembic sqitch libdbd-pg-perl gnuplot-nox nodejs npm"
}

# Mount points of the chroot in use; unmounted by cleanup (the EXIT trap).
MOUNTED=()

unmount_all() {
    local i m
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        m=${MOUNTED[$i]}
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
            printf 'test-majors: warning: could not unmount %s\n' "$m" >&2
    done
    MOUNTED=()
}
trap unmount_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# unmount_stale ROOT: unmount what an earlier, killed run left mounted under
# ROOT (deepest first), so that nothing mounts twice and no rm -rf of the
# chroot can reach the host's /dev.
unmount_stale() {
    local r=$1 m
    while IFS= read -r m; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null ||
            printf 'test-majors: warning: could not unmount %s\n' "$m" >&2
    done < <(awk -v root="$r/" 'index($5, root) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# mount_in ROOT TARGET mount-args...: mount at ROOT/TARGET and remember it.
mount_in() {
    local root=$1 target=$2
    shift 2
    mkdir -p "$root/$target"
    mount "$@" "$root/$target" || return 1
    MOUNTED+=("$root/$target")
}

mount_all() {
    local r=$1
    [ "${#MOUNTED[@]}" -eq 0 ] || return 0
    unmount_stale "$r"
    mount_in "$r" proc -t proc proc &&
    mount_in "$r" sys -t sysfs sysfs &&
    mount_in "$r" dev --bind /dev &&
    { mount --make-rslave "$r/dev" 2>/dev/null || true; } &&
    mount_in "$r" dev/pts --bind /dev/pts &&
    mount_in "$r" dev/shm -t tmpfs -o mode=1777 tmpfs
}

# chroot_run ROOT command...: run in the chroot with a clean environment.
chroot_run() {
    local r=$1
    shift
    chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive \
        NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
        npm_config_cafile=/etc/ssl/certs/ca-certificates.crt \
        "$@"
}

# Copy the host's CA certificates (the bundle and any local ones) in, so that
# TLS (npm) trusts what the host trusts.
copy_certs() {
    local r=$1
    mkdir -p "$r/etc/ssl/certs" "$r/usr/local/share/ca-certificates"
    if [ -d /usr/local/share/ca-certificates ]; then
        cp -a /usr/local/share/ca-certificates/. "$r/usr/local/share/ca-certificates/" 2>/dev/null || true
    fi
    [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
    cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
    return 0
}

# make_chroot MAJOR ROOT LOG: debootstrap (once) and install the packages
# (once per package list: a stamp file records the list installed).  On
# failure sets SETUP_ERR to the reason and returns 1.
make_chroot() {
    local n=$1 r=$2 log=$3 suite mirror pkgs
    suite=$(suite_of "$n")
    mirror=$(host_mirror)
    pkgs=$(packages "$n")
    if [ ! -x "$r/usr/bin/apt-get" ] || [ ! -f "$r/.pgrev-bootstrapped" ]; then
        if ! command -v debootstrap >/dev/null 2>&1; then
            msg "installing debootstrap (apt-get)"
            { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; } >>"$log" 2>&1 ||
                { SETUP_ERR="apt-get install debootstrap failed"; return 1; }
        fi
        unmount_stale "$r"
        rm -rf --one-file-system "$r"
        mkdir -p "$r"
        msg "debootstrap --variant=minbase $suite $r $mirror"
        debootstrap --variant=minbase "$suite" "$r" "$mirror" >>"$log" 2>&1 ||
            { SETUP_ERR="debootstrap $suite failed"; return 1; }
        # No service starts in the chroot; no "main" cluster is created.
        printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
        chmod 755 "$r/usr/sbin/policy-rc.d"
        mkdir -p "$r/etc/postgresql-common/createcluster.d"
        printf 'create_main_cluster = false\n' >"$r/etc/postgresql-common/createcluster.d/50-pg_revisions.conf"
        # sid's snapshot mirrors carry an expired Valid-Until.
        printf 'Acquire::Check-Valid-Until "false";\n' >"$r/etc/apt/apt.conf.d/99pg_revisions"
        printf 'deb %s %s main\n' "$mirror" "$suite" >"$r/etc/apt/sources.list"
        touch "$r/.pgrev-bootstrapped"
    fi
    copy_certs "$r"
    # Maintainer scripts (postgresql-common's) need /proc.
    mount_all "$r" || { SETUP_ERR="could not mount proc/sys/dev in $r"; return 1; }
    if [ "$(cat "$r/.pgrev-packages" 2>/dev/null)" != "$pkgs" ]; then
        msg "apt-get install in the $suite chroot: $pkgs"
        # shellcheck disable=SC2086
        { chroot_run "$r" dpkg --configure -a &&
          chroot_run "$r" apt-get update -q &&
          chroot_run "$r" apt-get install -y -q --no-install-recommends $pkgs; } >>"$log" 2>&1 ||
            { SETUP_ERR="apt-get install in the $suite chroot failed"; return 1; }
        printf '%s' "$pkgs" >"$r/.pgrev-packages"
        copy_certs "$r"
    fi
    chroot_run "$r" test -x "/usr/lib/postgresql/$n/bin/pg_config" ||
        { SETUP_ERR="no /usr/lib/postgresql/$n/bin/pg_config in the $suite chroot"; return 1; }
}

# copy_tree ROOT: the work tree into ROOT/root/pg_revisions (fresh each run):
# the files git lists (committed or not, minus ignored ones), else everything
# but build products.
copy_tree() {
    local dst=$1/root/pg_revisions
    rm -rf "$dst"
    mkdir -p "$dst"
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$ROOT" && git ls-files -z -c -o --exclude-standard |
            tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$dst" -xf -
    else
        tar -C "$ROOT" --exclude=./tmp_check --exclude=./results --exclude=./output_iso \
            --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - . | tar -C "$dst" -xf -
    fi
}

# run_major MAJOR: set up, run the suite, record "X passed, Y failed" or a reason.
declare -A RESULT REASON SECS
run_major() {
    local n=$1 suite r log out line start
    suite=$(suite_of "$n") || { RESULT[$n]="0 passed, 1 failed"; REASON[$n]="no Debian suite known for PostgreSQL $n"; return; }
    r="$CHROOT_DIR/$suite"
    mkdir -p "$LOGDIR"
    log="$LOGDIR/setup-$n.log"
    out="$LOGDIR/test-$n.log"
    : >"$log"
    start=$SECONDS
    echo
    msg "PostgreSQL $n: chroot $r (Debian $suite)"
    SETUP_ERR="chroot set-up failed"
    if ! make_chroot "$n" "$r" "$log"; then
        unmount_all
        tail -n 30 "$log"
        RESULT[$n]="0 passed, 1 failed"
        REASON[$n]="$SETUP_ERR (log: $log)"
        SECS[$n]=$((SECONDS - start))
        return
    fi
    msg "PostgreSQL $n: set-up took $((SECONDS - start)) s; running scripts/test.sh"
    copy_tree "$r"
    chroot_run "$r" env PG_MAJOR="$n" bash -c 'cd /root/pg_revisions && exec bash scripts/test.sh' 2>&1 |
        tee "$out"
    unmount_all
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
    if [ -n "$line" ]; then
        RESULT[$n]=$line
    else
        RESULT[$n]="0 passed, 1 failed"
        REASON[$n]="scripts/test.sh printed no summary (log: $out)"
    fi
    SECS[$n]=$((SECONDS - start))
    # Keep the suite's logs next to the output.
    rm -rf "$LOGDIR/logs-$n"
    cp -a "$r/root/pg_revisions/tmp_check/logs" "$LOGDIR/logs-$n" 2>/dev/null || true
    msg "PostgreSQL $n: ${RESULT[$n]} (${SECS[$n]} s)"
}

for n in "$@"; do
    run_major "$n"
done

echo
bad=0
for n in "$@"; do
    echo "(PostgreSQL $n took ${SECS[$n]:-0} s)"
done
for n in "$@"; do
    echo "PostgreSQL $n: ${RESULT[$n]}"
    [ -n "${REASON[$n]:-}" ] && echo "  reason: ${REASON[$n]}"
    case "${RESULT[$n]}" in
        *" 0 failed") ;;
        *) bad=1 ;;
    esac
done
exit "$bad"
