/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/latest.h — the `latest` kind: the newest value of one element type,
 * stored whole by one writer at a time and loaded whole, never torn, by any
 * number of readers (the pose / configuration / heartbeat pattern).
 *
 * The value is double-buffered: a store writes the buffer readers are not
 * directed to, then publishes it by bumping the update counter, so a reader
 * never waits for a writer, and a writer stopped (or killed) in the middle of
 * a store leaves the previous value readable.  Readers copy with relaxed
 * 8-byte atomic loads validated by the buffer's sequence word, so concurrent
 * loads and stores are free of C11 data races (ThreadSanitizer-clean).
 * Stores from several attachments are serialised by a writer word; a store
 * that finds another writer inside its store waits a bounded time, then
 * returns SHMGEN_BUSY.  Every function may be called from any thread of any
 * process.  Depends on segment.h.
 */
#ifndef SHMGEN_LATEST_H
#define SHMGEN_LATEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Process-local handle; all fields are private (never written after bind). */
typedef struct shmgen_latest {
    void *hdr_;
    unsigned char *bufs_;  /* buffer 0's sequence word */
    uint64_t buf_bytes_;   /* bytes from one buffer to the next */
    uint32_t elem_size_;
    uint32_t table_index_;
    uint64_t self_;        /* this attachment's owner token */
    shmgen_segment_t *seg_;
    bool readonly_;
} shmgen_latest_t;

/* Binds l to the latest value `info` of seg: 0, SHMGEN_WRONG_KIND, SHMGEN_CORRUPT. */
SHMGEN_MUST_CHECK int shmgen_latest_bind(shmgen_latest_t *l, shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* Stores *value (elem_size bytes) as the newest value and wakes waiting
 * readers: 0, SHMGEN_BUSY (another attachment, or another thread of this
 * one, is inside a store and did not finish within about 20 ms: stopped, or
 * a scribbled writer word; the detail names its pid), or SHMGEN_READ_ONLY.
 * A writer killed inside a store loses that store only: the next store takes
 * its place at once. */
SHMGEN_NODISCARD int shmgen_latest_store(shmgen_latest_t *l, const void *value);

/* Copies the newest value into out: 0, or SHMGEN_EMPTY when nothing was ever
 * stored (out untouched).  *version (may be NULL) gets the update counter of
 * the value copied.  Never torn, never waits for a writer.  SHMGEN_BUSY only
 * if stores overtake the copy 256 times in a row (a value far larger than
 * the time between stores); SHMGEN_CORRUPT (detail names the structure) if
 * the words contradict each other (scribbled).  After an error out holds
 * nothing meaningful.  Works on a read-only attachment. */
SHMGEN_NODISCARD int shmgen_latest_load(const shmgen_latest_t *l, void *out, uint64_t *version);

/* The update counter: how many stores have completed (0 = never stored). */
uint64_t shmgen_latest_version(const shmgen_latest_t *l);

/* Blocks until the update counter differs from `seen` (returns 0 at once if
 * it already does) or timeout_ms passes (< 0: forever): 0 or SHMGEN_TIMEOUT.
 * Process-shared futex; a store pays one load of the waiter count (no system
 * call) when nobody waits.  A read-only attachment cannot sleep on the
 * futex (registering writes the segment): SHMGEN_READ_ONLY unless the
 * counter already differs. */
SHMGEN_NODISCARD int shmgen_latest_wait(const shmgen_latest_t *l, uint64_t seen, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_LATEST_H */
