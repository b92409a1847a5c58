/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libxtables core (src/lib/xt.h): the worker process, the rule-spec parser and the
 * printer. Expected texts are iptables-legacy-save's (tests/xt.sh compares them with
 * iptables itself on a larger corpus). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <xtables.h>

#include "cksuite.h"
#include "xt.h"

/* ---- the worker ---- */

static int fn_hello(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)err;
        fputs("hello", out);
        fputs("a warning\n", stderr);
        return 0;
}

static int fn_fail(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)out;
        return oih_err(err, "it failed: %d", 42);
}

static int fn_exit(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)out, (void)err;
        fputs("dying now\n", stderr);
        exit(3);
}

static int fn_kill(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)out, (void)err;
        raise(SIGKILL);
        return 0;
}

static int fn_sleep(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)out, (void)err;
        sleep(20);
        return 0;
}

static int fn_flood(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)err;
        for (int i = 0; i < 100000; i++)
                fputc('x', out);
        return 0;
}

static struct oih_error run(oih_xt_fn fn, int rc_want, struct oih_xt_out *o)
{
        struct oih_error err;
        oih_error_init(&err);
        int rc = oih_xt_run(OIH_IPV4, OIH_XT_ASSUME, fn, NULL, o, &err);
        ck_assert_msg(rc == rc_want, "rc %d: %s", rc, oih_error_first(&err));
        return err;
}

START_TEST(worker_output)
{
        struct oih_xt_out o;
        run(fn_hello, 0, &o);
        ck_assert_str_eq(o.data, "hello");
        ck_assert_uint_eq(o.len, 5);
        ck_assert_str_eq(o.warnings, "a warning\n");
        oih_xt_out_free(&o);
}
END_TEST

START_TEST(worker_errors)
{
        struct oih_xt_out o;
        struct oih_error e = run(fn_fail, -1, &o);
        ck_assert_str_eq(oih_error_first(&e), "it failed: 42");
        ck_assert_ptr_null(o.data);
        e = run(fn_exit, -1, &o);
        ck_assert_str_eq(e.msg[0], "the IPv4 libxtables worker exited with status 3");
        ck_assert_int_eq(e.n, 2);
        ck_assert_str_eq(e.msg[1], "worker stderr: dying now");
        e = run(fn_kill, -1, &o);
        ck_assert_str_eq(oih_error_first(&e), "the IPv4 libxtables worker was killed by signal 9 (Killed)");
}
END_TEST

START_TEST(worker_limits)
{
        struct oih_xt_out o;
        int saved_t = oih_xt_timeout_ms;
        size_t saved_m = oih_xt_max_output;
        oih_xt_timeout_ms = 300;
        time_t t0 = time(NULL);
        struct oih_error e = run(fn_sleep, -1, &o);
        ck_assert_str_eq(oih_error_first(&e), "the IPv4 libxtables worker did not finish in time");
        ck_assert_int_le(time(NULL) - t0, 3);
        oih_xt_timeout_ms = saved_t;
        oih_xt_max_output = 1000;
        e = run(fn_flood, -1, &o);
        ck_assert_str_eq(oih_error_first(&e), "the IPv4 libxtables worker sent more output than allowed");
        oih_xt_max_output = saved_m;
}
END_TEST

START_TEST(not_in_worker)
{
        /* the test process is no worker: libxtables is never called there */
        struct oih_error err;
        oih_error_init(&err);
        struct oih_xt_rule r;
        char *argv[] = {"-j", "ACCEPT"};
        struct oih_xt_in in = {0};
        ck_assert_int_lt(oih_xt_parse(2, argv, &in, &r, &err), 0);
        ck_assert_str_eq(oih_error_first(&err), "libxtables is used only inside a worker (oih_xt_run)");
        oih_xt_rule_free(&r);
        ck_assert_int_lt(oih_xt_render("", "INPUT", NULL, stdout, &err), 0);
}
END_TEST

