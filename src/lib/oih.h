/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The library's entry points for the command line, the hook and the tests. */
#pragma once

#include "error.h"
#include "policy.h"

/* io.c: */
/* Reads FD to its end; more than MAX bytes is an error naming WHAT. The buffer is
 * NUL-terminated. */
int oih_read_bounded(int fd, size_t max, const char *what, char **ret_buf, size_t *ret_len,
                     struct oih_error *err);
/* The same, failing when FD has not reached its end within TIMEOUT_MS (< 0: no limit). */
int oih_read_bounded_timeout(int fd, size_t max, int timeout_ms, const char *what, char **ret_buf,
                             size_t *ret_len, struct oih_error *err);

/* escape.c: text the program did not write, made printable: every byte that is not printable
 * ASCII is written as \xHH. */
void oih_put_escaped(FILE *out, const char *s, size_t n);
/* S escaped into BUF (SIZE bytes; cut short when it does not fit); returns BUF. */
const char *oih_escape(char *buf, size_t size, const char *s);
/* Prints one line: the formatted text escaped, then a newline. Every message goes through it. */
void oih_print_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* compile.c: the policy through libxtables (a worker process per family, xt.h). */
/* The iptables-restore text that builds the same table as the policy, exactly as
 * iptables-legacy-save prints it (without counters and comment lines). */
int oih_render(const struct oih_policy *p, enum oih_family family, FILE *out, struct oih_error *err);
/* Both families (ONLY < 0), each after a "# IPv4 (iptables-legacy-restore)" line, or only
 * family ONLY: every table the policy replaces. */
int oih_render_both(const struct oih_policy *p, int only, FILE *out, struct oih_error *err);
/* The words each entry of FAMILY hands to libxtables, one entry a line, as the iptables command
 * arguments "[-t TABLE] -A CHAIN WORD...", a word holding a space or quote in single quotes (the
 * unit tests pin the words where neither save text nor the kernel's entries can tell). */
int oih_compile_words(const struct oih_policy *p, enum oih_family family, FILE *out, struct oih_error *err);

struct oih_ruleset;
/* Translates a policy into kernel entries for both families, assuming the kernel has every
 * revision of every extension libxtables knows. No kernel access. */
int oih_compile(const struct oih_policy *p, struct oih_ruleset **ret, struct oih_error *err);
/* The same; PROBE (enum oih_xt_probe) = OIH_XT_KERNEL asks the running kernel which
 * revisions it has, as iptables does (apply and the hook). */
int oih_compile_probe(const struct oih_policy *p, int probe, struct oih_ruleset **ret, struct oih_error *err);
/* A family's entries are compiled by one libxtables worker, or when there are at least twice
 * OIH_COMPILE_PART_MIN of them, by several at once (one per CPU the family's share of the
 * entries earns: OIH_COMPILE_WORKERS CPUs, 0 = those online), each a run of them. Tests
 * change both. */
extern unsigned oih_compile_workers, oih_compile_part_min;
void oih_ruleset_free(struct oih_ruleset *rs);
unsigned oih_ruleset_count(const struct oih_ruleset *rs, enum oih_family family);

/* Replaces the tables of the CALLING process's network namespace with RS (filter and every
 * table the policy names): IPv4 then IPv6, each table atomic; when one fails, every table
 * already replaced is put back as it was. */
int oih_commit(const struct oih_ruleset *rs, struct oih_error *err);
/* The sentence for a failure to open a family's filter table with errno E (a kernel without
 * legacy xtables says so plainly). */
int oih_table_error(enum oih_family family, int e, struct oih_error *err);
/* Opens and closes FAMILY's filter table in the calling process's namespace. */
int oih_table_probe(enum oih_family family, struct oih_error *err);
/* For tests only: called before each family's commit; < 0 makes that commit fail. */
extern int (*oih_fault_before_commit)(enum oih_family family);
/* The same, for every table (enum oih_xtable). */
extern int (*oih_fault_before_table_commit)(enum oih_family family, unsigned table);

/* The tables (OIH_TBLBIT) FAMILY's side of the calling process's namespace has, from the
 * kernel's list; the names of tables the policy format does not have go to OTHERS (SIZE
 * bytes, space-separated). Fails when the list cannot be read. */
int oih_tables_present(enum oih_family family, unsigned *ret, char *others, size_t size, struct oih_error *err);
/* Whether WANT (compiled) and LIVE (read back) hold the same policies, chains and entries in
 * every table WANT names, byte for byte except what the kernel keeps for itself (nfcache,
 * comefrom, counters, a standard target's verdict) and the unused ends of names. Cheap, and
 * never yes when the rules differ; but an extension's kernel module may give back other bytes
 * that print the same, so its no means "compare the text". */
bool oih_tables_same_bytes(const struct oih_ruleset *want, const struct oih_ruleset *live);
/* Reads the tables WANT[family] (OIH_TBLBIT) of the calling process's network namespace. One
 * not in HAS[family] is not read but taken as empty (every policy ACCEPT, no rule: what it
 * does): reading a table the namespace lacks would create it (oih_tables_present says).
 * LIKE (or NULL): tables of about the size expected (the read-back: the compiled ones). */
int oih_read_tables(const unsigned want[OIH_NFAMILIES], const unsigned has[OIH_NFAMILIES],
                    const struct oih_ruleset *like, struct oih_ruleset **ret, struct oih_error *err);

/* live.c: tables read by oih_read_tables, printed through libxtables workers. */
/* As iptables-legacy-save prints them (without counters and comment lines), each table in
 * show's order; non-printable bytes as \xHH. Tables not in RS->present are left out. */
