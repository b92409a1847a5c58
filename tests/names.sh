#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Host names in policies against a real resolver: dnsmasq in a namespace of its own answers for
# *.test names only (--no-resolv, --no-hosts, --local=/test/), with documentation addresses.
# Every query and packet stays in this script's namespaces:
#   rt  (where the runtime and `resolve` run) 192.0.2.1   --- srv (dnsmasq) 192.0.2.53
#   ct  (the "container", the hook runs in it) 203.0.113.2 --- web 203.0.113.10 and .20 (nc on :80)
. "$(dirname "$0")/lib.sh"
need_root
command -v dnsmasq >/dev/null || skip_all "dnsmasq is not installed"

W=$T_TMP
rt=$(new_netns rt); srv=$(new_netns srv); ct=$(new_netns ct); web=$(new_netns web)
link() { # NS1 ADDR1 NS2 ADDR2...
        local a="v$$a$RANDOM" b="v$$b$RANDOM"
        ip link add "$a" netns "$1" type veth peer name "$b" netns "$3"
        ip -n "$1" addr add "$2/24" dev "$a"; ip -n "$1" link set "$a" up
        local ns=$3; shift 3
        for addr in "$@"; do ip -n "$ns" addr add "$addr/24" dev "$b"; done
        ip -n "$ns" link set "$b" up
}
link "$rt" 192.0.2.1 "$srv" 192.0.2.53
link "$ct" 203.0.113.2 "$web" 203.0.113.10 203.0.113.20
ip netns exec "$web" sh -c 'exec nc -lk -p 80 -s 0.0.0.0 >/dev/null 2>&1' &
webpid=$!
dns_pid=
dns() { # HOST-RECORDS...: (re)starts dnsmasq with these answers
        [ -z "$dns_pid" ] || { kill "$dns_pid"; wait "$dns_pid" 2>/dev/null || true; }
        local args=()
        for r in "$@"; do args+=(--host-record="$r"); done
        ip netns exec "$srv" dnsmasq --keep-in-foreground --no-resolv --no-hosts --local=/test/ \
                --listen-address=192.0.2.53 --bind-interfaces --user=root --pid-file= \
                --log-facility="$W/dns.log" --log-queries "${args[@]+"${args[@]}"}" &
        dns_pid=$!
        for _ in $(seq 1 50); do
                ip netns exec "$srv" ss -lun | grep -q '192.0.2.53:53' && return 0
                sleep 0.1
        done
}
stop_all() { kill "$webpid" ${dns_pid:+"$dns_pid"} 2>/dev/null || true; wait 2>/dev/null || true; t_cleanup; }
trap stop_all EXIT

R=$W/rules; mkdir -p "$R" "$W/bundle" "$W/state-dir"
C=$W/state-dir/names.cache
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$W/bundle/config.json"
cat >"$R/named.json" <<'EOF'
{ "version": 1, "name_grace": 0, "policy": { "OUTPUT": "DROP" },
  "rules": [ { "chain": "OUTPUT", "protocol": "tcp", "destination": "web.test", "dport": 80, "target": "ACCEPT" } ] }
EOF
chmod 644 "$R/named.json"
reach() { ip netns exec "$ct" timeout 5 nc -z -w 1 "$1" 80; }
resolve() { ip netns exec "$rt" timeout 30 "$OIH_BIN" resolve --server 192.0.2.53 --cache "$C" --once "$@"; }
# hook ID: the hook in ct, run from rt (its runtime); its parent shell stays as the container
hook() {
        rm -f "$W/hook.err"
        printf '{"ociVersion":"1.0.2","id":"%s","status":"creating","pid":1,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"named"}}' \
                "$1" "$W/bundle" >"$W/state"
        ip netns exec "$rt" timeout 30 ip netns exec "$ct" sh -c \
                "'$OIH_BIN' hook --rules-dir '$R' --cache '$C' --server 192.0.2.53 <'$W/state' 2>'$W/hook.err.tmp'; s=\$?; mv '$W/hook.err.tmp' '$W/hook.err'; [ \$s = 0 ] || exit 1; exec sleep 600" &
        hookpid=$!
        # the hook prints one line, applied or refused
        for _ in $(seq 1 100); do
                [ -s "$W/hook.err" ] && break
                kill -0 "$hookpid" 2>/dev/null || break
                sleep 0.1
        done
        sleep 0.1
        kill -0 "$hookpid" 2>/dev/null
}

