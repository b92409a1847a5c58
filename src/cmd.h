/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Subcommands that live in their own files; each returns the process exit status. */
#pragma once

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int cmd_hook(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

#include <stddef.h>

/* Runs ARGV (no shell) with stderr to /dev/null and its output, cut at SIZE - 1 bytes, in OUT;
 * returns its exit status (128 + signal when killed, -1 when it could not be run). */
int run_capture(char *const argv[], char *out, size_t size);

struct oih_error;
/* Opens the network namespace named by exactly one of the three (the others NULL). */
int open_target(const char *netns, const char *pid, const char *container, struct oih_error *err);