int oih_live_text(const struct oih_ruleset *rs, enum oih_family family, FILE *out, struct oih_error *err);
/* As a version-2 policy that builds the same tables: base fields as friendly keys, every
 * match and target in the generic form, one rule a line. NAMES (or NULL): JSON text added as
 * the key "names" (not a policy key: inspect's report of the host names). */
int oih_live_json(const struct oih_ruleset *rs, const char *names, FILE *out, struct oih_error *err);
/* 1 when LIVE's tables (read by oih_read_tables) print as WANT's (compiled) do, for every table
 * WANT names (filter always); 0 when not; < 0 on error. When oih_tables_same_bytes says yes
 * that is the answer (no worker needed); otherwise the text decides, and IP6T_F_PROTO
 * (oih_live_hidden_diff). */
int oih_live_same(const struct oih_ruleset *want, const struct oih_ruleset *live, struct oih_error *err);
/* For two tables that print the same (WANT compiled, LIVE read back, FAMILY, every table WANT
 * names): the rules whose entries still differ in what the text cannot show (IPv6's
 * IP6T_F_PROTO, which "-p all" sets and iptables-legacy-save does not print), each a line to
 * OUT saying what differs, after "--- LABEL_WANT" and "+++ LABEL_LIVE". Returns their number,
 * < 0 on error. */
int oih_live_hidden_diff(const struct oih_ruleset *want, const struct oih_ruleset *live, enum oih_family family,
                         const char *label_want, const char *label_live, FILE *out, struct oih_error *err);
/* diff.c: a line diff of two texts in unified style; returns the number of differing lines. */
unsigned oih_diff_lines(const char *a, const char *b, const char *label_a, const char *label_b, FILE *out);

/* Opens a network namespace: a path (/run/netns/NAME, /proc/PID/ns/net) or a pid. The path is
 * opened without blocking (a FIFO must not hang) and refused unless the kernel says
 * (NS_GET_NSTYPE) that it is a network namespace. */
int oih_netns_open_path(const char *path, struct oih_error *err);
int oih_netns_open_pid(long pid, struct oih_error *err);
/* 1 when FD is the machine's initial network namespace (the host's), 0 when it is not, -1 when
 * that cannot be told (a kernel before 6.18 where /proc is not the initial PID namespace's):
 * callers refuse then. Since 6.18 the kernel gives that namespace a fixed inode number, which
 * needs no /proc at all. */
int oih_netns_is_initial(int fd);
/* 1 when FD is the caller's own network namespace, 0 when not, < 0 on error. */
int oih_netns_is_own(int fd, struct oih_error *err);
/* Whose network namespace FD is, for the guards that never change the host's firewall: the
 * caller's own, the host's, maybe the host's (oih_netns_is_initial cannot tell: callers count
 * it as the host's), or another's; < 0 on error. */
enum oih_netns_owner { OIH_NS_OTHER, OIH_NS_OWN, OIH_NS_HOST, OIH_NS_MAYBE_HOST };
int oih_netns_owner(int fd, struct oih_error *err);
/* Replaces the tables of the network namespace NETNS_FD with RS (filter and every table RS
 * names): holding the namespace's lock (flock on NETNS_FD, at most 10 s of waiting), through
 * oih_commit in a child that enters the namespace (OIH_COMMIT_HERE: the caller is in it
 * already), then reads every table RS names back and fails unless they print as RS does
 * (oih_live_same). OIH_COMMIT_JOINED: a container joins a namespace
 * that exists; it is changed only when it holds no rules, is left alone when it holds RS
 * already (returns 1), and is refused otherwise. Returns 0 when RS was committed. */
enum { OIH_COMMIT_HERE = 1, OIH_COMMIT_JOINED = 2 };
int oih_commit_netns(const struct oih_ruleset *rs, int netns_fd, unsigned flags, struct oih_error *err);
/* userns.c: setns() into FD; a rootless container's namespace through its user namespace. */
int oih_netns_enter(int fd, struct oih_error *err);
/* Compiles P (revisions probed in the kernel) and commits it, both inside the namespace FD
 * in a child process, as oih_commit_netns(.., 0, ..) does (the lock, the read-back). RET_MS
 * (may be NULL): how long compiling, committing and reading the tables back took there, in
 * milliseconds. */
int oih_apply_in_netns(const struct oih_policy *p, int netns_fd, double ret_ms[3], struct oih_error *err);
/* Runs FN(CTX) in a child process inside the namespace FD; its errors come back in ERR, and
 * FN's return value (-1, 0 or 1) comes back as this function's. */
int oih_run_in_netns(int netns_fd, int (*fn)(void *ctx, struct oih_error *err), void *ctx,
                     struct oih_error *err);

/* Packet and byte counters of one family's filter table, chain by chain (commit.c reads them,
 * counters.c prints them). */
struct oih_count {
        uint64_t pcnt, bcnt;
};
struct oih_chain_counters {
        char name[32];
        bool builtin;                   /* has a policy, and POLICY counts what it decided */
        struct oih_count policy;
        struct oih_count *rules;        /* in table order */
        unsigned nrules;
};
struct oih_counters {
        struct oih_chain_counters *chains;
        unsigned n;
};
/* Reads the counters of FAMILY's TABLE (enum oih_xtable) in the calling process's network
 * namespace. */
int oih_read_counters(enum oih_family family, unsigned table, struct oih_counters *ret, struct oih_error *err);
void oih_counters_clear(struct oih_counters *c);
/* Copies TEXT, iptables-save text of one family (as oih_render prints it), to OUT with the
 * counters of each of its tables (C, indexed by enum oih_xtable) as iptables-save -c prints
 * them: "[packets:bytes]" on each chain line and before each rule. Fails when TEXT and the
 * counters do not hold the same rules (the table changed between the two reads). */
int oih_counters_annotate(const struct oih_counters c[OIH_NTABLES], const char *text, FILE *out,
                          struct oih_error *err);
