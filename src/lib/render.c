/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Render a policy as iptables-restore text, spelled exactly as iptables-legacy-save prints the
 * table it builds: `show` is then both the dry run and the oracle the tests compare against. */
#include <arpa/inet.h>
#include <linux/netfilter/xt_limit.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"
#include "tables.h"

static int prefix_len(const uint8_t *mask, unsigned bytes)
{
        int bits = 0;
        for (unsigned i = 0; i < bytes; i++) {
                uint8_t m = mask[i];
                while (m & 0x80) {
                        bits++;
                        m = (uint8_t)(m << 1);
                }
        }
        return bits;
}

static void put_addr(FILE *out, char letter, const struct oih_addr *a, bool inv)
{
        if (a == NULL)
                return;
        unsigned bytes = a->family == OIH_IPV4 ? 4 : 16;
        int len = prefix_len(a->mask, bytes);
        /* iptables-save leaves out a match on everything */
        if (len == 0 && !inv)
                return;
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(a->family == OIH_IPV4 ? AF_INET : AF_INET6, a->addr, buf, sizeof(buf));
        fprintf(out, "%s -%c %s/%d", inv ? " !" : "", letter, buf, len);
}

/* Names from the kernel (inspect) may hold any byte; iptables-legacy-save prints them raw. A
 * policy's names are printable, and print exactly as iptables-legacy-save prints them. */
static void put_name(FILE *out, const char *name)
{
        oih_put_escaped(out, name, strlen(name));
}

static void put_iface(FILE *out, char letter, const char *name, bool inv)
{
        if (name[0] && (strcmp(name, "+") != 0 || inv)) {
                fprintf(out, "%s -%c ", inv ? " !" : "", letter);
                put_name(out, name);
        }
}

/* Quoted as iptables-save quotes strings, so that iptables-restore reads them back. Bytes that
 * are not printable (only a table written by another tool has them) are \xHH inside the
 * quotes, where iptables-save would print them raw. */
void oih_put_string(FILE *out, const char *s)
{
        static const char plain[] = "_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        size_t n = strspn(s, plain);
        if (n > 0 && s[n] == '\0') {
                fprintf(out, " %s", s);
                return;
        }
        fputs(" \"", out);
        for (; *s; s++) {
                if (*s == '"' || *s == '\\' || *s == '\'')
                        fputc('\\', out);
                oih_put_escaped(out, s, 1);
        }
        fputc('"', out);
}

static void put_range(FILE *out, const char *opt, struct oih_portrange r, bool inv)
{
        if (r.lo == 0 && r.hi == 0xFFFF && !inv)
                return;
        fprintf(out, "%s --%s %u", inv ? " !" : "", opt, r.lo);
        if (r.hi != r.lo)
                fprintf(out, ":%u", r.hi);
}

static void put_multiport(FILE *out, const char *opt, const struct oih_ports *p)
{
        fprintf(out, " -m multiport%s --%s ", p->invert ? " !" : "", opt);
        for (unsigned i = 0; i < p->n; i++) {
                fprintf(out, "%s%u", i ? "," : "", p->r[i].lo);
                if (p->r[i].hi != p->r[i].lo)
                        fprintf(out, ":%u", p->r[i].hi);
        }
}

static void put_flags(FILE *out, uint8_t flags)
{
        if (flags == 0) {
                fputs("NONE", out);
                return;
        }
        const char *sep = "";
        for (const struct oih_name *n = oih_tcp_flags; n->value != 0x3F; n++) {
                if (flags & n->value) {
                        fprintf(out, "%s%s", sep, n->name);
                        sep = ",";
                }
        }
}

static void put_states(FILE *out, const char *opt, unsigned mask, bool inv)
{
        fprintf(out, "%s --%s", inv ? " !" : "", opt);
        const char *sep = " ";
        for (const struct oih_name *n = oih_ct_states; n->name; n++) {
                if (mask & n->value) {
                        fprintf(out, "%s%s", sep, n->name);
                        sep = ",";
                }
        }
}

