/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libxtables core (xt.h), used inside a worker process only. The rule-spec grammar is
 * the one iptables-legacy's do_parse accepts (iptables/xshared.c, 1.8.9), written anew for
 * one family per process; the printer is the one iptables-legacy-save uses. */
#define _GNU_SOURCE
#include "config.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <netdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xtables.h>

#include "oih.h"
#include "xt.h"

#ifndef OIH_XTLIBDIR
#error "configure defines OIH_XTLIBDIR (pkg-config --variable=xtlibdir xtables)"
#endif

/* libxtables gives each merged extension 256 getopt ids; its header hides the constant
 * (XTABLES_INTERNAL, P12). */
#define OPT_SCALE 256
#ifdef XT_OPTION_OFFSET_SCALE
_Static_assert(XT_OPTION_OFFSET_SCALE == OPT_SCALE, "libxtables changed its option id range");
#endif
#define MAX_WORDS 4096
#define MAX_ENTRIES 4096

/* Both entry layouts differ only in offsets and flag bits: one code path reads them through
 * this table, as libiptc does. The invert bits are the same in both families. */
_Static_assert(IPT_INV_SRCIP == IP6T_INV_SRCIP && IPT_INV_DSTIP == IP6T_INV_DSTIP
                       && IPT_INV_VIA_IN == IP6T_INV_VIA_IN && IPT_INV_VIA_OUT == IP6T_INV_VIA_OUT
                       && XT_INV_PROTO == IP6T_INV_PROTO,
               "invert flags differ between families");
struct fam {
        const char *name, *prog;
        uint8_t nfproto;
        int af;
        size_t hdr, alen;
        size_t src, dst, smsk, dmsk, ifin, ifout, ifinm, ifoutm, proto, flags, invflags, toff, noff;
        uint8_t f_frag, f_goto, f_proto;
        const char *any;
        void (*addrs)(const char *spec, void **addr, void **mask, unsigned *n);
};

/* One address as inet_pton reads it, with an optional prefix length in plain decimal
 * ("192.0.2.1", "198.51.100.0/24", "2001:db8::/32"): what xtables_ipparse_multiple makes of
 * it (the address masked), without its strtoul per octet and its copies, about 4 K
 * instructions an address. Lists, dotted masks, "10.1", octal and everything else are left
 * to libxtables. */
static bool one_address(const char *spec, int af, size_t alen, void **addr, void **mask)
{
        char buf[INET6_ADDRSTRLEN + 1];
        unsigned char a[16], m[16];
        const char *slash = strrchr(spec, '/');
        size_t n = slash != NULL ? (size_t)(slash - spec) : strlen(spec);
        unsigned bits = (unsigned)alen * 8;
        if (n >= sizeof(buf) || memchr(spec, ',', n) != NULL)
                return false;
        if (slash != NULL) {
                const char *d = slash + 1;
                unsigned v = 0, k = 0;
                for (; k < 3 && d[k] >= '0' && d[k] <= '9'; k++)
                        v = v * 10 + (unsigned)(d[k] - '0');
                /* a leading zero is octal to libxtables */
                if (k == 0 || d[k] != '\0' || (k > 1 && d[0] == '0') || v > bits)
                        return false;
                bits = v;
        }
        memcpy(buf, spec, n);
        buf[n] = '\0';
        if (inet_pton(af, buf, a) != 1)
                return false;
        for (unsigned i = 0; i < alen; i++) {
                unsigned b = bits > i * 8 ? bits - i * 8 : 0;
                m[i] = (unsigned char)(b == 0 ? 0 : b >= 8 ? 0xff : 0xff << (8 - b));
                a[i] &= m[i];
        }
        *addr = xtables_malloc(alen);
        *mask = xtables_malloc(alen);
        memcpy(*addr, a, alen);
        memcpy(*mask, m, alen);
        return true;
}

static void addrs4(const char *spec, void **addr, void **mask, unsigned *n)
{
        struct in_addr *a = NULL, *m = NULL;
        xtables_ipparse_multiple(spec, &a, &m, n);
        *addr = a;
        *mask = m;
}

static void addrs6(const char *spec, void **addr, void **mask, unsigned *n)
{
        struct in6_addr *a = NULL, *m = NULL;
        xtables_ip6parse_multiple(spec, &a, &m, n);
        *addr = a;
        *mask = m;
}

#define E4(f) offsetof(struct ipt_entry, f)
#define E6(f) offsetof(struct ip6t_entry, f)
static const struct fam fams[OIH_NFAMILIES] = {
        [OIH_IPV4] = {"IPv4", "iptables", NFPROTO_IPV4, AF_INET, sizeof(struct ipt_entry), 4,
                      E4(ip.src), E4(ip.dst), E4(ip.smsk), E4(ip.dmsk), E4(ip.iniface), E4(ip.outiface),
                      E4(ip.iniface_mask), E4(ip.outiface_mask), E4(ip.proto), E4(ip.flags), E4(ip.invflags),
                      E4(target_offset), E4(next_offset), IPT_F_FRAG, IPT_F_GOTO, 0, "0.0.0.0/0", addrs4},
        [OIH_IPV6] = {"IPv6", "ip6tables", NFPROTO_IPV6, AF_INET6, sizeof(struct ip6t_entry), 16,
                      E6(ipv6.src), E6(ipv6.dst), E6(ipv6.smsk), E6(ipv6.dmsk), E6(ipv6.iniface),
                      E6(ipv6.outiface), E6(ipv6.iniface_mask), E6(ipv6.outiface_mask), E6(ipv6.proto),
                      E6(ipv6.flags), E6(ipv6.invflags), E6(target_offset), E6(next_offset), 0, IP6T_F_GOTO,
                      IP6T_F_PROTO, "::/0", addrs6},
};

static const struct fam *fam; /* the worker's family; NULL before oih_xt_init */

/* SPEC's addresses and masks (*N of them): one plain address ourselves, anything else as
 * libxtables reads it. */
static void addresses(const char *spec, void **addr, void **mask, unsigned *n)
{
        *n = 1;
        if (!one_address(spec, fam->af, fam->alen, addr, mask))
                fam->addrs(spec, addr, mask, n);
}
static enum oih_xt_probe probe;

/* ---- port words: libxtables reads every UDP, SCTP, DCCP and UDP-Lite port, number or not, with
 * getaddrinfo(NULL, WORD, NULL) (xtables_getportbyname). For a number glibc answers that
 * number, after asking the kernel for the host's addresses over netlink and sorting its
 * loopback answers with a connect() each: about ten system calls a port. Inside the worker a
 * plain decimal number up to 65535 (at most five digits, as glibc's strtoul reads it) is
 * answered here with the same port; every other call goes to the C library. ---- */

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
typedef void (*fai_fn)(struct addrinfo *);
static struct sockaddr_in port_sin;
static struct addrinfo port_ai = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM, .ai_protocol = IPPROTO_UDP,
                                  .ai_addrlen = sizeof(port_sin), .ai_addr = (struct sockaddr *)&port_sin};
