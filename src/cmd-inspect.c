/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inspect and verify: read the live tables of a namespace and print them as
 * iptables-legacy-save does (as `show` prints a policy) or as a policy, or compare their text
 * with the text of what a policy builds. For a container whose policy names hosts, inspect
 * also reports the names' addresses. */
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
#include "ruleset.h"

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
        } else {
                struct container c;
                if (container_lookup(container, &c, err) < 0)
                        return -1;
                p = c.pid;
        }
        return oih_netns_open_pid(p, err);
}

struct inspect {
        int only;       /* -1: both families */
        bool json;
        bool counters;
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
                        json_object_object_add(o, "status", json_object_new_string(oih_name_status_name(e->status)));
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

static char *text_of(const struct oih_policy *p, const struct oih_ruleset *live, enum oih_family f,
                     struct oih_error *err)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (out == NULL) {
                oih_err(err, "out of memory");
                return NULL;
        }
        int r = p ? oih_render(p, f, out, err) : oih_live_text(live, f, out, err);
        if (fclose(out) != 0 || r < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* The tables to read: every one the namespace has (filter always, as iptables-legacy-save
 * would create it too); verify: the ones the policy replaces. */
static int tables_to_read(const struct inspect *in, unsigned want[OIH_NFAMILIES], unsigned has[OIH_NFAMILIES],
                          struct oih_error *err)
{
        unsigned policy = in->want ? in->want->tables | OIH_TBLBIT(OIH_TBL_FILTER) : 0;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                struct oih_error lerr;
                char others[128], buf[256];
                unsigned present;
                oih_error_init(&lerr);
                if (oih_tables_present((enum oih_family)f, &present, others, sizeof(others), &lerr) < 0) {
                        /* Reading a table the namespace lacks would create it: show filter
                         * only (verify: the policy's tables, which apply would create). */
                        if (!in->want)
                                oih_print_line(stderr, "oci-iptables-hook: inspect: %s: showing the filter table only",
                                               oih_error_first(&lerr));
                        want[f] = has[f] = in->want ? policy : OIH_TBLBIT(OIH_TBL_FILTER);
                        continue;
                }
                if (others[0] && !in->want && !in->json)
                        oih_print_line(stderr, "oci-iptables-hook: inspect: not shown (the policy format has no such table): %s",
                                       oih_escape(buf, sizeof(buf), others));
                else if (others[0] && in->json)
                        return oih_err(err, "the namespace has tables a policy cannot hold: %s",
                                       oih_escape(buf, sizeof(buf), others));
                has[f] = present | OIH_TBLBIT(OIH_TBL_FILTER);
                want[f] = in->want ? policy : has[f];
        }
        return 0;
}

/* The table as iptables-save -c prints it: what each rule and each chain policy counted. */
static int print_counters(const struct oih_ruleset *live, enum oih_family f, struct oih_error *err)
{
        struct oih_counters c[OIH_NTABLES];
        memset(c, 0, sizeof(c));
        char *text = NULL, *buf = NULL;
        size_t tlen = 0, len = 0;
        FILE *tout = open_memstream(&text, &tlen), *out = open_memstream(&buf, &len);
        int r = -1;
        if (tout == NULL || out == NULL) {
                oih_err(err, "out of memory");
        } else if (oih_live_text(live, f, tout, err) < 0 || fflush(tout) != 0) {
                ;
        } else {
                /* the counters of every table the text shows */
                r = 0;
                for (unsigned t = 0; t < OIH_NTABLES && r == 0; t++)
                        if (live->present[f] & OIH_TBLBIT(t))
                                r = oih_read_counters(f, t, &c[t], err);
                if (r == 0)
                        r = oih_counters_annotate(c, text, out, err);
        }
        for (unsigned t = 0; t < OIH_NTABLES; t++)
                oih_counters_clear(&c[t]);
        if (tout)
                fclose(tout);
        if (out)
                fclose(out);
        if (r == 0)
                fputs(buf, stdout);
        free(buf);
        free(text);
        return r;
}

/* Runs inside the namespace. */
static int inspect_fn(void *ctx, struct oih_error *err)
{
        struct inspect *in = ctx;
        struct oih_ruleset *live = NULL, *wanted = NULL;
        unsigned want[OIH_NFAMILIES], has[OIH_NFAMILIES];
        int r = -1;
        if (tables_to_read(in, want, has, err) < 0 || oih_read_tables(want, has, NULL, &live, err) < 0)
                goto out;
        if (in->want) {
                unsigned changes = 0;
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        char *a = text_of(in->want, NULL, (enum oih_family)f, err);
                        char *b = a ? text_of(NULL, live, (enum oih_family)f, err) : NULL;
                        char la[300], lb[32], name[256];
                        snprintf(la, sizeof(la), "%s (%s)", oih_escape(name, sizeof(name), in->want_name), f ? "IPv6" : "IPv4");
                        snprintf(lb, sizeof(lb), "live (%s)", f ? "IPv6" : "IPv4");
                        unsigned n = a && b ? oih_diff_lines(a, b, la, lb, stdout) : 0;
                        free(a);
                        free(b);
                        if (!a || !b)
                                goto out;
                        /* the same text: the entries pair up, and what the text cannot show
                         * ("-p all") is compared on them */
                        int hidden = 0;
                        if (n == 0 && wanted == NULL && oih_compile(in->want, &wanted, err) < 0)
                                goto out;
                        if (n == 0 && (hidden = oih_live_hidden_diff(wanted, live, (enum oih_family)f, la, lb, stdout, err)) < 0)
                                goto out;
                        changes += n + (unsigned)hidden;
                }
                if (changes) {
                        oih_err(err, "the live rules differ from %s: %u line%s", in->want_name, changes, changes == 1 ? "" : "s");
                        goto out;
                }
                r = 0;
                goto out;
        }
        if (in->json) {
                r = oih_live_json(live, in->names_json, stdout, err);
                goto out;
        }
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                if (in->only >= 0 && in->only != f)
                        continue;
                if (in->only < 0)
                        printf("# %s (%s-legacy-restore)\n", f ? "IPv6" : "IPv4", f ? "ip6tables" : "iptables");
                if (in->counters ? print_counters(live, (enum oih_family)f, err) < 0
                                 : oih_live_text(live, (enum oih_family)f, stdout, err) < 0)
                        goto out;
        }
        r = 0;
