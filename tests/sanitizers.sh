#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The unit tests and the namespace tests again, on a build with AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer. The build is a separate, temporary one from
# $OIH_SRCDIR, with warnings as errors; any sanitizer report fails it: ASan and UBSan stop the
# process with an error, which the tests see as a failed command or an unexpected message.
# The shell tests it runs are named below: one that is missing (renamed, say) fails this test.
OIH_SRCDIR=${OIH_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
# shellcheck source=tests/lib.sh
. "$OIH_SRCDIR/tests/lib.sh"
need_root
san_tests=(oracle inspect hostile cli migrate)
if [ ! -x "$OIH_SRCDIR/configure" ]; then
        not_ok "$OIH_SRCDIR/configure is missing (autoreconf -fi)"
        done_testing
fi

b=$(mktemp -d /tmp/oih-san.XXXXXX)
trap 'rm -rf "$b"; t_cleanup' EXIT

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
echo "# building with $san in $b"
if ! (cd "$b" && "$OIH_SRCDIR/configure" -q --enable-werror CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" \
        && make -j"$(nproc)" >/dev/null && make -j"$(nproc)" tests/check-all >/dev/null) >"$b/build.log" 2>&1; then
        not_ok "sanitizer build (-Werror)"
        tail -20 "$b/build.log" | sed 's/^/# /'
        done_testing
fi
ok "sanitizer build, warnings as errors"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
export OIH_BIN=$b/oci-iptables-hook OIH_BUILDDIR=$b OIH_SRCDIR

# run NAME COMMAND...: passes when COMMAND exits 0 having reported results (a TAP plan of at
# least one, or Check's count of at least one) and no sanitizer spoke; a test that skipped
# itself as a whole is a SKIP here.
run() {
        local name=$1 rc=0
        shift
        "$@" >"$b/$name.log" 2>&1 || rc=$?
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$b/$name.log"; then
                not_ok "$name: a sanitizer report"
                grep -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$b/$name.log" | head -30 | sed 's/^/# /'
        elif [ "$rc" -eq 0 ] && grep -q '^1\.\.0 # SKIP' "$b/$name.log"; then
                skip "$name" "$(sed -n 's/^1\.\.0 # SKIP //p' "$b/$name.log")"
        elif [ "$rc" -eq 0 ] && ! grep -qE '^1\.\.[1-9]|^[0-9]+%: Checks: [1-9]' "$b/$name.log"; then
                not_ok "$name: exit 0, but no result was reported"
        elif [ "$rc" -ne 0 ]; then
                not_ok "$name: exit $rc"
                grep -E '^not ok|Failures|:[0-9]+:[EF]:' "$b/$name.log" | head -20 | sed 's/^/# /'
        else
                ok "$name: clean ($(grep -cE '^ok |Checks:' "$b/$name.log") result lines)"
        fi
}

# check forks a child per test by default, and LeakSanitizer checks each child at exit.
run check-all "$b/tests/check-all"
for t in "${san_tests[@]}"; do
        if [ -f "$OIH_SRCDIR/tests/$t.sh" ]; then
                run "$t.sh" bash "$OIH_SRCDIR/tests/$t.sh"
        else
                not_ok "tests/$t.sh, named in sanitizers.sh, does not exist"
        fi
done

done_testing
