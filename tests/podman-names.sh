#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Host names in policies under real podman and runc, rootful and rootless: a container reaches
# the host its policy names and not an unnamed one; when the name's answer changes, `resolve
# --once` (what the systemd timer runs) moves the running container's allowance; a name that
# stops resolving refuses the next container.
#
# Needs root: it creates --internal podman networks and containers, all removed on exit. The
# rootless part runs as the user oih-names that scripts/test.sh creates (not oih-test with a home
# of this run, as podman.sh does: podman 4.3 does not find a rootless --internal network that it
# created under a $HOME other than the user's own); what it leaves in that home is removed on
# exit, and without the user the rootless part is skipped. The only DNS server is the dnsmasq this test starts on the host's loopback (127.0.0.1, a
# port of its own, answering only for *.test from its own records, --no-resolv); every command
# is given --server pointing at it. Packets go only to containers on the test's internal
# networks (203.0.113.0/25 rootful, 203.0.113.128/25 rootless; the machine's own network may
# be 192.0.2.0/24). Podman's state lives in a directory
# of the test's own (scripts/podman-sandbox.sh).
: "${OIH_BIN:?}" "${OIH_SRCDIR:?}"
# shellcheck source=tests/lib.sh
. "$OIH_SRCDIR/tests/lib.sh"
need_root
for t in podman runc dnsmasq newuidmap nsenter busybox; do
        command -v "$t" >/dev/null || skip_all "$t is missing"
done

# Not under /tmp: the hook refuses rules below a directory others can write.
W=$(mktemp -d /run/oih-pnames.XXXXXX)
chmod 755 "$W"
NET=oih-nnet-$$
RNET=oih-rnet-$$
TU=oih-names
RX=
RH=
dns_pid=
rootless=

