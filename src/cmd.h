/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Subcommands that live in their own files; each returns the process exit status. */
#pragma once

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int cmd_hook(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_resolve(int argc, char **argv);

#include <stddef.h>

/* Runs ARGV (no shell) with stderr to /dev/null and its output, cut at SIZE - 1 bytes, in OUT;
 * returns its exit status (128 + signal when killed, -1 when it could not be run). */
int run_capture(char *const argv[], char *out, size_t size);

struct oih_error;
/* Opens the network namespace named by exactly one of the three (the others NULL). */
int open_target(const char *netns, const char *pid, const char *container, struct oih_error *err);

/* cmd-util.c: what every command shares. */
#include <stdbool.h>

#include "hook.h"

struct oih_policy;

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
/* Where the hook (and, as root, every command) looks for policies by name. */
#define OIH_SYSTEM_RULES_DIR SYSCONFDIR "/oci-iptables-hook/rules"
#define OIH_MAX_RULES_DIRS 16

/* One convention for every command: "oci-iptables-hook: CMD: MESSAGE", one line per error, on
 * stderr. Usage errors add "Try 'oci-iptables-hook CMD --help'." and return EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_print_errors(const char *cmd, const struct oih_error *err);

/* The rules directories a command looks policy names up in: the --rules-dir options given, else
 * the system's directory for root and ~/.config/oci-iptables-hook/rules for other users (as
 * scripts/install-rootless.sh sets it up). */
struct rules_dirs {
        const char *v[OIH_MAX_RULES_DIRS];
        size_t n;
        char user[4096];
};
int rules_dirs_add(struct rules_dirs *d, const char *cmd, const char *dir);
void rules_dirs_default(struct rules_dirs *d);
/* $XDG_CONFIG_HOME/REL, or ~/.config/REL (a user's own configuration). */
void user_config_path(char *out, size_t size, const char *rel);
/* A policy argument is a name (no '/', not ending in ".json": looked up in the rules directories
 * as the hook looks up an annotation) or a path. *RET_LABEL names it for messages (malloc'ed). */
bool policy_arg_is_name(const char *arg);
int policy_load_arg(const struct rules_dirs *d, const char *arg, struct oih_policy **ret, char **ret_label,
                    struct oih_error *err);

/* cmd-container.c: a podman container, asked of podman (the caller's: root's or the user's). */
struct container {
        char name[256];
        char id[129];
        long pid;
        char policy[OIH_POLICY_NAME_MAX + 1]; /* its annotation; "" when it has none */
        bool has_policy;
};
int container_lookup(const char *name, struct container *ret, struct oih_error *err);
/* The running containers whose annotation is POLICY, and with UNANNOTATED those without the
 * annotation too; at most MAX. *RET_UNANNOTATED: how many running containers have none. */
int containers_with_policy(const char *policy, bool unannotated, struct container *ret, size_t max, size_t *ret_n,
                           size_t *ret_unannotated, struct oih_error *err);
/* Loads the policy a container was started with (its annotation, looked up in D). */
int container_policy_load(const struct container *c, const struct rules_dirs *d, struct oih_policy **ret,
                          char **ret_label, struct oih_error *err);

/* The capabilities of C's first process, as the hook checks a new container's: a running
 * container got past the hook with the policy it had then, which may have allowed more
 * ("allow_capabilities") than P does. */
int container_caps_check(const struct container *c, const struct oih_policy *p, struct oih_error *err);

int cmd_reload(int argc, char **argv);

/* cmd-resolve.c: host names in policies (names.h) */
#include <stdio.h>
struct oih_policy;
struct oih_cache;
/* The cache to use: GIVEN, or the default one for this user (NULL and ERR filled when none). */
const char *names_cache_path(const char *given, struct oih_error *err);
/* The name cache (CACHE_OPT or the default) that P's names need, in *C, which the caller
 * clears: 1 when loaded (*RET_PATH, may be NULL: its path), 0 when P names no host (C empty,
 * nothing read), -1 with ERR filled. */
int names_cache_load(const struct oih_policy *p, const char *cache_opt, struct oih_cache *c,
                     const char **ret_path, struct oih_error *err);
/* Puts the addresses of P's names in P: from the cache (CACHE_OPT or the default). Names
 * without a fresh answer are asked for only when SERVER is given or FROM_RUNTIME (the hook,
 * from the runtime's network namespace, SERVER or the cache's or resolv.conf's server);
 * otherwise each is an error naming it. COMMENTS: where to print what each name
 * has now (show). *RET_SUMMARY (may be NULL): oih_names_summary of what was used. */
int names_prepare(struct oih_policy *p, const char *cache_opt, const char *server, bool from_runtime,
                  FILE *comments, char **ret_summary, struct oih_error *err);
/* Puts the addresses the cache (CACHE_OPT or the default) has now for P's names in P,
 * leniently, as the refresh of a running container does (verify). */
int names_substitute_cached(struct oih_policy *p, const char *cache_opt, struct oih_error *err);
void print_names(FILE *out, const struct oih_policy *p, const struct oih_cache *c, long long now);
