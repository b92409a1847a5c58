/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy -> kernel entries, through libxtables: each rule becomes, per family, the words of an
 * iptables rule spec (friendly fields expand to fixed templates), each word remembering the
 * JSON key it came from; a libxtables worker of that family (xt.h) parses them as iptables
 * does and returns the entries, or iptables' own message for the word it refused. The same
 * worker prints the entries back as iptables-legacy-save does (`show`). */
#include <arpa/inet.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oih.h"
#include "ruleset.h"
#include "tables.h"
#include "xt.h"

/* ---- the words of one entry, with the JSON key (relative to the rule) of each ---- */

struct words {
        char *arena;
        size_t len, cap;
        size_t *word;           /* offsets into arena */
        const char **key;       /* string constants, or the policy's own text */
        unsigned n, ncap;
        bool oom;
};

static size_t arena_put(struct words *w, const char *s, size_t n)
{
        if (w->len + n + 1 > w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 1024;
                while (cap < w->len + n + 1)
                        cap *= 2;
                char *a = realloc(w->arena, cap);
                if (a == NULL) {
                        w->oom = true;
                        return 0;
                }
                w->arena = a;
                w->cap = cap;
        }
        size_t at = w->len;
        memcpy(w->arena + at, s, n);
        w->arena[at + n] = '\0';
        w->len += n + 1;
        return at;
}

/* The formats the templates use (text, %s, %u, %d) into BUF, without vsnprintf: 10,000 rules
 * are 200,000 words. -1 for anything else, or when BUF is too small. */
static int format(char *buf, size_t size, const char *fmt, va_list ap)
{
        size_t n = 0;
        for (const char *f = fmt; *f; f++) {
                char num[24], *end = num + sizeof(num);
                const char *s = f;
                size_t len = 1;
                if (*f == '%' && f[1] == 's') {
                        s = va_arg(ap, const char *);
                        len = strlen(s);
                        f++;
                } else if (*f == '%' && (f[1] == 'u' || f[1] == 'd')) {
                        long long v = f[1] == 'u' ? (long long)va_arg(ap, unsigned) : va_arg(ap, int);
                        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
                        char *p = end;
                        do
                                *--p = (char)('0' + u % 10);
                        while ((u /= 10) != 0);
                        if (v < 0)
                                *--p = '-';
                        s = p;
                        len = (size_t)(end - p);
                        f++;
                } else if (*f == '%') {
                        return -1;
                }
                if (n + len >= size)
                        return -1;
                memcpy(buf + n, s, len);
                n += len;
        }
        buf[n] = '\0';
        return (int)n;
}

