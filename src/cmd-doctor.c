/* doctor: is this machine set up so that the hook really runs and really holds? One line per
 * check, OK or FAIL with the fix; the exit status says whether anything would let a container
 * start unfiltered or make the hook fail. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "hook.h"
#include "oih.h"

#ifndef HOOKSDIR
#define HOOKSDIR "/usr/share/containers/oci/hooks.d"
#endif

static int failures;

static void report(bool ok, const char *what, const char *detail, const char *fix)
{
        printf("%-4s %s: %s%s%s\n", ok ? "OK" : "FAIL", what, detail, ok || !fix ? "" : " -- fix: ", ok || !fix ? "" : fix);
        if (!ok)
                failures++;
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
                int r = unshare(CLONE_NEWNET) < 0 ? oih_err_errno(&err, errno, "cannot create a network namespace")
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

/* One hooks.d file: is it ours, and would podman run it? */
static bool check_hook_file(const char *path, struct rulesdirs *rd)
{
        json_object *root = json_object_from_file(path);
        json_object *hook, *hpath, *args, *stages, *when, *version;
        if (root == NULL)
                return false;
        if (!json_object_object_get_ex(root, "hook", &hook) || !json_object_object_get_ex(hook, "path", &hpath) ||
            !json_object_is_type(hpath, json_type_string)) {
                json_object_put(root);
                return false;
        }
        const char *bin = json_object_get_string(hpath);
        const char *base = strrchr(bin, '/');
        if (strcmp(base ? base + 1 : bin, "oci-iptables-hook") != 0) {
                json_object_put(root);
                return false;
        }
        char what[4200], detail[4200];
        snprintf(what, sizeof(what), "hooks.d file %s", path);
        bool ok = true;
        const char *problem = NULL, *fix = NULL;
        if (!json_object_object_get_ex(root, "version", &version) || strcmp(json_object_get_string(version), "1.0.0") != 0) {
                problem = "\"version\" is not \"1.0.0\"";
                fix = "podman ignores it; reinstall the hooks.d file";
        } else if (bin[0] != '/' || access(bin, X_OK) != 0) {
                snprintf(detail, sizeof(detail), "hook.path %s is not an executable file: podman silently skips this hook and containers start unfiltered", bin);
                problem = detail;
                fix = "install the binary there (make install) or correct hook.path";
        } else if (!json_object_object_get_ex(root, "stages", &stages) || !json_object_is_type(stages, json_type_array) ||
                   !strstr(json_object_to_json_string(stages), "\"createContainer\"")) {
                problem = "\"stages\" does not name createContainer";
                fix = "use \"stages\": [\"createContainer\"]: prestart and createRuntime run in the host's namespaces";
        } else if (!json_object_object_get_ex(root, "when", &when)) {
                problem = "no \"when\": podman never runs it";
                fix = "add \"when\": {\"annotations\": {\"^oci-iptables-hook\\\\.policy$\": \".+\"}}";
        }
        if (problem) {
                report(false, what, problem, fix);
                ok = false;
        } else {
                snprintf(detail, sizeof(detail), "runs %s", bin);
                report(true, what, detail, NULL);
        }
        if (json_object_object_get_ex(hook, "args", &args) && json_object_is_type(args, json_type_array)) {
                size_t n = json_object_array_length(args);
                for (size_t i = 0; i + 1 < n; i++)
                        if (strcmp(json_object_get_string(json_object_array_get_idx(args, i)), "--rules-dir") == 0)
                                add_rulesdir(rd, json_object_get_string(json_object_array_get_idx(args, i + 1)));
        }
        json_object_put(root);
        (void)ok;
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
                report(false, "hooks.d", "no file there runs oci-iptables-hook", "make install, or scripts/install-rootless.sh and podman --hooks-dir");
        else
                printf("     (looked in %s)\n", where);
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
                report(false, what, "missing", "create it with the policies the annotations name (make install puts the shipped ones there)");
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
                int fd = oih_policy_open(dirs, 1, name, &path, &err);
                if (fd >= 0) {
                        oih_policy_load_fd(fd, path, &p, &err);
                        close(fd);
                }
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

int cmd_doctor(int argc, char **argv)
{
        static const struct option opts[] = {
                { "hooks-dir", required_argument, NULL, 'd' }, { "rules-dir", required_argument, NULL, 'r' },
                { "no-podman", no_argument, NULL, 'n' }, { NULL, 0, NULL, 0 },
        };
        char *hooksdirs[16];
        size_t nhooks = 0;
        struct rulesdirs rd = { .n = 0 };
        bool podman = true;
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        if (nhooks < 16)
                                hooksdirs[nhooks++] = optarg;
                        break;
                case 'r': add_rulesdir(&rd, optarg); break;
                case 'n': podman = false; break;
                default:
                        fprintf(stderr, "oci-iptables-hook: doctor: bad option\n");
                        return EXIT_USAGE;
                }
        }
        bool default_dirs = nhooks == 0;
        if (default_dirs) {
                /* where podman and CRI-O look unless their configuration says otherwise */
                hooksdirs[nhooks++] = "/usr/share/containers/oci/hooks.d";
                hooksdirs[nhooks++] = "/etc/containers/oci/hooks.d";
        }
        failures = 0;
        check_kernel(OIH_IPV4);
        check_kernel(OIH_IPV6);
        check_hooks_dirs(hooksdirs, nhooks, &rd);
        if (default_dirs && strcmp(HOOKSDIR, hooksdirs[0]) != 0 && strcmp(HOOKSDIR, hooksdirs[1]) != 0) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/oci-iptables-hook.json", HOOKSDIR);
                if (access(path, F_OK) == 0)
                        report(false, "hooks.d", "make install put the hook in " HOOKSDIR ", which podman does not read",
                               "configure --prefix=/usr (or --with-hooks-dir=/usr/share/containers/oci/hooks.d), or add it to hooks_dir in containers.conf");
        }
        if (rd.n == 0)
                add_rulesdir(&rd, SYSCONFDIR "/oci-iptables-hook/rules");
        for (size_t i = 0; i < rd.n; i++) {
                check_rules_dir(rd.v[i]);
                free(rd.v[i]);
        }
        if (podman)
                check_podman();
        printf("%s\n", failures ? "doctor: something above would stop the hook from running or holding" : "doctor: all good");
        return failures ? EXIT_FAIL : EXIT_OK;
}
