/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oci-iptables-hook hook`: run by the OCI runtime (podman's hooks.d) for one container. Reads the
 * state on stdin, checks the container, loads the policy its annotation names and replaces the
 * filter tables of the container's network namespace with it. Any doubt is a refusal: the
 * runtime then does not start the container. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "hook.h"
#include "names.h"
#include "oih.h"
#include "xt.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#define MAX_SELECTABLE 64

static const char usage[] =
        "Usage: oci-iptables-hook hook [--rules-dir DIR]... [--stage STAGE] [--default-policy NAME]\n"
        "                              [--selectable NAME]...\n"
        "Reads an OCI state on stdin and applies the policy named by the annotation\n"
        OIH_ANNOTATION " to the container's network namespace.\n"
        "  --rules-dir DIR        look for NAME.json here; repeatable, first match wins\n"
        "                         (default " OIH_SYSTEM_RULES_DIR ")\n"
        "  --stage STAGE          createContainer (default), createRuntime or prestart\n"
        "  --default-policy NAME  policy for containers without the annotation (enforcing mode)\n"
        "  --selectable NAME      a policy the annotation may select besides the default;\n"
        "                         repeatable. With --default-policy or --selectable, an\n"
        "                         annotation naming any other policy is refused\n"
        "  --cache FILE           the name cache for policies with host names (default\n"
        "                         " LOCALSTATEDIR "/lib/oci-iptables-hook/names.cache)\n"
        "  --server ADDR[:PORT]   the DNS server for names the cache has no fresh answer for\n"
        "                         (default: the cache's, else /etc/resolv.conf's)\n";

static double ms_since(const struct timespec *t0)
{
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* syslog(3) waits while the log daemon's queue is full (seen: more than 5 s with a stalled
 * daemon), and the runtime waits for the hook. The hook sends its RFC 3164 line itself and never
 * waits: a line the daemon cannot take now is dropped (stderr still has it). */
static void log_line(int prio, const char *line)
{
        static const struct sockaddr_un dev_log = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
        char msg[1200], stamp[32] = "";
        time_t now = time(NULL);
        struct tm tm;
        if (localtime_r(&now, &tm) != NULL)
                strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
        int n = snprintf(msg, sizeof(msg), "<%d>%s oci-iptables-hook[%ld]: %s", LOG_DAEMON | prio,
                         stamp, (long)getpid(), line);
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        if (n > 0)
                sendto(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1,
                       MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&dev_log, sizeof(dev_log));
        close(fd);
}

/* crun discards a hook's output and runc shows it only on failure: syslog is what users read. */
static void decision(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void decision(int prio, const char *fmt, ...)
{
        char line[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        /* One decision, one line: a policy's text quoted in an error must not forge another. */
        char safe[4 * sizeof(line)];
        oih_escape(safe, sizeof(safe), line);
        log_line(prio, safe);
        oih_print_line(stderr, "oci-iptables-hook: %s", line);
}

static int refuse(const char *id, const struct oih_error *err)
{
        if (err->n > 1)
                decision(LOG_ERR, "%s: %s (and %d more errors)", id, oih_error_first(err),
                         err->n - 1 + err->dropped);
        else
                decision(LOG_ERR, "%s: %s", id, oih_error_first(err));
        return EXIT_FAIL;
}

struct options {
        const char *dirs[OIH_MAX_RULES_DIRS];
        size_t ndirs;
        enum oih_stage stage;
        const char *default_policy;
        const char *selectable[MAX_SELECTABLE];
        size_t nselectable;
        const char *cache, *server;
};

static int parse_options(int argc, char **argv, struct options *o)
{
        static const struct option longopts[] = {
                { "rules-dir", required_argument, NULL, 'r' },
                { "stage", required_argument, NULL, 's' },
                { "default-policy", required_argument, NULL, 'd' },
                { "selectable", required_argument, NULL, 'S' },
                { "cache", required_argument, NULL, 'c' },
                { "server", required_argument, NULL, 'R' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        struct oih_error err;
        int c;
        oih_error_init(&err);
        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        if (o->ndirs == OIH_MAX_RULES_DIRS) {
                                fprintf(stderr, "oci-iptables-hook: hook: at most %d --rules-dir\n",
                                        OIH_MAX_RULES_DIRS);
                                return -1;
                        }
                        o->dirs[o->ndirs++] = optarg;
                        break;
                case 's':
                        if (oih_stage_parse(optarg, &o->stage, &err) < 0) {
                                oih_print_line(stderr, "oci-iptables-hook: hook: %s", oih_error_first(&err));
                                return -1;
                        }
                        break;
                case 'd':
                        if (oih_policy_name_check(optarg, &err) < 0) {
                                oih_print_line(stderr, "oci-iptables-hook: hook: --default-policy: %s",
                                               oih_error_first(&err));
                                return -1;
                        }
                        o->default_policy = optarg;
                        break;
                case 'S':
                        if (oih_policy_name_check(optarg, &err) < 0) {
                                fprintf(stderr, "oci-iptables-hook: hook: --selectable: %s\n",
                                        oih_error_first(&err));
                                return -1;
                        }
                        if (o->nselectable == MAX_SELECTABLE) {
                                fprintf(stderr, "oci-iptables-hook: hook: at most %d --selectable\n",
                                        MAX_SELECTABLE);
                                return -1;
                        }
                        o->selectable[o->nselectable++] = optarg;
                        break;
                case 'c':
                        o->cache = optarg;
                        break;
                case 'R':
                        o->server = optarg;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        exit(EXIT_OK);
                default:
                        fputs(usage, stderr);
                        return -1;
                }
        }
        if (optind != argc) {
                oih_print_line(stderr, "oci-iptables-hook: hook: unexpected argument \"%s\"", argv[optind]);
                fputs(usage, stderr);
                return -1;
        }
        if (o->ndirs == 0)
                o->dirs[o->ndirs++] = OIH_SYSTEM_RULES_DIR;
        return 0;
}

/* *RET_PATH names the file read (its directories were checked on the descriptors it was opened
 * through), for the log; *RET_ALLOW: the capabilities the policy accepts (allow_capabilities).
 * *RET_SUMMARY: for a policy with host names, the addresses they got, to record for the
 * refresh (names.h); NULL for a policy without names. */
static int load_policy(const struct options *o, const char *name, struct oih_ruleset **ret,
                       char **ret_path, unsigned *ret_allow, char **ret_summary, struct oih_error *err)
{
        struct oih_policy *p = NULL;
        char *path;
        int r = oih_policy_load_named(o->dirs, o->ndirs, name, &p, &path, err);
        if (r == 0 && p->nnames)
                r = names_prepare(p, o->cache, o->server, true, NULL, ret_summary, err);
        if (r < 0) {
                oih_policy_free(p);
                free(path);
                return -1;
        }
        *ret_path = path;
        *ret_allow = p->allow_caps;
        r = oih_compile_probe(p, OIH_XT_KERNEL, ret, err);
        oih_policy_free(p);
        return r;
}

/* Records the container beside the name cache for the refresh of its policy's host names. */
static int record(const struct options *o, const struct oih_state *st, const char *path, const char *summary,
                  struct oih_error *err)
{
        const char *cache = names_cache_path(o->cache, err);
        if (cache == NULL)
                return -1;
        if (o->stage == OIH_STAGE_CREATE_CONTAINER)
                return oih_record_container(cache, st->id, path, summary, err);
        int fd = oih_netns_open_pid(st->pid, err);
        int r = fd < 0 ? -1 : oih_record_running(cache, st->id, st->pid, fd, path, summary, err);
        if (fd >= 0)
                close(fd);
        return r;
}

/* Puts RS into the container's network namespace; 1: a namespace it joins holds RS already. */
static int commit(const struct options *o, const struct oih_state *st, const struct oih_netcfg *cfg,
                  const struct oih_ruleset *rs, struct oih_error *err)
{
        /* A pod or --network container: joins a namespace by path, which another container's
         * policy may hold already. */
        unsigned joined = cfg->netns_path ? OIH_COMMIT_JOINED : 0;
        /* createContainer runs inside the container's namespaces already. The state's pid names
         * a process of the container's pid namespace (runc: 1, crun: 0), which /proc, still the
         * host's at this point, resolves to a host process: it must not be used. */
        if (o->stage == OIH_STAGE_CREATE_CONTAINER) {
                /* config.json may join a namespace by path (--network ns:PATH): never the host's */
                int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                if (self < 0)
                        return oih_err_errno(err, errno, "cannot open /proc/self/ns/net to tell the "
                                             "container's network namespace from the host's");
                int initial = oih_netns_is_initial(self);
                int r = initial != 0 ? oih_err(err, "the container's network namespace %s the host's (the "
                                                    "machine's initial one); refusing to firewall the host",
                                               initial > 0 ? "is" : "cannot be told from")
                                     : oih_commit_netns(rs, self, OIH_COMMIT_HERE | joined, err);
                close(self);
                return r;
        }

        /* createRuntime and prestart run in the host's namespaces. */
        if (st->pid <= 0)
                return oih_err(err, "the state has no container pid (needed at stage %s)",
                               oih_stage_name(o->stage));
        int fd = oih_netns_open_pid(st->pid, err);
        if (fd < 0)
                return -1;
        int r = oih_netns_owner(fd, err);
        if (r > 0)
                r = oih_err(err, "the container's network namespace %s; refusing to firewall the host",
                            r == OIH_NS_OWN ? "is the hook's own"
                            : r == OIH_NS_HOST ? "is the host's (the machine's initial one)"
                                               : "cannot be told from the host's (the machine's initial one)");
        if (r == 0)
                r = oih_commit_netns(rs, fd, joined, err);
        close(fd);
        return r;
}

int cmd_hook(int argc, char **argv)
{
        struct options o = { .stage = OIH_STAGE_CREATE_CONTAINER };
        struct oih_state st = { .pid = -1 };
        struct oih_netcfg cfg = { 0 };
        struct oih_ruleset *rs = NULL;
        char *path = NULL;
        struct oih_error err;
        struct timespec t0;
        int status = EXIT_FAIL;
        char *summary = NULL;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        oih_error_init(&err);
        if (parse_options(argc, argv, &o) < 0)
                return EXIT_USAGE;

        if (oih_state_read(STDIN_FILENO, &st, &err) < 0) {
                refuse("?", &err);
                goto out;
        }
        const char *name;
        unsigned allow_caps = 0;
        if (oih_policy_choose(st.policy, o.default_policy, o.selectable, o.nselectable, &name, &err) < 0)
                goto refused;
        if (oih_config_load(st.bundle, &cfg, &err) < 0)
                goto refused;
        if (load_policy(&o, name, &rs, &path, &allow_caps, &summary, &err) < 0)
                goto refused;
        /* after the policy: it may accept capabilities that are refused otherwise */
        if (oih_netcfg_check(&cfg, allow_caps, &err) < 0)
                goto refused;
        int r = commit(&o, &st, &cfg, rs, &err);
        if (r < 0) {
                oih_error_prefix(&err, "cannot apply policy \"%s\"", name);
                goto refused;
        }
        /* The rules hold; a container that cannot be kept current would run on addresses that
         * go stale, which is not what its policy says: refuse it too. At createContainer the hook
         * is inside the container; at the other stages the state's pid names it. */
        if (summary && record(&o, &st, path, summary, &err) < 0) {
                oih_error_prefix(&err, "cannot record the container for the refresh of its names");
                goto refused;
        }
        decision(LOG_INFO, "%s: applied policy \"%s\"%s from %s: ipv4 %u entries, ipv6 %u entries, "
                           "stage %s, %.1f ms%s",
                 st.id, name, st.policy ? "" : " (default)", path, oih_ruleset_count(rs, OIH_IPV4),
                 oih_ruleset_count(rs, OIH_IPV6), oih_stage_name(o.stage), ms_since(&t0),
                 r == 1 ? " (already in place in the network namespace it joins)" : "");
        status = EXIT_OK;
        goto out;
refused:
        refuse(st.id, &err);
out:
        free(summary);
        oih_ruleset_free(rs);
        free(path);
        oih_netcfg_clear(&cfg);
        oih_state_clear(&st);
        return status;
}
