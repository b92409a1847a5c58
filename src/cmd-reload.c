/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reload: a policy was edited; give every running container started with it the new rules (with
 * --unannotated also those without the annotation, which the hook gave its --default-policy).
 * The containers are the caller's podman's (root's, or the user's rootless ones); each gets one
 * atomic commit per family in its own namespace, exactly as `apply` does. */
#include "config.h"

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

#define MAX_RELOAD 1024

static const char reload_usage[] =
        "Usage: oci-iptables-hook reload [--rules-dir DIR]... [--cache FILE] [--unannotated] POLICY\n"
        "Applies POLICY again, as it is now, to every running container whose annotation\n"
        OIH_ANNOTATION " names it, and prints one line per container. Each container's tables\n"
        "are replaced atomically; one that fails keeps its rules, and so does one that holds a\n"
        "capability POLICY does not accept (\"allow_capabilities\"): restart it without. POLICY\n"
        "is a name, or the path of NAME.json in a rules directory. Containers are the caller's\n"
        "podman's: root's, or this user's own rootless ones.\n"
        "  --rules-dir DIR     where the hook finds policies; repeatable, first match wins\n"
        "                      (default " OIH_SYSTEM_RULES_DIR ", or\n"
        "                      ~/.config/oci-iptables-hook/rules for users other than root)\n"
        "  --cache FILE        the name cache the hook uses (default: this user's); a container\n"
        "                      whose policy names hosts is recorded beside it for the refresh\n"
        "  --unannotated       also every running container without the annotation: those the\n"
        "                      hook gave POLICY as its --default-policy (enforcing mode)\n"
        "  -h, --help          show this help\n"
        "Exit status: 0 every container was reloaded (or none uses POLICY); 1 one failed or\n"
        "the policy is wrong; 2 wrong usage.\n";

/* The annotation names a policy; a path must be that policy as the hook finds it, or the
 * containers would get rules the hook would not give them. */
static int policy_name(const struct rules_dirs *d, const char *arg, char *name, size_t size,
                       struct oih_error *err)
{
        if (policy_arg_is_name(arg)) {
                snprintf(name, size, "%s", arg);
                return oih_policy_name_check(name, err);
        }
        const char *base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
        size_t len = strlen(base);
        if (len <= 5 || strcmp(base + len - 5, ".json") != 0 || len - 5 >= size)
                return oih_err(err, "%s: not NAME.json, so no annotation can name it", arg);
        snprintf(name, size, "%.*s", (int)(len - 5), base);
        char *path = NULL;
        int fd = oih_policy_open(d->v, d->n, name, &path, err);
        if (fd < 0)
                return -1;
        struct stat a, b;
        int r = 0;
        if (fstat(fd, &a) < 0 || stat(arg, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                r = oih_err(err, "%s is not the policy \"%s\" the hook reads (%s): give --rules-dir", arg, name, path);
        close(fd);
        free(path);
        return r;
}

/* P (read and checked once for every container, so that an edit during the reload cannot reach
 * one unchecked) through the one re-apply path (names.h): the same guard, the cached addresses
 * of its host names, the namespace's lock and the read-back. */
static int reload_one(const struct container *c, struct oih_policy *p, const char *label,
                      const struct oih_cache *cache, const char *cache_path, int64_t now, struct oih_error *err)
{
        char *summary = NULL;
        int fd = oih_netns_open_pid(c->pid, err);
        int r = fd < 0 ? -1 : container_caps_check(c, p, err);
        if (r == 0)
                r = oih_reapply_policy(p, fd, cache, now, &summary, err);
        /* as the hook does: a container whose policy names hosts is kept current by the refresh,
         * which finds it by its record (the policy it started with may have named none) */
        struct oih_error why;
        oih_error_init(&why);
        if (r == 0 && p->nnames && oih_record_running(cache_path, c->id, c->pid, fd, label, summary, &why) < 0)
                r = oih_err(err, "its rules are the new policy's, but it could not be recorded for the refresh of its "
                                 "names (%s): they will not follow the names' addresses", oih_error_first(&why));
        if (fd >= 0)
                close(fd);
        free(summary);
        return r;
}

int cmd_reload(int argc, char **argv)
{
        static const struct option opts[] = {
                { "rules-dir", required_argument, NULL, 'r' }, { "unannotated", no_argument, NULL, 'u' },
                { "cache", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct rules_dirs dirs = { .n = 0 };
        bool unannotated = false;
        const char *cache_opt = NULL;
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        if (rules_dirs_add(&dirs, "reload", optarg) < 0)
                                return EXIT_USAGE;
                        break;
                case 'u': unannotated = true; break;
                case 'C': cache_opt = optarg; break;
                case 'h': fputs(reload_usage, stdout); return EXIT_OK;
                default: return cmd_usage_error("reload", "unknown option or missing argument '%s'", argv[optind - 1]);
                }
        }
        rules_dirs_default(&dirs);
        if (optind != argc - 1)
                return cmd_usage_error("reload", "give one policy");

        struct oih_error err;
        struct oih_policy *p = NULL;
        struct oih_ruleset *rs = NULL;
        struct container *cs = calloc(MAX_RELOAD, sizeof(*cs));
        char name[OIH_POLICY_NAME_MAX + 1], *label = NULL;
        size_t n = 0, nbare = 0;
        int status = EXIT_FAIL;
        struct oih_cache cache = { 0 };
        int have_cache = 0;
        int64_t now = time(NULL);
        oih_error_init(&err);
        if (cs == NULL) {
                oih_err(&err, "out of memory");
                goto out;
        }
        /* The whole policy is checked, as check does, before any container is touched; each
         * container's namespace then compiles it for its kernel, as apply does. */
        if (policy_name(&dirs, argv[optind], name, sizeof(name), &err) < 0 ||
            policy_load_arg(&dirs, name, &p, &label, &err) < 0 || oih_compile(p, &rs, &err) < 0)
                goto out;
        /* host names get the addresses the name cache has now, as the refresh gives them */
        const char *cache_path = NULL;
        if ((have_cache = names_cache_load(p, cache_opt, &cache, &cache_path, &err)) < 0)
                goto out;
        if (containers_with_policy(name, unannotated, cs, MAX_RELOAD, &n, &nbare, &err) < 0)
                goto out;
        if (n == 0)
                oih_print_line(stdout, "no running container uses policy \"%s\"", name);
        /* in enforcing mode those got the hook's --default-policy: never skip them in silence */
        if (nbare && !unannotated)
                oih_print_line(stderr, "oci-iptables-hook: reload: note: %zu running container%s no " OIH_ANNOTATION
                               " annotation; if the hook gives them \"%s\" as its --default-policy, reload with "
                               "--unannotated", nbare, nbare == 1 ? " has" : "s have", name);
        status = EXIT_OK;
        for (size_t i = 0; i < n; i++) {
                struct oih_error cerr;
                oih_error_init(&cerr);
                if (reload_one(&cs[i], p, label, have_cache > 0 ? &cache : NULL, cache_path, now, &cerr) < 0) {
                        oih_error_prefix(&cerr, "%s", cs[i].name);
                        cmd_print_errors("reload", &cerr);
                        status = EXIT_FAIL;
                } else {
                        oih_print_line(stdout, "%s: reloaded (%u rule%s)", cs[i].name, p->nrules, p->nrules == 1 ? "" : "s");
                }
                fflush(stdout);
        }
out:
        oih_cache_clear(&cache);
        cmd_print_errors("reload", &err);
        free(cs);
        free(label);
        oih_ruleset_free(rs);
        oih_policy_free(p);
        return status;
}
