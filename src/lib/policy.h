/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy model: what a policy file (version 1 or 2) says, parsed and validated, as plain data.
 * parse (policy.c) -> model -> compile (compile.c, through libxtables workers: kernel entries
 * and their iptables-restore text) -> commit (commit.c) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"

enum oih_family { OIH_IPV4 = 0, OIH_IPV6 = 1, OIH_NFAMILIES = 2 };
#define OIH_FAMBIT(f) (1u << (f))
#define OIH_FAM_BOTH (OIH_FAMBIT(OIH_IPV4) | OIH_FAMBIT(OIH_IPV6))

/* Limits on everything a policy file controls (docs/policy-format.md, "Limits"). */
#define OIH_MAX_FILE_SIZE (16u << 20)
#define OIH_MAX_DEPTH 16
#define OIH_MAX_RULES 100000u
#define OIH_MAX_ENTRIES 200000u
#define OIH_MAX_ADDRS 1024u
#define OIH_MAX_CHAINS 1000u
#define OIH_CHAIN_MAXLEN 28
#define OIH_MULTIPORT_SLOTS 15

enum oih_builtin { OIH_INPUT, OIH_FORWARD, OIH_OUTPUT, OIH_NBUILTINS };
extern const char *const oih_builtin_names[OIH_NBUILTINS];

/* Version 2: the tables a policy may fill. Each has its built-in chains, in the order
 * iptables-save prints them (filter's are oih_builtin_names). */
enum oih_xtable { OIH_TBL_FILTER, OIH_TBL_NAT, OIH_TBL_MANGLE, OIH_TBL_RAW, OIH_NTABLES };
#define OIH_MAXBUILTINS 5
extern const char *const oih_table_names[OIH_NTABLES];
extern const char *const oih_table_builtins[OIH_NTABLES][OIH_MAXBUILTINS + 1]; /* NULL-terminated */
unsigned oih_table_nbuiltins(unsigned table);
/* The index of NAME among TABLE's built-in chains, or -1. */
int oih_table_builtin(unsigned table, const char *name);
#define OIH_TBLBIT(t) (1u << (t))

struct oih_addr {
        uint8_t family; /* enum oih_family */
        uint8_t addr[16]; /* network order; host bits cleared */
        uint8_t mask[16];
        /* A name (names.h): 1 + its index in the policy's names, 0 for an address. Until
         * oih_names_substitute replaces it, it stands as the unspecified address with a full
         * mask, which matches no packet. name_any: the name follows the rule's families (one
         * placeholder per family) rather than pinning one. */
        uint16_t name;
        bool name_any;
};

struct oih_portrange {
        uint16_t lo, hi;
};

struct oih_ports {
        unsigned n;     /* 0: not matched */
        bool multi;     /* given as a list: -m multiport */
        bool invert;
        struct oih_portrange r[OIH_MULTIPORT_SLOTS];
};

struct oih_idrange {
        bool set, invert;
        uint32_t lo, hi;
};

enum oih_target {
        OIH_T_NONE, OIH_T_ACCEPT, OIH_T_DROP, OIH_T_RETURN, OIH_T_REJECT,
        OIH_T_LOG, OIH_T_NFLOG, OIH_T_JUMP, OIH_T_GOTO,
        OIH_T_EXT, /* version 2: any other target (xtarget) */
};

struct oih_rule {
        unsigned index;         /* position in "rules", for messages */
        char chain[OIH_CHAIN_MAXLEN + 1];
        unsigned families;      /* OIH_FAMBIT set, resolved by validation */

        bool proto_set, proto_inv;
        uint8_t proto;

        struct oih_addr *src, *dst;
        unsigned nsrc, ndst;
        bool src_inv, dst_inv;

        char iniface[16], outiface[16];
        bool iniface_inv, outiface_inv;

        struct oih_ports sport, dport;

        /* "syn", or "tcp_flags" with its names as written, joined with commas (NULL: none) */
        bool syn, tcpflags_inv;
        char *tcpflags_mask, *tcpflags_cmp;