static bool port_ai_lent;

static long decimal_port(const char *s)
{
        long v = 0;
        size_t n = 0;
        for (; s[n] >= '0' && s[n] <= '9'; n++) {
                if (n == 5)
                        return -1;
                v = v * 10 + (s[n] - '0');
        }
        return n == 0 || s[n] != '\0' || v > 65535 ? -1 : v;
}

int getaddrinfo(const char *restrict node, const char *restrict service, const struct addrinfo *restrict hints,
                struct addrinfo **restrict res)
{
        static gai_fn next;
        long port;
        if (fam != NULL && node == NULL && hints == NULL && service != NULL && !port_ai_lent &&
            (port = decimal_port(service)) >= 0) {
                port_sin = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
                port_ai_lent = true;
                *res = &port_ai;
                return 0;
        }
        if (next == NULL && (next = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo")) == NULL) {
                errno = ENOSYS; /* EAI_SYSTEM: the caller reads errno */
                return EAI_SYSTEM;
        }
        return next(node, service, hints, res);
}

void freeaddrinfo(struct addrinfo *ai)
{
        static fai_fn next;
        if (ai == &port_ai) {
                port_ai_lent = false;
                return;
        }
        if (next == NULL && (next = (fai_fn)dlsym(RTLD_NEXT, "freeaddrinfo")) == NULL)
                return;
        next(ai);
}


/* ---- errors: libxtables' exit_err longjmps back to the guard of the current call (P2) ---- */

static jmp_buf guard;
static bool armed;
static char xt_msg[OIH_ERR_LEN];

static void __attribute__((noreturn, format(printf, 2, 3))) exit_err(enum xtables_exittype status,
                                                                       const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(xt_msg, sizeof(xt_msg), fmt, ap);
        va_end(ap);
        /* Messages come with newlines for a terminal ("\nThe \"nat\" table ..."): one line. */
        char *w = xt_msg;
        for (const char *r = xt_msg; *r; r++) {
                char ch = *r == '\n' || *r == '\t' ? ' ' : *r;
                if (ch != ' ' || (w > xt_msg && w[-1] != ' '))
                        *w++ = ch;
        }
        while (w > xt_msg && w[-1] == ' ')
                w--;
        *w = '\0';
        if (armed)
                longjmp(guard, 1);
        /* Outside a guard only the worker can die; the parent reports this line. */
        fprintf(stderr, "%s\n", xt_msg);
        fflush(stderr);
        _exit(status > 0 ? (int)status : 1);
}

/* Our own revision probe (P7): no modprobe, no exit, no warning. */
static int compat_rev(const char *name, uint8_t rev, int opt)
{
        if (probe == OIH_XT_ASSUME)
                return 1;
        int fd = socket(fam->af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (fd < 0)
                return 1; /* not allowed to ask (EPERM): assume, as iptables does */
        struct xt_get_revision r;
        memset(&r, 0, sizeof(r));
        snprintf(r.name, sizeof(r.name), "%s", name);
        r.revision = rev;
        socklen_t len = sizeof(r);
        int k = getsockopt(fd, fam->af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6, opt, &r, &len);
        int e = errno;
        close(fd);
        if (k >= 0)
                return 1;
        if (e == ENOENT || e == EPROTONOSUPPORT || e == ENOPROTOOPT)
                return rev == 0;
        return 1; /* EPERM without CAP_NET_ADMIN: cannot tell, assume as above */
}

/* The base options iptables knows; the ones this program has no use for are still listed so
 * that they are refused by name instead of reaching an extension. */
static struct option base_opts[] = {
        {"append", 1, NULL, 'A'},        {"delete", 1, NULL, 'D'},        {"check", 1, NULL, 'C'},
        {"insert", 1, NULL, 'I'},        {"replace", 1, NULL, 'R'},       {"list", 2, NULL, 'L'},
        {"list-rules", 2, NULL, 'S'},    {"flush", 2, NULL, 'F'},         {"zero", 2, NULL, 'Z'},
        {"new-chain", 1, NULL, 'N'},     {"delete-chain", 2, NULL, 'X'},  {"rename-chain", 1, NULL, 'E'},
        {"policy", 1, NULL, 'P'},        {"source", 1, NULL, 's'},        {"destination", 1, NULL, 'd'},
        {"src", 1, NULL, 's'},           {"dst", 1, NULL, 'd'},           {"protocol", 1, NULL, 'p'},
        {"in-interface", 1, NULL, 'i'},  {"jump", 1, NULL, 'j'},          {"table", 1, NULL, 't'},
        {"match", 1, NULL, 'm'},         {"numeric", 0, NULL, 'n'},       {"out-interface", 1, NULL, 'o'},
        {"verbose", 0, NULL, 'v'},       {"wait", 2, NULL, 'w'},          {"wait-interval", 2, NULL, 'W'},
        {"exact", 0, NULL, 'x'},         {"fragments", 0, NULL, 'f'},     {"version", 0, NULL, 'V'},
        {"help", 2, NULL, 'h'},          {"line-numbers", 0, NULL, '0'},  {"modprobe", 1, NULL, 'M'},
        {"set-counters", 1, NULL, 'c'},  {"goto", 1, NULL, 'g'},          {"ipv4", 0, NULL, '4'},
        {"ipv6", 0, NULL, '6'},          {NULL, 0, NULL, 0},
};
static const char optstring[] = "-:A:C:D:E:F::I:L::M:N:P:VX::Z::c:d:i:j:o:p:s:t:R:S::W::46fg:h::m:nvw::x";

static struct xtables_globals globals = {
        .program_version = PACKAGE_VERSION,
        .orig_opts = base_opts,
        .exit_err = exit_err,
        .compat_rev = compat_rev,
};

int oih_xt_init(enum oih_family family, enum oih_xt_probe p, struct oih_error *err)
{
        if (fam != NULL) {
                if (fam != &fams[family])
                        return oih_err(err, "libxtables is set up for %s in this process; one family "
                                            "per process", fam->name);
                probe = p;
                return 0;
        }
        /* Extensions are code: only the compiled directory, never one the environment names (P8). */
        unsetenv("XTABLES_LIBDIR");
        unsetenv("IPTABLES_LIB_DIR");
        unsetenv("IP6TABLES_LIB_DIR");
        if (oih_xt_libdir_trusted(OIH_XTLIBDIR, err) < 0)
                return -1;
        probe = p;
        globals.program_name = fams[family].prog;
        if (setjmp(guard)) {
                armed = false;
                return oih_err(err, "cannot initialise libxtables: %s", xt_msg);
        }
        armed = true;
        int r = xtables_init_all(&globals, fams[family].nfproto);
        armed = false;
        if (r < 0)
                return oih_err(err, "cannot initialise libxtables for %s", fams[family].name);
        fam = &fams[family];
        return 0;
}

/* ---- the state of one parse; reset() makes it new after success and after a longjmp (P3) ---- */

enum { O_S, O_D, O_P, O_J, O_I, O_O, O_F, O_N };
static const char opt_chars[O_N] = {'s', 'd', 'p', 'j', 'i', 'o', 'f'};
static const uint8_t opt_inv[O_N] = {IPT_INV_SRCIP, IPT_INV_DSTIP, XT_INV_PROTO, 0, IPT_INV_VIA_IN,
                                     IPT_INV_VIA_OUT, IPT_INV_FRAG};

static struct {
        struct xtables_rule_match *matches;
        struct xtables_target *target;
        char **argv; /* argv[0] is the program name, then copies of the caller's words */
        char *words; /* where the copies are */
        int argc;
        int *owner;  /* the caller's array, indexed by the caller's word (argv index - 1) */
        int cur;     /* the caller's word being parsed */
        union {
                struct ipt_entry e4;
                struct ip6t_entry e6;
        } fw;
        unsigned options;
        uint8_t flags, invflags;
        const char *protocol, *jumpto, *shost, *dhost;
        bool proto_used, goto_set, table_set;
        int sword, dword;
        void *sa, *sm, *da, *dm;
        unsigned ns, nd;
} cs;

/* The result being filled by oih_xt_parse (for its option and match lists). */
static struct oih_xt_rule *cur;

static void *grow_array(void *p, unsigned n, size_t size)
{
        if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
                return p;
        void *q = realloc(p, (n < 8 ? 8 : (size_t)n * 2) * size);
        if (q == NULL)
                xtables_error(OTHER_PROBLEM, "out of memory");
        return q;
}

/* snprintf(DST, SIZE, "%s", S) without the cost of a format: it runs a few times a rule. */
static void set_str(char *dst, size_t size, const char *s)
{
        size_t n = strnlen(s, size - 1);
        memcpy(dst, s, n);
        dst[n] = '\0';
}

static void add_mname(const char *name)
{
        cur->matches = grow_array(cur->matches, cur->nmatches, sizeof(*cur->matches));
        struct oih_xt_mname *m = &cur->matches[cur->nmatches++];
        set_str(m->name, sizeof(m->name), name);
}

static void add_opt(int owner, int word, int nwords, bool invert, char letter, const char *name)
{
        cur->opts = grow_array(cur->opts, cur->nopts, sizeof(*cur->opts));
        struct oih_xt_opt *o = &cur->opts[cur->nopts++];
        memset(o, 0, sizeof(*o));
        o->owner = owner;
        o->word = word;
        o->nwords = nwords;
        o->invert = invert;
        o->letter = letter;
        set_str(o->name, sizeof(o->name), name != NULL ? name : "");
}

static void reset(void)
{
        xtables_rule_matches_free(&cs.matches);
        if (cs.target != NULL) {
                free(cs.target->t);
                cs.target->t = NULL;
                free(cs.target->udata);
                cs.target->udata = NULL;
                if (cs.target == cs.target->next)
                        free(cs.target);
        }
        free(cs.argv);
        free(cs.words);
        free(cs.sa);
        free(cs.sm);
        free(cs.da);
        free(cs.dm);
        memset(&cs, 0, sizeof(cs));
        /* P4: opts is NULL or ours on the heap, never the static base table. */
        xtables_free_opts(1);
        xt_params->opts = NULL;
        xt_params->option_offset = 0;
        for (struct xtables_match *m = xtables_matches; m != NULL; m = m->next)
                m->mflags = 0;
        for (struct xtables_target *t = xtables_targets; t != NULL; t = t->next) {
                t->tflags = 0;
                t->used = 0;
        }
        optind = 0;
        opterr = 0;
}

static unsigned char *field(size_t off) { return (unsigned char *)&cs.fw + off; }
static const unsigned char *efield(const void *e, size_t off) { return (const unsigned char *)e + off; }
static uint16_t get16(const void *e, size_t off)
{
        uint16_t v;
        memcpy(&v, efield(e, off), sizeof(v));
        return v;
}

static void set_option(int o, bool invert)
{
        if (cs.options & (1u << o))
                xtables_error(PARAMETER_PROBLEM, "multiple -%c flags not allowed", opt_chars[o]);
        cs.options |= 1u << o;
        if (invert) {
                if (opt_inv[o] == 0)
                        xtables_error(PARAMETER_PROBLEM, "cannot have ! before -%c", opt_chars[o]);
                cs.invflags |= opt_inv[o];
        }
}

static bool is_chain(const struct oih_xt_in *in, const char *name)
{
        for (const char *const *c = in->chains; c != NULL && *c != NULL; c++)
                if (strcmp(*c, name) == 0)
                        return true;
        return false;
}

/* P10: a value that is not a numeric address would be looked up in DNS by libxtables. */
static void numeric_only(const char *what, const char *value, bool strip_mask)
{
        char buf[INET6_ADDRSTRLEN + 1];
        size_t n = strip_mask ? strcspn(value, "/") : strlen(value);
        struct addrinfo hints = {.ai_family = fam->af, .ai_flags = AI_NUMERICHOST}, *res = NULL;
        unsigned char bin[sizeof(struct in6_addr)];
        if (n < sizeof(buf)) {
                memcpy(buf, value, n);
                buf[n] = '\0';
                /* the usual spelling, cheaply; getaddrinfo for the others (10.1, scopes) */
                if (inet_pton(fam->af, buf, bin) == 1)
                        return;
                if (getaddrinfo(buf, NULL, &hints, &res) == 0) {
                        freeaddrinfo(res);
                        return;
                }
        }
        xtables_error(PARAMETER_PROBLEM, "%s: \"%s\" is not a numeric %s address (host names are not resolved)",
                      what, value, fam->name);
}

static void numeric_list(const char *what, const char *list)
{
        for (const char *a = list;; a++) {
                size_t n = strcspn(a, ",");
                char word[INET6_ADDRSTRLEN + 8];
                if (n >= sizeof(word))
                        n = sizeof(word) - 1; /* too long for an address: refused below */
                memcpy(word, a, n);
                word[n] = '\0';
                numeric_only(what, word, true);
                a += strcspn(a, ",");
                if (*a == '\0')
                        break;
        }
}

static void numeric_option(const struct xt_option_entry *opts, unsigned id, const char *what)
{
        for (const struct xt_option_entry *o = opts; o != NULL && o->name != NULL; o++)
                if (o->id == id && (o->type == XTTYPE_HOST || o->type == XTTYPE_HOSTMASK) && optarg != NULL)
                        numeric_only(what, optarg, o->type == XTTYPE_HOSTMASK);
}

static void merge_opts(const struct xt_option_entry *x6, const struct option *old, unsigned *offset)
{
        struct option *o;
        if (x6 != NULL)
                o = xtables_options_xfrm(xt_params->orig_opts, xt_params->opts, x6, offset);
        else if (old != NULL)
                o = xtables_merge_options(xt_params->orig_opts, xt_params->opts, old, offset);
        else
                return;
        if (o == NULL)
                xtables_error(OTHER_PROBLEM, "can't alloc memory!");
        xt_params->opts = o;
}

static void init_match(struct xtables_match *m)
{
        size_t size = XT_ALIGN(sizeof(struct xt_entry_match)) + m->size;
        m->m = xtables_calloc(1, size);
        m->m->u.match_size = size;
        strcpy(m->m->u.user.name, m->real_name != NULL ? m->real_name : m->name);
        m->m->u.user.revision = m->revision;
        if (m->udata_size != 0) {
                free(m->udata);
                m->udata = xtables_calloc(1, m->udata_size);
        }
        if (m->init != NULL)
                m->init(m->m);
}

static void init_target(struct xtables_target *t, const char *name, size_t size)
{
        t->t = xtables_calloc(1, size);
        t->t->u.target_size = size;
        strcpy(t->t->u.user.name, name);
        t->t->u.user.revision = t->revision;
        if (t->udata_size != 0) {
                free(t->udata);
                t->udata = xtables_calloc(1, t->udata_size);
        }
        if (t->init != NULL)
                t->init(t->t);
}

static int nmatches(void)
{
        int n = 0;
        for (struct xtables_rule_match *mp = cs.matches; mp != NULL; mp = mp->next)
                n++;
        return n;
}

static const char *proto_name(unsigned proto)
{
        for (unsigned i = 0; xtables_chain_protos[i].name != NULL; i++)
                if (xtables_chain_protos[i].num == proto)
                        return xtables_chain_protos[i].name;
        struct protoent *pe = proto != 0 ? getprotobynumber((int)proto) : NULL;
        return pe != NULL ? pe->p_name : NULL;
}

/* -p NAME also loads the match NAME when an option nobody else knows shows up. */
static struct xtables_match *load_proto(void)
{
        if (cs.protocol == NULL || cs.proto_used)
                return NULL;
        cs.proto_used = true;
        unsigned num;
        const char *name = cs.protocol;
        if (xtables_strtoui(cs.protocol, NULL, &num, 0, UINT8_MAX))
                name = proto_name(num);
        struct xtables_match *m = name != NULL ? xtables_find_match(name, XTF_TRY_LOAD, &cs.matches) : NULL;
        if (m != NULL)
                add_mname(m->name);
        return m;
}

/* An option that is no base option: the target's, a match's or the implicit protocol
 * match's. Returns its owner; *RERUN when getopt must read the word again. */
static int extension_option(int c, bool invert, bool *rerun)
{
        struct xtables_target *t = cs.target;
        if (t != NULL && (t->parse != NULL || t->x6_parse != NULL) && c >= (int)t->option_offset
            && c < (int)t->option_offset + OPT_SCALE) {
                numeric_option(t->x6_options, c - t->option_offset, t->name);
                xtables_option_tpcall(c, cs.argv, invert, t, &cs.fw);
                return OIH_XT_TARGET;
        }
        int k = 0;
        for (struct xtables_rule_match *mp = cs.matches; mp != NULL; mp = mp->next, k++) {
                struct xtables_match *m = mp->match;
                if (mp->completed || (m->parse == NULL && m->x6_parse == NULL))
                        continue;
                if (c < (int)m->option_offset || c >= (int)m->option_offset + OPT_SCALE)
                        continue;
                numeric_option(m->x6_options, c - m->option_offset, m->name);
                xtables_option_mpcall(c, cs.argv, invert, m, &cs.fw);
                return k;
        }
        struct xtables_match *m = load_proto();
        if (m != NULL) {
                init_match(m);
                merge_opts(m->x6_options, m->extra_opts, &m->option_offset);
                optind--;
                *rerun = true;
                return 0;
        }
        if (c == ':')
                xtables_error(PARAMETER_PROBLEM, "option \"%s\" requires an argument", cs.argv[optind - 1]);
        if (c == '?')
                xtables_error(PARAMETER_PROBLEM, "unknown option \"%s\"", cs.argv[optind - 1]);
        xtables_error(PARAMETER_PROBLEM, "Unknown arg \"%s\"", optarg);
}

static const char *target_name(const char *name)
{
        if (name[0] == '\0')
                xtables_error(PARAMETER_PROBLEM, "Invalid target name (too short)");
        if (strlen(name) >= XT_EXTENSION_MAXNAMELEN)
                xtables_error(PARAMETER_PROBLEM, "Invalid target name `%s' (%u chars max)", name,
                              XT_EXTENSION_MAXNAMELEN - 1);
        for (const char *p = name; *p; p++)
                if (isspace((unsigned char)*p))
                        xtables_error(PARAMETER_PROBLEM, "Invalid target name `%s'", name);
        return name;
}

static void jump(const struct oih_xt_in *in, const char *name)
{
        cs.jumpto = target_name(name);
        if (is_chain(in, name))
                return;
        struct xtables_target *t = xtables_find_target(name, XTF_TRY_LOAD);
        if (t == NULL)
                return;
        cs.target = t;
        init_target(t, t->real_name != NULL ? t->real_name : name,
                    XT_ALIGN(sizeof(struct xt_entry_target)) + t->size);
        merge_opts(t->x6_options, t->extra_opts, &t->option_offset);
}

static int match(bool invert)
{
        if (invert)
                xtables_error(PARAMETER_PROBLEM, "unexpected ! flag before --match");
        int k = nmatches();
        struct xtables_match *m = xtables_find_match(optarg, XTF_LOAD_MUST_SUCCEED, &cs.matches);
        add_mname(m->name);
        init_match(m);
        if (m != m->next) /* a clone shares the options of the first instance */
                merge_opts(m->x6_options, m->extra_opts, &m->option_offset);
        return k;
}

static bool has_arg(void)
{
        return optind < cs.argc && cs.argv[optind][0] != '-' && cs.argv[optind][0] != '!';
}

static unsigned rule_number(const char *s)
{
        unsigned n;
        if (!xtables_strtoui(s, NULL, &n, 1, INT_MAX))
                xtables_error(PARAMETER_PROBLEM, "Invalid rule number `%s'", s);
        return n;
}

static void copy_name(char *dst, size_t size, const char *what, const char *s)
{
        if (strlen(s) >= size)
                xtables_error(PARAMETER_PROBLEM, "%s `%s' too long (must be under %zu chars)", what, s, size);
        strcpy(dst, s);
}

static void command(int c, const struct oih_xt_in *in, struct oih_xt_rule *r, bool invert)
{
        if (!in->commands)
                xtables_error(PARAMETER_PROBLEM, "-%c is a command, not part of a rule", c);
        if (invert)
                xtables_error(PARAMETER_PROBLEM, "unexpected ! flag before -%c", c);
        if (r->command != 0)
                xtables_error(PARAMETER_PROBLEM, "Can't use -%c with -%c", c, r->command);
        r->command = (char)c;
        const char *chain = optarg;
        if (chain == NULL && has_arg()) /* -F -X -Z -L -S: the chain is optional */
                chain = cs.argv[optind++];
        if (chain != NULL)
                copy_name(r->chain, XT_EXTENSION_MAXNAMELEN, "chain name", chain);
        if (c == 'N' && (chain[0] == '-' || chain[0] == '!' || strpbrk(chain, " \t\n\v\f\r") != NULL))
                xtables_error(PARAMETER_PROBLEM, "Invalid chain name `%s'", chain);
        if ((c == 'I' || c == 'D' || c == 'R' || c == 'Z' || c == 'L' || c == 'S') && has_arg())
                r->rulenum = rule_number(cs.argv[optind++]);
        else if (c == 'R')
                xtables_error(PARAMETER_PROBLEM, "-R requires a rule number");
        if (c == 'I' && r->rulenum == 0)
                r->rulenum = 1;
        if (c == 'P' || c == 'E') {
                if (!has_arg())
                        xtables_error(PARAMETER_PROBLEM, c == 'P' ? "-P requires a chain and a policy"
                                                                  : "-E requires old-chain-name and new-chain-name");
                copy_name(r->arg, XT_EXTENSION_MAXNAMELEN, c == 'P' ? "policy" : "chain name",
                          cs.argv[optind++]);
        }
}

/* -c PKTS BYTES or -c PKTS,BYTES, checked as iptables does; the values are not kept. */
static void counters(void)
{
        char *p = optarg, *b = *optarg ? strchr(optarg + 1, ',') : NULL;
        if (b != NULL)
                b++;
        else if (has_arg())
                b = cs.argv[optind++];
        else
                xtables_error(PARAMETER_PROBLEM, "-c requires packet and byte counter");
        unsigned long long n;
        if (sscanf(p, "%llu", &n) != 1)
                xtables_error(PARAMETER_PROBLEM, "-c packet counter not numeric");
        if (sscanf(b, "%llu", &n) != 1)
                xtables_error(PARAMETER_PROBLEM, "-c byte counter not numeric");
}

/* Returns false for a line meant for the other family (-4/-6), which iptables-restore skips. */
static bool parse_words(const struct oih_xt_in *in, struct oih_xt_rule *r)
{
        bool invert = false;
        int bang = -1;
        for (;;) {
                int start = optind > 0 ? optind : 1;
                cs.cur = start - 1;
                const struct option *table = xt_params->opts ?: xt_params->orig_opts;
                int li = -1;
                int c = getopt_long(cs.argc, cs.argv, optstring, table, &li);
                if (c == -1)
                        break;
                /* copied now: merging an extension's options replaces the table */
                char lname[48] = "";
                if (li >= 0 && c >= OPT_SCALE)
                        set_str(lname, sizeof(lname), table[li].name);
                int who = OIH_XT_BASE;
                bool rerun = false;
                switch (c) {
                case 'A': case 'I': case 'D': case 'R': case 'N': case 'X': case 'F': case 'P': case 'E': case 'Z':
                        command(c, in, r, invert);
                        break;
                case 'C': case 'L': case 'S':
                        if (!in->commands)
                                xtables_error(PARAMETER_PROBLEM, "option `%s' is not supported here", cs.argv[start]);
                        command(c, in, r, invert);
                        break;
                case '0':
                        if (!in->commands)
                                xtables_error(PARAMETER_PROBLEM, "option `%s' is not supported here", cs.argv[start]);
                        break;
                case 't':
                        if (!in->commands)
                                xtables_error(PARAMETER_PROBLEM, "-t is a command option, not part of a rule");
                        if (invert || cs.table_set)
                                xtables_error(PARAMETER_PROBLEM, invert ? "unexpected ! flag before --table"
                                                                        : "multiple -t flags not allowed");
                        cs.table_set = true;
                        copy_name(r->table, sizeof(r->table), "table name", optarg);
                        break;
                case 'p': {
                        set_option(O_P, invert);
                        /* 1.8.9 takes the word itself, not optarg: "-ptcp" is refused as there */
                        char *p = cs.argv[optind - 1];
                        for (char *q = p; *q; q++)
                                *q = (char)tolower((unsigned char)*q);
                        cs.protocol = p;
                        uint16_t proto = xtables_parse_protocol(p);
                        if (proto == 0 && (cs.invflags & XT_INV_PROTO))
                                xtables_error(PARAMETER_PROBLEM, "rule would never match protocol");
                        /* extensions (multiport, DNAT...) read the protocol while parsing */
                        memcpy(field(fam->proto), &proto, sizeof(proto));
                        cs.flags |= fam->f_proto;
                        *field(fam->flags) = cs.flags;
                        *field(fam->invflags) = cs.invflags;
                        break;
                }
                case 's':
                case 'd':
                        set_option(c == 's' ? O_S : O_D, invert);
                        numeric_list(c == 's' ? "-s" : "-d", cs.argv[optind - 1]);
                        *(c == 's' ? &cs.shost : &cs.dhost) = cs.argv[optind - 1];
                        *(c == 's' ? &cs.sword : &cs.dword) = start - 1;
                        break;
                case 'i':
                case 'o':
                        if (optarg[0] == '\0')
                                xtables_error(PARAMETER_PROBLEM, "Empty interface is likely to be undesired");
                        set_option(c == 'i' ? O_I : O_O, invert);
                        xtables_parse_interface(cs.argv[optind - 1], (char *)field(c == 'i' ? fam->ifin : fam->ifout),
                                                field(c == 'i' ? fam->ifinm : fam->ifoutm));
                        break;
                case 'f':
                        if (fam->f_frag == 0)
                                xtables_error(PARAMETER_PROBLEM, "`-f' is not supported in IPv6, use -m frag instead");
                        set_option(O_F, invert);
                        cs.flags |= fam->f_frag;
                        break;
                case 'j':
                        set_option(O_J, invert);
                        jump(in, cs.argv[optind - 1]);
                        who = OIH_XT_TARGET;
                        break;
                case 'g':
                        set_option(O_J, invert);
                        cs.goto_set = true;
                        cs.jumpto = target_name(optarg);
                        who = OIH_XT_TARGET;
                        break;
                case 'm':
                        who = match(invert);
                        break;
                case '4':
                case '6':
                        if ((c == '4') != (fam->af == AF_INET)) {
                                r->command = 0;
                                r->rulenum = 0;
                                return false;
                        }
                        break;
                case 'v': case 'n': case 'x':
                        break;
                case 'w':
                case 'W':
                        if (optarg == NULL && has_arg())
                                optind++;
                        break;
                case 1:
                        if (strcmp(optarg, "!") == 0) {
                                if (invert)
                                        xtables_error(PARAMETER_PROBLEM, "multiple consecutive ! not allowed");
                                invert = true;
                                optarg[0] = '\0';
                                bang = start - 1;
                                continue;
                        }
                        xtables_error(PARAMETER_PROBLEM, "Bad argument `%s'", optarg);
                case 'c':
                        if (!in->commands)
                                xtables_error(PARAMETER_PROBLEM, "-c (counters) is not supported");
                        counters();
                        break;
                case 'h': case 'V': case 'M':
                        xtables_error(PARAMETER_PROBLEM, "option `%s' is not supported here", cs.argv[start]);
                default:
                        who = extension_option(c, invert, &rerun);
                        if (rerun)
                                continue;
                }
                for (int w = start; w < optind && w < cs.argc; w++)
                        cs.owner[w - 1] = who;
                if (bang >= 0)
                        cs.owner[bang] = who;
                {
                        int first = bang >= 0 ? bang : start - 1;
                        int last = (optind < cs.argc ? optind : cs.argc) - 1;
                        add_opt(who, first, last - first, invert, c < OPT_SCALE && c > 1 ? (char)c : 0, lname);
                }
                bang = -1;
                invert = false;
        }
        cs.cur = bang;
        if (invert)
                xtables_error(PARAMETER_PROBLEM, "nothing appropriate following !");
        cs.cur = -1;
        return true;
}

static int first_word(int who)
{
        for (int w = 0; w < cs.argc - 1; w++)
                if (cs.owner[w] == who)
                        return w;
        return -1;
}

static void finish(const struct oih_xt_in *in, struct oih_xt_rule *r)
{
        bool rule_cmd = r->command == 0 || strchr("AIDRC", r->command) != NULL;
        cs.cur = first_word(OIH_XT_TARGET);
        if (strcmp(r->table, "nat") == 0
            && (strcmp(cs.jumpto, "DROP") == 0 || (r->command == 'P' && strcmp(r->arg, "DROP") == 0)))
                xtables_error(PARAMETER_PROBLEM, "The \"nat\" table is not intended for filtering, "
                                                 "the use of DROP is therefore inhibited.");
        int k = 0;
        for (struct xtables_rule_match *mp = cs.matches; mp != NULL; mp = mp->next, k++) {
                cs.cur = first_word(k);
                xtables_option_mfcall(mp->match);
        }
        if (cs.target != NULL) {
                cs.cur = first_word(OIH_XT_TARGET);
                xtables_option_tfcall(cs.target);
        }
        cs.cur = -1;
        if (in->commands && r->command == 0)
                xtables_error(PARAMETER_PROBLEM, "no command specified");
        if (!rule_cmd || (r->command == 'D' && r->rulenum != 0)) {
                if (cs.options != 0 || cs.matches != NULL || cs.jumpto[0] != '\0')
                        xtables_error(PARAMETER_PROBLEM, "Illegal option with -%c: it takes no rule", r->command);
                return;
        }
        const char *chain = r->command != 0 ? r->chain : in->chain;
        if (chain != NULL && (strcmp(chain, "PREROUTING") == 0 || strcmp(chain, "INPUT") == 0)
            && (cs.options & (1u << O_O)))
                xtables_error(PARAMETER_PROBLEM, "Can't use -o with %s", chain);
        if (chain != NULL && (strcmp(chain, "POSTROUTING") == 0 || strcmp(chain, "OUTPUT") == 0)
            && (cs.options & (1u << O_I)))
                xtables_error(PARAMETER_PROBLEM, "Can't use -i with %s", chain);

        /* Addresses, as iptables' post_parse: one entry per source x destination. */
        cs.cur = cs.shost != NULL ? cs.sword : -1;
        addresses(cs.shost != NULL ? cs.shost : fam->any, &cs.sa, &cs.sm, &cs.ns);
        cs.cur = cs.dhost != NULL ? cs.dword : -1;
        addresses(cs.dhost != NULL ? cs.dhost : fam->any, &cs.da, &cs.dm, &cs.nd);
        cs.cur = cs.invflags & IPT_INV_SRCIP ? cs.sword : cs.invflags & IPT_INV_DSTIP ? cs.dword : -1;
        if ((cs.ns > 1 || cs.nd > 1) && (cs.invflags & (IPT_INV_SRCIP | IPT_INV_DSTIP)))
                xtables_error(PARAMETER_PROBLEM, "! not allowed with multiple source or destination IP addresses");
        cs.cur = -1;
        if (r->command == 'R' && (cs.ns != 1 || cs.nd != 1))
                xtables_error(PARAMETER_PROBLEM, "Replacement rule does not specify a unique address");
        if ((size_t)cs.ns * cs.nd > MAX_ENTRIES)
                xtables_error(PARAMETER_PROBLEM, "%u source x %u destination addresses: more than %u entries",
                              cs.ns, cs.nd, MAX_ENTRIES);

        /* The target: a chain or verdict is the standard target carrying its label. */
        bool chain_jump = is_chain(in, cs.jumpto);
        if (cs.target == NULL && (cs.jumpto[0] == '\0' || chain_jump)) {
                struct xtables_target *t = xtables_find_target(XT_STANDARD_TARGET, XTF_LOAD_MUST_SUCCEED);
                cs.target = t;
                init_target(t, cs.jumpto, sizeof(struct xt_entry_target) + t->size);
                if (chain_jump)
                        t->t->u.user.revision = 0;
        } else if (cs.target == NULL) {
                cs.cur = first_word(OIH_XT_TARGET);
                if (cs.goto_set)
                        xtables_error(PARAMETER_PROBLEM, "goto '%s' is not a chain", cs.jumpto);
                xtables_find_target(cs.jumpto, XTF_LOAD_MUST_SUCCEED);
                xtables_error(PARAMETER_PROBLEM, "Couldn't load target `%s'", cs.jumpto);
        }

        if (cs.goto_set)
                cs.flags |= fam->f_goto;
        *field(fam->flags) = cs.flags;
        *field(fam->invflags) = cs.invflags;
        size_t msize = 0;
        for (struct xtables_rule_match *mp = cs.matches; mp != NULL; mp = mp->next)
                msize += mp->match->m->u.match_size;
        size_t one = fam->hdr + msize + cs.target->t->u.target_size;
        if (one > UINT16_MAX)
                xtables_error(PARAMETER_PROBLEM, "rule too large (%zu bytes)", one);
        uint16_t toff = (uint16_t)(fam->hdr + msize), noff = (uint16_t)one;
        memcpy(field(fam->toff), &toff, sizeof(toff));
        memcpy(field(fam->noff), &noff, sizeof(noff));
        r->entries = calloc((size_t)cs.ns * cs.nd, one);
        if (r->entries == NULL)
                xtables_error(OTHER_PROBLEM, "out of memory");
        unsigned char *e = r->entries;
        for (unsigned i = 0; i < cs.ns; i++) {
                for (unsigned j = 0; j < cs.nd; j++, e += one) {
                        memcpy(field(fam->src), (char *)cs.sa + i * fam->alen, fam->alen);
                        memcpy(field(fam->smsk), (char *)cs.sm + i * fam->alen, fam->alen);
                        memcpy(field(fam->dst), (char *)cs.da + j * fam->alen, fam->alen);
                        memcpy(field(fam->dmsk), (char *)cs.dm + j * fam->alen, fam->alen);
                        memcpy(e, &cs.fw, fam->hdr);
                        size_t off = fam->hdr;
                        for (struct xtables_rule_match *mp = cs.matches; mp != NULL; mp = mp->next) {
                                memcpy(e + off, mp->match->m, mp->match->m->u.match_size);
                                off += mp->match->m->u.match_size;
                        }
                        memcpy(e + off, cs.target->t, cs.target->t->u.target_size);
                }
        }
        r->nentries = cs.ns * cs.nd;
        r->size = (size_t)r->nentries * one;
}

void oih_xt_rule_free(struct oih_xt_rule *r)
{
        free(r->entries);
        free(r->owner);
        free(r->opts);
        free(r->matches);
        r->entries = NULL;
        r->owner = NULL;
        r->opts = NULL;
        r->matches = NULL;
        r->nopts = r->nmatches = 0;
}

int oih_xt_parse(int argc, char *const *argv, const struct oih_xt_in *in, struct oih_xt_rule *r,
                 struct oih_error *err)
{
        memset(r, 0, sizeof(*r));
        r->err_word = -1;
        if (fam == NULL)
                return oih_err(err, "libxtables is used only inside a worker (oih_xt_run)");
        if (argc < 0 || argc > MAX_WORDS)
                return oih_err(err, "a rule of %d words: at most %d", argc, MAX_WORDS);
        const char *table = in->table != NULL ? in->table : "filter";
        if (strlen(table) >= sizeof(r->table))
                return oih_err(err, "table name `%s' too long", table);
        strcpy(r->table, table);
        reset();
        /* copies: parsing writes into words ("!" becomes "", -p's value is lowercased) */
        size_t len = strlen(fam->prog) + 1;
        for (int i = 0; i < argc; i++)
                len += strlen(argv[i]) + 1;
        r->owner = calloc((size_t)argc + 1, sizeof(int));
        cs.argv = calloc((size_t)argc + 2, sizeof(char *));
        cs.words = malloc(len);
        if (r->owner == NULL || cs.argv == NULL || cs.words == NULL) {
                reset();
                return oih_err_errno(err, ENOMEM, "rule");
        }
        cs.owner = r->owner;
        cur = r;
        char *at = cs.words;
        for (int i = -1; i < argc; i++) {
                const char *w = i < 0 ? fam->prog : argv[i];
                size_t n = strlen(w) + 1;
                cs.argv[cs.argc++] = memcpy(at, w, n);
                at += n;
                if (i >= 0)
                        r->owner[i] = OIH_XT_BASE;
        }
        cs.jumpto = "";
        if (setjmp(guard)) {
                armed = false;
                r->err_word = cs.cur;
                free(r->entries);
                r->entries = NULL;
                reset();
                return oih_err(err, "%s", xt_msg);
        }
        armed = true;
        if (parse_words(in, r))
                finish(in, r);
        armed = false;
        reset();
        return 0;
}

size_t oih_xt_entry_size(const void *e)
{
        return fam != NULL ? get16(e, fam->noff) : 0;
}

/* ---- printing, as iptables-legacy-save: base part, then each extension's ->save ---- */

/* The prefix length of MASK, -1 when it is not contiguous. */
static int prefix_len(const unsigned char *mask, size_t n)
{
        int len = 0;
        size_t i = 0;
        for (; i < n && mask[i] == 0xff; i++)
                len += 8;
        if (i < n) {
                unsigned char b = mask[i++];
                while (b & 0x80) {
                        len++;
                        b = (unsigned char)(b << 1);
                }
                if (b != 0)
                        return -1;
        }
        for (; i < n; i++)
                if (mask[i] != 0)
                        return -1;
        return len;
}

static void save_addr(char letter, const unsigned char *addr, const unsigned char *mask, bool inv)
{
        char a[INET6_ADDRSTRLEN], m[INET6_ADDRSTRLEN];
        int len = prefix_len(mask, fam->alen);
        bool zero = true;
        for (size_t i = 0; i < fam->alen; i++)
                zero = zero && addr[i] == 0;
        if (!inv && len == 0 && (zero || fam->af == AF_INET6))
                return;
        inet_ntop(fam->af, addr, a, sizeof(a));
        /* iptables prints an IPv4 /0 with a dotted mask too (only seen with "!") */
        if (len < 0 || (len == 0 && fam->af == AF_INET))
                printf("%s -%c %s/%s", inv ? " !" : "", letter, a, inet_ntop(fam->af, mask, m, sizeof(m)));
        else
                printf("%s -%c %s/%d", inv ? " !" : "", letter, a, len);
}

static void save_iface(char letter, const char *name, const unsigned char *mask, bool inv)
{
        if (mask[0] == 0)
                return;
        printf("%s -%c ", inv ? " !" : "", letter);
        for (unsigned i = 0; i < IFNAMSIZ; i++) {
                if (mask[i] == 0) {
                        if (name[i - 1] != '\0')
                                putchar('+');
                        break;
                }
                if (name[i] != '\0')
                        putchar(name[i]);
        }
}

static void save_match(const void *e, const struct xt_entry_match *m)
{
        const char *name = m->u.user.name;
        struct xtables_match *match = xtables_find_match(name, XTF_TRY_LOAD, NULL);
        if (match == NULL) {
                if (m->u.match_size != 0)
                        xtables_error(OTHER_PROBLEM, "no extension library for match `%.*s'",
                                      XT_EXTENSION_MAXNAMELEN, name);
                return;
        }
        struct xtables_match *mt = xtables_find_match_revision(name, XTF_TRY_LOAD, match, m->u.user.revision);
        struct xtables_match *shown = mt != NULL ? mt : match;
        printf(" -m %s", shown->alias != NULL ? shown->alias(m) : name);
        if (mt != NULL && mt->save != NULL)
                mt->save(e, m);
        else if (match->save != NULL)
                printf(" [unsupported revision]");
}

static void save_target(const void *e, const char *label)
{
        const struct xt_entry_target *t = (const void *)efield(e, get16(e, fam->toff));
        char jump = (*efield(e, fam->flags) & fam->f_goto) ? 'g' : 'j';
        const char *name = t->u.user.name;
        struct xtables_target *tg = name[0] != '\0' ? xtables_find_target(name, XTF_TRY_LOAD) : NULL;
        if (tg == NULL || strcmp(tg->name, "standard") == 0) {
                /* a verdict or a chain (a name that no library has) */
                const char *l = name[0] != '\0' ? name : label;
                if (l != NULL && l[0] != '\0')
                        printf(" -%c %s", jump, l);
                return;
        }
        struct xtables_target *rev = xtables_find_target_revision(name, XTF_TRY_LOAD, tg, t->u.user.revision);
        struct xtables_target *shown = rev != NULL ? rev : tg;
        printf(" -j %s", shown->alias != NULL ? shown->alias(t) : name);
        if (rev != NULL && rev->save != NULL)
                rev->save(e, t);
        else if (tg->save != NULL)
                printf(" [unsupported revision]");
        else if (t->u.target_size != sizeof(struct xt_entry_target))
                xtables_error(OTHER_PROBLEM, "Target `%s' is missing save function", name);
}

static void print_entry(const void *e, const char *chain, const char *label)
{
        uint8_t inv = *efield(e, fam->invflags), flags = *efield(e, fam->flags);
        printf("-A %s", chain);
        save_addr('s', efield(e, fam->src), efield(e, fam->smsk), inv & IPT_INV_SRCIP);
        save_addr('d', efield(e, fam->dst), efield(e, fam->dmsk), inv & IPT_INV_DSTIP);
        save_iface('i', (const char *)efield(e, fam->ifin), efield(e, fam->ifinm), inv & IPT_INV_VIA_IN);
        save_iface('o', (const char *)efield(e, fam->ifout), efield(e, fam->ifoutm), inv & IPT_INV_VIA_OUT);
        uint16_t proto = get16(e, fam->proto);
        if (proto != 0) {
                const char *pname = proto_name(proto);
                printf("%s -p ", inv & XT_INV_PROTO ? " !" : "");
                if (pname != NULL)
                        printf("%s", pname);
                else
                        printf("%u", proto);
        }
        if (flags & fam->f_frag)
                printf("%s -f", inv & IPT_INV_FRAG ? " !" : "");
        size_t toff = get16(e, fam->toff), noff = get16(e, fam->noff);
        if (toff < fam->hdr || toff + sizeof(struct xt_entry_target) > noff)
                xtables_error(OTHER_PROBLEM, "malformed entry (target at %zu of %zu bytes)", toff, noff);
        for (size_t off = fam->hdr; off < toff;) {
                const struct xt_entry_match *m = (const void *)efield(e, off);
                if (m->u.match_size < sizeof(*m) || off + m->u.match_size > toff)
                        xtables_error(OTHER_PROBLEM, "malformed entry (match at %zu)", off);
                save_match(e, m);
                off += m->u.match_size;
        }
        save_target(e, label);
        putchar('\n');
}

/* The line of entry E into a buffer (*RET, *RET_LEN; free it), not escaped. */
static int render_raw(const void *e, const char *chain, const char *label, char **ret, size_t *ret_len,
                      struct oih_error *err)
{
        /* static: they live across the longjmp */
        static char *buf;
        static size_t len;
        static FILE *mem, *saved;
        if (fam == NULL)
                return oih_err(err, "libxtables is used only inside a worker (oih_xt_run)");
        buf = NULL;
        len = 0;
        mem = open_memstream(&buf, &len);
        if (mem == NULL)
                return oih_err_errno(err, errno, "cannot print a rule");
        /* ->save functions printf to stdout (P6) */
        fflush(stdout);
        saved = stdout;
        if (setjmp(guard)) {
                armed = false;
                stdout = saved;
                fclose(mem);
                free(buf);
                return oih_err(err, "cannot print a rule of chain %s: %s", chain, xt_msg);
        }
        armed = true;
        stdout = mem;
        print_entry(e, chain, label);
        armed = false;
        stdout = saved;
        if (fclose(mem) != 0) {
                free(buf);
                return oih_err(err, "cannot print a rule of chain %s", chain);
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

int oih_xt_render(const void *e, const char *chain, const char *label, FILE *out, struct oih_error *err)
{
        char *buf;
        size_t len;
        if (render_raw(e, chain, label, &buf, &len, err) < 0)
                return -1;
        /* names, comments and prefixes from the kernel may hold any byte (another tool wrote
         * them): the line keeps its end, everything else not printable becomes \xHH */
        int r = 0;
        if (len > 0) {
                oih_put_escaped(out, buf, len - 1);
                r = fputc('\n', out) == EOF ? -1 : 0;
        }
        free(buf);
        return r == 0 ? 0 : oih_err(err, "cannot print a rule of chain %s", chain);
}

int oih_xt_render_line(const void *e, const char *label, char **ret, struct oih_error *err)
{
        size_t len;
        if (render_raw(e, "-", label, ret, &len, err) < 0)
                return -1;
        if (len > 0 && (*ret)[len - 1] == '\n')
                (*ret)[len - 1] = '\0';
        return 0;
}

int oih_xt_option_arg(const char *ext, bool target, const char *name)
{
        const struct xt_option_entry *x6 = NULL;
        const struct option *old = NULL;
        if (fam == NULL)
                return -1;
        if (target) {
                struct xtables_target *t = xtables_find_target(ext, XTF_TRY_LOAD);
                if (t != NULL) {
                        x6 = t->x6_options;
                        old = t->extra_opts;
                }
        } else {
                struct xtables_match *m = xtables_find_match(ext, XTF_TRY_LOAD, NULL);
                if (m != NULL) {
                        x6 = m->x6_options;
                        old = m->extra_opts;
                }
        }
        for (; x6 != NULL && x6->name != NULL; x6++)
                if (strcmp(x6->name, name) == 0)
                        return x6->type == XTTYPE_NONE ? 0 : 1;
        for (; old != NULL && old->name != NULL; old++)
                if (strcmp(old->name, name) == 0)
                        return old->has_arg == required_argument ? 1 : 0;
        return -1;
}
