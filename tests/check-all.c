/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One runner for every unit suite (tests/cksuite-*.c). */
#include <stdlib.h>

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
        srunner_run_all(sr, CK_NORMAL);
        int failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
