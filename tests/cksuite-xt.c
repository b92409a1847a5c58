/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cksuite.h"
Suite *xt_suite(void);
Suite *xt_suite(void) { return suite_create("xt"); }
