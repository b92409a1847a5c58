#!/bin/bash
# The oracle test: for every shipped policy and every rule shape in tests/corpus, the table
# our `apply` builds must be exactly the table iptables-legacy-restore builds from `show`,
# and `show` must print exactly what iptables-legacy-save prints back. Both families.
. "$(dirname "$0")/lib.sh"
need_root

ours=$(new_netns ours)
theirs=$(new_netns theirs)
mapfile -t policies < <(shipped_policies; ls "$OIH_SRCDIR"/tests/corpus/*.json)

for p in "${policies[@]}"; do
        name=${p#"$OIH_SRCDIR"/}
        if ! "$OIH_BIN" apply --netns "/run/netns/$ours" "$p" 2>"$T_TMP/err"; then
                not_ok "$name: apply failed: $(head -1 "$T_TMP/err")"
                continue
        fi
        for fam in 4 6; do
                if [ $fam = 4 ]; then cmd=iptables; else cmd=ip6tables; fi
                "$OIH_BIN" show -$fam "$p" > "$T_TMP/show"
                ip netns exec "$theirs" $cmd-legacy-restore < "$T_TMP/show"
                save$fam "$ours" > "$T_TMP/ours"
                save$fam "$theirs" > "$T_TMP/theirs"
                if diff -u "$T_TMP/theirs" "$T_TMP/ours" > "$T_TMP/diff"; then
                        ok "$name IPv$fam: apply builds what $cmd-legacy-restore of show builds"
                else
                        not_ok "$name IPv$fam: apply differs from $cmd-legacy-restore of show"
                        sed 's/^/#   /' "$T_TMP/diff"
                fi
                if diff -u "$T_TMP/show" "$T_TMP/ours" > "$T_TMP/diff"; then
                        ok "$name IPv$fam: show prints what $cmd-legacy-save prints"
                else
                        not_ok "$name IPv$fam: show differs from $cmd-legacy-save"
                        sed 's/^/#   /' "$T_TMP/diff"
                fi
        done
done

# Applying replaces the whole table: the same policy twice gives the same table, and a
# second policy leaves nothing of the first.
p1=$OIH_SRCDIR/rules/web-egress.json
p2=$OIH_SRCDIR/tests/corpus/user-chains-jump-goto.json
"$OIH_BIN" apply --netns "/run/netns/$ours" "$p1" 2>/dev/null
before4=$(save4 "$ours"); before6=$(save6 "$ours")
"$OIH_BIN" apply --netns "/run/netns/$ours" "$p1" 2>/dev/null
check "re-applying the same policy gives the same IPv4 table" [ "$before4" == "$(save4 "$ours")" ]
check "re-applying the same policy gives the same IPv6 table" [ "$before6" == "$(save6 "$ours")" ]
"$OIH_BIN" apply --netns "/run/netns/$ours" "$p2" 2>/dev/null
check "a second policy replaces the first one whole (IPv4)" [ "$(save4 "$ours")" == "$("$OIH_BIN" show -4 "$p2")" ]
check "a second policy replaces the first one whole (IPv6)" [ "$(save6 "$ours")" == "$("$OIH_BIN" show -6 "$p2")" ]

# The Core rule: a policy that only speaks of IPv4 denies IPv6 too.
check "a policy that says OUTPUT DROP for ipv4 only drops IPv6 too" \
        grep -q '^:OUTPUT DROP' <("$OIH_BIN" show -6 "$OIH_SRCDIR/tests/corpus/policy-only-ipv4.json")

# Version 2, every table, generic extensions: tests/oracle-v2/NAME.json against NAME.ipt, the
# iptables commands a person would type for the same tables, run in a scratch namespace.
for p in "$OIH_SRCDIR"/tests/oracle-v2/*.json; do
        name=${p#"$OIH_SRCDIR"/}
        base=$(basename "$p" .json)
        ours=$(new_netns "o-$base")
        theirs=$(new_netns "t-$base")
        if ! "$OIH_BIN" apply --netns "/run/netns/$ours" "$p" 2>"$T_TMP/err"; then
                not_ok "$name: apply failed: $(head -1 "$T_TMP/err")"
                ip netns del "$ours"; ip netns del "$theirs"
                continue
        fi
        bad=
        while read -r cmd args; do
                case $cmd in iptables|ip6tables) ;; *) continue ;; esac
                eval "ip netns exec \"\$theirs\" $cmd-legacy $args" 2>>"$T_TMP/err" || bad="$cmd $args"
        done < "${p%.json}.ipt"
        if [ -n "$bad" ]; then
                not_ok "$name: the expected commands fail: $bad"
                ip netns del "$ours"; ip netns del "$theirs"
                continue
        fi
        for fam in 4 6; do
                if [ $fam = 4 ]; then cmd=iptables; else cmd=ip6tables; fi
                for t in filter nat mangle raw; do
                        ip netns exec "$ours" $cmd-legacy-save -t $t | strip_save > "$T_TMP/ours"
                        ip netns exec "$theirs" $cmd-legacy-save -t $t | strip_save > "$T_TMP/theirs"
                        if diff -u "$T_TMP/theirs" "$T_TMP/ours" > "$T_TMP/diff"; then
                                ok "$name IPv$fam $t: apply builds what the commands build"
                        else
                                not_ok "$name IPv$fam $t: apply differs from the commands"
                                sed 's/^/#   /' "$T_TMP/diff"
                        fi
                done
        done
        for fam in 4 6; do
                "$OIH_BIN" show -$fam "$p" > "$T_TMP/show"
                # show prints the tables the policy replaces, as iptables-legacy-save does
                for t in $(sed -n 's/^\*//p' "$T_TMP/show"); do
                        if [ $fam = 4 ]; then cmd=iptables; else cmd=ip6tables; fi
                        ip netns exec "$ours" $cmd-legacy-save -t "$t" | strip_save > "$T_TMP/ours"
                        sed -n "/^\*$t\$/,/^COMMIT\$/p" "$T_TMP/show" > "$T_TMP/want"
                        diff -q "$T_TMP/want" "$T_TMP/ours" >/dev/null ||
                                not_ok "$name IPv$fam $t: show differs from $cmd-legacy-save"
                done
        done
        ip netns del "$ours"
        ip netns del "$theirs"
done

# check names the file, the JSON path of the word and iptables' own message.
bad=$T_TMP/bad-option.json
echo '{"version": 2, "rules": [{"chain": "INPUT", "matches": [{"match": "recent", "options": {"name": "x", "bogus": 5}}]}]}' > "$bad"
check "check names file, JSON path and iptables' message for a bad generic option" \
        grep -qxF "$bad: rules[0].matches[0].options.bogus: unknown option \"--bogus\"" <("$OIH_BIN" check "$bad" 2>&1)
one=$T_TMP/one-family.json
echo '{"version": 2, "rules": [{"chain": "INPUT", "matches": [{"match": "hl", "options": {"hl-eq": 5}}], "target": "DROP"}]}' > "$one"
check "a one-family extension without \"family\" is refused, asking for it" \
        grep -q "rules\[0\]\.matches\[0\]\.match: .*(IPv6 only: give \"family\": \"ipv6\")" <("$OIH_BIN" check "$one" 2>&1)
sed 's/"chain"/"family": "ipv6", "chain"/' "$one" > "$T_TMP/one-family-ipv6.json"
check "and with \"family\" it is accepted" "$OIH_BIN" check "$T_TMP/one-family-ipv6.json"

done_testing
