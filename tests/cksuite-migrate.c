/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate: the shell word splitter, the translation of iptables command lines into version-2
 * policy rules (the user's own words, in the user's order), and iptables' own errors. */
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
        ck_assert_msg(r.rc == 0, "%s", oih_error_first(&r.err));
        ck_assert_str_eq(r.out,
                "{\n"
                "  \"version\": 2,\n"
                "  \"description\": \"migrated from t.sh by oci-iptables-hook migrate\",\n"
                "  \"tables\": {\n"
                "    \"filter\": { \"policy\": { \"INPUT\": \"DROP\", \"FORWARD\": \"DROP\", \"OUTPUT\": \"DROP\" }, \"chains\": [ ] }\n"
                "  },\n"
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
        expect_out("iptables -A INPUT \\\n  -p tcp \\\n  --dport 22 -j ACCEPT\n",
                   "\"matches\": [ { \"match\": \"tcp\", \"options\": [ { \"dport\": \"22\" } ] } ]");
}
END_TEST

START_TEST(script_insert_flush_delete)
{
        expect_out("iptables -A INPUT -p tcp --dport 1 -j ACCEPT\niptables -A INPUT -p tcp --dport 2 -j ACCEPT\n"
                   "iptables -I INPUT 2 -p tcp --dport 3 -j ACCEPT\n",
                   "\"dport\": \"1\" } ] } ], \"target\": \"ACCEPT\" },\n    { \"chain\": \"INPUT\", \"family\": \"ipv4\", "
                   "\"protocol\": \"tcp\", \"matches\": [ { \"match\": \"tcp\", \"options\": [ { \"dport\": \"3\" }");
        /* iptables inserts every address of a list at the same place: the list ends up reversed */
        expect_out("iptables -I INPUT -s 192.0.2.1,192.0.2.2 -j DROP\n",
                   "\"source\": \"192.0.2.2\", \"target\": \"DROP\" },\n    { \"chain\": \"INPUT\", \"family\": \"ipv4\", \"source\": \"192.0.2.1\"");
        struct result r;
        run(&r, "iptables -N a\niptables -A a -j ACCEPT\niptables -A INPUT -j a\niptables -F\niptables -X\n"
                "iptables -A INPUT -p udp -j DROP\niptables -D INPUT -p udp -j DROP\n", -1, false);
        ck_assert_msg(r.rc == 0, "%s", oih_error_first(&r.err));
        ck_assert_ptr_nonnull(strstr(r.out, "\"chains\": [ ] }\n  },\n  \"rules\": []\n"));
        done(&r);
        /* -D finds the rule as iptables does, by what it builds: other words, same entry */
        run(&r, "iptables -A INPUT -p tcp -m tcp --dport 22 -s 192.0.2.1/32 -j ACCEPT\n"
                "iptables -D INPUT --source 192.0.2.1 --protocol tcp --destination-port 22 --jump ACCEPT\n", -1, false);
        ck_assert_msg(r.rc == 0, "%s", oih_error_first(&r.err));
        ck_assert_ptr_nonnull(strstr(r.out, "\"rules\": []\n"));
        done(&r);
        /* -E: the rules that jump to the chain follow it */
        expect_out("iptables -N a\niptables -A INPUT -j a\niptables -E a b\n",
                   "\"chains\": [ { \"name\": \"b\", \"family\": \"ipv4\" } ] }\n  },\n  \"rules\": [\n"
                   "    { \"chain\": \"INPUT\", \"family\": \"ipv4\", \"target\": \"b\" }\n");
}
END_TEST

