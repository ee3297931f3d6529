/*
 * SPDX-License-Identifier: MIT
 *
 * topic_sub.c — a topic's subscriber path: take, read + release, the waits
 * and the per-subscriber counters (see shmgen/topic.h; the slot protocol is
 * in topic_priv.h, subscribing in topic_own.c).
 *
 * A subscriber at position p touches its own record, p's slot and, only when
 * lapped, `head`.  The slot's word says everything: PUBLISHED(p) — read it;
 * lower — nothing new; higher — p was overwritten (lap; under block only
 * after this subscriber was evicted or detached), so it continues from the
 * oldest position the publisher may not have overwritten yet and counts the
 * skipped ones as lost.  Every copy is validated like a seqlock read: copy,
 * acquire fence, re-check the word; a zero-copy read is validated the same
 * way at release.  The cursor only moves forward, by this subscriber alone,
 * with a release store: a block publisher acquires it before rewriting the
 * slots below it.
 * Depends on topic_priv.h, words.h, testhook.h, internal.h.
 */
#include <string.h>

#include "testhook.h"
#include "topic_priv.h"
#include "words.h"

/* Laps in a row before an operation gives up with SHMGEN_BUSY: each lap
 * means the publisher rewrote the whole ring while we located one sample,
 * which only a scribbled `head` or an absurdly small capacity can keep up. */
#define TOPIC_SKIP_TRIES 64u

#define slot_seq shmgen__topic_seq
#define slot_elem shmgen__topic_elem

static inline shmgen__topic_rec_t *rec_of(const shmgen_topic_sub_t *s)
{
    return shmgen__topic_rec(&s->topic_, s->index_);
}

/* The check every subscriber operation starts with: the record is still
 * this subscription's.  0, SHMGEN_EVICTED, or SHMGEN_INVALID_ARGUMENT (a
 * handle never filled by subscribe, or whose record was given up). */
static inline int sub_enter(const shmgen_topic_sub_t *s, shmgen__topic_rec_t **r)
{
    uint64_t hd;
    if (s->token_ == 0 || s->index_ >= s->topic_.subscribers_) return SHMGEN_INVALID_ARGUMENT;
    *r = rec_of(s);
    /* Relaxed: our own record's holder.  An eviction that this load misses
     * is caught by the slot check: the publisher rewrites our slot only after. */
    hd = shmgen__load(&(*r)->holder, memory_order_relaxed);
    if (hd == s->token_) return 0;
    return hd == (s->token_ | SHMGEN__TOPIC_EVICTED) ? SHMGEN_EVICTED : SHMGEN_INVALID_ARGUMENT;
}

/* Wrapped index of the cursor p, cached beside it (a division saved per
 * read); recomputed if a scribbled word points outside. */
static inline uint64_t cursor_idx(const shmgen_topic_t *t, shmgen__topic_rec_t *r, uint64_t p)
{
    /* Relaxed: written by this subscriber only. */
    uint64_t idx = shmgen__load(&r->idx, memory_order_relaxed);
    return idx < t->capacity_ ? idx : p % t->capacity_;
}

static inline void add_lost(shmgen__topic_rec_t *r, uint64_t n)
{
    /* Relaxed: this subscriber's own counter; readers tolerate a stale value. */
    shmgen__store(&r->lost, shmgen__load(&r->lost, memory_order_relaxed) + n, memory_order_relaxed);
}

/* Moves the cursor to p (slot idx). */
static inline void advance(const shmgen_topic_t *t, shmgen__topic_rec_t *r, uint64_t p, uint64_t idx)
{
    /* Release: our reads of the slots below p precede a block publisher's
     * rewriting them (it acquires the cursor). */
    shmgen__store(&r->cursor, p, memory_order_release);
    /* Relaxed: read back by this subscriber only. */
    shmgen__store(&r->idx, idx, memory_order_relaxed);
    if (t->policy_ == SHMGEN_TOPIC_BLOCK) shmgen__waitq_notify(&TOPIC_HDR(t)->space);
}

/* Position p was overwritten before we read it: continue from the oldest
 * position the publisher may not have overwritten yet (at least p + 1),
 * counting the skipped ones as lost. */
static void skip_lapped(const shmgen_topic_t *t, shmgen__topic_rec_t *r, uint64_t p)
{
    /* Acquire: positions below head are published. */
    uint64_t h = shmgen__load(&TOPIC_HDR(t)->head, memory_order_acquire);
    uint64_t q = h > t->capacity_ ? h - t->capacity_ : 0;
    if (q <= p) q = p + 1;
    add_lost(r, q - p);
    advance(t, r, q, q % t->capacity_);
}

