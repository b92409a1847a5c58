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

/* render.c: the iptables-restore text that builds the same table as the policy, exactly as
 * iptables-legacy-save prints it (without counters and comment lines). */
int oih_render(const struct oih_policy *p, enum oih_family family, FILE *out);
/* Prints S as iptables-save quotes a string argument (with a leading space). */
void oih_put_string(FILE *out, const char *s);
/* Chains in the order the kernel table holds them: built-in ones in hook order, then the
 * family's user chains sorted by name (as libiptc keeps them). RET holds nchains + 3. */
unsigned oih_chain_order(const struct oih_policy *p, enum oih_family family, const char **ret);
/* oih_policy_foreach_entry, chain by chain in that order. */
int oih_foreach_entry_in_table_order(const struct oih_policy *p, enum oih_family family,
                                     oih_entry_fn fn, void *ctx);

/* blob.c + commit.c */
struct oih_ruleset;
/* Translates a policy into kernel entries for both families. Pure: no kernel access. */
int oih_compile(const struct oih_policy *p, struct oih_ruleset **ret, struct oih_error *err);
void oih_ruleset_free(struct oih_ruleset *rs);
unsigned oih_ruleset_count(const struct oih_ruleset *rs, enum oih_family family);

/* Replaces the filter tables of the CALLING process's network namespace with RS: IPv4 then
 * IPv6, each one atomic; when IPv6 fails, IPv4 is put back as it was. */
int oih_commit(const struct oih_ruleset *rs, struct oih_error *err);
/* The sentence for a failure to open a family's filter table with errno E (a kernel without
 * legacy xtables says so plainly). */
int oih_table_error(enum oih_family family, int e, struct oih_error *err);
/* Opens and closes FAMILY's filter table in the calling process's namespace. */
int oih_table_probe(enum oih_family family, struct oih_error *err);
/* For tests only: called before each family's commit; < 0 makes that commit fail. */
extern int (*oih_fault_before_commit)(enum oih_family family);

/* Reads the filter tables of the calling process's network namespace, both families. */
int oih_read_tables(struct oih_ruleset **ret, struct oih_error *err);

/* decode.c: kernel tables back into a policy. Fails, naming the rule, on what the policy
 * format cannot express (a match or target it does not know). Pure. */
int oih_decode(const struct oih_ruleset *rs, struct oih_policy **ret, struct oih_error *err);
/* policy-json.c: a policy as version-1 JSON, one rule a line. */
int oih_policy_write_json(const struct oih_policy *p, FILE *out);
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
/* Replaces the filter tables of the network namespace NETNS_FD with RS: holding the
 * namespace's lock (flock on NETNS_FD, at most 10 s of waiting), through oih_commit in a child
 * that enters the namespace (OIH_COMMIT_HERE: the caller is in it already), then reads the
 * tables back and fails unless they are RS. OIH_COMMIT_JOINED: a container joins a namespace
 * that exists; it is changed only when it holds no rules, is left alone when it holds RS
 * already (returns 1), and is refused otherwise. Returns 0 when RS was committed. */
enum { OIH_COMMIT_HERE = 1, OIH_COMMIT_JOINED = 2 };
int oih_commit_netns(const struct oih_ruleset *rs, int netns_fd, unsigned flags, struct oih_error *err);
/* oih_commit_netns(RS, NETNS_FD, 0, ERR). */
int oih_commit_in_netns(const struct oih_ruleset *rs, int netns_fd, struct oih_error *err);
/* refresh.c: when the network namespace FD belongs to a user namespace other than the
 * caller's, joins that one (allowed when the caller created it: rootless podman). Best effort:
 * the setns into the network namespace that follows says what went wrong. */
void oih_join_owner_userns(int netns_fd);
/* Runs FN(CTX) in a child process inside the namespace FD; its errors come back in ERR, and
 * FN's return value (-1, 0 or 1) comes back as this function's. */
int oih_run_in_netns(int netns_fd, int (*fn)(void *ctx, struct oih_error *err), void *ctx,
                     struct oih_error *err);
