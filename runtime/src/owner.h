/*
 * SPDX-License-Identifier: MIT
 *
 * owner.h — sides of a structure that one attachment operates at a time
 * (internal): a ring's producer and consumer, a topic's publisher.
 *
 * A side's owner word holds the owner token (pid << 32 | registry slot + 1,
 * never reused by a later attacher of the slot) of the attachment that
 * operates it, 0 when nobody does.  A second live attachment is refused with
 * SHMGEN_BUSY (the detail names the owner's pid) instead of silently sharing
 * the side; a side whose owner died, or left without handing it over, is
 * repaired and taken over.  Every repair runs under the segment's recovery
 * lock: there registry slots cannot change hands, so "is the owner gone" is
 * one stable answer; inside shmgen_segment_recover it is exactly the
 * recovery's dead set.  OWNER_REPAIRING marks a side being repaired.
 * Depends on internal.h (tokens, recovery lock, details).
 */
#ifndef SHMGEN_OWNER_H
#define SHMGEN_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

#define SHMGEN__OWNER_REPAIRING ((uint64_t)1 << 63)

/* One side: its owner word and how to repair what a gone owner left. */
typedef struct shmgen__side {
    shmgen__atomic_u64 *word;
    shmgen_segment_t *seg;
    uint32_t table_index;
    uint64_t self;            /* the caller's owner token (0: read-only handle) */
    const char *kind, *name;  /* "ring", "producer": for the BUSY detail */
    int (*repair)(void *ctx); /* runs while the caller owns the side; returns repairs made */
    void *ctx;
} shmgen__side_t;

/* Makes the caller the owner of side s: 0; SHMGEN_READ_ONLY (self is 0);
 * SHMGEN_BUSY when a live attachment owns it; SHMGEN_TIMEOUT when taking it
 * from a gone owner could not get the recovery lock.  A side whose owner is
 * gone is repaired first, under the recovery lock. */
int shmgen__side_take(const shmgen__side_t *s);

/* The kind op's half: repairs side s when this recovery decided its owner is
 * gone, and leaves it unowned.  Returns 0, or the repairs made + 1.  Runs
 * under the recovery lock (shmgen_segment_recover). */
int shmgen__side_recover(const shmgen__side_t *s, const shmgen__deadset_t *dead);

/* ---- token locks ----
 * A short critical section (a latest store, a topic (un)subscribe) guarded
 * by a word holding the owner token of the attachment inside it, 0 when
 * free.  Tokens are never reused, so a holder that is gone cannot come back
 * to finish its section: one CAS from its token takes the word over, and
 * every such section keeps the shared words it writes consistent at every
 * step.  Threads of one attachment share its token: they wait for each
 * other like for another process. */

/* Waits (bounded by patience_ns) for the holder `cur` to leave, taking the
 * word over if that holder is gone: 0 with the word ours, or SHMGEN_BUSY with
 * *seen the live holder's token. */
int shmgen__token_lock_wait(shmgen__atomic_u64 *word, const shmgen_segment_t *seg, uint64_t self, uint64_t cur,
                            uint64_t patience_ns, uint64_t *seen);

/* Takes the word for self: 0, or SHMGEN_BUSY (see shmgen__token_lock_wait). */
static inline int shmgen__token_lock(shmgen__atomic_u64 *word, const shmgen_segment_t *seg, uint64_t self,
                                     uint64_t patience_ns, uint64_t *seen)
{
    uint64_t cur = 0;
    /* Acquire: the previous holder's section is visible to ours. */
    if (shmgen__cas(word, &cur, self, memory_order_acquire, memory_order_relaxed)) return 0;
    return shmgen__token_lock_wait(word, seg, self, cur, patience_ns, seen);
}

static inline void shmgen__token_unlock(shmgen__atomic_u64 *word)
{
    /* Release: our section is visible to the next holder's acquire. */
    shmgen__store(word, 0, memory_order_release);
}

/* Whether token names an attachment this recovery decided is gone: its
 * registry slot moved on to another pid (or none), or records it and is in
 * the dead set. */
bool shmgen__token_dead_in(const shmgen_segment_t *seg, uint64_t token, const shmgen__deadset_t *dead);

#endif /* SHMGEN_OWNER_H */
