/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: `migrate` on an iptables script or save dump. The first byte picks the
 * options (family, lenient); the rest is the input. What migrate prints must be a policy that
 * `check` accepts: a migration that writes an invalid policy is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate.h"
#include "oih.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oih_error err;
        struct oih_migrate_opts opts = { .family = -1 };
        char *json = NULL;
        size_t len = 0;

        if (size == 0)
                return 0;
        opts.family = data[0] % 3 == 0 ? -1 : data[0] % 3 == 1 ? OIH_IPV4 : OIH_IPV6;
        opts.lenient = (data[0] & 0x80) != 0;
        data++;
        size--;

        FILE *out = open_memstream(&json, &len);
        FILE *diag = fopen("/dev/null", "w");
        if (out == NULL || diag == NULL)
                abort();
        oih_error_init(&err);
        int r = oih_migrate("fuzz.sh", (const char *)data, size, &opts, out, diag, &err);
        fclose(out);
        fclose(diag);
        if (r < 0) {
                if (err.n == 0) {
                        fprintf(stderr, "oih_migrate failed without a message\n");
                        abort();
                }
                if (len != 0) {
                        fprintf(stderr, "oih_migrate failed but wrote output\n");
                        abort();
                }
        } else {
                struct oih_policy *p;
                oih_error_init(&err);
                if (oih_policy_parse("migrated.json", json, len, &p, &err) < 0) {
                        fprintf(stderr, "migrate wrote a policy that does not parse: %s\n--- output\n%s",
                                oih_error_first(&err), json);
                        abort();
                }
                oih_policy_free(p);
        }
        free(json);
        return 0;
}
