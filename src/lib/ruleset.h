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
        unsigned present[OIH_NFAMILIES]; /* oih_read_tables: the tables read, per family */
        struct oih_table t[OIH_NFAMILIES][OIH_NTABLES];
};

const char *oih_table_chain_name(const struct oih_table *t, unsigned i);

/* TB's entries chain by chain, in the table's chain order (each chain's in TB's order, as
 * libiptc gives them back; a compiled table keeps the policy's rule order, which may
 * interleave chains): entry ORDER[k] is the k-th, at byte OFF[ORDER[k]] of TB->entries, and
 * chain slot s holds the k from START[s] to START[s + 1] - 1. F: the table's family. */
struct oih_by_chain {
        size_t *start;
        unsigned *order;
        size_t *off;
};
int oih_table_by_chain(enum oih_family f, const struct oih_table *tb, struct oih_by_chain *ret);
void oih_by_chain_free(struct oih_by_chain *b);
