/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live tables (read by commit.c) printed through a libxtables worker per family (xt.h):
 * as text, exactly what iptables-legacy-save prints (inspect, verify), or as a version-2
 * policy whose rules are the words iptables-legacy-save prints, split back: base fields as
 * friendly keys, every match and target in the generic form (inspect --json). Whatever the
 * extensions print, the policy says it with the same words, so it builds the same entries. */
#include <json-c/json.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"
#include "ruleset.h"
#include "xt.h"

static const char *const family_keys[OIH_NFAMILIES] = { "ipv4", "ipv6" };

struct live {
        const struct oih_ruleset *rs;
        enum oih_family f;
        unsigned tables; /* OIH_TBLBIT of the tables to print */
};

/* ip6tables sets IP6T_F_PROTO with every -p, "-p all" included: the kernel then looks for the
 * protocol header past the extension headers and drops a packet whose headers it cannot walk.
 * iptables-legacy-save prints nothing for protocol 0, so the text of "-p all" is that of a rule
 * without -p: the flag is read from the entry. IPv4 has no such flag. */
static bool proto_flag(enum oih_family f, const void *e)
{
        return f == OIH_IPV6 && (((const struct ip6t_entry *)e)->ipv6.flags & IP6T_F_PROTO);
}

/* ---- text ---- */

static int table_text(enum oih_family f, const struct oih_table *tb, unsigned t, FILE *out, struct oih_error *err)
{
        unsigned nb = oih_table_nbuiltins(t);
        fprintf(out, "*%s\n", oih_table_names[t]);
        for (unsigned b = 0; b < nb; b++)
                fprintf(out, ":%s %s [0:0]\n", oih_table_builtins[t][b], tb->drop[b] ? "DROP" : "ACCEPT");
        for (unsigned i = 0; i < tb->nchains; i++) {
                fputc(':', out);
                oih_put_escaped(out, tb->chains[i], strlen(tb->chains[i]));
                fputs(" - [0:0]\n", out);
        }
        struct oih_by_chain bc;
        if (oih_table_by_chain(f, tb, &bc) < 0)
                return oih_err(err, "out of memory");
        int r = 0;
        for (unsigned k = 0; k < tb->nentries && r == 0; k++) {
                unsigned i = bc.order[k];
                r = oih_xt_render(tb->entries.data + bc.off[i], oih_table_chain_name(tb, tb->chain_of[i]), NULL,
                                  out, err);
        }
        if (r == 0)
                fputs("COMMIT\n", out);
        oih_by_chain_free(&bc);
        return r;
}

static int text_fn(void *ctx, FILE *out, struct oih_error *err)
{
        const struct live *l = ctx;
        for (unsigned t = 0; t < OIH_NTABLES; t++)
                if ((l->tables & OIH_TBLBIT(t)) && table_text(l->f, &l->rs->t[l->f][t], t, out, err) < 0)
                        return -1;
        return 0;
}

int oih_live_text(const struct oih_ruleset *rs, enum oih_family family, FILE *out, struct oih_error *err)
{
        struct live l = { rs, family, rs->present[family] };
        struct oih_xt_out o;
        if (oih_xt_run(family, OIH_XT_ASSUME, text_fn, &l, &o, err) < 0)
                return -1;
        int r = fwrite(o.data, 1, o.len, out) == o.len ? 0 : oih_err(err, "cannot write the rules");
        oih_xt_out_free(&o);
        return r;
}

/* What the text cannot show: the entries of A and B (whose text is the same: they pair in
 * order) that differ in IP6T_F_PROTO, one line each to OUT (NULL: counted only, LA and LB name
 * the sides). Returns their number, or -1. */
