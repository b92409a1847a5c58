/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small DNS client (RFC 1035): A and AAAA queries to one server over UDP, again over TCP
 * when the answer is truncated. It exists so that no resolution depends on the host's NSS
 * configuration (files, mDNS, LDAP modules that may hang) and every wait is bounded. */
#define _GNU_SOURCE
#include "names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "oih.h"

#define DNS_MAX_MSG 65535
#define QTYPE_A 1
#define QTYPE_CNAME 5
#define QTYPE_AAAA 28
#define MAX_CNAMES 8

static int parse_server(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
        char host[64];
        const char *port = NULL;
        memset(ss, 0, sizeof(*ss));
        if (strlen(s) >= sizeof(host))
                return -1;
        if (s[0] == '[') {
                const char *end = strchr(s, ']');
                if (end == NULL || (end[1] != '\0' && end[1] != ':'))
                        return -1;
                snprintf(host, sizeof(host), "%.*s", (int)(end - s - 1), s + 1);
                port = end[1] ? end + 2 : NULL;
        } else {
                snprintf(host, sizeof(host), "%s", s);
                char *c = strchr(host, ':');
                if (c && strchr(c + 1, ':') == NULL) {
                        *c = '\0';
                        port = c + 1;
                }
        }
        unsigned long p = 53;
        if (port) {
                char *end;
                p = strtoul(port, &end, 10);
                if (*port < '0' || *port > '9' || *end || p == 0 || p > 65535)
                        return -1;
        }
        struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
                v4->sin_family = AF_INET;
                v4->sin_port = htons((uint16_t)p);
                *len = sizeof(*v4);
        } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
                v6->sin6_family = AF_INET6;
                v6->sin6_port = htons((uint16_t)p);
                *len = sizeof(*v6);
        } else {
                return -1;
        }
        return 0;
}

/* The first "nameserver" of /etc/resolv.conf, read by us: no NSS module runs. */
static int system_server(char *out, size_t size, struct oih_error *err)
{
        int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return oih_err_errno(err, errno, "/etc/resolv.conf: cannot open (give --server)");
        char *buf;
        size_t len;
        int r = oih_read_bounded(fd, 1 << 16, "/etc/resolv.conf", &buf, &len, err);
        close(fd);
        if (r < 0)
                return -1;
        r = -1;
        char *save = NULL;
        for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char addr[64];
                if (sscanf(l, " nameserver %63s", addr) == 1) {
                        snprintf(out, size, "%s", addr);
                        r = 0;
                        break;
                }
        }
        free(buf);
        return r == 0 ? 0 : oih_err(err, "/etc/resolv.conf names no nameserver (give --server)");
}