START_TEST(libdir_trust)
{
        if (geteuid() != 0)
                return;
        char dir[] = "/tmp/oih-xtlib-XXXXXX";
        ck_assert_ptr_nonnull(mkdtemp(dir));
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(chmod(dir, 0755), 0);
        ck_assert_int_eq(oih_xt_libdir_trusted(dir, &err), 0);
        ck_assert_int_eq(chmod(dir, 0775), 0);
        ck_assert_int_lt(oih_xt_libdir_trusted(dir, &err), 0);
        ck_assert_ptr_nonnull(strstr(oih_error_first(&err), "writable by group or others"));
        ck_assert_int_eq(chmod(dir, 0755), 0);
        ck_assert_int_eq(chown(dir, 1234, 0), 0);
        oih_error_init(&err);
        ck_assert_int_lt(oih_xt_libdir_trusted(dir, &err), 0);
        ck_assert_ptr_nonnull(strstr(oih_error_first(&err), "owned by uid 1234"));
        rmdir(dir);
}
END_TEST

/* ---- parse and render, through one worker function ---- */

struct lines {
        const char *table, *chain;
        bool commands, owners;
        const char *const *chains;
        const char *line[32]; /* words split at single spaces */
};

/* For each line: its entries as text ("-A ..."), or "ERR word: message"; with owners, the
 * provenance of each word (B = base, T = target, N = match N; on failure only the words
 * before the failing option are known); with commands, the command. */
static int fn_lines(void *ctx, FILE *out, struct oih_error *err)
{
        const struct lines *ls = ctx;
        (void)err;
        for (int i = 0; ls->line[i] != NULL; i++) {
                char *copy = strdup(ls->line[i]), *argv[64], *save = NULL;
                int argc = 0;
                for (char *w = strtok_r(copy, " ", &save); w != NULL && argc < 64; w = strtok_r(NULL, " ", &save))
                        argv[argc++] = w;
                struct oih_xt_in in = {ls->table, ls->chain, ls->chains, ls->commands};
                struct oih_xt_rule r;
                struct oih_error e;
                oih_error_init(&e);
                if (oih_xt_parse(argc, argv, &in, &r, &e) < 0) {
                        fprintf(out, "ERR %d: %s\n", r.err_word, oih_error_first(&e));
                } else {
                        if (ls->commands)
                                fprintf(out, "CMD %c %s %s %u %s\n", r.command ? r.command : '0', r.table, r.chain,
                                        r.rulenum, r.arg);
                        size_t off = 0;
                        for (unsigned k = 0; k < r.nentries; k++) {
                                if (oih_xt_render(r.entries + off, r.command ? r.chain : ls->chain, NULL, out, &e) < 0)
                                        fprintf(out, "RENDER %s\n", oih_error_first(&e));
                                off += oih_xt_entry_size(r.entries + off);
                        }
                        ck_assert_uint_eq(off, r.size);
                }
                if (ls->owners) {
                        fputs("OWN", out);
                        for (int w = 0; w < argc && r.owner != NULL; w++)
                                if (r.owner[w] == OIH_XT_BASE)
                                        fputs(" B", out);
                                else if (r.owner[w] == OIH_XT_TARGET)
                                        fputs(" T", out);
                                else
                                        fprintf(out, " %d", r.owner[w]);
                        fputc('\n', out);
                }
                oih_xt_rule_free(&r);
                free(copy);
        }
        return 0;
}

static char *lines(enum oih_family f, const struct lines *ls)
{
        struct oih_xt_out o;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_msg(oih_xt_run(f, OIH_XT_ASSUME, fn_lines, (void *)ls, &o, &err) == 0, "%s",
                      oih_error_first(&err));
        char *text = strdup(o.data);
        oih_xt_out_free(&o);
        ck_assert_ptr_nonnull(text);
        return text;
}

