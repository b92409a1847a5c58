/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing and validation: every error names the file, the JSON path and what was expected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksuite.h"
#include "oih.h"
#include "ruleset.h"

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
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"bad_host.example\"}]}",
          "t.json: rules[0].source: \"bad_host.example\" is not an IPv4 or IPv6 address, nor a host name (a host name has letters, digits, '-' and '.' only)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": {\"not\": \"example.com\"}}]}",
          "t.json: rules[0].source: a host name cannot be negated (its addresses change); negate addresses, or allow the name and drop the rest" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"source\": \"localhost\"}]}",
          "t.json: rules[0].source: \"localhost\" is not an IPv4 or IPv6 address, nor a host name (not fully qualified: give at least two labels (search domains are not used))" },
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
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"in_interface\": \"et+h\"}]}",
          "t.json: rules[0].in_interface: invalid interface name \"et+h\": '+' is a wildcard only at the end" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"in_interface\": \"!eth0\", \"target\": \"DROP\"}]}",
          "t.json: rules[0].in_interface: interface name \"!eth0\" starts with '!', which iptables takes literally; negate with {\"not\": \"eth0\"}" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"out_interface\": {\"not\": \"!lo\"}}]}",
          "t.json: rules[0].out_interface: interface name \"!lo\" starts with '!'" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"FORWARD\", \"out_interface\": \"eth0:1\"}]}",
          "t.json: rules[0].out_interface: invalid interface name \"eth0:1\": ':' is not allowed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"FORWARD\", \"in_interface\": \"..\"}]}",
          "t.json: rules[0].in_interface: invalid interface name \"..\": no interface can have that name" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"FORWARD\", \"in_interface\": \"a b\"}]}",
          "t.json: rules[0].in_interface: invalid interface name \"a b\": ' ' is not allowed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"FORWARD\", \"in_interface\": \"a\\\\b\"}]}",
          "t.json: rules[0].in_interface: invalid interface name \"a\\b\": '\\' is not allowed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"FORWARD\", \"in_interface\": \"veth0123456789ab+\"}]}",
          "t.json: rules[0].in_interface: interface name \"veth0123456789ab+\" must be 1 to 15 characters" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"in_interface\": \"eth0\"}]}", "t.json: rules[0]: in_interface cannot be used in OUTPUT" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"ctstate\": [\"NEW\", \"\"]}]}",
          "t.json: rules[0].ctstate[1]: an empty name" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"state\": {\"not\": [1]}}]}",
          "t.json: rules[0].state[0]: expected a string, got" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"tcp_flags\": "
          "{\"mask\": [\"SYN\", \"SYN\", \"SYN\", \"SYN\", \"SYN\", \"SYN\", \"SYN\", \"SYN\", \"SYN\"], \"set\": []}}]}",
          "t.json: rules[0].tcp_flags.mask: more than 8 names" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"tcp_flags\": {\"mask\": \"SYN\", \"set\": []}}]}",
          "t.json: rules[0].tcp_flags.mask: expected a list of names, got a string" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"uid_owner\": 1000}]}",
          "t.json: rules[0]: uid_owner/gid_owner only work in OUTPUT (chain \"INPUT\" is reached from INPUT)" },
        { "{\"version\": 1, \"chains\": [\"c\"], \"rules\": [{\"chain\": \"FORWARD\", \"target\": \"c\"}, {\"chain\": \"c\", \"gid_owner\": 5}]}",
          "t.json: rules[1]: uid_owner/gid_owner only work in OUTPUT (chain \"c\" is reached from FORWARD)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"uid_owner\": \"5-1\"}]}", "t.json: rules[0].uid_owner: range \"5-1\" is reversed" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"5/fortnight\"}}]}",
          "t.json: rules[0].limit.rate: rate \"5/fortnight\": unknown unit" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"5/second\", \"burst\": 0}}]}",
          "t.json: rules[0].limit.burst: burst must be at least 1" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"1/day\"}}]}",
          "t.json: rules[0].limit: rate \"1/day\" with burst 5 is more than the kernel's limit match can count (rate x burst overflows); the largest burst for this rate is 1" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"2/day\", \"burst\": 3}}]}",
          "t.json: rules[0].limit.burst: rate \"2/day\" with burst 3 is more than the kernel's limit match can count (rate x burst overflows); the largest burst for this rate is 2" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"1/h\", \"burst\": 32}}]}",
          "t.json: rules[0].limit.burst: rate \"1/h\" with burst 32 is more than the kernel's limit match can count (rate x burst overflows); the largest burst for this rate is 31" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"limit\": {\"rate\": \"1/minute\", \"burst\": 1865}}]}",
          "t.json: rules[0].limit.burst: rate \"1/minute\" with burst 1865 is more than the kernel's limit match can count (rate x burst overflows); the largest burst for this rate is 1864" },
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
          "t.json: rules[0]: reject_with \"icmp-host-prohibited\" is for IPv4 only, but the rule is IPv6 only (its source)" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"family\": \"ipv6\", \"target\": \"REJECT\", \"reject_with\": \"icmp-admin-prohibited\"}]}",
          "t.json: rules[0]: reject_with \"icmp-admin-prohibited\" is for IPv4 only, but the rule is IPv6 only (\"family\" says so)" },
        { "{\"version\": 1, \"chains\": [{\"name\": \"c\", \"family\": \"ipv6\"}], \"rules\": [{\"chain\": \"c\", \"target\": \"REJECT\", \"reject_with\": \"icmp-net-prohibited\"}]}",
          "t.json: rules[0]: reject_with \"icmp-net-prohibited\" is for IPv4 only, but chain \"c\" exists for ipv6 only" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"family\": \"ipv6\", \"destination\": {\"not\": \"192.0.2.1\"}, \"target\": \"ACCEPT\"}]}",
          "t.json: rules[0]: destination: negated IPv4 address 192.0.2.1 in a rule that is IPv6 only (\"family\" says so), where it would match every packet" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"source\": \"2001:db8::1\", \"destination\": {\"not\": \"192.0.2.0/24\"}}]}",
          "t.json: rules[0]: destination: negated IPv4 address 192.0.2.0 in a rule that is IPv6 only (its source), where it would match every packet" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"protocol\": \"icmp\", \"source\": {\"not\": \"2001:db8::1\"}}]}",
          "t.json: rules[0]: source: negated IPv6 address 2001:db8::1 in a rule that is IPv4 only (protocol icmp), where it would match every packet" },
        { "{\"version\": 1, \"chains\": [{\"name\": \"c\", \"family\": \"ipv4\"}], \"rules\": [{\"chain\": \"c\", \"destination\": {\"not\": \"2001:db8::1\"}, \"target\": \"DROP\"}]}",
          "t.json: rules[0]: chain \"c\" exists for ipv4 only, but the rule has IPv6 addresses" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"destination\": {\"not\": [\"192.0.2.1\", \"2001:db8::1\"]}, \"target\": \"DROP\"}]}",
          "t.json: rules[0].destination: negation is not allowed with a list of addresses" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"destination\": \"::ffff:192.0.2.1\", \"target\": \"DROP\"}]}",
          "t.json: rules[0].destination: \"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address: sockets use it for IPv4 traffic, which an IPv6 rule never sees; write 192.0.2.1" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"source\": [\"2001:db8::1\", \"::FFFF:c000:0200/120\"]}]}",
          "t.json: rules[0].source[1]: \"::FFFF:c000:0200/120\" is an IPv4-mapped IPv6 address: sockets use it for IPv4 traffic, which an IPv6 rule never sees; write 192.0.2.0/24" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"OUTPUT\", \"destination\": {\"not\": \"::ffff:0:0/96\"}}]}",
          "t.json: rules[0].destination: \"::ffff:0:0/96\" is an IPv4-mapped IPv6 address: sockets use it for IPv4 traffic, which an IPv6 rule never sees; write 0.0.0.0/0" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_prefix\": \"this prefix is longer than 29 bytes\"}]}",
          "t.json: rules[0].log_prefix: string of 35 bytes is longer than 29" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": true}]}",
          "t.json: rules[0].log_level: expected a level (a name or a number), got a boolean" },
        { "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": \"\"}]}",
          "t.json: rules[0].log_level: an empty level" },
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

