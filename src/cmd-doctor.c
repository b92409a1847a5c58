/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor: is this machine set up so that the hook really runs and really holds? One line per
 * check, OK or FAIL with the fix; the exit status says whether anything would let a container
 * start unfiltered or make the hook fail. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ctype.h>
#include <pwd.h>
#include <regex.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "hook.h"
#include "jsonr.h"
#include "oih.h"

#ifndef HOOKSDIR
#define HOOKSDIR "/usr/share/containers/oci/hooks.d"
#endif

static int failures;

static void report(bool ok, const char *what, const char *detail, const char *fix)
{
        oih_print_line(stdout, "%-4s %s: %s%s%s", ok ? "OK" : "FAIL", what, detail, ok || !fix ? "" : " -- fix: ", ok || !fix ? "" : fix);
        if (!ok)
                failures++;
}

/* Something that does not let a container start unfiltered, but that a user should know. */
static void warn(const char *what, const char *detail, const char *fix)
{
        oih_print_line(stdout, "WARN %s: %s%s%s", what, detail, fix ? " -- fix: " : "", fix ? fix : "");
}

/* Does FILE (/etc/subuid) give NAME or UID a range? */
static bool has_subid_range(const char *file, const char *name, uid_t uid)
{
        FILE *f = fopen(file, "re");
        if (f == NULL)
                return false;
        char line[512], id[32];
        bool found = false;
        snprintf(id, sizeof(id), "%u", (unsigned)uid);
        for (int i = 0; i < 100000 && !found && fgets(line, sizeof(line), f); i++) {
                size_t k = strcspn(line, ":");
                found = line[k] == ':' && ((name && strlen(name) == k && strncmp(line, name, k) == 0) ||
                                           (strlen(id) == k && strncmp(line, id, k) == 0));
        }
        fclose(f);
        return found;
}

/* Rootless podman: what it needs besides the hook, said before a kernel message could mislead. */
static void check_rootless(void)
{
        uid_t uid = geteuid();
        struct passwd *pw = getpwuid(uid);
        const char *name = pw ? pw->pw_name : NULL;
        char detail[512];
        snprintf(detail, sizeof(detail), "running as %s (uid %u): checking this user's rootless podman setup; "
                 "run as root (sudo) to check the system's", name ? name : "?", (unsigned)uid);
        oih_print_line(stdout, "     %s", detail);
        bool uidmap = has_subid_range("/etc/subuid", name, uid), gidmap = has_subid_range("/etc/subgid", name, uid);
        if (uidmap && gidmap)
                report(true, "user namespace", "/etc/subuid and /etc/subgid give this user ranges", NULL);
        else
                report(false, "user namespace", uidmap ? "/etc/subgid has no range for this user" : "/etc/subuid has no range for this user",
                       "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER (as root), then podman system migrate");
        if (access("/dev/net/tun", R_OK | W_OK) == 0) {
                report(true, "/dev/net/tun", "this user can open it (slirp4netns, rootless podman's default network)", NULL);
        } else {
                struct stat st;
                if (stat("/dev/net/tun", &st) == 0)
                        snprintf(detail, sizeof(detail), "mode %04o: this user cannot open it, so slirp4netns (rootless podman's "
                                 "default network) fails and containers do not start; --network none works", (unsigned)(st.st_mode & 07777));
                else
                        snprintf(detail, sizeof(detail), "missing: slirp4netns (rootless podman's default network) fails; --network none works");
                warn("/dev/net/tun", detail, "chmod 0666 /dev/net/tun as root (the usual mode; a udev rule keeps it)");
        }
}

