/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inspect and verify: read the live filter tables of a namespace back and print them with the
 * same renderer as `show`, or compare them with what a policy builds. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "names.h"
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
        const char *names_json;         /* --json of a container whose policy names hosts */
};

static void utc(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;
        if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "%lld", (long long)t);
}

/* The names of the container in the namespace FD, from its record (the addresses its rules got)
 * and the cache (the last answer and when it came): text lines on stdout, or *RET_JSON (an
 * array, NULL when the namespace has no record). */
static int container_names(const char *cache_opt, int fd, bool json, char **ret_json, struct oih_error *err)
{
        *ret_json = NULL;
        const char *path = cache_opt ? cache_opt : oih_cache_default_path();
        if (path == NULL)
                return 0; /* no HOME: no default cache, so no record either */
        char *policy = NULL, *summary = NULL, *save = NULL;
        struct oih_cache c = { 0 };
        int r = -1;
        if (oih_record_find(path, fd, &policy, &summary, err) < 0)
                goto out;
        if (policy == NULL) {
                r = 0;
                goto out;
        }
        if (summary == NULL || oih_cache_load(path, &c, err) < 0)
                goto out;
        int64_t now = time(NULL);
        json_object *arr = json_object_new_array();
        char esc[4200], esc2[4200];
        if (!json)
                printf("# policy %s (names resolved by the host, cache %s)\n",
                       oih_escape(esc, sizeof(esc), policy), oih_escape(esc2, sizeof(esc2), path));
        for (char *l = strtok_r(summary, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char *rest = strchr(l, ' ');
                if (rest)
                        *rest++ = '\0';
                const struct oih_cache_entry *e = oih_cache_find(&c, l);
                json_object *o = json_object_new_object(), *in_rules = json_object_new_array(),
                            *answer = json_object_new_array();
                json_object_object_add(o, "name", json_object_new_string(l));
                for (char *s2 = NULL, *a = rest ? strtok_r(rest, " ", &s2) : NULL; a; a = strtok_r(NULL, " ", &s2))
                        if (a[0] != '(')
                                json_object_array_add(in_rules, json_object_new_string(a));
                json_object_object_add(o, "addresses", in_rules);
                char when[64] = "never", last[2048] = "";
                size_t used = 0;
                if (e && e->resolved) {
                        utc(e->resolved, when, sizeof(when));
                        for (unsigned j = 0; j < e->naddrs; j++) {
                                if (e->addrs[j].seen < e->resolved)
                                        continue;
                                char b[INET6_ADDRSTRLEN];
                                inet_ntop(e->addrs[j].family == OIH_IPV4 ? AF_INET : AF_INET6, e->addrs[j].addr, b, sizeof(b));
                                json_object_array_add(answer, json_object_new_string(b));
                                int n = snprintf(last + used, sizeof(last) - used, " %s", b);
                                if (n > 0 && (size_t)n < sizeof(last) - used)
                                        used += (size_t)n;
                        }
                        json_object_object_add(o, "resolved", json_object_new_string(when));
                        json_object_object_add(o, "resolved_ago", json_object_new_int64(now - e->resolved));
                        json_object_object_add(o, "ttl", json_object_new_int64(e->ttl));
                        json_object_object_add(o, "status", json_object_new_string(
                                e->status == OIH_NAME_OK ? "ok" : e->status == OIH_NAME_NXDOMAIN ? "nxdomain" : "failed"));
                } else {
                        json_object_object_add(o, "resolved", NULL);
                }
                json_object_object_add(o, "answer", answer);
                if (!json) {
                        const char *in = json_object_to_json_string_ext(in_rules, JSON_C_TO_STRING_PLAIN);
                        if (e && e->resolved)
                                printf("# name %s: in the rules %s; last answer %s (%lld s ago, TTL %u%s):%s\n", l, in,
                                       when, (long long)(now - e->resolved), e->ttl,
                                       e->status == OIH_NAME_OK ? "" : e->status == OIH_NAME_NXDOMAIN ? ", NXDOMAIN" : ", server failed since",
                                       used ? last : " no address");
                        else
                                printf("# name %s: in the rules %s; not in the cache\n", l, in);
                }
                json_object_array_add(arr, o);
        }
        if (json && (*ret_json = strdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_SPACED))) == NULL)
                oih_err(err, "out of memory");
        else
                r = 0;
        json_object_put(arr);
out:
        oih_cache_clear(&c);
        free(policy);
        free(summary);
        if (r < 0)
                oih_error_prefix(err, "the names of the container's policy");
        return r;
}

/* Policy JSON with a "names" key added (not a policy key: inspect's report of the names). */
static int write_json_with_names(const struct oih_policy *live, const char *names)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
                return -1;
        int r = oih_policy_write_json(live, f);
        if (fclose(f) != 0 || r < 0) {
                free(buf);
                return -1;
        }
        char *end = strrchr(buf, '}');
        if (end == NULL) {
                free(buf);
                return -1;
        }
        while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        printf("%.*s,\n  \"names\": %s\n}\n", (int)(end - buf), buf, names);
        free(buf);
        return 0;
}

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
                r = in->names_json ? write_json_with_names(live, in->names_json) : oih_policy_write_json(live, stdout);
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
                { "cache", required_argument, NULL, 'C' },
                { NULL, 0, NULL, 0 },
        };
        const char *netns = NULL, *pid = NULL, *container = NULL, *cmd = verify ? "verify" : "inspect";
        const char *cache = NULL;
        char *names_json = NULL;
        struct inspect in = { .only = -1 };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "46", opts, NULL)) != -1) {
                switch (c) {
                case 'n': netns = optarg; break;
                case 'p': pid = optarg; break;
                case 'c': container = optarg; break;
                case 'j': in.json = true; break;
                case 'C': cache = optarg; break;
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
        if (!verify) {
                if (container_names(cache, fd, in.json, &names_json, &err) < 0)
                        goto out;
                in.names_json = names_json;
        }
        if (oih_run_in_netns(fd, inspect_fn, &in, &err) == 0)
                status = EXIT_OK;
out:
        for (int i = 0; i < err.n; i++)
                oih_print_line(stderr, "oci-iptables-hook: %s: %s", cmd, err.msg[i]);
        if (fd >= 0)
                close(fd);
        oih_policy_free(want);
        free(names_json);
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
