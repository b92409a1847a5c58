# SPDX-License-Identifier: GPL-2.0-or-later
# Source this: podman confined to one directory, so that the demo, the tests and the benchmark
# never touch the machine's own containers, images or networks. The settings are the ones hosts
# like the test machines need: runc (crun fails with "cgroups in hybrid mode not supported") and
# explicit ulimits (podman cannot raise its default ones without CAP_SYS_RESOURCE).
# The default capabilities leave NET_RAW out (docs/security.md).
#
#   podman_sandbox DIR [HOOKS_DIR]   write DIR/containers.conf and DIR/storage.conf (vfs storage in
#                                    DIR), point CONTAINERS_CONF and CONTAINERS_STORAGE_CONF at them;
#                                    HOOKS_DIR, if given, is podman's hooks_dir
#   podman_sandbox_remove DIR        remove every container of the sandbox, then DIR itself

podman_sandbox() {
        local dir=$1 hooks=${2:-}
        mkdir -p "$dir/tmp" "$dir/networks"
        {
                printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
                # podman 4.3's compiled-in list without NET_RAW, MKNOD and AUDIT_WRITE, as Debian's
                # containers.conf has it: the hook refuses a container with NET_RAW
                printf 'default_capabilities = [%s]\n' "$(printf '"%s", ' CHOWN DAC_OVERRIDE FOWNER FSETID \
                        KILL NET_BIND_SERVICE SETFCAP SETGID SETPCAP SETUID SYS_CHROOT | sed 's/, $//')"
                printf '[engine]\nruntime = "runc"\n'
                [ -n "$hooks" ] && printf 'hooks_dir = ["%s"]\n' "$hooks"
                printf 'tmp_dir = "%s/tmp"\nevents_logger = "file"\nevents_logfile_path = "%s/events.log"\n' "$dir" "$dir"
                printf '[network]\nnetwork_config_dir = "%s/networks"\n' "$dir"
        } >"$dir/containers.conf"
        printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$dir" "$dir" \
                >"$dir/storage.conf"
        export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
}

podman_sandbox_remove() {
        local dir=$1
        podman pod rm -af -t 0 >/dev/null 2>&1 || true
        podman rm -af -t 0 >/dev/null 2>&1 || true
        # conmon runs podman's cleanup of each container after it exits: wait for those, or they
        # would create the storage again after it is removed
        local _
        for _ in $(seq 50); do
                pgrep -f -- "$dir/" >/dev/null 2>&1 || break
                sleep 0.2
        done
        # podman can leave shm mounts inside its storage: unmount them before removing it
        awk -v p="$dir/" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r |
                xargs -r -n1 umount -l 2>/dev/null || true
        # and should one still write there for a moment, remove it again
        for _ in 1 2 3 4 5 6 7 8 9 10; do
                rm -rf "$dir" 2>/dev/null || true
                [ -e "$dir" ] || break
                sleep 0.3
        done
}
