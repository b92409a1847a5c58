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

/* cmd-resolve.c: host names in policies (names.h) */
#include <stdbool.h>
#include <stdio.h>
struct oih_policy;
struct oih_cache;
/* The cache to use: GIVEN, or the default one for this user (NULL and ERR filled when none). */
const char *names_cache_path(const char *given, struct oih_error *err);
/* Puts the addresses of P's names in P: from the cache (CACHE_OPT or the default). Names
 * without a fresh answer are asked for only when SERVER is given or FROM_RUNTIME (the hook,
 * from the runtime's network namespace, SERVER or the cache's or resolv.conf's server);
 * otherwise each is an error naming it. COMMENTS: where to print what each name
 * has now (show). *RET_SUMMARY (may be NULL): oih_names_summary of what was used. */
int names_prepare(struct oih_policy *p, const char *cache_opt, const char *server, bool from_runtime,
                  FILE *comments, char **ret_summary, struct oih_error *err);
void print_names(FILE *out, const struct oih_policy *p, const struct oih_cache *c, long long now);
