/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate: iptables shell scripts and iptables-save dumps -> a version-2 policy.
 *
 * Phases: lex (shell words of one logical line) -> classify (which simple commands are iptables
 * commands) -> parse (libxtables, in a worker of the line's family: the command, its table, each
 * entry as iptables-save prints it and as a policy rule of the user's own words) -> replay (the
 * command's effect on an in-memory copy of every table of both families) -> emit (the final
 * tables as JSON, parsed and compiled as `check` and `show` do, and compared with the replayed
 * tables before anything is printed). */
#define _GNU_SOURCE
#include "migrate.h"
#include "oih.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oih.h"
#include "policy.h"
#include "xt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CHAIN_MAX 28

static void *xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n ? n : 1);
        if (q == NULL)
                abort();
        return q;
}

static char *xstrdup(const char *s)
{
        char *d = strdup(s);
        if (d == NULL)
                abort();
        return d;
}

/* Grows *P (of *CAP elements of SIZE bytes) so that index N fits. */
static void grow(void *pp, size_t *cap, size_t n, size_t size)
{
        void **p = pp;
        if (n < *cap)
                return;
        size_t c = *cap ? *cap * 2 : 8;
        while (c <= n)
                c *= 2;
        *p = xrealloc(*p, c * size);
        *cap = c;
}

struct sbuf {
        char *s;
        size_t n, cap;
};

static void sb_add(struct sbuf *b, char c)
{
        grow(&b->s, &b->cap, b->n + 1, 1);
        b->s[b->n++] = c;
        b->s[b->n] = '\0';
}

static void sb_adds(struct sbuf *b, const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                sb_add(b, s[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Shell variables: only what earlier lines assigned. A variable whose value we cannot know
 * ($(...), $1) is kept with the reason, which becomes the error if an iptables command uses it. */

struct var {
        char *name, *value;
        const char *bad;
        unsigned line;
};

struct vars {
        struct var *v;
        size_t n, cap;
};

static struct var *var_find(struct vars *vs, const char *name, size_t len)
{
        for (size_t i = 0; i < vs->n; i++)
                if (strlen(vs->v[i].name) == len && memcmp(vs->v[i].name, name, len) == 0)
                        return &vs->v[i];
        return NULL;
}

static int var_set(struct vars *vs, const char *name, const char *value, const char *bad,
                   unsigned line)
{
        struct var *v = var_find(vs, name, strlen(name));
        if (v == NULL) {
                if (vs->n >= OIH_MIGRATE_MAX_VARS)
                        return -1;
                grow(&vs->v, &vs->cap, vs->n, sizeof(*vs->v));
                v = &vs->v[vs->n++];
                v->name = xstrdup(name);
        } else {
                free(v->value);
        }
        v->value = xstrdup(value);
        v->bad = bad;
        v->line = line;
        return 0;
}

static void vars_free(struct vars *vs)
{
        for (size_t i = 0; i < vs->n; i++) {
                free(vs->v[i].name);
                free(vs->v[i].value);
        }
        free(vs->v);
}

/* ------------------------------------------------------------------------------------------ */
/* Lexer: one logical line (continuations and multi-line quotes joined) into tokens. */

enum tk { TK_WORD, TK_SEMI, TK_AND, TK_OR, TK_PIPE, TK_BG, TK_LPAREN, TK_RPAREN, TK_DSEMI,
          TK_REDIR, TK_HEREDOC };

struct token {
        enum tk kind;
        char *s;                /* the word, expanded; for TK_HEREDOC the delimiter */
        const char *bad;        /* why this word's value is unknown (static string) */
        char badvar[64];        /* the variable or text it comes from */
        bool quoted;            /* some part was quoted (no keyword, no assignment) */
        bool assign;            /* NAME=... with an unquoted NAME */
};

struct tline {
        struct token *t;
        size_t n, cap;
        unsigned first, last;   /* physical line numbers */
        const char *start;      /* first byte of the first physical line */
        const char *err;        /* lexing failed: why */
        bool heredoc_strip;
};

struct lexer {
        const char *p, *end;
        unsigned line;
        struct vars *vars;      /* NULL: no expansion ($ is literal, as in iptables-restore) */
        /* current word */
        struct sbuf w;
        bool inword, quoted, assign_ok;
        const char *bad;
        char badvar[64];
};

static void tline_clear(struct tline *tl)
{
        for (size_t i = 0; i < tl->n; i++)
                free(tl->t[i].s);
        tl->n = 0;
        tl->err = NULL;
        tl->heredoc_strip = false;
}

static int push_tok(struct lexer *lx, struct tline *tl, enum tk kind, const char *s)
{
        if (tl->n >= OIH_MIGRATE_MAX_TOKENS) {
                tl->err = "too many words on one line";
                return -1;
        }
        grow(&tl->t, &tl->cap, tl->n, sizeof(*tl->t));
        struct token *t = &tl->t[tl->n++];
        memset(t, 0, sizeof(*t));
        t->kind = kind;
        t->s = xstrdup(s ? s : "");
        if (kind == TK_WORD) {
                t->bad = lx->bad;
                memcpy(t->badvar, lx->badvar, sizeof(t->badvar));
                t->quoted = lx->quoted;
        }
        return 0;
}

static int end_word(struct lexer *lx, struct tline *tl)
{
        if (!lx->inword)
                return 0;
        int r = push_tok(lx, tl, TK_WORD, lx->w.s ? lx->w.s : "");
        /* NAME=value: the word starts unquoted and its first '=' follows a valid name */
        if (r == 0 && lx->assign_ok) {
                const char *s = tl->t[tl->n - 1].s;
                const char *eq = strchr(s, '=');
                size_t k = 0;
                while (isalnum((unsigned char)s[k]) || s[k] == '_')
                        k++;
                tl->t[tl->n - 1].assign = eq && k > 0 && s + k == eq && !isdigit((unsigned char)s[0]);
        }
        lx->inword = lx->quoted = lx->assign_ok = false;
        lx->bad = NULL;
        lx->badvar[0] = '\0';
        lx->w.n = 0;
        if (lx->w.s)
                lx->w.s[0] = '\0';
        return r;
}

static void word_add(struct lexer *lx, char c)
{
        lx->inword = true;
        sb_add(&lx->w, c);
}

static void mark_bad(struct lexer *lx, const char *why, const char *what, size_t len)
{
        lx->inword = true;
        if (lx->bad)
                return;
        lx->bad = why;
        if (len >= sizeof(lx->badvar))
                len = sizeof(lx->badvar) - 1;
        memcpy(lx->badvar, what, len);
        lx->badvar[len] = '\0';
}

/* Skips a balanced $( ... ) or ` ... ` starting at P (just after the opener); returns the end
 * (just after the closer) or NULL when the line ends first. Quotes inside are honoured. */
static const char *skip_subst(struct lexer *lx, const char *p, char close)
{
        int depth = 1;
        while (p < lx->end) {
                char c = *p;
                if (c == '\n')
                        lx->line++;
                if (c == '\\' && p + 1 < lx->end) {
                        if (p[1] == '\n')
                                lx->line++;
                        p += 2;
                        continue;
                }
                if (c == '\'' && close == ')') {
                        const char *q = memchr(p + 1, '\'', (size_t)(lx->end - p - 1));
                        if (q == NULL)
                                return NULL;
                        for (const char *x = p; x < q; x++)
                                lx->line += *x == '\n';
                        p = q + 1;
                        continue;
                }
                if (close == ')' && c == '(')
                        depth++;
                else if (c == close && --depth == 0)
                        return p + 1;
                p++;
        }
        return NULL;
}

/* `which iptables`, $(command -v iptables): the usual way of finding the binary; the value is
 * the name itself, which is all that migrate needs to know. */
static bool subst_is_lookup(const char *s, size_t n, struct sbuf *out)
{
        char tmp[256];
        if (n >= sizeof(tmp))
                return false;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *words[4];
        int nw = 0;
        for (char *tok = strtok(tmp, " \t"); tok; tok = strtok(NULL, " \t")) {
                if (nw == 4)
                        return false;
                words[nw++] = tok;
        }
        const char *name = NULL;
        if (nw == 2 && strcmp(words[0], "which") == 0)
                name = words[1];
        else if (nw == 3 && strcmp(words[0], "command") == 0 && strcmp(words[1], "-v") == 0)
                name = words[2];
        else if (nw == 3 && strcmp(words[0], "type") == 0 && strcmp(words[1], "-P") == 0)
                name = words[2];
        if (name == NULL)
                return false;
        for (const char *c = name; *c; c++)
                if (!isalnum((unsigned char)*c) && !strchr("/-_.", *c))
                        return false;
        out->n = 0;
        sb_adds(out, name, strlen(name));
        return true;
}

static void add_value(struct lexer *lx, struct tline *tl, const char *v, bool split)
{
        for (; *v; v++) {
                if (split && (*v == ' ' || *v == '\t' || *v == '\n')) {
                        end_word(lx, tl);
                        continue;
                }
                word_add(lx, *v);
        }
        lx->inword = true;
}

/* P points after '$'. Returns the position after the expansion. */
static const char *expand(struct lexer *lx, struct tline *tl, const char *p, bool dq)
{
        const char *end = lx->end;
        if (p < end && *p == '(') {
                bool arith = p + 1 < end && p[1] == '(';
                const char *q = skip_subst(lx, p + 1, ')');
                if (q == NULL) {
                        tl->err = "unterminated $(";
                        return end;
                }
                struct sbuf v = { 0 };
                if (!arith && subst_is_lookup(p + 1, (size_t)(q - 1 - (p + 1)), &v))
                        add_value(lx, tl, v.s, false);
                else
                        mark_bad(lx, arith ? "arithmetic expansion" : "command substitution",
                                 p - 1, (size_t)(q - p + 1));
                free(v.s);
                return q;
        }
        const char *name = p, *dflt = NULL;
        size_t len = 0, dlen = 0;
        const char *after;
        if (p < end && *p == '{') {
                const char *q = memchr(p, '}', (size_t)(end - p));
                if (q == NULL) {
                        tl->err = "unterminated ${";
                        return end;
                }
                name = p + 1;
                while (name + len < q && (isalnum((unsigned char)name[len]) || name[len] == '_'))
                        len++;
                const char *rest = name + len;
                if (rest + 1 < q && rest[0] == ':' && rest[1] == '-') {
                        dflt = rest + 2;
                        dlen = (size_t)(q - dflt);
                } else if (rest < q && rest[0] == '-') {
                        dflt = rest + 1;
                        dlen = (size_t)(q - dflt);
                } else if (rest != q || len == 0) {
                        mark_bad(lx, "parameter expansion", p - 1, (size_t)(q - p + 2));
                        return q + 1;
                }
                after = q + 1;
        } else if (p < end && (isalpha((unsigned char)*p) || *p == '_')) {
                while (p + len < end && (isalnum((unsigned char)p[len]) || p[len] == '_'))
                        len++;
                after = p + len;
        } else if (p < end && (isdigit((unsigned char)*p) || strchr("@*#?$!-", *p))) {
                mark_bad(lx, "positional or special parameter", p - 1, 2);
                return p + 1;
        } else {
                word_add(lx, '$');
                return p;
        }
        if (lx->vars == NULL) {
                word_add(lx, '$');
                return p;
        }
        struct var *v = var_find(lx->vars, name, len);
        if (v && v->bad) {
                mark_bad(lx, v->bad, name, len);
        } else if (v) {
                add_value(lx, tl, v->value, !dq);
        } else if (dflt) {
                char tmp[256];
                size_t n = dlen < sizeof(tmp) - 1 ? dlen : sizeof(tmp) - 1;
                memcpy(tmp, dflt, n);
                tmp[n] = '\0';
                add_value(lx, tl, tmp, !dq);
        } else {
                mark_bad(lx, "variable that this file does not set", name, len);
        }
        return after;
}

static int redir_or_op(struct lexer *lx, struct tline *tl, const char **pp)
{
        const char *p = *pp, *end = lx->end;
        char c = *p;
        char op[4] = { 0 };
        /* a word of digits directly before < or > is the file descriptor: part of the redirection */
        bool fd = false;
        if ((c == '<' || c == '>') && lx->inword && !lx->quoted && lx->w.n > 0) {
                fd = true;
                for (size_t i = 0; i < lx->w.n; i++)
                        fd = fd && isdigit((unsigned char)lx->w.s[i]);
        }
        if (fd) {
                lx->inword = false;
                lx->w.n = 0;
        } else if (end_word(lx, tl) < 0) {
                return -1;
        }
        if (c == '<' && p + 1 < end && p[1] == '<') {
                bool strip = p + 2 < end && p[2] == '-';
                p += strip ? 3 : 2;
                if (p < end && *p == '<') {     /* <<< here-string: input, harmless */
                        *pp = p + 1;
                        return push_tok(lx, tl, TK_REDIR, "<<<");
                }
                tl->heredoc_strip = strip;
                *pp = p;
                return push_tok(lx, tl, TK_HEREDOC, "");
        }
        if (c == '>' || c == '<') {
                op[0] = c;
                p++;
                if (p < end && (*p == '>' || *p == '&' || *p == '|'))
                        op[1] = *p++;
                *pp = p;
                return push_tok(lx, tl, TK_REDIR, op);
        }
        if (c == '&' && p + 1 < end && p[1] == '>') {
                p += 2;
                if (p < end && *p == '>')
                        p++;
                *pp = p;
                return push_tok(lx, tl, TK_REDIR, "&>");
        }
        enum tk k;
        if (c == ';')
                k = (p + 1 < end && p[1] == ';') ? TK_DSEMI : TK_SEMI;
        else if (c == '&')
                k = (p + 1 < end && p[1] == '&') ? TK_AND : TK_BG;
        else if (c == '|')
                k = (p + 1 < end && p[1] == '|') ? TK_OR : TK_PIPE;
        else if (c == '(')
                k = TK_LPAREN;
        else
                k = TK_RPAREN;
        p += (k == TK_DSEMI || k == TK_AND || k == TK_OR) ? 2 : 1;
        if (k == TK_PIPE && p < end && *p == '&')
                p++;
        *pp = p;
        return push_tok(lx, tl, k, NULL);
}

/* Reads one logical line into TL. Returns 0, or 1 at the end of input. */
static int lex_line(struct lexer *lx, struct tline *tl)
{
        tline_clear(tl);
        if (lx->p >= lx->end)
                return 1;
        tl->first = lx->line;
        tl->start = lx->p;
        const char *p = lx->p, *end = lx->end, *begin = lx->p;
        lx->inword = lx->quoted = false;
        lx->bad = NULL;
        lx->w.n = 0;
        while (p < end && tl->err == NULL) {
                if ((size_t)(p - begin) > OIH_MIGRATE_MAX_LINE) {
                        tl->err = "line too long";
                        break;
                }
                char c = *p;
                if (c == '\n') {
                        p++;
                        break;
                }
                if (c == ' ' || c == '\t' || c == '\r') {
                        end_word(lx, tl);
                        p++;
                } else if (c == '\\') {
                        if (p + 1 < end && p[1] == '\n') {
                                lx->line++;
                                p += 2;
                        } else if (p + 1 < end) {
                                word_add(lx, p[1]);
                                lx->quoted = true;
                                p += 2;
                        } else {
                                p++;
                        }
                } else if (c == '#' && !lx->inword && lx->vars != NULL) {
                        while (p < end && *p != '\n')
                                p++;
                } else if (c == '\'') {
                        const char *q = memchr(p + 1, '\'', (size_t)(end - p - 1));
                        if (q == NULL) {
                                tl->err = "unterminated quote";
                                break;
                        }
                        lx->inword = lx->quoted = true;
                        for (const char *x = p + 1; x < q; x++) {
                                lx->line += *x == '\n';
                                word_add(lx, *x);
                        }
                        p = q + 1;
                } else if (c == '"') {
                        lx->inword = lx->quoted = true;
                        p++;
                        while (p < end && *p != '"' && tl->err == NULL) {
                                if ((size_t)(p - begin) > OIH_MIGRATE_MAX_LINE) {
                                        tl->err = "line too long";
                                        break;
                                }
                                if (*p == '\\' && p + 1 < end && strchr("\\\"$`\n", p[1])) {
                                        if (p[1] == '\n')
                                                lx->line++;
                                        else
                                                word_add(lx, p[1]);
                                        p += 2;
                                } else if (*p == '$') {
                                        p = expand(lx, tl, p + 1, true);
                                } else if (*p == '`') {
                                        const char *q = skip_subst(lx, p + 1, '`');
                                        if (q == NULL) {
                                                tl->err = "unterminated `";
                                                break;
                                        }
                                        mark_bad(lx, "command substitution", p, (size_t)(q - p));
                                        p = q;
                                } else {
                                        lx->line += *p == '\n';
                                        word_add(lx, *p++);
                                }
                        }
                        if (p >= end && tl->err == NULL)
                                tl->err = "unterminated quote";
                        p++;
                } else if (c == '$' && lx->vars != NULL) {
                        p = expand(lx, tl, p + 1, false);
                } else if (c == '`' && lx->vars != NULL) {
                        const char *q = skip_subst(lx, p + 1, '`');
                        if (q == NULL) {
                                tl->err = "unterminated `";
                                break;
                        }
                        struct sbuf v = { 0 };
                        if (subst_is_lookup(p + 1, (size_t)(q - 1 - (p + 1)), &v))
                                add_value(lx, tl, v.s, false);
                        else
                                mark_bad(lx, "command substitution", p, (size_t)(q - p));
                        free(v.s);
                        p = q;
                } else if (lx->vars != NULL && strchr(";&|()<>", c)) {
                        if (redir_or_op(lx, tl, &p) < 0)
                                break;
                } else {
                        if (!lx->inword)
                                lx->assign_ok = true;
                        word_add(lx, c);
                        p++;
                }
        }
        if (tl->err == NULL)
                end_word(lx, tl);
        if (tl->err) {
                /* resynchronise at the next physical line */
                while (p < end && *p != '\n')
                        p++;
                if (p < end)
                        p++;
        }
        tl->last = lx->line;
        lx->line++;
        lx->p = p;
        return 0;
}

int oih_migrate_split(const char *line, char *buf, size_t size, struct oih_error *err)
{
        struct vars vs = { 0 };
        struct lexer lx = { .p = line, .end = line + strlen(line), .line = 1, .vars = &vs };
        struct tline tl = { 0 };
        lex_line(&lx, &tl);
        int r = (int)tl.n;
        size_t off = 0;
        if (tl.err) {
                r = oih_err(err, "%s", tl.err);
        } else {
                for (size_t i = 0; i < tl.n; i++) {
                        const char *s = tl.t[i].kind == TK_WORD ? tl.t[i].s
                                : tl.t[i].kind == TK_REDIR ? "<redir>" : "<op>";
                        int k = snprintf(buf + off, size - off, "%s%s", i ? "\x1f" : "", s);
                        if (k < 0 || (size_t)k >= size - off) {
                                r = oih_err(err, "buffer too small");
                                break;
                        }
                        off += (size_t)k;
                }
        }
        if (tl.n == 0 && size)
                buf[0] = '\0';
        tline_clear(&tl);
        free(tl.t);
        free(lx.w.s);
        vars_free(&vs);
        return r;
}

/* ------------------------------------------------------------------------------------------ */
/* The worker side: one iptables command line -> what it does, with each entry as a policy rule.
 *
 * Runs inside a libxtables worker of the line's family (xt.h). The request is JSON:
 * {"argv": [...], "table": DEFAULT, "chains": {"filter": [...], ...}}; the answer too:
 * {"error": MSG} or {"command": "A", "table", "chain", "arg", "rulenum", "t": bool,
 *  "entries": [{"key": TEXT, "rule": {...}, "jump": CHAIN}]}. KEY is the entry as
 * iptables-legacy-save prints it after "-A CHAIN": how -D and -C find a rule, as iptables
 * compares entries. RULE holds the user's own words (POLICY-V2.md: friendly base fields, every
 * match generic, in the user's order) and is checked before it is answered: its words, parsed
 * as the policy compiler lays them out, must print exactly KEY. */

#define MSGLEN 400
static const char *const table_names[] = { "filter", "nat", "mangle", "raw" };
#define NTABLES 4
#define MAX_BUILTINS 5
static const char *const builtin_chains[NTABLES][MAX_BUILTINS + 1] = {
        { "INPUT", "FORWARD", "OUTPUT", NULL },
        { "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING", NULL },
        { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", NULL },
        { "PREROUTING", "OUTPUT", NULL },
};

static int table_index(const char *name)
{
        for (int i = 0; i < NTABLES; i++)
                if (strcmp(table_names[i], name) == 0)
                        return i;
        return -1;
}

static const char *jtext(struct json_object *o)
{
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static const char *jstr(struct json_object *o, const char *key)
{
        struct json_object *v;
        return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v) : NULL;
}

static bool all_digits(const char *s)
{
        if (*s == '\0')
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char)*s))
                        return false;
        return true;
}

static struct json_object *jnot(struct json_object *v, bool inv)
{
        if (!inv)
                return v;
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "not", v);
        return o;
}

