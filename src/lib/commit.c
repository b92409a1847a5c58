/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one place that talks to the kernel: compile a policy into tables, and replace the filter
 * tables of a network namespace with them through libiptc, one atomic commit per family. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ruleset.h"
#include "xt.h"
#include "oih.h"

int (*oih_fault_before_commit)(enum oih_family family);
int (*oih_fault_before_table_commit)(enum oih_family family, unsigned table);

/* ---- libiptc, through one table of operations for both families ---- */

struct tc_ops {
        const char *family_name, *module;
        struct xtc_handle *(*init)(const char *table);
        void (*free)(struct xtc_handle *h);
        const char *(*first_chain)(struct xtc_handle *h);
        const char *(*next_chain)(struct xtc_handle *h);
        int (*builtin)(const char *chain, struct xtc_handle *h);
        int (*flush_entries)(const char *chain, struct xtc_handle *h);
        int (*delete_chain)(const char *chain, struct xtc_handle *h);
        int (*create_chain)(const char *chain, struct xtc_handle *h);
        int (*set_policy)(const char *chain, const char *policy, struct xt_counters *c,
                          struct xtc_handle *h);
        int (*append)(const char *chain, const void *entry, struct xtc_handle *h);
        const void *(*first_rule)(const char *chain, struct xtc_handle *h);
        const void *(*next_rule)(const void *prev, struct xtc_handle *h);
        const char *(*get_target)(const void *entry, struct xtc_handle *h);
        const char *(*get_policy)(const char *chain, struct xt_counters *c, struct xtc_handle *h);
        int (*commit)(struct xtc_handle *h);
        const char *(*strerror)(int err);
        /* the entry's layout */
        size_t target_offset_at, next_offset_at, flags_at;
        uint8_t goto_flag;
};

/* libiptc's IPv4 and IPv6 functions differ only in their entry type: adapt them to void *. */
static int append4(const char *c, const void *e, struct xtc_handle *h) { return iptc_append_entry(c, e, h); }
static int append6(const char *c, const void *e, struct xtc_handle *h) { return ip6tc_append_entry(c, e, h); }
static const void *first4(const char *c, struct xtc_handle *h) { return iptc_first_rule(c, h); }
static const void *first6(const char *c, struct xtc_handle *h) { return ip6tc_first_rule(c, h); }
static const void *next4(const void *e, struct xtc_handle *h) { return iptc_next_rule(e, h); }
static const void *next6(const void *e, struct xtc_handle *h) { return ip6tc_next_rule(e, h); }
static const char *target4(const void *e, struct xtc_handle *h) { return iptc_get_target(e, h); }
static const char *target6(const void *e, struct xtc_handle *h) { return ip6tc_get_target(e, h); }

static const struct tc_ops tc[OIH_NFAMILIES] = {
        [OIH_IPV4] = {
                "IPv4", "ip_tables", iptc_init, iptc_free, iptc_first_chain, iptc_next_chain,
                iptc_builtin, iptc_flush_entries, iptc_delete_chain, iptc_create_chain,
                iptc_set_policy, append4, first4, next4, target4, iptc_get_policy, iptc_commit,
                iptc_strerror, offsetof(struct ipt_entry, target_offset),
                offsetof(struct ipt_entry, next_offset), offsetof(struct ipt_entry, ip.flags), IPT_F_GOTO,
        },
        [OIH_IPV6] = {
                "IPv6", "ip6_tables", ip6tc_init, ip6tc_free, ip6tc_first_chain, ip6tc_next_chain,
                ip6tc_builtin, ip6tc_flush_entries, ip6tc_delete_chain, ip6tc_create_chain,
                ip6tc_set_policy, append6, first6, next6, target6, ip6tc_get_policy, ip6tc_commit,
                ip6tc_strerror, offsetof(struct ip6t_entry, target_offset),
                offsetof(struct ip6t_entry, next_offset), offsetof(struct ip6t_entry, ipv6.flags), IP6T_F_GOTO,
        },
};

static uint16_t entry_u16(const void *e, size_t off)
{
        uint16_t v;
        memcpy(&v, (const char *)e + off, sizeof(v));
        return v;
}

int oih_table_error(enum oih_family f, int e, struct oih_error *err)
{
        const struct tc_ops *o = &tc[f];
        err->errnum = e;
        if (e == ENOPROTOOPT || e == ENOENT || e == EAFNOSUPPORT || e == EPROTONOSUPPORT)
                return oih_err(err, "this kernel has no legacy iptables for %s (%s: %s): it needs "
                               "CONFIG_NETFILTER_XTABLES_LEGACY and the %s module, which many current "
                               "distributions no longer ship",
                               o->family_name, o->module, o->strerror(e), o->module);
        if (e == EPERM || e == EACCES)
                return oih_err(err, "cannot read the %s filter table: %s (needs CAP_NET_ADMIN over the network namespace)",
                               o->family_name, o->strerror(e));
        return oih_err(err, "cannot read the %s filter table: %s", o->family_name, o->strerror(e));
}

