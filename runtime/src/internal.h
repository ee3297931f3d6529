/*
 * SPDX-License-Identifier: MIT
 *
 * internal.h — the interface between the segment and its kinds (internal).
 *
 * segment.c owns the mapping, registry.c the attach registry, journal.c the
 * operation journals and recover.c the repairs after a crash; each kind
 * (array.c, atomic.c, queue.c, stack.c, ring*.c, pool.c, topic*.c, latest.c) exports one
 * shmgen__kind_ops_t that the segment calls to initialise, check and recover
 * its structures.  All shared-memory atomics go through atomics.h.
 * Depends on atomics.h, journal.h, shmgen/segment.h.
 */
#ifndef SHMGEN_INTERNAL_H
#define SHMGEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "atomics.h"
#include "journal.h"
#include "shmgen/segment.h"

/* This process's pid, cached (refreshed in fork children): cheap enough for
 * hot paths, unlike getpid(). */
pid_t shmgen__pid(void);

/* Registry slot + 1 of this process (never 0 for a writable handle). */
uint32_t shmgen__self_owner(const shmgen_segment_t *seg);

/* Whether the process in registry slot owner-1 is still attached: its slot
 * records a pid and the slot's liveness lock is held.  A dead owner never
 * reads as alive (attachers looking for a free slot never lock a slot that
 * records a pid), and a live one never reads as dead; an owner whose slot
 * cannot be queried counts as alive.  A system call: slow paths only. */
bool shmgen__owner_alive(const shmgen_segment_t *seg, uint32_t owner);

enum { SHMGEN__SLOT_CLEAN, SHMGEN__SLOT_LIVE, SHMGEN__SLOT_DEAD };
/* CLEAN (no owner), LIVE or DEAD (a pid whose process died, not yet
 * recovered) for registry slot i; *pid gets the recorded pid.  See registry.c
 * for why a dead slot never reads as live. */
int shmgen__slot_state(const shmgen_segment_t *seg, uint32_t i, uint32_t *pid);

/* The pid registry slot owner-1 records (0: clean, or owner out of range). */
uint32_t shmgen__owner_pid(const shmgen_segment_t *seg, uint32_t owner);

/* An owner token names one attachment for good: (pid << 32) | (slot + 1).
 * Unlike an owner number it is never reused by a later attacher of the slot. */
uint64_t shmgen__self_token(const shmgen_segment_t *seg);
/* LIVE, DEAD (died, or left and the slot moved on), or CLEAN for token 0. */
int shmgen__token_state(const shmgen_segment_t *seg, uint64_t token);

/* Takes / drops the segment's recovery lock (serialises every repair across
 * processes), waiting up to timeout_ms (< 0: the handle's open timeout):
 * 0, SHMGEN_TIMEOUT (detail names the lock), SHMGEN_SYSTEM. */
int shmgen__recovery_lock(shmgen_segment_t *seg, int timeout_ms);
void shmgen__recovery_unlock(shmgen_segment_t *seg);

/* Sets the thread's detail message for the error being returned (printf-like);
 * read back with shmgen_segment_last_detail(). */
void shmgen__set_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The name of structure table_index of seg ("?" out of range), for details. */
const char *shmgen__struct_name(const shmgen_segment_t *seg, uint32_t table_index);

/* Returns err after setting the detail "<kind> '<name>': <what>" for a
 * structure whose shared words are inconsistent (SHMGEN_CORRUPT) or whose
 * wait gave up (SHMGEN_BUSY / SHMGEN_TIMEOUT). */
int shmgen__struct_error(int err, const shmgen_segment_t *seg, uint32_t table_index, const char *what);

/* Per-kind behaviour the segment drives. */
typedef struct shmgen__kind_ops {
    /* Writes the structure's header and empty state into fresh (zeroed) memory. */
    void (*init)(void *base, const shmgen_struct_info_t *info, uint64_t initial);
    /* Checks the structure's own header against its table entry; read-only,
     * must be safe on hostile memory (no reads outside [base, base+info->size)). */
    int (*check)(const void *base, const shmgen_struct_info_t *info);
    /* Repairs what the owners in `dead` left (journals, held items, sides);
     * returns the number of repairs (>= 0) or an error.  NULL for kinds with
     * nothing to repair.  Called under the segment's recovery lock with the
     * one dead set of this recovery: a kind must not ask the registry again.
     * Right after, the dead owners' journals are freed and their slots
     * cleaned, so their owner numbers get reused: anything a structure
     * records as held by a dead owner must be reclaimed here. */
    int (*recover)(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                   const shmgen__deadset_t *dead);
} shmgen__kind_ops_t;

extern const shmgen__kind_ops_t shmgen__array_ops;
extern const shmgen__kind_ops_t shmgen__atomic_ops;
extern const shmgen__kind_ops_t shmgen__queue_ops;
extern const shmgen__kind_ops_t shmgen__stack_ops;
extern const shmgen__kind_ops_t shmgen__ring_ops;
extern const shmgen__kind_ops_t shmgen__pool_ops;
extern const shmgen__kind_ops_t shmgen__topic_ops;
extern const shmgen__kind_ops_t shmgen__latest_ops;

/* The ops of a kind, or NULL for an unknown kind value. */
const shmgen__kind_ops_t *shmgen__kind_ops(int kind);

#endif /* SHMGEN_INTERNAL_H */
