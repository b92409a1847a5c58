/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oci-iptables-hook: the command line. The work is done by the library in src/lib. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "oih.h"

static const char usage_text[] =
        "Usage: oci-iptables-hook COMMAND [OPTION]... [ARG]...\n"
        "Firewall each container on its own: apply a JSON policy as iptables-legacy rules,\n"
        "IPv4 and IPv6, inside a network namespace.\n"
        "\n"
        "Commands:\n"
        "  check FILE... [--cache FILE]\n"
        "                             validate policies; print every error found (--cache:\n"
        "                             and that every host name has an answer there)\n"
        "  show [-4|-6] [--cache FILE] [--server ADDR[:PORT]] FILE\n"
        "                             print the iptables-restore text the policy builds (dry run),\n"
        "                             with the addresses its host names have in the cache\n"
        "                             (--server: ask it for names without a fresh answer)\n"
        "  apply (--netns PATH | --pid PID) [--allow-own-netns] [--timings]\n"
        "        [--cache FILE] [--server ADDR[:PORT]] FILE\n"
        "                             replace the filter tables of that network namespace\n"
        "                             (--timings: how long each step took, on stderr)\n"
        "  inspect (--netns PATH | --pid PID | --container NAME) [-4|-6] [--json] [--cache FILE]\n"
        "                             print the live filter tables (as show prints a policy) and,\n"
        "                             for a policy with host names, their addresses and answers\n"
        "  verify FILE (--netns PATH | --pid PID | --container NAME)\n"
        "                             exit 0 when the live tables are exactly what FILE builds;\n"
        "                             otherwise print the difference and exit 1\n"
        "  doctor [--hooks-dir DIR]... [--rules-dir DIR]... [--no-podman]\n"
        "                             check that the hook is installed so that it runs and holds\n"
        "  hook [--rules-dir DIR]... [--stage STAGE] [--default-policy NAME]\n"
        "                             run as an OCI hook: OCI state on stdin\n"
        "  resolve [--server ADDR[:PORT]] [--cache FILE] [--once] [POLICY...]\n"
        "                             resolve the policies' host names into the name cache and\n"
        "                             re-apply running containers' policies whose names moved\n"
        "  migrate [--family auto|ipv4|ipv6] [--lenient] [FILE|-]\n"
        "                             turn an iptables script or iptables-save dump into a policy\n"
        "\n"
        "Options:\n"
        "  -h, --help                 show this help\n"
        "  -V, --version              show the version\n"
        "\n"
        "Exit status: 0 success; 1 the policy, the input or the kernel refused (nothing was\n"
        "applied, or what was there was put back); 2 wrong usage.\n"
        "The policy format: docs/policy-format.md.\n";

static int usage_error(const char *fmt, const char *arg)
{
        char what[OIH_ERR_LEN];
        snprintf(what, sizeof(what), fmt, arg);
        oih_print_line(stderr, "oci-iptables-hook: %s", what);
        fputs("Try 'oci-iptables-hook --help'.\n", stderr);
        return EXIT_USAGE;
}

/* PREFIX goes before the first message only. */
static void print_errors(const char *prefix, const struct oih_error *err)
{
        for (int i = 0; i < err->n; i++)
                oih_print_line(stderr, "%s%s", i == 0 ? prefix : "", err->msg[i]);
        if (err->dropped)
                fprintf(stderr, "(%d more errors not shown)\n", err->dropped);
}

/* --cache FILE and --server ADDR[:PORT] anywhere in ARGV (check, show): removed from it. */
static int names_options(int *argc, char **argv, const char **cache, const char **server)
{
        int k = 1;
        for (int i = 1; i < *argc; i++) {
                const char **slot = strcmp(argv[i], "--cache") == 0 ? cache : strcmp(argv[i], "--server") == 0 ? server : NULL;
                if (slot == NULL) {
                        argv[k++] = argv[i];
                        continue;
                }
                if (i + 1 == *argc)
                        return usage_error("%s needs an argument", argv[i]);
                *slot = argv[++i];
        }
        *argc = k;
        return 0;
}

static int cmd_check(int argc, char **argv)
{
        const char *cache = NULL, *server = NULL;
        if (names_options(&argc, argv, &cache, &server) != 0)
                return EXIT_USAGE;
        if (server)
                return usage_error("check: %s", "--server: check only reads the name cache (--cache FILE)");
        if (argc < 2)
                return usage_error("check: %s", "no policy file given");
        int status = EXIT_OK;
        for (int i = 1; i < argc; i++) {
                struct oih_error err;
                struct oih_policy *p = NULL;
                oih_error_init(&err);
                /* with --cache, names must also have a usable answer there */
                if (oih_policy_load(argv[i], &p, &err) < 0 ||
                    (cache && names_prepare(p, cache, NULL, false, NULL, NULL, &err) < 0)) {
                        print_errors("", &err);
                        status = EXIT_FAIL;
                        continue;
                }
                oih_policy_free(p);
        }
        return status;
}

