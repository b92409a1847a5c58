/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeping running containers current with their names' addresses.
 *
 * The hook leaves a record for each container whose policy names hosts, in the "containers"
 * directory next to the name cache: the container's pid and network namespace, its policy
 * file, and the addresses it got. After each resolution, the refresh compares what every
 * recorded container would get now with what it got, and re-applies the policy in that
 * container's namespace when they differ: one atomic table replacement per family, as at
 * creation, done from the host, so the container needs no capability. A record whose
 * namespace is gone is removed. (docs/hook.md, "Host names"; scripts/bench-names.sh measured this
 * against ipsets in the container's namespace.) */
#define _GNU_SOURCE
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oih.h"

#define MAX_RECORDS 4096
#define MAX_RECORD_SIZE (256u << 10)

int oih_records_dir(const char *cache_path, char *out, size_t size)
{
        const char *slash = strrchr(cache_path, '/');
        int n = slash ? snprintf(out, size, "%.*s/containers", (int)(slash - cache_path), cache_path)
                      : snprintf(out, size, "containers");
        return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* ---- sockets in the runtime's network namespace (the hook's own resolution) ---- */

static long parent_of(long pid)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        const char *p = strrchr(buf, ')');
        long ppid;
        if (p == NULL || sscanf(p, ") %*c %ld", &ppid) != 1)
                return -1;
        return ppid;
}

int oih_runtime_netns_open(struct oih_error *err)
{
        struct stat own;
        if (stat("/proc/self/ns/net", &own) < 0)
                return oih_err_errno(err, errno, "cannot stat /proc/self/ns/net");
        /* /proc is still the host's in createContainer: /proc/self is the host pid */
        long pid = -1;
        char self[32];
        ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                pid = strtol(self, NULL, 10);
        }
        for (int depth = 0; pid > 1 && depth < 16; depth++) {
                pid = parent_of(pid);
                if (pid <= 0)
                        break;
                char path[64];
                snprintf(path, sizeof(path), "/proc/%ld/ns/net", pid);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && (st.st_dev != own.st_dev || st.st_ino != own.st_ino))
                        return fd;
                if (fd >= 0)
                        close(fd);
        }
        return oih_err(err, "no process above the hook is outside the container's network namespace");
}

int oih_open_socket_outside(void *ctx, int domain, int type, struct oih_error *err)
{
        int netns_fd = *(int *)ctx;
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
                return oih_err_errno(err, errno, "socketpair");
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(sp[0]);
                close(sp[1]);
                return oih_err_errno(err, e, "fork");
        }
        if (pid == 0) {
                close(sp[0]);
                int e = 0, fd = -1;
                if (setns(netns_fd, CLONE_NEWNET) < 0 || (fd = socket(domain, type, 0)) < 0)
                        e = errno;
                char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
                struct iovec iov = { &e, sizeof(e) };
                struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
                if (fd >= 0) {
                        m.msg_control = cbuf;
                        m.msg_controllen = sizeof(cbuf);
                        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
                        c->cmsg_level = SOL_SOCKET;
                        c->cmsg_type = SCM_RIGHTS;
                        c->cmsg_len = CMSG_LEN(sizeof(int));
                        memcpy(CMSG_DATA(c), &fd, sizeof(int));
                }
                _exit(sendmsg(sp[1], &m, 0) < 0);
        }
        close(sp[1]);
        int e = ETIMEDOUT, fd = -1;
        struct pollfd p = { sp[0], POLLIN, 0 };
        if (poll(&p, 1, 2000) == 1) {
                char cbuf[CMSG_SPACE(sizeof(int))];
                struct iovec iov = { &e, sizeof(e) };
                struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                                    .msg_controllen = sizeof(cbuf) };
                if (recvmsg(sp[0], &m, MSG_CMSG_CLOEXEC) == sizeof(e) && e == 0) {
                        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
                        if (c && c->cmsg_type == SCM_RIGHTS)
                                memcpy(&fd, CMSG_DATA(c), sizeof(int));
                }
        }
        close(sp[0]);
        if (fd < 0)
                kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (fd < 0)
                return oih_err_errno(err, e ? e : EIO, "cannot open a socket in the runtime's network namespace");
        return fd;
}

