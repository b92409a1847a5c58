#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A small run of scripts/bench.sh (10 and 100 rules, one run; one podman run of each arm when
# podman, runc and busybox are installed), so that the benchmark cannot rot: it must finish,
# measure every method and write its report. Timings are not asserted (shared machines are too
# noisy for that); the full run is `make bench`.
: "${OIH_BIN:?}" "${OIH_SRCDIR:?}"
# shellcheck source=tests/lib.sh
. "$OIH_SRCDIR/tests/lib.sh"
need_root
# bench.sh installs what it lacks; make check installs nothing (scripts/test.sh prepares the machine)
for t in iptables-legacy-restore ip6tables-legacy-restore /usr/bin/time strace gnuplot gcc python3; do
        command -v "$t" >/dev/null || skip_all "$t is not installed (scripts/test.sh installs what the tests need)"
done

out=$T_TMP/out
log=$T_TMP/log
# bench.sh would install podman when missing: the smoke run installs nothing.
podman=(--no-podman)
if command -v podman >/dev/null && command -v runc >/dev/null && command -v busybox >/dev/null; then
        podman=(--podman-runs 1)
else
        echo "# podman, runc or busybox is not installed: the podman part is not run"
fi
# In the background, to know its pid: bench.sh names its namespaces oihb<pid>-N.
"$OIH_SRCDIR/scripts/bench.sh" --bin "$OIH_BIN" --counts "10 100" --runs 1 "${podman[@]}" \
        --out "$out" >"$log" 2>&1 &
pid=$!
# A watchdog bounds the run; killed, it takes its sleep with it.
( trap 'kill "$s"; exit 0' TERM; sleep 120 & s=$!; wait "$s"; kill "$pid" ) >/dev/null 2>&1 &
watchdog=$!
rc=0
wait "$pid" || rc=$?
kill "$watchdog" 2>/dev/null || true
check "bench.sh --counts '10 100' --runs 1 exits 0" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$log" | tail -20

# A row: | rules | mix | apply | restore | per rule | kernel | ratios | RSS | RSS |, all numbers.
row() { grep -qE "^\| $1 \| $2 \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9]+ \| [0-9]+ \|$" "$log"; }
for n in 10 100; do
        for mix in ipv4 mixed; do
                check "the table has a measured row for $n rules, $mix" row "$n" "$mix"
        done
done
# The breakdown: | rules | mix | apply | start and exit | parse | compile | commit | libiptc + kernel | kernel |
# 2x kernel | ratio |, all numbers, under its own header.
breakdown() { awk '/of which libiptc \+ kernel/ {on = 1} on && /^$/ {exit} on' "$log"; }
for n in 10 100; do
        for mix in ipv4 mixed; do
                check "the breakdown has a measured row for $n rules, $mix" \
                        grep -qE "^\| $n \| $mix( \| [0-9.]+){10} \|$" <(breakdown)
        done
done
if [ "${podman[0]}" != --no-podman ]; then
        check "podman was timed without a hook, with a /bin/true hook and with ours" \
                grep -qE '^\| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \([-+][0-9.]+%\) \| [0-9.]+ \([-+][0-9.]+%\) \| [0-9.]+ \([-+][0-9.]+%\) \|$' "$log"
        check "the spread of the podman runs is reported" \
                grep -qE '^Run-to-run spread of each arm .*: without a hook [0-9.]+%,' "$log"
        check "the report judges the podman target" grep -q '^- \(met\|MISSED\): podman run with our hook' "$log"
else
        for d in "podman was timed" "the spread of the podman runs is reported" "the report judges the podman target"; do
                skip "$d" "podman, runc or busybox is not installed"
        done
fi
check "the hook process was timed" grep -qE "median of 20 runs: [0-9.]+ ms, peak RSS [0-9]+ KiB" "$log"
check "the report lists the targets" grep -q '^- \(met\|MISSED\): the hook process' "$log"
check "docs/benchmarks.md is written with the table" grep -q '^| 100 | mixed |' "$out/benchmarks.md"
if command -v gnuplot >/dev/null; then
        check "the plot is a PNG" test "$(head -c 4 "$out/benchmarks.png" | tail -c 3)" = PNG
fi
check "no benchmark namespace is left behind" test -z "$(ip netns list | grep "^oihb$pid-" || true)"

done_testing
