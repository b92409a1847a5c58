/* Each tests/cksuite-*.c exports one check Suite; tests/check-all.c runs them all. */
#pragma once

#include <check.h>

Suite *policy_suite(void);
Suite *render_suite(void);
Suite *commit_suite(void);
Suite *migrate_suite(void);
Suite *hook_suite(void);
Suite *faults_suite(void);