/* ---- records ---- */

static bool id_ok(const char *id)
{
        size_t n = strlen(id);
        return n > 0 && n <= 128 && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n &&
               id[0] != '.';
}

static int write_file(const char *dir, const char *name, const char *text, struct oih_error *err)
{
        char path[4200], tmp[4220];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return oih_err_errno(err, errno, "%s: cannot create", tmp);
        size_t len = strlen(text);
        ssize_t w = write(fd, text, len);
        int e = errno;
        if (close(fd) < 0 || w != (ssize_t)len || rename(tmp, path) < 0) {
                unlink(tmp);
                return oih_err_errno(err, w != (ssize_t)len ? e : errno, "%s: cannot write", path);
        }
        return 0;
}

/* The record of container ID: its first process PID, its network namespace NETNS (the nsfs
 * file's stat), in the records directory beside CACHE_PATH. */
static int record_in(const char *cache_path, const char *id, long pid, const struct stat *netns,
                     const char *policy_path, const char *summary, struct oih_error *err)
{
        char dir[4096];
        if (oih_records_dir(cache_path, dir, sizeof(dir)) < 0)
                return oih_err(err, "%s: path too long", cache_path);
        if (!id_ok(id))
                return oih_err(err, "container id \"%.40s\" cannot name a record file", id);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return oih_err_errno(err, errno, "%s: cannot create", dir);
        return oih_record_container_at(dir, id, pid, (unsigned long long)netns->st_dev,
                                       (unsigned long long)netns->st_ino, policy_path, summary, err);
}

int oih_record_container(const char *cache_path, const char *id, const char *policy_path, const char *summary,
                         struct oih_error *err)
{
        struct stat st;
        char self[32] = "";
        ssize_t n = readlink("/proc/self", self, sizeof(self) - 1);
        if (n <= 0 || stat("/proc/self/ns/net", &st) < 0)
                return oih_err_errno(err, errno, "cannot tell the container's process and namespace");
        self[n] = '\0';
        /* the hook's parent becomes the container's first process */
        return record_in(cache_path, id, parent_of(strtol(self, NULL, 10)), &st, policy_path, summary, err);
}

int oih_record_running(const char *cache_path, const char *id, long pid, int netns_fd, const char *policy_path,
                       const char *summary, struct oih_error *err)
{
        struct stat st;
        if (fstat(netns_fd, &st) < 0)
                return oih_err_errno(err, errno, "cannot tell the container's network namespace");
        return record_in(cache_path, id, pid, &st, policy_path, summary, err);
}

struct record {
        long pid;
        unsigned long long dev, ino;
        char policy[4096];
        const char *summary;
};

static int parse_record(char *text, struct record *rec)
{
        int used = 0;
        if (sscanf(text, "oih-container 1\npid %ld\nnetns %llu %llu\npolicy %4095[^\n]\nnames\n%n", &rec->pid,
                   &rec->dev, &rec->ino, rec->policy, &used) != 4 || used == 0)
                return -1;
        rec->summary = text + used;
        return 0;
}

/* The recorded container's network namespace: its descriptor; -1 when the container is gone
 * (no such process, or one whose namespace is another: the pid was reused); -2 with errno
 * when it cannot be told (out of descriptors, say): the record stays. */
static int record_netns(const struct record *rec)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/ns/net", rec->pid);
        int fd = rec->pid > 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0)
                return rec->pid <= 0 || errno == ENOENT || errno == ESRCH ? -1 : -2;
        struct stat st;
        if (fstat(fd, &st) < 0) {
                int e = errno;
                close(fd);
                errno = e;
                return -2;
        }
        if (st.st_dev == rec->dev && st.st_ino == rec->ino)
                return fd;
        close(fd);
        return -1;
}

