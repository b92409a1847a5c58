#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
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

done_testing
