/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "hook.h"
#include "jsonr.h"
#include "oih.h"

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define JSON_DEPTH 32

static const char *const stage_names[] = {
        [OIH_STAGE_CREATE_CONTAINER] = "createContainer",
        [OIH_STAGE_CREATE_RUNTIME] = "createRuntime",
        [OIH_STAGE_PRESTART] = "prestart",
};

int oih_stage_parse(const char *s, enum oih_stage *ret, struct oih_error *err)
{
        for (size_t i = 0; i < sizeof(stage_names) / sizeof(stage_names[0]); i++) {
                if (strcmp(s, stage_names[i]) == 0) {
                        *ret = (enum oih_stage)i;
                        return 0;
                }
        }
        return oih_err(err, "unknown stage \"%.64s\" (createContainer, createRuntime or prestart)",
                       s);
}

const char *oih_stage_name(enum oih_stage s)
{
        return stage_names[s];
}

/* The state and config.json are read with the strict reader of the policies: it refuses
 * duplicate keys, which runc (Go's encoding/json) would merge, the later over the earlier. */
static struct jr_doc *parse_doc(const char *buf, size_t len, const char *what, struct oih_error *err)
{
        char why[160];
        size_t at;
        struct jr_doc *doc = jr_parse(buf, len, JSON_DEPTH, &at, why, sizeof(why));
        if (doc == NULL) {
                if (at >= len)
                        oih_err(err, "%s: unexpected end of input", what);
                else if (strncmp(why, "duplicate key", 13) == 0)
                        oih_err(err, "%s: byte %zu: %s", what, at, why);
                else if (strncmp(why, "unexpected text after", 21) == 0)
                        oih_err(err, "%s: trailing data at byte %zu", what, at);
                else
                        oih_err(err, "%s: invalid JSON at byte %zu: %s", what, at, why);
                return NULL;
        }
        if (jr_root(doc)->type != JR_OBJECT) {
                jr_free(doc);
                oih_err(err, "%s: not a JSON object", what);
                return NULL;
        }
        return doc;
}

/* Go's encoding/json gives a struct field the value of a key that equals its name ignoring
 * case, where 'ſ' (U+017F) counts as 's' and the Kelvin sign (U+212A) as 'k'. FIELD is
 * lowercase ASCII. */
static bool go_fold_eq(const char *field, const char *key)
{
        for (; *field != '\0'; field++) {
                unsigned char k = (unsigned char)*key;
                if (k >= 'A' && k <= 'Z')
                        k = (unsigned char)(k - 'A' + 'a');
                if (k == (unsigned char)*field) {
                        key++;
                } else if (*field == 's' && strncmp(key, "\xc5\xbf", 2) == 0) {
                        key += 2;
                } else if (*field == 'k' && strncmp(key, "\xe2\x84\xaa", 3) == 0) {
                        key += 3;
                } else {
                        return false;
                }
        }
        return *key == '\0';
}

/* runc would read a key spelled "Process" (or "proceſs") as "process": refuse every key of O
 * that differs only so from one of FIELDS, since the hook would not see it. */
static int check_keys(const struct jr_value *o, const char *what, const char *where,
                      const char *const *fields, struct oih_error *err)
{
        for (uint32_t i = 0; i < o->len; i++) {
                const char *key = o->members[i].key;
                for (const char *const *f = fields; *f != NULL; f++) {
                        if (strcmp(key, *f) == 0)
                                break;
                        if (go_fold_eq(*f, key))
                                return oih_err(err, "%s: %s: key \"%.64s\" differs from \"%s\" only by case "
                                                    "(runc would read it as \"%s\"); write \"%s\"",
                                               what, where, key, *f, *f, *f);
                }
        }
        return 0;
}

/* The member KEY of O when it is an object, NULL when absent or null (as Go reads a null
 * pointer); anything else is an error. */
