/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/layout.h — the segment's memory layout, shared by the runtime and the
 * generator so that both compute exactly the same offsets.
 *
 * A segment is: a fixed header, the attach registry, the per-thread operation
 * journals, the structure table, the name index, then every structure, each on
 * a 64-byte boundary, in the order the schema lists them.  This header holds the
 * constants of that format and pure functions computing it; it touches no shared
 * memory.  Depends on errors.h only.
 */
#ifndef SHMGEN_LAYOUT_H
#define SHMGEN_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "shmgen/errors.h"
#include "shmgen/version.h" /* SHMGEN_VERSION_STRING, from the project's version */

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever the in-memory format changes; stored in every segment.
 * 3: registry claim bytes, ring side owners as (pid, slot) tokens. */
#define SHMGEN_FORMAT_VERSION 3u
/* Bumped whenever generated code would need regenerating; generated headers
 * refuse to compile against a runtime with another value. */
#define SHMGEN_RUNTIME_ABI_VERSION 1

#define SHMGEN_NAME_MAX 63        /* bytes in a structure or segment name */
#define SHMGEN_CACHE_LINE 64      /* every structure starts on this boundary */
#define SHMGEN_MAX_PROCESSES 128  /* attach registry slots */
#define SHMGEN_MAX_JOURNALS 512   /* threads across all processes that operate at once */
#define SHMGEN_MAX_ELEM_ALIGN 8   /* largest alignment a schema type can have */

typedef enum shmgen_kind {
    SHMGEN_KIND_ARRAY = 1,
    SHMGEN_KIND_ATOMIC = 2,
    SHMGEN_KIND_QUEUE = 3,
    SHMGEN_KIND_STACK = 4,
    SHMGEN_KIND_RING = 5,
    SHMGEN_KIND_POOL = 6,
    SHMGEN_KIND_TOPIC = 7,
    SHMGEN_KIND_LATEST = 8,
} shmgen_kind_t;

/* A topic's policy toward a subscriber that falls `capacity` samples behind. */
typedef enum shmgen_topic_policy {
    SHMGEN_TOPIC_LAP = 0,   /* the publisher never waits; the subscriber is told what it lost */
    SHMGEN_TOPIC_BLOCK = 1, /* the publisher waits for the slowest live subscriber */
} shmgen_topic_policy_t;

#define SHMGEN_TOPIC_DEFAULT_SUBSCRIBERS 8u
#define SHMGEN_TOPIC_MAX_SUBSCRIBERS 1024u
#define SHMGEN_TOPIC_NAME_MAX 31 /* bytes in a subscriber's name */

/* "array", "queue"...; NULL for a value outside the enum. */
const char *shmgen_kind_name(int kind);
/* "lap" or "block"; "unknown" for a value outside shmgen_topic_policy_t (a
 * word read from a hostile segment prints as such, never as NULL). */
const char *shmgen_topic_policy_name(uint32_t policy);

/* What a program (generated code, a test, a tool) expects one structure to be. */
typedef struct shmgen_struct_desc {
    const char *name;     /* 1..63 bytes, NUL-terminated */
    shmgen_kind_t kind;
    uint32_t elem_size;   /* sizeof the element type (a multiple of elem_align) */
    uint32_t elem_align;  /* _Alignof the element type, power of two <= 8 */
    uint64_t capacity;    /* elements; 1 for atomic */
    uint64_t elem_hash;   /* layout hash of the element type */
    uint32_t since;       /* schema version that added it; 1 for "always there" */
    uint64_t initial;     /* atomic: initial value (two's complement bits); else 0 */
    /* topic only (0 for every other kind): */
    uint32_t subscribers; /* named subscriber cursors, 1..SHMGEN_TOPIC_MAX_SUBSCRIBERS */
    uint32_t history;     /* newest samples a late joiner starts with, < capacity */
    uint32_t policy;      /* shmgen_topic_policy_t */
    uint32_t deadline_ms; /* block: a live subscriber stalled this long is evicted; 0 = never */
} shmgen_struct_desc_t;

/* What a program expects the whole segment to be. */
typedef struct shmgen_layout {
    const char *segment;      /* the schema's `segment` name */
    uint32_t schema_version;  /* the schema's `version` */
    uint64_t layout_hash;     /* hash of the canonical layout, from the generator */
    uint64_t declared_size;   /* the schema's `size`, or 0 for "exactly what is needed" */
    size_t nstructs;
    const shmgen_struct_desc_t *structs;
    uint32_t mode;            /* the schema's `mode`: permission bits at creation and the
                                 most an attach accepts (0: 0600); an open option overrides */
} shmgen_layout_t;

