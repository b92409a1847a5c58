/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Micro-benchmark of the libxtables core (src/lib/xt.h), not a test: parses and renders
 * 10,000 rules of five shapes in one IPv4 worker and prints the time per rule and shape.
 * Build and run: make xt-bench && ./xt-bench [N] (needs no privileges). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xt.h"

static const char *const shapes[][2] = {
        {"tcp+conntrack+comment", "-d 192.0.2.%u -p tcp --dport %u -m conntrack --ctstate NEW -m comment --comment c%u -j ACCEPT"},
        {"udp multiport", "-p udp -m multiport --dports %u,%u,%u:65000 -j ACCEPT"},
        {"recent", "-p tcp --dport %u -m recent --name r%u --update --seconds 60 --hitcount %u -j DROP"},
        {"limit+LOG", "-m limit --limit %u/min -j LOG --log-prefix p%u --log-level %u"},
        {"plain (-d ADDR -p tcp --dport N)", "-d 198.51.100.%u/32 -p tcp -m tcp --dport %u -j ACCEPT"},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static double now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned n_rules = 10000;

static int bench(void *ctx, FILE *out, struct oih_error *err)
{
        (void)ctx;
        double parse[NSHAPES] = {0}, render[NSHAPES] = {0};
        unsigned count[NSHAPES] = {0};
        FILE *sink = fopen("/dev/null", "we");
        for (unsigned i = 0; i < n_rules; i++) {
                unsigned s = i % NSHAPES;
                char line[512], *argv[32], *save = NULL;
                snprintf(line, sizeof(line), shapes[s][1], i % 250 + 1, i % 60000 + 1, i % 6 + 2);
                int argc = 0;
                for (char *w = strtok_r(line, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save))
                        argv[argc++] = w;
                struct oih_xt_in in = {"filter", "INPUT", NULL, false};
                struct oih_xt_rule r;
                double t0 = now();
                if (oih_xt_parse(argc, argv, &in, &r, err) < 0)
                        return -1;
                double t1 = now();
                if (oih_xt_render(r.entries, "INPUT", NULL, sink, err) < 0)
                        return -1;
                double t2 = now();
                parse[s] += t1 - t0;
                render[s] += t2 - t1;
                count[s]++;
                oih_xt_rule_free(&r);
        }
        fclose(sink);
        double tp = 0, tr = 0;
        fprintf(out, "%-34s %7s %12s %12s\n", "shape", "rules", "parse us/rule", "render us/rule");
        for (unsigned s = 0; s < NSHAPES; s++) {
                fprintf(out, "%-34s %7u %12.2f %12.2f\n", shapes[s][0], count[s], parse[s] / count[s] * 1e6,
                        render[s] / count[s] * 1e6);
                tp += parse[s];
                tr += render[s];
        }
        fprintf(out, "%-34s %7u %9.1f ms %9.1f ms\n", "all", n_rules, tp * 1e3, tr * 1e3);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc > 1)
                n_rules = (unsigned)strtoul(argv[1], NULL, 10);
        struct oih_xt_out o;
        struct oih_error err;
        oih_error_init(&err);
        double t0 = now();
        if (oih_xt_run(OIH_IPV4, OIH_XT_ASSUME, bench, NULL, &o, &err) < 0) {
                fprintf(stderr, "xt-bench: %s\n", oih_error_first(&err));
                return 1;
        }
        double t1 = now();
        fputs(o.data, stdout);
        printf("%-34s %7u %9.1f ms (fork, libxtables set-up, dlopen, the above)\n", "worker, wall", n_rules,
               (t1 - t0) * 1e3);
        oih_xt_out_free(&o);
        return 0;
}
