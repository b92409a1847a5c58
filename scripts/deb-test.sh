#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package, end to end: dpkg-buildpackage -us -uc -b turns debian/ into a .deb that
# lintian passes without errors; installing it puts the binary, the hooks.d file where podman
# looks, the policies as conffiles, the man pages and the completion in place; a podman
# container started with an annotation gets its policy through the installed hooks.d file alone;
# purging the package leaves the machine as it was. Prints TAP as tests/lib.sh frames it (the plan
# last; "1..0 # SKIP reason" when it cannot run here).
#
# usage: sudo scripts/deb-test.sh     (scripts/test.sh runs it after make check)
#
# Needs root (dpkg -i). The package is built in a temporary copy of the source tree. It skips
# rather than touch an installation it did not make: an installed oci-iptables-hook package or
# files where the package would put its own. The container has no network (--network none): its
# rules are read from its namespace, no packet is sent.
top=$(cd "$(dirname "$0")/.." && pwd)
OIH_SRCDIR=$top
. "$top/tests/lib.sh"
q() { "$@" >/dev/null 2>&1; }

[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg -i)"
command -v dpkg-buildpackage >/dev/null || skip_all "dpkg-buildpackage is missing (apt-get install dpkg-dev debhelper)"
command -v dh >/dev/null || skip_all "debhelper is missing (apt-get install debhelper)"
for t in podman runc nsenter iptables-legacy-save busybox; do
        command -v "$t" >/dev/null || skip_all "$t is missing"
done
if dpkg-query -W -f='${Status}' oci-iptables-hook 2>/dev/null | grep -q 'installed\|config-files'; then
        skip_all "the package oci-iptables-hook is installed here already: not touching it"
fi
for p in /usr/bin/oci-iptables-hook /etc/oci-iptables-hook /usr/share/containers/oci/hooks.d/oci-iptables-hook.json; do
        [ ! -e "$p" ] || skip_all "$p exists (an installation of its own?): not touching it"
done

W=$(mktemp -d /tmp/oih-deb.XXXXXX)
chmod 755 "$W"
installed=
# dpkg waits for nobody: retry while another apt or dpkg holds its lock (bounded)
dpkg_locked() {
        local i out
        for i in $(seq 60); do
                if out=$("$@" 2>&1); then return 0; fi
                grep -q 'lock' <<<"$out" || { echo "$out"; return 1; }
                sleep 2
        done
        echo "$out"
        return 1
}
cleanup() {
        set +e
        [ -n "${CONTAINERS_CONF:-}" ] && podman_sandbox_remove "$W/podman"
        if [ -n "$installed" ]; then
                dpkg_locked dpkg --purge oci-iptables-hook >/dev/null ||
                        echo "# deb-test: could not purge oci-iptables-hook: dpkg --purge it" >&2
        fi
        rm -rf "$W"
        t_cleanup
}
trap cleanup EXIT

# --- build --------------------------------------------------------------------------------------
mkdir "$W/src"
(cd "$top" && tar -c --exclude=./build --exclude='./build-*' --exclude=./_build --exclude=./.git \
        --exclude=./autom4te.cache --exclude='./oci-iptables-hook-*' .) | tar -x -C "$W/src"
