/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translate a policy into kernel entries (struct ipt_entry / ip6t_entry with their matches and
 * targets), byte for byte what iptables builds for the same rule. Pure: no kernel access.
 * Everything past the address part is the same for both families. */
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
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "tables.h"

/* ---- the entry being built, at the end of the family's byte arena ---- */

#define buf oih_bytes

static void *buf_add(struct buf *b, size_t n)
{
        /* oih_build_entry reserved room for the largest entry */
        void *p = b->data + b->len;
        memset(p, 0, n);
        b->len += n;
        return p;
}

static void *add_match(struct buf *b, const char *name, uint8_t revision, size_t datalen)
{
        size_t size = XT_ALIGN(sizeof(struct xt_entry_match) + datalen);
        struct xt_entry_match *m = buf_add(b, size);
        m->u.match_size = (uint16_t)size;
        strcpy(m->u.user.name, name);
        m->u.user.revision = revision;
        return m->data;
}

static void *add_target(struct buf *b, const char *name, size_t datalen)
{
        size_t size = XT_ALIGN(sizeof(struct xt_entry_target) + datalen);
        struct xt_entry_target *t = buf_add(b, size);
        t->u.target_size = (uint16_t)size;
        strcpy(t->u.user.name, name);
        return t->data;
}

/* ---- the address part: the one place where the families differ ---- */

static void iface_mask(const char *name, unsigned char *mask)
{
        size_t len = strlen(name);
        if (len == 0)
                return;
        /* "eth+" matches the prefix; "eth0" the name and its terminating NUL */
        memset(mask, 0xFF, name[len - 1] == '+' ? len - 1 : len + 1);
}

static void fill_ip4(void *entry, const struct oih_entry *e)
{
        struct ipt_entry *ie = entry;
        const struct oih_rule *r = e->rule;
        if (e->src) {
                memcpy(&ie->ip.src, e->src->addr, 4);
                memcpy(&ie->ip.smsk, e->src->mask, 4);
        }
        if (e->dst) {
                memcpy(&ie->ip.dst, e->dst->addr, 4);
                memcpy(&ie->ip.dmsk, e->dst->mask, 4);
        }
        strcpy(ie->ip.iniface, r->iniface);
        strcpy(ie->ip.outiface, r->outiface);
        iface_mask(r->iniface, ie->ip.iniface_mask);
        iface_mask(r->outiface, ie->ip.outiface_mask);
        ie->ip.proto = r->proto;
        ie->ip.invflags = (uint8_t)((e->src && r->src_inv ? IPT_INV_SRCIP : 0) | (e->dst && r->dst_inv ? IPT_INV_DSTIP : 0) |
                                    (r->iniface_inv ? IPT_INV_VIA_IN : 0) |
                                    (r->outiface_inv ? IPT_INV_VIA_OUT : 0) | (r->proto_inv ? XT_INV_PROTO : 0));
        ie->ip.flags = r->target == OIH_T_GOTO ? IPT_F_GOTO : 0;
}

static void fill_ip6(void *entry, const struct oih_entry *e)
{
        struct ip6t_entry *ie = entry;
        const struct oih_rule *r = e->rule;
        if (e->src) {
                memcpy(&ie->ipv6.src, e->src->addr, 16);
                memcpy(&ie->ipv6.smsk, e->src->mask, 16);
        }
        if (e->dst) {
                memcpy(&ie->ipv6.dst, e->dst->addr, 16);
                memcpy(&ie->ipv6.dmsk, e->dst->mask, 16);
        }
        strcpy(ie->ipv6.iniface, r->iniface);
        strcpy(ie->ipv6.outiface, r->outiface);
        iface_mask(r->iniface, ie->ipv6.iniface_mask);
        iface_mask(r->outiface, ie->ipv6.outiface_mask);
        ie->ipv6.proto = r->proto;
        ie->ipv6.invflags = (uint8_t)((e->src && r->src_inv ? IP6T_INV_SRCIP : 0) | (e->dst && r->dst_inv ? IP6T_INV_DSTIP : 0) |
                                      (r->iniface_inv ? IP6T_INV_VIA_IN : 0) |
                                      (r->outiface_inv ? IP6T_INV_VIA_OUT : 0) |
                                      (r->proto_inv ? IP6T_INV_PROTO : 0));
        /* ip6tables marks that a protocol was given; the kernel compares proto only then */
        ie->ipv6.flags = (uint8_t)((r->proto_set ? IP6T_F_PROTO : 0) | (r->target == OIH_T_GOTO ? IP6T_F_GOTO : 0));
}

