/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel entries for one family, built by blob.c, committed by commit.c. */
#pragma once

#include "policy.h"

struct oih_bytes {
        unsigned char *data;
        size_t len, cap;
};

/* One family's filter table, ready for libiptc: entries are consecutive in ENTRIES (each
 * entry's next_offset leads to the next), CHAIN_OF names the chain of each. */
struct oih_table {
        bool drop[OIH_NBUILTINS];
        char (*chains)[OIH_CHAIN_MAXLEN + 1];   /* user chains */
        unsigned nchains;
        struct oih_bytes entries;
        unsigned *chain_of;     /* < OIH_NBUILTINS: built-in chain; else chains[i - OIH_NBUILTINS] */
        unsigned nentries;
};

struct oih_ruleset {
        struct oih_table t[OIH_NFAMILIES];
};

/* Appends the kernel entry for E to OUT. */
int oih_build_entry(const struct oih_entry *e, enum oih_family f, struct oih_bytes *out);
const char *oih_table_chain_name(const struct oih_table *t, unsigned i);
