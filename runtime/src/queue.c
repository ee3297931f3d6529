/*
 * SPDX-License-Identifier: MIT
 *
 * queue.c — the `queue` kind: bounded MPMC FIFO with per-slot sequence words
 * (Vyukov's design) across processes, bulk forms, timed waits and crash
 * repair (see shmgen/queue.h; the crash analysis is docs/crash-recovery.md).
 *
 * Header (256 bytes): line 0 meta; line 1 the enqueue counter (producers);
 * line 2 the dequeue counter (consumers); line 3 the two wait queues.
 * Counters hold a position packed as (lap << idx_bits) | index, so advancing
 * one needs no division and the capacity stays exact.  Slot i's seq word for
 * lap L reads 2L (free for the producer of lap L), 2L+1 (published), or
 * (2L+1) | SKIP (a dead producer's slot, consumers discard it); a consumer
 * frees it to 2(L+1).  Each operation journals the linear positions it is
 * about to claim before every claiming CAS, so a survivor can tell a slow
 * live process from a dead one.
 * Depends on kind_meta.h, journal.h, waitq.h, clock.h, arch.h, internal.h, shmgen/queue.h.
 */
#include "shmgen/queue.h"

#include <string.h>

#include "arch.h"
#include "clock.h"
#include "kind_meta.h"
#include "testhook.h"
#include "waitq.h"

#define OP_ENQ 1u
#define OP_DEQ 2u
#define SKIP ((uint64_t)1 << 63)
#define STUCK_SPINS 256u
/* Retries of one claim before it gives up for this call (full / empty):
 * contention never needs this many; scribbled words (a slot ahead of its
 * counter, a counter far ahead) would otherwise keep it going for ever. */
#define CLAIM_TRIES 4096u
#define WAIT_SLICE_MS 100

typedef struct queue_hdr {
    shmgen__cmeta_t meta;
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t)];
    shmgen__atomic_u64 enq; /* line 1: packed next position to enqueue */
    unsigned char pad1[SHMGEN_CACHE_LINE - 8];
    shmgen__atomic_u64 deq; /* line 2: packed next position to dequeue */
    unsigned char pad2[SHMGEN_CACHE_LINE - 8];
    shmgen__waitq_t data, space; /* line 3 */
    unsigned char pad3[SHMGEN_CACHE_LINE - 2 * sizeof(shmgen__waitq_t)];
} queue_hdr_t;

_Static_assert(sizeof(queue_hdr_t) == SHMGEN__KIND_HEADER, "queue header is four cache lines");

#define HDR(q) ((queue_hdr_t *)(q)->hdr_)

static inline shmgen__atomic_u64 *slot_seq(const shmgen_queue_t *q, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(q->slots_ + idx * q->slot_bytes_);
}

static inline unsigned char *slot_elem(const shmgen_queue_t *q, uint64_t idx)
{
    return q->slots_ + idx * q->slot_bytes_ + 8u;
}

/* Whether packed position w, read from a shared counter, has its index part
 * below the capacity.  Always, unless a process scribbled on the counter;
 * the operations then report full/empty instead of following it outside the
 * queue.  (Positions derived from a checked one by pos_next stay inside.) */
static inline bool pos_ok(const shmgen_queue_t *q, uint64_t w)
{
    return (w & q->idx_mask_) < q->capacity_;
}

static inline uint64_t pos_next(const shmgen_queue_t *q, uint64_t w)
{
    return (w & q->idx_mask_) + 1 == q->capacity_ ? ((w >> q->idx_bits_) + 1) << q->idx_bits_ : w + 1;
}

static inline uint64_t pos_lin(const shmgen_queue_t *q, uint64_t w)
{
    return (w >> q->idx_bits_) * q->capacity_ + (w & q->idx_mask_);
}

static inline uint64_t pos_pack(const shmgen_queue_t *q, uint64_t lin)
{
    return ((lin / q->capacity_) << q->idx_bits_) | (lin % q->capacity_);
}

/* Whether slot word s is past seq value v (v never carries SKIP).  The SKIP
 * bit is masked first: it is bit 63, so a signed difference would read every
 * skipped slot as far newer than any lap. */
