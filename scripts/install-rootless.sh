#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sets up oci-iptables-hook for rootless podman, in your home only (no root needed):
#   ~/.config/oci-iptables-hook/hooks.d/oci-iptables-hook.json   the hook, for --hooks-dir
#   ~/.config/oci-iptables-hook/rules/*.json                     your policies
#   ~/.local/libexec/oci-iptables-hook/oci-iptables-hook         the binary, unless installed
# Then:
#   podman --hooks-dir ~/.config/oci-iptables-hook/hooks.d run \
#          --annotation oci-iptables-hook.policy=deny-all ...
#
# usage: install-rootless.sh [--bin PATH] [--rules-from DIR]
#   --bin PATH        the oci-iptables-hook binary (default: the one on PATH, else build/ of
#                     this source tree)
#   --rules-from DIR  policies to copy (default: rules/ of this source tree); existing files
#                     with the same name are kept
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=""
rules_from=$top/rules
while [ $# -gt 0 ]; do
        case $1 in
        --bin) bin=$2; shift 2 ;;
        --rules-from) rules_from=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "usage: $0 [--bin PATH] [--rules-from DIR]" >&2; exit 2 ;;
        esac
done
if [ -z "$bin" ]; then
        bin=$(command -v oci-iptables-hook || true)
        [ -n "$bin" ] || bin=$top/build/oci-iptables-hook
fi
if [ ! -x "$bin" ]; then
        echo "$0: no oci-iptables-hook binary at $bin: build it (scripts/test.sh) or pass --bin" >&2
        exit 1
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

conf=${XDG_CONFIG_HOME:-$HOME/.config}/oci-iptables-hook
hooks=$conf/hooks.d
rules=$conf/rules
umask 022
mkdir -p "$hooks" "$rules"
# The hook refuses policies that group or others could change, and their directory too.
chmod go-w "$conf" "$hooks" "$rules"

# podman skips, without a word, a hook whose binary is gone: a binary in a build tree that is
# later cleaned would leave containers unfiltered. Keep a copy that stays where the hook says.
case $bin in
/usr/*|/opt/*) bindir=$(dirname "$bin") ;;
*)
        bindir=$HOME/.local/libexec/oci-iptables-hook
        mkdir -p "$bindir"
        install -m 755 "$bin" "$bindir/oci-iptables-hook"
        ;;
esac

if [ -d "$rules_from" ]; then
        for f in "$rules_from"/*.json; do
                case $f in *.schema.json) continue ;; esac
                [ -e "$f" ] || continue
                [ -e "$rules/$(basename "$f")" ] || install -m 644 "$f" "$rules/"
        done
fi

sed -e "s|@BINDIR@|$bindir|g" -e "s|@RULESDIR@|$rules|g" \
        "$top/hooks/oci-iptables-hook.json.in" >"$hooks/oci-iptables-hook.json.tmp"
mv "$hooks/oci-iptables-hook.json.tmp" "$hooks/oci-iptables-hook.json"

cat <<EOF
Installed:
  hook      $hooks/oci-iptables-hook.json
  binary    $bindir/oci-iptables-hook
  policies  $rules

Run a container with a policy:
  podman --hooks-dir $hooks run --annotation oci-iptables-hook.policy=deny-all IMAGE ...

To use the hook without --hooks-dir, add to ~/.config/containers/containers.conf:
  [engine]
  hooks_dir = ["/usr/share/containers/oci/hooks.d", "$hooks"]
(hooks_dir replaces podman's default list: keep the system directory in it.)

A container that fails to start with "oci-iptables-hook: ..." was refused by the hook: the
message says why. Check a policy with: $bindir/oci-iptables-hook check $rules/NAME.json
The hook refuses a container that keeps CAP_NET_RAW, which podman 4.3 gives by default unless
containers.conf sets default_capabilities without it: \`$bindir/oci-iptables-hook doctor\`
shows which capabilities your podman gives; otherwise add --cap-drop NET_RAW.
EOF