/* In a child, in a new network namespace: can libiptc open the filter table? */
static void check_kernel(enum oih_family f)
{
        const char *what = f == OIH_IPV4 ? "legacy iptables (IPv4)" : "legacy iptables (IPv6)";
        int pipefd[2];
        if (pipe(pipefd) < 0) {
                report(false, what, strerror(errno), NULL);
                return;
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                close(pipefd[0]);
                struct oih_error err;
                oih_error_init(&err);
                /* Rootless, the hook runs in the container's user namespace: probe the same way. */
                int flags = CLONE_NEWNET | (geteuid() != 0 ? CLONE_NEWUSER : 0);
                int r = unshare(flags) < 0 ? oih_err_errno(&err, errno, "cannot create a %snetwork namespace",
                                                           flags & CLONE_NEWUSER ? "user and " : "")
                                           : oih_table_probe(f, &err);
                if (r < 0 && write(pipefd[1], oih_error_first(&err), strlen(oih_error_first(&err))) < 0)
                        _exit(2);
                _exit(r < 0 ? 1 : 0);
        }
        close(pipefd[1]);
        char msg[OIH_ERR_LEN] = "";
        ssize_t k = pid > 0 ? read(pipefd[0], msg, sizeof(msg) - 1) : -1;
        msg[k > 0 ? k : 0] = '\0';
        close(pipefd[0]);
        int status = 1;
        if (pid > 0)
                waitpid(pid, &status, 0);
        if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
                report(true, what, "the filter table can be used in a new network namespace", NULL);
        else
                report(false, what, msg[0] ? msg : "the probe failed",
                       "use a kernel with CONFIG_NETFILTER_XTABLES_LEGACY and ip_tables/ip6_tables; without it the hook refuses every container");
}

struct rulesdirs {
        char *v[16];
        size_t n;
};

static void add_rulesdir(struct rulesdirs *rd, const char *d)
{
        for (size_t i = 0; i < rd->n; i++)
                if (strcmp(rd->v[i], d) == 0)
                        return;
        if (rd->n < sizeof(rd->v) / sizeof(rd->v[0]))
                rd->v[rd->n++] = strdup(d);
}

#define DIR_FILE_MAX (1u << 20) /* a hooks.d file or a containers.conf is a few hundred bytes */

/* Reads PATH, found by name in a directory, without blocking: a FIFO (which would block podman
 * and us), a device or a directory named *.json is not read. Returns -ENOENT when PATH does not
 * exist, -1 with *WHY set when it cannot be read. */
static int read_dir_file(const char *path, char **ret_buf, size_t *ret_len, const char **why)
{
        static char msg[OIH_ERR_LEN];
        struct stat st;
        if (stat(path, &st) < 0 && errno == ENOENT)
                return -ENOENT;
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        *why = "not a regular file (a FIFO, a device or a directory): skipped; podman cannot read it "
               "either, and a FIFO blocks it";
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
                struct oih_error err;
                oih_error_init(&err);
                int r = oih_read_bounded(fd, DIR_FILE_MAX, path, ret_buf, ret_len, &err);
                close(fd);
                if (r == 0)
                        return 0;
                snprintf(msg, sizeof(msg), "%s", oih_error_first(&err));
                *why = msg;
                return -1;
        }
        if (fd < 0) {
                snprintf(msg, sizeof(msg), "cannot open it: %s", strerror(errno));
                *why = msg;
        } else {
                close(fd);
        }
        return -1;
}

static const struct jr_value *get_typed(const struct jr_value *o, const char *key, enum jr_type t)
{
        const struct jr_value *v = jr_get(o, key);
        return v != NULL && v->type == t ? v : NULL;
}

/* Would podman's "when" run the hook for an annotation whose value is empty? podman matches
 * values with Go's unanchored regexp; POSIX ERE agrees on the patterns seen in hooks.d files. */