if (cd "$W/src" && timeout 900 dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1; then
        ok "dpkg-buildpackage -us -uc -b builds the package"
else
        not_ok "dpkg-buildpackage -us -uc -b builds the package"
        diag "$(tail -30 "$W/build.log")"
        done_testing
fi
deb=$(ls "$W"/oci-iptables-hook_*.deb)
if command -v lintian >/dev/null; then
        lint=$(lintian --allow-root "$deb" "$W"/*.changes 2>&1) || true
        diag "lintian: ${lint:-(nothing)}"
        check "lintian finds no error" test -z "$(grep '^E: ' <<<"$lint")"
else
        skip "lintian finds no error" "lintian is not installed (apt-get install lintian)"
fi

# --- install ------------------------------------------------------------------------------------
installed=1
if out=$(dpkg_locked dpkg -i "$deb"); then
        ok "dpkg -i installs it"
else
        not_ok "dpkg -i installs it"; diag "$out"
fi
B=/usr/bin/oci-iptables-hook
H=/usr/share/containers/oci/hooks.d/oci-iptables-hook.json
R=/etc/oci-iptables-hook/rules
check "the binary is in /usr/bin and runs" q "$B" --version
check "the hooks.d file is where podman looks, and runs /usr/bin/oci-iptables-hook on $R" \
        grep -q "\"path\": \"$B\".*\"--rules-dir\", \"$R\"" <(tr -d '\n' <"$H" | tr -s ' ')
conffiles=$(dpkg-query -W -f='${Conffiles}\n' oci-iptables-hook | awk 'NF {print $1}' | sort)
shipped=$(for p in "$top"/rules/*.json; do
        case $p in *.schema.json) ;; *) echo "$R/${p##*/}" ;; esac; done | sort)
check "the shipped policies are conffiles in $R" test "$conffiles" = "$shipped"
check "man finds oci-iptables-hook(1)" q man -w oci-iptables-hook
check "man finds oci-iptables-hook-policy(5)" q man -w 5 oci-iptables-hook-policy
check "the bash completion is installed" test -f /usr/share/bash-completion/completions/oci-iptables-hook
# (in a namespace of the test: nothing of the machine's own firewall is read)
dns=$(new_netns deb)
check "doctor, without podman, passes on the installed package" q ip netns exec "$dns" "$B" doctor --no-podman

# --- a container firewalled through the installed hooks.d file ---------------------------------
. "$top/scripts/podman-sandbox.sh"
podman_sandbox "$W/podman" /usr/share/containers/oci/hooks.d
"$top/scripts/mkrootfs.sh" "$W/rootfs"
run() { # NAME POLICY: a container started with the policy's annotation
        timeout 60 podman run -d --name "$1" --network none --cap-drop NET_RAW \
                --annotation oci-iptables-hook.policy="$2" --rootfs "$W/rootfs" /bin/sleep 600 2>&1
}
if out=$(run oih-deb-$$ web-egress); then
        pid=$(podman inspect -f '{{.State.Pid}}' oih-deb-$$)
        got=$( (nsenter -t "$pid" -n iptables-legacy-save -t filter; nsenter -t "$pid" -n ip6tables-legacy-save -t filter) | strip_save)
        want=$("$B" show -4 "$R/web-egress.json"; "$B" show -6 "$R/web-egress.json")
        if [ "$got" = "$(strip_save <<<"$want")" ] && grep -q '^:OUTPUT DROP' <<<"$got"; then
                ok "the container's namespace holds web-egress, IPv4 and IPv6 (iptables-legacy-save)"
        else
                not_ok "the container's namespace holds web-egress"; diag "$(diff <(strip_save <<<"$want") <(echo "$got"))"
        fi
        check "inspect --container prints what show prints" \
                cmp -s <("$B" inspect --container oih-deb-$$) <("$B" show "$R/web-egress.json")
        check "verify --container passes for web-egress" q "$B" verify "$R/web-egress.json" --container oih-deb-$$
else
        not_ok "a container with the annotation web-egress starts"; diag "$out"
fi
if out=$(run oih-deb-refused-$$ no-such-policy); then
        not_ok "a container naming an unknown policy is refused: it started"
else
        check "a container naming an unknown policy is refused, with the hook's reason" \
                grep -q 'oci-iptables-hook: .*not found' <<<"$out"
fi
podman_sandbox_remove "$W/podman"
unset CONTAINERS_CONF

# --- purge --------------------------------------------------------------------------------------
if out=$(dpkg_locked dpkg --purge oci-iptables-hook); then
        installed=
        ok "dpkg --purge removes it"
else
        not_ok "dpkg --purge removes it"; diag "$out"
fi
left=()
for p in "$B" "$H" /etc/oci-iptables-hook /usr/share/oci-iptables-hook /usr/share/doc/oci-iptables-hook \
        /usr/share/man/man1/oci-iptables-hook.1.gz /usr/share/bash-completion/completions/oci-iptables-hook; do
        [ ! -e "$p" ] || left+=("$p")
done
check "after the purge none of its files is left" test ${#left[@]} -eq 0
[ ${#left[@]} -eq 0 ] || diag "${left[*]}"
done_testing
