/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel entries for one family, built by libxtables (compile.c), committed by commit.c. */
#pragma once

#include "policy.h"

struct oih_bytes {
        unsigned char *data;
        size_t len, cap;
};

/* One family's table, ready for libiptc: entries are consecutive in ENTRIES (each
 * entry's next_offset leads to the next), CHAIN_OF names the chain of each. A standard
 * target carries its label (ACCEPT, a chain...) in its name, as libiptc's append takes it. */
struct oih_table {
        unsigned table;         /* enum oih_xtable */
        bool drop[OIH_MAXBUILTINS];     /* by oih_table_builtins index */
        char (*chains)[OIH_CHAIN_MAXLEN + 1];   /* user chains */
        unsigned nchains;
        struct oih_bytes entries;
        unsigned *chain_of;     /* < nbuiltins: built-in chain; else chains[i - nbuiltins] */
        unsigned nentries;
};

struct oih_ruleset {
        unsigned tables;        /* OIH_TBLBIT of the tables to replace; filter always */
        struct oih_table t[OIH_NFAMILIES][OIH_NTABLES];
};

const char *oih_table_chain_name(const struct oih_table *t, unsigned i);