out:
        oih_ruleset_free(live);
        oih_ruleset_free(wanted);
        return r;
}

static const char inspect_usage[] =
        "Usage: oci-iptables-hook inspect (--netns PATH | --pid PID | --container NAME) [-4|-6]\n"
        "                                 [--json | --counters] [--cache FILE]\n"
        "Prints every live table (filter, nat, mangle, raw) of a network namespace as\n"
        "iptables-legacy-save does, the way `show` prints a policy.\n"
        "  --netns PATH        a namespace file: /run/netns/NAME, /proc/PID/ns/net\n"
        "  --pid PID           the namespace of that process\n"
        "  --container NAME    the namespace of a running podman container (the caller's podman:\n"
        "                      root's, or this user's own rootless containers)\n"
        "  -4, -6              one family only\n"
        "  --json              the tables as a version-2 policy\n"
        "  --counters          packets and bytes per rule and per chain policy, as\n"
        "                      iptables-save -c prints them: [packets:bytes]\n"
        "  --cache FILE        for a container whose policy names hosts: the name cache whose\n"
        "                      record and answers to show (default: the system's, or the\n"
        "                      user's)\n"
        "  -h, --help          show this help\n";

static const char verify_usage[] =
        "Usage: oci-iptables-hook verify [POLICY] (--netns PATH | --pid PID | --container NAME)\n"
        "                                [--rules-dir DIR]... [--cache FILE]\n"
        "Exits 0 when the live tables POLICY names are exactly what it builds (their text, and\n"
        "IPv6's IP6T_F_PROTO, which -p all sets and the text does not show); otherwise prints\n"
        "the difference and exits 1. POLICY is a file (a path, or a name ending in .json) or a policy\n"
        "name looked up in the rules directories as the hook looks up an annotation. With\n"
        "--container and no POLICY: the policy the container's annotation names.\n"
        "  --rules-dir DIR     look policy names up here; repeatable, first match wins\n"
        "                      (default " OIH_SYSTEM_RULES_DIR ", or\n"
        "                      ~/.config/oci-iptables-hook/rules for users other than root)\n"
        "  --cache FILE        the name cache whose addresses a policy's host names get, as\n"
        "                      the refresh of a running container gives them (default: the\n"
        "                      system's, or the user's for users other than root)\n"
        "  -h, --help          show this help\n";

