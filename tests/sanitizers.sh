#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The unit tests and the namespace tests again, on a build with AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer. The build is a separate, temporary one from
# $OIH_SRCDIR, with warnings as errors; any sanitizer report fails it: ASan and UBSan stop the
# process with an error, which the tests see as a failed command or an unexpected message.
set -euo pipefail
OIH_SRCDIR=${OIH_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
if [ "$(id -u)" != 0 ]; then
        echo "# SKIP: sanitizers.sh runs the namespace tests, which need root"
        exit 77
fi
if [ ! -x "$OIH_SRCDIR/configure" ]; then
        echo "not ok 1 - $OIH_SRCDIR/configure is missing (autoreconf -fi)"
        exit 1
fi

b=$(mktemp -d /tmp/oih-san.XXXXXX)
trap 'rm -rf "$b"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $*"; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1"
echo "# building with $san in $b"
if ! (cd "$b" && "$OIH_SRCDIR/configure" -q --enable-werror CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" \
        && make -j"$(nproc)" >/dev/null && make -j"$(nproc)" tests/check-all >/dev/null) >"$b/build.log" 2>&1; then
        not_ok "sanitizer build (-Werror)"
        tail -20 "$b/build.log" | sed 's/^/# /'
        exit 1
fi
ok "sanitizer build, warnings as errors"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
export OIH_BIN=$b/oci-iptables-hook OIH_BUILDDIR=$b OIH_SRCDIR

# run NAME COMMAND...: passes when COMMAND exits 0 (77: skipped) and no sanitizer spoke.
run() {
        local name=$1 rc=0
        shift
        "$@" >"$b/$name.log" 2>&1 || rc=$?
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$b/$name.log"; then
                not_ok "$name: a sanitizer report"
                grep -E -A12 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$b/$name.log" | head -30 | sed 's/^/# /'
        elif [ "$rc" -eq 77 ]; then
                echo "ok $((n += 1)) - $name # SKIP"
        elif [ "$rc" -ne 0 ]; then
                not_ok "$name: exit $rc"
                grep -E '^not ok|Failures|:[0-9]+:[EF]:' "$b/$name.log" | head -20 | sed 's/^/# /'
        else
                ok "$name: clean ($(grep -cE '^ok |Checks:' "$b/$name.log") result lines)"
        fi
}

# check forks a child per test by default, and LeakSanitizer checks each child at exit.
run check-all "$b/tests/check-all"
for t in oracle inspect hostile cli; do
        [ -f "$OIH_SRCDIR/tests/$t.sh" ] && run "$t.sh" bash "$OIH_SRCDIR/tests/$t.sh"
done
[ -f "$OIH_SRCDIR/tests/migrate.sh" ] && run migrate.sh bash "$OIH_SRCDIR/tests/migrate.sh"

echo "# $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
