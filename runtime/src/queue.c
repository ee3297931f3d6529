/*
 * SPDX-License-Identifier: MIT
 *
 * queue.c — the `queue` kind: bounded MPMC FIFO across processes with the
 * elements in place, lock-free even when a process stops at any instruction
 * (see shmgen/queue.h; the protocol and its crash analysis are in
 * docs/crash-recovery.md; tests/model/queue.pml is the protocol checked by spin).
 *
 * Header (256 bytes): line 0 meta; line 1 the enqueue counter (producers);
 * line 2 the dequeue counter (consumers); line 3 the two wait queues.
 * Counters hold a position packed as (lap << idx_bits) | index, so advancing
 * one needs no division and the capacity stays exact.
 *
 * A slot is [seq][mark][element].  seq = lap << 2 | state names the position
 * ("turn") the slot serves and how far it got: PEND (being moved past turns
 * nobody writes), FREE (its producer may write), PUB (published), TAKEN (an
 * invalidating consumer won it).  seq only ever grows.  mark = lap << 2 | flags
 * is written only on slow paths: INV (the consumer of that turn gave up
 * waiting and moved on) and BASE (producers abandoned the turns after that
 * one because the slot was still held).
 *
 * Fast paths are Vyukov's: one CAS on a counter, the copy, one plain store of
 * seq — then one load of mark.  A producer stopped between its claim and its
 * publication is invalidated by the consumer that waited PATIENCE_NS for it;
 * when it resumes it sees INV after publishing and retracts (CAS) to retry
 * elsewhere.  A slot still held a lap later (stalled producer or consumer) is
 * abandoned: the producer claims the position without writing, records BASE,
 * and whoever frees the slot moves it past the abandoned turns (fix()).  Both
 * "store seq, then load mark" against "write mark, then load seq" pairs are
 * Dekker handshakes: a compiler barrier on the fast side and a membarrier on
 * the slow side (shmgen__heavy_fence), real fences without membarrier.
 * Depends on kind_meta.h, journal.h, waitq.h (waits, fences), clock.h, arch.h,
 * testhook.h, internal.h, shmgen/queue.h.
 */
#include "shmgen/queue.h"

#include <sched.h>
#include <string.h>

#include "arch.h"
#include "clock.h"
#include "kind_meta.h"
#include "layout_priv.h"
#include "testhook.h"
#include "waitq.h"

#define OP_ENQ 1u
#define OP_DEQ 2u

#define ST_PEND 0u
#define ST_FREE 1u
#define ST_PUB 2u
#define ST_TAKEN 3u
#define MK_INV 1u
#define MK_BASE 2u

/* How long a party waits for a stalled one before passing it.  Far above a
 * running process's claim-to-publish window (tens of ns, a few µs with a page
 * fault), far below a scheduler time slice (ms): only a process that is not
 * running is passed.  Passing is always safe, only costlier (see the file
 * comment and docs/crash-recovery.md for the measurements). */
#define PATIENCE_NS 50000u
/* Retries of one claim before it gives up for this call (full / empty):
 * contention never needs this many (each retry means another party
 * progressed); scribbled words would otherwise keep it going for ever. */
#define CLAIM_TRIES 4096u
#define FIX_LIMIT 64u
/* Pauses before patient() starts yielding (~3-12 µs, by the CPU's pause). */
#define SPIN_FIRST 256u

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
#define SV(lap, st) ((uint64_t)(lap) << 2 | (st))
#define SV_LAP(v) ((v) >> 2)
#define SV_ST(v) ((unsigned)((v) & 3u))

static inline shmgen__atomic_u64 *slot_seq(const shmgen_queue_t *q, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(q->slots_ + idx * q->slot_bytes_);
}

/* Marks live after the slots (a line-aligned array), not next to seq: the
 * load of mark right after the store of seq must not wait for that store's
 * cache line (measured: 10% of an enqueue when adjacent). */
static inline shmgen__atomic_u64 *slot_mark(const shmgen_queue_t *q, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(q->marks_ + idx * 8u);
}

static inline unsigned char *slot_elem(const shmgen_queue_t *q, uint64_t idx)
{
    return q->slots_ + idx * q->slot_bytes_ + 8u;
}

