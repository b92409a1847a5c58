/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host names in policies: syntax, the cache file, and their replacement by addresses.
 *
 * The cache is a text file, one record a line, so that a person can read what the hook used:
 *   oih-names 1
 *   server 192.0.2.53:53
 *   name api.example.com 1733000000 300 ok
 *   addr 192.0.2.10 1733000000
 * A "name" line's fields: the time of the last answer, its TTL, its status (ok, nxdomain,
 * failed); the "addr" lines after it: an address and the last answer that held it. */
#define _GNU_SOURCE
#include "names.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oih.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif

int oih_name_canon(const char *s, char *out, const char **why)
{
        size_t len = strlen(s);
        if (len > 0 && s[len - 1] == '.')
                len--;
        if (len == 0) {
                *why = "empty";
                return -1;
        }
        if (len > OIH_NAME_MAXLEN) {
                *why = "longer than 253 characters";
                return -1;
        }
        unsigned labels = 0;
        size_t start = 0;
        bool all_digits = true;
        for (size_t i = 0; i <= len; i++) {
                char c = i < len ? s[i] : '.';
                if (c == '.') {
                        size_t l = i - start;
                        if (l == 0) {
                                *why = "empty label";
                                return -1;
                        }
                        if (l > 63) {
                                *why = "a label longer than 63 characters";
                                return -1;
                        }
                        if (s[start] == '-' || s[i - 1] == '-') {
                                *why = "a label begins or ends with '-'";
                                return -1;
                        }
                        labels++;
                        if (i < len) {
                                out[i] = '.';
                                all_digits = true;
                        }
                        start = i + 1;
                        continue;
                }
                if (c == '*') {
                        *why = "wildcards cannot be resolved; name each host";
                        return -1;
                }
                if (!isascii((unsigned char)c) || !(isalnum((unsigned char)c) || c == '-')) {
                        *why = "a host name has letters, digits, '-' and '.' only";
                        return -1;
                }
                if (!isdigit((unsigned char)c))
                        all_digits = false;
                out[i] = (char)tolower((unsigned char)c);
        }
        out[len] = '\0';
        if (labels < 2) {
                *why = "not fully qualified: give at least two labels (search domains are not used)";
                return -1;
        }
        if (all_digits) {
                *why = "the last label is all digits";
                return -1;
        }
        return 0;
}

/* ---- the cache ---- */

static const char *const status_names[] = { "ok", "nxdomain", "failed" };

const char *oih_name_status_name(unsigned status)
{
        return status < sizeof(status_names) / sizeof(status_names[0]) ? status_names[status] : "failed";
}

const char *oih_cache_default_path(void)
{
        static char buf[4096];
        if (geteuid() == 0)
                return LOCALSTATEDIR "/lib/oci-iptables-hook/names.cache";
        const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        if (state && state[0] == '/')
                snprintf(buf, sizeof(buf), "%s/oci-iptables-hook/names.cache", state);
        else if (home && home[0] == '/')
                snprintf(buf, sizeof(buf), "%s/.local/state/oci-iptables-hook/names.cache", home);
        else
                return NULL;
        return buf;
}

void oih_cache_clear(struct oih_cache *c)
{
        free(c->e);
        memset(c, 0, sizeof(*c));
}

struct oih_cache_entry *oih_cache_find(const struct oih_cache *c, const char *name)
{
        for (unsigned i = 0; i < c->n; i++)
                if (strcmp(c->e[i].name, name) == 0)
                        return &c->e[i];
        return NULL;
}

static struct oih_cache_entry *cache_add(struct oih_cache *c, const char *name, struct oih_error *err)
{
        if (c->n == OIH_CACHE_MAX_NAMES) {
                oih_err(err, "the cache holds %u names already (the limit)", OIH_CACHE_MAX_NAMES);
                return NULL;
        }
        struct oih_cache_entry *e = realloc(c->e, (c->n + 1) * sizeof(*e));
        if (e == NULL) {
                oih_err(err, "out of memory");
                return NULL;
        }
        c->e = e;
        e = &c->e[c->n++];
        memset(e, 0, sizeof(*e));
        snprintf(e->name, sizeof(e->name), "%s", name);
        return e;
}