        bool icmp_set, icmp_inv;
        uint8_t icmp_type, icmp_code_lo, icmp_code_hi;

        /* the states as written, joined with commas (NULL: none); the extension reads them */
        char *ctstate, *state;
        bool ctstate_inv, state_inv;

        struct oih_idrange uid, gid;

        bool limit_set;
        uint32_t limit_avg, limit_burst;

        char *comment;

        /* version 2 */
        uint8_t table;                          /* enum oih_xtable */
        bool frag_set, frag_inv;
        /* "matches" and "target_options" as argv words, each followed by its JSON path
         * relative to the rule: "w1\0path1\0w2\0path2\0..." */
        char *xmatch, *xtarget_opts;
        size_t xmatch_len, xtarget_opts_len;
        char xtarget[32];                       /* OIH_T_EXT: the target extension */

        enum oih_target target;
        char jump[OIH_CHAIN_MAXLEN + 1];        /* OIH_T_JUMP, OIH_T_GOTO */
        int reject_with[OIH_NFAMILIES];         /* index into the family's table; -1: default */
        char log_level[16];                     /* as written, or a number; "": none */
        char log_prefix[30];
        uint16_t nflog_group;
        char nflog_prefix[64];
};

struct oih_chain {
        char name[OIH_CHAIN_MAXLEN + 1];
        unsigned families;
        uint8_t table;  /* enum oih_xtable */
};

struct oih_policy {
        char *name;                                     /* file name, for messages */
        bool drop[OIH_NFAMILIES][OIH_NBUILTINS];        /* filter's; false: ACCEPT */
        unsigned version;
        unsigned tables;        /* OIH_TBLBIT of every table to replace (filter always) */
        /* each table's built-in chain policies, by oih_table_builtins index (filter's = drop) */
        bool tdrop[OIH_NTABLES][OIH_NFAMILIES][OIH_MAXBUILTINS];
        struct oih_chain *chains;
        unsigned nchains;
        struct oih_rule *rules;
        unsigned nrules;
        unsigned allow_caps;    /* "allow_capabilities": OIH_CAPBIT of hook.h's enum oih_cap */
        char **names;           /* the DNS names the rules use, canonical (names.h) */
        unsigned nnames;
        unsigned name_grace;    /* "name_grace": seconds a vanished address stays allowed */
};

/* Parses and validates a policy. NAME is used in messages. On failure every error found is in
 * ERR, each prefixed with NAME. */
int oih_policy_parse(const char *name, const char *buf, size_t len, struct oih_policy **ret,
                     struct oih_error *err);
/* Reads FD (at most OIH_MAX_FILE_SIZE) and parses it. */
int oih_policy_load_fd(int fd, const char *name, struct oih_policy **ret, struct oih_error *err);
/* Opens PATH (no symlink as the last component) and parses it. */
int oih_policy_load(const char *path, struct oih_policy **ret, struct oih_error *err);
void oih_policy_free(struct oih_policy *p);

/* One kernel entry: a rule for one family, with one source and one destination of its lists
 * (NULL: any; so is a negated address of the other family, which every packet of this family
 * satisfies). Rules with address lists expand into several entries, sources outer. */
struct oih_entry {
        const struct oih_rule *rule;
        const struct oih_addr *src, *dst;
};
typedef int (*oih_entry_fn)(const struct oih_entry *e, void *ctx);
/* Calls FN for every entry of FAMILY in table order (rules in file order). Stops at the first
 * FN that returns < 0 and returns that. */
int oih_policy_foreach_entry(const struct oih_policy *p, enum oih_family family, oih_entry_fn fn,
                             void *ctx);
/* The number of kernel entries of FAMILY. */
unsigned oih_policy_count(const struct oih_policy *p, enum oih_family family);
bool oih_chain_in_family(const struct oih_policy *p, const char *name, enum oih_family family);
