/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commit path when the world misbehaves: someone changes the table between our read and
 * our commit (the kernel answers EAGAIN), the kernel has no IPv6 table at all. Each test runs
 * in a forked child and a network namespace of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cksuite.h"
#include "xt.h"
#include "oih.h"


static struct oih_ruleset *compile(const char *json, struct oih_policy **ret_p)
{
        struct oih_error err;
        struct oih_policy *p = NULL;
        struct oih_ruleset *rs = NULL;
        oih_error_init(&err);
        ck_assert_msg(oih_policy_parse("t.json", json, strlen(json), &p, &err) == 0, "%s", oih_error_first(&err));
        ck_assert_int_eq(oih_compile(p, &rs, &err), 0);
        *ret_p = p;
        return rs;
}

/* ---- someone else commits between our read and our commit ---- */

static int intrusions_left;
static int intrusions;

/* Runs just before each family's commit, after libiptc read the table: another iptables user
 * changes the IPv4 table now, so the kernel must refuse our stale replacement with EAGAIN. */
static int intrude(enum oih_family f)
{
        if (f != OIH_IPV4 || intrusions_left == 0)
                return 0;
        intrusions_left--;
        intrusions++;
        int r = system("iptables-legacy -w -A FORWARD -m comment --comment intruder -j ACCEPT");
        ck_assert_int_eq(r, 0);
        return 0;
}

START_TEST(test_eagain_is_retried)
{
        ck_own_netns();
        struct oih_policy *a;
        struct oih_ruleset *rs = compile(ck_policy_a, &a);
        struct oih_error err;
        oih_error_init(&err);
        intrusions_left = 2;
        oih_fault_before_commit = intrude;
        int r = oih_commit(rs, &err);
        oih_fault_before_commit = NULL;
        ck_assert_msg(r == 0, "%s", oih_error_first(&err));
        ck_assert_int_eq(intrusions, 2);
        /* the intruders' rules were in the table we re-read; the policy replaced them */
        ck_assert_saved(OIH_IPV4, ck_saved_a(OIH_IPV4));
        ck_assert_saved(OIH_IPV6, ck_saved_a(OIH_IPV6));
        oih_ruleset_free(rs);
        oih_policy_free(a);
}
END_TEST

START_TEST(test_eagain_gives_up_after_five_tries)
{
        ck_own_netns();
        struct oih_policy *a, *b;
        struct oih_ruleset *rsb = compile(ck_policy_b, &b), *rsa = compile(ck_policy_a, &a);
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_commit(rsb, &err), 0);

        intrusions_left = 1000;
        oih_fault_before_commit = intrude;
        ck_assert_int_lt(oih_commit(rsa, &err), 0);
        oih_fault_before_commit = NULL;
        ck_assert_int_eq(intrusions, 5);
        ck_assert_str_eq(oih_error_first(&err), "cannot commit the IPv4 filter table: Resource temporarily unavailable");
        ck_assert_int_eq(err.errnum, EAGAIN);
        /* nothing of policy a: IPv4 is b plus what the intruders added, IPv6 is b */
        char *got = ck_saved(OIH_IPV4);
        ck_assert_ptr_null(strstr(got, "-A a "));
        ck_assert_ptr_nonnull(strstr(got, ":INPUT DROP"));
        ck_assert_ptr_nonnull(strstr(got, "-A b -p udp -j DROP"));
        ck_assert_ptr_nonnull(strstr(got, "intruder"));
        free(got);
        ck_assert_saved(OIH_IPV6, ck_saved_b(OIH_IPV6));
        oih_ruleset_free(rsa);
        oih_ruleset_free(rsb);
        oih_policy_free(a);
        oih_policy_free(b);
}
END_TEST

/* ---- someone else changes a table after our commit ---- */

/* Runs before the IPv6 commit, when IPv4 is in already: another iptables user rewrites the
 * IPv4 rule into one of the very same length (tcp -> udp), which only a comparison of the
 * whole table can tell. */
static int rewrite_ipv4(enum oih_family f, unsigned table)
{
        if (f != OIH_IPV6 || table != OIH_TBL_FILTER)
                return 0;
        int r = system("iptables-legacy -w -R INPUT 1 -p udp -j ACCEPT");
        ck_assert_int_eq(r, 0);
        return 0;
}

/* Commits a one-rule policy (tcp, ACCEPT) in this namespace with FAULT before each table. */
static int commit_with_fault(int (*fault)(enum oih_family, unsigned), struct oih_error *err)
{
        static const char json[] = "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", "
                                   "\"target\": \"ACCEPT\"}]}";
        struct oih_policy *p;
        struct oih_ruleset *rs = compile(json, &p);
        oih_error_init(err);
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        int saved = oih_xt_timeout_ms;
        oih_fault_before_table_commit = fault;
        int r = oih_commit_netns(rs, fd, OIH_COMMIT_HERE, err);
        oih_fault_before_table_commit = NULL;
        oih_xt_timeout_ms = saved;
        close(fd);
        oih_ruleset_free(rs);
        oih_policy_free(p);
        return r;
}

