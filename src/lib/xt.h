/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libxtables, contained (docs: ../shared/design/xtables.md, pitfalls P1-P15).
 *
 * libxtables builds and prints xtables entries for every iptables extension, but it keeps
 * global state, registers some targets for one address family only, may exit() and prints
 * to stdout. So it is used only in a worker: oih_xt_run forks a child that initialises
 * libxtables for ONE family, runs a function there and sends its output back; the calling
 * process never calls libxtables. Inside the worker, oih_xt_parse turns an iptables rule
 * spec (argv words) into entries and oih_xt_render prints an entry as iptables-legacy-save
 * does. xt.c is the only file that includes <xtables.h>. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "policy.h"

/* How the worker answers libxtables' question "does the kernel have revision N of this
 * extension?" (P7). */
enum oih_xt_probe {
        OIH_XT_ASSUME, /* yes, always: the highest revision libxtables has (check, show, migrate) */
        OIH_XT_KERNEL, /* ask the kernel, in the worker's network namespace (apply, hook) */
};

/* ---- xtproc.c: the worker (called from anywhere) ---- */

/* The function a worker runs: writes its results (any bytes) to OUT; < 0 = failure, with
 * ERR filled. It may call oih_xt_parse/oih_xt_render as often as it likes. */
typedef int (*oih_xt_fn)(void *ctx, FILE *out, struct oih_error *err);

struct oih_xt_out {
        char *data;     /* what FN wrote to OUT, NUL-terminated */
        size_t len;     /* data is a mapping of len + 1 bytes (xtproc.c) */
        char *warnings; /* what the worker wrote to stdout or stderr, NUL-terminated ("" when none) */
};

/* Forks a worker with libxtables initialised for FAMILY (the compiled xtlibdir, whatever
 * the environment says; PROBE as above) and runs FN(CTX) there. On success RET holds FN's
 * output (free it with oih_xt_out_free). On failure ERR holds FN's messages, or the reason
 * the worker died (exit status, signal, time limit, too much output) followed by its last
 * stderr lines; RET is then empty. */
int oih_xt_run(enum oih_family family, enum oih_xt_probe probe, oih_xt_fn fn, void *ctx,
               struct oih_xt_out *ret, struct oih_error *err);
/* The same with a worker for each family at once: FN(CTX[f]) for every family whose CTX[f] is not
 * NULL, into RET[f]. Fails when any fails (every RET is then empty). */
int oih_xt_run_each(enum oih_xt_probe probe, oih_xt_fn fn, void *const ctx[OIH_NFAMILIES],
                    struct oih_xt_out ret[OIH_NFAMILIES], struct oih_error *err);
/* The same with N workers at once (at most OIH_XT_MAXWORKERS): FN(CTX[i]) in a worker of
 * FAMILY[i], into RET[i]. */
#define OIH_XT_MAXWORKERS 8
int oih_xt_run_many(enum oih_xt_probe probe, oih_xt_fn fn, unsigned n, const enum oih_family family[],
                    void *const ctx[], struct oih_xt_out ret[], struct oih_error *err);
void oih_xt_out_free(struct oih_xt_out *o);
/* Limits of a worker: time (milliseconds) and output bytes. Tests lower them. */
extern int oih_xt_timeout_ms;
extern size_t oih_xt_max_output;

/* A worker that answers requests one after the other, for a caller that needs each answer
 * before it can ask the next question (migrate replays commands on tables it keeps). The
 * child initialises libxtables for FAMILY as oih_xt_run does, then for each request calls
 * SERVE(CTX, REQ, LEN, OUT, ERR); what SERVE writes to OUT is the answer (< 0: ERR's first
 * message is the answer, as an error). What the child prints goes to the caller's stderr. */
typedef int (*oih_xt_serve_fn)(void *ctx, const char *req, size_t len, FILE *out, struct oih_error *err);
struct oih_xt_session;
int oih_xt_session_open(enum oih_family family, enum oih_xt_probe probe, oih_xt_serve_fn serve, void *ctx,
                        struct oih_xt_session **ret, struct oih_error *err);
/* Sends REQ, waits (oih_xt_timeout_ms at most) for the answer: 0 and *RET (malloc'd,
 * NUL-terminated, *RLEN bytes), or < 0 with ERR (SERVE's error, or why the worker is gone). */
int oih_xt_session_call(struct oih_xt_session *s, const char *req, size_t len, char **ret, size_t *rlen,
                        struct oih_error *err);
void oih_xt_session_close(struct oih_xt_session *s);

/* 0 when DIR may be trusted with code that runs as root: a directory owned by root (or
 * by the overflow uid, seen in a user namespace) and not writable by group or others (P8). */
int oih_xt_libdir_trusted(const char *dir, struct oih_error *err);

/* ---- xt.c: inside a worker only (they fail cleanly elsewhere) ---- */

