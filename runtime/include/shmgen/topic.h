/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/topic.h — the `topic` kind: one publisher, many subscribers, each
 * with its own named cursor stored in the segment (publish/subscribe).
 *
 * A topic holds the newest `capacity` samples in slots.  One attachment at a
 * time publishes (a second live one gets SHMGEN_BUSY; a dead or departed one
 * is taken over after repair, as for a ring side).  Up to `subscribers`
 * subscribers read it, each through a named cursor in the segment: `inspect`
 * shows each by name with its pid, position, lag and losses, and a subscriber
 * that restarts under the same name resumes where it stopped.  A subscriber
 * that joins late starts with up to `history` of the newest samples.
 *
 * Policies, fixed per topic in the schema:
 * - SHMGEN_TOPIC_LAP: the publisher never waits.  A subscriber that falls more
 *   than `capacity` behind is told how many samples it lost (a per-subscriber
 *   counter) and continues from the oldest intact one; it never reads a torn
 *   sample (every read is validated by the slot's sequence word).
 * - SHMGEN_TOPIC_BLOCK: the publisher waits (shmgen_topic_loan_wait,
 *   shmgen_topic_publish_wait) or gets SHMGEN_FULL while the slowest *live*
 *   subscriber is `capacity` behind.  A subscriber killed by SIGKILL is
 *   detached by recovery and never blocks the publisher; with a deadline
 *   (`deadline_ms` in the schema) a live subscriber that keeps the publisher
 *   waiting that long is evicted (counted; its next read returns
 *   SHMGEN_EVICTED).
 *
 * Zero copy on both sides: loan a slot, fill it, publish; read a `const`
 * pointer into a slot, then release it.  Copy forms: publish_copy, take.
 * Under lap the bytes behind a read pointer may be rewritten while they are
 * read (release then returns 1); by C11's rules that is a data race, so code
 * that must stay ThreadSanitizer-clean under lap uses take, whose copy is
 * made of atomic words and validated.  Under block without a deadline no
 * slot is ever rewritten while a subscriber may read it.
 * Subscribers wait for data on a process-shared futex; the publisher makes no
 * system call when nobody waits.  Crash safety: a publisher killed between
 * loan and publish, or a subscriber killed holding a read, loses at most the
 * sample in flight; never a duplicate, never a torn sample; survivors repair.
 * A sample a subscriber read but did not release (or took, but was killed
 * before the take advanced its cursor) was not consumed: the next holder of
 * its name gets it again, which is not a duplicate.  Under block a dead
 * subscriber is detached (so the publisher never waits for it): samples
 * published until its name is taken again are counted in its losses.
 * A topic handle may be shared by the threads of a process (the publisher
 * side belongs to the attachment: its threads must serialise their publisher
 * calls); a subscriber handle is used by one thread at a time.
 * Depends on segment.h.
 */
#ifndef SHMGEN_TOPIC_H
#define SHMGEN_TOPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Process-local handle; all fields are private (never written after bind). */
typedef struct shmgen_topic {
    void *hdr_;
    unsigned char *cursors_; /* subscriber record 0 */
    unsigned char *slots_;   /* slot 0's sequence word */
    uint64_t capacity_;
    uint64_t slot_bytes_;
    uint32_t elem_size_;
    uint32_t subscribers_;
    uint32_t history_;
    uint32_t policy_;
    uint32_t deadline_ms_;
    uint32_t table_index_;
    uint64_t self_;          /* this attachment's owner token */
    shmgen_segment_t *seg_;
    bool readonly_;
} shmgen_topic_t;

/* A subscription: one named cursor, used by one thread at a time.  Fields private. */
typedef struct shmgen_topic_sub {
    shmgen_topic_t topic_;
    uint32_t index_;         /* which subscriber record */
    uint64_t token_;         /* the record's holder word this subscription set */
} shmgen_topic_sub_t;

/* Binds t to the topic `info` of seg: 0, SHMGEN_WRONG_KIND, SHMGEN_CORRUPT. */
SHMGEN_MUST_CHECK int shmgen_topic_bind(shmgen_topic_t *t, shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* ---- publisher ---- */

/* The slot the next sample goes into, for the caller to fill (elem_size
 * bytes) before shmgen_topic_publish.  0 with *slot set; SHMGEN_FULL (block:
 * the slowest live subscriber is capacity behind); SHMGEN_BUSY (another live
 * attachment publishes; the detail names its pid); SHMGEN_READ_ONLY;
 * SHMGEN_TIMEOUT (taking over a dead publisher's side found the recovery
 * lock held past the open's timeout).  A second loan before publish returns
 * the same slot.  The first publisher operation of an attachment takes the
 * publisher side; a dead or departed publisher's side is repaired first.
 * Under block, a loan that finds the topic full looks for dead subscribers
 * holding it back (recovery detaches them) and, with a deadline, evicts the
 * live ones that kept it blocked at this position that long. */
SHMGEN_NODISCARD int shmgen_topic_loan(shmgen_topic_t *t, void **slot);
/* loan that waits up to timeout_ms (< 0: forever) while full: 0,
 * SHMGEN_TIMEOUT, or another error of loan. */
SHMGEN_NODISCARD int shmgen_topic_loan_wait(shmgen_topic_t *t, void **slot, int timeout_ms);
/* Publishes the loaned slot and wakes waiting subscribers: 0,
 * SHMGEN_INVALID_ARGUMENT without a loan of this attachment, or
 * SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_topic_publish(shmgen_topic_t *t);
/* loan + copy of *sample + publish: 0 or an error of loan. */
SHMGEN_NODISCARD int shmgen_topic_publish_copy(shmgen_topic_t *t, const void *sample);
/* publish_copy that waits up to timeout_ms while full (block policy). */
SHMGEN_NODISCARD int shmgen_topic_publish_wait(shmgen_topic_t *t, const void *sample, int timeout_ms);
/* Hands the publisher side over (0), so another live attachment may
 * publish (a loan not yet published is dropped: its position is written by
 * the next publisher); SHMGEN_INVALID_ARGUMENT when this attachment does not
 * hold it; SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_topic_release_publisher(shmgen_topic_t *t);
/* Samples published since creation (the next position). */
uint64_t shmgen_topic_published(const shmgen_topic_t *t);

/* ---- subscribers ---- */

/* Subscribes as `name` (1..SHMGEN_TOPIC_NAME_MAX bytes): takes over the
 * record of that name if its holder is gone (resuming at its cursor; what
 * was overwritten meanwhile is counted lost), or if this attachment holds
 * it and was evicted (restarting at the newest `history` samples, the
 * skipped ones counted lost); else a free record, or failing that one whose
 * holder is gone (its name is forgotten), starting with up to `history` of
 * the newest samples.  0; SHMGEN_BUSY (a live attachment holds that name,
 * this one included; or another (un)subscribe stayed in progress for 100 ms:
 * a stopped process); SHMGEN_FULL (every record is held by a live
 * attachment); SHMGEN_INVALID_ARGUMENT (bad name); SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_topic_subscribe(shmgen_topic_t *t, const char *name, shmgen_topic_sub_t *sub);
/* Gives the record up (its name and cursor are forgotten): 0,
 * SHMGEN_INVALID_ARGUMENT when sub no longer holds it, or SHMGEN_BUSY (as
 * for subscribe). */
SHMGEN_NODISCARD int shmgen_topic_unsubscribe(shmgen_topic_sub_t *sub);

/* Zero copy: *sample points at the oldest unread sample, which stays the
 * subscriber's until shmgen_topic_release.  0; SHMGEN_EMPTY (nothing new);
 * SHMGEN_EVICTED (block: this subscriber was evicted; subscribe again);
 * SHMGEN_INVALID_ARGUMENT (a read is already held, or sub does not hold its
 * record: never subscribed, or unsubscribed); SHMGEN_BUSY (the publisher
 * lapped this subscriber 64 times while it looked for one sample: a tiny
 * capacity).  Samples overwritten before they were read are skipped and
 * added to shmgen_topic_lost. */
SHMGEN_NODISCARD int shmgen_topic_read(shmgen_topic_sub_t *sub, const void **sample);
/* Ends the read and advances the cursor: 0 when the sample stayed intact;
 * 1 when the publisher overwrote it while it was read (lap, or block after
 * an eviction: discard what was read; it counts as lost);
 * SHMGEN_INVALID_ARGUMENT without a read.  An evicted subscriber may still
 * end its read. */
SHMGEN_NODISCARD int shmgen_topic_release(shmgen_topic_sub_t *sub);
/* Copy form: the oldest unread intact sample into out (a copy the publisher
 * overwrote meanwhile is counted lost and the next one taken): 0,
 * SHMGEN_EMPTY, SHMGEN_EVICTED, SHMGEN_INVALID_ARGUMENT and SHMGEN_BUSY as
 * for read. */
SHMGEN_NODISCARD int shmgen_topic_take(shmgen_topic_sub_t *sub, void *out);
/* take that waits up to timeout_ms (< 0: forever) while empty: 0,
 * SHMGEN_TIMEOUT, or another error of take. */
SHMGEN_NODISCARD int shmgen_topic_take_wait(shmgen_topic_sub_t *sub, void *out, int timeout_ms);
/* Blocks until a sample is unread (or this subscriber was evicted, which its
 * next read reports), or timeout_ms passes (< 0: forever): 0,
 * SHMGEN_TIMEOUT, or SHMGEN_INVALID_ARGUMENT (sub does not hold its record). */
SHMGEN_NODISCARD int shmgen_topic_wait(shmgen_topic_sub_t *sub, int timeout_ms);

/* The subscriber's position (the next position it reads: samples consumed
 * or lost since creation, plus where its name started), lag (published -
 * position) and total losses (samples skipped without being read: lapped,
 * overwritten while read, or published while its name was detached or
 * evicted; 0 for a block subscriber that stays alive and is never evicted). */
uint64_t shmgen_topic_position(const shmgen_topic_sub_t *sub);
uint64_t shmgen_topic_lag(const shmgen_topic_sub_t *sub);
uint64_t shmgen_topic_lost(const shmgen_topic_sub_t *sub);

/* ---- for tools ---- */

typedef struct shmgen_topic_sub_info {
    char name[SHMGEN_TOPIC_NAME_MAX + 1];
    pid_t pid;        /* of the holder; 0 when the record is held by nobody */
    bool alive;       /* holder attached */
    bool evicted;
    uint64_t position;
    uint64_t lag;
    uint64_t lost;
} shmgen_topic_sub_info_t;

/* Subscriber record i (0..subscribers-1): 0 with *out filled; SHMGEN_EMPTY
 * for a free record; SHMGEN_OUT_OF_BOUNDS past the last.  Read-only: works
 * on a read-only attachment. */
SHMGEN_NODISCARD int shmgen_topic_subscriber_at(const shmgen_topic_t *t, uint32_t i, shmgen_topic_sub_info_t *out);
/* Records (the schema's `subscribers`), capacity, policy, history. */
uint32_t shmgen_topic_max_subscribers(const shmgen_topic_t *t);
uint64_t shmgen_topic_capacity(const shmgen_topic_t *t);
/* Subscribers evicted since creation (block with a deadline). */
uint64_t shmgen_topic_evictions(const shmgen_topic_t *t);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_TOPIC_H */