static inline uint64_t lap_of(const shmgen_queue_t *q, uint64_t w)
{
    return w >> q->idx_bits_;
}

static inline uint64_t idx_of(const shmgen_queue_t *q, uint64_t w)
{
    return w & q->idx_mask_;
}

/* Whether packed position w, read from a shared counter, has its index part
 * below the capacity.  Always, unless a process scribbled on the counter;
 * the operations then report full/empty instead of following it outside the
 * queue.  (Positions derived from a checked one by pos_next stay inside.) */
static inline bool pos_ok(const shmgen_queue_t *q, uint64_t w)
{
    return idx_of(q, w) < q->capacity_;
}

static inline uint64_t pos_next(const shmgen_queue_t *q, uint64_t w)
{
    return idx_of(q, w) + 1 == q->capacity_ ? (lap_of(q, w) + 1) << q->idx_bits_ : w + 1;
}

static inline uint64_t pos_lin(const shmgen_queue_t *q, uint64_t w)
{
    return lap_of(q, w) * q->capacity_ + idx_of(q, w);
}

/* The packed position that slot idx serves when its word reads v. */
static inline uint64_t turn_pos(const shmgen_queue_t *q, uint64_t idx, uint64_t v)
{
    return SV_LAP(v) << q->idx_bits_ | idx;
}

/* The first position at or after counter value e that maps to slot idx. */
static inline uint64_t first_at(const shmgen_queue_t *q, uint64_t e, uint64_t idx)
{
    return (lap_of(q, e) + (idx_of(q, e) > idx)) << q->idx_bits_ | idx;
}

/* ---- moving a slot past turns nobody writes -------------------------------- */

/* v, read from slot idx, is PEND(x) or FREE(x) where no producer will write
 * turn x (abandoned, retracted, or given up).  Moves the slot to the first
 * position not yet claimed, through PEND so that nobody can claim the target
 * normally while we check the enqueue counter; positions claimed meanwhile
 * were abandoned (their claimers saw the slot held) and are jumped over.
 * Stops when someone else moved the slot: they carry on. */
static void fix(shmgen_queue_t *q, uint64_t idx, uint64_t v)
{
    for (unsigned n = 0; n < FIX_LIMIT; n++) {
        /* Seq_cst: after our CAS below (the fence), pairs with an abandoner's
         * "claim, fence, read seq": one of us sees the other. */
        uint64_t e = shmgen__load(&HDR(q)->enq, memory_order_seq_cst), next;
        if (!pos_ok(q, e)) return;
        if (e <= turn_pos(q, idx, v)) {
            /* Acq_rel: PEND -> FREE hands the slot to its producer, whose
             * acquire load sees every earlier reader's release. */
            if (SV_ST(v) == ST_PEND)
                (void)shmgen__cas(slot_seq(q, idx), &v, SV(SV_LAP(v), ST_FREE), memory_order_acq_rel,
                                  memory_order_relaxed);
            return;
        }
        next = SV(lap_of(q, first_at(q, e, idx)), ST_PEND);
        /* Seq_cst: the store half of the handshake with abandoners (above). */
        if (!shmgen__cas(slot_seq(q, idx), &v, next, memory_order_seq_cst, memory_order_relaxed)) return;
        v = next;
    }
}

/* Sets flag f on turn lap of slot idx's mark (a newer turn's mark stays). */
static void mark_merge(shmgen_queue_t *q, uint64_t idx, uint64_t lap, unsigned f)
{
    /* Relaxed: the CAS below validates it. */
    uint64_t m = shmgen__load(slot_mark(q, idx), memory_order_relaxed);
    for (unsigned n = 0; n < FIX_LIMIT; n++) {
        uint64_t want = SV_LAP(m) == lap ? m | f : SV(lap, f);
        if (SV_LAP(m) > lap || want == m) return;
        /* Seq_cst: the store half of the handshakes; the caller's heavy fence
         * follows before it reads seq. */
        if (shmgen__cas(slot_mark(q, idx), &m, want, memory_order_seq_cst, memory_order_relaxed)) return;
    }
}

