#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oci-iptables-hook in two minutes: installs what is missing (Debian, apt-get), builds, makes a
# busybox image locally (no registry), and starts podman containers with policies on an
# --internal network of its own. For each it prints what the container could reach, which of
# its rules it got, and that it cannot change them. Everything it creates is removed on exit.
#
# usage: sudo scripts/demo.sh          (OIH_BUILD_DIR=DIR to build elsewhere than build/)
#
# Only the demo's own containers are ever contacted (198.51.100.0/24, 2001:db8:5100::/64 on an
# internal network with no way out). Podman's state lives in a temporary directory, so your own
# containers, images and networks are not touched.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
        echo "demo.sh: run as root (sudo $0): it creates a podman network and containers" >&2
        exit 1
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# --- dependencies and build ------------------------------------------------------------------
packages=(gcc make autoconf automake pkg-config libip4tc-dev libip6tc-dev libxtables-dev
          libjson-c-dev iptables iproute2 podman runc busybox-static uidmap slirp4netns)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# OIH_BUILD_DIR: where to build (default build/ of the source tree, as scripts/test.sh does).
build=${OIH_BUILD_DIR:-$top/build}
say "building in $build"
(
        cd "$top"
        [ -x configure ] || autoreconf -fi >/dev/null
        mkdir -p "$build"
        cd "$build"
        [ -f Makefile ] || "$top/configure" -q
        make -j"$(nproc)" >/dev/null
)
bin=$build/oci-iptables-hook

# The kernel must offer legacy xtables (see docs/hook.md): say so now, not in a container error.
if ! unshare -n iptables-legacy-save -t filter >/dev/null 2>&1; then
        echo "demo.sh: this kernel has no legacy iptables (ip_tables); the hook cannot work here" >&2
        exit 1
fi

# --- podman, confined to a temporary directory -----------------------------------------------
# not under /tmp: the hook refuses rules below a directory others can write
W=$(mktemp -d /run/oih-demo.XXXXXX)
NET=oih-demo-$$
. "$top/scripts/podman-sandbox.sh"
cleanup() {
        set +e
        podman network rm -f "$NET" >/dev/null 2>&1
        podman_sandbox_remove "$W"
}
trap cleanup EXIT
mkdir -p "$W"/{hooks,rules,networks,tmp}
podman_sandbox "$W" "$W/hooks"

sed -e "s|@BINDIR@|$(dirname "$bin")|g" -e "s|@RULESDIR@|$W/rules|g" \
        "$top/hooks/oci-iptables-hook.json.in" >"$W/hooks/oci-iptables-hook.json"
