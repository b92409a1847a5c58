#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer on the three parsers that read what users and runtimes write: the policy (parse,
# validate, render, compile, decode back), the OCI state and config.json, and migrate. First
# every committed regression input is replayed (each is a crash found once), then each target
# runs for OIH_FUZZ_SECONDS (default 10; CI sets 60) from tests/fuzz/corpus/. Any crash, leak,
# sanitizer report or broken invariant fails the test and leaves the input in $OIH_FUZZ_OUT.
# Skips (77) only when clang with libFuzzer cannot be had.
OIH_SRCDIR=${OIH_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/lib.sh
. "$OIH_SRCDIR/tests/lib.sh"
secs=${OIH_FUZZ_SECONDS:-10}
F=$OIH_SRCDIR/tests/fuzz

have_libfuzzer() {
        local t
        t=$(mktemp -d)
        printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$t/t.c"
        clang -fsanitize=fuzzer,address,undefined "$t/t.c" -o "$t/t" >/dev/null 2>&1
        local rc=$?
        rm -rf "$t"
        return $rc
}
have_libfuzzer || skip_all "clang with -fsanitize=fuzzer is not available (scripts/test.sh installs clang)"

out=${OIH_FUZZ_OUT:-$(mktemp -d /tmp/oih-fuzz.XXXXXX)}
mkdir -p "$out"
echo "# building the fuzz targets in $out"
if ! "$F/build.sh" "$out" >"$out/build.log" 2>&1; then
        sed 's/^/# /' "$out/build.log"
        not_ok "the fuzz targets build"
        done_testing
fi
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

for t in policy state migrate; do
        # The regressions: each input once, as a plain run (no fuzzing).
        mapfile -t reg < <(find "$F/regressions/$t" -type f 2>/dev/null | sort)
        if [ "${#reg[@]}" -gt 0 ]; then
                if "$out/fuzz_$t" -runs=1 "${reg[@]}" >"$out/reg-$t.log" 2>&1; then
                        ok "fuzz_$t: ${#reg[@]} regression inputs run clean"
                else
                        not_ok "fuzz_$t: a regression input crashes again"
                        diag "$(grep -E "ERROR|SUMMARY|Running: |#[0-3] 0x" "$out/reg-$t.log" | head -12)"
                fi
        fi

        # Fuzzing: a scratch corpus of this run first (new inputs go there), seeds second.
        mkdir -p "$out/corpus-$t"
        dict=()
        [ -f "$F/$t.dict" ] && dict=(-dict="$F/$t.dict")
        rc=0
        timeout $((secs + 120)) "$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
                -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/$t-" "${dict[@]}" \
                "$out/corpus-$t" "$F/corpus/$t" >"$out/fuzz-$t.log" 2>&1 || rc=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$t.log")
        if [ "$rc" -eq 0 ]; then
                ok "fuzz_$t: ${runs:-?} inputs in ${secs}s, no crash"
        else
                not_ok "fuzz_$t: exit $rc; input saved as $(ls "$out/$t-"* 2>/dev/null | head -1)"
                diag "$(grep -E 'ERROR|SUMMARY|#[0-9]+ 0x.* in [a-z_]+ /|abort|differently|does not parse' \
                        "$out/fuzz-$t.log" | head -15)"
                echo "# commit the input under tests/fuzz/regressions/$t/ once it is fixed"
        fi
done

[ "$T_FAIL" -eq 0 ] && [ -z "${OIH_FUZZ_OUT:-}" ] && rm -rf "$out"
done_testing
