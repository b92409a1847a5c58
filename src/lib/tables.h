/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name <-> value tables shared by the parser, the renderer and the translator. */
#pragma once

#include <stdint.h>

#include "policy.h"

struct oih_name {
        const char *name;
        unsigned value;
};

/* Looks NAME up in a table ended by {NULL}; returns the entry or NULL. */
const struct oih_name *oih_name_find(const struct oih_name *t, const char *name);
/* The first name for VALUE, or NULL. */
const char *oih_name_of(const struct oih_name *t, unsigned value);

extern const struct oih_name oih_protocols[];   /* names iptables-save prints */

/* Rate units, largest first: the name iptables-save prints, the one policies print, and the
 * kernel's scaled period of one packet per unit. */
struct oih_rate_unit {
        const char *save_name, *name;
        uint32_t mult;
};
extern const struct oih_rate_unit oih_rate_units[4];
/* The unit iptables-save shows AVG in (the largest that gives a whole number); *N the count. */
const struct oih_rate_unit *oih_rate_unit_for(uint32_t avg, uint32_t *n);

struct oih_icmp_name {
        const char *name;
        uint8_t type, code_lo, code_hi;
};
extern const struct oih_icmp_name *const oih_icmp_names[OIH_NFAMILIES];

/* REJECT --reject-with values, indexed by the kernel's enum for each family. */
struct oih_reject_name {
        const char *name, *alias;
};
extern const struct oih_reject_name *const oih_reject_names[OIH_NFAMILIES];
extern const unsigned oih_reject_count[OIH_NFAMILIES];
extern const int oih_reject_default[OIH_NFAMILIES];
extern const int oih_reject_tcp_reset[OIH_NFAMILIES];