static void expect(enum oih_family f, const struct lines *ls, const char *want)
{
        char *got = lines(f, ls);
        ck_assert_str_eq(got, want);
        free(got);
}

START_TEST(parse_render)
{
        static const char *const chains[] = {"web", NULL};
        struct lines ls = {"filter", "INPUT", false, false, chains, {
                "-s 192.0.2.0/24 -p tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT",
                "-s 192.0.2.1,192.0.2.2 -d 198.51.100.0/255.255.255.128 ! -i eth+ -p udp -j web",
                "-p tcp -m multiport --dports 80,443 -g web",
                "! -p tcp -f",
                "-p 6 --tcp-flags SYN,ACK SYN -j REJECT --reject-with tcp-reset",
                NULL}};
        expect(OIH_IPV4, &ls,
               "-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT\n"
               "-A INPUT -s 192.0.2.1/32 -d 198.51.100.0/25 ! -i eth+ -p udp -j web\n"
               "-A INPUT -s 192.0.2.2/32 -d 198.51.100.0/25 ! -i eth+ -p udp -j web\n"
               "-A INPUT -p tcp -m multiport --dports 80,443 -g web\n"
               "-A INPUT ! -p tcp -f\n"
               "-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK SYN -j REJECT --reject-with tcp-reset\n");
}
END_TEST

/* Printable text as iptables-legacy-save prints it; other bytes (only a table written by
 * another tool holds them) as \xHH, never raw: they could forge a line or drive a terminal. */
START_TEST(render_escapes)
{
        struct lines ls = {"filter", "INPUT", false, false, NULL, {
                "-m comment --comment q\"uo'te\\ -j ACCEPT",
                "-m comment --comment esc\x1b[2J -j LOG --log-prefix line\rforged",
                "-i caf\xc3\xa9\x7f -m comment --comment plain_Word-1",
                NULL}};
        expect(OIH_IPV4, &ls,
               "-A INPUT -m comment --comment \"q\\\"uo\\'te\\\\\" -j ACCEPT\n"
               "-A INPUT -m comment --comment \"esc\\x1b[2J\" -j LOG --log-prefix \"line\\x0dforged\"\n"
               "-A INPUT -i caf\\xc3\\xa9\\x7f -m comment --comment plain_Word-1\n");
}
END_TEST

START_TEST(provenance)
{
        struct lines ls = {"filter", "OUTPUT", false, true, NULL, {
                "-p tcp -m conntrack --ctstate NEW --dport 22 ! --syn -j LOG --log-prefix x",
                "-p tcp -m limit --limit 5/fortnight",
                "-m recent --rcheck --set",
                "-o eth0 -j LOG --log-level 99",
                "! -s 192.0.2.1,192.0.2.2 -j DROP",
                NULL}};
        expect(OIH_IPV4, &ls,
               "-A OUTPUT -p tcp -m conntrack --ctstate NEW -m tcp --dport 22 ! --tcp-flags FIN,SYN,RST,ACK SYN "
               "-j LOG --log-prefix x\n"
               "OWN B B 0 0 0 0 1 1 1 1 T T T T\n"
               "ERR 4: bad rate \"5/fortnight\"'\n"
               "OWN B B 0 0 B B\n"
               "ERR 0: recent: option \"--set\" cannot be used together with \"--rcheck\".\n"
               "OWN 0 0 0 0\n"
               "ERR 4: log level \"99\" unknown\n"
               "OWN B B T T B B\n"
               "ERR 1: ! not allowed with multiple source or destination IP addresses\n"
               "OWN B B B T T\n");
}
END_TEST

