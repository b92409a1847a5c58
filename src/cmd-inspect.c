/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inspect and verify: read the live filter tables of a namespace back and print them with the
 * same renderer as `show`, or compare them with what a policy builds. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "oih.h"

int run_capture(char *const argv[], char *out, size_t size)
{
        int fd[2];
        if (pipe(fd) < 0)
                return -1;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
                close(fd[0]);
                close(fd[1]);
                return -1;
        }
        if (pid == 0) {
                dup2(fd[1], STDOUT_FILENO);
                int devnull = open("/dev/null", O_WRONLY);
                if (devnull >= 0)
                        dup2(devnull, STDERR_FILENO);
                close(fd[0]);
                close(fd[1]);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(fd[1]);
        /* Read to the end: closing early would kill a program still writing (SIGPIPE). */
        size_t len = 0;
        char sink[256];
        for (;;) {
                ssize_t k = len + 1 < size ? read(fd[0], out + len, size - 1 - len) : read(fd[0], sink, sizeof(sink));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (len + 1 < size)
                        len += (size_t)k;
        }
        out[len] = '\0';
        close(fd[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The pid of a podman container, asked of podman itself (no shell in between). */
static long container_pid(const char *name, struct oih_error *err)
{
        if (name[0] == '\0' || name[0] == '-' || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(name))
                return oih_err(err, "invalid container name \"%s\"", name);
        char *const argv[] = { "podman", "container", "inspect", "--format", "{{.State.Pid}}", (char *)name, NULL };
        char buf[64];
        int status = run_capture(argv, buf, sizeof(buf));
        long p = strtol(buf, NULL, 10);
        if (status != 0 || p <= 0)
                return oih_err(err, "cannot find the pid of container \"%s\" (%s)", name,
                               status == 127 ? "podman could not be run" : status == 0 ? "is it running?" : "podman container inspect said no");
        return p;
}

int open_target(const char *netns, const char *pid, const char *container, struct oih_error *err)
{
        if ((netns != NULL) + (pid != NULL) + (container != NULL) != 1)
                return oih_err(err, "give exactly one of --netns PATH, --pid PID or --container NAME");
        if (netns)
                return oih_netns_open_path(netns, err);
        long p;
        if (pid) {
                char *end;
                errno = 0;
                p = strtol(pid, &end, 10);
                if (*end != '\0' || end == pid || errno)
                        return oih_err(err, "invalid pid \"%s\"", pid);
        } else if ((p = container_pid(container, err)) < 0) {
                return -1;
        }
        return oih_netns_open_pid(p, err);
}

struct inspect {
        int only;       /* -1: both families */
        bool json;
        const struct oih_policy *want;  /* verify: the policy to compare with */
        const char *want_name;
};

static char *render_text(const struct oih_policy *p, enum oih_family f)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (out == NULL)
                return NULL;
        oih_render(p, f, out);
        fclose(out);
        return buf;
}

/* Runs inside the namespace. */
static int inspect_fn(void *ctx, struct oih_error *err)
{
        struct inspect *in = ctx;
        struct oih_ruleset *rs = NULL;
        struct oih_policy *live = NULL;
        int r = -1;
        if (oih_read_tables(&rs, err) < 0 || oih_decode(rs, &live, err) < 0)
                goto out;
        if (in->want) {
                unsigned changes = 0;
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        char *a = render_text(in->want, (enum oih_family)f), *b = render_text(live, (enum oih_family)f);
                        char la[300], lb[32], name[256];
                        snprintf(la, sizeof(la), "%s (%s)", oih_escape(name, sizeof(name), in->want_name), f ? "IPv6" : "IPv4");
                        snprintf(lb, sizeof(lb), "live (%s)", f ? "IPv6" : "IPv4");
                        changes += a && b ? oih_diff_lines(a, b, la, lb, stdout) : 1;
                        free(a);
                        free(b);
                }
                if (changes) {
                        oih_err(err, "the live rules differ from %s: %u line%s", in->want_name, changes, changes == 1 ? "" : "s");
                        goto out;
                }
                r = 0;
                goto out;
        }
        if (in->json) {
                r = oih_policy_write_json(live, stdout);
                goto out;
        }
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                if (in->only >= 0 && in->only != f)
                        continue;
                if (in->only < 0)
                        printf("# %s (%s-legacy-restore)\n", f ? "IPv6" : "IPv4", f ? "ip6tables" : "iptables");
                oih_render(live, (enum oih_family)f, stdout);
        }
        r = 0;
out:
        oih_policy_free(live);
        oih_ruleset_free(rs);
        return r;
}

static int run(int argc, char **argv, bool verify)
{
        static const struct option opts[] = {
                { "netns", required_argument, NULL, 'n' }, { "pid", required_argument, NULL, 'p' },
                { "container", required_argument, NULL, 'c' }, { "json", no_argument, NULL, 'j' },
                { NULL, 0, NULL, 0 },
        };
        const char *netns = NULL, *pid = NULL, *container = NULL, *cmd = verify ? "verify" : "inspect";
        struct inspect in = { .only = -1 };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "46", opts, NULL)) != -1) {
                switch (c) {
                case 'n': netns = optarg; break;
                case 'p': pid = optarg; break;
                case 'c': container = optarg; break;
                case 'j': in.json = true; break;
                case '4': in.only = OIH_IPV4; break;
                case '6': in.only = OIH_IPV6; break;
                default:
                        fprintf(stderr, "oci-iptables-hook: %s: bad option\n", cmd);
                        return EXIT_USAGE;
                }
        }
        if (optind != argc - (verify ? 1 : 0)) {
                fprintf(stderr, "oci-iptables-hook: %s: %s\n", cmd, verify ? "give one policy file" : "unexpected argument");
                return EXIT_USAGE;
        }
        struct oih_error err;
        struct oih_policy *want = NULL;
        oih_error_init(&err);
        int fd = -1, status = EXIT_FAIL;
        if (verify) {
                in.want_name = argv[optind];
                if (oih_policy_load(argv[optind], &want, &err) < 0)
                        goto out;
                in.want = want;
        }
        if ((fd = open_target(netns, pid, container, &err)) < 0)
                goto out;
        if (oih_run_in_netns(fd, inspect_fn, &in, &err) == 0)
                status = EXIT_OK;
out:
        for (int i = 0; i < err.n; i++)
                oih_print_line(stderr, "oci-iptables-hook: %s: %s", cmd, err.msg[i]);
        if (fd >= 0)
                close(fd);
        oih_policy_free(want);
        return status;
}

int cmd_inspect(int argc, char **argv)
{
        return run(argc, argv, false);
}

int cmd_verify(int argc, char **argv)
{
        return run(argc, argv, true);
}