int oih_reapply_policy(struct oih_policy *p, int netns_fd, const struct oih_cache *c, int64_t now,
                       char **ret_summary, struct oih_error *err)
{
        char *summary = NULL;
        /* never the caller's own namespace or the host's (in doubt it is the host's) */
        int who = oih_netns_owner(netns_fd, err);
        if (who < 0)
                return -1;
        if (who != OIH_NS_OTHER)
                return oih_err(err, "its network namespace %s: refusing to change its firewall",
                               who == OIH_NS_OWN ? "is this process's own"
                               : who == OIH_NS_HOST ? "is the machine's initial (the host's)"
                                                    : "cannot be told from the machine's initial (the host's)");
        if (p->nnames) {
                if (c == NULL)
                        return oih_err(err, "the policy names hosts, and no name cache was given");
                if ((summary = oih_names_summary(p, c, now)) == NULL)
                        return oih_err(err, "out of memory");
                if (oih_names_substitute(p, c, now, true, err) < 0) {
                        free(summary);
                        return -1;
                }
        }
        /* as apply: compiled and committed in the namespace, under its lock, read back */
        if (oih_apply_in_netns(p, netns_fd, NULL, err) < 0) {
                free(summary);
                return -1;
        }
        if (ret_summary == NULL)
                free(summary);
        else if ((*ret_summary = summary ? summary : strdup("")) == NULL)
                return oih_err(err, "out of memory");
        return 0;
}

static int read_small(int dirfd, const char *name, char **ret)
{
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return -1;
        struct oih_error err;
        oih_error_init(&err);
        size_t len;
        struct stat st;
        int r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
                        ? oih_read_bounded(fd, MAX_RECORD_SIZE, name, ret, &len, &err) : -1;
        close(fd);
        return r;
}

/* Calls FN for every record of the directory (at most MAX_RECORDS). */
static int foreach_record(const char *cache_path, int (*fn)(const char *dir, const char *id, struct record *rec,
                                                            void *ctx), void *ctx, struct oih_error *err)
{
        char dir[4096];
        if (oih_records_dir(cache_path, dir, sizeof(dir)) < 0)
                return oih_err(err, "%s: path too long", cache_path);
        DIR *d = opendir(dir);
        if (d == NULL)
                return errno == ENOENT ? 0 : oih_err_errno(err, errno, "%s: cannot open", dir);
        int ret = 0;
        unsigned seen = 0;
        for (struct dirent *de; (de = readdir(d)) != NULL && seen < MAX_RECORDS;) {
                if (!id_ok(de->d_name))
                        continue;
                seen++;
                char *text = NULL;
                struct record rec;
                if (read_small(dirfd(d), de->d_name, &text) < 0 || parse_record(text, &rec) < 0) {
                        ret = oih_err(err, "%s/%s: not a container record", dir, de->d_name);
                } else if (fn(dir, de->d_name, &rec, ctx) < 0) {
                        ret = -1;
                }
                free(text);
        }
        closedir(d);
        return ret;
}

struct refresh_ctx {
        const struct oih_cache *c;
        int64_t now;
        FILE *log;
        struct oih_refresh_report *rep;
        struct oih_error *err;
};

static int refresh_one(const char *dir, const char *id, struct record *rec, void *ctx)
{
        struct refresh_ctx *x = ctx;
        x->rep->checked++;
        /* this container's messages, prefixed with its id before they join the others' */
        struct oih_error e;
        oih_error_init(&e);
        struct oih_policy *p = NULL;
        char *now_summary = NULL, *applied = NULL;
        int r = -1, fd = record_netns(rec);
        if (fd == -2) {
                oih_err_errno(&e, errno, "cannot open the network namespace of its process %ld", rec->pid);
                goto out;
        }
        if (fd < 0) {
                char path[4200];
                snprintf(path, sizeof(path), "%s/%s", dir, id);
                unlink(path);
                x->rep->gone++;
                return 0;
        }
        if (oih_policy_load(rec->policy, &p, &e) < 0 || (now_summary = oih_names_summary(p, x->c, x->now)) == NULL)
                goto out;
        if (strcmp(now_summary, rec->summary) == 0) {
                r = 0;
                goto out;
        }
        if (oih_reapply_policy(p, fd, x->c, x->now, &applied, &e) < 0)
                goto out;
        r = oih_record_container_at(dir, id, rec->pid, rec->dev, rec->ino, rec->policy, applied, &e);
        if (r == 0) {
                x->rep->updated++;
                if (x->log) {
                        size_t l = strlen(applied);
                        oih_print_line(x->log, "oci-iptables-hook: %.12s: re-applied %s: names now: %.*s", id,
                                       rec->policy, (int)(l && applied[l - 1] == '\n' ? l - 1 : l), applied);
                }
        }
out:
        if (r < 0) {
                x->rep->failed++;
                if (e.n == 0)
                        oih_err(&e, "out of memory");
                oih_error_prefix(&e, "container %.12s", id);
                oih_error_append(x->err, &e);
        }
        free(now_summary);
        free(applied);
        oih_policy_free(p);
        if (fd >= 0)
                close(fd);
        return r;
}