static int get_object(const struct jr_value *o, const char *key, const char *what, const char *where,
                      const struct jr_value **ret, struct oih_error *err)
{
        const struct jr_value *v = jr_get(o, key);
        *ret = NULL;
        if (v == NULL || v->type == JR_NULL)
                return 0;
        if (v->type != JR_OBJECT)
                return oih_err(err, "%s: %s is not an object", what, where);
        *ret = v;
        return 0;
}

/* The container id is repeated in every message and log line: keep it printable. */
static bool printable_id(const char *s)
{
        size_t n = 0;
        for (; s[n] != '\0'; n++)
                if ((unsigned char)s[n] <= ' ' || (unsigned char)s[n] >= 0x7f)
                        return false;
        return n > 0 && n <= OIH_ID_MAX;
}

void oih_state_clear(struct oih_state *s)
{
        free(s->id);
        free(s->bundle);
        free(s->policy);
        memset(s, 0, sizeof(*s));
        s->pid = -1;
}

int oih_state_parse(const char *buf, size_t len, struct oih_state *ret, struct oih_error *err)
{
        static const char *const fields[] = { "id", "bundle", "pid", "annotations", NULL };
        const struct jr_value *v, *ann;
        struct oih_state s = { .pid = -1 };
        /* jsonr refuses "\u0000" in a string: a C string would end there ("deny\u0000x" would
         * name the policy "deny") */
        struct jr_doc *doc = parse_doc(buf, len, "state", err);
        if (doc == NULL)
                return -1;
        const struct jr_value *root = jr_root(doc);
        if (check_keys(root, "state", "(top level)", fields, err) < 0)
                goto fail;

        if ((v = jr_get(root, "id")) == NULL || v->type != JR_STRING || !printable_id(v->s)) {
                oih_err(err, "state: \"id\" is missing or not a printable string");
                goto fail;
        }
        s.id = strdup(v->s);

        if ((v = jr_get(root, "bundle")) == NULL || v->type != JR_STRING || v->s[0] != '/') {
                oih_err(err, "state: \"bundle\" is missing or not an absolute path");
                goto fail;
        }
        s.bundle = strdup(v->s);

        if ((v = jr_get(root, "pid")) != NULL) {
                if (v->type != JR_INT || v->i < 0 || v->i > INT32_MAX) {
                        oih_err(err, "state: \"pid\" is not a process id");
                        goto fail;
                }
                s.pid = (long)v->i;
        }

        if ((ann = jr_get(root, "annotations")) != NULL && ann->type != JR_NULL) {
                if (ann->type != JR_OBJECT) {
                        oih_err(err, "state: \"annotations\" is not an object");
                        goto fail;
                }
                if ((v = jr_get(ann, OIH_ANNOTATION)) != NULL) {
                        if (v->type != JR_STRING) {
                                oih_err(err, "state: annotation %s is not a string", OIH_ANNOTATION);
                                goto fail;
                        }
                        s.policy = strdup(v->s);
                        if (s.policy == NULL)
                                goto nomem;
                }
        }
        if (s.id == NULL || s.bundle == NULL)
                goto nomem;
        jr_free(doc);
        *ret = s;
        return 0;
nomem:
        oih_err_errno(err, ENOMEM, "state");
fail:
        jr_free(doc);
        oih_state_clear(&s);
        return -1;
}

int oih_state_read(int fd, struct oih_state *ret, struct oih_error *err)
{
        char *buf;
        size_t len;
        if (oih_read_bounded_timeout(fd, OIH_STATE_MAX, OIH_STATE_TIMEOUT_MS, "the state on stdin",
                                     &buf, &len, err) < 0)
                return -1;
        int r = oih_state_parse(buf, len, ret, err);
        free(buf);
        return r;
}

void oih_netcfg_clear(struct oih_netcfg *c)
{
        free(c->netns_path);
        memset(c, 0, sizeof(*c));
}

