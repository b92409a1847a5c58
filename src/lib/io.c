/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading what a user controls, never more than a limit. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "oih.h"

static long ms_left(const struct timespec *deadline)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
        return ms > 0 ? ms : 0;
}

int oih_read_bounded(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len,
                     struct oih_error *err)
{
        return oih_read_bounded_timeout(fd, max, -1, what, ret_buf, ret_len, err);
}

int oih_read_bounded_timeout(int fd, size_t max, int timeout_ms, const char *what, char **ret_buf,
                             size_t *ret_len, struct oih_error *err)
{
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000;
        }
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
                if (timeout_ms >= 0) {
                        struct pollfd pfd = { .fd = fd, .events = POLLIN };
                        int k = poll(&pfd, 1, (int)ms_left(&deadline));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0) {
                                int e = errno;
                                free(buf);
                                if (k < 0)
                                        return oih_err_errno(err, e, "cannot read %s", what);
                                return oih_err(err, "%s did not end within %d s", what, timeout_ms / 1000);
                        }
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
