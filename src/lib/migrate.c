/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate: iptables shell scripts and iptables-save dumps -> a version-1 policy.
 *
 * Phases: lex (shell words of one logical line) -> classify (which simple commands are iptables
 * commands) -> parse (iptables' command line grammar into policy fields) -> replay (the command's
 * effect on an in-memory copy of both filter tables) -> emit (the final tables as JSON, checked
 * with the policy parser before anything is printed). */
#define _GNU_SOURCE
#include "migrate.h"
#include "oih.h"

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
/* iptables' command line -> the fields of one policy rule. */

/* The rule's keys, in the order they are printed. */
enum field {
        F_PROTOCOL, F_SOURCE, F_DESTINATION, F_IN, F_OUT, F_SPORT, F_DPORT, F_SYN, F_TCPFLAGS,
        F_ICMP, F_CTSTATE, F_STATE, F_UID, F_GID, F_LIMIT, F_COMMENT, F_TARGET, F_GOTO, F_REJECT,
        F_LOGPREFIX, F_LOGLEVEL, F_NFGROUP, F_NFPREFIX, F_N
};
static const char *const field_key[F_N] = {
        "protocol", "source", "destination", "in_interface", "out_interface", "sport", "dport",
        "syn", "tcp_flags", "icmp_type", "ctstate", "state", "uid_owner", "gid_owner", "limit",
        "comment", "target", "goto", "reject_with", "log_prefix", "log_level", "nflog_group",
        "nflog_prefix",
};

/* Extensions (matches, then targets) whose options we know. */
enum mod { M_GLOBAL, M_TCP, M_UDP, M_ICMP, M_ICMP6, M_MULTIPORT, M_CONNTRACK, M_STATE, M_OWNER,
           M_COMMENT, M_LIMIT, T_REJECT, T_LOG, T_NFLOG, M_NMODS };
static const char *const mod_name[M_NMODS] = {
        "", "tcp", "udp", "icmp", "icmp6", "multiport", "conntrack", "state", "owner", "comment",
        "limit", "REJECT", "LOG", "NFLOG",
};

/* The order in which the policy compiler (blob.c) lays out a rule's matches. A rule whose
 * matches come in another order builds a different (if equivalent) table, so it is refused
 * rather than silently reordered. */
enum kind { K_NONE, K_PORTS, K_ICMP, K_MSPORTS, K_MDPORTS, K_CTSTATE, K_STATE, K_OWNER, K_LIMIT,
            K_COMMENT };
static const char *const kind_name[] = {
        "", "tcp/udp", "icmp", "multiport --sports", "multiport --dports", "conntrack", "state",
        "owner", "limit", "comment",
};

enum optid {
        O_SPORT = 256, O_DPORT, O_SYN, O_TCPFLAGS, O_ICMPTYPE, O_SPORTS, O_DPORTS, O_CTSTATE,
        O_STATE, O_UID, O_GID, O_COMMENT, O_LIMIT, O_BURST, O_REJECT_WITH, O_LOG_LEVEL,
        O_LOG_PREFIX, O_NF_GROUP, O_NF_PREFIX, O_UNSUPPORTED, O_LINENUM, O_MODPROBE,
};

struct optdef {
        enum mod mod;
        const char *name;
        int id;         /* the short letter for global options */
        int nargs;      /* 0, 1, 2; -1: optional (taken when the next word is not an option) */
        bool inv;       /* may follow '!' */
};

