#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: 50 network namespaces receiving 50 different policies at once (8 applies in flight),
# then 20 podman containers started at once with 20 different policies. Each namespace must end
# with exactly its own policy, as `show` prints it, both families: nothing is shared between
# concurrent applies, nothing lands in the wrong namespace. Containers use --network none and
# a local busybox root filesystem; no packet is sent. Bounded: every step has a timeout.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need_root
diag() { sed 's/^/# /' <<<"$*"; }
W=$T_TMP
NNS=${OIH_LOAD_NAMESPACES:-50}
NCT=${OIH_LOAD_CONTAINERS:-20}

# policy I: its own chain, port, addresses and chain policies, so no two are alike.
policy() {
        local i=$1
        cat <<EOF
{ "version": 1, "description": "load.sh policy $i",
  "policy": { "INPUT": "$([ $((i % 2)) = 0 ] && echo DROP || echo ACCEPT)", "OUTPUT": { "ipv4": "DROP", "ipv6": "$([ $((i % 3)) = 0 ] && echo ACCEPT || echo DROP)" } },
  "chains": ["load-$i"],
  "rules": [ { "chain": "INPUT", "in_interface": "lo", "target": "ACCEPT" },
             { "chain": "OUTPUT", "target": "load-$i" },
             { "chain": "load-$i", "protocol": "tcp", "dport": $((1000 + i)),
               "destination": ["198.51.100.$i", "2001:db8::$i"], "target": "ACCEPT" },
             $(for k in $(seq 1 $((i % 7 + 1))); do printf '{ "chain": "load-%d", "protocol": "udp", "sport": %d, "comment": "policy %d rule %d", "target": "RETURN" },\n' "$i" "$k" "$i" "$k"; done)
             { "chain": "load-$i", "protocol": "tcp", "target": "REJECT", "reject_with": "tcp-reset" } ] }
EOF
}
mkdir -p "$W/rules"
chmod 755 "$W/rules"
for i in $(seq 1 "$NNS"); do
        policy "$i" >"$W/rules/load-$i.json"
        chmod 644 "$W/rules/load-$i.json"
        "$OIH_BIN" check "$W/rules/load-$i.json" >/dev/null || { not_ok "policy $i is valid"; done_testing; }
done
# want I: the tables policy I builds, both families, as iptables-legacy-save prints them
want() { "$OIH_BIN" show -4 "$W/rules/load-$1.json" | grep -v '^#'; "$OIH_BIN" show -6 "$W/rules/load-$1.json" | grep -v '^#'; }

# --- 50 namespaces ----------------------------------------------------------------------------
for i in $(seq 1 "$NNS"); do
        ip netns add "oih$$-load$i"
        T_NETNS+=("oih$$-load$i")
done
t0=$(date +%s%N)
seq 1 "$NNS" | timeout 120 xargs -P 8 -I{} sh -c \
        '"$1" apply --netns "/run/netns/oih$2-load$3" "$4/rules/load-$3.json" >/dev/null 2>"$4/err-$3" || echo "$3" >>"$4/failed"' \
        sh "$OIH_BIN" $$ {} "$W" || true
diag "$NNS applies, 8 at a time: $((($(date +%s%N) - t0) / 1000000)) ms"
check "all $NNS concurrent applies succeed" test ! -e "$W/failed"
wrong=0
for i in $(seq 1 "$NNS"); do
        if [ "$(save4 "oih$$-load$i"; save6 "oih$$-load$i")" != "$(want "$i")" ]; then
                wrong=$((wrong + 1))
                diag "namespace $i does not hold policy $i"
        fi
done
check "each of the $NNS namespaces holds exactly its own policy, IPv4 and IPv6" test "$wrong" = 0

# --- 20 podman containers ---------------------------------------------------------------------
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v nsenter >/dev/null; then
        why="podman, runc or nsenter is not installed (scripts/test.sh installs them)"
        skip "all $NCT containers start" "$why"
        skip "each of the $NCT containers holds exactly its own policy, IPv4 and IPv6" "$why"
        done_testing
fi
P=$(mktemp -d /tmp/oih-load.XXXXXX)
chmod 755 "$P"
. "$OIH_SRCDIR/scripts/podman-sandbox.sh"
cleanup_podman() { podman_sandbox_remove "$P"; }
trap 'cleanup_podman || true; t_cleanup' EXIT
mkdir -p "$P"/{hooks,bin,tmp,networks}
podman_sandbox "$P" "$P/hooks"
install -m 755 "$OIH_BIN" "$P/bin/oci-iptables-hook"
sed -e "s|@BINDIR@|$P/bin|g" -e "s|@RULESDIR@|$W/rules|g" \
        "$OIH_SRCDIR/hooks/oci-iptables-hook.json.in" >"$P/hooks/oci-iptables-hook.json"
"$OIH_SRCDIR/scripts/mkrootfs.sh" "$P/rootfs" >/dev/null

t0=$(date +%s%N)
seq 1 "$NCT" | timeout 150 xargs -P "$NCT" -I{} sh -c \
        'podman run -d --name "oih-load-$2-$3" --network none --annotation "oci-iptables-hook.policy=load-$3" \
                --rootfs "$4" /bin/sleep 300 >/dev/null 2>"$5/perr-$3" || echo "$3" >>"$5/pfailed"' \
        sh $$ $$ {} "$P/rootfs" "$W" || true
diag "$NCT containers started at once: $((($(date +%s%N) - t0) / 1000000)) ms"
if [ -e "$W/pfailed" ]; then
        not_ok "all $NCT containers start"
        for i in $(head -3 "$W/pfailed"); do diag "container $i: $(head -3 "$W/perr-$i")"; done
else
        ok "all $NCT containers start"
fi
wrong=0
for i in $(seq 1 "$NCT"); do
        pid=$(podman inspect -f '{{.State.Pid}}' "oih-load-$$-$i" 2>/dev/null || echo 0)
        got=$( (nsenter -t "$pid" -n iptables-legacy-save -t filter; nsenter -t "$pid" -n ip6tables-legacy-save -t filter) 2>&1 | strip_save)
        if [ "$pid" = 0 ] || [ "$got" != "$(want "$i")" ]; then
                wrong=$((wrong + 1))
                diag "container $i (pid $pid) does not hold policy load-$i"
        fi
done
check "each of the $NCT containers holds exactly its own policy, IPv4 and IPv6" test "$wrong" = 0
done_testing
