#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install DESTDIR=...: exactly the files a user needs land where the configured paths say
# (binary, policies, hooks.d file, schema, man pages, bash completion, documentation); the man
# pages format without warnings and name every command and option --help names; the completion
# completes commands, options and policy names; make uninstall leaves nothing behind.
set -euo pipefail
: "${OIH_SRCDIR:?}" "${OIH_BUILDDIR:?}"
. "$OIH_SRCDIR/tests/lib.sh"
diag() { sed 's/^/# /' <<<"$*"; }

if ! command -v man >/dev/null; then
        echo "# SKIP: man is missing (apt-get install man-db)"
        exit 77
fi
# The parent make's flags (a TESTS list, a jobserver) are not for these makes.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$OIH_BUILDDIR" "$@"; }
D=$T_TMP/dest

# The configured paths, as make expands them.
eval "$(mk -f Makefile -f - oih-paths 2>/dev/null <<'EOF2'
oih-paths:
	@echo "bindir='$(bindir)' sysconfdir='$(sysconfdir)' datadir='$(datadir)' mandir='$(mandir)'"
	@echo "docdir='$(docdir)' pkgdatadir='$(pkgdatadir)' hooksdir='$(hooksdir)'"
	@echo "bashcompletiondir='$(bashcompletiondir)'"
	@echo "systemdsystemunitdir='$(systemdsystemunitdir)' systemduserunitdir='$(systemduserunitdir)'"
EOF2
)"
check "the configured paths are known" test -n "$bindir" -a -n "$hooksdir" -a -n "$bashcompletiondir"
rules=$sysconfdir/oci-iptables-hook/rules

want=("$bindir/oci-iptables-hook" "$hooksdir/oci-iptables-hook.json"
        "$pkgdatadir/policy.schema.json" "$pkgdatadir/oci-iptables-hook-enforcing.json"
        "$mandir/man1/oci-iptables-hook.1" "$mandir/man5/oci-iptables-hook-policy.5"
        "$bashcompletiondir/oci-iptables-hook" "$docdir/README.md")
for u in oci-iptables-hook-resolve.service oci-iptables-hook-resolve.timer; do
        want+=("$systemdsystemunitdir/$u" "$systemduserunitdir/$u")
done
for p in "$OIH_SRCDIR"/rules/*.json; do
        case $p in *.schema.json) ;; *) want+=("$rules/${p##*/}") ;; esac
done
for p in "$OIH_SRCDIR"/docs/*; do want+=("$docdir/docs/${p##*/}"); done

if out=$(mk install DESTDIR="$D" 2>&1); then
        ok "make install DESTDIR=... succeeds"
else
        not_ok "make install DESTDIR=... succeeds"; diag "$out"
fi
got=$(cd "$D" && find . ! -type d | sed 's|^\.||' | sort)
expected=$(printf '%s\n' "${want[@]}" | sort)
if [ "$got" = "$expected" ]; then
        ok "it installs exactly the ${#want[@]} files expected"
else
        not_ok "it installs exactly the ${#want[@]} files expected"
        diag "$(diff <(echo "$expected") <(echo "$got"))"
fi
runs() { "$D$bindir/oci-iptables-hook" --version >/dev/null; }
check "the binary runs" runs
check "the hooks.d file runs the installed binary with the installed rules directory" \
        grep -q "\"path\": \"$bindir/oci-iptables-hook\".*\"--rules-dir\", \"$rules\"" \
        <(tr -d '\n' <"$D$hooksdir/oci-iptables-hook.json" | tr -s ' ')
check "the installed policies are valid" "$D$bindir/oci-iptables-hook" check "$D$rules"/*.json

# man pages: no groff warnings at 80 columns, and the text is there
for page in "$mandir/man1/oci-iptables-hook.1" "$mandir/man5/oci-iptables-hook-policy.5"; do
        err=$(MANWIDTH=80 man --warnings -l "$D$page" 2>&1 >"$T_TMP/page.txt") || true
        if [ -z "$err" ] && grep -q '^NAME' "$T_TMP/page.txt"; then
                ok "man --warnings -l ${page##*/}: formats without warnings"
        else
                not_ok "man --warnings -l ${page##*/}: formats without warnings"; diag "$err"
        fi
        cp "$T_TMP/page.txt" "$T_TMP/${page##*/}.txt"
