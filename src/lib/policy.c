/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parse and validate a policy, version 1 or 2 (docs/policy-format.md), into struct oih_policy.
 * Pure: no kernel access. Errors are collected, each with its JSON path. */
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include "jsonr.h"
#include "oih.h"
#include <limits.h>
#include <netdb.h>
#include <linux/netfilter/xt_limit.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hook.h"
#include "names.h"
#include "tables.h"

struct parser {
        struct oih_error *err;
        struct oih_policy *p;
        int errors;
        bool chains_bad;        /* "chains" had an error: references to them would be guesses */
        unsigned char *rule_bad; /* per rule: it had an error of its own */
};

#define PATHLEN 128

/* The user chain NAME of TABLE: its index in p->chains, or -1. */
static int chain_index_t(const struct oih_policy *p, const char *name, unsigned table)
{
        for (unsigned i = 0; i < p->nchains; i++)
                if (p->chains[i].table == table && strcmp(p->chains[i].name, name) == 0)
                        return (int)i;
        return -1;
}

/* JSON paths for messages; one cut short still says where. */
static void path_fmt(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_fmt(char *out, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out, PATHLEN, fmt, ap);
        va_end(ap);
}

/* The paths built for every key and list element of every rule, the same as path_fmt with
 * "%s.%.40s" and "%s[%zu]" would print: vsnprintf there cost more than the rest of the
 * validation (docs/benchmarks.md). */
static size_t path_put(char *out, size_t at, const char *s, size_t n)
{
        if (at + n > PATHLEN - 1)
                n = PATHLEN - 1 - at;
        memcpy(out + at, s, n);
        out[at + n] = '\0';
        return at + n;
}

static void path_key(char *out, const char *parent, const char *key)
{
        size_t at = path_put(out, 0, parent, strlen(parent));
        at = path_put(out, at, ".", 1);
        path_put(out, at, key, strnlen(key, 40));
}

static void path_index(char *out, const char *parent, size_t i)
{
        char digits[24];
        size_t n = sizeof(digits);
        do {
                digits[--n] = (char)('0' + i % 10);
                i /= 10;
        } while (i);
        size_t at = path_put(out, 0, parent, strlen(parent));
        at = path_put(out, at, "[", 1);
        at = path_put(out, at, digits + n, sizeof(digits) - n);
        path_put(out, at, "]", 1);
}

static int perr(struct parser *ps, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int perr(struct parser *ps, const char *path, const char *fmt, ...)
{
        char msg[OIH_ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        ps->errors++;
        return oih_err(ps->err, "%s: %s", path, msg);
}

static const char *type_name(const struct jr_value *o)
{
        return jr_type_name(o);
}

static bool jr_is(const struct jr_value *o, enum jr_type t)
{
        return o->type == t;
}

static int expect_type(struct parser *ps, const char *path, const struct jr_value *o, enum jr_type t,
                       const char *what)
{
        if (jr_is(o, t))
                return 0;
        return perr(ps, path, "expected %s, got %s", what, type_name(o));
}

/* Strings from the file end up in messages and in iptables-restore text: printable ASCII
 * only keeps both unambiguous. */
static int get_string(struct parser *ps, const char *path, const struct jr_value *o, size_t maxlen,
                      const char **ret)
{
        if (expect_type(ps, path, o, JR_STRING, "a string") < 0)
                return -1;
        const char *s = o->s;
        size_t len = (size_t)o->len;
        if (len > maxlen)
                return perr(ps, path, "string of %zu bytes is longer than %zu", len, maxlen);
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
                        return perr(ps, path, "only printable ASCII characters are allowed");
        *ret = s;
        return 0;
}

static int get_uint(struct parser *ps, const char *path, const struct jr_value *o, unsigned long max,
                    const char *what, unsigned long *ret)
{
        if (jr_is(o, JR_STRING)) {
                const char *s = o->s;
                char *end;
                errno = 0;
                unsigned long v = strtoul(s, &end, 10);
                if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max)
                        return perr(ps, path, "%s \"%s\" is not a number in 0-%lu", what, s, max);
                *ret = v;
                return 0;
        }
        if (!jr_is(o, JR_INT))
                return perr(ps, path, "expected %s (a number), got %s", what, type_name(o));
        int64_t v = o->i;
        if (v < 0 || (uint64_t)v > max)
                return perr(ps, path, "%s %lld out of range 0-%lu", what, (long long)v, max);
        *ret = (unsigned long)v;
        return 0;
}

/* {"not": X} -> X with *inv set; anything else is returned as is. */
static const struct jr_value *unwrap_not(struct parser *ps, const char *path, const struct jr_value *o, bool *inv,
                               bool *bad)
{
        *inv = false;
        *bad = false;
        if (!jr_is(o, JR_OBJECT))
                return o;
        const struct jr_value *inner;
        if ((inner = jr_get(o, "not")) == NULL)
                return o; /* a value that is itself an object (tcp_flags) */
        if (o->len != 1) {
                perr(ps, path, "expected {\"not\": value} with no other key");
                *bad = true;
                return NULL;
        }
        *inv = true;
        return inner;
}

/* ---- addresses ---- */

static int parse_addr(struct parser *ps, const char *path, const struct jr_value *o, struct oih_addr *a)
{
        const char *s;
        if (get_string(ps, path, o, 64, &s) < 0)
                return -1;
        char buf[80];
        memcpy(buf, s, strlen(s) + 1); /* at most 64 bytes, as get_string checked */
        char *slash = strchr(buf, '/');
        if (slash)
                *slash++ = '\0';
        memset(a, 0, sizeof(*a));
        unsigned maxbits;
        if (inet_pton(AF_INET, buf, a->addr) == 1) {
                a->family = OIH_IPV4;
                maxbits = 32;
        } else if (inet_pton(AF_INET6, buf, a->addr) == 1) {
                a->family = OIH_IPV6;
                maxbits = 128;
        } else {
                return perr(ps, path, "\"%s\" is not an IPv4 or IPv6 address", s);
        }
        unsigned long bits = maxbits;
        if (slash) {
                char *end;
                errno = 0;
                bits = strtoul(slash, &end, 10);
                if (*slash < '0' || *slash > '9' || *end != '\0' || errno || bits > maxbits)
                        return perr(ps, path, "mask \"/%s\" out of range 0-%u", slash, maxbits);
        }
        for (unsigned i = 0; i < maxbits / 8; i++) {
                unsigned b = bits > i * 8 ? (bits - i * 8 >= 8 ? 8 : bits - i * 8) : 0;
                a->mask[i] = (uint8_t)(0xFF00u >> b);
                a->addr[i] &= a->mask[i];
        }
        /* ::ffff:a.b.c.d does not name what it seems to: a socket that connects to it sends IPv4,
         * which only the IPv4 table sees, so an IPv6 rule with it never stops that traffic. */
        static const uint8_t v4mapped[12] = { [10] = 0xFF, [11] = 0xFF };
        if (a->family == OIH_IPV6 && bits >= 96 && memcmp(a->addr, v4mapped, 12) == 0) {
                char v4[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, a->addr + 12, v4, sizeof(v4));
                if (slash)
                        return perr(ps, path, "\"%s\" is an IPv4-mapped IPv6 address: sockets use it for IPv4 traffic, which an IPv6 rule never sees; write %s/%lu",
                                    s, v4, bits - 96);
                return perr(ps, path, "\"%s\" is an IPv4-mapped IPv6 address: sockets use it for IPv4 traffic, which an IPv6 rule never sees; write %s", s, v4);
        }
        return 0;
}

static int parse_family_name(struct parser *ps, const char *path, const struct jr_value *v, unsigned *ret);

/* A name's index (1-based) in the policy's list, added when new. */
static int add_name(struct parser *ps, const char *path, const char *canon)
{
        struct oih_policy *p = ps->p;
        for (unsigned i = 0; i < p->nnames; i++)
                if (strcmp(p->names[i], canon) == 0)
                        return (int)i + 1;
        if (p->nnames == OIH_MAX_NAMES)
                return perr(ps, path, "more than %u distinct names in one policy", OIH_MAX_NAMES);
        char **n = realloc(p->names, (p->nnames + 1) * sizeof(*n));
        if (n == NULL)
                return perr(ps, path, "out of memory");
        p->names = n;
        if ((n[p->nnames] = strdup(canon)) == NULL)
                return perr(ps, path, "out of memory");
        return (int)++p->nnames;
}

/* "NAME" (the rule's families) or {"name": NAME, "family": F}: placeholders in A, one per
 * family, that oih_names_substitute replaces. *N: how many were written (1 or 2). */
static int parse_name(struct parser *ps, const char *path, const struct jr_value *o, struct oih_addr *a,
                      unsigned *n)
{
        const char *s = NULL;
        unsigned fams = OIH_FAM_BOTH;
        bool any = true;
        char p[PATHLEN];
        if (jr_is(o, JR_OBJECT)) {
                const struct jr_value *name = jr_get(o, "name"), *family = jr_get(o, "family");
                if (name == NULL || o->len != 1u + (family != NULL))
                        return perr(ps, path, "expected an address, a host name or {\"name\": NAME, \"family\": \"ipv4\"|\"ipv6\"}");
                path_key(p, path, "name");
                if (get_string(ps, p, name, OIH_NAME_MAXLEN + 1, &s) < 0)
                        return -1;
                if (family) {
                        path_key(p, path, "family");
                        if (parse_family_name(ps, p, family, &fams) < 0)
                                return -1;
                        any = fams == OIH_FAM_BOTH;
                }
        } else if (get_string(ps, path, o, OIH_NAME_MAXLEN + 1, &s) < 0) {
                return -1;
        }
        char canon[OIH_NAME_MAXLEN + 1];
        const char *why;
        if (oih_name_canon(s, canon, &why) < 0)
                return perr(ps, path, "\"%s\" is not an IPv4 or IPv6 address, nor a host name (%s)", s, why);
        int idx = add_name(ps, path, canon);
        if (idx < 0)
                return -1;
        *n = 0;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                if (!(fams & OIH_FAMBIT(f)))
                        continue;
                struct oih_addr *x = &a[(*n)++];
                memset(x, 0, sizeof(*x));
                x->family = (uint8_t)f;
                memset(x->mask, 0xFF, f == OIH_IPV4 ? 4 : 16);
                x->name = (uint16_t)idx;
                x->name_any = any;
        }
        return 0;
}

static bool looks_like_address(const char *s)
{
        return strspn(s, "0123456789.") == strlen(s) || strchr(s, ':') || strchr(s, '/');
}

