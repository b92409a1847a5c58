#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# doctor: OK on a good installation, FAIL (exit 1) with the fix for each broken one it can see.
. "$(dirname "$0")/lib.sh"
need_root

hooks=$T_TMP/hooks.d rules=$T_TMP/rules
mkdir -p "$hooks" "$rules"
chmod 0755 "$T_TMP" "$rules"
cp "$OIH_SRCDIR/rules/deny-all.json" "$OIH_SRCDIR/rules/web-egress.json" "$rules/"
chmod 0644 "$rules"/*.json
hookfile() {
        cat > "$hooks/oci-iptables-hook.json" <<JSON
{"version": "1.0.0", "hook": {"path": "$1", "args": ["oci-iptables-hook", "hook", "--rules-dir", "$rules"]},
 "when": {"annotations": {"^oci-iptables-hook\\\\.policy\$": ".*"}}, "stages": ["createContainer"]}
JSON
}
# doctor runs in a namespace of the test, and podman reads only the test's own configuration and
# storage (scripts/podman-sandbox.sh): nothing of the machine's own state is read. Every doctor run
# is bounded: a FIFO must not block it.
ns=$(new_netns doctor)
doctor() { timeout 60 ip netns exec "$ns" "$OIH_BIN" doctor --hooks-dir "$hooks" "$@" > "$T_TMP/out" 2>&1; }
with_podman=()
if command -v podman >/dev/null; then
        . "$OIH_SRCDIR/scripts/podman-sandbox.sh"
        podman_sandbox "$T_TMP/podman"
else
        with_podman=(--no-podman)
fi
# conf CAPS: the sandbox's containers.conf with default_capabilities = [CAPS], or without them
# when CAPS is empty (podman reads only $CONTAINERS_CONF when it is set: doctor must read the
# same file)
conf() {
        local rest
        rest=$(grep -v -e '^default_capabilities' -e '^\[containers\]' "$CONTAINERS_CONF")
        { printf '[containers]\n'; [ -z "$1" ] || printf 'default_capabilities = [\n  %s\n]\n' "$1"
          printf '%s\n' "$rest"; } > "$CONTAINERS_CONF.new"
        mv "$CONTAINERS_CONF.new" "$CONTAINERS_CONF"
}

hookfile "$OIH_BIN"
check "doctor passes on a good installation${with_podman:+ (podman is not installed)}" doctor "${with_podman[@]}"
check "it reports legacy iptables usable for IPv4 and IPv6" \
        test "$(grep -c '^OK   legacy iptables (IPv[46]): the filter table can be used' "$T_TMP/out")" = 2
check "it names the hooks.d file and the binary it runs" grep -q "^OK   hooks.d file $hooks/oci-iptables-hook.json: runs $OIH_BIN" "$T_TMP/out"
check "it checks the rules directory the hook names" grep -q "^OK   rules directory $rules: 2 policies pass check" "$T_TMP/out"
if [ ${#with_podman[@]} = 0 ]; then
        check "it finds podman's runtime" grep -q '^OK   podman: runtime runc ' "$T_TMP/out"
        check "it reports podman's default capabilities from containers.conf" \
                grep -q "^OK   podman default capabilities: CHOWN, DAC_OVERRIDE, .*SYS_CHROOT (default_capabilities in $CONTAINERS_CONF)" "$T_TMP/out"
else
        skip "it finds podman's runtime" "podman is not installed"
        skip "it reports podman's default capabilities from containers.conf" "podman is not installed"
fi

hookfile /nonexistent/oci-iptables-hook
check_fails "doctor fails when the hooks.d file names a missing binary" doctor --no-podman
check "and says podman would skip the hook" grep -q "^FAIL hooks.d file .*: hook.path /nonexistent/oci-iptables-hook is not an executable file: podman silently skips" "$T_TMP/out"
hookfile "$OIH_BIN"

chmod 0777 "$rules"
check_fails "doctor fails on a world-writable rules directory" doctor --no-podman
check "and says how to fix it" grep -q "^FAIL rules directory $rules: $rules is writable by group or others (chmod go-w" "$T_TMP/out"
chmod 0755 "$rules"

# The hook's owner rule, through the same library function: the directory and every one above it.
chown nobody "$rules"
check_fails "doctor fails on a rules directory owned by another user" doctor --no-podman
check "and names the owner" grep -q "^FAIL rules directory $rules: $rules is owned by uid 65534, not root" "$T_TMP/out"
chown root "$rules"
chown nobody "$T_TMP"
check_fails "doctor fails when a directory above the rules directory belongs to another user" doctor --no-podman
check "and names that directory" grep -q "^FAIL rules directory $rules: $T_TMP is owned by uid 65534, not root" "$T_TMP/out"
chown root "$T_TMP"
mkdir -m 1777 "$T_TMP/sticky"
cp -a "$rules" "$T_TMP/sticky/rules"
check_fails "doctor fails on a rules directory below a sticky world-writable one (as /tmp)" \
        doctor --no-podman --rules-dir "$T_TMP/sticky/rules"
check "and says a sticky bit does not make it safe" \
        grep -q "^FAIL rules directory $T_TMP/sticky/rules: $T_TMP/sticky is writable by group or others.*sticky bit" "$T_TMP/out"

echo '{"version": 1, "rules": [{"chain": "INPUT", "protocol": "tcp", "dport": 70000}]}' > "$rules/broken.json"
check_fails "doctor fails on an invalid policy" doctor --no-podman
check "and shows the policy's error" grep -q "^FAIL policy $rules/broken.json: .*rules\[0\].dport: port 70000 out of range" "$T_TMP/out"
rm "$rules/broken.json"

cp "$rules/deny-all.json" "$rules/open.json"; chmod 0666 "$rules/open.json"
check_fails "doctor fails on a world-writable policy" doctor --no-podman
check "and names it" grep -q "^FAIL policy $rules/open.json: refusing policy .*writable by group or others" "$T_TMP/out"
rm "$rules/open.json"

# --- podman's default capabilities (containers.conf) -------------------------------------------
if [ ${#with_podman[@]} = 0 ]; then
        conf ''
        check_fails "doctor fails when podman's compiled-in default capabilities (NET_RAW) apply" doctor
        check "and names the list, NET_RAW, and the fix" grep -q "^FAIL podman default capabilities: AUDIT_WRITE, .*NET_RAW, .*(podman 4.3's compiled-in list: no containers.conf sets default_capabilities).*container has CAP_NET_RAW (bounding set).* -- fix: set default_capabilities in the \[containers\] table of $CONTAINERS_CONF" "$T_TMP/out"
        conf '"CAP_CHOWN", # a comment
          "cap_net_raw"'
        check_fails "doctor fails when containers.conf gives NET_RAW (any spelling)" doctor
        check "and says the hook refuses it" grep -q "^FAIL podman default capabilities: CHOWN, NET_RAW (default_capabilities in $CONTAINERS_CONF).*CAP_NET_RAW" "$T_TMP/out"
        conf '"CHOWN", "SETUID"'
else
        skip "podman's default capabilities" "podman is not installed"
fi

# --- hooks.d files that are odd: null values, too large, not regular, "when" missing "" ----------
hookfile "$OIH_BIN"
good_hook=$(cat "$hooks/oci-iptables-hook.json")
sed 's/"version": "1.0.0"/"version": null/' <<<"$good_hook" > "$hooks/oci-iptables-hook.json"
doctor --no-podman && rc=0 || rc=$?
check '"version": null: doctor fails, without crashing' test "$rc" -eq 1
check "and says the version is wrong" grep -q '^FAIL hooks.d file .*: "version" is not "1.0.0"' "$T_TMP/out"
sed 's/"args": \["oci-iptables-hook",/"args": [null, "--rules-dir", null, 7, "oci-iptables-hook",/' <<<"$good_hook" > "$hooks/oci-iptables-hook.json"
doctor --no-podman && rc=0 || rc=$?
check 'null in "args": doctor still passes, without crashing' test "$rc" -eq 0
sed 's/"stages": \["createContainer"\]/"stages": null, "when": null/; s/"hook": {/"hook": {"timeout": null, /' <<<"$good_hook" > "$hooks/oci-iptables-hook.json"
doctor --no-podman && rc=0 || rc=$?
check 'null "stages": doctor fails, without crashing' test "$rc" -eq 1
sed 's/"\.\*"/".+"/' <<<"$good_hook" > "$hooks/oci-iptables-hook.json"
check_fails 'doctor fails when "when" does not match an empty annotation value' doctor --no-podman
check "and says podman would start such a container unfiltered" \
        grep -q '^FAIL hooks.d file .*: "when" matches the annotation.s value with ".+", which an empty value does not match.* -- fix: match the value with ".\*"' "$T_TMP/out"
echo "$good_hook" > "$hooks/oci-iptables-hook.json"
{ printf '{"hook": {"path": "/usr/bin/oci-iptables-hook"}, "x": "'; head -c $((2 << 20)) /dev/zero | tr '\0' a; printf '"}'; } > "$hooks/big.json"
check_fails "doctor fails on a 2 MiB hooks.d file, read no further than 1 MiB" doctor --no-podman
check "and names it" grep -q "^FAIL hooks.d file $hooks/big.json: .*larger than 1048576 bytes" "$T_TMP/out"
rm "$hooks/big.json"
mkfifo "$hooks/fifo.json"
doctor --no-podman && rc=0 || rc=$?
check "a FIFO named *.json in hooks.d does not block doctor" test "$rc" -lt 124
check "it is reported and skipped" grep -q "^FAIL hooks.d file $hooks/fifo.json: not a regular file" "$T_TMP/out"
check "the real hooks.d file is still checked" grep -q "^OK   hooks.d file $hooks/oci-iptables-hook.json: runs" "$T_TMP/out"
rm "$hooks/fifo.json"
mkfifo -m 0644 "$rules/fifo.json"
doctor --no-podman && rc=0 || rc=$?
check "a FIFO named *.json in the rules directory does not block doctor" test "$rc" -lt 124
check "it is reported" grep -q "^FAIL policy $rules/fifo.json: .*not a regular file" "$T_TMP/out"
rm "$rules/fifo.json"
check "with them gone, doctor passes again" doctor --no-podman

rm "$hooks/oci-iptables-hook.json"
check_fails "doctor fails when no hooks.d file runs the hook" doctor --no-podman
check "and says so" grep -q "^FAIL hooks.d: no file there runs oci-iptables-hook" "$T_TMP/out"

# --- as a user other than root: that user's rootless setup -----------------------------------
# nobody (65534) has no /etc/subuid range; a home of its own holds what install-rootless.sh makes.
uhome=$T_TMP/home
mkdir -p "$uhome/.config/oci-iptables-hook/rules"
cp "$OIH_SRCDIR/rules/deny-all.json" "$uhome/.config/oci-iptables-hook/rules/"
chown -R 65534:65534 "$uhome"
chmod -R go-w "$uhome"
chmod 0755 "$T_TMP"
asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$uhome" PATH="$PATH" "$@"; }
# /dev/net/tun at mode 0600, as on this machine kind, in a mount namespace of this test only
touch "$T_TMP/tun"
chmod 0600 "$T_TMP/tun"
unshare -m sh -c 'mount --bind "$1" /dev/net/tun && shift && exec "$@"' sh "$T_TMP/tun" \
        setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$uhome" PATH="$PATH" \
        timeout 60 "$OIH_BIN" doctor --no-podman >"$T_TMP/out" 2>&1 || true
check "rootless doctor says whose setup it checks" \
        grep -q "^     running as nobody (uid 65534): checking this user's rootless podman setup" "$T_TMP/out"
check "rootless doctor probes legacy iptables in a user namespace, not with a misleading EPERM" \
        test "$(grep -c '^OK   legacy iptables (IPv[46])' "$T_TMP/out")" = 2
check "rootless doctor names a missing /etc/subuid range and the fix" \
        grep -q '^FAIL user namespace: /etc/subuid has no range for this user -- fix: usermod --add-subuids' "$T_TMP/out"
check "rootless doctor warns of /dev/net/tun at mode 0600 (slirp4netns) with the fix" \
        grep -q '^WARN /dev/net/tun: mode 0600: this user cannot open it, so slirp4netns .* -- fix: chmod 0666 /dev/net/tun' "$T_TMP/out"
check "rootless doctor checks the user's rules directory" \
        grep -q "^OK   rules directory $uhome/.config/oci-iptables-hook/rules: 1 policies pass check" "$T_TMP/out"
check "rootless doctor looks for the user's hooks.d and says how to install it" \
        grep -q '^FAIL hooks.d: no file there runs oci-iptables-hook -- fix: scripts/install-rootless.sh, then podman --hooks-dir' "$T_TMP/out"
asuser "$OIH_BIN" doctor --help >"$T_TMP/out" 2>&1
check "doctor --help documents the rootless checks" grep -q "Run as a user other than root" "$T_TMP/out"

done_testing
