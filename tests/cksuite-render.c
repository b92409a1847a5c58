/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the compiler hands on, written out by hand: show's text for the shapes whose families
 * are easy to get wrong, and the words each entry hands to libxtables for the friendly fields.
 * The words are pinned where neither save text nor the kernel's entries tell a wrong word from
 * a right one (a rate save prints rounded, a default left out or spelled out, a name or its
 * number): tests/oracle.sh compares the entries with iptables' own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksuite.h"

/* A negated address of the other family drops out of that family's rule; a reject type of
 * one family leaves the other family rejecting with its default. */
static const char families_json[] =
        "{\"version\": 1, \"rules\": ["
        "{\"chain\": \"OUTPUT\", \"destination\": {\"not\": \"192.0.2.1\"}, \"target\": \"DROP\"},"
        "{\"chain\": \"OUTPUT\", \"source\": {\"not\": \"2001:db8::1\"}, \"destination\": {\"not\": \"192.0.2.0/24\"}, \"target\": \"DROP\"},"
        "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"target\": \"REJECT\", \"reject_with\": \"icmp-admin-prohibited\"},"
        "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp6-adm-prohibited\"}]}";

START_TEST(test_negated_and_reject_families_render)
{
        struct oih_policy *p = ck_parse(families_json);
        char *v4 = ck_render(p, OIH_IPV4), *v6 = ck_render(p, OIH_IPV6);
        ck_assert_str_eq(v4, "*filter\n"
                             ":INPUT ACCEPT [0:0]\n"
                             ":FORWARD ACCEPT [0:0]\n"
                             ":OUTPUT ACCEPT [0:0]\n"
                             "-A INPUT -p tcp -j REJECT --reject-with icmp-admin-prohibited\n"
                             "-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"
                             "-A OUTPUT ! -d 192.0.2.1/32 -j DROP\n"
                             "-A OUTPUT ! -d 192.0.2.0/24 -j DROP\n"
                             "COMMIT\n");
        ck_assert_str_eq(v6, "*filter\n"
                             ":INPUT ACCEPT [0:0]\n"
                             ":FORWARD ACCEPT [0:0]\n"
                             ":OUTPUT ACCEPT [0:0]\n"
                             "-A INPUT -p tcp -j REJECT --reject-with icmp6-port-unreachable\n"
                             "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited\n"
                             "-A OUTPUT -j DROP\n"
                             "-A OUTPUT ! -s 2001:db8::1/128 -j DROP\n"
                             "COMMIT\n");
        free(v4);
        free(v6);
        oih_policy_free(p);
}
END_TEST

static char *words(const char *json, enum oih_family f)
{
        struct oih_policy *p = ck_parse(json);
        char *buf = ck_text(oih_compile_words, p, f);
        oih_policy_free(p);
        return buf;
}

static void assert_words(const char *json, enum oih_family f, const char *want)
{
        char *got = words(json, f);
        ck_assert_str_eq(got, want);
        free(got);
}

/* The rate in the largest unit that holds it whole (as iptables-save prints it, so that the
 * kernel's average is the policy's), the burst only when it is not iptables' default 5. */
START_TEST(test_words_limit)
{
        static const char json[] =
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"10/second\"}, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"7/minute\", \"burst\": 20}, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"1/day\", \"burst\": 1}, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"3/h\"}, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"60/m\", \"burst\": 5}, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"48/d\", \"burst\": 6}, \"target\": \"ACCEPT\"}]}";
        const char *want = "-A INPUT -m limit --limit 10/sec -j ACCEPT\n"
                           "-A INPUT -m limit --limit 7/min --limit-burst 20 -j ACCEPT\n"
                           "-A INPUT -m limit --limit 1/day --limit-burst 1 -j ACCEPT\n"
                           "-A INPUT -m limit --limit 3/hour -j ACCEPT\n"
                           "-A INPUT -m limit --limit 1/sec -j ACCEPT\n"
                           "-A INPUT -m limit --limit 2/hour --limit-burst 6 -j ACCEPT\n";
        assert_words(json, OIH_IPV4, want);
        assert_words(json, OIH_IPV6, want);
}
END_TEST

