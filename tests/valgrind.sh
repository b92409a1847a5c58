#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The unit tests and the binary under valgrind's memcheck: no invalid access, no use of
# uninitialised memory, no leak ("definitely" or "possibly" lost).
#
# check runs every test in a forked child. Valgrind follows fork (not exec): each child is
# checked, leaks included, when it exits, and a child with an error exits 1, which check
# reports as a failed test. So check-all runs as it always does, forking; that also keeps the
# commit tests' unshare(CLONE_NEWNET) inside their child. The test cases not tagged "kernel"
# (all of them, whatever their names) run a second time with CK_FORK=no, so the runner's own
# process is checked too; a run in which no test ran fails.
# Programs the tests exec (iptables-legacy-save) are not traced.
. "$(dirname "$0")/lib.sh"
need_root
OIH_BUILDDIR=${OIH_BUILDDIR:-$(dirname "$OIH_BIN")}
command -v valgrind >/dev/null || skip_all "valgrind is not installed (scripts/test.sh installs it)"

vg=(valgrind -q --leak-check=full "--errors-for-leak-kinds=definite,possible" --error-exitcode=99
    --suppressions="$OIH_SRCDIR/tests/valgrind.supp"
    --log-file="$T_TMP/vg.%p.log")
# valgrind warns that it does not know NS_GET_NSTYPE (ioctl 0xb703); that ioctl takes no
# argument, so no memory goes in or out that memcheck could miss: that warning is no report.
vg_reports() {
        cat "$T_TMP"/vg.*.log 2>/dev/null | grep -v -e 'Warning: noted but unhandled ioctl 0xb703 with no size/direction hints' \
                -e 'This could cause spurious value errors to appear' -e 'See README_MISSING_SYSCALL_OR_IOCTL for guidance'
}
vg_reset() { rm -f "$T_TMP"/vg.*.log; }

# under DESCRIPTION WANT-RC COMMAND...: COMMAND under memcheck exits WANT-RC and valgrind is silent.
under() {
        local d=$1 want=$2 rc=0
        shift 2
        vg_reset
        "${vg[@]}" "$@" >"$T_TMP/out" 2>&1 || rc=$?
        if [ -n "$(vg_reports)" ]; then
                not_ok "$d: memcheck reports"
                diag "$(vg_reports | head -40)"
        elif [ "$rc" -ne "$want" ]; then
                not_ok "$d: exit $rc, want $want"
                diag "$(tail -5 "$T_TMP/out")"
        elif grep -qE '^[0-9]+%: Checks: 0,' "$T_TMP/out"; then
                not_ok "$d: no test ran"
        else
                ok "$d: memcheck clean"
        fi
}

# memcheck runs the code some 20-50 times slower, and the libxtables workers with it: give every
# check case ten times its timeout rather than report a slow machine as a failure.
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10}
if [ -x "$OIH_BUILDDIR/tests/check-all" ]; then
        under "check-all (every suite, forked)" 0 "$OIH_BUILDDIR/tests/check-all"
        # every test case not tagged "kernel" (those enter namespaces: they need their fork)
        under "check-all without the kernel cases, CK_FORK=no" 0 \
                env CK_FORK=no CK_EXCLUDE_TAGS=kernel "$OIH_BUILDDIR/tests/check-all"
else
        skip "check-all under memcheck" "check-all is not built (configure found no check)"
fi

# The binary on what users give it.
ns=$(new_netns vg)
T_NETNS+=("$ns")
pols=("$OIH_SRCDIR"/rules/deny-all-allow-some.json "$OIH_SRCDIR"/rules/web-egress.json
      "$OIH_SRCDIR"/tests/corpus/everything-at-once.json)
bad=$T_TMP/bad.json
printf '{ "version": 1, "rules": [ { "chain": "INPUT", "dport": 70000, "source": "1.2.3.4/40",\n "target": "nowhere" } ] }\n' >"$bad"
under "check of good policies" 0 "$OIH_BIN" check "${pols[@]}"
under "check of a policy with several errors" 1 "$OIH_BIN" check "$bad"
under "show of everything-at-once" 0 "$OIH_BIN" show "${pols[2]}"
for p in "${pols[@]}"; do
        under "apply ${p##*/} (the child in the namespace too)" 0 "$OIH_BIN" apply --netns "/run/netns/$ns" "$p"
        under "verify ${p##*/}" 0 "$OIH_BIN" verify "$p" --netns "/run/netns/$ns"
done
under "inspect --json" 0 "$OIH_BIN" inspect --netns "/run/netns/$ns" --json
under "apply of a broken policy" 1 "$OIH_BIN" apply --netns "/run/netns/$ns" "$bad"
under "apply refuses its own namespace" 1 ip netns exec "$ns" "${vg[@]}" "$OIH_BIN" apply --netns /proc/self/ns/net "${pols[0]}"

mkdir -p "$T_TMP/rules" "$T_TMP/bundle"
chmod 755 "$T_TMP/rules"
cp "${pols[1]}" "$T_TMP/rules/web.json"
echo '{"linux":{"namespaces":[{"type":"network"}]}}' >"$T_TMP/bundle/config.json"
st() { printf '{"id":"vg","pid":1,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"%s"}}' "$T_TMP/bundle" "$1"; }
st web >"$T_TMP/state"
under "hook, createContainer" 0 ip netns exec "$ns" "${vg[@]}" "$OIH_BIN" hook --rules-dir "$T_TMP/rules" <"$T_TMP/state"
st nope >"$T_TMP/state"
under "hook, unknown policy" 1 ip netns exec "$ns" "${vg[@]}" "$OIH_BIN" hook --rules-dir "$T_TMP/rules" <"$T_TMP/state"

if "$OIH_BIN" migrate --help >/dev/null 2>&1; then
        for f in 02-denyall-allowsome.sh 15-comments-quotes.sh 41-docker-host.save; do
                if [ -f "$OIH_SRCDIR/tests/migrate-corpus/$f" ]; then
                        under "migrate $f" 0 "$OIH_BIN" migrate "$OIH_SRCDIR/tests/migrate-corpus/$f"
                else
                        not_ok "tests/migrate-corpus/$f, named in valgrind.sh, does not exist"
                fi
        done
        printf 'iptables -A INPUT -j ACCEPT\nx' >"$T_TMP/last-line.sh"
        under "migrate, a skipped last line without newline" 0 "$OIH_BIN" migrate "$T_TMP/last-line.sh"
        under "migrate of a security-table rule (refused)" 1 "$OIH_BIN" migrate "$OIH_SRCDIR/tests/migrate-corpus/errors/security-table.sh"
else
        not_ok "migrate --help works (the migrate runs cannot be made)"
fi
done_testing