static const char *when_misses_empty(const struct jr_value *root)
{
        static char msg[512];
        const struct jr_value *when = get_typed(root, "when", JR_OBJECT), *ann, *always;
        if (when == NULL)
                return NULL;
        if ((always = get_typed(when, "always", JR_BOOL)) != NULL && always->b)
                return NULL;
        if ((ann = get_typed(when, "annotations", JR_OBJECT)) == NULL)
                return NULL;
        for (uint32_t i = 0; i < ann->len; i++) {
                const struct jr_value *v = &ann->members[i].value;
                regex_t re;
                if (v->type != JR_STRING || regcomp(&re, v->s, REG_EXTENDED | REG_NOSUB) != 0)
                        continue;
                int miss = regexec(&re, "", 0, NULL, 0) != 0;
                regfree(&re);
                if (miss) {
                        snprintf(msg, sizeof(msg), "\"when\" matches the annotation's value with \"%.64s\", "
                                 "which an empty value does not match: podman then starts the container "
                                 "unfiltered (--annotation oci-iptables-hook.policy=)", v->s);
                        return msg;
                }
        }
        return NULL;
}

/* One hooks.d file: is it ours, and would podman run it? */
static bool check_hook_file(const char *path, struct rulesdirs *rd)
{
        char what[4200], detail[4200];
        char *buf;
        size_t len;
        const char *why;
        snprintf(what, sizeof(what), "hooks.d file %s", path);
        int r = read_dir_file(path, &buf, &len, &why);
        if (r == -ENOENT)
                return false;
        if (r < 0) {
                report(false, what, why, "remove it, or replace it with the hooks.d file");
                return false;
        }
        char jerr[160];
        size_t at;
        struct jr_doc *doc = jr_parse(buf, len, 32, &at, jerr, sizeof(jerr));
        if (doc == NULL) {
                /* someone else's broken file is not ours to judge */
                if (memmem(buf, len, "oci-iptables-hook", 17) != NULL) {
                        snprintf(detail, sizeof(detail), "not valid JSON at byte %zu: %s", at, jerr);
                        report(false, what, detail, "podman cannot read it; reinstall the hooks.d file");
                }
                free(buf);
                return false;
        }
        free(buf);
        const struct jr_value *root = jr_root(doc), *hook, *hpath, *args, *stages, *version;
        if ((hook = get_typed(root, "hook", JR_OBJECT)) == NULL ||
            (hpath = get_typed(hook, "path", JR_STRING)) == NULL) {
                jr_free(doc);
                return false;
        }
        const char *bin = hpath->s;
        const char *base = strrchr(bin, '/');
        if (strcmp(base ? base + 1 : bin, "oci-iptables-hook") != 0) {
                jr_free(doc);
                return false;
        }
        const char *problem = NULL, *fix = NULL;
        bool create_container = false;
        if ((stages = get_typed(root, "stages", JR_ARRAY)) != NULL)
                for (uint32_t i = 0; i < stages->len; i++)
                        create_container |= stages->items[i].type == JR_STRING &&
                                            strcmp(stages->items[i].s, "createContainer") == 0;
        if ((version = get_typed(root, "version", JR_STRING)) == NULL || strcmp(version->s, "1.0.0") != 0) {
                problem = "\"version\" is not \"1.0.0\"";
                fix = "podman ignores it; reinstall the hooks.d file";
        } else if (bin[0] != '/' || access(bin, X_OK) != 0) {
                snprintf(detail, sizeof(detail), "hook.path %s is not an executable file: podman silently skips this hook and containers start unfiltered", bin);
                problem = detail;
                fix = "install the binary there (make install) or correct hook.path";
        } else if (!create_container) {
                problem = "\"stages\" does not name createContainer";
                fix = "use \"stages\": [\"createContainer\"]: prestart and createRuntime run in the host's namespaces";
        } else if (jr_get(root, "when") == NULL) {
                problem = "no \"when\": podman never runs it";
                fix = "add \"when\": {\"annotations\": {\"^oci-iptables-hook\\\\.policy$\": \".*\"}}";
        } else if ((problem = when_misses_empty(root)) != NULL) {
                fix = "match the value with \".*\", as hooks/oci-iptables-hook.json.in does";
        }
        if (problem) {
                report(false, what, problem, fix);
        } else {
                snprintf(detail, sizeof(detail), "runs %s", bin);
                report(true, what, detail, NULL);
        }
        if ((args = get_typed(hook, "args", JR_ARRAY)) != NULL)
                for (uint32_t i = 0; i + 1 < args->len; i++)
                        if (args->items[i].type == JR_STRING && args->items[i + 1].type == JR_STRING &&
                            strcmp(args->items[i].s, "--rules-dir") == 0)
                                add_rulesdir(rd, args->items[i + 1].s);
        jr_free(doc);
        return true;
}

