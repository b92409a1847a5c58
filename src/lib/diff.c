/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A line diff for `verify`: what the policy has that the live table lacks (-) and what the
 * live table has beyond the policy (+), in order. Longest common subsequence, with the common
 * head and tail taken off first so that large, mostly equal tables stay cheap. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"

struct lines {
        char **v;
        size_t n;
        char *buf;
};

static int split(const char *text, struct lines *l)
{
        l->buf = strdup(text);
        size_t cap = 16;
        l->v = malloc(cap * sizeof(*l->v));
        l->n = 0;
        if (l->buf == NULL || l->v == NULL)
                return -1;
        for (char *s = l->buf; *s;) {
                char *nl = strchr(s, '\n');
                if (nl)
                        *nl = '\0';
                if (l->n == cap) {
                        char **nv = realloc(l->v, (cap *= 2) * sizeof(*nv));
                        if (nv == NULL)
                                return -1;
                        l->v = nv;
                }
                l->v[l->n++] = s;
                if (!nl)
                        break;
                s = nl + 1;
        }
        return 0;
}

/* Past this many differing lines on each side the LCS table would be too large: every line
 * of the middle part is then shown as removed and added. */
#define DIFF_MAX_MIDDLE 4000

unsigned oih_diff_lines(const char *a, const char *b, const char *label_a, const char *label_b, FILE *out)
{
        struct lines A = { 0 }, B = { 0 };
        unsigned changes = 0;
        if (split(a, &A) < 0 || split(b, &B) < 0) {
                changes = 1;
                goto out;
        }
        size_t head = 0;
        while (head < A.n && head < B.n && strcmp(A.v[head], B.v[head]) == 0)
                head++;
        size_t ta = A.n, tb = B.n;
        while (ta > head && tb > head && strcmp(A.v[ta - 1], B.v[tb - 1]) == 0) {
                ta--;
                tb--;
        }
        if (ta == head && tb == head)
                goto out;
        /* keep a little of the equal head and tail as context */
        for (int k = 0; k < 2 && head > 0; k++)
                head--;
        for (int k = 0; k < 2 && ta < A.n; k++)
                ta++, tb++;
        size_t n = ta - head, m = tb - head;
        fprintf(out, "--- %s\n+++ %s\n", label_a, label_b);
        unsigned *L = NULL;
        if (n <= DIFF_MAX_MIDDLE && m <= DIFF_MAX_MIDDLE)
                L = calloc((n + 1) * (m + 1), sizeof(*L));
        if (L == NULL) {
                for (size_t i = head; i < ta; i++, changes++)
                        fprintf(out, "-%s\n", A.v[i]);
                for (size_t j = head; j < tb; j++, changes++)
                        fprintf(out, "+%s\n", B.v[j]);
                goto out;
        }
#define AT(i, j) L[(i) * (m + 1) + (j)]
        for (size_t i = n; i-- > 0;)
                for (size_t j = m; j-- > 0;)
                        AT(i, j) = strcmp(A.v[head + i], B.v[head + j]) == 0 ? AT(i + 1, j + 1) + 1
                                 : AT(i + 1, j) > AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
        /* The edit script first, then printed with CONTEXT equal lines around each change. */
        struct op {
                char kind;
                const char *line;
        } *ops = malloc((n + m) * sizeof(*ops));
        size_t nops = 0, i = 0, j = 0;
        if (ops == NULL) {
                free(L);
                changes = 1;
                goto out;
        }
        while (i < n || j < m) {
                if (i < n && j < m && strcmp(A.v[head + i], B.v[head + j]) == 0) {
                        ops[nops++] = (struct op){ ' ', A.v[head + i] };
                        i++, j++;
                } else if (j < m && (i == n || AT(i, j + 1) >= AT(i + 1, j))) {
                        ops[nops++] = (struct op){ '+', B.v[head + j++] };
                        changes++;
                } else {
                        ops[nops++] = (struct op){ '-', A.v[head + i++] };
                        changes++;
                }
        }
        enum { CONTEXT = 2 };
        size_t shown_to = 0;
        for (size_t k = 0; k < nops; k++) {
                bool near = false;
                for (size_t q = k >= CONTEXT ? k - CONTEXT : 0; q <= k + CONTEXT && q < nops && !near; q++)
                        near = ops[q].kind != ' ';
                if (!near)
                        continue;
                if (k > shown_to)
                        fputs("@@\n", out);
                fprintf(out, "%c%s\n", ops[k].kind, ops[k].line);
                shown_to = k + 1;
        }
        free(ops);
#undef AT
        free(L);
out:
        free(A.v);
        free(A.buf);
        free(B.v);
        free(B.buf);
        return changes;
}
