/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation and commit, against the real kernel in a network namespace each test makes
 * for itself (check runs every test in its own child process). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#include "cksuite.h"
#include "oih.h"
#include "ruleset.h"
#include "xt.h"

static void commit_ok(const struct oih_policy *p)
{
        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_compile(p, &rs, &err), 0);
        ck_assert_msg(oih_commit(rs, &err) == 0, "%s", oih_error_first(&err));
        oih_ruleset_free(rs);
}

static int fail_ipv6(enum oih_family f)
{
        return f == OIH_IPV6 ? -1 : 0;
}

START_TEST(test_ipv6_failure_puts_ipv4_back)
{
        ck_own_netns();
        struct oih_policy *a = ck_parse(ck_policy_a), *b = ck_parse(ck_policy_b);
        commit_ok(a);
        ck_assert_saved(OIH_IPV4, ck_saved_a(OIH_IPV4));

        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_compile(b, &rs, &err), 0);
        oih_fault_before_commit = fail_ipv6;
        ck_assert_int_lt(oih_commit(rs, &err), 0);
        oih_fault_before_commit = NULL;
        ck_assert_str_eq(oih_error_first(&err), "cannot commit the IPv6 filter table: Input/output error");
        ck_assert_str_eq(err.msg[1], "the IPv4 table was put back as it was");
        /* neither family is left with half of policy b */
        ck_assert_saved(OIH_IPV4, ck_saved_a(OIH_IPV4));
        ck_assert_saved(OIH_IPV6, ck_saved_a(OIH_IPV6));

        /* and without the fault, b goes in whole */
        ck_assert_int_eq(oih_commit(rs, &err), 0);
        ck_assert_saved(OIH_IPV4, ck_saved_b(OIH_IPV4));
        ck_assert_saved(OIH_IPV6, ck_saved_b(OIH_IPV6));
        oih_ruleset_free(rs);
        oih_policy_free(a);
        oih_policy_free(b);
}
END_TEST

/* The largest bursts check accepts for the slowest rates: the kernel's limit match takes them
 * (a burst more is refused by check, cksuite-policy.c). */
START_TEST(test_largest_limits_commit)
{
        ck_own_netns();
        struct oih_policy *p = ck_parse(
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"OUTPUT\", \"limit\": {\"rate\": \"1/day\", \"burst\": 1}},"
                "{\"chain\": \"OUTPUT\", \"limit\": {\"rate\": \"2/day\", \"burst\": 2}},"
                "{\"chain\": \"OUTPUT\", \"limit\": {\"rate\": \"1/hour\", \"burst\": 31}},"
                "{\"chain\": \"OUTPUT\", \"limit\": {\"rate\": \"1/minute\", \"burst\": 1864}},"
                "{\"chain\": \"OUTPUT\", \"limit\": {\"rate\": \"10000/day\", \"burst\": 10000}},"
                "{\"chain\": \"OUTPUT\", \"limit\": {\"rate\": \"1/second\", \"burst\": 10000}}]}");
        commit_ok(p);
        const char *rules = "-A OUTPUT -m limit --limit 1/day --limit-burst 1\n"
                            "-A OUTPUT -m limit --limit 2/day --limit-burst 2\n"
                            "-A OUTPUT -m limit --limit 1/hour --limit-burst 31\n"
                            "-A OUTPUT -m limit --limit 1/min --limit-burst 1864\n"
                            "-A OUTPUT -m limit --limit 10000/day --limit-burst 10000\n"
                            "-A OUTPUT -m limit --limit 1/sec --limit-burst 10000\n";
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                char *want;
                ck_assert_int_ge(asprintf(&want, "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"
                                                 ":OUTPUT ACCEPT [0:0]\n%sCOMMIT\n", rules), 0);
                ck_assert_saved((enum oih_family)f, want);
        }
        oih_policy_free(p);
}
END_TEST

/* Two version-2 policies over filter and nat; the expected tables are written out by hand. */
static const char *const tables_a =
        "{\"version\": 2, \"tables\": {\"nat\": {}}, \"policy\": {\"INPUT\": \"DROP\"}, \"rules\": ["
        "{\"chain\": \"INPUT\", \"in_interface\": \"lo\", \"target\": \"ACCEPT\"},"
        "{\"table\": \"nat\", \"chain\": \"OUTPUT\", \"protocol\": \"tcp\", \"dport\": 80,"
        " \"target\": \"REDIRECT\", \"target_options\": {\"to-ports\": 3128}}]}";