static const char *const set_names[OIH_NSETS] = {
        [OIH_SET_BOUNDING] = "bounding", [OIH_SET_EFFECTIVE] = "effective",
        [OIH_SET_INHERITABLE] = "inheritable", [OIH_SET_PERMITTED] = "permitted",
        [OIH_SET_AMBIENT] = "ambient",
};

enum cap_when { CAP_ALWAYS, CAP_WITH_SHARED_PIDNS, CAP_WITH_BPF };

/* docs/security.md, "Capabilities", says why each is here and why others are not. */
static const struct {
        const char *name;
        unsigned num; /* the kernel's number, for /proc/PID/status */
        enum cap_when when;
        const char *why;
} caps[OIH_NCAPS] = {
        [OIH_CAP_NET_ADMIN] = { "NET_ADMIN", CAP_NET_ADMIN, CAP_ALWAYS, "it can rewrite or flush its own rules" },
        [OIH_CAP_NET_RAW] = { "NET_RAW", CAP_NET_RAW, CAP_ALWAYS,
                              "it can send packets no iptables rule sees (AF_PACKET)" },
        [OIH_CAP_SYS_ADMIN] = { "SYS_ADMIN", CAP_SYS_ADMIN, CAP_ALWAYS,
                                "it can enter another network namespace (setns), mount and load BPF" },
        [OIH_CAP_SYS_MODULE] = { "SYS_MODULE", CAP_SYS_MODULE, CAP_ALWAYS, "it can load kernel modules" },
        [OIH_CAP_SYS_RAWIO] = { "SYS_RAWIO", CAP_SYS_RAWIO, CAP_ALWAYS,
                                "it can drive hardware directly (I/O ports), below every filter" },
        [OIH_CAP_DAC_READ_SEARCH] = { "DAC_READ_SEARCH", CAP_DAC_READ_SEARCH, CAP_ALWAYS,
                                      "it can open the host's files by handle (open_by_handle_at) and so run "
                                      "code outside the container" },
        [OIH_CAP_BPF] = { "BPF", CAP_BPF, CAP_ALWAYS, "it can load BPF programs into the kernel" },
        [OIH_CAP_PERFMON] = { "PERFMON", CAP_PERFMON, CAP_WITH_BPF,
                              "with CAP_BPF it can attach programs to every process of the machine" },
        [OIH_CAP_SYS_PTRACE] = { "SYS_PTRACE", CAP_SYS_PTRACE, CAP_WITH_SHARED_PIDNS,
                                 "it shares a PID namespace (--pid host, --pid container:) and can "
                                 "take over a process of another network namespace" },
};

/* ---- a running container's process, from /proc ---- */

int oih_status_netcfg(const char *status, struct oih_netcfg *ret, struct oih_error *err)
{
        static const struct {
                const char *key;
                enum oih_cap_set set;
        } sets[] = {
                { "CapInh:", OIH_SET_INHERITABLE }, { "CapPrm:", OIH_SET_PERMITTED },
                { "CapEff:", OIH_SET_EFFECTIVE },   { "CapBnd:", OIH_SET_BOUNDING },
                { "CapAmb:", OIH_SET_AMBIENT },
        };
        unsigned found = 0;
        const char *nspid = NULL;
        memset(ret, 0, sizeof(*ret));
        ret->netns = true; /* the caller acts on the process's own namespace */
        for (const char *line = status, *next; *line; line = next) {
                next = line + strcspn(line, "\n");
                if (*next == '\n')
                        next++;
                if (strncmp(line, "NSpid:", 6) == 0)
                        nspid = line + 6;
                for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
                        size_t n = strlen(sets[i].key);
                        if (strncmp(line, sets[i].key, n) != 0)
                                continue;
                        char *end;
                        errno = 0;
                        unsigned long long mask = strtoull(line + n, &end, 16);
                        if (errno || end == line + n || (*end != '\n' && *end != '\0'))
                                return oih_err(err, "cannot read the process's %.6s", sets[i].key);
                        for (int k = 0; k < OIH_NCAPS; k++)
                                if (mask & (1ULL << caps[k].num))
                                        ret->caps[sets[i].set] |= OIH_CAPBIT(k);
                        found |= 1u << i;
                }
        }
        if (found != (1u << (sizeof(sets) / sizeof(sets[0]))) - 1 || nspid == NULL)
                return oih_err(err, "the process's status lacks its capabilities or NSpid");
        /* NSpid lists the process's pid in each PID namespace, the innermost last: a container
         * with a PID namespace of its own has its first process as 1 there */
        const char *last = nspid + strcspn(nspid, "\n");
        while (last > nspid && (last[-1] == ' ' || last[-1] == '\t'))
                last--;
        const char *first = last;
        while (first > nspid && first[-1] != ' ' && first[-1] != '\t')
                first--;
        ret->pidns_shared = !(last - first == 1 && *first == '1');
        return 0;
}

