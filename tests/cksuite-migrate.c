/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate: the shell word splitter, the translation of iptables options into policy keys, and
 * the error for every construct a policy cannot hold. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksuite.h"
#include "migrate.h"
#include "policy.h"

struct result {
        int rc;
        char *out, *diag;
        struct oih_error err;
};

static void run(struct result *r, const char *text, int family, bool lenient)
{
        struct oih_migrate_opts o = { .family = family, .lenient = lenient };
        size_t on = 0, dn = 0;
        FILE *out = open_memstream(&r->out, &on), *diag = open_memstream(&r->diag, &dn);
        ck_assert_ptr_nonnull(out);
        ck_assert_ptr_nonnull(diag);
        oih_error_init(&r->err);
        r->rc = oih_migrate("t.sh", text, strlen(text), &o, out, diag, &r->err);
        fclose(out);
        fclose(diag);
}

static void done(struct result *r)
{
        free(r->out);
        free(r->diag);
}

/* The translation succeeds and the output holds NEEDLE. */
static void expect_out(const char *text, const char *needle)
{
        struct result r;
        run(&r, text, -1, false);
        ck_assert_msg(r.rc == 0, "migrate failed on [%s]: %s", text, oih_error_first(&r.err));
        ck_assert_msg(strstr(r.out, needle) != NULL, "[%s]: expected %s in\n%s", text, needle, r.out);
        done(&r);
}

/* The translation fails, writes nothing, and the first error is exactly MSG. */
static void expect_err(const char *text, const char *msg)
{
        struct result r;
        run(&r, text, -1, false);
        ck_assert_msg(r.rc < 0, "[%s] was accepted:\n%s", text, r.out);
        ck_assert_msg(r.out == NULL || r.out[0] == '\0', "[%s] wrote output on failure", text);
        ck_assert_str_eq(oih_error_first(&r.err), msg);
        done(&r);
}

static void expect_split(const char *line, const char *want)
{
        char buf[1024];
        struct oih_error err;
        oih_error_init(&err);
        int n = oih_migrate_split(line, buf, sizeof(buf), &err);
        ck_assert_msg(n >= 0, "[%s]: %s", line, oih_error_first(&err));
        for (char *p = buf; *p; p++)
                if (*p == '\x1f')
                        *p = '|';
        ck_assert_str_eq(buf, want);
}

START_TEST(split_quotes_and_escapes)
{
        expect_split("iptables -A INPUT -j ACCEPT", "iptables|-A|INPUT|-j|ACCEPT");
        expect_split("a \"b c\" 'd e' f\\ g", "a|b c|d e|f g");
        expect_split("a \"x\\\"y\" 'it''s'", "a|x\"y|its");
        expect_split("a \\\n  b", "a|b");
        expect_split("a # comment here", "a");
        expect_split("a b#c", "a|b#c");
        expect_split("a 2>/dev/null || true", "a|<redir>|/dev/null|<op>|true");
        expect_split("a >/dev/null 2>&1; b", "a|<redir>|/dev/null|<redir>|1|<op>|b");
        expect_split("\"\"", "");
}
END_TEST

START_TEST(split_unterminated_quote)
{
        char buf[64];
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_lt(oih_migrate_split("a 'b", buf, sizeof(buf), &err), 0);
        ck_assert_str_eq(oih_error_first(&err), "unterminated quote");
}
END_TEST

START_TEST(script_original_project)
{
        struct result r;
        run(&r, "#!/bin/bash\niptables -P INPUT DROP\niptables -P OUTPUT DROP\niptables -P FORWARD DROP\n"
                "iptables -A INPUT -s 1.1.1.1 -j ACCEPT\niptables -A OUTPUT -d 1.1.1.1 -j ACCEPT\n"
                "iptables -L -v > /home/me/log.txt\n", -1, false);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_str_eq(r.out,
                "{\n"
                "  \"version\": 1,\n"
                "  \"description\": \"migrated from t.sh by oci-iptables-hook migrate\",\n"
                "  \"policy\": { \"INPUT\": \"DROP\", \"FORWARD\": \"DROP\", \"OUTPUT\": \"DROP\" },\n"
                "  \"chains\": [],\n"
                "  \"rules\": [\n"
                "    { \"chain\": \"INPUT\", \"family\": \"ipv4\", \"source\": \"1.1.1.1\", \"target\": \"ACCEPT\" },\n"
                "    { \"chain\": \"OUTPUT\", \"family\": \"ipv4\", \"destination\": \"1.1.1.1\", \"target\": \"ACCEPT\" }\n"
                "  ]\n"
                "}\n");
        ck_assert_ptr_nonnull(strstr(r.diag, "skipped line 1: #!/bin/bash\n"));
        ck_assert_ptr_nonnull(strstr(r.diag, "skipped line 7 (no effect on the rules): iptables -L -v > /home/me/log.txt\n"));
        done(&r);
}
END_TEST

