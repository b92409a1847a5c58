/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inspect and verify: read the live tables of a namespace and print them as
 * iptables-legacy-save does (as `show` prints a policy) or as a policy, or compare their text
 * with the text of what a policy builds. */
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
};

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
        struct oih_ruleset *live = NULL;
        unsigned want[OIH_NFAMILIES], has[OIH_NFAMILIES];
        int r = -1;
        if (tables_to_read(in, want, has, err) < 0 || oih_read_tables(want, has, &live, err) < 0)
                goto out;
        if (in->want) {
                unsigned changes = 0;
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        char *a = text_of(in->want, NULL, (enum oih_family)f, err);
                        char *b = a ? text_of(NULL, live, (enum oih_family)f, err) : NULL;
                        char la[300], lb[32], name[256];
                        snprintf(la, sizeof(la), "%s (%s)", oih_escape(name, sizeof(name), in->want_name), f ? "IPv6" : "IPv4");
                        snprintf(lb, sizeof(lb), "live (%s)", f ? "IPv6" : "IPv4");
                        if (a && b)
                                changes += oih_diff_lines(a, b, la, lb, stdout);
                        free(a);
                        free(b);
                        if (!a || !b)
                                goto out;
                }
                if (changes) {
                        oih_err(err, "the live rules differ from %s: %u line%s", in->want_name, changes, changes == 1 ? "" : "s");
                        goto out;
                }
                r = 0;
                goto out;
        }
        if (in->json) {
                r = oih_live_json(live, stdout, err);
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
        return r;
}

static const char inspect_usage[] =
        "Usage: oci-iptables-hook inspect (--netns PATH | --pid PID | --container NAME) [-4|-6]\n"
        "                                 [--json | --counters]\n"
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
        "  -h, --help          show this help\n";

static const char verify_usage[] =
        "Usage: oci-iptables-hook verify [POLICY] (--netns PATH | --pid PID | --container NAME)\n"
        "                                [--rules-dir DIR]...\n"
        "Exits 0 when the live tables POLICY names are exactly what it builds; otherwise prints\n"
        "the difference and exits 1. POLICY is a file (a path, or a name ending in .json) or a policy\n"
        "name looked up in the rules directories as the hook looks up an annotation. With\n"
        "--container and no POLICY: the policy the container's annotation names.\n"
        "  --rules-dir DIR     look policy names up here; repeatable, first match wins\n"
        "                      (default " OIH_SYSTEM_RULES_DIR ", or\n"
        "                      ~/.config/oci-iptables-hook/rules for users other than root)\n"
        "  -h, --help          show this help\n";

static int run(int argc, char **argv, bool verify)
{
        static const struct option opts[] = {
                { "netns", required_argument, NULL, 'n' }, { "pid", required_argument, NULL, 'p' },
                { "container", required_argument, NULL, 'c' }, { "json", no_argument, NULL, 'j' },
                { "counters", no_argument, NULL, 'C' }, { "rules-dir", required_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
        };
        const char *netns = NULL, *pid = NULL, *container = NULL, *cmd = verify ? "verify" : "inspect";
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
                case 'C': in.counters = true; break;
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
        if (verify) {
                int r;
                if (optind < argc) {
                        r = policy_load_arg(&dirs, argv[optind], &want, &label, &err);
                } else {
                        struct container ct;
                        r = container_lookup(container, &ct, &err);
                        if (r == 0)
                                r = container_policy_load(&ct, &dirs, &want, &label, &err);
                }
                if (r < 0)
                        goto out;
                in.want = want;
                in.want_name = label;
        }
        if ((fd = open_target(netns, pid, container, &err)) < 0)
                goto out;
        if (oih_run_in_netns(fd, inspect_fn, &in, &err) == 0)
                status = EXIT_OK;
out:
        cmd_print_errors(cmd, &err);
        if (fd >= 0)
                close(fd);
        oih_policy_free(want);
        free(label);
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