START_TEST(commands)
{
        static const char *const chains[] = {"redir", NULL};
        struct lines ls = {"filter", NULL, true, false, chains, {
                "-t nat -I PREROUTING 2 -p tcp -j REDIRECT --to-ports 8080",
                "-P INPUT DROP",
                "-t nat -P PREROUTING DROP",
                "-N web -s 192.0.2.1",
                "-F",
                "-t nat -D OUTPUT 3",
                "-t nat -A OUTPUT -j redir",
                "-p tcp",
                "-A INPUT -6 -j ACCEPT",
                "-A INPUT -A OUTPUT",
                NULL}};
        expect(OIH_IPV4, &ls,
               "CMD I nat PREROUTING 2 \n"
               "-A PREROUTING -p tcp -j REDIRECT --to-ports 8080\n"
               "CMD P filter INPUT 0 DROP\n"
               "ERR -1: The \"nat\" table is not intended for filtering, the use of DROP is therefore inhibited.\n"
               "ERR -1: Illegal option with -N: it takes no rule\n"
               "CMD F filter  0 \n"
               "CMD D nat OUTPUT 3 \n"
               "CMD A nat OUTPUT 0 \n"
               "-A OUTPUT -j redir\n"
               "ERR -1: no command specified\n"
               "CMD 0 filter INPUT 0 \n"
               "ERR 2: Can't use -A with -A\n");
        struct lines rule = {"filter", "INPUT", false, false, NULL, {"-A INPUT -j ACCEPT", "-t nat", NULL}};
        expect(OIH_IPV4, &rule, "ERR 0: -A is a command, not part of a rule\n"
                                "ERR 0: -t is a command option, not part of a rule\n");
}
END_TEST

START_TEST(numeric_only)
{
        struct lines ls = {"mangle", "PREROUTING", false, false, NULL, {
                "-s example.invalid",
                "-d 192.0.2.1,host.invalid",
                "-j TEE --gateway gw.invalid",
                "-m policy --dir in --pol ipsec --tunnel-src host.invalid/24",
                "-j TEE --gateway 192.0.2.1",
                NULL}};
        expect(OIH_IPV4, &ls,
               "ERR 0: -s: \"example.invalid\" is not a numeric IPv4 address (host names are not resolved)\n"
               "ERR 0: -d: \"host.invalid\" is not a numeric IPv4 address (host names are not resolved)\n"
               "ERR 2: TEE: \"gw.invalid\" is not a numeric IPv4 address (host names are not resolved)\n"
               "ERR 6: policy: \"host.invalid/24\" is not a numeric IPv4 address (host names are not resolved)\n"
               "-A PREROUTING -j TEE --gateway 192.0.2.1\n");
}
END_TEST

/* P1: the targets of libxt_NAT, TCPMSS and TPROXY register for the family that loads them
 * first: IPv6 after IPv4 works because each family has its own process. */
START_TEST(both_families)
{
        struct lines v4 = {"nat", "POSTROUTING", false, false, NULL, {
                "-o eth0 -j MASQUERADE", "-p tcp -j SNAT --to-source 192.0.2.1", NULL}};
        expect(OIH_IPV4, &v4, "-A POSTROUTING -o eth0 -j MASQUERADE\n"
                              "-A POSTROUTING -p tcp -j SNAT --to-source 192.0.2.1\n");
        struct lines v6 = {"nat", "POSTROUTING", false, false, NULL, {
                "-o eth0 -j MASQUERADE",
                "-p tcp -j SNAT --to-source 2001:db8::1",
                "-p tcp --dport 80 -j DNAT --to-destination [2001:db8::10]:8080",
                "-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
                NULL}};
        expect(OIH_IPV6, &v6, "-A POSTROUTING -o eth0 -j MASQUERADE\n"
                              "-A POSTROUTING -p tcp -j SNAT --to-source 2001:db8::1\n"
                              "-A POSTROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination [2001:db8::10]:8080\n"
                              "-A POSTROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n");
}
END_TEST

static int fn_second_family(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx, (void)out;
        return oih_xt_init(OIH_IPV6, OIH_XT_ASSUME, err);
}

START_TEST(one_family_per_process)
{
        struct oih_xt_out o;
        struct oih_error e = run(fn_second_family, -1, &o);
        ck_assert_str_eq(oih_error_first(&e), "libxtables is set up for IPv4 in this process; one family per process");
}
END_TEST

