/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only: builds iptables rules with the libxtables core (src/lib/xt.h) and prints them
 * as iptables-legacy-save does.
 *
 *   xt-rules [--commit] [--kernel] {-4 FILE | -6 FILE}...
 *
 * Each FILE line is "TABLE|iptables arguments" ("filter|-A INPUT -p tcp --dport 22 -j ACCEPT",
 * "filter|-N web"); words split at blanks, "double quotes" group. Only -A and -N. Each file
 * is parsed in a worker of its family, in the order given (so "-4 A -6 B" proves that a
 * family never inherits the other's libxtables). Without --commit the parsed entries are
 * rendered (what `show` will do); with --commit they are committed with libiptc into the
 * current network namespace, read back and rendered (what `inspect` will do). Output, per
 * table in order of first use: "*TABLE", then the -A lines in the kernel's chain order.
 * Errors go to stderr as "FILE:LINE: word N: message"; the good lines still count; the
 * exit status is 1 when any line failed. --kernel probes revisions in the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xt.h"

#define MAXW 256
#define MAXT 8
#define MAXC 64

struct line {
        int no, argc;
        char table[32];
        char *argv[MAXW];
};

struct file {
        const char *path;
        enum oih_family family;
        struct line *lines;
        int n;
};

/* ---- the worker side: parse every line; records "type\0line\0len\0" + payload ---- */

static void record(FILE *out, char type, int line, const void *p, size_t len)
{
        fprintf(out, "%c %d %zu\n", type, line, len);
        fwrite(p, 1, len, out);
}

struct chains {
        char table[MAXT][32];
        const char *names[MAXT][MAXC + 1];
        int n[MAXT], nt;
};

static int table_slot(struct chains *c, const char *table)
{
        for (int i = 0; i < c->nt; i++)
                if (strcmp(c->table[i], table) == 0)
                        return i;
        if (c->nt == MAXT)
                return -1;
        snprintf(c->table[c->nt], 32, "%s", table);
        return c->nt++;
}

static int parse_fn(void *ctx, FILE *out, struct oih_error *err)
{
        struct file *f = ctx;
        struct chains ch;
        memset(&ch, 0, sizeof(ch));
        (void)err;
        for (int i = 0; i < f->n; i++) {
                struct line *l = &f->lines[i];
                int t = table_slot(&ch, l->table);
                struct oih_xt_in in = {.table = l->table, .chains = t >= 0 ? ch.names[t] : NULL, .commands = true};
                struct oih_xt_rule r;
                struct oih_error e;
                oih_error_init(&e);
                if (oih_xt_parse(l->argc, l->argv, &in, &r, &e) < 0) {
                        char msg[OIH_ERR_LEN + 64];
                        int w = r.err_word;
                        snprintf(msg, sizeof(msg), "word %d `%s': %s", w + 1, w >= 0 ? l->argv[w] : "",
                                 oih_error_first(&e));
                        record(out, 'E', l->no, msg, strlen(msg));
                } else if (r.command == 'N' && t >= 0 && ch.n[t] < MAXC) {
                        ch.names[t][ch.n[t]++] = strdup(r.chain);
                        record(out, 'N', l->no, r.chain, strlen(r.chain));
                } else if (r.command == 'A') {
                        char *text = NULL;
                        size_t tlen = 0;
                        FILE *mem = open_memstream(&text, &tlen);
                        size_t off = 0;
                        for (unsigned k = 0; k < r.nentries; k++) {
                                if (oih_xt_render(r.entries + off, r.chain, NULL, mem, &e) < 0)
                                        fprintf(mem, "RENDER ERROR: %s\n", oih_error_first(&e));
                                off += oih_xt_entry_size(r.entries + off);
                        }
                        fclose(mem);
                        record(out, 'A', l->no, r.chain, strlen(r.chain));
                        record(out, 'B', l->no, r.entries, r.size);
                        record(out, 'T', l->no, text, tlen);
                        free(text);
                } else {
                        record(out, 'E', l->no, "only -A and -N", 14);
                }
                oih_xt_rule_free(&r);
        }
        return 0;
}

/* ---- the parent: libiptc for both families through one table ---- */

struct tc {
        struct xtc_handle *(*init)(const char *);
        int (*create)(const char *, struct xtc_handle *);
        int (*append)(const char *, const void *, struct xtc_handle *);
        int (*commit)(struct xtc_handle *);
        void (*free)(struct xtc_handle *);
        const char *(*first_chain)(struct xtc_handle *);
        const char *(*next_chain)(struct xtc_handle *);
        const void *(*first_rule)(const char *, struct xtc_handle *);
        const void *(*next_rule)(const void *, struct xtc_handle *);
        const char *(*get_target)(const void *, struct xtc_handle *);
        const char *(*strerror)(int);
};
static int app4(const char *c, const void *e, struct xtc_handle *h) { return iptc_append_entry(c, e, h); }
static int app6(const char *c, const void *e, struct xtc_handle *h) { return ip6tc_append_entry(c, e, h); }
static const void *fr4(const char *c, struct xtc_handle *h) { return iptc_first_rule(c, h); }
static const void *fr6(const char *c, struct xtc_handle *h) { return ip6tc_first_rule(c, h); }
static const void *nr4(const void *e, struct xtc_handle *h) { return iptc_next_rule(e, h); }
static const void *nr6(const void *e, struct xtc_handle *h) { return ip6tc_next_rule(e, h); }
static const char *gt4(const void *e, struct xtc_handle *h) { return iptc_get_target(e, h); }
static const char *gt6(const void *e, struct xtc_handle *h) { return ip6tc_get_target(e, h); }
static const struct tc tcs[2] = {
        {iptc_init, iptc_create_chain, app4, iptc_commit, iptc_free, iptc_first_chain, iptc_next_chain, fr4,
         nr4, gt4, iptc_strerror},
        {ip6tc_init, ip6tc_create_chain, app6, ip6tc_commit, ip6tc_free, ip6tc_first_chain, ip6tc_next_chain,
         fr6, nr6, gt6, ip6tc_strerror},
};

struct table_out {
        char name[32];
        struct xtc_handle *h;
        char *text; /* rendered lines "CHAIN\tline" in input order */
        size_t len;
        FILE *mem;
};

static struct table_out *tout(struct table_out *ts, int *nt, const char *name)
{
        for (int i = 0; i < *nt; i++)
                if (strcmp(ts[i].name, name) == 0)
                        return &ts[i];
        if (*nt == MAXT)
                return NULL;
        struct table_out *t = &ts[(*nt)++];
        memset(t, 0, sizeof(*t));
        snprintf(t->name, sizeof(t->name), "%s", name);
        t->mem = open_memstream(&t->text, &t->len);
        return t;
}

/* Rendering what libiptc reads back needs libxtables: another worker. */
struct readback {
        enum oih_family family;
        struct table_out *t;
};

static int render_fn(void *ctx, FILE *out, struct oih_error *err)
{
        struct readback *rb = ctx;
        const struct tc *o = &tcs[rb->family];
        struct xtc_handle *h = o->init(rb->t->name);
        if (h == NULL)
                return oih_err(err, "iptc_init %s: %s", rb->t->name, o->strerror(errno));
        int r = 0;
        for (const char *c = o->first_chain(h); c != NULL && r == 0; c = o->next_chain(h))
                for (const void *e = o->first_rule(c, h); e != NULL && r == 0; e = o->next_rule(e, h))
                        r = oih_xt_render(e, c, o->get_target(e, h), out, err);
        o->free(h);
        return r;
}

static const char *const builtin_order[] = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The parsed rules in the order iptables-save lists them: built-in chains in hook order,
 * then user chains by name; rules in the order given. */
static void print_sorted(struct table_out *t)
{
        char *names[MAXC + 8];
        int n = 0;
        for (char *p = t->text; p != NULL && *p; p = strchr(p, '\n') + 1) {
                size_t k = strcspn(p, "\t");
                bool seen = false;
                for (int i = 0; i < n; i++)
                        seen = seen || (strlen(names[i]) == k && strncmp(names[i], p, k) == 0);
                if (!seen && n < MAXC + 8)
                        names[n++] = strndup(p, k);
        }
        char *order[MAXC + 8];
        int m = 0;
        for (unsigned b = 0; b < 5; b++)
                for (int i = 0; i < n; i++)
                        if (strcmp(names[i], builtin_order[b]) == 0)
                                order[m++] = names[i];
        int first_user = m;
        for (int i = 0; i < n; i++) {
                bool builtin = false;
                for (unsigned b = 0; b < 5; b++)
                        builtin = builtin || strcmp(names[i], builtin_order[b]) == 0;
                if (!builtin)
                        order[m++] = names[i];
        }
        qsort(order + first_user, (size_t)(m - first_user), sizeof(char *), cmp_str);
        for (int i = 0; i < m; i++) {
                size_t k = strlen(order[i]);
                for (char *p = t->text; p != NULL && *p; p = strchr(p, '\n') + 1)
                        if (strncmp(p, order[i], k) == 0 && p[k] == '\t')
                                printf("%.*s\n", (int)(strcspn(p, "\n") - k - 1), p + k + 1);
        }
        for (int i = 0; i < n; i++)
                free(names[i]);
}

static int split(char *s, struct line *l)
{
        l->argc = 0;
        while (*s) {
                while (*s == ' ' || *s == '\t')
                        s++;
                if (*s == '\0' || *s == '\n')
                        break;
                if (l->argc == MAXW)
                        return -1;
                char *w = s, *d = s;
                bool quoted = false;
                for (; *s && *s != '\n' && (quoted || (*s != ' ' && *s != '\t')); s++)
                        if (*s == '"')
                                quoted = !quoted;
                        else
                                *d++ = *s;
                bool end = *s == '\0' || *s == '\n';
                *d = '\0';
                if (!end)
                        s++;
                l->argv[l->argc++] = w;
                if (end)
                        break;
        }
        return 0;
}

static int load(struct file *f)
{
        FILE *in = fopen(f->path, "re");
        if (in == NULL) {
                fprintf(stderr, "%s: %s\n", f->path, strerror(errno));
                return -1;
        }
        char buf[4096];
        int no = 0;
        f->lines = calloc(1, sizeof(struct line));
        while (fgets(buf, sizeof(buf), in) != NULL) {
                no++;
                char *bar = strchr(buf, '|');
                if (buf[0] == '#' || bar == NULL)
                        continue;
                f->lines = realloc(f->lines, (size_t)(f->n + 1) * sizeof(struct line));
                struct line *l = &f->lines[f->n];
                l->no = no;
                *bar = '\0';
                snprintf(l->table, sizeof(l->table), "%.31s", buf);
                if (split(strdup(bar + 1), l) < 0) {
                        fprintf(stderr, "%s:%d: too many words\n", f->path, no);
                        return -1;
                }
                f->n++;
        }
        fclose(in);
        return 0;
}

int main(int argc, char **argv)
{
        bool commit = false;
        enum oih_xt_probe probe = OIH_XT_ASSUME;
        int failed = 0;
        struct table_out ts[2][MAXT];
        int nt[2] = {0, 0};
        for (int a = 1; a < argc; a++) {
                if (strcmp(argv[a], "--commit") == 0) {
                        commit = true;
                        continue;
                }
                if (strcmp(argv[a], "--kernel") == 0) {
                        probe = OIH_XT_KERNEL;
                        continue;
                }
                if ((strcmp(argv[a], "-4") != 0 && strcmp(argv[a], "-6") != 0) || a + 1 == argc) {
                        fprintf(stderr, "usage: xt-rules [--commit] [--kernel] {-4 FILE | -6 FILE}...\n");
                        return 2;
                }
                struct file f = {argv[a + 1], argv[a][1] == '4' ? OIH_IPV4 : OIH_IPV6, NULL, 0};
                a++;
                if (load(&f) < 0)
                        return 2;
                struct oih_xt_out res;
                struct oih_error err;
                oih_error_init(&err);
                if (oih_xt_run(f.family, probe, parse_fn, &f, &res, &err) < 0) {
                        for (int i = 0; i < err.n; i++)
                                fprintf(stderr, "%s: %s\n", f.path, err.msg[i]);
                        return 2;
                }
                if (res.warnings[0] != '\0')
                        fprintf(stderr, "%s: warnings: %s", f.path, res.warnings);
                const struct tc *o = &tcs[f.family];
                char chain[64] = "";
                for (char *p = res.data; p < res.data + res.len;) {
                        char type;
                        int no, skip;
                        size_t len;
                        /* not "\n" in the format: it would eat payload bytes that look blank */
                        if (sscanf(p, "%c %d %zu%n", &type, &no, &len, &skip) != 3 || p[skip] != '\n')
                                break;
                        p += skip + 1;
                        const struct line *l = NULL;
                        for (int i = 0; i < f.n; i++)
                                if (f.lines[i].no == no)
                                        l = &f.lines[i];
                        struct table_out *t = tout(ts[f.family], &nt[f.family], l->table);
                        if (type == 'E') {
                                fprintf(stderr, "%s:%d: %.*s\n", f.path, no, (int)len, p);
                                failed = 1;
                        } else if (type == 'A') {
                                snprintf(chain, sizeof(chain), "%.*s", (int)len, p);
                        } else if (type == 'T') {
                                for (char *q = p; q < p + len; q = strchr(q, '\n') + 1)
                                        fprintf(t->mem, "%s\t%.*s\n", chain, (int)strcspn(q, "\n"), q);
                        }
                        if (commit && t->h == NULL && (type == 'N' || type == 'B')) {
                                t->h = o->init(t->name);
                                if (t->h == NULL) {
                                        fprintf(stderr, "iptc_init %s: %s\n", t->name, o->strerror(errno));
                                        return 2;
                                }
                        }
                        if (commit && type == 'N') {
                                char name[64];
                                snprintf(name, sizeof(name), "%.*s", (int)len, p);
                                if (!o->create(name, t->h)) {
                                        fprintf(stderr, "%s:%d: create %s: %s\n", f.path, no, name, o->strerror(errno));
                                        failed = 1;
                                }
                        }
                        for (size_t off = 0; commit && type == 'B' && off < len;) {
                                uint16_t next;
                                memcpy(&next, p + off + (f.family == OIH_IPV4 ? offsetof(struct ipt_entry, next_offset)
                                                                               : offsetof(struct ip6t_entry, next_offset)),
                                       sizeof(next));
                                if (!o->append(chain, p + off, t->h)) {
                                        fprintf(stderr, "%s:%d: append: %s\n", f.path, no, o->strerror(errno));
                                        failed = 1;
                                }
                                off += next;
                        }
                        p += len;
                }
                oih_xt_out_free(&res);
                for (int i = 0; commit && i < nt[f.family]; i++) {
                        struct table_out *t = &ts[f.family][i];
                        if (t->h != NULL && !o->commit(t->h)) {
                                fprintf(stderr, "%s: commit %s: %s\n", f.path, t->name, o->strerror(errno));
                                return 2;
                        }
                        if (t->h != NULL)
                                o->free(t->h);
                        t->h = NULL;
                }
        }
        for (int fa = 0; fa < 2; fa++) {
                if (nt[fa] > 0)
                        printf("# %s\n", fa == OIH_IPV4 ? "IPv4" : "IPv6");
                for (int i = 0; i < nt[fa]; i++) {
                        struct table_out *t = &ts[fa][i];
                        fclose(t->mem);
                        printf("*%s\n", t->name);
                        if (!commit) {
                                print_sorted(t);
                        } else {
                                struct readback rb = {(enum oih_family)fa, t};
                                struct oih_xt_out res;
                                struct oih_error err;
                                oih_error_init(&err);
                                if (oih_xt_run(rb.family, probe, render_fn, &rb, &res, &err) < 0) {
                                        for (int k = 0; k < err.n; k++)
                                                fprintf(stderr, "read back %s: %s\n", t->name, err.msg[k]);
                                        return 2;
                                }
                                fputs(res.data, stdout);
                                oih_xt_out_free(&res);
                        }
                        free(t->text);
                }
        }
        return failed;
}