int oih_proc_netcfg(long pid, struct oih_netcfg *ret, struct oih_error *err)
{
        char path[64], *buf = NULL;
        size_t len = 0;
        snprintf(path, sizeof(path), "/proc/%ld/status", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return oih_err_errno(err, errno, "cannot open %s", path);
        int r = oih_read_bounded(fd, 64 << 10, path, &buf, &len, err);
        close(fd);
        if (r == 0)
                r = oih_status_netcfg(buf, ret, err);
        free(buf);
        return r < 0 ? -1 : 0;
}

const char *oih_cap_name(enum oih_cap c)
{
        return caps[c].name;
}

int oih_cap_lookup(const char *name)
{
        if (strncmp(name, "CAP_", 4) == 0)
                name += 4;
        for (int i = 0; i < OIH_NCAPS; i++)
                if (strcmp(name, caps[i].name) == 0)
                        return i;
        return -1;
}

/* The entry of a capability as config.json names it. runc knows only "CAP_NET_RAW"; other
 * spellings are matched too, so that no runtime's reading can give it unseen. */
static int cap_lookup_loose(const char *name)
{
        if (strncasecmp(name, "CAP_", 4) == 0)
                name += 4;
        for (int i = 0; i < OIH_NCAPS; i++)
                if (strcasecmp(name, caps[i].name) == 0)
                        return i;
        return -1;
}

static int parse_namespaces(const struct jr_value *lnx, struct oih_netcfg *c, struct oih_error *err)
{
        static const char *const ns_fields[] = { "type", "path", NULL };
        const struct jr_value *nss = jr_get(lnx, "namespaces");
        bool pidns = false;
        /* No "namespaces": the container shares all of the host's. */
        c->pidns_shared = true;
        if (nss == NULL || nss->type == JR_NULL)
                return 0;
        if (nss->type != JR_ARRAY)
                return oih_err(err, "config.json: linux.namespaces is not an array");
        for (uint32_t i = 0; i < nss->len; i++) {
                const struct jr_value *ns = &nss->items[i], *type, *path;
                char where[64];
                snprintf(where, sizeof(where), "linux.namespaces[%u]", i);
                if (ns->type != JR_OBJECT)
                        return oih_err(err, "config.json: %s is not an object", where);
                if (check_keys(ns, "config.json", where, ns_fields, err) < 0)
                        return -1;
                if ((type = jr_get(ns, "type")) == NULL || type->type != JR_STRING)
                        return oih_err(err, "config.json: %s.type is not a string", where);
                path = jr_get(ns, "path");
                if (path != NULL && path->type != JR_STRING && path->type != JR_NULL)
                        return oih_err(err, "config.json: %s.path is not a string", where);
                /* An empty path means a new namespace (runtime-spec). */
                const char *p = path != NULL && path->type == JR_STRING ? path->s : "";
                bool is_net = strcmp(type->s, "network") == 0;
                if (!is_net && strcmp(type->s, "pid") != 0)
                        continue;
                if (is_net ? c->netns : pidns)
                        return oih_err(err, "config.json: two %s namespaces", type->s);
                if (!is_net) {
                        pidns = true;
                        c->pidns_shared = p[0] != '\0';
                        continue;
                }
                c->netns = true;
                if (p[0] != '\0' && (c->netns_path = strdup(p)) == NULL)
                        return oih_err_errno(err, ENOMEM, "config.json");
        }
        return 0;
}

static int parse_caps(const struct jr_value *proc, struct oih_netcfg *c, struct oih_error *err)
{
        static const char *const proc_fields[] = { "capabilities", NULL };
        const struct jr_value *capo;
        if (check_keys(proc, "config.json", "process", proc_fields, err) < 0 ||
            get_object(proc, "capabilities", "config.json", "process.capabilities", &capo, err) < 0)
                return -1;
        if (capo == NULL)
                return 0;
        const char *set_fields[OIH_NSETS + 1] = { NULL };
        memcpy(set_fields, set_names, sizeof(set_names));
        if (check_keys(capo, "config.json", "process.capabilities", set_fields, err) < 0)
                return -1;
        for (int s = 0; s < OIH_NSETS; s++) {
                const struct jr_value *set = jr_get(capo, set_names[s]);
                if (set == NULL || set->type == JR_NULL)
                        continue;
                if (set->type != JR_ARRAY)
                        return oih_err(err, "config.json: process.capabilities.%s is not an array",
                                       set_names[s]);
                for (uint32_t i = 0; i < set->len; i++) {
                        if (set->items[i].type != JR_STRING)
                                return oih_err(err, "config.json: process.capabilities.%s[%u] is not a string",
                                               set_names[s], i);
                        int k = cap_lookup_loose(set->items[i].s);
                        if (k >= 0)
                                c->caps[s] |= OIH_CAPBIT(k);
                }
        }
        return 0;
}

int oih_config_parse(const char *buf, size_t len, struct oih_netcfg *ret, struct oih_error *err)
{
        static const char *const root_fields[] = { "process", "linux", NULL };
        static const char *const linux_fields[] = { "namespaces", NULL };
        const struct jr_value *lnx, *proc;
        struct oih_netcfg c = { .pidns_shared = true };
        struct jr_doc *doc = parse_doc(buf, len, "config.json", err);
        if (doc == NULL)
                return -1;
        const struct jr_value *root = jr_root(doc);
        int r = check_keys(root, "config.json", "(top level)", root_fields, err);
        if (r == 0)
                r = get_object(root, "linux", "config.json", "linux", &lnx, err);
        if (r == 0 && lnx != NULL) {
                r = check_keys(lnx, "config.json", "linux", linux_fields, err);
                if (r == 0)
                        r = parse_namespaces(lnx, &c, err);
        }
        if (r == 0)
                r = get_object(root, "process", "config.json", "process", &proc, err);
        if (r == 0 && proc != NULL)
                r = parse_caps(proc, &c, err);
        jr_free(doc);
        if (r < 0) {
                oih_netcfg_clear(&c);
                return -1;
        }
        *ret = c;
        return 0;
}

int oih_config_load(const char *bundle, struct oih_netcfg *ret, struct oih_error *err)
{
        char *path, *buf;
        size_t len;
        if (asprintf(&path, "%s/config.json", bundle) < 0)
                return oih_err_errno(err, ENOMEM, "config.json");
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
                int e = errno;
                oih_err_errno(err, e, "cannot open %s", path);
                free(path);
                return -1;
        }
        free(path);
        int r = oih_read_bounded(fd, OIH_CONFIG_MAX, "config.json", &buf, &len, err);
        close(fd);
        if (r < 0)
                return -1;
        r = oih_config_parse(buf, len, ret, err);
        free(buf);
        return r;
}