static const char *const tables_b =
        "{\"version\": 2, \"tables\": {\"nat\": {\"policy\": {\"OUTPUT\": \"DROP\"}}}, \"rules\": ["
        "{\"chain\": \"OUTPUT\", \"target\": \"DROP\"},"
        "{\"table\": \"nat\", \"chain\": \"POSTROUTING\", \"target\": \"MASQUERADE\"}]}";
static const char *const filter_a =
        "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
        "-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
static const char *const nat_a =
        "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
        "-A OUTPUT -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 3128\nCOMMIT\n";

static void assert_tables_a(void)
{
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                char *got = ck_saved_table((enum oih_family)f, "filter");
                ck_assert_str_eq(got, filter_a);
                free(got);
                got = ck_saved_table((enum oih_family)f, "nat");
                ck_assert_str_eq(got, nat_a);
                free(got);
        }
}

static enum oih_family fail_family;
static int fail_nat(enum oih_family f, unsigned table)
{
        return f == fail_family && table == OIH_TBL_NAT ? -1 : 0;
}

START_TEST(test_nat_failure_puts_every_table_back)
{
        ck_own_netns();
        struct oih_policy *a = ck_parse(tables_a), *b = ck_parse(tables_b);
        commit_ok(a);
        assert_tables_a();

        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_compile(b, &rs, &err), 0);
        /* IPv4: filter went in, nat fails; IPv6: filter, nat of IPv4 and filter went in */
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                oih_error_init(&err);
                fail_family = (enum oih_family)f;
                oih_fault_before_table_commit = fail_nat;
                ck_assert_int_lt(oih_commit(rs, &err), 0);
                oih_fault_before_table_commit = NULL;
                ck_assert_str_eq(oih_error_first(&err), f == OIH_IPV4 ? "cannot commit the IPv4 nat table: Input/output error"
                                                                      : "cannot commit the IPv6 nat table: Input/output error");
                ck_assert_str_eq(err.msg[1], f == OIH_IPV4 ? "the IPv4 table was put back as it was"
                                                           : "the 3 tables already replaced were put back as they were");
                assert_tables_a();
        }

        /* without the fault, b goes in whole */
        ck_assert_int_eq(oih_commit(rs, &err), 0);
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                char *got = ck_saved_table((enum oih_family)f, "nat");
                ck_assert_ptr_nonnull(strstr(got, ":OUTPUT DROP [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\n"));
                free(got);
                got = ck_saved_table((enum oih_family)f, "filter");
                ck_assert_ptr_nonnull(strstr(got, ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -j DROP\n"));
                free(got);
        }
        oih_ruleset_free(rs);
        oih_policy_free(a);
        oih_policy_free(b);
}
END_TEST

START_TEST(test_commit_is_idempotent)
{
        ck_own_netns();
        struct oih_policy *a = ck_parse(ck_policy_a);
        commit_ok(a);
        commit_ok(a);
        commit_ok(a);
        ck_assert_saved(OIH_IPV4, ck_saved_a(OIH_IPV4));
        ck_assert_saved(OIH_IPV6, ck_saved_a(OIH_IPV6));
        oih_policy_free(a);
}
END_TEST

START_TEST(test_lists_expand_sources_outer)
{
        struct oih_policy *p = ck_parse("{\"version\": 1, \"rules\": [{\"chain\": \"FORWARD\", "
                                     "\"source\": [\"192.0.2.1\", \"192.0.2.2\"], "
                                     "\"destination\": [\"198.51.100.1\", \"198.51.100.2\"]}]}");
        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_compile(p, &rs, &err), 0);
        ck_assert_uint_eq(oih_ruleset_count(rs, OIH_IPV4), 4);
        ck_assert_uint_eq(oih_ruleset_count(rs, OIH_IPV6), 0);
        char *text = ck_render(p, OIH_IPV4);
        ck_assert_str_eq(text,
                         "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                         "-A FORWARD -s 192.0.2.1/32 -d 198.51.100.1/32\n"
                         "-A FORWARD -s 192.0.2.1/32 -d 198.51.100.2/32\n"
                         "-A FORWARD -s 192.0.2.2/32 -d 198.51.100.1/32\n"
                         "-A FORWARD -s 192.0.2.2/32 -d 198.51.100.2/32\nCOMMIT\n");
        free(text);
        oih_ruleset_free(rs);
        oih_policy_free(p);
}
END_TEST