dns web.test,203.0.113.10 v6.test,2001:db8::10

# --- syntax ---------------------------------------------------------------------------------
echo '{"version":1,"rules":[{"destination":"bad_name.test","target":"ACCEPT"}]}' >"$W/bad.json"
check "check refuses a name with '_', naming it" grep -q 'bad_name.test.*nor a host name' <<<"$("$OIH_BIN" check "$W/bad.json" 2>&1 || true)"
check_fails "check fails on it" "$OIH_BIN" check "$W/bad.json"
check "check accepts the named policy" "$OIH_BIN" check "$R/named.json"

# --- a rootless user's own rules directory: resolve with no policy named reads it ------------
U=$(mktemp -d /tmp/oih-names-user.XXXXXX)
mkdir -p "$U/oci-iptables-hook/rules"
sed 's/web\.test/v6.test/' "$R/named.json" >"$U/oci-iptables-hook/rules/mine.json"
chown -R 65534:65534 "$U"
chmod 755 "$U"
check "a user's resolve, with no policy named, resolves the names of the user's own rules directory" \
        ip netns exec "$rt" setpriv --reuid=65534 --regid=65534 --clear-groups \
        env HOME="$U" XDG_CONFIG_HOME="$U" timeout 30 "$OIH_BIN" resolve --server 192.0.2.53 \
        --cache "$U/names.cache" --once
check "its cache has the name of that policy" grep -q '^name v6.test ' "$U/names.cache"
rm -rf "$U"

# --- resolve, show --------------------------------------------------------------------------
check "resolve fills the cache from the test's dnsmasq" resolve "$R/named.json"
check "the cache holds web.test's address" grep -q '^addr 203.0.113.10 ' "$C"
out=$(ip netns exec "$rt" "$OIH_BIN" show -4 --cache "$C" "$R/named.json")
check "show prints the name's address now and the rule with it" \
        grep -q -- '-A OUTPUT -d 203.0.113.10/32 -p tcp -m tcp --dport 80 -j ACCEPT' <<<"$out"
check "show says what the name resolved to" grep -q '^# name web.test: 203.0.113.10 ' <<<"$out"

# --- the hook: cached, then the container's allowance follows the answer ----------------------
check "the hook applies the policy with the cached address" hook c1
diag "$(cat "$W/hook.err")"
check "the container reaches the named host" reach 203.0.113.10
check_fails "the container does not reach the unnamed host" reach 203.0.113.20
check "the hook recorded the container for the refresh" test -f "$W/state-dir/containers/c1"
check "inspect names the container's host names and their addresses, from its record" \
        grep -q '^# name web.test: in the rules \[ *"203.0.113.10" *\]' \
        <("$OIH_BIN" inspect --netns "/run/netns/$ct" --cache "$C" 2>&1)
check "inspect --json is the live policy with the names beside it" python3 -c '
import json, sys
d = json.load(sys.stdin)
n = d["names"][0]
assert n["name"] == "web.test" and n["addresses"] == ["203.0.113.10"] and n["status"] == "ok", n
assert d["version"] == 2 and d["rules"], d
' < <("$OIH_BIN" inspect --json --netns "/run/netns/$ct" --cache "$C")
# another container's record that cannot be read does not hide this one's; for a namespace
# without a record of its own it is an error (it might be that record), naming the file
echo "not a record" >"$W/state-dir/containers/broken"
check "inspect still finds the record beside one that cannot be read" \
        grep -q '^# name web.test: in the rules' <("$OIH_BIN" inspect --netns "/run/netns/$ct" --cache "$C" 2>&1)
check "inspect of a namespace without a record names the one that cannot be read" \
        grep -q "state-dir/containers/broken: not a container record" \
        <("$OIH_BIN" inspect --netns "/run/netns/$web" --cache "$C" 2>&1)
rm "$W/state-dir/containers/broken"
check "verify substitutes the cached address, as the hook did" \
        "$OIH_BIN" verify --cache "$C" --netns "/run/netns/$ct" "$R/named.json"
# At createRuntime the hook runs in the runtime's namespaces and finds the container by the
# state's pid: it records that container too (the same policy again in ct: harmless here)
ip netns exec "$ct" sleep 600 &
crpid=$!
printf '{"ociVersion":"1.0.2","id":"cr1","status":"created","pid":%d,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"named"}}' \
        "$crpid" "$W/bundle" >"$W/state-cr"