static int open_table(enum oih_family f, unsigned table, struct xtc_handle **ret, struct oih_error *err)
{
        struct xtc_handle *h = tc[f].init(oih_table_names[table]);
        if (h == NULL && table != OIH_TBL_FILTER)
                return oih_err_errno(err, errno, "cannot read the %s %s table", tc[f].family_name,
                                     oih_table_names[table]);
        if (h == NULL)
                return oih_table_error(f, errno, err);
        *ret = h;
        return 0;
}

int oih_table_probe(enum oih_family f, struct oih_error *err)
{
        struct xtc_handle *h = NULL;
        if (open_table(f, OIH_TBL_FILTER, &h, err) < 0)
                return -1;
        tc[f].free(h);
        return 0;
}

/* Empties the handle: every chain flushed, every user chain deleted, policies ACCEPT. */
static int clear_table(enum oih_family f, struct xtc_handle *h)
{
        const struct tc_ops *o = &tc[f];
        for (const char *c = o->first_chain(h); c; c = o->next_chain(h))
                if (!o->flush_entries(c, h))
                        return -1;
        /* Deleting while iterating is not allowed: collect the names first. */
        for (;;) {
                const char *victim = NULL;
                for (const char *c = o->first_chain(h); c; c = o->next_chain(h))
                        if (!o->builtin(c, h)) {
                                victim = c;
                                break;
                        }
                if (victim == NULL)
                        return 0;
                char name[XT_EXTENSION_MAXNAMELEN];
                snprintf(name, sizeof(name), "%s", victim);
                if (!o->delete_chain(name, h))
                        return -1;
        }
}

static int fill_table(enum oih_family f, const struct oih_table *t, struct xtc_handle *h)
{
        const struct tc_ops *o = &tc[f];
        if (clear_table(f, h) < 0)
                return -1;
        for (unsigned i = 0; i < t->nchains; i++)
                if (!o->create_chain(t->chains[i], h))
                        return -1;
        for (int b = 0; oih_table_builtins[t->table][b] != NULL; b++)
                if (!o->set_policy(oih_table_builtins[t->table][b], t->drop[b] ? "DROP" : "ACCEPT", NULL, h))
                        return -1;
        size_t off = 0;
        for (unsigned i = 0; i < t->nentries; i++) {
                const unsigned char *e = t->entries.data + off;
                if (!o->append(oih_table_chain_name(t, t->chain_of[i]), e, h))
                        return -1;
                off += entry_u16(e, o->next_offset_at);
        }
        return 0;
}

/* A copy of a table as libiptc read it, to put back if a later step fails. Jumps are stored
 * by offset in the handle: the copy gets their names back, as libiptc wants for append.
 * LIKE (or NULL): a table of about the size expected, to size the copy's buffers at once. */
static int snapshot_table(enum oih_family f, unsigned table, struct xtc_handle *h, const struct oih_table *like,
                          struct oih_table *t)
{
        const struct tc_ops *o = &tc[f];
        unsigned cap = 0, nb = oih_table_nbuiltins(table);
        memset(t, 0, sizeof(*t));
        t->table = table;
        if (like != NULL && like->nentries > 0) {
                t->entries.data = malloc(like->entries.len);
                t->chain_of = malloc(like->nentries * sizeof(*t->chain_of));
                if (t->entries.data == NULL || t->chain_of == NULL)
                        return -1;
                t->entries.cap = like->entries.len;
                cap = like->nentries;
        }
        for (const char *c = o->first_chain(h); c; c = o->next_chain(h)) {
                unsigned slot;
                if (o->builtin(c, h)) {
                        int b = oih_table_builtin(table, c);
                        if (b < 0)
                                continue;
                        struct xt_counters cnt;
                        const char *pol = o->get_policy(c, &cnt, h);
                        t->drop[b] = pol && strcmp(pol, "DROP") == 0;
                        slot = (unsigned)b;
                } else {
                        void *nc = realloc(t->chains, (t->nchains + 1) * sizeof(*t->chains));
                        if (nc == NULL)
                                return -1;
                        t->chains = nc;
                        snprintf(t->chains[t->nchains], sizeof(t->chains[0]), "%s", c);
                        slot = nb + t->nchains++;
                }
                for (const void *e = o->first_rule(c, h); e; e = o->next_rule(e, h)) {
                        uint16_t toff = entry_u16(e, o->target_offset_at), size = entry_u16(e, o->next_offset_at);
                        if (t->entries.cap - t->entries.len < size) {
                                size_t ncap = (t->entries.cap + size) * 2;
                                unsigned char *d = realloc(t->entries.data, ncap);
                                if (d == NULL)
                                        return -1;
                                t->entries.data = d;
                                t->entries.cap = ncap;
                        }
                        unsigned char *copy = t->entries.data + t->entries.len;
                        memcpy(copy, e, size);
                        struct xt_entry_target *tg = (struct xt_entry_target *)(copy + toff);
                        const char *name = o->get_target(e, h);
                        if (tg->u.user.name[0] == '\0') {
                                if (name) {
                                        size_t n = strnlen(name, sizeof(tg->u.user.name) - 1);
                                        memcpy(tg->u.user.name, name, n);
                                        tg->u.user.name[n] = '\0';
                                }
                                /* the kernel's verdict (an offset, for a jump) means nothing
                                 * outside this handle: the label says it, as compiled entries
                                 * carry it (libiptc's append maps the label again) */
                                if (tg->u.target_size >= sizeof(struct xt_standard_target))
                                        ((struct xt_standard_target *)tg)->verdict = 0;
                        }
                        t->entries.len += size;
                        if (t->nentries == cap) {
                                cap = cap ? cap * 2 : 64;
                                unsigned *nco = realloc(t->chain_of, cap * sizeof(*nco));
                                if (nco == NULL)
                                        return -1;
                                t->chain_of = nco;
                        }
                        t->chain_of[t->nentries++] = slot;
                }
        }
        return 0;
}

