/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hook mode without a container: the state, config.json guards, policy names and files. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cksuite.h"
#include "hook.h"

#define NSETS 5

static struct oih_error err;

static void setup(void)
{
        oih_error_init(&err);
}

#define ck_assert_err_has(needle) \
        ck_assert_msg(strstr(oih_error_first(&err), (needle)) != NULL, "error \"%s\" lacks \"%s\"", \
                      oih_error_first(&err), (needle))

static int parse_state(const char *json, struct oih_state *st)
{
        return oih_state_parse(json, strlen(json), st, &err);
}

START_TEST(state_with_annotation)
{
        struct oih_state st;
        ck_assert_int_eq(parse_state("{\"ociVersion\":\"1.0.2\",\"id\":\"abc123\",\"status\":\"creating\","
                                     "\"pid\":1,\"bundle\":\"/run/b\",\"annotations\":"
                                     "{\"x\":\"y\",\"oci-iptables-hook.policy\":\"web-egress\"}}\n",
                                     &st),
                         0);
        ck_assert_str_eq(st.id, "abc123");
        ck_assert_str_eq(st.bundle, "/run/b");
        ck_assert_int_eq(st.pid, 1);
        ck_assert_str_eq(st.policy, "web-egress");
        oih_state_clear(&st);
}
END_TEST

START_TEST(state_without_annotation_or_pid)
{
        struct oih_state st;
        ck_assert_int_eq(parse_state("{\"id\":\"c\",\"bundle\":\"/b\"}", &st), 0);
        ck_assert_ptr_null(st.policy);
        ck_assert_int_eq(st.pid, -1);
        oih_state_clear(&st);
}
END_TEST

static const struct {
        const char *json, *error;
} bad_states[] = {
        { "", "unexpected end" },
        { "{\"id\":\"c\",", "unexpected end" },
        { "[1]", "not a JSON object" },
        { "{\"id\":\"c\",\"bundle\":\"/b\"} x", "at byte 25" },
        { "{\"bundle\":\"/b\"}", "\"id\"" },
        { "{\"id\":\"a b\",\"bundle\":\"/b\"}", "\"id\"" },
        { "{\"id\":\"c\",\"bundle\":\"b\"}", "absolute" },
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"pid\":\"1\"}", "\"pid\"" },
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":[]}", "annotations" },
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{\"oci-iptables-hook.policy\":1}}",
          "not a string" },
};

START_TEST(state_refused)
{
        struct oih_state st = { .id = (char *)"untouched" };
        ck_assert_int_lt(parse_state(bad_states[_i].json, &st), 0);
        ck_assert_err_has(bad_states[_i].error);
        ck_assert_str_eq(st.id, "untouched");
}
END_TEST

START_TEST(state_size_bounded)
{
        /* A pipe that holds more than the limit: the read stops with an error, not memory. */
        size_t big = OIH_STATE_MAX + 10;
        char *buf = calloc(1, big);
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        if (pid == 0) {
                close(fds[0]);
                memset(buf, ' ', big);
                ssize_t n = write(fds[1], buf, big);
                _exit(n == (ssize_t)big ? 0 : 1);
        }
        close(fds[1]);
        struct oih_state st;
        ck_assert_int_lt(oih_state_read(fds[0], &st, &err), 0);
        ck_assert_err_has("larger than");
        close(fds[0]);
        free(buf);
}
END_TEST

static int parse_config(const char *json, struct oih_netcfg *c)
{
        return oih_config_parse(json, strlen(json), c, &err);
}

START_TEST(config_own_netns)
{
        struct oih_netcfg c;
        ck_assert_int_eq(parse_config("{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\","
                                      "\"CAP_NET_BIND_SERVICE\"]}},\"linux\":{\"namespaces\":"
                                      "[{\"type\":\"pid\"},{\"type\":\"network\"}]}}", &c),
                         0);
        ck_assert(c.netns);
        ck_assert_ptr_null(c.netns_path);
        ck_assert(!c.pidns_shared);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
}
END_TEST

/* Pods and `--network container:` join a namespace by path: that is allowed (re-applied). */
START_TEST(config_joined_netns)
{
        struct oih_netcfg c;
        ck_assert_int_eq(parse_config("{\"linux\":{\"namespaces\":[{\"type\":\"network\","
                                      "\"path\":\"/run/netns/netns-1\"}]}}", &c),
                         0);
        ck_assert(c.netns);
        ck_assert_str_eq(c.netns_path, "/run/netns/netns-1");
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
}
END_TEST

