#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real packets through applied policies, IPv4 and IPv6.
#
# Three network namespaces on one bridged segment (198.51.100.0/24, 2001:db8::/64), none with a
# route anywhere else: C, "the container", whose filter tables `apply` replaces; A, a server the
# test policy allows; B, a server it does not (B also holds the bridge). Echo servers answer on
# A and B (tcp 8080 8081, udp 5353 5354) and on C (tcp 9090). Every probe aims at one of these
# addresses and is bounded (nc -w, timeout, ping -W).
#
# A denied probe only proves something if it works without the policy, so every probe that a
# policy must stop is first shown to get through with C's tables empty.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

POL=$OIH_SRCDIR/tests/traffic
C4=198.51.100.10 C6=2001:db8::10
A4=198.51.100.20 A6=2001:db8::20
B4=198.51.100.30 B6=2001:db8::30
SERVERS=()

cleanup() {
        local pid
        # Deleting a namespace does not stop what runs in it.
        for pid in "${SERVERS[@]+"${SERVERS[@]}"}"; do
                kill "$pid" 2>/dev/null || true
        done
        t_cleanup
}
trap cleanup EXIT

for tool in nc ping perl timeout iptables-legacy-save ip6tables-legacy-save; do
        if ! command -v "$tool" >/dev/null; then
                not_ok "$tool is installed (needed to send and check traffic)"
                done_testing
                exit 1
        fi
done

# new_netns registers the namespace for removal in this shell, so it must not run in $(...).
mkns() {
        new_netns "$1" >/dev/null
        printf -v "$2" '%s' "${T_NETNS[-1]}"
}
mkns c C
mkns a A
mkns b B