/* Called by oih_xt_run in the child. A second call with another family fails (P1). */
int oih_xt_init(enum oih_family family, enum oih_xt_probe probe, struct oih_error *err);

/* Provenance of a word of the rule spec (struct oih_xt_rule.owner). */
#define OIH_XT_BASE (-1)   /* a base option or its value: -p -s -d -i -o -f, a command, -t */
#define OIH_XT_TARGET (-2) /* -j/-g and the target's options */

struct oih_xt_in {
        const char *table;         /* "filter" when NULL; -t overrides it in command mode */
        const char *chain;         /* rule mode: the chain (for -i/-o checks); may be NULL */
        const char *const *chains; /* user chains of the table, NULL-terminated (may be NULL):
                                    * -j NAME / -g NAME with one of them is a jump */
        bool commands;             /* accept one command word (-A -I -D -R -N -X -F -P -E -Z;
                                    * also -C -L -S), -t and -c, as an iptables command line
                                    * (migrate); -c's counters are checked, not kept (they are not
                                    * part of a rule's text) */
};

/* One option of the rule spec as it was parsed (struct oih_xt_rule.opts). */
struct oih_xt_opt {
        int owner;     /* as oih_xt_rule.owner: OIH_XT_BASE, OIH_XT_TARGET or the match */
        int word;      /* its first word: the "!" before it, when there is one */
        int nwords;    /* the words it took, the "!" included */
        bool invert;
        char letter;   /* a base option or command: its letter (p s d i o f m j g c t A I ...);
                        * 0 for an option of an extension */
        char name[48]; /* an extension's option: its long name, as getopt completed it */
};

/* A match of the entry: the name it was loaded by. */
struct oih_xt_mname {
        char name[32];
};

struct oih_xt_rule {
        /* The entries, concatenated (each struct ipt_entry/ip6t_entry, next_offset bytes),
         * one per source x destination address, as iptables appends them. A standard target
         * carries its label in its name (ACCEPT, DROP, RETURN, QUEUE, a chain, or "" for
         * none), as libiptc's append takes it. */
        unsigned char *entries;
        size_t size;
        unsigned nentries;
        /* Command mode: the command letter ('A', 'I', ...; 0 in rule mode or when the line
         * was for the other family: -6 in an IPv4 worker), its chain, the second argument
         * (-P policy, -E new name) and the rule number (-I/-R/-D/-Z NUM, else 0). */
        char command;
        char table[32];
        char chain[32];
        char arg[32];
        unsigned rulenum;
        /* For each word of ARGV: OIH_XT_BASE, OIH_XT_TARGET or K, the K-th match of the
         * entry (0 = first), including an implicit protocol match. */
        int *owner;
        /* On failure: the word being parsed (an option word; for a final check, the word that
         * started the match or target; -1 when none). */
        int err_word;
        /* Every option of ARGV in the order parsed (on failure: up to the failing one), and
         * the matches of the entry in order. */
        struct oih_xt_opt *opts;
        unsigned nopts;
        struct oih_xt_mname *matches;
        unsigned nmatches;
};

/* Parses one rule spec (or, with IN->commands, one iptables command line without the
 * program name) as iptables-legacy does: ARGV holds ARGC words, "-p", "tcp", "--dport",
 * "22", "-j", "ACCEPT". Errors carry libxtables' own message; the worker stays usable.
 * Host names are never resolved: a non-numeric address given to -s/-d or to an extension's
 * host option is refused. User and service names (owner, ports) are looked up in the files
 * of the machine the worker runs on. RET is freed with oih_xt_rule_free, also on failure. */
int oih_xt_parse(int argc, char *const *argv, const struct oih_xt_in *in, struct oih_xt_rule *ret,
                 struct oih_error *err);
void oih_xt_rule_free(struct oih_xt_rule *r);

/* Size of the entry at E (its next_offset), for the worker's family; 0 when not a worker. */
size_t oih_xt_entry_size(const void *e);

/* Writes "-A CHAIN ...\n", exactly the line iptables-legacy-save prints for the entry E
 * (without counters), to OUT. A standard target whose name is "" (as libiptc returns
 * entries) is printed as LABEL: pass iptc_get_target's answer; NULL or "" = no target. */
int oih_xt_render(const void *e, const char *chain, const char *label, FILE *out, struct oih_error *err);
/* The same line without "-A CHAIN", without its end and NOT escaped, in *RET (free it): the
 * words iptables-legacy-save prints, for inspect --json. */
int oih_xt_render_line(const void *e, const char *label, char **ret, struct oih_error *err);
/* Whether option --NAME of extension EXT (a match; the target when TARGET) takes an argument:
 * 1 yes, 0 no, -1 unknown. */
int oih_xt_option_arg(const char *ext, bool target, const char *name);