static inline bool seq_after(uint64_t s, uint64_t v)
{
    return (int64_t)((s & ~SKIP) - v) > 0;
}

/* ---- crash detection ------------------------------------------------------ */

/* Spins briefly while slot idx still reads s; true if it changed. */
static bool seq_moves(const shmgen_queue_t *q, uint64_t idx, uint64_t s)
{
    for (unsigned i = 0; i < STUCK_SPINS; i++) {
        /* Relaxed: only watching for a change; the caller re-reads with acquire. */
        if (shmgen__load(slot_seq(q, idx), memory_order_relaxed) != s) return true;
        shmgen__cpu_relax();
    }
    return false;
}

/* Position w (packed) was claimed by a producer that has not published.  If
 * no live producer can be mid-enqueue on it, mark it skipped.  True if the
 * caller should retry (the slot changed or was skipped). */
static bool settle_unpublished(shmgen_queue_t *q, uint64_t w)
{
    uint64_t idx = w & q->idx_mask_, free_val = 2 * (w >> q->idx_bits_);
    if (seq_moves(q, idx, free_val)) return true;
    if (shmgen__journal_live_covers(q->seg_, q->table_index_, OP_ENQ, pos_lin(q, w), NULL)) return false;
    /* Release on success: consumers that see SKIP need nothing else; the CAS
     * fails harmlessly if the producer published after all. */
    (void)shmgen__cas(slot_seq(q, idx), &free_val, (free_val + 1) | SKIP, memory_order_acq_rel,
                      memory_order_relaxed);
    return true;
}

/* Position w's slot still holds lap-1's element s although a consumer claimed
 * it.  If no live consumer can be copying it, free it.  True to retry. */
static bool settle_unreleased(shmgen_queue_t *q, uint64_t w, uint64_t s)
{
    uint64_t idx = w & q->idx_mask_, lap = w >> q->idx_bits_;
    if (seq_moves(q, idx, s)) return true;
    if (shmgen__journal_live_covers(q->seg_, q->table_index_, OP_DEQ, pos_lin(q, w) - q->capacity_, NULL))
        return false;
    (void)shmgen__cas(slot_seq(q, idx), &s, 2 * lap, memory_order_acq_rel, memory_order_relaxed);
    return true;
}

/* Enqueue found slot w showing an older lap than w's (seq s, which is never
 * newer: a newer seq means w was taken, and callers catch up instead).  True
 * to retry, false when the queue is really full (or a live consumer is slow). */
static bool enq_blocked_retry(shmgen_queue_t *q, uint64_t w, uint64_t s)
{
    uint64_t lap = w >> q->idx_bits_, old = w - ((uint64_t)1 << q->idx_bits_);
    if (lap == 0) return false;
    if ((s & ~SKIP) != 2 * lap - 1) {
        /* Older than "lap-1 published": the producer of position old has not
         * published (slow, or dead and not yet skipped by a consumer), so old
         * is still queued and the queue is full.  Retrying until a consumer
         * skips it would spin forever when every survivor is enqueuing.
         * Acquire: synchronizes with the release CAS that claimed old (enq's
         * later CASes continue its release sequence), so the re-read cannot
         * return a seq older than what that producer saw; a changed word
         * means our first read was stale: retry. */
        if (shmgen__load(&HDR(q)->enq, memory_order_acquire) != w) return true;
        return shmgen__load(slot_seq(q, w & q->idx_mask_), memory_order_acquire) != s;
    }
    /* Acquire: a consumer's claim of the old element is visible with its journal. */
    if (shmgen__load(&HDR(q)->deq, memory_order_acquire) <= old) return false; /* full */
    return settle_unreleased(q, w, s);
}

/* Dequeue found slot w unpublished.  True to retry, false when empty. */
static bool deq_blocked_retry(shmgen_queue_t *q, uint64_t w)
{
    /* Acquire: a producer's claim is visible together with its journal entry. */
    if (shmgen__load(&HDR(q)->enq, memory_order_acquire) <= w) return false; /* empty */
    return settle_unpublished(q, w);
}

