/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/ring.h — the `ring` kind: a bounded single-producer single-consumer
 * stream with overwrite-on-full, non-consuming snapshots (last_n) for any
 * number of readers, and timed blocking waits.
 *
 * Each side (producer, consumer) belongs to one attachment at a time: the
 * first operation of a side takes it, and an operation from a second *live*
 * attachment is refused with SHMGEN_BUSY (the detail names the owner's pid)
 * instead of silently sharing the side.  A side whose owner died (or closed
 * its segment) is repaired and taken over by the next operation; a live owner
 * hands it over explicitly with shmgen_ring_release_producer/_consumer.
 * Threads of the owning process may share a side only if they serialise
 * their calls themselves.  last_n, size, capacity, dropped, pushed and popped
 * may be called by anyone, concurrently with both sides.
 * Depends on segment.h.
 */
#ifndef SHMGEN_RING_H
#define SHMGEN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Process-local handle; all fields are private.  Bind once, then share it
 * between the threads of this process (it is never written after bind). */
typedef struct shmgen_ring {
    void *hdr_;
    unsigned char *seqs_;  /* slot 0's sequence word */
    unsigned char *elems_; /* slot 0's element */
    uint64_t capacity_;
    uint64_t seq_stride_;  /* bytes from one sequence word to the next */
    uint64_t elem_stride_; /* bytes from one element to the next */
    uint32_t elem_size_;
    uint32_t table_index_;
    uint64_t self_;        /* this attachment's owner token */
    shmgen_segment_t *seg_;
    bool readonly_;
} shmgen_ring_t;

/* Binds r to the ring `info` (from shmgen_segment_find/resolve) of seg.
 * Returns 0, SHMGEN_WRONG_KIND, or SHMGEN_CORRUPT if the ring's own header
 * disagrees with the table.  The capacity is read from the segment. */
SHMGEN_MUST_CHECK int shmgen_ring_bind(shmgen_ring_t *r, shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* Producer: copies elem (elem_size bytes) in.  0, SHMGEN_FULL, SHMGEN_READ_ONLY,
 * or SHMGEN_BUSY (another live attachment owns the producer side).  Every
 * producer and consumer operation can also return SHMGEN_BUSY that way, and
 * SHMGEN_TIMEOUT when taking over a dead owner's side found the recovery lock
 * held past the open's timeout. */
SHMGEN_NODISCARD int shmgen_ring_push(shmgen_ring_t *r, const void *elem);
/* Consumer: copies the oldest element to out and removes it.  0, SHMGEN_EMPTY, SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_ring_pop(shmgen_ring_t *r, void *out);
/* Producer: pushes up to n consecutive elements; returns how many went in (in order). */
SHMGEN_NODISCARD size_t shmgen_ring_push_bulk(shmgen_ring_t *r, const void *elems, size_t n);
/* Consumer: pops up to max elements into out (oldest first); returns how many. */
SHMGEN_NODISCARD size_t shmgen_ring_pop_bulk(shmgen_ring_t *r, void *out, size_t max);
/* Producer: pushes elem; when full, drops the oldest unconsumed element first
 * (counted in shmgen_ring_dropped).  Returns 0, 1 when an element was dropped,
 * or a negative error.  Safe against a concurrent pop (the race is settled on
 * the consumer's claim word; the consumer never gets a half-overwritten element).
 * When the consumer is stopped inside a pop of the oldest element (or holds
 * it with peek), waits at most about 20 ms for it, then returns SHMGEN_BUSY
 * (nothing pushed); SHMGEN_CORRUPT when the ring's words contradict each other.
 * The first overwrite that finds the ring full switches the ring for good to
 * pops that claim with a CAS (a locked instruction per pop); rings that never
 * overwrite a full ring keep CAS-free pops. */
SHMGEN_NODISCARD int shmgen_ring_push_overwrite(shmgen_ring_t *r, const void *elem);
/* Any process/thread: copies up to n of the newest pushed elements that are
 * still stored (consumed ones included until overwritten), oldest first, into
 * out, without consuming.  Never returns a torn element.  Returns the count. */
size_t shmgen_ring_last_n(const shmgen_ring_t *r, void *out, size_t n);

/* Elements pushed and not yet popped (a snapshot). */
uint64_t shmgen_ring_size(const shmgen_ring_t *r);
/* The exact capacity stored in the segment. */
uint64_t shmgen_ring_capacity(const shmgen_ring_t *r);
/* Elements dropped by shmgen_ring_push_overwrite since creation. */
uint64_t shmgen_ring_dropped(const shmgen_ring_t *r);
/* The stream position: elements published since creation (pushed), and
 * positions consumed or dropped (popped); pushed - popped is the size. */
uint64_t shmgen_ring_pushed(const shmgen_ring_t *r);
uint64_t shmgen_ring_popped(const shmgen_ring_t *r);

/* For tools: the pids recorded as owners of the producer and the consumer
 * side (0: none), from the owner tokens in the ring's header.  A recorded
 * owner may have died since (the next take-over repairs its side), and the
 * words may have been scribbled on: check a pid before trusting it.  Any
 * process, read-only handles included; only reads.  Either pointer may be
 * NULL. */
void shmgen_ring_owners(const shmgen_ring_t *r, pid_t *producer, pid_t *consumer);

/* Producer, zero-copy: the slot the next push would fill, for the caller to
 * write elem_size bytes into, or NULL when full (or the side is not ours,
 * or read-only).  Nothing is visible to the consumer until
 * shmgen_ring_commit; a second reserve before commit returns the same slot.
 * last_n readers never return a reserved slot's bytes torn (the seqlock
 * covers it), but the caller's plain writes race with their reads in C11
 * terms: do not mix reserve with concurrent last_n under ThreadSanitizer. */
SHMGEN_NODISCARD void *shmgen_ring_reserve(shmgen_ring_t *r);
/* Publishes the reserved slot: 0, or SHMGEN_INVALID_ARGUMENT without a reserve. */
SHMGEN_NODISCARD int shmgen_ring_commit(shmgen_ring_t *r);
/* Consumer, zero-copy: the oldest element, claimed for the caller until
 * shmgen_ring_release (the producer cannot reuse or overwrite it meanwhile),
 * or NULL when empty (or a peek is already held, or the side is not ours).
 * A consumer killed while holding it loses it (recovery frees the slot). */
SHMGEN_NODISCARD const void *shmgen_ring_peek(shmgen_ring_t *r);
/* Frees the peeked element: 0, or SHMGEN_INVALID_ARGUMENT without a peek. */
SHMGEN_NODISCARD int shmgen_ring_release(shmgen_ring_t *r);

/* Hands a side over: the owning attachment gives up the producer / consumer
 * side (0), so that another live attachment may take it with its next
 * operation; SHMGEN_INVALID_ARGUMENT when this attachment does not own it. */
SHMGEN_NODISCARD int shmgen_ring_release_producer(shmgen_ring_t *r);
SHMGEN_NODISCARD int shmgen_ring_release_consumer(shmgen_ring_t *r);

/* Block until an element may be poppable / a slot may be free, or timeout_ms
 * passes (< 0: forever).  0 or SHMGEN_TIMEOUT.  Process-shared futex. */
SHMGEN_NODISCARD int shmgen_ring_wait_data(shmgen_ring_t *r, int timeout_ms);
SHMGEN_NODISCARD int shmgen_ring_wait_space(shmgen_ring_t *r, int timeout_ms);
/* push / pop that block up to timeout_ms (in all, across retries) while full
 * / empty: 0, SHMGEN_TIMEOUT, or an error of push / pop. */
SHMGEN_NODISCARD int shmgen_ring_push_wait(shmgen_ring_t *r, const void *elem, int timeout_ms);
SHMGEN_NODISCARD int shmgen_ring_pop_wait(shmgen_ring_t *r, void *out, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_RING_H */