int oih_netcfg_check(const struct oih_netcfg *c, unsigned allowed, struct oih_error *err)
{
        if (!c->netns)
                return oih_err(err, "the container shares the host's network namespace "
                                    "(--network host); refusing to firewall the host");
        unsigned any = 0;
        for (int s = 0; s < OIH_NSETS; s++)
                any |= c->caps[s];
        for (int k = 0; k < OIH_NCAPS; k++) {
                if (allowed & OIH_CAPBIT(k))
                        continue;
                if ((caps[k].when == CAP_WITH_SHARED_PIDNS && !c->pidns_shared) ||
                    (caps[k].when == CAP_WITH_BPF && !(any & OIH_CAPBIT(OIH_CAP_BPF))))
                        continue;
                for (int s = 0; s < OIH_NSETS; s++) {
                        if (!(c->caps[s] & OIH_CAPBIT(k)))
                                continue;
                        return oih_err(err, "container has CAP_%s (%s set): %s; start it with --cap-drop %s%s",
                                       caps[k].name, set_names[s], caps[k].why, caps[k].name,
                                       caps[k].when == CAP_WITH_SHARED_PIDNS
                                               ? " or with a PID namespace of its own"
                                               : " (and without --privileged)");
                }
        }
        return 0;
}

int oih_policy_name_check(const char *name, struct oih_error *err)
{
        size_t n = strlen(name);
        if (n == 0)
                return oih_err(err, "empty policy name");
        if (n > OIH_POLICY_NAME_MAX)
                return oih_err(err, "policy name longer than %d bytes", OIH_POLICY_NAME_MAX);
        for (size_t i = 0; i < n; i++) {
                char ch = name[i];
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                          || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
                if (!ok)
                        return oih_err(err, "invalid policy name \"%.*s\": only A-Z a-z 0-9 _ . - "
                                            "are allowed", OIH_POLICY_NAME_MAX, name);
        }
        if (name[0] == '.' || strstr(name, "..") != NULL)
                return oih_err(err, "invalid policy name \"%s\": it must not start with '.' or "
                                    "contain \"..\"", name);
        return 0;
}

