#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The oracle test. Every shipped policy, every rule shape of tests/corpus (version 1) and every
# case of tests/oracle-v2 has beside it the iptables commands a person would type for it, written
# from the JSON and docs/policy-format.md (never from `show`): rules/NAME.json has
# tests/oracle-rules/NAME.ipt, any other NAME.json has NAME.ipt. The commands run with
# iptables-legacy/ip6tables-legacy in one scratch namespace, `apply` in another. For each policy,
# family and table:
#   - iptables-legacy-save prints the same text of both;
#   - `iptables-legacy -C` finds every expected rule among the entries apply built (libiptc
#     compares the entries' bytes under each extension's mask: fields save does not print count);
#   - each chain holds as many rules in both.
# Then `show` must print what iptables-legacy-save prints of what apply built.
. "$(dirname "$0")/lib.sh"
need_root
for b in iptables-legacy ip6tables-legacy iptables-legacy-save ip6tables-legacy-save; do
        command -v "$b" >/dev/null || { echo "SKIP: $b missing"; exit 77; }
done
# Report, don't stop: a difference is one "not ok", and the next policy is still compared.
set +e

# expected POLICY: the file of commands written for it
expected() {
        case $1 in
        "$OIH_SRCDIR"/rules/*) echo "$OIH_SRCDIR/tests/oracle-rules/$(basename "$1" .json).ipt" ;;
        *) echo "${1%.json}.ipt" ;;
        esac
}

# run_expected NS FILE: runs FILE's commands in NS; prints the first one that fails
run_expected() {
        local cmd args
        while read -r cmd args; do
                case $cmd in iptables|ip6tables) ;; *) continue ;; esac
                if ! eval "ip netns exec \"\$1\" $cmd-legacy $args" 2>"$T_TMP/cmd-err"; then
                        echo "$cmd $args: $(head -1 "$T_TMP/cmd-err")"
                        return 1
                fi
        done < "$2"
}

# check_expected NS FAMILY TABLE FILE: `-C` for each rule FILE appends in FAMILY's TABLE; prints
# the rules the namespace lacks
check_expected() {
        local ns=$1 table=$3 file=$4 want=iptables cmd args i
        [ "$2" = 4 ] || want=ip6tables
        while read -r cmd args; do
                [ "$cmd" = "$want" ] || continue
                eval "set -- $args"
                local words=("$@") t=filter at=-1
                for ((i = 0; i < ${#words[@]}; i++)); do
                        case ${words[i]} in
                        -t) t=${words[i + 1]} ;;
                        -A) at=$i ;;
                        esac
                done
                [ "$at" -ge 0 ] && [ "$t" = "$table" ] || continue
                words[at]=-C
                ip netns exec "$ns" "$cmd-legacy" "${words[@]}" 2>/dev/null || echo "$cmd $args"
        done < "$file"
}

# rules_per_chain NS FAMILY TABLE: "CHAIN N" for every chain, N its rules, as the kernel lists them
rules_per_chain() {
        local cmd=iptables
        [ "$2" = 4 ] || cmd=ip6tables
        ip netns exec "$1" $cmd-legacy -t "$3" -S | awk '
                $1 == "-P" || $1 == "-N" { n[$2] += 0 }
                $1 == "-A" { n[$2]++ }
                END { for (c in n) print c, n[c] }' | sort
}

# tables_of NS FAMILY: the tables the namespace has (read before anything lists one: listing a
# table creates it)
tables_of() {
        local f=/proc/net/ip_tables_names
        [ "$2" = 4 ] || f=/proc/net/ip6_tables_names
        ip netns exec "$1" cat "$f" 2>/dev/null
}

mapfile -t policies < <(shipped_policies; ls "$OIH_SRCDIR"/tests/corpus/*.json "$OIH_SRCDIR"/tests/oracle-v2/*.json)
for p in "${policies[@]}"; do
        name=${p#"$OIH_SRCDIR"/}
        ipt=$(expected "$p")
        if [ ! -f "$ipt" ]; then
                not_ok "$name: no expected commands (${ipt#"$OIH_SRCDIR"/})"
                continue
        fi
        base=$(basename "$p" .json)
        ours=$(new_netns "o-$base")
        theirs=$(new_netns "t-$base")
        if ! "$OIH_BIN" apply --netns "/run/netns/$ours" "$p" >/dev/null 2>"$T_TMP/err"; then
                not_ok "$name: apply failed: $(head -1 "$T_TMP/err")"
                ip netns del "$ours"; ip netns del "$theirs"
                continue
        fi
        if ! bad=$(run_expected "$theirs" "$ipt"); then
                not_ok "$name: the expected commands fail: $bad"
                ip netns del "$ours"; ip netns del "$theirs"
                continue
        fi
        for fam in 4 6; do
                if [ $fam = 4 ]; then cmd=iptables; else cmd=ip6tables; fi
                tables=$( (echo filter; tables_of "$ours" $fam; tables_of "$theirs" $fam) | sort -u)
                for t in $tables; do
                        why=
                        ip netns exec "$ours" $cmd-legacy-save -t "$t" | strip_save > "$T_TMP/ours"
                        ip netns exec "$theirs" $cmd-legacy-save -t "$t" | strip_save > "$T_TMP/theirs"
                        diff -u "$T_TMP/theirs" "$T_TMP/ours" > "$T_TMP/diff" || why="save differs"
                        check_expected "$ours" $fam "$t" "$ipt" > "$T_TMP/missing"
                        [ -s "$T_TMP/missing" ] && why="${why:+$why; }-C finds no entry for $(wc -l < "$T_TMP/missing") rule(s)"
                        rules_per_chain "$ours" $fam "$t" > "$T_TMP/nours"
                        rules_per_chain "$theirs" $fam "$t" > "$T_TMP/ntheirs"
                        cmp -s "$T_TMP/ntheirs" "$T_TMP/nours" || why="${why:+$why; }rules per chain differ"
                        if [ -z "$why" ]; then
                                ok "$name IPv$fam $t: apply builds what the commands build"
                        else
                                not_ok "$name IPv$fam $t: apply differs from the commands: $why"
                                sed 's/^/#   /' "$T_TMP/diff"
                                sed 's/^/#   missing: /' "$T_TMP/missing"
                                diff "$T_TMP/ntheirs" "$T_TMP/nours" | sed -n 's/^[<>]/#   rules per chain (expected <, apply >): &/p'
                        fi
                done
        done
        # show prints the tables the policy replaces, as iptables-legacy-save prints them
        for fam in 4 6; do
                if [ $fam = 4 ]; then cmd=iptables; else cmd=ip6tables; fi
                "$OIH_BIN" show -$fam "$p" > "$T_TMP/show"
                for t in $(sed -n 's/^\*//p' "$T_TMP/show"); do
                        ip netns exec "$ours" $cmd-legacy-save -t "$t" | strip_save
                done > "$T_TMP/saved"
                if diff -u "$T_TMP/saved" "$T_TMP/show" > "$T_TMP/diff"; then
                        ok "$name IPv$fam: show prints what $cmd-legacy-save prints"
                else
                        not_ok "$name IPv$fam: show differs from $cmd-legacy-save"
                        sed 's/^/#   /' "$T_TMP/diff"
                fi
        done
        ip netns del "$ours"
        ip netns del "$theirs"
done

# Applying replaces the whole table: the same policy twice gives the same table, and a
# second policy leaves nothing of the first.
ours=$(new_netns ours)
theirs=$(new_netns theirs)
p1=$OIH_SRCDIR/rules/web-egress.json
p2=$OIH_SRCDIR/tests/corpus/user-chains-jump-goto.json
"$OIH_BIN" apply --netns "/run/netns/$ours" "$p1" >/dev/null 2>&1
before4=$(save4 "$ours"); before6=$(save6 "$ours")
"$OIH_BIN" apply --netns "/run/netns/$ours" "$p1" >/dev/null 2>&1
check "re-applying the same policy gives the same IPv4 table" [ "$before4" == "$(save4 "$ours")" ]
check "re-applying the same policy gives the same IPv6 table" [ "$before6" == "$(save6 "$ours")" ]
"$OIH_BIN" apply --netns "/run/netns/$ours" "$p2" >/dev/null 2>&1
run_expected "$theirs" "$(expected "$p2")" >/dev/null
check "a second policy replaces the first one whole (IPv4)" [ "$(save4 "$ours")" == "$(save4 "$theirs")" ]
check "a second policy replaces the first one whole (IPv6)" [ "$(save6 "$ours")" == "$(save6 "$theirs")" ]

# The Core rule: a policy that only speaks of IPv4 denies IPv6 too.
"$OIH_BIN" apply --netns "/run/netns/$ours" "$OIH_SRCDIR/tests/corpus/policy-only-ipv4.json" >/dev/null 2>&1
check "a policy that says OUTPUT DROP for ipv4 only drops IPv6 too" \
        grep -qx -- '-P OUTPUT DROP' <(ip netns exec "$ours" ip6tables-legacy -S OUTPUT)

# check names the file, the JSON path of the word and iptables' own message.
bad=$T_TMP/bad-option.json
echo '{"version": 2, "rules": [{"chain": "INPUT", "matches": [{"match": "recent", "options": {"name": "x", "bogus": 5}}]}]}' > "$bad"
check "check names file, JSON path and iptables' message for a bad generic option" \
        grep -qxF "oci-iptables-hook: check: $bad: rules[0].matches[0].options.bogus: unknown option \"--bogus\"" <("$OIH_BIN" check "$bad" 2>&1)
one=$T_TMP/one-family.json
echo '{"version": 2, "rules": [{"chain": "INPUT", "matches": [{"match": "hl", "options": {"hl-eq": 5}}], "target": "DROP"}]}' > "$one"
check "a one-family extension without \"family\" is refused, asking for it" \
        grep -q "rules\[0\]\.matches\[0\]\.match: .*(IPv6 only: give \"family\": \"ipv6\")" <("$OIH_BIN" check "$one" 2>&1)
sed 's/"chain"/"family": "ipv6", "chain"/' "$one" > "$T_TMP/one-family-ipv6.json"
check "and with \"family\" it is accepted" "$OIH_BIN" check "$T_TMP/one-family-ipv6.json"

# The friendly reject_with "tcp-rst" is a TCP reset in both families (the corpora); the generic
# form is ip6tables' own REJECT, which has no such alias and says so.
gen=$T_TMP/reject-generic-tcp-rst.json
echo '{"version": 2, "rules": [{"chain": "INPUT", "family": "ipv6", "protocol": "tcp", "target": "REJECT", "target_options": {"reject-with": "tcp-rst"}}]}' > "$gen"
check "the generic IPv6 REJECT option tcp-rst is refused with ip6tables' message" \
        grep -qxF "oci-iptables-hook: check: $gen: rules[0].target_options.reject-with: unknown reject type \"tcp-rst\"" <("$OIH_BIN" check "$gen" 2>&1)

done_testing