/* A slow release of turn v (PUB, TAKEN or FREE that we own) of slot idx:
 * CAS to PEND of the next lap, then fix (later laps may have been abandoned).
 * False if the word was no longer v. */
static bool release_slow(shmgen_queue_t *q, uint64_t idx, uint64_t v)
{
    uint64_t next = SV(SV_LAP(v) + 1, ST_PEND);
    /* Seq_cst: as in fix(); release also hands our last reads or writes of
     * the element to the next producer. */
    if (!shmgen__cas(slot_seq(q, idx), &v, next, memory_order_seq_cst, memory_order_relaxed)) return false;
    fix(q, idx, next);
    return true;
}

/* ---- liveness of a slot's holder (slow paths, recovery) --------------------- */

/* Whether a process not known dead (see journal.h: with `dead`, inside a
 * recovery) is in operation opcode holding packed position t. */
static bool held(shmgen_queue_t *q, const shmgen__deadset_t *dead, uint32_t opcode, uint64_t t)
{
    return shmgen__journal_live_covers(q->seg_, q->table_index_, opcode, pos_lin(q, t), dead);
}

/* Slot idx reads v (turn t).  If no live journal holds turn t, release the
 * slot for its dead holder (the element in flight is lost).  True if the
 * slot was moved.  The journals are read before mark: an invalidating
 * consumer writes INV before its journal moves on. */
static bool repair(shmgen_queue_t *q, const shmgen__deadset_t *dead, uint64_t idx, uint64_t v)
{
    uint64_t t = turn_pos(q, idx, v), m;
    unsigned st = SV_ST(v);
    if (st == ST_PEND) {
        fix(q, idx, v);
        return true;
    }
    /* Acquire: a claim is visible together with its journal record. */
    if (st == ST_FREE)
        return shmgen__load(&HDR(q)->enq, memory_order_acquire) > t && !held(q, dead, OP_ENQ, t) && release_slow(q, idx, v);
    if (!held(q, dead, OP_DEQ, t) &&
        (st == ST_TAKEN || shmgen__load(&HDR(q)->deq, memory_order_acquire) > t)) {
        if (st == ST_TAKEN) return release_slow(q, idx, v);
        /* Acquire: pairs with the invalidator's seq_cst mark CAS. */
        m = shmgen__load(slot_mark(q, idx), memory_order_acquire);
        if (SV_LAP(m) == SV_LAP(v) && (m & MK_INV))
            return !held(q, dead, OP_ENQ, t) && release_slow(q, idx, v);
        /* Acq_rel: act as the dead consumer: take it (a late retraction by its
         * producer then fails and counts it delivered), then release. */
        return shmgen__cas(slot_seq(q, idx), &v, SV(SV_LAP(v), ST_TAKEN), memory_order_acq_rel,
                           memory_order_relaxed) &&
               release_slow(q, idx, SV(SV_LAP(v), ST_TAKEN));
    }
    return false;
}

/* ---- patience ------------------------------------------------------------------- */

/* Waits up to PATIENCE_NS while *word reads seen and *ctr reads w; true as
 * soon as either changed.  First SPIN_FIRST pauses watching the slot word
 * only (a running party finishes its step within them, the common case; the
 * counter is the line other parties CAS, and reading it in this loop slowed
 * their claims), then yields between looks at both (the awaited process may
 * be waiting for this CPU) until the clock says the patience is spent. */
static bool patient(const shmgen__atomic_u64 *word, uint64_t seen, const shmgen__atomic_u64 *ctr, uint64_t w)
{
    uint64_t start = 0;
    for (unsigned i = 0; i < SPIN_FIRST; i++) {
        /* Relaxed: only watching for a change; callers re-read with acquire. */
        if (shmgen__load(word, memory_order_relaxed) != seen) return true;
        shmgen__cpu_relax();
    }
    start = shmgen__now_ns();
    for (unsigned i = 0; i < (1u << 24); i++) { /* ended by the clock, long before */
        /* Relaxed: as above. */
        if (shmgen__load(word, memory_order_relaxed) != seen || shmgen__load(ctr, memory_order_relaxed) != w)
            return true;
        if (shmgen__now_ns() - start > PATIENCE_NS) return false;
        sched_yield();
    }
    return false;
}

