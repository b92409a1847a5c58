/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A strict JSON reader for policy files: RFC 8259 only (no comments, no trailing commas),
 * valid UTF-8, bounded depth, duplicate keys refused. The tree lives in one arena that
 * jr_free releases at once. It exists because building json-c's tree was 85% of the time
 * of reading a large policy (docs/benchmarks.md). The hook reads the OCI state and config.json
 * with it too, since refusing duplicate keys matters there as much; json-c writes every JSON we
 * print. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jr_type { JR_NULL, JR_BOOL, JR_INT, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_member;

struct jr_value {
        enum jr_type type;
        uint32_t len;           /* string: bytes (no NUL inside); array, object: elements */
        union {
                bool b;
                int64_t i;              /* JR_INT: a number without fraction or exponent */
                const char *s;          /* NUL-terminated */
                struct jr_value *items;
                struct jr_member *members;      /* in file order */
        };
};

struct jr_member {
        const char *key;
        uint32_t at;    /* byte offset of the key in the text, for messages */
        struct jr_value value;
};

struct jr_doc;

/* Parses BUF. On failure returns NULL and sets *ERR_OFFSET to the byte where it stopped and
 * ERR_MSG (at least 128 bytes) to what was wrong ("unexpected character", ...). */
struct jr_doc *jr_parse(const char *buf, size_t len, unsigned max_depth, size_t *err_offset,
                        char *err_msg, size_t err_size);
const struct jr_value *jr_root(const struct jr_doc *doc);
void jr_free(struct jr_doc *doc);

/* The member KEY of object O, or NULL. */
const struct jr_value *jr_get(const struct jr_value *o, const char *key);
/* "an object", "a string", ... for messages. */
const char *jr_type_name(const struct jr_value *v);