START_TEST(test_changed_after_commit_is_refused)
{
        ck_own_netns();
        struct oih_error err;
        int r = commit_with_fault(rewrite_ipv4, &err);
        /* the rule iptables-legacy wrote is there: what we committed is not what the namespace
         * holds, and that must not be reported as applied */
        char *got = ck_saved(OIH_IPV4);
        ck_assert_ptr_nonnull(strstr(got, "-A INPUT -p udp -j ACCEPT"));
        free(got);
        ck_assert_int_lt(r, 0);
        ck_assert_ptr_nonnull(strstr(oih_error_first(&err), "read back"));
}
END_TEST

/* The same rewrite, and then the read-back itself fails (its text comparison, which the
 * changed bytes call for, gets a worker with no time to answer): the message says that the
 * policy went in and could not be checked, not only why the check failed. */
static int rewrite_ipv4_and_break_workers(enum oih_family f, unsigned table)
{
        rewrite_ipv4(f, table);
        if (f == OIH_IPV6 && table == OIH_TBL_FILTER)
                oih_xt_timeout_ms = 0;
        return 0;
}

START_TEST(test_read_back_failure_says_committed)
{
        ck_own_netns();
        struct oih_error err;
        ck_assert_int_lt(commit_with_fault(rewrite_ipv4_and_break_workers, &err), 0);
        ck_assert_str_eq(oih_error_first(&err), "the policy was committed, but its tables could not be read back to "
                                                "check them: the IPv4 libxtables worker did not finish in time");
}
END_TEST

/* ---- a kernel without the IPv6 table ---- */

/* From here on this process cannot open an IPv6 raw socket, which is how libiptc reaches
 * ip6_tables: exactly what a kernel without IPv6 (or without ip6_tables) looks like to it. */
static void no_ipv6_kernel(void)
{
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };
        ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        ck_assert_int_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
}

START_TEST(test_no_ipv6_table_puts_ipv4_back)
{
        ck_own_netns();
        struct oih_policy *a, *b;
        struct oih_ruleset *rsa = compile(ck_policy_a, &a), *rsb = compile(ck_policy_b, &b);
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_commit(rsa, &err), 0);

        no_ipv6_kernel();
        ck_assert_int_lt(oih_table_probe(OIH_IPV6, &err), 0);
        oih_error_init(&err);
        ck_assert_int_lt(oih_commit(rsb, &err), 0);
        ck_assert_msg(strstr(oih_error_first(&err), "this kernel has no legacy iptables for IPv6") != NULL,
                      "%s", oih_error_first(&err));
        ck_assert_int_eq(err.n, 2);
        ck_assert_str_eq(err.msg[1], "the IPv4 table was put back as it was");
        /* IPv4 holds a again, not b: no family is left with a policy the other lacks */
        ck_assert_saved(OIH_IPV4, ck_saved_a(OIH_IPV4));
        oih_ruleset_free(rsa);
        oih_ruleset_free(rsb);
        oih_policy_free(a);
        oih_policy_free(b);
}
END_TEST

/* An IPv4 commit that fails leaves nothing behind: not the table, not memory (the snapshot
 * taken for the rollback is freed; LeakSanitizer and valgrind run this test). */
static int fail_ipv4(enum oih_family f)
{
        return f == OIH_IPV4 ? -1 : 0;
}

START_TEST(test_ipv4_failure_changes_nothing)
{
        ck_own_netns();
        struct oih_policy *a, *b;
        struct oih_ruleset *rsa = compile(ck_policy_a, &a), *rsb = compile(ck_policy_b, &b);
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_eq(oih_commit(rsa, &err), 0);
        oih_fault_before_commit = fail_ipv4;
        ck_assert_int_lt(oih_commit(rsb, &err), 0);
        oih_fault_before_commit = NULL;
        ck_assert_str_eq(oih_error_first(&err), "cannot commit the IPv4 filter table: Input/output error");
        ck_assert_saved(OIH_IPV4, ck_saved_a(OIH_IPV4));
        ck_assert_saved(OIH_IPV6, ck_saved_a(OIH_IPV6));
        oih_ruleset_free(rsa);
        oih_ruleset_free(rsb);
        oih_policy_free(a);
        oih_policy_free(b);
}
END_TEST

Suite *faults_suite(void)
{
        Suite *s = suite_create("faults");
        TCase *tc = tcase_create("kernel");
        tcase_set_tags(tc, "kernel");
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_eagain_is_retried);
        tcase_add_test(tc, test_eagain_gives_up_after_five_tries);
        tcase_add_test(tc, test_no_ipv6_table_puts_ipv4_back);
        tcase_add_test(tc, test_ipv4_failure_changes_nothing);
        tcase_add_test(tc, test_changed_after_commit_is_refused);
        tcase_add_test(tc, test_read_back_failure_says_committed);
        suite_add_tcase(s, tc);
        return s;
}
