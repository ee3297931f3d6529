/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_schema/model.h — the validated model of a segment.yaml and its layout.
 *
 * Produced by shmgen_schema_load() (schema/ only); consumed read-only by the
 * generator, compat, verify and the tests.  Data flows one way: YAML (or a
 * layout JSON, layout_json.h) → this model → layout (schema/src/compute.c,
 * through the runtime's shmgen_layout_plan()) → templates.  Every name is a
 * valid C identifier of 1..63 bytes; every size below is exact and
 * overflow-checked.  A model is immutable once loaded: any number of threads
 * may read one.  Rules and choices: docs/schema.md; hashes: docs/layout-hash.md.
 */
#ifndef SHMGEN_SCHEMA_MODEL_H
#define SHMGEN_SCHEMA_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmgen/layout.h"
#include "shmgen_schema/diag.h"

typedef enum shmgen_scalar {
    SHMGEN_SCALAR_NONE = 0,
    SHMGEN_U8, SHMGEN_U16, SHMGEN_U32, SHMGEN_U64,
    SHMGEN_I8, SHMGEN_I16, SHMGEN_I32, SHMGEN_I64,
    SHMGEN_F32, SHMGEN_F64, SHMGEN_BOOL, SHMGEN_CHAR,
    SHMGEN_ATOMIC_U32, SHMGEN_ATOMIC_U64, SHMGEN_ATOMIC_I32, SHMGEN_ATOMIC_I64, SHMGEN_ATOMIC_BOOL,
} shmgen_scalar_t;

/* "u8", "atomic_u64", ...; NULL for NONE. */
const char *shmgen_scalar_name(shmgen_scalar_t s);

typedef enum shmgen_ref_kind { SHMGEN_REF_SCALAR, SHMGEN_REF_ENUM, SHMGEN_REF_TYPE } shmgen_ref_kind_t;

/* A field's or structure's element type: a scalar, an enum (u32) or a
 * declared struct type, optionally a fixed array of it. */
typedef struct shmgen_type_ref {
    shmgen_ref_kind_t kind;
    shmgen_scalar_t scalar; /* kind == SCALAR */
    size_t index;           /* kind == ENUM: into schema->enums; TYPE: into schema->types */
    uint64_t array_len;     /* 0: not an array; else T[array_len] */
    uint64_t size;          /* sizeof, including the array */
    uint32_t align;         /* _Alignof */
    uint64_t hash;          /* layout hash of the referenced type (docs/layout-hash.md) */
    shmgen_loc_t loc;       /* where the type was written */
} shmgen_type_ref_t;

typedef struct shmgen_field {
    char *name;
    shmgen_loc_t loc;
    shmgen_type_ref_t type;
    uint64_t offset;        /* offsetof in the C struct */
    uint64_t padding_before;/* explicit padding bytes inserted before this field */
} shmgen_field_t;
/* A field's `type.loc` is where its type was written, `loc` its name. */

typedef struct shmgen_type {
    char *name;
    shmgen_loc_t loc;
    shmgen_field_t *fields;
    size_t nfields;
    uint64_t size;          /* sizeof, rounded up to align */
    uint32_t align;
    uint64_t tail_padding;  /* bytes after the last field */
    uint64_t hash;          /* layout hash: independent of names */
} shmgen_type_t;

typedef struct shmgen_enum_value {
    char *name;
    shmgen_loc_t loc;
    uint32_t value;
} shmgen_enum_value_t;

typedef struct shmgen_enum {
    char *name;
    shmgen_loc_t loc;
    shmgen_enum_value_t *values;
    size_t nvalues;
    uint64_t hash;          /* over the values (numbers in order), not names */
} shmgen_enum_t;

typedef struct shmgen_structure {
    char *name;
    shmgen_loc_t loc;
    shmgen_kind_t kind;
    shmgen_type_ref_t elem; /* for atomic: a scalar u32/u64/i32/i64/bool */
    uint64_t capacity;      /* 1 for atomic and latest */
    uint32_t since;         /* 1 when not given */
    bool has_initial;
    int64_t initial_i;      /* atomic i32/i64 */
    uint64_t initial_u;     /* atomic u32/u64/bool (bool: 0/1); two's complement bits of initial_i for signed */
    /* topic only (0 for every other kind), as in shmgen_struct_desc_t: */
    uint32_t subscribers;   /* named subscriber cursors; SHMGEN_TOPIC_DEFAULT_SUBSCRIBERS when not given */
    uint32_t history;       /* newest samples a late joiner starts with, < capacity */
    uint32_t policy;        /* shmgen_topic_policy_t; lap when not given */
    uint32_t deadline_ms;   /* block only: a stalled live subscriber is evicted after this; 0 = never */
    uint64_t offset;        /* from the segment start (filled by the layout) */
    uint64_t size;          /* footprint, header + data */
    shmgen_loc_t kind_loc, capacity_loc, since_loc, initial_loc; /* line 0 when absent */
    shmgen_loc_t subscribers_loc, history_loc, policy_loc, deadline_loc;
} shmgen_structure_t;

typedef struct shmgen_schema {
    char *path;             /* as given to the loader */
    char *segment;
    shmgen_loc_t segment_loc;
    uint32_t version;
    uint64_t declared_size; /* 0 when `size` is absent */
    shmgen_loc_t size_loc;
    shmgen_loc_t version_loc;
    uint32_t mode;          /* 0600 when absent */
    shmgen_loc_t mode_loc;  /* line 0 when absent */
    shmgen_enum_t *enums;
    size_t nenums;
    shmgen_type_t *types;   /* in the order written */
    size_t ntypes;
    shmgen_structure_t *structures; /* in the order written = layout order */
    size_t nstructures;
    shmgen_layout_plan_t plan;      /* overhead, computed and total size */
    uint64_t layout_hash;           /* of the whole segment; see docs/layout-hash.md */
    uint32_t format_version;        /* segment format the layout is for: SHMGEN_FORMAT_VERSION,
                                     * or older when read from an older layout JSON */
} shmgen_schema_t;

/* Reads, validates and lays out the schema at `path`.  Every problem found is
 * appended to `diags` (all of them, not only the first).  Returns the schema
 * when diags->errors == 0 after the call, else NULL.  Caller frees with
 * shmgen_schema_free(). */
shmgen_schema_t *shmgen_schema_load(const char *path, shmgen_diags_t *diags);

/* Same from memory; `name` is used as FILE in diagnostics. */
shmgen_schema_t *shmgen_schema_load_buffer(const char *name, const char *data, size_t len,
                                           shmgen_diags_t *diags);

/* Frees the schema and everything it owns; NULL is fine. */
void shmgen_schema_free(shmgen_schema_t *schema);

/* The runtime descriptor of structure i (name borrowed from the schema). */
void shmgen_schema_struct_desc(const shmgen_schema_t *schema, size_t i, shmgen_struct_desc_t *out);

/* Writes into order[0..ntypes) the type indices in dependency order: every
 * type after the types its fields contain (written order otherwise), which is
 * the order a C header must declare them in.  `order` has room for
 * schema->ntypes entries.  Returns 0, or -1 on OOM. */
int shmgen_schema_type_order(const shmgen_schema_t *schema, size_t *order);

/* A type reference as written in a schema: "u32", "vec3", "char[16]".
 * Writes at most `size` bytes (NUL-terminated) and returns buf. */
const char *shmgen_type_ref_str(const shmgen_schema_t *schema, const shmgen_type_ref_t *ref, char *buf, size_t size);

/* Largest size of a type (struct or array), bytes; larger ones are refused. */
#define SHMGEN_SCHEMA_MAX_TYPE_SIZE ((uint64_t)1 << 31)
/* Largest schema file the loader reads. */
#define SHMGEN_SCHEMA_MAX_FILE_SIZE ((size_t)64 << 20)

/* Fills a runtime layout descriptor that views the schema, its `mode`
 * included (names are borrowed from it; *descs is malloc'ed, free it).
 * Returns 0 or -1 on OOM. */
int shmgen_schema_runtime_layout(const shmgen_schema_t *schema, shmgen_layout_t *out,
                                 shmgen_struct_desc_t **descs);

#endif