static void word(struct words *w, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void word(struct words *w, const char *key, const char *fmt, ...)
{
        char buf[512];
        const char *text = buf;
        int n = 0;
        va_list ap;
        va_start(ap, fmt);
        /* most words are literal or one string: no copy */
        if (strcmp(fmt, "%s") == 0)
                text = va_arg(ap, const char *);
        else if (strchr(fmt, '%') == NULL)
                text = fmt;
        else
                n = format(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (text != buf)
                n = (int)strnlen(text, sizeof(buf));
        if (n < 0 || (size_t)n >= sizeof(buf)) {
                w->oom = true;
                return;
        }
        if (w->n == w->ncap) {
                unsigned ncap = w->ncap ? w->ncap * 2 : 32;
                size_t *a = realloc(w->word, ncap * sizeof(*a));
                const char **b = a ? realloc(w->key, ncap * sizeof(*b)) : NULL;
                if (a)
                        w->word = a;
                if (b == NULL) {
                        w->oom = true;
                        return;
                }
                w->key = b;
                w->ncap = ncap;
        }
        w->word[w->n] = arena_put(w, text, (size_t)n);
        w->key[w->n] = key;
        w->n++;
}

static void words_reset(struct words *w)
{
        w->len = 0;
        w->n = 0;
}

static void words_free(struct words *w)
{
        free(w->arena);
        free(w->word);
        free(w->key);
}

/* ---- friendly fields: fixed templates, in the order iptables-save prints them ---- */

static int prefix_len(const uint8_t *mask, unsigned bytes)
{
        int bits = 0;
        for (unsigned i = 0; i < bytes; i++)
                for (uint8_t m = mask[i]; m & 0x80; m = (uint8_t)(m << 1))
                        bits++;
        return bits;
}

static void w_not(struct words *w, const char *key, bool inv)
{
        if (inv)
                word(w, key, "!");
}

static void w_addr(struct words *w, const char *key, const char *opt, const struct oih_addr *a, bool inv)
{
        if (a == NULL)
                return;
        unsigned bytes = a->family == OIH_IPV4 ? 4 : 16;
        int len = prefix_len(a->mask, bytes);
        if (len == 0 && !inv)
                return;
        w_not(w, key, inv);
        word(w, key, "%s", opt);
        if (a->family == OIH_IPV4) { /* inet_ntop's sprintf was most of a plain rule's words */
                word(w, key, "%u.%u.%u.%u/%d", a->addr[0], a->addr[1], a->addr[2], a->addr[3], len);
        } else { /* the eight groups in full, as inet_pton reads them; inet_ntop's sprintf per group
                  * was most of an IPv6 rule's words */
                static const char hex[] = "0123456789abcdef";
                char buf[8 * 5], *p = buf;
                for (int g = 0; g < 8; g++) {
                        unsigned v = (unsigned)a->addr[2 * g] << 8 | a->addr[2 * g + 1];
                        for (int shift = 12; shift >= 0; shift -= 4)
                                if ((v >> shift) != 0 || shift == 0)
                                        *p++ = hex[(v >> shift) & 15];
                        *p++ = g < 7 ? ':' : '\0';
                }
                word(w, key, "%s/%d", buf, len);
        }
}

static void w_iface(struct words *w, const char *key, const char *opt, const char *name, bool inv)
{
        if (name[0] && (strcmp(name, "+") != 0 || inv)) {
                w_not(w, key, inv);
                word(w, key, "%s", opt);
                word(w, key, "%s", name);
        }
}

static void w_range(struct words *w, const char *key, const char *opt, struct oih_portrange r, bool inv)
{
        if (r.lo == 0 && r.hi == 0xFFFF && !inv)
                return;
        w_not(w, key, inv);
        word(w, key, "%s", opt);
        if (r.hi != r.lo)
                word(w, key, "%u:%u", r.lo, r.hi);
        else
                word(w, key, "%u", r.lo);
}

static void w_multiport(struct words *w, const char *key, const char *opt, const struct oih_ports *p)
{
        char buf[OIH_MULTIPORT_SLOTS * 12 + 1];
        size_t at = 0;
        for (unsigned i = 0; i < p->n; i++) {
                at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%u", i ? "," : "", p->r[i].lo);
                if (p->r[i].hi != p->r[i].lo)
                        at += (size_t)snprintf(buf + at, sizeof(buf) - at, ":%u", p->r[i].hi);
        }
        word(w, key, "-m");
        word(w, key, "multiport");
        w_not(w, key, p->invert);
        word(w, key, "%s", opt);
        word(w, key, "%s", buf);
}

static void w_states(struct words *w, const char *key, const char *match, const char *names, bool inv)
{
        if (names == NULL)
                return;
        word(w, key, "-m");
        word(w, key, "%s", match);
        w_not(w, key, inv);
        word(w, key, "--%s", strcmp(match, "state") == 0 ? "state" : "ctstate");
        word(w, key, "%s", names);
}

static void w_id(struct words *w, const char *key, const char *opt, const struct oih_idrange *id)
{
        if (!id->set)
                return;
        w_not(w, key, id->invert);
        word(w, key, "%s", opt);
        if (id->hi != id->lo)
                word(w, key, "%u-%u", id->lo, id->hi);
        else
                word(w, key, "%u", id->lo);
}

/* Version 2's generic words, as policy.c keeps them: "word\0path\0" pairs. */
static void w_pairs(struct words *w, const char *buf, size_t len)
{
        for (size_t at = 0; at < len;) {
                const char *wd = buf + at, *key = wd + strlen(wd) + 1;
                word(w, key, "%s", wd);
                at = (size_t)(key + strlen(key) + 1 - buf);
        }
}

static void rule_words(const struct oih_entry *e, enum oih_family f, struct words *w)
{
        const struct oih_rule *r = e->rule;
        w_addr(w, "source", "-s", e->src, r->src_inv);
        w_addr(w, "destination", "-d", e->dst, r->dst_inv);
        w_iface(w, "in_interface", "-i", r->iniface, r->iniface_inv);
        w_iface(w, "out_interface", "-o", r->outiface, r->outiface_inv);
        if (r->proto_set) {
                /* the name iptables-save prints: its own list, then /etc/protocols */
                const char *pn = oih_name_of(oih_protocols, r->proto);
                struct protoent *pe = pn ? NULL : getprotobynumber(r->proto);
                w_not(w, "protocol", r->proto_inv);
                word(w, "protocol", "-p");
                if (pe)
                        pn = pe->p_name;
                if (pn)
                        word(w, "protocol", "%s", pn);
                else
                        word(w, "protocol", "%u", r->proto);
        }

        if (r->frag_set) {
                w_not(w, "fragment", r->frag_inv);
                word(w, "fragment", "-f");
        }

        bool single_s = r->sport.n && !r->sport.multi, single_d = r->dport.n && !r->dport.multi;
        if (single_s || single_d || r->syn || r->tcpflags_mask) {
                word(w, "protocol", "-m");
                word(w, "protocol", "%s", r->proto == 6 ? "tcp" : "udp");
                if (single_s)
                        w_range(w, "sport", "--sport", r->sport.r[0], r->sport.invert);
                if (single_d)
                        w_range(w, "dport", "--dport", r->dport.r[0], r->dport.invert);
                if (r->syn || r->tcpflags_mask) {
                        const char *key = r->syn ? "syn" : "tcp_flags";
                        w_not(w, key, r->tcpflags_inv);
                        word(w, key, "--tcp-flags");
                        word(w, key, "%s", r->syn ? "FIN,SYN,RST,ACK" : r->tcpflags_mask);
                        word(w, key, "%s", r->syn ? "SYN" : r->tcpflags_cmp);
                }
        }
        if (r->icmp_set) {
                bool any = r->icmp_type == 0xFF && r->icmp_code_lo == 0 && r->icmp_code_hi == 0xFF;
                word(w, "icmp_type", "-m");
                word(w, "icmp_type", "%s", f == OIH_IPV4 ? "icmp" : "icmp6");
                w_not(w, "icmp_type", r->icmp_inv);
                word(w, "icmp_type", "%s", f == OIH_IPV4 ? "--icmp-type" : "--icmpv6-type");
                if (any && f == OIH_IPV4)
                        word(w, "icmp_type", "any");
                else if (r->icmp_code_lo != 0 || r->icmp_code_hi != 0xFF)
                        word(w, "icmp_type", "%u/%u", r->icmp_type, r->icmp_code_lo);
                else
                        word(w, "icmp_type", "%u", r->icmp_type);
        }
        if (r->sport.multi)
                w_multiport(w, "sport", "--sports", &r->sport);
        if (r->dport.multi)
                w_multiport(w, "dport", "--dports", &r->dport);
        w_states(w, "ctstate", "conntrack", r->ctstate, r->ctstate_inv);
        w_states(w, "state", "state", r->state, r->state_inv);
        if (r->uid.set || r->gid.set) {
                word(w, r->uid.set ? "uid_owner" : "gid_owner", "-m");
                word(w, r->uid.set ? "uid_owner" : "gid_owner", "owner");
                w_id(w, "uid_owner", "--uid-owner", &r->uid);
                w_id(w, "gid_owner", "--gid-owner", &r->gid);
        }
        if (r->limit_set) {
                uint32_t n;
                const struct oih_rate_unit *u = oih_rate_unit_for(r->limit_avg, &n);
                word(w, "limit", "-m");
                word(w, "limit", "limit");
                word(w, "limit", "--limit");
                word(w, "limit", "%u/%s", n, u->save_name);
                if (r->limit_burst != 5 /* iptables' default */) {
                        word(w, "limit", "--limit-burst");
                        word(w, "limit", "%u", r->limit_burst);
                }
        }
        if (r->comment) {
                word(w, "comment", "-m");
                word(w, "comment", "comment");
                word(w, "comment", "--comment");
                word(w, "comment", "%s", r->comment);
        }

        w_pairs(w, r->xmatch, r->xmatch_len);

        static const char *const verdicts[] = {
                [OIH_T_ACCEPT] = "ACCEPT", [OIH_T_DROP] = "DROP", [OIH_T_RETURN] = "RETURN",
                [OIH_T_REJECT] = "REJECT", [OIH_T_LOG] = "LOG", [OIH_T_NFLOG] = "NFLOG",
        };
        switch (r->target) {
        case OIH_T_NONE:
                break;
        case OIH_T_JUMP:
        case OIH_T_GOTO:
                word(w, r->target == OIH_T_GOTO ? "goto" : "target", r->target == OIH_T_GOTO ? "-g" : "-j");
                word(w, r->target == OIH_T_GOTO ? "goto" : "target", "%s", r->jump);
                break;
        case OIH_T_EXT:
                word(w, "target", "-j");
                word(w, "target", "%s", r->xtarget);
                break;
        default:
                word(w, "target", "-j");
                word(w, "target", "%s", verdicts[r->target]);
                break;
        }
        /* without reject_with the default is spelled out, unless target_options say it */
        if (r->target == OIH_T_REJECT && (r->reject_with[f] >= 0 || r->xtarget_opts == NULL)) {
                int k = r->reject_with[f] >= 0 ? r->reject_with[f] : oih_reject_default[f];
                word(w, "reject_with", "--reject-with");
                word(w, "reject_with", "%s", oih_reject_names[f][k].name);
        } else if (r->target == OIH_T_LOG) {
                if (r->log_prefix[0]) {
                        word(w, "log_prefix", "--log-prefix");
                        word(w, "log_prefix", "%s", r->log_prefix);
                }
                if (r->log_level[0]) {
                        word(w, "log_level", "--log-level");
                        word(w, "log_level", "%s", r->log_level);
                }
        } else if (r->target == OIH_T_NFLOG) {
                if (r->nflog_prefix[0]) {
                        word(w, "nflog_prefix", "--nflog-prefix");
                        word(w, "nflog_prefix", "%s", r->nflog_prefix);
                }
                if (r->nflog_group) {
                        word(w, "nflog_group", "--nflog-group");
                        word(w, "nflog_group", "%u", r->nflog_group);
                }
        }
        w_pairs(w, r->xtarget_opts, r->xtarget_opts_len);
}

struct words_out {
        enum oih_family f;
        FILE *out;
        struct words w;
};

static int words_entry(const struct oih_entry *e, void *ctx)
{
        struct words_out *o = ctx;
        words_reset(&o->w);
        rule_words(e, o->f, &o->w);
        if (o->w.oom)
                return -1;
        if (e->rule->table != OIH_TBL_FILTER)
                fprintf(o->out, "-t %s ", oih_table_names[e->rule->table]);
        fprintf(o->out, "-A %s", e->rule->chain);
        for (unsigned i = 0; i < o->w.n; i++) {
                const char *s = o->w.arena + o->w.word[i];
                fprintf(o->out, s[0] == '\0' || strpbrk(s, " '\"") ? " '%s'" : " %s", s);
        }
        fputc('\n', o->out);
        return 0;
}

int oih_compile_words(const struct oih_policy *p, enum oih_family family, FILE *out, struct oih_error *err)
{
        struct words_out o = { .f = family, .out = out };
        int r = oih_policy_foreach_entry(p, family, words_entry, &o);
        words_free(&o.w);
        return r < 0 ? oih_err(err, "out of memory") : 0;
}

/* ---- chains in table order ---- */

static int cmp_chain(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* RET holds nchains + OIH_MAXBUILTINS + 1 pointers; ends with NULL. */
static unsigned chain_order(const struct oih_policy *p, unsigned table, enum oih_family family, const char **ret)
{
        unsigned n = 0, nb;
        while (oih_table_builtins[table][n] != NULL) {
                ret[n] = oih_table_builtins[table][n];
                n++;
        }
        nb = n;
        for (unsigned i = 0; i < p->nchains; i++)
                if (p->chains[i].table == table && (p->chains[i].families & OIH_FAMBIT(family)))
                        ret[n++] = p->chains[i].name;
        /* libiptc keeps user chains sorted by name */
        qsort(ret + nb, n - nb, sizeof(*ret), cmp_chain);
        ret[n] = NULL;
        return n;
}

/* Filter's policies are also where version 1 keeps them. */
static bool drop_of(const struct oih_policy *p, unsigned table, enum oih_family f, unsigned b)
{
        return table == OIH_TBL_FILTER ? p->drop[f][b] : p->tdrop[table][f][b];
}

/* ---- the worker: words -> libxtables -> entries and their save text ---- */

/* What a worker sends back: records of these, each followed by SIZE bytes. */
enum { REC_ENTRY = 'B', REC_TEXT = 'T', REC_ERROR = 'E' };
struct record {
        uint8_t kind, table;
        uint16_t pad;
        uint32_t slot;  /* REC_ENTRY: the chain; REC_ERROR: the rule's index */
        uint32_t size;
};
/* Each record's data is padded so that the next record is aligned where the parent reads it. */
#define REC_ALIGN 4
#define REC_PAD(n) (((n) + REC_ALIGN - 1) / REC_ALIGN * REC_ALIGN)
_Static_assert(sizeof(struct record) % REC_ALIGN == 0, "records stay aligned");

struct job {
        const struct oih_policy *p;
        enum oih_family f;
        bool render;
        /* per table */
        unsigned table;
        const char **order;
        unsigned norder, nbuiltins, slot;
        FILE *text;
        /* per entry */
        struct words w;
        char **argv;
        unsigned argv_cap;
        FILE *out;
        unsigned seq, lo, hi; /* the family's entries in this job's order; this part: [lo, hi) */
        const struct oih_rule *failed; /* the last rule that failed: one message per rule */
        bool oom;
};

static void put_record(struct job *j, int kind, uint32_t slot, const void *data, size_t size)
{
        struct record rec = { (uint8_t)kind, (uint8_t)j->table, 0, slot, (uint32_t)size };
        /* OUT is buffered (xtproc.c): three fwrites cost no more system calls than one */
        static const char zeros[REC_ALIGN];
        size_t pad = REC_PAD(size) - size;
        if (fwrite(&rec, sizeof(rec), 1, j->out) != 1 || fwrite(data, 1, size, j->out) != size ||
            fwrite(zeros, 1, pad, j->out) != pad)
                j->oom = true;
}

static int job_entry(const struct oih_entry *e, void *ctx)
{
        struct job *j = ctx;
        if (e->rule->table != j->table || strcmp(e->rule->chain, j->order[j->slot]) != 0)
                return 0;
        unsigned seq = j->seq++;
        if (seq < j->lo || seq >= j->hi || e->rule == j->failed)
                return 0;
        words_reset(&j->w);
        rule_words(e, j->f, &j->w);
        if (j->w.n + 1 > j->argv_cap) {
                free(j->argv);
                j->argv_cap = j->w.n + 32;
                j->argv = calloc(j->argv_cap, sizeof(char *));
        }
        if (j->w.oom || j->argv == NULL) {
                j->oom = true;
                return -1;
        }
        for (unsigned i = 0; i < j->w.n; i++)
                j->argv[i] = j->w.arena + j->w.word[i];
        struct oih_xt_in in = { .table = oih_table_names[j->table], .chain = e->rule->chain,
                                .chains = j->order + j->nbuiltins };
        struct oih_xt_rule xr;
        struct oih_error xerr;
        oih_error_init(&xerr);
        if (oih_xt_parse((int)j->w.n, j->argv, &in, &xr, &xerr) < 0) {
                char msg[OIH_ERR_LEN + 128];
                int k = xr.err_word;
                j->failed = e->rule;
                snprintf(msg, sizeof(msg), "rules[%u]%s%s: %s", e->rule->index, k >= 0 && (unsigned)k < j->w.n ? "." : "",
                         k >= 0 && (unsigned)k < j->w.n ? j->w.key[k] : "", oih_error_first(&xerr));
                put_record(j, REC_ERROR, e->rule->index, msg, strlen(msg) + 1);
                oih_xt_rule_free(&xr);
                return 0;
        }
        int r = 0;
        size_t off = 0;
        for (unsigned i = 0; i < xr.nentries && r == 0; i++) {
                const unsigned char *ent = xr.entries + off;
                size_t size = oih_xt_entry_size(ent);
                off += size;
                put_record(j, REC_ENTRY, j->slot, ent, size);
                if (j->render) {
                        struct oih_error rerr;
                        oih_error_init(&rerr);
                        if (oih_xt_render(ent, e->rule->chain, NULL, j->text, &rerr) < 0)
                                put_record(j, REC_ERROR, e->rule->index, oih_error_first(&rerr),
                                           strlen(oih_error_first(&rerr)) + 1);
                }
        }
        oih_xt_rule_free(&xr);
        return j->oom ? -1 : 0;
}

static int job_table(struct job *j, unsigned table)
{
        char *text = NULL;
        size_t tlen = 0;
        j->table = table;
        j->nbuiltins = oih_table_nbuiltins(table);
        j->norder = chain_order(j->p, table, j->f, j->order);
        j->text = j->render ? open_memstream(&text, &tlen) : NULL;
        if (j->render && j->text == NULL)
                return -1;
        if (j->render) {
                fprintf(j->text, "*%s\n", oih_table_names[table]);
                for (unsigned i = 0; i < j->norder; i++) {
                        fputc(':', j->text);
                        oih_put_escaped(j->text, j->order[i], strlen(j->order[i]));
                        fprintf(j->text, " %s [0:0]\n",
                                i >= j->nbuiltins ? "-" : drop_of(j->p, table, j->f, i) ? "DROP" : "ACCEPT");
                }
        }
        int r = 0;
        for (j->slot = 0; j->slot < j->norder && r >= 0; j->slot++)
                r = oih_policy_foreach_entry(j->p, j->f, job_entry, j);
        if (j->render) {
                fputs("COMMIT\n", j->text);
                if (fclose(j->text) != 0)
                        r = -1;
                else
                        put_record(j, REC_TEXT, 0, text, tlen);
                free(text);
        }
        return r;
}

static int job_run(void *ctx, FILE *out, struct oih_error *err)
{
        struct job *j = ctx;
        j->out = out;
        for (unsigned t = 0; t < OIH_NTABLES; t++)
                if ((t == OIH_TBL_FILTER || (j->p->tables & OIH_TBLBIT(t))) && job_table(j, t) < 0)
                        break;
        words_free(&j->w);
        free(j->argv);
        return j->oom ? oih_err(err, "the libxtables worker ran out of memory") : 0;
}

/* ---- the parent: both families, then the family rule ---- */

/* The workers' answers: IPv4's parts, then IPv6's; a family's answer is its parts one after
 * the other. */
struct result {
        struct oih_xt_out o[OIH_XT_MAXWORKERS];
        unsigned parts[OIH_NFAMILIES];
};

/* Every record of a worker's answer fits it, to its last byte: anything else is an error,
 * never a shorter table. */
static bool answer_whole(const struct oih_xt_out *o)
{
        size_t at = 0;
        while (at + sizeof(struct record) <= o->len) {
                const struct record *rec = (const void *)(o->data + at);
                if (rec->size > o->len - at - sizeof(*rec))
                        return false;
                at += sizeof(*rec) + REC_PAD((size_t)rec->size);
        }
        return at == o->len;
}

/* Reads a family's answer record by record, across its parts. */
struct cursor {
        const struct result *res;
        int f;
        unsigned part;
        size_t at;
};

static const struct record *next_record(struct cursor *c, const char **data)
{
        for (; c->part < c->res->parts[c->f]; c->part++, c->at = 0) {
                const struct oih_xt_out *o = &c->res->o[(c->f ? c->res->parts[0] : 0) + c->part];
                if (c->at + sizeof(struct record) > o->len)
                        continue;
                const struct record *rec = (const void *)(o->data + c->at);
                if (rec->size > o->len - c->at - sizeof(*rec))
                        return NULL;
                *data = o->data + c->at + sizeof(*rec);
                c->at += sizeof(*rec) + REC_PAD((size_t)rec->size);
                return rec;
        }
        return NULL;
}

/* The first error of each rule in a family's answer (ERRS[rule index]), in one pass. */
static void rule_errors(const struct result *res, int f, const char **errs, unsigned nrules)
{
        struct cursor c = {res, f, 0, 0};
        const char *d;
        for (const struct record *rec; (rec = next_record(&c, &d)) != NULL;)
                if (rec->kind == REC_ERROR && rec->slot < nrules && errs[rec->slot] == NULL)
                        errs[rec->slot] = d;
}

/* An extension (or option) that one family has and the other has not, in a rule that would
 * be built for both, is an error: built silently for one family only, the rule would let
 * the other family's packets through. */
static int report_errors(const struct oih_policy *p, struct result *res, struct oih_error *err)
{
        static const char *const fam[] = { "IPv4", "IPv6" }, *const key[] = { "ipv4", "ipv6" };
        const char **errs[OIH_NFAMILIES];
        unsigned nidx = 0;
        for (unsigned i = 0; i < p->nrules; i++)
                if (p->rules[i].index >= nidx)
                        nidx = p->rules[i].index + 1;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                errs[f] = calloc(nidx ? nidx : 1, sizeof(*errs[f]));
                if (errs[f] == NULL) {
                        free(errs[0]);
                        return oih_err(err, "out of memory");
                }
                rule_errors(res, f, errs[f], nidx);
        }
        int n = 0;
        for (unsigned i = 0; i < p->nrules; i++) {
                const struct oih_rule *r = &p->rules[i];
                const char *e[OIH_NFAMILIES];
                for (int f = 0; f < OIH_NFAMILIES; f++)
                        e[f] = r->families & OIH_FAMBIT(f) ? errs[f][r->index] : NULL;
                if (e[0] == NULL && e[1] == NULL)
                        continue;
                n++;
                if (r->families == OIH_FAM_BOTH && (e[0] == NULL) != (e[1] == NULL)) {
                        int ok = e[0] == NULL ? 0 : 1, bad = 1 - ok;
                        oih_err(err, "%s: %s (%s only: give \"family\": \"%s\")", p->name, e[bad], fam[ok], key[ok]);
                } else {
                        oih_err(err, "%s: %s", p->name, e[0] ? e[0] : e[1]);
                }
        }
        free(errs[0]);
        free(errs[1]);
        return n ? -1 : 0;
}

static int take_table(const struct oih_policy *p, enum oih_family f, unsigned table, const struct result *res,
                      struct oih_table *t)
{
        const char **order = calloc(p->nchains + OIH_MAXBUILTINS + 1, sizeof(*order));
        if (order == NULL)
                return -1;
        unsigned norder = chain_order(p, table, f, order), nb = oih_table_nbuiltins(table);
        t->table = table;
        for (unsigned b = 0; b < nb; b++)
                t->drop[b] = drop_of(p, table, f, b);
        t->nchains = norder - nb;
        t->chains = calloc(t->nchains ? t->nchains : 1, sizeof(*t->chains));
        for (unsigned i = 0; t->chains && i < t->nchains; i++)
                strcpy(t->chains[i], order[nb + i]);
        free(order);
        unsigned n = 0;
        size_t bytes = 0;
        const char *d;
        struct cursor c = {res, f, 0, 0};
        for (const struct record *rec; (rec = next_record(&c, &d)) != NULL;)
                if (rec->kind == REC_ENTRY && rec->table == table) {
                        n++;
                        bytes += rec->size;
                }
        t->chain_of = calloc(n ? n : 1, sizeof(*t->chain_of));
        t->entries.data = malloc(bytes ? bytes : 1);
        if (t->chains == NULL || t->chain_of == NULL || t->entries.data == NULL)
                return -1;
        t->entries.cap = bytes;
        c = (struct cursor){res, f, 0, 0};
        for (const struct record *rec; (rec = next_record(&c, &d)) != NULL;) {
                if (rec->kind != REC_ENTRY || rec->table != table)
                        continue;
                if (rec->slot >= norder)
                        return -1;
                memcpy(t->entries.data + t->entries.len, d, rec->size);
                t->entries.len += rec->size;
                t->chain_of[t->nentries++] = rec->slot;
        }
        return 0;
}

/* A family's entries go to one worker, or for a large policy (apply) to as many as there are
 * CPUs to share: each takes a run of them in table order, so that their answers one after the
 * other are the family's answer. A worker costs about a millisecond to start. */
unsigned oih_compile_workers = 0;
unsigned oih_compile_part_min = 2000;

static unsigned cpus(void)
{
        long n = oih_compile_workers ? (long)oih_compile_workers : sysconf(_SC_NPROCESSORS_ONLN);
        return n < 1 ? 1 : n > OIH_XT_MAXWORKERS ? OIH_XT_MAXWORKERS : (unsigned)n;
}

/* Runs the workers of both families at once. RENDER (show): one per family, for the text. */
static int run_both(const struct oih_policy *p, enum oih_xt_probe probe, bool render, struct result *res,
                    struct oih_error *err)
{
        struct job j[OIH_XT_MAXWORKERS];
        void *ctx[OIH_XT_MAXWORKERS];
        enum oih_family fam[OIH_XT_MAXWORKERS];
        unsigned count[OIH_NFAMILIES], *parts = res->parts, all = 0, n = 0, w = cpus();
        memset(res, 0, sizeof(*res));
        memset(j, 0, sizeof(j));
        for (int f = 0; f < OIH_NFAMILIES; f++)
                all += count[f] = oih_policy_count(p, (enum oih_family)f);
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                /* CPUs shared by the families' entries; a family without entries needs no worker
                 * unless its text is wanted */
                unsigned share = all ? (unsigned)(((unsigned long long)w * count[f] + all / 2) / all) : 0;
                unsigned most = count[f] / (oih_compile_part_min ? oih_compile_part_min : 1);
                parts[f] = render ? 1 : count[f] == 0 ? 0 : share < 1 || most < 1 ? 1 : share < most ? share : most;
        }
        /* rounded up on both sides, the shares can come to one more than the CPUs */
        while (parts[0] + parts[1] > (w > 2 ? w : 2))
                parts[parts[0] > parts[1] ? 0 : 1]--;
        int r = 0;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (unsigned k = 0; k < parts[f]; k++, n++) {
                        j[n].p = p;
                        j[n].f = (enum oih_family)f;
                        j[n].render = render;
                        j[n].lo = (unsigned)((unsigned long long)count[f] * k / parts[f]);
                        j[n].hi = k + 1 == parts[f] ? UINT_MAX : (unsigned)((unsigned long long)count[f] * (k + 1) / parts[f]);
                        j[n].order = calloc(p->nchains + OIH_MAXBUILTINS + 1, sizeof(*j[n].order));
                        ctx[n] = &j[n];
                        fam[n] = (enum oih_family)f;
                        if (j[n].order == NULL)
                                r = oih_err(err, "out of memory");
                }
        }
        if (r == 0 && oih_xt_run_many(probe, job_run, n, fam, ctx, res->o, err) < 0)
                r = -1;
        for (unsigned i = 0; r == 0 && i < n; i++)
                if (!answer_whole(&res->o[i]))
                        r = oih_err(err, "the %s libxtables worker's answer is malformed", fam[i] == OIH_IPV4 ? "IPv4" : "IPv6");
        for (unsigned i = 0; i < n; i++)
                free(j[i].order);
        return r < 0 ? -1 : report_errors(p, res, err);
}

