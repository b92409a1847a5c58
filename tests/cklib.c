/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers the kernel-facing suites share. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cksuite.h"

/* Two policies that share nothing: a second commit must replace the first whole. */
const char ck_policy_a[] =
        "{\"version\": 1, \"policy\": {\"OUTPUT\": \"DROP\"}, \"chains\": [\"a\"], \"rules\": ["
        "{\"chain\": \"OUTPUT\", \"protocol\": \"tcp\", \"dport\": 443, \"target\": \"a\"},"
        "{\"chain\": \"a\", \"destination\": [\"192.0.2.1\", \"2001:db8::1\"], \"target\": \"ACCEPT\"}]}";
const char ck_policy_b[] =
        "{\"version\": 1, \"policy\": {\"INPUT\": \"DROP\"}, \"chains\": [\"b\"], \"rules\": ["
        "{\"chain\": \"INPUT\", \"target\": \"b\"}, {\"chain\": \"b\", \"protocol\": \"udp\", \"target\": \"DROP\"}]}";

/* What iptables-legacy-save prints after each of them is applied, checked by hand (not show's
 * text: that is the code under test). */
static const char saved_a4[] = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n:a - [0:0]\n"
                               "-A OUTPUT -p tcp -m tcp --dport 443 -j a\n-A a -d 192.0.2.1/32 -j ACCEPT\nCOMMIT\n";
static const char saved_a6[] = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT DROP [0:0]\n:a - [0:0]\n"
                               "-A OUTPUT -p tcp -m tcp --dport 443 -j a\n-A a -d 2001:db8::1/128 -j ACCEPT\nCOMMIT\n";
static const char saved_b[] = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:b - [0:0]\n"
                              "-A INPUT -j b\n-A b -p udp -j DROP\nCOMMIT\n";

char *ck_saved_a(enum oih_family f)
{
        return strdup(f == OIH_IPV4 ? saved_a4 : saved_a6);
}

char *ck_saved_b(enum oih_family f)
{
        (void)f;
        return strdup(saved_b);
}

struct oih_policy *ck_parse(const char *json)
{
        struct oih_error err;
        struct oih_policy *p = NULL;
        oih_error_init(&err);
        ck_assert_msg(oih_policy_parse("t.json", json, strlen(json), &p, &err) == 0, "%s", oih_error_first(&err));
        return p;
}

char *ck_text(ck_writer *emit, const struct oih_policy *p, enum oih_family f)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        ck_assert_ptr_nonnull(out);
        struct oih_error err;
        oih_error_init(&err);
        ck_assert_msg(emit(p, f, out, &err) == 0, "%s", oih_error_first(&err));
        fclose(out);
        return buf;
}

char *ck_render(const struct oih_policy *p, enum oih_family f)
{
        return ck_text(oih_render, p, f);
}

char *ck_saved_table(enum oih_family f, const char *table)
{
        char cmd[64];
        snprintf(cmd, sizeof(cmd), "%s-legacy-save -t %s", f == OIH_IPV4 ? "iptables" : "ip6tables", table);
        FILE *in = popen(cmd, "r");
        ck_assert_ptr_nonnull(in);
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        char line[4096];
        while (fgets(line, sizeof(line), in)) {
                if (line[0] == '#')
                        continue;
                char *c = strstr(line, " [");
                if (line[0] == ':' && c)
                        strcpy(c, " [0:0]\n");
                fputs(line, out);
        }
        pclose(in);
        fclose(out);
        return buf;
}

char *ck_saved(enum oih_family f)
{
        return ck_saved_table(f, "filter");
}

void ck_assert_saved(enum oih_family f, char *want)
{
        char *got = ck_saved(f);
        ck_assert_str_eq(got, want);
        free(got);
        free(want);
}

void ck_own_netns(void)
{
        if (unshare(CLONE_NEWNET) < 0)
                ck_abort_msg("unshare(CLONE_NEWNET): %s (the kernel tests need root)", strerror(errno));
}
