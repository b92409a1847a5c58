/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One runner for every unit suite (tests/cksuite-*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cksuite.h"

int main(void)
{
        SRunner *sr = srunner_create(policy_suite());
        srunner_add_suite(sr, render_suite());
        srunner_add_suite(sr, commit_suite());
        srunner_add_suite(sr, migrate_suite());
        srunner_add_suite(sr, hook_suite());
        srunner_add_suite(sr, faults_suite());
        srunner_add_suite(sr, xt_suite());
        /* The test cases tagged "kernel" create network namespaces, which needs root: without it
         * they are left out, and the log says so (scripts/test.sh counts this line as a skip).
         * CK_RUN_SUITE, CK_RUN_CASE and CK_INCLUDE_TAGS/CK_EXCLUDE_TAGS still choose. */
        const char *exclude = NULL;
        if (geteuid() != 0) {
                exclude = "kernel";
                printf("# SKIP the test cases tagged \"kernel\": they need root (network namespaces)\n");
                fflush(stdout);
        }
        srunner_run_tagged(sr, NULL, NULL, NULL, exclude, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
