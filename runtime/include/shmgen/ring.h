/*
 * shmgen/ring.h — the `ring` kind: a bounded single-producer single-consumer
 * stream with overwrite-on-full, non-consuming snapshots (last_n) for any
 * number of readers, and timed blocking waits.
 *
 * At most one producer and one consumer operate at a time (any thread of any
 * process; a new producer or consumer may take over after the previous one
 * stopped or died: the side state lives in the segment).  last_n, size,
 * capacity and dropped may be called by anyone, concurrently with both sides.
 * Depends on segment.h.
 */
#ifndef SHMGEN_RING_H
#define SHMGEN_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    uint32_t self_;
    shmgen_segment_t *seg_;
    bool readonly_;
} shmgen_ring_t;

/* Binds r to the ring `info` (from shmgen_segment_find/resolve) of seg.
 * Returns 0, SHMGEN_WRONG_KIND, or SHMGEN_CORRUPT if the ring's own header
 * disagrees with the table.  The capacity is read from the segment. */
SHMGEN_MUST_CHECK int shmgen_ring_bind(shmgen_ring_t *r, shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* Producer: copies elem (elem_size bytes) in.  0, SHMGEN_FULL, or SHMGEN_READ_ONLY. */
int shmgen_ring_push(shmgen_ring_t *r, const void *elem);
/* Consumer: copies the oldest element to out and removes it.  0, SHMGEN_EMPTY, SHMGEN_READ_ONLY. */
int shmgen_ring_pop(shmgen_ring_t *r, void *out);
/* Producer: pushes up to n consecutive elements; returns how many went in (in order). */
size_t shmgen_ring_push_bulk(shmgen_ring_t *r, const void *elems, size_t n);
/* Consumer: pops up to max elements into out (oldest first); returns how many. */
size_t shmgen_ring_pop_bulk(shmgen_ring_t *r, void *out, size_t max);
/* Producer: pushes elem; when full, drops the oldest unconsumed element first
 * (counted in shmgen_ring_dropped).  Returns 0, 1 when an element was dropped,
 * or a negative error.  Safe against a concurrent pop (the race is settled on
 * the consumer's claim word; the consumer never gets a half-overwritten element).
 * The first overwrite that finds the ring full switches the ring for good to
 * pops that claim with a CAS (a locked instruction per pop); rings that never
 * overwrite a full ring keep CAS-free pops. */
int shmgen_ring_push_overwrite(shmgen_ring_t *r, const void *elem);
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

/* Block until an element may be poppable / a slot may be free, or timeout_ms
 * passes (< 0: forever).  0 or SHMGEN_TIMEOUT.  Process-shared futex. */
int shmgen_ring_wait_data(shmgen_ring_t *r, int timeout_ms);
int shmgen_ring_wait_space(shmgen_ring_t *r, int timeout_ms);
/* push / pop that block up to timeout_ms while full / empty: 0, SHMGEN_TIMEOUT, or an error. */
int shmgen_ring_push_wait(shmgen_ring_t *r, const void *elem, int timeout_ms);
int shmgen_ring_pop_wait(shmgen_ring_t *r, void *out, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_RING_H */
