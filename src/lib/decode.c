/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel entries back into the policy model: the inverse of blob.c, so that `inspect` prints
 * live tables with the same renderer as `show`, and `verify` compares like with like.
 * Pure: it reads tables that commit.c fetched. */
#include <arpa/inet.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_NFLOG.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "oih.h"
#include "tables.h"

/* The address part of either family, in one shape. */
struct ip_part {
        uint8_t src[16], smsk[16], dst[16], dmsk[16];
        char iniface[IFNAMSIZ], outiface[IFNAMSIZ];
        unsigned char iniface_mask[IFNAMSIZ], outiface_mask[IFNAMSIZ];
        uint16_t proto;
        bool proto_given, goto_, unsupported;
        uint8_t invflags; /* IPT_INV_* (IP6T_INV_* have the same values) */
        uint16_t target_offset, next_offset;
        size_t size;
};

static void ip4(const void *entry, struct ip_part *ip)
{
        const struct ipt_entry *e = entry;
        memcpy(ip->src, &e->ip.src, 4);
        memcpy(ip->smsk, &e->ip.smsk, 4);
        memcpy(ip->dst, &e->ip.dst, 4);
        memcpy(ip->dmsk, &e->ip.dmsk, 4);
        memcpy(ip->iniface, e->ip.iniface, IFNAMSIZ);
        memcpy(ip->outiface, e->ip.outiface, IFNAMSIZ);
        memcpy(ip->iniface_mask, e->ip.iniface_mask, IFNAMSIZ);
        memcpy(ip->outiface_mask, e->ip.outiface_mask, IFNAMSIZ);
        ip->proto = e->ip.proto;
        ip->proto_given = e->ip.proto != 0;
        ip->goto_ = e->ip.flags & IPT_F_GOTO;
        ip->unsupported = (e->ip.flags & ~IPT_F_GOTO) || (e->ip.invflags & (IPT_INV_FRAG | IPT_INV_TOS));
        ip->invflags = e->ip.invflags;
        ip->target_offset = e->target_offset;
        ip->next_offset = e->next_offset;
        ip->size = sizeof(*e);
}

static void ip6(const void *entry, struct ip_part *ip)
{
        const struct ip6t_entry *e = entry;
        memcpy(ip->src, &e->ipv6.src, 16);
        memcpy(ip->smsk, &e->ipv6.smsk, 16);
        memcpy(ip->dst, &e->ipv6.dst, 16);
        memcpy(ip->dmsk, &e->ipv6.dmsk, 16);
        memcpy(ip->iniface, e->ipv6.iniface, IFNAMSIZ);
        memcpy(ip->outiface, e->ipv6.outiface, IFNAMSIZ);
        memcpy(ip->iniface_mask, e->ipv6.iniface_mask, IFNAMSIZ);
        memcpy(ip->outiface_mask, e->ipv6.outiface_mask, IFNAMSIZ);
        ip->proto = e->ipv6.proto;
        ip->proto_given = (e->ipv6.flags & IP6T_F_PROTO) && e->ipv6.proto != 0;
        ip->goto_ = e->ipv6.flags & IP6T_F_GOTO;
        ip->unsupported = (e->ipv6.flags & ~(IP6T_F_GOTO | IP6T_F_PROTO)) || (e->ipv6.invflags & IP6T_INV_TOS);
        ip->invflags = e->ipv6.invflags;
        ip->target_offset = e->target_offset;
        ip->next_offset = e->next_offset;
        ip->size = sizeof(*e);
}

struct decoder {
        enum oih_family f;
        const struct oih_table *t;
        struct oih_error *err;
        char where[96];
};

static int unsupported(struct decoder *d, const char *what)
{
        return oih_err(d->err, "%s: %s, which a policy cannot express", d->where, what);
}

/* A prefix mask, or -1. */
static int mask_len(const uint8_t *m, unsigned bytes)
{
        int bits = 0;
        unsigned i = 0;
        for (; i < bytes && m[i] == 0xFF; i++)
                bits += 8;
        if (i < bytes) {
                uint8_t b = m[i++];
                while (b & 0x80) {
                        bits++;
                        b = (uint8_t)(b << 1);
                }
                if (b != 0)
                        return -1;
        }
        for (; i < bytes; i++)
                if (m[i] != 0)
                        return -1;
        return bits;
}

