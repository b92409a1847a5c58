#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hook under real podman and runc, rootful and rootless: traffic, the rules a container gets,
# that it cannot change them, and that every doubtful container fails to start.
#
# Needs root: it creates an --internal podman network and containers, all removed on exit. The
# machine is prepared by scripts/test.sh: the packages, and the user oih-test for the rootless
# part (SKIP without it); make check installs nothing and creates no user. Packets go only to
# hosts this test creates: containers on that internal network (198.51.100.0/24,
# 2001:db8:5100::/64) and a listener on the host's loopback that rootless containers reach
# through slirp4netns. Podman's state lives in a temporary directory of its own
# (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), so other podman users on the machine are unaffected.
: "${OIH_BIN:?}" "${OIH_SRCDIR:?}"
# shellcheck source=tests/lib.sh
. "$OIH_SRCDIR/tests/lib.sh"
need_root
for t in podman runc slirp4netns newuidmap nsenter unshare iptables-legacy-save ip6tables-legacy-save gcc busybox; do
        command -v "$t" >/dev/null || skip_all "$t is not installed (scripts/test.sh installs what the tests need)"
done

# Not under /tmp: the hook refuses rules below a directory others can write.
W=$(mktemp -d /run/oih-podman.XXXXXX)
chmod 755 "$W"
NET=oih-net-$$
TU=oih-test
RX=
tun_mode=
srv_pid=
rootless=