START_TEST(config_host_network_refused)
{
        struct oih_netcfg c;
        ck_assert_int_eq(parse_config("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
                                      "{\"type\":\"mount\"}]}}", &c),
                         0);
        ck_assert(!c.netns);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_err_has("--network host");
        oih_netcfg_clear(&c);
        oih_error_init(&err);
        ck_assert_int_eq(parse_config("{\"process\":{}}", &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
}
END_TEST

static const char *const cap_sets[] = { "bounding", "effective", "inheritable", "permitted",
                                        "ambient" };

/* The capabilities refused in every set, whatever the namespaces (docs/security.md). */
static const char *const refused_caps[] = { "NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_MODULE",
                                            "SYS_RAWIO", "DAC_READ_SEARCH", "BPF" };

static int parse_caps(const char *set, const char *caps, const char *namespaces, struct oih_netcfg *c)
{
        char json[1024];
        snprintf(json, sizeof(json), "{\"process\":{\"capabilities\":{\"%s\":[%s]}},"
                 "\"linux\":{\"namespaces\":[%s]}}", set, caps, namespaces);
        return parse_config(json, c);
}

#define OWN_NS "{\"type\":\"pid\"},{\"type\":\"network\"}"

START_TEST(config_cap_refused_in_every_set)
{
        const char *cap = refused_caps[_i / NSETS], *set = cap_sets[_i % NSETS];
        char caps[128], want[128];
        struct oih_netcfg c;
        snprintf(caps, sizeof(caps), "\"CAP_CHOWN\",\"CAP_%s\"", cap);
        ck_assert_int_eq(parse_caps(set, caps, OWN_NS, &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        snprintf(want, sizeof(want), "container has CAP_%s (%s set): ", cap, set);
        ck_assert_err_has(want);
        snprintf(want, sizeof(want), "; start it with --cap-drop %s", cap);
        ck_assert_err_has(want);
        oih_netcfg_clear(&c);
}
END_TEST

/* The message a user of podman 4.3 with its compiled-in default capabilities sees. */
START_TEST(config_podman_defaults)
{
        static const char podman43[] = "\"CAP_AUDIT_WRITE\",\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\","
                                       "\"CAP_FSETID\",\"CAP_KILL\",\"CAP_MKNOD\",\"CAP_NET_BIND_SERVICE\","
                                       "\"CAP_NET_RAW\",\"CAP_SETFCAP\",\"CAP_SETGID\",\"CAP_SETPCAP\","
                                       "\"CAP_SETUID\",\"CAP_SYS_CHROOT\"";
        static const char debian[] = "\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FOWNER\",\"CAP_FSETID\","
                                     "\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_SETFCAP\",\"CAP_SETGID\","
                                     "\"CAP_SETPCAP\",\"CAP_SETUID\",\"CAP_SYS_CHROOT\"";
        struct oih_netcfg c;
        ck_assert_int_eq(parse_caps("bounding", podman43, OWN_NS, &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_str_eq(oih_error_first(&err),
                         "container has CAP_NET_RAW (bounding set): it can send packets no iptables rule "
                         "sees (AF_PACKET); start it with --cap-drop NET_RAW (and without --privileged)");
        oih_netcfg_clear(&c);
        ck_assert_int_eq(parse_caps("bounding", debian, OWN_NS, &c), 0);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
}
END_TEST

/* runc knows only "CAP_NET_RAW"; other spellings are refused anyway (fail closed). */
START_TEST(config_cap_spellings)
{
        static const char *const spellings[] = { "\"cap_net_raw\"", "\"NET_RAW\"", "\"Cap_Net_Raw\"",
                                                  "\"CAP_NET_R\\u0041W\"" };
        struct oih_netcfg c;
        for (size_t i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
                oih_error_init(&err);
                ck_assert_int_eq(parse_caps("effective", spellings[i], OWN_NS, &c), 0);
                ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
                ck_assert_err_has("CAP_NET_RAW (effective set)");
                oih_netcfg_clear(&c);
        }
}
END_TEST

/* SYS_PTRACE only matters when another network namespace's processes are in reach. */
START_TEST(config_ptrace_needs_shared_pidns)
{
        static const char *const shared[] = { "{\"type\":\"network\"}",
                                              "{\"type\":\"pid\",\"path\":\"/proc/42/ns/pid\"},{\"type\":\"network\"}" };
        struct oih_netcfg c;
        ck_assert_int_eq(parse_caps("bounding", "\"CAP_SYS_PTRACE\"", OWN_NS, &c), 0);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
        ck_assert_int_eq(parse_caps("bounding", "\"CAP_SYS_PTRACE\"", "{\"type\":\"pid\",\"path\":\"\"},"
                                    "{\"type\":\"network\"}", &c), 0);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
        for (size_t i = 0; i < 2; i++) {
                ck_assert_int_eq(parse_caps("permitted", "\"CAP_SYS_PTRACE\"", shared[i], &c), 0);
                ck_assert(c.pidns_shared);
                ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
                ck_assert_err_has("container has CAP_SYS_PTRACE (permitted set): it shares a PID namespace");
                ck_assert_err_has("--cap-drop SYS_PTRACE or with a PID namespace of its own");
                oih_netcfg_clear(&c);
        }
        /* without SYS_PTRACE, a shared PID namespace alone is not refused */
        ck_assert_int_eq(parse_caps("bounding", "\"CAP_KILL\"", shared[0], &c), 0);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
}
END_TEST

/* A running container's first process, from /proc/PID/status (reload, apply --container):
 * hand-written texts with the kernel's capability numbers (linux/capability.h). */
static const char status_fmt[] = "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
                                 "NSpid:\t%s\nCapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\n"
                                 "CapBnd:\t%s\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n";

static int status_caps(const char *nspid, const char *prm, const char *bnd, struct oih_netcfg *c)
{
        char buf[512];
        oih_error_init(&err);
        snprintf(buf, sizeof(buf), status_fmt, nspid, prm, prm, bnd);
        return oih_status_netcfg(buf, c, &err);
}

START_TEST(proc_status_caps)
{
        struct oih_netcfg c;
        /* podman's default capabilities without NET_RAW: CHOWN DAC_OVERRIDE FOWNER FSETID KILL
         * SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP */
        ck_assert_int_eq(status_caps("4242\t1", "00000000800405fb", "00000000800405fb", &c), 0);
        ck_assert(c.netns);
        ck_assert(!c.pidns_shared);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        /* NET_RAW (13) in the bounding set only */
        ck_assert_int_eq(status_caps("4242\t1", "00000000800405fb", "00000000800425fb", &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_err_has("container has CAP_NET_RAW (bounding set)");
        ck_assert_int_eq(oih_netcfg_check(&c, OIH_CAPBIT(OIH_CAP_NET_RAW), &err), 0);
        /* NET_ADMIN (12) in the permitted and effective sets */
        ck_assert_int_eq(status_caps("4242\t1", "00000000800415fb", "00000000800405fb", &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, OIH_CAPBIT(OIH_CAP_NET_RAW), &err), 0);
        ck_assert_err_has("container has CAP_NET_ADMIN (effective set)");
        /* BPF (39), above the first 32 bits */
        ck_assert_int_eq(status_caps("4242\t1", "0000000000000000", "0000008000000000", &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_err_has("container has CAP_BPF (bounding set)");
        /* SYS_PTRACE (19): refused only where the PID namespace is shared, which the process's
         * pid in its innermost namespace tells (1: its own) */
        ck_assert_int_eq(status_caps("4242\t1", "0000000000080000", "0000000000080000", &c), 0);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_int_eq(status_caps("4242", "0000000000080000", "0000000000080000", &c), 0);
        ck_assert(c.pidns_shared);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_err_has("container has CAP_SYS_PTRACE");
        ck_assert_int_eq(status_caps("4242\t17", "0000000000080000", "0000000000080000", &c), 0);
        ck_assert(c.pidns_shared);
        /* a text without a set, or with a set that is no number, is an error, never "none" */
        oih_error_init(&err);
        ck_assert_int_lt(oih_status_netcfg("Name:\tx\nNSpid:\t1\nCapInh:\t0\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\n",
                                           &c, &err), 0);
        ck_assert_err_has("lacks its capabilities");
        ck_assert_int_lt(status_caps("4242\t1", "0000000000000000", "zz", &c), 0);
        ck_assert_err_has("cannot read the process's CapBnd");
        /* this process's own, as the kernel writes them */
        ck_assert_int_eq(oih_proc_netcfg((long)getpid(), &c, &err), 0);
}
END_TEST

/* PERFMON alone reads performance counters; with BPF it attaches programs to the kernel. */
START_TEST(config_perfmon_with_bpf)
{
        struct oih_netcfg c;
        ck_assert_int_eq(parse_caps("bounding", "\"CAP_PERFMON\"", OWN_NS, &c), 0);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
        ck_assert_int_eq(parse_caps("effective", "\"CAP_PERFMON\",\"CAP_BPF\"", OWN_NS, &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, 0, &err), 0);
        ck_assert_err_has("CAP_BPF (effective set)");
        oih_error_init(&err);
        ck_assert_int_lt(oih_netcfg_check(&c, OIH_CAPBIT(OIH_CAP_BPF), &err), 0);
        ck_assert_err_has("CAP_PERFMON (effective set): with CAP_BPF");
        ck_assert_int_eq(oih_netcfg_check(&c, OIH_CAPBIT(OIH_CAP_BPF) | OIH_CAPBIT(OIH_CAP_PERFMON), &err), 0);
        oih_netcfg_clear(&c);
}
END_TEST

/* A policy's allow_capabilities lets exactly the named ones through. */
START_TEST(config_allowed_caps)
{
        struct oih_netcfg c;
        ck_assert_int_eq(parse_caps("bounding", "\"CAP_NET_RAW\",\"CAP_SYS_ADMIN\"", OWN_NS, &c), 0);
        ck_assert_int_lt(oih_netcfg_check(&c, OIH_CAPBIT(OIH_CAP_NET_RAW), &err), 0);
        ck_assert_err_has("CAP_SYS_ADMIN (bounding set)");
        ck_assert_int_eq(oih_netcfg_check(&c, OIH_CAPBIT(OIH_CAP_NET_RAW) | OIH_CAPBIT(OIH_CAP_SYS_ADMIN), &err), 0);
        oih_netcfg_clear(&c);
        ck_assert_int_eq(oih_cap_lookup("NET_RAW"), OIH_CAP_NET_RAW);
        ck_assert_int_eq(oih_cap_lookup("CAP_NET_RAW"), OIH_CAP_NET_RAW);
        ck_assert_int_eq(oih_cap_lookup("net_raw"), -1);
        ck_assert_int_eq(oih_cap_lookup("CHOWN"), -1);
}
END_TEST

/* runc reads config.json with Go's encoding/json: a key that equals a field ignoring case (and
 * with 'ſ' for 's') is that field, and a repeated key is merged over the first. Each of these
 * gives the container CAP_NET_ADMIN, or a network or PID namespace, that the hook would not see. */
static const struct {
        const char *json, *error;
} runc_reads_otherwise[] = {
        { "{\"process\":{},\"Process\":{\"capabilities\":{\"bounding\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "config.json: (top level): key \"Process\" differs from \"process\" only by case" },
        { "{\"process\":{\"Capabilities\":{\"bounding\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "config.json: process: key \"Capabilities\" differs from \"capabilities\"" },
        { "{\"process\":{\"capabilities\":{\"BOUNDING\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "config.json: process.capabilities: key \"BOUNDING\" differs from \"bounding\"" },
        { "{\"process\":{\"capabilities\":{\"bounding\":[],\"bounding\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "config.json: byte 42: duplicate key \"bounding\" (a JSON reader keeps only one" },
        { "{\"process\":{},\"process\":{\"capabilities\":{\"ambient\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "duplicate key \"process\"" },
        { "{\"proce\xc5\xbfs\":{\"capabilities\":{\"bounding\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "key \"proce\xc5\xbfs\" differs from \"process\" only by case" },
        { "{\"proce\\u017fs\":{\"capabilities\":{\"bounding\":[\"CAP_NET_ADMIN\"]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "differs from \"process\" only by case" },
        { "{\"linux\":{\"namespaces\":[{\"type\":\"network\"}]},\"Linux\":{\"namespaces\":[]}}",
          "key \"Linux\" differs from \"linux\"" },
        { "{\"linux\":{\"namespaces\":[{\"type\":\"network\"}],\"NameSpaces\":[]}}",
          "config.json: linux: key \"NameSpaces\" differs from \"namespaces\"" },
        { "{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"Type\":\"pid\"}]}}",
          "config.json: linux.namespaces[0]: key \"Type\" differs from \"type\"" },
        { "{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"PATH\":\"/proc/1/ns/net\"}]}}",
          "config.json: linux.namespaces[0]: key \"PATH\" differs from \"path\"" },
        { "{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"\",\"path\":\"/proc/1/ns/net\"}]}}",
          "duplicate key \"path\"" },
        { "{\"linux\":{\"namespaces\":[{\"type\":\"network\"},{\"type\":\"pid\"},{\"type\":\"pid\",\"path\":\"/x\"}]}}",
          "config.json: two pid namespaces" },
        { "{\"linux\":{\"namespaces\":[{\"type\":null}]}}",
          "config.json: linux.namespaces[0].type is not a string" },
        { "{\"linux\":{\"namespaces\":[\"network\"]}}", "config.json: linux.namespaces[0] is not an object" },
        { "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",7]}},"
          "\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "config.json: process.capabilities.bounding[1] is not a string" },
        { "{\"process\":[],\"linux\":{\"namespaces\":[{\"type\":\"network\"}]}}",
          "config.json: process is not an object" },
};

START_TEST(config_read_as_runc_reads_it)
{
        struct oih_netcfg c = { .netns_path = NULL };
        ck_assert_int_lt(parse_config(runc_reads_otherwise[_i].json, &c), 0);
        ck_assert_err_has(runc_reads_otherwise[_i].error);
        ck_assert_ptr_null(c.netns_path);
}
END_TEST

/* What is not a field the hook reads keeps its case; null is Go's "absent". */
START_TEST(config_other_keys_and_nulls)
{
        struct oih_netcfg c;
        ck_assert_int_eq(parse_config("{\"Hostname\":\"x\",\"process\":{\"Env\":[],\"capabilities\":null},"
                                      "\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":null},"
                                      "{\"type\":\"pid\"}],\"UIDMappings\":[]}}", &c),
                         0);
        ck_assert(c.netns);
        ck_assert_ptr_null(c.netns_path);
        ck_assert_int_eq(oih_netcfg_check(&c, 0, &err), 0);
        oih_netcfg_clear(&c);
        ck_assert_int_eq(parse_config("{\"process\":null,\"linux\":null}", &c), 0);
        ck_assert(!c.netns);
        oih_netcfg_clear(&c);
}
END_TEST

static const struct {
        const char *json, *error;
} states_read_otherwise[] = {
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"Annotations\":{\"oci-iptables-hook.policy\":\"open\"}}",
          "state: (top level): key \"Annotations\" differs from \"annotations\" only by case" },
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{\"oci-iptables-hook.policy\":\"deny\","
          "\"oci-iptables-hook.policy\":\"open\"}}",
          "duplicate key \"oci-iptables-hook.policy\"" },
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"BUNDLE\":\"/other\"}", "key \"BUNDLE\" differs from \"bundle\"" },
        { "{\"id\":\"c\",\"Id\":\"d\",\"bundle\":\"/b\"}", "key \"Id\" differs from \"id\"" },
        { "{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":{\"oci-iptables-hook.policy\":\"a\\u0000b\"}}",
          "state: invalid JSON at byte" },
};

START_TEST(state_read_as_runc_writes_it)
{
        struct oih_state st = { .id = (char *)"untouched" };
        ck_assert_int_lt(parse_state(states_read_otherwise[_i].json, &st), 0);
        ck_assert_err_has(states_read_otherwise[_i].error);
        ck_assert_str_eq(st.id, "untouched");
}
END_TEST

/* Annotations are a map: keys are taken as written, as podman and runc take them. */
START_TEST(state_annotation_keys_exact)
{
        struct oih_state st;
        ck_assert_int_eq(parse_state("{\"id\":\"c\",\"bundle\":\"/b\",\"annotations\":"
                                     "{\"OCI-IPTABLES-HOOK.POLICY\":\"x\"}}", &st),
                         0);
        ck_assert_ptr_null(st.policy);
        oih_state_clear(&st);
}
END_TEST

START_TEST(config_malformed)
{
        struct oih_netcfg c;
        ck_assert_int_lt(parse_config("{\"linux\":{\"namespaces\":{}}}", &c), 0);
        oih_error_init(&err);
        ck_assert_int_lt(parse_config("{\"process\":{\"capabilities\":{\"ambient\":\"CAP_NET_ADMIN\"}}}",
                                      &c),
                         0);
        oih_error_init(&err);
        ck_assert_int_lt(parse_config("{\"linux\":{\"namespaces\":[{\"type\":\"network\"},"
                                      "{\"type\":\"network\"}]}}", &c),
                         0);
}
END_TEST

static const char *const good_names[] = { "deny-all", "web_egress.v2", "A1", "x-", "a.b.c" };
static const char *const bad_names[] = { "", "../etc/passwd", "..", ".hidden", "a..b", "a/b",
                                         "a b", "a\nb", "na\xc3\xafve", "x*" };

START_TEST(name_good)
{
        ck_assert_int_eq(oih_policy_name_check(good_names[_i], &err), 0);
}
END_TEST

START_TEST(name_bad)
{
        ck_assert_int_lt(oih_policy_name_check(bad_names[_i], &err), 0);
}
END_TEST

START_TEST(name_too_long)
{
        char name[OIH_POLICY_NAME_MAX + 2];
        memset(name, 'a', sizeof(name) - 1);
        name[OIH_POLICY_NAME_MAX] = '\0';
        ck_assert_int_eq(oih_policy_name_check(name, &err), 0);
        name[OIH_POLICY_NAME_MAX] = 'a';
        name[OIH_POLICY_NAME_MAX + 1] = '\0';
        ck_assert_int_lt(oih_policy_name_check(name, &err), 0);
}
END_TEST

/* Two rules directories in a fresh directory whose every parent is root's and not writable by
 * others (/tmp is: a rules directory under it is refused). */
static char top[64], dir1[96], dir2[96];

static void write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
        ck_assert_int_eq(chmod(path, mode), 0);
}

static void dirs_setup(void)
{
        setup();
        snprintf(top, sizeof(top), "/run/oih-cksuite-hook.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(top));
        ck_assert_int_eq(chmod(top, 0755), 0);
        snprintf(dir1, sizeof(dir1), "%s/one", top);
        snprintf(dir2, sizeof(dir2), "%s/two", top);
        ck_assert_int_eq(mkdir(dir1, 0755), 0);
        ck_assert_int_eq(mkdir(dir2, 0755), 0);
}

static void dirs_teardown(void)
{
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        if (system(cmd) != 0)
                fprintf(stderr, "cannot remove %s\n", top);
}

static int open_policy(const char *name, char **path)
{
        const char *dirs[] = { dir1, dir2 };
        return oih_policy_open(dirs, 2, name, path, &err);
}

static void assert_content(int fd, const char *text)
{
        char buf[64] = "";
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        ck_assert_str_eq(buf, text);
}

START_TEST(open_first_match_wins)
{
        char *path;
        write_file(dir1, "p.json", "one", 0644);
        write_file(dir2, "p.json", "two", 0644);
        write_file(dir2, "q.json", "q-two", 0600);
        int fd = open_policy("p", &path);
        ck_assert_int_ge(fd, 0);
        assert_content(fd, "one");
        ck_assert(strstr(path, "/one/p.json") != NULL);
        close(fd);
        free(path);
        fd = open_policy("q", &path);
        ck_assert_int_ge(fd, 0);
        assert_content(fd, "q-two");
        close(fd);
        free(path);
}
END_TEST

START_TEST(open_missing_dir_skipped)
{
        char *path, gone[128];
        snprintf(gone, sizeof(gone), "%s/does-not-exist", top);
        const char *dirs[] = { gone, dir2 };
        write_file(dir2, "p.json", "two", 0644);
        int fd = oih_policy_open(dirs, 2, "p", &path, &err);
        ck_assert_int_ge(fd, 0);
        close(fd);
        free(path);
}
END_TEST

START_TEST(open_not_found)
{
        char *path;
        ck_assert_int_lt(open_policy("nope", &path), 0);
        ck_assert_err_has("not found");
        ck_assert_err_has(dir1);
        ck_assert_err_has(dir2);
}
END_TEST

START_TEST(open_bad_name_touches_nothing)
{
        char *path;
        write_file(top, "outside.json", "x", 0644);
        ck_assert_int_lt(open_policy("../outside", &path), 0);
        ck_assert_err_has("invalid policy name");
}
END_TEST

START_TEST(open_symlink_refused)
{
        char *path, target[128], link[128];
        write_file(top, "target.json", "x", 0644);
        snprintf(target, sizeof(target), "%s/target.json", top);
        snprintf(link, sizeof(link), "%s/p.json", dir1);
        ck_assert_int_eq(symlink(target, link), 0);
        write_file(dir2, "p.json", "two", 0644);
        /* A refusal stops the search: a later directory must not stand in for a bad file. */
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_err_has("symbolic link");
}
END_TEST

START_TEST(open_writable_file_refused)
{
        char *path;
        write_file(dir1, "p.json", "x", 0644);
        write_file(dir1, "w.json", "x", 0666);
        write_file(dir1, "g.json", "x", 0664);
        ck_assert_int_lt(open_policy("w", &path), 0);
        ck_assert_err_has("writable by group or others");
        oih_error_init(&err);
        ck_assert_int_lt(open_policy("g", &path), 0);
        ck_assert_err_has("writable by group or others");
}
END_TEST

START_TEST(open_writable_dir_refused)
{
        char *path;
        write_file(dir1, "p.json", "x", 0644);
        ck_assert_int_eq(chmod(dir1, 01777), 0);
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_err_has("/one is writable by group or others");
        ck_assert_err_has("sticky bit");
}
END_TEST

#define NOBODY 65534

/* Owners: the policy file, the rules directory and every directory above it must be root's. */
START_TEST(open_file_of_another_user_refused)
{
        char *path, file[128];
        write_file(dir1, "p.json", "x", 0644);
        snprintf(file, sizeof(file), "%s/p.json", dir1);
        ck_assert_int_eq(chown(file, NOBODY, NOBODY), 0);
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_err_has("p.json: it is owned by uid 65534, not root");
}
END_TEST

START_TEST(open_dir_of_another_user_refused)
{
        char *path;
        write_file(dir1, "p.json", "x", 0644);
        ck_assert_int_eq(chown(dir1, NOBODY, NOBODY), 0);
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_err_has("/one is owned by uid 65534, not root");
}
END_TEST

/* A parent of the rules directory owned by someone else could swap the rules directory. */
START_TEST(open_parent_of_another_user_refused)
{
        char *path;
        write_file(dir1, "p.json", "x", 0644);
        ck_assert_int_eq(chown(top, NOBODY, NOBODY), 0);
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_msg(strstr(oih_error_first(&err), top) != NULL, "%s", oih_error_first(&err));
        ck_assert_err_has("is owned by uid 65534");
        oih_error_init(&err);
        ck_assert_int_eq(chown(top, 0, 0), 0);
        ck_assert_int_eq(chmod(top, 0775), 0);
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_err_has("is writable by group or others");
}
END_TEST

START_TEST(open_symlinked_dir_refused)
{
        char *path, link[128];
        write_file(dir1, "p.json", "x", 0644);
        snprintf(link, sizeof(link), "%s/link", top);
        ck_assert_int_eq(symlink(dir1, link), 0);
        const char *dirs[] = { link };
        ck_assert_int_lt(oih_policy_open(dirs, 1, "p", &path, &err), 0);
        ck_assert_err_has("/link is a symbolic link");
}
END_TEST

START_TEST(open_relative_or_dotdot_dir_refused)
{
        char *path, dotdot[160];
        const char *rel[] = { "rules" };
        ck_assert_int_lt(oih_policy_open(rel, 1, "p", &path, &err), 0);
        ck_assert_err_has("not an absolute path");
        oih_error_init(&err);
        write_file(dir1, "p.json", "x", 0644);
        snprintf(dotdot, sizeof(dotdot), "%s/../one", dir2);
        const char *dd[] = { dotdot };
        ck_assert_int_lt(oih_policy_open(dd, 1, "p", &path, &err), 0);
        ck_assert_err_has("must not contain");
}
END_TEST

START_TEST(rules_dir_open_same_rule)
{
        /* doctor uses this; the rule is the same as for the hook */
        int fd = oih_rules_dir_open(dir1, &err);
        ck_assert_int_ge(fd, 0);
        close(fd);
        ck_assert_int_eq(chown(dir1, NOBODY, NOBODY), 0);
        ck_assert_int_eq(oih_rules_dir_open(dir1, &err), -1);
        ck_assert_err_has("owned by uid 65534");
        char gone[128];
        snprintf(gone, sizeof(gone), "%s/gone", top);
        ck_assert_int_eq(oih_rules_dir_open(gone, &err), -ENOENT);
}
END_TEST

/* What a rootless hook sees: uid 0 of a user namespace that maps the user (here host uid 1000)
 * to 0 and its subordinate uids (100000...) to 1...; host root and every other host user outside
 * the map read as the overflow uid. */
#define ROOTLESS_USER 1000
#define SUBUID 100000
static int in_rootless_userns(int (*fn)(void))
{
        int go[2], ready[2];
        ck_assert_int_eq(pipe(go), 0);
        ck_assert_int_eq(pipe(ready), 0);
        pid_t pid = fork();
        if (pid == 0) {
                char c = 0;
                /* the user, then its own user namespace, as rootless podman makes it */
                if (setgroups(0, NULL) < 0 || setresgid(ROOTLESS_USER, ROOTLESS_USER, ROOTLESS_USER) < 0
                    || setresuid(ROOTLESS_USER, ROOTLESS_USER, ROOTLESS_USER) < 0
                    || unshare(CLONE_NEWUSER) < 0 || write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
                        _exit(100);
                _exit(fn());
        }
        char c, map[64];
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        snprintf(map, sizeof(map), "/proc/%d/uid_map", (int)pid);
        FILE *f = fopen(map, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "0 %d 1\n1 %d 65536\n", ROOTLESS_USER, SUBUID);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(write(go[1], &c, 1), 1);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static int rootless_open(const char *dir, const char *name)
{
        char *path;
        struct oih_error e;
        oih_error_init(&e);
        const char *dirs[] = { dir };
        int fd = oih_policy_open(dirs, 1, name, &path, &e);
        if (fd < 0)
                fprintf(stderr, "# rootless: %s\n", oih_error_first(&e));
        else
                free(path);
        return fd;
}

static int rootless_cases(void)
{
        char own[128];
        /* host root's directories, then the user's own: accepted */
        if (geteuid() != 0 || rootless_open(dir1, "mine") < 0)
                return 1;
        /* below the user's directory, a file or directory of another host user (unmapped, so
         * it reads as the overflow uid, as root's would): refused */
        if (rootless_open(dir1, "nobodys") >= 0)
                return 2;
        snprintf(own, sizeof(own), "%s/sub", dir1);
        if (rootless_open(own, "mine") >= 0)
                return 3;
        /* a file of one of the user's subordinate uids, which containers own: refused */
        if (rootless_open(dir2, "sub") >= 0)
                return 4;
        return 0;
}

START_TEST(open_rootless_owners)
{
        char file[160], sub[128];
        ck_assert_int_eq(chown(dir1, ROOTLESS_USER, ROOTLESS_USER), 0);
        write_file(dir1, "mine.json", "x", 0644);
        snprintf(file, sizeof(file), "%s/mine.json", dir1);
        ck_assert_int_eq(chown(file, ROOTLESS_USER, ROOTLESS_USER), 0);
        write_file(dir1, "nobodys.json", "x", 0644);
        snprintf(file, sizeof(file), "%s/nobodys.json", dir1);
        ck_assert_int_eq(chown(file, NOBODY, NOBODY), 0);
        snprintf(sub, sizeof(sub), "%s/sub", dir1);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        ck_assert_int_eq(chown(sub, 1001, 1001), 0);
        write_file(sub, "mine.json", "x", 0644);
        snprintf(file, sizeof(file), "%s/mine.json", sub);
        ck_assert_int_eq(chown(file, ROOTLESS_USER, ROOTLESS_USER), 0);
        write_file(dir2, "sub.json", "x", 0644);
        snprintf(file, sizeof(file), "%s/sub.json", dir2);
        ck_assert_int_eq(chown(file, SUBUID + 1, SUBUID + 1), 0);
        int r = in_rootless_userns(rootless_cases);
        ck_assert_msg(r == 0, "rootless case %d failed (see stderr)", r);
}
END_TEST

START_TEST(open_fifo_refused)
{
        char *path, fifo[128];
        snprintf(fifo, sizeof(fifo), "%s/p.json", dir1);
        ck_assert_int_eq(mkfifo(fifo, 0644), 0);
        /* O_NONBLOCK: opening a FIFO with no writer must not hang the hook. */
        ck_assert_int_lt(open_policy("p", &path), 0);
        ck_assert_err_has("not a regular file");
}
END_TEST

START_TEST(stage_names)
{
        enum oih_stage s;
        ck_assert_int_eq(oih_stage_parse("createContainer", &s, &err), 0);
        ck_assert_int_eq(s, OIH_STAGE_CREATE_CONTAINER);
        ck_assert_int_eq(oih_stage_parse("createRuntime", &s, &err), 0);
        ck_assert_int_eq(s, OIH_STAGE_CREATE_RUNTIME);
        ck_assert_int_eq(oih_stage_parse("prestart", &s, &err), 0);
        ck_assert_int_eq(s, OIH_STAGE_PRESTART);
        ck_assert_int_lt(oih_stage_parse("poststart", &s, &err), 0);
        ck_assert_int_lt(oih_stage_parse("startContainer", &s, &err), 0);
}
END_TEST

/* Which policy a container gets: an annotation, possibly an image's, must not replace an
 * enforced default with a policy the administrator did not list. */
START_TEST(choose_policy)
{
        static const char *const sel[] = { "web-egress", "loopback-only" };
        const char *name = NULL;
        /* opt-in mode: the annotation names any policy */
        ck_assert_int_eq(oih_policy_choose("established-only", NULL, NULL, 0, &name, &err), 0);
        ck_assert_str_eq(name, "established-only");
        ck_assert_int_lt(oih_policy_choose(NULL, NULL, NULL, 0, &name, &err), 0);
        ck_assert_err_has("no annotation oci-iptables-hook.policy and no --default-policy");
        oih_error_init(&err);
        /* enforcing mode: the default, and only the listed ones */
        ck_assert_int_eq(oih_policy_choose(NULL, "deny-all", sel, 2, &name, &err), 0);
        ck_assert_str_eq(name, "deny-all");
        ck_assert_int_eq(oih_policy_choose("deny-all", "deny-all", NULL, 0, &name, &err), 0);
        ck_assert_str_eq(name, "deny-all");
        ck_assert_int_eq(oih_policy_choose("loopback-only", "deny-all", sel, 2, &name, &err), 0);
        ck_assert_str_eq(name, "loopback-only");
        name = NULL;
        ck_assert_int_lt(oih_policy_choose("established-only", "deny-all", NULL, 0, &name, &err), 0);
        ck_assert_ptr_null(name);
        ck_assert_str_eq(oih_error_first(&err),
                         "annotation oci-iptables-hook.policy=established-only names a policy that is not "
                         "selectable here (an image's annotations count too); it may name only deny-all "
                         "(the default): add --selectable established-only to the hooks.d file to allow it");
        oih_error_init(&err);
        ck_assert_int_lt(oih_policy_choose("established-only", "deny-all", sel, 2, &name, &err), 0);
        ck_assert_err_has("it may name only deny-all (the default), web-egress, loopback-only:");
        /* a list without a default limits the annotation too */
        oih_error_init(&err);
        ck_assert_int_lt(oih_policy_choose("deny-all", NULL, sel, 2, &name, &err), 0);
        ck_assert_err_has("it may name only web-egress, loopback-only:");
        /* an empty or malformed name is refused as such, before any list */
        oih_error_init(&err);
        ck_assert_int_lt(oih_policy_choose("", "deny-all", NULL, 0, &name, &err), 0);
        ck_assert_err_has("empty policy name");
        oih_error_init(&err);
        ck_assert_int_lt(oih_policy_choose("deny-all\n", NULL, NULL, 0, &name, &err), 0);
        ck_assert_err_has("invalid policy name");
}
END_TEST

/* The host's network namespace is only ever opened read-only here: nothing is applied to it. */
START_TEST(initial_netns_told_without_proc)
{
        struct stat self, kthreadd, pidns;
        int host = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(host, 0);
        /* Independent of the code under test: kthreadd (PID 2 of the initial PID namespace) lives
         * in the initial network namespace. */
        if (stat("/proc/self/ns/pid", &pidns) < 0 || pidns.st_ino != 0xEFFFFFFCU
            || stat("/proc/2/ns/net", &kthreadd) < 0 || fstat(host, &self) < 0
            || self.st_ino != kthreadd.st_ino) {
                fprintf(stderr, "# skipped: the tests do not run in the host's network namespace\n");
                return;
        }
        ck_assert_int_eq(oih_netns_is_initial(host), 1);
        /* A PID namespace with a /proc of its own, as in a container: PID 2 is not kthreadd
         * there, and the host's namespace must still be recognised. The namespaces are a
         * child's: once the first process of a PID namespace has exited, the process that made
         * it cannot fork again, and LeakSanitizer forks at exit (tests/sanitizers.sh). */
        pid_t outer = fork();
        ck_assert_int_ge(outer, 0);
        if (outer == 0) {
                if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0)
                        _exit(1);
                pid_t pid = fork();
                if (pid < 0)
                        _exit(1);
                if (pid == 0) {
                        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0
                            || mount("proc", "/proc", "proc", 0, NULL) < 0)
                                _exit(2);
                        if (oih_netns_is_initial(host) != 1)
                                _exit(3);
                        int own;
                        if (unshare(CLONE_NEWNET) < 0 || (own = open("/proc/self/ns/net", O_RDONLY)) < 0)
                                _exit(4);
                        _exit(oih_netns_is_initial(own) == 0 ? 0 : 5);
                }
                int st;
                if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
                        _exit(1);
                _exit(WEXITSTATUS(st));
        }
        int status;
        ck_assert_int_eq(waitpid(outer, &status, 0), outer);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "in a PID namespace with its own /proc: step %d failed (1: unshare or fork, "
                      "3: the host's namespace was not recognised, 5: a new one was taken for the "
                      "host's)", WEXITSTATUS(status));
        close(host);
}
END_TEST

START_TEST(new_netns_not_initial)
{
        ck_own_netns();
        int own = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(own, 0);
        ck_assert_int_eq(oih_netns_is_initial(own), 0);
        close(own);
}
END_TEST

#define NELEM(a) (int)(sizeof(a) / sizeof((a)[0]))

Suite *hook_suite(void)
{
        Suite *s = suite_create("hook");
        TCase *tc = tcase_create("state");
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, state_with_annotation);
        tcase_add_test(tc, state_without_annotation_or_pid);
        tcase_add_loop_test(tc, state_refused, 0, NELEM(bad_states));
        tcase_add_test(tc, state_size_bounded);
        tcase_add_test(tc, stage_names);
        tcase_add_test(tc, choose_policy);
        suite_add_tcase(s, tc);

        /* namespaces of their own: root, and a fork per test (check-all.c, tests/valgrind.sh) */
        tc = tcase_create("host-netns");
        tcase_set_tags(tc, "kernel");
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, initial_netns_told_without_proc);
        tcase_add_test(tc, new_netns_not_initial);
        suite_add_tcase(s, tc);

        tc = tcase_create("config");
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, config_own_netns);
        tcase_add_test(tc, config_joined_netns);
        tcase_add_test(tc, config_host_network_refused);
        tcase_add_loop_test(tc, config_cap_refused_in_every_set, 0, NELEM(refused_caps) * NSETS);
        tcase_add_test(tc, config_podman_defaults);
        tcase_add_test(tc, config_cap_spellings);
        tcase_add_test(tc, config_ptrace_needs_shared_pidns);
        tcase_add_test(tc, config_perfmon_with_bpf);
        tcase_add_test(tc, proc_status_caps);
        tcase_add_test(tc, config_allowed_caps);
        tcase_add_loop_test(tc, config_read_as_runc_reads_it, 0, NELEM(runc_reads_otherwise));
        tcase_add_test(tc, config_other_keys_and_nulls);
        tcase_add_loop_test(tc, state_read_as_runc_writes_it, 0, NELEM(states_read_otherwise));
        tcase_add_test(tc, state_annotation_keys_exact);
        tcase_add_test(tc, config_malformed);
        suite_add_tcase(s, tc);

        tc = tcase_create("policy-file");
        tcase_add_checked_fixture(tc, dirs_setup, dirs_teardown);
        tcase_add_loop_test(tc, name_good, 0, NELEM(good_names));
        tcase_add_loop_test(tc, name_bad, 0, NELEM(bad_names));
        tcase_add_test(tc, name_too_long);
        tcase_add_test(tc, open_first_match_wins);
        tcase_add_test(tc, open_missing_dir_skipped);
        tcase_add_test(tc, open_not_found);
        tcase_add_test(tc, open_bad_name_touches_nothing);
        tcase_add_test(tc, open_symlink_refused);
        tcase_add_test(tc, open_writable_file_refused);
        tcase_add_test(tc, open_writable_dir_refused);
        tcase_add_test(tc, open_fifo_refused);
        tcase_add_test(tc, open_file_of_another_user_refused);
        tcase_add_test(tc, open_dir_of_another_user_refused);
        tcase_add_test(tc, open_parent_of_another_user_refused);
        tcase_add_test(tc, open_symlinked_dir_refused);
        tcase_add_test(tc, open_relative_or_dotdot_dir_refused);
        tcase_add_test(tc, rules_dir_open_same_rule);
        tcase_add_test(tc, open_rootless_owners);
        suite_add_tcase(s, tc);
        return s;
}
