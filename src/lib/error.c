/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <stdio.h>
#include <string.h>

void oih_error_init(struct oih_error *err)
{
        err->n = 0;
        err->dropped = 0;
        err->errnum = 0;
}

static int add(struct oih_error *err, int errnum, const char *fmt, va_list ap)
{
        if (err == NULL)
                return -1;
        if (err->n == 0 && errnum != 0)
                err->errnum = errnum;
        if (err->n >= OIH_ERR_MAX) {
                err->dropped++;
                return -1;
        }
        char *m = err->msg[err->n++];
        int len = vsnprintf(m, OIH_ERR_LEN, fmt, ap);
        if (errnum != 0 && len >= 0 && len < OIH_ERR_LEN)
                snprintf(m + len, OIH_ERR_LEN - len, ": %s", strerror(errnum));
        return -1;
}

int oih_err(struct oih_error *err, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        add(err, 0, fmt, ap);
        va_end(ap);
        return -1;
}

int oih_err_errno(struct oih_error *err, int errnum, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        add(err, errnum, fmt, ap);
        va_end(ap);
        return -1;
}

int oih_error_append(struct oih_error *err, const struct oih_error *src)
{
        if (err->n == 0 && src->n > 0)
                err->errnum = src->errnum;
        for (int i = 0; i < src->n; i++)
                oih_err(err, "%s", src->msg[i]);
        err->dropped += src->dropped;
        return -1;
}

void oih_error_prefix(struct oih_error *err, const char *fmt, ...)
{
        char prefix[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        for (int i = 0; i < err->n; i++) {
                char tmp[OIH_ERR_LEN];
                snprintf(tmp, sizeof(tmp), "%s: %s", prefix, err->msg[i]);
                memcpy(err->msg[i], tmp, sizeof(tmp));
        }
}

const char *oih_error_first(const struct oih_error *err)
{
        return err->n > 0 ? err->msg[0] : "";
}