/* The read-back after a commit: bytes first, and the text when the bytes differ. */
static struct oih_ruleset *read_filter(void)
{
        unsigned want[OIH_NFAMILIES], has[OIH_NFAMILIES];
        struct oih_ruleset *live = NULL;
        struct oih_error err;
        oih_error_init(&err);
        char others[256];
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                ck_assert_int_eq(oih_tables_present((enum oih_family)f, &has[f], others, sizeof(others), &err), 0);
                want[f] = OIH_TBLBIT(OIH_TBL_FILTER);
        }
        ck_assert_int_eq(oih_read_tables(want, has, NULL, &live, &err), 0);
        return live;
}

START_TEST(test_read_back_compares_bytes_then_text)
{
        ck_own_netns();
        /* a port match, a jump, a fall-through and a verdict: the kernel gives jumps back as
         * offsets, and keeps counters and comefrom for itself */
        struct oih_policy *p = ck_parse("{\"version\": 1, \"chains\": [\"web\"], \"rules\": ["
                                        "{\"chain\": \"OUTPUT\", \"protocol\": \"tcp\", \"dport\": 443, \"target\": \"web\"},"
                                        "{\"chain\": \"web\", \"destination\": \"192.0.2.1\"},"
                                        "{\"chain\": \"web\", \"target\": \"ACCEPT\"}]}");
        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_compile(p, &rs, &err), 0);
        ck_assert_msg(oih_commit(rs, &err) == 0, "%s", oih_error_first(&err));
        struct oih_ruleset *live = read_filter();
        ck_assert(oih_tables_same_bytes(rs, live));
        ck_assert_int_eq(oih_live_same(rs, live, &err), 1);

        /* the first entry: OUTPUT's port rule, -p tcp -m tcp --dport 443 -j web */
        struct oih_table *tb = &live->t[OIH_IPV4][OIH_TBL_FILTER];
        ck_assert_uint_eq(tb->nentries, 3);
        unsigned i = 0;
        while (tb->chain_of[i] != OIH_OUTPUT)
                i++;
        ck_assert_uint_eq(i, 0);
        struct ipt_entry *e = (struct ipt_entry *)tb->entries.data;
        e->counters.pcnt = 7;
        e->comefrom = 0x55;
        ck_assert(oih_tables_same_bytes(rs, live));
        /* the tcp match's alignment padding (struct xt_tcp is 12 bytes, its slot 16): other
         * bytes, the same rule, so the text decides */
        struct xt_entry_match *m = (struct xt_entry_match *)e->elems;
        ck_assert_str_eq(m->u.user.name, "tcp");
        ck_assert_uint_eq(m->u.match_size, sizeof(*m) + 16);
        unsigned char *data = m->data;
        data[15] = 0xAA;
        ck_assert(!oih_tables_same_bytes(rs, live));
        ck_assert_int_eq(oih_live_same(rs, live, &err), 1);
        /* another port: another rule */
        data[15] = 0;
        data[4] ^= 1; /* dpts[0], 443 -> 442 or 187 */
        ck_assert(!oih_tables_same_bytes(rs, live));
        ck_assert_int_eq(oih_live_same(rs, live, &err), 0);
        data[4] ^= 1;
        ck_assert(oih_tables_same_bytes(rs, live));
        /* a policy DROP where ACCEPT was committed */
        tb->drop[OIH_INPUT] = true;
        ck_assert(!oih_tables_same_bytes(rs, live));
        ck_assert_int_eq(oih_live_same(rs, live, &err), 0);
        oih_ruleset_free(live);
        oih_ruleset_free(rs);
        oih_policy_free(p);
}
END_TEST

START_TEST(test_own_netns_is_recognised)
{
        struct oih_error err;
        oih_error_init(&err);
        int fd = oih_netns_open_path("/proc/self/ns/net", &err);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(oih_netns_is_own(fd, &err), 1);
        close(fd);
        ck_assert_int_lt(oih_netns_open_path("/nonexistent/netns", &err), 0);
        ck_assert_str_eq(oih_error_first(&err), "cannot open network namespace /nonexistent/netns: No such file or directory");
}
END_TEST

/* The child in the namespace says that it is done; a child that ends any other way (a
 * library's exit(0)) has not done its work, and that is an error, never success. */
static int fn_returns(void *ctx, struct oih_error *err)
{
        (void)err;
        return *(const int *)ctx;
}

static int fn_exits(void *ctx, struct oih_error *err)
{
        (void)ctx, (void)err;
        exit(0);
}