/* The value of an option: true, one word, or the words (POLICY-V2 OPTIONS). */
static struct json_object *opt_value(char *const *av, const struct oih_xt_opt *o)
{
        int w = o->word + (o->invert && strcmp(av[o->word], "!") == 0);
        int end = o->word + o->nwords;
        struct json_object *a = json_object_new_array();
        const char *eq = strncmp(av[w], "--", 2) == 0 ? strchr(av[w], '=') : NULL;
        if (eq != NULL)
                json_object_array_add(a, json_object_new_string(eq + 1));
        for (int k = w + 1; k < end; k++)
                json_object_array_add(a, json_object_new_string(av[k]));
        size_t n = json_object_array_length(a);
        struct json_object *v;
        if (n == 0)
                v = json_object_new_boolean(1);
        else if (n == 1)
                v = json_object_get(json_object_array_get_idx(a, 0));
        else
                v = json_object_get(a);
        json_object_put(a);
        return jnot(v, o->invert);
}

static void add_option(struct json_object *list, const char *name, struct json_object *v)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, name, v);
        json_object_array_add(list, o);
}

/* The K-th element of a comma-separated address list. A dotted IPv4 mask that is a prefix
 * (/255.255.0.0) is written as its length, the form the policy format takes; iptables builds
 * the same entry from both. */
static struct json_object *list_item(const char *list, unsigned k)
{
        while (k-- > 0 && strchr(list, ',') != NULL)
                list = strchr(list, ',') + 1;
        size_t n = strcspn(list, ",");
        char item[128], *slash;
        struct in_addr mask;
        if (n < sizeof(item)) {
                memcpy(item, list, n);
                item[n] = '\0';
                slash = strchr(item, '/');
                if (slash != NULL && strchr(slash, '.') != NULL && inet_pton(AF_INET, slash + 1, &mask) == 1) {
                        uint32_t m = ntohl(mask.s_addr);
                        int len = 0;
                        while (len < 32 && (m & (0x80000000u >> len)))
                                len++;
                        if (len == 32 || (m << len) == 0) {
                                sprintf(slash + 1, "%d", len);
                                return json_object_new_string(item);
                        }
                }
        }
        return json_object_new_string_len(list, (int)n);
}