START_TEST(script_variables_sudo_paths)
{
        expect_out("IPT=/sbin/iptables\nNET=\"192.0.2.0/24\"\n$IPT -A INPUT -s $NET -j ACCEPT\n",
                   "\"source\": \"192.0.2.0/24\"");
        expect_out("IPT=\"sudo /usr/sbin/iptables -w\"\n$IPT -A INPUT -i lo -j ACCEPT\n", "\"in_interface\": \"lo\"");
        expect_out("IPT=$(which ip6tables)\n${IPT} -A INPUT -s 2001:db8::/32 -j DROP\n",
                   "\"family\": \"ipv6\", \"source\": \"2001:db8::/32\"");
        expect_out("sudo -n iptables-legacy -A INPUT -j DROP 2>/dev/null || true\n", "\"target\": \"DROP\"");
        expect_out("iptables-nft -A INPUT -j DROP\n", "\"target\": \"DROP\"");
        expect_out("iptables -A INPUT \\\n  -p tcp \\\n  --dport 22 -j ACCEPT\n", "\"dport\": 22");
}
END_TEST

START_TEST(script_insert_flush_delete)
{
        expect_out("iptables -A INPUT -p tcp --dport 1 -j ACCEPT\niptables -A INPUT -p tcp --dport 2 -j ACCEPT\n"
                   "iptables -I INPUT 2 -p tcp --dport 3 -j ACCEPT\n",
                   "\"dport\": 1, \"target\": \"ACCEPT\" },\n    { \"chain\": \"INPUT\", \"family\": \"ipv4\", \"protocol\": \"tcp\", \"dport\": 3");
        /* iptables inserts every address of a list at the same place: the list ends up reversed */
        expect_out("iptables -I INPUT -s 192.0.2.1,192.0.2.2 -j DROP\n",
                   "\"source\": \"192.0.2.2\", \"target\": \"DROP\" },\n    { \"chain\": \"INPUT\", \"family\": \"ipv4\", \"source\": \"192.0.2.1\"");
        struct result r;
        run(&r, "iptables -N a\niptables -A a -j ACCEPT\niptables -A INPUT -j a\niptables -F\niptables -X\n"
                "iptables -A INPUT -p udp -j DROP\niptables -D INPUT -p udp -j DROP\n", -1, false);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "\"chains\": [],\n  \"rules\": []\n"));
        done(&r);
}
END_TEST

START_TEST(script_check_or_append)
{
        struct result r;
        run(&r, "iptables -A INPUT -j ACCEPT\n"
                "iptables -C INPUT -j ACCEPT 2>/dev/null || iptables -A INPUT -j ACCEPT\n"
                "iptables -C INPUT -j DROP 2>/dev/null || iptables -A INPUT -j DROP\n"
                "iptables -N x\niptables -N x 2>/dev/null || true\n", -1, false);
        ck_assert_int_eq(r.rc, 0);
        /* one ACCEPT (the check found it), one DROP (it did not) */
        char *first = strstr(r.out, "\"target\": \"ACCEPT\"");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_null(strstr(first + 1, "\"target\": \"ACCEPT\""));
        ck_assert_ptr_nonnull(strstr(r.out, "\"target\": \"DROP\""));
        done(&r);
}
END_TEST

START_TEST(families_and_policies)
{
        /* a family the script never touches inherits the other's policies (plain strings) */
        expect_out("ip6tables -P INPUT DROP\n", "\"policy\": { \"INPUT\": \"DROP\", \"FORWARD\": \"ACCEPT\", \"OUTPUT\": \"ACCEPT\" }");
        /* both touched and different: an object */
        expect_out("iptables -P INPUT DROP\nip6tables -A INPUT -j ACCEPT\n",
                   "\"INPUT\": { \"ipv4\": \"DROP\", \"ipv6\": \"ACCEPT\" }");
        expect_out("iptables -N web\nip6tables -N web\nip6tables -N six\n",
                   "\"chains\": [ \"web\", { \"name\": \"six\", \"family\": \"ipv6\" } ]");
}
END_TEST

