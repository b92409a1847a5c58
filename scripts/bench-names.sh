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
# A second table: what names cost when they are cached (issue 14: the hook's 5 ms budget for a
# 10-rule policy holds). A 10-rule policy where 2 rules name hosts (fresh cache entries, one A and
# one AAAA each) against the same policy with those addresses written literally, by
# `apply --netns NS --cache CACHE` and by `hook` (OCI state on stdin, run inside a "container"
# namespace by a process in a "runtime" namespace, as tests/names.sh does), interleaved. Wall
# time and peak RSS from scripts/bench-run.c (as in scripts/bench.sh), medians of RUNS runs.
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
for t in ipset nsenter iptables-legacy-restore python3 gcc; do
        command -v "$t" >/dev/null || { echo "$0: $t is missing (apt-get install ipset)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "$0: $bin is not built" >&2; exit 1; }

# Rules directories must be root's and not writable by others all the way up: not /tmp.
W=$(mktemp -d /run/oih-bench-names.XXXXXX)
chmod 755 "$W"
NS=oih-bench-names-$$
RT=$NS-rt CT=$NS-ct
trap 'for n in "$NS" "$RT" "$CT"; do ip netns del "$n" 2>/dev/null; done; rm -rf "$W"' EXIT
ip netns add "$NS"
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

# --- names cached against addresses written literally: apply and hook, 10 rules ---------------
gcc -O2 -static -o "$W/bench-run" "$top/scripts/bench-run.c" 2>/dev/null ||
        gcc -O2 -o "$W/bench-run" "$top/scripts/bench-run.c"
ip netns add "$RT"
ip netns add "$CT"
H=$W/h
R=$H/rules
mkdir -p "$R" "$H/bundle"
chmod 755 "$H" "$R"
# 8 TCP allowances (IPv4 and IPv6 in turn) and 2 to a host; "named" names the hosts, "literal"
# writes their addresses
python3 - "$R" <<'EOF'
import json, sys
hosts = [("a.bench.test", ["203.0.113.1", "2001:db8:a::1"]), ("b.bench.test", ["203.0.113.2", "2001:db8:b::1"])]
for kind in ("named", "literal"):
    rules = [{"chain": "OUTPUT", "protocol": "tcp",
              "destination": ("198.51.100.%d" if i % 2 == 0 else "2001:db8::%x") % (i + 1),
              "dport": 1000 + i, "target": "ACCEPT"} for i in range(8)]
    for name, addrs in hosts:
        rules.append({"chain": "OUTPUT", "protocol": "tcp", "destination": name if kind == "named" else addrs,
                      "dport": 443, "target": "ACCEPT"})
    json.dump({"version": 1, "policy": {"OUTPUT": "DROP"}, "rules": rules},
              open("%s/%s.json" % (sys.argv[1], kind), "w"))
EOF
chmod 644 "$R/named.json" "$R/literal.json"
# the cache as `resolve` writes it (docs/hook.md, "Host names"), answered just now, TTL 1 h
now=$(date +%s)
cat >"$H/names.cache" <<EOF
oih-names 1
name a.bench.test $now 3600 ok
addr 203.0.113.1 $now
addr 2001:db8:a::1 $now
name b.bench.test $now 3600 ok
addr 203.0.113.2 $now
addr 2001:db8:b::1 $now
EOF
chmod 644 "$H/names.cache"
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$H/bundle/config.json"
for kind in named literal; do
        printf '{"ociVersion":"1.0.2","id":"bench-%s","status":"creating","pid":1,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"%s"}}' \
                "$kind" "$H/bundle" "$kind" >"$H/state-$kind"
done
# run2 KIND apply|hook: one run, appends "WALL_MS RSS_KIB" to $W/t2-KIND-WHAT
run2() {
        local out
        if [ "$2" = apply ]; then
                out=$("$W/bench-run" -- "$bin" apply --netns "/run/netns/$NS" --cache "$H/names.cache" \
                        "$R/$1.json" 2>"$W/err") || true
        else
                # The runtime (in RT) runs the hook inside the container's namespace (CT). RT has
                # no route to the server: a name missing from the cache fails at once.
                out=$(ip netns exec "$RT" "$W/bench-run" --netns "/run/netns/$CT" --stdin "$H/state-$1" -- \
                        "$bin" hook --rules-dir "$R" --cache "$H/names.cache" --server 192.0.2.53 2>"$W/err") || true
        fi
        out=${out##*$'\n'}
        [ "${out##* }" = 0 ] || { echo "$0: $2 of the $1 policy failed: $(cat "$W/err")" >&2; exit 1; }
        echo "${out% *}" >>"$W/t2-$1-$2"
}
tables() { ip netns exec "$1" sh -c 'iptables-legacy-save; ip6tables-legacy-save' | grep -v '^#'; }
# Both policies must give the same kernel entries, by apply and by the hook.
for what in apply hook; do
        ns=$NS
        [ "$what" = hook ] && ns=$CT
        run2 named "$what"
        a=$(tables "$ns")
        run2 literal "$what"
        b=$(tables "$ns")
        if [ "$a" != "$b" ] || ! grep -q -- '-d 2001:db8:b::1/128 .*--dport 443' <<<"$a"; then
                echo "$0: $what: the named and the literal policy differ:" >&2
                diff <(echo "$a") <(echo "$b") >&2
                exit 1
        fi
done
rm -f "$W"/t2-*
for ((r = 0; r < runs; r++)); do
        # alternate which goes first, so that neither always follows the other
        if ((r % 2)); then order="literal named"; else order="named literal"; fi
        for what in apply hook; do
                for kind in $order; do run2 "$kind" "$what"; done
        done
done
med2() { awk -v c="$2" '{print $c}' "$W/t2-$1" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo
echo "# 10 rules, 2 naming cached hosts (an A and an AAAA each) or the same addresses written literally;"
echo "# medians of $runs runs each, interleaved; peak RSS is wait4's ru_maxrss"
printf '%-8s %10s %12s %8s %14s %16s\n' command "named ms" "literal ms" ratio "named RSS KiB" "literal RSS KiB"
for what in apply hook; do
        a=$(med2 "named-$what" 1)
        b=$(med2 "literal-$what" 1)
        printf '%-8s %10s %12s %8s %14s %16s\n' "$what" "$a" "$b" \
                "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')" "$(med2 "named-$what" 2)" "$(med2 "literal-$what" 2)"
done
a=$(med2 named-hook 1)
if awk -v a="$a" 'BEGIN {exit !(a <= 5)}'; then v=met; else v=MISSED; fi
echo "$v: the hook with a 10-rule policy naming 2 cached hosts: $a ms <= 5 ms (issue 14)"