static const struct optdef optdefs[] = {
        { M_GLOBAL, "append", 'A', 1, false }, { M_GLOBAL, "check", 'C', 1, false },
        { M_GLOBAL, "delete", 'D', 1, false }, { M_GLOBAL, "insert", 'I', 1, false },
        { M_GLOBAL, "replace", 'R', 1, false }, { M_GLOBAL, "list", 'L', -1, false },
        { M_GLOBAL, "list-rules", 'S', -1, false }, { M_GLOBAL, "flush", 'F', -1, false },
        { M_GLOBAL, "zero", 'Z', -1, false }, { M_GLOBAL, "new-chain", 'N', 1, false },
        { M_GLOBAL, "delete-chain", 'X', -1, false }, { M_GLOBAL, "rename-chain", 'E', 1, false },
        { M_GLOBAL, "policy", 'P', 1, false }, { M_GLOBAL, "protocol", 'p', 1, true },
        { M_GLOBAL, "source", 's', 1, true }, { M_GLOBAL, "src", 's', 1, true },
        { M_GLOBAL, "destination", 'd', 1, true }, { M_GLOBAL, "dst", 'd', 1, true },
        { M_GLOBAL, "in-interface", 'i', 1, true }, { M_GLOBAL, "out-interface", 'o', 1, true },
        { M_GLOBAL, "jump", 'j', 1, false }, { M_GLOBAL, "goto", 'g', 1, false },
        { M_GLOBAL, "match", 'm', 1, false }, { M_GLOBAL, "table", 't', 1, false },
        { M_GLOBAL, "numeric", 'n', 0, false }, { M_GLOBAL, "verbose", 'v', 0, false },
        { M_GLOBAL, "exact", 'x', 0, false }, { M_GLOBAL, "line-numbers", O_LINENUM, 0, false },
        { M_GLOBAL, "wait", 'w', -1, false }, { M_GLOBAL, "wait-interval", 'W', 1, false },
        { M_GLOBAL, "set-counters", 'c', 1, false }, { M_GLOBAL, "fragment", 'f', 0, true },
        { M_GLOBAL, "ipv4", '4', 0, false }, { M_GLOBAL, "ipv6", '6', 0, false },
        { M_GLOBAL, "modprobe", O_MODPROBE, 1, false }, { M_GLOBAL, "version", 'V', 0, false },
        { M_GLOBAL, "help", 'h', -1, false },

        { M_TCP, "source-port", O_SPORT, 1, true }, { M_TCP, "sport", O_SPORT, 1, true },
        { M_TCP, "destination-port", O_DPORT, 1, true }, { M_TCP, "dport", O_DPORT, 1, true },
        { M_TCP, "syn", O_SYN, 0, true }, { M_TCP, "tcp-flags", O_TCPFLAGS, 2, true },
        { M_TCP, "tcp-option", O_UNSUPPORTED, 1, true },
        { M_UDP, "source-port", O_SPORT, 1, true }, { M_UDP, "sport", O_SPORT, 1, true },
        { M_UDP, "destination-port", O_DPORT, 1, true }, { M_UDP, "dport", O_DPORT, 1, true },
        { M_ICMP, "icmp-type", O_ICMPTYPE, 1, true },
        { M_ICMP6, "icmpv6-type", O_ICMPTYPE, 1, true },
        { M_MULTIPORT, "source-ports", O_SPORTS, 1, true }, { M_MULTIPORT, "sports", O_SPORTS, 1, true },
        { M_MULTIPORT, "destination-ports", O_DPORTS, 1, true },
        { M_MULTIPORT, "dports", O_DPORTS, 1, true }, { M_MULTIPORT, "ports", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctstate", O_CTSTATE, 1, true },
        { M_CONNTRACK, "ctproto", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctorigsrc", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctorigdst", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctreplsrc", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctrepldst", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctorigsrcport", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctorigdstport", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctreplsrcport", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctrepldstport", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctstatus", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctexpire", O_UNSUPPORTED, 1, true },
        { M_CONNTRACK, "ctdir", O_UNSUPPORTED, 1, false },
        { M_STATE, "state", O_STATE, 1, true },
        { M_OWNER, "uid-owner", O_UID, 1, true }, { M_OWNER, "gid-owner", O_GID, 1, true },
        { M_OWNER, "socket-exists", O_UNSUPPORTED, 0, true },
        { M_OWNER, "suppl-groups", O_UNSUPPORTED, 0, true },
        { M_COMMENT, "comment", O_COMMENT, 1, false },
        { M_LIMIT, "limit", O_LIMIT, 1, false }, { M_LIMIT, "limit-burst", O_BURST, 1, false },
        { T_REJECT, "reject-with", O_REJECT_WITH, 1, false },
        { T_LOG, "log-level", O_LOG_LEVEL, 1, false }, { T_LOG, "log-prefix", O_LOG_PREFIX, 1, false },
        { T_LOG, "log-tcp-sequence", O_UNSUPPORTED, 0, false },
        { T_LOG, "log-tcp-options", O_UNSUPPORTED, 0, false },
        { T_LOG, "log-ip-options", O_UNSUPPORTED, 0, false },
        { T_LOG, "log-uid", O_UNSUPPORTED, 0, false },
        { T_LOG, "log-macdecode", O_UNSUPPORTED, 0, false },
        { T_NFLOG, "nflog-group", O_NF_GROUP, 1, false },
        { T_NFLOG, "nflog-prefix", O_NF_PREFIX, 1, false },
        { T_NFLOG, "nflog-range", O_UNSUPPORTED, 1, false },
        { T_NFLOG, "nflog-size", O_UNSUPPORTED, 1, false },
        { T_NFLOG, "nflog-threshold", O_UNSUPPORTED, 1, false },
};

#define MAX_INST 16
struct inst {
        enum mod mod;
        enum kind kind;
};

struct icmd {
        int family;
        char cmd;               /* A C D I R L S F Z N X E P, 0: none yet */
        char chain[64];
        bool has_chain;
        char arg2[64];          /* -P target, -E new name */
        long num;               /* rule number of -I -D -R; 0: none */
        char table[32];
        struct json_object *f[F_N];
        int proto;              /* -1: not given */
        bool proto_inv;
        char **addr[2];         /* -s, -d: normalised, each "ADDR" or "ADDR/LEN" */
        size_t naddr[2];
        bool addr_inv[2];
        char target[64];        /* -j or -g argument */
        bool is_goto;
        enum mod tmod;          /* target extension with options, or M_GLOBAL */
        struct inst m[MAX_INST];
        size_t nm;
        bool rule_opts;         /* anything that only a rule command takes */
        bool reject_tcp_reset;
        bool limit_given, burst_given;
        unsigned limit_n;
        const char *limit_unit;
        unsigned burst;
        const char *optname;    /* the option being parsed, for messages */
        bool runtime;           /* failed as iptables fails on the table's state (|| true copes) */
        char *msg;              /* MSGLEN bytes */
};
#define MSGLEN 400

static void icmd_free(struct icmd *c)
{
        for (int i = 0; i < F_N; i++)
                json_object_put(c->f[i]);
        for (int k = 0; k < 2; k++) {
                for (size_t i = 0; i < c->naddr[k]; i++)
                        free(c->addr[k][i]);
                free(c->addr[k]);
        }
}

__attribute__((format(printf, 2, 3))) static int fail(struct icmd *c, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->msg, MSGLEN, fmt, ap);
        va_end(ap);
        return -1;
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

/* A decimal number 0..MAX without sign, spaces or leading junk. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
        if (!all_digits(s) || strlen(s) > 10)
                return false;
        unsigned long v = strtoul(s, NULL, 10);
        if (v > max)
                return false;
        *ret = v;
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

static int set_field(struct icmd *c, enum field f, struct json_object *v, const char *opt)
{
        if (c->f[f]) {
                json_object_put(v);
                return fail(c, "option \"%s\" can only be used once", opt);
        }
        c->f[f] = v;
        return 0;
}

static bool valid_utf8(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        while (*p) {
                int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
                        : (*p & 0xF8) == 0xF0 ? 3 : -1;
                if (n < 0 || (n == 1 && *p < 0xC2))
                        return false;
                p++;
                for (int i = 0; i < n; i++, p++)
                        if ((*p & 0xC0) != 0x80)
                                return false;
        }
        return true;
}

static const char *proto_name(int proto)
{
        return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : NULL;
}

/* A failure that depends on the table's state, not on the command: `cmd || true` survives it. */
#define rfail(c, ...) ((c)->runtime = true, fail((c), __VA_ARGS__))

/* ---- protocols ---- */

static int parse_proto(struct icmd *c, const char *arg, bool inv)
{
        char low[64];
        size_t n = strlen(arg);
        if (n == 0 || n >= sizeof(low))
                return fail(c, "unknown protocol \"%s\" specified", arg);
        for (size_t i = 0; i <= n; i++)
                low[i] = (char)tolower((unsigned char)arg[i]);
        unsigned long num;
        int p;
        static const struct { const char *name; int num; } names[] = {
                { "all", 0 }, { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
                { "ipv6-icmp", 58 }, { "udplite", 136 }, { "sctp", 132 }, { "dccp", 33 },
                { "esp", 50 }, { "ah", 51 }, { "mh", 135 }, { "ipv6-mh", 135 }, { "gre", 47 },
        };
        p = -1;
        if (parse_uint(low, 255, &num))
                p = (int)num;
        for (size_t i = 0; p < 0 && i < ARRAY_SIZE(names); i++)
                if (strcmp(low, names[i].name) == 0)
                        p = names[i].num;
        if (p < 0) {
                struct protoent *pe = getprotobyname(low);
                if (pe == NULL)
                        return fail(c, "unknown protocol \"%s\" specified", arg);
                p = pe->p_proto;
        }
        if (p == 0 && inv)
                return fail(c, "rule would never match protocol");
        if (c->proto >= 0)
                return fail(c, "multiple -p flags not allowed");
        c->proto = p;
        c->proto_inv = inv;
        struct json_object *v;
        if (p == 0)
                return 0;       /* "all" is what a rule without -p matches */
        if (p == 6 || p == 17)
                v = json_object_new_string(proto_name(p));
        else if (p == 1 && c->family == OIH_IPV4)
                v = json_object_new_string("icmp");
        else if (p == 58 && c->family == OIH_IPV6)
                v = json_object_new_string("icmpv6");
        else
                v = json_object_new_int(p);
        c->f[F_PROTOCOL] = jnot(v, inv);
        return 0;
}

/* ---- addresses ---- */

static int parse_one_addr(struct icmd *c, const char *s, char *out, size_t outlen)
{
        char a[INET6_ADDRSTRLEN + 48];
        if (strlen(s) >= sizeof(a))
                return fail(c, "host/network \"%.64s\" not found", s);
        strcpy(a, s);
        char *slash = strchr(a, '/');
        if (slash)
                *slash++ = '\0';
        int af = c->family == OIH_IPV4 ? AF_INET : AF_INET6;
        unsigned char bytes[16];
        unsigned bits = c->family == OIH_IPV4 ? 32 : 128, len = bits;
        if (inet_pton(af, a, bytes) != 1) {
                unsigned char other[16];
                if (inet_pton(af == AF_INET ? AF_INET6 : AF_INET, a, other) == 1)
                        return fail(c, "host/network \"%s\" not found (an %s address in an %s command)",
                                    s, af == AF_INET ? "IPv6" : "IPv4",
                                    af == AF_INET ? "iptables" : "ip6tables");
                bool name = false;
                for (const char *x = a; *x; x++)
                        name = name || isalpha((unsigned char)*x);
                if (name && strchr(a, ':') == NULL)
                        return fail(c, "host name \"%s\" is not supported: a policy takes addresses only", s);
                return fail(c, "host/network \"%s\" not found", s);
        }
        if (slash) {
                unsigned long m;
                unsigned char mb[16];
                if (parse_uint(slash, bits, &m)) {
                        len = (unsigned)m;
                } else if (af == AF_INET && inet_pton(AF_INET, slash, mb) == 1) {
                        uint32_t v = (uint32_t)mb[0] << 24 | (uint32_t)mb[1] << 16 |
                                     (uint32_t)mb[2] << 8 | mb[3];
                        uint32_t inv = ~v;
                        if ((inv & (inv + 1)) != 0)
                                return fail(c, "netmask \"%s\" is not contiguous: not supported by the policy format", slash);
                        len = 0;
                        while (len < 32 && (v & (0x80000000u >> len)))
                                len++;
                } else {
                        return fail(c, "invalid mask \"%s\" specified", slash);
                }
        }
        for (unsigned i = 0; i < bits / 8; i++) {
                unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
                bytes[i] &= (unsigned char)(0xFF00u >> keep);
        }
        char txt[INET6_ADDRSTRLEN];
        inet_ntop(af, bytes, txt, sizeof(txt));
        if (len == bits)
                snprintf(out, outlen, "%s", txt);
        else
                snprintf(out, outlen, "%s/%u", txt, len);
        return 0;
}

static int parse_addrs(struct icmd *c, int which, const char *arg, bool inv)
{
        if (c->naddr[which])
                return fail(c, "multiple -%c flags not allowed", which ? 'd' : 's');
        char *copy = xstrdup(arg);
        int r = 0;
        size_t n = 0, cap = 0;
        char **list = NULL;
        for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (n >= OIH_MAX_ADDRS) {
                        r = fail(c, "more than %u addresses in -%c", OIH_MAX_ADDRS, which ? 'd' : 's');
                        break;
                }
                char out[INET6_ADDRSTRLEN + 8];
                r = parse_one_addr(c, tok, out, sizeof(out));
                if (r < 0)
                        break;
                grow(&list, &cap, n, sizeof(*list));
                list[n++] = xstrdup(out);
        }
        free(copy);
        if (r == 0 && n == 0)
                r = fail(c, "host/network \"%s\" not found", arg);
        if (r == 0 && n > 1 && inv)
                r = fail(c, "! not allowed with multiple source or destination IP addresses");
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(list[i]);
                free(list);
                return r;
        }
        c->addr[which] = list;
        c->naddr[which] = n;
        c->addr_inv[which] = inv;
        return 0;
}

/* ---- interfaces ---- */

static int parse_iface(struct icmd *c, enum field f, const char *arg, bool inv)
{
        size_t n = strlen(arg);
        if (n == 0 || n > 15)
                return fail(c, "interface name \"%s\" must be 1 to 15 characters", arg);
        for (const char *x = arg; *x; x++)
                if (isspace((unsigned char)*x) || *x == '/' || *x == '"' || *x == '\'' ||
                    !isprint((unsigned char)*x))
                        return fail(c, "interface name \"%s\" has a character the policy format does not allow", arg);
        return set_field(c, f, jnot(json_object_new_string(arg), inv), f == F_IN ? "-i" : "-o");
}

/* ---- ports ---- */

static int parse_port(struct icmd *c, const char *s, unsigned *ret)
{
        unsigned long v;
        if (parse_uint(s, 65535, &v)) {
                *ret = (unsigned)v;
                return 0;
        }
        const char *pn = proto_name(c->proto);
        struct servent *se = (*s && !all_digits(s) && s[0] != '-' && pn) ? getservbyname(s, pn) : NULL;
        if (se == NULL)
                return fail(c, "invalid port/service \"%s\"", s);
        *ret = ntohs((uint16_t)se->s_port);
        return 0;
}

static struct json_object *jport(unsigned lo, unsigned hi)
{
        if (lo == hi)
                return json_object_new_int((int)lo);
        char b[16];
        snprintf(b, sizeof(b), "%u:%u", lo, hi);
        return json_object_new_string(b);
}

