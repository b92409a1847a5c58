#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
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

# run_hook ANNOTATION [stalled]: the hook at createContainer in $ns, with /dev/log read into
# $W/syslog; "stalled": a log daemon that stopped reading, its queue full. The hook runs under
# `timeout 20`; its exit status goes to $W/syslog.rc and its time in ms to $W/syslog.ms.
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
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(3)
if sys.argv[2] == \"stalled\":
    # fill the queue from another socket until the kernel would make a sender wait
    c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    c.setblocking(False)
    for _ in range(100000):
        try:
            c.sendto(b\"<30>filler\", \"/dev/log\")
        except BlockingIOError:
            break
    open(sys.argv[1] + \".ready\", \"w\").close()
    time.sleep(12)
    sys.exit(0)
open(sys.argv[1] + \".ready\", \"w\").close()
try:
    while True:
        open(sys.argv[1], \"ab\").write(s.recv(4096) + b\"\\n\")
except socket.timeout:
    pass
" "$1" "$6" &
                for _ in $(seq 50); do [ -e "$1.ready" ] && break; sleep 0.1; done
                t0=$(date +%s%N)
                rc=0
                timeout 20 ip netns exec "$2" "$3" hook --rules-dir "$4" < "$5" 2> "$1.stderr" || rc=$?
                echo "$rc" > "$1.rc"
                echo $((($(date +%s%N) - t0) / 1000000)) > "$1.ms"
                wait
        ' _ "$W/syslog" "$ns" "$OIH_BIN" "$W/rules" "$W/state" "${2:-reading}"
        rm -f "$W/syslog.ready"
}

run_hook web-egress
check "an applied policy is logged to syslog once" test "$(grep -c 'oci-iptables-hook' "$W/syslog")" = 1
check "with the container, the policy, the file read, both families' counts and the time" \
        grep -qE 'oci-iptables-hook\[[0-9]+\]: c0ffee: applied policy "web-egress" from '"$W"'/rules/web-egress.json: ipv4 11 entries, ipv6 12 entries, stage createContainer, [0-9.]+ ms' "$W/syslog"
check "the same line goes to stderr" grep -q 'c0ffee: applied policy "web-egress"' "$W/syslog.stderr"

run_hook no-such-policy
check "a refusal is logged to syslog with its reason" \
        grep -qE 'oci-iptables-hook\[[0-9]+\]: c0ffee: .*policy "no-such-policy" not found' "$W/syslog"

# A log daemon that stopped reading: syslog(3) would wait for it (the container's start with it).
run_hook web-egress stalled
check "a stalled log daemon: the hook still applies the policy" test "$(cat "$W/syslog.rc")" = 0
check "and finishes in bounded time (under 3 s, took $(cat "$W/syslog.ms") ms)" test "$(cat "$W/syslog.ms")" -lt 3000
check "and its decision still reaches stderr" grep -q 'c0ffee: applied policy "web-egress"' "$W/syslog.stderr"

done_testing