/* One element of an address list: an address (one entry) or a name (one or two). */
static int parse_addr_or_name(struct parser *ps, const char *path, const struct jr_value *o,
                              struct oih_addr *a, unsigned *n)
{
        *n = 1;
        if (jr_is(o, JR_STRING) && looks_like_address(o->s))
                return parse_addr(ps, path, o, a);
        if (jr_is(o, JR_STRING) || jr_is(o, JR_OBJECT))
                return parse_name(ps, path, o, a, n);
        return perr(ps, path, "expected an address or a host name (a string), got %s", type_name(o));
}

static int parse_addrs(struct parser *ps, const char *path, const struct jr_value *o,
                       struct oih_addr **ret, unsigned *nret, bool *inv)
{
        bool bad;
        o = unwrap_not(ps, path, o, inv, &bad);
        if (bad)
                return -1;
        size_t n = 1;
        if (jr_is(o, JR_ARRAY)) {
                n = o->len;
                if (*inv)
                        return perr(ps, path, "negation is not allowed with a list of addresses");
                if (n == 0)
                        return perr(ps, path, "empty list of addresses");
                if (n > OIH_MAX_ADDRS)
                        return perr(ps, path, "%zu addresses, more than %u", n, OIH_MAX_ADDRS);
        }
        /* a name takes one entry per family */
        struct oih_addr *a = calloc(2 * n, sizeof(*a));
        if (a == NULL)
                return perr(ps, path, "out of memory");
        *ret = a;
        *nret = 0;
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                char p[PATHLEN];
                const struct jr_value *item = o;
                if (jr_is(o, JR_ARRAY)) {
                        path_index(p, path, i);
                        item = &o->items[i];
                } else {
                        size_t len = strnlen(path, sizeof(p) - 1);
                        memcpy(p, path, len);
                        p[len] = '\0';
                }
                unsigned k = 0;
                if (parse_addr_or_name(ps, p, item, &a[*nret], &k) < 0) {
                        r = -1;
                        continue;
                }
                /* "not NAME" would match every address the name loses, and a name that fails
                 * to resolve would turn into "any" */
                if (*inv && a[*nret].name)
                        return perr(ps, p, "a host name cannot be negated (its addresses change); "
                                           "negate addresses, or allow the name and drop the rest");
                *nret += k;
        }
        return r;
}

/* ---- ports ---- */

static int parse_port(struct parser *ps, const char *path, const struct jr_value *o, struct oih_portrange *r)
{
        unsigned long v;
        if (jr_is(o, JR_STRING) && strchr(o->s, ':')) {
                const char *s = o->s;
                char *end;
                unsigned long lo, hi;
                errno = 0;
                lo = strtoul(s, &end, 10);
                if (*s < '0' || *s > '9' || *end != ':' || errno)
                        return perr(ps, path, "port range \"%s\" is not LOW:HIGH", s);
                const char *h = end + 1;
                hi = strtoul(h, &end, 10);
                if (*h < '0' || *h > '9' || *end != '\0' || errno)
                        return perr(ps, path, "port range \"%s\" is not LOW:HIGH", s);
                if (lo > 65535 || hi > 65535)
                        return perr(ps, path, "port %lu out of range 0-65535", lo > 65535 ? lo : hi);
                if (lo > hi)
                        return perr(ps, path, "port range \"%s\" is reversed", s);
                r->lo = (uint16_t)lo;
                r->hi = (uint16_t)hi;
                return 0;
        }
        if (get_uint(ps, path, o, 65535, "port", &v) < 0)
                return -1;
        r->lo = r->hi = (uint16_t)v;
        return 0;
}

static int parse_ports(struct parser *ps, const char *path, const struct jr_value *o, struct oih_ports *pp)
{
        bool bad;
        o = unwrap_not(ps, path, o, &pp->invert, &bad);
        if (bad)
                return -1;
        if (!jr_is(o, JR_ARRAY)) {
                pp->n = 1;
                return parse_port(ps, path, o, &pp->r[0]);
        }
        size_t n = o->len;
        if (n == 0)
                return perr(ps, path, "empty list of ports");
        unsigned slots = 0;
        int r = 0;
        for (size_t i = 0; i < n; i++) {
                char p[PATHLEN];
                path_index(p, path, i);
                struct oih_portrange pr;
                if (parse_port(ps, p, &o->items[i], &pr) < 0) {
                        r = -1;
                        continue;
                }
                slots += pr.lo == pr.hi ? 1 : 2;
                if (slots > OIH_MULTIPORT_SLOTS)
                        return perr(ps, path, "too many ports: a list takes at most %d slots, a range counts two",
                                    OIH_MULTIPORT_SLOTS);
                pp->r[pp->n++] = pr;
        }
        pp->multi = true; /* a list, even of one, is -m multiport */
        return r;
}

/* ---- the rule fields ---- */

static int parse_idrange(struct parser *ps, const char *path, const struct jr_value *o, struct oih_idrange *id)
{
        bool bad;
        o = unwrap_not(ps, path, o, &id->invert, &bad);
        if (bad)
                return -1;
        id->set = true;
        if (jr_is(o, JR_STRING) && strchr(o->s, '-')) {
                const char *s = o->s;
                char *end;
                errno = 0;
                unsigned long lo = strtoul(s, &end, 10);
                if (*s < '0' || *s > '9' || *end != '-' || errno || lo > UINT32_MAX - 1)
                        return perr(ps, path, "\"%s\" is not an id or MIN-MAX", s);
                const char *h = end + 1;
                unsigned long hi = strtoul(h, &end, 10);
                if (*h < '0' || *h > '9' || *end != '\0' || errno || hi > UINT32_MAX - 1)
                        return perr(ps, path, "\"%s\" is not an id or MIN-MAX", s);
                if (lo > hi)
                        return perr(ps, path, "range \"%s\" is reversed", s);
                id->lo = (uint32_t)lo;
                id->hi = (uint32_t)hi;
                return 0;
        }
        unsigned long v;
        /* 2^32-1 is (uid_t)-1, which the kernel cannot match. */
        if (get_uint(ps, path, o, UINT32_MAX - 1, "id", &v) < 0)
                return -1;
        id->lo = id->hi = (uint32_t)v;
        return 0;
}

/* A name or a list of names (with LIST, only a list), joined with commas into *RET as iptables
 * takes them: the extension's own parser reads the names and gives its own message. */
static int join_names(struct parser *ps, const char *path, const struct jr_value *o, bool list, char **ret)
{
        bool one = !list && jr_is(o, JR_STRING);
        if (!one && expect_type(ps, path, o, JR_ARRAY, list ? "a list of names" : "a name or a list of names") < 0)
                return -1;
        size_t n = one ? 1 : o->len;
        if (n > 8)
                return perr(ps, path, "more than 8 names");
        char buf[8 * 17] = "";
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
                char p[PATHLEN];
                const char *s;
                path_index(p, path, i);
                if (get_string(ps, one ? path : p, one ? o : &o->items[i], 16, &s) < 0)
                        return -1;
                if (s[0] == '\0')
                        return perr(ps, one ? path : p, "an empty name");
                at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%s", i ? "," : "", s);
        }
        free(*ret);
        *ret = strdup(buf);
        return *ret ? 0 : perr(ps, path, "out of memory");
}

struct rule_ctx {
        struct parser *ps;
        struct oih_rule *r;
        /* raw values kept for the checks that need the whole rule */
        const struct jr_value *icmp_type, *reject_with, *log_prefix, *log_level, *nflog_group, *nflog_prefix,
                *family, *target, *goto_, *target_options;
        char icmp_path[PATHLEN];
};

typedef int (*field_fn)(struct rule_ctx *c, const char *path, const struct jr_value *v);

static int f_chain(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        const char *s;
        if (get_string(c->ps, path, v, 64, &s) < 0)
                return -1;
        if (strlen(s) > OIH_CHAIN_MAXLEN)
                return perr(c->ps, path, "chain name \"%s\" is longer than %d characters", s, OIH_CHAIN_MAXLEN);
        strcpy(c->r->chain, s);
        return 0;
}

static int f_protocol(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        bool bad;
        v = unwrap_not(c->ps, path, v, &c->r->proto_inv, &bad);
        if (bad)
                return -1;
        unsigned long num;
        if (jr_is(v, JR_INT)) {
                if (get_uint(c->ps, path, v, 255, "protocol", &num) < 0)
                        return -1;
        } else {
                const char *s;
                if (get_string(c->ps, path, v, 16, &s) < 0)
                        return -1;
                const struct oih_name *n = oih_name_find(oih_protocols, s);
                /* version 2: any name iptables takes, which is /etc/protocols' */
                struct protoent *pe = n == NULL && c->ps->p->version >= 2 ? getprotobyname(s) : NULL;
                if (n == NULL && pe == NULL)
                        return perr(c->ps, path, "unknown protocol \"%s\" (expected tcp, udp, icmp, icmpv6, all%s or a number)",
                                    s, c->ps->p->version >= 2 ? ", a name of /etc/protocols" : "");
                num = n ? n->value : (unsigned long)pe->p_proto;
                if (num > 255)
                        return perr(c->ps, path, "protocol \"%s\" is not in 0-255", s);
        }
        if (num == 0 && c->r->proto_inv)
                return perr(c->ps, path, "rule would never match protocol");
        /* "all" is -p all: ip6tables then matches on the protocol header (IP6T_F_PROTO), which an
         * IPv6 packet whose extension headers cannot be walked fails */
        c->r->proto_set = true;
        c->r->proto = (uint8_t)num;
        return 0;
}

static int f_source(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_addrs(c->ps, path, v, &c->r->src, &c->r->nsrc, &c->r->src_inv);
}

static int f_destination(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_addrs(c->ps, path, v, &c->r->dst, &c->r->ndst, &c->r->dst_inv);
}

static int parse_iface(struct parser *ps, const char *path, const struct jr_value *v, char *name, bool *inv)
{
        bool bad;
        const char *s;
        v = unwrap_not(ps, path, v, inv, &bad);
        if (bad || get_string(ps, path, v, 64, &s) < 0)
                return -1;
        size_t len = strlen(s);
        if (len == 0 || len > 15)
                return perr(ps, path, "interface name \"%s\" must be 1 to 15 characters", s);
        /* Names that read as something they are not: iptables takes a leading '!' literally
         * and '+' as a wildcard only at the end; the kernel gives no interface a name with
         * white space, '/' or ':', or "." or "..", so a rule with one never matches. Quotes
         * and backslashes would change how iptables-restore reads the name back. */
        if (s[0] == '!')
                return perr(ps, path, "interface name \"%s\" starts with '!', which iptables takes literally; "
                            "negate with {\"not\": \"%s\"}", s, s + 1);
        if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return perr(ps, path, "invalid interface name \"%s\": no interface can have that name", s);
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '+' && i != len - 1)
                        return perr(ps, path, "invalid interface name \"%s\": '+' is a wildcard only at the end", s);
                if (strchr(" /:\"'\\", s[i]))
                        return perr(ps, path, "invalid interface name \"%s\": '%c' is not allowed", s, s[i]);
        }
        strcpy(name, s);
        return 0;
}