static unsigned list_len(const char *list)
{
        unsigned n = 1;
        for (; *list; list++)
                n += *list == ',';
        return n;
}

/* The policy rule of entry I (of the source x destination entries) of R, from the words. */
static struct json_object *rule_json(char *const *av, const struct oih_xt_rule *r, unsigned i)
{
        static const char base_keys[] = "psdiof";
        static const char *const base_names[] = { "protocol", "source", "destination", "in_interface",
                                                  "out_interface", "fragment" };
        struct json_object *base[6] = { 0 }, *target = NULL, *tkey = NULL, *topts = json_object_new_array();
        struct json_object *matches = json_object_new_array();
        const char *src = NULL, *dst = NULL;
        for (unsigned k = 0; k < r->nopts; k++)
                if (r->opts[k].owner == OIH_XT_BASE && (r->opts[k].letter == 's' || r->opts[k].letter == 'd'))
                        *(r->opts[k].letter == 's' ? &src : &dst) = av[r->opts[k].word + r->opts[k].nwords - 1];
        unsigned nd = dst != NULL ? list_len(dst) : 1;
        for (unsigned k = 0; k < r->nmatches; k++) {
                struct json_object *m = json_object_new_object();
                json_object_object_add(m, "match", json_object_new_string(r->matches[k].name));
                json_object_array_add(matches, m);
        }
        for (unsigned k = 0; k < r->nopts; k++) {
                const struct oih_xt_opt *o = &r->opts[k];
                const char *last = av[o->word + o->nwords - 1];
                if (o->owner == OIH_XT_BASE) {
                        const char *b = o->letter ? strchr(base_keys, o->letter) : NULL;
                        if (b == NULL)
                                continue;
                        struct json_object *v;
                        if (o->letter == 'p' && all_digits(last)) {
                                v = json_object_new_int(atoi(last));
                        } else if (o->letter == 'p') {
                                char p[64];
                                snprintf(p, sizeof(p), "%s", last);
                                for (char *q = p; *q; q++)
                                        *q = (char)tolower((unsigned char)*q);
                                v = json_object_new_string(p);
                        } else if (o->letter == 's') {
                                v = list_item(last, i / nd);
                        } else if (o->letter == 'd') {
                                v = list_item(last, i % nd);
                        } else if (o->letter == 'f') {
                                v = json_object_new_boolean(1);
                        } else {
                                v = json_object_new_string(last);
                        }
                        base[b - base_keys] = jnot(v, o->invert);
                } else if (o->owner == OIH_XT_TARGET) {
                        if (o->letter == 'j' || o->letter == 'g') {
                                tkey = json_object_new_string(o->letter == 'j' ? "target" : "goto");
                                target = json_object_new_string(last);
                        } else if (o->letter == 0) {
                                add_option(topts, o->name, opt_value(av, o));
                        }
                } else if (o->owner >= 0 && (unsigned)o->owner < r->nmatches && o->letter == 0) {
                        struct json_object *m = json_object_array_get_idx(matches, (size_t)o->owner), *l;
                        if (!json_object_object_get_ex(m, "options", &l)) {
                                l = json_object_new_array();
                                json_object_object_add(m, "options", l);
                        }
                        add_option(l, o->name, opt_value(av, o));
                }
        }
        struct json_object *rule = json_object_new_object();
        for (int b = 0; b < 6; b++)
                if (base[b] != NULL)
                        json_object_object_add(rule, base_names[b], base[b]);
        if (json_object_array_length(matches) > 0)
                json_object_object_add(rule, "matches", matches);
        else
                json_object_put(matches);
        if (target != NULL)
                json_object_object_add(rule, json_object_get_string(tkey), target);
        json_object_put(tkey);
        if (json_object_array_length(topts) > 0)
                json_object_object_add(rule, "target_options", topts);
        else
                json_object_put(topts);
        return rule;
}

struct words {
        char **w;
        size_t n, cap;
};

static void words_add(struct words *ws, const char *s)
{
        grow(&ws->w, &ws->cap, ws->n + 1, sizeof(*ws->w));
        ws->w[ws->n++] = xstrdup(s);
        ws->w[ws->n] = NULL;
}

static void words_free(struct words *ws)
{
        for (size_t i = 0; i < ws->n; i++)
                free(ws->w[i]);
        free(ws->w);
}

static void value_words(struct words *ws, const char *opt, struct json_object *v)
{
        struct json_object *inner;
        if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "not", &inner)) {
                words_add(ws, "!");
                v = inner;
        }
        words_add(ws, opt);
        if (json_object_is_type(v, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        words_add(ws, json_object_get_string(json_object_array_get_idx(v, i)));
        } else if (!json_object_is_type(v, json_type_boolean)) {
                words_add(ws, json_object_get_string(v));
        }
}

static void options_words(struct words *ws, struct json_object *list)
{
        for (size_t i = 0; list != NULL && i < json_object_array_length(list); i++) {
                json_object_object_foreach(json_object_array_get_idx(list, i), k, v)
                {
                        char opt[64];
                        snprintf(opt, sizeof(opt), "--%s", k);
                        value_words(ws, opt, v);
                }
        }
}

/* RULE's words, laid out as POLICY-V2.md says the compiler lays them out. */
static void rule_words(struct words *ws, struct json_object *rule)
{
        static const char *const keys[] = { "protocol", "source", "destination", "in_interface",
                                            "out_interface", "fragment" };
        static const char *const opts[] = { "-p", "-s", "-d", "-i", "-o", "-f" };
        struct json_object *v;
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                if (json_object_object_get_ex(rule, keys[i], &v))
                        value_words(ws, opts[i], v);
        if (json_object_object_get_ex(rule, "matches", &v)) {
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        struct json_object *m = json_object_array_get_idx(v, i), *o = NULL;
                        words_add(ws, "-m");
                        words_add(ws, jstr(m, "match"));
                        json_object_object_get_ex(m, "options", &o);
                        options_words(ws, o);
                }
        }
        if (jstr(rule, "target") != NULL) {
                words_add(ws, "-j");
                words_add(ws, jstr(rule, "target"));
        } else if (jstr(rule, "goto") != NULL) {
                words_add(ws, "-g");
                words_add(ws, jstr(rule, "goto"));
        }
        if (json_object_object_get_ex(rule, "target_options", &v))
                options_words(ws, v);
}

/* The entry E as iptables-legacy-save prints it, without "-A CHAIN" and the newline. */
static char *render_key(const void *e, const char *chain, struct oih_error *err)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f == NULL)
                abort();
        int r = oih_xt_render(e, chain, NULL, f, err);
        fclose(f);
        if (r < 0) {
                free(buf);
                return NULL;
        }
        if (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        size_t skip = 4 + strlen(chain); /* "-A CHAIN " */
        if (len < skip)
                skip = len;
        memmove(buf, buf + skip, len - skip + 1);
        return buf;
}

struct serve_in {
        const char *table;
        char **chains[NTABLES];
};

static char **json_names(struct json_object *a)
{
        size_t n = a != NULL ? json_object_array_length(a) : 0;
        char **v = xrealloc(NULL, (n + 1) * sizeof(*v));
        for (size_t i = 0; i < n; i++)
                v[i] = xstrdup(json_object_get_string(json_object_array_get_idx(a, i)));
        v[n] = NULL;
        return v;
}

static void names_free(char **v)
{
        for (size_t i = 0; v != NULL && v[i] != NULL; i++)
                free(v[i]);
        free(v);
}

static int answer_error(FILE *out, const char *msg)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(msg));
        fputs(jtext(o), out);
        json_object_put(o);
        return 0;
}

static bool has_letter(const struct oih_xt_rule *r, char letter)
{
        for (unsigned k = 0; k < r->nopts; k++)
                if (r->opts[k].owner == OIH_XT_BASE && r->opts[k].letter == letter)
                        return true;
        return false;
}

/* Checks that RULE's words, as the policy compiler lays them out, print KEY. */
static int verify_rule(struct json_object *rule, const struct oih_xt_in *in, const char *key, struct oih_error *err)
{
        struct words ws = { 0 };
        rule_words(&ws, rule);
        struct oih_xt_rule r;
        struct oih_error e;
        oih_error_init(&e);
        int ret = oih_xt_parse((int)ws.n, ws.w, in, &r, &e);
        char *got = NULL;
        if (ret == 0 && r.nentries == 1)
                got = render_key(r.entries, in->chain, &e);
        if (got == NULL || strcmp(got, key) != 0)
                ret = oih_err(err, "this rule cannot be written as a policy rule that builds it exactly "
                                   "(iptables builds \"%s\", the policy would build \"%s\")",
                              key, got != NULL ? got : oih_error_first(&e));
        free(got);
        oih_xt_rule_free(&r);
        words_free(&ws);
        return ret;
}