START_TEST(script_check_or_append)
{
        struct result r;
        run(&r, "iptables -A INPUT -j ACCEPT\n"
                "iptables -C INPUT -j ACCEPT 2>/dev/null || iptables -A INPUT -j ACCEPT\n"
                "iptables -C INPUT -j DROP 2>/dev/null || iptables -A INPUT -j DROP\n"
                "iptables -N x\niptables -N x 2>/dev/null || true\n", -1, false);
        ck_assert_msg(r.rc == 0, "%s", oih_error_first(&r.err));
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

START_TEST(tables)
{
        /* every table the script touches is named, with its own built-in chains */
        expect_out("iptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 3128\n",
                   "    \"nat\": { \"policy\": { \"PREROUTING\": \"ACCEPT\", \"INPUT\": \"ACCEPT\", \"OUTPUT\": \"ACCEPT\", "
                   "\"POSTROUTING\": \"ACCEPT\" }, \"chains\": [ ] }\n  },\n  \"rules\": [\n"
                   "    { \"table\": \"nat\", \"chain\": \"PREROUTING\", \"family\": \"ipv4\", \"protocol\": \"tcp\", "
                   "\"matches\": [ { \"match\": \"tcp\", \"options\": [ { \"dport\": \"80\" } ] } ], "
                   "\"target\": \"REDIRECT\", \"target_options\": [ { \"to-ports\": \"3128\" } ] }\n");
        /* -t anywhere on the line; user chains per table */
        expect_out("iptables -N mark_it -t mangle\niptables -A PREROUTING -t mangle -j mark_it\n"
                   "iptables -t mangle -A mark_it -j MARK --set-mark 0x1\n",
                   "\"mangle\": { \"policy\": { \"PREROUTING\": \"ACCEPT\", \"INPUT\": \"ACCEPT\", \"FORWARD\": \"ACCEPT\", "
                   "\"OUTPUT\": \"ACCEPT\", \"POSTROUTING\": \"ACCEPT\" }, \"chains\": [ { \"name\": \"mark_it\", \"family\": \"ipv4\" } ] }");
        expect_out("iptables -t raw -P PREROUTING DROP\n", "\"raw\": { \"policy\": { \"PREROUTING\": \"DROP\", \"OUTPUT\": \"ACCEPT\" }");
        /* a chain of another table is no jump target here */
        expect_err("iptables -t nat -N x\niptables -A INPUT -j x\n",
                   "t.sh:2: Couldn't load target `x':No such file or directory");
}
END_TEST

START_TEST(matches_and_targets)
{
        /* the user's order of matches, the user's words */
        expect_out("iptables -A INPUT -p tcp -m state --state NEW --dport 22 -j ACCEPT\n",
                   "\"protocol\": \"tcp\", \"matches\": [ { \"match\": \"state\", \"options\": [ { \"state\": \"NEW\" } ] }, "
                   "{ \"match\": \"tcp\", \"options\": [ { \"dport\": \"22\" } ] } ], \"target\": \"ACCEPT\"");
        expect_out("iptables -A INPUT -m comment --comment \"a b\" -j NFLOG --nflog-group 3 --nflog-prefix p\n",
                   "\"matches\": [ { \"match\": \"comment\", \"options\": [ { \"comment\": \"a b\" } ] } ], \"target\": \"NFLOG\", "
                   "\"target_options\": [ { \"nflog-group\": \"3\" }, { \"nflog-prefix\": \"p\" } ]");
        /* long base options, an abbreviation, "--opt=value" */
        expect_out("iptables -A INPUT --protocol tcp --sour 192.0.2.7/24 --destination-port=443 --jump ACCEPT\n",
                   "\"protocol\": \"tcp\", \"source\": \"192.0.2.7/24\", \"matches\": [ { \"match\": \"tcp\", "
                   "\"options\": [ { \"destination-port\": \"443\" } ] } ], \"target\": \"ACCEPT\"");
        /* "--dport" after -m multiport is multiport's --dports, as getopt completes it for iptables */
        expect_out("iptables -A INPUT -p tcp -m multiport --dport 80,443 -j ACCEPT\n",
                   "{ \"match\": \"multiport\", \"options\": [ { \"dports\": \"80,443\" } ] }");
        /* negations and two-word options */
        expect_out("iptables -A INPUT -p tcp ! --syn -j DROP\n", "{ \"syn\": { \"not\": true } }");
        expect_out("iptables -A INPUT -p tcp --tcp-flags SYN,RST SYN -j DROP\n", "{ \"tcp-flags\": [ \"SYN,RST\", \"SYN\" ] }");
        expect_out("iptables -A FORWARD ! -i eth+ -o br0 -j ACCEPT\n",
                   "\"in_interface\": { \"not\": \"eth+\" }, \"out_interface\": \"br0\"");
        expect_out("iptables -A INPUT -p 6 -f -j DROP\n", "\"protocol\": 6, \"fragment\": true, \"target\": \"DROP\"");
        /* two instances of one match, each with its own options */
        expect_out("iptables -A INPUT -m comment --comment a -m comment --comment b\n",
                   "\"matches\": [ { \"match\": \"comment\", \"options\": [ { \"comment\": \"a\" } ] }, "
                   "{ \"match\": \"comment\", \"options\": [ { \"comment\": \"b\" } ] } ] }");
        /* an address list is one rule per address */
        expect_out("iptables -A INPUT -s 192.0.2.1,198.51.100.0/24 -j DROP\n",
                   "\"source\": \"192.0.2.1\", \"target\": \"DROP\" },\n    { \"chain\": \"INPUT\", \"family\": \"ipv4\", "
                   "\"source\": \"198.51.100.0/24\", \"target\": \"DROP\" }");
        expect_out("iptables -N c\niptables -A INPUT -g c\n", "\"goto\": \"c\"");
        expect_out("ip6tables -A INPUT -m rt --rt-type 0 --rt-segsleft 0 -j DROP\n",
                   "\"family\": \"ipv6\", \"matches\": [ { \"match\": \"rt\", \"options\": [ { \"rt-type\": \"0\" }, { \"rt-segsleft\": \"0\" } ] } ]");
        /* counters are accepted and not kept */
        expect_out("iptables -A INPUT -c 10 20 -j ACCEPT\n", "{ \"chain\": \"INPUT\", \"family\": \"ipv4\", \"target\": \"ACCEPT\" }");
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
        ck_assert_ptr_nonnull(strstr(r.out, "{ \"comment\": \"say \\\"hi\\\"\" }"));
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
        /* any table */
        expect_out("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
                   ":DOCKER - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n"
                   "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\nCOMMIT\n",
                   "{ \"table\": \"nat\", \"chain\": \"POSTROUTING\", \"family\": \"ipv4\", \"source\": \"172.17.0.0/16\", "
                   "\"out_interface\": { \"not\": \"docker0\" }, \"target\": \"MASQUERADE\" }");
        expect_err("*filter\n-t nat -A INPUT -j ACCEPT\nCOMMIT\n", "t.sh:2: The -t option cannot be used in iptables-restore.");
}
END_TEST

START_TEST(errors)
{
        /* iptables' own messages (iptables-legacy 1.8.9 prints the same text) */
        expect_err("\n\niptables -A INPUT -p tcp --dport http2 -j ACCEPT\n", "t.sh:3: invalid port/service `http2' specified");
        expect_err("iptables -A INPUT -j nochain\n", "t.sh:1: Couldn't load target `nochain':No such file or directory");
        expect_err("iptables -A INPUT -m nosuchmatch -j ACCEPT\n", "t.sh:1: Couldn't load match `nosuchmatch':No such file or directory");
        expect_err("iptables -A INPUT -p tcp --dport 4:3 -j ACCEPT\n", "t.sh:1: invalid portrange (min > max)");
        expect_err("iptables -A INPUT -p tcp --dport ! 22\n", "t.sh:1: invalid port/service `!' specified");
        expect_err("iptables -A INPUT ! -s 192.0.2.1,192.0.2.2 -j ACCEPT\n",
                   "t.sh:1: ! not allowed with multiple source or destination IP addresses");
        expect_err("iptables -A INPUT -p tcp -p udp\n", "t.sh:1: multiple -p flags not allowed");
        expect_err("iptables -A INPUT -ptcp\n", "t.sh:1: unknown protocol \"-ptcp\" specified");
        expect_err("iptables -A OUTPUT -i eth0 -j DROP\n", "t.sh:1: Can't use -i with OUTPUT");
        expect_err("iptables -t nat -A POSTROUTING -j DROP\n",
                   "t.sh:1: The \"nat\" table is not intended for filtering, the use of DROP is therefore inhibited.");
        expect_err("iptables -I INPUT 2 -j DROP\n", "t.sh:1: Index of insertion too big.");
        expect_err("iptables -P INPUT REJECT\n", "t.sh:1: Bad policy name");
        expect_err("iptables -N LOG\n", "t.sh:1: chain name may not clash with target name");
        expect_err("iptables -A INPUT -j ACCEPT\niptables -D INPUT -j DROP\n",
                   "t.sh:2: Bad rule (does a matching rule exist in that chain?).");
        expect_err("iptables -N x\niptables -N x\n", "t.sh:2: Chain already exists");
        expect_err("iptables -N x\niptables -A INPUT -j x\niptables -X x\n", "t.sh:3: Too many links (chain \"x\" is still jumped to)");
        expect_err("iptables -t foo -A INPUT -j ACCEPT\n", "t.sh:1: can't initialize iptables table `foo': Table does not exist");
        /* what migrate cannot know, or cannot hold */
        expect_err("iptables -A INPUT -s example.com -j ACCEPT\n",
                   "t.sh:1: -s: \"example.com\" is not a numeric IPv4 address (host names are not resolved)");
        expect_err("iptables -t security -A INPUT -j ACCEPT\n",
                   "t.sh:1: table `security' is not supported: a policy has the tables filter, nat, mangle and raw");
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
        expect_err("*security\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
                   "t.sh:1: table \"security\" is not supported: a policy has the tables filter, nat, mangle and raw");
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
        run(&r, "iptables -P INPUT DROP\niptables -t nat -A POSTROUTING -j DROP\niptables -A INPUT -j ACCEPT\n", -1, true);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "\"target\": \"ACCEPT\""));
        ck_assert_ptr_nonnull(strstr(r.diag, "t.sh:2: The \"nat\" table is not intended for filtering, the use of DROP is "
                                             "therefore inhibited. (left out)\n"));
        done(&r);
}
END_TEST

START_TEST(junk_does_not_crash)
{
        char buf[4096];
        unsigned s = 12345;
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
                ck_assert_int_le(r.rc, 0);
                done(&r);
        }
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
        tcase_add_test(tc, tables);
        tcase_add_test(tc, matches_and_targets);
        tcase_add_test(tc, dumps);
        tcase_add_test(tc, errors);
        tcase_add_test(tc, lenient_leaves_out);
        tcase_add_test(tc, junk_does_not_crash);
        suite_add_tcase(s, tc);
        return s;
}