START_TEST(test_child_in_netns_says_done)
{
        ck_own_netns();
        struct oih_error err;
        oih_error_init(&err);
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), zero = 0, one = 1, minus = -1;
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(oih_run_in_netns(fd, fn_returns, &zero, &err), 0);
        ck_assert_int_eq(oih_run_in_netns(fd, fn_returns, &one, &err), 1);
        ck_assert_int_eq(err.n, 0);
        ck_assert_int_eq(oih_run_in_netns(fd, fn_returns, &minus, &err), -1);
        ck_assert_str_eq(oih_error_first(&err), "the child working in the network namespace failed without a message");
        oih_error_init(&err);
        ck_assert_int_eq(oih_run_in_netns(fd, fn_exits, NULL, &err), -1);
        ck_assert_str_eq(oih_error_first(&err), "the child working in the network namespace ended without saying that it was done");
        close(fd);
}
END_TEST

/* A large policy's entries are compiled by several workers at once: what they build together
 * is what one worker builds (tests/oracle.sh checks that against iptables), the same errors
 * included, also for a rule whose entries fall to two workers. */
static struct oih_ruleset *compile_parts(const struct oih_policy *p, unsigned workers, unsigned part_min,
                                         struct oih_error *err)
{
        struct oih_ruleset *rs = NULL;
        unsigned saved_workers = oih_compile_workers, saved_min = oih_compile_part_min;
        oih_compile_workers = workers;
        oih_compile_part_min = part_min;
        int r = oih_compile(p, &rs, err);
        oih_compile_workers = saved_workers;
        oih_compile_part_min = saved_min;
        return r == 0 ? rs : NULL;
}

