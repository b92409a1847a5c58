/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Each tests/cksuite-*.c exports one check Suite; tests/check-all.c runs them all. */
#pragma once

#include <check.h>

#include "oih.h"

/* cklib.c: for the suites that work against the kernel, each test in a child of its own. */
extern const char ck_policy_a[], ck_policy_b[];
char *ck_saved_a(enum oih_family f);   /* iptables-legacy-save of ck_policy_a, by hand */
char *ck_saved_b(enum oih_family f);
struct oih_policy *ck_parse(const char *json);
/* What EMIT (oih_render, oih_compile_words) puts out for P in family F; fails the test on error. */
typedef int ck_writer(const struct oih_policy *p, enum oih_family f, FILE *out, struct oih_error *err);
char *ck_text(ck_writer *emit, const struct oih_policy *p, enum oih_family f);
char *ck_render(const struct oih_policy *p, enum oih_family f);         /* show's text */
/* TABLE of family F as iptables-legacy-save prints it, without comments, chain counters zeroed. */
char *ck_saved_table(enum oih_family f, const char *table);
char *ck_saved(enum oih_family f);      /* iptables-legacy-save, counters and comments stripped */
void ck_assert_saved(enum oih_family f, char *want);    /* frees WANT */
void ck_own_netns(void);                /* unshare(CLONE_NEWNET) or fail */

Suite *policy_suite(void);
Suite *render_suite(void);
Suite *commit_suite(void);
Suite *migrate_suite(void);
Suite *hook_suite(void);
Suite *faults_suite(void);
Suite *xt_suite(void);