static int f_in_interface(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_iface(c->ps, path, v, c->r->iniface, &c->r->iniface_inv);
}

static int f_out_interface(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_iface(c->ps, path, v, c->r->outiface, &c->r->outiface_inv);
}

static int f_sport(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_ports(c->ps, path, v, &c->r->sport);
}

static int f_dport(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_ports(c->ps, path, v, &c->r->dport);
}

static int f_syn(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        bool bad;
        v = unwrap_not(c->ps, path, v, &c->r->tcpflags_inv, &bad);
        if (bad)
                return -1;
        if (!jr_is(v, JR_BOOL) || !v->b)
                return perr(c->ps, path, "expected true or {\"not\": true}");
        if (c->r->tcpflags_mask)
                return perr(c->ps, path, "syn and tcp_flags cannot both be given");
        c->r->syn = true;
        return 0;
}

static int f_tcp_flags(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        bool bad;
        v = unwrap_not(c->ps, path, v, &c->r->tcpflags_inv, &bad);
        if (bad || expect_type(c->ps, path, v, JR_OBJECT, "{\"mask\": [...], \"set\": [...]}") < 0)
                return -1;
        if (c->r->syn)
                return perr(c->ps, path, "syn and tcp_flags cannot both be given");
        const struct jr_value *mask, *set;
        if ((mask = jr_get(v, "mask")) == NULL || (set = jr_get(v, "set")) == NULL ||
            v->len != 2)
                return perr(c->ps, path, "expected exactly the keys \"mask\" and \"set\"");
        char p[PATHLEN];
        path_key(p, path, "mask");
        if (join_names(c->ps, p, mask, true, &c->r->tcpflags_mask) < 0)
                return -1;
        path_key(p, path, "set");
        return join_names(c->ps, p, set, true, &c->r->tcpflags_cmp);
}

/* Resolved after "protocol" is known: the names depend on it. */
static int f_icmp_type(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        c->icmp_type = v;
        path_fmt(c->icmp_path, "%s", path);
        return 0;
}

static int f_ctstate(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        bool bad;
        v = unwrap_not(c->ps, path, v, &c->r->ctstate_inv, &bad);
        return bad ? -1 : join_names(c->ps, path, v, false, &c->r->ctstate);
}

static int f_state(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        bool bad;
        v = unwrap_not(c->ps, path, v, &c->r->state_inv, &bad);
        return bad ? -1 : join_names(c->ps, path, v, false, &c->r->state);
}

static int f_uid_owner(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_idrange(c->ps, path, v, &c->r->uid);
}

static int f_gid_owner(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        return parse_idrange(c->ps, path, v, &c->r->gid);
}

/* Abbreviations a rate may use besides the unit names of oih_rate_units. */
static const struct {
        const char *alias, *name;
} rate_aliases[] = { { "sec", "second" }, { "s", "second" }, { "min", "minute" }, { "m", "minute" },
                     { "h", "hour" }, { "d", "day" } };

/* Whether the kernel's limit match takes AVG and BURST as they are. Its checkentry computes
 * user2credits(avg * burst) in 32 bits and refuses a result below user2credits(avg); a product
 * that wraps but lands above is taken, with a credit cap that is not the burst asked for. Both
 * depend on HZ (CREDITS_PER_JIFFY is the largest power of two with HZ * CPJ * 86400 < 2^32), so
 * every HZ a kernel may be built with is tried, in 64 bits, and any wrap refuses. */
static bool limit_fits(uint32_t avg, uint32_t burst)
{
        static const uint64_t hzs[] = { 100, 250, 300, 1000 };
        for (size_t i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++) {
                uint64_t cpj = 1;
                while (cpj * 2 <= UINT32_MAX / (hzs[i] * 86400))
                        cpj *= 2;
                uint64_t k = hzs[i] * cpj, user = (uint64_t)avg * burst;
                /* user2credits divides first when multiplying first would overflow */
                uint64_t credits = user > UINT32_MAX / k ? user / XT_LIMIT_SCALE * k : user * k / XT_LIMIT_SCALE;
                if (user > UINT32_MAX || credits > UINT32_MAX)
                        return false;
        }
        return true;
}

static int f_limit(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        struct parser *ps = c->ps;
        if (expect_type(ps, path, v, JR_OBJECT, "{\"rate\": \"N/UNIT\", \"burst\": N}") < 0)
                return -1;
        const struct jr_value *rate = NULL, *burst = NULL;
        for (uint32_t i_key = 0; i_key < v->len; i_key++) {
                const char *key = v->members[i_key].key;
                const struct jr_value *val = &v->members[i_key].value;
                if (strcmp(key, "rate") == 0)
                        rate = val;
                else if (strcmp(key, "burst") == 0)
                        burst = val;
                else
                        return perr(ps, path, "unknown key \"%.40s\" (expected rate, burst)", key);
        }
        char p[PATHLEN];
        path_key(p, path, "rate");
        const char *s;
        if (rate == NULL)
                return perr(ps, path, "\"rate\" is required");
        if (get_string(ps, p, rate, 32, &s) < 0)
                return -1;
        char *end;
        errno = 0;
        unsigned long n = strtoul(s, &end, 10);
        if (*s < '1' || *s > '9' || *end != '/' || errno || n > 10000)
                return perr(ps, p, "rate \"%s\" is not N/second, N/minute, N/hour or N/day with N in 1-10000", s);
        const char *unit = end + 1;
        for (size_t i = 0; i < sizeof(rate_aliases) / sizeof(rate_aliases[0]); i++)
                if (strcmp(unit, rate_aliases[i].alias) == 0)
                        unit = rate_aliases[i].name;
        uint32_t mult = 0;
        for (size_t i = 0; i < sizeof(oih_rate_units) / sizeof(oih_rate_units[0]); i++)
                if (strcmp(unit, oih_rate_units[i].name) == 0)
                        mult = oih_rate_units[i].mult;
        if (mult == 0)
                return perr(ps, p, "rate \"%s\": unknown unit (expected second, minute, hour or day)", s);
        c->r->limit_avg = mult / (uint32_t)n;
        c->r->limit_burst = 5;
        if (burst) {
                unsigned long b;
                path_key(p, path, "burst");
                if (get_uint(ps, p, burst, 10000, "burst", &b) < 0)
                        return -1;
                if (b == 0)
                        return perr(ps, p, "burst must be at least 1");
                c->r->limit_burst = (uint32_t)b;
        }
        if (!limit_fits(c->r->limit_avg, c->r->limit_burst)) {
                uint32_t max = 1;
                while (max + 1 < c->r->limit_burst && limit_fits(c->r->limit_avg, max + 1))
                        max++;
                if (!burst)
                        path_fmt(p, "%s", path);
                return perr(ps, p, "rate \"%s\" with burst %u is more than the kernel's limit match can count "
                            "(rate x burst overflows); the largest burst for this rate is %u",
                            s, c->r->limit_burst, max);
        }
        c->r->limit_set = true;
        return 0;
}

static int f_comment(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        const char *s;
        if (get_string(c->ps, path, v, 255, &s) < 0)
                return -1;
        c->r->comment = strdup(s);
        return c->r->comment ? 0 : perr(c->ps, path, "out of memory");
}

/* ---- version 2: table, fragment, generic matches and target options ---- */

static int f_table(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        const char *s;
        if (get_string(c->ps, path, v, 16, &s) < 0)
                return -1;
        for (unsigned t = 0; t < OIH_NTABLES; t++) {
                if (strcmp(s, oih_table_names[t]) == 0) {
                        c->r->table = (uint8_t)t;
                        c->ps->p->tables |= OIH_TBLBIT(t);
                        return 0;
                }
        }
        return perr(c->ps, path, "unknown table \"%s\" (expected filter, nat, mangle, raw)", s);
}

static int f_fragment(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        bool bad;
        v = unwrap_not(c->ps, path, v, &c->r->frag_inv, &bad);
        if (bad)
                return -1;
        if (!jr_is(v, JR_BOOL) || !v->b)
                return perr(c->ps, path, "expected true or {\"not\": true}");
        c->r->frag_set = true;
        return 0;
}

#define MAX_XWORDS 256          /* words of one rule's matches, and of its target options */
#define MAX_MATCHES 32
#define MAX_XNAME 28            /* an extension's name, as the kernel holds it */

struct xwords {
        char *buf;
        size_t len;
        unsigned n;
};

static int xword(struct parser *ps, const char *path, struct xwords *w, const char *word, const char *rel)
{
        size_t a = strlen(word) + 1, b = strlen(rel) + 1;
        if (++w->n > MAX_XWORDS)
                return perr(ps, path, "more than %d words of extension options", MAX_XWORDS);
        char *nb = realloc(w->buf, w->len + a + b);
        if (nb == NULL)
                return perr(ps, path, "out of memory");
        memcpy(nb + w->len, word, a);
        memcpy(nb + w->len + a, rel, b);
        w->buf = nb;
        w->len += a + b;
        return 0;
}

/* An option value word: a string (printable ASCII) or an integer. */
static int xvalue(struct parser *ps, const char *path, const char *rel, const struct jr_value *v, struct xwords *w)
{
        char num[24];
        const char *s;
        if (jr_is(v, JR_INT)) {
                snprintf(num, sizeof(num), "%lld", (long long)v->i);
                s = num;
        } else if (jr_is(v, JR_STRING)) {
                if (get_string(ps, path, v, 255, &s) < 0)
                        return -1;
        } else {
                return perr(ps, path, "expected a string or a number, got %s", type_name(v));
        }
        return xword(ps, path, w, s, rel);
}

