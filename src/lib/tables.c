/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tables.h"

#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>
#include <stddef.h>
#include <string.h>

const char *const oih_builtin_names[OIH_NBUILTINS] = { "INPUT", "FORWARD", "OUTPUT" };

const char *const oih_table_names[OIH_NTABLES] = { "filter", "nat", "mangle", "raw" };
const char *const oih_table_builtins[OIH_NTABLES][OIH_MAXBUILTINS + 1] = {
        [OIH_TBL_FILTER] = { "INPUT", "FORWARD", "OUTPUT", NULL },
        [OIH_TBL_NAT] = { "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", NULL },
        [OIH_TBL_MANGLE] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", NULL },
        [OIH_TBL_RAW] = { "PREROUTING", "OUTPUT", NULL },
};

unsigned oih_table_nbuiltins(unsigned table)
{
        unsigned n = 0;
        while (oih_table_builtins[table][n] != NULL)
                n++;
        return n;
}

int oih_table_builtin(unsigned table, const char *name)
{
        for (int b = 0; oih_table_builtins[table][b] != NULL; b++)
                if (strcmp(oih_table_builtins[table][b], name) == 0)
                        return b;
        return -1;
}

const struct oih_name *oih_name_find(const struct oih_name *t, const char *name)
{
        for (; t->name != NULL; t++)
                if (strcmp(t->name, name) == 0)
                        return t;
        return NULL;
}

const char *oih_name_of(const struct oih_name *t, unsigned value)
{
        for (; t->name != NULL; t++)
                if (t->value == value)
                        return t->name;
        return NULL;
}

/* The protocol names iptables-save prints for numbers (others print as numbers). */
const struct oih_name oih_protocols[] = {
        { "tcp", 6 }, { "sctp", 132 }, { "udp", 17 }, { "udplite", 136 }, { "icmp", 1 },
        { "ipv6-icmp", 58 }, { "icmpv6", 58 }, { "esp", 50 }, { "ah", 51 },
        { "mobility-header", 135 }, { "ipv6-mh", 135 }, { "mh", 135 }, { "dccp", 33 },
        { "ipcomp", 108 }, { "all", 0 }, { NULL, 0 },
};

const struct oih_rate_unit oih_rate_units[4] = {
        { "day", "day", XT_LIMIT_SCALE * 86400 }, { "hour", "hour", XT_LIMIT_SCALE * 3600 },
        { "min", "minute", XT_LIMIT_SCALE * 60 }, { "sec", "second", XT_LIMIT_SCALE },
};

const struct oih_rate_unit *oih_rate_unit_for(uint32_t avg, uint32_t *n)
{
        unsigned i;
        for (i = 1; i < 4; i++)
                if (avg > oih_rate_units[i].mult || oih_rate_units[i].mult / avg < oih_rate_units[i].mult % avg)
                        break;
        *n = oih_rate_units[i - 1].mult / avg;
        return &oih_rate_units[i - 1];
}

static const struct oih_icmp_name icmp4[] = {
        { "any", 0xFF, 0, 0xFF },
        { "echo-reply", 0, 0, 0xFF }, { "pong", 0, 0, 0xFF },
        { "destination-unreachable", 3, 0, 0xFF },
        { "network-unreachable", 3, 0, 0 }, { "host-unreachable", 3, 1, 1 },
        { "protocol-unreachable", 3, 2, 2 }, { "port-unreachable", 3, 3, 3 },
        { "fragmentation-needed", 3, 4, 4 }, { "source-route-failed", 3, 5, 5 },
        { "network-unknown", 3, 6, 6 }, { "host-unknown", 3, 7, 7 },
        { "network-prohibited", 3, 9, 9 }, { "host-prohibited", 3, 10, 10 },
        { "TOS-network-unreachable", 3, 11, 11 }, { "TOS-host-unreachable", 3, 12, 12 },
        { "communication-prohibited", 3, 13, 13 }, { "host-precedence-violation", 3, 14, 14 },
        { "precedence-cutoff", 3, 15, 15 },
        { "source-quench", 4, 0, 0xFF },
        { "redirect", 5, 0, 0xFF }, { "network-redirect", 5, 0, 0 },
        { "host-redirect", 5, 1, 1 }, { "TOS-network-redirect", 5, 2, 2 },
        { "TOS-host-redirect", 5, 3, 3 },
        { "echo-request", 8, 0, 0xFF }, { "ping", 8, 0, 0xFF },
        { "router-advertisement", 9, 0, 0xFF }, { "router-solicitation", 10, 0, 0xFF },
        { "time-exceeded", 11, 0, 0xFF }, { "ttl-exceeded", 11, 0, 0xFF },
        { "ttl-zero-during-transit", 11, 0, 0 }, { "ttl-zero-during-reassembly", 11, 1, 1 },
        { "parameter-problem", 12, 0, 0xFF }, { "ip-header-bad", 12, 0, 0 },
        { "required-option-missing", 12, 1, 1 },
        { "timestamp-request", 13, 0, 0xFF }, { "timestamp-reply", 14, 0, 0xFF },
        { "address-mask-request", 17, 0, 0xFF }, { "address-mask-reply", 18, 0, 0xFF },
        { NULL, 0, 0, 0 },
};

