/*
 * SPDX-License-Identifier: MIT
 *
 * journal.h — per-thread operation journals: what each thread is doing now,
 * so that a survivor can tell what a SIGKILL interrupted.
 *
 * A journal is one cache line of the segment, claimed by a thread on its
 * first operation (owner = the registry slot + 1 of its process).  Before
 * every claiming CAS an operation records which items it is about to claim;
 * the CAS (release) publishes the record.  Recovery reads journals of dead
 * owners to repair; live operations read others' journals to tell a slow
 * live thread from a dead one.  Depends on atomics.h, shmgen/segment.h.
 */
#ifndef SHMGEN_JOURNAL_H
#define SHMGEN_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"
#include "shmgen/segment.h"

typedef struct shmgen__journal {
    shmgen__atomic_u32 owner; /* registry slot + 1 of the owning process; 0 = free */
    shmgen__atomic_u32 op;    /* 0 = idle; else SHMGEN__JOP(table_index, opcode) */
    shmgen__atomic_u64 a;     /* operation arguments; meaning defined per kind */
    shmgen__atomic_u64 b;
    unsigned char pad[SHMGEN_JOURNAL_BYTES - 24];
} shmgen__journal_t;

#define SHMGEN__JOP(table_index, opcode) ((((uint32_t)(table_index) + 1u) << 8) | (uint32_t)(opcode))
#define SHMGEN__JOP_TABLE_INDEX(op) (((op) >> 8) - 1u)
#define SHMGEN__JOP_CODE(op) ((op) & 0xffu)

/* The set of registry owners (slot + 1) that one recovery decided are dead.
 * Decided once, under the recovery lock, and used by every kind's repair: a
 * kind never asks again whether an owner lives while it repairs. */
typedef struct shmgen__deadset {
    uint64_t bits[(SHMGEN_MAX_PROCESSES + 63) / 64];
} shmgen__deadset_t;

static inline bool shmgen__dead_has(const shmgen__deadset_t *d, uint32_t owner)
{
    if (owner == 0 || owner > SHMGEN_MAX_PROCESSES) return false;
    return (d->bits[(owner - 1) / 64] >> ((owner - 1) % 64)) & 1u;
}

/* The calling thread's journal in seg, claimed on first use and cached per
 * (thread, handle); given back when the thread exits (if idle) or the handle
 * closes.  NULL for a read-only handle, in a fork()ed child using its
 * parent's handle, or when all SHMGEN_MAX_JOURNALS are taken (operations then
 * run without crash journaling). */
shmgen__journal_t *shmgen__journal_self(shmgen_segment_t *seg);

uint32_t shmgen__journal_count(const shmgen_segment_t *seg);
shmgen__journal_t *shmgen__journal_at(const shmgen_segment_t *seg, uint32_t i);

/* Journaling of one operation on the thread's own journal line (j may be
 * NULL: no journal available, the operation runs unjournaled). */
static inline void shmgen__jop_begin(shmgen__journal_t *j, uint32_t table_index, uint32_t opcode)
{
    if (!j) return;
    /* Relaxed: the claiming CAS that follows has release semantics and
     * publishes it.  A stale item from the previous operation may show until
     * the first claim: survivors then wait a little longer, never repair wrongly. */
    shmgen__store(&j->op, SHMGEN__JOP(table_index, opcode), memory_order_relaxed);
}

/* Records the items [first, first+count) the thread is about to claim; call
 * before every claiming CAS (which must have release semantics), so that a
 * survivor that sees the claim also sees which items it covers. */
static inline void shmgen__jop_claiming(shmgen__journal_t *j, uint64_t first, uint64_t count)
{
    if (!j) return;
    /* Relaxed: published by the release CAS that follows. */
    shmgen__store(&j->b, count, memory_order_relaxed);
    shmgen__store(&j->a, first + 1, memory_order_relaxed);
}

static inline void shmgen__jop_end(shmgen__journal_t *j)
{
    if (!j) return;
    /* Release: the operation's effects are visible before the journal reads idle. */
    shmgen__store(&j->op, 0, memory_order_release);
}

/* Whether some process not known dead may be inside operation `opcode` on
 * structure `table_index` holding item `item` (its journal's claimed range
 * [a-1, a-1+b) holds item; a == 0 means it has not claimed anything yet).
 * With `dead` (inside a recovery): an owner is live unless the recovery's
 * dead set holds it.  Without (a live operation's slow path): the registry
 * is asked, and an owner that cannot be proven dead counts as live.  Scans
 * every journal: for slow paths only. */
bool shmgen__journal_live_covers(shmgen_segment_t *seg, uint32_t table_index, uint32_t opcode, uint64_t item,
                                 const shmgen__deadset_t *dead);

#endif /* SHMGEN_JOURNAL_H */