/* NAME: VALUE -> [!] --NAME [WORD...] (POLICY-V2.md, OPTIONS). */
static int xoption(struct parser *ps, const char *path, const char *rel, const char *name,
                   const struct jr_value *v, struct xwords *w)
{
        size_t n = strlen(name);
        if (n == 0 || n > 64 || name[0] == '-' || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ") != n)
                return perr(ps, path, "option name \"%.40s\": expected letters, digits and -, without leading dashes", name);
        bool inv = false;
        if (jr_is(v, JR_OBJECT)) {
                const struct jr_value *inner = jr_get(v, "not");
                if (inner == NULL || v->len != 1)
                        return perr(ps, path, "expected true, a string, a number, an array of them or {\"not\": value}");
                inv = true;
                v = inner;
        }
        if (inv && xword(ps, path, w, "!", rel) < 0)
                return -1;
        char opt[80];
        snprintf(opt, sizeof(opt), "--%s", name);
        if (xword(ps, path, w, opt, rel) < 0)
                return -1;
        if (jr_is(v, JR_BOOL))
                return v->b ? 0 : perr(ps, path, "false is not an option value (leave the option out)");
        if (!jr_is(v, JR_ARRAY))
                return xvalue(ps, path, rel, v, w);
        if (v->len == 0)
                return perr(ps, path, "an empty array gives the option no value");
        for (uint32_t i = 0; i < v->len; i++) {
                char p[PATHLEN];
                path_index(p, path, i);
                if (xvalue(ps, p, rel, &v->items[i], w) < 0)
                        return -1;
        }
        return 0;
}

/* OPTIONS: an object (members in file order) or an array of one-member objects. */
static int xoptions(struct parser *ps, const char *path, const char *rel, const struct jr_value *o, struct xwords *w)
{
        char p[PATHLEN], r[PATHLEN];
        if (jr_is(o, JR_OBJECT)) {
                for (uint32_t i = 0; i < o->len; i++) {
                        path_key(p, path, o->members[i].key);
                        path_key(r, rel, o->members[i].key);
                        if (xoption(ps, p, r, o->members[i].key, &o->members[i].value, w) < 0)
                                return -1;
                }
                return 0;
        }
        if (!jr_is(o, JR_ARRAY))
                return perr(ps, path, "expected an object of options or an array of one-option objects");
        for (uint32_t i = 0; i < o->len; i++) {
                const struct jr_value *one = &o->items[i];
                path_index(p, path, i);
                if (!jr_is(one, JR_OBJECT) || one->len != 1)
                        return perr(ps, p, "expected an object with exactly one option");
                path_index(r, rel, i);
                char p2[PATHLEN], r2[PATHLEN];
                path_key(p2, p, one->members[0].key);
                path_key(r2, r, one->members[0].key);
                if (xoption(ps, p2, r2, one->members[0].key, &one->members[0].value, w) < 0)
                        return -1;
        }
        return 0;
}

static int xname(struct parser *ps, const char *path, const struct jr_value *v, const char **ret)
{
        if (get_string(ps, path, v, 64, ret) < 0)
                return -1;
        size_t n = strlen(*ret);
        if (n == 0 || n > MAX_XNAME || (*ret)[0] == '-' ||
            strspn(*ret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
                return perr(ps, path, "\"%s\" is not an extension name", *ret);
        return 0;
}

static int f_matches(struct rule_ctx *c, const char *path, const struct jr_value *v)
{
        struct parser *ps = c->ps;
        if (expect_type(ps, path, v, JR_ARRAY, "an array of {\"match\": NAME, \"options\": ...}") < 0)
                return -1;
        if (v->len > MAX_MATCHES)
                return perr(ps, path, "%u matches, more than %d", (unsigned)v->len, MAX_MATCHES);
        struct xwords w = { 0 };
        int ret = 0;
        for (uint32_t i = 0; i < v->len && ret == 0; i++) {
                const struct jr_value *m = &v->items[i], *name = NULL, *opts = NULL;
                char p[PATHLEN], rel[PATHLEN], p2[PATHLEN], r2[PATHLEN];
                path_index(p, path, i);
                path_index(rel, "matches", i);
                if (expect_type(ps, p, m, JR_OBJECT, "{\"match\": NAME, \"options\": ...}") < 0) {
                        ret = -1;
                        break;
                }
                for (uint32_t k = 0; k < m->len; k++) {
                        if (strcmp(m->members[k].key, "match") == 0)
                                name = &m->members[k].value;
                        else if (strcmp(m->members[k].key, "options") == 0)
                                opts = &m->members[k].value;
                        else
                                ret = perr(ps, p, "unknown key \"%.40s\" (expected match, options)", m->members[k].key);
                }
                const char *s;
                path_key(p2, p, "match");
                path_key(r2, rel, "match");
                if (ret < 0 || name == NULL) {
                        ret = ret < 0 ? ret : perr(ps, p, "\"match\" is required");
                        break;
                }
                if (xname(ps, p2, name, &s) < 0 || xword(ps, p2, &w, "-m", r2) < 0 || xword(ps, p2, &w, s, r2) < 0) {
                        ret = -1;
                        break;
                }
                path_key(p2, p, "options");
                path_key(r2, rel, "options");
                if (opts && xoptions(ps, p2, r2, opts, &w) < 0)
                        ret = -1;
        }
        if (ret < 0) {
                free(w.buf);
                return -1;
        }
        c->r->xmatch = w.buf;
        c->r->xmatch_len = w.len;
        return 0;
}

/* Kept raw: their meaning depends on other keys. */
#define RAW_FIELD(fn, member)                                                      \
        static int fn(struct rule_ctx *c, const char *path, const struct jr_value *v)        \
        {                                                                          \
                (void)path;                                                        \
                c->member = v;                                                     \
                return 0;                                                          \
        }
RAW_FIELD(f_family, family)
RAW_FIELD(f_target, target)
RAW_FIELD(f_goto, goto_)
RAW_FIELD(f_reject_with, reject_with)
RAW_FIELD(f_log_prefix, log_prefix)
RAW_FIELD(f_log_level, log_level)
RAW_FIELD(f_nflog_group, nflog_group)
RAW_FIELD(f_nflog_prefix, nflog_prefix)
RAW_FIELD(f_target_options, target_options)

/* Sorted by key: looked up with bsearch, once per key of every rule. */
static const struct rule_field {
        const char *key;
        field_fn fn;
} rule_fields[] = {
        { "chain", f_chain }, { "comment", f_comment }, { "ctstate", f_ctstate },
        { "destination", f_destination }, { "dport", f_dport }, { "family", f_family },
        { "fragment", f_fragment }, { "gid_owner", f_gid_owner }, { "goto", f_goto },
        { "icmp_type", f_icmp_type }, { "in_interface", f_in_interface }, { "limit", f_limit },
        { "log_level", f_log_level }, { "log_prefix", f_log_prefix }, { "matches", f_matches },
        { "nflog_group", f_nflog_group }, { "nflog_prefix", f_nflog_prefix },
        { "out_interface", f_out_interface }, { "protocol", f_protocol },
        { "reject_with", f_reject_with }, { "source", f_source }, { "sport", f_sport },
        { "state", f_state }, { "syn", f_syn }, { "table", f_table }, { "target", f_target },
        { "target_options", f_target_options }, { "tcp_flags", f_tcp_flags },
        { "uid_owner", f_uid_owner },
};

static int cmp_field(const void *key, const void *field)
{
        const unsigned char *a = key, *b = (const unsigned char *)((const struct rule_field *)field)->key;
        /* most steps of the search are decided by the first letter */
        return *a != *b ? *a - *b : strcmp(key, ((const struct rule_field *)field)->key);
}

/* ---- whole-rule checks ---- */

static const char *const family_names[OIH_NFAMILIES] = { "ipv4", "ipv6" };

static int parse_family_name(struct parser *ps, const char *path, const struct jr_value *v, unsigned *ret)
{
        const char *s;
        if (get_string(ps, path, v, 8, &s) < 0)
                return -1;
        if (strcmp(s, "ipv4") == 0)
                *ret = OIH_FAMBIT(OIH_IPV4);
        else if (strcmp(s, "ipv6") == 0)
                *ret = OIH_FAMBIT(OIH_IPV6);
        else if (strcmp(s, "both") == 0)
                *ret = OIH_FAM_BOTH;
        else
                return perr(ps, path, "unknown family \"%s\" (expected ipv4, ipv6 or both)", s);
        return 0;
}

/* The families of the addresses of a list; a name without "family" follows the rule's. */
static unsigned addr_families(const struct oih_addr *a, unsigned n)
{
        unsigned f = 0;
        for (unsigned i = 0; i < n; i++)
                if (!a[i].name_any)
                        f |= OIH_FAMBIT(a[i].family);
        return f;
}

/* The families a list allows a rule to be built for. */
static unsigned list_families(const struct oih_addr *a, unsigned n)
{
        unsigned f = addr_families(a, n);
        for (unsigned i = 0; i < n; i++)
                if (a[i].name_any)
                        f = OIH_FAM_BOTH;
        return f;
}

static const char *addr_text(const struct parser *ps, const struct oih_addr *a, char *buf, size_t size)
{
        if (a->name)
                snprintf(buf, size, "%s", ps->p->names[a->name - 1]);
        else
                inet_ntop(a->family == OIH_IPV4 ? AF_INET : AF_INET6, a->addr, buf, (socklen_t)size);
        return buf;
}

/* Every address must end up in a rule: one whose family the rule is not built for is an
 * error, never silently dropped. */
static int check_addr_families(struct parser *ps, const char *path, const char *key,
                               const struct oih_addr *a, unsigned n, unsigned fams, const char *why)
{
        int r = 0;
        for (unsigned i = 0; i < n; i++) {
                if (a[i].name_any || (fams & OIH_FAMBIT(a[i].family)))
                        continue;
                char buf[OIH_NAME_MAXLEN + 1];
                addr_text(ps, &a[i], buf, sizeof(buf));
                if (n > 1)
                        perr(ps, path, "%s[%u]: %s address %s in a rule that is %s only (%s)", key, i,
                             a[i].family == OIH_IPV4 ? "IPv4" : "IPv6", buf,
                             fams & OIH_FAMBIT(OIH_IPV4) ? "IPv4" : "IPv6", why);
                else
                        perr(ps, path, "%s: %s address %s in a rule that is %s only (%s)", key,
                             a[i].family == OIH_IPV4 ? "IPv4" : "IPv6", buf,
                             fams & OIH_FAMBIT(OIH_IPV4) ? "IPv4" : "IPv6", why);
                r = -1;
        }
        return r;
}

static int find_reject(const char *s, enum oih_family f)
{
        for (unsigned i = 0; i < oih_reject_count[f]; i++) {
                const struct oih_reject_name *n = &oih_reject_names[f][i];
                if (n->name && (strcmp(n->name, s) == 0 || strcmp(n->alias, s) == 0))
                        return (int)i;
        }
        return -1;
}

/* The families a rule is built for. "family" and the ICMP protocols pin them; so does every
 * address the rule matches (a source or destination that is not negated): the rule is built
 * for a family only when each of them has addresses of it. A negated address pins nothing:
 * every packet of the other family satisfies "not this address", so in that family the match
 * drops out (oih_policy_foreach_entry) and the rule stays. Pinning it would let the other
 * family through a DROP. reject_with pins nothing either: a family without that type replies
 * with its default one. */
static int resolve_families(struct rule_ctx *c, const char *path)
{
        struct parser *ps = c->ps;
        struct oih_rule *r = c->r;
        unsigned fams = OIH_FAM_BOTH;
        const char *why = "\"family\" says so";
        char p[PATHLEN];

        if (c->family) {
                path_key(p, path, "family");
                if (parse_family_name(ps, p, c->family, &fams) < 0)
                        return -1;
        }
        unsigned pinned = fams;
        if (r->proto_set && r->proto == 1 && !r->proto_inv) {
                if (!(pinned & OIH_FAMBIT(OIH_IPV4)))
                        return perr(ps, path, "protocol icmp is IPv4's; use icmpv6 for IPv6");
                pinned &= OIH_FAMBIT(OIH_IPV4);
                why = "protocol icmp";
        }
        if (r->proto_set && r->proto == 58 && !r->proto_inv) {
                if (!(pinned & OIH_FAMBIT(OIH_IPV6)))
                        return perr(ps, path, "protocol icmpv6 is IPv6's; use icmp for IPv4");
                pinned &= OIH_FAMBIT(OIH_IPV6);
                why = "protocol icmpv6";
        }
        /* Explicit or pinned families first: an address outside them is an error. */
        int ret = 0;
        if (pinned != OIH_FAM_BOTH) {
                if ((!r->src_inv && check_addr_families(ps, path, "source", r->src, r->nsrc, pinned, why) < 0) ||
                    (!r->dst_inv && check_addr_families(ps, path, "destination", r->dst, r->ndst, pinned, why) < 0))
                        return -1;
        }
        unsigned f = pinned;
        bool by_src = r->nsrc && !r->src_inv && (f & ~list_families(r->src, r->nsrc));
        if (by_src) {
                f &= list_families(r->src, r->nsrc);
                why = "its source";
        }
        if (r->ndst && !r->dst_inv && (f & ~list_families(r->dst, r->ndst))) {
                f &= list_families(r->dst, r->ndst);
                why = by_src ? "its addresses" : "its destination";
        }
        if (f == 0)
                return perr(ps, path, "source and destination have no address family in common");
        if (r->nsrc && r->ndst && !r->src_inv && !r->dst_inv) {
                ret |= check_addr_families(ps, path, "source", r->src, r->nsrc, f,
                                           "destination has no address of its family");
                ret |= check_addr_families(ps, path, "destination", r->dst, r->ndst, f,
                                           "source has no address of its family");
        }
        /* A negated address that drops out of every family the rule is built for matches every
         * packet: surely not what was meant. (A negated list is refused when it is parsed.) */
        const struct {
                const char *key;
                const struct oih_addr *a;
                bool neg;
        } negs[] = { { "source", r->src, r->src_inv && r->nsrc }, { "destination", r->dst, r->dst_inv && r->ndst } };
        for (size_t i = 0; i < sizeof(negs) / sizeof(negs[0]); i++) {
                if (!negs[i].neg || (f & OIH_FAMBIT(negs[i].a->family)))
                        continue;
                char buf[INET6_ADDRSTRLEN];
                bool v4 = negs[i].a->family == OIH_IPV4;
                inet_ntop(v4 ? AF_INET : AF_INET6, negs[i].a->addr, buf, sizeof(buf));
                ret = perr(ps, path, "%s: negated %s address %s in a rule that is %s only (%s), where it would match every packet",
                           negs[i].key, v4 ? "IPv4" : "IPv6", buf, v4 ? "IPv6" : "IPv4", why);
        }
        if (c->reject_with && jr_is(c->reject_with, JR_STRING)) {
                const char *s = c->reject_with->s;
                unsigned rf = 0;
                for (int k = 0; k < OIH_NFAMILIES; k++)
                        if (find_reject(s, (enum oih_family)k) >= 0)
                                rf |= OIH_FAMBIT(k);
                if (rf != 0 && !(f & rf))
                        return perr(ps, path, "reject_with \"%s\" is for %s only, but the rule is %s only (%s)", s,
                                    rf & OIH_FAMBIT(OIH_IPV4) ? "IPv4" : "IPv6",
                                    f & OIH_FAMBIT(OIH_IPV4) ? "IPv4" : "IPv6", why);
        }
        r->families = f;
        return ret;
}

/* The N bytes at S are a number 0-255 without leading zeros. */
static bool small_number(const char *s, size_t n, unsigned *ret)
{
        if (n == 0 || n > 3 || (n > 1 && s[0] == '0') || strspn(s, "0123456789") < n)
                return false;
        unsigned v = 0;
        for (size_t i = 0; i < n; i++)
                v = v * 10 + (unsigned)(s[i] - '0');
        *ret = v;
        return v <= 255;
}

static int resolve_icmp(struct rule_ctx *c)
{
        struct parser *ps = c->ps;
        struct oih_rule *r = c->r;
        const char *path = c->icmp_path;
        if (!r->proto_set || r->proto_inv || (r->proto != 1 && r->proto != 58))
                return perr(ps, path, "icmp_type needs protocol icmp or icmpv6");
        enum oih_family f = r->proto == 1 ? OIH_IPV4 : OIH_IPV6;
        bool bad;
        const struct jr_value *v = unwrap_not(ps, path, c->icmp_type, &r->icmp_inv, &bad);
        if (bad)
                return -1;
        r->icmp_set = true;
        if (jr_is(v, JR_INT)) {
                unsigned long t;
                if (get_uint(ps, path, v, 255, "ICMP type", &t) < 0)
                        return -1;
                r->icmp_type = (uint8_t)t;
                r->icmp_code_lo = 0;
                r->icmp_code_hi = 0xFF;
                return 0;
        }
        const char *s;
        if (get_string(ps, path, v, 40, &s) < 0)
                return -1;
        for (const struct oih_icmp_name *n = oih_icmp_names[f]; n->name; n++) {
                if (strcmp(n->name, s) == 0) {
                        r->icmp_type = n->type;
                        r->icmp_code_lo = n->code_lo;
                        r->icmp_code_hi = n->code_hi;
                        return 0;
                }
        }
        /* "TYPE" or "TYPE/CODE", each a number 0-255 written without leading zeros */
        unsigned t, code;
        const char *slash = strchr(s, '/');
        if (small_number(s, slash ? (size_t)(slash - s) : strlen(s), &t) &&
            (!slash || small_number(slash + 1, strlen(slash + 1), &code))) {
                r->icmp_type = (uint8_t)t;
                r->icmp_code_lo = slash ? (uint8_t)code : 0;
                r->icmp_code_hi = slash ? (uint8_t)code : 0xFF;
                return 0;
        }
        return perr(ps, path, "unknown %s type \"%s\"", f == OIH_IPV4 ? "ICMP" : "ICMPv6", s);
}

static const struct {
        const char *name;
        enum oih_target t;
} target_names[] = {
        { "ACCEPT", OIH_T_ACCEPT }, { "DROP", OIH_T_DROP }, { "RETURN", OIH_T_RETURN },
        { "REJECT", OIH_T_REJECT }, { "LOG", OIH_T_LOG }, { "NFLOG", OIH_T_NFLOG },
};

/* Names a user chain may not take: built-in chains and every target name we or iptables
 * know, so that "-j NAME" is never ambiguous. */
static const char *const reserved_names[] = {
        "INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING", "ACCEPT", "DROP", "RETURN",
        "QUEUE", "REJECT", "LOG", "NFLOG", "NFQUEUE", "MARK", "CONNMARK", "CT", "TRACE",
        "AUDIT", "SNAT", "DNAT", "MASQUERADE", "REDIRECT", "TCPMSS", "CLASSIFY", "TEE",
};

static int resolve_target(struct rule_ctx *c, const char *path)
{
        struct parser *ps = c->ps;
        struct oih_rule *r = c->r;
        char p[PATHLEN];
        const char *s;

        if (c->target && c->goto_)
                return perr(ps, path, "\"target\" and \"goto\" cannot both be given");
        if (c->goto_) {
                path_key(p, path, "goto");
                if (get_string(ps, p, c->goto_, 64, &s) < 0)
                        return -1;
                for (size_t i = 0; i < sizeof(target_names) / sizeof(target_names[0]); i++)
                        if (strcmp(s, target_names[i].name) == 0)
                                return perr(ps, p, "goto needs a user-defined chain, not %s", s);
                if (strlen(s) > OIH_CHAIN_MAXLEN)
                        return perr(ps, p, "chain name \"%s\" is longer than %d characters", s, OIH_CHAIN_MAXLEN);
                r->target = OIH_T_GOTO;
                strcpy(r->jump, s);
        } else if (c->target) {
                path_key(p, path, "target");
                if (get_string(ps, p, c->target, 64, &s) < 0)
                        return -1;
                r->target = OIH_T_JUMP;
                for (size_t i = 0; i < sizeof(target_names) / sizeof(target_names[0]); i++)
                        if (strcmp(s, target_names[i].name) == 0) {
                                r->target = target_names[i].t;
                                break;
                        }
                /* version 2: a name that is no chain of the rule's table is a target extension */
                if (r->target == OIH_T_JUMP && ps->p->version >= 2 && chain_index_t(ps->p, s, r->table) < 0 &&
                    oih_table_builtin(OIH_TBL_MANGLE, s) < 0) {
                        const char *x;
                        if (xname(ps, p, c->target, &x) < 0)
                                return -1;
                        r->target = OIH_T_EXT;
                        snprintf(r->xtarget, sizeof(r->xtarget), "%s", x);
                }
                if (r->target == OIH_T_JUMP) {
                        if (strlen(s) > OIH_CHAIN_MAXLEN)
                                return perr(ps, p, "chain name \"%s\" is longer than %d characters", s, OIH_CHAIN_MAXLEN);
                        strcpy(r->jump, s);
                }
        }

        /* Target options go only with their target. */
        struct {
                const struct jr_value *v;
                const char *key;
                enum oih_target needs;
        } opts[] = {
                { c->reject_with, "reject_with", OIH_T_REJECT },
                { c->log_prefix, "log_prefix", OIH_T_LOG }, { c->log_level, "log_level", OIH_T_LOG },
                { c->nflog_group, "nflog_group", OIH_T_NFLOG }, { c->nflog_prefix, "nflog_prefix", OIH_T_NFLOG },
        };
        int ret = 0;
        for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
                if (opts[i].v && r->target != opts[i].needs)
                        ret = perr(ps, path, "%s goes only with target %s", opts[i].key,
                                   target_names[opts[i].needs - 1].name);
        if (ret < 0)
                return -1;

        if (c->target_options) {
                struct xwords w = { 0 };
                path_key(p, path, "target_options");
                if (c->target == NULL) {
                        return perr(ps, p, "goes only with \"target\"");
                } else if (r->target == OIH_T_JUMP || r->target == OIH_T_NONE) {
                        return perr(ps, p, "a chain takes no options");
                } else if (xoptions(ps, p, "target_options", c->target_options, &w) < 0) {
                        free(w.buf);
                        return -1;
                }
                r->xtarget_opts = w.buf;
                r->xtarget_opts_len = w.len;
        }

        r->reject_with[OIH_IPV4] = r->reject_with[OIH_IPV6] = -1;
        if (c->reject_with) {
                path_key(p, path, "reject_with");
                if (get_string(ps, p, c->reject_with, 32, &s) < 0)
                        return -1;
                bool any = false;
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        r->reject_with[f] = find_reject(s, (enum oih_family)f);
                        any |= r->reject_with[f] >= 0;
                }
                if (!any)
                        return perr(ps, p, "unknown reject type \"%s\"", s);
                if (r->reject_with[OIH_IPV4] == oih_reject_tcp_reset[OIH_IPV4] &&
                    (!r->proto_set || r->proto != 6 || r->proto_inv))
                        return perr(ps, p, "tcp-reset needs protocol tcp");
        }
        if (c->log_prefix) {
                path_key(p, path, "log_prefix");
                if (get_string(ps, p, c->log_prefix, sizeof(r->log_prefix) - 1, &s) < 0)
                        return -1;
                strcpy(r->log_prefix, s);
        }
        if (c->log_level) {
                /* the names the format took that iptables spells longer: the same levels */
                static const char *const longer[][2] = { { "err", "error" }, { "warn", "warning" } };
                path_key(p, path, "log_level");
                if (jr_is(c->log_level, JR_INT)) {
                        snprintf(r->log_level, sizeof(r->log_level), "%lld", (long long)c->log_level->i);
                } else if (jr_is(c->log_level, JR_STRING)) {
                        if (get_string(ps, p, c->log_level, sizeof(r->log_level) - 1, &s) < 0)
                                return -1;
                        if (s[0] == '\0')
                                return perr(ps, p, "an empty level");
                        for (size_t i = 0; i < sizeof(longer) / sizeof(longer[0]); i++)
                                if (strcmp(s, longer[i][0]) == 0)
                                        s = longer[i][1];
                        strcpy(r->log_level, s);
                } else {
                        return perr(ps, p, "expected a level (a name or a number), got %s", type_name(c->log_level));
                }
        }
        if (c->nflog_group) {
                unsigned long g;
                path_key(p, path, "nflog_group");
                if (get_uint(ps, p, c->nflog_group, 65535, "group", &g) < 0)
                        return -1;
                r->nflog_group = (uint16_t)g;
        }
        if (c->nflog_prefix) {
                path_key(p, path, "nflog_prefix");
                if (get_string(ps, p, c->nflog_prefix, sizeof(r->nflog_prefix) - 1, &s) < 0)
                        return -1;
                strcpy(r->nflog_prefix, s);
        }
        return 0;
}

static int check_rule(struct rule_ctx *c, const char *path)
{
        struct parser *ps = c->ps;
        struct oih_rule *r = c->r;
        bool tcp = r->proto_set && !r->proto_inv && r->proto == 6;
        bool udp = r->proto_set && !r->proto_inv && r->proto == 17;
        int ret = 0;

        if (r->chain[0] == '\0')
                return perr(ps, path, "\"chain\" is required");
        if ((r->sport.n || r->dport.n) && !tcp && !udp)
                ret = perr(ps, path, "%s needs protocol tcp or udp", r->sport.n ? "sport" : "dport");
        if ((r->syn || r->tcpflags_mask) && !tcp)
                ret = perr(ps, path, "%s needs protocol tcp", r->syn ? "syn" : "tcp_flags");
        if (c->icmp_type && resolve_icmp(c) < 0)
                ret = -1;
        if ((strcmp(r->chain, "OUTPUT") == 0 || strcmp(r->chain, "POSTROUTING") == 0) && r->iniface[0])
                ret = perr(ps, path, "in_interface cannot be used in %s", r->chain);
        if ((strcmp(r->chain, "INPUT") == 0 || strcmp(r->chain, "PREROUTING") == 0) && r->outiface[0])
                ret = perr(ps, path, "out_interface cannot be used in %s", r->chain);
        if (resolve_target(c, path) < 0)
                ret = -1;
        if (ret == 0 && resolve_families(c, path) < 0)
                ret = -1;
        return ret;
}

static int parse_rule(struct parser *ps, unsigned idx, const struct jr_value *o, struct oih_rule *r)
{
        char path[PATHLEN];
        path_index(path, "rules", idx);
        r->index = idx;
        if (expect_type(ps, path, o, JR_OBJECT, "a rule object") < 0)
                return -1;
        struct rule_ctx c = { .ps = ps, .r = r };
        int ret = 0;
        for (uint32_t i_key = 0; i_key < o->len; i_key++) {
                const char *key = o->members[i_key].key;
                const struct jr_value *val = &o->members[i_key].value;
                char p[PATHLEN];
                path_key(p, path, key);
                const struct rule_field *f = bsearch(key, rule_fields, sizeof(rule_fields) / sizeof(rule_fields[0]),
                                                     sizeof(rule_fields[0]), cmp_field);
                bool v2 = f && (f->fn == f_table || f->fn == f_fragment || f->fn == f_matches || f->fn == f_target_options);
                if (f == NULL || (v2 && ps->p->version < 2)) {
                        ret = perr(ps, path, "unknown key \"%.40s\"%s", key, f ? " (new in version 2)" : "");
                        continue;
                }
                if (f->fn(&c, p, val) < 0)
                        ret = -1;
        }
        if (ret < 0)
                return -1;
        return check_rule(&c, path);
}

/* ---- chains ---- */

static int check_chain_name(struct parser *ps, const char *path, const char *s)
{
        size_t len = strlen(s);
        if (len == 0 || len > OIH_CHAIN_MAXLEN)
                return perr(ps, path, "chain name \"%s\" must be 1 to %d characters", s, OIH_CHAIN_MAXLEN);
        if (s[0] == '-' || s[0] == '!')
                return perr(ps, path, "chain name \"%s\" cannot start with '%c'", s, s[0]);
        if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:") != len)
                return perr(ps, path, "chain name \"%s\" may only contain letters, digits and - _ . :", s);
        for (size_t i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++)
                if (strcmp(s, reserved_names[i]) == 0)
                        return perr(ps, path, "chain name \"%s\" is a built-in chain or target name", s);
        return 0;
}

static int parse_chains(struct parser *ps, const struct jr_value *o, unsigned table, const char *where)
{
        struct oih_policy *p = ps->p;
        if (expect_type(ps, where, o, JR_ARRAY, "an array of chain names") < 0)
                return -1;
        size_t n = o->len;
        if (n + p->nchains > OIH_MAX_CHAINS)
                return perr(ps, where, "%zu chains, more than %u", n + p->nchains, OIH_MAX_CHAINS);
        struct oih_chain *nc = realloc(p->chains, (p->nchains + n + 1) * sizeof(*p->chains));
        if (nc == NULL)
                return perr(ps, where, "out of memory");
        p->chains = nc;
        int ret = 0;
        for (size_t i = 0; i < n; i++) {
                char path[PATHLEN];
                path_fmt(path, "%s[%zu]", where, i);
                const struct jr_value *e = &o->items[i];
                const struct jr_value *name = e;
                unsigned fams = OIH_FAM_BOTH;
                if (jr_is(e, JR_OBJECT)) {
                        name = NULL;
                        for (uint32_t i_key = 0; i_key < e->len; i_key++) {
                const char *key = e->members[i_key].key;
                const struct jr_value *val = &e->members[i_key].value;
                                char p2[PATHLEN];
                                path_fmt(p2, "%s.%.40s", path, key);
                                if (strcmp(key, "name") == 0)
                                        name = val;
                                else if (strcmp(key, "family") == 0) {
                                        if (parse_family_name(ps, p2, val, &fams) < 0)
                                                ret = -1;
                                } else
                                        ret = perr(ps, path, "unknown key \"%.40s\" (expected name, family)", key);
                        }
                        if (name == NULL) {
                                ret = perr(ps, path, "\"name\" is required");
                                continue;
                        }
                }
                const char *s;
                if (get_string(ps, path, name, 64, &s) < 0 || check_chain_name(ps, path, s) < 0) {
                        ret = -1;
                        continue;
                }
                if (chain_index_t(p, s, table) >= 0)
                        ret = perr(ps, path, "chain \"%s\" is declared twice", s);
                memset(&p->chains[p->nchains], 0, sizeof(p->chains[0]));
                strcpy(p->chains[p->nchains].name, s);
                p->chains[p->nchains].table = (uint8_t)table;
                p->chains[p->nchains++].families = fams;
        }
        return ret;
}

static int parse_policy(struct parser *ps, const struct jr_value *o, unsigned table, const char *where)
{
        struct oih_policy *p = ps->p;
        if (expect_type(ps, where, o, JR_OBJECT, "an object") < 0)
                return -1;
        int ret = 0;
        for (uint32_t i_key = 0; i_key < o->len; i_key++) {
                const char *key = o->members[i_key].key;
                const struct jr_value *val = &o->members[i_key].value;
                char path[PATHLEN];
                path_fmt(path, "%s.%.40s", where, key);
                int b = oih_table_builtin(table, key);
                if (b < 0) {
                        char names[64] = "";
                        for (int k = 0; oih_table_builtins[table][k]; k++)
                                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", k ? ", " : "",
                                         oih_table_builtins[table][k]);
                        ret = perr(ps, where, "unknown chain \"%.40s\" (expected %s)", key, names);
                        continue;
                }
                /* -1: not said; a family not said takes the other's */
                int v[OIH_NFAMILIES] = { -1, -1 };
                const struct jr_value *per[OIH_NFAMILIES] = { NULL, NULL };
                if (jr_is(val, JR_OBJECT)) {
                        for (uint32_t i_fk = 0; i_fk < val->len; i_fk++) {
                const char *fk = val->members[i_fk].key;
                const struct jr_value *fv = &val->members[i_fk].value;
                                if (strcmp(fk, "ipv4") == 0)
                                        per[OIH_IPV4] = fv;
                                else if (strcmp(fk, "ipv6") == 0)
                                        per[OIH_IPV6] = fv;
                                else
                                        ret = perr(ps, path, "unknown key \"%.40s\" (expected ipv4, ipv6)", fk);
                        }
                        if (!per[OIH_IPV4] && !per[OIH_IPV6])
                                ret = perr(ps, path, "expected \"ipv4\" or \"ipv6\"");
                } else {
                        per[OIH_IPV4] = per[OIH_IPV6] = val;
                }
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        /* one value for both families is one value: one error at most */
                        if (!per[f] || (f > 0 && per[f] == per[f - 1])) {
                                if (per[f])
                                        v[f] = v[f - 1];
                                continue;
                        }
                        char p2[PATHLEN];
                        const char *s;
                        if (per[f] != val)
                                path_fmt(p2, "%s.%s", path, family_names[f]);
                        else
                                path_fmt(p2, "%s", path);
                        if (get_string(ps, p2, per[f], 16, &s) < 0) {
                                ret = -1;
                                continue;
                        }
                        if (strcmp(s, "ACCEPT") == 0)
                                v[f] = 0;
                        else if (strcmp(s, "DROP") == 0)
                                v[f] = 1;
                        else
                                ret = perr(ps, p2, "policy \"%s\" is not ACCEPT or DROP", s);
                }
                for (int f = 0; f < OIH_NFAMILIES; f++)
                        p->tdrop[table][f][b] = (v[f] >= 0 ? v[f] : v[1 - f]) == 1;
                if (table == OIH_TBL_FILTER)
                        for (int f = 0; f < OIH_NFAMILIES; f++)
                                p->drop[f][b] = p->tdrop[table][f][b];
        }
        return ret;
}

