#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# inspect and verify against real namespaces: for every policy of the oracle corpora (both
# versions), what inspect reads back is what show prints, and inspect --json applied elsewhere
# rebuilds the same tables; tables written by iptables-legacy-restore (every table, generic
# extensions) print as iptables-legacy-save prints them; verify notices every kind of change
# made behind its back.
. "$(dirname "$0")/lib.sh"
need_root

# save_all NS [LIST_NS]: every table LIST_NS (default NS) has, both families, as
# iptables-legacy-save prints it from NS. (A policy names a table for both families: applied,
# inspect --json also makes the other family's side of a one-family table, empty.)
save_all() {
        local cmd t
        for cmd in iptables ip6tables; do
                for t in $(ip netns exec "${2:-$1}" cat /proc/net/${cmd%tables}_tables_names | sort); do
                        echo "# $cmd $t"
                        ip netns exec "$1" $cmd-legacy-save -t "$t" | strip_save
                done
        done
}
# rebuilds NAME NS: inspect --json of NS applied in a fresh namespace builds the same tables
rebuilds() {
        local name=$1 ns=$2 b
        b=$(new_netns "b$T_N")
        if ! "$OIH_BIN" inspect --json --netns "/run/netns/$ns" > "$T_TMP/live.json" 2>"$T_TMP/err"; then
                not_ok "$name: inspect --json failed"; sed 's/^/#   /' "$T_TMP/err"
        elif ! "$OIH_BIN" apply --netns "/run/netns/$b" "$T_TMP/live.json" 2>"$T_TMP/err"; then
                not_ok "$name: inspect --json is refused by apply"; sed 's/^/#   /' "$T_TMP/err"
        elif ! diff -u <(save_all "$ns") <(save_all "$b" "$ns") > "$T_TMP/diff"; then
                not_ok "$name: inspect --json applied elsewhere builds other tables"; sed 's/^/#   /' "$T_TMP/diff"
        else
                ok "$name: inspect --json applied elsewhere builds the same tables"
        fi
        check "$name: verify of inspect --json passes" "$OIH_BIN" verify "$T_TMP/live.json" --netns "/run/netns/$ns"
        ip netns del "$b"
}