START_TEST(matches_and_targets)
{
        expect_out("iptables -A INPUT --protocol tcp --source 192.0.2.7/24 --destination-port 443 --jump ACCEPT\n",
                   "\"protocol\": \"tcp\", \"source\": \"192.0.2.0/24\", \"dport\": 443, \"target\": \"ACCEPT\"");
        expect_out("iptables -A INPUT -p udp --sport 1024: -j ACCEPT\n", "\"sport\": \"1024:65535\"");
        expect_out("iptables -A INPUT -p tcp -m multiport --dports 80,443,8000:8080 -j ACCEPT\n",
                   "\"dport\": [ 80, 443, \"8000:8080\" ]");
        expect_out("iptables -A INPUT -p tcp -m multiport --dport 80,443 -j ACCEPT\n", "\"dport\": [ 80, 443 ]");
        expect_out("iptables -A INPUT -p tcp ! --syn -j DROP\n", "\"syn\": { \"not\": true }");
        expect_out("iptables -A INPUT -p tcp --tcp-flags SYN,RST SYN -j DROP\n",
                   "\"tcp_flags\": { \"mask\": [ \"SYN\", \"RST\" ], \"set\": [ \"SYN\" ] }");
        expect_out("iptables -A INPUT -p icmp --icmp-type echo-request -j ACCEPT\n",
                   "\"protocol\": \"icmp\", \"icmp_type\": \"echo-request\"");
        expect_out("ip6tables -A INPUT -p ipv6-icmp --icmpv6-type 135 -j ACCEPT\n",
                   "\"protocol\": \"icmpv6\", \"icmp_type\": 135");
        expect_out("iptables -A INPUT -m conntrack --ctstate established,RELATED -j ACCEPT\n",
                   "\"ctstate\": [ \"ESTABLISHED\", \"RELATED\" ]");
        expect_out("iptables -A INPUT -m state ! --state INVALID -j ACCEPT\n", "\"state\": { \"not\": [ \"INVALID\" ] }");
        expect_out("iptables -A OUTPUT -m owner --uid-owner 1000-1999 --gid-owner 5 -j DROP\n",
                   "\"uid_owner\": \"1000-1999\", \"gid_owner\": 5");
        expect_out("iptables -A INPUT -m limit --limit 3/min --limit-burst 7 -j LOG --log-prefix \"x: \" --log-level info\n",
                   "\"limit\": { \"rate\": \"3/minute\", \"burst\": 7 }, \"target\": \"LOG\", \"log_prefix\": \"x: \", \"log_level\": 6");
        expect_out("iptables -A INPUT -m comment --comment \"a b\" -j NFLOG --nflog-group 3 --nflog-prefix p\n",
                   "\"comment\": \"a b\", \"target\": \"NFLOG\", \"nflog_group\": 3, \"nflog_prefix\": \"p\"");
        expect_out("iptables -A INPUT -p tcp -j REJECT --reject-with tcp-rst\n", "\"reject_with\": \"tcp-reset\"");
        expect_out("iptables -A FORWARD ! -i eth+ -o br0 -j ACCEPT\n",
                   "\"in_interface\": { \"not\": \"eth+\" }, \"out_interface\": \"br0\"");
        expect_out("iptables -A INPUT -s 192.0.2.1,198.51.100.0/24 -j DROP\n",
                   "\"source\": [ \"192.0.2.1\", \"198.51.100.0/24\" ]");
        expect_out("iptables -A INPUT -s 10.1.2.3/255.255.0.0 -j DROP\n", "\"source\": \"10.1.0.0/16\"");
        expect_out("iptables -N c\niptables -A INPUT -g c\n", "\"goto\": \"c\"");
        expect_out("iptables -A INPUT -p tcp --sour 192.0.2.1 -j DROP\n", "\"source\": \"192.0.2.1\"");
}
END_TEST

START_TEST(dumps)
{
        struct result r;
        run(&r, "# Generated by ip6tables-save v1.8.9\n*filter\n:INPUT DROP [1:2]\n:FORWARD ACCEPT [0:0]\n"
                ":OUTPUT ACCEPT [0:0]\n:web - [0:0]\n[5:6] -A INPUT -j web\n"
                "-A web -m comment --comment \"say \\\"hi\\\"\" -j ACCEPT\nCOMMIT\n", -1, false);
        ck_assert_msg(r.rc == 0, "%s", oih_error_first(&r.err));
        ck_assert_ptr_nonnull(strstr(r.out, "\"chains\": [ { \"name\": \"web\", \"family\": \"ipv6\" } ]"));
        ck_assert_ptr_nonnull(strstr(r.out, "\"comment\": \"say \\\"hi\\\"\""));
        ck_assert_ptr_nonnull(strstr(r.out, "\"INPUT\": \"DROP\""));
        done(&r);
        /* no header: the addresses decide */
        expect_out("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::1/128 -j DROP\nCOMMIT\n",
                   "\"family\": \"ipv6\"");
        /* --family says it */
        run(&r, "*filter\n:INPUT DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", OIH_IPV6, false);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "\"family\": \"ipv6\""));
        done(&r);
}
END_TEST