ru() {
        runuser -u "$TU" -- env -C / HOME="$RH" XDG_RUNTIME_DIR="$RX" \
                CONTAINERS_CONF="$W/rootless.conf" CONTAINERS_STORAGE_CONF="$W/rootless-storage.conf" "$@"
}
cleanup() {
        set +e
        podman rm -af -t 0 >/dev/null 2>&1
        podman network rm -f "$NET" >/dev/null 2>&1
        if [ -n "$rootless" ]; then
                ru podman rm -af -t 0 >/dev/null 2>&1
                ru podman network rm -f "$RNET" >/dev/null 2>&1
                local p
                p=$(cat "$RX/libpod/tmp/pause.pid" 2>/dev/null)
                [ -n "$p" ] && kill "$p" 2>/dev/null
                for _ in $(seq 50); do
                        [ -z "$(ps -u "$TU" -o pid= 2>/dev/null)" ] && break
                        sleep 0.1
                done
                # the user stays (scripts/test.sh made it); what this run put in its home goes
                rm -rf "$RH/rootfs" "$RH/.local/state/oci-iptables-hook" "$RH/.local/share/containers" \
                        "$RH/.config/containers"
        fi
        [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null && wait "$dns_pid" 2>/dev/null
        t_cleanup
        podman_sandbox_remove "$W"
}
trap cleanup EXIT

mkdir -p "$W"/{hooks,hooks-rootless,rules,bin,names}
. "$OIH_SRCDIR/scripts/podman-sandbox.sh"
podman_sandbox "$W" "$W/hooks"
install -m 755 "$OIH_BIN" "$W/bin/oci-iptables-hook"
"$OIH_SRCDIR/scripts/mkrootfs.sh" "$W/rootfs"
ROOTFS=$W/rootfs

# --- the test's DNS server: dnsmasq on 127.0.0.1:PORT, *.test only --------------------------------
PORT=$((20000 + $$ % 20000))
SERVER=127.0.0.1:$PORT
dns() { # HOST-RECORDS...: (re)starts dnsmasq with exactly these answers
        if [ -n "$dns_pid" ]; then kill "$dns_pid"; wait "$dns_pid" 2>/dev/null || true; fi
        local args=() r
        for r in "$@"; do args+=(--host-record="$r"); done
        dnsmasq --keep-in-foreground --no-resolv --no-hosts --local=/test/ --port="$PORT" \
                --listen-address=127.0.0.1 --bind-interfaces --user=root --pid-file= \
                --log-facility="$W/dns.log" --log-queries "${args[@]+"${args[@]}"}" &
        dns_pid=$!
        for _ in $(seq 50); do
                ss -lun | grep -q "127.0.0.1:$PORT " && return 0
                sleep 0.1
        done
        return 1
}

policy() { cat >"$W/rules/$1.json"; chmod 644 "$W/rules/$1.json"; }
# web.test is the only host reached on 8080; name_grace 0: a lost address goes at once.
policy named <<'EOF'
{ "version": 1, "description": "podman-names.sh: TCP 8080 to web.test only", "name_grace": 0,
  "policy": { "INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP" },
  "rules": [
    { "chain": "INPUT", "in_interface": "lo", "target": "ACCEPT" },
    { "chain": "INPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT" },
    { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "destination": {"name": "web.test", "family": "ipv4"},
      "dport": 8080, "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "target": "REJECT", "reject_with": "tcp-reset" }
  ] }
EOF

hooks_file() { # FILE CACHE
        cat >"$1" <<EOF
{ "version": "1.0.0",
  "hook": { "path": "$W/bin/oci-iptables-hook",
            "args": ["oci-iptables-hook", "hook", "--rules-dir", "$W/rules", "--cache", "$2",
                     "--server", "$SERVER"],
            "timeout": 30 },
  "when": { "annotations": { "^oci-iptables-hook\\\\.policy\$": ".*" } },
  "stages": ["createContainer"] }
EOF
}
CACHE=$W/names/names.cache
hooks_file "$W/hooks/oci-iptables-hook.json" "$CACHE"

# --- the three scenarios, for one side (rootful or rootless) ------------------------------------
# RUN is "" (root) or "ru" (the test user); NAMED and UNNAMED the two servers' addresses.
scenario() {
        local side=$1 run=$2 cache=$3 named=$4 unnamed=$5 net=$6 hooks=$7 rootfs=$8
        local P="$side" c=oih-nc-$side-$$
        reaches() { [ "$($run podman exec "$c" nc -w 2 "$1" 8080 </dev/null 2>/dev/null)" = open ]; }
        resolve_once() { $run timeout 60 "$W/bin/oci-iptables-hook" resolve --once --server "$SERVER" --cache "$cache" "$@"; }

        dns "web.test,$named" "other.test,$unnamed"
        check "$P: resolve --once fills the cache from the test's dnsmasq" resolve_once "$W/rules/named.json"
        local out rc=0
        out=$($run podman --hooks-dir "$hooks" run -d --name "$c" --network "$net" --cap-drop NET_RAW \
                --annotation oci-iptables-hook.policy=named --rootfs "$rootfs" /bin/sleep 600 2>&1) || rc=$?
        if [ $rc -ne 0 ]; then
                not_ok "$P: a container whose policy names web.test starts"; diag "$out"
                return
        fi
        ok "$P: a container whose policy names web.test starts"
        for _ in $(seq 30); do reaches "$named" && break; sleep 0.2; done
        check "$P: it reaches the named host ($named:8080)" reaches "$named"
        check_fails "$P: it does not reach the unnamed host ($unnamed:8080)" reaches "$unnamed"
        check "$P: the hook recorded it for the refresh" test -n "$(ls "$(dirname "$cache")/containers")"

        # The answer changes; the timer's next run moves the running container's allowance.
        dns "web.test,$unnamed"
        local t0=$SECONDS moved=
        for _ in $(seq 10); do
                resolve_once || true
                if reaches "$unnamed"; then moved=1; break; fi
                sleep 1
        done
        check "$P: after web.test moved, the running container reaches $unnamed (refresh: $((SECONDS - t0)) s)" test -n "$moved"
        check_fails "$P: and no longer $named (name_grace 0)" reaches "$named"

        # inspect: which addresses the name has in the rules now, and when the cache's answer came
        local insp="$W/bin/oci-iptables-hook inspect --container $c --cache $cache"
        [ -z "$run" ] || insp="podman unshare $insp"
        out=$($run $insp 2>&1) || true
        if grep -qE "^# name web\.test: in the rules \[ *\"$unnamed\" *\]; last answer 20[0-9-]+T[0-9:]+Z \([0-9]+ s ago, TTL [0-9]+\): $unnamed\$" <<<"$out" &&
                grep -q -- "-A OUTPUT -d $unnamed/32 -p tcp -m tcp --dport 8080 -j ACCEPT" <<<"$out"; then
                ok "$P: inspect shows web.test's address in the rules and when it was resolved"
        else
                not_ok "$P: inspect shows web.test's address in the rules and when it was resolved"; diag "$out"
        fi
        out=$($run $insp --json 2>&1) || true
        if python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
n = d["names"][0]
assert n["name"] == "web.test" and n["addresses"] == [sys.argv[1]] and n["answer"] == [sys.argv[1]], n
assert n["status"] == "ok" and n["resolved"].endswith("Z") and 0 <= n["resolved_ago"] < 60, n
assert any(r.get("destination") == sys.argv[1] + "/32" or r.get("destination") == sys.argv[1] for r in d["rules"]), d["rules"]
' "$unnamed" <<<"$out"; then
                ok "$P: inspect --json has the names beside the live policy"
        else
                not_ok "$P: inspect --json has the names beside the live policy"; diag "$out"
        fi

        # The name stops resolving: the next container is refused, naming it.
        dns "other.test,$unnamed"
        resolve_once "$W/rules/named.json" >/dev/null 2>&1 || true
        check "$P: the cache says web.test does not exist" grep -q '^name web.test .* nxdomain$' "$cache"
        check_fails "$P: the running container loses web.test's address" reaches "$unnamed"
        rc=0
        out=$($run timeout 60 podman --hooks-dir "$hooks" run --rm --name "$c-2" --network "$net" \
                --cap-drop NET_RAW --annotation oci-iptables-hook.policy=named --rootfs "$rootfs" /bin/true 2>&1) || rc=$?
        if [ $rc -ne 0 ] && grep -q 'oci-iptables-hook: .*web.test.*does not exist' <<<"$out"; then
                ok "$P: the next container is refused with a line naming web.test"
        else
                not_ok "$P: the next container is refused with a line naming web.test"; diag "$out"
        fi
        $run podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
}

servers() { # RUN NET ADDR... : a server answering "open" on 8080 at each address
        local run=$1 net=$2 rootfs=$3 a
        shift 3
        for a in "$@"; do
                $run podman run -d --name "oih-ns-${a//./-}-$$" --network "$net" --ip "$a" --cap-drop NET_RAW \
                        --rootfs "$rootfs" /bin/sh -c 'nc -ll -p 8080 -e /bin/echo open' >/dev/null
        done
}

# --- rootful -----------------------------------------------------------------------------------
podman network create --internal --subnet 203.0.113.0/25 "$NET" >/dev/null
servers "" "$NET" "$ROOTFS" 203.0.113.10 203.0.113.20
scenario rootful "" "$CACHE" 203.0.113.10 203.0.113.20 "$NET" "$W/hooks" "$ROOTFS"

# A running container whose policy named no host, edited to name one and reloaded: reload records
# it as the hook records its own, so that the refresh keeps it current when the name moves.
reload_names() { # A B: the two servers
        local a=$1 b=$2 c=oih-nr-$$ out rc=0 id
        reaches() { [ "$(podman exec "$c" nc -w 2 "$1" 8080 </dev/null 2>/dev/null)" = open ]; }
        resolve_once() { timeout 60 "$W/bin/oci-iptables-hook" resolve --once --server "$SERVER" --cache "$CACHE" "$@"; }
        policy later-named <<EOF
{ "version": 1, "description": "podman-names.sh: TCP 8080 to $a, no name yet", "name_grace": 0,
  "policy": { "OUTPUT": "DROP" },
  "rules": [ { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" },
             { "chain": "OUTPUT", "protocol": "tcp", "destination": "$a", "dport": 8080, "target": "ACCEPT" } ] }
EOF
        if ! out=$(podman --hooks-dir "$W/hooks" run -d --name "$c" --network "$NET" --cap-drop NET_RAW \
                --annotation oci-iptables-hook.policy=later-named --rootfs "$ROOTFS" /bin/sleep 600 2>&1); then
                not_ok "reload: a container whose policy names no host starts"; diag "$out"
                return
        fi
        id=$(podman inspect -f '{{.Id}}' "$c")
        for _ in $(seq 30); do reaches "$a" && break; sleep 0.2; done
        check "reload: the container reaches $a, which its policy names by address" reaches "$a"
        check_fails "reload: the hook left no record (no names)" test -e "$(dirname "$CACHE")/containers/$id"
        policy later-named <<'EOF'
{ "version": 1, "description": "podman-names.sh: TCP 8080 to web.test, edited", "name_grace": 0,
  "policy": { "OUTPUT": "DROP" },
  "rules": [ { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" },
             { "chain": "OUTPUT", "protocol": "tcp", "destination": {"name": "web.test", "family": "ipv4"},
               "dport": 8080, "target": "ACCEPT" } ] }
EOF
        dns "web.test,$a"
        resolve_once "$W/rules/later-named.json" >/dev/null 2>&1 || true
        out=$("$W/bin/oci-iptables-hook" reload --rules-dir "$W/rules" --cache "$CACHE" later-named 2>"$W/reload.err") ||
                rc=$?
        check "reload of the edited policy (it names web.test now)" \
                test "$rc" -eq 0 -a "$out" = "$c: reloaded (2 rules)" || diag "$out$(cat "$W/reload.err")"
        check "reload recorded the container for the refresh of its names" \
                grep -q "^policy $W/rules/later-named.json\$" "$(dirname "$CACHE")/containers/$id"
        dns "web.test,$b"
        local moved=
        for _ in $(seq 10); do
                resolve_once >/dev/null 2>&1 || true
                if reaches "$b"; then moved=1; break; fi
                sleep 1
        done
        check "reload: after web.test moved, the refresh gave the container $b" test -n "$moved"
        check_fails "reload: and took $a away (name_grace 0)" reaches "$a"
        podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
}
reload_names 203.0.113.10 203.0.113.20

# --- rootless ----------------------------------------------------------------------------------
if ! id -u "$TU" >/dev/null 2>&1; then
        skip "rootless" "no user $TU (scripts/test.sh creates it: useradd -m $TU)"
        check "every query went to the test's dnsmasq (its log saw web.test)" grep -q 'query\[A\] web.test from 127.0.0.1' "$W/dns.log"
        done_testing
fi
rootless=1
uid=$(id -u "$TU")
RX=$W/xdg-$uid
RH=$(getent passwd "$TU" | cut -d: -f6)
install -d -m 700 -o "$TU" "$RX"
cp -a "$ROOTFS" "$RH/rootfs"
chown -R "$TU:" "$RH/rootfs"
sed -e '/^tmp_dir/d' -e '/^events_logfile_path/d' -e '/^hooks_dir/d' -e '/^\[network\]/,$d' \
        "$W/containers.conf" >"$W/rootless.conf"
printf '[storage]\ndriver = "vfs"\n' >"$W/rootless-storage.conf"
RCACHE=$RH/.local/state/oci-iptables-hook/names.cache
hooks_file "$W/hooks-rootless/oci-iptables-hook.json" "$RCACHE"
if out=$(ru podman network create --internal --subnet 203.0.113.128/25 "$RNET" 2>&1); then
        servers ru "$RNET" "$RH/rootfs" 203.0.113.140 203.0.113.150
        scenario rootless ru "$RCACHE" 203.0.113.140 203.0.113.150 "$RNET" "$W/hooks-rootless" "$RH/rootfs"
else
        not_ok "rootless: an --internal network"; diag "$out"
fi

check "every query went to the test's dnsmasq (its log saw web.test)" grep -q 'query\[A\] web.test from 127.0.0.1' "$W/dns.log"
done_testing