/* Types by number, the code only when the name or the policy gives one; "any" is IPv4's word. */
START_TEST(test_words_icmp)
{
        assert_words("{\"version\": 1, \"rules\": ["
                     "{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": \"echo-request\", \"target\": \"ACCEPT\"},"
                     "{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": 3, \"target\": \"ACCEPT\"},"
                     "{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": \"3/4\", \"target\": \"ACCEPT\"},"
                     "{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": \"port-unreachable\", \"target\": \"ACCEPT\"},"
                     "{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": \"network-unreachable\", \"target\": \"ACCEPT\"},"
                     "{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": {\"not\": \"any\"}, \"target\": \"DROP\"}]}",
                     OIH_IPV4,
                     "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
                     "-A INPUT -p icmp -m icmp --icmp-type 3 -j ACCEPT\n"
                     "-A INPUT -p icmp -m icmp --icmp-type 3/4 -j ACCEPT\n"
                     "-A INPUT -p icmp -m icmp --icmp-type 3/3 -j ACCEPT\n"
                     "-A INPUT -p icmp -m icmp --icmp-type 3/0 -j ACCEPT\n"
                     "-A INPUT -p icmp -m icmp ! --icmp-type any -j DROP\n");
        static const char v6[] =
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"protocol\": \"icmpv6\", \"icmp_type\": \"neighbour-solicitation\", \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"icmpv6\", \"icmp_type\": \"128\", \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"icmpv6\", \"icmp_type\": {\"not\": \"1/3\"}, \"target\": \"ACCEPT\"}]}";
        assert_words(v6, OIH_IPV6,
                     "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT\n"
                     "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT\n"
                     "-A INPUT -p ipv6-icmp -m icmp6 ! --icmpv6-type 1/3 -j ACCEPT\n");
        assert_words(v6, OIH_IPV4, "");
}
END_TEST

/* Mask and set as written, each list joined with commas; syn is its fixed mask. */
START_TEST(test_words_tcp_flags)
{
        static const char json[] =
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"syn\": true, \"target\": \"DROP\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"syn\": {\"not\": true}, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"tcp_flags\": {\"mask\": [\"ALL\"], \"set\": [\"NONE\"]}, \"target\": \"DROP\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"tcp_flags\": {\"mask\": [\"URG\", \"PSH\", \"FIN\"], \"set\": [\"FIN\", \"URG\"]}, \"target\": \"DROP\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": 80, \"tcp_flags\": {\"not\": {\"mask\": [\"ACK\", \"RST\"], \"set\": [\"RST\"]}}, \"target\": \"ACCEPT\"}]}";
        const char *want = "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP\n"
                           "-A INPUT -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT\n"
                           "-A INPUT -p tcp -m tcp --tcp-flags ALL NONE -j DROP\n"
                           "-A INPUT -p tcp -m tcp --tcp-flags URG,PSH,FIN FIN,URG -j DROP\n"
                           "-A INPUT -p tcp -m tcp --dport 80 ! --tcp-flags ACK,RST RST -j ACCEPT\n";
        assert_words(json, OIH_IPV4, want);
        assert_words(json, OIH_IPV6, want);
}
END_TEST

/* Each family its own type, its default spelled out where the policy names none for it.
 * tcp-rst is iptables' alias of tcp-reset; ip6tables has none ("unknown reject type"), but a
 * policy's tcp-rst means a TCP reset for IPv6 too. */
START_TEST(test_words_reject)
{
        static const char json[] =
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"target\": \"REJECT\", \"reject_with\": \"tcp-rst\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp-host-prohibited\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp6-adm-prohibited\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp-net-unreachable\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp6-no-route\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"target\": \"REJECT\", \"reject_with\": \"tcp-reset\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"port-unreach\"}]}";
        assert_words(json, OIH_IPV4,
                     "-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n"
                     "-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"
                     "-A INPUT -j REJECT --reject-with icmp-host-prohibited\n"
                     "-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"
                     "-A INPUT -j REJECT --reject-with icmp-net-unreachable\n"
                     "-A INPUT -j REJECT --reject-with icmp-port-unreachable\n"
                     "-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n"
                     "-A INPUT -j REJECT --reject-with icmp-port-unreachable\n");
        assert_words(json, OIH_IPV6,
                     "-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n"
                     "-A INPUT -j REJECT --reject-with icmp6-port-unreachable\n"
                     "-A INPUT -j REJECT --reject-with icmp6-port-unreachable\n"
                     "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited\n"
                     "-A INPUT -j REJECT --reject-with icmp6-port-unreachable\n"
                     "-A INPUT -j REJECT --reject-with icmp6-no-route\n"
                     "-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n"
                     "-A INPUT -j REJECT --reject-with icmp6-port-unreachable\n");
}
END_TEST

/* Levels as written (a number as its digits); NFLOG's group 0 (iptables' default) left out. */
START_TEST(test_words_log)
{
        static const char json[] =
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"target\": \"LOG\"},"
                "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_prefix\": \"dropped: \", \"log_level\": \"debug\"},"
                "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_prefix\": \"plain\", \"log_level\": 4},"
                "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": \"warning\"},"
                "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": \"emerg\"},"
                "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": 0},"
                "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": \"crit\"},"
                "{\"chain\": \"INPUT\", \"target\": \"NFLOG\"},"
                "{\"chain\": \"INPUT\", \"target\": \"NFLOG\", \"nflog_group\": 7, \"nflog_prefix\": \"out bound\"}]}";
        const char *want = "-A INPUT -j LOG\n"
                           "-A INPUT -j LOG --log-prefix 'dropped: ' --log-level debug\n"
                           "-A INPUT -j LOG --log-prefix plain --log-level 4\n"
                           "-A INPUT -j LOG --log-level warning\n"
                           "-A INPUT -j LOG --log-level emerg\n"
                           "-A INPUT -j LOG --log-level 0\n"
                           "-A INPUT -j LOG --log-level crit\n"
                           "-A INPUT -j NFLOG\n"
                           "-A INPUT -j NFLOG --nflog-prefix 'out bound' --nflog-group 7\n";
        assert_words(json, OIH_IPV4, want);
        assert_words(json, OIH_IPV6, want);
}
END_TEST