cleanup() {
        set +e
        t_cleanup
        podman pod rm -af -t 0 >/dev/null 2>&1
        podman rm -af -t 0 >/dev/null 2>&1
        podman network rm -f "$NET" >/dev/null 2>&1
        if [ -n "$rootless" ]; then
                ru podman rm -af -t 0 >/dev/null 2>&1
                # The rootless pause process keeps the user namespace alive; it is ours.
                local p
                [ -n "$RX" ] && p=$(cat "$RX/libpod/tmp/pause.pid" 2>/dev/null)
                [ -n "$p" ] && kill "$p" 2>/dev/null
                # conmon and slirp4netns of this run still write to $W for a moment
                for _ in $(seq 50); do
                        pgrep -u "$TU" -f -- "$W/" >/dev/null || break
                        sleep 0.1
                done
        fi
        [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
        [ -n "$tun_mode" ] && chmod "$tun_mode" /dev/net/tun
        podman_sandbox_remove "$W"   # unmounts what podman left in its storage first
}
trap cleanup EXIT

# --- setup: podman confined to $W ------------------------------------------------------------
mkdir -p "$W"/{hooks,rules,networks,bin,tmp}
. "$OIH_SRCDIR/scripts/podman-sandbox.sh"
podman_sandbox "$W" "$W/hooks"

# The hook runs from a copy every user can reach (rootless podman runs it as the test user).
install -m 755 "$OIH_BIN" "$W/bin/oci-iptables-hook"
sed -e "s|@BINDIR@|$W/bin|g" -e "s|@RULESDIR@|$W/rules|g" \
        "$OIH_SRCDIR/hooks/oci-iptables-hook.json.in" >"$W/hooks/oci-iptables-hook.json"

gcc -static -O2 -o "$W/try-replace" "$OIH_SRCDIR/tests/helpers/try-replace.c"
"$OIH_SRCDIR/scripts/mkrootfs.sh" "$W/rootfs" --add "$W/try-replace" --image localhost/oih-busybox

# Policies of this test. Denied TCP is answered with a reset, so that a refusal is quick.
# ICMPv6 stays open: without neighbour discovery no IPv6 packet leaves at all.
policy() { cat >"$W/rules/$1.json"; chmod 644 "$W/rules/$1.json"; }
policy allow-8080 <<'EOF'
{ "version": 1, "description": "podman.sh: TCP 8080 to the test server only",
  "policy": { "INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP" },
  "rules": [
    { "chain": "INPUT", "in_interface": "lo", "target": "ACCEPT" },
    { "chain": "INPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT" },
    { "chain": "INPUT", "protocol": "icmpv6", "target": "ACCEPT" },
    { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "icmpv6", "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "destination": ["198.51.100.10", "2001:db8:5100::10"],
      "dport": 8080, "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "target": "REJECT", "reject_with": "tcp-reset" }
  ] }
EOF
policy deny-out <<'EOF'
{ "version": 1, "description": "podman.sh: nothing out",
  "policy": { "OUTPUT": "DROP" },
  "rules": [ { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" } ] }
EOF
# A second policy for the enforcing tests, put only in containers' own namespaces.
policy count-only <<'EOF'
{ "version": 1, "description": "podman.sh: a counting rule, no filtering",
  "rules": [ { "chain": "INPUT", "comment": "oci-iptables-hook podman.sh" } ] }
EOF
printf '{ "version": 1, "rules": [ { "chain": "OUTPUT", ' >"$W/rules/broken.json"
chmod 644 "$W/rules/broken.json"
policy world-writable <"$W/rules/deny-out.json"
chmod 666 "$W/rules/world-writable.json"

# The filter table of a process's network namespace, as iptables-legacy-save prints it, without
# comments and counters. Host root can read any namespace, a rootless container's too.
ns_rules() { # PID FAMILY
        local save=iptables-legacy-save
        [ "$2" = ipv6 ] && save=ip6tables-legacy-save
        nsenter -t "$1" -n "$save" -t filter | sed '/^#/d' | sed -E 's/\[[0-9]+:[0-9]+\]/[0:0]/'
}
show_rules() { # POLICY FAMILY
        "$OIH_BIN" show "-${2#ipv}" "$W/rules/$1.json" | sed '/^#/d'
}
# rules_are PID POLICY: the namespace holds exactly what `show` prints, both families.
rules_are() {
        local fam got want rc=0
        for fam in ipv4 ipv6; do
                got=$(ns_rules "$1" "$fam")
                want=$(show_rules "$2" "$fam")
                if [ "$got" != "$want" ]; then
                        diag "$fam rules of pid $1 differ from \`show $2\`:"
                        diag "$(diff <(echo "$want") <(echo "$got"))"
                        rc=1
                fi
        done
        return $rc
}
no_rules() { # PID: nothing was ever put into the namespace's tables
        local out
        out=$(ns_rules "$1" ipv4; ns_rules "$1" ipv6)
        ! grep -qE '^-A |^:(INPUT|FORWARD|OUTPUT) DROP' <<<"$out"
}

pid_of() { podman inspect -f '{{.State.Pid}}' "$1"; }
ROOTFS=$W/rootfs

# reaches CONTAINER ADDR PORT: a TCP connection from inside CONTAINER gets the server's "open".
reaches() { [ "$(podman exec "$1" nc -w 3 "$2" "$3" </dev/null 2>/dev/null)" = open ]; }

# refused DESCRIPTION EXPECTED-TEXT PODMAN-RUN-ARGS...: the container must not start, and the
# user must see the hook's reason. podman runs with the prefix ${in_ns[@]} (none by default).
in_ns=()
refused() {
        local d=$1 want=$2 out rc=0 name=oih-refused-$T_N
        shift 2
        out=$("${in_ns[@]}" timeout 60 podman run --rm --name "$name" "$@" --rootfs "$ROOTFS" /bin/true 2>&1) || rc=$?
        if [ "$rc" -eq 0 ]; then
                not_ok "$d: the container started"
        elif ! grep -q "oci-iptables-hook: .*$want" <<<"$out"; then
                not_ok "$d: the error does not say \"$want\""
                diag "$out"
        elif [ -n "$(podman ps -q --filter "name=^$name\$")" ]; then
                not_ok "$d: the container is running"
        else
                ok "$d: refused"
        fi
}

# --- the hook alone, as the runtime calls it, in namespaces of this test ----------------------
mkdir -p "$W/bundle"
echo '{"linux":{"namespaces":[{"type":"pid"},{"type":"network"}]}}' >"$W/bundle/config.json"
state() { # PID [POLICY]
        printf '{"ociVersion":"1.0.2","id":"hooktest","status":"creating","pid":%s,"bundle":"%s"%s}' \
                "$1" "$W/bundle" "${2:+,\"annotations\":{\"oci-iptables-hook.policy\":\"$2\"\}}"
}
ns_is() { # NS POLICY
        [ "$(save4 "$1")" = "$(show_rules "$2" ipv4)" ] && [ "$(save6 "$1")" = "$(show_rules "$2" ipv6)" ]
}
ns1=$(new_netns a)
ns2=$(new_netns b)
T_NETNS+=("$ns1" "$ns2") # new_netns ran in a subshell: register them for t_cleanup here
# createContainer: the runtime has put the hook into the container's namespace; the state's pid
# (1 with runc) must be ignored.
out=$(state 1 allow-8080 | ip netns exec "$ns1" "$OIH_BIN" hook --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "hook at createContainer applies the annotation's policy in its own namespace" \
        test "$rc" -eq 0 -a -n "$(ns_is "$ns1" allow-8080 && echo y)"
check "hook reports the decision on stderr (container, policy, the file read, counts)" \
        grep -qE '^oci-iptables-hook: hooktest: applied policy "allow-8080" from '"$W"'/rules/allow-8080.json: ipv4 [0-9]+ entries, ipv6 [0-9]+ entries' <<<"$out"
out=$(state 1 | ip netns exec "$ns1" "$OIH_BIN" hook --rules-dir "$W/rules" --default-policy deny-out 2>&1) && rc=0 || rc=$?
check "enforcing mode: no annotation gets --default-policy" \
        test "$rc" -eq 0 -a -n "$(ns_is "$ns1" deny-out && echo y)"
out=$(state 1 | ip netns exec "$ns1" "$OIH_BIN" hook --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "no annotation and no default policy is refused" \
        test "$rc" -eq 1 -a -n "$(grep 'no --default-policy' <<<"$out")"
# createRuntime: the hook runs in the host's namespaces and enters the container's by its pid.
ip netns exec "$ns2" sleep 120 &
sleeper=$!
for _ in $(seq 50); do [ "$(ip netns identify "$sleeper")" = "$ns2" ] && break; sleep 0.1; done
out=$(state "$sleeper" deny-out | "$OIH_BIN" hook --stage createRuntime --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "hook at createRuntime enters the container's namespace by its pid" \
        test "$rc" -eq 0 -a -n "$(ns_is "$ns2" deny-out && echo y)"
kill "$sleeper"
wait "$sleeper" 2>/dev/null || true
# A pid in the hook's own namespace: refusing it is all that keeps the host unfirewalled. The
# hook runs in a namespace of this test that stands in for the host's; if the guard breaks, the
# policy lands there, and that is checked.
own=$(new_netns own)
ip netns exec "$own" sleep 120 &
sleeper=$!
for _ in $(seq 50); do [ "$(ip netns identify "$sleeper")" = "$own" ] && break; sleep 0.1; done
out=$(state "$sleeper" deny-out | ip netns exec "$own" "$OIH_BIN" hook --stage prestart --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "hook at prestart refuses a pid in its own (the host's) namespace" \
        test "$rc" -eq 1 -a -n "$(grep "hook's own" <<<"$out")"
check "and that namespace is untouched" untouched "$own"
kill "$sleeper"
wait "$sleeper" 2>/dev/null || true
echo '{"linux":{"namespaces":[{"type":"pid"}]}}' >"$W/bundle/config.json"
out=$(state 1 deny-out | ip netns exec "$own" "$OIH_BIN" hook --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "hook refuses a bundle without a network namespace (--network host)" \
        test "$rc" -eq 1 -a -n "$(grep 'network host' <<<"$out")"
check "and the namespace it runs in is untouched" untouched "$own"
check_host_unchanged "so far"

# --- rootful: traffic over an internal network, IPv4 and IPv6 --------------------------------
podman network create --internal --subnet 198.51.100.0/24 --ipv6 --subnet 2001:db8:5100::/64 \
        "$NET" >/dev/null
podman run -d --name oih-srv-$$ --network "$NET" --ip 198.51.100.10 --ip6 2001:db8:5100::10 \
        --rootfs "$ROOTFS" /bin/sh -c \
        'nc -ll -p 8080 -e /bin/echo open & nc -ll -p 8081 -e /bin/echo open & wait' >/dev/null
podman run -d --name oih-plain-$$ --network "$NET" --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null
podman run -d --name oih-fw-$$ --network "$NET" --annotation oci-iptables-hook.policy=allow-8080 \
        --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null

for _ in $(seq 50); do reaches oih-plain-$$ 198.51.100.10 8080 && break; sleep 0.1; done

check "without the annotation: the container reaches 198.51.100.10:8081" \
        reaches oih-plain-$$ 198.51.100.10 8081
check "without the annotation: the container reaches [2001:db8:5100::10]:8081" \
        reaches oih-plain-$$ 2001:db8:5100::10 8081
check "without the annotation: the container's tables are untouched" no_rules "$(pid_of oih-plain-$$)"
check "allow-8080: 198.51.100.10:8080 is reached" reaches oih-fw-$$ 198.51.100.10 8080
check "allow-8080: [2001:db8:5100::10]:8080 is reached" reaches oih-fw-$$ 2001:db8:5100::10 8080
check_fails "allow-8080: 198.51.100.10:8081 is not reached" reaches oih-fw-$$ 198.51.100.10 8081
check_fails "allow-8080: [2001:db8:5100::10]:8081 is not reached" reaches oih-fw-$$ 2001:db8:5100::10 8081
check "allow-8080: the rules in the container's namespace are what \`show\` prints" \
        rules_are "$(pid_of oih-fw-$$)" allow-8080

out=$(podman exec oih-fw-$$ /bin/try-replace 2>&1) && rc=0 || rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = $'ipv4: EPERM\nipv6: EPERM' ]; then
        ok "the firewalled container cannot replace its tables (EPERM, both families)"
else
        not_ok "the firewalled container cannot replace its tables"; diag "$out"
fi
check "after the attempt, its rules are still allow-8080" rules_are "$(pid_of oih-fw-$$)" allow-8080
check "inspect --container prints what show prints" \
        cmp -s <("$OIH_BIN" inspect --container oih-fw-$$) <("$OIH_BIN" show "$W/rules/allow-8080.json")
check "verify --container passes for the container's own policy" \
        "$OIH_BIN" verify "$W/rules/allow-8080.json" --container oih-fw-$$
check_fails "verify --container fails for another policy" \
        "$OIH_BIN" verify "$W/rules/deny-out.json" --container oih-fw-$$

# --- rootful: two containers at once, each with its own policy -------------------------------
podman run -d --name oih-a-$$ --network none --annotation oci-iptables-hook.policy=allow-8080 \
        --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null &
podman run -d --name oih-b-$$ --network none --annotation oci-iptables-hook.policy=deny-out \
        --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null &
wait
check "started together: the first container has allow-8080" rules_are "$(pid_of oih-a-$$)" allow-8080
check "started together: the second container has deny-out" rules_are "$(pid_of oih-b-$$)" deny-out

# --- rootful: containers that join another's network namespace ---------------------------------
# They share its tables: another policy would replace the first container's (or mix with it).
refused "--network container: with another policy" 'joins a network namespace that already holds other rules' \
        --network container:oih-a-$$ --annotation oci-iptables-hook.policy=deny-out
check "after the refusal, the first container still has allow-8080" rules_are "$(pid_of oih-a-$$)" allow-8080
if out=$(timeout 60 podman run -d --name oih-join-$$ --network container:oih-a-$$ \
        --annotation oci-iptables-hook.policy=allow-8080 --rootfs "$ROOTFS" /bin/sleep 600 2>&1); then
        ok "--network container: with the same policy starts"
        check "and the shared namespace holds allow-8080" rules_are "$(pid_of oih-join-$$)" allow-8080
else
        not_ok "--network container: with the same policy starts"; diag "$out"
fi

# --- rootful: running containers: apply --container, verify without a policy, reload, counters --
H=("$OIH_BIN")
check "verify --container without a policy uses the container's annotation" \
        "${H[@]}" verify --container oih-fw-$$ --rules-dir "$W/rules"
out=$("${H[@]}" apply --container oih-a-$$ --rules-dir "$W/rules" deny-out 2>&1) && rc=0 || rc=$?
check "apply --container NAME POLICY-NAME replaces the container's rules" \
        test "$rc" -eq 0 -a -n "$(rules_are "$(pid_of oih-a-$$)" deny-out && echo y)"
check "and says so on one line" test "$out" = "oih-a-$$: applied $W/rules/deny-out.json (1 IPv4 and 1 IPv6 rules)"
check "verify --container without a policy now sees the difference" \
        test "$("${H[@]}" verify --container oih-a-$$ --rules-dir "$W/rules" >/dev/null 2>&1; echo $?)" = 1
out=$("${H[@]}" apply --container oih-a-$$ --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "apply --container without a policy puts the annotation's policy back" \
        test "$rc" -eq 0 -a -n "$(rules_are "$(pid_of oih-a-$$)" allow-8080 && echo y)"
check_fails "apply --container of a container without the annotation needs a policy" \
        "${H[@]}" apply --container oih-plain-$$ --rules-dir "$W/rules"
refused "an annotation naming a file, with a hint" 'did you mean "allow-8080"' --network none \
        --annotation oci-iptables-hook.policy=allow-8080.json

# inspect --counters: the REJECT that refused oih-fw's connections to port 8081 (above) counted them
out=$("${H[@]}" inspect --counters -4 --container oih-fw-$$ 2>&1) || true
check "inspect --counters shows what the policy refused (traffic between the test's containers)" \
        grep -qE '^\[[1-9][0-9]*:[1-9][0-9]*\] -A OUTPUT -p tcp -j REJECT --reject-with tcp-reset$' <<<"$out" ||
        diag "$out"

# reload: an edited policy reaches every running container started with it, and only those
policy reload-me <"$W/rules/deny-out.json"
for n in r1 r2; do
        podman run -d --name oih-$n-$$ --network none --cap-drop NET_RAW \
                --annotation oci-iptables-hook.policy=reload-me --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null
done
policy reload-me <<'EOF'
{ "version": 1, "description": "podman.sh: deny-out, edited",
  "policy": { "OUTPUT": "DROP" },
  "rules": [ { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" },
             { "chain": "OUTPUT", "protocol": "tcp", "destination": "192.0.2.1", "dport": 9, "target": "DROP" } ] }
EOF
out=$("${H[@]}" reload --rules-dir "$W/rules" reload-me 2>"$W/reload.err") && rc=0 || rc=$?
check "reload reports each container it reloaded" \
        test "$rc" -eq 0 -a "$(sort <<<"$out")" = "oih-r1-$$: reloaded (2 rules)
oih-r2-$$: reloaded (2 rules)" || diag "$out$(cat "$W/reload.err")"
for n in r1 r2; do
        check "reload: oih-$n has the edited rule (iptables-legacy-save)" \
                grep -qxF -- '-A OUTPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 9 -j DROP' <(ns_rules "$(pid_of oih-$n-$$)" ipv4)
done
check "reload left a container with another policy alone" rules_are "$(pid_of oih-b-$$)" deny-out
printf '{ "version": 1, "rules": [ { "chain": "OUTPUT", "dport": 70000 } ] }\n' >"$W/rules/reload-me.json"
out=$("${H[@]}" reload --rules-dir "$W/rules" reload-me 2>&1) && rc=0 || rc=$?
check "reload of a broken policy exits 1 and says why" \
        test "$rc" -eq 1 -a -n "$(grep -F "oci-iptables-hook: reload: $W/rules/reload-me.json: rules[0].dport" <<<"$out")"
check "and leaves the containers' rules as they were" \
        grep -qxF -- '-A OUTPUT -d 192.0.2.1/32 -p tcp -m tcp --dport 9 -j DROP' <(ns_rules "$(pid_of oih-r1-$$)" ipv4)
check "reload of a policy no container uses says so" \
        test "$("${H[@]}" reload --rules-dir "$W/rules" count-only 2>/dev/null)" = 'no running container uses policy "count-only"'
# containers without the annotation (the test's server and oih-plain here) got the hook's
# --default-policy in enforcing mode: reload names them, and --unannotated reloads them
out=$("${H[@]}" reload --rules-dir "$W/rules" count-only 2>&1 >/dev/null)
check "reload notes the running containers without the annotation" \
        grep -qE '^oci-iptables-hook: reload: note: [0-9]+ running containers have no oci-iptables-hook.policy annotation; if the hook gives them "count-only" as its --default-policy, reload with --unannotated$' <<<"$out" ||
        diag "$out"
check "and leaves them alone" no_rules "$(pid_of oih-plain-$$)"
out=$("${H[@]}" reload --rules-dir "$W/rules" --unannotated count-only 2>&1) && rc=0 || rc=$?
check "reload --unannotated reloads the containers without the annotation" \
        test "$rc" -eq 0 -a -n "$(grep -xF "oih-plain-$$: reloaded (1 rule)" <<<"$out")" || diag "$out"
check "reload --unannotated: oih-plain has the policy" rules_are "$(pid_of oih-plain-$$)" count-only
check "reload --unannotated left a container with another annotation alone" rules_are "$(pid_of oih-b-$$)" deny-out
# A running container got past the hook with the policy it had then: reload and apply --container
# check its capabilities against the policy as it is now, which may allow fewer
policy raw-ok <<'EOF'
{ "version": 1, "description": "podman.sh: accepts NET_RAW", "allow_capabilities": ["NET_RAW"],
  "rules": [ { "chain": "OUTPUT", "protocol": "tcp", "dport": 9, "target": "DROP" } ] }
EOF
if podman run -d --name oih-raw-$$ --network none --cap-add NET_RAW \
        --annotation oci-iptables-hook.policy=raw-ok --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null; then
        ok "a container with NET_RAW starts under a policy that accepts it"
else
        not_ok "a container with NET_RAW starts under a policy that accepts it"
fi
policy raw-ok <<'EOF'
{ "version": 1, "description": "podman.sh: NET_RAW no longer accepted",
  "rules": [ { "chain": "OUTPUT", "protocol": "tcp", "dport": 7, "target": "DROP" } ] }
EOF
out=$("${H[@]}" reload --rules-dir "$W/rules" raw-ok 2>&1) && rc=0 || rc=$?
check "reload refuses a container holding a capability the edited policy no longer allows" \
        test "$rc" -eq 1 -a -n "$(grep -F "reload: oih-raw-$$: container has CAP_NET_RAW (bounding set)" <<<"$out")" ||
        diag "$out"
check "and leaves its rules as they were" \
        grep -qxF -- '-A OUTPUT -p tcp -m tcp --dport 9 -j DROP' <(ns_rules "$(pid_of oih-raw-$$)" ipv4)
out=$("${H[@]}" apply --container oih-raw-$$ --rules-dir "$W/rules" 2>&1) && rc=0 || rc=$?
check "apply --container refuses it too" \
        test "$rc" -eq 1 -a -n "$(grep -F 'container has CAP_NET_RAW (bounding set)' <<<"$out")" || diag "$out"
check "and changes nothing" \
        grep -qxF -- '-A OUTPUT -p tcp -m tcp --dport 9 -j DROP' <(ns_rules "$(pid_of oih-raw-$$)" ipv4)
podman rm -f -t 0 oih-raw-$$ >/dev/null

# --- rootful: a pod from kube play -----------------------------------------------------------
cat >"$W/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: oih-pod-$$
  annotations:
    oci-iptables-hook.policy: deny-out
spec:
  containers:
  - name: app
    image: localhost/oih-busybox
    command: ["/bin/sleep", "600"]
EOF
if out=$(timeout 120 podman kube play --network none "$W/pod.yaml" 2>&1); then
        check "kube play: the pod's container has the annotation's policy" \
                rules_are "$(pid_of oih-pod-$$-app)" deny-out
else
        not_ok "kube play: the pod started"; diag "$out"
fi

# --- rootful: fail closed --------------------------------------------------------------------
refused "unknown policy" 'not found' --network none --annotation oci-iptables-hook.policy=nope
refused "../ in the policy name" 'invalid policy name' --network none \
        --annotation oci-iptables-hook.policy=../rules/allow-8080
refused "malformed policy" 'broken' --network none --annotation oci-iptables-hook.policy=broken
refused "world-writable policy" 'writable by group or others' --network none \
        --annotation oci-iptables-hook.policy=world-writable
refused "--cap-add NET_ADMIN" 'CAP_NET_ADMIN' --network none --cap-add NET_ADMIN \
        --annotation oci-iptables-hook.policy=deny-out
refused "--privileged" 'CAP_NET_ADMIN' --network none --privileged \
        --annotation oci-iptables-hook.policy=deny-out
# The host's network namespace: podman runs in a namespace of this test that stands in for the
# host's (as_host, tests/lib.sh), with hooks.d running the test build that can take it for the
# host's, so "the host's" is that one; if the guard breaks, the policy lands there, and that is
# checked.
host=$(new_netns host)
mkdir -p "$W/hooks-standin"
install -m 755 "$OIH_STANDIN_BIN" "$W/bin/oci-iptables-hook-standin"
sed "s|\"$W/bin/oci-iptables-hook\"|\"$W/bin/oci-iptables-hook-standin\"|" "$W/hooks/oci-iptables-hook.json" \
        >"$W/hooks-standin/oci-iptables-hook.json"
sed "s|^hooks_dir = .*|hooks_dir = [\"$W/hooks-standin\"]|" "$W/containers.conf" >"$W/standin.conf"
check "the stand-in's hooks.d file runs the test build" grep -q "oci-iptables-hook-standin" "$W/hooks-standin/oci-iptables-hook.json"
in_ns=(as_host "$host" "$host" env CONTAINERS_CONF="$W/standin.conf")
refused "--network host" 'network host' --network host \
        --annotation oci-iptables-hook.policy=deny-out
refused "--network ns: joining the host's namespace by path" "network namespace is the host's" \
        --network ns:/proc/self/ns/net --annotation oci-iptables-hook.policy=deny-out
in_ns=()
check "and the namespace that stood in for the host's is untouched" untouched "$host"

# Capabilities that get around the filter (docs/security.md): AF_PACKET with NET_RAW, setns and
# mounts with SYS_ADMIN, ptrace into a process of another network namespace with SYS_PTRACE.
refused "--cap-add NET_RAW" 'CAP_NET_RAW (bounding set): it can send packets no iptables rule sees.*--cap-drop NET_RAW' \
        --network none --cap-add NET_RAW --annotation oci-iptables-hook.policy=deny-out
refused "--cap-add SYS_ADMIN" 'CAP_SYS_ADMIN (bounding set).*--cap-drop SYS_ADMIN' \
        --network none --cap-add SYS_ADMIN --annotation oci-iptables-hook.policy=deny-out
refused "--pid host --cap-add SYS_PTRACE" 'CAP_SYS_PTRACE (bounding set): it shares a PID namespace' \
        --network none --pid host --cap-add SYS_PTRACE --annotation oci-iptables-hook.policy=deny-out
check "--cap-add SYS_PTRACE with a PID namespace of its own starts" \
        podman run --rm --network none --cap-add SYS_PTRACE --annotation oci-iptables-hook.policy=deny-out \
        --rootfs "$ROOTFS" /bin/true
# podman 4.3's compiled-in default capabilities (a containers.conf without default_capabilities)
# hold NET_RAW: such a container is refused and told to drop it
sed '/^default_capabilities/d' "$W/containers.conf" >"$W/compiled-defaults.conf"
CONTAINERS_CONF=$W/compiled-defaults.conf refused "podman 4.3's compiled-in default capabilities (NET_RAW)" \
        'CAP_NET_RAW (bounding set).*--cap-drop NET_RAW' --network none --annotation oci-iptables-hook.policy=deny-out
check "with the compiled-in defaults and --cap-drop NET_RAW the container starts" \
        env CONTAINERS_CONF="$W/compiled-defaults.conf" podman run --rm --network none --cap-drop NET_RAW \
        --annotation oci-iptables-hook.policy=deny-out --rootfs "$ROOTFS" /bin/true
policy count-raw <<'EOF'
{ "version": 1, "description": "podman.sh: counts packets; accepts NET_RAW, the bypass it is",
  "allow_capabilities": ["NET_RAW"],
  "rules": [ { "chain": "INPUT", "comment": "oci-iptables-hook podman.sh" } ] }
EOF
check "a policy with \"allow_capabilities\": [\"NET_RAW\"] lets --cap-add NET_RAW start" \
        podman run --rm --network none --cap-add NET_RAW --annotation oci-iptables-hook.policy=count-raw \
        --rootfs "$ROOTFS" /bin/true
refused "allow_capabilities NET_RAW does not let SYS_ADMIN through" 'CAP_SYS_ADMIN' \
        --network none --cap-add NET_RAW --cap-add SYS_ADMIN --annotation oci-iptables-hook.policy=count-raw

# An empty annotation value: hooks.d's "when" must still run the hook, which refuses it. podman
# trims the value, so a newline arrives as an empty value.
refused "an empty annotation" 'empty policy name' --network none --annotation oci-iptables-hook.policy=
refused "an annotation that is only a newline" 'empty policy name' --network none \
        --annotation $'oci-iptables-hook.policy=\n'

# --- rootful: enforcing mode and an image that carries the annotation ---------------------------
# podman copies an image's annotations into the container's: an image must not be able to replace
# the enforced default (deny-out) with a weaker policy (count-only) of the rules directory.
mkdir -p "$W/hooks-enforcing" "$W/hooks-selectable" "$W/build"
sed -e "s|@BINDIR@|$W/bin|g" -e "s|@RULESDIR@|$W/rules|g" -e "s|@DEFAULT_POLICY@|deny-out|g" \
        "$OIH_SRCDIR/hooks/oci-iptables-hook-enforcing.json.in" >"$W/hooks-enforcing/oci-iptables-hook.json"
sed 's|"--default-policy"|"--selectable", "count-only", "--default-policy"|' \
        "$W/hooks-enforcing/oci-iptables-hook.json" >"$W/hooks-selectable/oci-iptables-hook.json"
echo 'FROM localhost/oih-busybox' >"$W/build/Containerfile"
if out=$(timeout 120 podman build -q --annotation oci-iptables-hook.policy=count-only \
        -t localhost/oih-annotated -f "$W/build/Containerfile" "$W/build" 2>&1); then
        check "the built image carries the annotation" \
                test "$(podman image inspect -f '{{index .Annotations "oci-iptables-hook.policy"}}' localhost/oih-annotated)" = count-only
        out=$(timeout 60 podman --hooks-dir "$W/hooks-enforcing" run --rm --name oih-img-$$ --network none \
                localhost/oih-annotated /bin/true 2>&1) && rc=0 || rc=$?
        if [ "$rc" -ne 0 ] && grep -q 'oci-iptables-hook: .*annotation oci-iptables-hook.policy=count-only names a policy that is not selectable here' <<<"$out"; then
                ok "enforcing: the image's annotation cannot replace the default: refused"
        else
                not_ok "enforcing: the image's annotation cannot replace the default: refused"; diag "$out"
        fi
        podman --hooks-dir "$W/hooks-enforcing" run -d --name oih-enf-$$ --network none \
                localhost/oih-busybox /bin/sleep 600 >/dev/null
        check "enforcing: a container without the annotation gets the default" rules_are "$(pid_of oih-enf-$$)" deny-out
        podman --hooks-dir "$W/hooks-enforcing" run -d --name oih-enf2-$$ --network none \
                --annotation oci-iptables-hook.policy=deny-out localhost/oih-annotated /bin/sleep 600 >/dev/null
        check "enforcing: --annotation naming the default overrides the image's" rules_are "$(pid_of oih-enf2-$$)" deny-out
        podman --hooks-dir "$W/hooks-selectable" run -d --name oih-sel-$$ --network none \
                localhost/oih-annotated /bin/sleep 600 >/dev/null
        check "enforcing with --selectable count-only: the image's annotation selects it" \
                rules_are "$(pid_of oih-sel-$$)" count-only
        out=$(timeout 60 podman --hooks-dir "$W/hooks-enforcing" run --rm --network none \
                --annotation oci-iptables-hook.policy= localhost/oih-busybox /bin/true 2>&1) && rc=0 || rc=$?
        check "enforcing: an empty annotation is refused" test "$rc" -ne 0 -a -n "$(grep 'empty policy name' <<<"$out")"
else
        not_ok "podman build --annotation of a local image"; diag "$out"
fi

check_host_unchanged "after the rootful tests"

# --- rootless --------------------------------------------------------------------------------
# The user exists (scripts/test.sh creates it); its home for podman, its runtime directory and
# its storage are directories of this run, removed with $W.
if ! uid=$(id -u "$TU" 2>/dev/null); then
        skip "the rootless tests" "no user $TU (scripts/test.sh creates it: useradd -m $TU)"
        done_testing
fi
rootless=1
RX=$W/xdg-$uid
RH=$W/home-$uid
install -d -m 700 -o "$TU" "$RX" "$RH"
cp -a "$ROOTFS" "$RH/rootfs"
chown -R "$TU:" "$RH/rootfs"
sed -e '/^tmp_dir/d' -e '/^events_logfile_path/d' -e '/^\[network\]/,$d' "$W/containers.conf" \
        >"$W/rootless.conf"
printf '[storage]\ndriver = "vfs"\n' >"$W/rootless-storage.conf"
ru() {
        runuser -u "$TU" -- env -C / HOME="$RH" XDG_RUNTIME_DIR="$RX" \
                CONTAINERS_CONF="$W/rootless.conf" CONTAINERS_STORAGE_CONF="$W/rootless-storage.conf" "$@"
}
rpid() { ru podman inspect -f '{{.State.Pid}}' "$1"; }
RROOTFS=$RH/rootfs

# slirp4netns needs /dev/net/tun usable by the user, as it is on desktop systems. Before that,
# doctor as the user must name the machine's mode (0600 here) and the fix.
tun_mode=$(stat -c %a /dev/net/tun)
if [ "$tun_mode" = 600 ]; then
        out=$(ru "$W/bin/oci-iptables-hook" doctor --no-podman 2>&1) || true
        check "rootless doctor: /dev/net/tun mode 0600 is named, with the fix" \
                grep -q '^WARN /dev/net/tun: mode 0600: .*chmod 0666 /dev/net/tun' <<<"$out" || diag "$out"
else
        diag "/dev/net/tun is mode $tun_mode already (another test?): the doctor check of mode 0600 is skipped"
fi
chmod 0666 /dev/net/tun

# A listener on the host's loopback: slirp4netns shows it to the container as 10.0.2.2.
port1=$((20000 + $$ % 20000))
port2=$((port1 + 1))
timeout 300 python3 - "$port1" "$port2" <<'EOF' &
import select, socket, sys
socks = []
for port in sys.argv[1:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(port)))
    s.listen(16)
    socks.append(s)
while True:
    for s in select.select(socks, [], [])[0]:
        c, _ = s.accept()
        c.sendall(b"open\n")
        c.close()
EOF
srv_pid=$!
policy rootless-allow <<EOF
{ "version": 1, "description": "podman.sh: the host's loopback port $port1 only",
  "policy": { "INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP" },
  "rules": [
    { "chain": "INPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "destination": "10.0.2.2", "dport": $port1,
      "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "target": "REJECT", "reject_with": "tcp-reset" }
  ] }
EOF
SLIRP=slirp4netns:allow_host_loopback=true
rreaches() { [ "$(ru podman exec "$1" nc -w 3 10.0.2.2 "$2" </dev/null 2>/dev/null)" = open ]; }

if out=$(ru podman run -d --name oih-rplain-$$ --network "$SLIRP" --rootfs "$RROOTFS" /bin/sleep 600 2>&1) \
        && out=$(ru podman run -d --name oih-rfw-$$ --network "$SLIRP" \
                --annotation oci-iptables-hook.policy=rootless-allow --rootfs "$RROOTFS" /bin/sleep 600 2>&1); then
        for _ in $(seq 50); do rreaches oih-rplain-$$ "$port1" && break; sleep 0.1; done
        check "rootless, without the annotation: the host's port $port2 is reached" \
                rreaches oih-rplain-$$ "$port2"
        check "rootless slirp4netns: the allowed port $port1 is reached" rreaches oih-rfw-$$ "$port1"
        check_fails "rootless slirp4netns: port $port2 is not reached" rreaches oih-rfw-$$ "$port2"
        check "rootless slirp4netns: the rules (IPv4 and IPv6) are what \`show\` prints" \
                rules_are "$(rpid oih-rfw-$$)" rootless-allow
        # the user reads its own container's rules from inside its user namespace
        check "rootless: inspect --container (in podman unshare) prints what show prints" \
                cmp -s <(ru podman unshare "$W/bin/oci-iptables-hook" inspect --container oih-rfw-$$) \
                <("$OIH_BIN" show "$W/rules/rootless-allow.json")
        check "rootless: verify --container passes for the container's own policy" \
                ru podman unshare "$W/bin/oci-iptables-hook" verify "$W/rules/rootless-allow.json" --container oih-rfw-$$
        check_fails "rootless: verify --container fails for another policy" \
                ru podman unshare "$W/bin/oci-iptables-hook" verify "$W/rules/deny-out.json" --container oih-rfw-$$
        # and without podman unshare: the command enters the container's user namespace itself
        check "rootless: inspect --container (no podman unshare) prints what show prints" \
                cmp -s <(ru "$W/bin/oci-iptables-hook" inspect --container oih-rfw-$$) \
                <("$OIH_BIN" show "$W/rules/rootless-allow.json")
        check "rootless: verify --container without a policy uses the annotation's" \
                ru "$W/bin/oci-iptables-hook" verify --container oih-rfw-$$ --rules-dir "$W/rules"
        out=$(ru podman exec oih-rfw-$$ /bin/try-replace 2>&1) && rc=0 || rc=$?
        if [ "$rc" -eq 0 ] && [ "$out" = $'ipv4: EPERM\nipv6: EPERM' ]; then
                ok "rootless: the container cannot replace its tables (EPERM)"
        else
                not_ok "rootless: the container cannot replace its tables"; diag "$out"
        fi
else
        not_ok "rootless slirp4netns containers start"; diag "$out"
fi

if out=$(ru podman run -d --name oih-rnone-$$ --network none \
        --annotation oci-iptables-hook.policy=allow-8080 --rootfs "$RROOTFS" /bin/sleep 600 2>&1); then
        check "rootless --network none: the rules are what \`show\` prints" \
                rules_are "$(rpid oih-rnone-$$)" allow-8080
        out=$(ru "$W/bin/oci-iptables-hook" apply --container oih-rnone-$$ --rules-dir "$W/rules" deny-out 2>&1) && rc=0 || rc=$?
        check "rootless: apply --container replaces the user's own container's rules" \
                test "$rc" -eq 0 -a -n "$(rules_are "$(rpid oih-rnone-$$)" deny-out && echo y)" || diag "$out"
        # (its note about the user's container without the annotation goes to stderr)
        out=$(ru "$W/bin/oci-iptables-hook" reload --rules-dir "$W/rules" allow-8080 2>"$W/reload.err") && rc=0 || rc=$?
        check "rootless: reload reaches the user's containers only" \
                test "$rc" -eq 0 -a "$out" = "oih-rnone-$$: reloaded (7 rules)" || diag "$out$(cat "$W/reload.err")"
        check "rootless: and the container has the policy again" rules_are "$(rpid oih-rnone-$$)" allow-8080
        # the capabilities of the user's running container (its /proc/PID/status, read by the
        # user) against the policy as it is now
        policy rraw <<'EOF'
{ "version": 1, "description": "podman.sh: accepts NET_RAW (rootless)", "allow_capabilities": ["NET_RAW"],
  "rules": [ { "chain": "OUTPUT", "protocol": "tcp", "dport": 9, "target": "DROP" } ] }
EOF
        if out=$(ru podman run -d --name oih-rraw-$$ --network none --cap-add NET_RAW \
                --annotation oci-iptables-hook.policy=rraw --rootfs "$RROOTFS" /bin/sleep 600 2>&1); then
                policy rraw <<'EOF'
{ "version": 1, "description": "podman.sh: NET_RAW no longer accepted (rootless)",
  "rules": [ { "chain": "OUTPUT", "protocol": "tcp", "dport": 7, "target": "DROP" } ] }
EOF
                out=$(ru "$W/bin/oci-iptables-hook" reload --rules-dir "$W/rules" rraw 2>&1) && rc=0 || rc=$?
                check "rootless: reload refuses a container holding a capability the edited policy no longer allows" \
                        test "$rc" -eq 1 -a -n "$(grep -F "oih-rraw-$$: container has CAP_NET_RAW" <<<"$out")" ||
                        diag "$out"
                check "rootless: and leaves its rules as they were" \
                        grep -qxF -- '-A OUTPUT -p tcp -m tcp --dport 9 -j DROP' <(ns_rules "$(rpid oih-rraw-$$)" ipv4)
        else
                not_ok "rootless: a container with --cap-add NET_RAW under a policy that accepts it starts"
                diag "$out"
        fi
else
        not_ok "rootless --network none container starts"; diag "$out"
fi

# scripts/install-rootless.sh, as a user would run it, then podman --hooks-dir.
if out=$(ru "$OIH_SRCDIR/scripts/install-rootless.sh" --bin "$W/bin/oci-iptables-hook" 2>&1) \
        && out=$(ru podman --hooks-dir "$RH/.config/oci-iptables-hook/hooks.d" run -d \
                --name oih-rinst-$$ --network none --annotation oci-iptables-hook.policy=deny-all \
                --rootfs "$RROOTFS" /bin/sleep 600 2>&1); then
        cp "$OIH_SRCDIR/rules/deny-all.json" "$W/rules/shipped-deny-all.json"
        check "install-rootless.sh + --hooks-dir: the shipped deny-all policy is applied" \
                rules_are "$(rpid oih-rinst-$$)" shipped-deny-all
else
        not_ok "install-rootless.sh + --hooks-dir: the container starts"; diag "$out"
fi

# A namespace that is not the user's: the user is told that only root can, not just "EPERM".
out=$(ru "$W/bin/oci-iptables-hook" inspect --netns "/run/netns/$ns1" 2>&1) && rc=0 || rc=$?
check "rootless: inspect of root's namespace says why it cannot" test "$rc" -eq 1 -a "$out" = \
        "oci-iptables-hook: inspect: cannot enter the network namespace (only root can read or change its tables): Operation not permitted" ||
        diag "$out"
# doctor as the user: the user's directories, the user namespace, /dev/net/tun
out=$(ru "$W/bin/oci-iptables-hook" doctor --no-podman 2>&1) || true
check "rootless doctor says it checks the user's setup" grep -q "checking this user's rootless podman setup" <<<"$out"
check "rootless doctor: the kernel probe passes in a user namespace" \
        grep -q '^OK   legacy iptables (IPv4)' <<<"$out"
check "rootless doctor: the user's hooks.d from install-rootless.sh" \
        grep -q "^OK   hooks.d file $RH/.config/oci-iptables-hook/hooks.d/oci-iptables-hook.json" <<<"$out"
check "rootless doctor: the user's rules directory" \
        grep -q "^OK   rules directory $RH/.config/oci-iptables-hook/rules" <<<"$out"
check "rootless doctor: the user namespace ranges" grep -q '^OK   user namespace' <<<"$out"

rrefused() {
        local d=$1 want=$2 out rc=0
        shift 2
        out=$(ru timeout 60 podman run --rm "$@" --rootfs "$RROOTFS" /bin/true 2>&1) || rc=$?
        if [ $rc -ne 0 ] && grep -q "oci-iptables-hook: .*$want" <<<"$out"; then
                ok "rootless $d: refused"
        else
                not_ok "rootless $d: refused"; diag "$out"
        fi
}
rrefused "unknown policy" 'not found' --network none --annotation oci-iptables-hook.policy=nope
# Owners as a rootless hook sees them: its user's files are uid 0, host root's and every other
# host user's the overflow uid. Below the user's own rules directory, another user's file is
# refused (docs/security.md).
rconf=$RH/.config/oci-iptables-hook
if [ -d "$rconf/rules" ]; then
        install -m 644 -o nobody -g nogroup "$OIH_SRCDIR/rules/deny-all.json" "$rconf/rules/nobodys.json"
        out=$(ru timeout 60 podman --hooks-dir "$rconf/hooks.d" run --rm --network none \
                --annotation oci-iptables-hook.policy=nobodys --rootfs "$RROOTFS" /bin/true 2>&1) && rc=0 || rc=$?
        if [ $rc -ne 0 ] && grep -q "oci-iptables-hook: .*nobodys.json: it is owned by a user outside this user namespace" <<<"$out"; then
                ok "rootless: a policy of another user in the user's rules directory: refused"
        else
                not_ok "rootless: a policy of another user in the user's rules directory: refused"; diag "$out"
        fi
        rm -f "$rconf/rules/nobodys.json"
fi
rrefused "--cap-add NET_ADMIN" 'CAP_NET_ADMIN' --network none --cap-add NET_ADMIN \
        --annotation oci-iptables-hook.policy=deny-out
rrefused "--cap-add NET_RAW" 'CAP_NET_RAW (bounding set).*--cap-drop NET_RAW' --network none --cap-add NET_RAW \
        --annotation oci-iptables-hook.policy=deny-out
rrefused "--cap-add SYS_ADMIN" 'CAP_SYS_ADMIN' --network none --cap-add SYS_ADMIN \
        --annotation oci-iptables-hook.policy=deny-out
rrefused "--pid host --cap-add SYS_PTRACE" 'CAP_SYS_PTRACE' --network none --pid host --cap-add SYS_PTRACE \
        --annotation oci-iptables-hook.policy=deny-out
rrefused "empty annotation" 'empty policy name' --network none --annotation oci-iptables-hook.policy=

done_testing
