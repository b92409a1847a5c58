/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A policy model as version-1 JSON (what `inspect --json` prints): one rule a line, keys in a
 * fixed order, every rule with its family spelled out. */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>

#include "oih.h"
#include "tables.h"

static const char *const family_names[OIH_NFAMILIES] = { "ipv4", "ipv6" };

static json_object *negatable(json_object *v, bool inv)
{
        if (!inv)
                return v;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "not", v);
        return o;
}

static json_object *addr_json(const struct oih_addr *a)
{
        char buf[INET6_ADDRSTRLEN + 8];
        unsigned bytes = a->family == OIH_IPV4 ? 4 : 16, bits = 0;
        for (unsigned i = 0; i < bytes; i++)
                for (uint8_t m = a->mask[i]; m & 0x80; m = (uint8_t)(m << 1))
                        bits++;
        inet_ntop(a->family == OIH_IPV4 ? AF_INET : AF_INET6, a->addr, buf, INET6_ADDRSTRLEN);
        if (bits != bytes * 8)
                snprintf(buf + strlen(buf), 8, "/%u", bits);
        return json_object_new_string(buf);
}

static json_object *addrs_json(const struct oih_addr *a, unsigned n, bool inv)
{
        if (n == 1)
                return negatable(addr_json(a), inv);
        json_object *arr = json_object_new_array();
        for (unsigned i = 0; i < n; i++)
                json_object_array_add(arr, addr_json(&a[i]));
        return arr;
}

static json_object *port_json(struct oih_portrange r)
{
        if (r.lo == r.hi)
                return json_object_new_int(r.lo);
        char buf[16];
        snprintf(buf, sizeof(buf), "%u:%u", r.lo, r.hi);
        return json_object_new_string(buf);
}

static json_object *ports_json(const struct oih_ports *p)
{
        if (!p->multi)
                return negatable(port_json(p->r[0]), p->invert);
        json_object *arr = json_object_new_array();
        for (unsigned i = 0; i < p->n; i++)
                json_object_array_add(arr, port_json(p->r[i]));
        return negatable(arr, p->invert);
}

static json_object *names_json(const struct oih_name *t, unsigned mask)
{
        json_object *arr = json_object_new_array();
        for (; t->name; t++)
                if ((mask & t->value) && (t->value & (t->value - 1)) == 0)
                        json_object_array_add(arr, json_object_new_string(t->name));
        return arr;
}

static json_object *id_json(const struct oih_idrange *id)
{
        if (id->lo == id->hi)
                return negatable(json_object_new_int64(id->lo), id->invert);
        char buf[32];
        snprintf(buf, sizeof(buf), "%u-%u", id->lo, id->hi);
        return negatable(json_object_new_string(buf), id->invert);
}

static json_object *rate_json(const struct oih_rule *r)
{
        uint32_t n;
        const struct oih_rate_unit *u = oih_rate_unit_for(r->limit_avg, &n);
        char buf[48];
        snprintf(buf, sizeof(buf), "%u/%s", n, u->name);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "rate", json_object_new_string(buf));
        json_object_object_add(o, "burst", json_object_new_int64(r->limit_burst));
        return o;
}

/* A name or text read from the kernel, where it may hold any byte: json-c would write bytes
 * from 0x7f up raw, so they are escaped here as everywhere else (escape.c). */
static json_object *text_json(const char *s)
{
        char buf[4 * 256 + 1];
        return json_object_new_string(oih_escape(buf, sizeof(buf), s));
}

