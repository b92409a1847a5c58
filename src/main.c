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
        "Commands (each has its own --help):\n"
        "  check POLICY... [--cache FILE]\n"
        "                             validate policies; print every error found (--cache:\n"
        "                             and that every host name has an answer there)\n"
        "  show [-4|-6] [--cache FILE] [--server ADDR[:PORT]] POLICY\n"
        "                             print the iptables-restore text of every table the policy\n"
        "                             builds (dry run), with the addresses its host names have\n"
        "                             in the cache (--server: ask it for names without a fresh\n"
        "                             answer)\n"
        "  apply (--netns PATH | --pid PID | --container NAME) [--cache FILE]\n"
        "        [--server ADDR[:PORT]] [POLICY]\n"
        "                             replace the filter tables of that network namespace and\n"
        "                             every other table (nat, mangle, raw) the policy names\n"
        "  inspect (--netns PATH | --pid PID | --container NAME) [-4|-6] [--json|--counters]\n"
        "          [--cache FILE]\n"
        "                             print every live table as iptables-legacy-save does, or\n"
        "                             as a version-2 policy (--json); for a policy with host\n"
        "                             names, their addresses and answers\n"
        "  verify [POLICY] (--netns PATH | --pid PID | --container NAME) [--cache FILE]\n"
        "                             exit 0 when the live tables POLICY names are what it builds;\n"
        "                             otherwise print the difference and exit 1\n"
        "  reload POLICY              apply an edited policy again to every running container\n"
        "                             started with it\n"
        "  doctor [--hooks-dir DIR]... [--rules-dir DIR]... [--no-podman]\n"
        "                             check that the hook is installed so that it runs and holds\n"
        "  hook [--rules-dir DIR]... [--stage STAGE] [--default-policy NAME]\n"
        "                             run as an OCI hook: OCI state on stdin\n"
        "  resolve [--server ADDR[:PORT]] [--cache FILE] [--once] [POLICY...]\n"
        "                             resolve the policies' host names into the name cache and\n"
        "                             re-apply running containers' policies whose names moved\n"
        "  migrate [--family auto|ipv4|ipv6] [--lenient] [FILE|-]\n"
        "                             turn an iptables script or iptables-save dump into a policy\n"
        "A POLICY is a file, or a name looked up in the rules directories as the hook does.\n"
        "\n"
        "Options:\n"
        "  -h, --help                 show this help\n"
        "  -V, --version              show the version\n"
        "\n"
        "Exit status: 0 success; 1 the policy, the input or the kernel refused (nothing was\n"
        "applied, or what was there was put back); 2 wrong usage.\n"
        "Errors: one a line on stderr, \"oci-iptables-hook: COMMAND: FILE: JSON-PATH: message\".\n"
        "The policy format (version 2: tables nat, mangle, raw and any iptables match or\n"
        "target): oci-iptables-hook-policy(5), docs/policy-format.md.\n";

#define RULES_DIR_HELP                                                                              \
        "  --rules-dir DIR     look policy names up here; repeatable, first match wins\n"             \
        "                      (default " OIH_SYSTEM_RULES_DIR ", or\n"                                \
        "                      ~/.config/oci-iptables-hook/rules for users other than root)\n"
#define NAMES_HELP                                                                                   \
        "  --cache FILE        the name cache for host names (default: the system's, or the\n"      \
        "                      user's for users other than root)\n"                                   \
        "  --server ADDR[:PORT] ask this DNS server for names without a fresh answer\n"
#define POLICY_HELP                                                                                  \
        "A POLICY is a file (a path, or a name ending in .json) or a policy name, looked up in\n"     \
        "the rules directories as the hook looks up an annotation.\n"

static const char check_usage[] =
        "Usage: oci-iptables-hook check [--rules-dir DIR]... [--cache FILE] POLICY...\n"
        "Validates policies. Prints \"POLICY: ok (N rules)\" on stdout for each good one, and every\n"
        "error of the bad ones on stderr, one a line, with the file and the JSON path.\n"
        POLICY_HELP RULES_DIR_HELP
        "  --cache FILE        also require an answer in this name cache for every host name\n"
        "  -h, --help          show this help\n";

static const char show_usage[] =
        "Usage: oci-iptables-hook show [-4|-6] [--rules-dir DIR]... [--cache FILE]\n"
        "                              [--server ADDR[:PORT]] POLICY\n"
        "Prints the iptables-restore text of every table the policy builds, exactly what\n"
        "iptables-legacy-save prints after it is applied. Needs no privileges: the dry run.\n"
        "Host names get the addresses the name cache has for them (listed as comments).\n"
        POLICY_HELP
        "  -4, -6              one family only\n" RULES_DIR_HELP NAMES_HELP
        "  -h, --help          show this help\n";

