#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# iptables' own extension test vectors (../shared/conformance, not part of the project), run
# through `migrate` + `apply` and judged by iptables-legacy itself (see its run.sh). One line per
# vector file (ok: nothing WRONG in it), one `not ok` per WRONG vector, one for the 99% target,
# then run.sh's two summary lines. Skips, visibly, where ../shared/conformance is absent.
. "$(dirname "$0")/lib.sh"
conf=$(cd "$OIH_SRCDIR/.." && pwd)/shared/conformance
if [ ! -f "$conf/run.sh" ]; then
        echo "1..0 # SKIP $conf/run.sh not found (iptables' vectors are not part of the project)"
        exit 77
fi
need_root
for b in iptables-legacy ip6tables-legacy ip; do
        command -v "$b" >/dev/null || { echo "1..0 # SKIP $b missing"; exit 77; }
done
bash "$conf/run.sh" "$OIH_BIN" -v > "$T_TMP/log" 2>&1 || true
for t in "$conf"/iptables-extensions/*.t; do
        f=${t##*/}
        counts=$(sed -n "s/^file $f  *\([0-9]*\) of  *\([0-9]*\) accepted.*/\1 of \2/p" "$T_TMP/log")
        wrong=$(grep -c "^WRONG $f:" "$T_TMP/log" || true)
        unsup=$(grep -c "^unsupported $f:" "$T_TMP/log" || true)
        if [ "$wrong" -eq 0 ]; then
                note=""
                [ -n "$counts" ] && note=" ($counts accepted vectors identical)"
                [ "$unsup" -gt 0 ] && note+=" ($unsup unsupported, listed below)"
                ok "$f: nothing wrong$note"
        fi
done
while IFS= read -r line; do
        not_ok "$line"
done < <(grep '^WRONG ' "$T_TMP/log" || true)
grep -E '^(unsupported|    )' "$T_TMP/log" | sed 's/^/# /' || true
acc=$(grep '^accepted: ' "$T_TMP/log" || true)
sum=$(grep '^conformance: ' "$T_TMP/log" || true)
if [[ $acc =~ accepted:\ ([0-9]+)\ of\ ([0-9]+) ]] && [ "${BASH_REMATCH[2]}" -gt 0 ] &&
   [ $((BASH_REMATCH[1] * 100)) -ge $((BASH_REMATCH[2] * 99)) ]; then
        ok "at least 99% of the vectors iptables-legacy accepts are built identically"
else
        not_ok "at least 99% of the vectors iptables-legacy accepts are built identically (${acc:-run.sh printed no summary})"
fi
echo "${acc:-accepted: (none)}"
echo "${sum:-conformance: (none)}"
done_testing