static void table_free(struct oih_table *t)
{
        free(t->chains);
        free(t->entries.data);
        free(t->chain_of);
}

int oih_tables_present(enum oih_family f, unsigned *ret, char *others, size_t size, struct oih_error *err)
{
        /* Opening a table that the namespace does not have yet creates it (the kernel makes
         * nat, mangle and raw on first use): the kernel's own list says which ones exist. */
        const char *path = f == OIH_IPV4 ? "/proc/net/ip_tables_names" : "/proc/net/ip6_tables_names";
        FILE *in = fopen(path, "re");
        if (in == NULL)
                return oih_err_errno(err, errno, "cannot list the %s tables of the namespace (%s)",
                                     tc[f].family_name, path);
        char line[64];
        size_t at = 0;
        *ret = 0;
        if (size > 0)
                others[0] = '\0';
        for (int n = 0; n < 64 && fgets(line, sizeof(line), in) != NULL; n++) {
                line[strcspn(line, "\n")] = '\0';
                unsigned t = 0;
                while (t < OIH_NTABLES && strcmp(line, oih_table_names[t]) != 0)
                        t++;
                if (t < OIH_NTABLES)
                        *ret |= OIH_TBLBIT(t);
                else if (at + strlen(line) + 2 < size)
                        at += (size_t)snprintf(others + at, size - at, "%s%s", at ? " " : "", line);
        }
        fclose(in);
        return 0;
}

int oih_read_tables(const unsigned want[OIH_NFAMILIES], const unsigned has[OIH_NFAMILIES],
                    const struct oih_ruleset *like, struct oih_ruleset **ret, struct oih_error *err)
{
        struct oih_ruleset *rs = calloc(1, sizeof(*rs));
        if (rs == NULL)
                return oih_err(err, "out of memory");
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (unsigned t = 0; t < OIH_NTABLES; t++) {
                        if (!(want[f] & OIH_TBLBIT(t)))
                                continue;
                        rs->present[f] |= OIH_TBLBIT(t);
                        rs->tables |= OIH_TBLBIT(t);
                        rs->t[f][t].table = t;
                        if (!(has[f] & OIH_TBLBIT(t)))
                                continue;
                        struct xtc_handle *h = NULL;
                        if (open_table((enum oih_family)f, t, &h, err) < 0) {
                                oih_ruleset_free(rs);
                                return -1;
                        }
                        int r = snapshot_table((enum oih_family)f, t, h, like ? &like->t[f][t] : NULL, &rs->t[f][t]);
                        tc[f].free(h);
                        if (r < 0) {
                                oih_ruleset_free(rs);
                                return oih_err(err, "out of memory");
                        }
                }
        }
        *ret = rs;
        return 0;
}

/* Someone else changing the table between our read and our commit makes the kernel answer
 * EAGAIN: read again and retry, a bounded number of times. libiptc commits in two steps, the
 * replace and then the counters; someone replacing the table between the two makes the second
 * fail with EINVAL although ours went in. Replacing again is harmless, so retry that too, but
 * keep the snapshot from before our first replace: it is what a rollback must put back. */
#define COMMIT_TRIES 5

