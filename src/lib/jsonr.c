/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict JSON reader into one arena (see jsonr.h). Recursive descent; the recursion is
 * bounded by max_depth. Children of an array or object are gathered on a shared stack and
 * copied into the arena when it closes, so every container's elements are contiguous. */
#include "jsonr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct chunk {
        struct chunk *next;
        size_t used, size;
        unsigned char data[];
};

struct jr_doc {
        struct chunk *chunks;
        struct jr_value root;
};

struct parser {
        const char *p, *end, *start;
        unsigned depth, max_depth;
        struct jr_doc *doc;
        struct jr_value *vals;          /* pending array elements */
        size_t nvals, capvals;
        struct jr_member *mems;         /* pending object members */
        size_t nmems, capmems;
        const char *err_at;
        char *err_msg;
        size_t err_size;
};

static void *arena_alloc(struct jr_doc *d, size_t n)
{
        n = (n + 7) & ~(size_t)7;
        struct chunk *c = d->chunks;
        if (c == NULL || c->size - c->used < n) {
                size_t size = n > 65536 ? n : 65536;
                c = malloc(sizeof(*c) + size);
                if (c == NULL)
                        return NULL;
                c->used = 0;
                c->size = size;
                c->next = d->chunks;
                d->chunks = c;
        }
        void *r = c->data + c->used;
        c->used += n;
        return r;
}

static int fail(struct parser *ps, const char *at, const char *msg)
{
        if (ps->err_at == NULL) {
                ps->err_at = at;
                snprintf(ps->err_msg, ps->err_size, "%s", msg);
        }
        return -1;
}

static void skip_ws(struct parser *ps)
{
        while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
                ps->p++;
}

/* Length of the valid UTF-8 sequence at P (not NUL, no overlong form, no surrogate, at most
 * U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
        unsigned c = p[0];
        size_t n;
        unsigned min;
        if (c < 0x80)
                return 1;
        if (c >= 0xC2 && c <= 0xDF)
                n = 2, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
                n = 3, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
                n = 4, min = 0x10000;
        else
                return 0;
        if ((size_t)(end - p) < n)
                return 0;
        unsigned cp = c & (0x7F >> n);
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        return n;
}

static int hex4(const char *p, unsigned *ret)
{
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                char c = p[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned)(c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned)(c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned)(c - 'A' + 10);
                else
                        return -1;
        }
        *ret = v;
        return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xC0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xE0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

/* The bytes of a string's common case: printable ASCII but the quote and the backslash. */
static const unsigned char plain_byte[256] = {
        [0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

/* At the opening quote. A decoded string is never longer than its source text. */
static int parse_string(struct parser *ps, const char **ret, uint32_t *ret_len)
{
        const char *s = ++ps->p, *q = s;
        /* the common case, plain printable ASCII up to the closing quote, is copied at once */
        while (q < ps->end && plain_byte[(unsigned char)*q])
                q++;
        size_t n = (size_t)(q - s), cap = n;
        if (q >= ps->end || *q != '"') {
                const char *e = q;
                while (e < ps->end && *e != '"')
                        e += *e == '\\' && e + 1 < ps->end ? 2 : 1;
                cap = (size_t)((e < ps->end ? e : ps->end) - s);
        }
        char *out = arena_alloc(ps->doc, cap + 1);
        if (out == NULL)
                return fail(ps, s, "out of memory");
        memcpy(out, s, n);
        const char *p = q;
        for (;;) {
                if (p >= ps->end)
                        return fail(ps, p, "unexpected end of file");
                unsigned char c = (unsigned char)*p;
                if (c == '"')
                        break;
                if (c < 0x20)
                        return fail(ps, p, "control character in a string");
                if (c >= 0x80) {
                        size_t k = utf8_len((const unsigned char *)p, (const unsigned char *)ps->end);
                        if (k == 0)
                                return fail(ps, p, "invalid UTF-8");
                        memcpy(out + n, p, k);
                        n += k;
                        p += k;
                        continue;
                }
                if (c != '\\') {
                        out[n++] = (char)c;
                        p++;
                        continue;
                }
                if (p + 1 >= ps->end)
                        return fail(ps, p, "unexpected end of file");
                char esc = p[1];
                const char *simple = strchr("\"\\/bfnrt", esc);
                if (esc != '\0' && simple) {
                        static const char map[] = "\"\\/\b\f\n\r\t";
                        out[n++] = map[simple - "\"\\/bfnrt"];
                        p += 2;
                        continue;
                }
                unsigned cp, lo;
                if (esc != 'u' || ps->end - p < 6 || hex4(p + 2, &cp) < 0)
                        return fail(ps, p, "invalid escape in a string");
                p += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        if (ps->end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &lo) < 0 ||
                            lo < 0xDC00 || lo > 0xDFFF)
                                return fail(ps, p, "invalid escape in a string (lone surrogate)");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        return fail(ps, p, "invalid escape in a string (lone surrogate)");
                }
                if (cp == 0)
                        return fail(ps, p, "\\u0000 is not allowed in a string");
                n += put_utf8(out + n, cp);
        }
        out[n] = '\0';
        ps->p = p + 1;
        *ret = out;
        *ret_len = (uint32_t)n;
        return 0;
}

