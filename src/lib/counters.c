/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counters beside the rules they belong to, as iptables-save -c prints them. The text comes
 * from the renderer and the counters from the kernel: they are joined by chain name and the
 * rule's position in its chain, so an order the renderer chooses cannot pair them wrongly. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"

void oih_counters_clear(struct oih_counters *c)
{
        for (unsigned i = 0; i < c->n; i++)
                free(c->chains[i].rules);
        free(c->chains);
        c->chains = NULL;
        c->n = 0;
}

static struct oih_chain_counters *find(const struct oih_counters *c, const char *name, size_t len)
{
        for (unsigned i = 0; i < c->n; i++)
                if (strlen(c->chains[i].name) == len && memcmp(c->chains[i].name, name, len) == 0)
                        return &c->chains[i];
        return NULL;
}

static int changed(const char *table, const char *chain, size_t len, struct oih_error *err)
{
        return oih_err(err, "the %s table changed while it was read (chain %.*s); try again", table, (int)len, chain);
}

int oih_counters_annotate(const struct oih_counters c[OIH_NTABLES], const char *text, FILE *out,
                          struct oih_error *err)
{
        unsigned *used[OIH_NTABLES] = { NULL };
        const struct oih_counters *cur = NULL;
        unsigned table = 0;
        int r = 0;
        for (unsigned t = 0; t < OIH_NTABLES && r == 0; t++)
                if ((used[t] = calloc(c[t].n ? c[t].n : 1, sizeof(*used[t]))) == NULL)
                        r = oih_err(err, "out of memory");
        for (const char *line = text; *line != '\0' && r == 0;) {
                const char *eol = strchrnul(line, '\n');
                size_t len = (size_t)(eol - line);
                const char *bracket = memchr(line, '[', len);
                if (line[0] == '*') {
                        cur = NULL;
                        for (unsigned t = 0; t < OIH_NTABLES; t++)
                                if (strlen(oih_table_names[t]) == len - 1 && memcmp(line + 1, oih_table_names[t], len - 1) == 0)
                                        cur = &c[table = t];
                        if (cur == NULL) {
                                r = oih_err(err, "no counters for table %.*s", (int)len, line);
                                break;
                        }
                        fprintf(out, "%.*s\n", (int)len, line);
                } else if (cur && line[0] == ':' && bracket) {
                        /* ":NAME POLICY [p:b]" */
                        const char *sp = memchr(line, ' ', len);
                        const struct oih_chain_counters *cc = sp ? find(cur, line + 1, (size_t)(sp - line - 1)) : NULL;
                        if (cc == NULL) {
                                r = changed(oih_table_names[table], line + 1, sp ? (size_t)(sp - line - 1) : len - 1, err);
                                break;
                        }
                        fprintf(out, "%.*s[%" PRIu64 ":%" PRIu64 "]\n", (int)(bracket - line), line,
                                cc->builtin ? cc->policy.pcnt : 0, cc->builtin ? cc->policy.bcnt : 0);
                } else if (cur && strncmp(line, "-A ", 3) == 0) {
                        const char *name = line + 3;
                        size_t nlen = strcspn(name, " \n");
                        const struct oih_chain_counters *cc = find(cur, name, nlen);
                        unsigned *k = cc ? &used[table][cc - cur->chains] : NULL;
                        if (cc == NULL || *k >= cc->nrules) {
                                r = changed(oih_table_names[table], name, nlen, err);
                                break;
                        }
                        fprintf(out, "[%" PRIu64 ":%" PRIu64 "] %.*s\n", cc->rules[*k].pcnt, cc->rules[*k].bcnt,
                                (int)len, line);
                        (*k)++;
                } else {
                        fprintf(out, "%.*s\n", (int)len, line);
                }
                line = *eol ? eol + 1 : eol;
        }
        for (unsigned t = 0; r == 0 && t < OIH_NTABLES; t++)
                for (unsigned i = 0; r == 0 && i < c[t].n; i++)
                        if (used[t][i] != c[t].chains[i].nrules)
                                r = changed(oih_table_names[t], c[t].chains[i].name, strlen(c[t].chains[i].name), err);
        for (unsigned t = 0; t < OIH_NTABLES; t++)
                free(used[t]);
        return r;
}