static long hidden_diffs(const struct live *a, const struct live *b, const char *la, const char *lb, FILE *out,
                         struct oih_error *err)
{
        long diffs = 0;
        for (unsigned t = 0; t < OIH_NTABLES; t++) {
                if (!(a->tables & OIH_TBLBIT(t)) || !(b->rs->present[b->f] & OIH_TBLBIT(t)))
                        continue;
                const struct oih_table *ta = &a->rs->t[a->f][t], *tb = &b->rs->t[b->f][t];
                struct oih_by_chain ac = { 0 }, bc = { 0 };
                bool ok = oih_table_by_chain(a->f, ta, &ac) == 0 && oih_table_by_chain(b->f, tb, &bc) == 0;
                for (unsigned k = 0; ok && k < ta->nentries && k < tb->nentries && diffs >= 0; k++) {
                        const unsigned char *ea = ta->entries.data + ac.off[ac.order[k]];
                        const unsigned char *eb = tb->entries.data + bc.off[bc.order[k]];
                        bool fa = proto_flag(a->f, ea);
                        if (fa == proto_flag(b->f, eb))
                                continue;
                        diffs++;
                        if (out == NULL)
                                continue;
                        fprintf(out, "!%s: IP6T_F_PROTO (-p, \"-p all\" too: the kernel looks for the protocol header "
                                     "past the extension headers) in %s, not in %s: ",
                                oih_table_names[t], fa ? la : lb, fa ? lb : la);
                        if (oih_xt_render(eb, oih_table_chain_name(tb, tb->chain_of[bc.order[k]]), NULL, out, err) < 0)
                                diffs = -1;
                }
                oih_by_chain_free(&ac);
                oih_by_chain_free(&bc);
                if (!ok)
                        return oih_err(err, "out of memory");
                if (diffs < 0)
                        return -1;
        }
        return diffs;
}

/* The wanted and the live text of one family, in one worker: "1" when they are the same. */
struct same {
        struct live want, live;
        const char *label_want, *label_live;
};

static int same_fn(void *ctx, FILE *out, struct oih_error *err)
{
        const struct same *s = ctx;
        char *a = NULL, *b = NULL;
        size_t alen = 0, blen = 0;
        FILE *fa = open_memstream(&a, &alen), *fb = open_memstream(&b, &blen);
        int r = fa && fb ? 0 : oih_err(err, "out of memory");
        if (r == 0)
                r = text_fn((void *)&s->want, fa, err);
        if (r == 0)
                r = text_fn((void *)&s->live, fb, err);
        if (fa)
                fclose(fa);
        if (fb)
                fclose(fb);
        long hidden = 0;
        if (r == 0 && alen == blen && memcmp(a, b, alen) == 0)
                hidden = hidden_diffs(&s->want, &s->live, NULL, NULL, NULL, err);
        else
                hidden = 1;
        if (r == 0 && hidden >= 0)
                fputs(hidden == 0 ? "1" : "0", out);
        free(a);
        free(b);
        return r == 0 && hidden >= 0 ? 0 : -1;
}

int oih_live_same(const struct oih_ruleset *want, const struct oih_ruleset *live, struct oih_error *err)
{
        if (oih_tables_same_bytes(want, live))
                return 1;
        unsigned tables = want->tables | OIH_TBLBIT(OIH_TBL_FILTER);
        struct same s[OIH_NFAMILIES];
        void *ctx[OIH_NFAMILIES];
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                if ((live->present[f] & tables) != tables)
                        return oih_err(err, "the tables read back lack one the policy names");
                s[f] = (struct same){ { want, (enum oih_family)f, tables }, { live, (enum oih_family)f, tables },
                                      NULL, NULL };
                ctx[f] = &s[f];
        }
        struct oih_xt_out o[OIH_NFAMILIES];
        if (oih_xt_run_each(OIH_XT_ASSUME, same_fn, ctx, o, err) < 0)
                return -1;
        int r = 1;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                if (strcmp(o[f].data, "1") != 0)
                        r = 0;
                oih_xt_out_free(&o[f]);
        }
        return r;
}

static int hidden_fn(void *ctx, FILE *out, struct oih_error *err)
{
        const struct same *s = ctx;
        return hidden_diffs(&s->want, &s->live, s->label_want, s->label_live, out, err) < 0 ? -1 : 0;
}

int oih_live_hidden_diff(const struct oih_ruleset *want, const struct oih_ruleset *live, enum oih_family family,
                         const char *label_want, const char *label_live, FILE *out, struct oih_error *err)
{
        unsigned tables = want->tables | OIH_TBLBIT(OIH_TBL_FILTER);
        struct same s = { { want, family, tables }, { live, family, tables }, label_want, label_live };
        struct oih_xt_out o;
        if (oih_xt_run(family, OIH_XT_ASSUME, hidden_fn, &s, &o, err) < 0)
                return -1;
        /* one line each */
        int n = 0;
        for (const char *p = o.data; *p; p++)
                n += *p == '\n';
        if (n > 0)
                fprintf(out, "--- %s\n+++ %s\n%s", label_want, label_live, o.data);
        oih_xt_out_free(&o);
        return n;
}