/* One owner match for both ids, each with its own negation; a range of one id is that id. */
START_TEST(test_words_owner)
{
        static const char json[] =
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"OUTPUT\", \"uid_owner\": 1000, \"target\": \"ACCEPT\"},"
                "{\"chain\": \"OUTPUT\", \"uid_owner\": {\"not\": \"0-999\"}, \"gid_owner\": \"100-200\", \"target\": \"DROP\"},"
                "{\"chain\": \"OUTPUT\", \"uid_owner\": \"0-999\", \"gid_owner\": {\"not\": 100}, \"target\": \"DROP\"},"
                "{\"chain\": \"OUTPUT\", \"gid_owner\": \"65534-65534\", \"target\": \"DROP\"},"
                "{\"chain\": \"OUTPUT\", \"uid_owner\": \"4294967294\", \"target\": \"DROP\"}]}";
        const char *want = "-A OUTPUT -m owner --uid-owner 1000 -j ACCEPT\n"
                           "-A OUTPUT -m owner ! --uid-owner 0-999 --gid-owner 100-200 -j DROP\n"
                           "-A OUTPUT -m owner --uid-owner 0-999 ! --gid-owner 100 -j DROP\n"
                           "-A OUTPUT -m owner --gid-owner 65534 -j DROP\n"
                           "-A OUTPUT -m owner --uid-owner 4294967294 -j DROP\n";
        assert_words(json, OIH_IPV4, want);
        assert_words(json, OIH_IPV6, want);
}
END_TEST

/* "all" is a protocol word: ip6tables' -p all sets IP6T_F_PROTO, which the kernel's entry keeps. */
START_TEST(test_words_protocol_all)
{
        static const char json[] = "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"protocol\": \"all\", \"target\": \"ACCEPT\"}]}";
        assert_words(json, OIH_IPV4, "-A OUTPUT -p all -j ACCEPT\n");
        assert_words(json, OIH_IPV6, "-A OUTPUT -p all -j ACCEPT\n");
}
END_TEST

Suite *render_suite(void)
{
        Suite *s = suite_create("render");
        TCase *tc = tcase_create("families");
        tcase_add_test(tc, test_negated_and_reject_families_render);
        suite_add_tcase(s, tc);
        tc = tcase_create("words");
        tcase_add_test(tc, test_words_limit);
        tcase_add_test(tc, test_words_icmp);
        tcase_add_test(tc, test_words_tcp_flags);
        tcase_add_test(tc, test_words_reject);
        tcase_add_test(tc, test_words_log);
        tcase_add_test(tc, test_words_owner);
        tcase_add_test(tc, test_words_protocol_all);
        suite_add_tcase(s, tc);
        return s;
}
