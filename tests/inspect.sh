#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# inspect and verify against real namespaces: for every policy of the oracle corpus, what
# inspect reads back is what show prints, and inspect --json applied elsewhere rebuilds the
# same tables; verify notices every kind of change made behind its back.
. "$(dirname "$0")/lib.sh"
need_root

a=$(new_netns a)
b=$(new_netns b)
for p in $(shipped_policies) "$OIH_SRCDIR"/tests/corpus/*.json; do
        name=${p#"$OIH_SRCDIR"/}
        "$OIH_BIN" apply --netns "/run/netns/$a" "$p" 2>/dev/null
        if "$OIH_BIN" inspect --netns "/run/netns/$a" > "$T_TMP/inspect" 2>"$T_TMP/err" &&
                "$OIH_BIN" show "$p" | diff -u - "$T_TMP/inspect" > "$T_TMP/diff"; then
                ok "$name: inspect prints what show prints"
        else
                not_ok "$name: inspect differs from show"; sed 's/^/#   /' "$T_TMP/err" "$T_TMP/diff"
        fi
        "$OIH_BIN" inspect --json --netns "/run/netns/$a" > "$T_TMP/live.json"
        if "$OIH_BIN" apply --netns "/run/netns/$b" "$T_TMP/live.json" 2>"$T_TMP/err" &&
                [ "$(save4 "$a")" == "$(save4 "$b")" ] && [ "$(save6 "$a")" == "$(save6 "$b")" ]; then
                ok "$name: inspect --json applied elsewhere builds the same tables"
        else
                not_ok "$name: inspect --json does not rebuild the tables"; sed 's/^/#   /' "$T_TMP/err"
        fi
        check "$name: verify passes right after apply" "$OIH_BIN" verify "$p" --netns "/run/netns/$a"
done

# verify fails, with the difference, after each kind of change behind its back
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

# a rule the policy format cannot express is named, not misread
ip netns exec "$a" iptables-legacy -A INPUT -m mac --mac-source 00:00:5e:00:53:01 -j DROP
check_fails "inspect refuses a table it cannot express" "$OIH_BIN" inspect --netns "/run/netns/$a" 2>"$T_TMP/err"
check "and names the rule and the match" grep -q 'IPv4 rule 3 of chain INPUT: the match "mac" revision 0' "$T_TMP/err"

done_testing