START_TEST(test_workers_share_a_large_policy)
{
        /* 4 IPv4 entries a rule for the list, 1 for the rest; IPv6 fewer: 3 + 1 workers */
        struct oih_policy *p = ck_parse(
                "{\"version\": 2, \"chains\": [\"web\"], \"tables\": {\"nat\": {\"chains\": [\"nat-web\"]}}, \"rules\": ["
                "{\"chain\": \"OUTPUT\", \"protocol\": \"tcp\", \"dport\": 443, \"target\": \"web\"},"
                "{\"chain\": \"web\", \"source\": [\"192.0.2.1\", \"192.0.2.2\"], "
                " \"destination\": [\"198.51.100.1\", \"198.51.100.2\"], \"target\": \"ACCEPT\"},"
                "{\"chain\": \"OUTPUT\", \"destination\": \"2001:db8::1\", \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"udp\", \"sport\": [53, 123], \"target\": \"ACCEPT\"},"
                "{\"table\": \"nat\", \"chain\": \"OUTPUT\", \"protocol\": \"tcp\", \"target\": \"nat-web\"},"
                "{\"table\": \"nat\", \"chain\": \"nat-web\", \"protocol\": \"tcp\", \"dport\": 80, "
                " \"target\": \"REDIRECT\", \"target_options\": {\"to-ports\": \"3128\"}},"
                "{\"chain\": \"web\", \"destination\": [\"203.0.113.1\", \"203.0.113.2\"], \"target\": \"DROP\"},"
                "{\"chain\": \"OUTPUT\", \"target\": \"DROP\"}]}");
        struct oih_error err;
        oih_error_init(&err);
        struct oih_ruleset *one = compile_parts(p, 1, 2000, &err);
        ck_assert_msg(one != NULL, "%s", oih_error_first(&err));
        ck_assert_uint_eq(oih_ruleset_count(one, OIH_IPV4), 11);
        for (unsigned workers = 2; workers <= OIH_XT_MAXWORKERS; workers++) {
                struct oih_ruleset *many = compile_parts(p, workers, 1, &err);
                ck_assert_msg(many != NULL, "%s", oih_error_first(&err));
                for (int f = 0; f < OIH_NFAMILIES; f++)
                        for (unsigned t = 0; t < OIH_NTABLES; t++) {
                                const struct oih_table *a = &one->t[f][t], *b = &many->t[f][t];
                                ck_assert_uint_eq(a->nentries, b->nentries);
                                ck_assert_uint_eq(a->entries.len, b->entries.len);
                                ck_assert_uint_eq(a->nchains, b->nchains);
                                if (a->nentries)
                                        ck_assert(memcmp(a->chain_of, b->chain_of, a->nentries * sizeof(*a->chain_of)) == 0);
                                if (a->entries.len)
                                        ck_assert(memcmp(a->entries.data, b->entries.data, a->entries.len) == 0);
                        }
                oih_ruleset_free(many);
        }
        oih_ruleset_free(one);
        oih_policy_free(p);

        /* shares that round up on both sides: 1 IPv4 entry and 16 IPv6 ones on 8 CPUs */
        p = ck_parse("{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"destination\": \"192.0.2.1\"},"
                     "{\"chain\": \"OUTPUT\", \"destination\": [\"2001:db8::1\", \"2001:db8::2\", \"2001:db8::3\", "
                     "\"2001:db8::4\", \"2001:db8::5\", \"2001:db8::6\", \"2001:db8::7\", \"2001:db8::8\", "
                     "\"2001:db8::9\", \"2001:db8::a\", \"2001:db8::b\", \"2001:db8::c\", \"2001:db8::d\", "
                     "\"2001:db8::e\", \"2001:db8::f\", \"2001:db8::10\"]}]}");
        one = compile_parts(p, OIH_XT_MAXWORKERS, 1, &err);
        ck_assert_msg(one != NULL, "%s", oih_error_first(&err));
        ck_assert_uint_eq(oih_ruleset_count(one, OIH_IPV4), 1);
        ck_assert_uint_eq(oih_ruleset_count(one, OIH_IPV6), 16);
        oih_ruleset_free(one);
        oih_policy_free(p);

        /* an extension option libxtables refuses, in a rule of 4 entries that two workers
         * share, and in a later one: each reported once, as one worker reports them */
        p = ck_parse("{\"version\": 2, \"rules\": ["
                     "{\"chain\": \"OUTPUT\", \"target\": \"ACCEPT\"},"
                     "{\"chain\": \"OUTPUT\", \"destination\": [\"192.0.2.1\", \"192.0.2.2\", \"192.0.2.3\", \"192.0.2.4\"], "
                     " \"matches\": [{\"match\": \"tcp\", \"options\": {\"dport\": \"99999\"}}], \"family\": \"ipv4\"},"
                     "{\"chain\": \"OUTPUT\", \"destination\": \"192.0.2.9\", \"matches\": [{\"match\": \"udp\", "
                     " \"options\": {\"sport\": \"nope\"}}], \"family\": \"ipv4\"}]}");
        struct oih_error e1, e2;
        oih_error_init(&e1);
        oih_error_init(&e2);
        ck_assert_ptr_null(compile_parts(p, 1, 2000, &e1));
        ck_assert_ptr_null(compile_parts(p, 3, 1, &e2));
        ck_assert_int_eq(e1.n, 2);
        ck_assert_int_eq(e2.n, e1.n);
        for (int i = 0; i < e1.n; i++)
                ck_assert_str_eq(e2.msg[i], e1.msg[i]);
        ck_assert_ptr_nonnull(strstr(e1.msg[0], "rules[1].matches[0].options.dport"));
        ck_assert_ptr_nonnull(strstr(e1.msg[1], "rules[2].matches[0].options.sport"));
        oih_policy_free(p);
}
END_TEST

START_TEST(test_kernel_without_legacy_xtables_is_named)
{
        struct oih_error err;
        oih_error_init(&err);
        oih_table_error(OIH_IPV6, ENOPROTOOPT, &err);
        ck_assert_ptr_nonnull(strstr(oih_error_first(&err), "this kernel has no legacy iptables for IPv6 (ip6_tables"));
        ck_assert_ptr_nonnull(strstr(oih_error_first(&err), "CONFIG_NETFILTER_XTABLES_LEGACY"));
}
END_TEST

Suite *commit_suite(void)
{
        Suite *s = suite_create("commit");
        TCase *tc = tcase_create("kernel");
        tcase_set_tags(tc, "kernel");
        tcase_add_test(tc, test_ipv6_failure_puts_ipv4_back);
        tcase_add_test(tc, test_nat_failure_puts_every_table_back);
        tcase_add_test(tc, test_commit_is_idempotent);
        tcase_add_test(tc, test_largest_limits_commit);
        tcase_add_test(tc, test_own_netns_is_recognised);
        tcase_add_test(tc, test_child_in_netns_says_done);
        tcase_add_test(tc, test_read_back_compares_bytes_then_text);
        suite_add_tcase(s, tc);
        tc = tcase_create("translate");
        tcase_add_test(tc, test_lists_expand_sources_outer);
        tcase_add_test(tc, test_kernel_without_legacy_xtables_is_named);
        tcase_add_test(tc, test_workers_share_a_large_policy);
        suite_add_tcase(s, tc);
        return s;
}