for f in "$top"/rules/*.json; do
        case $f in *.schema.json) ;; *) install -m 644 "$f" "$W/rules/" ;; esac
done
cat >"$W/rules/demo-web.json" <<'EOF'
{ "version": 1,
  "description": "demo: HTTP to 198.51.100.10 (IPv4 and IPv6) and nothing else",
  "policy": { "INPUT": "DROP", "FORWARD": "DROP", "OUTPUT": "DROP" },
  "rules": [
    { "chain": "INPUT", "in_interface": "lo", "target": "ACCEPT" },
    { "chain": "INPUT", "ctstate": ["ESTABLISHED", "RELATED"], "target": "ACCEPT" },
    { "chain": "INPUT", "protocol": "icmpv6", "target": "ACCEPT" },
    { "chain": "OUTPUT", "out_interface": "lo", "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "icmpv6", "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "destination": ["198.51.100.10", "2001:db8:5100::10"],
      "dport": 80, "target": "ACCEPT" },
    { "chain": "OUTPUT", "protocol": "tcp", "target": "REJECT", "reject_with": "tcp-reset" }
  ] }
EOF
echo '{ "version": 1, "rules": [ { "chain": "INPUT", "comment": "demo" } ] }' >"$W/rules/demo-count.json"
chmod 644 "$W/rules/demo-web.json" "$W/rules/demo-count.json"

say "building a local busybox root filesystem"
gcc -static -O2 -o "$W/try-replace" "$top/tests/helpers/try-replace.c"
"$top/scripts/mkrootfs.sh" "$W/rootfs" --add "$W/try-replace"
R=$W/rootfs

say "creating the internal network $NET and two servers"
v6=1
if ! podman network create --internal --subnet 198.51.100.0/24 --ipv6 --subnet 2001:db8:5100::/64 \
        "$NET" >/dev/null 2>&1; then
        v6=
        podman network create --internal --subnet 198.51.100.0/24 "$NET" >/dev/null
fi
serve='nc -ll -p 80 -e /bin/echo open & nc -ll -p 443 -e /bin/echo open & wait'
podman run -d --name oih-demo-srv1-$$ --network "$NET" --ip 198.51.100.10 \
        ${v6:+--ip6 2001:db8:5100::10} --rootfs "$R" /bin/sh -c "$serve" >/dev/null
podman run -d --name oih-demo-srv2-$$ --network "$NET" --ip 198.51.100.20 \
        ${v6:+--ip6 2001:db8:5100::20} --rootfs "$R" /bin/sh -c "$serve" >/dev/null
targets=(198.51.100.10:80 198.51.100.10:443 198.51.100.20:80)
[ -n "$v6" ] && targets+=("[2001:db8:5100::10]:80" "[2001:db8:5100::20]:80")
echo "servers: 198.51.100.10 and 198.51.100.20${v6:+ (and 2001:db8:5100::10, ::20)}, ports 80 and 443"

# scenario TITLE [POLICY]: one container, what it reaches, its rules, and a try to change them.
scenario() {
        local title=$1 policy=${2:-} name=oih-demo-c-$RANDOM t host port out
        say "$title"
        local ann=()
        [ -n "$policy" ] && ann=(--annotation "oci-iptables-hook.policy=$policy")
        echo "\$ podman run --network $NET ${ann[*]} busybox ..."
        podman run -d --name "$name" --network "$NET" "${ann[@]}" --rootfs "$R" /bin/sleep 300 >/dev/null
        for t in "${targets[@]}"; do
                host=${t%:*} port=${t##*:}
                host=${host#[} host=${host%]}
                out=$(podman exec "$name" nc -w 2 "$host" "$port" </dev/null 2>/dev/null || true)
                if [ "$out" = open ]; then
                        printf '  %-26s reached\n' "$t"
                else
                        printf '  %-26s blocked\n' "$t"
                fi
        done
        local pid
        pid=$(podman inspect -f '{{.State.Pid}}' "$name")
        echo "  rules in the container's namespace (iptables-legacy-save / ip6tables-legacy-save):"
        { nsenter -t "$pid" -n iptables-legacy-save -t filter
          nsenter -t "$pid" -n ip6tables-legacy-save -t filter; } 2>/dev/null \
                | grep -E '^(:|-A)' | sed 's/ \[[0-9]*:[0-9]*\]//; s/^/    /' || echo "    (none)"
        echo "  the container tries to replace its tables: $(podman exec "$name" /bin/try-replace | tr '\n' ' ')"
        podman rm -f -t 0 "$name" >/dev/null
}

for _ in $(seq 50); do
        podman exec oih-demo-srv1-$$ nc -w 1 127.0.0.1 80 </dev/null >/dev/null 2>&1 && break
        sleep 0.1
done
scenario "no annotation: the hook does not touch the container"
scenario "deny-all (the original project's first hook)" deny-all
scenario "deny-all-allow-some (the original's second hook: allows only 1.1.1.1, which this demo never contacts)" \
        deny-all-allow-some
scenario "demo-web: HTTP to 198.51.100.10 only, IPv4 and IPv6" demo-web

say "containers the hook refuses (they do not start)"
refused() {
        local out
        echo "\$ podman run $* busybox true"
        if out=$(podman run --rm "$@" --rootfs "$R" /bin/true 2>&1); then
                echo "  started (unexpected!)"
        else
                echo "  refused: $(grep -o 'oci-iptables-hook: .*' <<<"$out" | head -1)"
        fi
}
refused --network none --annotation oci-iptables-hook.policy=no-such-policy
refused --network none --annotation oci-iptables-hook.policy=../../etc/passwd
refused --network none --cap-add NET_ADMIN --annotation oci-iptables-hook.policy=deny-all
# NET_RAW sends frames no iptables chain sees; the sandbox's default capabilities leave it out
refused --network none --cap-add NET_RAW --annotation oci-iptables-hook.policy=deny-all
refused --network none --annotation oci-iptables-hook.policy=
# demo-count only counts packets: harmless even if it ever landed on the host.
refused --network host --annotation oci-iptables-hook.policy=demo-count

say "done: every container, the network and $W are removed on exit"