bool oih_cache_fresh(const struct oih_cache_entry *e, int64_t now)
{
        int64_t life = e->ttl < OIH_NAME_MIN_FRESH ? OIH_NAME_MIN_FRESH : e->ttl;
        if (life > OIH_NAME_MAX_FRESH)
                life = OIH_NAME_MAX_FRESH;
        return e->status != OIH_NAME_FAILED && now >= e->resolved && now - e->resolved <= life;
}

int oih_cache_record(struct oih_cache *c, const char *name, int64_t now, enum oih_name_status status,
                     uint32_t ttl, const struct oih_cached_addr *addrs, unsigned n, struct oih_error *err)
{
        struct oih_cache_entry *e = oih_cache_find(c, name);
        if (e == NULL && (e = cache_add(c, name, err)) == NULL)
                return -1;
        if (status == OIH_NAME_FAILED && e->resolved != 0) {
                /* a server that failed says nothing about the name: keep the answer, which
                 * goes stale on its own */
                e->status = OIH_NAME_FAILED;
                return 0;
        }
        e->status = status;
        if (status == OIH_NAME_FAILED)
                return 0; /* never answered: resolved stays 0 */
        e->resolved = now;
        if (status == OIH_NAME_OK)
                e->ttl = ttl;
        /* "in the last answer" is seen == resolved: an address of an earlier answer within the
         * same second is not in this one */
        for (unsigned j = 0; j < e->naddrs; j++)
                if (e->addrs[j].seen >= now)
                        e->addrs[j].seen = now - 1;
        for (unsigned i = 0; i < n; i++) {
                unsigned j;
                for (j = 0; j < e->naddrs; j++)
                        if (e->addrs[j].family == addrs[i].family && memcmp(e->addrs[j].addr, addrs[i].addr, 16) == 0)
                                break;
                if (j == e->naddrs) {
                        if (e->naddrs == OIH_NAME_MAX_ADDRS) {
                                /* make room: the address seen longest ago goes */
                                unsigned old = 0;
                                for (unsigned k = 1; k < e->naddrs; k++)
                                        if (e->addrs[k].seen < e->addrs[old].seen)
                                                old = k;
                                if (e->addrs[old].seen >= now)
                                        continue;
                                j = old;
                        } else {
                                e->naddrs++;
                        }
                        e->addrs[j] = addrs[i];
                }
                e->addrs[j].seen = now;
        }
        /* forget what no policy's grace period can still use */
        unsigned k = 0;
        for (unsigned j = 0; j < e->naddrs; j++)
                if (now - e->addrs[j].seen <= OIH_GRACE_MAX)
                        e->addrs[k++] = e->addrs[j];
        e->naddrs = k;
        return 0;
}

static int parse_int64(const char *s, int64_t *ret)
{
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (*s < '0' || *s > '9' || *end != '\0' || errno || v < 0)
                return -1;
        *ret = v;
        return 0;
}

static int parse_cached_addr(const char *s, struct oih_cached_addr *a)
{
        memset(a, 0, sizeof(*a));
        if (inet_pton(AF_INET, s, a->addr) == 1)
                a->family = OIH_IPV4;
        else if (inet_pton(AF_INET6, s, a->addr) == 1)
                a->family = OIH_IPV6;
        else
                return -1;
        return 0;
}