static int decode_addr(struct decoder *d, const uint8_t *addr, const uint8_t *mask, bool inv,
                       struct oih_addr **ret, unsigned *n)
{
        unsigned bytes = d->f == OIH_IPV4 ? 4 : 16;
        int len = mask_len(mask, bytes);
        if (len < 0)
                return unsupported(d, "a non-prefix netmask");
        if (len == 0 && !inv)
                return 0;
        struct oih_addr *a = calloc(1, sizeof(*a));
        if (a == NULL)
                return oih_err(d->err, "out of memory");
        a->family = (uint8_t)d->f;
        memcpy(a->addr, addr, bytes);
        memcpy(a->mask, mask, bytes);
        *ret = a;
        *n = 1;
        return 0;
}

static int decode_iface(struct decoder *d, const char *name, const unsigned char *mask, char *out)
{
        unsigned char want[IFNAMSIZ] = { 0 };
        size_t len = strnlen(name, IFNAMSIZ);
        if (len == IFNAMSIZ)
                return unsupported(d, "an unterminated interface name");
        if (len > 0)
                memset(want, 0xFF, name[len - 1] == '+' ? len - 1 : len + 1);
        if (memcmp(want, mask, IFNAMSIZ) != 0)
                return unsupported(d, "an interface mask iptables does not make");
        memcpy(out, name, len + 1);
        return 0;
}

static int set_ports(struct decoder *d, struct oih_ports *p, uint16_t lo, uint16_t hi, bool inv)
{
        if (lo == 0 && hi == 0xFFFF && !inv)
                return 0;
        if (p->n)
                return unsupported(d, "two matches on the same ports");
        p->n = 1;
        p->r[0].lo = lo;
        p->r[0].hi = hi;
        p->invert = inv;
        return 0;
}

/* A tcp or udp match that matches every port still shows as "-m tcp": keep it as the full
 * range, which the renderer prints the same way. */
static int keep_empty_match(struct oih_rule *r)
{
        if (!r->sport.n && !r->dport.n && !r->tcpflags_set) {
                r->dport.n = 1;
                r->dport.r[0] = (struct oih_portrange){ 0, 0xFFFF };
        }
        return 0;
}