/* "tables": {"nat": {"policy": {...}, "chains": [...]}, ...} (version 2) */
static int parse_tables(struct parser *ps, const struct jr_value *o, const struct jr_value *policy,
                        const struct jr_value *chains)
{
        if (expect_type(ps, "tables", o, JR_OBJECT, "an object of tables") < 0)
                return -1;
        int ret = 0;
        for (uint32_t i = 0; i < o->len; i++) {
                const char *key = o->members[i].key;
                const struct jr_value *t = &o->members[i].value;
                char path[PATHLEN], p2[PATHLEN];
                path_key(path, "tables", key);
                unsigned table;
                for (table = 0; table < OIH_NTABLES; table++)
                        if (strcmp(key, oih_table_names[table]) == 0)
                                break;
                if (table == OIH_NTABLES) {
                        ret = perr(ps, "tables", "unknown table \"%.40s\" (expected filter, nat, mangle, raw)", key);
                        continue;
                }
                ps->p->tables |= OIH_TBLBIT(table);
                if (expect_type(ps, path, t, JR_OBJECT, "{\"policy\": {...}, \"chains\": [...]}") < 0) {
                        ret = -1;
                        continue;
                }
                for (uint32_t k = 0; k < t->len; k++) {
                        const char *tk = t->members[k].key;
                        const struct jr_value *tv = &t->members[k].value;
                        path_key(p2, path, tk);
                        bool top = strcmp(tk, "policy") == 0 ? policy != NULL : strcmp(tk, "chains") == 0 && chains != NULL;
                        if (table == OIH_TBL_FILTER && top)
                                ret = perr(ps, p2, "given twice: here and as the top-level \"%s\"", tk);
                        else if (strcmp(tk, "policy") == 0)
                                ret |= parse_policy(ps, tv, table, p2);
                        else if (strcmp(tk, "chains") == 0) {
                                if (parse_chains(ps, tv, table, p2) < 0) {
                                        ps->chains_bad = true;
                                        ret = -1;
                                }
                        }
                        else
                                ret = perr(ps, path, "unknown key \"%.40s\" (expected policy, chains)", tk);
                }
        }
        return ret;
}