static int parse_number(struct parser *ps, struct jr_value *v)
{
        const char *p = ps->p, *s = p;
        bool integer = true;
        if (p < ps->end && *p == '-')
                p++;
        if (p >= ps->end || *p < '0' || *p > '9')
                return fail(ps, s, "unexpected character");
        if (*p == '0')
                p++;
        else
                while (p < ps->end && *p >= '0' && *p <= '9')
                        p++;
        if (p < ps->end && *p == '.') {
                integer = false;
                if (++p >= ps->end || *p < '0' || *p > '9')
                        return fail(ps, p, "invalid number");
                while (p < ps->end && *p >= '0' && *p <= '9')
                        p++;
        }
        if (p < ps->end && (*p == 'e' || *p == 'E')) {
                integer = false;
                p++;
                if (p < ps->end && (*p == '+' || *p == '-'))
                        p++;
                if (p >= ps->end || *p < '0' || *p > '9')
                        return fail(ps, p, "invalid number");
                while (p < ps->end && *p >= '0' && *p <= '9')
                        p++;
        }
        v->type = JR_NUMBER;
        if (integer && p - s <= 19) {
                /* at most 18 digits (and a sign) always fit in int64 */
                int64_t x = 0;
                const char *d = s + (*s == '-');
                if (p - d <= 18) {
                        for (; d < p; d++)
                                x = x * 10 + (*d - '0');
                        v->type = JR_INT;
                        v->i = *s == '-' ? -x : x;
                }
        }
        ps->p = p;
        return 0;
}

static int parse_value(struct parser *ps, struct jr_value *v);

static int parse_array(struct parser *ps, struct jr_value *v)
{
        size_t base = ps->nvals;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ']') {
                ps->p++;
        } else {
                for (;;) {
                        struct jr_value item;
                        if (parse_value(ps, &item) < 0)
                                return -1;
                        if (ps->nvals == ps->capvals) {
                                size_t cap = ps->capvals ? ps->capvals * 2 : 256;
                                struct jr_value *nv = realloc(ps->vals, cap * sizeof(*nv));
                                if (nv == NULL)
                                        return fail(ps, ps->p, "out of memory");
                                ps->vals = nv;
                                ps->capvals = cap;
                        }
                        ps->vals[ps->nvals++] = item;
                        skip_ws(ps);
                        if (ps->p >= ps->end)
                                return fail(ps, ps->p, "unexpected end of file");
                        if (*ps->p == ']') {
                                ps->p++;
                                break;
                        }
                        if (*ps->p != ',')
                                return fail(ps, ps->p, "unexpected character");
                        ps->p++;
                }
        }
        size_t n = ps->nvals - base;
        v->type = JR_ARRAY;
        v->len = (uint32_t)n;
        v->items = arena_alloc(ps->doc, n * sizeof(*v->items) + 1);
        if (v->items == NULL)
                return fail(ps, ps->p, "out of memory");
        if (n > 0) /* an empty array may come before any element was stacked */
                memcpy(v->items, ps->vals + base, n * sizeof(*v->items));
        ps->nvals = base;
        return 0;
}