static int commit_table(enum oih_family f, const struct oih_table *t, struct oih_table *old,
                        struct oih_error *err)
{
        const struct tc_ops *o = &tc[f];
        const char *tname = oih_table_names[t->table];
        bool have_old = false;
        int e;
        for (int attempt = 1;; attempt++) {
                struct xtc_handle *h = NULL;
                if (open_table(f, t->table, &h, err) < 0)
                        goto fail;
                if (old && !have_old) {
                        if (snapshot_table(f, t->table, h, NULL, old) < 0) {
                                table_free(old);
                                o->free(h);
                                return oih_err(err, "out of memory");
                        }
                        have_old = true;
                }
                if (fill_table(f, t, h) < 0) {
                        e = errno;
                        o->free(h);
                        err->errnum = e;
                        oih_err(err, "cannot build the %s %s table: %s", o->family_name, tname, o->strerror(e));
                        goto fail;
                }
                int ok;
                if ((t->table == OIH_TBL_FILTER && oih_fault_before_commit && oih_fault_before_commit(f) < 0) ||
                    (oih_fault_before_table_commit && oih_fault_before_table_commit(f, t->table) < 0)) {
                        errno = EIO;
                        ok = 0;
                } else {
                        ok = o->commit(h);
                }
                e = errno;
                o->free(h);
                if (ok)
                        return 0;
                if (e == EAGAIN && have_old) {
                        /* not replaced: the table someone else made is the one to keep */
                        table_free(old);
                        have_old = false;
                }
                if ((e == EAGAIN || e == EINVAL) && attempt < COMMIT_TRIES)
                        continue;
                err->errnum = e;
                if (e == EPERM)
                        oih_err(err, "cannot commit the %s %s table: %s (needs CAP_NET_ADMIN)",
                                o->family_name, tname, o->strerror(e));
                else
                        oih_err(err, "cannot commit the %s %s table: %s", o->family_name, tname, o->strerror(e));
                goto fail;
        }
fail:
        if (have_old)
                table_free(old);
        return -1;
}

/* Every table of the ruleset, IPv4 then IPv6, filter first in each. Legacy xtables has no
 * transaction across tables: each table is replaced atomically, and when one fails, every
 * table already replaced is put back as it was, last first. */
int oih_commit(const struct oih_ruleset *rs, struct oih_error *err)
{
        struct {
                enum oih_family f;
                unsigned table;
                struct oih_table old;
        } done[OIH_NFAMILIES * OIH_NTABLES];
        unsigned ndone = 0;
        int r = 0;
        for (int f = 0; f < OIH_NFAMILIES && r == 0; f++) {
                for (unsigned t = 0; t < OIH_NTABLES && r == 0; t++) {
                        if (!(rs->tables & OIH_TBLBIT(t)) && t != OIH_TBL_FILTER)
                                continue;
                        done[ndone].f = (enum oih_family)f;
                        done[ndone].table = t;
                        r = commit_table((enum oih_family)f, &rs->t[f][t], &done[ndone].old, err);
                        if (r == 0)
                                ndone++;
                }
        }
        if (r < 0 && ndone > 0) {
                /* never half a policy: put back what went in */
                bool ok = true;
                for (unsigned i = ndone; i-- > 0;) {
                        struct oih_error rerr;
                        oih_error_init(&rerr);
                        if (commit_table(done[i].f, &done[i].old, NULL, &rerr) < 0) {
                                ok = false;
                                oih_err(err, "and putting the %s %s table back failed too: %s",
                                        tc[done[i].f].family_name, oih_table_names[done[i].table],
                                        oih_error_first(&rerr));
                        }
                }
                if (ok && ndone == 1)
                        oih_err(err, "the %s table was put back as it was", tc[done[0].f].family_name);
                else if (ok)
                        oih_err(err, "the %u tables already replaced were put back as they were", ndone);
        }
        for (unsigned i = 0; i < ndone; i++)
                table_free(&done[i].old);
        return r;
}

/* ---- network namespaces ---- */

int oih_netns_open_path(const char *path, struct oih_error *err)
{
        /* O_NONBLOCK: a FIFO must not hang the caller. Nothing is read from PATH before the
         * kernel has said that it is a network namespace. */
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return oih_err_errno(err, errno, "cannot open network namespace %s", path);
        struct stat st;
        /* nsfs files are empty regular files; the ioctl is not sent to devices, whose drivers
         * could read its number otherwise */
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 0
            || ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
                close(fd);
                return oih_err(err, "%s is not a network namespace", path);
        }
        return fd;
}

int oih_netns_open_pid(long pid, struct oih_error *err)
{
        if (pid <= 0)
                return oih_err(err, "invalid pid %ld", pid);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
        return oih_netns_open_path(path, err);
}

/* nsfs inode numbers of initial namespaces (include/linux/proc_ns.h). The PID namespace's has
 * been fixed since Linux 3.8; the network namespace's since 6.18, before which it was allocated
 * at boot like any other. Dynamic numbers start at 0xF0000000, so a fixed one is never reused. */
#define PROC_PID_INIT_INO 0xEFFFFFFCU
#define PROC_NET_INIT_INO 0xEFFFFFF9U