int oih_resolver_init(struct oih_resolver *res, const char *server, int timeout_ms, struct oih_error *err)
{
        memset(res, 0, sizeof(*res));
        res->timeout_ms = timeout_ms;
        if (server == NULL || server[0] == '\0') {
                if (system_server(res->server, sizeof(res->server), err) < 0)
                        return -1;
        } else {
                snprintf(res->server, sizeof(res->server), "%s", server);
        }
        struct sockaddr_storage ss;
        socklen_t len;
        if (parse_server(res->server, &ss, &len) < 0)
                return oih_err(err, "server \"%s\" is not ADDR, ADDR:PORT or [ADDR6]:PORT", res->server);
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static size_t build_query(uint8_t *q, uint16_t id, const char *name, uint16_t type)
{
        size_t n = 0;
        q[n++] = (uint8_t)(id >> 8);
        q[n++] = (uint8_t)id;
        q[n++] = 0x01; /* RD */
        q[n++] = 0;
        memcpy(q + n, "\0\1\0\0\0\0\0\0", 8); /* one question */
        n += 8;
        for (const char *l = name; *l;) {
                size_t k = strcspn(l, ".");
                q[n++] = (uint8_t)k;
                memcpy(q + n, l, k);
                n += k;
                l += k + (l[k] == '.');
        }
        q[n++] = 0;
        q[n++] = (uint8_t)(type >> 8);
        q[n++] = (uint8_t)type;
        q[n++] = 0;
        q[n++] = 1; /* IN */
        return n;
}

/* A (possibly compressed) name at *OFF into OUT (lower case, dotted, no trailing dot); *OFF
 * moves past it. */
static int read_name(const uint8_t *m, size_t len, size_t *off, char *out)
{
        size_t o = *off, w = 0;
        bool jumped = false;
        for (int hops = 0; hops < 64; hops++) {
                if (o >= len)
                        return -1;
                uint8_t c = m[o];
                if ((c & 0xC0) == 0xC0) {
                        if (o + 1 >= len)
                                return -1;
                        if (!jumped)
                                *off = o + 2;
                        jumped = true;
                        o = ((size_t)(c & 0x3F) << 8) | m[o + 1];
                        continue;
                }
                if (c & 0xC0)
                        return -1;
                if (c == 0) {
                        if (!jumped)
                                *off = o + 1;
                        out[w ? w - 1 : 0] = '\0';
                        return 0;
                }
                if (o + 1 + c > len || w + c + 1 > OIH_NAME_MAXLEN + 1)
                        return -1;
                for (unsigned i = 0; i < c; i++) {
                        char ch = (char)m[o + 1 + i];
                        out[w++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
                }
                out[w++] = '.';
                o += 1 + c;
        }
        return -1;
}

struct answer {
        int rcode;              /* -1: none yet */
        bool truncated;
        uint32_t ttl;
        unsigned n;
        struct oih_cached_addr a[OIH_NAME_MAX_ADDRS];
};

/* Checks that M answers query ID for NAME/TYPE and collects the addresses along the CNAME
 * chain from NAME. Returns -1 when M is not that answer (it is then ignored). */
static int parse_answer(const uint8_t *m, size_t len, uint16_t id, const char *name, uint16_t type,
                        struct answer *ans)
{
        if (len < 12 || ((m[0] << 8) | m[1]) != id || !(m[2] & 0x80) || (m[2] & 0x78) != 0)
                return -1;
        unsigned qd = (unsigned)(m[4] << 8 | m[5]), an = (unsigned)(m[6] << 8 | m[7]);
        if (qd != 1)
                return -1;
        size_t off = 12;
        char owner[OIH_NAME_MAXLEN + 2];
        if (read_name(m, len, &off, owner) < 0 || strcmp(owner, name) != 0 || off + 4 > len ||
            ((m[off] << 8) | m[off + 1]) != type)
                return -1;
        off += 4;
        memset(ans, 0, sizeof(*ans));
        ans->rcode = m[3] & 0x0F;
        ans->truncated = m[2] & 0x02;
        if (ans->truncated)
                return 0;
        struct rr {
                char owner[OIH_NAME_MAXLEN + 2];
                uint16_t type;
                uint32_t ttl;
                size_t rd, rdlen;
        };
        if (an > 256)
                an = 256;
        struct rr *rrs = calloc(an ? an : 1, sizeof(*rrs));
        if (rrs == NULL)
                return -1;
        unsigned nrr = 0;
        for (unsigned i = 0; i < an; i++) {
                struct rr *r = &rrs[nrr];
                if (read_name(m, len, &off, r->owner) < 0 || off + 10 > len)
                        break;
                r->type = (uint16_t)(m[off] << 8 | m[off + 1]);
                uint16_t class = (uint16_t)(m[off + 2] << 8 | m[off + 3]);
                r->ttl = (uint32_t)m[off + 4] << 24 | (uint32_t)m[off + 5] << 16 | (uint32_t)m[off + 6] << 8 | m[off + 7];
                r->rdlen = (size_t)(m[off + 8] << 8 | m[off + 9]);
                r->rd = off + 10;
                off = r->rd + r->rdlen;
                if (off > len)
                        break;
                if (class == 1)
                        nrr++;
        }
        char cur[OIH_NAME_MAXLEN + 2];
        snprintf(cur, sizeof(cur), "%s", name);
        uint32_t ttl = UINT32_MAX;
        for (int hop = 0; hop <= MAX_CNAMES; hop++) {
                bool next = false;
                for (unsigned i = 0; i < nrr; i++) {
                        struct rr *r = &rrs[i];
                        if (strcmp(r->owner, cur) != 0)
                                continue;
                        size_t alen = type == QTYPE_A ? 4 : 16;
                        if (r->type == type && r->rdlen == alen && ans->n < OIH_NAME_MAX_ADDRS) {
                                struct oih_cached_addr *a = &ans->a[ans->n++];
                                a->family = type == QTYPE_A ? OIH_IPV4 : OIH_IPV6;
                                memcpy(a->addr, m + r->rd, alen);
                                ttl = r->ttl < ttl ? r->ttl : ttl;
                        } else if (r->type == QTYPE_CNAME && !next) {
                                size_t o = r->rd;
                                char target[OIH_NAME_MAXLEN + 2];
                                if (read_name(m, len, &o, target) == 0) {
                                        ttl = r->ttl < ttl ? r->ttl : ttl;
                                        snprintf(cur, sizeof(cur), "%s", target);
                                        next = true;
                                }
                        }
                }
                if (!next || ans->n)
                        break;
        }
        ans->ttl = ttl == UINT32_MAX ? 0 : ttl;
        free(rrs);
        return 0;
}

static int open_sock(const struct oih_resolver *res, int domain, int type, struct oih_error *err)
{
        if (res->open_socket)
                return res->open_socket(res->ctx, domain, type | SOCK_CLOEXEC, err);
        int fd = socket(domain, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return oih_err_errno(err, errno, "socket");
        return fd;
}

/* One query over TCP, for an answer too large for UDP. */
static int query_tcp(const struct oih_resolver *res, const struct sockaddr_storage *ss, socklen_t sslen,
                     const uint8_t *q, size_t qlen, uint16_t id, const char *name, uint16_t type,
                     int64_t deadline, struct answer *ans, struct oih_error *err)
{
        int fd = open_sock(res, ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK, err);
        if (fd < 0)
                return -1;
        int r = -1;
        uint8_t *buf = malloc(DNS_MAX_MSG + 2);
        if (buf == NULL)
                goto out;
        if (connect(fd, (const struct sockaddr *)ss, sslen) < 0 && errno != EINPROGRESS)
                goto out;
        buf[0] = (uint8_t)(qlen >> 8);
        buf[1] = (uint8_t)qlen;
        memcpy(buf + 2, q, qlen);
        size_t sent = 0, got = 0, want = 2;
        while (now_ms() < deadline) {
                struct pollfd p = { fd, sent < qlen + 2 ? POLLOUT : POLLIN, 0 };
                if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
                        continue;
                if (sent < qlen + 2) {
                        ssize_t k = send(fd, buf + sent, qlen + 2 - sent, MSG_NOSIGNAL);
                        if (k <= 0 && errno != EAGAIN)
                                goto out;
                        sent += k > 0 ? (size_t)k : 0;
                        if (sent == qlen + 2)
                                got = 0;
                        continue;
                }
                ssize_t k = recv(fd, buf + got, want - got, 0);
                if (k == 0 || (k < 0 && errno != EAGAIN))
                        goto out;
                got += k > 0 ? (size_t)k : 0;
                if (got == 2 && want == 2)
                        want = 2 + ((size_t)buf[0] << 8 | buf[1]);
                if (got == want && want > 2) {
                        if (parse_answer(buf + 2, want - 2, id, name, type, ans) == 0)
                                r = 0;
                        goto out;
                }
        }
out:
        free(buf);
        close(fd);
        return r;
}

/* A and AAAA of NAME; *STATUS and the addresses into C. */
static int resolve_one(const struct oih_resolver *res, const struct sockaddr_storage *ss, socklen_t sslen,
                       const char *name, int64_t deadline, enum oih_name_status *status, uint32_t *ttl,
                       struct oih_cached_addr *addrs, unsigned *naddrs, struct oih_error *err)
{
        static const uint16_t types[2] = { QTYPE_A, QTYPE_AAAA };
        uint8_t q[2][300];
        size_t qlen[2];
        uint16_t id[2];
        struct answer ans[2];
        if (getrandom(id, sizeof(id), 0) != sizeof(id))
                return oih_err_errno(err, errno, "getrandom");
        for (int t = 0; t < 2; t++) {
                qlen[t] = build_query(q[t], id[t], name, types[t]);
                ans[t].rcode = -1;
        }
        int fd = open_sock(res, ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK, err);
        if (fd < 0)
                return -1;
        /* connected: the kernel drops datagrams from anyone but the server */
        if (connect(fd, (const struct sockaddr *)ss, sslen) < 0) {
                int e = errno;
                close(fd);
                return oih_err_errno(err, e, "cannot reach DNS server %s", res->server);
        }
        uint8_t *buf = malloc(DNS_MAX_MSG);
        if (buf == NULL) {
                close(fd);
                return oih_err(err, "out of memory");
        }
        int64_t resend = 0;
        while (now_ms() < deadline && (ans[0].rcode < 0 || ans[1].rcode < 0)) {
                if (now_ms() >= resend) {
                        for (int t = 0; t < 2; t++)
                                if (ans[t].rcode < 0)
                                        (void)send(fd, q[t], qlen[t], 0);
                        resend = now_ms() + 700;
                }
                int64_t until = resend < deadline ? resend : deadline;
                struct pollfd p = { fd, POLLIN, 0 };
                int k = poll(&p, 1, (int)(until - now_ms() > 0 ? until - now_ms() : 0));
                if (k <= 0)
                        continue;
                ssize_t n = recv(fd, buf, DNS_MAX_MSG, 0);
                if (n <= 0)
                        continue; /* ICMP refusals: keep waiting until the deadline */
                for (int t = 0; t < 2; t++) {
                        struct answer a;
                        if (ans[t].rcode < 0 && parse_answer(buf, (size_t)n, id[t], name, types[t], &a) == 0) {
                                if (a.truncated && query_tcp(res, ss, sslen, q[t], qlen[t], id[t], name, types[t],
                                                             deadline, &a, err) < 0)
                                        a.rcode = 2; /* counts as a server failure */
                                ans[t] = a;
                        }
                }
        }
        free(buf);
        close(fd);
        *naddrs = 0;
        *ttl = UINT32_MAX;
        *status = OIH_NAME_OK;
        for (int t = 0; t < 2; t++) {
                if (ans[t].rcode == 3) {
                        *status = OIH_NAME_NXDOMAIN;
                } else if (ans[t].rcode != 0) {
                        *status = OIH_NAME_FAILED;
                        break;
                }
                for (unsigned i = 0; i < ans[t].n; i++)
                        addrs[(*naddrs)++] = ans[t].a[i];
                if (ans[t].n && ans[t].ttl < *ttl)
                        *ttl = ans[t].ttl;
        }
        if (*status == OIH_NAME_FAILED)
                *naddrs = 0;
        if (*ttl == UINT32_MAX)
                *ttl = 0;
        return 0;
}

int oih_resolve_names(const struct oih_resolver *res, const char *const *names, unsigned n,
                      struct oih_cache *c, int64_t now, struct oih_error *err)
{
        struct sockaddr_storage ss;
        socklen_t sslen;
        if (parse_server(res->server, &ss, &sslen) < 0)
                return oih_err(err, "server \"%s\" is not ADDR, ADDR:PORT or [ADDR6]:PORT", res->server);
        int64_t deadline = now_ms() + res->timeout_ms;
        int failed = 0;
        for (unsigned i = 0; i < n; i++) {
                enum oih_name_status st = OIH_NAME_FAILED;
                uint32_t ttl = 0;
                struct oih_cached_addr a[2 * OIH_NAME_MAX_ADDRS];
                unsigned na = 0;
                if (resolve_one(res, &ss, sslen, names[i], deadline, &st, &ttl, a, &na, err) < 0)
                        return -1;
                if (na > OIH_NAME_MAX_ADDRS)
                        na = OIH_NAME_MAX_ADDRS;
                if (st == OIH_NAME_FAILED)
                        failed++;
                if (oih_cache_record(c, names[i], now, st, ttl, a, na, err) < 0)
                        return -1;
        }
        snprintf(c->server, sizeof(c->server), "%s", res->server);
        return failed;
}