static void check_hooks_dirs(char **dirs, size_t ndirs, struct rulesdirs *rd)
{
        unsigned found = 0;
        char where[1024] = "";
        for (size_t i = 0; i < ndirs; i++) {
                snprintf(where + strlen(where), sizeof(where) - strlen(where), "%s%s", i ? ", " : "", dirs[i]);
                DIR *d = opendir(dirs[i]);
                if (d == NULL)
                        continue;
                struct dirent *de;
                while ((de = readdir(d)) != NULL) {
                        size_t len = strlen(de->d_name);
                        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                                continue;
                        char path[4096];
                        snprintf(path, sizeof(path), "%s/%s", dirs[i], de->d_name);
                        found += check_hook_file(path, rd);
                }
                closedir(d);
        }
        if (found == 0)
                report(false, "hooks.d", "no file there runs oci-iptables-hook",
                       geteuid() != 0 ? "scripts/install-rootless.sh, then podman --hooks-dir ~/.config/oci-iptables-hook/hooks.d"
                                      : "make install, or scripts/install-rootless.sh and podman --hooks-dir");
        else
                oih_print_line(stdout, "     (looked in %s)", where);
}

static void check_rules_dir(const char *dir)
{
        char what[512];
        snprintf(what, sizeof(what), "rules directory %s", dir);
        /* the hook's own rule: the directory and every one above it */
        struct oih_error derr;
        oih_error_init(&derr);
        int dfd = oih_rules_dir_open(dir, &derr);
        if (dfd == -ENOENT) {
                report(false, what, "missing",
                       geteuid() != 0 ? "scripts/install-rootless.sh creates it with the shipped policies"
                                      : "create it with the policies the annotations name (make install puts the shipped ones there)");
                return;
        }
        if (dfd < 0) {
                report(false, what, oih_error_first(&derr),
                       "the hook refuses every policy in it until every directory up to / is root's and not writable by group or others");
                return;
        }
        DIR *d = fdopendir(dfd);
        if (d == NULL) {
                report(false, what, strerror(errno), NULL);
                close(dfd);
                return;
        }
        unsigned good = 0, bad = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                size_t len = strlen(de->d_name);
                if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
                        continue;
                char name[256];
                snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
                struct oih_error err;
                oih_error_init(&err);
                const char *dirs[] = { dir };
                char *path = NULL;
                struct oih_policy *p = NULL;
                oih_policy_load_named(dirs, 1, name, &p, &path, &err);
                char pwhat[600];
                snprintf(pwhat, sizeof(pwhat), "policy %s/%s", dir, de->d_name);
                if (p == NULL) {
                        report(false, pwhat, oih_error_first(&err), "correct it: containers naming it will not start");
                        bad++;
                } else {
                        good++;
                }
                oih_policy_free(p);
                free(path);
        }
        closedir(d);
        char detail[128];
        snprintf(detail, sizeof(detail), "%u policies pass check%s", good, bad ? "" : ", none writable by others");
        if (bad == 0)
                report(true, what, detail, NULL);
}

static void check_podman(void)
{
        char *const argv[] = { "podman", "info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}", NULL };
        char buf[512];
        int status = run_capture(argv, buf, sizeof(buf));
        buf[strcspn(buf, "\n")] = '\0';
        if (status == 0 && buf[0]) {
                char detail[600];
                snprintf(detail, sizeof(detail), "runtime %s", buf);
                report(true, "podman", detail, NULL);
        } else {
                report(false, "podman", status == 127 ? "not installed" : "podman info failed",
                       "install podman with runc or crun");
        }
}

