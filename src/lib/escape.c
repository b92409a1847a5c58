/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the program prints of text it did not write (file names, JSON keys, annotations, chain
 * names and comments read from the kernel): every byte that is not printable ASCII becomes
 * \xHH, so that such text can neither forge a line nor send a terminal escape. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oih.h"

static bool printable(unsigned char c)
{
        return c >= 0x20 && c < 0x7f;
}

void oih_put_escaped(FILE *out, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (printable(c))
                        fputc(c, out);
                else
                        fprintf(out, "\\x%02x", c);
        }
}

const char *oih_escape(char *buf, size_t size, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        size_t at = 0;
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                size_t need = printable(c) ? 1 : 4;
                if (at + need >= size)
                        break;
                if (need == 1) {
                        buf[at++] = (char)c;
                } else {
                        buf[at++] = '\\';
                        buf[at++] = 'x';
                        buf[at++] = hex[c >> 4];
                        buf[at++] = hex[c & 15];
                }
        }
        if (size > 0)
                buf[at] = '\0';
        return buf;
}

void oih_print_line(FILE *out, const char *fmt, ...)
{
        char line[2 * OIH_ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        /* one write: stderr is unbuffered, and a line written whole is never interleaved */
        char esc[8 * OIH_ERR_LEN + 2];
        oih_escape(esc, sizeof(esc) - 1, line);
        size_t len = strlen(esc);
        esc[len] = '\n';
        fwrite(esc, 1, len + 1, out);
}