static int serve(void *ctx, const char *req, size_t len, FILE *out, struct oih_error *err)
{
        (void)ctx;
        struct json_object *q = json_tokener_parse(req), *argv, *chains;
        (void)len;
        if (q == NULL || !json_object_object_get_ex(q, "argv", &argv)
            || !json_object_object_get_ex(q, "chains", &chains))
                return oih_err(err, "bad request to the libxtables worker");
        struct serve_in si = { .table = jstr(q, "table") };
        for (int t = 0; t < NTABLES; t++) {
                struct json_object *a = NULL;
                json_object_object_get_ex(chains, table_names[t], &a);
                si.chains[t] = json_names(a);
        }
        char **av = json_names(argv);
        int ac = (int)json_object_array_length(argv);
        /* The table is known once the line is parsed (-t may come anywhere): parse with the
         * chains of every table, then again with the chains of the line's table only, where
         * -j NAME is a jump when NAME is one of them. */
        size_t nall = 0;
        for (int i = 0; i < NTABLES; i++)
                for (char **c = si.chains[i]; *c != NULL; c++)
                        nall++;
        const char **all = xrealloc(NULL, (nall + 1) * sizeof(*all));
        nall = 0;
        for (int i = 0; i < NTABLES; i++)
                for (char **c = si.chains[i]; *c != NULL; c++)
                        all[nall++] = *c;
        all[nall] = NULL;
        struct oih_xt_in in = { .table = si.table, .chains = all, .commands = true };
        struct oih_xt_rule r;
        struct oih_error e;
        oih_error_init(&e);
        int k = oih_xt_parse(ac, av, &in, &r, &e);
        int t = k == 0 ? table_index(r.table) : -1;
        if (k == 0 && t >= 0) {
                oih_xt_rule_free(&r);
                in.chains = (const char *const *)si.chains[t];
                k = oih_xt_parse(ac, av, &in, &r, &e);
        }
        free(all);
        struct json_object *a = json_object_new_object();
        if (k < 0) {
                answer_error(out, oih_error_first(&e));
        } else if (t < 0 || table_index(si.table) < 0) {
                char msg[MSGLEN];
                if (strcmp(r.table, "security") == 0)
                        snprintf(msg, sizeof(msg), "table `security' is not supported: a policy has the "
                                 "tables filter, nat, mangle and raw");
                else
                        snprintf(msg, sizeof(msg), "can't initialize iptables table `%s': Table does not exist",
                                 r.table);
                answer_error(out, msg);
        } else {
                char cmd[2] = { r.command, 0 };
                json_object_object_add(a, "command", json_object_new_string(cmd));
                json_object_object_add(a, "table", json_object_new_string(r.table));
                json_object_object_add(a, "chain", json_object_new_string(r.chain));
                json_object_object_add(a, "arg", json_object_new_string(r.arg));
                json_object_object_add(a, "rulenum", json_object_new_int64(r.rulenum));
                json_object_object_add(a, "t", json_object_new_boolean(has_letter(&r, 't')));
                struct json_object *ents = json_object_new_array();
                json_object_object_add(a, "entries", ents);
                struct oih_xt_in rin = { .table = r.table, .chain = r.chain, .chains = in.chains };
                const unsigned char *p = r.entries;
                for (unsigned i = 0; i < r.nentries && k == 0; i++) {
                        char *key = render_key(p, r.chain, &e);
                        if (key == NULL) {
                                k = -1;
                                break;
                        }
                        struct json_object *rule = rule_json(av, &r, i), *ent = json_object_new_object();
                        k = verify_rule(rule, &rin, key, &e);
                        json_object_object_add(ent, "key", json_object_new_string(key));
                        const char *j = jstr(rule, "target") ? jstr(rule, "target") : jstr(rule, "goto");
                        bool chain = false;
                        for (char **c = si.chains[t]; j != NULL && *c != NULL; c++)
                                chain = chain || strcmp(*c, j) == 0;
                        json_object_object_add(ent, "jump", json_object_new_string(chain ? j : ""));
                        json_object_object_add(ent, "rule", rule);
                        json_object_array_add(ents, ent);
                        free(key);
                        p += oih_xt_entry_size(p);
                }
                if (k == 0 && r.command == 'N') {
                        /* iptables: a chain may not have a target's name */
                        char *jv[] = { "-j", r.chain, NULL };
                        struct oih_xt_in tin = { .table = r.table };
                        struct oih_xt_rule tr;
                        struct oih_error te;
                        oih_error_init(&te);
                        if (oih_xt_parse(2, jv, &tin, &tr, &te) == 0)
                                k = oih_err(&e, "chain name may not clash with target name");
                        oih_xt_rule_free(&tr);
                }
                if (k < 0)
                        answer_error(out, oih_error_first(&e));
                else
                        fputs(jtext(a), out);
        }
        json_object_put(a);
        oih_xt_rule_free(&r);
        names_free(av);
        for (int i = 0; i < NTABLES; i++)
                names_free(si.chains[i]);
        json_object_put(q);
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Replay: every table of both families, as the commands leave them. */

struct mrule {
        unsigned line;
        struct json_object *obj;        /* the policy rule but table, chain and family */
        char *key;                      /* the entry as iptables-save prints it, after "-A CHAIN" */
        char jump[32];                  /* the user chain it jumps or goes to, or "" */
};

struct mchain {
        char name[32];
        struct mrule *r;
        size_t n, cap;
};

struct mtab {
        bool touched;
        unsigned nbuiltin;
        bool drop[MAX_BUILTINS];
        struct mchain *c;               /* the built-in chains first */
        size_t n, cap;
};

struct block {
        unsigned depth, first, last;
        char stack[64];                 /* 'i'f 'l'oop 'c'ase '{' '(' */
        bool pending;                   /* a function header waits for its body */
        bool has_ipt;
        char what[16];
};

struct mig {
        const char *name;
        const char *end;                /* of the input, which need not end in NUL */
        const struct oih_migrate_opts *opts;
        FILE *diag;
        struct oih_error *err;
        struct mtab t[OIH_NFAMILIES][NTABLES];
        char **order[NTABLES];          /* user chains, in the order they were first created */
        size_t norder[NTABLES], ordercap[NTABLES];
        struct oih_xt_session *xs[OIH_NFAMILIES];
        bool xs_dead;
        unsigned nerr;
        struct vars vars;
        bool stop;
        struct block blk;
};

/* One command, as the worker understood it. */
struct icmd {
        int family;
        int table;
        char cmd;
        const char *chain, *arg;
        unsigned rulenum;
        bool table_opt;
        struct json_object *ans;        /* the worker's answer; owns what the pointers name */
        struct json_object *entries;
        bool runtime;                   /* failed as iptables fails on the table's state (|| true copes) */
        char msg[MSGLEN];
};

__attribute__((format(printf, 2, 3))) static int fail(struct icmd *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, MSGLEN, fmt, ap);
        va_end(ap);
        return -1;
}

/* A failure that depends on the table's state, not on the command: `cmd || true` survives it. */
#define rfail(c, ...) ((c)->runtime = true, fail((c), __VA_ARGS__))

static const char *const fam_name[OIH_NFAMILIES] = { "ipv4", "ipv6" };

__attribute__((format(printf, 3, 4))) static void line_err(struct mig *m, unsigned line, const char *fmt, ...)
{
        char msg[OIH_ERR_LEN];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        m->nerr++;
        if (m->opts->lenient) {
                if (m->diag)
                        oih_print_line(m->diag, "%s:%u: %s (left out)", m->name, line, msg);
        } else {
                oih_err(m->err, "%s:%u: %s", m->name, line, msg);
        }
}

/* The length of the line at START, for quoting it: the input need not end in NUL. */
static size_t line_length(const struct mig *m, const char *start)
{
        size_t n = 0;
        while (start + n < m->end && start[n] && start[n] != '\n' && n < 200)
                n++;
        return n;
}

static void note_skipped(struct mig *m, unsigned line, const char *start, const char *why)
{
        if (m->diag == NULL)
                return;
        size_t n = line_length(m, start);
        while (n > 0 && (start[n - 1] == '\r' || start[n - 1] == ' ' || start[n - 1] == '\t'))
                n--;
        if (why)
                oih_print_line(m->diag, "skipped line %u (%s): %.*s", line, why, (int)n, start);
        else
                oih_print_line(m->diag, "skipped line %u: %.*s", line, (int)n, start);
}

static void chain_clear(struct mchain *ch)
{
        for (size_t i = 0; i < ch->n; i++) {
                json_object_put(ch->r[i].obj);
                free(ch->r[i].key);
        }
        ch->n = 0;
}

static void tab_reset(struct mtab *t, int table)
{
        for (size_t i = 0; i < t->n; i++) {
                chain_clear(&t->c[i]);
                free(t->c[i].r);
        }
        t->n = 0;
        t->nbuiltin = 0;
        for (int b = 0; builtin_chains[table][b] != NULL; b++) {
                grow(&t->c, &t->cap, t->n, sizeof(*t->c));
                memset(&t->c[t->n], 0, sizeof(t->c[0]));
                strcpy(t->c[t->n].name, builtin_chains[table][b]);
                t->n++;
                t->nbuiltin++;
                t->drop[b] = false;
        }
}

static long chain_find(const struct mtab *t, const char *name)
{
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->c[i].name, name) == 0)
                        return (long)i;
        return -1;
}

static int chain_new(struct mig *m, int table, struct mtab *t, struct icmd *c, const char *name)
{
        if (chain_find(t, name) >= 0)
                return rfail(c, "Chain already exists");
        size_t n = strlen(name);
        if (n > CHAIN_MAX)
                return fail(c, "chain name `%s' too long (must be under 29 chars)", name);
        if (n == 0 || name[0] == '-' || name[0] == '!')
                return fail(c, "Invalid chain name `%s'", name);
        for (const char *x = name; *x; x++)
                if (!isalnum((unsigned char)*x) && !strchr("-_.:", *x))
                        return fail(c, "chain name \"%s\": the policy format allows only A-Z a-z 0-9 - _ . :", name);
        if (t->n >= OIH_MAX_CHAINS + t->nbuiltin)
                return fail(c, "more than %u user-defined chains", OIH_MAX_CHAINS);
        grow(&t->c, &t->cap, t->n, sizeof(*t->c));
        memset(&t->c[t->n], 0, sizeof(t->c[0]));
        strcpy(t->c[t->n].name, name);
        t->n++;
        for (size_t i = 0; i < m->norder[table]; i++)
                if (strcmp(m->order[table][i], name) == 0)
                        return 0;
        grow(&m->order[table], &m->ordercap[table], m->norder[table], sizeof(char *));
        m->order[table][m->norder[table]++] = xstrdup(name);
        return 0;
}

static unsigned chain_refs(const struct mtab *t, const char *name)
{
        unsigned n = 0;
        for (size_t i = 0; i < t->n; i++)
                for (size_t k = 0; k < t->c[i].n; k++)
                        n += strcmp(t->c[i].r[k].jump, name) == 0;
        return n;
}

/* -E: rules that jump to the chain follow it, as in iptables. */
static void chain_renamed(struct mtab *t, const char *from, const char *to)
{
        for (size_t i = 0; i < t->n; i++) {
                for (size_t k = 0; k < t->c[i].n; k++) {
                        struct mrule *r = &t->c[i].r[k];
                        if (strcmp(r->jump, from) != 0)
                                continue;
                        snprintf(r->jump, sizeof(r->jump), "%s", to);
                        const char *key = jstr(r->obj, "target") ? "target" : "goto";
                        json_object_object_add(r->obj, key, json_object_new_string(to));
                        size_t n = strlen(r->key), f = strlen(from);
                        r->key = xrealloc(r->key, n - f + strlen(to) + 1);
                        strcpy(r->key + n - f, to);
                }
        }
}

static void rule_insert(struct mchain *ch, size_t pos, struct json_object *ent, unsigned line)
{
        grow(&ch->r, &ch->cap, ch->n, sizeof(*ch->r));
        memmove(&ch->r[pos + 1], &ch->r[pos], (ch->n - pos) * sizeof(*ch->r));
        struct mrule *r = &ch->r[pos];
        r->line = line;
        struct json_object *rule = NULL;
        json_object_object_get_ex(ent, "rule", &rule);
        r->obj = json_object_get(rule);
        r->key = xstrdup(jstr(ent, "key"));
        snprintf(r->jump, sizeof(r->jump), "%s", jstr(ent, "jump"));
        ch->n++;
}

static void rule_delete(struct mchain *ch, size_t pos)
{
        json_object_put(ch->r[pos].obj);
        free(ch->r[pos].key);
        memmove(&ch->r[pos], &ch->r[pos + 1], (ch->n - pos - 1) * sizeof(*ch->r));
        ch->n--;
}

static long rule_find(const struct mchain *ch, const char *key)
{
        for (size_t i = 0; i < ch->n; i++)
                if (strcmp(ch->r[i].key, key) == 0)
                        return (long)i;
        return -1;
}

static size_t total_rules(const struct mig *m)
{
        size_t n = 0;
        for (int f = 0; f < OIH_NFAMILIES; f++)
                for (int tb = 0; tb < NTABLES; tb++)
                        for (size_t i = 0; i < m->t[f][tb].n; i++)
                                n += m->t[f][tb].c[i].n;
        return n;
}