static void put_id(FILE *out, const char *opt, const struct oih_idrange *id)
{
        if (!id->set)
                return;
        fprintf(out, "%s --%s %u", id->invert ? " !" : "", opt, id->lo);
        if (id->hi != id->lo)
                fprintf(out, "-%u", id->hi);
}

static void put_rate(FILE *out, uint32_t avg)
{
        uint32_t n;
        const struct oih_rate_unit *u = oih_rate_unit_for(avg, &n);
        fprintf(out, " %u/%s", n, u->save_name);
}

static int put_entry(const struct oih_entry *e, void *ctx)
{
        FILE *out = ((void **)ctx)[0];
        enum oih_family f = *(enum oih_family *)((void **)ctx)[1];
        const struct oih_rule *r = e->rule;

        fputs("-A ", out);
        put_name(out, r->chain);
        put_addr(out, 's', e->src, r->src_inv);
        put_addr(out, 'd', e->dst, r->dst_inv);
        put_iface(out, 'i', r->iniface, r->iniface_inv);
        put_iface(out, 'o', r->outiface, r->outiface_inv);
        if (r->proto_set) {
                /* iptables-save names a protocol from its own list, then from /etc/protocols */
                const char *pn = oih_name_of(oih_protocols, r->proto);
                struct protoent *pe = pn ? NULL : getprotobynumber(r->proto);
                if (pe)
                        pn = pe->p_name;
                fprintf(out, "%s -p ", r->proto_inv ? " !" : "");
                if (pn)
                        fputs(pn, out);
                else
                        fprintf(out, "%u", r->proto);
        }

        bool tcp = r->proto == 6;
        bool single_s = r->sport.n && !r->sport.multi, single_d = r->dport.n && !r->dport.multi;
        if (single_s || single_d || r->tcpflags_set) {
                fprintf(out, " -m %s", tcp ? "tcp" : "udp");
                if (single_s)
                        put_range(out, "sport", r->sport.r[0], r->sport.invert);
                if (single_d)
                        put_range(out, "dport", r->dport.r[0], r->dport.invert);
                if (r->tcpflags_set) {
                        fprintf(out, "%s --tcp-flags ", r->tcpflags_inv ? " !" : "");
                        put_flags(out, r->tcpflags_mask);
                        fputc(' ', out);
                        put_flags(out, r->tcpflags_cmp);
                }
        }
        if (r->icmp_set) {
                bool any = r->icmp_type == 0xFF && r->icmp_code_lo == 0 && r->icmp_code_hi == 0xFF;
                fprintf(out, " -m %s%s --%s", f == OIH_IPV4 ? "icmp" : "icmp6", r->icmp_inv ? " !" : "",
                        f == OIH_IPV4 ? "icmp-type" : "icmpv6-type");
                if (any && f == OIH_IPV4) {
                        fputs(" any", out);
                } else {
                        fprintf(out, " %u", r->icmp_type);
                        if (r->icmp_code_lo != 0 || r->icmp_code_hi != 0xFF)
                                fprintf(out, "/%u", r->icmp_code_lo);
                }
        }
        if (r->sport.multi)
                put_multiport(out, "sports", &r->sport);
        if (r->dport.multi)
                put_multiport(out, "dports", &r->dport);
        if (r->ctstate_set) {
                fputs(" -m conntrack", out);
                put_states(out, "ctstate", r->ctstate, r->ctstate_inv);
        }
        if (r->state_set) {
                fputs(" -m state", out);
                put_states(out, "state", r->state, r->state_inv);
        }
        if (r->uid.set || r->gid.set) {
                fputs(" -m owner", out);
                put_id(out, "uid-owner", &r->uid);
                put_id(out, "gid-owner", &r->gid);
        }
        if (r->limit_set) {
                fputs(" -m limit --limit", out);
                put_rate(out, r->limit_avg);
                if (r->limit_burst != 5 /* iptables' default burst */)
                        fprintf(out, " --limit-burst %u", r->limit_burst);
        }
        if (r->comment) {
                fputs(" -m comment --comment", out);
                oih_put_string(out, r->comment);
        }

        switch (r->target) {
        case OIH_T_NONE:
                break;
        case OIH_T_ACCEPT: fputs(" -j ACCEPT", out); break;
        case OIH_T_DROP: fputs(" -j DROP", out); break;
        case OIH_T_RETURN: fputs(" -j RETURN", out); break;
        case OIH_T_JUMP: fputs(" -j ", out); put_name(out, r->jump); break;
        case OIH_T_GOTO: fputs(" -g ", out); put_name(out, r->jump); break;
        case OIH_T_REJECT: {
                int w = r->reject_with[f] >= 0 ? r->reject_with[f] : oih_reject_default[f];
                fprintf(out, " -j REJECT --reject-with %s", oih_reject_names[f][w].name);
                break;
        }
        case OIH_T_LOG:
                fputs(" -j LOG", out);
                if (r->log_prefix[0]) {
                        fputs(" --log-prefix", out);
                        oih_put_string(out, r->log_prefix);
                }
                if (r->log_level_set && r->log_level != 4)
                        fprintf(out, " --log-level %u", r->log_level);
                break;
        case OIH_T_NFLOG:
                fputs(" -j NFLOG", out);
                if (r->nflog_prefix[0]) {
                        fputs(" --nflog-prefix", out);
                        oih_put_string(out, r->nflog_prefix);
                }
                if (r->nflog_group)
                        fprintf(out, " --nflog-group %u", r->nflog_group);
                break;
        }
        fputc('\n', out);
        return 0;
}