int oih_policy_choose(const char *annotation, const char *default_policy, const char *const *selectable,
                      size_t nselectable, const char **ret, struct oih_error *err)
{
        if (annotation == NULL) {
                if (default_policy == NULL)
                        return oih_err(err, "no annotation %s and no --default-policy", OIH_ANNOTATION);
                *ret = default_policy;
                return 0;
        }
        if (oih_policy_name_check(annotation, err) < 0)
                return -1;
        bool open_choice = default_policy == NULL && nselectable == 0;
        bool listed = default_policy != NULL && strcmp(annotation, default_policy) == 0;
        for (size_t i = 0; i < nselectable && !listed; i++)
                listed = strcmp(annotation, selectable[i]) == 0;
        if (open_choice || listed) {
                *ret = annotation;
                return 0;
        }
        char allowed[512] = "";
        size_t used = 0;
        if (default_policy != NULL)
                used += (size_t)snprintf(allowed, sizeof(allowed), "%s (the default)", default_policy);
        for (size_t i = 0; i < nselectable && used < sizeof(allowed); i++)
                used += (size_t)snprintf(allowed + used, sizeof(allowed) - used, "%s%s", used ? ", " : "",
                                         selectable[i]);
        return oih_err(err, "annotation %s=%s names a policy that is not selectable here (an image's "
                            "annotations count too); it may name only %s: add --selectable %s to the "
                            "hooks.d file to allow it",
                       OIH_ANNOTATION, annotation, allowed, annotation);
}

/* Who may own the rules directory, every directory above it and the policy file: anyone else
 * could change, rename or replace them, and so choose every container's firewall.
 * Rootful, that is root. A rootless hook is uid 0 of the user namespace of the user who runs
 * podman: it sees that user's files as its own (uid 0), the user's subordinate uids as 1..n
 * (what the containers own), and every host uid the namespace does not map, root's included,
 * as the overflow uid (65534): it cannot tell root from another user there. So the overflow uid
 * is taken for root only on the way down to the first directory of the hook's own uid; below
 * it, everything must be the hook's own (or root's, as seen from the host). */
