/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `oci-iptables-hook resolve`: fills the name cache from a DNS server and brings running
 * containers up to date; and the step every command runs before compiling a policy that
 * names hosts. */
#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "names.h"
#include "oih.h"


#define RESOLVE_TIMEOUT_MS 5000
#define HOOK_RESOLVE_TIMEOUT_MS 1500
#define MAX_POLICIES 1024

/* mkdir -p of the cache's directory: root's under /var/lib, a user's under ~/.local/state */
static void make_parent(const char *path)
{
        char d[4096];
        snprintf(d, sizeof(d), "%s", path);
        for (char *s = d + 1; (s = strchr(s, '/')) != NULL; s++) {
                *s = '\0';
                (void)mkdir(d, 0755);
                *s = '/';
        }
}

const char *names_cache_path(const char *given, struct oih_error *err)
{
        if (given)
                return given;
        const char *d = oih_cache_default_path();
        if (d == NULL)
                oih_err(err, "no default name cache (HOME is not set): give --cache FILE");
        return d;
}

int names_cache_load(const struct oih_policy *p, const char *cache_opt, struct oih_cache *c,
                     const char **ret_path, struct oih_error *err)
{
        memset(c, 0, sizeof(*c));
        if (p->nnames == 0)
                return 0;
        const char *path = names_cache_path(cache_opt, err);
        if (path == NULL || oih_cache_load(path, c, err) < 0)
                return -1;
        if (ret_path)
                *ret_path = path;
        return 1;
}

int names_substitute_cached(struct oih_policy *p, const char *cache_opt, struct oih_error *err)
{
        struct oih_cache c;
        int r = names_cache_load(p, cache_opt, &c, NULL, err);
        if (r > 0)
                r = oih_names_substitute(p, &c, time(NULL), true, err);
        oih_cache_clear(&c);
        return r;
}

