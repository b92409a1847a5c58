/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oci-iptables-hook migrate [--family auto|ipv4|ipv6] [--lenient] [FILE|-] */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "migrate.h"
#include "oih.h"

int cmd_migrate(int argc, char **argv)
{
        static const struct option opts[] = {
                { "family", required_argument, NULL, 'f' },
                { "lenient", no_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct oih_migrate_opts mo = { .family = -1, .lenient = false };
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (strcmp(optarg, "auto") == 0)
                                mo.family = -1;
                        else if (strcmp(optarg, "ipv4") == 0)
                                mo.family = OIH_IPV4;
                        else if (strcmp(optarg, "ipv6") == 0)
                                mo.family = OIH_IPV6;
                        else
                                return cmd_usage_error("migrate", "unknown family '%s' (auto, ipv4 or ipv6)", optarg);
                        break;
                case 'l':
                        mo.lenient = true;
                        break;
                case 'h':
                        printf("Usage: oci-iptables-hook migrate [--family auto|ipv4|ipv6] [--lenient] [FILE|-]\n"
                               "Turns an iptables shell script or an iptables-save/ip6tables-save dump into a\n"
                               "version-2 policy on stdout (every table the input uses: filter, nat, mangle, raw;\n"
                               "any match or target, in the order written). Other shell lines are skipped and\n"
                               "listed on stderr.\n"
                               "Anything that cannot be represented is an error (nothing is written) unless\n"
                               "--lenient, which leaves those lines out and lists them.\n"
                               "--family: what a dump is (auto: its header, else its addresses, else ipv4);\n"
                               "for a script, the only family its commands may use.\n"
                               "See docs/migration.md.\n");
                        return EXIT_OK;
                default:
                        return cmd_usage_error("migrate", "unknown option or missing argument '%s'", argv[optind - 1]);
                }
        }
        if (argc - optind > 1)
                return cmd_usage_error("migrate", "give one file (or - for stdin)");
        const char *path = optind < argc ? argv[optind] : "-";
        const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
        struct oih_error err;
        oih_error_init(&err);
        int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                oih_print_line(stderr, "oci-iptables-hook: migrate: %s: cannot open it: %s", path, strerror(errno));
                return EXIT_FAIL;
        }
        char *buf = NULL;
        size_t len = 0;
        /* a script larger than the policy size limit is no script */
        int r = oih_read_bounded(fd, OIH_MAX_FILE_SIZE, name, &buf, &len, &err);
        if (fd != STDIN_FILENO)
                close(fd);
        if (r == 0)
                r = oih_migrate(name, buf, len, &mo, stdout, stderr, &err);
        free(buf);
        if (r < 0) {
                cmd_print_errors("migrate", &err);
                return EXIT_FAIL;
        }
        return EXIT_OK;
}
