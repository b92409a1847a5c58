/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate: an iptables shell script or an iptables-save dump -> a version-2 policy (JSON).
 * Each iptables command line is parsed by libxtables (in a worker of its family, xt.h) and
 * replayed in order on an in-memory copy of every table of both families (so -I, -D, -F, -X and
 * -E do what they did); the final state is printed. Pure: no kernel access. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

#define OIH_MIGRATE_MAX_LINE (256u << 10)      /* one logical line, continuations joined */
#define OIH_MIGRATE_MAX_TOKENS 4096u           /* words in one logical line */
#define OIH_MIGRATE_MAX_VARS 256u              /* shell variables remembered */

struct oih_migrate_opts {
        int family;     /* -1: auto; OIH_IPV4 or OIH_IPV6: what a dump is, what a script may use */
        bool lenient;   /* leave out what cannot be represented instead of failing */
};

/* Translates BUF (LEN bytes; NAME is used in messages) and writes the policy to OUT.
 * Skipped lines (and, with lenient, left-out lines) are listed on DIAG (may be NULL).
 * On failure nothing is written to OUT and ERR holds "NAME:LINE: reason" messages. */
int oih_migrate(const char *name, const char *buf, size_t len, const struct oih_migrate_opts *opts,
                FILE *out, FILE *diag, struct oih_error *err);

/* The shell word splitter, exposed for the tests: splits one logical line of LINE (quotes,
 * backslashes, $VAR of earlier VAR= lines are NOT known here) into words joined by '\x1f'
 * into BUF. Returns the number of words, < 0 on error. */
int oih_migrate_split(const char *line, char *buf, size_t size, struct oih_error *err);