int oih_record_container_at(const char *dir, const char *id, long pid, unsigned long long dev,
                            unsigned long long ino, const char *policy, const char *summary, struct oih_error *err)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (f == NULL)
                return oih_err(err, "out of memory");
        fprintf(f, "oih-container 1\npid %ld\nnetns %llu %llu\npolicy %s\nnames\n%s", pid, dev, ino, policy, summary);
        if (fclose(f) != 0)
                return oih_err(err, "out of memory");
        int r = write_file(dir, id, text, err);
        free(text);
        return r;
}

int oih_refresh_containers(const char *cache_path, const struct oih_cache *c, int64_t now, FILE *log,
                           struct oih_refresh_report *rep, struct oih_error *err)
{
        memset(rep, 0, sizeof(*rep));
        struct refresh_ctx x = { c, now, log, rep, err };
        return foreach_record(cache_path, refresh_one, &x, err);
}

struct collect_ctx {
        char ***v;
        unsigned *n;
};

static int collect_one(const char *dir, const char *id, struct record *rec, void *ctx)
{
        (void)dir;
        (void)id;
        struct collect_ctx *x = ctx;
        for (unsigned i = 0; i < *x->n; i++)
                if (strcmp((*x->v)[i], rec->policy) == 0)
                        return 0;
        char **v = realloc(*x->v, (*x->n + 1) * sizeof(*v));
        if (v == NULL)
                return -1;
        *x->v = v;
        if ((v[*x->n] = strdup(rec->policy)) == NULL)
                return -1;
        (*x->n)++;
        return 0;
}

int oih_records_policies(const char *cache_path, char ***ret, unsigned *n, struct oih_error *err)
{
        struct collect_ctx x = { ret, n };
        return foreach_record(cache_path, collect_one, &x, err);
}

struct find_ctx {
        unsigned long long dev, ino;
        char **policy, **summary;
};

static int find_one(const char *dir, const char *id, struct record *rec, void *ctx)
{
        (void)dir;
        (void)id;
        struct find_ctx *x = ctx;
        if (rec->dev == x->dev && rec->ino == x->ino && *x->policy == NULL) {
                *x->policy = strdup(rec->policy);
                *x->summary = strdup(rec->summary);
                if (*x->policy == NULL || *x->summary == NULL)
                        return -1;
        }
        return 0;
}

int oih_record_find(const char *cache_path, int netns_fd, char **ret_policy, char **ret_summary,
                    struct oih_error *err)
{
        struct stat st;
        *ret_policy = *ret_summary = NULL;
        if (fstat(netns_fd, &st) < 0)
                return oih_err_errno(err, errno, "cannot stat the network namespace");
        struct find_ctx x = { st.st_dev, st.st_ino, ret_policy, ret_summary };
        /* another container's record that cannot be read does not hide this one's; when this
         * one is not found, it may be that record: then say so */
        struct oih_error e;
        oih_error_init(&e);
        int r = foreach_record(cache_path, find_one, &x, &e);
        if (*ret_policy != NULL && *ret_summary != NULL)
                return 0;
        free(*ret_policy);
        free(*ret_summary);
        *ret_policy = *ret_summary = NULL;
        if (r == 0)
                return 0;
        if (e.n == 0)
                oih_err(&e, "out of memory");
        return oih_error_append(err, &e);
}