ip -n "$B" link add br0 type bridge mcast_snooping 0
# addhost NS ADDR4 ADDR6: NS gets eth0, a veth whose other end is a port of B's bridge.
addhost() {
        local port=p${1##*-}
        ip -n "$1" link add eth0 type veth peer name "$port" netns "$B"
        ip -n "$B" link set "$port" master br0 up
        ip -n "$1" addr add "$2/24" dev eth0
        ip -n "$1" -6 addr add "$3/64" dev eth0 nodad
        ip -n "$1" link set eth0 up
}
addhost "$C" $C4 $C6
addhost "$A" $A4 $A6
ip -n "$B" addr add $B4/24 dev br0
ip -n "$B" -6 addr add $B6/64 dev br0 nodad
ip -n "$B" link set br0 up

# serve NS PORT...: an echo server in NS, waited for until it listens.
serve() {
        local ns=$1 log
        shift
        log=$T_TMP/echo-${ns##*-}.log
        ip netns exec "$ns" perl "$POL/echo.pl" "$@" >"$log" 2>&1 &
        SERVERS+=($!)
        for _ in $(seq 50); do
                grep -q '^ready$' "$log" && return 0
                sleep 0.1
        done
        echo "# echo server in $ns did not start:" && sed 's/^/#   /' "$log"
        return 1
}
serve "$A" tcp:8080 tcp:8081 udp:5353 udp:5354
serve "$B" tcp:8080 udp:5353
serve "$C" tcp:9090

# The probes. Each succeeds only when the echo comes back.
# tcp FROM ADDR PORT / udp FROM ADDR PORT / icmp FROM ADDR
tcp() {
        local tok=tcp-$RANDOM
        [ "$(printf '%s\n' "$tok" | ip netns exec "$1" timeout 3 nc -w 2 "$2" "$3" 2>/dev/null)" = "$tok" ]
}
udp() {
        local tok=udp-$RANDOM
        [ "$(printf '%s\n' "$tok" | ip netns exec "$1" timeout 3 nc -u -w 1 "$2" "$3" 2>/dev/null)" = "$tok" ]
}
icmp() {
        ip netns exec "$1" timeout 3 ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# addrs 4|6: a, b, c are A's, B's and C's address of that family.
addrs() {
        if [ "$1" = 4 ]; then a=$A4 b=$B4 c=$C4; else a=$A6 b=$B6 c=$C6; fi
}

apply() {
        local f=$POL/$1
        check "apply $1 to the container" "$OIH_BIN" apply --netns "/run/netns/$C" "$f"
}

# Run with C's tables as a fresh namespace has them: everything below gets through.
echo "# no policy: every probe used below gets through"
for fam in 4 6; do
        addrs $fam
        for port in 8080 8081; do check "IPv$fam: tcp $port C->A open" tcp "$C" "$a" $port; done
        for port in 5353 5354; do check "IPv$fam: udp $port C->A open" udp "$C" "$a" $port; done
        check "IPv$fam: tcp 8080 C->B open" tcp "$C" "$b" 8080
        check "IPv$fam: udp 5353 C->B open" udp "$C" "$b" 5353
        check "IPv$fam: ping C->A open" icmp "$C" "$a"
        check "IPv$fam: ping C->B open" icmp "$C" "$b"
        check "IPv$fam: tcp 9090 A->C open" tcp "$A" "$c" 9090
        check "IPv$fam: ping A->C open" icmp "$A" "$c"
done

echo "# allow-some: only tcp 8080, udp 5353 and ping to A leave the container"
apply allow-some.json
for fam in 4 6; do
        addrs $fam
        check "IPv$fam: tcp 8080 to A allowed" tcp "$C" "$a" 8080
        check "IPv$fam: udp 5353 to A allowed" udp "$C" "$a" 5353
        check "IPv$fam: ping to A allowed" icmp "$C" "$a"
        check_fails "IPv$fam: tcp 8081 to A denied" tcp "$C" "$a" 8081
        check_fails "IPv$fam: udp 5354 to A denied" udp "$C" "$a" 5354
        check_fails "IPv$fam: tcp 8080 to B denied" tcp "$C" "$b" 8080
        check_fails "IPv$fam: udp 5353 to B denied" udp "$C" "$b" 5353
        check_fails "IPv$fam: ping to B denied" icmp "$C" "$b"
done

echo "# deny-all-ipv4-words: DROP said for ipv4 only; IPv6 must be denied as well"
apply deny-all-ipv4-words.json
check "IPv6 table has the DROP policies the policy gave IPv4" \
        test "$(save6 "$C" | grep '^:')" = "$(printf ':INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]')"
for fam in 4 6; do
        addrs $fam
        check_fails "IPv$fam: tcp 8080 to A denied by deny-all" tcp "$C" "$a" 8080
        check_fails "IPv$fam: udp 5353 to A denied by deny-all" udp "$C" "$a" 5353
        check_fails "IPv$fam: ping to A denied by deny-all" icmp "$C" "$a"
        check_fails "IPv$fam: tcp 9090 from A into the container denied by deny-all" tcp "$A" "$c" 9090
done

echo "# established-only: connections out work and their replies come back; nothing comes in"
apply established-only.json
for fam in 4 6; do
        addrs $fam
        check "IPv$fam: tcp 8080 to A works (replies are ESTABLISHED)" tcp "$C" "$a" 8080
        check "IPv$fam: udp 5353 to A gets its answer" udp "$C" "$a" 5353
        check "IPv$fam: ping to A gets its reply" icmp "$C" "$a"
        check_fails "IPv$fam: new tcp connection from A into the container refused" tcp "$A" "$c" 9090
        check_fails "IPv$fam: ping from A into the container refused" icmp "$A" "$c"
done

echo "# drop-not-a4: DROP what is not to A's IPv4 address; every IPv6 packet is not, so IPv6 is dropped"
apply drop-not-a4.json
check "IPv4: tcp 8080 to A allowed" tcp "$C" $A4 8080
check_fails "IPv4: tcp 8080 to B dropped" tcp "$C" $B4 8080
check_fails "IPv6: tcp 8080 to A dropped (not A's IPv4 address)" tcp "$C" $A6 8080
check_fails "IPv6: udp 5353 to A dropped (not A's IPv4 address)" udp "$C" $A6 5353
check_fails "IPv6: ping to B dropped" icmp "$C" $B6

echo "# reject-not-a4: an IPv4-only reject type does not take IPv6 out of the rule"
apply reject-not-a4.json
check "IPv4: tcp 8080 to A allowed" tcp "$C" $A4 8080
check_fails "IPv4: tcp 8080 to B rejected" tcp "$C" $B4 8080
check_fails "IPv6: tcp 8080 to A rejected (not A's IPv4 address)" tcp "$C" $A6 8080
check_fails "IPv6: tcp 8080 to B rejected" tcp "$C" $B6 8080
check "IPv6: udp 5353 to B still open (the rule is tcp only)" udp "$C" $B6 5353
check "IPv6 table rejects with IPv6's default type" \
        grep -qx -- '-A OUTPUT -p tcp -j REJECT --reject-with icmp6-port-unreachable' <(save6 "$C")

echo "# open: applying replaces the whole table, so what was denied gets through again"
apply open.json
for fam in 4 6; do
        addrs $fam
        check "IPv$fam: tcp 9090 A->C open again" tcp "$A" "$c" 9090
        check "IPv$fam: tcp 8080 C->B open again" tcp "$C" "$b" 8080
done

done_testing