static const struct oih_icmp_name icmp6[] = {
        { "destination-unreachable", 1, 0, 0xFF },
        { "no-route", 1, 0, 0 }, { "communication-prohibited", 1, 1, 1 },
        { "beyond-scope", 1, 2, 2 }, { "address-unreachable", 1, 3, 3 },
        { "port-unreachable", 1, 4, 4 }, { "failed-policy", 1, 5, 5 },
        { "reject-route", 1, 6, 6 },
        { "packet-too-big", 2, 0, 0xFF },
        { "time-exceeded", 3, 0, 0xFF }, { "ttl-exceeded", 3, 0, 0xFF },
        { "ttl-zero-during-transit", 3, 0, 0 }, { "ttl-zero-during-reassembly", 3, 1, 1 },
        { "parameter-problem", 4, 0, 0xFF }, { "bad-header", 4, 0, 0 },
        { "unknown-header-type", 4, 1, 1 }, { "unknown-option", 4, 2, 2 },
        { "echo-request", 128, 0, 0xFF }, { "ping", 128, 0, 0xFF },
        { "echo-reply", 129, 0, 0xFF }, { "pong", 129, 0, 0xFF },
        { "mld-listener-query", 130, 0, 0xFF }, { "mld-listener-report", 131, 0, 0xFF },
        { "mld-listener-done", 132, 0, 0xFF }, { "mld-listener-reduction", 132, 0, 0xFF },
        { "router-solicitation", 133, 0, 0xFF }, { "router-advertisement", 134, 0, 0xFF },
        { "neighbour-solicitation", 135, 0, 0xFF }, { "neighbor-solicitation", 135, 0, 0xFF },
        { "neighbour-advertisement", 136, 0, 0xFF }, { "neighbor-advertisement", 136, 0, 0xFF },
        { "redirect", 137, 0, 0xFF },
        { NULL, 0, 0, 0 },
};

const struct oih_icmp_name *const oih_icmp_names[OIH_NFAMILIES] = { icmp4, icmp6 };

static const struct oih_reject_name reject4[] = {
        [IPT_ICMP_NET_UNREACHABLE] = { "icmp-net-unreachable", "net-unreach" },
        [IPT_ICMP_HOST_UNREACHABLE] = { "icmp-host-unreachable", "host-unreach" },
        [IPT_ICMP_PROT_UNREACHABLE] = { "icmp-proto-unreachable", "proto-unreach" },
        [IPT_ICMP_PORT_UNREACHABLE] = { "icmp-port-unreachable", "port-unreach" },
        [IPT_ICMP_NET_PROHIBITED] = { "icmp-net-prohibited", "net-prohib" },
        [IPT_ICMP_HOST_PROHIBITED] = { "icmp-host-prohibited", "host-prohib" },
        [IPT_TCP_RESET] = { "tcp-reset", "tcp-rst" },
        [IPT_ICMP_ADMIN_PROHIBITED] = { "icmp-admin-prohibited", "admin-prohib" },
};

static const struct oih_reject_name reject6[] = {
        [IP6T_ICMP6_NO_ROUTE] = { "icmp6-no-route", "no-route" },
        [IP6T_ICMP6_ADM_PROHIBITED] = { "icmp6-adm-prohibited", "adm-prohibited" },
        [IP6T_ICMP6_ADDR_UNREACH] = { "icmp6-addr-unreachable", "addr-unreach" },
        [IP6T_ICMP6_PORT_UNREACH] = { "icmp6-port-unreachable", "port-unreach" },
        /* ip6tables has no alias tcp-rst, but a policy's "tcp-rst" means a TCP reset in both
         * families, as "tcp-reset" does (the generic target_options stay ip6tables' own) */
        [IP6T_TCP_RESET] = { "tcp-reset", "tcp-rst" },
        [IP6T_ICMP6_POLICY_FAIL] = { "icmp6-policy-fail", "policy-fail" },
        [IP6T_ICMP6_REJECT_ROUTE] = { "icmp6-reject-route", "reject-route" },
};

const struct oih_reject_name *const oih_reject_names[OIH_NFAMILIES] = { reject4, reject6 };
const unsigned oih_reject_count[OIH_NFAMILIES] = { sizeof(reject4) / sizeof(reject4[0]),
                                                   sizeof(reject6) / sizeof(reject6[0]) };
const int oih_reject_default[OIH_NFAMILIES] = { IPT_ICMP_PORT_UNREACHABLE, IP6T_ICMP6_PORT_UNREACH };
const int oih_reject_tcp_reset[OIH_NFAMILIES] = { IPT_TCP_RESET, IP6T_TCP_RESET };