/* podman 4.3's compiled-in default_capabilities (containers/common), used when no
 * containers.conf sets them. */
static const char *const podman43_caps[] = {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
        "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

#define MAX_CAPS 64

struct caplist {
        char v[MAX_CAPS][32];
        size_t n;
};

/* default_capabilities of the [containers] table of a containers.conf, if it sets them. As much
 * TOML as that needs: tables, comments, an array of strings over one or more lines. */
static bool toml_default_caps(const char *text, struct caplist *ret)
{
        bool in_containers = false;
        for (const char *line = text; line != NULL && *line != '\0';) {
                const char *eol = strchr(line, '\n'), *p = line + strspn(line, " \t");
                const char *next = eol ? eol + 1 : NULL;
                if (*p == '[') {
                        const char *q = p + 1 + strspn(p + 1, " \t");
                        in_containers = strncmp(q, "containers", 10) == 0 &&
                                        q[10 + strspn(q + 10, " \t")] == ']';
                } else if (in_containers && strncmp(p, "default_capabilities", 20) == 0 &&
                           p[20 + strspn(p + 20, " \t")] == '=') {
                        p = strchr(p, '=') + 1;
                        p += strspn(p, " \t");
                        if (*p != '[')
                                return false;
                        ret->n = 0;
                        for (p++; *p != '\0' && *p != ']';) {
                                if (*p == '#') {
                                        p += strcspn(p, "\n");
                                } else if (*p == '"' || *p == '\'') {
                                        const char *end = strchr(p + 1, *p);
                                        if (end == NULL)
                                                return false;
                                        size_t n = (size_t)(end - p - 1);
                                        const char *name = p + 1;
                                        if (n > 4 && strncasecmp(name, "CAP_", 4) == 0)
                                                name += 4, n -= 4;
                                        if (ret->n < MAX_CAPS && n < sizeof(ret->v[0])) {
                                                for (size_t i = 0; i < n; i++)
                                                        ret->v[ret->n][i] = (char)toupper((unsigned char)name[i]);
                                                ret->v[ret->n++][n] = '\0';
                                        }
                                        p = end + 1;
                                } else {
                                        p++;
                                }
                        }
                        return *p == ']';
                }
                line = next;
        }
        return false;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define MAX_CONFS 64
#define CONF_PATH_MAX 4096

struct conflist {
        char v[MAX_CONFS][CONF_PATH_MAX];
        size_t n;
};

static void add_conf(struct conflist *c, const char *dir, const char *name)
{
        if (c->n < MAX_CONFS)
                snprintf(c->v[c->n++], CONF_PATH_MAX, "%s%s%s", dir, name ? "/" : "", name ? name : "");
}

/* DIR/ *.conf in alphanumeric order, as podman reads a containers.conf.d. */
static void add_conf_dir(struct conflist *c, const char *dir)
{
        DIR *d = opendir(dir);
        if (d == NULL)
                return;
        char *names[MAX_CONFS];
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL && n < MAX_CONFS) {
                size_t len = strlen(de->d_name);
                if (len > 5 && strcmp(de->d_name + len - 5, ".conf") == 0 && (names[n] = strdup(de->d_name)))
                        n++;
        }
        closedir(d);
        qsort(names, n, sizeof(names[0]), cmp_str);
        for (size_t i = 0; i < n; i++) {
                add_conf(c, dir, names[i]);
                free(names[i]);
        }
}

/* The containers.conf files podman reads, in order (containers.conf(5)); a later one's
 * setting replaces an earlier one's. */
static void containers_confs(struct conflist *c)
{
        const char *env = getenv("CONTAINERS_CONF");
        c->n = 0;
        if (env != NULL && env[0] != '\0') {
                add_conf(c, env, NULL);
                return;
        }
        add_conf(c, "/usr/share/containers/containers.conf", NULL);
        add_conf(c, "/etc/containers/containers.conf", NULL);
        add_conf_dir(c, "/etc/containers/containers.conf.d");
        if (geteuid() != 0) {
                char user[CONF_PATH_MAX - 64];
                user_config_path(user, sizeof(user), "containers/containers.conf");
                add_conf(c, user, NULL);
                char userd[CONF_PATH_MAX];
                snprintf(userd, sizeof(userd), "%s.d", user);
                add_conf_dir(c, userd);
        }
}

/* The capabilities podman gives a container unless told otherwise: does the hook accept them? */
static void check_podman_caps(void)
{
        static struct conflist confs;
        struct caplist caps = { .n = 0 };
        const char *from = NULL;
        containers_confs(&confs);
        for (size_t i = 0; i < confs.n; i++) {
                char *buf;
                size_t len;
                const char *why;
                int r = read_dir_file(confs.v[i], &buf, &len, &why);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        char what[CONF_PATH_MAX + 32];
                        snprintf(what, sizeof(what), "containers.conf %s", confs.v[i]);
                        report(false, what, why, "remove it, or make it a regular file");
                        continue;
                }
                if (memchr(buf, '\0', len) == NULL && toml_default_caps(buf, &caps))
                        from = confs.v[i];
                free(buf);
        }
        if (from == NULL) {
                caps.n = 0;
                for (size_t i = 0; i < sizeof(podman43_caps) / sizeof(podman43_caps[0]); i++)
                        snprintf(caps.v[caps.n++], sizeof(caps.v[0]), "%s", podman43_caps[i]);
        }
        char detail[CONF_PATH_MAX + 2048];
        size_t used = 0;
        for (size_t i = 0; i < caps.n; i++)
                used += (size_t)snprintf(detail + used, sizeof(detail) - used, "%s%s", i ? ", " : "", caps.v[i]);
        if (from != NULL)
                snprintf(detail + used, sizeof(detail) - used, "%s(default_capabilities in %s)",
                         caps.n ? " " : "none ", from);
        else
                snprintf(detail + used, sizeof(detail) - used,
                         " (podman 4.3's compiled-in list: no containers.conf sets default_capabilities)");

        /* what the hook says of a default container (a PID namespace of its own) */
        struct oih_netcfg cfg = { .netns = true };
        for (size_t i = 0; i < caps.n; i++) {
                int k = oih_cap_lookup(caps.v[i]);
                if (k >= 0)
                        cfg.caps[OIH_SET_BOUNDING] |= OIH_CAPBIT(k);
        }
        struct oih_error err;
        oih_error_init(&err);
        if (oih_netcfg_check(&cfg, 0, &err) == 0) {
                report(true, "podman default capabilities", detail, NULL);
                return;
        }
        char msg[sizeof(detail) + OIH_ERR_LEN + 128], fix[CONF_PATH_MAX + 256];
        snprintf(msg, sizeof(msg), "%s: a container started with these is refused unless its policy lists "
                 "them in allow_capabilities: %s", detail, oih_error_first(&err));
        const char *conf = getenv("CONTAINERS_CONF");
        snprintf(fix, sizeof(fix), "set default_capabilities in the [containers] table of %s without them, as "
                 "Debian's /usr/share/containers/containers.conf does",
                 conf && conf[0] ? conf : geteuid() == 0 ? "/etc/containers/containers.conf"
                                                         : "~/.config/containers/containers.conf");
        report(false, "podman default capabilities", msg, fix);
}