/* ---- references between chains ---- */

/* A netfilter hook by its chain name (mangle has them all), in hook order; -1 for a user chain. */
static int hook_index(const char *name)
{
        return oih_table_builtin(OIH_TBL_MANGLE, name);
}

static bool chain_in_family_t(const struct oih_policy *p, const char *name, unsigned table, enum oih_family family)
{
        if (oih_table_builtin(table, name) >= 0)
                return true;
        int i = chain_index_t(p, name, table);
        return i >= 0 && (p->chains[i].families & OIH_FAMBIT(family));
}

bool oih_chain_in_family(const struct oih_policy *p, const char *name, enum oih_family family)
{
        return chain_in_family_t(p, name, OIH_TBL_FILTER, family);
}

/* reach[c] = the built-in chains from which user chain c can be reached. Computed to a fixed
 * point; a chain reachable from itself is a loop, which the kernel would refuse. */
static int check_graph(struct parser *ps)
{
        struct oih_policy *p = ps->p;
        unsigned n = p->nchains;
        unsigned *reach = calloc(n ? n : 1, sizeof(*reach));
        unsigned char *adj = calloc(n ? (size_t)n * n : 1, 1);
        int ret = 0;
        if (!reach || !adj) {
                ret = perr(ps, "chains", "out of memory");
                goto out;
        }
        for (unsigned i = 0; i < p->nrules; i++) {
                const struct oih_rule *r = &p->rules[i];
                if (r->target != OIH_T_JUMP && r->target != OIH_T_GOTO)
                        continue;
                int to = chain_index_t(p, r->jump, r->table);
                int fromb = oih_table_builtin(r->table, r->chain);
                if (to < 0)
                        continue;
                if (fromb >= 0)
                        reach[to] |= 1u << hook_index(r->chain);
                else
                        adj[(size_t)chain_index_t(p, r->chain, r->table) * n + (unsigned)to] = 1;
        }
        /* Transitive closure (Warshall); n is at most OIH_MAX_CHAINS. */
        for (unsigned k = 0; k < n; k++)
                for (unsigned i = 0; i < n; i++)
                        if (adj[(size_t)i * n + k])
                                for (unsigned j = 0; j < n; j++)
                                        if (adj[(size_t)k * n + j])
                                                adj[(size_t)i * n + j] = 1;
        for (unsigned i = 0; i < n; i++) {
                if (adj[(size_t)i * n + i]) {
                        ret = perr(ps, "chains", "chain \"%s\" jumps back to itself (a loop)", p->chains[i].name);
                        goto out;
                }
        }
        for (unsigned i = 0; i < n; i++)
                for (unsigned j = 0; j < n; j++)
                        if (adj[(size_t)i * n + j])
                                reach[j] |= reach[i];
        for (unsigned i = 0; i < p->nrules; i++) {
                const struct oih_rule *r = &p->rules[i];
                if (!r->uid.set && !r->gid.set)
                        continue;
                int b = oih_table_builtin(r->table, r->chain);
                unsigned from = b >= 0 ? 1u << hook_index(r->chain) : reach[chain_index_t(p, r->chain, r->table)];
                /* the kernel's owner match works where a packet has a local socket */
                unsigned ok = 1u << hook_index("OUTPUT") | 1u << hook_index("POSTROUTING");
                if (from & ~ok) {
                        char path[PATHLEN];
                        int bad = 0;
                        while (!(from & ~ok & (1u << bad)))
                                bad++;
                        path_index(path, "rules", r->index);
                        ret = perr(ps, path, "uid_owner/gid_owner only work in OUTPUT (chain \"%s\" is reached from %s)",
                                   r->chain, oih_table_builtins[OIH_TBL_MANGLE][bad]);
                }
        }
out:
        free(reach);
        free(adj);
        return ret;
}