/* The sample at the cursor: 0 with *p and *idx (its slot reads
 * PUBLISHED(*p), acquired), SHMGEN_EMPTY, or SHMGEN_BUSY (lapped again and
 * again). */
static int locate(const shmgen_topic_t *t, shmgen__topic_rec_t *r, uint64_t *p, uint64_t *idx)
{
    for (unsigned tries = 0; tries < TOPIC_SKIP_TRIES; tries++) {
        /* Relaxed: our own cursor. */
        uint64_t pos = shmgen__load(&r->cursor, memory_order_relaxed), i = cursor_idx(t, r, pos);
        /* Acquire: pairs with the publishing release; the sample is visible. */
        uint64_t s = shmgen__load(slot_seq(t, i), memory_order_acquire);
        if (s == TOPIC_PUBLISHED(pos)) {
            *p = pos;
            *idx = i;
            return 0;
        }
        if (s < TOPIC_PUBLISHED(pos)) return SHMGEN_EMPTY;
        skip_lapped(t, r, pos);
    }
    return shmgen__topic_error(t, SHMGEN_BUSY, "the publisher kept lapping the subscriber");
}

/* Whether position p is still in the slot whose word is seq after we read it. */
static inline bool still_there(shmgen__atomic_u64 *seq, uint64_t p)
{
    /* Acquire fence: if anything we read came from a later write of the
     * slot, the load below sees that write's WRITING word (or later). */
    shmgen__fence(memory_order_acquire);
    /* Relaxed: ordered by the fence. */
    return shmgen__load(seq, memory_order_relaxed) == TOPIC_PUBLISHED(p);
}

static inline int no_read_held(shmgen__topic_rec_t *r)
{
    /* Relaxed: our own word. */
    return shmgen__load(&r->reading, memory_order_relaxed) == 0 ? 0 : SHMGEN_INVALID_ARGUMENT;
}

/* Copies one sample out: relaxed words where the publisher may rewrite the
 * slot meanwhile (shmgen__topic_racy), else a plain copy; 8 bytes inline. */
static inline void copy_out(const shmgen_topic_t *t, void *out, const unsigned char *src)
{
    if (shmgen__topic_racy(t)) shmgen__load_words(out, src, t->elem_size_);
    else if (t->elem_size_ == 8) memcpy(out, src, 8);
    else memcpy(out, src, t->elem_size_);
}

/* take's loop once its first try did not end it: locate (skipping laps),
 * copy, validate; a copy overwritten meanwhile is lost and the next one
 * tried. */
static int take_slow(const shmgen_topic_t *t, shmgen__topic_rec_t *r, void *out)
{
    uint64_t p, idx;
    int rc;
    for (unsigned tries = 0; tries < TOPIC_SKIP_TRIES; tries++) {
        bool intact;
        if ((rc = locate(t, r, &p, &idx)) != 0) return rc;
        copy_out(t, out, slot_elem(t, idx));
        SHMGEN__HOOK(SHMGEN__HP_TOPIC_COPIED, p);
        intact = still_there(slot_seq(t, idx), p);
        if (!intact) add_lost(r, 1);
        advance(t, r, p + 1, shmgen__topic_next(t, idx));
        if (intact) return 0;
    }
    return shmgen__topic_error(t, SHMGEN_BUSY, "the publisher kept overwriting samples while they were copied");
}

int shmgen_topic_take(shmgen_topic_sub_t *sub, void *out)
{
    const shmgen_topic_t *t = &sub->topic_;
    shmgen__topic_rec_t *r;
    unsigned char *slot;
    uint64_t p, idx;
    int rc;
    if (!out) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = sub_enter(sub, &r)) != 0 || (rc = no_read_held(r)) != 0) return rc;
    /* Relaxed: our own cursor. */
    p = shmgen__load(&r->cursor, memory_order_relaxed);
    idx = cursor_idx(t, r, p);
    slot = t->slots_ + idx * t->slot_bytes_;
    /* Acquire: as in locate.  The common case inline: the sample is there
     * and stays intact while copied. */
    if (__builtin_expect(shmgen__load((shmgen__atomic_u64 *)(void *)slot, memory_order_acquire) != TOPIC_PUBLISHED(p), 0))
        return take_slow(t, r, out);
    copy_out(t, out, slot + 8);
    SHMGEN__HOOK(SHMGEN__HP_TOPIC_COPIED, p);
    if (__builtin_expect(!still_there((shmgen__atomic_u64 *)(void *)slot, p), 0)) {
        add_lost(r, 1);
        advance(t, r, p + 1, shmgen__topic_next(t, idx));
        return take_slow(t, r, out);
    }
    advance(t, r, p + 1, shmgen__topic_next(t, idx));
    return 0;
}

