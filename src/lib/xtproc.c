/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libxtables worker (xt.h): a forked child per address family (P1). The output of the
 * worker function goes to a memory file (memfd) that the parent made and sealed at the size
 * limit; the parent maps it once the child is gone, without copying it. The child then sends
 * a header (status, length) and its error messages on a pipe; its stdout and stderr go to a
 * second pipe. The parent reads both within limits of time and size, then reaps the child:
 * a child that dies, hangs or floods is an error. Several workers (both families, or parts
 * of a large policy) run at the same time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xt.h"

int oih_xt_timeout_ms = 60000;
size_t oih_xt_max_output = 256u << 20;
#define MAX_STDERR (64u << 10)
#define MAX_STDERR_LINES 4

struct header {
        int32_t rc;
        uint32_t nmsg;
        uint64_t len;
};

static int write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t k = write(fd, p, len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -1;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

/* FN's output goes to a memory file the parent made (no pipe to copy it through, no buffer
 * to grow); answer_write keeps it within oih_xt_max_output. */
struct answer {
        int fd;
        uint64_t len;
        bool over;
};

static ssize_t answer_write(void *cookie, const char *buf, size_t n)
{
        struct answer *a = cookie;
        if (a->over || n > oih_xt_max_output - a->len) {
                a->over = true;
                errno = EFBIG;
                return -1;
        }
        if (write_all(a->fd, buf, n) < 0)
                return -1;
        a->len += n;
        return (ssize_t)n;
}

static void __attribute__((noreturn)) child(int res, int out, int data, enum oih_family family,
                                            enum oih_xt_probe probe, oih_xt_fn fn, void *ctx)
{
        /* Whatever libxtables or an extension prints outside oih_xt_render is a warning. */
        if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
                _exit(126);
        struct oih_error err;
        oih_error_init(&err);
        struct answer a = {data, 0, false};
        FILE *mem = fopencookie(&a, "w", (cookie_io_functions_t){.write = answer_write});
        if (mem != NULL)
                setvbuf(mem, NULL, _IOFBF, 1 << 16);
        int r = mem == NULL ? oih_err(&err, "cannot start the libxtables worker: out of memory")
                            : oih_xt_init(family, probe, &err);
        if (r == 0)
                r = fn(ctx, mem, &err);
        if (mem != NULL && fclose(mem) != 0 && r == 0 && !a.over)
                r = oih_err(&err, "the libxtables worker cannot write its answer");
        fflush(stdout);
        fflush(stderr);
        /* a length past the limit tells the parent that there was more */
        struct header h = {r < 0 ? -1 : 0, (uint32_t)err.n, a.over ? UINT64_MAX : r < 0 ? 0 : a.len};
        bool ok = write_all(res, &h, sizeof(h)) == 0;
        for (int i = 0; ok && i < err.n; i++)
                ok = write_all(res, err.msg[i], strnlen(err.msg[i], OIH_ERR_LEN - 1) + 1) == 0;
        _exit(ok ? 0 : 125);
}

struct sink {
        int fd;
        char *buf;
        size_t len, cap, max;
        bool over;
};

/* Reads what is there; past MAX the bytes are counted as "over" and dropped. */
static int drain(struct sink *s)
{
        char tmp[65536];
        ssize_t k = read(s->fd, tmp, sizeof(tmp));
        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? 1 : -errno;
        if (k == 0)
                return 0;
        size_t n = (size_t)k;
        if (s->len + n > s->max) {
                s->over = true;
                n = s->max - s->len;
        }
        if (s->len + n + 1 > s->cap) {
                size_t cap = s->cap ? s->cap : 65536;
                while (cap < s->len + n + 1)
                        cap *= 2;
                char *b = realloc(s->buf, cap);
                if (b == NULL)
                        return -ENOMEM;
                s->buf = b;
                s->cap = cap;
        }
        memcpy(s->buf + s->len, tmp, n);
        s->len += n;
        s->buf[s->len] = '\0';
        return 1;
}

static long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The worker's last stderr lines, as messages after the main one. */
static void add_stderr(const struct sink *s, struct oih_error *err)
{
        if (s->len == 0)
                return;
        const char *end = s->buf + s->len, *p = end;
        int lines = 0;
        while (p > s->buf && lines <= MAX_STDERR_LINES)
                if (*--p == '\n' && p + 1 < end)
                        lines++;
        if (*p == '\n')
                p++;
        while (p < end) {
                size_t n = strcspn(p, "\n");
                if (n > 0)
                        oih_err(err, "worker stderr: %.*s", (int)n, p);
                p += n + 1;
        }
}

struct worker {
        const char *fname;
        pid_t pid;
        int data; /* the memory file of the answer */
        struct sink s[2]; /* the header and messages, the worker's stdout and stderr */
        const char *why; /* why it failed while being read */
        int e;
};

static int start(struct worker *w, enum oih_family family, enum oih_xt_probe probe, oih_xt_fn fn, void *ctx,
                 struct oih_error *err)
{
        int res[2] = {-1, -1}, out[2] = {-1, -1};
        const char *what = "pipe";
        w->fname = family == OIH_IPV4 ? "IPv4" : "IPv6";
        /* The answer's file is as large as an answer may be (unwritten, it takes no memory) and
         * sealed at that size: a worker cannot make it any larger. */
        w->data = memfd_create("oih-xt-answer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (w->data < 0)
                return oih_err_errno(err, errno, "memfd_create");
        if (ftruncate(w->data, (off_t)oih_xt_max_output + 1) < 0 ||
            fcntl(w->data, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
                what = "the libxtables worker's answer file";
                goto fail;
        }
        if (pipe2(res, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
                goto fail;
        fflush(NULL);
        w->pid = fork();
        if (w->pid < 0) {
                what = "fork";
                goto fail;
        }
        if (w->pid == 0) {
                close(res[0]);
                close(out[0]);
                child(res[1], out[1], w->data, family, probe, fn, ctx);
        }
        close(res[1]);
        close(out[1]);
        w->s[0] = (struct sink){ res[0], NULL, 0, 0, sizeof(struct header) + OIH_ERR_MAX * OIH_ERR_LEN, false };
        w->s[1] = (struct sink){ out[0], NULL, 0, 0, MAX_STDERR, false };
        return 0;
fail:;
        int e = errno;
        close(w->data);
        for (int i = 0; i < 2; i++) {
                if (res[i] >= 0)
                        close(res[i]);
                if (out[i] >= 0)
                        close(out[i]);
        }
        return oih_err_errno(err, e, "%s", what);
}

/* Reads every worker's pipes until they close, within the time limit. */
static void read_all(struct worker *w, int n)
{
        long deadline = now_ms() + oih_xt_timeout_ms;
        for (;;) {
                struct pollfd p[2 * OIH_XT_MAXWORKERS];
                int open = 0;
                for (int i = 0; i < n; i++)
                        for (int k = 0; k < 2; k++) {
                                p[2 * i + k] = (struct pollfd){ w[i].why ? -1 : w[i].s[k].fd, POLLIN, 0 };
                                open += p[2 * i + k].fd >= 0;
                        }
                if (open == 0)
                        return;
                long left = deadline - now_ms();
                if (left <= 0) {
                        for (int i = 0; i < n; i++)
                                if (w[i].why == NULL && (w[i].s[0].fd >= 0 || w[i].s[1].fd >= 0))
                                        w[i].why = "did not finish in time";
                        return;
                }
                int k = poll(p, (nfds_t)(2 * n), (int)(left > 1000 ? 1000 : left));
                if (k < 0 && errno != EINTR) {
                        for (int i = 0; i < n; i++)
                                if (w[i].why == NULL) {
                                        w[i].e = errno;
                                        w[i].why = "cannot be read";
                                }
                        return;
                }
                for (int j = 0; k > 0 && j < 2 * n; j++) {
                        struct worker *x = &w[j / 2];
                        struct sink *s = &x->s[j % 2];
                        if (p[j].fd < 0 || p[j].revents == 0 || x->why != NULL)
                                continue;
                        int d = drain(s);
                        if (d < 0) {
                                x->e = -d;
                                x->why = "cannot be read";
                        } else if (d == 0) {
                                close(s->fd);
                                s->fd = -1;
                        } else if (j % 2 == 0 && s->over) {
                                x->why = "sent more output than allowed";
                        }
                }
        }
}

/* Reaps worker W and takes its answer into RET. */
static int finish(struct worker *w, struct oih_xt_out *ret, struct oih_error *err)
{
        const char *fname = w->fname;
        if (w->why != NULL)
                kill(w->pid, SIGKILL);
        for (int i = 0; i < 2; i++)
                if (w->s[i].fd >= 0)
                        close(w->s[i].fd);
        int status = 0;
        while (waitpid(w->pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = -1;
                        break;
                }

        int rc = -1;
        struct header h;
        struct sink *s = w->s;
        if (w->why != NULL) {
                if (w->e != 0)
                        oih_err_errno(err, w->e, "the %s libxtables worker %s", fname, w->why);
                else
                        oih_err(err, "the %s libxtables worker %s", fname, w->why);
        } else if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0
                   || s[0].len < sizeof(h)) {
                if (status != -1 && WIFSIGNALED(status))
                        oih_err(err, "the %s libxtables worker was killed by signal %d (%s)", fname,
                                WTERMSIG(status), strsignal(WTERMSIG(status)));
                else if (status != -1 && WIFEXITED(status))
                        oih_err(err, "the %s libxtables worker exited with status %d", fname,
                                WEXITSTATUS(status));
                else
                        oih_err(err, "the %s libxtables worker failed", fname);
        } else {
                memcpy(&h, s[0].buf, sizeof(h));
                const char *p = s[0].buf + sizeof(h), *end = s[0].buf + s[0].len;
                bool over = h.len > oih_xt_max_output; /* whatever else it says: its answer was cut */
                for (uint32_t i = 0; i < h.nmsg && p < end && !over; i++) {
                        oih_err(err, "%s", p);
                        p += strnlen(p, (size_t)(end - p)) + 1;
                }
                if (over) {
                        oih_err(err, "the %s libxtables worker sent more output than allowed", fname);
                } else if (h.rc == 0 && p == end) {
                        /* mapped, not copied; the file is zero past the answer: a NUL ends it */
                        ret->len = (size_t)h.len;
                        ret->data = mmap(NULL, ret->len + 1, PROT_READ, MAP_PRIVATE, w->data, 0);
                        ret->warnings = strdup(s[1].len > 0 ? s[1].buf : "");
                        if (ret->data == MAP_FAILED) {
                                oih_err_errno(err, errno, "the %s libxtables worker's answer", fname);
                                ret->data = NULL;
                                oih_xt_out_free(ret);
                        } else if (ret->warnings == NULL) {
                                oih_xt_out_free(ret);
                                oih_err_errno(err, ENOMEM, "the %s libxtables worker", fname);
                        } else {
                                rc = 0;
                        }
                } else if (h.rc == 0) {
                        oih_err(err, "the %s libxtables worker sent a truncated answer", fname);
                }
        }
        if (rc < 0)
                add_stderr(&s[1], err);
        close(w->data);
        free(s[0].buf);
        free(s[1].buf);
        return rc;
}

int oih_xt_run_many(enum oih_xt_probe probe, oih_xt_fn fn, unsigned n, const enum oih_family family[],
                    void *const ctx[], struct oih_xt_out ret[], struct oih_error *err)
{
        struct worker w[OIH_XT_MAXWORKERS];
        unsigned started = 0;
        int rc = 0;
        if (n > OIH_XT_MAXWORKERS)
                return oih_err(err, "%u libxtables workers asked for, at most %d", n, OIH_XT_MAXWORKERS);
        memset(ret, 0, n * sizeof(*ret));
        memset(w, 0, sizeof(w));
        for (; started < n; started++)
                if (start(&w[started], family[started], probe, fn, ctx[started], err) < 0)
                        break;
        if (started < n) {
                rc = -1;
                for (unsigned i = 0; i < started; i++)
                        w[i].why = "was stopped";
        }
        read_all(w, (int)started);
        for (unsigned i = 0; i < started; i++)
                if (finish(&w[i], &ret[i], err) < 0)
                        rc = -1;
        if (rc < 0)
                for (unsigned i = 0; i < n; i++)
                        oih_xt_out_free(&ret[i]);
        return rc;
}

int oih_xt_run_each(enum oih_xt_probe probe, oih_xt_fn fn, void *const ctx[OIH_NFAMILIES],
                    struct oih_xt_out ret[OIH_NFAMILIES], struct oih_error *err)
{
        enum oih_family fam[OIH_NFAMILIES] = { OIH_IPV4, OIH_IPV6 };
        void *c[OIH_NFAMILIES] = { NULL, NULL };
        struct oih_xt_out o[OIH_NFAMILIES];
        unsigned n = 0;
        memset(ret, 0, OIH_NFAMILIES * sizeof(*ret));
        for (int f = 0; f < OIH_NFAMILIES; f++)
                if (ctx[f] != NULL) {
                        fam[n] = (enum oih_family)f;
                        c[n++] = ctx[f];
                }
        int r = oih_xt_run_many(probe, fn, n, fam, c, o, err);
        for (unsigned i = 0; r == 0 && i < n; i++)
                ret[fam[i]] = o[i];
        return r;
}

int oih_xt_run(enum oih_family family, enum oih_xt_probe probe, oih_xt_fn fn, void *ctx,
               struct oih_xt_out *ret, struct oih_error *err)
{
        return oih_xt_run_many(probe, fn, 1, &family, &ctx, ret, err);
}

void oih_xt_out_free(struct oih_xt_out *o)
{
        if (o->data != NULL)
                munmap(o->data, o->len + 1);
        free(o->warnings);
        o->data = NULL;
        o->warnings = NULL;
        o->len = 0;
}

int oih_xt_libdir_trusted(const char *dir, struct oih_error *err)
{
        struct stat st;
        if (stat(dir, &st) < 0)
                return oih_err_errno(err, errno, "extension directory %s", dir);
        if (!S_ISDIR(st.st_mode))
                return oih_err(err, "extension directory %s is not a directory", dir);
        uid_t overflow = 65534;
        FILE *f = fopen("/proc/sys/kernel/overflowuid", "re");
        if (f != NULL) {
                unsigned u;
                if (fscanf(f, "%u", &u) == 1)
                        overflow = u;
                fclose(f);
        }
        if (st.st_uid != 0 && st.st_uid != overflow)
                return oih_err(err, "refusing extension directory %s: owned by uid %u, not root", dir,
                               (unsigned)st.st_uid);
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return oih_err(err, "refusing extension directory %s: writable by group or others", dir);
        return 0;
}

/* ---- sessions: one request, one answer, until the caller closes ---- */

struct oih_xt_session {
        pid_t pid;
        int req, ans; /* our ends of the two pipes */
        const char *fname;
};

static int read_full(int fd, void *buf, size_t len, long deadline)
{
        char *p = buf;
        while (len > 0) {
                struct pollfd pf = {fd, POLLIN, 0};
                long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                int k = poll(&pf, 1, (int)(left > 1000 ? 1000 : left));
                if (k < 0 && errno != EINTR)
                        return -errno;
                if (k <= 0)
                        continue;
                ssize_t n = read(fd, p, len);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EPIPE;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static void __attribute__((noreturn)) session_child(int req, int ans, enum oih_family family,
                                                    enum oih_xt_probe probe, oih_xt_serve_fn serve, void *ctx)
{
        /* stdout belongs to the caller's output: what libxtables prints is a warning */
        if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                _exit(126);
        /* another session's pipe ends, inherited, would keep that worker from seeing its end */
        for (int fd = 3; fd < 4096; fd++)
                if (fd != req && fd != ans)
                        close(fd);
        struct oih_error err;
        oih_error_init(&err);
        int r = oih_xt_init(family, probe, &err);
        for (;;) {
                uint64_t len;
                if (read_full(req, &len, sizeof(len), LONG_MAX) < 0)
                        _exit(0); /* the caller closed: done */
                if (len > oih_xt_max_output)
                        _exit(124);
                char *buf = malloc(len + 1);
                if (buf == NULL || read_full(req, buf, len, LONG_MAX) < 0)
                        _exit(124);
                buf[len] = '\0';
                char *data = NULL;
                size_t dlen = 0;
                FILE *mem = open_memstream(&data, &dlen);
                if (mem == NULL)
                        _exit(124);
                int k = r;
                if (k == 0) {
                        oih_error_init(&err);
                        k = serve(ctx, buf, len, mem, &err);
                }
                if (fclose(mem) != 0)
                        _exit(124);
                free(buf);
                fflush(stdout);
                struct header h = {k < 0 ? -1 : 0, 0, 0};
                const char *msg = k < 0 ? oih_error_first(&err) : data;
                h.len = k < 0 ? strlen(msg) : dlen;
                if (write_all(ans, &h, sizeof(h)) < 0 || write_all(ans, msg, h.len) < 0)
                        _exit(125);
                free(data);
        }
}

int oih_xt_session_open(enum oih_family family, enum oih_xt_probe probe, oih_xt_serve_fn serve, void *ctx,
                        struct oih_xt_session **ret, struct oih_error *err)
{
        int req[2], ans[2];
        *ret = NULL;
        struct oih_xt_session *s = calloc(1, sizeof(*s));
        if (s == NULL)
                return oih_err_errno(err, ENOMEM, "libxtables worker");
        s->fname = family == OIH_IPV4 ? "IPv4" : "IPv6";
        if (pipe2(req, O_CLOEXEC) < 0) {
                free(s);
                return oih_err_errno(err, errno, "pipe");
        }
        if (pipe2(ans, O_CLOEXEC) < 0) {
                int e = errno;
                close(req[0]);
                close(req[1]);
                free(s);
                return oih_err_errno(err, e, "pipe");
        }
        fflush(NULL);
        s->pid = fork();
        if (s->pid < 0) {
                int e = errno;
                close(req[0]);
                close(req[1]);
                close(ans[0]);
                close(ans[1]);
                free(s);
                return oih_err_errno(err, e, "fork");
        }
        if (s->pid == 0) {
                close(req[1]);
                close(ans[0]);
                session_child(req[0], ans[1], family, probe, serve, ctx);
        }
        close(req[0]);
        close(ans[1]);
        s->req = req[1];
        s->ans = ans[0];
        *ret = s;
        return 0;
}

int oih_xt_session_call(struct oih_xt_session *s, const char *req, size_t len, char **ret, size_t *rlen,
                        struct oih_error *err)
{
        *ret = NULL;
        *rlen = 0;
        if (s->pid <= 0)
                return oih_err(err, "the %s libxtables worker is gone", s->fname);
        uint64_t n = len;
        struct sigaction ign = {.sa_handler = SIG_IGN}, old;
        sigaction(SIGPIPE, &ign, &old); /* a dead worker is an error, not a signal */
        int w = write_all(s->req, &n, sizeof(n)) < 0 || write_all(s->req, req, len) < 0 ? -EPIPE : 0;
        sigaction(SIGPIPE, &old, NULL);
        struct header h;
        long deadline = now_ms() + oih_xt_timeout_ms;
        int r = w < 0 ? w : read_full(s->ans, &h, sizeof(h), deadline);
        if (r == 0 && h.len > oih_xt_max_output)
                r = -EFBIG;
        char *buf = NULL;
        if (r == 0) {
                buf = malloc(h.len + 1);
                r = buf == NULL ? -ENOMEM : read_full(s->ans, buf, h.len, deadline);
        }
        if (r < 0) {
                free(buf);
                kill(s->pid, SIGKILL);
                int status = 0;
                while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
                        ;
                s->pid = 0;
                if (r == -ETIMEDOUT)
                        return oih_err(err, "the %s libxtables worker did not answer in time", s->fname);
                if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
                        return oih_err(err, "the %s libxtables worker was killed by signal %d (%s)", s->fname,
                                       WTERMSIG(status), strsignal(WTERMSIG(status)));
                if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                        return oih_err(err, "the %s libxtables worker exited with status %d", s->fname,
                                       WEXITSTATUS(status));
                return oih_err_errno(err, -r, "the %s libxtables worker", s->fname);
        }
        buf[h.len] = '\0';
        if (h.rc < 0) {
                r = oih_err(err, "%s", buf);
                free(buf);
                return r;
        }
        *ret = buf;
        *rlen = (size_t)h.len;
        return 0;
}

void oih_xt_session_close(struct oih_xt_session *s)
{
        if (s == NULL)
                return;
        close(s->req);
        close(s->ans);
        if (s->pid > 0) {
                int status;
                while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        free(s);
}