for p in $(shipped_policies) "$OIH_SRCDIR"/tests/corpus/*.json "$OIH_SRCDIR"/tests/oracle-v2/*.json; do
        name=${p#"$OIH_SRCDIR"/}
        # a fresh namespace: inspect shows every table it has, and a policy leaves the
        # tables it does not name alone
        a=$(new_netns "a$T_N")
        "$OIH_BIN" apply --netns "/run/netns/$a" "$p" 2>/dev/null
        if "$OIH_BIN" inspect --netns "/run/netns/$a" > "$T_TMP/inspect" 2>"$T_TMP/err" &&
                "$OIH_BIN" show "$p" | diff -u - "$T_TMP/inspect" > "$T_TMP/diff"; then
                ok "$name: inspect prints what show prints"
        else
                not_ok "$name: inspect differs from show"; sed 's/^/#   /' "$T_TMP/err" "$T_TMP/diff"
        fi
        rebuilds "$name" "$a"
        check "$name: verify passes right after apply" "$OIH_BIN" verify "$p" --netns "/run/netns/$a"
        ip netns del "$a"
done

# Tables another tool wrote, with extensions and tables of every kind: inspect prints what
# iptables-legacy-save prints, and inspect --json rebuilds them.
a=$(new_netns written)
ip netns exec "$a" iptables-legacy-restore <<'EOF4'
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:ssh - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m conntrack --ctstate NEW -m tcp --dport 22 -j ssh
-A INPUT -m mac --mac-source 00:00:5e:00:53:01 -j DROP
-A INPUT -p tcp -m tcp --sport 1024:65535 --tcp-flags SYN,RST,ACK SYN -m comment --comment "-j ACCEPT ! --x" -j ACCEPT
-A INPUT -f -j DROP
-A ssh -m recent --update --seconds 60 --hitcount 4 --name ssh --mask 255.255.255.255 --rsource -j DROP
-A ssh -m recent --set --name ssh --mask 255.255.255.255 --rsource
-A ssh -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 10 --hashlimit-mode srcip --hashlimit-name h1 -j ACCEPT
-A OUTPUT -p sctp -m sctp --dport 9 -j REJECT --reject-with icmp-admin-prohibited
-A OUTPUT ! -d 192.0.2.0/24 -m addrtype ! --dst-type LOCAL -m owner --uid-owner 1000 -j LOG --log-prefix "out: " --log-level 6
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:redir - [0:0]
-A PREROUTING -d 198.51.100.1/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.0.2.10:8080
-A OUTPUT -p tcp -m multiport --dports 80,443 -j redir
-A POSTROUTING -s 192.0.2.0/24 -o eth0 -j SNAT --to-source 203.0.113.1
-A POSTROUTING -o eth1 -p tcp -j MASQUERADE --to-ports 1024-2047 --random
-A redir -p tcp -j REDIRECT --to-ports 3128
COMMIT
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -m mark --mark 0x1/0xff -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff
-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
-A OUTPUT -m length --length 0:64 -m ttl --ttl-lt 5 -j MARK --set-xmark 0x2/0xffffffff
COMMIT
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack
-A OUTPUT -j CT --zone 7
COMMIT
EOF4
ip netns exec "$a" ip6tables-legacy-restore <<'EOF6'
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT
-A INPUT -m hl --hl-eq 255 -m conntrack ! --ctstate INVALID,NEW -j ACCEPT
-A INPUT -s 2001:db8::/32 -p tcp -j REJECT --reject-with tcp-reset
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -d 2001:db8::1/128 -p tcp -m tcp --dport 80 -j DNAT --to-destination [2001:db8::10]:8080
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
EOF6
for fam in 4 6; do
        if [ $fam = 4 ]; then cmd=iptables; else cmd=ip6tables; fi
        for t in $(ip netns exec "$a" cat /proc/net/${cmd%tables}_tables_names); do
                case $t in filter|nat|mangle|raw) ;; *) continue ;; esac
                ip netns exec "$a" $cmd-legacy-save -t $t | strip_save
        done > "$T_TMP/theirs"
        # inspect's tables come in show's order: filter nat mangle raw
        for t in filter nat mangle raw; do
                sed -n "/^\*$t\$/,/^COMMIT\$/p" "$T_TMP/theirs"
        done > "$T_TMP/want"
        if "$OIH_BIN" inspect -$fam --netns "/run/netns/$a" > "$T_TMP/inspect" 2>"$T_TMP/err" &&
                diff -u "$T_TMP/want" "$T_TMP/inspect" > "$T_TMP/diff"; then
                ok "tables written by $cmd-legacy-restore: inspect prints what $cmd-legacy-save prints"
        else
                not_ok "tables written by $cmd-legacy-restore: inspect differs from $cmd-legacy-save"
                sed 's/^/#   /' "$T_TMP/err" "$T_TMP/diff"
        fi
done
rebuilds "tables written by iptables-legacy-restore" "$a"
grep -q '"match": "recent", "options": \[ { "update": true }, { "seconds": "60" }' "$T_TMP/live.json" &&
        grep -q '"target": "DNAT", "target_options": \[ { "to-destination": "\[2001:db8::10\]:8080" }' "$T_TMP/live.json" &&
        grep -q '{ "comment": "-j ACCEPT ! --x" }' "$T_TMP/live.json" &&
        grep -q '"fragment": true' "$T_TMP/live.json" &&
        ok "inspect --json writes matches and targets in the generic form, words as saved" ||
        { not_ok "inspect --json writes matches and targets in the generic form, words as saved"; sed 's/^/#   /' "$T_TMP/live.json"; }
ip netns del "$a"

# ip6tables sets IP6T_F_PROTO with every -p, "-p all" too (the kernel then looks for the
# protocol header past the extension headers); ip6tables-legacy-save prints such a rule as one
# without -p. `ip6tables-legacy -C` compares the entries' flags: it tells them apart.
a=$(new_netns pall)
b=$(new_netns pall-b)
ip netns exec "$a" ip6tables-legacy -A OUTPUT -p all -j ACCEPT
ip netns exec "$a" ip6tables-legacy -A OUTPUT -o lo -j ACCEPT
"$OIH_BIN" inspect --json --netns "/run/netns/$a" > "$T_TMP/pall.json" 2>"$T_TMP/err"
check "inspect --json writes ip6tables' -p all as \"protocol\": \"all\"" \
        grep -q '"family": "ipv6", "protocol": "all", "target": "ACCEPT"' "$T_TMP/pall.json"
"$OIH_BIN" apply --netns "/run/netns/$b" "$T_TMP/pall.json" >/dev/null 2>"$T_TMP/err"
check "inspect --json applied elsewhere rebuilds -p all (ip6tables-legacy -C finds it)" \
        ip netns exec "$b" ip6tables-legacy -C OUTPUT -p all -j ACCEPT
check "and the rule without -p stays without (ip6tables-legacy -C finds it)" \
        ip netns exec "$b" ip6tables-legacy -C OUTPUT -o lo -j ACCEPT
# verify compares the text, and IP6T_F_PROTO beside it: the same text with the flag on one
# side only is a difference, said on a line of its own
check "verify of the tables -p all was rebuilt in passes" "$OIH_BIN" verify "$T_TMP/pall.json" --netns "/run/netns/$b"
pall_differs() {
        local what=$1 line=$2
        if "$OIH_BIN" verify "$T_TMP/pall.json" --netns "/run/netns/$b" > "$T_TMP/vout" 2>"$T_TMP/verr"; then
                not_ok "verify fails when $what"
        elif grep -qxF -- "$line" "$T_TMP/vout"; then
                ok "verify fails when $what, saying: $line"
        else
                not_ok "verify when $what: expected the line '$line'"; sed 's/^/#   /' "$T_TMP/vout" "$T_TMP/verr"
        fi
}
ip netns exec "$b" ip6tables-legacy -R OUTPUT 1 -j ACCEPT
pall_differs "-p all is replaced by no -p (same save text)" \
        "!filter: IP6T_F_PROTO (-p, \"-p all\" too: the kernel looks for the protocol header past the extension headers) in $T_TMP/pall.json (IPv6), not in live (IPv6): -A OUTPUT -j ACCEPT"
ip netns exec "$b" ip6tables-legacy -R OUTPUT 1 -p all -j ACCEPT
ip netns exec "$b" ip6tables-legacy -R OUTPUT 2 -o lo -p all -j ACCEPT
pall_differs "a rule without -p gets -p all (same save text)" \
        "!filter: IP6T_F_PROTO (-p, \"-p all\" too: the kernel looks for the protocol header past the extension headers) in live (IPv6), not in $T_TMP/pall.json (IPv6): -A OUTPUT -o lo -j ACCEPT"
ip netns del "$a"
ip netns del "$b"

# verify fails, with the difference, after each kind of change behind its back
a=$(new_netns a)
p=$OIH_SRCDIR/rules/web-egress.json
verify_diff() { "$OIH_BIN" verify "$p" --netns "/run/netns/$a" > "$T_TMP/vout" 2>"$T_TMP/verr"; }
expect_change() {
        local what=$1 line=$2
        if verify_diff; then
                not_ok "verify fails after $what"
        elif grep -qxF -- "$line" "$T_TMP/vout" && grep -q "the live rules differ from" "$T_TMP/verr"; then
                ok "verify fails after $what and shows: $line"
        else
                not_ok "verify after $what: expected the line '$line'"; sed 's/^/#   /' "$T_TMP/vout" "$T_TMP/verr"
        fi
        "$OIH_BIN" apply --netns "/run/netns/$a" "$p" 2>/dev/null
}
"$OIH_BIN" apply --netns "/run/netns/$a" "$p" 2>/dev/null
ip netns exec "$a" iptables-legacy -A web-egress -p tcp --dport 22 -j ACCEPT
expect_change "a rule is added (IPv4)" "+-A web-egress -p tcp -m tcp --dport 22 -j ACCEPT"
ip netns exec "$a" ip6tables-legacy -D INPUT -i lo -j ACCEPT
expect_change "a rule is deleted (IPv6)" "--A INPUT -i lo -j ACCEPT"
ip netns exec "$a" iptables-legacy -P OUTPUT ACCEPT
expect_change "a chain policy is changed" "+:OUTPUT ACCEPT [0:0]"
ip netns exec "$a" ip6tables-legacy -R web-egress 1 -d 2001:db8::99 -p tcp --dport 443 -j ACCEPT
expect_change "a rule is replaced (IPv6)" "+-A web-egress -d 2001:db8::99/128 -p tcp -m tcp --dport 443 -j ACCEPT"
"$OIH_BIN" apply --netns "/run/netns/$a" "$OIH_SRCDIR/rules/deny-all.json" 2>/dev/null
expect_change "another policy is applied" "--A INPUT -i lo -j ACCEPT"

# verify compares the tables the policy names: one it does not name may hold anything; one
# it names is compared whole
ip netns exec "$a" iptables-legacy -t nat -A OUTPUT -j ACCEPT
check "verify ignores a table the policy does not name" "$OIH_BIN" verify "$p" --netns "/run/netns/$a"
p2=$OIH_SRCDIR/rules/transparent-proxy.json
"$OIH_BIN" apply --netns "/run/netns/$a" "$p2" 2>/dev/null
check "verify passes after apply replaced nat" "$OIH_BIN" verify "$p2" --netns "/run/netns/$a"
ip netns exec "$a" ip6tables-legacy -t nat -I OUTPUT -j RETURN
p=$p2 expect_change "a nat rule is added (IPv6)" "+-A OUTPUT -j RETURN"

# inspect --counters: what the kernel counted, as iptables-legacy-save -c prints it. Packets go
# only to the namespace's own loopback.
c=$(new_netns counters)
cat >"$T_TMP/count.json" <<'EOF'
{ "version": 1, "policy": { "INPUT": "DROP" },
  "rules": [ { "chain": "INPUT", "protocol": "icmp", "comment": "counted" },
             { "chain": "INPUT", "protocol": "tcp", "target": "DROP" } ] }
EOF
"$OIH_BIN" apply --netns "/run/netns/$c" "$T_TMP/count.json" >/dev/null
ip netns exec "$c" ping -c 3 -i 0.2 -W 1 127.0.0.1 >/dev/null 2>&1 || true
"$OIH_BIN" inspect --counters -4 --netns "/run/netns/$c" >"$T_TMP/counters" 2>"$T_TMP/err"
check "inspect --counters -4 prints exactly what iptables-legacy-save -c prints" \
        diff -u <(ip netns exec "$c" iptables-legacy-save -c -t filter | grep -v '^#') "$T_TMP/counters"
check "the counting rule counted the three pings (84 bytes each)" \
        grep -qxF '[3:252] -A INPUT -p icmp -m comment --comment counted' "$T_TMP/counters"
check "the INPUT policy counted what it dropped" grep -qxF ':INPUT DROP [3:252]' "$T_TMP/counters"
"$OIH_BIN" inspect --counters --netns "/run/netns/$c" >"$T_TMP/counters" 2>"$T_TMP/err"
check "inspect --counters of both families heads each with a comment" \
        [ "$(grep -c '^# IPv[46] ' "$T_TMP/counters")" = 2 ]
run_rc=0; "$OIH_BIN" inspect --counters --json --netns "/run/netns/$c" >/dev/null 2>&1 || run_rc=$?
check "--counters and --json together are a usage error" [ "$run_rc" = 2 ]

done_testing
