#!/usr/bin/env bash
# Script test: fuzz the target parser and the id/label check (src/syntax.c)
# with libFuzzer, ASan and UBSan (test/fuzz/fuzz_target.c, see
# test/fuzz/README.md for the invariants it asserts).
#
# 1. installs clang and its libFuzzer runtime (apt-get) when missing;
# 2. builds the harness with -fsanitize=fuzzer,address,undefined -g -O1 in a
#    temporary directory (src/syntax.c compiled directly: no server needed);
# 3. runs it for FUZZ_SECONDS (default 60) on a temporary copy of
#    test/fuzz/corpus (new inputs never go back into the repository);
# 4. fails on any crash, abort (a broken invariant), sanitizer report, leak,
#    timeout or out-of-memory; prints a summary line
#      fuzz_target: N executions in S s, 0 crashes, corpus A -> B
#    and, on failure, the report and where the failing input was saved.
# Needs no database cluster.  Run from anywhere, as root or with sudo when
# clang must be installed.  FUZZ_KEEP=1 keeps the temporary directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds="${FUZZ_SECONDS:-60}"
case "$seconds" in
    ''|*[!0-9]*|0) echo "fuzz_target: FUZZ_SECONDS must be a positive whole number, not '$seconds'" >&2; exit 2 ;;
esac

fail() { echo "fuzz_target: FAIL: $*" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pgrev_fuzz.XXXXXX")
cleanup() {
    local rc=$?
    if [ "${FUZZ_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        echo "fuzz_target: files kept in $work"
    else
        rm -rf "$work"
    fi
    return "$rc"
}
trap cleanup EXIT

# pgrev_apt_install: apt-get update once, then install, as root or via sudo.
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

apt_install() {
    pgrev_apt_install "$@" || fail "could not install $* (apt-get)"
}

# Can clang build and link a libFuzzer binary with the sanitizers?
fuzzer_links() {
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }' \
        >"$work/probe.c"
    clang -fsanitize=fuzzer,address,undefined "$work/probe.c" -o "$work/probe" >"$work/probe.log" 2>&1
}

# clang (Debian 12: clang-14); its libFuzzer runtime, libclang_rt.fuzzer-<arch>.a,
# is in libclang-rt-<major>-dev (only "Recommended" by clang, so installed
# explicitly).  libfuzzer-<major>-dev is the standalone libFuzzer.a for other
# compilers: not needed.
if ! command -v clang >/dev/null 2>&1; then
    apt_install clang
fi
if ! fuzzer_links; then
    major=$(clang --version | sed -n 's/.*clang version \([0-9][0-9]*\).*/\1/p' | head -n 1)
    [ -n "$major" ] || fail "cannot tell clang's major version from: $(clang --version | head -n 1)"
    apt_install "libclang-rt-$major-dev"
    fuzzer_links || { cat "$work/probe.log" >&2; fail "clang still cannot link -fsanitize=fuzzer"; }
fi

echo "fuzz_target: building with $(clang --version | head -n 1)"
clang -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1 \
    -Wall -Wextra -Werror -I"$root/src" \
    "$root/test/fuzz/fuzz_target.c" "$root/src/syntax.c" -o "$work/fuzz_target" \
    >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "the harness does not build"; }

mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/test/fuzz/corpus/* "$work/corpus/"
corpus_before=$(find "$work/corpus" -type f | wc -l)
[ "$corpus_before" -gt 0 ] || fail "empty seed corpus in test/fuzz/corpus"

echo "fuzz_target: fuzzing for $seconds s (corpus of $corpus_before seeds)"
started=$SECONDS
set +e
(cd "$work" && ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    ./fuzz_target -max_total_time="$seconds" -print_final_stats=1 -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -use_value_profile=1 \
        -dict="$root/test/fuzz/target.dict" -artifact_prefix="$work/artifacts/" \
        "$work/corpus") >"$work/fuzz.log" 2>&1
rc=$?
set -e

executions=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$work/fuzz.log" | tail -n 1)
[ -n "$executions" ] || executions=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$work/fuzz.log" | tail -n 1)
[ -n "$executions" ] || executions=0
took=$(sed -n 's/^Done [0-9]* runs in \([0-9][0-9]*\) second.*/\1/p' "$work/fuzz.log" | tail -n 1)
[ -n "$took" ] || took=$((SECONDS - started))
corpus_after=$(find "$work/corpus" -type f | wc -l)
artifacts=$(find "$work/artifacts" -type f | wc -l)
if grep -Eq '(ERROR|WARNING): (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:|invariant violated|deadly signal' \
        "$work/fuzz.log"; then
    reported=1
else
    reported=0
fi
crashes=$artifacts
if [ "$crashes" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$reported" -eq 1 ]; }; then
    crashes=1
fi

echo "fuzz_target: $executions executions in $took s, $crashes crashes, corpus $corpus_before -> $corpus_after"

if [ "$rc" -ne 0 ] || [ "$reported" -eq 1 ] || [ "$artifacts" -gt 0 ]; then
    echo "---- libFuzzer report (exit $rc; full log $work/fuzz.log) ----" >&2
    grep -E -A40 'invariant violated|==[0-9]+==ERROR|runtime error:|deadly signal|ERROR: libFuzzer' \
        "$work/fuzz.log" | head -n 80 >&2 || tail -n 40 "$work/fuzz.log" >&2
    echo "---- end of report ----" >&2
    for f in "$work"/artifacts/*; do
        [ -f "$f" ] || continue
        echo "failing input: $f ($(wc -c <"$f") bytes): $(od -An -c "$f" | head -n 3 | tr -s ' ')" >&2
        echo "reproduce: $work/fuzz_target $f" >&2
    done
    fail "libFuzzer found a crash, a broken invariant or a leak"
fi
[ "$executions" -gt 0 ] || fail "no executions reported (log: $work/fuzz.log)"