static int cmp_chain(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Chains in the order the kernel table holds them: built-in ones in hook order, then user
 * chains sorted by name (libiptc keeps them sorted). RET must hold nchains + 3 pointers. */
unsigned oih_chain_order(const struct oih_policy *p, enum oih_family family, const char **ret)
{
        unsigned n = 0;
        for (int b = 0; b < OIH_NBUILTINS; b++)
                ret[n++] = oih_builtin_names[b];
        for (unsigned i = 0; i < p->nchains; i++)
                if (p->chains[i].families & OIH_FAMBIT(family))
                        ret[n++] = p->chains[i].name;
        qsort(ret + OIH_NBUILTINS, n - OIH_NBUILTINS, sizeof(*ret), cmp_chain);
        return n;
}

struct chain_filter {
        const char *chain;
        oih_entry_fn fn;
        void *ctx;
};

static int only_chain(const struct oih_entry *e, void *ctx)
{
        struct chain_filter *cf = ctx;
        return strcmp(e->rule->chain, cf->chain) == 0 ? cf->fn(e, cf->ctx) : 0;
}

/* Entries chain by chain, in table order. */
int oih_foreach_entry_in_table_order(const struct oih_policy *p, enum oih_family family,
                                     oih_entry_fn fn, void *ctx)
{
        const char **order = calloc(p->nchains + OIH_NBUILTINS, sizeof(*order));
        if (order == NULL)
                return -1;
        unsigned n = oih_chain_order(p, family, order);
        int r = 0;
        for (unsigned i = 0; i < n && r >= 0; i++) {
                struct chain_filter cf = { order[i], fn, ctx };
                r = oih_policy_foreach_entry(p, family, only_chain, &cf);
        }
        free(order);
        return r;
}

int oih_render(const struct oih_policy *p, enum oih_family family, FILE *out)
{
        const char **order = calloc(p->nchains + OIH_NBUILTINS, sizeof(*order));
        if (order == NULL)
                return -1;
        unsigned n = oih_chain_order(p, family, order);
        fputs("*filter\n", out);
        for (unsigned i = 0; i < n; i++) {
                if (i < OIH_NBUILTINS)
                        fprintf(out, ":%s %s [0:0]\n", order[i], p->drop[family][i] ? "DROP" : "ACCEPT");
                else {
                        fputc(':', out);
                        put_name(out, order[i]);
                        fputs(" - [0:0]\n", out);
                }
        }
        free(order);
        void *ctx[2] = { out, &family };
        int r = oih_foreach_entry_in_table_order(p, family, put_entry, ctx);
        fputs("COMMIT\n", out);
        return r;
}