static void result_free(struct result *res)
{
        for (unsigned i = 0; i < OIH_XT_MAXWORKERS; i++)
                oih_xt_out_free(&res->o[i]);
}

int oih_compile_probe(const struct oih_policy *p, int probe, struct oih_ruleset **ret, struct oih_error *err)
{
        struct result res;
        struct oih_ruleset *rs = calloc(1, sizeof(*rs));
        if (rs == NULL)
                return oih_err(err, "out of memory");
        int r = run_both(p, (enum oih_xt_probe)probe, false, &res, err);
        rs->tables = p->tables | OIH_TBLBIT(OIH_TBL_FILTER);
        for (int f = 0; f < OIH_NFAMILIES && r == 0; f++)
                for (unsigned t = 0; t < OIH_NTABLES && r == 0; t++)
                        if ((rs->tables & OIH_TBLBIT(t)) && take_table(p, (enum oih_family)f, t, &res, &rs->t[f][t]) < 0)
                                r = oih_err(err, "out of memory");
        result_free(&res);
        if (r < 0) {
                oih_ruleset_free(rs);
                return -1;
        }
        *ret = rs;
        return 0;
}

int oih_compile(const struct oih_policy *p, struct oih_ruleset **ret, struct oih_error *err)
{
        return oih_compile_probe(p, OIH_XT_ASSUME, ret, err);
}