/* Friendly values the extension reads itself: what its parser refuses is refused with iptables'
 * own message (libxt_conntrack, libxt_tcp, libxtables' syslog levels), after the JSON path. */
static const struct {
        const char *rule, *error;
} by_extension[] = {
        { "{\"chain\": \"INPUT\", \"ctstate\": [\"NEW\", \"OLD\"]}", "t.json: rules[1].ctstate: Bad ctstate \"OLD\"" },
        { "{\"chain\": \"INPUT\", \"ctstate\": {\"not\": []}}", "t.json: rules[1].ctstate: Bad ctstate \"\"" },
        { "{\"chain\": \"INPUT\", \"state\": \"SNAT\"}", "t.json: rules[1].state: Bad state \"SNAT\"" },
        { "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"tcp_flags\": {\"mask\": [\"SYN\", \"FOO\"], \"set\": []}}",
          "t.json: rules[1].tcp_flags: Unknown TCP flag `FOO'" },
        { "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"tcp_flags\": {\"not\": {\"mask\": [\"SYN\"], \"set\": [\"syn!\"]}}}",
          "t.json: rules[1].tcp_flags: Unknown TCP flag `syn!'" },
        { "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": 9}", "t.json: rules[1].log_level: log level \"9\" unknown" },
        { "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": -1}", "t.json: rules[1].log_level: log level \"-1\" unknown" },
        { "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": \"loud\"}", "t.json: rules[1].log_level: log level \"loud\" unknown" },
        { "{\"chain\": \"INPUT\", \"target\": \"LOG\", \"log_level\": \"WARNING\"}", "t.json: rules[1].log_level: log level \"WARNING\" unknown" },
};