static int parse_cache(const char *path, char *buf, struct oih_cache *c, struct oih_error *err)
{
        unsigned line = 0;
        struct oih_cache_entry *e = NULL;
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                line++;
                char *f[6];
                unsigned nf = 0;
                char *s2 = NULL;
                for (char *w = strtok_r(l, " ", &s2); w && nf < 6; w = strtok_r(NULL, " ", &s2))
                        f[nf++] = w;
                if (line == 1) {
                        if (nf != 2 || strcmp(f[0], "oih-names") != 0 || strcmp(f[1], "1") != 0)
                                return oih_err(err, "%s: not a name cache of this program (no \"oih-names 1\" line)", path);
                        continue;
                }
                int64_t t1, t2;
                char canon[OIH_NAME_MAXLEN + 1];
                const char *why;
                if (nf == 2 && strcmp(f[0], "server") == 0 && strlen(f[1]) < sizeof(c->server)) {
                        snprintf(c->server, sizeof(c->server), "%s", f[1]);
                } else if (nf == 5 && strcmp(f[0], "name") == 0 && oih_name_canon(f[1], canon, &why) == 0 &&
                           strcmp(canon, f[1]) == 0 && parse_int64(f[2], &t1) == 0 &&
                           parse_int64(f[3], &t2) == 0 && t2 <= UINT32_MAX && oih_cache_find(c, f[1]) == NULL) {
                        int st = -1;
                        for (int i = 0; i < 3; i++)
                                if (strcmp(f[4], status_names[i]) == 0)
                                        st = i;
                        if (st < 0)
                                return oih_err(err, "%s:%u: unknown status \"%s\"", path, line, f[4]);
                        if ((e = cache_add(c, f[1], err)) == NULL)
                                return -1;
                        e->resolved = t1;
                        e->ttl = (uint32_t)t2;
                        e->status = (enum oih_name_status)st;
                } else if (nf == 3 && strcmp(f[0], "addr") == 0 && e && e->naddrs < OIH_NAME_MAX_ADDRS &&
                           parse_cached_addr(f[1], &e->addrs[e->naddrs]) == 0 && parse_int64(f[2], &t1) == 0) {
                        e->addrs[e->naddrs++].seen = t1;
                } else {
                        return oih_err(err, "%s:%u: not a cache record (expected server, name or addr, "
                                            "each at most once and within its limits)", path, line);
                }
        }
        if (line == 0)
                return oih_err(err, "%s: empty; not a name cache", path);
        return 0;
}

int oih_cache_load(const char *path, struct oih_cache *c, struct oih_error *err)
{
        memset(c, 0, sizeof(*c));
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return oih_err_errno(err, errno, "%s: cannot open the name cache", path);
        }
        struct stat st;
        int r = -1;
        char *buf = NULL;
        size_t len;
        if (fstat(fd, &st) < 0) {
                oih_err_errno(err, errno, "%s: cannot stat", path);
                goto out;
        }
        /* what the cache says becomes firewall rules: only root or the caller may write it */
        if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
                oih_err(err, "%s: the name cache must be a regular file owned by root (or you), "
                             "writable by its owner only", path);
                goto out;
        }
        if (oih_read_bounded(fd, OIH_CACHE_MAX_SIZE, path, &buf, &len, err) < 0)
                goto out;
        if (memchr(buf, '\0', len)) {
                oih_err(err, "%s: not a name cache (a NUL byte)", path);
                goto out;
        }
        r = parse_cache(path, buf, c, err);
out:
        free(buf);
        close(fd);
        if (r < 0)
                oih_cache_clear(c);
        return r;
}

static const char *addr_str(uint8_t family, const uint8_t *addr, char *buf)
{
        return inet_ntop(family == OIH_IPV4 ? AF_INET : AF_INET6, addr, buf, INET6_ADDRSTRLEN);
}