static bool kernel_fixes_init_net_ino(void)
{
        struct utsname u;
        unsigned major = 0, minor = 0;
        if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
                return false;
        return major > 6 || (major == 6 && minor >= 18);
}

int oih_netns_is_initial(int fd)
{
        struct stat ns, self, kthreadd;
        if (fstat(fd, &ns) < 0)
                return -1;
#ifdef OIH_TEST_STANDIN_HOST
        /* A test build only (tests/helpers/oci-iptables-hook-standin, never installed): the
         * host's namespace is the one /proc/2 shows, so that a namespace of the test can stand in
         * for it (as_host, tests/lib.sh) and the refusals are tested without aiming at the host.
         * No stand-in can have the fixed inode; tests/cksuite-hook.c tests the code below. */
        (void)self, (void)kernel_fixes_init_net_ino;
        if (stat("/proc/2/ns/net", &kthreadd) < 0)
                return -1;
        return ns.st_dev == kthreadd.st_dev && ns.st_ino == kthreadd.st_ino;
#else
        if (ns.st_ino == PROC_NET_INIT_INO)
                return 1;
        if (kernel_fixes_init_net_ino())
                return 0;
        /* An older kernel: compare with kthreadd, PID 2 of the initial PID namespace, which lives
         * in the initial network namespace. Only a /proc of the initial PID namespace, where
         * this process is visible, shows it; any other /proc cannot tell. */
        if (stat("/proc/self/ns/pid", &self) < 0 || self.st_ino != PROC_PID_INIT_INO
            || stat("/proc/2/ns/net", &kthreadd) < 0)
                return -1;
        return ns.st_dev == kthreadd.st_dev && ns.st_ino == kthreadd.st_ino;
#endif
}

int oih_netns_is_own(int fd, struct oih_error *err)
{
        struct stat a, b;
        if (fstat(fd, &a) < 0)
                return oih_err_errno(err, errno, "cannot stat the network namespace");
        if (stat("/proc/self/ns/net", &b) < 0)
                return oih_err_errno(err, errno, "cannot stat /proc/self/ns/net");
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int oih_netns_owner(int fd, struct oih_error *err)
{
        int own = oih_netns_is_own(fd, err);
        if (own != 0)
                return own < 0 ? -1 : OIH_NS_OWN;
        int initial = oih_netns_is_initial(fd);
        return initial > 0 ? OIH_NS_HOST : initial < 0 ? OIH_NS_MAYBE_HOST : OIH_NS_OTHER;
}

/* The child's last word on success (both of the same length). */
#define RUN_DONE "\001done....."
#define RUN_IN_PLACE "\001in place."
_Static_assert(sizeof(RUN_DONE) == sizeof(RUN_IN_PLACE), "one length for both");

int oih_run_in_netns(int netns_fd, int (*fn)(void *ctx, struct oih_error *err), void *ctx,
                     struct oih_error *err)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return oih_err_errno(err, errno, "pipe");
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return oih_err_errno(err, e, "fork");
        }
        if (pid == 0) {
                /* The child enters the namespace; the caller never does. */
                close(pipefd[0]);
                struct oih_error cerr;
                oih_error_init(&cerr);
                int r;
                if (oih_netns_enter(netns_fd, &cerr) < 0)
                        r = -1;
                else
                        r = fn(ctx, &cerr);
                fflush(NULL);
                if (r < 0) {
                        for (int i = 0; i < cerr.n; i++) {
                                size_t len = strnlen(cerr.msg[i], OIH_ERR_LEN - 1) + 1;
                                if (write(pipefd[1], cerr.msg[i], len) != (ssize_t)len)
                                        break;
                        }
                        _exit(1);
                }
                /* Success is said, not only an exit status: a child that ends any other way
                 * (a library's exit(0), say) has not done the work. */
                const char *done = r > 0 ? RUN_IN_PLACE : RUN_DONE;
                _exit(write(pipefd[1], done, sizeof(RUN_DONE)) == (ssize_t)sizeof(RUN_DONE) ? 0 : 1);
        }
        close(pipefd[1]);
        char buf[OIH_ERR_MAX * OIH_ERR_LEN];
        size_t len = 0;
        for (;;) {
                ssize_t k = read(pipefd[0], buf + len, sizeof(buf) - 1 - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                len += (size_t)k;
                if (len == sizeof(buf) - 1)
                        break;
        }
        close(pipefd[0]);
        buf[len] = '\0';
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return oih_err_errno(err, errno, "waitpid");
        bool exited0 = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (exited0 && len == sizeof(RUN_DONE) && (memcmp(buf, RUN_DONE, len) == 0 || memcmp(buf, RUN_IN_PLACE, len) == 0))
                return memcmp(buf, RUN_IN_PLACE, len) == 0;
        for (size_t i = 0; !exited0 && i < len; i += strlen(buf + i) + 1)
                oih_err(err, "%s", buf + i);
        if (exited0 || len == 0)
                oih_err(err, "the child working in the network namespace %s",
                        WIFSIGNALED(status) ? "was killed"
                        : exited0           ? "ended without saying that it was done"
                                            : "failed without a message");
        return -1;
}