/* ---- kind ops --------------------------------------------------------------------- */

/* The mark array: after the slots, on lines of its own. */
static unsigned char *marks_of(unsigned char *slots, const shmgen_struct_info_t *info)
{
    return slots + shmgen__queue_marks_offset(info->elem_size, info->capacity);
}

static void queue_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    uint64_t slot_bytes = shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, info->elem_size);
    unsigned char *slots = (unsigned char *)base + SHMGEN__KIND_HEADER;
    (void)initial;
    shmgen__cmeta_init(base, info);
    /* Relaxed: published to other processes by the segment's ready state.
     * Every slot serves lap 0, free; marks name no turn (lap 0, no flag). */
    for (uint64_t i = 0; i < info->capacity; i++) {
        shmgen__store((shmgen__atomic_u64 *)(void *)(slots + i * slot_bytes), SV(0, ST_FREE), memory_order_relaxed);
        shmgen__store((shmgen__atomic_u64 *)(void *)(marks_of(slots, info) + i * 8u), 0, memory_order_relaxed);
    }
}

static int queue_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_QUEUE);
}

/* Repairs the slots that the dead owners' journals name (under the recovery
 * lock, with the dead set decided once).  The operations' own slow paths run
 * the same repair when they find a held slot, so a slot missed here (its
 * position still covered by a live process's pending claim record) is
 * repaired when a producer next reaches it. */
static int queue_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                         const shmgen__deadset_t *dead)
{
    shmgen_queue_t q;
    int rc = shmgen_queue_bind(&q, seg, info), repairs = 0;
    (void)base;
    if (rc != 0) return rc;
    for (uint32_t i = 0; i < shmgen__journal_count(seg); i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        uint32_t op;
        uint64_t a, b;
        /* Acquire: the dead thread's records, published by its claims. */
        if (!j || (op = shmgen__load(&j->op, memory_order_acquire)) == 0) continue;
        /* Relaxed: the dead thread wrote them before the acquire above saw op. */
        if (SHMGEN__JOP_TABLE_INDEX(op) != info->table_index ||
            !shmgen__dead_has(dead, shmgen__load(&j->owner, memory_order_relaxed)))
            continue;
        a = shmgen__load(&j->a, memory_order_relaxed);
        b = shmgen__load(&j->b, memory_order_relaxed);
        for (uint64_t p = a; a != 0 && p - a < (b ? b : 1) && p - a < q.capacity_; p++) {
            uint64_t idx = (p - 1) % q.capacity_;
            /* Acquire: the slot's last writer's effects. */
            repairs += repair(&q, dead, idx, shmgen__load(slot_seq(&q, idx), memory_order_acquire));
        }
    }
    return repairs;
}

const shmgen__kind_ops_t shmgen__queue_ops = {queue_init, queue_check, queue_recover};