/* ---- a saved line back into a rule ---- */

struct word {
        char *s;
        bool quoted; /* a quoted word is always a value, whatever it looks like */
};
#define MAX_WORDS 4096

/* Splits LINE in place at spaces; "..." as xtables_save_string quotes (\" \\ \'). */
static int split(char *line, struct word *w, int max)
{
        int n = 0;
        char *p = line;
        while (*p) {
                if (*p == ' ') {
                        p++;
                        continue;
                }
                if (n == max)
                        return -1;
                if (*p == '"') {
                        char *dst = p, *src = p + 1;
                        w[n] = (struct word){ dst, true };
                        while (*src && *src != '"') {
                                if (*src == '\\' && src[1])
                                        src++;
                                *dst++ = *src++;
                        }
                        if (*src != '"')
                                return -1;
                        *dst = '\0';
                        p = src + 1;
                } else {
                        w[n] = (struct word){ p, false };
                        p += strcspn(p, " ");
                        if (*p)
                                *p++ = '\0';
                }
                n++;
        }
        return n;
}

static bool is(const struct word *w, const char *s)
{
        return !w->quoted && strcmp(w->s, s) == 0;
}

/* A name or text read from the kernel, where it may hold any byte: escaped (escape.c) as
 * everywhere else; a policy cannot hold such bytes anyway. */
static json_object *text_json(const char *s)
{
        char buf[4 * 512 + 1];
        return json_object_new_string(oih_escape(buf, sizeof(buf), s));
}

static json_object *negatable(json_object *v, bool inv)
{
        if (!inv)
                return v;
        json_object *o = json_object_new_object();
        json_object_object_add(o, "not", v);
        return o;
}

/* The options of extension EXT from W[*I] on, until the next -m/-j/-g, into OPTS (array form:
 * ordered, repeats allowed). */
static int options(const struct word *w, int n, int *i, const char *ext, bool target, json_object *opts)
{
        while (*i < n && !is(&w[*i], "-m") && !is(&w[*i], "-j") && !is(&w[*i], "-g")) {
                bool inv = is(&w[*i], "!");
                if (inv && ++*i == n)
                        return -1;
                const struct word *o = &w[(*i)++];
                if (o->quoted || strncmp(o->s, "--", 2) != 0 || o->s[2] == '\0')
                        return -1;
                json_object *vals = json_object_new_array();
                /* the value of an option that takes one, whatever it looks like ("--comment -x"),
                 * then the words that are no option (two-word options: --tcp-flags A B) */
                if (oih_xt_option_arg(ext, target, o->s + 2) == 1 && *i < n)
                        json_object_array_add(vals, text_json(w[(*i)++].s));
                while (*i < n && (w[*i].quoted || (w[*i].s[0] != '-' && !is(&w[*i], "!"))))
                        json_object_array_add(vals, text_json(w[(*i)++].s));
                size_t k = json_object_array_length(vals);
                json_object *v = vals;
                if (k == 0) {
                        json_object_put(vals);
                        v = json_object_new_boolean(true);
                } else if (k == 1) {
                        v = json_object_get(json_object_array_get_idx(vals, 0));
                        json_object_put(vals);
                }
                json_object *one = json_object_new_object();
                json_object_object_add(one, o->s + 2, negatable(v, inv));
                json_object_array_add(opts, one);
        }
        return 0;
}