/* ---- one writer per network namespace ---- */

/* Reads every table the namespace has (those it lacks are not created) and the ones RS names. */
static int read_live(const struct oih_ruleset *rs, struct oih_ruleset **ret, struct oih_error *err)
{
        unsigned want[OIH_NFAMILIES], has[OIH_NFAMILIES];
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                char others[256];
                if (oih_tables_present((enum oih_family)f, &has[f], others, sizeof(others), err) < 0)
                        return -1;
                want[f] = has[f] | rs->tables | OIH_TBLBIT(OIH_TBL_FILTER);
        }
        return oih_read_tables(want, has, rs, ret, err);
}

int oih_table_by_chain(enum oih_family f, const struct oih_table *tb, struct oih_by_chain *ret)
{
        unsigned nslots = oih_table_nbuiltins(tb->table) + tb->nchains;
        memset(ret, 0, sizeof(*ret));
        ret->start = calloc(nslots + 1, sizeof(*ret->start));
        ret->order = calloc(tb->nentries + 1, sizeof(*ret->order));
        ret->off = calloc(tb->nentries + 1, sizeof(*ret->off));
        bool ok = ret->start && ret->order && ret->off;
        /* a counting sort by chain, stable; START[s] ends as slot s's end, so shifted by one */
        for (unsigned i = 0, at = 0; ok && i < tb->nentries; i++) {
                ret->off[i] = at;
                at += entry_u16(tb->entries.data + at, tc[f].next_offset_at);
                ok = tb->chain_of[i] < nslots;
                if (ok)
                        ret->start[tb->chain_of[i] + 1]++;
        }
        for (unsigned s = 0; ok && s < nslots; s++)
                ret->start[s + 1] += ret->start[s];
        for (unsigned i = 0; ok && i < tb->nentries; i++)
                ret->order[ret->start[tb->chain_of[i]]++] = i;
        for (unsigned s = nslots; ok && s > 0; s--)
                ret->start[s] = ret->start[s - 1];
        if (ok)
                ret->start[0] = 0;
        else
                oih_by_chain_free(ret);
        return ok ? 0 : -1;
}

void oih_by_chain_free(struct oih_by_chain *b)
{
        free(b->start);
        free(b->order);
        free(b->off);
        memset(b, 0, sizeof(*b));
}

/* Whether the matches or the target at A and B, SIZE bytes each, are the same: names up to
 * their end (the kernel writes no more of a name than that), revisions and data. */
static bool xt_same(const unsigned char *a, const unsigned char *b, size_t size)
{
        while (size > 0) {
                const struct xt_entry_match *ma = (const void *)a, *mb = (const void *)b;
                uint16_t n = ma->u.user.match_size;
                if (n < sizeof(*ma) || n > size || n != mb->u.user.match_size ||
                    strncmp(ma->u.user.name, mb->u.user.name, sizeof(ma->u.user.name)) != 0 ||
                    ma->u.user.revision != mb->u.user.revision ||
                    memcmp(a + sizeof(*ma), b + sizeof(*mb), n - sizeof(*ma)) != 0)
                        return false;
                a += n;
                b += n;
                size -= n;
        }
        return true;
}

/* Whether entries A and B are the same rule: the same bytes except what the kernel keeps for
 * itself (nfcache, comefrom, counters) and the unused ends of names. */
static bool entry_same(enum oih_family f, const unsigned char *a, const unsigned char *b)
{
        const struct tc_ops *o = &tc[f];
        uint16_t size = entry_u16(a, o->next_offset_at), toff = entry_u16(a, o->target_offset_at);
        size_t head = f == OIH_IPV4 ? sizeof(struct ipt_ip) : sizeof(struct ip6t_ip6);
        size_t elems = f == OIH_IPV4 ? offsetof(struct ipt_entry, elems) : offsetof(struct ip6t_entry, elems);
        return size == entry_u16(b, o->next_offset_at) && toff == entry_u16(b, o->target_offset_at) &&
               elems <= toff && toff < size && memcmp(a, b, head) == 0 &&
               xt_same(a + elems, b + elems, toff - elems) && xt_same(a + toff, b + toff, size - toff);
}

