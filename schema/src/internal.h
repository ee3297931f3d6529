/*
 * SPDX-License-Identifier: MIT
 *
 * internal.h — shared internals of the schema library: the generic document
 * tree (built from YAML by ytree.c or from JSON by json.c), the name table,
 * name checks and message helpers, and the stages of the loader.
 * Depends on shmgen_schema/model.h and diag.h.  Not installed.
 */
#ifndef SHMGEN_SCHEMA_INTERNAL_H
#define SHMGEN_SCHEMA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmgen_schema/diag.h"
#include "shmgen_schema/model.h"

#define SHMGEN__MAX_INPUT_BYTES SHMGEN_SCHEMA_MAX_FILE_SIZE
#define SHMGEN__MAX_DEPTH 64                        /* nesting deeper than this is refused */
#define SHMGEN__MAX_TYPE_SIZE SHMGEN_SCHEMA_MAX_TYPE_SIZE
#define SHMGEN__MAX_SUGGESTIONS 200                 /* "did you mean" searches per load */

/* ---- the document tree --------------------------------------------------- */

typedef enum shmgen__node_type { SHMGEN__SCALAR, SHMGEN__SEQ, SHMGEN__MAP } shmgen__node_type_t;

typedef struct shmgen__node {
    shmgen__node_type_t type;
    shmgen_loc_t loc;
    char *text;        /* SCALAR: NUL-terminated copy (may contain NULs before len) */
    size_t len;        /* SCALAR: bytes */
    bool plain;        /* SCALAR: unquoted (YAML plain style; JSON numbers/true/false/null) */
    bool flow;         /* SEQ/MAP: written in flow style ({...} / [...]) */
    struct shmgen__node **items; /* SEQ: n items; MAP: 2n nodes, key then value */
    size_t n, cap;
} shmgen__node_t;

/* Parses YAML into a tree.  Syntax errors, anchors, aliases, tags, merge keys,
 * several documents and excessive nesting are reported to `d`; returns the
 * root (NULL for an empty document or a syntax error).  Locations carry `file`. */
shmgen__node_t *shmgen__yaml_parse(const char *file, const char *data, size_t len, shmgen_diags_t *d);

/* Parses JSON (RFC 8259) into the same tree; NULL after reporting an error. */
shmgen__node_t *shmgen__json_parse(const char *file, const char *data, size_t len, shmgen_diags_t *d);

shmgen__node_t *shmgen__node_new(shmgen__node_type_t type, shmgen_loc_t loc);
shmgen__node_t *shmgen__node_scalar(shmgen_loc_t loc, const char *text, size_t len, bool plain);
/* Appends a child (false on OOM; the child is then freed). */
bool shmgen__node_push(shmgen__node_t *parent, shmgen__node_t *child);
void shmgen__node_free(shmgen__node_t *node);
/* A value of a MAP by key, or NULL. Linear: for small maps only. */
shmgen__node_t *shmgen__map_get(const shmgen__node_t *map, const char *key);
/* "a mapping", "a sequence", "the string 'x'", "the number 3", "nothing". */
const char *shmgen__node_what(const shmgen__node_t *node, char *buf, size_t size);
bool shmgen__is_null(const shmgen__node_t *node);

/* ---- names ------------------------------------------------------------------ */

/* Open-addressing hash table name → (tag, index); keys are borrowed. */
typedef struct shmgen__symtab {
    struct shmgen__sym { const char *name; int tag; size_t index; } *slots;
    size_t cap, count;
} shmgen__symtab_t;

/* Returns the existing entry with that name, else inserts and returns NULL.
 * On OOM returns NULL without inserting (lookups then miss: no crash). */
const struct shmgen__sym *shmgen__sym_put(shmgen__symtab_t *t, const char *name, int tag, size_t index);
const struct shmgen__sym *shmgen__sym_get(const shmgen__symtab_t *t, const char *name);
void shmgen__sym_free(shmgen__symtab_t *t);

/* Checks a name (identifier, not a keyword, 1..63 bytes, no NUL); reports
 * with `what` ("type name", "field name"...) and returns false when bad. */
bool shmgen__check_name(shmgen_diags_t *d, const shmgen__node_t *node, const char *what);

/* Writes a printable, length-capped rendering of bytes (escapes control
 * characters and quotes; truncates after 64 with "..."). Returns buf. */
const char *shmgen__printable(const char *text, size_t len, char *buf, size_t size);
#define SHMGEN__PRINT_BUF 300

/* Parses a plain decimal (or 0x hex) integer with optional sign.  Returns
 * 0 ok, 1 not an integer, 2 out of the int64/uint64 range. */
int shmgen__parse_int(const char *text, size_t len, bool *negative, uint64_t *magnitude);

/* ---- scalars ---------------------------------------------------------------- */
shmgen_scalar_t shmgen__scalar_by_name(const char *name);
/* size and alignment of a scalar (bool 1, char 1, atomics as their base). */
void shmgen__scalar_layout(shmgen_scalar_t s, uint64_t *size, uint32_t *align);

/* Reads a whole file (at most `limit` bytes, else an error), NUL-terminated;
 * NULL after reporting.  Caller frees. */
char *shmgen__read_file(const char *path, size_t limit, size_t *len_out, shmgen_diags_t *d);

/* ---- loader stages ------------------------------------------------------- */

/* Builds, validates and lays out a schema from a tree in segment.yaml shape,
 * under the layout rules of segment format format_version (0: the current
 * one; a lock file of an older format is laid out as that format was).
 * Takes ownership of `path` (malloc'ed; the tree's locations point to it):
 * it becomes schema->path, or is freed on failure (diag.c copies file names,
 * so diagnostics outlive it).  Returns NULL when errors were added. */
shmgen_schema_t *shmgen__schema_from_tree(char *path, const shmgen__node_t *root, uint32_t format_version,
                                          shmgen_diags_t *d);

/* Computes type layouts, structure footprints, the plan and the hashes of a
 * schema whose references are resolved; reports what does not fit. */
void shmgen__schema_layout(shmgen_schema_t *s, shmgen_diags_t *d);

/* Hashes (hash.c). */
uint64_t shmgen__hash_ref(const shmgen_schema_t *s, const shmgen_type_ref_t *ref);
uint64_t shmgen__hash_type(const shmgen_schema_t *s, const shmgen_type_t *t);
uint64_t shmgen__hash_enum(const shmgen_enum_t *e);
uint64_t shmgen__hash_segment(const shmgen_schema_t *s);

#endif