struct owners {
        uid_t self;
        uid_t overflow;         /* (uid_t)-1: root is mapped, or that cannot be told */
        bool below_self;        /* a directory on the way down belongs to SELF */
};

/* Does the user namespace leave the host's root unmapped (rootless)? In doubt: no. */
static bool root_unmapped(void)
{
        unsigned long in, out, count;
        bool mapped = false;
        FILE *f = fopen("/proc/self/uid_map", "re");
        if (f == NULL)
                return false;
        int n;
        while ((n = fscanf(f, "%lu %lu %lu", &in, &out, &count)) == 3)
                if (out == 0 && count > 0)
                        mapped = true;
        bool ok = n == EOF && !ferror(f);
        fclose(f);
        return ok && !mapped;
}

static void owners_init(struct owners *o)
{
        unsigned long v;
        o->self = geteuid();
        o->overflow = (uid_t)-1;
        o->below_self = false;
        FILE *f = fopen("/proc/sys/kernel/overflowuid", "re");
        if (f == NULL)
                return;
        if (fscanf(f, "%lu", &v) == 1 && v != 0 && v < (uid_t)-1 && root_unmapped())
                o->overflow = (uid_t)v;
        fclose(f);
}

/* NULL when ST may hold policies; otherwise why not, in BUF ("<path> is ..." follows). */
static const char *untrusted(const struct stat *st, struct owners *o, char *buf, size_t size)
{
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return "writable by group or others (chmod go-w; a sticky bit does not make it safe)";
        if (st->st_uid == o->self && st->st_uid != o->overflow) {
                o->below_self = true;
                return NULL;
        }
        if (st->st_uid == 0 || (st->st_uid == o->overflow && !o->below_self))
                return NULL;
        if (st->st_uid == o->overflow)
                snprintf(buf, size, "owned by a user outside this user namespace (uid %u here), below a "
                         "directory of the hook's own user: only that user or root may own it",
                         (unsigned)st->st_uid);
        else
                snprintf(buf, size, "owned by uid %u, not root (chown root; rootless: the user who runs "
                         "podman), who could change which policy a container gets", (unsigned)st->st_uid);
        return buf;
}

/* Opens DIR one component at a time from "/", never following a symbolic link, and checks each
 * directory on the descriptor the next step opens from: a directory renamed or replaced after
 * its check is not the one the walk goes on in. */
static int walk_dir(const char *dir, struct owners *o, struct oih_error *err)
{
        char path[PATH_MAX];
        struct stat st;
        if (dir[0] != '/')
                return oih_err(err, "rules directory %s is not an absolute path", dir);
        if (strlen(dir) >= sizeof(path))
                return oih_err(err, "rules directory %.64s... is too long", dir);
        int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return oih_err_errno(err, errno, "cannot open /");
        strcpy(path, "/");
        for (const char *c = dir;;) {
                char buf[256];
                const char *why = fstat(fd, &st) < 0 ? "not examinable" : untrusted(&st, o, buf, sizeof(buf));
                if (why != NULL) {
                        close(fd);
                        return oih_err(err, "%s is %s", path, why);
                }
                while (*c == '/')
                        c++;
                if (*c == '\0')
                        return fd;
                size_t len = strcspn(c, "/");
                char name[NAME_MAX + 1];
                if (len > NAME_MAX) {
                        close(fd);
                        return oih_err(err, "rules directory %s: a name is longer than %d bytes", dir, NAME_MAX);
                }
                memcpy(name, c, len);
                name[len] = '\0';
                c += len;
                if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
                        close(fd);
                        return oih_err(err, "rules directory %s must not contain \".\" or \"..\"", dir);
                }
                snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%s", path[1] ? "/" : "", name);
                int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int e = errno;
                close(fd);
                if (next < 0 && e == ENOENT)
                        return -ENOENT;
                if (next < 0 && (e == ELOOP || e == ENOTDIR)) {
                        bool link = fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
                        return oih_err(err, "%s is %s", path,
                                       link ? "a symbolic link; give the real path of the rules directory"
                                            : "not a directory");
                }
                if (next < 0)
                        return oih_err_errno(err, e, "cannot open %s", path);
                fd = next;
        }
}