static int cmd_show(int argc, char **argv)
{
        const char *cache = NULL, *server = NULL;
        if (names_options(&argc, argv, &cache, &server) != 0)
                return EXIT_USAGE;
        int only = -1;
        const char *file = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-4") == 0)
                        only = OIH_IPV4;
                else if (strcmp(argv[i], "-6") == 0)
                        only = OIH_IPV6;
                else if (argv[i][0] == '-' && argv[i][1] != '\0')
                        return usage_error("show: unknown option '%s'", argv[i]);
                else if (file)
                        return usage_error("show: %s", "give one policy file");
                else
                        file = argv[i];
        }
        if (file == NULL)
                return usage_error("show: %s", "no policy file given");
        struct oih_error err;
        struct oih_policy *p = NULL;
        oih_error_init(&err);
        if (oih_policy_load(file, &p, &err) < 0 || names_prepare(p, cache, server, false, stdout, NULL, &err) < 0) {
                print_errors("", &err);
                oih_policy_free(p);
                return EXIT_FAIL;
        }
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                if (only >= 0 && only != f)
                        continue;
                if (only < 0)
                        printf("# %s (%s-legacy-restore)\n", f == OIH_IPV4 ? "IPv4" : "IPv6",
                               f == OIH_IPV4 ? "iptables" : "ip6tables");
                oih_render(p, (enum oih_family)f, stdout);
        }
        oih_policy_free(p);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
        return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static int cmd_apply(int argc, char **argv)
{
        static const struct option opts[] = {
                { "netns", required_argument, NULL, 'n' },
                { "pid", required_argument, NULL, 'p' },
                { "allow-own-netns", no_argument, NULL, 'a' },
                { "timings", no_argument, NULL, 't' },
                { "cache", required_argument, NULL, 'c' },
                { "server", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *netns = NULL, *pidarg = NULL, *cache = NULL, *server = NULL;
        bool allow_own = false, timings = false;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
                switch (c) {
                case 'n': netns = optarg; break;
                case 'p': pidarg = optarg; break;
                case 'a': allow_own = true; break;
                case 't': timings = true; break;
                case 'c': cache = optarg; break;
                case 's': server = optarg; break;
                case 'h': fputs(usage_text, stdout); return EXIT_OK;
                default: return usage_error("apply: %s", "bad option");
                }
        }
        if (!netns == !pidarg)
                return usage_error("apply: %s", "give exactly one of --netns PATH or --pid PID");
        if (optind != argc - 1)
                return usage_error("apply: %s", "give one policy file");
        const char *file = argv[optind];

        struct oih_error err;
        struct oih_policy *p = NULL;
        struct oih_ruleset *rs = NULL;
        int fd = -1, status = EXIT_FAIL;
        /* --timings: where the time goes (scripts/bench.sh, docs/benchmarks.md). The commit
         * step includes the child process that enters the namespace. */
        struct timespec t[4];
        oih_error_init(&err);
        clock_gettime(CLOCK_MONOTONIC, &t[0]);
        if (oih_policy_load(file, &p, &err) < 0 || names_prepare(p, cache, server, false, NULL, NULL, &err) < 0)
                goto out;
        clock_gettime(CLOCK_MONOTONIC, &t[1]);
        if (oih_compile(p, &rs, &err) < 0)
                goto out;
        clock_gettime(CLOCK_MONOTONIC, &t[2]);
        fd = open_target(netns, pidarg, NULL, &err);
        if (fd < 0)
                goto out;
        int own = oih_netns_is_own(fd, &err);
        if (own < 0)
                goto out;
        /* In doubt (an older kernel, a /proc of another PID namespace) it is the host's. */
        int initial = own ? 0 : oih_netns_is_initial(fd);
        if ((own || initial != 0) && !allow_own) {
                oih_err(&err, "%s %s network namespace: refusing to change its firewall "
                        "(give --allow-own-netns if that is really meant)", netns ? netns : pidarg,
                        own ? "is this process's own"
                            : initial > 0 ? "is the machine's initial (the host's)"
                                          : "may be the machine's initial (the host's): this kernel "
                                            "(before 6.18) cannot tell without the initial PID "
                                            "namespace's /proc, so it counts as the host's");
                goto out;
        }
        if (oih_commit_in_netns(rs, fd, &err) < 0)
                goto out;
        clock_gettime(CLOCK_MONOTONIC, &t[3]);
        if (timings)
                fprintf(stderr, "oci-iptables-hook: timings: parse %.3f ms, compile %.3f ms, "
                        "commit %.3f ms, total %.3f ms\n", ms_between(&t[0], &t[1]),
                        ms_between(&t[1], &t[2]), ms_between(&t[2], &t[3]), ms_between(&t[0], &t[3]));
        oih_print_line(stderr, "oci-iptables-hook: applied %s: %u IPv4 and %u IPv6 rules", file,
                       oih_ruleset_count(rs, OIH_IPV4), oih_ruleset_count(rs, OIH_IPV6));
        status = EXIT_OK;
out:
        if (status == EXIT_FAIL) {
                char prefix[OIH_ERR_LEN];
                snprintf(prefix, sizeof(prefix), "oci-iptables-hook: apply %s: ", file);
                print_errors(prefix, &err);
        }
        if (fd >= 0)
                close(fd);
        oih_ruleset_free(rs);
        oih_policy_free(p);
        return status;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} commands[] = {
        { "check", cmd_check }, { "show", cmd_show }, { "apply", cmd_apply },
        { "hook", cmd_hook }, { "migrate", cmd_migrate }, { "inspect", cmd_inspect },
        { "verify", cmd_verify }, { "doctor", cmd_doctor }, { "resolve", cmd_resolve },
};

int main(int argc, char **argv)
{
        if (argc < 2)
                return usage_error("%s", "no command given");
        if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
                fputs(usage_text, stdout);
                return EXIT_OK;
        }
        if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
                printf("oci-iptables-hook %s\n", PACKAGE_VERSION);
                return EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].fn(argc - 1, argv + 1);
        return usage_error("unknown command '%s'", argv[1]);
}