void oih_ruleset_free(struct oih_ruleset *rs)
{
        if (rs == NULL)
                return;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (unsigned t = 0; t < OIH_NTABLES; t++) {
                        free(rs->t[f][t].chains);
                        free(rs->t[f][t].entries.data);
                        free(rs->t[f][t].chain_of);
                }
        }
        free(rs);
}

unsigned oih_ruleset_count(const struct oih_ruleset *rs, enum oih_family family)
{
        unsigned n = 0;
        for (unsigned t = 0; t < OIH_NTABLES; t++)
                n += rs->t[family][t].nentries;
        return n;
}

const char *oih_table_chain_name(const struct oih_table *t, unsigned i)
{
        unsigned nb = oih_table_nbuiltins(t->table);
        return i < nb ? oih_table_builtins[t->table][i] : t->chains[i - nb];
}

int oih_render_both(const struct oih_policy *p, int only, FILE *out, struct oih_error *err)
{
        struct result res;
        int r = run_both(p, OIH_XT_ASSUME, true, &res, err);
        for (int f = 0; f < OIH_NFAMILIES && r == 0; f++) {
                if (only >= 0 && only != f)
                        continue;
                if (only < 0)
                        fprintf(out, "# %s (%s-legacy-restore)\n", f == OIH_IPV4 ? "IPv4" : "IPv6",
                                f == OIH_IPV4 ? "iptables" : "ip6tables");
                struct cursor c = {&res, f, 0, 0};
                const char *d;
                for (const struct record *rec; (rec = next_record(&c, &d)) != NULL;)
                        if (rec->kind == REC_TEXT && fwrite(d, 1, rec->size, out) != rec->size)
                                r = oih_err(err, "cannot write the rules");
        }
        result_free(&res);
        return r;
}

int oih_render(const struct oih_policy *p, enum oih_family family, FILE *out, struct oih_error *err)
{
        return oih_render_both(p, (int)family, out, err);
}