/* ---- kind ops --------------------------------------------------------------- */

static void queue_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    uint64_t slot_bytes = shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, info->elem_size);
    unsigned char *slots = (unsigned char *)base + SHMGEN__KIND_HEADER;
    (void)initial;
    shmgen__cmeta_init(base, info);
    /* Relaxed: published to other processes by the segment's ready state. */
    for (uint64_t i = 0; i < info->capacity; i++)
        shmgen__store((shmgen__atomic_u64 *)(void *)(slots + i * slot_bytes), 0, memory_order_relaxed);
}

static int queue_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_QUEUE);
}

/* Scans the window around the counters for slots a dead process left. */
static int queue_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                         const shmgen__deadset_t *dead)
{
    shmgen_queue_t q;
    int rc = shmgen_queue_bind(&q, seg, info), repairs = 0;
    uint64_t d, e, from;
    (void)base;
    if (rc != 0) return rc;
    /* Acquire: claims and their journals are visible. */
    d = pos_lin(&q, shmgen__load(&HDR(&q)->deq, memory_order_acquire));
    e = pos_lin(&q, shmgen__load(&HDR(&q)->enq, memory_order_acquire));
    for (uint64_t p = d; p < e && p < d + q.capacity_; p++) {
        uint64_t w = pos_pack(&q, p), s = 2 * (w >> q.idx_bits_);
        if (shmgen__load(slot_seq(&q, w & q.idx_mask_), memory_order_acquire) == s &&
            !shmgen__journal_live_covers(seg, q.table_index_, OP_ENQ, p, dead) &&
            shmgen__cas(slot_seq(&q, w & q.idx_mask_), &s, (s + 1) | SKIP, memory_order_acq_rel,
                        memory_order_relaxed))
            repairs++;
    }
    from = d > q.capacity_ ? d - q.capacity_ : 0;
    for (uint64_t p = from; p < d; p++) {
        uint64_t w = pos_pack(&q, p), lap = w >> q.idx_bits_;
        uint64_t s = shmgen__load(slot_seq(&q, w & q.idx_mask_), memory_order_acquire);
        if ((s & ~SKIP) == 2 * lap + 1 && !shmgen__journal_live_covers(seg, q.table_index_, OP_DEQ, p, dead) &&
            shmgen__cas(slot_seq(&q, w & q.idx_mask_), &s, 2 * (lap + 1), memory_order_acq_rel,
                        memory_order_relaxed))
            repairs++;
    }
    return repairs;
}

const shmgen__kind_ops_t shmgen__queue_ops = {queue_init, queue_check, queue_recover};

int shmgen_queue_bind(shmgen_queue_t *q, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    if (!q || !seg || !info) return SHMGEN_INVALID_ARGUMENT;
    if (info->kind != SHMGEN_KIND_QUEUE) return SHMGEN_WRONG_KIND;
    base = shmgen_segment_struct_base(seg, info);
    if (!base) return SHMGEN_INVALID_ARGUMENT;
    if (queue_check(base, info) != 0) return SHMGEN_CORRUPT;
    memset(q, 0, sizeof *q);
    q->hdr_ = base;
    q->slots_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    q->capacity_ = info->capacity;
    q->slot_bytes_ = shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, info->elem_size);
    q->idx_bits_ = info->capacity == 1 ? 0 : 64u - (uint32_t)__builtin_clzll(info->capacity - 1);
    q->idx_mask_ = q->idx_bits_ == 0 ? 0 : (~(uint64_t)0 >> (64u - q->idx_bits_));
    q->elem_size_ = info->elem_size;
    q->table_index_ = info->table_index;
    q->readonly_ = shmgen_segment_is_readonly(seg);
    q->seg_ = seg;
    shmgen__wait_process_init();
    return 0;
}

/* ---- claims ------------------------------------------------------------------- */

/* Claims up to k consecutive free positions; returns how many (>= 1) and the
 * first in *first, or 0 when the first is not free (full). */