static int decode_match(struct decoder *d, const struct xt_entry_match *m, struct oih_rule *r)
{
        const char *name = m->u.user.name;
        unsigned rev = m->u.user.revision;
        size_t len = m->u.match_size - sizeof(*m);
        char what[80];

#define IS(n, rv, type) (strcmp(name, n) == 0 && rev == (rv) && len >= sizeof(type))
        if (IS("tcp", 0, struct xt_tcp) && r->proto == IPPROTO_TCP) {
                const struct xt_tcp *t = (const void *)m->data;
                if (t->option || (t->invflags & XT_TCP_INV_OPTION))
                        return unsupported(d, "the tcp option match");
                if (set_ports(d, &r->sport, t->spts[0], t->spts[1], t->invflags & XT_TCP_INV_SRCPT) < 0 ||
                    set_ports(d, &r->dport, t->dpts[0], t->dpts[1], t->invflags & XT_TCP_INV_DSTPT) < 0)
                        return -1;
                if (t->flg_mask || (t->invflags & XT_TCP_INV_FLAGS)) {
                        r->tcpflags_set = true;
                        r->tcpflags_mask = t->flg_mask;
                        r->tcpflags_cmp = t->flg_cmp;
                        r->tcpflags_inv = t->invflags & XT_TCP_INV_FLAGS;
                }
                return keep_empty_match(r);
        }
        if (IS("udp", 0, struct xt_udp) && r->proto == IPPROTO_UDP) {
                const struct xt_udp *u = (const void *)m->data;
                if (set_ports(d, &r->sport, u->spts[0], u->spts[1], u->invflags & XT_UDP_INV_SRCPT) < 0 ||
                    set_ports(d, &r->dport, u->dpts[0], u->dpts[1], u->invflags & XT_UDP_INV_DSTPT) < 0)
                        return -1;
                return keep_empty_match(r);
        }
        if ((IS("icmp", 0, struct ipt_icmp) && d->f == OIH_IPV4 && r->proto == IPPROTO_ICMP) ||
            (IS("icmp6", 0, struct ipt_icmp) && d->f == OIH_IPV6 && r->proto == IPPROTO_ICMPV6)) {
                const struct ipt_icmp *ic = (const void *)m->data;
                if (ic->code[0] != ic->code[1] && !(ic->code[0] == 0 && ic->code[1] == 0xFF))
                        return unsupported(d, "an ICMP code range");
                if (r->icmp_set)
                        return unsupported(d, "two ICMP type matches");
                r->icmp_set = true;
                r->icmp_type = ic->type;
                r->icmp_code_lo = ic->code[0];
                r->icmp_code_hi = ic->code[1];
                r->icmp_inv = ic->invflags & IPT_ICMP_INV;
                return 0;
        }
        if (IS("multiport", 1, struct xt_multiport_v1)) {
                const struct xt_multiport_v1 *mp = (const void *)m->data;
                struct oih_ports *p = mp->flags == XT_MULTIPORT_SOURCE ? &r->sport
                                    : mp->flags == XT_MULTIPORT_DESTINATION ? &r->dport : NULL;
                if (p == NULL)
                        return unsupported(d, "multiport --ports (either direction)");
                if (p->n || mp->count > XT_MULTI_PORTS)
                        return unsupported(d, "two matches on the same ports");
                for (unsigned i = 0; i < mp->count; i++) {
                        p->r[p->n].lo = p->r[p->n].hi = mp->ports[i];
                        if (mp->pflags[i] && i + 1 < mp->count)
                                p->r[p->n].hi = mp->ports[++i];
                        p->n++;
                }
                p->multi = true;
                p->invert = mp->invert;
                return 0;
        }
        if (strcmp(name, "conntrack") == 0 && rev == 3 && len >= sizeof(struct xt_conntrack_mtinfo3)) {
                const struct xt_conntrack_mtinfo3 *ct = (const void *)m->data;
                bool alias = ct->match_flags & XT_CONNTRACK_STATE_ALIAS;
                if ((ct->match_flags & ~(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS)) != 0 ||
                    !(ct->match_flags & XT_CONNTRACK_STATE) || (ct->invert_flags & ~XT_CONNTRACK_STATE))
                        return unsupported(d, "conntrack options other than --ctstate");
                if (alias ? r->state_set : r->ctstate_set)
                        return unsupported(d, "two state matches");
                if (alias) {
                        r->state_set = true;
                        r->state = ct->state_mask;
                        r->state_inv = ct->invert_flags & XT_CONNTRACK_STATE;
                } else {
                        r->ctstate_set = true;
                        r->ctstate = ct->state_mask;
                        r->ctstate_inv = ct->invert_flags & XT_CONNTRACK_STATE;
                }
                return 0;
        }
        if (IS("owner", 1, struct xt_owner_match_info) && !r->uid.set && !r->gid.set) {
                const struct xt_owner_match_info *o = (const void *)m->data;
                if (o->match & ~(XT_OWNER_UID | XT_OWNER_GID))
                        return unsupported(d, "owner options other than --uid-owner and --gid-owner");
                if (o->match & XT_OWNER_UID)
                        r->uid = (struct oih_idrange){ true, o->invert & XT_OWNER_UID, o->uid_min, o->uid_max };
                if (o->match & XT_OWNER_GID)
                        r->gid = (struct oih_idrange){ true, o->invert & XT_OWNER_GID, o->gid_min, o->gid_max };
                return 0;
        }
        if (IS("limit", 0, struct xt_rateinfo) && !r->limit_set) {
                const struct xt_rateinfo *l = (const void *)m->data;
                if (l->avg == 0)
                        return unsupported(d, "an infinite rate limit");
                r->limit_set = true;
                r->limit_avg = l->avg;
                r->limit_burst = l->burst;
                return 0;
        }
        if (IS("comment", 0, struct xt_comment_info) && !r->comment) {
                const struct xt_comment_info *c = (const void *)m->data;
                r->comment = strndup(c->comment, sizeof(c->comment) - 1);
                return r->comment ? 0 : oih_err(d->err, "out of memory");
        }
#undef IS
        snprintf(what, sizeof(what), "the match \"%.30s\" revision %u", name, rev);
        return unsupported(d, what);
}