START_TEST(errors)
{
        expect_err("\n\niptables -A INPUT -p tcp --dport http2 -j ACCEPT\n", "t.sh:3: invalid port/service \"http2\"");
        expect_err("iptables -t nat -A POSTROUTING -j MASQUERADE\n",
                   "t.sh:1: table \"nat\" is not supported: a policy describes the filter table only");
        expect_err("iptables -A INPUT -m recent --set\n", "t.sh:1: match \"recent\" is not supported by the policy format");
        expect_err("iptables -A INPUT -j MARK --set-mark 1\n", "t.sh:1: target \"MARK\" is not supported by the policy format");
        expect_err("iptables -A INPUT -j nochain\n", "t.sh:1: Couldn't load target \"nochain\": no chain of that name");
        expect_err("iptables -A INPUT -p tcp --dport 4:3 -j ACCEPT\n", "t.sh:1: invalid portrange \"4:3\" (min > max)");
        expect_err("iptables -A INPUT --dport 22 -j ACCEPT\n", "t.sh:1: unknown option \"--dport\" (it needs -m tcp first)");
        expect_err("iptables -A INPUT -s example.com -j ACCEPT\n",
                   "t.sh:1: host name \"example.com\" is not supported: a policy takes addresses only");
        expect_err("iptables -A INPUT -s 2001:db8::1 -j ACCEPT\n",
                   "t.sh:1: host/network \"2001:db8::1\" not found (an IPv6 address in an iptables command)");
        expect_err("iptables -A INPUT ! -s 192.0.2.1,192.0.2.2 -j ACCEPT\n",
                   "t.sh:1: ! not allowed with multiple source or destination IP addresses");
        expect_err("iptables -A INPUT -p tcp -p udp\n", "t.sh:1: multiple -p flags not allowed");
        expect_err("iptables -A INPUT -p tcp --dport ! 22\n",
                   "t.sh:1: Using intrapositioned negation (\"--option ! this\") is deprecated in favor of extrapositioned (\"! --option this\")");
        expect_err("iptables -A INPUT -j REJECT --reject-with tcp-reset\n", "t.sh:1: --reject-with tcp-reset needs -p tcp");
        expect_err("iptables -A OUTPUT -i eth0 -j DROP\n", "t.sh:1: Can't use -i with OUTPUT");
        expect_err("iptables -A INPUT -j LOG --log-prefix 012345678901234567890123456789\n",
                   "t.sh:1: Maximum prefix length 29 for --log-prefix");
        expect_err("iptables -A INPUT -m comment --comment x -p tcp --dport 22\n",
                   "t.sh:1: -m comment comes before -m tcp/udp: a policy builds matches in one order (tcp/udp, icmp, "
                   "multiport --sports, multiport --dports, conntrack, state, owner, limit, comment); write them in that order");
        expect_err("iptables -N x\niptables -N x\n", "t.sh:2: Chain \"x\" already exists");
        expect_err("iptables -N x\niptables -A INPUT -j x\niptables -X x\n", "t.sh:3: Too many links: chain \"x\" is still jumped to");
        expect_err("iptables -I INPUT 2 -j DROP\n", "t.sh:1: Index of insertion too big");
        expect_err("iptables -P INPUT REJECT\n", "t.sh:1: Bad policy name \"REJECT\"");
        expect_err("iptables -A INPUT -ptcp\n",
                   "t.sh:1: \"-ptcp\": give the value of -p as a word of its own (iptables versions differ in how they read it)");
        expect_err("iptables -A INPUT -f -j DROP\n", "t.sh:1: -f (fragments) is not supported by the policy format");
        expect_err("for p in 1 2; do\n  iptables -A INPUT -p tcp --dport $p -j ACCEPT\ndone\n",
                   "t.sh:1: shell logic (for, lines 1-3) around iptables commands is not supported: migrate does not run the shell; write the commands out");
        expect_err("setup() {\n iptables -P INPUT DROP\n}\nsetup\n",
                   "t.sh:1: shell logic (function, lines 1-3) around iptables commands is not supported: migrate does not run the shell; write the commands out");
        expect_err("iptables -A INPUT -s $NET -j ACCEPT\n",
                   "t.sh:1: \"NET\" is a variable that this file does not set: migrate does not know its value");
        expect_err("[ -x /bin/true ] && iptables -P INPUT DROP\n",
                   "t.sh:1: cannot tell whether this iptables command runs: it depends on a command migrate does not run");
        expect_err("iptables-restore < rules.v4\n", "t.sh:1: iptables-restore in a script is not supported: run migrate on the file it reads");
        expect_err("iptables -A INPUT -j ACCEPT | tee log\n", "t.sh:1: an iptables command in a pipeline is not supported");
        expect_err("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", "t.sh:1: table \"nat\" is not supported: a policy describes the filter table only");
        expect_err("*filter\n:INPUT DROP [0:0]\n", "t.sh:1: table without COMMIT (iptables-restore would apply nothing)");
        expect_err("iptables -A INPUT 'x\n", "t.sh:1: unterminated quote");
        struct oih_migrate_opts o = { .family = -1 };
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_int_lt(oih_migrate("t.sh", "a\n\0b", 4, &o, stdout, NULL, &err), 0);
        ck_assert_str_eq(oih_error_first(&err), "t.sh:2: not a text file (it contains a NUL byte)");
}
END_TEST