/* Replays C on the tables. Returns 0, 1 when -C finds no such rule, -1 with C->msg. */
static int exec_cmd(struct mig *m, struct icmd *c, unsigned line)
{
        struct mtab *t = &m->t[c->family][c->table];
        bool has_chain = c->chain[0] != '\0';
        long k = has_chain ? chain_find(t, c->chain) : -1;
        bool builtin = k >= 0 && k < (long)t->nbuiltin;
        switch (c->cmd) {
        case 'L': case 'S': case 'Z':
                if (has_chain && k < 0)
                        return rfail(c, "No chain/target/match by that name.");
                return 0;
        case 'P':
                if (!builtin)
                        return fail(c, k < 0 ? "Bad built-in chain name" : "Bad built-in chain name (\"%s\" is a user chain)", c->chain);
                if (strcmp(c->arg, "ACCEPT") != 0 && strcmp(c->arg, "DROP") != 0)
                        return fail(c, "Bad policy name");
                t->touched = true;
                t->drop[k] = strcmp(c->arg, "DROP") == 0;
                return 0;
        case 'N':
                t->touched = true;
                return chain_new(m, c->table, t, c, c->chain);
        case 'E': {
                if (k < 0 || builtin)
                        return rfail(c, "No chain/target/match by that name.");
                if (chain_new(m, c->table, t, c, c->arg) < 0)
                        return -1;
                t->touched = true;
                struct mchain *nw = &t->c[t->n - 1];
                nw->r = t->c[k].r;
                nw->n = t->c[k].n;
                nw->cap = t->c[k].cap;
                memmove(&t->c[k], &t->c[k + 1], (t->n - (size_t)k - 1) * sizeof(*t->c));
                t->n--;
                chain_renamed(t, c->chain, c->arg);
                return 0;
        }
        case 'F':
                t->touched = true;
                if (has_chain && k < 0)
                        return rfail(c, "No chain/target/match by that name.");
                for (size_t i = 0; i < t->n; i++)
                        if (!has_chain || (long)i == k)
                                chain_clear(&t->c[i]);
                return 0;
        case 'X':
                t->touched = true;
                if (has_chain) {
                        if (k < 0)
                                return rfail(c, "No chain/target/match by that name.");
                        if (builtin)
                                return rfail(c, "Can't delete built-in chain");
                }
                for (size_t i = t->nbuiltin; i < t->n; i++) {
                        if (has_chain && (long)i != k)
                                continue;
                        if (chain_refs(t, t->c[i].name))
                                return rfail(c, "Too many links (chain \"%s\" is still jumped to)", t->c[i].name);
                        if (t->c[i].n)
                                return rfail(c, "Directory not empty (chain \"%s\" still has rules)", t->c[i].name);
                }
                for (size_t i = t->n; i-- > t->nbuiltin;) {
                        if (has_chain && (long)i != k)
                                continue;
                        free(t->c[i].r);
                        memmove(&t->c[i], &t->c[i + 1], (t->n - i - 1) * sizeof(*t->c));
                        t->n--;
                }
                return 0;
        }
        /* rule commands */
        if (k < 0)
                return rfail(c, "No chain/target/match by that name.");
        struct mchain *ch = &t->c[k];
        size_t n = json_object_array_length(c->entries);
        if (c->cmd == 'D' && c->rulenum) {
                t->touched = true;
                if (c->rulenum > ch->n)
                        return rfail(c, "Index of deletion too big.");
                rule_delete(ch, c->rulenum - 1);
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                const char *j = jstr(json_object_array_get_idx(c->entries, i), "jump");
                if (j[0] != '\0' && chain_find(t, j) < 0)
                        return fail(c, "Couldn't load target `%s':No such file or directory", j);
        }
        if (c->cmd == 'C' || c->cmd == 'D') {
                for (size_t i = 0; i < n; i++)
                        if (rule_find(ch, jstr(json_object_array_get_idx(c->entries, i), "key")) < 0) {
                                if (c->cmd == 'C')
                                        return 1;
                                return rfail(c, "Bad rule (does a matching rule exist in that chain?).");
                        }
                if (c->cmd == 'C')
                        return 0;
                t->touched = true;
                for (size_t i = 0; i < n; i++) {
                        long pos = rule_find(ch, jstr(json_object_array_get_idx(c->entries, i), "key"));
                        if (pos >= 0)
                                rule_delete(ch, (size_t)pos);
                }
                return 0;
        }
        t->touched = true;
        if (total_rules(m) + n > OIH_MAX_RULES)
                return fail(c, "more than %u rules", OIH_MAX_RULES);
        if (c->cmd == 'A') {
                for (size_t i = 0; i < n; i++)
                        rule_insert(ch, ch->n, json_object_array_get_idx(c->entries, i), line);
                return 0;
        }
        if (c->cmd == 'R') {
                if (c->rulenum > ch->n)
                        return rfail(c, "Index of replacement too big.");
                rule_delete(ch, c->rulenum - 1);
                rule_insert(ch, c->rulenum - 1, json_object_array_get_idx(c->entries, 0), line);
                return 0;
        }
        /* -I: iptables inserts every source/destination pair at the same position, so a list
         * ends up reversed; keep that */
        size_t pos = c->rulenum ? c->rulenum - 1 : 0;
        if (pos > ch->n)
                return rfail(c, "Index of insertion too big.");
        for (size_t i = 0; i < n; i++)
                rule_insert(ch, pos, json_object_array_get_idx(c->entries, i), line);
        return 0;
}

/* Asks the family's worker what AV (without the program name) does, in table TABLE unless -t. */
static int ask_worker(struct mig *m, struct icmd *c, char **av, int ac, const char *table)
{
        if (m->xs[c->family] == NULL && !m->xs_dead) {
                struct oih_error e;
                oih_error_init(&e);
                if (oih_xt_session_open(c->family, OIH_XT_ASSUME, serve, NULL, &m->xs[c->family], &e) < 0) {
                        m->xs_dead = true;
                        return fail(c, "%s", oih_error_first(&e));
                }
        }
        if (m->xs[c->family] == NULL)
                return fail(c, "no libxtables worker");
        struct json_object *q = json_object_new_object(), *a = json_object_new_array();
        for (int i = 0; i < ac; i++)
                json_object_array_add(a, json_object_new_string(av[i]));
        json_object_object_add(q, "argv", a);
        json_object_object_add(q, "table", json_object_new_string(table));
        struct json_object *chains = json_object_new_object();
        for (int tb = 0; tb < NTABLES; tb++) {
                const struct mtab *t = &m->t[c->family][tb];
                struct json_object *l = json_object_new_array();
                for (size_t i = t->nbuiltin; i < t->n; i++)
                        json_object_array_add(l, json_object_new_string(t->c[i].name));
                json_object_object_add(chains, table_names[tb], l);
        }
        json_object_object_add(q, "chains", chains);
        const char *req = jtext(q);
        char *ans = NULL;
        size_t alen = 0;
        struct oih_error e;
        oih_error_init(&e);
        int r = oih_xt_session_call(m->xs[c->family], req, strlen(req), &ans, &alen, &e);
        json_object_put(q);
        if (r < 0)
                return fail(c, "%s", oih_error_first(&e));
        c->ans = json_tokener_parse(ans);
        free(ans);
        if (c->ans == NULL)
                return fail(c, "bad answer from the libxtables worker");
        if (jstr(c->ans, "error") != NULL)
                return fail(c, "%s", jstr(c->ans, "error"));
        const char *cmd = jstr(c->ans, "command");
        c->cmd = cmd != NULL ? cmd[0] : 0;
        c->table = table_index(jstr(c->ans, "table"));
        c->chain = jstr(c->ans, "chain");
        c->arg = jstr(c->ans, "arg");
        struct json_object *v;
        json_object_object_get_ex(c->ans, "rulenum", &v);
        c->rulenum = (unsigned)json_object_get_int64(v);
        json_object_object_get_ex(c->ans, "t", &v);
        c->table_opt = json_object_get_boolean(v);
        json_object_object_get_ex(c->ans, "entries", &c->entries);
        return 0;
}

/* Parses and replays one iptables command line (AV[0] is the program). Returns what exec_cmd
 * returns; on -1 the error has been reported. TABLE: a dump's table, else NULL. */
static int run_ipt(struct mig *m, int family, char **av, int ac, unsigned line, const char *start,
                   const char *table, bool guarded)
{
        struct icmd c;
        memset(&c, 0, sizeof(c));
        c.family = family;
        int r = ask_worker(m, &c, av + 1, ac - 1, table != NULL ? table : "filter");
        if (r == 0 && c.cmd == 0) {
                note_skipped(m, line, start, family == OIH_IPV4 ? "for IPv6 only" : "for IPv4 only");
                json_object_put(c.ans);
                return 0;
        }
        if (r == 0 && table != NULL && c.table_opt)
                r = fail(&c, "The -t option cannot be used in %s-restore.", family == OIH_IPV4 ? "iptables" : "ip6tables");
        if (r == 0 && table != NULL && !strchr("ADIRNXFPEZC", c.cmd))
                r = fail(&c, "-%c is not a command of iptables-restore", c.cmd);
        if (r == 0)
                r = exec_cmd(m, &c, line);
        if (r == 0 && table == NULL && strchr("LSZ", c.cmd))
                note_skipped(m, line, start, "no effect on the rules");
        if (r < 0 && guarded && c.runtime) {
                /* `iptables -N x 2>/dev/null || true`: fails, changes nothing, the script goes on */
                if (m->diag)
                        oih_print_line(m->diag, "%s:%u: iptables would fail here (%s); the script goes on",
                                       m->name, line, c.msg);
                r = 1;
        } else if (r < 0) {
                line_err(m, line, "%s", c.msg);
        }
        json_object_put(c.ans);
        return r;
}


/* ------------------------------------------------------------------------------------------ */
/* Shell scripts */

static const char *base_name(const char *s)
{
        const char *b = strrchr(s, '/');
        return b ? b + 1 : s;
}

enum cmdkind { CK_IPT, CK_IPT_LIST, CK_IPT_RESTORE, CK_EXIT, CK_TRUE, CK_FALSE, CK_HARMLESS,
               CK_OTHER };

/* iptables, ip6tables-legacy, /usr/sbin/iptables-nft ...: sets *FAMILY. */
static enum cmdkind ipt_kind(const char *word, int *family)
{
        const char *b = base_name(word);
        int fam = OIH_IPV4;
        if (strncmp(b, "ip6tables", 9) == 0) {
                fam = OIH_IPV6;
                b += 9;
        } else if (strncmp(b, "iptables", 8) == 0) {
                b += 8;
        } else {
                return CK_OTHER;
        }
        *family = fam;
        if (strcmp(b, "-legacy") == 0 || strcmp(b, "-nft") == 0)
                b = "";
        if (*b == '\0')
                return CK_IPT;
        static const char *const save[] = { "-save", "-legacy-save", "-nft-save" };
        static const char *const restore[] = { "-restore", "-legacy-restore", "-nft-restore",
                                               "-apply", "-translate", "-restore-translate" };
        for (size_t i = 0; i < ARRAY_SIZE(save); i++)
                if (strcmp(b, save[i]) == 0)
                        return CK_IPT_LIST;
        for (size_t i = 0; i < ARRAY_SIZE(restore); i++)
                if (strcmp(b, restore[i]) == 0)
                        return CK_IPT_RESTORE;
        return CK_OTHER;
}

static bool is_ipt_word(const char *w)
{
        int fam;
        enum cmdkind k = ipt_kind(w, &fam);
        return k == CK_IPT || k == CK_IPT_RESTORE;
}

static enum cmdkind classify(const char *w)
{
        static const char *const harmless[] = {
                "echo", "printf", "logger", "set", "shopt", "umask", "cd", "sleep", "trap",
                "unset", "hash", "wait", "alias",
        };
        if (strcmp(w, "exit") == 0)
                return CK_EXIT;
        if (strcmp(w, "true") == 0 || strcmp(w, ":") == 0 || strcmp(w, "/bin/true") == 0)
                return CK_TRUE;
        if (strcmp(w, "false") == 0 || strcmp(w, "/bin/false") == 0)
                return CK_FALSE;
        for (size_t i = 0; i < ARRAY_SIZE(harmless); i++)
                if (strcmp(base_name(w), harmless[i]) == 0)
                        return CK_HARMLESS;
        return CK_OTHER;
}

static bool is_op(enum tk k)
{
        return k == TK_SEMI || k == TK_AND || k == TK_OR || k == TK_PIPE || k == TK_BG ||
               k == TK_DSEMI || k == TK_LPAREN || k == TK_RPAREN;
}