static int cmp_member(const void *a, const void *b)
{
        return strcmp((*(const struct jr_member *const *)a)->key, (*(const struct jr_member *const *)b)->key);
}

/* Two equal keys: JSON parsers keep one of them silently, so a reader of the file and the
 * program could see different policies. Reported at the later of the two. */
static int check_duplicates(struct parser *ps, const struct jr_member *m, size_t n)
{
        const struct jr_member *dup = NULL;
        if (n <= 16) {
                for (size_t i = 1; i < n && !dup; i++)
                        for (size_t j = 0; j < i && !dup; j++)
                                if (m[i].key[0] == m[j].key[0] && strcmp(m[i].key, m[j].key) == 0)
                                        dup = &m[i];
        } else {
                const struct jr_member **idx = malloc(n * sizeof(*idx));
                if (idx == NULL)
                        return fail(ps, ps->p, "out of memory");
                for (size_t i = 0; i < n; i++)
                        idx[i] = &m[i];
                qsort(idx, n, sizeof(*idx), cmp_member);
                for (size_t i = 1; i < n; i++) {
                        if (strcmp(idx[i]->key, idx[i - 1]->key) == 0) {
                                const struct jr_member *later = idx[i]->at > idx[i - 1]->at ? idx[i] : idx[i - 1];
                                if (!dup || later->at < dup->at)
                                        dup = later;
                        }
                }
                free(idx);
        }
        if (dup == NULL)
                return 0;
        char msg[160];
        snprintf(msg, sizeof(msg), "duplicate key \"%.64s\" (a JSON reader keeps only one; write each key once)", dup->key);
        return fail(ps, ps->start + dup->at, msg);
}

static int parse_object(struct parser *ps, struct jr_value *v)
{
        size_t base = ps->nmems;
        ps->p++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}') {
                ps->p++;
        } else {
                for (;;) {
                        struct jr_member m;
                        skip_ws(ps);
                        if (ps->p >= ps->end)
                                return fail(ps, ps->p, "unexpected end of file");
                        if (*ps->p != '"')
                                return fail(ps, ps->p, "unexpected character");
                        m.at = (uint32_t)(ps->p - ps->start);
                        if (parse_string(ps, &m.key, &m.value.len) < 0)
                                return -1;
                        skip_ws(ps);
                        if (ps->p >= ps->end)
                                return fail(ps, ps->p, "unexpected end of file");
                        if (*ps->p != ':')
                                return fail(ps, ps->p, "unexpected character");
                        ps->p++;
                        if (parse_value(ps, &m.value) < 0)
                                return -1;
                        if (ps->nmems == ps->capmems) {
                                size_t cap = ps->capmems ? ps->capmems * 2 : 256;
                                struct jr_member *nm = realloc(ps->mems, cap * sizeof(*nm));
                                if (nm == NULL)
                                        return fail(ps, ps->p, "out of memory");
                                ps->mems = nm;
                                ps->capmems = cap;
                        }
                        ps->mems[ps->nmems++] = m;
                        skip_ws(ps);
                        if (ps->p >= ps->end)
                                return fail(ps, ps->p, "unexpected end of file");
                        if (*ps->p == '}') {
                                ps->p++;
                                break;
                        }
                        if (*ps->p != ',')
                                return fail(ps, ps->p, "unexpected character");
                        ps->p++;
                }
        }
        size_t n = ps->nmems - base;
        if (n > 0 && check_duplicates(ps, ps->mems + base, n) < 0)
                return -1;
        v->type = JR_OBJECT;
        v->len = (uint32_t)n;
        v->members = arena_alloc(ps->doc, n * sizeof(*v->members) + 1);
        if (v->members == NULL)
                return fail(ps, ps->p, "out of memory");
        if (n > 0)
                memcpy(v->members, ps->mems + base, n * sizeof(*v->members));
        ps->nmems = base;
        return 0;
}

