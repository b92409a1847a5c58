#!/bin/bash
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
 "when": {"annotations": {"^oci-iptables-hook\\\\.policy\$": ".+"}}, "stages": ["createContainer"]}
JSON
}
doctor() { "$OIH_BIN" doctor --hooks-dir "$hooks" "$@" > "$T_TMP/out" 2>&1; }

hookfile "$OIH_BIN"
check "doctor passes on a good installation (with podman)" doctor
check "it reports legacy iptables usable for IPv4 and IPv6" \
        test "$(grep -c '^OK   legacy iptables (IPv[46]): the filter table can be used' "$T_TMP/out")" = 2
check "it names the hooks.d file and the binary it runs" grep -q "^OK   hooks.d file $hooks/oci-iptables-hook.json: runs $OIH_BIN" "$T_TMP/out"
check "it checks the rules directory the hook names" grep -q "^OK   rules directory $rules: 2 policies pass check" "$T_TMP/out"
check "it finds podman's runtime" grep -q '^OK   podman: runtime ' "$T_TMP/out"

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

rm "$hooks/oci-iptables-hook.json"
check_fails "doctor fails when no hooks.d file runs the hook" doctor --no-podman
check "and says so" grep -q "^FAIL hooks.d: no file there runs oci-iptables-hook" "$T_TMP/out"

done_testing
