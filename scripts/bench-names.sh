#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two ways to keep a running container's allowance current when a host name's addresses change,
# measured in a network namespace this script creates (no packet is sent):
#
#   reapply  what `resolve` does (docs/hook.md, "Host names"): load the policy, put the name's
#            new addresses in it, compile, replace both filter tables atomically (flock, commit,
#            read-back): `oci-iptables-hook apply --netns NS --cache CACHE POLICY`.
#   ipset    the policy's rule matches a set (-m set --match-set NAME dst) that lives in the
#            container's namespace; an update builds a new set and swaps it in atomically:
#            `nsenter --net=NS ipset restore` of "create tmp; add...; swap; destroy".
#
# Each is one process per update, as a timer would run it. Policies of 10, 100 and 1,000 rules
# (one of them names the host, the others are TCP allowances to fixed addresses); the name has 1,
# 10 or 100 IPv4 addresses, alternating between two sets so that every update changes them.
# Prints the median wall time of RUNS updates per cell, in milliseconds.
#
# usage: sudo scripts/bench-names.sh [--bin PATH] [--runs N]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/oci-iptables-hook
runs=21
while [ $# -gt 0 ]; do
        case $1 in
        --bin) bin=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "usage: $0 [--bin PATH] [--runs N]" >&2; exit 2 ;;
        esac
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root (a network namespace)" >&2; exit 1; }
for t in ipset nsenter iptables-legacy-restore python3; do
        command -v "$t" >/dev/null || { echo "$0: $t is missing (apt-get install ipset)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "$0: $bin is not built" >&2; exit 1; }

# Rules directories must be root's and not writable by others all the way up: not /tmp.
W=$(mktemp -d /run/oih-bench-names.XXXXXX)
chmod 755 "$W"
NS=oih-bench-names-$$
ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$W"' EXIT
NSF=/run/netns/$NS

# policy N: N-1 TCP allowances and one to api.bench.test; an iptables-restore twin that matches
# the set "api" instead of the name.
gen() {
        python3 - "$1" "$W" <<'EOF'
import json, sys
n, w = int(sys.argv[1]), sys.argv[2]
rules = [{"chain": "OUTPUT", "protocol": "tcp", "destination": "198.51.100.%d" % (i % 250 + 1),
          "dport": 1000 + i, "target": "ACCEPT"} for i in range(n - 1)]
rules.append({"chain": "OUTPUT", "protocol": "tcp", "destination": {"name": "api.bench.test", "family": "ipv4"},
              "dport": 443, "target": "ACCEPT"})
json.dump({"version": 1, "name_grace": 0, "policy": {"OUTPUT": "DROP"}, "rules": rules},
          open("%s/p%d.json" % (w, n), "w"))
with open("%s/p%d.rules" % (w, n), "w") as f:
    f.write("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n")
    for r in rules[:-1]:
        f.write("-A OUTPUT -d %s/32 -p tcp -m tcp --dport %d -j ACCEPT\n" % (r["destination"], r["dport"]))
    f.write("-A OUTPUT -p tcp -m set --match-set api dst -m tcp --dport 443 -j ACCEPT\nCOMMIT\n")
EOF
        chmod 644 "$W/p$1.json"
}

# cache M SET: a name cache where api.bench.test has M addresses of set SET (0 or 1), fresh.
cache() {
        local m=$1 set=$2 now i
        now=$(date +%s)
        {
                echo "oih-names 1"
                echo "name api.bench.test $now 3600 ok"
                for ((i = 0; i < m; i++)); do echo "addr 203.0.113.$((set * 100 + i + 1)) $now"; done
        } >"$W/cache.tmp"
        chmod 644 "$W/cache.tmp"
        mv "$W/cache.tmp" "$W/names.cache"
}
# ipset-restore script M SET: the new set, swapped in
ipsets() {
        local m=$1 set=$2 i
        echo "create api-new hash:ip family inet maxelem 65536"
        for ((i = 0; i < m; i++)); do echo "add api-new 203.0.113.$((set * 100 + i + 1))"; done
        echo "swap api-new api"
        echo "destroy api-new"
}

ms() { echo $(( ($2 - $1) / 1000 )); } # ns -> us
median() { sort -n | awk '{v[NR] = $1} END {printf "%.2f", v[int((NR + 1) / 2)] / 1000}'; }

# The floor both share: starting a process in the namespace.
for ((r = 0; r < runs; r++)); do
        t0=$(date +%s%N); nsenter --net="$NSF" true; t1=$(date +%s%N); ms "$t0" "$t1" >>"$W/t-floor"
done
echo "# nsenter --net=NS true (the cost of a process in the namespace): $(median <"$W/t-floor") ms"
echo "# medians of $runs updates; $(nproc) CPUs; $(uname -r)"
printf '%-6s %-6s %12s %12s %8s\n' rules addrs "reapply ms" "ipset ms" ratio
for n in 10 100 1000; do
        gen "$n"
        for m in 1 10 100; do
                # re-apply: start from the policy applied with set 0
                cache "$m" 0
                "$bin" apply --netns "$NSF" --cache "$W/names.cache" "$W/p$n.json" 2>"$W/err" ||
                        { cat "$W/err" >&2; exit 1; }
                : >"$W/t-reapply"
                for ((r = 0; r < runs; r++)); do
                        cache "$m" $(((r + 1) % 2))
                        t0=$(date +%s%N)
                        "$bin" apply --netns "$NSF" --cache "$W/names.cache" "$W/p$n.json" 2>"$W/err" ||
                                { cat "$W/err" >&2; exit 1; }
                        t1=$(date +%s%N)
                        ms "$t0" "$t1" >>"$W/t-reapply"
                done
                # the answer really is in place (the last update used set runs % 2)
                got=$(ip netns exec "$NS" iptables-legacy -S OUTPUT | grep -c -- '--dport 443')
                [ "$got" = "$m" ] || { echo "$0: re-apply left $got rules for $m addresses" >&2; exit 1; }

                # ipset: the same rules, matching the set
                ip netns exec "$NS" ipset destroy 2>/dev/null || true
                ip netns exec "$NS" iptables-legacy -F
                ipsets "$m" 0 | sed -e 's/api-new/api/' -e '/^swap/d' -e '/^destroy/d' |
                        nsenter --net="$NSF" ipset restore
                ip netns exec "$NS" iptables-legacy-restore <"$W/p$n.rules"
                for ((r = 0; r < runs; r++)); do
                        ipsets "$m" $(((r + 1) % 2)) >"$W/set.txt"
                        t0=$(date +%s%N)
                        nsenter --net="$NSF" ipset restore <"$W/set.txt"
                        t1=$(date +%s%N)
                        ms "$t0" "$t1" >>"$W/t-ipset"
                done
                got=$(ip netns exec "$NS" ipset list api | grep -c '^203\.0\.113\.')
                [ "$got" = "$m" ] || { echo "$0: the set holds $got addresses, not $m" >&2; exit 1; }
                a=$(median <"$W/t-reapply")
                b=$(median <"$W/t-ipset")
                printf '%-6s %-6s %12s %12s %8s\n' "$n" "$m" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", a / b}')"
                rm -f "$W/t-reapply" "$W/t-ipset"
                ip netns exec "$NS" iptables-legacy -F
                ip netns exec "$NS" ipset destroy 2>/dev/null || true
        done
done