static const char apply_usage[] =
        "Usage: oci-iptables-hook apply (--netns PATH | --pid PID | --container NAME) [POLICY]\n"
        "                               [--rules-dir DIR]... [--allow-own-netns] [--timings]\n"
        "Replaces the tables (IPv4 and IPv6; filter, and the others a version-2 POLICY names)\n"
        "of a network namespace with what POLICY builds, each in one atomic commit; on failure\n"
        "the namespace keeps what it had.\n"
        POLICY_HELP
        "With --container and no POLICY: the policy the container's annotation names.\n"
        "  --netns PATH        a namespace file: /run/netns/NAME, /proc/PID/ns/net\n"
        "  --pid PID           the namespace of that process\n"
        "  --container NAME    a running podman container (root's, or this user's rootless one)\n"
        RULES_DIR_HELP
        NAMES_HELP
        "  --allow-own-netns   allow this process's own namespace (or the host's)\n"
        "  --timings           how long each step took, on stderr\n"
        "  -h, --help          show this help\n";

/* Options shared by check and show: --rules-dir, --cache, --server, -4/-6 (show). Leaves the
 * operands in argv[optind..]. */
static int policy_options(const char *cmd, int argc, char **argv, struct rules_dirs *dirs, int *only,
                          const char **cache, const char **server, const char *help)
{
        static const struct option opts[] = {
                { "rules-dir", required_argument, NULL, 'r' }, { "cache", required_argument, NULL, 'C' },
                { "server", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, only ? "46h" : "h", opts, NULL)) != -1) {
                switch (c) {
                case '4': *only = OIH_IPV4; break;
                case '6': *only = OIH_IPV6; break;
                case 'C': *cache = optarg; break;
                case 's': *server = optarg; break;
                case 'r':
                        if (rules_dirs_add(dirs, cmd, optarg) < 0)
                                return -1;
                        break;
                case 'h': fputs(help, stdout); return 1;
                default:
                        cmd_usage_error(cmd, "unknown option or missing argument '%s'", argv[optind - 1]);
                        return -1;
                }
        }
        rules_dirs_default(dirs);
        return 0;
}

static int cmd_check(int argc, char **argv)
{
        struct rules_dirs dirs = { .n = 0 };
        const char *cache = NULL, *server = NULL;
        int r = policy_options("check", argc, argv, &dirs, NULL, &cache, &server, check_usage);
        if (r != 0)
                return r > 0 ? EXIT_OK : EXIT_USAGE;
        if (server)
                return cmd_usage_error("check", "--server: check only reads the name cache (--cache FILE)");
        if (optind == argc)
                return cmd_usage_error("check", "no policy given");
        int status = EXIT_OK;
        for (int i = optind; i < argc; i++) {
                struct oih_error err;
                struct oih_policy *p = NULL;
                char *label = NULL;
                oih_error_init(&err);
                struct oih_ruleset *rs = NULL;
                /* libxtables checks what the extensions check (values, combinations); with
                 * --cache, names must also have a usable answer there */
                if (policy_load_arg(&dirs, argv[i], &p, &label, &err) < 0 ||
                    (cache && names_prepare(p, cache, NULL, false, NULL, NULL, &err) < 0) ||
                    oih_compile(p, &rs, &err) < 0) {
                        cmd_print_errors("check", &err);
                        status = EXIT_FAIL;
                } else {
                        oih_print_line(stdout, "%s: ok (%u rule%s)", label, p->nrules, p->nrules == 1 ? "" : "s");
                }
                oih_ruleset_free(rs);
                free(label);
                oih_policy_free(p);
        }
        return fflush(stdout) == 0 ? status : EXIT_FAIL;
}