/* tcp/udp --sport 1024:, :1023, 22; multiport ranges need both ends. */
static int parse_range(struct icmd *c, const char *s, bool open_ends, struct json_object **ret)
{
        const char *colon = strchr(s, ':');
        unsigned lo, hi;
        if (colon == NULL) {
                if (parse_port(c, s, &lo) < 0)
                        return -1;
                *ret = jport(lo, lo);
                return 0;
        }
        char a[64], b[64];
        size_t na = (size_t)(colon - s);
        if (na >= sizeof(a) || strlen(colon + 1) >= sizeof(b))
                return fail(c, "invalid port/service \"%s\"", s);
        memcpy(a, s, na);
        a[na] = '\0';
        strcpy(b, colon + 1);
        if ((!open_ends && (a[0] == '\0' || b[0] == '\0')) || strchr(b, ':'))
                return fail(c, "invalid port/service \"%s\"", s);
        lo = 0;
        hi = 65535;
        if (a[0] && parse_port(c, a, &lo) < 0)
                return -1;
        if (b[0] && parse_port(c, b, &hi) < 0)
                return -1;
        if (lo > hi)
                return fail(c, "invalid portrange \"%s\" (min > max)", s);
        *ret = jport(lo, hi);
        return 0;
}

static int parse_portlist(struct icmd *c, const char *arg, struct json_object **ret)
{
        struct json_object *a = json_object_new_array();
        char *copy = xstrdup(arg);
        int r = 0, n = 0;
        char *save = NULL;
        if (arg[0] == '\0' || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
                r = fail(c, "invalid port/service \"%s\"", arg);
        for (char *tok = r ? NULL : strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                struct json_object *v;
                if (++n > OIH_MULTIPORT_SLOTS) {
                        r = fail(c, "too many ports specified");
                        break;
                }
                if ((r = parse_range(c, tok, false, &v)) < 0)
                        break;
                json_object_array_add(a, v);
        }
        free(copy);
        if (r < 0) {
                json_object_put(a);
                return r;
        }
        *ret = a;
        return 0;
}

/* ---- tcp flags, states, owner, limit ---- */

static int parse_flags(struct icmd *c, const char *s, struct json_object **ret)
{
        static const char *const names[] = { "SYN", "ACK", "FIN", "RST", "URG", "PSH", "ALL", "NONE" };
        struct json_object *a = json_object_new_array();
        char *copy = xstrdup(s);
        int r = 0;
        for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t i;
                for (i = 0; i < ARRAY_SIZE(names); i++)
                        if (strcasecmp(tok, names[i]) == 0)
                                break;
                if (i == ARRAY_SIZE(names)) {
                        r = fail(c, "Unknown TCP flag \"%s\"", tok);
                        break;
                }
                json_object_array_add(a, json_object_new_string(names[i]));
        }
        free(copy);
        if (r == 0 && json_object_array_length(a) == 0)
                r = fail(c, "Unknown TCP flag \"%s\"", s);
        if (r < 0) {
                json_object_put(a);
                return r;
        }
        *ret = a;
        return 0;
}

static int parse_states(struct icmd *c, const char *s, bool ct, struct json_object **ret)
{
        static const char *const names[] = { "NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED" };
        struct json_object *a = json_object_new_array();
        char *copy = xstrdup(s);
        int r = 0;
        for (char *save, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t i;
                for (i = 0; i < ARRAY_SIZE(names); i++)
                        if (strcasecmp(tok, names[i]) == 0)
                                break;
                if (i == ARRAY_SIZE(names)) {
                        if (ct && (strcasecmp(tok, "SNAT") == 0 || strcasecmp(tok, "DNAT") == 0))
                                r = fail(c, "ctstate %s is not supported by the policy format", tok);
                        else
                                r = fail(c, "Bad %s \"%s\"", ct ? "ctstate" : "state", tok);
                        break;
                }
                json_object_array_add(a, json_object_new_string(names[i]));
        }
        free(copy);
        if (r == 0 && json_object_array_length(a) == 0)
                r = fail(c, "Bad %s \"%s\"", ct ? "ctstate" : "state", s);
        if (r < 0) {
                json_object_put(a);
                return r;
        }
        *ret = a;
        return 0;
}

static int parse_owner(struct icmd *c, const char *s, bool uid, struct json_object **ret)
{
        unsigned long lo, hi;
        const char *dash = strchr(s, '-');
        if (dash && dash != s) {
                char a[16];
                size_t n = (size_t)(dash - s);
                if (n >= sizeof(a))
                        return fail(c, "Bad %s \"%s\"", uid ? "UID" : "GID", s);
                memcpy(a, s, n);
                a[n] = '\0';
                if (!parse_uint(a, UINT32_MAX - 1, &lo) || !parse_uint(dash + 1, UINT32_MAX - 1, &hi) || lo > hi)
                        return fail(c, "Bad %s range \"%s\"", uid ? "UID" : "GID", s);
                *ret = lo == hi ? json_object_new_int64((int64_t)lo) : json_object_new_string(s);
                return 0;
        }
        if (parse_uint(s, UINT32_MAX - 1, &lo)) {
                *ret = json_object_new_int64((int64_t)lo);
                return 0;
        }
        /* a name is looked up here, as iptables does; the policy keeps the number */
        if (uid) {
                struct passwd *pw = getpwnam(s);
                if (pw == NULL)
                        return fail(c, "Bad UID value \"%s\"", s);
                *ret = json_object_new_int64(pw->pw_uid);
        } else {
                struct group *gr = getgrnam(s);
                if (gr == NULL)
                        return fail(c, "Bad GID value \"%s\"", s);
                *ret = json_object_new_int64(gr->gr_gid);
        }
        return 0;
}