bool oih_tables_same_bytes(const struct oih_ruleset *want, const struct oih_ruleset *live)
{
        unsigned tables = want->tables | OIH_TBLBIT(OIH_TBL_FILTER);
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (unsigned t = 0; t < OIH_NTABLES; t++) {
                        if (!(tables & OIH_TBLBIT(t)))
                                continue;
                        const struct oih_table *a = &want->t[f][t], *b = &live->t[f][t];
                        unsigned nb = oih_table_nbuiltins(t);
                        if (!(live->present[f] & OIH_TBLBIT(t)) || a->nentries != b->nentries ||
                            a->nchains != b->nchains || memcmp(a->drop, b->drop, sizeof(a->drop)) != 0)
                                return false;
                        struct oih_by_chain ac = { 0 }, bc = { 0 };
                        bool same = oih_table_by_chain((enum oih_family)f, a, &ac) == 0 &&
                                    oih_table_by_chain((enum oih_family)f, b, &bc) == 0;
                        for (unsigned s = 0; same && s < nb + a->nchains; s++) {
                                /* the same chain of B: built-ins by index, user chains by name */
                                unsigned u = s;
                                if (s >= nb) {
                                        for (u = nb; u < nb + b->nchains; u++)
                                                if (strcmp(a->chains[s - nb], b->chains[u - nb]) == 0)
                                                        break;
                                        if (u == nb + b->nchains) {
                                                same = false;
                                                break;
                                        }
                                }
                                size_t n = ac.start[s + 1] - ac.start[s];
                                same = n == bc.start[u + 1] - bc.start[u];
                                for (size_t k = 0; same && k < n; k++)
                                        same = entry_same((enum oih_family)f,
                                                          a->entries.data + ac.off[ac.order[ac.start[s] + k]],
                                                          b->entries.data + bc.off[bc.order[bc.start[u] + k]]);
                        }
                        oih_by_chain_free(&ac);
                        oih_by_chain_free(&bc);
                        if (!same)
                                return false;
                }
        }
        return true;
}

/* Whether the tables RS read, except those in BUT (OIH_TBLBIT), hold nothing. */
static bool tables_empty(const struct oih_ruleset *rs, unsigned but)
{
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (unsigned t = 0; t < OIH_NTABLES; t++) {
                        const struct oih_table *tb = &rs->t[f][t];
                        if (!(rs->present[f] & OIH_TBLBIT(t)) || (but & OIH_TBLBIT(t)))
                                continue;
                        if (tb->nentries || tb->nchains)
                                return false;
                        for (int b = 0; b < OIH_MAXBUILTINS; b++)
                                if (tb->drop[b])
                                        return false;
                }
        }
        return true;
}

struct checked_commit {
        const struct oih_ruleset *rs;
        const struct oih_policy *p; /* when RS is NULL: compiled in the namespace */
        unsigned flags;
        double *ms; /* may be NULL; shared with the caller: compile, commit, read back */
};