int shmgen_queue_bind(shmgen_queue_t *q, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    int rc = shmgen__bind_base(q, seg, info, SHMGEN_KIND_QUEUE, &base);
    if (rc != 0) return rc;
    memset(q, 0, sizeof *q);
    q->hdr_ = base;
    q->slots_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    q->marks_ = marks_of(q->slots_, info);
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

/* ---- producer side ---------------------------------------------------------------- */

/* Records positions [w, w+n) before the claiming CAS on a counter. */
static inline void record(shmgen_queue_t *q, shmgen__journal_t *j, uint64_t w, uint64_t n)
{
    shmgen__jop_claiming(j, pos_lin(q, w), n);
}

/* A failed claim holds nothing: clear the record so that no survivor takes it
 * for a claim of a position someone else won. */
static inline void unrecord(shmgen__journal_t *j)
{
    /* Relaxed: a stale record only delays repairs; it is never trusted alone. */
    if (j) shmgen__store(&j->a, 0, memory_order_relaxed);
}

typedef struct enq_ctx {
    shmgen__journal_t *j;
    uint64_t abandoned; /* positions abandoned by this call */
} enq_ctx_t;

/* Slot idx still serves turn v < w's (held by a stalled party, since
 * position w - capacity is already claimed by a consumer).  Claims w without
 * writing it and records the abandonment; the caller then re-reads the
 * counter (whether our claim won or not). */
static void abandon(shmgen_queue_t *q, enq_ctx_t *c, uint64_t w, uint64_t v)
{
    uint64_t idx = idx_of(q, w), v2, t2;
    record(q, c->j, w, 1);
    /* Acq_rel: release publishes the record; acquire keeps the seq read below
     * after every claim before ours (their claimers' reads of seq). */
    if (!shmgen__cas(&HDR(q)->enq, &w, pos_next(q, w), memory_order_seq_cst, memory_order_acquire)) {
        unrecord(c->j);
        return;
    }
    c->abandoned++;
    mark_merge(q, idx, SV_LAP(v), MK_BASE);
    /* The slow half of the handshake with the holder's fast release: either
     * it sees BASE and fixes, or we see its release here. */
    shmgen__heavy_fence();
    /* Seq_cst: after the fence. */
    v2 = shmgen__load(slot_seq(q, idx), memory_order_seq_cst);
    t2 = turn_pos(q, idx, v2);
    /* A free-ish turn after the one we saw, up to ours, has no writer: every
     * position in (v, w] was claimed while the slot served v or older. */
    if (t2 <= w && (SV_ST(v2) == ST_PEND || (SV_ST(v2) == ST_FREE && SV_LAP(v2) > SV_LAP(v)))) fix(q, idx, v2);
}

/* Enqueue position w's slot reads v, an older turn than w's.  Returns 1 to
 * retry (the caller re-reads the counter), 0 when the queue is full. */
static int enq_blocked(shmgen_queue_t *q, enq_ctx_t *c, uint64_t w, uint64_t v)
{
    uint64_t idx = idx_of(q, w), m, d;
    if (SV_ST(v) == ST_PEND) {
        fix(q, idx, v);
        return 1;
    }
    /* Acquire: pairs with the seq_cst mark CASes. */
    m = shmgen__load(slot_mark(q, idx), memory_order_acquire);
    if (SV_ST(v) == ST_FREE && SV_LAP(v) > 0 && SV_LAP(m) == SV_LAP(v) - 1 && (m & MK_BASE)) {
        fix(q, idx, v); /* FREE of an abandoned turn: nobody writes it */
        return 1;
    }
    /* Acquire: consumers' claims are visible with their journals. */
    d = shmgen__load(&HDR(q)->deq, memory_order_acquire);
    if (lap_of(q, w) == 0 || d <= w - ((uint64_t)1 << q->idx_bits_)) return 0; /* full */
    if (!(SV_LAP(m) == SV_LAP(v) && (m & (MK_INV | MK_BASE))) &&
        patient(slot_seq(q, idx), v, &HDR(q)->enq, w))
        return 1;
    /* Before every abandonment: is the holder still alive?  (A scan of the
     * journals, once a lap per held slot.) */
    unrecord(c->j); /* we hold nothing now: never mistake our own record for a holder */
    if (repair(q, NULL, idx, v)) return 1;
    if (c->abandoned >= q->capacity_) return 0; /* a whole lap of held slots: full */
    abandon(q, c, w, v);
    return 1;
}

/* Claims up to k consecutive free positions; returns how many (>= 1) and the
 * first in *first, or 0 when full. */
static uint64_t claim_enq(shmgen_queue_t *q, enq_ctx_t *c, uint64_t k, uint64_t *first)
{
    /* Acquire: see abandon(); slot contents are ordered by seq. */
    uint64_t w = shmgen__load(&HDR(q)->enq, memory_order_acquire);
    for (unsigned tries = 0; tries < CLAIM_TRIES; tries++) {
        uint64_t n = 0, x = w, s = 0, seen = w;
        if (!pos_ok(q, w)) return 0;
        /* Acquire: the previous readers' release of the slot precedes our writes. */
        while (n < k && (s = shmgen__load(slot_seq(q, idx_of(q, x)), memory_order_acquire)) ==
                            SV(lap_of(q, x), ST_FREE)) {
            n++;
            x = pos_next(q, x);
        }
        if (n > 0) {
            record(q, c->j, w, n);
            /* Acq_rel: release publishes the record before the claim; acquire as above. */
            if (shmgen__cas(&HDR(q)->enq, &w, x, memory_order_acq_rel, memory_order_acquire)) {
                *first = w;
                return n;
            }
            unrecord(c->j);
            continue;
        }
        if (s < SV(lap_of(q, w), ST_FREE) && !enq_blocked(q, c, w, s)) return 0;
        /* Acquire: as above.  A slot past FREE(w) means w was taken and our
         * read of the counter was stale; if the counter still reads w, a
         * process scribbled on the slot word: report full, never spin. */
        w = shmgen__load(&HDR(q)->enq, memory_order_acquire);
        if (w == seen && s > SV(lap_of(q, w), ST_FREE)) return 0;
    }
    return 0;
}

/* Position w, claimed and not written, is given up: moves its slot on. */
static void give_up(shmgen_queue_t *q, uint64_t w)
{
    (void)release_slow(q, idx_of(q, w), SV(lap_of(q, w), ST_FREE));
}

/* Publishes position w; false if its consumer had given up on it and we
 * retracted the element (it is not in the queue). */
static bool publish(shmgen_queue_t *q, uint64_t w)
{
    uint64_t idx = idx_of(q, w), lap = lap_of(q, w), m;
    /* Release: the element is visible to the consumer that acquires this seq. */
    shmgen__store(slot_seq(q, idx), SV(lap, ST_PUB), memory_order_release);
    shmgen__light_fence();
    /* Relaxed: ordered after the store by the fence (the handshake with an
     * invalidating consumer, which writes INV, fences, then reads seq). */
    m = shmgen__load(slot_mark(q, idx), memory_order_relaxed);
    if (SV_LAP(m) != lap || !(m & MK_INV)) return true;
    /* Both sides saw each other: the CAS decides.  Losing means the consumer
     * took it (TAKEN): delivered. */
    return !release_slow(q, idx, SV(lap, ST_PUB));
}

size_t shmgen_queue_enqueue_bulk(shmgen_queue_t *q, const void *elems, size_t n)
{
    const unsigned char *src = (const unsigned char *)elems;
    enq_ctx_t c = {NULL, 0};
    uint64_t w, k, done = 0;
    if (q->readonly_ || n == 0) return 0;
    c.j = shmgen__journal_self(q->seg_);
    shmgen__jop_begin(c.j, q->table_index_, OP_ENQ);
    for (unsigned tries = 0; done == 0 && tries < CLAIM_TRIES; tries++) {
        if ((k = claim_enq(q, &c, n < q->capacity_ ? n : q->capacity_, &w)) == 0) break;
        SHMGEN__HOOK(SHMGEN__HP_QUEUE_CLAIMED, pos_lin(q, w));
        for (uint64_t i = 0; i < k; i++, w = pos_next(q, w)) {
            if (done < i) { /* an earlier one was retracted: keep per-producer order */
                give_up(q, w);
                continue;
            }
            /* The mark is read right after publishing: fetch its line during the copy. */
            __builtin_prefetch(slot_mark(q, idx_of(q, w)));
            memcpy(slot_elem(q, idx_of(q, w)), src + i * q->elem_size_, q->elem_size_);
            SHMGEN__HOOK(SHMGEN__HP_QUEUE_WRITTEN, pos_lin(q, w));
            if (publish(q, w)) done++;
        }
    }
    shmgen__jop_end(c.j);
    if (done) shmgen__waitq_notify(&HDR(q)->data);
    return (size_t)done;
}

/* ---- consumer side ---------------------------------------------------------------- */

/* The consumer at position w found its slot FREE for w (claimed, not
 * published).  After patience, claims w anyway and invalidates it; returns
 * 1 with *taken set if the element arrived meanwhile and we took it, 1 to
 * retry otherwise. */
static int invalidate(shmgen_queue_t *q, shmgen__journal_t *j, uint64_t w, bool *taken)
{
    uint64_t idx = idx_of(q, w), lap = lap_of(q, w), s = SV(lap, ST_FREE);
    if (patient(slot_seq(q, idx), s, &HDR(q)->deq, w)) return 1;
    record(q, j, w, 1);
    /* Acq_rel: release publishes the record before the claim. */
    if (!shmgen__cas(&HDR(q)->deq, &w, pos_next(q, w), memory_order_acq_rel, memory_order_relaxed)) {
        unrecord(j);
        return 1;
    }
    mark_merge(q, idx, lap, MK_INV);
    shmgen__heavy_fence(); /* the slow half of the handshake with publish() */
    /* Seq_cst: after the fence.  Published meanwhile: the CAS decides against
     * the producer's retraction. */
    s = shmgen__load(slot_seq(q, idx), memory_order_seq_cst);
    *taken = s == SV(lap, ST_PUB) &&
             shmgen__cas(slot_seq(q, idx), &s, SV(lap, ST_TAKEN), memory_order_acq_rel, memory_order_relaxed);
    return 1;
}

/* Dequeue position w's slot reads s, not published for w.  Returns 1 to
 * retry (re-read the counter), 0 when empty, 2 when we took w by invalidation
 * (TAKEN: copy, then release_slow). */
static int deq_blocked(shmgen_queue_t *q, shmgen__journal_t *j, uint64_t w, uint64_t s)
{
    uint64_t idx = idx_of(q, w), lap = lap_of(q, w), m, next = pos_next(q, w);
    bool taken = false;
    if (s > SV(lap, ST_PUB)) {
        /* Passed, or (usually) our read of the counter is stale.  Only a
         * counter still at w is moved on: a CAS doomed to fail would take the
         * contended line from the other consumers.  Relaxed: skipping needs
         * no ordering; the CAS validates. */
        if (SV_LAP(s) > lap && shmgen__load(&HDR(q)->deq, memory_order_relaxed) == w)
            (void)shmgen__cas(&HDR(q)->deq, &w, next, memory_order_relaxed, memory_order_relaxed);
        return 1;
    }
    /* Acquire: a producer's claim of w (with its read of FREE) happens-before
     * what we read of the slot below. */
    if (shmgen__load(&HDR(q)->enq, memory_order_acquire) <= w) return 0; /* empty */
    /* Acquire: pairs with the publishing release. */
    s = shmgen__load(slot_seq(q, idx), memory_order_acquire);
    if (s == SV(lap, ST_PUB)) return 1;
    m = s == SV(lap, ST_FREE) ? shmgen__load(slot_mark(q, idx), memory_order_acquire) : 0;
    /* Older than FREE(w) with w claimed: w was abandoned (a normal claimer saw
     * FREE(w) first).  FREE(w) right after a BASE on the turn before: same. */
    if (s != SV(lap, ST_FREE) || (lap > 0 && SV_LAP(m) == lap - 1 && (m & MK_BASE))) {
        /* Relaxed: skipping needs no ordering; the CAS validates. */
        (void)shmgen__cas(&HDR(q)->deq, &w, next, memory_order_relaxed, memory_order_relaxed);
        return 1;
    }
    invalidate(q, j, w, &taken);
    return taken ? 2 : 1;
}

/* Claims up to k consecutive published positions; returns how many and the
 * first in *first, 0 when empty.  *taken: the one position was won by
 * invalidation (TAKEN). */
static uint64_t claim_deq(shmgen_queue_t *q, shmgen__journal_t *j, uint64_t k, uint64_t *first, bool *taken)
{
    uint64_t start;
    /* Acquire: see deq_blocked. */
    uint64_t w = shmgen__load(&HDR(q)->deq, memory_order_acquire);
    start = w;
    for (unsigned tries = 0; tries < CLAIM_TRIES; tries++) {
        uint64_t n = 0, x = w, s = 0;
        int rc;
        if (!pos_ok(q, w)) return 0;
        /* Acquire: pairs with the producer's publishing release. */
        while (n < k && (s = shmgen__load(slot_seq(q, idx_of(q, x)), memory_order_acquire)) ==
                            SV(lap_of(q, x), ST_PUB)) {
            n++;
            x = pos_next(q, x);
        }
        if (n > 0) {
            record(q, j, w, n);
            /* Release: our journal's claim record is visible before the claim. */
            if (shmgen__cas(&HDR(q)->deq, &w, x, memory_order_release, memory_order_acquire)) {
                *first = w;
                return n;
            }
            unrecord(j);
            continue;
        }
        if ((rc = deq_blocked(q, j, w, s)) == 0) {
            /* Skipped positions free space as a dequeue does: wake waiters. */
            if (w != start) shmgen__waitq_notify(&HDR(q)->space);
            return 0;
        }
        if (rc == 2) {
            *first = w;
            *taken = true;
            return 1;
        }
        w = shmgen__load(&HDR(q)->deq, memory_order_acquire);
    }
    return 0;
}

/* Frees position w's slot for the next lap after a normal dequeue. */
static void release(shmgen_queue_t *q, uint64_t w)
{
    uint64_t idx = idx_of(q, w), lap = lap_of(q, w), m;
    /* Release: our reads of the element complete before a producer of the
     * next lap writes it. */
    shmgen__store(slot_seq(q, idx), SV(lap + 1, ST_FREE), memory_order_release);
    shmgen__light_fence();
    /* Relaxed: ordered by the fence (the handshake with abandon()). */
    m = shmgen__load(slot_mark(q, idx), memory_order_relaxed);
    if (SV_LAP(m) == lap && (m & MK_BASE)) fix(q, idx, SV(lap + 1, ST_FREE));
}

size_t shmgen_queue_dequeue_bulk(shmgen_queue_t *q, void *out, size_t max)
{
    unsigned char *dst = (unsigned char *)out;
    shmgen__journal_t *j;
    uint64_t w, k;
    bool taken = false;
    if (q->readonly_ || max == 0) return 0;
    j = shmgen__journal_self(q->seg_);
    shmgen__jop_begin(j, q->table_index_, OP_DEQ);
    k = claim_deq(q, j, max < q->capacity_ ? max : q->capacity_, &w, &taken);
    if (k) SHMGEN__HOOK(SHMGEN__HP_QUEUE_CLAIMED, pos_lin(q, w));
    for (uint64_t i = 0; i < k; i++, w = pos_next(q, w)) {
        __builtin_prefetch(slot_mark(q, idx_of(q, w))); /* read right after the release */
        memcpy(dst + i * q->elem_size_, slot_elem(q, idx_of(q, w)), q->elem_size_);
        SHMGEN__HOOK(SHMGEN__HP_QUEUE_COPIED, pos_lin(q, w));
        if (taken) (void)release_slow(q, idx_of(q, w), SV(lap_of(q, w), ST_TAKEN));
        else release(q, w);
    }
    shmgen__jop_end(j);
    if (k) shmgen__waitq_notify(&HDR(q)->space);
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

/* A dequeue makes progress when a position is claimed but not dequeued: it
 * takes the element, or waits for it at most PATIENCE_NS, or skips it. */
static bool queue_has_data(void *ctx)
{
    shmgen_queue_t *q = (shmgen_queue_t *)ctx;
    /* Acquire: a snapshot of both counters. */
    uint64_t d = shmgen__load(&HDR(q)->deq, memory_order_acquire);
    return pos_ok(q, d) && shmgen__load(&HDR(q)->enq, memory_order_acquire) > d;
}

static bool queue_has_space(void *ctx)
{
    shmgen_queue_t *q = (shmgen_queue_t *)ctx;
    /* Acquire: a snapshot of both counters. */
    uint64_t e = shmgen__load(&HDR(q)->enq, memory_order_acquire);
    uint64_t d = shmgen__load(&HDR(q)->deq, memory_order_acquire);
    return pos_ok(q, e) && (lap_of(q, e) == 0 || d > e - ((uint64_t)1 << q->idx_bits_));
}

int shmgen_queue_wait_data(shmgen_queue_t *q, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(q)->data, queue_has_data, q, timeout_ms);
}

int shmgen_queue_wait_space(shmgen_queue_t *q, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(q)->space, queue_has_space, q, timeout_ms);
}

/* The blocking forms, on the shared retry loop of waitq.h (which naps when
 * the wait says "ready" but the operation still fails: the position we would
 * get is held by a stopped process, or others were faster). */
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
