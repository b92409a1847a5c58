/* SPDX-License-Identifier: GPL-2.0-or-later */
/* show's text for the shapes whose families are easy to get wrong, written out by hand. */
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

static char *put_string(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        ck_assert_ptr_nonnull(out);
        oih_put_string(out, s);
        fclose(out);
        return buf;
}

/* Printable text as iptables-legacy-save quotes it; other bytes (only a table written by
 * another tool holds them) as \xHH inside the quotes, never raw. */
START_TEST(test_strings_quote_as_iptables_save_and_escape_the_rest)
{
        static const struct {
                const char *in, *want;
        } cases[] = {
                { "plain_Word-1", " plain_Word-1" },
                { "two words", " \"two words\"" },
                { "q\"uo'te\\", " \"q\\\"uo\\'te\\\\\"" },
                { "esc\x1b[2J", " \"esc\\x1b[2J\"" },
                { "line\r\nforged", " \"line\\x0d\\x0aforged\"" },
                { "caf\xc3\xa9\x7f", " \"caf\\xc3\\xa9\\x7f\"" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *got = put_string(cases[i].in);
                ck_assert_str_eq(got, cases[i].want);
                free(got);
        }
}
END_TEST

Suite *render_suite(void)
{
        Suite *s = suite_create("render");
        TCase *tc = tcase_create("families");
        tcase_add_test(tc, test_negated_and_reject_families_render);
        suite_add_tcase(s, tc);
        tc = tcase_create("strings");
        tcase_add_test(tc, test_strings_quote_as_iptables_save_and_escape_the_rest);
        suite_add_tcase(s, tc);
        return s;
}
