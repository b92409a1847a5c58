#include "config.h"

#include "hook.h"
#include "oih.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int parse_json(const char *buf, size_t len, const char *what, json_object **ret,
                      struct oih_error *err)
{
        if (len > (size_t)INT32_MAX)
                return oih_err(err, "%s is too large", what);
        json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
        if (tok == NULL)
                return oih_err_errno(err, ENOMEM, "cannot parse %s", what);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        json_object *obj = json_tokener_parse_ex(tok, buf, (int)len);
        enum json_tokener_error jerr = json_tokener_get_error(tok);
        size_t off = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (obj == NULL && jerr == json_tokener_continue)
                return oih_err(err, "%s: unexpected end of input", what);
        if (obj == NULL)
                return oih_err(err, "%s: invalid JSON at byte %zu: %s", what, off,
                               json_tokener_error_desc(jerr));
        for (; off < len; off++) {
                /* not strchr(): it would take a NUL byte for whitespace */
                if (buf[off] != ' ' && buf[off] != '\t' && buf[off] != '\r' && buf[off] != '\n') {
                        json_object_put(obj);
                        return oih_err(err, "%s: trailing data at byte %zu", what, off);
                }
        }
        if (!json_object_is_type(obj, json_type_object)) {
                json_object_put(obj);
                return oih_err(err, "%s: not a JSON object", what);
        }
        *ret = obj;
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

/* JSON allows "\u0000" in a string; C strings would silently end there ("deny\u0000x" would
 * name the policy "deny"). */
static bool has_nul(json_object *v)
{
        return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
}

int oih_state_parse(const char *buf, size_t len, struct oih_state *ret, struct oih_error *err)
{
        json_object *root, *v, *ann;
        struct oih_state s = { .pid = -1 };
        if (parse_json(buf, len, "state", &root, err) < 0)
                return -1;

        if (!json_object_object_get_ex(root, "id", &v) || !json_object_is_type(v, json_type_string)
            || !printable_id(json_object_get_string(v)) || has_nul(v)) {
                oih_err(err, "state: \"id\" is missing or not a printable string");
                goto fail;
        }
        s.id = strdup(json_object_get_string(v));

        if (!json_object_object_get_ex(root, "bundle", &v)
            || !json_object_is_type(v, json_type_string)
            || json_object_get_string(v)[0] != '/' || has_nul(v)) {
                oih_err(err, "state: \"bundle\" is missing or not an absolute path");
                goto fail;
        }
        s.bundle = strdup(json_object_get_string(v));

        if (json_object_object_get_ex(root, "pid", &v)) {
                if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0
                    || json_object_get_int64(v) > INT32_MAX) {
                        oih_err(err, "state: \"pid\" is not a process id");
                        goto fail;
                }
                s.pid = (long)json_object_get_int64(v);
        }

        if (json_object_object_get_ex(root, "annotations", &ann)) {
                if (!json_object_is_type(ann, json_type_object)) {
                        oih_err(err, "state: \"annotations\" is not an object");
                        goto fail;
                }
                if (json_object_object_get_ex(ann, OIH_ANNOTATION, &v)) {
                        if (!json_object_is_type(v, json_type_string)) {
                                oih_err(err, "state: annotation %s is not a string", OIH_ANNOTATION);
                                goto fail;
                        }
                        if (has_nul(v)) {
                                oih_err(err, "state: annotation %s contains a NUL byte", OIH_ANNOTATION);
                                goto fail;
                        }
                        s.policy = strdup(json_object_get_string(v));
                        if (s.policy == NULL)
                                goto nomem;
                }
        }
        if (s.id == NULL || s.bundle == NULL)
                goto nomem;
        json_object_put(root);
        *ret = s;
        return 0;
nomem:
        oih_err_errno(err, ENOMEM, "state");
fail:
        json_object_put(root);
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

static const char *const cap_sets[] = {
        "bounding", "effective", "inheritable", "permitted", "ambient",
};

int oih_config_parse(const char *buf, size_t len, struct oih_netcfg *ret, struct oih_error *err)
{
        json_object *root, *lnx, *nss, *proc, *caps, *v;
        struct oih_netcfg c = { 0 };
        if (parse_json(buf, len, "config.json", &root, err) < 0)
                return -1;

        /* No "linux" or no "namespaces": the container shares all of the host's. */
        if (json_object_object_get_ex(root, "linux", &lnx)
            && json_object_object_get_ex(lnx, "namespaces", &nss)) {
                if (!json_object_is_type(nss, json_type_array)) {
                        oih_err(err, "config.json: linux.namespaces is not an array");
                        goto fail;
                }
                for (size_t i = 0; i < json_object_array_length(nss); i++) {
                        json_object *ns = json_object_array_get_idx(nss, i);
                        if (!json_object_object_get_ex(ns, "type", &v)
                            || !json_object_is_type(v, json_type_string)
                            || strcmp(json_object_get_string(v), "network") != 0)
                                continue;
                        if (c.netns) {
                                oih_err(err, "config.json: two network namespaces");
                                goto fail;
                        }
                        c.netns = true;
                        if (json_object_object_get_ex(ns, "path", &v)) {
                                if (!json_object_is_type(v, json_type_string)) {
                                        oih_err(err, "config.json: network namespace path is not a string");
                                        goto fail;
                                }
                                /* An empty path means a new namespace (runtime-spec). */
                                if (json_object_get_string(v)[0] != '\0') {
                                        c.netns_path = strdup(json_object_get_string(v));
                                        if (c.netns_path == NULL) {
                                                oih_err_errno(err, ENOMEM, "config.json");
                                                goto fail;
                                        }
                                }
                        }
                }
        }

        if (json_object_object_get_ex(root, "process", &proc)
            && json_object_object_get_ex(proc, "capabilities", &caps)) {
                for (size_t s = 0; s < sizeof(cap_sets) / sizeof(cap_sets[0]) && !c.net_admin; s++) {
                        json_object *set;
                        if (!json_object_object_get_ex(caps, cap_sets[s], &set))
                                continue;
                        if (!json_object_is_type(set, json_type_array)) {
                                oih_err(err, "config.json: process.capabilities.%s is not an array",
                                        cap_sets[s]);
                                goto fail;
                        }
                        for (size_t i = 0; i < json_object_array_length(set); i++) {
                                v = json_object_array_get_idx(set, i);
                                if (json_object_is_type(v, json_type_string)
                                    && strcmp(json_object_get_string(v), "CAP_NET_ADMIN") == 0) {
                                        c.net_admin = cap_sets[s];
                                        break;
                                }
                        }
                }
        }
        json_object_put(root);
        *ret = c;
        return 0;
fail:
        json_object_put(root);
        oih_netcfg_clear(&c);
        return -1;
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

int oih_netcfg_check(const struct oih_netcfg *c, struct oih_error *err)
{
        if (!c->netns)
                return oih_err(err, "the container shares the host's network namespace "
                                    "(--network host); refusing to firewall the host");
        if (c->net_admin)
                return oih_err(err, "the container keeps CAP_NET_ADMIN (%s set; --cap-add NET_ADMIN "
                                    "or --privileged) and could rewrite its rules",
                               c->net_admin);
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
        struct stat st;
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
        return oih_err(err, "policy \"%s\" not found: no %s in %s", name, file, where);
}
