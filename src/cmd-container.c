/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running podman containers, as the caller's podman sees them (root's, or the user's own when
 * rootless): their pid and the policy their annotation names. podman is run without a shell and
 * its output is read bounded. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "oih.h"

#define MAX_CONTAINERS 4096
/* NAME|ID|PID|ANNOTATION, one container a line */
#define INSPECT_FORMAT "{{.Name}}|{{.Id}}|{{.State.Pid}}|{{index .Config.Annotations \"" OIH_ANNOTATION "\"}}"

static bool valid_name(const char *name)
{
        return name[0] != '\0' && name[0] != '-' && strlen(name) < sizeof(((struct container *)0)->name) &&
               strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == strlen(name);
}

/* One line of INSPECT_FORMAT. */
static int parse_line(char *line, struct container *c, struct oih_error *err)
{
        char *bar1 = strchr(line, '|'), *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
        char *bar3 = bar2 ? strchr(bar2 + 1, '|') : NULL;
        if (bar3 == NULL)
                return oih_err(err, "podman container inspect printed \"%.60s\", not NAME|ID|PID|POLICY", line);
        *bar1 = *bar2 = *bar3 = '\0';
        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", line);
        size_t idlen = strlen(bar1 + 1);
        if (!valid_name(bar1 + 1) || idlen >= sizeof(c->id))
                return oih_err(err, "container \"%s\": podman gave \"%.60s\" as its id", c->name, bar1 + 1);
        memcpy(c->id, bar1 + 1, idlen + 1);
        c->pid = strtol(bar2 + 1, NULL, 10);
        const char *policy = bar3 + 1;
        if (strlen(policy) > OIH_POLICY_NAME_MAX)
                return oih_err(err, "container \"%s\": its annotation " OIH_ANNOTATION " is longer than %d bytes",
                               c->name, OIH_POLICY_NAME_MAX);
        c->has_policy = policy[0] != '\0';
        snprintf(c->policy, sizeof(c->policy), "%s", policy);
        return 0;
}

int container_lookup(const char *name, struct container *ret, struct oih_error *err)
{
        if (!valid_name(name))
                return oih_err(err, "invalid container name \"%.60s\"", name);
        char *const argv[] = { "podman", "container", "inspect", "--format", INSPECT_FORMAT, (char *)name, NULL };
        char buf[1024];
        int status = run_capture(argv, buf, sizeof(buf));
        buf[strcspn(buf, "\n")] = '\0';
        if (status != 0)
                return oih_err(err, "container \"%s\": %s", name,
                               status == 127 ? "podman could not be run"
                                             : geteuid() != 0 ? "podman container inspect (as this user, rootless) found no such container"
                                                              : "podman container inspect found no such container");
        if (parse_line(buf, ret, err) < 0)
                return -1;
        if (ret->pid <= 0)
                return oih_err(err, "container \"%s\" is not running", name);
        return 0;
}

int containers_with_policy(const char *policy, bool unannotated, struct container *ret, size_t max, size_t *ret_n,
                           size_t *ret_unannotated, struct oih_error *err)
{
        char *const ps[] = { "podman", "ps", "--no-trunc", "--format", "{{.ID}}", NULL };
        size_t size = (size_t)MAX_CONTAINERS * 66 + 1;
        char *ids = malloc(size), *out = malloc((size_t)MAX_CONTAINERS * 512);
        char **argv = calloc(MAX_CONTAINERS + 5, sizeof(*argv));
        int r = -1;
        *ret_n = 0;
        *ret_unannotated = 0;
        if (ids == NULL || out == NULL || argv == NULL) {
                oih_err(err, "out of memory");
                goto out;
        }
        int status = run_capture(ps, ids, size);
        if (status != 0) {
                oih_err(err, "podman ps %s", status == 127 ? "could not be run" : "failed");
                goto out;
        }
        size_t n = 0;
        argv[n++] = "podman";
        argv[n++] = "container";
        argv[n++] = "inspect";
        argv[n++] = "--format";
        argv[n++] = INSPECT_FORMAT;
        size_t first = n;
        for (char *save, *id = strtok_r(ids, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
                if (n - first == MAX_CONTAINERS) {
                        oih_err(err, "more than %d running containers", MAX_CONTAINERS);
                        goto out;
                }
                if (!valid_name(id)) {
                        oih_err(err, "podman ps printed \"%.60s\", not a container id", id);
                        goto out;
                }
                argv[n++] = id;
        }
        r = 0;
        if (n == first)
                goto out;
        /* A container that stopped between ps and inspect makes inspect fail: what it printed of
         * the others is still right, and a stopped container needs no reload. An inspect that
         * printed nothing at all failed for them all: never "no container" then. */
        out[0] = '\0';
        int inspected = run_capture(argv, out, (size_t)MAX_CONTAINERS * 512);
        if (inspected != 0 && out[0] == '\0') {
                r = oih_err(err, "podman container inspect %s", inspected == 127 ? "could not be run" : "failed");
                goto out;
        }
        for (char *save, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                struct container c;
                if (parse_line(line, &c, err) < 0) {
                        r = -1;
                        continue;
                }
                if (c.pid <= 0)
                        continue;
                if (!c.has_policy)
                        ++*ret_unannotated;
                if (c.has_policy ? strcmp(c.policy, policy) != 0 : !unannotated)
                        continue;
                if (*ret_n == max) {
                        r = oih_err(err, "more than %zu containers use policy \"%s\"", max, policy);
                        break;
                }
                ret[(*ret_n)++] = c;
        }
out:
        free(ids);
        free(out);
        free(argv);
        return r;
}

int container_policy_load(const struct container *c, const struct rules_dirs *d, struct oih_policy **ret,
                          char **ret_label, struct oih_error *err)
{
        if (!c->has_policy)
                return oih_err(err, "container \"%s\" has no " OIH_ANNOTATION " annotation: give the policy", c->name);
        /* The annotation is a name, whatever it looks like: never a path. */
        int r = oih_policy_load_named(d->v, d->n, c->policy, ret, ret_label, err);
        if (r < 0 && *ret_label == NULL)
                oih_error_prefix(err, "container \"%s\"", c->name);
        return r;
}

int container_caps_check(const struct container *c, const struct oih_policy *p, struct oih_error *err)
{
        struct oih_netcfg cfg;
        struct oih_error why;
        oih_error_init(&why);
        if (oih_proc_netcfg(c->pid, &cfg, &why) < 0)
                return oih_err(err, "cannot read its capabilities (%s); its rules were left as they were",
                               oih_error_first(&why));
        if (oih_netcfg_check(&cfg, p->allow_caps, &why) == 0)
                return 0;
        /* one line: why, and that nothing changed */
        return oih_err(err, "%s; its rules were left as they were (the hook would not start it under this policy)",
                       oih_error_first(&why));
}
