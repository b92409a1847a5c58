/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS names in policies (docs/policy-format.md, "Names"): their syntax, the cache of their
 * addresses that `resolve` keeps on the host, and the step that replaces a policy's names with
 * the cached addresses before it is compiled (the hook, apply, show, the refresh). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "policy.h"

#define OIH_NAME_MAXLEN 253
#define OIH_MAX_NAMES 256               /* distinct names in one policy */
#define OIH_NAME_MAX_ADDRS 128          /* addresses kept per name (both families) */
#define OIH_CACHE_MAX_NAMES 4096
#define OIH_CACHE_MAX_SIZE (4u << 20)
#define OIH_NAME_MIN_FRESH 120          /* seconds an answer counts as fresh at least (TTL 0...) */
#define OIH_NAME_MAX_FRESH 86400        /* ... and at most */
#define OIH_GRACE_DEFAULT 600
#define OIH_GRACE_MAX 86400

/* Checks S as a host name (RFC 1123 labels, at least two of them, the last not all digits,
 * one trailing dot allowed) and writes its canonical form (lower case, no trailing dot) to
 * OUT (OIH_NAME_MAXLEN + 1 bytes). On failure returns -1 with WHY set to a short reason. */
int oih_name_canon(const char *s, char *out, const char **why);

struct oih_cached_addr {
        uint8_t family;         /* enum oih_family */
        uint8_t addr[16];
        int64_t seen;           /* last answer that held it */
};

enum oih_name_status { OIH_NAME_OK, OIH_NAME_NXDOMAIN, OIH_NAME_FAILED };
/* "ok", "nxdomain", "failed": as the cache file and inspect --json write them. */
const char *oih_name_status_name(unsigned status);

struct oih_cache_entry {
        char name[OIH_NAME_MAXLEN + 1];
        int64_t resolved;       /* time of the last answer (any status) */
        uint32_t ttl;           /* of the last answer that had addresses */
        enum oih_name_status status;
        unsigned naddrs;
        struct oih_cached_addr addrs[OIH_NAME_MAX_ADDRS];
};

struct oih_cache {
        char server[64];        /* the server `resolve` asked ("" = unknown) */
        unsigned n;
        struct oih_cache_entry *e;
};

/* Reads PATH; a missing file is an empty cache. The file must be a regular file, owned by
 * root or by the caller, writable by nobody else. */
int oih_cache_load(const char *path, struct oih_cache *c, struct oih_error *err);
/* Writes C to PATH atomically (a temporary file renamed over it), mode 0644. */
int oih_cache_save(const char *path, const struct oih_cache *c, struct oih_error *err);
void oih_cache_clear(struct oih_cache *c);
struct oih_cache_entry *oih_cache_find(const struct oih_cache *c, const char *name);
/* Records the answer for NAME at NOW: STATUS, TTL and ADDRS (merged: an address seen before
 * keeps its entry, its time is renewed; addresses not seen for OIH_GRACE_MAX are dropped). */
int oih_cache_record(struct oih_cache *c, const char *name, int64_t now, enum oih_name_status status,
                     uint32_t ttl, const struct oih_cached_addr *addrs, unsigned n, struct oih_error *err);
/* True when E holds an answer younger than its TTL (bounded by the two limits above). */
bool oih_cache_fresh(const struct oih_cache_entry *e, int64_t now);

/* The default cache path: $(localstatedir)/lib/oci-iptables-hook/names.cache for root, the
 * user's $XDG_STATE_HOME (or ~/.local/state)/oci-iptables-hook/names.cache otherwise. */
const char *oih_cache_default_path(void);

/* resolve.c: a DNS client of its own (UDP, TCP when the answer is truncated), never the
 * system's NSS. SERVER: "ADDR" or "ADDR:PORT" or "[ADDR6]:PORT"; NULL or "" = the first
 * nameserver of /etc/resolv.conf. */
struct oih_resolver {
        char server[64];
        int timeout_ms;         /* for all the names of one call */
        /* Opens a socket (socket(2)'s arguments); NULL: socket(2). The hook opens them in
         * another network namespace. */
        int (*open_socket)(void *ctx, int domain, int type, struct oih_error *err);
        void *ctx;
};
int oih_resolver_init(struct oih_resolver *res, const char *server, int timeout_ms, struct oih_error *err);
/* Asks for A and AAAA of each of the N names and records each answer in C at NOW. A name
 * whose server failed or did not answer in time is recorded OIH_NAME_FAILED (its old addresses
 * stay); returns the number of such names, or < 0 when nothing could be asked. */
