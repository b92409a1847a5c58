/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the two JSON documents the runtime hands the hook, the OCI state (stdin)
 * and the bundle's config.json, and the checks made on what they say. The same bytes go to
 * both parsers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct oih_error err;
        struct oih_state st = { .pid = -1 };
        struct oih_netcfg cfg = { 0 };

        oih_error_init(&err);
        if (oih_state_parse((const char *)data, size, &st, &err) == 0) {
                if (st.id == NULL || st.bundle == NULL || st.bundle[0] != '/' || st.pid < -1)
                        abort();
                if (st.policy)
                        oih_policy_name_check(st.policy, &err);
                oih_state_clear(&st);
        } else if (err.n == 0) {
                abort();
        }

        oih_error_init(&err);
        if (oih_config_parse((const char *)data, size, &cfg, &err) == 0) {
                int r = oih_netcfg_check(&cfg, 0, &err);
                /* Fail closed: no network namespace, or CAP_NET_ADMIN or CAP_NET_RAW in any set, is
                 * always refused when the policy accepts no capability. */
                unsigned any = 0;
                for (int s = 0; s < OIH_NSETS; s++)
                        any |= cfg.caps[s];
                if (r == 0 && (!cfg.netns || (any & (OIH_CAPBIT(OIH_CAP_NET_ADMIN) | OIH_CAPBIT(OIH_CAP_NET_RAW)))))
                        abort();
                oih_netcfg_clear(&cfg);
        } else if (err.n == 0) {
                abort();
        }
        return 0;
}