/* PROTO_ALL: the entry has "-p all", which W does not say (proto_flag) */
static json_object *rule_json(unsigned table, const char *chain, enum oih_family f, bool proto_all, struct word *w,
                              int n)
{
        static const struct {
                const char *opt, *key;
        } base[] = {
                { "-s", "source" }, { "-d", "destination" }, { "-i", "in_interface" },
                { "-o", "out_interface" }, { "-p", "protocol" },
        };
        /* matches before the target, as iptables prints them */
        json_object *o = json_object_new_object(), *matches = NULL, *tail = json_object_new_object();
        if (table != OIH_TBL_FILTER)
                json_object_object_add(o, "table", json_object_new_string(oih_table_names[table]));
        json_object_object_add(o, "chain", text_json(chain));
        json_object_object_add(o, "family", json_object_new_string(family_keys[f]));
        if (proto_all)
                json_object_object_add(o, "protocol", json_object_new_string("all"));
        bool inv = false, done = false;
        int i = 0;
        while (i < n && !done) {
                size_t b = 0;
                while (b < sizeof(base) / sizeof(base[0]) && !is(&w[i], base[b].opt))
                        b++;
                if (is(&w[i], "!") && !inv) {
                        inv = true;
                        i++;
                } else if (b < sizeof(base) / sizeof(base[0]) && i + 1 < n) {
                        json_object_object_add(o, base[b].key, negatable(text_json(w[i + 1].s), inv));
                        inv = false;
                        i += 2;
                } else if (is(&w[i], "-f")) {
                        json_object_object_add(o, "fragment", negatable(json_object_new_boolean(true), inv));
                        inv = false;
                        i++;
                } else if (is(&w[i], "-g") && i + 1 < n && !inv) {
                        json_object_object_add(tail, "goto", text_json(w[i + 1].s));
                        i += 2;
                        done = true;
                } else if ((is(&w[i], "-m") || is(&w[i], "-j")) && i + 1 < n && !inv) {
                        bool target = w[i].s[1] == 'j';
                        const char *ext = w[i + 1].s;
                        json_object *opts = json_object_new_array(), *into = tail;
                        i += 2;
                        if (options(w, n, &i, ext, target, opts) < 0) {
                                json_object_put(opts);
                                break;
                        }
                        if (!target) {
                                into = json_object_new_object();
                                if (matches == NULL)
                                        matches = json_object_new_array();
                                json_object_array_add(matches, into);
                        }
                        json_object_object_add(into, target ? "target" : "match", text_json(ext));
                        if (json_object_array_length(opts) > 0)
                                json_object_object_add(into, target ? "target_options" : "options", opts);
                        else
                                json_object_put(opts);
                        done = target;
                } else {
                        break;
                }
        }
        if (i < n || inv) {
                json_object_put(matches);
                json_object_put(tail);
                json_object_put(o);
                return NULL;
        }
        if (matches != NULL)
                json_object_object_add(o, "matches", matches);
        json_object_object_foreach(tail, key, val)
                json_object_object_add(o, key, json_object_get(val));
        json_object_put(tail);
        return o;
}

static int json_fn(void *ctx, FILE *out, struct oih_error *err)
{
        const struct live *l = ctx;
        struct word *w = calloc(MAX_WORDS, sizeof(*w));
        if (w == NULL)
                return oih_err(err, "out of memory");
        int r = 0;
        for (unsigned t = 0; t < OIH_NTABLES && r == 0; t++) {
                if (!(l->rs->present[l->f] & OIH_TBLBIT(t)))
                        continue;
                const struct oih_table *tb = &l->rs->t[l->f][t];
                size_t off = 0;
                for (unsigned i = 0; i < tb->nentries && r == 0; i++) {
                        const unsigned char *e = tb->entries.data + off;
                        const char *chain = oih_table_chain_name(tb, tb->chain_of[i]);
                        char *line = NULL, name[256];
                        off += oih_xt_entry_size(e);
                        if (oih_xt_render_line(e, NULL, &line, err) < 0) {
                                r = -1;
                                break;
                        }
                        /* "-A - " first: the chain is given apart. A protocol the flag
                         * contradicts (another tool wrote it) no policy builds. */
                        const struct ip6t_ip6 *ip6 = &((const struct ip6t_entry *)e)->ipv6;
                        bool all = proto_flag(l->f, e) && ip6->proto == 0;
                        bool odd = l->f == OIH_IPV6 && (all ? (ip6->invflags & IP6T_INV_PROTO) != 0
                                                             : !proto_flag(l->f, e) && ip6->proto != 0);
                        int n = strncmp(line, "-A - ", 5) == 0 && !odd ? split(line + 5, w, MAX_WORDS) : -1;
                        json_object *o = n >= 0 ? rule_json(t, chain, l->f, all, w, n) : NULL;
                        if (o == NULL) {
                                r = oih_err(err, "%s %s table, chain %s, rule %u: cannot be written as a policy rule",
                                            family_keys[l->f], oih_table_names[t],
                                            oih_escape(name, sizeof(name), chain), i + 1);
                        } else {
                                fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
                                json_object_put(o);
                        }
                        free(line);
                }
        }
        free(w);
        return r;
}

