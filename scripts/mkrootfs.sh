#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds a minimal root filesystem from busybox-static, so that containers need no registry.
#   mkrootfs.sh DIR [--add FILE]... [--image NAME]
# DIR gets /bin/busybox, its applets as symbolic links, and every --add FILE in /bin (use static
# binaries: the root filesystem has no libraries). --image NAME also imports DIR as a local
# podman image NAME (into the storage of the user who runs this script).
set -euo pipefail

usage() { echo "usage: $0 DIR [--add FILE]... [--image NAME]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1; shift
adds=() image=
while [ $# -gt 0 ]; do
        case $1 in
        --add) [ $# -ge 2 ] || usage; adds+=("$2"); shift 2 ;;
        --image) [ $# -ge 2 ] || usage; image=$2; shift 2 ;;
        *) usage ;;
        esac
done

busybox=
for b in /bin/busybox /usr/bin/busybox; do
        # Debian's busybox-static is the static one; a dynamic busybox would not run in DIR.
        if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || { echo "$0: no static busybox found (apt-get install busybox-static)" >&2; exit 1; }

mkdir -p "$dir"/{bin,etc,tmp,proc,sys,dev,root,run,var/tmp}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
# The runtime mounts its own files here; they must exist when the root filesystem is not
# writable by the container's user (rootless podman with --rootfs).
touch "$dir"/etc/{hosts,resolv.conf,hostname}
cp "$busybox" "$dir/bin/busybox"
for applet in $("$dir/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
done
for f in "${adds[@]}"; do cp "$f" "$dir/bin/"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$dir/etc/group"

if [ -n "$image" ]; then
        tar -C "$dir" -c . | podman import -q --change 'CMD ["/bin/sh"]' - "$image" >/dev/null
fi