static const struct family_layout {
        size_t entry_size;
        void (*fill_ip)(void *entry, const struct oih_entry *e);
        const char *icmp_match;
} layouts[OIH_NFAMILIES] = {
        [OIH_IPV4] = { sizeof(struct ipt_entry), fill_ip4, "icmp" },
        [OIH_IPV6] = { sizeof(struct ip6t_entry), fill_ip6, "icmp6" },
};

/* ipt_entry and ip6t_entry end the same way; only their offsets differ. */
static void set_offsets(void *entry, enum oih_family f, uint16_t target_offset, uint16_t next_offset)
{
        if (f == OIH_IPV4) {
                ((struct ipt_entry *)entry)->target_offset = target_offset;
                ((struct ipt_entry *)entry)->next_offset = next_offset;
        } else {
                ((struct ip6t_entry *)entry)->target_offset = target_offset;
                ((struct ip6t_entry *)entry)->next_offset = next_offset;
        }
}

/* ---- matches and targets ---- */

static void add_multiport(struct buf *b, uint8_t dir, const struct oih_ports *p)
{
        struct xt_multiport_v1 *mp = add_match(b, "multiport", 1, sizeof(*mp));
        mp->flags = dir;
        mp->invert = p->invert;
        unsigned k = 0;
        for (unsigned i = 0; i < p->n; i++) {
                mp->ports[k] = p->r[i].lo;
                if (p->r[i].hi != p->r[i].lo) {
                        mp->pflags[k++] = 1;
                        mp->ports[k] = p->r[i].hi;
                }
                k++;
        }
        mp->count = (uint8_t)k;
}

static void add_states(struct buf *b, unsigned mask, bool inv, bool alias)
{
        struct xt_conntrack_mtinfo3 *ct = add_match(b, "conntrack", 3, sizeof(*ct));
        ct->match_flags = XT_CONNTRACK_STATE | (alias ? XT_CONNTRACK_STATE_ALIAS : 0);
        ct->invert_flags = inv ? XT_CONNTRACK_STATE : 0;
        ct->state_mask = (uint16_t)mask;
}

static void add_matches(struct buf *b, enum oih_family f, const struct oih_rule *r)
{
        bool single_s = r->sport.n && !r->sport.multi, single_d = r->dport.n && !r->dport.multi;
        if (r->proto == IPPROTO_TCP && (single_s || single_d || r->tcpflags_set)) {
                struct xt_tcp *t = add_match(b, "tcp", 0, sizeof(*t));
                t->spts[0] = single_s ? r->sport.r[0].lo : 0;
                t->spts[1] = single_s ? r->sport.r[0].hi : 0xFFFF;
                t->dpts[0] = single_d ? r->dport.r[0].lo : 0;
                t->dpts[1] = single_d ? r->dport.r[0].hi : 0xFFFF;
                t->flg_mask = r->tcpflags_mask;
                t->flg_cmp = r->tcpflags_cmp;
                t->invflags = (uint8_t)((single_s && r->sport.invert ? XT_TCP_INV_SRCPT : 0) |
                                        (single_d && r->dport.invert ? XT_TCP_INV_DSTPT : 0) |
                                        (r->tcpflags_inv ? XT_TCP_INV_FLAGS : 0));
        } else if (r->proto == IPPROTO_UDP && (single_s || single_d)) {
                struct xt_udp *u = add_match(b, "udp", 0, sizeof(*u));
                u->spts[0] = single_s ? r->sport.r[0].lo : 0;
                u->spts[1] = single_s ? r->sport.r[0].hi : 0xFFFF;
                u->dpts[0] = single_d ? r->dport.r[0].lo : 0;
                u->dpts[1] = single_d ? r->dport.r[0].hi : 0xFFFF;
                u->invflags = (uint8_t)((single_s && r->sport.invert ? XT_UDP_INV_SRCPT : 0) |
                                        (single_d && r->dport.invert ? XT_UDP_INV_DSTPT : 0));
        }
        if (r->icmp_set) {
                /* struct ipt_icmp and struct ip6t_icmp have the same layout */
                struct ipt_icmp *ic = add_match(b, layouts[f].icmp_match, 0, sizeof(*ic));
                ic->type = r->icmp_type;
                ic->code[0] = r->icmp_code_lo;
                ic->code[1] = r->icmp_code_hi;
                ic->invflags = r->icmp_inv ? IPT_ICMP_INV : 0;
        }
        if (r->sport.multi)
                add_multiport(b, XT_MULTIPORT_SOURCE, &r->sport);
        if (r->dport.multi)
                add_multiport(b, XT_MULTIPORT_DESTINATION, &r->dport);
        if (r->ctstate_set)
                add_states(b, r->ctstate, r->ctstate_inv, false);
        if (r->state_set)
                add_states(b, r->state, r->state_inv, true);
        if (r->uid.set || r->gid.set) {
                struct xt_owner_match_info *o = add_match(b, "owner", 1, sizeof(*o));
                if (r->uid.set) {
                        o->uid_min = r->uid.lo;
                        o->uid_max = r->uid.hi;
                        o->match |= XT_OWNER_UID;
                        o->invert |= r->uid.invert ? XT_OWNER_UID : 0;
                }
                if (r->gid.set) {
                        o->gid_min = r->gid.lo;
                        o->gid_max = r->gid.hi;
                        o->match |= XT_OWNER_GID;
                        o->invert |= r->gid.invert ? XT_OWNER_GID : 0;
                }
        }
        if (r->limit_set) {
                struct xt_rateinfo *l = add_match(b, "limit", 0, sizeof(*l));
                l->avg = r->limit_avg;
                l->burst = r->limit_burst;
        }
        if (r->comment) {
                struct xt_comment_info *c = add_match(b, "comment", 0, sizeof(*c));
                strcpy(c->comment, r->comment);
        }
}

