#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Prepares the machine (every build and test dependency that is missing, Debian; the user
# oih-test that tests/podman.sh runs rootless podman as), builds in build/, runs `make check` and
# scripts/deb-test.sh, and ends with one line: "N passed, N failed, N skipped", counted from each
# test's results.
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

# make check installs nothing and creates no user: what the tests need is prepared here.
# oih-test: tests/podman.sh (with a home of each run); oih-names: tests/podman-names.sh, whose
# rootless --internal network podman 4.3 finds only under the user's real home.
for test_user in oih-test oih-names; do
        id -u "$test_user" >/dev/null 2>&1 && continue
        if [ "$(id -u)" = 0 ]; then
                echo "scripts/test.sh: creating the user $test_user (rootless podman tests)"
                useradd -m -s /bin/sh "$test_user"
        else
                echo "scripts/test.sh: no user $test_user: the rootless podman tests will be skipped"
        fi
done

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p build
cd build
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ]; then
        ../configure -q --enable-werror "$@"
fi
make -j"$(nproc)" >/dev/null
status=0
make check || status=$?
# The Debian package, built, installed, used by podman and purged, under the same TAP driver as
# make check's scripts (its deb-test.trs is counted with theirs; SKIP when it cannot run here).
env AM_TAP_AWK="${AWK:-awk}" bash "$top/build-aux/tap-driver.sh" --test-name scripts/deb-test.sh \
        --log-file deb-test.log --trs-file deb-test.trs --ignore-exit -- bash "$top/scripts/deb-test.sh" || true
grep -q '^:test-result: \(FAIL\|ERROR\)' deb-test.trs 2>/dev/null && status=1

# Count what the tests themselves report. The TAP scripts: one :test-result: line per result in
# their .trs (ERROR: a script that stopped before its plan). check-all: Check's own summary in its
# log, and a "# SKIP" line for what it left out.
passed=0 failed=0 skipped=0
for trs in tests/*.trs deb-test.trs; do
        [ -f "$trs" ] || continue
        log=${trs%.trs}.log
        if grep -qE '^[0-9]+%: Checks: ' "$log" 2>/dev/null; then
                line=$(grep -Eo '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" | tail -1)
                line=${line#*%: }
                read -r n f e <<< "$(echo "$line" | grep -Eo '[0-9]+' | tr '\n' ' ')"
                passed=$((passed + n - f - e))
                failed=$((failed + f + e))
                skipped=$((skipped + $(grep -c '^# SKIP' "$log" || true)))
                continue
        fi
        for r in $(sed -n 's/^:test-result: //p' "$trs"); do
                case $r in
                PASS | XFAIL) passed=$((passed + 1)) ;;
                SKIP) skipped=$((skipped + 1)) ;;
                *) failed=$((failed + 1)) ;;
                esac
        done
done
if [ $status -ne 0 ]; then
        for log in tests/*.log deb-test.log; do
                trs=${log%.log}.trs
                grep -q '^:test-result: \(FAIL\|ERROR\)' "$trs" 2>/dev/null || continue
                echo "---- $log"
                grep -E '^(not ok|#)|^ERROR|:[EF]:' "$log" | grep -v '^# SKIP' | head -40 || true
        done
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