/* A port word as libxtables reads it (xtables_getportbyname): the port of the first IPv4 or
 * IPv6 answer of getaddrinfo(NULL, WORD, NULL); -1 when there is none. GAI is the function
 * asked; *N is set to the number of answers. */
typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
typedef void (*fai_fn)(struct addrinfo *);
static int port_of(gai_fn gai, fai_fn fai, const char *word, int *n)
{
        struct addrinfo *res = NULL;
        int port = -1;
        *n = 0;
        if (gai(NULL, word, NULL, &res) != 0)
                return -1;
        for (struct addrinfo *a = res; a != NULL; a = a->ai_next, ++*n)
                if (port < 0 && a->ai_family == AF_INET)
                        port = ntohs(((struct sockaddr_in *)a->ai_addr)->sin_port);
                else if (port < 0 && a->ai_family == AF_INET6)
                        port = ntohs(((struct sockaddr_in6 *)a->ai_addr)->sin6_port);
        fai(res);
        return port;
}

static const char *const port_words[] = {"0", "1", "53", "080", "00053", "65535", "65536", "99999", "000001",
                                         "123456", "+53", " 53", "53 ", "-1", "", "0x10", "domain", "5e1", NULL};

/* Each word's port as the C library gives it and as the worker's getaddrinfo does, and how
 * many answers the worker's had (one: answered without the C library). */
static int fn_ports(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx;
        if (oih_xt_init(OIH_IPV4, OIH_XT_ASSUME, err) < 0)
                return -1;
        gai_fn libc_gai = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
        fai_fn libc_fai = (fai_fn)dlsym(RTLD_NEXT, "freeaddrinfo");
        for (int i = 0; port_words[i] != NULL; i++) {
                int n0, n1, want = port_of(libc_gai, libc_fai, port_words[i], &n0);
                int got = port_of(getaddrinfo, freeaddrinfo, port_words[i], &n1);
                fprintf(out, "[%s] %d %d %d\n", port_words[i], want, got, n1);
        }
        return 0;
}

/* libxtables asks getaddrinfo for every UDP port: the worker answers plain numbers itself
 * (ten system calls fewer each), with the port the C library gives; others go to it. */
START_TEST(numeric_ports)
{
        struct oih_xt_out o;
        run(fn_ports, 0, &o);
        static const char *const shortcut[] = {"0", "1", "53", "080", "00053", "65535", NULL};
        for (int i = 0; port_words[i] != NULL; i++) {
                char head[32];
                int want, got, n;
                snprintf(head, sizeof(head), "[%s] ", port_words[i]);
                const char *line = strstr(o.data, head);
                ck_assert_msg(line != NULL, "no line for [%s] in %s", port_words[i], o.data);
                ck_assert_int_eq(sscanf(line + strlen(head), "%d %d %d", &want, &got, &n), 3);
                ck_assert_msg(want == got, "[%s]: the C library says %d, the worker %d", port_words[i], want, got);
                bool short_cut = false;
                for (int k = 0; shortcut[k] != NULL; k++)
                        short_cut |= strcmp(shortcut[k], port_words[i]) == 0;
                if (short_cut)
                        ck_assert_msg(n == 1 && got >= 0, "[%s]: %d answers, not the worker's one", port_words[i], n);
                else
                        ck_assert_msg(n != 1 || got < 0, "[%s]: answered by the worker, not the C library", port_words[i]);
        }
        oih_xt_out_free(&o);
        /* outside a worker every call is the C library's */
        int n;
        ck_assert_int_eq(port_of(getaddrinfo, freeaddrinfo, "53", &n), 53);
        ck_assert_int_gt(n, 1);
}
END_TEST