static void add_rule_target(struct buf *b, enum oih_family f, const struct oih_rule *r)
{
        /* Standard targets carry a name that libiptc turns into a verdict or a jump. */
        static const char *const std_names[] = {
                [OIH_T_NONE] = "", [OIH_T_ACCEPT] = "ACCEPT", [OIH_T_DROP] = "DROP",
                [OIH_T_RETURN] = "RETURN",
        };
        switch (r->target) {
        case OIH_T_NONE:
        case OIH_T_ACCEPT:
        case OIH_T_DROP:
        case OIH_T_RETURN:
                add_target(b, std_names[r->target], sizeof(int));
                break;
        case OIH_T_JUMP:
        case OIH_T_GOTO:
                add_target(b, r->jump, sizeof(int));
                break;
        case OIH_T_REJECT: {
                /* struct ipt_reject_info and struct ip6t_reject_info are both one u32 */
                uint32_t *with = add_target(b, "REJECT", sizeof(struct ipt_reject_info));
                *with = (uint32_t)(r->reject_with[f] >= 0 ? r->reject_with[f] : oih_reject_default[f]);
                break;
        }
        case OIH_T_LOG: {
                struct xt_log_info *l = add_target(b, "LOG", sizeof(*l));
                l->level = r->log_level_set ? r->log_level : 4;
                strcpy(l->prefix, r->log_prefix);
                break;
        }
        case OIH_T_NFLOG: {
                struct xt_nflog_info *n = add_target(b, "NFLOG", sizeof(*n));
                n->group = r->nflog_group;
                strcpy(n->prefix, r->nflog_prefix);
                break;
        }
        }
}

/* Every match and the largest target at once fit well within this. */
#define MAX_ENTRY_SIZE 2048

int oih_build_entry(const struct oih_entry *e, enum oih_family f, struct oih_bytes *b)
{
        if (b->cap - b->len < MAX_ENTRY_SIZE) {
                size_t cap = b->cap ? b->cap * 2 : 64 * 1024;
                unsigned char *d = realloc(b->data, cap);
                if (d == NULL)
                        return -1;
                b->data = d;
                b->cap = cap;
        }
        size_t start = b->len;
        layouts[f].fill_ip(buf_add(b, layouts[f].entry_size), e);
        add_matches(b, f, e->rule);
        size_t target_offset = b->len - start;
        add_rule_target(b, f, e->rule);
        set_offsets(b->data + start, f, (uint16_t)target_offset, (uint16_t)(b->len - start));
        return 0;
}