static double ms_since(const struct timespec *a)
{
        struct timespec b;
        clock_gettime(CLOCK_MONOTONIC, &b);
        return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* In the namespace, holding its lock: returns 1 when a joined namespace holds RS already. */
static int checked_commit_fn(void *ctx, struct oih_error *err)
{
        const struct checked_commit *c = ctx;
        struct oih_ruleset *live = NULL, *compiled = NULL;
        const struct oih_ruleset *rs = c->rs;
        struct timespec t;
        int r;
        if (rs == NULL) {
                /* in the namespace: the revision probe answers for the kernel the tables live in */
                clock_gettime(CLOCK_MONOTONIC, &t);
                r = oih_compile_probe(c->p, OIH_XT_KERNEL, &compiled, err);
                if (c->ms)
                        c->ms[0] = ms_since(&t);
                if (r < 0)
                        return -1;
                rs = compiled;
        }
        r = -1;
        if (c->flags & OIH_COMMIT_JOINED) {
                if (read_live(rs, &live, err) < 0)
                        goto out;
                if (!tables_empty(live, 0)) {
                        /* this very policy: the same tables it names, nothing in the others */
                        unsigned named = rs->tables | OIH_TBLBIT(OIH_TBL_FILTER);
                        /* a comparison that fails (a worker's error) says why, not "other rules" */
                        int same = tables_empty(live, named) ? oih_live_same(rs, live, err) : 0;
                        r = same != 0 ? same
                                      : oih_err(err, "the container joins a network namespace that already "
                                                   "holds other rules (another container's policy): "
                                                   "containers sharing a network namespace (a pod, "
                                                   "--network container:) must name the same policy");
                        goto out;
                }
                oih_ruleset_free(live);
                live = NULL;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        r = oih_commit(rs, err);
        if (c->ms)
                c->ms[1] = ms_since(&t);
        if (r < 0)
                goto out;
        /* Nothing of ours can change the tables now (we hold the lock), but another iptables
         * user could have: say so rather than report a policy that is not there. Every table
         * the policy names is compared, as the extensions print it. */
        r = -1;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int same = read_live(rs, &live, err) < 0 ? -1 : oih_live_same(rs, live, err);
        if (c->ms)
                c->ms[2] = ms_since(&t);
        if (same < 0) /* the tables are the policy's, as far as the commit knows: say so */
                oih_error_prefix(err, "the policy was committed, but its tables could not be read back to check them");
        r = same == 1 ? 0
                      : same < 0 ? -1
                                 : oih_err(err, "the tables read back after the commit are not the "
                                                "policy: another program changed them at the same time");
out:
        oih_ruleset_free(live);
        oih_ruleset_free(compiled);
        return r;
}

/* Every commit holds an flock() on the namespace's nsfs file. Every process that opens the
 * namespace (/proc/PID/ns/net, a bind mount under /run/netns) gets the same inode while one
 * holds it open, so two hooks for containers that share it (a pod, --network container:) take
 * turns, and each one's IPv4 and IPv6 go in together. flock needs no privilege: rootless too. */
#define LOCK_WAIT_MS 10000
#define LOCK_POLL_MS 20

static int lock_netns(int fd, struct oih_error *err)
{
        for (int waited = 0;; waited += LOCK_POLL_MS) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        return 0;
                if (errno != EWOULDBLOCK && errno != EINTR)
                        return oih_err_errno(err, errno, "cannot lock the network namespace");
                if (waited >= LOCK_WAIT_MS)
                        return oih_err(err, "another process has held this network namespace's lock "
                                            "for %d s; giving up", LOCK_WAIT_MS / 1000);
                nanosleep(&(struct timespec){ .tv_nsec = LOCK_POLL_MS * 1000000L }, NULL);
        }
}

static int locked_commit(struct checked_commit *c, int netns_fd, struct oih_error *err)
{
        if (lock_netns(netns_fd, err) < 0)
                return -1;
        int r = c->flags & OIH_COMMIT_HERE ? checked_commit_fn(c, err)
                                           : oih_run_in_netns(netns_fd, checked_commit_fn, c, err);
        flock(netns_fd, LOCK_UN);
        return r;
}

int oih_commit_netns(const struct oih_ruleset *rs, int netns_fd, unsigned flags, struct oih_error *err)
{
        struct checked_commit c = { rs, NULL, flags, NULL };
        return locked_commit(&c, netns_fd, err);
}

int oih_apply_in_netns(const struct oih_policy *p, int netns_fd, double ret_ms[3], struct oih_error *err)
{
        /* the child's timings come back through a shared page */
        double *ms = NULL;
        if (ret_ms) {
                ms = mmap(NULL, 3 * sizeof(double), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
                if (ms == MAP_FAILED)
                        ms = NULL;
        }
        struct checked_commit c = { NULL, p, 0, ms };
        int r = locked_commit(&c, netns_fd, err);
        if (ms) {
                memcpy(ret_ms, ms, 3 * sizeof(double));
                munmap(ms, 3 * sizeof(double));
        }
        return r < 0 ? -1 : 0;
}

/* ---- counters ---- */

int oih_read_counters(enum oih_family f, unsigned table, struct oih_counters *ret, struct oih_error *err)
{
        static const size_t counters_at[OIH_NFAMILIES] = {
                offsetof(struct ipt_entry, counters), offsetof(struct ip6t_entry, counters),
        };
        const struct tc_ops *o = &tc[f];
        struct xtc_handle *h = NULL;
        memset(ret, 0, sizeof(*ret));
        if (open_table(f, table, &h, err) < 0)
                return -1;
        /* one handle: every counter comes from the same read of the table */
        for (const char *c = o->first_chain(h); c; c = o->next_chain(h)) {
                struct oih_chain_counters *nc = realloc(ret->chains, (ret->n + 1) * sizeof(*nc));
                if (nc == NULL)
                        goto oom;
                ret->chains = nc;
                struct oih_chain_counters *cc = &nc[ret->n++];
                memset(cc, 0, sizeof(*cc));
                snprintf(cc->name, sizeof(cc->name), "%s", c);
                if (o->builtin(c, h)) {
                        struct xt_counters pc = { 0, 0 };
                        cc->builtin = o->get_policy(c, &pc, h) != NULL;
                        cc->policy.pcnt = pc.pcnt;
                        cc->policy.bcnt = pc.bcnt;
                }
                unsigned cap = 0;
                for (const void *e = o->first_rule(c, h); e; e = o->next_rule(e, h)) {
                        if (cc->nrules == cap) {
                                cap = cap ? cap * 2 : 16;
                                void *nr = realloc(cc->rules, cap * sizeof(*cc->rules));
                                if (nr == NULL)
                                        goto oom;
                                cc->rules = nr;
                        }
                        struct xt_counters rc;
                        memcpy(&rc, (const char *)e + counters_at[f], sizeof(rc));
                        cc->rules[cc->nrules].pcnt = rc.pcnt;
                        cc->rules[cc->nrules++].bcnt = rc.bcnt;
                }
        }
        o->free(h);
        return 0;
oom:
        o->free(h);
        oih_counters_clear(ret);
        return oih_err(err, "out of memory");
}
