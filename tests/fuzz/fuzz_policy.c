/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a policy file through every pure stage the hook runs on it (parse and
 * validate, render for both families, compile to kernel entries), then back through the
 * decoder that inspect and verify use. A policy that parses must render, compile and decode,
 * and the decoded tables must render to the same text: anything else is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *render(const struct oih_policy *p, enum oih_family f)
{
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);
        if (out == NULL)
                abort();
        if (oih_render(p, f, out) < 0) {
                fprintf(stderr, "oih_render failed on a policy that parsed\n");
                abort();
        }
        fclose(out);
        return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oih_error err;
        struct oih_policy *p, *back;
        struct oih_ruleset *rs;

        oih_error_init(&err);
        if (oih_policy_parse("fuzz.json", (const char *)data, size, &p, &err) < 0) {
                if (err.n == 0) {
                        fprintf(stderr, "oih_policy_parse failed without a message\n");
                        abort();
                }
                return 0;
        }
        if (oih_compile(p, &rs, &err) < 0) {
                fprintf(stderr, "oih_compile failed on a policy that parsed: %s\n", oih_error_first(&err));
                abort();
        }
        /* The decoder may refuse what it cannot express; it must not crash. When it accepts,
         * the text must match: that is what verify relies on. */
        if (oih_decode(rs, &back, &err) == 0) {
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        char *want = render(p, (enum oih_family)f);
                        char *got = render(back, (enum oih_family)f);
                        if (strcmp(want, got) != 0) {
                                fprintf(stderr, "decode(compile(p)) renders differently:\n--- policy\n%s"
                                                "--- decoded\n%s", want, got);
                                abort();
                        }
                        free(want);
                        free(got);
                }
                FILE *null = fopen("/dev/null", "w");
                if (null) {
                        oih_policy_write_json(back, null);
                        fclose(null);
                }
                oih_policy_free(back);
        }
        oih_ruleset_free(rs);
        oih_policy_free(p);
        return 0;
}