int oih_cache_save(const char *path, const struct oih_cache *c, struct oih_error *err)
{
        char tmp[4200];
        if (snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= (int)sizeof(tmp))
                return oih_err(err, "%s: path too long", path);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return oih_err_errno(err, errno, "%s: cannot create", tmp);
        FILE *f = fdopen(fd, "w");
        if (f == NULL) {
                close(fd);
                unlink(tmp);
                return oih_err_errno(err, errno, "%s", tmp);
        }
        fchmod(fd, 0644);
        fprintf(f, "oih-names 1\n");
        if (c->server[0])
                fprintf(f, "server %s\n", c->server);
        for (unsigned i = 0; i < c->n; i++) {
                const struct oih_cache_entry *e = &c->e[i];
                fprintf(f, "name %s %lld %u %s\n", e->name, (long long)e->resolved, e->ttl, status_names[e->status]);
                for (unsigned j = 0; j < e->naddrs; j++) {
                        char b[INET6_ADDRSTRLEN];
                        fprintf(f, "addr %s %lld\n", addr_str(e->addrs[j].family, e->addrs[j].addr, b),
                                (long long)e->addrs[j].seen);
                }
        }
        int bad = fflush(f) != 0 || fsync(fd) != 0;
        int e = errno;
        if (fclose(f) != 0 && !bad) {
                bad = 1;
                e = errno;
        }
        if (bad || rename(tmp, path) < 0) {
                if (!bad)
                        e = errno;
                unlink(tmp);
                return oih_err_errno(err, e, "%s: cannot write the name cache", path);
        }
        return 0;
}

/* ---- substitution ---- */

static int name_error(const char *name, const struct oih_cache_entry *e, int64_t now, bool lenient,
                      struct oih_error *err)
{
        if (lenient)
                return 0;
        if (e == NULL)
                return oih_err(err, "name \"%s\" has no answer in the name cache (run `oci-iptables-hook resolve`)", name);
        if (e->resolved == 0)
                return oih_err(err, "name \"%s\": the DNS server failed or did not answer", name);
        if (e->status == OIH_NAME_NXDOMAIN)
                return oih_err(err, "name \"%s\" does not exist (NXDOMAIN, %lld s ago)", name, (long long)(now - e->resolved));
        if (!oih_cache_fresh(e, now))
                return oih_err(err, "name \"%s\" could not be resolved: its last answer is %lld s old "
                                    "(TTL %u)%s", name, (long long)(now - e->resolved), e->ttl,
                               e->status == OIH_NAME_FAILED ? " and the server failed since" : "");
        return 0;
}

/* In the last answer, or lost less than GRACE seconds ago (name_grace 0: only the last answer,
 * even when the answer that lost it came within the same second). */
static bool usable(const struct oih_cached_addr *a, int64_t now, unsigned grace, int64_t resolved)
{
        return a->seen >= resolved || now - a->seen < (int64_t)grace;
}

/* Builds the new list for one side of a rule. */
static int expand(const struct oih_policy *p, struct oih_rule *r, const char *side,
                  struct oih_addr **list, unsigned *n, const struct oih_cache *c, int64_t now, bool lenient,
                  struct oih_error *err)
{
        unsigned cap = 0, k = 0;
        bool any_name = false;
        for (unsigned i = 0; i < *n; i++) {
                any_name |= (*list)[i].name != 0;
                cap += (*list)[i].name ? OIH_NAME_MAX_ADDRS : 1;
        }
        if (!any_name)
                return 0;
        struct oih_addr *out = calloc(cap, sizeof(*out));
        if (out == NULL)
                return oih_err(err, "out of memory");
        for (unsigned i = 0; i < *n; i++) {
                const struct oih_addr *a = &(*list)[i];
                if (!a->name) {
                        out[k++] = *a;
                        continue;
                }
                /* a name without "family" has two placeholders: the first does the work */
                if (a->name_any && i > 0 && (*list)[i - 1].name == a->name && (*list)[i - 1].name_any)
                        continue;
                const char *name = p->names[a->name - 1];
                const struct oih_cache_entry *e = oih_cache_find(c, name);
                if (name_error(name, e, now, lenient, err) < 0) {
                        free(out);
                        return -1;
                }
                unsigned fams = a->name_any ? r->families : OIH_FAMBIT(a->family);
                unsigned got = 0;
                for (unsigned j = 0; e && j < e->naddrs; j++) {
                        const struct oih_cached_addr *ca = &e->addrs[j];
                        if (!(fams & OIH_FAMBIT(ca->family)) || !usable(ca, now, p->name_grace, e->resolved))
                                continue;
                        struct oih_addr *x = &out[k++];
                        x->family = ca->family;
                        memcpy(x->addr, ca->addr, 16);
                        memset(x->mask, 0xFF, ca->family == OIH_IPV4 ? 4 : 16);
                        got++;
                }
                if (got == 0 && !lenient) {
                        free(out);
                        return oih_err(err, "rule %u: %s: name \"%s\" has no %s address", r->index, side, name,
                                       fams == OIH_FAM_BOTH ? "IPv4 or IPv6" : fams & OIH_FAMBIT(OIH_IPV4) ? "IPv4" : "IPv6");
                }
        }
        if (k > OIH_MAX_ADDRS * 2u) {
                free(out);
                return oih_err(err, "rule %u: %s: the names give %u addresses, more than %u", r->index, side, k,
                               OIH_MAX_ADDRS * 2u);
        }
        free(*list);
        *list = out;
        *n = k;
        /* an empty list would match any address: a rule whose names lost every address
         * matches nothing instead */
        if (k == 0)
                r->families = 0;
        return 0;
}

