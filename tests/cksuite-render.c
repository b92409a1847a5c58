/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cksuite.h"

Suite *render_suite(void)
{
        return suite_create("render");
}