/* Tracks if/for/while/case/functions/subshells across lines. Returns true when TL has any. */
static bool scan_control(const struct tline *tl, struct block *b)
{
        static const char *const open_cmd[] = { "if", "while", "until" };
        static const char *const open_other[] = { "for", "select", "case" };
        static const char *const mid[] = { "then", "do", "else", "elif", "!", "time" };
        static const char *const close[] = { "fi", "done", "esac", "}" };
        bool seen = false, at_start = true;
        for (size_t i = 0; i < tl->n; i++) {
                const struct token *t = &tl->t[i];
                char top = b->depth ? b->stack[b->depth - 1] : 0;
                if (t->kind == TK_REDIR || t->kind == TK_HEREDOC) {
                        if (i + 1 < tl->n && tl->t[i + 1].kind == TK_WORD)
                                i++;
                        continue;
                }
                if (t->kind == TK_LPAREN) {
                        if (at_start && top != 'c' && b->depth < sizeof(b->stack)) {
                                b->stack[b->depth++] = '(';
                                seen = true;
                                if (!b->what[0])
                                        strcpy(b->what, "( subshell )");
                        }
                        continue;
                }
                if (t->kind == TK_RPAREN) {
                        if (top == '(') {
                                b->depth--;
                                seen = true;
                        }
                        at_start = true;
                        continue;
                }
                if (is_op(t->kind)) {
                        at_start = true;
                        continue;
                }
                if (!at_start || t->quoted) {
                        continue;
                }
                const char *w = t->s;
                bool done = false;
                for (size_t k = 0; !done && k < ARRAY_SIZE(open_cmd); k++)
                        if (strcmp(w, open_cmd[k]) == 0 && b->depth < sizeof(b->stack)) {
                                b->stack[b->depth++] = w[0] == 'i' ? 'i' : 'l';
                                done = seen = true;
                                if (!b->what[0])
                                        snprintf(b->what, sizeof(b->what), "%s", w);
                        }
                for (size_t k = 0; !done && k < ARRAY_SIZE(open_other); k++)
                        if (strcmp(w, open_other[k]) == 0 && b->depth < sizeof(b->stack)) {
                                b->stack[b->depth++] = w[0] == 'c' ? 'c' : 'l';
                                done = seen = true;
                                at_start = false;
                                if (!b->what[0])
                                        snprintf(b->what, sizeof(b->what), "%s", w);
                                if (w[0] == 'c') {
                                        /* skip "WORD in" */
                                        while (i + 1 < tl->n && tl->t[i + 1].kind == TK_WORD &&
                                               strcmp(tl->t[i + 1].s, "in") != 0)
                                                i++;
                                        if (i + 1 < tl->n && tl->t[i + 1].kind == TK_WORD)
                                                i++;
                                        at_start = true;        /* the first pattern */
                                }
                        }
                if (done)
                        continue;
                if (strcmp(w, "{") == 0 && b->depth < sizeof(b->stack)) {
                        b->stack[b->depth++] = '{';
                        seen = true;
                        if (!b->what[0])
                                strcpy(b->what, "{ group }");
                        continue;
                }
                for (size_t k = 0; !done && k < ARRAY_SIZE(mid); k++)
                        if (strcmp(w, mid[k]) == 0)
                                done = true;
                if (done) {
                        seen = seen || w[0] != '!';
                        continue;
                }
                for (size_t k = 0; !done && k < ARRAY_SIZE(close); k++)
                        if (strcmp(w, close[k]) == 0) {
                                if (b->depth)
                                        b->depth--;
                                done = seen = true;
                        }
                if (done) {
                        at_start = false;
                        if (b->depth == 0 && b->pending)
                                b->pending = false;
                        continue;
                }
                if (strcmp(w, "function") == 0 ||
                    (i + 2 < tl->n && tl->t[i + 1].kind == TK_LPAREN && tl->t[i + 2].kind == TK_RPAREN)) {
                        seen = true;
                        b->pending = true;
                        if (!b->what[0])
                                strcpy(b->what, "function");
                        /* skip the name and "()" */
                        while (i + 1 < tl->n && tl->t[i + 1].kind != TK_WORD)
                                i++;
                        if (strcmp(w, "function") == 0)
                                i++;
                        at_start = true;
                        continue;
                }
                if (top == 'c' && i + 1 < tl->n && tl->t[i + 1].kind == TK_RPAREN) {
                        i++;    /* a case pattern */
                        continue;
                }
                if (!t->assign)
                        at_start = false;
        }
        /* a function body that opened and closed on this line */
        if (b->pending && b->depth == 0 && seen) {
                bool body = false;
                for (size_t i = 0; i < tl->n; i++)
                        body = body || (tl->t[i].kind == TK_WORD && !tl->t[i].quoted && strcmp(tl->t[i].s, "}") == 0);
                if (body)
                        b->pending = false;
        }
        return seen;
}

static void finish_block(struct mig *m, const char *first_start)
{
        struct block *b = &m->blk;
        if (b->has_ipt)
                line_err(m, b->first, "shell logic (%s, lines %u-%u) around iptables commands is not supported: "
                         "migrate does not run the shell; write the commands out", b->what, b->first, b->last);
        else if (m->diag && b->first == b->last)
                oih_print_line(m->diag, "skipped line %u (%s without iptables commands): %.*s", b->first,
                        b->what, (int)line_length(m, first_start), first_start);
        else if (m->diag)
                oih_print_line(m->diag, "skipped lines %u-%u (%s without iptables commands): %.*s", b->first,
                        b->last, b->what, (int)line_length(m, first_start), first_start);
        memset(b, 0, sizeof(*b));
}

static int set_assign(struct mig *m, const struct token *t, unsigned line, int runs)
{
        char name[64];
        const char *eq = strchr(t->s, '=');
        size_t n = (size_t)(eq - t->s);
        if (n >= sizeof(name))
                return 0;
        memcpy(name, t->s, n);
        name[n] = '\0';
        const char *bad = t->bad;
        if (runs < 0)
                bad = "assignment that may not run";
        return var_set(&m->vars, name, eq + 1, bad, line);
}

/* Runs the simple commands of one logical line. */
static void run_line(struct mig *m, struct tline *tl)
{
        int status = 0;         /* 0 success, 1 failure, -1 unknown */
        enum tk conn = TK_SEMI;
        bool skipped = false;
        size_t i = 0;
        while (i < tl->n && !m->stop) {
                /* one simple command: words up to the next operator */
                size_t w0 = i;
                while (i < tl->n && !is_op(tl->t[i].kind))
                        i++;
                enum tk next = i < tl->n ? tl->t[i].kind : TK_SEMI;
                size_t wend = i;
                i++;
                char **av = xrealloc(NULL, (wend - w0 + 2) * sizeof(*av));
                const struct token **tv = xrealloc(NULL, (wend - w0 + 2) * sizeof(*tv));
                int ac = 0;
                bool heredoc = false;
                for (size_t k = w0; k < wend; k++) {
                        if (tl->t[k].kind == TK_REDIR || tl->t[k].kind == TK_HEREDOC) {
                                heredoc = heredoc || tl->t[k].kind == TK_HEREDOC;
                                if (k + 1 < wend && tl->t[k + 1].kind == TK_WORD)
                                        k++;
                                continue;
                        }
                        tv[ac] = &tl->t[k];
                        av[ac++] = tl->t[k].s;
                }
                av[ac] = NULL;
                int runs = 1;
                if (conn == TK_AND)
                        runs = status == 0 ? 1 : status == 1 ? 0 : -1;
                else if (conn == TK_OR)
                        runs = status == 1 ? 1 : status == 0 ? 0 : -1;
                bool pipe = conn == TK_PIPE || next == TK_PIPE, bg = next == TK_BG;
                /* leading assignments; export/readonly NAME=... */
                int a = 0;
                while (a < ac && tv[a]->assign)
                        a++;
                bool decl = a < ac && (strcmp(av[a], "export") == 0 || strcmp(av[a], "readonly") == 0 ||
                                       strcmp(av[a], "declare") == 0 || strcmp(av[a], "typeset") == 0 ||
                                       strcmp(av[a], "local") == 0);
                if (a == ac || decl) {
                        int from = a == ac ? 0 : a + 1;
                        for (int k = from; k < ac; k++)
                                if (tv[k]->assign && runs != 0 && set_assign(m, tv[k], tl->first, runs) < 0)
                                        line_err(m, tl->first, "more than %u shell variables", OIH_MIGRATE_MAX_VARS);
                        if (decl)
                                skipped = true;
                        if (runs != 0)
                                status = 0;
                        goto next_cmd;
                }
                /* wrappers that run the rest as a command */
                while (a < ac) {
                        const char *w = base_name(av[a]);
                        if (strcmp(w, "sudo") == 0 || strcmp(w, "doas") == 0) {
                                a++;
                                while (a < ac && av[a][0] == '-') {
                                        bool takes = strchr("ugpCDhrtU", av[a][1]) && av[a][1] && !av[a][2];
                                        a += takes ? 2 : 1;
                                }
                        } else if (strcmp(w, "command") == 0 || strcmp(w, "exec") == 0 ||
                                   strcmp(w, "nohup") == 0 || strcmp(w, "builtin") == 0) {
                                a++;
                        } else if (strcmp(w, "env") == 0) {
                                a++;
                                while (a < ac && (av[a][0] == '-' || tv[a]->assign))
                                        a++;
                        } else {
                                break;
                        }
                }
                if (a >= ac) {
                        skipped = true;
                        goto next_cmd;
                }
                int fam = OIH_IPV4;
                enum cmdkind kind = ipt_kind(av[a], &fam);
                if (kind == CK_OTHER)
                        kind = classify(av[a]);
                if (kind == CK_OTHER && tv[a]->bad) {
                        /* "$IPT -A INPUT ..." with IPT unknown: it may well be iptables */
                        for (int k = a + 1; k < ac; k++)
                                if (strcmp(av[k], "-A") == 0 || strcmp(av[k], "-I") == 0 ||
                                    strcmp(av[k], "-P") == 0 || strcmp(av[k], "-N") == 0 ||
                                    strcmp(av[k], "-F") == 0 || strcmp(av[k], "-X") == 0) {
                                        line_err(m, tl->first, "the command name comes from $%s, a %s: "
                                                 "migrate cannot tell which command this is",
                                                 tv[a]->badvar, tv[a]->bad);
                                        status = -1;
                                        goto next_cmd;
                                }
                }
                if (runs == 0)
                        goto next_cmd;
                switch (kind) {
                case CK_IPT: {
                        if (pipe || bg) {
                                line_err(m, tl->first, "an iptables command %s is not supported",
                                         pipe ? "in a pipeline" : "run in the background");
                                status = -1;
                                break;
                        }
                        if (runs < 0) {
                                line_err(m, tl->first, "cannot tell whether this iptables command runs: "
                                         "it depends on a command migrate does not run");
                                status = -1;
                                break;
                        }
                        if (m->opts->family >= 0 && fam != m->opts->family) {
                                line_err(m, tl->first, "%s command, but --family %s", fam == OIH_IPV4 ? "an iptables" : "an ip6tables",
                                         fam_name[m->opts->family]);
                                status = -1;
                                break;
                        }
                        bool bad = false;
                        for (int k = a; k < ac && !bad; k++) {
                                if (tv[k]->bad) {
                                        line_err(m, tl->first, "\"%s\" is a %s: migrate does not know its value",
                                                 tv[k]->badvar, tv[k]->bad);
                                        bad = true;
                                }
                        }
                        if (bad) {
                                status = -1;
                                break;
                        }
                        int r = run_ipt(m, fam, av + a, ac - a, tl->first, tl->start, NULL, next == TK_OR);
                        status = r < 0 ? -1 : r;
                        break;
                }
                case CK_IPT_LIST:
                        skipped = true;
                        status = 0;
                        break;
                case CK_IPT_RESTORE:
                        line_err(m, tl->first, "%s in a script is not supported: run migrate on the file it reads%s",
                                 base_name(av[a]), heredoc ? " (put the here-document in a file of its own)" : "");
                        status = -1;
                        break;
                case CK_EXIT:
                        if (runs > 0) {
                                note_skipped(m, tl->first, tl->start, "exit: the rest of the file does not run");
                                m->stop = true;
                        } else {
                                skipped = true;
                        }
                        break;
                case CK_TRUE:
                        status = runs > 0 ? 0 : -1;
                        skipped = true;
                        break;
                case CK_FALSE:
                        status = runs > 0 ? 1 : -1;
                        skipped = true;
                        break;
                case CK_HARMLESS:
                        status = runs > 0 ? 0 : -1;
                        skipped = true;
                        break;
                default:
                        status = -1;
                        skipped = true;
                        break;
                }
next_cmd:
                free(av);
                free(tv);
                conn = next;
                if (next == TK_LPAREN || next == TK_RPAREN || next == TK_DSEMI) {
                        /* only inside shell logic, which scan_control has taken */
                        conn = TK_SEMI;
                }
        }
        if (skipped && !m->stop)
                note_skipped(m, tl->first, tl->start, NULL);
}

