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

#endif /* SHMGEN_LAYOUT_PRIV_H */