/* Addresses: what oih_xt_parse puts in the entry for "-s SPEC" (one entry per address) is what
 * libxtables' own xtables_ip(6)parse_multiple makes of SPEC. Spellings it reads itself (the
 * worker's shortcut) and ones it leaves to libxtables. */
static const char *const addr_specs[2][20] = {
        {"192.0.2.1", "192.0.2.1/32", "192.0.2.77/24", "198.51.100.200/25", "203.0.113.9/0", "0.0.0.0/0",
         "255.255.255.255/1", "10.20.30.40/31", "192.0.2.1/8", "192.0.2.1/255.255.255.0", "10.1",
         "010.0.0.1", "192.0.2.1/010", "192.0.2.1/0x10", "192.0.2.1,198.51.100.1/24",
         "192.0.2.1/00", NULL},
        {"2001:db8::1", "2001:db8::1/128", "2001:db8:1:2:3:4:5:6/64", "2001:db8:ffff::/33", "::/0",
         "2001:db8::1/0", "::ffff:192.0.2.1/120", "2001:db8::1/127", "2001:db8::1/7",
         "2001:db8::1/ffff:ffff::", "2001:db8::1/010", "2001:db8::1,2001:db8::2/64",
         "2001:db8::1/00", NULL},
};

static int fn_addrs(void *ctx, FILE *out, struct oih_error *err)
{
        enum oih_family f = *(const enum oih_family *)ctx;
        size_t alen = f == OIH_IPV4 ? 4 : 16;
        size_t src = f == OIH_IPV4 ? offsetof(struct ipt_entry, ip.src) : offsetof(struct ip6t_entry, ipv6.src);
        size_t smsk = f == OIH_IPV4 ? offsetof(struct ipt_entry, ip.smsk) : offsetof(struct ip6t_entry, ipv6.smsk);
        for (int i = 0; addr_specs[f][i] != NULL; i++) {
                const char *spec = addr_specs[f][i];
                char *argv[] = {"-s", (char *)spec, "-j", "ACCEPT"};
                struct oih_xt_in in = {"filter", "INPUT", NULL, false};
                struct oih_xt_rule r;
                struct oih_error e;
                oih_error_init(&e);
                if (oih_xt_parse(4, argv, &in, &r, &e) < 0) {
                        fprintf(out, "[%s] refused: %s\n", spec, oih_error_first(&e));
                        oih_xt_rule_free(&r);
                        continue;
                }
                void *a = NULL, *m = NULL;
                unsigned n = 0;
                if (f == OIH_IPV4)
                        xtables_ipparse_multiple(spec, (struct in_addr **)&a, (struct in_addr **)&m, &n);
                else
                        xtables_ip6parse_multiple(spec, (struct in6_addr **)&a, (struct in6_addr **)&m, &n);
                bool same = n == r.nentries;
                size_t off = 0;
                for (unsigned k = 0; same && k < n; k++) {
                        const unsigned char *ent = r.entries + off;
                        same = memcmp(ent + src, (char *)a + k * alen, alen) == 0 &&
                               memcmp(ent + smsk, (char *)m + k * alen, alen) == 0;
                        off += oih_xt_entry_size(ent);
                }
                fprintf(out, "[%s] %u entries, libxtables %u: %s\n", spec, r.nentries, n, same ? "same" : "DIFFERENT");
                free(a);
                free(m);
                oih_xt_rule_free(&r);
        }
        (void)err;
        return 0;
}

START_TEST(addresses_as_libxtables)
{
        for (enum oih_family f = OIH_IPV4; f <= OIH_IPV6; f++) {
                struct oih_xt_out o;
                struct oih_error err;
                oih_error_init(&err);
                ck_assert_msg(oih_xt_run(f, OIH_XT_ASSUME, fn_addrs, &f, &o, &err) == 0, "%s", oih_error_first(&err));
                for (int i = 0; addr_specs[f][i] != NULL; i++) {
                        char head[64];
                        snprintf(head, sizeof(head), "[%s] ", addr_specs[f][i]);
                        const char *line = strstr(o.data, head);
                        ck_assert_msg(line != NULL, "no line for %s in:\n%s", head, o.data);
                        ck_assert_msg(strncmp(line + strlen(head), "refused", 7) != 0, "%s", line);
                        const char *end = strchr(line, '\n');
                        ck_assert_msg(end != NULL && end - line > 5 && strncmp(end - 5, " same", 5) == 0, "%.*s",
                                      (int)(end ? end - line : 80), line);
                }
                oih_xt_out_free(&o);
        }
}
END_TEST