static int check_references(struct parser *ps)
{
        struct oih_policy *p = ps->p;
        int ret = 0;
        for (unsigned i = 0; i < p->nrules; i++) {
                struct oih_rule *r = &p->rules[i];
                if (ps->rule_bad && ps->rule_bad[i])
                        continue;
                char path[PATHLEN];
                path_index(path, "rules", r->index);
                /* A rule in a chain that exists in one family only is built for that family. */
                int ci = chain_index_t(p, r->chain, r->table);
                if (ci >= 0 && (r->families & ~p->chains[ci].families) &&
                    (r->families & p->chains[ci].families)) {
                        unsigned keep = p->chains[ci].families;
                        if (addr_families(r->src, r->nsrc) & ~keep || addr_families(r->dst, r->ndst) & ~keep) {
                                ret = perr(ps, path, "chain \"%s\" exists for %s only, but the rule has %s addresses",
                                           r->chain, keep & OIH_FAMBIT(OIH_IPV4) ? "ipv4" : "ipv6",
                                           keep & OIH_FAMBIT(OIH_IPV4) ? "IPv6" : "IPv4");
                                continue;
                        }
                        r->families &= keep;
                }
                /* A reject type of one family only, in a rule left without that family. */
                for (int f = 0; f < OIH_NFAMILIES; f++)
                        if (r->target == OIH_T_REJECT && r->reject_with[f] >= 0 && r->reject_with[1 - f] < 0 &&
                            !(r->families & OIH_FAMBIT(f)))
                                ret = perr(ps, path, "reject_with \"%s\" is for %s only, but chain \"%s\" exists for %s only",
                                           oih_reject_names[f][r->reject_with[f]].name, f ? "IPv6" : "IPv4", r->chain,
                                           f ? "ipv4" : "ipv6");
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        if (!(r->families & OIH_FAMBIT(f)))
                                continue;
                        if (!chain_in_family_t(p, r->chain, r->table, (enum oih_family)f)) {
                                if (r->table != OIH_TBL_FILTER && chain_index_t(p, r->chain, r->table) < 0)
                                        ret = perr(ps, path, "chain \"%s\" is not a chain of table %s", r->chain,
                                                   oih_table_names[r->table]);
                                else
                                        ret = perr(ps, path, "chain \"%s\" is not declared in \"chains\"%s", r->chain,
                                                   chain_index_t(p, r->chain, r->table) >= 0 ? (f ? " for ipv6" : " for ipv4") : "");
                                break;
                        }
                        if ((r->target == OIH_T_JUMP || r->target == OIH_T_GOTO) &&
                            !chain_in_family_t(p, r->jump, r->table, (enum oih_family)f)) {
                                ret = perr(ps, path, "%s \"%s\": no such chain%s", r->target == OIH_T_GOTO ? "goto" : "target",
                                           r->jump, chain_index_t(p, r->jump, r->table) >= 0 ? (f ? " for ipv6" : " for ipv4") : "");
                                break;
                        }
                }
                if ((r->target == OIH_T_JUMP || r->target == OIH_T_GOTO) && hook_index(r->jump) >= 0)
                        ret = perr(ps, path, "cannot jump to the built-in chain %s", r->jump);
        }
        /* the graph needs every rule's chains resolved */
        bool all_good = ret == 0;
        for (unsigned i = 0; all_good && i < p->nrules; i++)
                all_good = !(ps->rule_bad && ps->rule_bad[i]);
        if (all_good)
                ret = check_graph(ps);
        return ret;
}

struct count_ctx {
        unsigned n;
};

static int count_entry(const struct oih_entry *e, void *ctx)
{
        (void)e;
        struct count_ctx *c = ctx;
        return ++c->n > OIH_MAX_ENTRIES ? -1 : 0;
}

/* ---- top level ---- */

/* Capabilities the hook refuses unless the policy accepts them: each one is a way around the
 * policy (docs/security.md), so each must be named; a name the hook does not refuse is an
 * error rather than a silent no-op. */
