/* Parsing and validation: every error names the file, the JSON path and what was expected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksuite.h"
#include "oih.h"

static struct oih_policy *parse_ok(const char *json)
{
        struct oih_error err;
        struct oih_policy *p = NULL;
        oih_error_init(&err);
        int r = oih_policy_parse("t.json", json, strlen(json), &p, &err);
        ck_assert_msg(r == 0, "expected %s to parse, got: %s", json, oih_error_first(&err));
        return p;
}

/* Each invalid policy and the start of the first message it must give. */
static const struct {
        const char *json, *error;
} bad[] = {
        { "", "t.json:1:1: invalid JSON: unexpected end of file" },
        { "{\"version\": 1", "t.json:1:14: invalid JSON: unexpected end of file" },
        { "{\"version\": 1}\n{}", "t.json:2:1: invalid JSON: unexpected text after the policy object" },
        { "[1]", "t.json: (top level): expected a policy object, got an array" },
        { "{}", "t.json: version: missing: this file must say \"version\": 1" },
        { "{\"version\": 3}", "t.json: version: unsupported version 3 (this program reads versions 1 and 2)" },
        { "{\"version\": 1, \"rule\": []}", "t.json: (top level): unknown key \"rule\"" },
        { "{\"version\": 1, \"policy\": {\"INPUT\": \"REJECT\"}}", "t.json: policy.INPUT: policy \"REJECT\" is not ACCEPT or DROP" },
        { "{\"version\": 1, \"policy\": {\"PREROUTING\": \"DROP\"}}", "t.json: policy: unknown chain \"PREROUTING\"" },
        { "{\"version\": 1, \"policy\": {\"INPUT\": {\"ipv5\": \"DROP\"}}}", "t.json: policy.INPUT: unknown key \"ipv5\"" },
        { "{\"version\": 1, \"rules\": {}}", "t.json: rules: expected an array of rules, got an object" },
        { "{\"version\": 1, \"rules\": [{\"target\": \"ACCEPT\"}]}", "t.json: rules[0]: \"chain\" is required" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"colour\": 1}]}", "t.json: rules[0]: unknown key \"colour\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": 70000}]}",
          "t.json: rules[0].dport: port 70000 out of range 0-65535" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": \"90:80\"}]}",
          "t.json: rules[0].dport: port range \"90:80\" is reversed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": \"http\"}]}",
          "t.json: rules[0].dport: port \"http\" is not a number in 0-65535" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}]}",
          "t.json: rules[0].dport: too many ports: a list takes at most 15 slots" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,\"15:16\"]}]}",
          "t.json: rules[0].dport: too many ports: a list takes at most 15 slots, a range counts two" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"dport\": 22}]}", "t.json: rules[0]: dport needs protocol tcp or udp" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": {\"not\": \"tcp\"}, \"dport\": 22}]}",
          "t.json: rules[0]: dport needs protocol tcp or udp" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"udp\", \"syn\": true}]}", "t.json: rules[0]: syn needs protocol tcp" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"192.0.2.0/33\"}]}", "t.json: rules[0].source: mask \"/33\" out of range 0-32" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"2001:db8::/129\"}]}", "t.json: rules[0].source: mask \"/129\" out of range 0-128" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"example.com\"}]}",
          "t.json: rules[0].source: \"example.com\" is not an IPv4 or IPv6 address (host names are not accepted)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": [\"192.0.2.1\", \"192.0.2.300\"]}]}",
          "t.json: rules[0].source[1]: \"192.0.2.300\" is not an IPv4 or IPv6 address" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": {\"not\": [\"192.0.2.1\"]}}]}",
          "t.json: rules[0].source: negation is not allowed with a list of addresses" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"family\": \"ipv4\", \"source\": \"2001:db8::1\"}]}",
          "t.json: rules[0]: source: IPv6 address 2001:db8::1 in a rule that is IPv4 only (\"family\" says so)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"192.0.2.1\", \"destination\": \"2001:db8::1\"}]}",
          "t.json: rules[0]: source and destination have no address family in common" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": [\"192.0.2.1\", \"2001:db8::2\"], \"destination\": \"198.51.100.1\"}]}",
          "t.json: rules[0]: source[1]: IPv6 address 2001:db8::2 in a rule that is IPv4 only" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"destination\": \"2001:db8::1\"}]}",
          "t.json: rules[0]: destination: IPv6 address 2001:db8::1 in a rule that is IPv4 only (protocol icmp)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"family\": \"ipv6\", \"protocol\": \"icmp\"}]}",
          "t.json: rules[0]: protocol icmp is IPv4's; use icmpv6 for IPv6" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": \"neighbour-solicitation\"}]}",
          "t.json: rules[0].icmp_type: unknown ICMP type \"neighbour-solicitation\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"icmp\", \"icmp_type\": \"1234\"}]}",
          "t.json: rules[0].icmp_type: unknown ICMP type \"1234\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"icmpv6\", \"icmp_type\": \"1/\"}]}",
          "t.json: rules[0].icmp_type: unknown ICMPv6 type \"1/\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"icmp_type\": 8}]}", "t.json: rules[0].icmp_type: icmp_type needs protocol icmp or icmpv6" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"in_interface\": \"a-very-long-interface\"}]}",
          "t.json: rules[0].in_interface: interface name \"a-very-long-interface\" must be 1 to 15 characters" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"in_interface\": \"et+h\"}]}", "t.json: rules[0].in_interface: invalid interface name \"et+h\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"in_interface\": \"eth0\"}]}", "t.json: rules[0]: in_interface cannot be used in OUTPUT" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"ctstate\": [\"NEW\", \"OLD\"]}]}",
          "t.json: rules[0].ctstate[1]: unknown state \"OLD\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"uid_owner\": 1000}]}",
          "t.json: rules[0]: uid_owner/gid_owner only work in OUTPUT (chain \"INPUT\" is reached from INPUT)" },
        { "{\"version\": 1, \"chains\": [\"c\"], \"rules\": [{\"chain\": \"FORWARD\", \"target\": \"c\"}, {\"chain\": \"c\", \"gid_owner\": 5}]}",
          "t.json: rules[1]: uid_owner/gid_owner only work in OUTPUT (chain \"c\" is reached from FORWARD)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"uid_owner\": \"5-1\"}]}", "t.json: rules[0].uid_owner: range \"5-1\" is reversed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"5/fortnight\"}}]}",
          "t.json: rules[0].limit.rate: rate \"5/fortnight\": unknown unit" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"5/second\", \"burst\": 0}}]}",
          "t.json: rules[0].limit.burst: burst must be at least 1" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"nowhere\"}]}", "t.json: rules[0]: target \"nowhere\": no such chain" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"nowhere\", \"target\": \"DROP\"}]}", "t.json: rules[0]: chain \"nowhere\" is not declared in \"chains\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"goto\": \"ACCEPT\"}]}", "t.json: rules[0].goto: goto needs a user-defined chain, not ACCEPT" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"OUTPUT\"}]}", "t.json: rules[0]: cannot jump to the built-in chain OUTPUT" },
        { "{\"version\": 1, \"chains\": [\"a\", \"b\"], \"rules\": [{\"chain\": \"a\", \"target\": \"b\"}, {\"chain\": \"b\", \"goto\": \"a\"}]}",
          "t.json: chains: chain \"a\" jumps back to itself (a loop)" },
        { "{\"version\": 1, \"chains\": [\"ACCEPT\"]}", "t.json: chains[0]: chain name \"ACCEPT\" is a built-in chain or target name" },
        { "{\"version\": 1, \"chains\": [\"a-chain-name-that-is-too-long-x\"]}", "t.json: chains[0]: chain name \"a-chain-name-that-is-too-long-x\" must be 1 to 28 characters" },
        { "{\"version\": 1, \"chains\": [\"has space\"]}", "t.json: chains[0]: chain name \"has space\" may only contain letters, digits and - _ . :" },
        { "{\"version\": 1, \"chains\": [\"x\", \"x\"]}", "t.json: chains[1]: chain \"x\" is declared twice" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"DROP\", \"reject_with\": \"tcp-reset\"}]}",
          "t.json: rules[0]: reject_with goes only with target REJECT" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"tcp-reset\"}]}",
          "t.json: rules[0].reject_with: tcp-reset needs protocol tcp" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"go-away\"}]}",
          "t.json: rules[0].reject_with: unknown reject type \"go-away\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"2001:db8::1\", \"target\": \"REJECT\", \"reject_with\": \"icmp-host-prohibited\"}]}",
          "t.json: rules[0]: source: IPv6 address 2001:db8::1 in a rule that is IPv4 only (reject_with)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_prefix\": \"this prefix is longer than 29 bytes\"}]}",
          "t.json: rules[0].log_prefix: string of 35 bytes is longer than 29" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": 9}]}",
          "t.json: rules[0].log_level: log level 9 out of range 0-7" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"NFLOG\", \"nflog_group\": -1}]}",
          "t.json: rules[0].nflog_group: group -1 out of range 0-65535" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"comment\": \"tab\\there\"}]}",
          "t.json: rules[0].comment: only printable ASCII characters are allowed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": {\"not\": 1, \"x\": 2}}]}",
          "t.json: rules[0].dport: expected {\"not\": value} with no other key" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": {\"not\": \"all\"}}]}",
          "t.json: rules[0].protocol: rule would never match protocol" },
        { "{\"version\": 1, \"rules\": [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "t.json:1:" },
        { "{\"version\": 1, \"description\": \"\xff\"}", "t.json:1:32: invalid JSON: invalid UTF-8" },
        { "{\"version\": 1, \"version\": 1}", "t.json:1:16: invalid policy: duplicate key \"version\"" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"ACCEPT\", \"tar\\u0067et\": \"DROP\"}]}",
          "t.json:1:65: invalid policy: duplicate key \"target\"" },
        { "{\"version\": 1, \"description\": \"\\ud800\"}", "t.json:1:" },
        { "{\"version\": 1, \"description\": \"a\\u0000b\"}", "t.json:1:" },
        { "{\"version\": 01}", "t.json:1:14: invalid JSON: unexpected character" },
        { "{\"version\": 1,}", "t.json:1:15: invalid JSON: unexpected character" },
        { "{\"version\": 1.0}", "t.json: version: expected the number 1 or 2, got a number that is not a whole number in range" },
        { "{\"version\": tru}", "t.json:1:13: invalid JSON: unexpected character" },
        { "{\"version\": 1 /* c */}", "t.json:1:15: invalid JSON: unexpected character" },
};

START_TEST(test_bad_policy_message)
{
        struct oih_error err;
        struct oih_policy *p = NULL;
        oih_error_init(&err);
        int r = oih_policy_parse("t.json", bad[_i].json, strlen(bad[_i].json), &p, &err);
        ck_assert_msg(r < 0, "accepted: %s", bad[_i].json);
        ck_assert_ptr_null(p);
        ck_assert_msg(strncmp(oih_error_first(&err), bad[_i].error, strlen(bad[_i].error)) == 0,
                      "for %s\n  expected: %s\n  got:      %s", bad[_i].json, bad[_i].error, oih_error_first(&err));
}
END_TEST

START_TEST(test_all_errors_are_collected)
{
        const char *json = "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"dport\": 70000},"
                           " {\"chain\": \"INPUT\", \"source\": \"x\"}, {\"chain\": \"INPUT\", \"what\": 1}]}";
        struct oih_error err;
        struct oih_policy *p = NULL;
        oih_error_init(&err);
        ck_assert_int_lt(oih_policy_parse("t.json", json, strlen(json), &p, &err), 0);
        ck_assert_int_eq(err.n, 3);
        ck_assert_ptr_nonnull(strstr(err.msg[0], "rules[0].dport"));
        ck_assert_ptr_nonnull(strstr(err.msg[1], "rules[1].source"));
        ck_assert_ptr_nonnull(strstr(err.msg[2], "rules[2]: unknown key \"what\""));
}
END_TEST

START_TEST(test_family_missing_inherits_other)
{
        struct oih_policy *p = parse_ok("{\"version\": 1, \"policy\": {\"INPUT\": {\"ipv4\": \"DROP\"}, "
                                        "\"OUTPUT\": {\"ipv6\": \"DROP\", \"ipv4\": \"ACCEPT\"}}}");
        ck_assert(p->drop[OIH_IPV4][OIH_INPUT]);
        ck_assert(p->drop[OIH_IPV6][OIH_INPUT]);
        ck_assert(!p->drop[OIH_IPV4][OIH_OUTPUT]);
        ck_assert(p->drop[OIH_IPV6][OIH_OUTPUT]);
        ck_assert(!p->drop[OIH_IPV4][OIH_FORWARD]);
        ck_assert(!p->drop[OIH_IPV6][OIH_FORWARD]);
        oih_policy_free(p);
}
END_TEST

START_TEST(test_addresses_pin_the_family)
{
        struct oih_policy *p = parse_ok(
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"source\": \"192.0.2.1\"},"
                "{\"chain\": \"INPUT\", \"source\": \"2001:db8::1\"},"
                "{\"chain\": \"INPUT\", \"source\": [\"192.0.2.1\", \"2001:db8::1\"]},"
                "{\"chain\": \"INPUT\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"icmpv6\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp6-no-route\"}]}");
        ck_assert_uint_eq(p->rules[0].families, OIH_FAMBIT(OIH_IPV4));
        ck_assert_uint_eq(p->rules[1].families, OIH_FAMBIT(OIH_IPV6));
        ck_assert_uint_eq(p->rules[2].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[3].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[4].families, OIH_FAMBIT(OIH_IPV6));
        ck_assert_uint_eq(p->rules[5].families, OIH_FAMBIT(OIH_IPV6));
        oih_policy_free(p);
}
END_TEST

START_TEST(test_host_bits_are_cleared)
{
        struct oih_policy *p = parse_ok("{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"192.0.2.77/26\"}]}");
        const unsigned char want[4] = { 192, 0, 2, 64 }, mask[4] = { 255, 255, 255, 192 };
        ck_assert_mem_eq(p->rules[0].src[0].addr, want, 4);
        ck_assert_mem_eq(p->rules[0].src[0].mask, mask, 4);
        oih_policy_free(p);
}
END_TEST

START_TEST(test_limits_on_rule_count)
{
        /* one rule over the limit: refused before anything is built */
        size_t n = OIH_MAX_RULES + 1, len = 0, cap = n * 20 + 64;
        char *json = malloc(cap);
        len += (size_t)snprintf(json, cap, "{\"version\": 1, \"rules\": [");
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(json + len, cap - len, "%s{\"chain\":\"INPUT\"}", i ? "," : "");
        len += (size_t)snprintf(json + len, cap - len, "]}");
        struct oih_error err;
        struct oih_policy *p = NULL;
        oih_error_init(&err);
        ck_assert_int_lt(oih_policy_parse("big.json", json, len, &p, &err), 0);
        ck_assert_str_eq(oih_error_first(&err), "big.json: rules: 100001 rules, more than the limit of 100000");
        free(json);
}
END_TEST

Suite *policy_suite(void)
{
        Suite *s = suite_create("policy");
        TCase *tc = tcase_create("errors");
        tcase_add_loop_test(tc, test_bad_policy_message, 0, sizeof(bad) / sizeof(bad[0]));
        tcase_add_test(tc, test_all_errors_are_collected);
        tcase_add_test(tc, test_limits_on_rule_count);
        suite_add_tcase(s, tc);
        tc = tcase_create("model");
        tcase_add_test(tc, test_family_missing_inherits_other);
        tcase_add_test(tc, test_addresses_pin_the_family);
        tcase_add_test(tc, test_host_bits_are_cleared);
        suite_add_tcase(s, tc);
        return s;
}
