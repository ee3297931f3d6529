/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/queue.h — the `queue` kind: a bounded lock-free FIFO for many
 * producers and many consumers across processes, with bulk forms and timed
 * blocking waits.
 *
 * Every function may be called concurrently from any thread of any attached
 * process.  Elements are copied in and out (elem_size bytes each).
 *
 * Stalls: a process stopped at any instruction (SIGSTOP, a debugger, a long
 * preemption) never stops the others.  A consumer waits at most ~50 µs for a
 * producer that claimed a position and has not published it, then passes it;
 * that producer, when it resumes, finds it was passed and enqueues its element
 * again at a new position (its call has not returned meanwhile).  A producer
 * that finds its slot still held a lap later (by a stopped producer or
 * consumer) waits at most ~50 µs once, then skips that position; each stalled
 * party costs one slot of capacity until it resumes or dies.
 *
 * Order: each producer's elements are dequeued in the order it enqueued them
 * (per-producer FIFO), and elements leave in the order of the positions they
 * were published at; a producer passed while stopped gets a position after
 * every element enqueued meanwhile.
 *
 * Crashes: a process killed mid-operation loses at most the element it was
 * moving (a killed bulk call its run in flight), never duplicates one;
 * survivors and shmgen_segment_recover() repair its slot, and the capacity
 * comes back (see docs/crash-recovery.md).
 * Depends on segment.h.
 */
#ifndef SHMGEN_QUEUE_H
#define SHMGEN_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Process-local handle; all fields are private.  Bind once, then share it
 * between the threads of this process (never written after bind). */
typedef struct shmgen_queue {
    void *hdr_;
    unsigned char *slots_;
    unsigned char *marks_;
    uint64_t capacity_;
    uint64_t slot_bytes_;
    uint64_t idx_mask_;
    uint32_t idx_bits_;
    uint32_t elem_size_;
    uint32_t table_index_;
    bool readonly_;
    shmgen_segment_t *seg_;
} shmgen_queue_t;

/* Binds q to the queue `info` of seg (from shmgen_segment_find/resolve).
 * 0, SHMGEN_WRONG_KIND, SHMGEN_CORRUPT.  The capacity is read from the segment. */
SHMGEN_MUST_CHECK int shmgen_queue_bind(shmgen_queue_t *q, shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* Copies elem in at the back: 0, SHMGEN_FULL, SHMGEN_READ_ONLY.  May wait
 * up to ~50 µs (per stalled party it meets) before passing a stalled one. */
SHMGEN_NODISCARD int shmgen_queue_enqueue(shmgen_queue_t *q, const void *elem);
/* Copies the front element to out and removes it: 0, SHMGEN_EMPTY, SHMGEN_READ_ONLY.
 * EMPTY only when every claimed position was dequeued or passed; a position
 * claimed and not yet published is waited for up to ~50 µs, then passed. */
SHMGEN_NODISCARD int shmgen_queue_dequeue(shmgen_queue_t *q, void *out);
/* Enqueues up to n elements as one contiguous run (in order, not interleaved
 * with other producers' elements); returns how many went in (fewer than n
 * when full, or when the run was passed while this process was stopped: the
 * elements after the passed one are not enqueued). */
SHMGEN_NODISCARD size_t shmgen_queue_enqueue_bulk(shmgen_queue_t *q, const void *elems, size_t n);
/* Dequeues up to max elements (a contiguous run) into out; returns how many. */
SHMGEN_NODISCARD size_t shmgen_queue_dequeue_bulk(shmgen_queue_t *q, void *out, size_t max);

/* Positions claimed by producers and not yet by consumers (a snapshot,
 * 0..capacity): the elements in the queue, plus positions being written and
 * positions skipped past a stalled process that no consumer reached yet. */
uint64_t shmgen_queue_size(const shmgen_queue_t *q);
/* The exact capacity stored in the segment. */
uint64_t shmgen_queue_capacity(const shmgen_queue_t *q);

/* Block until an element may be there / a slot may be free, or timeout_ms
 * passes (< 0: forever): 0 or SHMGEN_TIMEOUT.  Another thread may take the
 * element first: a 0 is a hint, retry the operation. */
SHMGEN_NODISCARD int shmgen_queue_wait_data(shmgen_queue_t *q, int timeout_ms);
SHMGEN_NODISCARD int shmgen_queue_wait_space(shmgen_queue_t *q, int timeout_ms);
/* enqueue / dequeue blocking up to timeout_ms: 0, SHMGEN_TIMEOUT, or an error. */
SHMGEN_NODISCARD int shmgen_queue_enqueue_wait(shmgen_queue_t *q, const void *elem, int timeout_ms);
SHMGEN_NODISCARD int shmgen_queue_dequeue_wait(shmgen_queue_t *q, void *out, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_QUEUE_H */
