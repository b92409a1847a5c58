/* migrate: iptables shell scripts and iptables-save dumps -> a version-1 policy.
 *
 * Phases: lex (shell words of one logical line) -> classify (which simple commands are iptables
 * commands) -> parse (iptables' command line grammar into policy fields) -> replay (the command's
 * effect on an in-memory copy of both filter tables) -> emit (the final tables as JSON, checked
 * with the policy parser before anything is printed). */
#define _GNU_SOURCE
#include "migrate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <json-c/json.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

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
                } else if (c == '#' && !lx->inword) {
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
