/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/compare.h — a live segment against a layout: the one comparison
 * behind every verifier (the generated <seg>_verify() and `shmgen verify`).
 *
 * The rule, in terms of schema S (the layout, version Vs) and a segment
 * created from version Vg: a difference is a *note* when `shmgen compat`
 * would call the change compatible, a *mismatch* otherwise.
 *   - a structure of S absent from the segment: note if its since > Vg
 *     (added later; programs report it absent) or its since == Vs (declared
 *     as added in S's own version, which compat calls compatible), else
 *     mismatch;
 *   - a structure of the segment absent from S: note if its stored since > Vs
 *     (the segment is newer and added it), else mismatch (removed, renamed);
 *   - kind, element size, element alignment, element layout hash: mismatch;
 *   - capacity: note (programs read it from the segment);
 *   - a topic's subscribers, history, deadline_ms: note (read from the
 *     segment, like the capacity); its policy: mismatch (the same words
 *     mean something else under lap and block);
 *   - segment name: mismatch;
 *   - schema version or layout hash: note (the structures decide).
 * SHMGEN_COMPARE_STRICT makes every difference a mismatch.
 *
 * Reads only what the public API gives (shmgen_segment_get_meta,
 * shmgen_segment_find, shmgen_segment_struct_at: validated copies), so it
 * works on a read-only attachment and never writes.  Depends on segment.h.
 */
#ifndef SHMGEN_COMPARE_H
#define SHMGEN_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum shmgen_finding_kind {
    SHMGEN_FINDING_SEGMENT_NAME = 1, /* the segment's name differs from the layout's */
    SHMGEN_FINDING_SCHEMA_VERSION,   /* created from another schema version */
    SHMGEN_FINDING_LAYOUT_HASH,      /* the whole layout's hash differs */
    SHMGEN_FINDING_ABSENT,           /* a structure of the layout is not in the segment */
    SHMGEN_FINDING_EXTRA,            /* a structure of the segment is not in the layout */
    SHMGEN_FINDING_KIND,             /* same name, another kind */
    SHMGEN_FINDING_ELEM_SIZE,        /* the element type differs: its size, */
    SHMGEN_FINDING_ELEM_ALIGN,       /* its alignment, */
    SHMGEN_FINDING_ELEM_HASH,        /* or its layout (fields, their types and offsets) */
    SHMGEN_FINDING_CAPACITY,         /* another capacity */
    SHMGEN_FINDING_TOPIC_PARAMETER,  /* a topic's subscribers, history or deadline_ms */
    SHMGEN_FINDING_TOPIC_POLICY,     /* a topic's policy (lap / block) */
} shmgen_finding_kind_t;

/* One difference; every pointer is valid during the callback only. */
typedef struct shmgen_finding {
    shmgen_finding_kind_t kind;
    bool mismatch;                    /* false: a note (compatible) */
    const char *structure;            /* the structure's name, control bytes shown as '?'
                                         (segment bytes are not trusted); NULL for the
                                         segment-level kinds */
    const char *message;              /* one line, no trailing period, e.g. "capacity 8 in the
                                         segment, 64 in the schema (compatible: ...)" */
    const shmgen_struct_desc_t *want; /* the layout's structure; NULL for EXTRA and segment level */
    size_t layout_index;              /* want's index in layout->structs (SIZE_MAX if want is NULL) */
    const shmgen_struct_info_t *got;  /* the segment's structure; NULL for ABSENT and segment level */
} shmgen_finding_t;

/* Called once per finding, in order: segment level, the layout's structures
 * in layout order, then the segment's extra structures in table order. */
typedef void (*shmgen_compare_fn)(const shmgen_finding_t *finding, void *ctx);

#define SHMGEN_COMPARE_STRICT 1u /* flags: every difference is a mismatch */

/* Compares the attached segment seg (read-only or not) with layout, calling
 * fn (may be NULL) for every difference.  Returns 0 when nothing is a
 * mismatch (notes allowed), 1 when something is, or a negative
 * shmgen_error_t: SHMGEN_INVALID_ARGUMENT for a NULL seg/layout, a layout
 * without segment name or with a structure without name, unknown flags;
 * SHMGEN_CORRUPT when the segment's name index was damaged after open.
 * Thread-safe (it only reads the handle's validated copies). */
SHMGEN_MUST_CHECK int shmgen_segment_compare(const shmgen_segment_t *seg, const shmgen_layout_t *layout,
                                             unsigned flags, shmgen_compare_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_COMPARE_H */