static int run(int argc, char **argv, bool verify)
{
        static const struct option opts[] = {
                { "netns", required_argument, NULL, 'n' }, { "pid", required_argument, NULL, 'p' },
                { "container", required_argument, NULL, 'c' }, { "json", no_argument, NULL, 'j' },
                { "counters", no_argument, NULL, 'K' }, { "rules-dir", required_argument, NULL, 'r' },
                { "cache", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
        };
        const char *netns = NULL, *pid = NULL, *container = NULL, *cmd = verify ? "verify" : "inspect";
        const char *cache = NULL;
        char *names_json = NULL;
        struct inspect in = { .only = -1 };
        struct rules_dirs dirs = { .n = 0 };
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "46h", opts, NULL)) != -1) {
                switch (c) {
                case 'n': netns = optarg; break;
                case 'p': pid = optarg; break;
                case 'c': container = optarg; break;
                case 'j': in.json = true; break;
                case 'K': in.counters = true; break;
                case 'C': cache = optarg; break;
                case '4': in.only = OIH_IPV4; break;
                case '6': in.only = OIH_IPV6; break;
                case 'r':
                        if (rules_dirs_add(&dirs, cmd, optarg) < 0)
                                return EXIT_USAGE;
                        break;
                case 'h': fputs(verify ? verify_usage : inspect_usage, stdout); return EXIT_OK;
                default: return cmd_usage_error(cmd, "unknown option or missing argument '%s'", argv[optind - 1]);
                }
        }
        rules_dirs_default(&dirs);
        if ((netns != NULL) + (pid != NULL) + (container != NULL) != 1)
                return cmd_usage_error(cmd, "give exactly one of --netns PATH, --pid PID or --container NAME");
        if (verify && (in.json || in.counters))
                return cmd_usage_error(cmd, "--json and --counters are inspect's");
        if (in.json && in.counters)
                return cmd_usage_error(cmd, "give --json or --counters, not both");
        if (optind < argc - 1 || (!verify && optind != argc))
                return cmd_usage_error(cmd, "unexpected argument '%s'", argv[argc - 1]);
        if (verify && optind == argc && container == NULL)
                return cmd_usage_error(cmd, "give the policy (only --container can do without: its annotation names it)");
        struct oih_error err;
        struct oih_policy *want = NULL;
        char *label = NULL;
        oih_error_init(&err);
        int fd = -1, status = EXIT_FAIL;
        struct container ct = { .pid = 0 }; /* looked up once: its pid then names the namespace */
        if (verify) {
                int r;
                if (optind < argc) {
                        r = policy_load_arg(&dirs, argv[optind], &want, &label, &err);
                } else {
                        r = container_lookup(container, &ct, &err);
                        if (r == 0)
                                r = container_policy_load(&ct, &dirs, &want, &label, &err);
                }
                /* a running container's rules have the addresses its names had when its policy
                 * was last applied from the cache: compare with what the cache gives now */
                if (r == 0)
                        r = names_substitute_cached(want, cache, &err);
                if (r < 0)
                        goto out;
                in.want = want;
                in.want_name = label;
        }
        fd = ct.pid > 0 ? oih_netns_open_pid(ct.pid, &err) : open_target(netns, pid, container, &err);
        if (fd < 0)
                goto out;
        if (!verify) {
                if (container_names(cache, fd, in.json, &names_json, &err) < 0)
                        goto out;
                in.names_json = names_json;
        }
        if (oih_run_in_netns(fd, inspect_fn, &in, &err) == 0)
                status = EXIT_OK;
out:
        cmd_print_errors(cmd, &err);
        if (fd >= 0)
                close(fd);
        oih_policy_free(want);
        free(label);
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