/* The policies and user chains of every table read, both families in one. */
static json_object *tables_json(const struct oih_ruleset *rs)
{
        json_object *tables = json_object_new_object();
        for (unsigned t = 0; t < OIH_NTABLES; t++) {
                if (!(rs->tables & OIH_TBLBIT(t)))
                        continue;
                json_object *tj = json_object_new_object(), *pol = json_object_new_object(), *chains = json_object_new_array();
                for (unsigned b = 0; oih_table_builtins[t][b] != NULL; b++) {
                        /* a family without the table: what an empty one does */
                        bool d[OIH_NFAMILIES];
                        for (int f = 0; f < OIH_NFAMILIES; f++)
                                d[f] = (rs->present[f] & OIH_TBLBIT(t)) && rs->t[f][t].drop[b];
                        json_object *v;
                        if (d[OIH_IPV4] == d[OIH_IPV6]) {
                                v = json_object_new_string(d[OIH_IPV4] ? "DROP" : "ACCEPT");
                        } else {
                                v = json_object_new_object();
                                for (int f = 0; f < OIH_NFAMILIES; f++)
                                        json_object_object_add(v, family_keys[f], json_object_new_string(d[f] ? "DROP" : "ACCEPT"));
                        }
                        json_object_object_add(pol, oih_table_builtins[t][b], v);
                }
                for (int f = 0; f < OIH_NFAMILIES; f++) {
                        const struct oih_table *tb = &rs->t[f][t];
                        const struct oih_table *other = &rs->t[1 - f][t];
                        for (unsigned i = 0; (rs->present[f] & OIH_TBLBIT(t)) && i < tb->nchains; i++) {
                                bool both = false;
                                for (unsigned k = 0; (rs->present[1 - f] & OIH_TBLBIT(t)) && k < other->nchains; k++)
                                        both = both || strcmp(other->chains[k], tb->chains[i]) == 0;
                                if (both && f == OIH_IPV6)
                                        continue;
                                if (both) {
                                        json_object_array_add(chains, text_json(tb->chains[i]));
                                } else {
                                        json_object *c = json_object_new_object();
                                        json_object_object_add(c, "name", text_json(tb->chains[i]));
                                        json_object_object_add(c, "family", json_object_new_string(family_keys[f]));
                                        json_object_array_add(chains, c);
                                }
                        }
                }
                json_object_object_add(tj, "policy", pol);
                json_object_object_add(tj, "chains", chains);
                json_object_object_add(tables, oih_table_names[t], tj);
        }
        return tables;
}

int oih_live_json(const struct oih_ruleset *rs, const char *names, FILE *out, struct oih_error *err)
{
        struct oih_xt_out o[OIH_NFAMILIES];
        struct live l[OIH_NFAMILIES] = { { rs, OIH_IPV4, 0 }, { rs, OIH_IPV6, 0 } };
        void *ctx[OIH_NFAMILIES] = { &l[0], &l[1] };
        if (oih_xt_run_each(OIH_XT_ASSUME, json_fn, ctx, o, err) < 0)
                return -1;
        json_object *tables = tables_json(rs);
        fprintf(out, "{\n  \"version\": 2,\n  \"tables\": %s,\n  \"rules\": [\n",
                json_object_to_json_string_ext(tables, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(tables);
        bool first = true;
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (char *line = o[f].data, *end; line != NULL && *line; line = end + 1) {
                        end = strchr(line, '\n');
                        if (end == NULL)
                                break;
                        fprintf(out, "%s    %.*s", first ? "" : ",\n", (int)(end - line), line);
                        first = false;
                }
                oih_xt_out_free(&o[f]);
        }
        fputs(first ? "  ]" : "\n  ]", out);
        if (names != NULL)
                fprintf(out, ",\n  \"names\": %s", names);
        fputs("\n}\n", out);
        return ferror(out) ? oih_err(err, "cannot write the policy") : 0;
}