/* Skips a here-document body after the line that opened it. */
static void skip_heredoc(struct lexer *lx, const struct tline *tl)
{
        const char *delim = NULL;
        for (size_t i = 0; i + 1 < tl->n; i++)
                if (tl->t[i].kind == TK_HEREDOC && tl->t[i + 1].kind == TK_WORD)
                        delim = tl->t[i + 1].s;
        if (delim == NULL)
                return;
        while (lx->p < lx->end) {
                const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
                const char *e = nl ? nl : lx->end;
                const char *s = lx->p;
                if (tl->heredoc_strip)
                        while (s < e && *s == '\t')
                                s++;
                size_t n = (size_t)(e - s);
                if (n && s[n - 1] == '\r')
                        n--;
                lx->p = nl ? nl + 1 : lx->end;
                lx->line++;
                if (n == strlen(delim) && memcmp(s, delim, n) == 0)
                        break;
        }
}

static void run_script(struct mig *m, const char *buf, size_t len)
{
        struct lexer lx = { .p = buf, .end = buf + len, .line = 1, .vars = &m->vars };
        struct tline tl = { 0 };
        const char *block_start = NULL;
        while (!m->stop && lex_line(&lx, &tl) == 0) {
                if (tl.err) {
                        line_err(m, tl.first, "%s", tl.err);
                        continue;
                }
                bool heredoc = false;
                for (size_t i = 0; i < tl.n; i++)
                        heredoc = heredoc || tl.t[i].kind == TK_HEREDOC;
                bool in_block = m->blk.depth > 0 || m->blk.pending;
                bool ctrl = scan_control(&tl, &m->blk);
                if (in_block || ctrl) {
                        if (!in_block) {
                                m->blk.first = tl.first;
                                block_start = tl.start;
                        }
                        for (size_t i = 0; i < tl.n; i++)
                                m->blk.has_ipt = m->blk.has_ipt || (tl.t[i].kind == TK_WORD && is_ipt_word(tl.t[i].s));
                        m->blk.last = tl.last;
                        if (heredoc)
                                skip_heredoc(&lx, &tl);
                        if (m->blk.depth == 0 && !m->blk.pending)
                                finish_block(m, block_start);
                        continue;
                }
                if (tl.n == 0) {
                        const char *s = tl.start;
                        while (s < m->end && (*s == ' ' || *s == '\t'))
                                s++;
                        if (s < m->end && *s == '#')
                                note_skipped(m, tl.first, tl.start, NULL);
                        continue;
                }
                run_line(m, &tl);
                if (heredoc)
                        skip_heredoc(&lx, &tl);
        }
        if (m->blk.depth > 0 || m->blk.pending) {
                m->blk.has_ipt = true;
                line_err(m, m->blk.first, "shell logic (%s) that does not end", m->blk.what);
        }
        tline_clear(&tl);
        free(tl.t);
        free(lx.w.s);
}

/* ------------------------------------------------------------------------------------------ */
/* iptables-save dumps */

static bool is_dump(const char *buf, size_t len)
{
        const char *p = buf, *end = buf + len;
        while (p < end) {
                while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
                        p++;
                if (p < end && *p == '#') {
                        while (p < end && *p != '\n')
                                p++;
                        continue;
                }
                return p < end && *p == '*';
        }
        return false;
}

/* Which family a *filter block is, from its addresses and protocols: 1 v4, 2 v6, 3 both, 0 none. */
static unsigned block_hints(const char *p, const char *end)
{
        unsigned h = 0;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *e = nl ? nl : end;
                if ((size_t)(e - p) == 6 && memcmp(p, "COMMIT", 6) == 0)
                        break;
                char tok[128];
                const char *q = p;
                while (q < e) {
                        while (q < e && (*q == ' ' || *q == '\t' || *q == ','))
                                q++;
                        size_t n = 0;
                        while (q < e && *q != ' ' && *q != '\t' && *q != ',' && n + 1 < sizeof(tok))
                                tok[n++] = *q++;
                        while (q < e && *q != ' ' && *q != '\t' && *q != ',')
                                q++;
                        tok[n] = '\0';
                        char *slash = strchr(tok, '/');
                        if (slash)
                                *slash = '\0';
                        unsigned char b[16];
                        if (strchr(tok, ':') && inet_pton(AF_INET6, tok, b) == 1)
                                h |= 2;
                        else if (strchr(tok, '.') && inet_pton(AF_INET, tok, b) == 1)
                                h |= 1;
                        else if (strcmp(tok, "icmpv6") == 0 || strcmp(tok, "ipv6-icmp") == 0 ||
                                 strcmp(tok, "icmp6") == 0 || strncmp(tok, "icmp6-", 6) == 0)
                                h |= 2;
                        else if (strcmp(tok, "icmp") == 0 || strncmp(tok, "icmp-", 5) == 0)
                                h |= 1;
                }
                p = nl ? nl + 1 : end;
        }
        return h;
}

static void run_dump(struct mig *m, const char *buf, size_t len)
{
        const char *p = buf, *end = buf + len;
        unsigned line = 0;
        int hdr = -1, fam = -1, tb = -1;
        bool in_table = false, skip_table = false;
        unsigned table_line = 0;
        struct tline tl = { 0 };
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *e = nl ? nl : end, *start = p;
                line++;
                p = nl ? nl + 1 : end;
                while (start < e && (*start == ' ' || *start == '\t'))
                        start++;
                size_t n = (size_t)(e - start);
                while (n && (start[n - 1] == '\r' || start[n - 1] == ' ' || start[n - 1] == '\t'))
                        n--;
                if (n > OIH_MIGRATE_MAX_LINE) {
                        line_err(m, line, "line too long");
                        continue;
                }
                if (n == 0)
                        continue;
                if (start[0] == '#') {
                        if (memmem(start, n, "ip6tables-save", 14))
                                hdr = OIH_IPV6;
                        else if (memmem(start, n, "iptables-save", 13))
                                hdr = OIH_IPV4;
                        continue;
                }
                if (start[0] == '*') {
                        if (in_table)
                                line_err(m, line, "*%.*s before the COMMIT of the table of line %u", (int)(n - 1), start + 1, table_line);
                        in_table = true;
                        table_line = line;
                        char name[32];
                        snprintf(name, sizeof(name), "%.*s", (int)(n - 1 < 31 ? n - 1 : 31), start + 1);
                        tb = table_index(name);
                        if (tb < 0) {
                                line_err(m, line, "table \"%.*s\" is not supported: a policy has the tables filter, nat, mangle and raw",
                                         (int)(n - 1), start + 1);
                                skip_table = true;
                                continue;
                        }
                        skip_table = false;
                        fam = m->opts->family;
                        if (fam < 0)
                                fam = hdr;
                        if (fam < 0) {
                                unsigned h = block_hints(p, end);
                                if (h == 3) {
                                        line_err(m, line, "this table has both IPv4 and IPv6 addresses: say which it is with --family");
                                        skip_table = true;
                                        continue;
                                }
                                fam = h == 2 ? OIH_IPV6 : OIH_IPV4;
                                if (h == 0 && m->diag)
                                        oih_print_line(m->diag, "%s:%u: nothing says whether this table is IPv4 or IPv6: "
                                                "taken as IPv4 (use --family to say)", m->name, line);
                        }
                        /* iptables-restore replaces the whole table */
                        tab_reset(&m->t[fam][tb], tb);
                        m->t[fam][tb].touched = true;
                        continue;
                }
                if (n == 6 && memcmp(start, "COMMIT", 6) == 0) {
                        if (!in_table)
                                line_err(m, line, "COMMIT without a table");
                        in_table = skip_table = false;
                        continue;
                }
                if (skip_table)
                        continue;
                if (!in_table) {
                        line_err(m, line, "a line outside of a *TABLE ... COMMIT block");
                        continue;
                }
                if (start[0] == ':') {
                        char name[64], pol[16];
                        const char *sp = memchr(start, ' ', n);
                        size_t nn = sp ? (size_t)(sp - start - 1) : n - 1;
                        size_t pn = 0;
                        if (sp) {
                                const char *q = sp + 1;
                                while (q < start + n && *q != ' ' && pn + 1 < sizeof(pol))
                                        pol[pn++] = *q++;
                        }
                        pol[pn] = '\0';
                        if (nn == 0 || nn >= sizeof(name) || pn == 0) {
                                line_err(m, line, "bad chain line");
                                continue;
                        }
                        memcpy(name, start + 1, nn);
                        name[nn] = '\0';
                        struct mtab *t = &m->t[fam][tb];
                        long k = chain_find(t, name);
                        if (k >= 0 && k < (long)t->nbuiltin) {
                                if (strcmp(pol, "ACCEPT") != 0 && strcmp(pol, "DROP") != 0)
                                        line_err(m, line, "Bad policy name \"%s\"", pol);
                                else
                                        t->drop[k] = strcmp(pol, "DROP") == 0;
                        } else {
                                struct icmd c;
                                memset(&c, 0, sizeof(c));
                                if (strcmp(pol, "-") != 0)
                                        line_err(m, line, "Can't set policy `%s' on `%s' line %u: Bad built-in chain name",
                                                 pol, name, line);
                                else if (chain_new(m, tb, t, &c, name) < 0)
                                        line_err(m, line, "%s", c.msg);
                        }
                        continue;
                }
                /* [packets:bytes] -A ... (iptables-save -c) */
                const char *rule = start;
                if (rule[0] == '[') {
                        const char *rb = memchr(rule, ']', n);
                        if (rb)
                                rule = rb + 1;
                }
                char *text = strndup(rule, (size_t)(start + n - rule));
                if (text == NULL)
                        abort();
                struct lexer lx = { .p = text, .end = text + strlen(text), .line = line };
                lex_line(&lx, &tl);
                free(lx.w.s);
                if (tl.err) {
                        line_err(m, line, "%s", tl.err);
                } else {
                        char **av = xrealloc(NULL, (tl.n + 2) * sizeof(*av));
                        av[0] = fam == OIH_IPV6 ? "ip6tables" : "iptables";
                        for (size_t i = 0; i < tl.n; i++)
                                av[i + 1] = tl.t[i].s;
                        av[tl.n + 1] = NULL;
                        run_ipt(m, fam, av, (int)tl.n + 1, line, start, table_names[tb], false);
                        free(av);
                }
                free(text);
        }
        if (in_table)
                line_err(m, table_line, "table without COMMIT (iptables-restore would apply nothing)");
        tline_clear(&tl);
        free(tl.t);
}

