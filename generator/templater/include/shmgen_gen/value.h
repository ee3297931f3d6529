/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_gen/value.h — the templater's value model and its output buffer.
 *
 * A value is a string, an integer, a boolean, a list or a map (keys kept in
 * insertion order).  The generator builds one tree from the schema model and
 * hands it to the templater read-only.  A container owns its children: free
 * the root and everything goes.  Depends on libc only.
 */
#ifndef SHMGEN_GEN_VALUE_H
#define SHMGEN_GEN_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum shmgen_value_type {
    SHMGEN_VAL_STRING, SHMGEN_VAL_INT, SHMGEN_VAL_BOOL, SHMGEN_VAL_LIST, SHMGEN_VAL_MAP,
} shmgen_value_type_t;

typedef struct shmgen_value shmgen_value_t;

struct shmgen_value {
    shmgen_value_type_t type;
    union {
        struct { char *data; size_t len; } str;
        int64_t i;   /* INT: also carries 64-bit hashes bit for bit (see filter `hex`) */
        bool b;
        struct { shmgen_value_t **items; size_t count, cap; } list;
        struct { char **keys; shmgen_value_t **vals; size_t count, cap; } map;
    } u;
};

/* Constructors: NULL on out-of-memory (every consumer below accepts NULL and
 * reports it, so a builder may chain calls and check once). */
shmgen_value_t *shmgen_value_string(const char *s);
shmgen_value_t *shmgen_value_stringn(const char *s, size_t len);
shmgen_value_t *shmgen_value_int(int64_t i);
shmgen_value_t *shmgen_value_bool(bool b);
shmgen_value_t *shmgen_value_list(void);
shmgen_value_t *shmgen_value_map(void);

/* Frees v and everything it owns; NULL is a no-op. */
void shmgen_value_free(shmgen_value_t *v);

/* Appends item (ownership moves to list, also on failure: item is freed then).
 * Returns item, or NULL when list or item is NULL or on out-of-memory. */
shmgen_value_t *shmgen_value_push(shmgen_value_t *list, shmgen_value_t *item);

/* Sets map[key] = val, replacing (and freeing) an older value of that key.
 * Ownership of val moves to the map as in shmgen_value_push.  Returns val or NULL. */
shmgen_value_t *shmgen_value_set(shmgen_value_t *map, const char *key, shmgen_value_t *val);

/* Shorthands for shmgen_value_set(map, key, shmgen_value_string(s)) and kin. */
shmgen_value_t *shmgen_value_set_str(shmgen_value_t *map, const char *key, const char *s);
shmgen_value_t *shmgen_value_set_int(shmgen_value_t *map, const char *key, int64_t i);
shmgen_value_t *shmgen_value_set_bool(shmgen_value_t *map, const char *key, bool b);

/* map[key] or NULL when absent (or map is not a map). */
const shmgen_value_t *shmgen_value_get(const shmgen_value_t *map, const char *key);

/* Number of constructor/push/set calls in this thread that failed (out of
 * memory or a NULL/wrong-type argument) so far; a builder compares it before
 * and after building a tree instead of checking every call. */
size_t shmgen_value_failures(void);

/* "string", "int", "bool", "list", "map". */
const char *shmgen_value_type_name(shmgen_value_type_t t);

/* A growable byte buffer; `oom` is sticky so writers may check once at the end.
 * data is always NUL-terminated when not NULL. */
typedef struct shmgen_buf {
    char *data;
    size_t len, cap;
    bool oom;
} shmgen_buf_t;

void shmgen_buf_append(shmgen_buf_t *b, const char *s, size_t n);
void shmgen_buf_puts(shmgen_buf_t *b, const char *s);
void shmgen_buf_printf(shmgen_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void shmgen_buf_free(shmgen_buf_t *b);

#endif