int oih_rules_dir_open(const char *dir, struct oih_error *err)
{
        struct owners o;
        owners_init(&o);
        return walk_dir(dir, &o, err);
}

static int open_in_dir(const char *dir, const char *file, char **ret_path, struct oih_error *err)
{
        char *path;
        struct stat st = { 0 }; /* the message reads it also when fstat failed */
        struct owners o;
        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return oih_err_errno(err, ENOMEM, "policy");
        owners_init(&o);
        struct oih_error werr;
        oih_error_init(&werr);
        int dfd = walk_dir(dir, &o, &werr);
        if (dfd < 0) {
                free(path);
                /* A rules directory that does not exist holds no policy: try the next one. */
                return dfd == -ENOENT ? -ENOENT : oih_err(err, "refusing policy %s/%s: %s", dir, file, oih_error_first(&werr));
        }
        int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        int e = errno;
        close(dfd);
        if (fd < 0 && e == ENOENT) {
                free(path);
                return -ENOENT;
        }
        if (fd < 0) {
                if (e == ELOOP)
                        oih_err(err, "%s is a symbolic link; refusing it", path);
                else
                        oih_err_errno(err, e, "cannot open %s", path);
                free(path);
                return -1;
        }
        char buf[256];
        const char *why = NULL;
        if (fstat(fd, &st) < 0)
                why = "not examinable";
        else if (!S_ISREG(st.st_mode))
                why = "not a regular file";
        else
                why = untrusted(&st, &o, buf, sizeof(buf));
        if (why != NULL) {
                close(fd);
                oih_err(err, "refusing policy %s: %s%s", path, S_ISREG(st.st_mode) ? "it is " : "", why);
                free(path);
                return -1;
        }
        *ret_path = path;
        return fd;
}

int oih_policy_open(const char *const *dirs, size_t ndirs, const char *name, char **ret_path,
                    struct oih_error *err)
{
        char file[OIH_POLICY_NAME_MAX + sizeof(".json")];
        if (oih_policy_name_check(name, err) < 0)
                return -1;
        snprintf(file, sizeof(file), "%s.json", name);
        for (size_t i = 0; i < ndirs; i++) {
                int fd = open_in_dir(dirs[i], file, ret_path, err);
                if (fd >= 0 || fd == -1)
                        return fd;
        }
        char where[256] = "";
        for (size_t i = 0, used = 0; i < ndirs && used < sizeof(where); i++) {
                int n = snprintf(where + used, sizeof(where) - used, "%s%s", i ? ", " : "", dirs[i]);
                used += n > 0 ? (size_t)n : 0;
        }
        /* A name is what the annotation says, never a file name: say so to whoever wrote one. */
        size_t len = strlen(name);
        if (len > 5 && strcmp(name + len - 5, ".json") == 0)
                return oih_err(err, "no policy named \"%s\" (no %s in %s); did you mean \"%.*s\"?", name,
                               file, where, (int)(len - 5), name);
        return oih_err(err, "policy \"%s\" not found: no %s in %s", name, file, where);
}

int oih_policy_load_named(const char *const *dirs, size_t ndirs, const char *name, struct oih_policy **ret,
                          char **ret_path, struct oih_error *err)
{
        *ret = NULL;
        *ret_path = NULL;
        int fd = oih_policy_open(dirs, ndirs, name, ret_path, err);
        if (fd < 0)
                return -1;
        int r = oih_policy_load_fd(fd, *ret_path, ret, err);
        close(fd);
        return r;
}
