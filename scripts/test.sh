#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs every build and test dependency that is missing (Debian), builds in build/, runs
# `make check` and scripts/deb-test.sh, and ends with one line: "N passed, N failed, N skipped".
# Usage: scripts/test.sh [extra configure options]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Everything the build, the tests, the demo and the Debian package test use, named explicitly:
# installs are --no-install-recommends, so what a tool only recommends but the tests need is
# listed too (catatonit, libc6-dev, libclang-rt-dev).
packages=(
        # build: compiler and C library (gcc only recommends libc6-dev; gcc -static needs libc.a)
        gcc libc6-dev make autoconf automake pkg-config scdoc
        libip4tc-dev libip6tc-dev libxtables-dev libjson-c-dev check
        # tests: namespaces, rules, traffic, users, syslog, the JSON Schema, man --warnings
        iptables iproute2 netcat-openbsd iputils-ping procps util-linux passwd python3
        python3-jsonschema man-db
        # sanitizers, fuzzing (clang only recommends libclang-rt-dev, libFuzzer's runtime),
        # valgrind, fault injection, the benchmark
        clang libclang-rt-dev valgrind strace gnuplot-nox time
        # podman as the tests run it: runc (crun fails on hybrid cgroups), the CNI plugins for
        # --internal networks, catatonit for the pause image of pods (podman kube play; podman
        # only recommends it), a static busybox for root filesystems, rootless helpers
        podman runc containernetworking-plugins catatonit busybox-static uidmap slirp4netns
        # a DNS server for the tests of host names in policies (tests/names.sh,
        # tests/podman-names.sh); ipset for scripts/bench-names.sh
        dnsmasq ipset
        # the Debian package (scripts/deb-test.sh)
        build-essential debhelper dpkg-dev lintian
)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "scripts/test.sh: installing ${missing[*]}"
        if [ "$(id -u)" != 0 ]; then
                echo "scripts/test.sh: run as root to install packages (apt-get)" >&2
                exit 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ]; then
        ../configure -q --enable-werror "$@"
fi
make -j"$(nproc)" >/dev/null
status=0
make check || status=$?
# The Debian package, built, installed, used by podman and purged (SKIP when it cannot run here).
deb_rc=0
bash "$top/scripts/deb-test.sh" >deb-test.log 2>&1 || deb_rc=$?

# automake keeps each test's output in its .log: count what the tests themselves counted.
passed=0 failed=0 skipped=0
for log in tests/*.log; do
        [ -f "$log" ] || continue
        trs=${log%.log}.trs
        if grep -q '^:test-result: SKIP' "$trs" 2>/dev/null; then
                skipped=$((skipped + 1))
                continue
        fi
        if grep -q 'Checks: ' "$log"; then
                line=$(grep -Eo 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -1)
                read -r n f e <<< "$(echo "$line" | grep -Eo '[0-9]+' | tr '\n' ' ')"
                passed=$((passed + n - f - e))
                failed=$((failed + f + e))
        else
                passed=$((passed + $(grep -c '^ok ' "$log" || true)))
                failed=$((failed + $(grep -c '^not ok ' "$log" || true)))
        fi
        # a script that died before counting still fails
        if grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs" 2>/dev/null && ! grep -q '^not ok ' "$log"; then
                failed=$((failed + 1))
        fi
done
case $deb_rc in
0) echo "PASS: scripts/deb-test.sh" ;;
77) echo "SKIP: scripts/deb-test.sh ($(sed -n 's/^# SKIP: deb-test: //p' deb-test.log | head -1))"
   skipped=$((skipped + 1)) ;;
*) echo "FAIL: scripts/deb-test.sh (build/deb-test.log)"; status=1
   grep -E '^(not ok|#)|Bail out' deb-test.log | head -40 || true ;;
esac
if [ "$deb_rc" != 77 ]; then
        passed=$((passed + $(grep -c '^ok ' deb-test.log || true)))
        failed=$((failed + $(grep -c '^not ok ' deb-test.log || true)))
        if [ "$deb_rc" != 0 ] && ! grep -q '^not ok ' deb-test.log; then failed=$((failed + 1)); fi
fi
if [ $status -ne 0 ]; then
        for log in tests/*.log; do
                trs=${log%.log}.trs
                grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs" 2>/dev/null || continue
                echo "---- $log"
                grep -E '^(not ok|#)|FAIL|Failure|Error' "$log" | head -40 || true
        done
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