/* ------------------------------------------------------------------------------------------ */
/* Output: a version-2 policy (POLICY-V2.md), every table the input touched. */

static bool table_touched(const struct mig *m, int tb)
{
        return m->t[OIH_IPV4][tb].touched || m->t[OIH_IPV6][tb].touched;
}

static bool chain_in(const struct mig *m, int fam, int tb, const char *name)
{
        return m->t[fam][tb].touched && chain_find(&m->t[fam][tb], name) >= 0;
}

static struct json_object *emit_table(const struct mig *m, int tb)
{
        const struct mtab *t4 = &m->t[OIH_IPV4][tb], *t6 = &m->t[OIH_IPV6][tb];
        struct json_object *o = json_object_new_object(), *pol = json_object_new_object();
        for (unsigned b = 0; b < t4->nbuiltin; b++) {
                const char *v4 = t4->drop[b] ? "DROP" : "ACCEPT", *v6 = t6->drop[b] ? "DROP" : "ACCEPT";
                struct json_object *v;
                /* a family the input never touched takes the other's policies (the Core rule) */
                if (t4->touched && t6->touched && strcmp(v4, v6) != 0) {
                        v = json_object_new_object();
                        json_object_object_add(v, "ipv4", json_object_new_string(v4));
                        json_object_object_add(v, "ipv6", json_object_new_string(v6));
                } else {
                        v = json_object_new_string(t4->touched ? v4 : t6->touched ? v6 : "ACCEPT");
                }
                json_object_object_add(pol, builtin_chains[tb][b], v);
        }
        json_object_object_add(o, "policy", pol);
        struct json_object *chains = json_object_new_array();
        for (size_t i = 0; i < m->norder[tb]; i++) {
                const char *name = m->order[tb][i];
                bool in4 = chain_in(m, OIH_IPV4, tb, name), in6 = chain_in(m, OIH_IPV6, tb, name);
                if (!in4 && !in6)
                        continue;
                struct json_object *v = json_object_new_string(name);
                if (in4 != in6) {
                        json_object_put(v);
                        v = json_object_new_object();
                        json_object_object_add(v, "name", json_object_new_string(name));
                        json_object_object_add(v, "family", json_object_new_string(in4 ? "ipv4" : "ipv6"));
                }
                json_object_array_add(chains, v);
        }
        json_object_object_add(o, "chains", chains);
        return o;
}

static void emit_rules_of(struct sbuf *out, const struct mig *m, int tb, const char *name, bool *first)
{
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                const struct mtab *t = &m->t[f][tb];
                long k = chain_find(t, name);
                if (k < 0 || !t->touched)
                        continue;
                for (size_t i = 0; i < t->c[k].n; i++) {
                        struct json_object *r = json_object_new_object();
                        if (tb != 0)
                                json_object_object_add(r, "table", json_object_new_string(table_names[tb]));
                        json_object_object_add(r, "chain", json_object_new_string(name));
                        json_object_object_add(r, "family", json_object_new_string(fam_name[f]));
                        json_object_object_foreach(t->c[k].r[i].obj, key, v)
                                json_object_object_add(r, key, json_object_get(v));
                        const char *s = json_object_to_json_string_ext(r, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
                        sb_adds(out, *first ? "\n    " : ",\n    ", *first ? 5 : 6);
                        sb_adds(out, s, strlen(s));
                        *first = false;
                        json_object_put(r);
                }
        }
}

static void emit(struct sbuf *out, const struct mig *m)
{
        char tmp[512];
        struct json_object *desc = json_object_new_string("");
        snprintf(tmp, sizeof(tmp), "migrated from %s by oci-iptables-hook migrate", m->name);
        json_object_set_string(desc, tmp);
        snprintf(tmp, sizeof(tmp), "{\n  \"version\": 2,\n  \"description\": %s,\n  \"tables\": {", jtext(desc));
        json_object_put(desc);
        sb_adds(out, tmp, strlen(tmp));
        bool first = true;
        for (int tb = 0; tb < NTABLES; tb++) {
                if (tb != 0 && !table_touched(m, tb))
                        continue;
                struct json_object *o = emit_table(m, tb);
                const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
                snprintf(tmp, sizeof(tmp), "%s\n    \"%s\": ", first ? "" : ",", table_names[tb]);
                sb_adds(out, tmp, strlen(tmp));
                sb_adds(out, s, strlen(s));
                json_object_put(o);
                first = false;
        }
        sb_adds(out, "\n  },\n  \"rules\": [", 18);
        first = true;
        for (int tb = 0; tb < NTABLES; tb++) {
                for (int b = 0; builtin_chains[tb][b] != NULL; b++)
                        emit_rules_of(out, m, tb, builtin_chains[tb][b], &first);
                for (size_t i = 0; i < m->norder[tb]; i++)
                        emit_rules_of(out, m, tb, m->order[tb][i], &first);
        }
        sb_adds(out, first ? "]\n}\n" : "\n  ]\n}\n", first ? 4 : 7);
}

static int chain_cmp(const void *a, const void *b)
{
        return strcmp((*(const struct mchain *const *)a)->name, (*(const struct mchain *const *)b)->name);
}

/* What the policy must build for family F, as iptables-save prints it: the replayed tables. */
static void expected_text(struct sbuf *out, const struct mig *m, int f)
{
        char tmp[128];
        for (int tb = 0; tb < NTABLES; tb++) {
                if (tb != 0 && !table_touched(m, tb))
                        continue;
                /* a family the input never touched: the other's policies, no chain, no rule */
                const struct mtab *t = &m->t[f][tb], *p = t->touched ? t : &m->t[!f][tb];
                snprintf(tmp, sizeof(tmp), "*%s\n", table_names[tb]);
                sb_adds(out, tmp, strlen(tmp));
                for (unsigned b = 0; b < t->nbuiltin; b++) {
                        snprintf(tmp, sizeof(tmp), ":%s %s [0:0]\n", t->c[b].name, p->drop[b] ? "DROP" : "ACCEPT");
                        sb_adds(out, tmp, strlen(tmp));
                }
                if (!t->touched) {
                        sb_adds(out, "COMMIT\n", 7);
                        continue;
                }
                /* iptables-save: built-in chains, then user chains sorted by name (libiptc's order) */
                size_t nu = t->n - t->nbuiltin;
                const struct mchain **u = xrealloc(NULL, (nu + t->nbuiltin) * sizeof(*u));
                for (size_t i = 0; i < t->n; i++)
                        u[i] = &t->c[i];
                qsort(u + t->nbuiltin, nu, sizeof(*u), chain_cmp);
                for (size_t i = t->nbuiltin; i < t->n; i++) {
                        snprintf(tmp, sizeof(tmp), ":%s - [0:0]\n", u[i]->name);
                        sb_adds(out, tmp, strlen(tmp));
                }
                for (size_t i = 0; i < t->n; i++) {
                        for (size_t r = 0; r < u[i]->n; r++) {
                                sb_adds(out, "-A ", 3);
                                sb_adds(out, u[i]->name, strlen(u[i]->name));
                                if (u[i]->r[r].key[0] != '\0')
                                        sb_add(out, ' ');
                                sb_adds(out, u[i]->r[r].key, strlen(u[i]->r[r].key));
                                sb_add(out, '\n');
                        }
                }
                free(u);
                sb_adds(out, "COMMIT\n", 7);
        }
}

/* The policy TEXT, parsed and compiled as `check` and `show` do, builds the replayed tables. */
static int check_output(const struct mig *m, const struct sbuf *text, struct oih_error *err)
{
        struct oih_error e;
        oih_error_init(&e);
        struct oih_policy *p = NULL;
        int ret = 0;
        if (oih_policy_parse(m->name, text->s, text->n, &p, &e) < 0) {
                ret = oih_err(err, "%s: the translated policy is refused by the policy parser: %s", m->name,
                              oih_error_first(&e));
        }
        for (int f = 0; f < OIH_NFAMILIES && ret == 0; f++) {
                char *got = NULL;
                size_t glen = 0;
                FILE *mem = open_memstream(&got, &glen);
                if (mem == NULL)
                        abort();
                int r = oih_render(p, f, mem, &e);
                fclose(mem);
                struct sbuf want = { 0 };
                expected_text(&want, m, f);
                if (r < 0) {
                        ret = oih_err(err, "%s: the translated policy does not compile: %s", m->name, oih_error_first(&e));
                } else if (want.n != glen || memcmp(want.s, got, glen) != 0) {
                        size_t i = 0;
                        while (i < glen && i < want.n && got[i] == want.s[i])
                                i++;
                        while (i > 0 && want.s[i - 1] != '\n')
                                i--;
                        ret = oih_err(err, "%s: the translated policy would not build what the input builds (%s): "
                                      "expected \"%.*s\", got \"%.*s\"", m->name, fam_name[f],
                                      (int)strcspn(want.s + i, "\n"), want.s + i,
                                      (int)strcspn(got + i, "\n"), got + i);
                }
                free(want.s);
                free(got);
        }
        oih_policy_free(p);
        return ret;
}

int oih_migrate(const char *name, const char *buf, size_t len, const struct oih_migrate_opts *opts,
                FILE *out, FILE *diag, struct oih_error *err)
{
        if (len > OIH_MAX_FILE_SIZE)
                return oih_err(err, "%s: file of %zu bytes is larger than the limit of %u", name, len,
                               OIH_MAX_FILE_SIZE);
        const char *nul = memchr(buf, '\0', len);
        if (nul) {
                unsigned line = 1;
                for (const char *p = buf; p < nul; p++)
                        line += *p == '\n';
                return oih_err(err, "%s:%u: not a text file (it contains a NUL byte)", name, line);
        }
        struct mig m;
        memset(&m, 0, sizeof(m));
        m.name = name;
        m.end = buf + len;
        m.opts = opts;
        m.diag = diag;
        m.err = err;
        for (int f = 0; f < OIH_NFAMILIES; f++)
                for (int tb = 0; tb < NTABLES; tb++)
                        tab_reset(&m.t[f][tb], tb);
        if (is_dump(buf, len))
                run_dump(&m, buf, len);
        else
                run_script(&m, buf, len);
        for (int f = 0; f < OIH_NFAMILIES; f++)
                oih_xt_session_close(m.xs[f]);
        int ret = 0;
        struct sbuf text = { 0 };
        if (m.nerr && !opts->lenient) {
                ret = -1;
        } else {
                /* never print a policy that check refuses or that builds other tables */
                emit(&text, &m);
                if (check_output(&m, &text, err) < 0)
                        ret = -1;
                else if (fwrite(text.s, 1, text.n, out) != text.n || fflush(out) != 0)
                        ret = oih_err_errno(err, errno, "cannot write the policy");
                if (ret == 0 && m.nerr && diag)
                        oih_print_line(diag, "%s: %u line%s left out (--lenient)", name, m.nerr, m.nerr == 1 ? "" : "s");
        }
        free(text.s);
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                for (int tb = 0; tb < NTABLES; tb++) {
                        struct mtab *t = &m.t[f][tb];
                        tab_reset(t, tb);
                        for (size_t i = 0; i < t->n; i++)
                                free(t->c[i].r);
                        free(t->c);
                }
        }
        for (int tb = 0; tb < NTABLES; tb++) {
                for (size_t i = 0; i < m.norder[tb]; i++)
                        free(m.order[tb][i]);
                free(m.order[tb]);
        }
        vars_free(&m.vars);
        return ret;
}