static int parse_allow_caps(struct parser *ps, const struct jr_value *o)
{
        if (expect_type(ps, "allow_capabilities", o, JR_ARRAY, "an array of capability names") < 0)
                return -1;
        int ret = 0;
        for (uint32_t i = 0; i < o->len; i++) {
                char path[PATHLEN];
                const char *name;
                path_index(path, "allow_capabilities", i);
                if (get_string(ps, path, &o->items[i], 64, &name) < 0) {
                        ret = -1;
                        continue;
                }
                int k = oih_cap_lookup(name);
                if (k < 0) {
                        char known[256] = "";
                        for (int j = 0; j < OIH_NCAPS; j++)
                                snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
                                         j ? ", " : "", oih_cap_name((enum oih_cap)j));
                        ret = perr(ps, path, "\"%s\" is not a capability the hook refuses (%s)", name, known);
                } else if (ps->p->allow_caps & OIH_CAPBIT(k)) {
                        ret = perr(ps, path, "%s is listed twice", oih_cap_name((enum oih_cap)k));
                } else {
                        ps->p->allow_caps |= OIH_CAPBIT(k);
                }
        }
        return ret;
}

static int parse_top(struct parser *ps, const struct jr_value *root)
{
        struct oih_policy *p = ps->p;
        if (expect_type(ps, "(top level)", root, JR_OBJECT, "a policy object") < 0)
                return -1;
        const struct jr_value *version = NULL, *rules = NULL, *chains = NULL, *policy = NULL, *tables = NULL;
        bool grace_set = false;
        int ret = 0;
        for (uint32_t i_key = 0; i_key < root->len; i_key++) {
                const char *key = root->members[i_key].key;
                const struct jr_value *val = &root->members[i_key].value;
                if (strcmp(key, "version") == 0)
                        version = val;
                else if (strcmp(key, "rules") == 0)
                        rules = val;
                else if (strcmp(key, "chains") == 0)
                        chains = val;
                else if (strcmp(key, "policy") == 0)
                        policy = val;
                else if (strcmp(key, "tables") == 0)
                        tables = val;
                else if (strcmp(key, "allow_capabilities") == 0) {
                        if (parse_allow_caps(ps, val) < 0)
                                ret = -1;
                } else if (strcmp(key, "name_grace") == 0) {
                        unsigned long g;
                        if (get_uint(ps, "name_grace", val, OIH_GRACE_MAX, "seconds", &g) < 0)
                                ret = -1;
                        else
                                p->name_grace = (unsigned)g;
                        grace_set = true;
                } else if (strcmp(key, "description") == 0) {
                        if (expect_type(ps, "description", val, JR_STRING, "a string") < 0)
                                ret = -1;
                } else
                        ret = perr(ps, "(top level)", "unknown key \"%.40s\" (expected version, description, policy, chains, rules, allow_capabilities, name_grace%s)",
                           key, p->version >= 2 ? ", tables" : "");
        }
        /* A missing version is one more mistake in a version-1 file; the rest is still worth
         * checking. A different version is another format: its other errors would be guesses. */
        if (version == NULL)
                ret = perr(ps, "version", "missing: this file must say \"version\": 1 (or 2)");
        else if (!jr_is(version, JR_INT) || version->i < 1 || version->i > 2)
                return jr_is(version, JR_INT)
                               ? perr(ps, "version", "unsupported version %lld (this program reads versions 1 and 2)", (long long)version->i)
                               : perr(ps, "version", "expected the number 1 or 2, got %s", type_name(version));
        p->version = version ? (unsigned)version->i : 1;
        if (tables && p->version < 2)
                ret = perr(ps, "(top level)", "unknown key \"tables\" (new in version 2)");
        else if (tables && parse_tables(ps, tables, policy, chains) < 0)
                ret = -1;
        if (policy && parse_policy(ps, policy, OIH_TBL_FILTER, "policy") < 0)
                ret = -1;
        if (chains && parse_chains(ps, chains, OIH_TBL_FILTER, "chains") < 0) {
                ps->chains_bad = true;
                ret = -1;
        }
        if (rules) {
                if (expect_type(ps, "rules", rules, JR_ARRAY, "an array of rules") < 0)
                        return -1;
                size_t n = rules->len;
                if (n > OIH_MAX_RULES)
                        return perr(ps, "rules", "%zu rules, more than the limit of %u", n, OIH_MAX_RULES);
                p->rules = calloc(n ? n : 1, sizeof(*p->rules));
                ps->rule_bad = calloc(n ? n : 1, 1);
                if (p->rules == NULL || ps->rule_bad == NULL)
                        return perr(ps, "rules", "out of memory");
                for (size_t i = 0; i < n; i++) {
                        p->nrules++;
                        if (parse_rule(ps, (unsigned)i, &rules->items[i], &p->rules[i]) < 0) {
                                ps->rule_bad[i] = 1;
                                ret = -1;
                        }
                }
        }
        /* Independent errors are all reported at once: the references of the rules that are
         * right on their own are checked even when other rules are wrong. */
        if (!ps->chains_bad && check_references(ps) < 0)
                ret = -1;
        if (!grace_set)
                p->name_grace = OIH_GRACE_DEFAULT;
        if (ret < 0)
                return -1;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                struct count_ctx cc = { 0 };
                if (oih_policy_foreach_entry(p, (enum oih_family)f, count_entry, &cc) < 0)
                        return perr(ps, "rules", "the address lists expand to more than %u %s rules",
                                    OIH_MAX_ENTRIES, f ? "IPv6" : "IPv4");
        }
        return 0;
}

static void offset_to_line(const char *buf, size_t off, unsigned *line, unsigned *col)
{
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off; i++) {
                if (buf[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else {
                        (*col)++;
                }
        }
}

int oih_policy_parse(const char *name, const char *buf, size_t len, struct oih_policy **ret,
                     struct oih_error *err)
{
        if (len > OIH_MAX_FILE_SIZE) {
                oih_err(err, "%s: file of %zu bytes is larger than the limit of %u", name, len, OIH_MAX_FILE_SIZE);
                return -1;
        }
        if (memchr(buf, '\0', len) != NULL) {
                oih_err(err, "%s: not a JSON text (it contains a NUL byte)", name);
                return -1;
        }
        char why[160];
        size_t at;
        struct jr_doc *doc = jr_parse(buf, len, OIH_MAX_DEPTH, &at, why, sizeof(why));
        if (doc == NULL) {
                unsigned line, col;
                offset_to_line(buf, at, &line, &col);
                /* duplicate keys are valid JSON, but not a valid policy */
                return oih_err(err, "%s:%u:%u: invalid %s: %s", name, line, col,
                               strncmp(why, "duplicate key", 13) == 0 ? "policy" : "JSON", why);
        }
        const struct jr_value *root = jr_root(doc);

        struct oih_policy *p = calloc(1, sizeof(*p));
        if (p == NULL || (p->name = strdup(name)) == NULL) {
                free(p);
                jr_free(doc);
                return oih_err(err, "%s: out of memory", name);
        }
        int n0 = err->n;
        struct parser ps = { .err = err, .p = p };
        int r = parse_top(&ps, root);
        free(ps.rule_bad);
        jr_free(doc);
        if (r < 0) {
                /* Name the file in every message this parse added. */
                for (int i = n0; i < err->n; i++) {
                        char tmp[OIH_ERR_LEN];
                        snprintf(tmp, sizeof(tmp), "%s: %s", name, err->msg[i]);
                        memcpy(err->msg[i], tmp, sizeof(tmp));
                }
                oih_policy_free(p);
                return -1;
        }
        *ret = p;
        return 0;
}

int oih_policy_load_fd(int fd, const char *name, struct oih_policy **ret, struct oih_error *err)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return oih_err_errno(err, errno, "%s: cannot stat", name);
        if (!S_ISREG(st.st_mode))
                return oih_err(err, "%s: not a regular file", name);
        if ((uint64_t)st.st_size > OIH_MAX_FILE_SIZE)
                return oih_err(err, "%s: file of %lld bytes is larger than the limit of %u", name,
                               (long long)st.st_size, OIH_MAX_FILE_SIZE);
        char *buf;
        size_t len;
        /* bounded again while reading: the file may grow after fstat */
        if (oih_read_bounded(fd, OIH_MAX_FILE_SIZE, name, &buf, &len, err) < 0)
                return -1;
        int r = oih_policy_parse(name, buf, len, ret, err);
        free(buf);
        return r;
}

int oih_policy_load(const char *path, struct oih_policy **ret, struct oih_error *err)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                if (e == ELOOP)
                        return oih_err(err, "%s: is a symbolic link; give the file itself", path);
                return oih_err_errno(err, e, "%s: cannot open", path);
        }
        int r = oih_policy_load_fd(fd, path, ret, err);
        close(fd);
        return r;
}

void oih_policy_free(struct oih_policy *p)
{
        if (p == NULL)
                return;
        for (unsigned i = 0; i < p->nrules; i++) {
                free(p->rules[i].src);
                free(p->rules[i].dst);
                free(p->rules[i].comment);
                free(p->rules[i].tcpflags_mask);
                free(p->rules[i].tcpflags_cmp);
                free(p->rules[i].ctstate);
                free(p->rules[i].state);
                free(p->rules[i].xmatch);
                free(p->rules[i].xtarget_opts);
        }
        free(p->rules);
        for (unsigned i = 0; i < p->nnames; i++)
                free(p->names[i]);
        free(p->names);
        free(p->chains);
        free(p->name);
        free(p);
}

int oih_policy_foreach_entry(const struct oih_policy *p, enum oih_family family, oih_entry_fn fn,
                             void *ctx)
{
        unsigned bit = OIH_FAMBIT(family);
        for (unsigned i = 0; i < p->nrules; i++) {
                const struct oih_rule *r = &p->rules[i];
                if (!(r->families & bit))
                        continue;
                unsigned ns = r->nsrc ? r->nsrc : 1, nd = r->ndst ? r->ndst : 1;
                for (unsigned s = 0; s < ns; s++) {
                        const struct oih_addr *src = r->nsrc ? &r->src[s] : NULL;
                        /* "not A" holds for every packet of the other family (resolve_families) */
                        if (src && src->family != family) {
                                if (!r->src_inv)
                                        continue;
                                src = NULL;
                        }
                        for (unsigned d = 0; d < nd; d++) {
                                const struct oih_addr *dst = r->ndst ? &r->dst[d] : NULL;
                                if (dst && dst->family != family) {
                                        if (!r->dst_inv)
                                                continue;
                                        dst = NULL;
                                }
                                struct oih_entry e = { r, src, dst };
                                int k = fn(&e, ctx);
                                if (k < 0)
                                        return k;
                        }
                }
        }
        return 0;
}

static int count_one(const struct oih_entry *e, void *ctx)
{
        (void)e;
        (*(unsigned *)ctx)++;
        return 0;
}

unsigned oih_policy_count(const struct oih_policy *p, enum oih_family family)
{
        unsigned n = 0;
        oih_policy_foreach_entry(p, family, count_one, &n);
        return n;
}