/* Where everything lands; filled by shmgen_layout_plan(). */
typedef struct shmgen_layout_plan {
    uint64_t header_offset, header_size;     /* fixed header */
    uint64_t registry_offset, registry_size; /* attach registry */
    uint64_t journal_offset, journal_size;   /* operation journals */
    uint64_t table_offset, table_size;       /* one entry per structure */
    uint64_t index_offset, index_size;       /* name hash index */
    uint32_t index_slots;                    /* power of two >= 2 * nstructs */
    uint64_t overhead;                       /* first structure's offset */
    uint64_t computed_size;                  /* end of the last structure */
    uint64_t total_size;                     /* max(computed, declared) */
} shmgen_layout_plan_t;

#define SHMGEN_HEADER_BYTES 512u
#define SHMGEN_SIMPLE_HEADER_BYTES 64u      /* array, atomic */
#define SHMGEN_CONCURRENT_HEADER_BYTES 256u /* four cache lines: queue, stack, ring, pool... */
#define SHMGEN_TOPIC_CURSOR_BYTES 128u      /* one subscriber's record in a topic (two lines) */
#define SHMGEN_LATEST_BUFFERS 2u            /* a latest value is double-buffered */
#define SHMGEN_REGISTRY_SLOT_BYTES 64u
#define SHMGEN_JOURNAL_BYTES 64u
#define SHMGEN_TABLE_ENTRY_BYTES 128u

/* Header bytes a structure of this kind carries before its data. */
uint32_t shmgen_kind_header_bytes(shmgen_kind_t kind);

/* Bytes one element occupies in the data region: elem_size for array, the
 * 8-byte slot word plus the element rounded up to 8 for the concurrent kinds
 * (a ring of elements under 64 bytes stores all words apart from the
 * elements), 64 (one cache line) for atomic, and for latest one of its two
 * buffers (word + value, rounded up to 64).  0 for an unknown kind. */
uint64_t shmgen_kind_slot_bytes(shmgen_kind_t kind, uint32_t elem_size);

/* Total bytes (header + data, rounded up to 64) of one structure described
 * by d (name and `since` are not looked at; the topic fields are for topics
 * only): for a queue the slots and one 8-byte mark word per slot from the
 * next line.  Returns 0, SHMGEN_OVERFLOW if the size does not fit in 63
 * bits, or SHMGEN_INVALID_ARGUMENT for a bad kind/size/alignment/capacity/
 * parameter. */
SHMGEN_MUST_CHECK int shmgen_struct_footprint_desc(const shmgen_struct_desc_t *d, uint64_t *size_out);

/* The same under the rules of segment format format_version (1 up to
 * SHMGEN_FORMAT_VERSION; formats before 3 have no queue mark words), so that
 * a lock file of an older format is checked against its own layout. */
SHMGEN_MUST_CHECK int shmgen_struct_footprint_desc_format(const shmgen_struct_desc_t *d, uint32_t format_version,
                                                          uint64_t *size_out);

/* The same for kinds without parameters (every kind but topic, for which it
 * returns SHMGEN_INVALID_ARGUMENT: use shmgen_struct_footprint_desc). */
SHMGEN_MUST_CHECK int shmgen_struct_footprint(shmgen_kind_t kind, uint32_t elem_size,
                                              uint32_t elem_align, uint64_t capacity,
                                              uint64_t *size_out);

/* Computes the plan and, if offsets_out is not NULL, the offset of every
 * structure (offsets_out[i] for layout->structs[i]).  Pure: no shared memory.
 * Returns 0, SHMGEN_OVERFLOW, or SHMGEN_INVALID_ARGUMENT (bad descriptor). */
SHMGEN_MUST_CHECK int shmgen_layout_plan(const shmgen_layout_t *layout, uint64_t *offsets_out,
                                         shmgen_layout_plan_t *plan);
/* The same under the rules of segment format format_version (as above). */
SHMGEN_MUST_CHECK int shmgen_layout_plan_format(const shmgen_layout_t *layout, uint32_t format_version,
                                                uint64_t *offsets_out, shmgen_layout_plan_t *plan);

/* FNV-1a 64 of a NUL-terminated string; the name index's hash.  Stable. */
uint64_t shmgen_name_hash(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_LAYOUT_H */