static int cmd_show(int argc, char **argv)
{
        const char *cache = NULL, *server = NULL;
        int only = -1;
        struct rules_dirs dirs = { .n = 0 };
        int r = policy_options("show", argc, argv, &dirs, &only, &cache, &server, show_usage);
        if (r != 0)
                return r > 0 ? EXIT_OK : EXIT_USAGE;
        if (optind == argc)
                return cmd_usage_error("show", "no policy given");
        if (optind != argc - 1)
                return cmd_usage_error("show", "give one policy");
        struct oih_error err;
        struct oih_policy *p = NULL;
        char *label = NULL;
        oih_error_init(&err);
        if (policy_load_arg(&dirs, argv[optind], &p, &label, &err) < 0 ||
            names_prepare(p, cache, server, false, stdout, NULL, &err) < 0) {
                cmd_print_errors("show", &err);
                free(label);
                oih_policy_free(p);
                return EXIT_FAIL;
        }
        free(label);
        if (oih_render_both(p, only, stdout, &err) < 0) {
                cmd_print_errors("show", &err);
                oih_policy_free(p);
                return EXIT_FAIL;
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
                { "container", required_argument, NULL, 'c' },
                { "rules-dir", required_argument, NULL, 'r' },
                { "allow-own-netns", no_argument, NULL, 'a' },
                { "timings", no_argument, NULL, 't' },
                { "cache", required_argument, NULL, 'C' },
                { "server", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *netns = NULL, *pidarg = NULL, *container = NULL, *cache = NULL, *server = NULL;
        struct rules_dirs dirs = { .n = 0 };
        bool allow_own = false, timings = false;
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'n': netns = optarg; break;
                case 'p': pidarg = optarg; break;
                case 'c': container = optarg; break;
                case 'r':
                        if (rules_dirs_add(&dirs, "apply", optarg) < 0)
                                return EXIT_USAGE;
                        break;
                case 'a': allow_own = true; break;
                case 't': timings = true; break;
                case 'C': cache = optarg; break;
                case 's': server = optarg; break;
                case 'h': fputs(apply_usage, stdout); return EXIT_OK;
                default: return cmd_usage_error("apply", "unknown option or missing argument '%s'", argv[optind - 1]);
                }
        }
        rules_dirs_default(&dirs);
        if ((netns != NULL) + (pidarg != NULL) + (container != NULL) != 1)
                return cmd_usage_error("apply", "give exactly one of --netns PATH, --pid PID or --container NAME");
        if (optind < argc - 1 || (optind == argc && container == NULL))
                return cmd_usage_error("apply", "give one policy (only --container can do without: its annotation names it)");
        const char *target = netns ? netns : pidarg ? pidarg : container;

        struct oih_error err;
        struct oih_policy *p = NULL;
        char *label = NULL;
        int fd = -1, status = EXIT_FAIL;
        /* --timings: where the time goes (scripts/bench.sh, docs/benchmarks.md). Compiling
         * (libxtables workers, both families at once) and committing happen in a child
         * process inside the namespace. */
        struct timespec t[3];
        oih_error_init(&err);
        clock_gettime(CLOCK_MONOTONIC, &t[0]);
        struct container ct;
        if (container && container_lookup(container, &ct, &err) < 0)
                goto out;
        if (optind < argc ? policy_load_arg(&dirs, argv[optind], &p, &label, &err) < 0
                          : container_policy_load(&ct, &dirs, &p, &label, &err) < 0)
                goto out;
        if (container && container_caps_check(&ct, p, &err) < 0) {
                oih_error_prefix(&err, "%s", container); /* as reload names each container */
                goto out;
        }
        /* host names: the cached addresses (--server: ask for names without a fresh answer) */
        if (names_prepare(p, cache, server, false, NULL, NULL, &err) < 0)
                goto out;
        clock_gettime(CLOCK_MONOTONIC, &t[1]);
        fd = container ? oih_netns_open_pid(ct.pid, &err) : open_target(netns, pidarg, NULL, &err);
        if (fd < 0)
                goto out;
        /* In doubt (an older kernel, a /proc of another PID namespace) it is the host's. */
        int who = oih_netns_owner(fd, &err);
        if (who < 0)
                goto out;
        if (who != OIH_NS_OTHER && !allow_own) {
                oih_err(&err, "%s %s network namespace: refusing to change its firewall "
                        "(give --allow-own-netns if that is really meant)", target,
                        who == OIH_NS_OWN ? "is this process's own"
                        : who == OIH_NS_HOST ? "is the machine's initial (the host's)"
                                             : "may be the machine's initial (the host's): this kernel "
                                               "(before 6.18) cannot tell without the initial PID "
                                               "namespace's /proc, so it counts as the host's");
                goto out;
        }
        double ms[3] = { 0, 0, 0 };
        if (oih_apply_in_netns(p, fd, ms, &err) < 0)
                goto out;
        clock_gettime(CLOCK_MONOTONIC, &t[2]);
        /* compile and commit as the child in the namespace timed them; the rest of the second
         * step (forking it, entering the namespace, reaping it) counts in total only */
        if (timings)
                fprintf(stderr, "oci-iptables-hook: timings: parse %.3f ms, compile %.3f ms, commit %.3f ms, "
                        "total %.3f ms (of which reading the tables back %.3f ms)\n", ms_between(&t[0], &t[1]), ms[0],
                        ms[1], ms_between(&t[0], &t[2]), ms[2]);
        oih_print_line(stdout, "%s: applied %s (%u IPv4 and %u IPv6 rules)", target, label,
               oih_policy_count(p, OIH_IPV4), oih_policy_count(p, OIH_IPV6));
        status = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
out:
        cmd_print_errors("apply", &err);
        if (fd >= 0)
                close(fd);
        free(label);
        oih_policy_free(p);
        return status;
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} commands[] = {
        { "check", cmd_check }, { "show", cmd_show }, { "apply", cmd_apply },
        { "hook", cmd_hook }, { "migrate", cmd_migrate }, { "inspect", cmd_inspect },
        { "verify", cmd_verify }, { "doctor", cmd_doctor }, { "reload", cmd_reload },
        { "resolve", cmd_resolve },
};

int main(int argc, char **argv)
{
        if (argc < 2)
                return cmd_usage_error(NULL, "no command given");
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
        return cmd_usage_error(NULL, "unknown command '%s'", argv[1]);
}
