/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error reporting: every fallible function returns < 0 and fills a struct oih_error.
 * Parsers may add several messages (check prints them all); callers that need one line
 * use the first. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#define OIH_ERR_MAX 32
#define OIH_ERR_LEN 512

struct oih_error {
        int n;          /* messages kept */
        int dropped;    /* messages past OIH_ERR_MAX */
        int errnum;     /* errno of the first failure, when there was one */
        char msg[OIH_ERR_MAX][OIH_ERR_LEN];
};

void oih_error_init(struct oih_error *err);
/* Adds a message and returns -1, so that `return oih_err(err, ...)` reads naturally. */
int oih_err(struct oih_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, with ": strerror(errnum)" appended and errnum remembered. */
int oih_err_errno(struct oih_error *err, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Adds SRC's messages after ERR's (its errno too, when ERR has none yet); returns -1. */
int oih_error_append(struct oih_error *err, const struct oih_error *src);
/* Puts "PREFIX: " before every message (to name the file or the container). */
void oih_error_prefix(struct oih_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The first message, or "" when there is none. */
const char *oih_error_first(const struct oih_error *err);