static json_object *rule_json(const struct oih_rule *r)
{
        json_object *o = json_object_new_object();
        enum oih_family f = r->families == OIH_FAMBIT(OIH_IPV6) ? OIH_IPV6 : OIH_IPV4;
        json_object_object_add(o, "chain", text_json(r->chain));
        json_object_object_add(o, "family", json_object_new_string(r->families == OIH_FAM_BOTH ? "both" : family_names[f]));
        if (r->proto_set) {
                const char *pn = r->proto == 58 ? "icmpv6" : oih_name_of(oih_protocols, r->proto);
                json_object_object_add(o, "protocol", negatable(pn ? json_object_new_string(pn) : json_object_new_int(r->proto), r->proto_inv));
        }
        if (r->nsrc)
                json_object_object_add(o, "source", addrs_json(r->src, r->nsrc, r->src_inv));
        if (r->ndst)
                json_object_object_add(o, "destination", addrs_json(r->dst, r->ndst, r->dst_inv));
        if (r->iniface[0])
                json_object_object_add(o, "in_interface", negatable(text_json(r->iniface), r->iniface_inv));
        if (r->outiface[0])
                json_object_object_add(o, "out_interface", negatable(text_json(r->outiface), r->outiface_inv));
        if (r->sport.n)
                json_object_object_add(o, "sport", ports_json(&r->sport));
        if (r->dport.n)
                json_object_object_add(o, "dport", ports_json(&r->dport));
        if (r->tcpflags_set) {
                json_object *fl = json_object_new_object();
                json_object_object_add(fl, "mask", r->tcpflags_mask ? names_json(oih_tcp_flags, r->tcpflags_mask) : json_object_new_array());
                json_object_object_add(fl, "set", names_json(oih_tcp_flags, r->tcpflags_cmp));
                json_object_object_add(o, "tcp_flags", negatable(fl, r->tcpflags_inv));
        }
        if (r->icmp_set) {
                char buf[16];
                if (r->icmp_code_lo == 0 && r->icmp_code_hi == 0xFF)
                        snprintf(buf, sizeof(buf), r->icmp_type == 0xFF && f == OIH_IPV4 ? "any" : "%u", r->icmp_type);
                else
                        snprintf(buf, sizeof(buf), "%u/%u", r->icmp_type, r->icmp_code_lo);
                json_object_object_add(o, "icmp_type", negatable(json_object_new_string(buf), r->icmp_inv));
        }
        if (r->ctstate_set)
                json_object_object_add(o, "ctstate", negatable(names_json(oih_ct_states, r->ctstate), r->ctstate_inv));
        if (r->state_set)
                json_object_object_add(o, "state", negatable(names_json(oih_ct_states, r->state), r->state_inv));
        if (r->uid.set)
                json_object_object_add(o, "uid_owner", id_json(&r->uid));
        if (r->gid.set)
                json_object_object_add(o, "gid_owner", id_json(&r->gid));
        if (r->limit_set)
                json_object_object_add(o, "limit", rate_json(r));
        if (r->comment)
                json_object_object_add(o, "comment", text_json(r->comment));
        static const char *const tnames[] = {
                [OIH_T_ACCEPT] = "ACCEPT", [OIH_T_DROP] = "DROP", [OIH_T_RETURN] = "RETURN",
                [OIH_T_REJECT] = "REJECT", [OIH_T_LOG] = "LOG", [OIH_T_NFLOG] = "NFLOG",
        };
        if (r->target == OIH_T_JUMP)
                json_object_object_add(o, "target", text_json(r->jump));
        else if (r->target == OIH_T_GOTO)
                json_object_object_add(o, "goto", text_json(r->jump));
        else if (r->target != OIH_T_NONE)
                json_object_object_add(o, "target", json_object_new_string(tnames[r->target]));
        if (r->target == OIH_T_REJECT && r->reject_with[f] >= 0)
                json_object_object_add(o, "reject_with", json_object_new_string(oih_reject_names[f][r->reject_with[f]].name));
        if (r->target == OIH_T_LOG) {
                if (r->log_prefix[0])
                        json_object_object_add(o, "log_prefix", text_json(r->log_prefix));
                if (r->log_level_set)
                        json_object_object_add(o, "log_level", json_object_new_int(r->log_level));
        }
        if (r->target == OIH_T_NFLOG) {
                if (r->nflog_group)
                        json_object_object_add(o, "nflog_group", json_object_new_int(r->nflog_group));
                if (r->nflog_prefix[0])
                        json_object_object_add(o, "nflog_prefix", text_json(r->nflog_prefix));
        }
        return o;
}

static void put(FILE *out, const char *key, json_object *v, bool last)
{
        fprintf(out, "  \"%s\": %s%s\n", key, json_object_to_json_string_ext(v, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE), last ? "" : ",");
        json_object_put(v);
}

int oih_policy_write_json(const struct oih_policy *p, FILE *out)
{
        fputs("{\n", out);
        put(out, "version", json_object_new_int(1), false);
        json_object *pol = json_object_new_object();
        for (int b = 0; b < OIH_NBUILTINS; b++) {
                bool d4 = p->drop[OIH_IPV4][b], d6 = p->drop[OIH_IPV6][b];
                if (d4 == d6) {
                        json_object_object_add(pol, oih_builtin_names[b], json_object_new_string(d4 ? "DROP" : "ACCEPT"));
                } else {
                        json_object *per = json_object_new_object();
                        json_object_object_add(per, "ipv4", json_object_new_string(d4 ? "DROP" : "ACCEPT"));
                        json_object_object_add(per, "ipv6", json_object_new_string(d6 ? "DROP" : "ACCEPT"));
                        json_object_object_add(pol, oih_builtin_names[b], per);
                }
        }
        put(out, "policy", pol, false);
        json_object *chains = json_object_new_array();
        for (unsigned i = 0; i < p->nchains; i++) {
                const struct oih_chain *c = &p->chains[i];
                if (c->families == OIH_FAM_BOTH) {
                        json_object_array_add(chains, text_json(c->name));
                } else {
                        json_object *o = json_object_new_object();
                        json_object_object_add(o, "name", text_json(c->name));
                        json_object_object_add(o, "family", json_object_new_string(family_names[c->families == OIH_FAMBIT(OIH_IPV6)]));
                        json_object_array_add(chains, o);
                }
        }
        put(out, "chains", chains, false);
        fputs("  \"rules\": [\n", out);
        for (unsigned i = 0; i < p->nrules; i++) {
                json_object *r = rule_json(&p->rules[i]);
                fprintf(out, "    %s%s\n", json_object_to_json_string_ext(r, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE),
                        i + 1 < p->nrules ? "," : "");
                json_object_put(r);
        }
        fputs("  ]\n}\n", out);
        return ferror(out) ? -1 : 0;
}