START_TEST(test_extension_refuses_friendly_value)
{
        char json[512];
        snprintf(json, sizeof(json), "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", \"target\": \"ACCEPT\"}, %s]}",
                 by_extension[_i].rule);
        struct oih_policy *p = parse_ok(json);
        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_msg(oih_compile(p, &rs, &err) < 0, "built: %s", json);
        ck_assert_int_eq(err.n, 1);
        ck_assert_str_eq(oih_error_first(&err), by_extension[_i].error);
        oih_policy_free(p);
}
END_TEST

static struct oih_ruleset *compile_ok(const char *json)
{
        struct oih_policy *p = parse_ok(json);
        struct oih_ruleset *rs = NULL;
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_msg(oih_compile(p, &rs, &err) == 0, "%s: %s", json, oih_error_first(&err));
        oih_policy_free(p);
        return rs;
}

/* What iptables takes in other spellings builds what the names tests/oracle.sh checks build. */
START_TEST(test_other_spellings_build_the_same)
{
        static const char *const pairs[][2] = {
                { "\"ctstate\": [\"new\", \"Established\"]", "\"ctstate\": [\"NEW\", \"ESTABLISHED\"]" },
                { "\"state\": {\"not\": \"invalid\"}", "\"state\": {\"not\": [\"INVALID\"]}" },
                { "\"protocol\": \"tcp\", \"tcp_flags\": {\"mask\": [\"syn\", \"Ack\"], \"set\": [\"syn\"]}",
                  "\"protocol\": \"tcp\", \"tcp_flags\": {\"mask\": [\"SYN\", \"ACK\"], \"set\": [\"SYN\"]}" },
                { "\"target\": \"LOG\", \"log_level\": \"warn\"", "\"target\": \"LOG\", \"log_level\": 4" },
                { "\"target\": \"LOG\", \"log_level\": \"err\"", "\"target\": \"LOG\", \"log_level\": \"3\"" },
        };
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
                struct oih_ruleset *rs[2];
                for (int k = 0; k < 2; k++) {
                        char json[512];
                        snprintf(json, sizeof(json), "{\"version\": 1, \"rules\": [{\"chain\": \"INPUT\", %s}]}", pairs[i][k]);
                        rs[k] = compile_ok(json);
                }
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        const struct oih_bytes *a = &rs[0]->t[f][OIH_TBL_FILTER].entries, *b = &rs[1]->t[f][OIH_TBL_FILTER].entries;
                        ck_assert_msg(a->len == b->len && a->len > 0 && memcmp(a->data, b->data, a->len) == 0,
                                      "%s: not the entry of %s", pairs[i][0], pairs[i][1]);
                }
                oih_ruleset_free(rs[0]);
                oih_ruleset_free(rs[1]);
        }
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
                "{\"chain\": \"INPUT\", \"protocol\": \"icmpv6\"}]}");
        ck_assert_uint_eq(p->rules[0].families, OIH_FAMBIT(OIH_IPV4));
        ck_assert_uint_eq(p->rules[1].families, OIH_FAMBIT(OIH_IPV6));
        ck_assert_uint_eq(p->rules[2].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[3].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[4].families, OIH_FAMBIT(OIH_IPV6));
        oih_policy_free(p);
}
END_TEST

