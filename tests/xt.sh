#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The libxtables core (src/lib/xt.c) against iptables itself. For the rule specs of
# tests/xt-corpus (filter, nat, mangle, raw; IPv4 and IPv6): iptables-legacy builds them in
# one namespace, tests/helpers/xt-rules in another; the tables must be identical, and the
# core's rendering (of the parsed entries, and of the entries read back with libiptc) must be
# the -A lines iptables-legacy-save prints. Then the pitfalls of libxtables as a library:
# both families in one run, XTABLES_LIBDIR, a bad rule before a good one (also under valgrind).
. "$(dirname "$0")/lib.sh"
need_root
OIH_BUILDDIR=${OIH_BUILDDIR:-$(dirname "$OIH_BIN")}
XR=$OIH_BUILDDIR/tests/helpers/xt-rules
[ -x "$XR" ] || skip_all "$XR is not built (make check builds it)"
C=$OIH_SRCDIR/tests/xt-corpus

# oracle NS IPTABLES FILE: every line of FILE through IPTABLES in NS; the refused ones to stderr
oracle() {
        local ns=$1 ipt=$2 t r
        while IFS='|' read -r t r; do
                case $t in '' | '#'*) continue ;; esac
                eval "local args=($r)"
                ip netns exec "$ns" "$ipt" -t "$t" "${args[@]}" 2>&1 | head -1 |
                        while IFS= read -r m; do echo "$t|$r: $m"; done >&2
        done <"$3"
}
tables_of() { grep -v '^#' "$1" | cut -d'|' -f1 | sort -u; }
# section TABLE [FAMILY]: the -A lines of xt-rules output (stdin) for TABLE of FAMILY (IPv4/IPv6)
section() { awk -v t="$1" -v f="${2:-}" '/^# IPv/ {fam=$2; next} /^\*/ {cur=substr($0,2); next}
        cur == t && (f == "" || fam == f)'; }
saved() { ip netns exec "$1" "$2" -t "$3" | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]/[0:0]/'; }

for fam in 4 6; do
        ipt=iptables-legacy
        [ $fam = 6 ] && ipt=ip6tables-legacy
        file=$C/rules$fam.txt
        nso=$(new_netns o$fam)
        nsx=$(new_netns x$fam)
        oracle "$nso" "$ipt" "$file" 2>"$T_TMP/oracle.err"
        if [ -s "$T_TMP/oracle.err" ]; then
                not_ok "IPv$fam: iptables accepts every corpus rule"
                diag "$(cat "$T_TMP/oracle.err")"
        else
                ok "IPv$fam: iptables accepts every corpus rule"
        fi
        n=$(grep -c '|-A' "$file")
        rc=0
        ip netns exec "$nsx" "$XR" --commit --kernel -$fam "$file" >"$T_TMP/commit.out" 2>"$T_TMP/commit.err" || rc=$?
        check "IPv$fam: xt-rules builds and commits all $n rules (rc $rc)" [ "$rc" = 0 ]
        [ -s "$T_TMP/commit.err" ] && diag "$(cat "$T_TMP/commit.err")"
        "$XR" -$fam "$file" >"$T_TMP/show.out" 2>"$T_TMP/show.err" || diag "$(cat "$T_TMP/show.err")"
        for t in $(tables_of "$file"); do
                want=$(saved "$nso" "$ipt-save" "$t")
                got=$(saved "$nsx" "$ipt-save" "$t")
                if [ "$got" = "$want" ]; then
                        ok "IPv$fam $t: the committed table is the one iptables-legacy builds ($(grep -c '^-A' <<<"$want") rules)"
                else
                        not_ok "IPv$fam $t: the committed table differs from iptables-legacy's"
                        diag "$(diff <(echo "$want") <(echo "$got"))"
                fi
                want=$(grep '^-A' <<<"$want")
                for mode in show commit; do
                        got=$(section "$t" <"$T_TMP/$mode.out")
                        what="rendered before commit (show)"
                        [ $mode = commit ] && what="read back with libiptc and rendered (inspect)"
                        if [ "$got" = "$want" ]; then
                                ok "IPv$fam $t: entries $what print as iptables-legacy-save"
                        else
                                not_ok "IPv$fam $t: entries $what differ from iptables-legacy-save"
                                diag "$(diff <(echo "$want") <(echo "$got"))"
                        fi
                done
        done
done

# P1: per-family targets (DNAT, SNAT, MASQUERADE, TCPMSS, TPROXY) register for the family that
# loads them first. IPv4 then IPv6 in one run must still give IPv6 what ip6tables gives.
"$XR" -4 "$C/rules4.txt" -6 "$C/rules6.txt" >"$T_TMP/both.out" 2>"$T_TMP/both.err" && rc=0 || rc=$?
check "IPv4 then IPv6 in one run: no error (rc $rc)" [ "$rc" = 0 ]
[ -s "$T_TMP/both.err" ] && diag "$(head -5 "$T_TMP/both.err")"
bad=0
for t in nat mangle; do
        want=$(saved "$(ls /run/netns | grep "^oih$$-o6")" ip6tables-legacy-save "$t" | grep '^-A')
        got=$(section "$t" IPv6 <"$T_TMP/both.out")
        [ "$got" = "$want" ] || { bad=1; diag "$(diff <(echo "$want") <(echo "$got"))"; }
done
check "IPv6 nat and mangle (DNAT, SNAT, MASQUERADE, REDIRECT, TPROXY, TCPMSS) after IPv4 are ip6tables' own" [ $bad = 0 ]

# P8: extension directories named by the environment are never used. The .so's constructor
# leaves a marker; iptables-legacy itself runs it (the test could fail).
evil=$T_TMP/evil
mkdir -p "$evil"
cat >"$T_TMP/evil.c" <<EOF
#include <stdio.h>
__attribute__((constructor)) static void evil(void)
{
        FILE *f = fopen("$T_TMP/evil-ran", "a");
        if (f) { fputs("ran\n", f); fclose(f); }
}
EOF
for n in libxt_evil libxt_tcp libipt_tcp libxt_standard libip6t_icmp6 libxt_LOG; do
        gcc -shared -fPIC -o "$evil/$n.so" "$T_TMP/evil.c"
done
printf 'filter|-A INPUT -m evil -j ACCEPT\nfilter|-A INPUT -p tcp --dport 22 -j LOG\n' >"$T_TMP/evil.txt"
printf 'filter|-A INPUT -p icmpv6 --icmpv6-type 1 -j ACCEPT\n' >"$T_TMP/evil6.txt"
nse=$(new_netns evil)
ip netns exec "$nse" env XTABLES_LIBDIR="$evil" iptables-legacy -A INPUT -m evil -j ACCEPT >/dev/null 2>&1 || true
check "control: iptables-legacy runs a constructor from XTABLES_LIBDIR" [ -e "$T_TMP/evil-ran" ]
rm -f "$T_TMP/evil-ran"
for var in XTABLES_LIBDIR IPTABLES_LIB_DIR IP6TABLES_LIB_DIR; do
        out=$(env "$var=$evil" "$XR" -4 "$T_TMP/evil.txt" -6 "$T_TMP/evil6.txt" 2>&1) || true
        if [ -e "$T_TMP/evil-ran" ]; then
                not_ok "$var=DIR: no code from DIR runs"
                rm -f "$T_TMP/evil-ran"
        else
                ok "$var=DIR: no code from DIR runs"
        fi
        check "$var=DIR: -m evil is unknown, tcp and LOG come from the compiled directory" \
                grep -q "Couldn't load match \`evil'" <<<"$out"
        check "$var=DIR: the good rules are built" \
                grep -qx -- "-A INPUT -p tcp -m tcp --dport 22 -j LOG" <<<"$out"
done

# P2/P3: a refused rule leaves nothing behind. Each bad line is followed by the good rule:
# every bad one is refused with iptables' own message and the output is the good rule alone,
# once per bad line.
grep -v '^#' "$C/bad4.txt" >"$T_TMP/bad.txt"
nbad=$(wc -l <"$T_TMP/bad.txt")
: >"$T_TMP/mixed.txt"
while IFS= read -r l; do
        printf '%s\n' "$l" >>"$T_TMP/mixed.txt"
        cat "$C/good4.txt" >>"$T_TMP/mixed.txt"
done <"$T_TMP/bad.txt"
"$XR" -4 "$C/good4.txt" >"$T_TMP/good.out"
nsg=$(new_netns g)
oracle "$nsg" iptables-legacy "$C/good4.txt"
check "the good rule alone prints as iptables-legacy-save" \
        [ "$(section filter <"$T_TMP/good.out")" = "$(saved "$nsg" iptables-legacy-save filter | grep '^-A')" ]
"$XR" -4 "$T_TMP/mixed.txt" >"$T_TMP/mixed.out" 2>"$T_TMP/mixed.err" && rc=0 || rc=$?
check "bad lines make the exit status 1 (rc $rc)" [ "$rc" = 1 ]
want=$(for _ in $(seq "$nbad"); do section filter <"$T_TMP/good.out"; done)
check "after each of $nbad bad rules, the good rule is built exactly as alone" \
        [ "$(section filter <"$T_TMP/mixed.out")" = "$want" ]
check "each of the $nbad bad rules is refused" [ "$(wc -l <"$T_TMP/mixed.err")" = "$nbad" ]
nsb=$(new_netns b)
i=0
while IFS='|' read -r t r; do
        i=$((i + 1))
        eval "args=($r)"
        theirs=$(ip netns exec "$nsb" iptables-legacy -t "$t" "${args[@]}" 2>&1 | grep -v '^Try ' | tr -s '\n ' '  ' |
                sed -e 's/^iptables v[^:]*: //' -e 's/^ *//' -e 's/ *$//') || true
        ours=$(sed -n "${i}p" "$T_TMP/mixed.err" | sed -E 's/^[^:]*:[0-9]+: word -?[0-9]+ `[^'\'']*'\'': //')
        if [ "$ours" = "$theirs" ]; then
                ok "refused with iptables' message: $r"
        else
                not_ok "refused with iptables' message: $r"
                diag "ours:   $ours"
                diag "theirs: $theirs"
        fi
done <"$T_TMP/bad.txt"

# The same sequence under valgrind (the workers are forked, so memcheck follows them): no
# invalid access. Leaks are not counted: an extension that fails may leave a few bytes,
# and a worker lives for one batch.
if command -v valgrind >/dev/null; then
        rc=0
        valgrind -q --leak-check=no --error-exitcode=99 --log-file="$T_TMP/vg.%p.log" \
                "$XR" -4 "$T_TMP/mixed.txt" >"$T_TMP/vg.out" 2>/dev/null || rc=$?
        logs=$(cat "$T_TMP"/vg.*.log 2>/dev/null)
        if [ -z "$logs" ] && [ "$rc" = 1 ] && cmp -s "$T_TMP/vg.out" "$T_TMP/mixed.out"; then
                ok "bad and good rules under valgrind: no invalid access, same output"
        else
                not_ok "bad and good rules under valgrind (rc $rc)"
                diag "$(head -40 <<<"$logs")"
        fi
else
        skip "bad and good rules under valgrind" "valgrind is not installed"
fi
done_testing
