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
# doctor runs in a namespace of the test, and podman reads only the test's own configuration and
# storage (scripts/podman-sandbox.sh): nothing of the machine's own state is read.
ns=$(new_netns doctor)
doctor() { ip netns exec "$ns" "$OIH_BIN" doctor --hooks-dir "$hooks" "$@" > "$T_TMP/out" 2>&1; }
with_podman=()
if command -v podman >/dev/null; then
        . "$OIH_SRCDIR/scripts/podman-sandbox.sh"
        podman_sandbox "$T_TMP/podman"
else
        with_podman=(--no-podman)
fi

hookfile "$OIH_BIN"
check "doctor passes on a good installation${with_podman:+ (podman is not installed)}" doctor "${with_podman[@]}"
check "it reports legacy iptables usable for IPv4 and IPv6" \
        test "$(grep -c '^OK   legacy iptables (IPv[46]): the filter table can be used' "$T_TMP/out")" = 2
check "it names the hooks.d file and the binary it runs" grep -q "^OK   hooks.d file $hooks/oci-iptables-hook.json: runs $OIH_BIN" "$T_TMP/out"
check "it checks the rules directory the hook names" grep -q "^OK   rules directory $rules: 2 policies pass check" "$T_TMP/out"
if [ ${#with_podman[@]} = 0 ]; then
        check "it finds podman's runtime" grep -q '^OK   podman: runtime runc ' "$T_TMP/out"
else
        skip "it finds podman's runtime" "podman is not installed"
fi

hookfile /nonexistent/oci-iptables-hook
check_fails "doctor fails when the hooks.d file names a missing binary" doctor --no-podman
check "and says podman would skip the hook" grep -q "^FAIL hooks.d file .*: hook.path /nonexistent/oci-iptables-hook is not an executable file: podman silently skips" "$T_TMP/out"
hookfile "$OIH_BIN"

chmod 0777 "$rules"
check_fails "doctor fails on a world-writable rules directory" doctor --no-podman
check "and says how to fix it" grep -q "^FAIL rules directory $rules: writable by group or others.* -- fix: chmod go-w" "$T_TMP/out"
chmod 0755 "$rules"

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