START_TEST(lenient_leaves_out)
{
        struct result r;
        run(&r, "iptables -P INPUT DROP\niptables -t nat -A POSTROUTING -j MASQUERADE\niptables -A INPUT -j ACCEPT\n", -1, true);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "\"target\": \"ACCEPT\""));
        ck_assert_ptr_nonnull(strstr(r.diag, "t.sh:2: table \"nat\" is not supported: a policy describes the filter table only (left out)\n"));
        done(&r);
}
END_TEST

/* Random bytes with shell quoting mixed in: what a user gets is either a policy that check
 * accepts, or no output and an error naming the file and a line; never a crash or half of both. */
START_TEST(junk_does_not_crash)
{
        char buf[4096];
        unsigned s = 12345;
        int written = 0, refused = 0;
        for (int round = 0; round < 200; round++) {
                for (size_t i = 0; i < sizeof(buf) - 1; i++) {
                        s = s * 1103515245u + 12345u;
                        buf[i] = (char)((s >> 16) % 255 + 1);
                        if (round % 2 && (s >> 8) % 7 == 0)
                                buf[i] = " \n'\"\\$-!"[(s >> 4) % 8];
                }
                buf[sizeof(buf) - 1] = '\0';
                struct result r;
                run(&r, buf, -1, round % 3 == 0);
                if (r.rc == 0) {
                        struct oih_policy *p = NULL;
                        struct oih_error perr;
                        oih_error_init(&perr);
                        ck_assert_msg(oih_policy_parse("out.json", r.out, strlen(r.out), &p, &perr) == 0,
                                      "round %d: migrate wrote a policy that check refuses: %s", round,
                                      oih_error_first(&perr));
                        oih_policy_free(p);
                        written++;
                } else {
                        const char *e = oih_error_first(&r.err);
                        ck_assert_int_lt(r.rc, 0);
                        ck_assert_msg(r.out == NULL || r.out[0] == '\0', "round %d: output on failure", round);
                        ck_assert_msg(strncmp(e, "t.sh:", 5) == 0 && e[5] >= '1' && e[5] <= '9',
                                      "round %d: the error does not name t.sh and its line: %s", round, e);
                        refused++;
                }
                done(&r);
        }
        /* both answers were seen, so both branches above were tested */
        ck_assert_int_gt(written, 0);
        ck_assert_int_gt(refused, 0);
}
END_TEST

Suite *migrate_suite(void)
{
        Suite *s = suite_create("migrate");
        TCase *tc = tcase_create("migrate");
        tcase_add_test(tc, split_quotes_and_escapes);
        tcase_add_test(tc, split_unterminated_quote);
        tcase_add_test(tc, script_original_project);
        tcase_add_test(tc, script_variables_sudo_paths);
        tcase_add_test(tc, script_insert_flush_delete);
        tcase_add_test(tc, script_check_or_append);
        tcase_add_test(tc, families_and_policies);
        tcase_add_test(tc, matches_and_targets);
        tcase_add_test(tc, dumps);
        tcase_add_test(tc, errors);
        tcase_add_test(tc, lenient_leaves_out);
        tcase_add_test(tc, junk_does_not_crash);
        suite_add_tcase(s, tc);
        return s;
}