int shmgen_topic_read(shmgen_topic_sub_t *sub, const void **sample)
{
    const shmgen_topic_t *t = &sub->topic_;
    shmgen__topic_rec_t *r;
    uint64_t p, idx;
    int rc;
    if (!sample) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = sub_enter(sub, &r)) != 0 || (rc = no_read_held(r)) != 0 || (rc = locate(t, r, &p, &idx)) != 0)
        return rc;
    /* Relaxed: our own word; a recovery after our death finds the cursor
     * still at p (the sample was not consumed). */
    shmgen__store(&r->reading, p + 1, memory_order_relaxed);
    SHMGEN__HOOK(SHMGEN__HP_TOPIC_READ, p);
    *sample = slot_elem(t, idx);
    return 0;
}

int shmgen_topic_release(shmgen_topic_sub_t *sub)
{
    const shmgen_topic_t *t = &sub->topic_;
    shmgen__topic_rec_t *r;
    uint64_t q, p, idx;
    bool intact;
    int rc = sub_enter(sub, &r);
    /* An evicted subscriber still ends its read. */
    if (rc != 0 && rc != SHMGEN_EVICTED) return rc;
    /* Relaxed: our own words. */
    if ((q = shmgen__load(&r->reading, memory_order_relaxed)) == 0) return SHMGEN_INVALID_ARGUMENT;
    p = q - 1;
    idx = shmgen__load(&r->cursor, memory_order_relaxed) == p ? cursor_idx(t, r, p) : p % t->capacity_;
    intact = still_there(slot_seq(t, idx), p);
    shmgen__store(&r->reading, 0, memory_order_relaxed);
    if (!intact) add_lost(r, 1);
    advance(t, r, p + 1, shmgen__topic_next(t, idx));
    return intact ? 0 : 1;
}

/* ---- waits --------------------------------------------------------------- */

static bool sub_ready(void *ctx)
{
    const shmgen_topic_sub_t *s = (const shmgen_topic_sub_t *)ctx;
    shmgen__topic_rec_t *r = rec_of(s);
    uint64_t p, idx;
    /* Relaxed: as in sub_enter; evicted (or no longer ours): the next call says so. */
    if (shmgen__load(&r->holder, memory_order_relaxed) != s->token_) return true;
    /* Relaxed: our own cursor. */
    p = shmgen__load(&r->cursor, memory_order_relaxed);
    idx = cursor_idx(&s->topic_, r, p);
    /* Acquire: as in locate; published or lapped both end the wait. */
    return shmgen__load(slot_seq(&s->topic_, idx), memory_order_acquire) >= TOPIC_PUBLISHED(p);
}

int shmgen_topic_wait(shmgen_topic_sub_t *sub, int timeout_ms)
{
    shmgen__topic_rec_t *r;
    int rc = sub_enter(sub, &r);
    if (rc != 0) return rc == SHMGEN_EVICTED ? 0 : rc;
    return shmgen__waitq_wait(&TOPIC_HDR(&sub->topic_)->data, sub_ready, sub, timeout_ms);
}

typedef struct sub_call {
    shmgen_topic_sub_t *sub;
    void *out;
} sub_call_t;

static int call_take(void *c)
{
    return shmgen_topic_take(((sub_call_t *)c)->sub, ((sub_call_t *)c)->out);
}

static int call_wait(void *c, int ms)
{
    return shmgen_topic_wait(((sub_call_t *)c)->sub, ms);
}

int shmgen_topic_take_wait(shmgen_topic_sub_t *sub, void *out, int timeout_ms)
{
    sub_call_t c = {sub, out};
    return shmgen__wait_retry(call_take, SHMGEN_EMPTY, call_wait, NULL, &c, timeout_ms);
}

/* ---- counters ------------------------------------------------------------ */

uint64_t shmgen_topic_position(const shmgen_topic_sub_t *sub)
{
    if (sub->index_ >= sub->topic_.subscribers_) return 0;
    /* Acquire: a snapshot of the subscriber's progress. */
    return shmgen__load(&rec_of(sub)->cursor, memory_order_acquire);
}

uint64_t shmgen_topic_lag(const shmgen_topic_sub_t *sub)
{
    uint64_t p = shmgen_topic_position(sub), h = shmgen_topic_published(&sub->topic_);
    return h > p ? h - p : 0;
}

uint64_t shmgen_topic_lost(const shmgen_topic_sub_t *sub)
{
    if (sub->index_ >= sub->topic_.subscribers_) return 0;
    /* Relaxed: a statistic. */
    return shmgen__load(&rec_of(sub)->lost, memory_order_relaxed);
}