static int decode_target(struct decoder *d, const struct xt_entry_target *t, bool goto_, struct oih_rule *r)
{
        const char *name = t->u.user.name;
        size_t len = t->u.target_size - sizeof(*t);
        static const struct {
                const char *name;
                enum oih_target t;
        } std[] = { { "", OIH_T_NONE }, { "ACCEPT", OIH_T_ACCEPT }, { "DROP", OIH_T_DROP }, { "RETURN", OIH_T_RETURN } };

        for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
                if (strcmp(name, std[i].name) == 0) {
                        r->target = std[i].t;
                        return 0;
                }
        }
        if (strcmp(name, "REJECT") == 0 && len >= sizeof(uint32_t)) {
                uint32_t with;
                memcpy(&with, t->data, sizeof(with));
                if (with >= oih_reject_count[d->f] || oih_reject_names[d->f][with].name == NULL)
                        return unsupported(d, "a REJECT type it does not know");
                r->target = OIH_T_REJECT;
                r->reject_with[d->f] = (int)with;
                return 0;
        }
        if (strcmp(name, "LOG") == 0 && len >= sizeof(struct xt_log_info)) {
                const struct xt_log_info *l = (const void *)t->data;
                if (l->logflags)
                        return unsupported(d, "LOG flags (--log-tcp-sequence and the like)");
                r->target = OIH_T_LOG;
                r->log_level_set = l->level != 4;
                r->log_level = l->level;
                snprintf(r->log_prefix, sizeof(r->log_prefix), "%.*s", (int)sizeof(l->prefix), l->prefix);
                return 0;
        }
        if (strcmp(name, "NFLOG") == 0 && len >= sizeof(struct xt_nflog_info)) {
                const struct xt_nflog_info *n = (const void *)t->data;
                if (n->len || n->threshold || n->flags)
                        return unsupported(d, "NFLOG --nflog-size, --nflog-range or --nflog-threshold");
                r->target = OIH_T_NFLOG;
                r->nflog_group = n->group;
                snprintf(r->nflog_prefix, sizeof(r->nflog_prefix), "%.*s", (int)sizeof(n->prefix), n->prefix);
                return 0;
        }
        for (unsigned i = 0; i < d->t->nchains; i++) {
                if (strcmp(name, d->t->chains[i]) == 0) {
                        r->target = goto_ ? OIH_T_GOTO : OIH_T_JUMP;
                        snprintf(r->jump, sizeof(r->jump), "%s", name);
                        return 0;
                }
        }
        char what[80];
        snprintf(what, sizeof(what), "the target \"%.30s\"", name);
        return unsupported(d, what);
}

