/*
 * internal.h — what the runtime's modules share and users never see.
 *
 * segment.c owns the mapping, the attach registry and the journals; each kind
 * (array.c, atomic.c, queue.c, stack.c, ring.c, pool.c) exports one
 * shmgen__kind_ops_t that segment.c calls to initialise, check and recover
 * its structures.  All shared-memory atomics go through atomics.h.
 */
#ifndef SHMGEN_INTERNAL_H
#define SHMGEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"
#include "shmgen/segment.h"

/* One per thread that operates on concurrent structures: what it is doing now,
 * so a survivor can tell what a SIGKILL interrupted.  One cache line each. */
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

/* The calling thread's journal in seg, claimed on first use and cached per
 * (thread, handle); given back when the thread exits (if idle) or the handle
 * closes.  NULL for a read-only handle, in a fork()ed child using its
 * parent's handle, or when all SHMGEN_MAX_JOURNALS are taken (operations then
 * run without crash journaling). */
shmgen__journal_t *shmgen__journal_self(shmgen_segment_t *seg);

uint32_t shmgen__journal_count(const shmgen_segment_t *seg);
shmgen__journal_t *shmgen__journal_at(const shmgen_segment_t *seg, uint32_t i);

/* This process's pid, cached (refreshed in fork children): cheap enough for
 * hot paths, unlike getpid(). */
pid_t shmgen__pid(void);

/* Registry slot + 1 of this process (never 0 for a writable handle). */
uint32_t shmgen__self_owner(const shmgen_segment_t *seg);

/* Whether the process in registry slot owner-1 is still attached (its kernel
 * lock is held).  A syscall: for recovery paths only, never hot paths. */
bool shmgen__owner_alive(const shmgen_segment_t *seg, uint32_t owner);

/* Per-kind behaviour the segment drives. */
typedef struct shmgen__kind_ops {
    /* Writes the structure's header and empty state into fresh (zeroed) memory. */
    void (*init)(void *base, const shmgen_struct_info_t *info, uint64_t initial);
    /* Checks the structure's own header against its table entry; read-only,
     * must be safe on hostile memory (no reads outside [base, base+info->size)). */
    int (*check)(const void *base, const shmgen_struct_info_t *info);
    /* Repairs what dead processes left (journals with owner dead); returns the
     * number of repairs (>= 0) or an error.  NULL for kinds with nothing to repair.
     * Called (serialised across processes) while at least one registry slot is
     * dead; right after, the dead owners' journals are freed and their slots
     * cleaned, so their owner numbers get reused: anything a structure records
     * as held by a dead owner must be reclaimed here. */
    int (*recover)(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info);
} shmgen__kind_ops_t;

extern const shmgen__kind_ops_t shmgen__array_ops;
extern const shmgen__kind_ops_t shmgen__atomic_ops;
extern const shmgen__kind_ops_t shmgen__queue_ops;
extern const shmgen__kind_ops_t shmgen__stack_ops;
extern const shmgen__kind_ops_t shmgen__ring_ops;
extern const shmgen__kind_ops_t shmgen__pool_ops;

/* The ops of a kind, or NULL for an unknown kind value. */
const shmgen__kind_ops_t *shmgen__kind_ops(int kind);

#endif /* SHMGEN_INTERNAL_H */