static uint64_t claim_enq(shmgen_queue_t *q, shmgen__journal_t *j, uint64_t k, uint64_t *first)
{
    /* Relaxed: the CAS validates the counter; slot contents are ordered by seq. */
    uint64_t w = shmgen__load(&HDR(q)->enq, memory_order_relaxed);
    for (unsigned tries = 0; tries < CLAIM_TRIES; tries++) {
        uint64_t n = 0, x = w, s = 0;
        if (!pos_ok(q, w)) return 0;
        /* Acquire: consumers' reads of the slots' old bytes precede our writes. */
        while (n < k && (s = shmgen__load(slot_seq(q, x & q->idx_mask_), memory_order_acquire)) ==
                            2 * (x >> q->idx_bits_)) {
            n++;
            x = pos_next(q, x);
        }
        if (n == 0) {
            /* Masked: a SKIP slot of the previous lap is older, not newer
             * (unmasked, bit 63 made it look newer and we spun on it). */
            if (seq_after(s, 2 * (w >> q->idx_bits_))) {
                w = shmgen__load(&HDR(q)->enq, memory_order_relaxed); /* taken: catch up */
                continue;
            }
            if (!enq_blocked_retry(q, w, s)) return 0;
            w = shmgen__load(&HDR(q)->enq, memory_order_relaxed);
            continue;
        }
        shmgen__jop_claiming(j, pos_lin(q, w), n);
        /* Release: our journal's claim record is visible before the claim. */
        if (shmgen__cas(&HDR(q)->enq, &w, x, memory_order_release, memory_order_relaxed)) {
            *first = w;
            return n;
        }
    }
    (void)shmgen__struct_error(SHMGEN_CORRUPT, q->seg_, q->table_index_, "enqueue claims keep failing");
    return 0;
}

/* Claims up to k consecutive published positions (discarding skipped ones);
 * returns how many and the first in *first; 0 when empty. */
static uint64_t claim_deq(shmgen_queue_t *q, shmgen__journal_t *j, uint64_t k, uint64_t *first)
{
    /* Relaxed: the CAS validates the counter; slot contents are ordered by seq. */
    uint64_t w = shmgen__load(&HDR(q)->deq, memory_order_relaxed);
    for (unsigned tries = 0; tries < CLAIM_TRIES; tries++) {
        uint64_t n = 0, x = w, s = 0;
        if (!pos_ok(q, w)) return 0;
        /* Acquire: pairs with the producer's publishing release. */
        while (n < k && (s = shmgen__load(slot_seq(q, x & q->idx_mask_), memory_order_acquire)) ==
                            2 * (x >> q->idx_bits_) + 1) {
            n++;
            x = pos_next(q, x);
        }
        if (n == 0 && s == ((2 * (w >> q->idx_bits_) + 1) | SKIP)) {
            uint64_t next = pos_next(q, w);
            shmgen__jop_claiming(j, pos_lin(q, w), 1);
            /* Release: as below.  The winner frees the skipped slot. */
            if (shmgen__cas(&HDR(q)->deq, &w, next, memory_order_release, memory_order_relaxed)) {
                shmgen__store(slot_seq(q, w & q->idx_mask_), 2 * ((w >> q->idx_bits_) + 1), memory_order_release);
                w = next;
            }
            continue;
        }
        if (n == 0) {
            /* Masked as in claim_enq: the previous lap's SKIP slot, claimed by
             * a consumer not done with it, means empty here, not "taken". */
            if (seq_after(s, 2 * (w >> q->idx_bits_) + 1)) {
                w = shmgen__load(&HDR(q)->deq, memory_order_relaxed);
                continue;
            }
            if (!deq_blocked_retry(q, w)) return 0;
            w = shmgen__load(&HDR(q)->deq, memory_order_relaxed);
            continue;
        }
        shmgen__jop_claiming(j, pos_lin(q, w), n);
        /* Release: our journal's claim record is visible before the claim. */
        if (shmgen__cas(&HDR(q)->deq, &w, x, memory_order_release, memory_order_relaxed)) {
            *first = w;
            return n;
        }
    }
    (void)shmgen__struct_error(SHMGEN_CORRUPT, q->seg_, q->table_index_, "dequeue claims keep failing");
    return 0;
}

