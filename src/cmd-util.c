/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the commands share: the error convention and finding a policy by name or by path. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "oih.h"

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;
        char what[OIH_ERR_LEN];
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        /* escaped: the words come from the command line */
        oih_print_line(stderr, "oci-iptables-hook: %s%s%s", cmd ? cmd : "", cmd ? ": " : "", what);
        fprintf(stderr, "Try 'oci-iptables-hook %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
        return EXIT_USAGE;
}

void cmd_print_errors(const char *cmd, const struct oih_error *err)
{
        for (int i = 0; i < err->n; i++)
                oih_print_line(stderr, "oci-iptables-hook: %s: %s", cmd, err->msg[i]);
        if (err->dropped)
                fprintf(stderr, "oci-iptables-hook: %s: (%d more errors not shown)\n", cmd, err->dropped);
}

int rules_dirs_add(struct rules_dirs *d, const char *cmd, const char *dir)
{
        if (d->n == OIH_MAX_RULES_DIRS) {
                cmd_usage_error(cmd, "at most %d --rules-dir", OIH_MAX_RULES_DIRS);
                return -1;
        }
        d->v[d->n++] = dir;
        return 0;
}

void user_config_path(char *out, size_t size, const char *rel)
{
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        if (xdg != NULL && xdg[0] == '/')
                snprintf(out, size, "%s/%s", xdg, rel);
        else
                snprintf(out, size, "%s/.config/%s", home ? home : "", rel);
}

void rules_dirs_default(struct rules_dirs *d)
{
        if (d->n > 0)
                return;
        if (geteuid() == 0) {
                d->v[d->n++] = OIH_SYSTEM_RULES_DIR;
                return;
        }
        user_config_path(d->user, sizeof(d->user), "oci-iptables-hook/rules");
        d->v[d->n++] = d->user;
}

bool policy_arg_is_name(const char *arg)
{
        size_t len = strlen(arg);
        return strchr(arg, '/') == NULL && !(len >= 5 && strcmp(arg + len - 5, ".json") == 0);
}

int policy_load_arg(const struct rules_dirs *d, const char *arg, struct oih_policy **ret, char **ret_label,
                    struct oih_error *err)
{
        if (!policy_arg_is_name(arg)) {
                if ((*ret_label = strdup(arg)) == NULL)
                        return oih_err(err, "out of memory");
                return oih_policy_load(arg, ret, err);
        }
        return oih_policy_load_named(d->v, d->n, arg, ret, ret_label, err);
}