/* Every packet of the other family satisfies "not this address": a negated address must never
 * take the other family out of the rule (that would let it through a DROP). */
START_TEST(test_negation_pins_no_family)
{
        struct oih_policy *p = parse_ok(
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"OUTPUT\", \"destination\": {\"not\": \"192.0.2.1\"}, \"target\": \"DROP\"},"
                "{\"chain\": \"INPUT\", \"source\": {\"not\": \"2001:db8::/32\"}, \"target\": \"DROP\"},"
                "{\"chain\": \"OUTPUT\", \"source\": {\"not\": \"2001:db8::1\"}, \"destination\": {\"not\": \"192.0.2.1\"}},"
                "{\"chain\": \"OUTPUT\", \"source\": [\"192.0.2.1\", \"2001:db8::1\"], \"destination\": {\"not\": \"198.51.100.1\"}},"
                "{\"chain\": \"OUTPUT\", \"source\": \"192.0.2.1\", \"destination\": {\"not\": \"198.51.100.1\"}},"
                "{\"chain\": \"OUTPUT\", \"family\": \"ipv6\", \"destination\": {\"not\": \"2001:db8::1\"}},"
                "{\"chain\": \"OUTPUT\", \"protocol\": \"icmpv6\", \"destination\": {\"not\": \"2001:db8::1\"}}]}");
        ck_assert_uint_eq(p->rules[0].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[1].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[2].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[3].families, OIH_FAM_BOTH);
        ck_assert_uint_eq(p->rules[4].families, OIH_FAMBIT(OIH_IPV4));
        ck_assert_uint_eq(p->rules[5].families, OIH_FAMBIT(OIH_IPV6));
        ck_assert_uint_eq(p->rules[6].families, OIH_FAMBIT(OIH_IPV6));
        oih_policy_free(p);
}
END_TEST

/* A reject type that one family lacks changes the reply there, not the families. */
START_TEST(test_reject_with_pins_no_family)
{
        struct oih_policy *p = parse_ok(
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp6-no-route\"},"
                "{\"chain\": \"INPUT\", \"target\": \"REJECT\", \"reject_with\": \"icmp-admin-prohibited\"},"
                "{\"chain\": \"INPUT\", \"source\": \"192.0.2.1\", \"target\": \"REJECT\", \"reject_with\": \"icmp-admin-prohibited\"},"
                "{\"chain\": \"INPUT\", \"protocol\": \"tcp\", \"target\": \"REJECT\", \"reject_with\": \"tcp-reset\"}]}");
        ck_assert_uint_eq(p->rules[0].families, OIH_FAM_BOTH);
        ck_assert_int_eq(p->rules[0].reject_with[OIH_IPV4], -1);
        ck_assert_int_ge(p->rules[0].reject_with[OIH_IPV6], 0);
        ck_assert_uint_eq(p->rules[1].families, OIH_FAM_BOTH);
        ck_assert_int_ge(p->rules[1].reject_with[OIH_IPV4], 0);
        ck_assert_int_eq(p->rules[1].reject_with[OIH_IPV6], -1);
        ck_assert_uint_eq(p->rules[2].families, OIH_FAMBIT(OIH_IPV4));
        ck_assert_uint_eq(p->rules[3].families, OIH_FAM_BOTH);
        oih_policy_free(p);
}
END_TEST