static int parse_limit(struct icmd *c, const char *s)
{
        const char *slash = strchr(s, '/');
        char num[16];
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        unsigned long r;
        if (n >= sizeof(num))
                return fail(c, "bad rate \"%s\"", s);
        memcpy(num, s, n);
        num[n] = '\0';
        if (!parse_uint(num, 10000u * 86400u, &r) || r == 0)
                return fail(c, "bad rate \"%s\"", s);
        static const struct { const char *name; unsigned long mult; } units[] = {
                { "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
        };
        size_t u = 0;
        if (slash) {
                size_t ul = strlen(slash + 1);
                for (u = 0; u < ARRAY_SIZE(units); u++)
                        if (ul > 0 && strncasecmp(slash + 1, units[u].name, ul) == 0)
                                break;
                if (u == ARRAY_SIZE(units))
                        return fail(c, "bad rate \"%s\"", s);
        }
        if (10000ul * units[u].mult / r == 0)
                return fail(c, "Rate too fast \"%s\"", s);
        c->limit_n = (unsigned)r;
        c->limit_unit = units[u].name;
        c->limit_given = true;
        return 0;
}

/* ---- targets ---- */

static int parse_reject(struct icmd *c, const char *s)
{
        static const struct { const char *name, *alias, *alias2; int fam; } t[] = {
                { "icmp-net-unreachable", "net-unreach", "net-unreachable", OIH_IPV4 },
                { "icmp-host-unreachable", "host-unreach", "host-unreachable", OIH_IPV4 },
                { "icmp-proto-unreachable", "proto-unreach", "proto-unreachable", OIH_IPV4 },
                { "icmp-port-unreachable", "port-unreach", "port-unreachable", OIH_IPV4 },
                { "icmp-net-prohibited", "net-prohib", "net-prohibited", OIH_IPV4 },
                { "icmp-host-prohibited", "host-prohib", "host-prohibited", OIH_IPV4 },
                { "icmp-admin-prohibited", "admin-prohib", "admin-prohibited", OIH_IPV4 },
                { "tcp-reset", "tcp-rst", NULL, -1 },
                { "icmp6-no-route", "no-route", NULL, OIH_IPV6 },
                { "icmp6-adm-prohibited", "adm-prohibited", "admin-prohibited", OIH_IPV6 },
                { "icmp6-addr-unreachable", "addr-unreach", "addr-unreachable", OIH_IPV6 },
                { "icmp6-port-unreachable", "port-unreach", "port-unreachable", OIH_IPV6 },
                { "icmp6-policy-fail", "policy-fail", NULL, OIH_IPV6 },
                { "icmp6-reject-route", "reject-route", NULL, OIH_IPV6 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
                if (t[i].fam >= 0 && t[i].fam != c->family)
                        continue;
                if (strcasecmp(s, t[i].name) == 0 || strcasecmp(s, t[i].alias) == 0 ||
                    (t[i].alias2 && strcasecmp(s, t[i].alias2) == 0)) {
                        c->reject_tcp_reset = t[i].fam < 0;
                        return set_field(c, F_REJECT, json_object_new_string(t[i].name), "--reject-with");
                }
        }
        static const char *const known[] = { "icmp6-not-neighbor", "not-neighbor" };
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (c->family == OIH_IPV6 && strcasecmp(s, known[i]) == 0)
                        return fail(c, "--reject-with %s is not supported by the policy format", s);
        return fail(c, "unknown reject type \"%s\"", s);
}

static int parse_log_level(struct icmd *c, const char *s)
{
        static const struct { const char *name; int level; } names[] = {
                { "alert", 1 }, { "crit", 2 }, { "debug", 7 }, { "emerg", 0 }, { "error", 3 },
                { "info", 6 }, { "notice", 5 }, { "panic", 0 }, { "warning", 4 },
        };
        unsigned long v;
        int level = -1;
        if (parse_uint(s, 7, &v))
                level = (int)v;
        for (size_t i = 0; level < 0 && i < ARRAY_SIZE(names); i++)
                if (strcmp(s, names[i].name) == 0)
                        level = names[i].level;
        if (level < 0)
                return fail(c, "log level \"%s\" unknown", s);
        return set_field(c, F_LOGLEVEL, json_object_new_int(level), "--log-level");
}

static bool builtin_target(const char *s)
{
        static const char *const t[] = { "ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "NFLOG" };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                if (strcmp(s, t[i]) == 0)
                        return true;
        return false;
}

/* Targets of iptables that the policy format has no equivalent for. */
static bool other_target(const char *s)
{
        static const char *const t[] = {
                "QUEUE", "NFQUEUE", "MARK", "CONNMARK", "CLASSIFY", "TCPMSS", "NOTRACK", "CT",
                "MASQUERADE", "SNAT", "DNAT", "REDIRECT", "TPROXY", "SET", "AUDIT", "TRACE",
                "CHECKSUM", "DSCP", "TOS", "TTL", "HL", "SECMARK", "CONNSECMARK", "TEE", "ULOG",
                "LED", "IDLETIMER", "RATEEST", "SYNPROXY", "NETMAP", "HMARK", "CLUSTERIP", "ECN",
                "TCPOPTSTRIP", "CONNLIMIT", "MIRROR", "BALANCE",
        };
        for (size_t i = 0; i < ARRAY_SIZE(t); i++)
                if (strcmp(s, t[i]) == 0)
                        return true;
        return false;
}

/* ---- the command line ---- */

static bool mod_loaded(const struct icmd *c, enum mod m)
{
        if (m == M_GLOBAL || (m >= T_REJECT && c->tmod == m))
                return true;
        for (size_t i = 0; i < c->nm; i++)
                if (c->m[i].mod == m)
                        return true;
        return false;
}

/* getopt_long as iptables uses it: exact names first, then an unambiguous prefix, among the
 * global options and those of the extensions loaded so far. */
static const struct optdef *lookup_long(struct icmd *c, const char *name, size_t len, bool *ambig)
{
        const struct optdef *hit = NULL;
        *ambig = false;
        for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++)
                if (mod_loaded(c, optdefs[i].mod) && strlen(optdefs[i].name) == len &&
                    strncmp(optdefs[i].name, name, len) == 0)
                        return &optdefs[i];
        for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++) {
                const struct optdef *d = &optdefs[i];
                if (!mod_loaded(c, d->mod) || strncmp(d->name, name, len) != 0)
                        continue;
                if (hit && (hit->mod != d->mod || hit->id != d->id))
                        *ambig = true;
                hit = hit ? hit : d;
        }
        return *ambig ? NULL : hit;
}

static enum mod proto_mod(const struct icmd *c)
{
        if (c->proto == IPPROTO_TCP)
                return M_TCP;
        if (c->proto == IPPROTO_UDP)
                return M_UDP;
        if (c->proto == 1 && c->family == OIH_IPV4)
                return M_ICMP;
        if (c->proto == 58 && c->family == OIH_IPV6)
                return M_ICMP6;
        return M_GLOBAL;
}

static int load_match(struct icmd *c, enum mod m)
{
        if (c->nm >= MAX_INST)
                return fail(c, "too many matches");
        c->m[c->nm].mod = m;
        c->m[c->nm].kind = m == M_LIMIT ? K_LIMIT : K_NONE;
        c->nm++;
        c->rule_opts = true;
        return 0;
}

static const struct optdef *find_opt(struct icmd *c, const char *name, size_t len)
{
        bool ambig;
        const struct optdef *d = lookup_long(c, name, len, &ambig);
        if (d == NULL && !ambig) {
                /* iptables loads the protocol's own match for an option it does not know */
                enum mod pm = proto_mod(c);
                if (pm != M_GLOBAL && !mod_loaded(c, pm) && !c->proto_inv) {
                        load_match(c, pm);
                        d = lookup_long(c, name, len, &ambig);
                        if (d == NULL)
                                c->nm--;
                }
        }
        if (d == NULL) {
                fail(c, ambig ? "option \"--%.*s\" is ambiguous" : "unknown option \"--%.*s\"",
                     (int)len, name);
                /* say which extension would have it */
                for (size_t i = 0; !ambig && i < ARRAY_SIZE(optdefs); i++) {
                        if (optdefs[i].mod != M_GLOBAL && strlen(optdefs[i].name) == len &&
                            strncmp(optdefs[i].name, name, len) == 0) {
                                size_t n = strlen(c->msg);
                                snprintf(c->msg + n, MSGLEN - n, " (it needs %s%s first)",
                                         optdefs[i].mod >= T_REJECT ? "-j " : "-m ",
                                         mod_name[optdefs[i].mod]);
                                break;
                        }
                }
                return NULL;
        }
        return d;
}

static struct inst *last_inst(struct icmd *c, enum mod m)
{
        for (size_t i = c->nm; i-- > 0;)
                if (c->m[i].mod == m)
                        return &c->m[i];
        return NULL;
}

static int set_kind(struct icmd *c, enum mod m, enum kind k)
{
        struct inst *in = last_inst(c, m);
        if (in == NULL)
                return 0;
        if (in->kind != K_NONE && in->kind != k)
                return fail(c, "multiport: use one -m multiport for --sports and another for --dports");
        in->kind = k;
        return 0;
}

static int parse_rulenum(struct icmd *c, const char *s, long *ret)
{
        unsigned long v;
        if (!parse_uint(s, INT_MAX, &v) || v == 0)
                return fail(c, "Invalid rule number \"%s\"", s);
        *ret = (long)v;
        return 0;
}

static bool optional_next(char **av, int ac, int i)
{
        return i + 1 < ac && av[i + 1][0] != '-' && strcmp(av[i + 1], "!") != 0;
}

static int set_chain(struct icmd *c, char *dst, size_t size, const char *s)
{
        if (strlen(s) >= size)
                return fail(c, "chain name \"%.40s...\" too long (must be under 29 chars)", s);
        strcpy(dst, s);
        return 0;
}

static int set_cmd(struct icmd *c, char cmd, const char *arg, char **av, int ac, int *i)
{
        if (c->cmd)
                return fail(c, "Can't use -%c with -%c", cmd, c->cmd);
        c->cmd = cmd;
        if (arg == NULL && strchr("LSFZX", cmd) && optional_next(av, ac, *i))
                arg = av[++*i];
        if (arg) {
                if (set_chain(c, c->chain, sizeof(c->chain), arg) < 0)
                        return -1;
                c->has_chain = true;
        }
        switch (cmd) {
        case 'I':
        case 'D':
        case 'Z':
                if (c->has_chain && optional_next(av, ac, *i))
                        return parse_rulenum(c, av[++*i], &c->num);
                return 0;
        case 'R':
                if (!optional_next(av, ac, *i))
                        return fail(c, "-R requires a rule number");
                return parse_rulenum(c, av[++*i], &c->num);
        case 'E':
        case 'P':
                if (!optional_next(av, ac, *i))
                        return fail(c, "-%c requires old-chain-name and new-chain-name", cmd);
                return set_chain(c, c->arg2, sizeof(c->arg2), av[++*i]);
        }
        return 0;
}

static int parse_counters(struct icmd *c, const char *arg, char **av, int ac, int *i)
{
        const char *comma = strchr(arg, ',');
        char a[32];
        unsigned long v;
        if (comma) {
                size_t n = (size_t)(comma - arg);
                if (n == 0 || n >= sizeof(a))
                        return fail(c, "-c packet counter not numeric");
                memcpy(a, arg, n);
                a[n] = '\0';
                if (!parse_uint(a, ULONG_MAX, &v) || !parse_uint(comma + 1, ULONG_MAX, &v))
                        return fail(c, "-c packet/byte counter not numeric");
                return 0;
        }
        if (!parse_uint(arg, ULONG_MAX, &v) || *i + 1 >= ac || !parse_uint(av[*i + 1], ULONG_MAX, &v))
                return fail(c, "-c packet/byte counter not numeric");
        ++*i;
        return 0;
}

static int load_named_match(struct icmd *c, const char *name)
{
        for (int m = M_TCP; m <= M_LIMIT; m++) {
                if (strcmp(name, mod_name[m]) != 0)
                        continue;
                if ((m == M_ICMP && c->family != OIH_IPV4) || (m == M_ICMP6 && c->family != OIH_IPV6))
                        break;
                return load_match(c, (enum mod)m);
        }
        return fail(c, "match \"%s\" is not supported by the policy format", name);
}

static int apply_global(struct icmd *c, int id, const char *arg, bool inv, char **av, int ac, int *i)
{
        switch (id) {
        case 'A': case 'C': case 'D': case 'I': case 'R': case 'L': case 'S': case 'F':
        case 'Z': case 'N': case 'X': case 'E': case 'P':
                return set_cmd(c, (char)id, arg, av, ac, i);
        case 'V':
        case 'h':
                c->cmd = c->cmd ? c->cmd : 'L';
                return 0;
        case 'p':
                c->rule_opts = true;
                return parse_proto(c, arg, inv);
        case 's':
        case 'd':
                c->rule_opts = true;
                return parse_addrs(c, id == 'd', arg, inv);
        case 'i':
        case 'o':
                c->rule_opts = true;
                return parse_iface(c, id == 'i' ? F_IN : F_OUT, arg, inv);
        case 'j':
        case 'g':
                c->rule_opts = true;
                if (c->target[0])
                        return fail(c, "multiple -j flags not allowed");
                if (arg[0] == '\0')
                        return fail(c, "Couldn't load target \"\"");
                if (other_target(arg))
                        return fail(c, "target \"%s\" is not supported by the policy format", arg);
                if (set_chain(c, c->target, sizeof(c->target), arg) < 0)
                        return -1;
                c->is_goto = id == 'g';
                if (id == 'j' && strcmp(arg, "REJECT") == 0)
                        c->tmod = T_REJECT;
                else if (id == 'j' && strcmp(arg, "LOG") == 0)
                        c->tmod = T_LOG;
                else if (id == 'j' && strcmp(arg, "NFLOG") == 0)
                        c->tmod = T_NFLOG;
                return 0;
        case 'm':
                return load_named_match(c, arg);
        case 't':
                if (c->table[0])
                        return fail(c, "multiple -t flags not allowed");
                snprintf(c->table, sizeof(c->table), "%s", arg);
                return 0;
        case 'c':
                return parse_counters(c, arg, av, ac, i);
        case 'f':
                return fail(c, "-f (fragments) is not supported by the policy format");
        case '6':
                if (c->family == OIH_IPV4)
                        return fail(c, "-6 in an iptables command (the line is ignored by iptables-restore) is not supported");
                return 0;
        case '4':
                if (c->family == OIH_IPV6)
                        return fail(c, "-4 in an ip6tables command (the line is ignored by ip6tables-restore) is not supported");
                return 0;
        case 'w':
                if (arg == NULL && i && optional_next(av, ac, *i)) {
                        unsigned long v;
                        if (!parse_uint(av[*i + 1], INT_MAX, &v))
                                return fail(c, "wait seconds not numeric");
                        ++*i;
                }
                return 0;
        default:        /* -n -v -x -W --line-numbers --modprobe: no effect on the rules */
                return 0;
        }
}

static int apply_opt(struct icmd *c, const struct optdef *d, const char *args[2], bool inv,
                     char **av, int ac, int *i)
{
        const char *arg = args[0];
        struct json_object *v = NULL;
        c->optname = d->name;
        if (d->mod == M_GLOBAL)
                return apply_global(c, d->id, arg, inv, av, ac, i);
        switch (d->id) {
        case O_SPORT:
        case O_DPORT:
                if (set_kind(c, d->mod, K_PORTS) < 0 || parse_range(c, arg, true, &v) < 0)
                        return -1;
                return set_field(c, d->id == O_SPORT ? F_SPORT : F_DPORT, jnot(v, inv),
                                 d->id == O_SPORT ? "--sport" : "--dport");
        case O_SYN:
                if (c->f[F_TCPFLAGS])
                        return fail(c, "Only one of --syn or --tcp-flags may be specified");
                set_kind(c, M_TCP, K_PORTS);
                return set_field(c, F_SYN, jnot(json_object_new_boolean(1), inv), "--syn");
        case O_TCPFLAGS: {
                struct json_object *mask, *set;
                if (c->f[F_SYN])
                        return fail(c, "Only one of --syn or --tcp-flags may be specified");
                set_kind(c, M_TCP, K_PORTS);
                if (parse_flags(c, args[0], &mask) < 0)
                        return -1;
                if (parse_flags(c, args[1], &set) < 0) {
                        json_object_put(mask);
                        return -1;
                }
                v = json_object_new_object();
                json_object_object_add(v, "mask", mask);
                json_object_object_add(v, "set", set);
                return set_field(c, F_TCPFLAGS, jnot(v, inv), "--tcp-flags");
        }
        case O_ICMPTYPE: {
                set_kind(c, d->mod, K_ICMP);
                if (strncmp(arg, "mld-listener-", 13) == 0)
                        return fail(c, "ICMPv6 type name \"%s\" is unknown to older ip6tables (1.8.9 refuses it): "
                                    "give its number", arg);
                unsigned long n;
                if (parse_uint(arg, 255, &n))
                        v = json_object_new_int((int)n);
                else
                        v = json_object_new_string(arg);
                return set_field(c, F_ICMP, jnot(v, inv), d->mod == M_ICMP ? "--icmp-type" : "--icmpv6-type");
        }
        case O_SPORTS:
        case O_DPORTS:
                if (set_kind(c, M_MULTIPORT, d->id == O_SPORTS ? K_MSPORTS : K_MDPORTS) < 0 ||
                    parse_portlist(c, arg, &v) < 0)
                        return -1;
                return set_field(c, d->id == O_SPORTS ? F_SPORT : F_DPORT, jnot(v, inv),
                                 d->id == O_SPORTS ? "--sports" : "--dports");
        case O_CTSTATE:
        case O_STATE:
                set_kind(c, d->mod, d->id == O_CTSTATE ? K_CTSTATE : K_STATE);
                if (parse_states(c, arg, d->id == O_CTSTATE, &v) < 0)
                        return -1;
                return set_field(c, d->id == O_CTSTATE ? F_CTSTATE : F_STATE, jnot(v, inv),
                                 d->id == O_CTSTATE ? "--ctstate" : "--state");
        case O_UID:
        case O_GID:
                set_kind(c, M_OWNER, K_OWNER);
                if (parse_owner(c, arg, d->id == O_UID, &v) < 0)
                        return -1;
                return set_field(c, d->id == O_UID ? F_UID : F_GID, jnot(v, inv),
                                 d->id == O_UID ? "--uid-owner" : "--gid-owner");
        case O_COMMENT:
                set_kind(c, M_COMMENT, K_COMMENT);
                if (strlen(arg) > 255)
                        return fail(c, "comment may not exceed 255 characters");
                if (!valid_utf8(arg))
                        return fail(c, "comment is not valid UTF-8");
                return set_field(c, F_COMMENT, json_object_new_string(arg), "--comment");
        case O_LIMIT:
                if (c->limit_given)
                        return fail(c, "option \"--limit\" can only be used once");
                return parse_limit(c, arg);
        case O_BURST: {
                unsigned long n;
                if (c->burst_given)
                        return fail(c, "option \"--limit-burst\" can only be used once");
                if (!parse_uint(arg, 10000, &n))
                        return fail(c, "bad --limit-burst \"%s\"", arg);
                if (n == 0)
                        return fail(c, "--limit-burst 0 is not supported by the policy format");
                c->burst = (unsigned)n;
                c->burst_given = true;
                return 0;
        }
        case O_REJECT_WITH:
                return parse_reject(c, arg);
        case O_LOG_LEVEL:
                return parse_log_level(c, arg);
        case O_LOG_PREFIX:
                if (arg[0] == '\0')
                        return fail(c, "No prefix specified for --log-prefix");
                if (strlen(arg) > 29)
                        return fail(c, "Maximum prefix length 29 for --log-prefix");
                if (strchr(arg, '\n'))
                        return fail(c, "Newlines not allowed in --log-prefix");
                if (!valid_utf8(arg))
                        return fail(c, "--log-prefix is not valid UTF-8");
                return set_field(c, F_LOGPREFIX, json_object_new_string(arg), "--log-prefix");
        case O_NF_GROUP: {
                unsigned long n;
                if (!parse_uint(arg, 65535, &n))
                        return fail(c, "--nflog-group \"%s\" out of range 0-65535", arg);
                return set_field(c, F_NFGROUP, json_object_new_int((int)n), "--nflog-group");
        }
        case O_NF_PREFIX:
                if (strlen(arg) > 63)
                        return fail(c, "--nflog-prefix longer than 63 bytes is not supported");
                if (!valid_utf8(arg))
                        return fail(c, "--nflog-prefix is not valid UTF-8");
                return set_field(c, F_NFPREFIX, json_object_new_string(arg), "--nflog-prefix");
        default:
                return fail(c, "option \"--%s\" of %s is not supported by the policy format",
                            d->name, mod_name[d->mod]);
        }
}

static const struct optdef *find_short(char ch)
{
        for (size_t i = 0; i < ARRAY_SIZE(optdefs); i++)
                if (optdefs[i].mod == M_GLOBAL && optdefs[i].id == ch)
                        return &optdefs[i];
        return NULL;
}

static int take_args(struct icmd *c, const struct optdef *d, const char *attached, char **av,
                     int ac, int *i, const char *args[2], const char *shown)
{
        args[0] = args[1] = NULL;
        if (d->nargs == 0) {
                if (attached)
                        return fail(c, "option \"%s\" doesn't allow an argument", shown);
                return 0;
        }
        if (d->nargs < 0) {
                args[0] = attached;     /* the command itself may take the next word */
                return 0;
        }
        int want = d->nargs;
        int k = 0;
        if (attached)
                args[k++] = attached;
        while (k < want) {
                if (*i + 1 >= ac)
                        return fail(c, "option \"%s\" requires %s", shown,
                                    want == 2 ? "two arguments" : "an argument");
                args[k++] = av[++*i];
        }
        for (k = 0; k < want; k++)
                if (strcmp(args[k], "!") == 0)
                        return fail(c, "Using intrapositioned negation (\"--option ! this\") is deprecated in favor of extrapositioned (\"! --option this\")");
        return 0;
}

/* Parses an iptables command line (AV[0] is the command name) into C. */
static int parse_ipt(struct icmd *c, char **av, int ac)
{
        bool inv = false;
        /* another table first: its matches and targets are not worth a message of their own */
        for (int i = 1; i < ac; i++) {
                const char *t = NULL;
                if ((strcmp(av[i], "-t") == 0 || strcmp(av[i], "--table") == 0) && i + 1 < ac)
                        t = av[i + 1];
                else if (strncmp(av[i], "-t", 2) == 0 && av[i][2] != '-')
                        t = av[i] + 2;
                else if (strncmp(av[i], "--table=", 8) == 0)
                        t = av[i] + 8;
                if (t && strcmp(t, "filter") != 0)
                        return fail(c, "table \"%s\" is not supported: a policy describes the filter table only", t);
        }
        for (int i = 1; i < ac; i++) {
                const char *a = av[i];
                const char *args[2];
                char shown[80];
                if (strcmp(a, "!") == 0) {
                        if (inv)
                                return fail(c, "multiple consecutive ! not allowed");
                        inv = true;
                        continue;
                }
                if (a[0] != '-' || a[1] == '\0')
                        return fail(c, "Bad argument \"%s\"", a);
                if (a[1] == '-') {
                        const char *name = a + 2, *eq = strchr(name, '=');
                        size_t len = eq ? (size_t)(eq - name) : strlen(name);
                        if (len == 0)
                                return fail(c, "Bad argument \"%s\"", a);
                        const struct optdef *d = find_opt(c, name, len);
                        if (d == NULL)
                                return -1;
                        snprintf(shown, sizeof(shown), "--%s", d->name);
                        if (eq && d->mod == M_GLOBAL && !strchr("wWt", d->id))
                                return fail(c, "\"%s\": give the value of %s as a word of its own "
                                            "(iptables versions differ in how they read it)", a, shown);
                        if (inv && !d->inv)
                                return fail(c, "unexpected ! flag before %s", shown);
                        if (take_args(c, d, eq ? eq + 1 : NULL, av, ac, &i, args, shown) < 0 ||
                            apply_opt(c, d, args, inv, av, ac, &i) < 0)
                                return -1;
                        inv = false;
                        continue;
                }
                for (const char *p = a + 1; *p; p++) {
                        const struct optdef *d = find_short(*p);
                        if (d == NULL)
                                return fail(c, "unknown option \"-%c\"", *p);
                        snprintf(shown, sizeof(shown), "-%c", *p);
                        if (inv && !d->inv)
                                return fail(c, "cannot have ! before -%c", *p);
                        const char *attached = NULL;
                        if (d->nargs != 0 && p[1] && strchr("wWt", *p))
                                attached = p + 1;
                        else if (d->nargs != 0 && p[1])
                                return fail(c, "\"%s\": give the value of -%c as a word of its own "
                                            "(iptables versions differ in how they read it)", a, *p);
                        if (take_args(c, d, attached, av, ac, &i, args, shown) < 0 ||
                            apply_opt(c, d, args, inv, av, ac, &i) < 0)
                                return -1;
                        inv = false;
                        if (attached)
                                break;
                }
        }
        if (inv)
                return fail(c, "! is not followed by an option");
        return 0;
}

/* What parse_ipt cannot check until the whole line is read. */
static int finish_rule(struct icmd *c)
{
        if (c->cmd == 0)
                return fail(c, "no command specified");
        if (c->table[0] && strcmp(c->table, "filter") != 0)
                return fail(c, "table \"%s\" is not supported: a policy describes the filter table only",
                            c->table);
        if (!strchr("ACDIR", c->cmd)) {
                if (c->rule_opts || c->nm || c->target[0])
                        return fail(c, "Illegal option with -%c: rule options go with -A, -I, -D, -C or -R", c->cmd);
                return 0;
        }
        if (c->cmd == 'D' && c->num && (c->rule_opts || c->nm || c->target[0]))
                return fail(c, "-D with a rule number takes no rule options");
        if (c->cmd == 'D' && c->num)
                return 0;
        bool tcp = c->proto == IPPROTO_TCP && !c->proto_inv;
        bool udp = c->proto == IPPROTO_UDP && !c->proto_inv;
        for (size_t i = 0; i < c->nm; i++) {
                struct inst *in = &c->m[i];
                switch (in->mod) {
                case M_TCP:
                case M_UDP:
                        if (!(in->mod == M_TCP ? tcp : udp))
                                return fail(c, "-m %s needs -p %s", mod_name[in->mod], mod_name[in->mod]);
                        if (in->kind == K_NONE) {
                                /* an empty tcp/udp match is the same as one for every source port */
                                if (c->f[F_SPORT])
                                        return fail(c, "-m %s without options is not supported here", mod_name[in->mod]);
                                c->f[F_SPORT] = json_object_new_string("0:65535");
                                in->kind = K_PORTS;
                        }
                        break;
                case M_ICMP:
                case M_ICMP6:
                        if (c->proto != (in->mod == M_ICMP ? 1 : 58) || c->proto_inv)
                                return fail(c, "-m %s needs -p %s", mod_name[in->mod],
                                            in->mod == M_ICMP ? "icmp" : "icmpv6");
                        if (in->kind == K_NONE)
                                return fail(c, "-m %s needs --%s", mod_name[in->mod],
                                            in->mod == M_ICMP ? "icmp-type" : "icmpv6-type");
                        break;
                case M_MULTIPORT:
                        if (!tcp && !udp) {
                                if (!c->proto_inv && (c->proto == 136 || c->proto == 132 || c->proto == 33))
                                        return fail(c, "multiport with -p %d is not supported by the policy format", c->proto);
                                return fail(c, "multiport needs \"-p tcp\", \"-p udp\", \"-p udplite\", \"-p sctp\" or \"-p dccp\"");
                        }
                        if (in->kind == K_NONE)
                                return fail(c, "multiport needs --sports or --dports");
                        break;
                case M_CONNTRACK:
                        if (in->kind == K_NONE)
                                return fail(c, "conntrack: At least one option is required");
                        break;
                case M_STATE:
                        if (in->kind == K_NONE)
                                return fail(c, "state: --state is required");
                        break;
                case M_OWNER:
                        if (in->kind == K_NONE)
                                return fail(c, "owner: --uid-owner or --gid-owner is required");
                        break;
                case M_COMMENT:
                        if (in->kind == K_NONE)
                                return fail(c, "comment: --comment is required");
                        break;
                default:
                        break;
                }
        }
        for (size_t i = 1; i < c->nm; i++) {
                enum kind a = c->m[i - 1].kind, b = c->m[i].kind;
                if (a == b)
                        return fail(c, "two %s matches in one rule are not supported by the policy format",
                                    kind_name[a]);
                if (b < a)
                        return fail(c, "-m %s comes before -m %s: a policy builds matches in one order "
                                    "(tcp/udp, icmp, multiport --sports, multiport --dports, conntrack, "
                                    "state, owner, limit, comment); write them in that order",
                                    kind_name[a], kind_name[b]);
        }
        if (c->limit_given || c->burst_given) {
                struct json_object *l = json_object_new_object();
                char rate[48];
                if (c->limit_given)
                        snprintf(rate, sizeof(rate), "%u/%s", c->limit_n, c->limit_unit);
                else
                        snprintf(rate, sizeof(rate), "3/hour");
                json_object_object_add(l, "rate", json_object_new_string(rate));
                if (c->burst_given)
                        json_object_object_add(l, "burst", json_object_new_int((int)c->burst));
                c->f[F_LIMIT] = l;
        } else if (mod_loaded(c, M_LIMIT)) {
                struct json_object *l = json_object_new_object();
                json_object_object_add(l, "rate", json_object_new_string("3/hour"));
                c->f[F_LIMIT] = l;
        }
        if (c->reject_tcp_reset && !tcp)
                return fail(c, "--reject-with tcp-reset needs -p tcp");
        if (c->f[F_IN] && strcmp(c->chain, "OUTPUT") == 0)
                return fail(c, "Can't use -i with OUTPUT");
        if (c->f[F_OUT] && strcmp(c->chain, "INPUT") == 0)
                return fail(c, "Can't use -o with INPUT");
        return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Replay: the filter tables of both families, as the commands leave them. */

struct mrule {
        unsigned line;
        struct json_object *obj;        /* the rule's keys but chain and family */
        char *key;                      /* obj as text: how -D and -C find a rule */
        char jump[64];                  /* the user chain it jumps or goes to, or "" */
};

struct mchain {
        char name[64];
        struct mrule *r;
        size_t n, cap;
};

struct mtab {
        bool touched;
        bool drop[OIH_NBUILTINS];
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
        struct mtab t[OIH_NFAMILIES];
        char **order;                   /* user chains, in the order they were first created */
        size_t norder, ordercap;
        unsigned nerr;
        struct vars vars;
        bool stop;
        struct block blk;
};

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

static void tab_reset(struct mtab *t)
{
        for (size_t i = 0; i < t->n; i++) {
                chain_clear(&t->c[i]);
                free(t->c[i].r);
        }
        t->n = 0;
        for (int b = 0; b < OIH_NBUILTINS; b++) {
                grow(&t->c, &t->cap, t->n, sizeof(*t->c));
                memset(&t->c[t->n], 0, sizeof(t->c[0]));
                strcpy(t->c[t->n].name, oih_builtin_names[b]);
                t->n++;
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

static int chain_new(struct mig *m, struct mtab *t, struct icmd *c, const char *name)
{
        if (chain_find(t, name) >= 0)
                return rfail(c, "Chain \"%s\" already exists", name);
        size_t n = strlen(name);
        if (n > CHAIN_MAX)
                return fail(c, "chain name \"%s\" too long (must be under 29 chars)", name);
        if (n == 0 || name[0] == '-' || name[0] == '!')
                return fail(c, "Invalid chain name \"%s\"", name);
        for (const char *x = name; *x; x++)
                if (!isalnum((unsigned char)*x) && !strchr("-_.:", *x))
                        return fail(c, "chain name \"%s\": the policy format allows only A-Z a-z 0-9 - _ . :", name);
        if (builtin_target(name) || other_target(name))
                return fail(c, "chain name \"%s\" may not clash with a target name", name);
        if (t->n >= OIH_MAX_CHAINS + OIH_NBUILTINS)
                return fail(c, "more than %u user-defined chains", OIH_MAX_CHAINS);
        grow(&t->c, &t->cap, t->n, sizeof(*t->c));
        memset(&t->c[t->n], 0, sizeof(t->c[0]));
        strcpy(t->c[t->n].name, name);
        t->n++;
        for (size_t i = 0; i < m->norder; i++)
                if (strcmp(m->order[i], name) == 0)
                        return 0;
        grow(&m->order, &m->ordercap, m->norder, sizeof(*m->order));
        m->order[m->norder++] = xstrdup(name);
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

/* The policy keys of C with one source and one destination of its lists (-1: the whole list). */
static struct json_object *rule_obj(const struct icmd *c, long si, long di)
{
        struct json_object *o = json_object_new_object();
        for (int f = 0; f < F_N; f++) {
                struct json_object *v = NULL;
                if (f == F_SOURCE || f == F_DESTINATION) {
                        int k = f == F_DESTINATION;
                        long idx = k ? di : si;
                        if (c->naddr[k] == 0)
                                continue;
                        if (idx >= 0 || c->naddr[k] == 1) {
                                v = json_object_new_string(c->addr[k][idx >= 0 ? idx : 0]);
                                v = jnot(v, c->addr_inv[k]);
                        } else {
                                v = json_object_new_array();
                                for (size_t i = 0; i < c->naddr[k]; i++)
                                        json_object_array_add(v, json_object_new_string(c->addr[k][i]));
                        }
                } else if (c->f[f]) {
                        v = json_object_get(c->f[f]);
                }
                if (v)
                        json_object_object_add(o, field_key[f], v);
        }
        return o;
}

static const char *jtext(struct json_object *o)
{
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Checks one rule with the policy parser itself, so that its refusals come with the line. */
static int validate_rule(struct icmd *c, int fam, const char *chain, struct json_object *obj)
{
        struct json_object *doc = json_object_new_object(), *rules = json_object_new_array();
        struct json_object *chains = json_object_new_array(), *r = json_object_new_object();
        json_object_object_add(doc, "version", json_object_new_int(1));
        const char *names[2] = { chain, c->target };
        for (int i = 0; i < 2; i++) {
                if (names[i][0] == '\0' || builtin_target(names[i]) || (i == 1 && strcmp(names[0], names[1]) == 0))
                        continue;
                bool builtin = false;
                for (int b = 0; b < OIH_NBUILTINS; b++)
                        builtin = builtin || strcmp(names[i], oih_builtin_names[b]) == 0;
                if (builtin)
                        continue;
                struct json_object *ch = json_object_new_object();
                json_object_object_add(ch, "name", json_object_new_string(names[i]));
                json_object_object_add(ch, "family", json_object_new_string(fam_name[fam]));
                json_object_array_add(chains, ch);
        }
        json_object_object_add(doc, "chains", chains);
        json_object_object_add(r, "chain", json_object_new_string(chain));
        json_object_object_add(r, "family", json_object_new_string(fam_name[fam]));
        json_object_object_foreach(obj, k, v)
                json_object_object_add(r, k, json_object_get(v));
        json_object_array_add(rules, r);
        json_object_object_add(doc, "rules", rules);
        const char *text = jtext(doc);
        struct oih_error e;
        oih_error_init(&e);
        struct oih_policy *p = NULL;
        int ret = oih_policy_parse("@", text, strlen(text), &p, &e);
        if (ret < 0) {
                const char *msg = oih_error_first(&e);
                if (strncmp(msg, "@: ", 3) == 0)
                        msg += 3;
                if (strncmp(msg, "rules[0].", 9) == 0)
                        msg += 9;
                else if (strncmp(msg, "rules[0]: ", 10) == 0)
                        msg += 10;
                fail(c, "%s", msg);
        } else {
                /* a one-port multiport list must stay multiport to build the same table */
                const char *keys[2] = { "sport", "dport" };
                const struct oih_ports *pp[2] = { &p->rules[0].sport, &p->rules[0].dport };
                for (int i = 0; i < 2 && ret == 0; i++) {
                        struct json_object *pv = json_object_object_get(obj, keys[i]), *inner;
                        if (pv && json_object_object_get_ex(pv, "not", &inner))
                                pv = inner;
                        if (pv && json_object_is_type(pv, json_type_array) && !pp[i]->multi)
                                ret = fail(c, "-m multiport with a single port or range is not kept "
                                           "as multiport by the policy format; write --%s instead",
                                           keys[i]);
                }
        }
        oih_policy_free(p);
        json_object_put(doc);
        return ret;
}

/* Resolves -j/-g against the chains that exist now. */
static int resolve_target(struct mtab *t, struct icmd *c)
{
        if (c->target[0] == '\0')
                return 0;
        if (!c->is_goto && builtin_target(c->target))
                return set_field(c, F_TARGET, json_object_new_string(c->target), "-j");
        long k = chain_find(t, c->target);
        if (k < 0) {
                if (other_target(c->target))
                        return fail(c, "target \"%s\" is not supported by the policy format", c->target);
                return fail(c, "Couldn't load target \"%s\": no chain of that name", c->target);
        }
        if (k < OIH_NBUILTINS)
                return fail(c, "cannot jump to the built-in chain \"%s\"", c->target);
        return set_field(c, c->is_goto ? F_GOTO : F_TARGET, json_object_new_string(c->target),
                         c->is_goto ? "-g" : "-j");
}

static void rule_insert(struct mchain *ch, size_t pos, struct json_object *obj, unsigned line,
                        const char *jump)
{
        grow(&ch->r, &ch->cap, ch->n, sizeof(*ch->r));
        memmove(&ch->r[pos + 1], &ch->r[pos], (ch->n - pos) * sizeof(*ch->r));
        struct mrule *r = &ch->r[pos];
        r->line = line;
        r->obj = obj;
        r->key = xstrdup(jtext(obj));
        snprintf(r->jump, sizeof(r->jump), "%s", jump);
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
                for (size_t i = 0; i < m->t[f].n; i++)
                        n += m->t[f].c[i].n;
        return n;
}

/* Replays C on the tables. Returns 0, 1 when -C finds no such rule, -1 with C->msg. */
static int exec_cmd(struct mig *m, struct icmd *c, unsigned line)
{
        struct mtab *t = &m->t[c->family];
        long k = c->has_chain ? chain_find(t, c->chain) : -1;
        bool builtin = k >= 0 && k < OIH_NBUILTINS;
        switch (c->cmd) {
        case 'L': case 'S': case 'Z':
                if (c->has_chain && k < 0)
                        return rfail(c, "No chain/target/match by the name \"%s\"", c->chain);
                return 0;
        case 'P':
                if (!builtin)
                        return fail(c, k < 0 ? "Bad built-in chain name \"%s\"" : "Can't set policy on user chain \"%s\"", c->chain);
                if (strcmp(c->arg2, "ACCEPT") != 0 && strcmp(c->arg2, "DROP") != 0)
                        return fail(c, "Bad policy name \"%s\"", c->arg2);
                t->touched = true;
                t->drop[k] = strcmp(c->arg2, "DROP") == 0;
                return 0;
        case 'N':
                t->touched = true;
                return chain_new(m, t, c, c->chain);
        case 'E': {
                if (k < 0 || builtin)
                        return rfail(c, "No chain/target/match by the name \"%s\"", c->chain);
                if (chain_refs(t, c->chain))
                        return fail(c, "renaming chain \"%s\", which rules jump to, is not supported", c->chain);
                if (chain_new(m, t, c, c->arg2) < 0)
                        return -1;
                struct mchain *nw = &t->c[t->n - 1];
                nw->r = t->c[k].r;
                nw->n = t->c[k].n;
                nw->cap = t->c[k].cap;
                memmove(&t->c[k], &t->c[k + 1], (t->n - (size_t)k - 1) * sizeof(*t->c));
                t->n--;
                return 0;
        }
        case 'F':
                t->touched = true;
                if (c->has_chain && k < 0)
                        return rfail(c, "No chain/target/match by the name \"%s\"", c->chain);
                for (size_t i = 0; i < t->n; i++)
                        if (!c->has_chain || (long)i == k)
                                chain_clear(&t->c[i]);
                return 0;
        case 'X':
                t->touched = true;
                if (c->has_chain) {
                        if (k < 0)
                                return rfail(c, "No chain/target/match by the name \"%s\"", c->chain);
                        if (builtin)
                                return rfail(c, "Can't delete built-in chain \"%s\"", c->chain);
                }
                for (size_t i = OIH_NBUILTINS; i < t->n; i++) {
                        if (c->has_chain && (long)i != k)
                                continue;
                        if (chain_refs(t, t->c[i].name))
                                return rfail(c, "Too many links: chain \"%s\" is still jumped to", t->c[i].name);
                        if (t->c[i].n)
                                return rfail(c, "Directory not empty: chain \"%s\" still has rules", t->c[i].name);
                }
                for (size_t i = t->n; i-- > OIH_NBUILTINS;) {
                        if (c->has_chain && (long)i != k)
                                continue;
                        free(t->c[i].r);
                        memmove(&t->c[i], &t->c[i + 1], (t->n - i - 1) * sizeof(*t->c));
                        t->n--;
                }
                return 0;
        }
        /* rule commands */
        if (k < 0)
                return rfail(c, "No chain/target/match by the name \"%s\"", c->chain);
        struct mchain *ch = &t->c[k];
        if (c->cmd == 'D' && c->num) {
                t->touched = true;
                if ((size_t)c->num > ch->n)
                        return rfail(c, "Index of deletion too big");
                rule_delete(ch, (size_t)c->num - 1);
                return 0;
        }
        if (resolve_target(t, c) < 0)
                return -1;
        const char *jump = (c->f[F_TARGET] || c->f[F_GOTO]) && !builtin_target(c->target) ? c->target : "";
        size_t ncomb = (c->naddr[0] ? c->naddr[0] : 1) * (c->naddr[1] ? c->naddr[1] : 1);
        struct json_object *whole = rule_obj(c, -1, -1);
        if (validate_rule(c, c->family, c->chain, whole) < 0) {
                json_object_put(whole);
                return -1;
        }
        if (c->cmd == 'C' || c->cmd == 'D') {
                long pos = rule_find(ch, jtext(whole));
                json_object_put(whole);
                if (c->cmd == 'C')
                        return pos < 0 ? 1 : 0;
                t->touched = true;
                if (pos < 0)
                        return rfail(c, ncomb > 1 ? "-D with an address list is supported only for a rule added with the same list"
                                               : "Bad rule (does a matching rule exist in that chain?)");
                rule_delete(ch, (size_t)pos);
                return 0;
        }
        t->touched = true;
        if (total_rules(m) + ncomb > OIH_MAX_RULES) {
                json_object_put(whole);
                return fail(c, "more than %u rules", OIH_MAX_RULES);
        }
        if (c->cmd == 'A') {
                rule_insert(ch, ch->n, whole, line, jump);
                return 0;
        }
        if (c->cmd == 'R') {
                json_object_put(whole);
                if (ncomb > 1)
                        return fail(c, "-R requires a single source and destination address");
                if ((size_t)c->num > ch->n)
                        return rfail(c, "Index of replacement too big");
                rule_delete(ch, (size_t)c->num - 1);
                rule_insert(ch, (size_t)c->num - 1, rule_obj(c, -1, -1), line, jump);
                return 0;
        }
        /* -I: iptables inserts every source/destination pair at the same position, so a list
         * ends up reversed; keep that */
        size_t pos = c->num ? (size_t)c->num - 1 : 0;
        if (pos > ch->n) {
                json_object_put(whole);
                return rfail(c, "Index of insertion too big");
        }
        if (ncomb == 1) {
                rule_insert(ch, pos, whole, line, jump);
                return 0;
        }
        json_object_put(whole);
        for (size_t s = 0; s < (c->naddr[0] ? c->naddr[0] : 1); s++)
                for (size_t d = 0; d < (c->naddr[1] ? c->naddr[1] : 1); d++)
                        rule_insert(ch, pos, rule_obj(c, c->naddr[0] ? (long)s : -1, c->naddr[1] ? (long)d : -1),
                                    line, jump);
        return 0;
}

/* Parses and replays one iptables command line. Returns what exec_cmd returns; on -1 the
 * error has been reported. */
static int run_ipt(struct mig *m, int family, char **av, int ac, unsigned line, const char *start,
                   bool from_dump, bool guarded)
{
        char msg[MSGLEN];
        struct icmd c;
        memset(&c, 0, sizeof(c));
        c.family = family;
        c.proto = -1;
        c.msg = msg;
        msg[0] = '\0';
        int r = parse_ipt(&c, av, ac);
        if (r == 0)
                r = finish_rule(&c);
        if (r == 0 && from_dump && !strchr("ADIRNXFP", c.cmd))
                r = fail(&c, "-%c is not a command of iptables-restore", c.cmd);
        if (r == 0)
                r = exec_cmd(m, &c, line);
        if (r == 0 && !from_dump && strchr("LSZ", c.cmd))
                note_skipped(m, line, start, "no effect on the rules");
        if (r < 0 && guarded && c.runtime) {
                /* `iptables -N x 2>/dev/null || true`: fails, changes nothing, the script goes on */
                if (m->diag)
                        oih_print_line(m->diag, "%s:%u: iptables would fail here (%s); the script goes on",
                                m->name, line, msg);
                r = 1;
        } else if (r < 0) {
                line_err(m, line, "%s", msg);
        }
        icmd_free(&c);
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
                        int r = run_ipt(m, fam, av + a, ac - a, tl->first, tl->start, false, next == TK_OR);
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
        int hdr = -1, fam = -1;
        bool in_table = false, skip_table = false;
        unsigned table_line = 0;
        struct tline tl = { 0 };
        struct sbuf w = { 0 };
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
                        if (n != 7 || memcmp(start, "*filter", 7) != 0) {
                                line_err(m, line, "table \"%.*s\" is not supported: a policy describes the filter table only",
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
                        hdr = -1;
                        /* iptables-restore replaces the whole table */
                        tab_reset(&m->t[fam]);
                        m->t[fam].touched = true;
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
                        line_err(m, line, "a line outside of a *filter ... COMMIT block");
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
                        struct mtab *t = &m->t[fam];
                        long k = chain_find(t, name);
                        if (k >= 0 && k < OIH_NBUILTINS) {
                                if (strcmp(pol, "ACCEPT") != 0 && strcmp(pol, "DROP") != 0)
                                        line_err(m, line, "Bad policy name \"%s\"", pol);
                                else
                                        t->drop[k] = strcmp(pol, "DROP") == 0;
                        } else {
                                char msg[MSGLEN];
                                struct icmd c = { .msg = msg };
                                if (strcmp(pol, "-") != 0)
                                        line_err(m, line, "Can't set policy \"%s\" on user chain \"%s\"", pol, name);
                                else if (chain_new(m, t, &c, name) < 0)
                                        line_err(m, line, "%s", msg);
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
                        run_ipt(m, fam, av, (int)tl.n + 1, line, start, true, false);
                        free(av);
                }
                free(text);
        }
        if (in_table)
                line_err(m, table_line, "table without COMMIT (iptables-restore would apply nothing)");
        tline_clear(&tl);
        free(tl.t);
        free(w.s);
}

/* ------------------------------------------------------------------------------------------ */
/* Output */

static bool chain_in(const struct mig *m, int fam, const char *name)
{
        return m->t[fam].touched && chain_find(&m->t[fam], name) >= 0;
}

static void emit_rules_of(struct sbuf *out, const struct mig *m, const char *name, bool *first)
{
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                const struct mtab *t = &m->t[f];
                long k = chain_find(t, name);
                if (k < 0)
                        continue;
                for (size_t i = 0; i < t->c[k].n; i++) {
                        struct json_object *r = json_object_new_object();
                        json_object_object_add(r, "chain", json_object_new_string(name));
                        json_object_object_add(r, "family", json_object_new_string(fam_name[f]));
                        json_object_object_foreach(t->c[k].r[i].obj, key, v)
                                json_object_object_add(r, key, json_object_get(v));
                        const char *s = jtext(r);
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
        snprintf(tmp, sizeof(tmp), "{\n  \"version\": 1,\n  \"description\": %s,\n  \"policy\": {", jtext(desc));
        json_object_put(desc);
        sb_adds(out, tmp, strlen(tmp));
        bool t4 = m->t[OIH_IPV4].touched, t6 = m->t[OIH_IPV6].touched;
        for (int b = 0; b < OIH_NBUILTINS; b++) {
                const char *v4 = m->t[OIH_IPV4].drop[b] ? "DROP" : "ACCEPT";
                const char *v6 = m->t[OIH_IPV6].drop[b] ? "DROP" : "ACCEPT";
                /* a family the input never touched takes the other's policies (the Core rule) */
                if (t4 && t6 && strcmp(v4, v6) != 0)
                        snprintf(tmp, sizeof(tmp), "%s \"%s\": { \"ipv4\": \"%s\", \"ipv6\": \"%s\" }",
                                 b ? "," : "", oih_builtin_names[b], v4, v6);
                else
                        snprintf(tmp, sizeof(tmp), "%s \"%s\": \"%s\"", b ? "," : "", oih_builtin_names[b],
                                 t4 ? v4 : t6 ? v6 : "ACCEPT");
                sb_adds(out, tmp, strlen(tmp));
        }
        sb_adds(out, " },\n  \"chains\": [", 17);
        bool first = true;
        for (size_t i = 0; i < m->norder; i++) {
                bool in4 = chain_in(m, OIH_IPV4, m->order[i]), in6 = chain_in(m, OIH_IPV6, m->order[i]);
                if (!in4 && !in6)
                        continue;
                struct json_object *v = json_object_new_string(m->order[i]);
                if (in4 != in6) {
                        json_object_put(v);
                        v = json_object_new_object();
                        json_object_object_add(v, "name", json_object_new_string(m->order[i]));
                        json_object_object_add(v, "family", json_object_new_string(in4 ? "ipv4" : "ipv6"));
                }
                const char *s = jtext(v);
                sb_adds(out, first ? " " : ", ", first ? 1 : 2);
                sb_adds(out, s, strlen(s));
                json_object_put(v);
                first = false;
        }
        sb_adds(out, first ? "],\n  \"rules\": [" : " ],\n  \"rules\": [", first ? 15 : 16);
        first = true;
        for (int b = 0; b < OIH_NBUILTINS; b++)
                emit_rules_of(out, m, oih_builtin_names[b], &first);
        for (size_t i = 0; i < m->norder; i++)
                emit_rules_of(out, m, m->order[i], &first);
        sb_adds(out, first ? "]\n}\n" : "\n  ]\n}\n", first ? 4 : 7);
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
                tab_reset(&m.t[f]);
        if (is_dump(buf, len))
                run_dump(&m, buf, len);
        else
                run_script(&m, buf, len);
        int ret = 0;
        struct sbuf text = { 0 };
        if (m.nerr && !opts->lenient) {
                ret = -1;
        } else {
                emit(&text, &m);
                /* never print what check would refuse */
                struct oih_error e;
                oih_error_init(&e);
                struct oih_policy *p = NULL;
                if (oih_policy_parse(name, text.s, text.n, &p, &e) < 0) {
                        ret = oih_err(err, "%s: the translated policy is refused by the policy parser: %s",
                                      name, oih_error_first(&e));
                } else if (fwrite(text.s, 1, text.n, out) != text.n || fflush(out) != 0) {
                        ret = oih_err_errno(err, errno, "cannot write the policy");
                }
                oih_policy_free(p);
                if (ret == 0 && m.nerr && diag)
                        oih_print_line(diag, "%s: %u line%s left out (--lenient)", name, m.nerr, m.nerr == 1 ? "" : "s");
        }
        free(text.s);
        for (int f = 0; f < OIH_NFAMILIES; f++) {
                tab_reset(&m.t[f]);
                for (int b = 0; b < OIH_NBUILTINS; b++)
                        free(m.t[f].c[b].r);
                free(m.t[f].c);
        }
        for (size_t i = 0; i < m.norder; i++)
                free(m.order[i]);
        free(m.order);
        vars_free(&m.vars);
        return ret;
}
