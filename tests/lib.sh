# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the shell tests. Source it: . "$(dirname "$0")/lib.sh"
# Every test host is a network namespace this script creates and removes on exit.
#
# The scripts speak TAP (automake runs them with tap-driver.sh): one "ok N"/"not ok N" line per
# result, "ok N - ... # SKIP reason" for a skipped one, the plan "1..N" last (done_testing), or
# "1..0 # SKIP reason" for a script that cannot run here (skip_all). A script that stops before
# its plan is an ERROR.
#
# Report, don't stop: there is no `set -e`. A command outside a check that fails is reported as
# a "not ok" line naming the line and the command, and the script goes on, so one failure
# never hides the results after it.
set -uo pipefail
set +e

OIH_BIN=${OIH_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/oci-iptables-hook}
OIH_SRCDIR=${OIH_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
T_PASS=0
T_FAIL=0
T_SKIP=0
T_N=0
T_DONE=
T_NETNS=()
# Under /run for root: the hook refuses a rules directory below a directory that others can
# write, /tmp included (sticky or not).
if [ "$(id -u)" = 0 ] && [ -d /run ]; then
        T_TMP=$(mktemp -d /run/oih-test.XXXXXX)
else
        T_TMP=$(mktemp -d)
fi

ok() { T_N=$((T_N + 1)); T_PASS=$((T_PASS + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
# skip DESCRIPTION REASON: a result that could not be had here, visibly
skip() { T_N=$((T_N + 1)); T_SKIP=$((T_SKIP + 1)); echo "ok $T_N - $1 # SKIP $2"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# check_fails DESCRIPTION COMMAND...: passes when the command fails
check_fails() { local d=$1; shift; if "$@"; then not_ok "$d"; else ok "$d"; fi; }
# diag TEXT...: comment lines (shown in the test's log)
diag() { sed 's/^/# /' <<<"$*"; }
# diag_diff A B: the first 20 lines of the difference of two files, as comments
diag_diff() { diff "$1" "$2" >"$T_TMP/diag-diff"; sed -n '1,20s/^/#   /p' "$T_TMP/diag-diff"; }

t_error() { # STATUS LINE COMMAND: the ERR trap
        not_ok "line $2: \`$3\` exited $1"
}
trap 't_error $? $LINENO "$BASH_COMMAND"' ERR

# The machine's own firewall: read (-S, nothing else) when the script starts, compared when it
# ends. Every rule-changing command of the tests aims at a namespace the test created; should
# one ever reach the machine itself, this fails loudly.
host_tables() {
        iptables-legacy -w 10 -S 2>&1
        ip6tables-legacy -w 10 -S 2>&1
}
T_HOST=
if [ "$(id -u)" = 0 ] && command -v iptables-legacy >/dev/null && command -v ip6tables-legacy >/dev/null; then
        T_HOST=$(host_tables)
fi
# check_host_unchanged [WHEN]: the machine's own iptables-legacy and ip6tables-legacy tables are
# exactly what they were when the script started.
check_host_unchanged() {
        [ -n "$T_HOST" ] || return 0
        local now
        now=$(host_tables)
        if [ "$now" == "$T_HOST" ]; then
                ok "the machine's own iptables-legacy/ip6tables-legacy tables are unchanged${1:+ $1}"
        else
                not_ok "THE MACHINE'S OWN FIREWALL CHANGED${1:+ $1}: a test touched the host"
                diag "$(diff <(echo "$T_HOST") <(echo "$now"))"
        fi
}

# done_testing: the host check, the plan, and the exit status (0 when nothing failed). Last.
done_testing() {
        check_host_unchanged
        trap - ERR      # nothing may be reported after the plan
        T_DONE=1
        echo "1..$T_N"
        echo "# $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
        exit $((T_FAIL > 0))
}
# skip_all REASON: the whole script cannot run here (a TAP skip, exit 0).
skip_all() {
        trap - ERR
        T_DONE=1
        echo "1..0 # SKIP $*"
        exit 0
}

t_cleanup() {
        local ns
        trap - ERR
        # new_netns runs in $(...), a subshell: find this run's namespaces by their prefix ($$
        # is the script's pid in subshells too).
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^oih$$-" || true) \
                "${T_NETNS[@]+"${T_NETNS[@]}"}"; do
                ip netns del "$ns" 2>/dev/null || true
        done
        rm -rf "$T_TMP"
        if [ -z "$T_DONE" ]; then
                echo "# the script stopped after $T_N results, before its plan"
                [ -z "$T_HOST" ] || [ "$(host_tables)" == "$T_HOST" ] ||
                        echo "# AND THE MACHINE'S OWN FIREWALL CHANGED: a test touched the host"
        fi
}
trap t_cleanup EXIT

need_root() {
        [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"
}

# new_netns NAME: a fresh namespace with loopback up, removed on exit. Names are made unique
# per run so that parallel test scripts never share one.
new_netns() {
        local ns="oih$$-$1"
        ip netns add "$ns" || return 1
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
# untouched NS: both filter tables of NS are still those of a fresh namespace (a person wrote
# them down: three built-in chains, ACCEPT, no rules).
untouched() {
        local fresh
        fresh=$(printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT')
        [ "$(save4 "$1")" == "$fresh" ] && [ "$(save6 "$1")" == "$fresh" ]
}

# as_host HOST CALLER COMMAND...: COMMAND runs in namespace CALLER, where namespace HOST stands
# in for the machine's initial (the host's) one, as far as the test build of the program,
# $OIH_STANDIN_BIN, can tell: it knows the initial namespace as that of kthreadd, /proc/2, and in
# a private mount namespace a stand-in /proc/2 names HOST. (The installed program tells it by
# its fixed inode on Linux 6.18+, which no stand-in has; tests/cksuite-hook.c tests that.) So a
# refusal of "the host's namespace" is tested without ever aiming at the host: if the guard
# breaks, HOST changes, and the test sees it.
: "${OIH_STANDIN_BIN:=$(dirname "$OIH_BIN")/tests/helpers/oci-iptables-hook-standin}"
as_host() {
        local host=$1 caller=$2 d
        shift 2
        d=$(mktemp -d "$T_TMP/kthreadd.XXXXXX")
        mkdir "$d/ns"
        echo kthreadd >"$d/comm"
        : >"$d/ns/net"
        # nsenter, not ip netns exec: that one mounts a /sys without cgroups, which podman needs
        # shellcheck disable=SC2016 # for the inner shell
        nsenter --net="/run/netns/$caller" unshare -m --propagation private sh -c '
                mount --bind "/run/netns/$1" "$2/ns/net" && mount --rbind "$2" /proc/2 &&
                [ "$(cat /proc/2/comm)" = kthreadd ] &&
                [ "$(stat -L -c %d:%i /proc/2/ns/net)" = "$(stat -L -c %d:%i "/run/netns/$1")" ] || {
                        echo "as_host: cannot make /run/netns/$1 stand in for the host" >&2
                        exit 99
                }
                shift 2
                exec "$@"' as_host "$host" "$d" "$@"
}

# The policies shipped in rules/ (the schema lives there too, but is not a policy).
shipped_policies() {
        local p
        for p in "$OIH_SRCDIR"/rules/*.json; do
                case $p in *.schema.json) ;; *) echo "$p" ;; esac
        done
}
