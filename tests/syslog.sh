#!/bin/bash
# The hook's decisions reach syslog (crun throws hook output away, so that is where users read
# them): one line each, ident oci-iptables-hook, with the container, the policy, the counts
# per family and the time taken; a refusal says why. A private mount namespace gets its own
# /dev with a datagram socket at /dev/log that this test reads.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || skip_all "needs python3"

W=$T_TMP
mkdir -p "$W/rules" "$W/bundle"
chmod 755 "$W" "$W/rules"
cp "$OIH_SRCDIR/rules/web-egress.json" "$W/rules/"
chmod 644 "$W/rules/web-egress.json"
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' > "$W/bundle/config.json"
ns=$(new_netns log)

# run_hook ANNOTATION: the hook at createContainer in $ns, with /dev/log read into $W/syslog
run_hook() {
        printf '{"ociVersion":"1.0.2","id":"c0ffee","status":"creating","pid":1,"bundle":"%s","annotations":{"oci-iptables-hook.policy":"%s"}}' \
                "$W/bundle" "$1" > "$W/state"
        : > "$W/syslog"
        unshare -m bash -c '
                set -e
                mount --make-rprivate /
                mount -t tmpfs tmpfs /dev
                mknod -m 666 /dev/null c 1 3
                python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(3)
open(sys.argv[1] + \".ready\", \"w\").close()
try:
    while True:
        open(sys.argv[1], \"ab\").write(s.recv(4096) + b\"\\n\")
except socket.timeout:
    pass
" "$1" &
                for _ in $(seq 50); do [ -e "$1.ready" ] && break; sleep 0.1; done
                ip netns exec "$2" "$3" hook --rules-dir "$4" < "$5" 2> "$1.stderr" || true
                wait
        ' _ "$W/syslog" "$ns" "$OIH_BIN" "$W/rules" "$W/state"
        rm -f "$W/syslog.ready"
}

run_hook web-egress
check "an applied policy is logged to syslog once" test "$(grep -c 'oci-iptables-hook' "$W/syslog")" = 1
check "with the container, the policy, both families' counts and the time" \
        grep -qE 'oci-iptables-hook\[[0-9]+\]: c0ffee: applied policy "web-egress": ipv4 11 entries, ipv6 12 entries, stage createContainer, [0-9.]+ ms' "$W/syslog"
check "the same line goes to stderr" grep -q 'c0ffee: applied policy "web-egress"' "$W/syslog.stderr"

run_hook no-such-policy
check "a refusal is logged to syslog with its reason" \
        grep -qE 'oci-iptables-hook\[[0-9]+\]: c0ffee: .*policy "no-such-policy" not found' "$W/syslog"

done_testing