static int decode_entry(struct decoder *d, const unsigned char *e, const char *chain, struct oih_rule *r)
{
        struct ip_part ip;
        (d->f == OIH_IPV4 ? ip4 : ip6)(e, &ip);
        snprintf(r->chain, sizeof(r->chain), "%s", chain);
        r->families = OIH_FAMBIT(d->f);
        r->reject_with[OIH_IPV4] = r->reject_with[OIH_IPV6] = -1;
        if (ip.unsupported)
                return unsupported(d, "fragment or TOS flags");
        if (decode_addr(d, ip.src, ip.smsk, ip.invflags & IPT_INV_SRCIP, &r->src, &r->nsrc) < 0 ||
            decode_addr(d, ip.dst, ip.dmsk, ip.invflags & IPT_INV_DSTIP, &r->dst, &r->ndst) < 0 ||
            decode_iface(d, ip.iniface, ip.iniface_mask, r->iniface) < 0 ||
            decode_iface(d, ip.outiface, ip.outiface_mask, r->outiface) < 0)
                return -1;
        r->src_inv = ip.invflags & IPT_INV_SRCIP;
        r->dst_inv = ip.invflags & IPT_INV_DSTIP;
        r->iniface_inv = ip.invflags & IPT_INV_VIA_IN;
        r->outiface_inv = ip.invflags & IPT_INV_VIA_OUT;
        r->proto_set = ip.proto_given;
        r->proto = (uint8_t)ip.proto;
        r->proto_inv = ip.invflags & XT_INV_PROTO;
        if (ip.proto > 255)
                return unsupported(d, "a protocol number over 255");
        for (size_t off = ip.size; off < ip.target_offset;) {
                const struct xt_entry_match *m = (const void *)(e + off);
                if (m->u.match_size < sizeof(*m) || off + m->u.match_size > ip.target_offset)
                        return oih_err(d->err, "%s: a malformed match", d->where);
                if (decode_match(d, m, r) < 0)
                        return -1;
                off += m->u.match_size;
        }
        for (struct oih_ports *p = &r->sport; p; p = p == &r->sport ? &r->dport : NULL)
                if (p->n && !(r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP))
                        return unsupported(d, "ports without protocol tcp or udp");
        return decode_target(d, (const void *)(e + ip.target_offset), ip.goto_, r);
}

static int add_chain(struct oih_policy *p, const char *name, enum oih_family f)
{
        for (unsigned i = 0; i < p->nchains; i++) {
                if (strcmp(p->chains[i].name, name) == 0) {
                        p->chains[i].families |= OIH_FAMBIT(f);
                        return 0;
                }
        }
        struct oih_chain *c = realloc(p->chains, (p->nchains + 1) * sizeof(*c));
        if (c == NULL)
                return -1;
        p->chains = c;
        snprintf(c[p->nchains].name, sizeof(c[0].name), "%s", name);
        c[p->nchains++].families = OIH_FAMBIT(f);
        return 0;
}

int oih_decode(const struct oih_ruleset *rs, struct oih_policy **ret, struct oih_error *err)
{
        struct oih_policy *p = calloc(1, sizeof(*p));
        if (p == NULL || (p->name = strdup("live tables")) == NULL) {
                free(p);
                return oih_err(err, "out of memory");
        }
        unsigned total = rs->t[OIH_IPV4].nentries + rs->t[OIH_IPV6].nentries;
        p->rules = calloc(total ? total : 1, sizeof(*p->rules));
        if (p->rules == NULL)
                goto oom;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                const struct oih_table *t = &rs->t[f];
                struct decoder d = { (enum oih_family)f, t, err, "" };
                memcpy(p->drop[f], t->drop, sizeof(t->drop));
                for (unsigned i = 0; i < t->nchains; i++)
                        if (add_chain(p, t->chains[i], (enum oih_family)f) < 0)
                                goto oom;
                size_t off = 0;
                unsigned pos = 0, last_chain = ~0u;
                for (unsigned i = 0; i < t->nentries; i++) {
                        const unsigned char *e = t->entries.data + off;
                        const char *chain = oih_table_chain_name(t, t->chain_of[i]);
                        pos = t->chain_of[i] == last_chain ? pos + 1 : 1;
                        last_chain = t->chain_of[i];
                        snprintf(d.where, sizeof(d.where), "%s rule %u of chain %s", f ? "IPv6" : "IPv4", pos, chain);
                        struct oih_rule *r = &p->rules[p->nrules];
                        r->index = p->nrules++;
                        if (decode_entry(&d, e, chain, r) < 0) {
                                oih_policy_free(p);
                                return -1;
                        }
                        off += f == OIH_IPV4 ? ((const struct ipt_entry *)e)->next_offset
                                             : ((const struct ip6t_entry *)e)->next_offset;
                }
        }
        *ret = p;
        return 0;
oom:
        oih_policy_free(p);
        return oih_err(err, "out of memory");
}
