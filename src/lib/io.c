/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading what a user controls, never more than a limit. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "oih.h"

int oih_read_bounded(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len,
                     struct oih_error *err)
{
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        if (buf == NULL)
                return oih_err_errno(err, ENOMEM, "cannot read %s", what);
        for (;;) {
                if (len == cap) {
                        /* Grow past MAX by one byte at most: that byte tells "too large". */
                        size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        char *nbuf = ncap > cap ? realloc(buf, ncap) : NULL;
                        if (nbuf == NULL) {
                                free(buf);
                                if (ncap <= cap)
                                        return oih_err(err, "%s is larger than %zu bytes", what, max);
                                return oih_err_errno(err, ENOMEM, "cannot read %s", what);
                        }
                        buf = nbuf;
                        cap = ncap;
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        free(buf);
                        return oih_err_errno(err, e, "cannot read %s", what);
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max) {
                        free(buf);
                        return oih_err(err, "%s is larger than %zu bytes", what, max);
                }
        }
        char *nbuf = realloc(buf, len + 1);
        if (nbuf == NULL) {
                free(buf);
                return oih_err_errno(err, ENOMEM, "cannot read %s", what);
        }
        nbuf[len] = '\0';
        *ret_buf = nbuf;
        *ret_len = len;
        return 0;
}