/* ---- operations ------------------------------------------------------------------ */

size_t shmgen_queue_enqueue_bulk(shmgen_queue_t *q, const void *elems, size_t n)
{
    const unsigned char *src = (const unsigned char *)elems;
    shmgen__journal_t *j;
    uint64_t w, k;
    if (q->readonly_ || n == 0) return 0;
    j = shmgen__journal_self(q->seg_);
    shmgen__jop_begin(j, q->table_index_, OP_ENQ);
    k = claim_enq(q, j, n < q->capacity_ ? n : q->capacity_, &w);
    if (k == 0) {
        shmgen__jop_end(j);
        return 0;
    }
    SHMGEN__HOOK(SHMGEN__HP_QUEUE_CLAIMED, pos_lin(q, w));
    for (uint64_t i = 0; i < k; i++, w = pos_next(q, w)) {
        uint64_t idx = w & q->idx_mask_;
        memcpy(slot_elem(q, idx), src + i * q->elem_size_, q->elem_size_);
        /* Release: the element is visible to the consumer that acquires this seq. */
        shmgen__store(slot_seq(q, idx), 2 * (w >> q->idx_bits_) + 1, memory_order_release);
    }
    shmgen__jop_end(j);
    shmgen__waitq_notify(&HDR(q)->data);
    return (size_t)k;
}

size_t shmgen_queue_dequeue_bulk(shmgen_queue_t *q, void *out, size_t max)
{
    unsigned char *dst = (unsigned char *)out;
    shmgen__journal_t *j;
    uint64_t w, k;
    if (q->readonly_ || max == 0) return 0;
    j = shmgen__journal_self(q->seg_);
    shmgen__jop_begin(j, q->table_index_, OP_DEQ);
    k = claim_deq(q, j, max < q->capacity_ ? max : q->capacity_, &w);
    if (k == 0) {
        shmgen__jop_end(j);
        return 0;
    }
    SHMGEN__HOOK(SHMGEN__HP_QUEUE_CLAIMED, pos_lin(q, w));
    for (uint64_t i = 0; i < k; i++, w = pos_next(q, w)) {
        uint64_t idx = w & q->idx_mask_;
        memcpy(dst + i * q->elem_size_, slot_elem(q, idx), q->elem_size_);
        /* Release: our reads complete before a producer of the next lap writes. */
        shmgen__store(slot_seq(q, idx), 2 * ((w >> q->idx_bits_) + 1), memory_order_release);
    }
    shmgen__jop_end(j);
    shmgen__waitq_notify(&HDR(q)->space);
    return (size_t)k;
}

int shmgen_queue_enqueue(shmgen_queue_t *q, const void *elem)
{
    if (q->readonly_) return SHMGEN_READ_ONLY;
    return shmgen_queue_enqueue_bulk(q, elem, 1) == 1 ? 0 : SHMGEN_FULL;
}

int shmgen_queue_dequeue(shmgen_queue_t *q, void *out)
{
    if (q->readonly_) return SHMGEN_READ_ONLY;
    return shmgen_queue_dequeue_bulk(q, out, 1) == 1 ? 0 : SHMGEN_EMPTY;
}

uint64_t shmgen_queue_size(const shmgen_queue_t *q)
{
    /* Acquire both: a snapshot; dequeue first so that enq >= deq. */
    uint64_t d = pos_lin(q, shmgen__load(&HDR(q)->deq, memory_order_acquire));
    uint64_t e = pos_lin(q, shmgen__load(&HDR(q)->enq, memory_order_acquire));
    return e > d ? (e - d > q->capacity_ ? q->capacity_ : e - d) : 0;
}

uint64_t shmgen_queue_capacity(const shmgen_queue_t *q)
{
    return q->capacity_;
}

/* ---- waits ------------------------------------------------------------------------ */

