#!/usr/bin/env bash
# scripts/test.sh — the whole test suite on a throwaway cluster:
#   1. install PostgreSQL 15 + headers if missing (apt-get), build with -Werror, install;
#   2. start a throwaway cluster (PGHOST/PGPORT/PGUSER exported);
#   3. make installcheck: the pg_regress suite (sql/ -> expected/), then the
#      isolation suite (test/specs -> test/expected), each run even if the other fails;
#   4. every test/scripts/*.sh, each with the cluster in PGHOST/PGPORT/PGUSER;
#   5. stop the cluster and print "N passed, M failed" as the last line.
# Each pg_regress/isolation test counts as one, each script test as one; a
# suite that aborts before reporting a failing test, a failed build and a
# server crash each count as one failure.
# Exits non-zero if anything failed.  Logs: tmp_check/logs/.
#
# Usage: bash scripts/test.sh [--quick]      (--quick is accepted and ignored for now)
set -euo pipefail

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for arg in "$@"; do
    case "$arg" in
        --quick) ;;
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) pgrev_die "unknown argument: $arg (usage: scripts/test.sh [--quick])" ;;
    esac
done

# One stream, so that the summary is the last line however the output is read.
exec 2>&1

passed=0
failed=0
failures=()
script_timeout="${PGREV_SCRIPT_TIMEOUT:-900}"

summary() {
    if [ "${#failures[@]}" -gt 0 ]; then
        echo "Failed:"
        printf '  %s\n' "${failures[@]}"
    fi
    echo "$passed passed, $failed failed"
}

# Print at most $2 lines of a diffs file.
show_diffs() {
    local file=$1 max=${2:-500} n
    [ -s "$file" ] || return 0
    n=$(wc -l <"$file")
    echo "---- $file ($n lines) ----"
    head -n "$max" "$file"
    if [ "$n" -gt "$max" ]; then echo "... ($((n - max)) more lines in $file)"; fi
    echo "---- end of $file ----"
}

# Run one pg_regress-driven suite through `make installcheck`, echoing its
# output, and count its tests from pg_regress's per-test lines:
#   PG15:  "test install   ... ok   12 ms", "     foo ... FAILED", "... failed (ignored)"
#   PG16+: "ok 1   - install   12 ms", "not ok 2   - ids   30 ms"
# Usage: run_suite NAME DIFFS_FILE [make VAR=value ...]
run_suite() {
    local name=$1 diffs=$2 log rc p f
    shift 2
    log=$(pgrev__logfile "installcheck-$name")
    rm -f "$PGREV_ROOT/$diffs"
    echo
    pgrev_msg "make installcheck: $name"
    set +e
    # The screen skips psql's bare command tags (SET, CREATE DATABASE...); the log keeps all.
    make -C "$PGREV_ROOT" --no-print-directory PG_CONFIG="$PG_CONFIG" "$@" installcheck 2>&1 |
        tee "$log" | grep -Ev '^(SET|(CREATE|DROP|ALTER) (DATABASE|EXTENSION))$'
    rc=${PIPESTATUS[0]}
    set -e
    read -r p f < <(awk '
        /^not ok [0-9]+/                       { f++; next }
        /^ok [0-9]+/                           { p++; next }
        /\.\.\. +ok([[:space:]]|$)/            { p++; next }
        /\.\.\. +failed \(ignored\)/           { p++; next }
        /\.\.\. +(FAILED|failed)([[:space:]]|$)/ { f++; next }
        END { print p + 0, f + 0 }' "$log")
    passed=$((passed + p))
    failed=$((failed + f))
    while IFS= read -r line; do
        failures+=("$name: $line")
    done < <(grep -E '^not ok [0-9]+|\.\.\. +(FAILED|failed)([[:space:]]|$)' "$log" |
             sed -E 's/[[:space:]]+/ /g; s/^ //' || true)
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        # pg_regress or make failed before or outside any test.
        failed=$((failed + 1))
        failures+=("$name: make installcheck exited $rc before reporting a failing test (log: $log)")
    fi
    if [ "$rc" -ne 0 ]; then
        show_diffs "$PGREV_ROOT/$diffs"
    fi
}

pgrev_install_deps
if ! pgrev_build_install --clean COPT=-Werror; then
    failures+=("build: make COPT=-Werror / make install")
    failed=$((failed + 1))
    summary
    exit 1
fi

pgrev_cluster_start

# Isolation first would also do; each suite runs on its own so that a failure
# in one does not hide the other.
run_suite regress regression.diffs ISOLATION=
run_suite isolation output_iso/regression.diffs REGRESS=

scripts=()
for f in "$PGREV_ROOT"/test/scripts/*.sh; do
    [ -f "$f" ] && scripts+=("$f")
done
if [ "${#scripts[@]}" -gt 0 ]; then
    echo
    pgrev_msg "script tests (test/scripts)"
fi
for f in "${scripts[@]}"; do
    name=$(basename "$f")
    log=$(pgrev__logfile "script-${name%.sh}")
    start=$SECONDS
    if [ -x "$f" ]; then cmd=("$f"); else cmd=(bash "$f"); fi
    set +e
    (cd "$PGREV_ROOT" && timeout --kill-after=10 "$script_timeout" "${cmd[@]}") </dev/null >"$log" 2>&1
    rc=$?
    set -e
    secs=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        printf 'test %-40s ... PASS  %4ss\n' "$name" "$secs"
        passed=$((passed + 1))
    else
        [ "$rc" -eq 124 ] && echo "($name timed out after ${script_timeout}s)"
        printf 'test %-40s ... FAIL  %4ss (exit %s)\n' "$name" "$secs" "$rc"
        echo "---- output of $name (last 100 lines; full log: $log) ----"
        tail -n 100 "$log"
        echo "---- end of $name ----"
        failed=$((failed + 1))
        failures+=("script: $name (exit $rc)")
    fi
done

echo
# Keep the server log (the cluster's directory goes away); show crashes.
server_log=$(pgrev__logfile server)
cp "$PGREV_SERVER_LOG" "$server_log" 2>/dev/null || true
# A SIGKILL is only ever sent on purpose (test/scripts/faults.sh kills a
# backend to test crash recovery): its "terminated by signal 9: Killed" line
# is not a crash.  Real crashes (SIGSEGV, SIGABRT, PANIC, TRAP:) still count.
crash_re='terminated by signal|PANIC|TRAP:|was terminated'
crash_lines=$(grep -En "$crash_re" "$server_log" 2>/dev/null | grep -v 'terminated by signal 9: Killed$' || true)
if [ -n "$crash_lines" ]; then
    echo "---- the server crashed during the tests ($server_log):"
    while IFS=: read -r n _; do
        sed -n "$((n > 2 ? n - 2 : 1)),$((n + 8))p" "$server_log"
        echo "--"
    done <<<"$crash_lines" | head -n 80 || true
    echo "----"
    failures+=("server: a backend crashed (see $server_log)")
    failed=$((failed + 1))
fi
pgrev_cluster_stop
summary
[ "$failed" -eq 0 ]