check "at createRuntime the hook applies the policy from the runtime's namespace" \
        ip netns exec "$rt" timeout 30 "$OIH_BIN" hook --stage createRuntime --rules-dir "$R" --cache "$C" \
        --server 192.0.2.53 <"$W/state-cr"
check "and records the container for the refresh, by the state's pid" grep -qx "pid $crpid" "$W/state-dir/containers/cr1"
kill "$crpid"
wait "$crpid" 2>/dev/null || true

dns web.test,203.0.113.20
t0=$(date +%s)
check "resolve after the answer changed" resolve
check "the running container reaches the new address" reach 203.0.113.20
check_fails "and no longer the old one (name_grace 0)" reach 203.0.113.10
check "verify after the refresh: the cache's new address is what the container has" \
        "$OIH_BIN" verify --cache "$C" --netns "/run/netns/$ct" "$R/named.json"
diag "moved within $(( $(date +%s) - t0 )) s"
kill "$hookpid" 2>/dev/null || true; wait "$hookpid" 2>/dev/null || true

# --- a name without a cache entry is resolved by the hook from the runtime's namespace ----------
rm -f "$C"
# check, show and apply read the cache; only show/apply with --server ask
queries() { grep -c 'query\[' "$W/dns.log" || true; }
q0=$(queries)
out=$(ip netns exec "$rt" "$OIH_BIN" check --cache "$C" "$R/named.json" 2>&1) && rc=0 || rc=$?
check "check --cache: a name missing from the cache is refused, naming it and the cache" \
        test "$rc" = 1 -a -n "$(grep -F "name \"web.test\" has no fresh answer in the name cache $C" <<<"$out")"
check_fails "check --server is a usage error (check only reads)" "$OIH_BIN" check --server 192.0.2.53 --cache "$C" "$R/named.json"
out=$(ip netns exec "$rt" "$OIH_BIN" show --cache "$C" "$R/named.json" 2>&1) && rc=0 || rc=$?
check "show without --server says the name is missing and to give --server" \
        test "$rc" = 1 -a -n "$(grep -F 'web.test" has no fresh answer' <<<"$out" | grep -F -- '--server')"
check "neither sent a query" test "$(queries)" = "$q0"
out=$(ip netns exec "$rt" "$OIH_BIN" show -4 --cache "$C" --server 192.0.2.53 "$R/named.json" 2>&1) && rc=0 || rc=$?
check "show --server asks it and prints the rule with the answer" \
        grep -q -- '-A OUTPUT -d 203.0.113.20/32 -p tcp -m tcp --dport 80 -j ACCEPT' <<<"$out"
check "show --server does not write the cache (resolve's)" test ! -e "$C"
ip netns exec "$ct" iptables-legacy -F OUTPUT
check "the container is cut off before the next hook" sh -c "! ip netns exec '$ct' timeout 5 nc -z -w 1 203.0.113.20 80"
check "the hook resolves a name the cache lacks (from rt, not from the container)" hook c2
diag "$(cat "$W/hook.err")"
check "and the container reaches it" reach 203.0.113.20
kill "$hookpid" 2>/dev/null || true; wait "$hookpid" 2>/dev/null || true

# --- a name that stops resolving is refused at the next start ---------------------------------
dns v6.test,2001:db8::10
resolve "$R/named.json" || true
check "the cache says NXDOMAIN" grep -q '^name web.test .* nxdomain$' "$C"
check_fails "the hook refuses the next container" hook c3
check "with one line naming the name" grep -q 'web.test.*does not exist' "$W/hook.err"
kill "$hookpid" 2>/dev/null || true; wait "$hookpid" 2>/dev/null || true

# --- no server: the hook gives up in bounded time -----------------------------------------------
kill "$dns_pid"; wait "$dns_pid" 2>/dev/null || true; dns_pid=
rm -f "$C"
t0=$(date +%s%N)
check_fails "no answer: the hook refuses" hook c4
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "within its bound (${ms} ms)" test "$ms" -lt 10000
diag "$(cat "$W/hook.err")"
check "naming the name" grep -q "web.test" "$W/hook.err"
kill "$hookpid" 2>/dev/null || true; wait "$hookpid" 2>/dev/null || true

check "every query went to the test's dnsmasq only (its log saw them)" grep -q 'query\[A\] web.test from 192.0.2.1' "$W/dns.log"
done_testing