static int count_entry(const struct oih_entry *e, void *ctx)
{
        (void)e;
        return ++*(unsigned *)ctx > OIH_MAX_ENTRIES ? -1 : 0;
}

int oih_names_substitute(struct oih_policy *p, const struct oih_cache *c, int64_t now, bool lenient,
                         struct oih_error *err)
{
        if (p->nnames == 0)
                return 0;
        for (unsigned i = 0; i < p->nrules; i++) {
                struct oih_rule *r = &p->rules[i];
                if (expand(p, r, "source", &r->src, &r->nsrc, c, now, lenient, err) < 0 ||
                    expand(p, r, "destination", &r->dst, &r->ndst, c, now, lenient, err) < 0)
                        return -1;
        }
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                unsigned n = 0;
                if (oih_policy_foreach_entry(p, (enum oih_family)f, count_entry, &n) < 0)
                        return oih_err(err, "the names' addresses expand to more than %u %s rules",
                                       OIH_MAX_ENTRIES, f ? "IPv6" : "IPv4");
        }
        return 0;
}

int oih_names_missing(const struct oih_policy *p, const struct oih_cache *c, int64_t now,
                      const char ***ret, unsigned *nret)
{
        const char **v = calloc(p->nnames + 1, sizeof(*v));
        if (v == NULL)
                return -1;
        unsigned k = 0;
        for (unsigned i = 0; i < p->nnames; i++) {
                const struct oih_cache_entry *e = oih_cache_find(c, p->names[i]);
                if (e == NULL || !oih_cache_fresh(e, now))
                        v[k++] = p->names[i];
        }
        *ret = v;
        *nret = k;
        return 0;
}

static int cmp_addr(const void *a, const void *b)
{
        const struct oih_cached_addr *x = a, *y = b;
        if (x->family != y->family)
                return x->family - y->family;
        return memcmp(x->addr, y->addr, 16);
}

char *oih_names_summary(const struct oih_policy *p, const struct oih_cache *c, int64_t now)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        if (f == NULL)
                return NULL;
        for (unsigned i = 0; i < p->nnames; i++) {
                const struct oih_cache_entry *e = oih_cache_find(c, p->names[i]);
                fputs(p->names[i], f);
                if (e) {
                        struct oih_cached_addr a[OIH_NAME_MAX_ADDRS];
                        unsigned k = 0;
                        for (unsigned j = 0; j < e->naddrs; j++)
                                if (usable(&e->addrs[j], now, p->name_grace, e->resolved))
                                        a[k++] = e->addrs[j];
                        qsort(a, k, sizeof(a[0]), cmp_addr);
                        for (unsigned j = 0; j < k; j++) {
                                char b[INET6_ADDRSTRLEN];
                                fprintf(f, " %s", addr_str(a[j].family, a[j].addr, b));
                        }
                        if (e->status == OIH_NAME_NXDOMAIN)
                                fputs(" (nxdomain)", f);
                }
                fputc('\n', f);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