/* What show and inspect print about names: "# name NAME: ADDR... (resolved N s ago, TTL T)". */
void print_names(FILE *out, const struct oih_policy *p, const struct oih_cache *c, long long now)
{
        char *sum = oih_names_summary(p, c, now);
        char *save = NULL;
        for (char *l = sum ? strtok_r(sum, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(l, ' ');
                if (sp)
                        *sp = '\0';
                const struct oih_cache_entry *e = oih_cache_find(c, l);
                if (e == NULL) {
                        fprintf(out, "# name %s: not resolved\n", l);
                        continue;
                }
                fprintf(out, "# name %s: %s (resolved %lld s ago, TTL %u%s)\n", l, sp ? sp + 1 : "no address",
                        (long long)(now - e->resolved), e->ttl,
                        e->status == OIH_NAME_OK ? "" : e->status == OIH_NAME_NXDOMAIN ? ", NXDOMAIN" : ", server failed");
                if (sp)
                        *sp = ' ';
        }
        free(sum);
}

int names_prepare(struct oih_policy *p, const char *cache_opt, const char *server, bool from_runtime,
                  FILE *comments, char **ret_summary, struct oih_error *err)
{
        struct oih_cache c;
        const char *path = NULL;
        int r = names_cache_load(p, cache_opt, &c, &path, err);
        if (r <= 0)
                return r;
        const char **missing = NULL;
        unsigned nmissing = 0;
        int64_t now = time(NULL);
        int runtime_fd = -1;
        r = -1;
        if (oih_names_missing(p, &c, now, &missing, &nmissing) < 0) {
                oih_err(err, "out of memory");
                goto out;
        }
        if (nmissing && !from_runtime && server == NULL) {
                /* check, show and apply read the cache; they ask a server only when told which
                 * (--server), so that no command sends a query the user did not ask for */
                for (unsigned i = 0; i < nmissing; i++)
                        oih_err(err, "name \"%s\" has no fresh answer in the name cache %s (run `oci-iptables-hook "
                                     "resolve`, or give --server ADDR to ask now)", missing[i], path);
                goto out;
        }
        if (nmissing) {
                /* A name without a fresh answer is asked for now, bounded in time; the answer
                 * is used, not written back: the cache is `resolve`'s. */
                struct oih_resolver res;
                if (oih_resolver_init(&res, server ? server : c.server, from_runtime ? HOOK_RESOLVE_TIMEOUT_MS
                                                                                    : RESOLVE_TIMEOUT_MS, err) < 0)
                        goto failed;
                if (from_runtime) {
                        if ((runtime_fd = oih_runtime_netns_open(err)) < 0)
                                goto failed;
                        res.open_socket = oih_open_socket_outside;
                        res.ctx = &runtime_fd;
                }
                if (oih_resolve_names(&res, missing, nmissing, &c, now, err) < 0)
                        goto failed;
        }
        if (comments)
                print_names(comments, p, &c, now);
        if (ret_summary && (*ret_summary = oih_names_summary(p, &c, now)) == NULL) {
                oih_err(err, "out of memory");
                goto out;
        }
        if (oih_names_substitute(p, &c, now, false, err) < 0)
                goto out;
        r = 0;
        goto out;
failed:
        oih_error_prefix(err, "cannot resolve \"%s\"%s", missing[0], nmissing > 1 ? " and other names" : "");
out:
        if (runtime_fd >= 0)
                close(runtime_fd);
        free(missing);
        oih_cache_clear(&c);
        return r;
}

static const char resolve_usage[] =
        "usage: oci-iptables-hook resolve [--server ADDR[:PORT]] [--cache FILE] [--once]\n"
        "                                 [--timeout MS] [POLICY...]\n"
        "Resolves the host names of the policies (default: those of running containers and of\n"
        OIH_SYSTEM_RULES_DIR ", or ~/.config/oci-iptables-hook/rules for users other\n"
        "than root) into the name cache, then re-applies the policy\n"
        "of every running container whose names' addresses changed. Without --once it keeps\n"
        "doing so, as the names' TTLs say (between 10 and 300 seconds).\n";

static int add_policy_names(const char *path, char ***names, unsigned *n, struct oih_error *err)
{
        struct oih_policy *p;
        if (oih_policy_load(path, &p, err) < 0)
                return -1;
        int r = 0;
        for (unsigned i = 0; i < p->nnames && r == 0; i++) {
                bool dup = false;
                for (unsigned j = 0; j < *n && !dup; j++)
                        dup = strcmp((*names)[j], p->names[i]) == 0;
                if (dup)
                        continue;
                if (*n == OIH_CACHE_MAX_NAMES) {
                        r = oih_err(err, "more than %u names in all", OIH_CACHE_MAX_NAMES);
                        break;
                }
                char **v = realloc(*names, (*n + 2) * sizeof(*v));
                if (v == NULL || (v[*n] = strdup(p->names[i])) == NULL) {
                        if (v)
                                *names = v;
                        r = oih_err(err, "out of memory");
                        break;
                }
                *names = v;
                v[++*n] = NULL;
        }
        oih_policy_free(p);
        return r;
}

static void free_list(char **v, unsigned n)
{
        for (unsigned i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* The policies to resolve for: those given, else the recorded containers' and those of the
 * rules directory the hook reads for this user (root's, or a rootless user's own). */
static int gather(int argc, char **argv, const char *cache, char ***ret, unsigned *n, struct oih_error *err)
{
        char **pol = NULL;
        unsigned npol = 0;
        int r = 0;
        if (argc > 0) {
                for (int i = 0; i < argc; i++)
                        if (add_policy_names(argv[i], ret, n, err) < 0)
                                r = -1;
                return r;
        }
        if (oih_records_policies(cache, &pol, &npol, err) < 0)
                r = -1;
        struct rules_dirs dirs = { .n = 0 };
        rules_dirs_default(&dirs);
        const char *dir = dirs.v[0];
        DIR *d = opendir(dir);
        for (struct dirent *de; d && (de = readdir(d)) != NULL && npol < MAX_POLICIES;) {
                size_t l = strlen(de->d_name);
                if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
                        continue;
                char **v = realloc(pol, (npol + 1) * sizeof(*v));
                if (v == NULL)
                        break;
                pol = v;
                if (asprintf(&pol[npol], "%s/%s", dir, de->d_name) > 0)
                        npol++;
        }
        if (d)
                closedir(d);
        for (unsigned i = 0; i < npol; i++)
                if (add_policy_names(pol[i], ret, n, err) < 0)
                        r = -1;
        free_list(pol, npol);
        return r;
}

/* One round: resolve, save, refresh. Returns the seconds until the next one. */
static int round_once(const struct oih_resolver *res, const char *cache, int argc, char **argv,
                      int *status)
{
        struct oih_error err;
        struct oih_cache c;
        char **names = NULL;
        unsigned n = 0;
        int next = 300;
        oih_error_init(&err);
        if (oih_cache_load(cache, &c, &err) < 0) {
                *status = EXIT_FAIL;
                cmd_print_errors("resolve", &err);
                return 60;
        }
        if (gather(argc, argv, cache, &names, &n, &err) < 0)
                *status = EXIT_FAIL;
        int64_t now = time(NULL);
        int failed = n ? oih_resolve_names(res, (const char *const *)names, n, &c, now, &err) : 0;
        if (failed != 0)
                *status = EXIT_FAIL;
        make_parent(cache);
        if (failed >= 0 && oih_cache_save(cache, &c, &err) < 0)
                *status = EXIT_FAIL;
        for (unsigned i = 0; i < n; i++) {
                const struct oih_cache_entry *e = oih_cache_find(&c, names[i]);
                if (e && e->status != OIH_NAME_OK)
                        oih_print_line(stderr, "oci-iptables-hook: resolve: %s: %s", names[i],
                                       e->status == OIH_NAME_NXDOMAIN ? "does not exist (NXDOMAIN)"
                                                                       : "the server failed or did not answer");
                else if (e && (int)e->ttl < next)
                        next = (int)e->ttl;
        }
        struct oih_refresh_report rep;
        if (failed >= 0 && oih_refresh_containers(cache, &c, now, stderr, &rep, &err) < 0)
                *status = EXIT_FAIL;
        if (err.n)
                cmd_print_errors("resolve", &err);
        free_list(names, n);
        oih_cache_clear(&c);
        return next < 10 ? 10 : next;
}

int cmd_resolve(int argc, char **argv)
{
        static const struct option opts[] = {
                { "server", required_argument, NULL, 's' },
                { "cache", required_argument, NULL, 'c' },
                { "once", no_argument, NULL, '1' },
                { "timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        const char *server = NULL, *cache = NULL;
        bool once = false;
        long timeout = RESOLVE_TIMEOUT_MS;
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
                switch (c) {
                case 's': server = optarg; break;
                case 'c': cache = optarg; break;
                case '1': once = true; break;
                case 't': {
                        char *end;
                        timeout = strtol(optarg, &end, 10);
                        if (*end || timeout < 100 || timeout > 60000)
                                return cmd_usage_error("resolve", "--timeout takes 100-60000 (ms)");
                        break;
                }
                case 'h': fputs(resolve_usage, stdout); return EXIT_OK;
                default: return cmd_usage_error("resolve", "unknown option or missing argument '%s'", argv[optind - 1]);
                }
        }
        struct oih_error err;
        struct oih_resolver res;
        oih_error_init(&err);
        if ((cache = names_cache_path(cache, &err)) == NULL ||
            oih_resolver_init(&res, server, (int)timeout, &err) < 0) {
                cmd_print_errors("resolve", &err);
                return EXIT_FAIL;
        }
        for (;;) {
                int status = EXIT_OK;
                int next = round_once(&res, cache, argc - optind, argv + optind, &status);
                if (once)
                        return status;
                fflush(stderr);
                sleep((unsigned)next);
        }
}
