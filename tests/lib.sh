# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the shell tests. Source it: . "$(dirname "$0")/lib.sh"
# Every test host is a network namespace this script creates and removes on exit.
set -euo pipefail

OIH_BIN=${OIH_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/oci-iptables-hook}
OIH_SRCDIR=${OIH_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
T_PASS=0
T_FAIL=0
T_N=0
T_NETNS=()
# Under /run for root: the hook refuses a rules directory below a directory that others can
# write, /tmp included (sticky or not).
if [ "$(id -u)" = 0 ] && [ -d /run ]; then
        T_TMP=$(mktemp -d /run/oih-test.XXXXXX)
else
        T_TMP=$(mktemp -d)
fi

# A command that fails outside a check ends the script (set -e) before it can say anything: name
# the command and its line, so that the test's log shows why it stopped (a TAP harness counts
# "Bail out!" as an error). Only the script's own shell speaks, and only while set -e is on (not
# in $(...), nor in cleanup code that runs with set +e).
set -E
T_DIED=
t_died() {
        [ -z "$T_DIED" ] || return 0
        T_DIED=1
        echo "Bail out! ${1#"$OIH_SRCDIR"/} line $2: \`$3\` failed with exit status $4"
}
trap 'T_RC=$?; if [[ $- == *e* && $BASHPID == "$$" ]]; then t_died "${BASH_SOURCE[0]:-$0}" "$LINENO" "$BASH_COMMAND" "$T_RC"; fi' ERR

t_cleanup() {
        local ns
        # new_netns runs in $(...), a subshell: find this run's namespaces by their prefix ($$
        # is the script's pid in subshells too).
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^oih$$-" || true) \
                "${T_NETNS[@]+"${T_NETNS[@]}"}"; do
                ip netns del "$ns" 2>/dev/null || true
        done
        rm -rf "$T_TMP"
}
trap t_cleanup EXIT

need_root() {
        if [ "$(id -u)" != 0 ]; then
                echo "SKIP: needs root (network namespaces)"
                exit 77
        fi
}

ok() { T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# check_fails DESCRIPTION COMMAND...: passes when the command fails
check_fails() { local d=$1; shift; if "$@"; then not_ok "$d"; else ok "$d"; fi; }

done_testing() {
        T_DIED=done # its status is the script's verdict, not a command that failed
        echo "# $T_PASS passed, $T_FAIL failed"
        [ "$T_FAIL" -eq 0 ]
}

# new_netns NAME: a fresh namespace with loopback up, removed on exit. Names are made unique
# per run so that parallel test scripts never share one.
new_netns() {
        local ns="oih$$-$1"
        ip netns add "$ns"
        T_NETNS+=("$ns")
        ip -n "$ns" link set lo up
        echo "$ns"
}

# save4/save6 NS: the namespace's filter table as iptables-save prints it, without counters
# and comment lines.
save4() { ip netns exec "$1" iptables-legacy-save -t filter | strip_save; }
save6() { ip netns exec "$1" ip6tables-legacy-save -t filter | strip_save; }
# (sed, not grep -v: a namespace without a filter table yet prints nothing, and that is no error)
strip_save() { sed -E -e '/^#/d' -e 's/\[[0-9]+:[0-9]+\]/[0:0]/'; }

# The policies shipped in rules/ (the schema lives there too, but is not a policy).
shipped_policies() {
        local p
        for p in "$OIH_SRCDIR"/rules/*.json; do
                case $p in *.schema.json) ;; *) echo "$p" ;; esac
        done
}