static bool queue_has_data(void *ctx)
{
    shmgen_queue_t *q = (shmgen_queue_t *)ctx;
    uint64_t w = shmgen__load(&HDR(q)->deq, memory_order_acquire), s;
    if (!pos_ok(q, w)) return false;
    /* Acquire: pairs with the publishing release.  A skipped slot counts: the
     * next dequeue discards it and looks further. */
    s = shmgen__load(slot_seq(q, w & q->idx_mask_), memory_order_acquire);
    return (s & ~SKIP) == 2 * (w >> q->idx_bits_) + 1;
}

static bool queue_has_space(void *ctx)
{
    shmgen_queue_t *q = (shmgen_queue_t *)ctx;
    uint64_t w = shmgen__load(&HDR(q)->enq, memory_order_acquire);
    return pos_ok(q, w) &&
           shmgen__load(slot_seq(q, w & q->idx_mask_), memory_order_acquire) == 2 * (w >> q->idx_bits_);
}

/* Waits in slices so that a slot a dead process left at the front is found
 * (by the probe, which runs the operation's crash detection) within a slice. */
static int queue_wait(shmgen_queue_t *q, shmgen__waitq_t *wq, shmgen__wait_ready_fn ready,
                      bool (*probe)(shmgen_queue_t *), int timeout_ms)
{
    shmgen__deadline_t d = shmgen__deadline_in(timeout_ms);
    for (;;) {
        int left = shmgen__deadline_left_ms(&d), rc;
        rc = shmgen__waitq_wait(wq, ready, q, left >= 0 && left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS);
        if (rc == 0 || probe(q)) return 0;
        if (shmgen__deadline_due(&d)) return SHMGEN_TIMEOUT;
    }
}

static bool probe_front(shmgen_queue_t *q)
{
    uint64_t w = shmgen__load(&HDR(q)->deq, memory_order_acquire);
    return !q->readonly_ && pos_ok(q, w) && deq_blocked_retry(q, w);
}

static bool probe_back(shmgen_queue_t *q)
{
    uint64_t w = shmgen__load(&HDR(q)->enq, memory_order_acquire), s;
    if (!pos_ok(q, w)) return false;
    s = shmgen__load(slot_seq(q, w & q->idx_mask_), memory_order_acquire);
    if (q->readonly_ || s == 2 * (w >> q->idx_bits_) || seq_after(s, 2 * (w >> q->idx_bits_))) return false;
    return enq_blocked_retry(q, w, s);
}

int shmgen_queue_wait_data(shmgen_queue_t *q, int timeout_ms)
{
    return queue_wait(q, &HDR(q)->data, queue_has_data, probe_front, timeout_ms);
}

int shmgen_queue_wait_space(shmgen_queue_t *q, int timeout_ms)
{
    return queue_wait(q, &HDR(q)->space, queue_has_space, probe_back, timeout_ms);
}

/* The blocking forms, on the shared retry loop of waitq.h. */
typedef struct queue_call {
    shmgen_queue_t *q;
    const void *in;
    void *out;
} queue_call_t;

static int call_enqueue(void *c)
{
    return shmgen_queue_enqueue(((queue_call_t *)c)->q, ((queue_call_t *)c)->in);
}

static int call_dequeue(void *c)
{
    return shmgen_queue_dequeue(((queue_call_t *)c)->q, ((queue_call_t *)c)->out);
}

static int call_wait_space(void *c, int ms)
{
    return shmgen_queue_wait_space(((queue_call_t *)c)->q, ms);
}

static int call_wait_data(void *c, int ms)
{
    return shmgen_queue_wait_data(((queue_call_t *)c)->q, ms);
}

int shmgen_queue_enqueue_wait(shmgen_queue_t *q, const void *elem, int timeout_ms)
{
    queue_call_t c = {q, elem, NULL};
    return shmgen__wait_retry(call_enqueue, SHMGEN_FULL, call_wait_space, NULL, &c, timeout_ms);
}

int shmgen_queue_dequeue_wait(shmgen_queue_t *q, void *out, int timeout_ms)
{
    queue_call_t c = {q, NULL, out};
    return shmgen__wait_retry(call_dequeue, SHMGEN_EMPTY, call_wait_data, NULL, &c, timeout_ms);
}
