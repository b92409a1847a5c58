/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hook mode: what the OCI runtime hands the hook (the state on stdin, the bundle's config.json),
 * the checks made before a policy is applied, and finding the policy file. Nothing here touches
 * the kernel's tables; cmd-hook.c joins these steps to compile and commit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct oih_policy;

#define OIH_ANNOTATION "oci-iptables-hook.policy"
#define OIH_STATE_MAX (1u << 20)        /* the state is a few hundred bytes */
#define OIH_CONFIG_MAX (16u << 20)      /* config.json carries env and annotations */
/* The runtime writes the state and closes stdin at once; a writer that never closes must not
 * hold the container's start (and the hooks.d timeout) hostage. */
#define OIH_STATE_TIMEOUT_MS 5000
#define OIH_POLICY_NAME_MAX 128
#define OIH_ID_MAX 1024

enum oih_stage { OIH_STAGE_CREATE_CONTAINER, OIH_STAGE_CREATE_RUNTIME, OIH_STAGE_PRESTART };
int oih_stage_parse(const char *s, enum oih_stage *ret, struct oih_error *err);
const char *oih_stage_name(enum oih_stage s);

/* The OCI state, as far as the hook needs it. */
struct oih_state {
        char *id;
        char *bundle;
        long pid;       /* -1: absent */
        char *policy;   /* the annotation's value; NULL: no annotation */
};
/* Reads FD to its end (at most OIH_STATE_MAX bytes, within OIH_STATE_TIMEOUT_MS) and parses
 * it. Duplicate keys and keys that differ only by case from one the hook reads are refused. */
int oih_state_read(int fd, struct oih_state *ret, struct oih_error *err);
int oih_state_parse(const char *buf, size_t len, struct oih_state *ret, struct oih_error *err);
void oih_state_clear(struct oih_state *s);

/* The capabilities that let a workload leave or bypass its network namespace's filter, in the
 * order they are checked (docs/security.md says why each one is here). A policy may accept
 * some of them by name ("allow_capabilities"): a bit per entry of this table. */
enum oih_cap {
        OIH_CAP_NET_ADMIN, OIH_CAP_NET_RAW, OIH_CAP_SYS_ADMIN, OIH_CAP_SYS_MODULE, OIH_CAP_SYS_RAWIO,
        OIH_CAP_DAC_READ_SEARCH, OIH_CAP_BPF, OIH_CAP_PERFMON, OIH_CAP_SYS_PTRACE, OIH_NCAPS
};
#define OIH_CAPBIT(c) (1u << (c))
/* "NET_RAW" (no "CAP_" prefix) for each entry. */
const char *oih_cap_name(enum oih_cap c);
/* The entry NAME ("NET_RAW" or "CAP_NET_RAW", as podman and the OCI spec write them), or -1. */
int oih_cap_lookup(const char *name);

enum oih_cap_set { OIH_SET_BOUNDING, OIH_SET_EFFECTIVE, OIH_SET_INHERITABLE, OIH_SET_PERMITTED,
                   OIH_SET_AMBIENT, OIH_NSETS };

/* What the bundle's config.json says about the container's network and capabilities. */
struct oih_netcfg {
        bool netns;             /* linux.namespaces has a "network" entry */
        char *netns_path;       /* it joins that namespace; NULL: a new one */
        bool pidns_shared;      /* no "pid" entry, or one with a path: other processes are visible */
        unsigned caps[OIH_NSETS]; /* per capability set, the OIH_CAPBIT of the table's entries */
};
/* Parses config.json as runc would read it, and refuses what runc would read differently:
 * duplicate keys, and keys that differ only by case from a field the hook reads. */
int oih_config_parse(const char *buf, size_t len, struct oih_netcfg *ret, struct oih_error *err);
/* Reads BUNDLE/config.json and parses it. */
int oih_config_load(const char *bundle, struct oih_netcfg *ret, struct oih_error *err);
void oih_netcfg_clear(struct oih_netcfg *c);
/* A running container's first process as /proc/PID/status describes it (STATUS: that file's
 * text): its capability sets, and whether its PID namespace is shared (its pid in the innermost
 * namespace is not 1). netns is true: the caller acts on the process's own namespace. */
int oih_status_netcfg(const char *status, struct oih_netcfg *ret, struct oih_error *err);
int oih_proc_netcfg(long pid, struct oih_netcfg *ret, struct oih_error *err);
/* Refuses a container the policy cannot hold: one that shares the host's network namespace or
 * that holds a capability of the table above, unless ALLOWED (OIH_CAPBIT) accepts it. */
int oih_netcfg_check(const struct oih_netcfg *c, unsigned allowed, struct oih_error *err);

/* A policy name is [A-Za-z0-9_.-]+, not starting with '.', without "..", at most
 * OIH_POLICY_NAME_MAX bytes: it can only ever name a file directly inside a rules directory. */
int oih_policy_name_check(const char *name, struct oih_error *err);
/* The policy a container gets: ANNOTATION's, or DEFAULT_POLICY (may be NULL) when the container
 * has none. podman copies an image's annotations into the container's, so the annotation is the
 * image's choice as much as the user's: once the hook enforces a default or lists SELECTABLE
 * policies, an annotation may name only the default or one of SELECTABLE; anything else is
 * refused. *RET points to ANNOTATION or DEFAULT_POLICY. */
int oih_policy_choose(const char *annotation, const char *default_policy, const char *const *selectable,
                      size_t nselectable, const char **ret, struct oih_error *err);

/* Opens the rules directory DIR (an absolute path) from "/" down, one directory at a time,
 * without following symbolic links, and returns its descriptor. Every directory on the way must
 * be owned by root (rootless: see hook.c) and not writable by group or others. -ENOENT when it
 * does not exist, -1 with ERR filled when it is refused. */
int oih_rules_dir_open(const char *dir, struct oih_error *err);
/* Opens NAME.json in the first of DIRS that has it, through oih_rules_dir_open. Refuses
 * symbolic links, anything but a regular file, and a file or directory that anyone but root
 * (rootless: the hook's user) owns or that group or others could write. Returns the open file
 * descriptor; *RET_PATH (malloc'ed) names the file read, for messages and the log. */
int oih_policy_open(const char *const *dirs, size_t ndirs, const char *name, char **ret_path,
                    struct oih_error *err);
/* Opens NAME.json as oih_policy_open does and loads it into *RET. *RET_PATH is set (malloc'ed,
 * or NULL when nothing was opened) whether or not the policy is good. */
int oih_policy_load_named(const char *const *dirs, size_t ndirs, const char *name, struct oih_policy **ret,
                          char **ret_path, struct oih_error *err);