/* What iptables and the kernel accept as interface names, less what misleads. */
START_TEST(test_interface_names_accepted)
{
        struct oih_policy *p = parse_ok(
                "{\"version\": 1, \"rules\": ["
                "{\"chain\": \"FORWARD\", \"in_interface\": \"veth0123456789a\", \"out_interface\": \"+\"},"
                "{\"chain\": \"FORWARD\", \"in_interface\": {\"not\": \"eth+\"}, \"out_interface\": \"a!b.c-d_e@f\"},"
                "{\"chain\": \"FORWARD\", \"in_interface\": \"...\"}]}");
        ck_assert_str_eq(p->rules[0].iniface, "veth0123456789a");
        ck_assert_str_eq(p->rules[0].outiface, "+");
        ck_assert_str_eq(p->rules[1].iniface, "eth+");
        ck_assert(p->rules[1].iniface_inv);
        ck_assert_str_eq(p->rules[1].outiface, "a!b.c-d_e@f");
        ck_assert_str_eq(p->rules[2].iniface, "...");
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

/* allow_capabilities: the capabilities the hook would refuse that this policy accepts. */
START_TEST(test_allow_capabilities)
{
        static const struct {
                const char *json, *error;
        } refused[] = {
                { "{\"version\": 1, \"allow_capabilities\": \"NET_RAW\"}",
                  "t.json: allow_capabilities: expected an array of capability names, got a string" },
                { "{\"version\": 1, \"allow_capabilities\": [\"CHOWN\"]}",
                  "t.json: allow_capabilities[0]: \"CHOWN\" is not a capability the hook refuses (NET_ADMIN, "
                  "NET_RAW, SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, BPF, PERFMON, SYS_PTRACE)" },
                { "{\"version\": 1, \"allow_capabilities\": [\"net_raw\"]}",
                  "t.json: allow_capabilities[0]: \"net_raw\" is not a capability the hook refuses (NET_ADMIN, "
                  "NET_RAW, SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, BPF, PERFMON, SYS_PTRACE)" },
                { "{\"version\": 1, \"allow_capabilities\": [\"NET_RAW\", \"CAP_NET_RAW\"]}",
                  "t.json: allow_capabilities[1]: NET_RAW is listed twice" },
                { "{\"version\": 1, \"allow_capabilities\": [1]}",
                  "t.json: allow_capabilities[0]: expected a string, got a number" },
        };
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                struct oih_error err;
                struct oih_policy *p = NULL;
                oih_error_init(&err);
                ck_assert_int_lt(oih_policy_parse("t.json", refused[i].json, strlen(refused[i].json), &p, &err), 0);
                ck_assert_str_eq(oih_error_first(&err), refused[i].error);
        }
        struct oih_policy *p = parse_ok("{\"version\": 1, \"allow_capabilities\": [\"NET_RAW\", \"CAP_SYS_PTRACE\"]}");
        /* bits of hook.h's enum oih_cap: NET_RAW is 1, SYS_PTRACE 8 */
        ck_assert_uint_eq(p->allow_caps, (1u << 1) | (1u << 8));
        oih_policy_free(p);
        p = parse_ok("{\"version\": 1}");
        ck_assert_uint_eq(p->allow_caps, 0);
        oih_policy_free(p);
}
END_TEST

Suite *policy_suite(void)
{
        Suite *s = suite_create("policy");
        TCase *tc = tcase_create("errors");
        tcase_add_loop_test(tc, test_bad_policy_message, 0, sizeof(bad) / sizeof(bad[0]));
        tcase_add_loop_test(tc, test_extension_refuses_friendly_value, 0, sizeof(by_extension) / sizeof(by_extension[0]));
        tcase_add_test(tc, test_other_spellings_build_the_same);
        tcase_add_test(tc, test_all_errors_are_collected);
        tcase_add_test(tc, test_limits_on_rule_count);
        tcase_add_test(tc, test_allow_capabilities);
        suite_add_tcase(s, tc);
        tc = tcase_create("model");
        tcase_add_test(tc, test_family_missing_inherits_other);
        tcase_add_test(tc, test_addresses_pin_the_family);
        tcase_add_test(tc, test_negation_pins_no_family);
        tcase_add_test(tc, test_reject_with_pins_no_family);
        tcase_add_test(tc, test_host_bits_are_cleared);
        tcase_add_test(tc, test_interface_names_accepted);
        suite_add_tcase(s, tc);
        return s;
}