int cmd_doctor(int argc, char **argv)
{
        static const struct option opts[] = {
                { "hooks-dir", required_argument, NULL, 'd' }, { "rules-dir", required_argument, NULL, 'r' },
                { "no-podman", no_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
        };
        static const char usage[] =
                "Usage: oci-iptables-hook doctor [--hooks-dir DIR]... [--rules-dir DIR]... [--no-podman]\n"
                "Checks that the hook will run and hold here, one line per check (OK, WARN or FAIL with\n"
                "the fix): legacy iptables in the kernel, the hooks.d files and the binary they name, the\n"
                "rules directories and every policy in them, podman's runtime and default capabilities.\n"
                "Run as a user other than root, it checks that user's rootless setup: the user namespace,\n"
                "/dev/net/tun, and ~/.config/oci-iptables-hook/{hooks.d,rules} (scripts/install-rootless.sh).\n"
                "  --hooks-dir DIR     where podman reads hooks.d files; repeatable (default: podman's\n"
                "                      " "/usr/share/containers/oci/hooks.d and /etc/containers/oci/hooks.d,\n"
                "                      and ~/.config/oci-iptables-hook/hooks.d for users other than root)\n"
                "  --rules-dir DIR     a rules directory to check; repeatable (default: those the hooks.d\n"
                "                      files name, else the system's or the user's)\n"
                "  --no-podman         do not ask podman\n"
                "  -h, --help          show this help\n"
                "Exit status: 0 all good (warnings allowed); 1 something would stop the hook from\n"
                "running or holding; 2 wrong usage.\n";
        char *hooksdirs[16];
        size_t nhooks = 0;
        struct rulesdirs rd = { .n = 0 };
        bool podman = true;
        int c;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        if (nhooks < 16)
                                hooksdirs[nhooks++] = optarg;
                        break;
                case 'r': add_rulesdir(&rd, optarg); break;
                case 'n': podman = false; break;
                case 'h': fputs(usage, stdout); return EXIT_OK;
                default: return cmd_usage_error("doctor", "unknown option or missing argument '%s'", argv[optind - 1]);
                }
        }
        bool default_dirs = nhooks == 0, rootless = geteuid() != 0;
        static char user_hooks[4096], user_rules[4096];
        /* as scripts/install-rootless.sh sets them up */
        user_config_path(user_hooks, sizeof(user_hooks), "oci-iptables-hook/hooks.d");
        user_config_path(user_rules, sizeof(user_rules), "oci-iptables-hook/rules");
        if (default_dirs && rootless)
                hooksdirs[nhooks++] = user_hooks;
        if (default_dirs) {
                /* where podman and CRI-O look unless their configuration says otherwise */
                hooksdirs[nhooks++] = "/usr/share/containers/oci/hooks.d";
                hooksdirs[nhooks++] = "/etc/containers/oci/hooks.d";
        }
        failures = 0;
        if (rootless)
                check_rootless();
        check_kernel(OIH_IPV4);
        check_kernel(OIH_IPV6);
        check_hooks_dirs(hooksdirs, nhooks, &rd);
        if (default_dirs && rootless) {
                char path[4200];
                snprintf(path, sizeof(path), "%s/oci-iptables-hook.json", user_hooks);
                if (access(path, F_OK) == 0)
                        oih_print_line(stdout, "     rootless podman reads %s only when told: podman --hooks-dir %s, or hooks_dir "
                                       "in ~/.config/containers/containers.conf (which replaces the system's)", user_hooks, user_hooks);
        }
        if (default_dirs && strcmp(HOOKSDIR, hooksdirs[nhooks - 2]) != 0 && strcmp(HOOKSDIR, hooksdirs[nhooks - 1]) != 0) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/oci-iptables-hook.json", HOOKSDIR);
                if (access(path, F_OK) == 0)
                        report(false, "hooks.d", "make install put the hook in " HOOKSDIR ", which podman does not read",
                               "configure --prefix=/usr (or --with-hooks-dir=/usr/share/containers/oci/hooks.d), or add it to hooks_dir in containers.conf");
        }
        if (rd.n == 0)
                add_rulesdir(&rd, rootless ? user_rules : OIH_SYSTEM_RULES_DIR);
        for (size_t i = 0; i < rd.n; i++) {
                check_rules_dir(rd.v[i]);
                free(rd.v[i]);
        }
        if (podman) {
                check_podman();
                check_podman_caps();
        }
        printf("%s\n", failures ? "doctor: something above would stop the hook from running or holding" : "doctor: all good");
        return failures ? EXIT_FAIL : EXIT_OK;
}