int oih_resolve_names(const struct oih_resolver *res, const char *const *names, unsigned n,
                      struct oih_cache *c, int64_t now, struct oih_error *err);

/* Replaces every name of P with its addresses in C (those of the last answer, and those seen
 * within the policy's grace period; of the families the name asks for). Strict (a container
 * starts): fails, naming the name, when one has no usable answer: no entry, not fresh,
 * NXDOMAIN, or no address for its rule. LENIENT (the refresh of a running container): a name
 * without addresses adds none, and a rule whose list is left empty matches nothing. After it
 * P holds addresses only. */
int oih_names_substitute(struct oih_policy *p, const struct oih_cache *c, int64_t now, bool lenient,
                         struct oih_error *err);
/* The names of P that have no fresh answer in C: *RET (NULL-terminated, strings owned by P). */
int oih_names_missing(const struct oih_policy *p, const struct oih_cache *c, int64_t now,
                      const char ***ret, unsigned *nret);
/* One line per name of P: "NAME ADDR..." with the addresses the substitution would use, in a
 * fixed order; what the refresh compares to tell whether a container needs new rules. */
char *oih_names_summary(const struct oih_policy *p, const struct oih_cache *c, int64_t now);

/* refresh.c: running containers (docs/hook.md, "Names"). Records live in the directory
 * "containers" beside the cache file. */
int oih_records_dir(const char *cache_path, char *out, size_t size);
/* The hook, inside the container's namespaces: records that the container ID uses the policy
 * POLICY_PATH and got the addresses SUMMARY (oih_names_summary). */
int oih_record_container(const char *cache_path, const char *id, const char *policy_path,
                         const char *summary, struct oih_error *err);
/* The same for a running container (reload), from outside it: its first process PID and its
 * network namespace NETNS_FD. */
int oih_record_running(const char *cache_path, const char *id, long pid, int netns_fd, const char *policy_path,
                       const char *summary, struct oih_error *err);
int oih_record_container_at(const char *dir, const char *id, long pid, unsigned long long dev,
                            unsigned long long ino, const char *policy, const char *summary,
                            struct oih_error *err);
/* The one re-apply path for running containers (the refresh and `reload`): refuses the
 * caller's own and the host's namespace, puts the addresses C has for P's names in P
 * (leniently: a running container keeps what still resolves; C may be NULL for a policy without
 * names) and replaces the tables of NETNS_FD with it as apply does (oih_apply_in_netns: the
 * namespace's lock, every table read back). *RET_SUMMARY (may be NULL): the addresses it used
 * ("" for a policy without names). */
int oih_reapply_policy(struct oih_policy *p, int netns_fd, const struct oih_cache *c, int64_t now,
                       char **ret_summary, struct oih_error *err);
struct oih_refresh_report {
        unsigned checked, updated, gone, failed;
};
/* Re-applies the policy of every recorded container whose addresses differ from what C gives
 * now; removes the records of containers that are gone. Logs each update to LOG (may be NULL). */
int oih_refresh_containers(const char *cache_path, const struct oih_cache *c, int64_t now, FILE *log,
                           struct oih_refresh_report *rep, struct oih_error *err);
/* The policy files of the recorded containers (malloc'ed strings, appended to *RET). */
int oih_records_policies(const char *cache_path, char ***ret, unsigned *n, struct oih_error *err);
/* The record of the container in the network namespace NETNS_FD (*RET_POLICY NULL: none). */
int oih_record_find(const char *cache_path, int netns_fd, char **ret_policy, char **ret_summary,
                    struct oih_error *err);
/* The network namespace of the nearest process above the caller that is outside the caller's
 * (the runtime's: the hook resolves from there, never from the container's). */
int oih_runtime_netns_open(struct oih_error *err);
/* oih_resolver's open_socket: CTX points to such a namespace's descriptor (an int). */
int oih_open_socket_outside(void *ctx, int domain, int type, struct oih_error *err);
