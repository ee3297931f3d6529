/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/pool.h — the `pool` kind: `capacity` fixed slots handed out as
 * generation-checked handles, lock-free and ABA-safe across processes.
 *
 * A slot's state is one 64-bit word {generation, owner}: acquiring is a
 * single CAS from {g, nobody} to {g, this process}, so a kill at any
 * instruction leaves the slot either free or owned by the (dead) process,
 * never "held by nobody".  shmgen_segment_recover() frees slots whose owner
 * died.  A handle passed to another process should be adopted there
 * (shmgen_pool_adopt), or the slot is reclaimed when the acquirer dies.
 * Every function may be called concurrently from any thread of any process.
 * Depends on segment.h.
 */
#ifndef SHMGEN_POOL_H
#define SHMGEN_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* (generation << 32) | (slot index + 1); bits == 0 is the invalid handle. */
typedef struct shmgen_pool_handle {
    uint64_t bits;
} shmgen_pool_handle_t;

/* Process-local handle; all fields are private (never written after bind). */
typedef struct shmgen_pool {
    void *hdr_;
    unsigned char *slots_;
    uint64_t capacity_;
    uint64_t slot_bytes_;
    uint32_t elem_size_;
    uint32_t self_;
    bool readonly_;
    shmgen_segment_t *seg_;
} shmgen_pool_t;

/* Binds p to the pool `info` of seg: 0, SHMGEN_WRONG_KIND, SHMGEN_CORRUPT. */
SHMGEN_MUST_CHECK int shmgen_pool_bind(shmgen_pool_t *p, shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* Claims a free slot for this process; its element keeps whatever bytes the
 * previous holder left.  Returns the handle, or an invalid one when full or
 * read-only. */
SHMGEN_NODISCARD shmgen_pool_handle_t shmgen_pool_acquire(shmgen_pool_t *p);

/* True for any handle other than the invalid one (says nothing about staleness). */
bool shmgen_pool_handle_valid(shmgen_pool_handle_t h);

/* Frees the slot and bumps its generation: 0, or SHMGEN_STALE_HANDLE when h's
 * generation is not the slot's current one (stale or double release), or
 * SHMGEN_INVALID_ARGUMENT for a malformed handle. */
SHMGEN_NODISCARD int shmgen_pool_release(shmgen_pool_t *p, shmgen_pool_handle_t h);

/* The element of a held slot, or NULL if h is stale/invalid.  The pointer stays
 * valid for the mapping's lifetime, but the slot may be reused after release. */
void *shmgen_pool_get(shmgen_pool_t *p, shmgen_pool_handle_t h);

/* Slots currently held (a snapshot; scans the slot words, O(capacity)). */
uint64_t shmgen_pool_num_allocated(const shmgen_pool_t *p);
/* The exact capacity stored in the segment. */
uint64_t shmgen_pool_capacity(const shmgen_pool_t *p);
/* For tools: num_allocated when the capacity is at most max_reads (then
 * *exact = true), else an estimate from max_reads evenly spaced slots
 * (*exact = false).  Reads (and touches the pages of) at most max_reads slot
 * words, so a huge sparse pool costs no more than a small one. */
uint64_t shmgen_pool_count_sampled(const shmgen_pool_t *p, uint64_t max_reads, bool *exact);

/* Calls fn(handle, element, ctx) for every slot held at the moment it is
 * visited (slots acquired or released meanwhile may or may not be seen).
 * Returns 0 or SHMGEN_INVALID_ARGUMENT. */
typedef void (*shmgen_pool_visit_fn)(shmgen_pool_handle_t h, void *elem, void *ctx);
SHMGEN_NODISCARD int shmgen_pool_visit(shmgen_pool_t *p, shmgen_pool_visit_fn fn, void *ctx);

/* Makes the calling process the owner of h's slot (for handles passed between
 * processes), so that the slot survives its acquirer's death and is reclaimed
 * if this process dies instead.  0, SHMGEN_STALE_HANDLE, SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_pool_adopt(shmgen_pool_t *p, shmgen_pool_handle_t h);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_POOL_H */
