/*
 * SPDX-License-Identifier: MIT
 *
 * layout_priv.h — what layout.c computes for the rest of the runtime beyond
 * the public shmgen/layout.h.  Depends on shmgen/layout.h.
 */
#ifndef SHMGEN_LAYOUT_PRIV_H
#define SHMGEN_LAYOUT_PRIV_H

#include <stddef.h>

#include "shmgen/layout.h"

/* The fixed part of a plan (header, registry, journals, table, index) for
 * nstructs structures: the one definition of the segment's overhead, used by
 * planning and by the validation of an existing segment's header.  0 or
 * SHMGEN_OVERFLOW. */
int shmgen__plan_overhead(size_t nstructs, shmgen_layout_plan_t *plan);

/* Where a queue's mark words start, from its first slot: after the slots,
 * rounded up to a cache line (shmgen_struct_footprint counts them; only
 * called for footprints it accepted, so nothing overflows). */
uint64_t shmgen__queue_marks_offset(uint32_t elem_size, uint64_t capacity);

#endif /* SHMGEN_LAYOUT_PRIV_H */
