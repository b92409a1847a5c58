/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a policy file through every pure stage the hook runs on it (parse and
 * validate, render for both families, compile to kernel entries), then the entries printed
 * back as inspect and verify print live tables. A policy that parses must compile or say why
 * (version 2's generic extensions are libxtables' to refuse), and its entries must print as
 * show prints the policy: anything else is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"
#include "ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *render(const struct oih_policy *p, const struct oih_ruleset *rs, enum oih_family f)
{
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (out == NULL)
                abort();
        struct oih_error err;
        oih_error_init(&err);
        if ((p ? oih_render(p, f, out, &err) : oih_live_text(rs, f, out, &err)) < 0) {
                fprintf(stderr, "rendering failed: %s\n", oih_error_first(&err));
                abort();
        }
        fclose(out);
        return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oih_error err;
        struct oih_policy *p;
        struct oih_ruleset *rs;

        oih_error_init(&err);
        if (oih_policy_parse("fuzz.json", (const char *)data, size, &p, &err) < 0) {
                if (err.n == 0) {
                        fprintf(stderr, "oih_policy_parse failed without a message\n");
                        abort();
                }
                return 0;
        }
        /* Version 2 names extensions and their options generically: libxtables, at compile
         * time, is what refuses a target or option it does not have. It must say why. */
        if (oih_compile(p, &rs, &err) < 0) {
                if (err.n == 0) {
                        fprintf(stderr, "oih_compile failed without a message\n");
                        abort();
                }
                oih_policy_free(p);
                return 0;
        }
        /* verify compares the text of the policy with the text of the entries in the kernel */
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                rs->present[f] = rs->tables;
                char *want = render(p, NULL, (enum oih_family)f);
                char *got = render(NULL, rs, (enum oih_family)f);
                if (strcmp(want, got) != 0) {
                        fprintf(stderr, "the compiled entries print differently:\n--- policy\n%s--- entries\n%s", want, got);
                        abort();
                }
                free(want);
                free(got);
        }
        oih_ruleset_free(rs);
        oih_policy_free(p);
        return 0;
}