static int literal(struct parser *ps, const char *word, struct jr_value *v, enum jr_type t, bool b)
{
        size_t n = strlen(word);
        if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
                return fail(ps, ps->p, (size_t)(ps->end - ps->p) < n && memcmp(ps->p, word, (size_t)(ps->end - ps->p)) == 0
                                               ? "unexpected end of file" : "unexpected character");
        ps->p += n;
        v->type = t;
        v->b = b;
        return 0;
}

static int parse_value(struct parser *ps, struct jr_value *v)
{
        skip_ws(ps);
        if (ps->p >= ps->end)
                return fail(ps, ps->p, "unexpected end of file");
        memset(v, 0, sizeof(*v));
        switch (*ps->p) {
        case '{':
        case '[': {
                if (++ps->depth > ps->max_depth) {
                        char msg[64];
                        snprintf(msg, sizeof(msg), "nested deeper than %u levels", ps->max_depth);
                        return fail(ps, ps->p, msg);
                }
                int r = *ps->p == '{' ? parse_object(ps, v) : parse_array(ps, v);
                ps->depth--;
                return r;
        }
        case '"':
                v->type = JR_STRING;
                return parse_string(ps, &v->s, &v->len);
        case 't': return literal(ps, "true", v, JR_BOOL, true);
        case 'f': return literal(ps, "false", v, JR_BOOL, false);
        case 'n': return literal(ps, "null", v, JR_NULL, false);
        default: return parse_number(ps, v);
        }
}

struct jr_doc *jr_parse(const char *buf, size_t len, unsigned max_depth, size_t *err_offset,
                        char *err_msg, size_t err_size)
{
        struct jr_doc *doc = calloc(1, sizeof(*doc));
        struct parser ps = { .p = buf, .end = buf + len, .start = buf, .max_depth = max_depth,
                             .doc = doc, .err_msg = err_msg, .err_size = err_size };
        if (doc == NULL) {
                snprintf(err_msg, err_size, "out of memory");
                *err_offset = 0;
                return NULL;
        }
        int r = parse_value(&ps, &doc->root);
        if (r == 0) {
                skip_ws(&ps);
                if (ps.p < ps.end)
                        r = fail(&ps, ps.p, "unexpected text after the policy object");
        }
        free(ps.vals);
        free(ps.mems);
        if (r < 0) {
                *err_offset = (size_t)(ps.err_at - buf);
                jr_free(doc);
                return NULL;
        }
        return doc;
}

const struct jr_value *jr_root(const struct jr_doc *doc)
{
        return &doc->root;
}

void jr_free(struct jr_doc *doc)
{
        if (doc == NULL)
                return;
        for (struct chunk *c = doc->chunks, *next; c; c = next) {
                next = c->next;
                free(c);
        }
        free(doc);
}

const struct jr_value *jr_get(const struct jr_value *o, const char *key)
{
        if (o->type != JR_OBJECT)
                return NULL;
        for (uint32_t i = 0; i < o->len; i++)
                if (strcmp(o->members[i].key, key) == 0)
                        return &o->members[i].value;
        return NULL;
}

const char *jr_type_name(const struct jr_value *v)
{
        switch (v->type) {
        case JR_NULL: return "null";
        case JR_BOOL: return "a boolean";
        case JR_INT: return "a number";
        case JR_NUMBER: return "a number that is not a whole number in range";
        case JR_STRING: return "a string";
        case JR_ARRAY: return "an array";
        case JR_OBJECT: return "an object";
        }
        return "?";
}