/* P2/P3: after any refused rule, the next rule gets exactly the bytes it gets alone. */
static int fn_bytes(void *ctx, FILE *out, struct oih_error *err)
{
        const char *const *rules = ctx;
        for (int i = 0; rules[i] != NULL; i++) {
                char *copy = strdup(rules[i]), *argv[64], *save = NULL;
                int argc = 0;
                for (char *w = strtok_r(copy, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
                        argv[argc++] = w;
                struct oih_xt_in in = {"filter", "INPUT", NULL, false};
                struct oih_xt_rule r;
                if (oih_xt_parse(argc, argv, &in, &r, err) == 0)
                        fwrite(r.entries, 1, r.size, out);
                oih_xt_rule_free(&r);
                free(copy);
        }
        return 0;
}

START_TEST(bad_then_good)
{
#define GOOD "-s 192.0.2.1 -p tcp --dport 22 -m conntrack --ctstate NEW -m recent --name a --set -j LOG --log-prefix ok"
        static const char *const alone[] = {GOOD, NULL};
        /* No bad port: libxt_tcp leaks 6 bytes when it refuses one, which
         * tests/valgrind.sh would count; tests/xt.sh runs it under memcheck without leak checks. */
        static const char *const mixed[] = {
                "-i abcdefghijklmnopqrstuvwx", GOOD, "-p tcp --tcp-flags SYN", GOOD, "-m recent --rcheck --set", GOOD,
                "-m conntrack --ctstate BOGUS", GOOD, "-j LOG --log-level 99", GOOD, "-m nosuch", GOOD,
                "-p tcp --dport 1 --dport 2", GOOD, "-p tcp --bogus", GOOD, "-m limit --limit 1/x", GOOD, NULL};
        struct oih_xt_out a, m;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_xt_run(OIH_IPV4, OIH_XT_ASSUME, fn_bytes, (void *)alone, &a, &err), 0);
        ck_assert_int_eq(oih_xt_run(OIH_IPV4, OIH_XT_ASSUME, fn_bytes, (void *)mixed, &m, &err), 0);
        ck_assert_uint_gt(a.len, 0);
        ck_assert_uint_eq(m.len, 9 * a.len);
        for (int i = 0; i < 9; i++)
                ck_assert_msg(memcmp(m.data + i * a.len, a.data, a.len) == 0, "copy %d differs", i);
        oih_xt_out_free(&a);
        oih_xt_out_free(&m);
}
END_TEST

Suite *xt_suite(void)
{
        Suite *s = suite_create("xt");
        TCase *tc = tcase_create("worker");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, worker_output);
        tcase_add_test(tc, worker_errors);
        tcase_add_test(tc, worker_limits);
        tcase_add_test(tc, not_in_worker);
        tcase_add_test(tc, libdir_trust);
        tcase_add_test(tc, one_family_per_process);
        suite_add_tcase(s, tc);
        tc = tcase_create("rules");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, parse_render);
        tcase_add_test(tc, render_escapes);
        tcase_add_test(tc, provenance);
        tcase_add_test(tc, commands);
        tcase_add_test(tc, numeric_only);
        tcase_add_test(tc, both_families);
        tcase_add_test(tc, bad_then_good);
        tcase_add_test(tc, numeric_ports);
        tcase_add_test(tc, addresses_as_libxtables);
        suite_add_tcase(s, tc);
        return s;
}