done
# (in the page's source: man breaks long paths across lines; scdoc writes "." as ".\&")
check "the man page names the installed rules directory" \
        grep -qF "$rules" <(sed 's/\\&//g' "$D$mandir/man1/oci-iptables-hook.1")
# Every command and long option that --help and hook's usage name is documented in the page.
names=$( { "$OIH_BIN" --help; "$OIH_BIN" hook --help; "$OIH_BIN" migrate --help; "$OIH_BIN" resolve --help; } |
        grep -oE -- '--[a-z][a-z-]+|^  [a-z]+ ' | tr -d ' ' | sort -u)
undocumented=()
for n in $names; do
        grep -qE -- "(^|[^a-z-])$n([^a-z-]|$)" "$T_TMP/oci-iptables-hook.1.txt" || undocumented+=("$n")
done
if [ ${#undocumented[@]} -eq 0 ] && [ "$(wc -w <<<"$names")" -gt 15 ]; then
        ok "oci-iptables-hook(1) documents every command and option --help names ($(wc -w <<<"$names"))"
else
        not_ok "oci-iptables-hook(1) documents every command and option --help names"
        diag "missing: ${undocumented[*]}"
fi
for key in version policy chains rules chain family protocol source destination in_interface \
        out_interface sport dport syn tcp_flags icmp_type ctstate state uid_owner gid_owner limit \
        comment target goto reject_with log_prefix log_level nflog_group nflog_prefix allow_capabilities \
        tables table fragment matches match options target_options name name_grace; do
        grep -qw -- "$key" "$T_TMP/oci-iptables-hook-policy.5.txt" || undocumented+=("$key")
done
check "oci-iptables-hook-policy(5) documents every key of the policy format" test ${#undocumented[@]} -eq 0

# bash completion, with the rules directory of this install
complete_words() { # LINE: what the completion offers after LINE
        bash -c '. "$1"; R=$2; _oci_iptables_hook_rules_dirs() { echo "$R"; }
                read -ra COMP_WORDS <<<"$3"; [[ $3 == *" " ]] && COMP_WORDS+=("")
                COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _oci_iptables_hook
                printf "%s\n" "${COMPREPLY[@]}"' _ "$D$bashcompletiondir/oci-iptables-hook" "$D$rules" "$1" |
                sort | tr '\n' ' '
}
check "completion: commands" test "$(complete_words 'oci-iptables-hook ch')" = "check "
check "completion: options of a command" \
        test "$(complete_words 'oci-iptables-hook hook --')" = "--cache --default-policy --help --rules-dir --selectable --server --stage "
check "completion: policy names from the rules directory" \
        test "$(complete_words 'oci-iptables-hook hook --default-policy deny')" = "deny-all deny-all-allow-some "
check "completion: policy files from the rules directory" \
        grep -qF "$D$rules/web-egress.json" <<<"$(complete_words "oci-iptables-hook show $D$rules/w")"
check "completion: stages" test "$(complete_words 'oci-iptables-hook hook --stage cr')" = "createContainer createRuntime "

if out=$(mk uninstall DESTDIR="$D" 2>&1); then
        ok "make uninstall DESTDIR=... succeeds"
else
        not_ok "make uninstall DESTDIR=... succeeds"; diag "$out"
fi
left=$(cd "$D" 2>/dev/null && find . -mindepth 1 | sort)
if [ -z "$left" ]; then
        ok "make uninstall leaves no file and no directory"
else
        not_ok "make uninstall leaves no file and no directory"; diag "$left"
fi
echo "1..$T_N"
done_testing
