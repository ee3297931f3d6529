/*
 * ring.c — the `ring` kind: SPSC stream with overwrite, last_n snapshots and
 * timed waits (see shmgen/ring.h; crash analysis in docs/crash-recovery.md).
 *
 * Header (256 bytes): line 0 meta; line 1 producer side (head, its wrapped
 * index, dropped count, producer owner); line 2 consumer side (tail = the
 * consumer's claim word, its wrapped index, consumer owner); line 3 the two
 * wait queues.  Slot i is {seq word, element}.  For position p (free-running)
 * in slot p % capacity the seq word reads:
 *   2p          free for the producer of p
 *   2p | BUSY   the producer is writing p (if it died doing so: free for
 *               the next producer of p; never read as stored)
 *   2p + 1      p is published (the consumer and last_n readers may read it)
 *   2(p + cap)  p was consumed by a single pop (its bytes stay readable for last_n)
 * Producer and consumer signal each other through the slots only; neither
 * reads the other's line on the single-element fast path.  A bulk pop frees
 * its whole run with one store of `released` on the consumer line instead of
 * one store per slot (its slots keep reading 2p + 1); a producer finding such
 * a slot consults `released` through a cache on its own line.  The consumer
 * claims a position with a CAS on `tail` (its own line) before copying; the
 * producer's push_overwrite drops the oldest element with a CAS on the same
 * word, so exactly one of them gets it and nobody copies a slot being rewritten.
 * That CAS is a locked instruction on every pop, so it is only used once a
 * push_overwrite has happened (`ovw`, sticky): before, single pops advance
 * tail with plain stores inside an `in_pop` bracket, and the first overwrite
 * switches modes with an asymmetric Dekker handshake (ovw store + membarrier
 * against in_pop store + compiler barrier) and waits out a pop in flight.
 * A drop sets TAIL_DROP on the tail it stores, so that after a SIGKILL the
 * last move of tail tells a producer's drop (slot to be reclaimed) from a
 * consumer's claim (slot still being read): see docs/crash-recovery.md.
 * Depends on wait.h (futex waits, helpers), internal.h, shmgen/ring.h.
 */
#include "shmgen/ring.h"

#include <string.h>

#include "wait.h"

#define OWNER_REPAIRING 0x80000000u
/* On tail: the last move of tail was a producer's drop of position
 * (tail & ~TAIL_DROP) - 1, not a consumer's claim.  The next claim clears it. */
#define TAIL_DROP ((uint64_t)1 << 63)

typedef struct ring_hdr {
    shmgen__cmeta_t meta;
    /* line 0, after the meta: written by bulk pops only, read by a producer
     * that finds the ring full; kept off both sides' hot lines */
    shmgen__atomic_u64 released; /* every position below it was consumed by a bulk pop */
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t) - 8];
    /* line 1: written by the producer only (and by repair of a dead producer) */
    shmgen__atomic_u64 head;    /* positions published */
    shmgen__atomic_u64 p_idx;   /* head % capacity */
    shmgen__atomic_u64 dropped; /* elements dropped by push_overwrite */
    shmgen__atomic_u32 p_owner; /* registry owner of the producer side; 0 = none */
    uint32_t reserved1;
    shmgen__atomic_u64 rel_cache; /* the last value of `released` the producer read */
    unsigned char pad1[SHMGEN_CACHE_LINE - 40];
    /* line 2: written by the consumer (tail also by a dropping producer) */
    shmgen__atomic_u64 tail;    /* positions claimed by the consumer or dropped */
    shmgen__atomic_u64 c_pos;   /* the position c_idx belongs to */
    shmgen__atomic_u64 c_idx;   /* c_pos % capacity */
    shmgen__atomic_u32 c_owner; /* registry owner of the consumer side; 0 = none */
    shmgen__atomic_u32 in_pop;  /* 1 while a plain-mode pop runs (see pop) */
    shmgen__atomic_u32 ovw;     /* 1 once push_overwrite was used: pops claim by CAS */
    unsigned char pad2[SHMGEN_CACHE_LINE - 36];
    /* line 3: waiters only */
    shmgen__waitq_t data, space;
    unsigned char pad3[SHMGEN_CACHE_LINE - 2 * sizeof(shmgen__waitq_t)];
} ring_hdr_t;

_Static_assert(sizeof(ring_hdr_t) == SHMGEN__KIND_HEADER, "ring header is four cache lines");

#define HDR(r) ((ring_hdr_t *)(r)->hdr_)

static inline shmgen__atomic_u64 *slot_seq(const shmgen_ring_t *r, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(r->slots_ + idx * r->slot_bytes_);
}

static inline unsigned char *slot_elem(const shmgen_ring_t *r, uint64_t idx)
{
    return r->slots_ + idx * r->slot_bytes_ + 8u;
}

static inline uint64_t next_idx(const shmgen_ring_t *r, uint64_t idx)
{
    return idx + 1 == r->capacity_ ? 0 : idx + 1;
}

/* Whether slot (seq s) is free for the producer of pos although it still
 * shows position pos - cap published: a bulk pop released it. */
static inline bool bulk_released(shmgen_ring_t *r, uint64_t pos, uint64_t s)
{
    ring_hdr_t *h = HDR(r);
    uint64_t old = pos - r->capacity_, rel;
    if (pos < r->capacity_ || s != 2 * old + 1) return false;
    /* Relaxed: filled below by an acquire load, which already ordered the
     * consumer's copies before our writes. */
    if (shmgen__load(&h->rel_cache, memory_order_relaxed) > old) return true;
    /* Acquire: pairs with the bulk pop's release; its copies are done. */
    rel = shmgen__load(&h->released, memory_order_acquire);
    if (!r->readonly_) shmgen__store(&h->rel_cache, rel, memory_order_relaxed);
    return rel > old;
}

/* Whether the slot of pos (seq s), not showing plain "free" (2 * pos), may
 * still be written by the producer: a bulk pop released it, or a producer
 * died while writing pos (only the producer of pos ever writes that mark). */
static inline bool slot_reusable(shmgen_ring_t *r, uint64_t pos, uint64_t s)
{
    return s == (2 * pos | SHMGEN__BUSY_BIT) || bulk_released(r, pos, s);
}

/* Whether the slot of pos (seq s) may be written by the producer. */
static inline bool slot_free(shmgen_ring_t *r, uint64_t pos, uint64_t s)
{
    return s == 2 * pos || slot_reusable(r, pos, s);
}

/* ---- side ownership and repair ----------------------------------------- */

/* The producer died right after winning the drop CAS for head - cap, before
 * re-marking the slot: tail still carries TAIL_DROP for exactly that
 * position, so no consumer claimed it and nobody reads the slot.  (Once
 * a consumer claims past it, tail loses the mark and that consumer frees the
 * slot instead: see free_dropped.) */
static int reclaim_dropped(shmgen_ring_t *r, uint64_t head, uint64_t idx)
{
    ring_hdr_t *h = HDR(r);
    uint64_t cap = r->capacity_, old = head - cap;
    /* Acquire: pairs with the release that published the slot. */
    uint64_t s = shmgen__load(slot_seq(r, idx), memory_order_acquire);
    if (head < cap || s != 2 * old + 1) return 0;
    /* Acquire on both: a snapshot of the last move of tail and of bulk releases. */
    if (shmgen__load(&h->tail, memory_order_acquire) != ((old + 1) | TAIL_DROP) ||
        shmgen__load(&h->released, memory_order_acquire) > old)
        return 0;
    /* CAS: a consumer claiming past the drop may free it at the same time
     * (free_dropped), to the same value. */
    if (!shmgen__cas(slot_seq(r, idx), &s, 2 * head, memory_order_acq_rel, memory_order_relaxed)) return 0;
    /* Relaxed: producer-only counter; we own the side. */
    shmgen__store(&h->dropped, shmgen__load(&h->dropped, memory_order_relaxed) + 1, memory_order_relaxed);
    return 1;
}

/* A dead producer may leave: BUSY marks on the slots of its last push or bulk
 * run (left alone: slot_reusable treats them as free, and last_n readers
 * reject them, whereas resetting them to "free" would also read as "consumed,
 * bytes intact" and let last_n return the half-written bytes), published
 * slots with head not advanced (maybe popped already), or a won drop CAS with
 * the slot not yet re-marked.  Caller owns the producer side exclusively. */
static int repair_producer(shmgen_ring_t *r)
{
    ring_hdr_t *h = HDR(r);
    uint64_t cap = r->capacity_, head = shmgen__load(&h->head, memory_order_relaxed);
    uint64_t idx = head % cap, n = 0;
    int repairs = 0;
    while (n++ < cap) {
        /* Acquire: pairs with the release that set the seq. */
        uint64_t s = shmgen__load(slot_seq(r, idx), memory_order_acquire);
        /* Published but not covered by head; or published and, since the
         * consumer reads slots and never head, already popped (2(p + cap)
         * is only ever written for a position that was published). */
        if (s != 2 * head + 1 && s != 2 * (head + cap)) break;
        head++;
        idx = next_idx(r, idx);
        repairs = 1;
    }
    repairs += reclaim_dropped(r, head, idx);
    /* Release: readers of head see the slots it covers published. */
    shmgen__store(&h->head, head, memory_order_release);
    shmgen__store(&h->p_idx, idx, memory_order_relaxed);
    return repairs;
}

/* A dead consumer may leave claimed (tail advanced) but unreleased slots:
 * release every slot of the last lap still published below tail (slots a
 * bulk pop already released just change to the equivalent per-slot form). */
static int repair_consumer(shmgen_ring_t *r)
{
    ring_hdr_t *h = HDR(r);
    uint64_t cap = r->capacity_, from, s;
    /* Acquire: as for the slots below. */
    uint64_t tail = shmgen__load(&h->tail, memory_order_acquire) & ~TAIL_DROP;
    int repairs = 0;
    /* A plain-mode pop that died after freeing its slot but before advancing
     * tail: the slot reads consumed (or already reused), not 2 * tail + 1. */
    for (uint64_t n = 0; n < cap; n++) {
        s = shmgen__load(slot_seq(r, tail % cap), memory_order_acquire) & ~SHMGEN__BUSY_BIT;
        if (s < 2 * (tail + cap)) break;
        tail++;
        repairs = 1;
    }
    if (repairs) {
        uint64_t seen = shmgen__load(&h->tail, memory_order_relaxed);
        /* CAS: a live producer may be dropping (moving tail) concurrently;
         * then it already moved past what we wanted to skip. */
        if ((seen & ~TAIL_DROP) < tail &&
            !shmgen__cas(&h->tail, &seen, tail, memory_order_acq_rel, memory_order_acquire))
            tail = seen & ~TAIL_DROP;
    }
    /* Release: the repaired side is visible to a producer switching modes. */
    shmgen__store(&h->in_pop, 0, memory_order_release);
    from = tail > cap ? tail - cap : 0;
    for (uint64_t p = from; p < tail; p++) {
        uint64_t want = 2 * p + 1;
        /* CAS, not store: a live producer may have dropped the same position
         * (nobody reads it then); both of us write "free for p + cap". */
        if (shmgen__cas(slot_seq(r, p % cap), &want, 2 * (p + cap), memory_order_acq_rel,
                        memory_order_relaxed))
            repairs++;
    }
    shmgen__store(&h->c_pos, tail, memory_order_relaxed);
    shmgen__store(&h->c_idx, tail % cap, memory_order_relaxed);
    return repairs;
}

/* Makes this process the owner of one side, repairing a dead predecessor. */
static void take_side(shmgen_ring_t *r, shmgen__atomic_u32 *word, int (*repair)(shmgen_ring_t *))
{
    unsigned spins = 0;
    for (;;) {
        /* Acquire: the previous owner's side state is visible once we own it. */
        uint32_t cur = shmgen__load(word, memory_order_acquire);
        bool dead;
        if (cur == r->self_) return;
        dead = cur != 0 && !shmgen__owner_alive(r->seg_, cur & ~OWNER_REPAIRING);
        if ((cur & OWNER_REPAIRING) && !dead) {
            shmgen__backoff(&spins); /* a live process is repairing this side */
            continue;
        }
        if (shmgen__cas(word, &cur, r->self_, memory_order_acq_rel, memory_order_acquire)) {
            if (dead) (void)repair(r);
            return;
        }
    }
}

static inline void own_producer(shmgen_ring_t *r)
{
    /* Relaxed: our own earlier store; a takeover by another process is a
     * handover the user serialises. */
    if (shmgen__load(&HDR(r)->p_owner, memory_order_relaxed) != r->self_)
        take_side(r, &HDR(r)->p_owner, repair_producer);
}

static inline void own_consumer(shmgen_ring_t *r)
{
    if (shmgen__load(&HDR(r)->c_owner, memory_order_relaxed) != r->self_)
        take_side(r, &HDR(r)->c_owner, repair_consumer);
}

/* ---- kind ops ----------------------------------------------------------- */

static void ring_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    ring_hdr_t *h = (ring_hdr_t *)base;
    uint64_t slot_bytes = shmgen_kind_slot_bytes(SHMGEN_KIND_RING, info->elem_size);
    unsigned char *slots = (unsigned char *)base + SHMGEN__KIND_HEADER;
    (void)initial;
    shmgen__cmeta_init(base, info);
    /* Relaxed: the segment is published to other processes by its ready state. */
    for (uint64_t i = 0; i < info->capacity; i++)
        shmgen__store((shmgen__atomic_u64 *)(void *)(slots + i * slot_bytes), 2 * i, memory_order_relaxed);
    shmgen__store(&h->head, 0, memory_order_relaxed);
    shmgen__store(&h->tail, 0, memory_order_relaxed);
}

static int ring_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_RING);
}

/* Repairs a side whose owner died.  Runs under the segment's recovery lock. */
static int recover_side(shmgen_ring_t *r, shmgen__atomic_u32 *word, int (*repair)(shmgen_ring_t *))
{
    /* Acquire: the dead owner's side state is visible to the repair. */
    uint32_t cur = shmgen__load(word, memory_order_acquire);
    int n;
    if (cur == 0 || shmgen__owner_alive(r->seg_, cur & ~OWNER_REPAIRING)) return 0;
    if (!shmgen__cas(word, &cur, OWNER_REPAIRING | r->self_, memory_order_acq_rel, memory_order_relaxed))
        return 0; /* someone took the side over: they repaired it */
    n = repair(r);
    /* Release: the repaired state is visible to the next owner. */
    shmgen__store(word, 0, memory_order_release);
    return n + 1;
}

static int ring_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info)
{
    shmgen_ring_t r;
    int rc = shmgen_ring_bind(&r, seg, info);
    (void)base;
    if (rc != 0) return rc;
    return recover_side(&r, &HDR(&r)->p_owner, repair_producer) +
           recover_side(&r, &HDR(&r)->c_owner, repair_consumer);
}

const shmgen__kind_ops_t shmgen__ring_ops = {ring_init, ring_check, ring_recover};

int shmgen_ring_bind(shmgen_ring_t *r, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    if (!r || !seg || !info) return SHMGEN_INVALID_ARGUMENT;
    if (info->kind != SHMGEN_KIND_RING) return SHMGEN_WRONG_KIND;
    base = shmgen_segment_struct_base(seg, info);
    if (!base) return SHMGEN_INVALID_ARGUMENT;
    if (ring_check(base, info) != 0) return SHMGEN_CORRUPT;
    memset(r, 0, sizeof *r);
    r->hdr_ = base;
    r->slots_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    r->capacity_ = info->capacity;
    r->slot_bytes_ = shmgen_kind_slot_bytes(SHMGEN_KIND_RING, info->elem_size);
    r->elem_size_ = info->elem_size;
    r->seg_ = seg;
    r->readonly_ = shmgen_segment_is_readonly(seg);
    r->self_ = shmgen__self_owner(seg);
    shmgen__wait_process_init();
    return 0;
}

/* ---- producer ------------------------------------------------------------ */

/* Writes position pos into slot idx, which the producer owns (seq free). */
static inline void write_slot(shmgen_ring_t *r, uint64_t idx, uint64_t pos, const void *elem)
{
    shmgen__atomic_u64 *seq = slot_seq(r, idx);
    /* Relaxed + release fence: the seqlock's "writer entered" mark; any
     * last_n reader that sees one of our element stores then sees BUSY. */
    shmgen__store(seq, 2 * pos | SHMGEN__BUSY_BIT, memory_order_relaxed);
    shmgen__fence(memory_order_release);
    shmgen__store_words(slot_elem(r, idx), elem, r->elem_size_);
    /* Release: the element is visible to whoever acquires the published seq. */
    shmgen__store(seq, 2 * pos + 1, memory_order_release);
}

/* Pass 1 of write_run over k contiguous slots from slot: "writer entered"
 * marks for positions pos, pos + 1, ... */
static inline void mark_busy(unsigned char *slot, uint64_t sb, uint64_t pos, uint64_t k)
{
    for (unsigned char *end = slot + k * sb; slot != end; slot += sb, pos++)
        /* Relaxed + write_run's release fence: as in write_slot. */
        shmgen__store((shmgen__atomic_u64 *)(void *)slot, 2 * pos | SHMGEN__BUSY_BIT, memory_order_relaxed);
}

/* Pass 2 of write_run over k contiguous slots: the elements, as relaxed word
 * stores (last_n readers may read them concurrently); whole-word sizes copy
 * without the tail handling of shmgen__store_words. */
static inline void store_elems(unsigned char *slot, uint64_t sb, const unsigned char *src, uint32_t es,
                               uint64_t k)
{
    unsigned char *end = slot + k * sb;
    if (es % 8 != 0) {
        for (; slot != end; slot += sb, src += es) shmgen__store_words(slot + 8, src, es);
        return;
    }
    for (; slot != end; slot += sb)
        for (unsigned char *d = slot + 8, *e = slot + 8 + es; d != e; d += 8, src += 8) {
            uint64_t v;
            __builtin_memcpy(&v, src, 8);
            /* Relaxed: ordered by write_run's fence and the publishing releases. */
            shmgen__store((shmgen__atomic_u64 *)(void *)d, v, memory_order_relaxed);
        }
}

/* Pass 3: publications of positions pos, pos + 1, ... */
static inline void publish(unsigned char *slot, uint64_t sb, uint64_t pos, uint64_t k)
{
    for (unsigned char *end = slot + k * sb; slot != end; slot += sb, pos++)
        /* Release: each element is visible to whoever acquires its seq. */
        shmgen__store((shmgen__atomic_u64 *)(void *)slot, 2 * pos + 1, memory_order_release);
}

/* Passes 2 and 3 in one for 8-byte elements (one word, then its seq; the
 * same order per slot, measured faster for this size only). */
static inline void store_publish8(unsigned char *slot, uint64_t sb, const unsigned char *src, uint64_t pos,
                                  uint64_t k)
{
    for (unsigned char *end = slot + k * sb; slot != end; slot += sb, src += 8, pos++) {
        uint64_t v;
        __builtin_memcpy(&v, src, 8);
        /* Relaxed: ordered by write_run's fence and the release below. */
        shmgen__store((shmgen__atomic_u64 *)(void *)(slot + 8), v, memory_order_relaxed);
        /* Release: the element is visible to whoever acquires its seq. */
        shmgen__store((shmgen__atomic_u64 *)(void *)slot, 2 * pos + 1, memory_order_release);
    }
}

/* write_slot for k consecutive slots in three passes: all "writer entered"
 * marks, then all elements, then all publications.  The first pass has one
 * store per slot, so many more slot lines are requested from the consumer's
 * cache at once than when each slot's stores queue up in turn (8-byte
 * elements merge the last two: store_publish8).  The run is at most two
 * contiguous pieces (before and after the wrap), each walked by pointer. */
static void write_run(shmgen_ring_t *r, uint64_t idx, uint64_t head, const unsigned char *src, uint64_t k)
{
    uint64_t sb = r->slot_bytes_, k1 = r->capacity_ - idx < k ? r->capacity_ - idx : k;
    uint32_t es = r->elem_size_;
    unsigned char *a = r->slots_ + idx * sb, *b = r->slots_;
    mark_busy(a, sb, head, k1);
    mark_busy(b, sb, head + k1, k - k1);
    shmgen__fence(memory_order_release);
    if (es == 8) {
        store_publish8(a, sb, src, head, k1);
        store_publish8(b, sb, src + k1 * 8, head + k1, k - k1);
        return;
    }
    store_elems(a, sb, src, es, k1);
    store_elems(b, sb, src + k1 * es, es, k - k1);
    publish(a, sb, head, k1);
    publish(b, sb, head + k1, k - k1);
}

static inline void advance_head(shmgen_ring_t *r, uint64_t head, uint64_t idx)
{
    ring_hdr_t *h = HDR(r);
    /* Release: size/last_n readers that see head also see the slots published. */
    shmgen__store(&h->head, head, memory_order_release);
    /* Relaxed: read back only by the producer side itself. */
    shmgen__store(&h->p_idx, idx, memory_order_relaxed);
}

int shmgen_ring_push(shmgen_ring_t *r, const void *elem)
{
    ring_hdr_t *h = HDR(r);
    uint64_t head, idx, s;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    own_producer(r);
    /* Relaxed: the producer's own line, written only by this side. */
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = shmgen__load(&h->p_idx, memory_order_relaxed);
    /* Acquire: the consumer's reads of the slot's old bytes precede our writes. */
    s = shmgen__load(slot_seq(r, idx), memory_order_acquire);
    if (s != 2 * head && !slot_reusable(r, head, s)) return SHMGEN_FULL;
    write_slot(r, idx, head, elem);
    advance_head(r, head + 1, next_idx(r, idx));
    shmgen__waitq_notify(&h->data);
    return 0;
}

size_t shmgen_ring_push_bulk(shmgen_ring_t *r, const void *elems, size_t n)
{
    ring_hdr_t *h = HDR(r);
    const unsigned char *src = (const unsigned char *)elems;
    uint64_t head, idx, k, last;
    if (r->readonly_ || n == 0) return 0;
    own_producer(r);
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = shmgen__load(&h->p_idx, memory_order_relaxed);
    k = n < r->capacity_ ? n : r->capacity_;
    last = idx + k - 1;
    if (last >= r->capacity_) last -= r->capacity_;
    /* The consumer frees slots in position order, so the run's last slot
     * being free means the whole run is (one check for k slots). Acquire as in push. */
    if (!slot_free(r, head + k - 1, shmgen__load(slot_seq(r, last), memory_order_acquire))) {
        uint64_t j = 0, i = idx;
        while (j < k && slot_free(r, head + j, shmgen__load(slot_seq(r, i), memory_order_acquire))) {
            j++;
            i = next_idx(r, i);
        }
        k = j;
    }
    if (k == 0) return 0;
    write_run(r, idx, head, src, k);
    idx += k;
    if (idx >= r->capacity_) idx -= r->capacity_;
    advance_head(r, head + k, idx);
    shmgen__waitq_notify(&h->data);
    return (size_t)k;
}

/* Called by a producer that has been waiting long for the consumer: if the
 * consumer side's owner is dead, repair it.  Through the segment's recovery
 * lock, not recover_side directly: under that lock the dead owner's registry
 * slot cannot be freed and given to a new process in between our liveness
 * check and our CAS on the owner word (a CAS from the id we read would then
 * succeed against a live new consumer and repair under its feet). */
static void repair_dead_consumer(shmgen_ring_t *r)
{
    /* Acquire: as in take_side. */
    uint32_t c = shmgen__load(&HDR(r)->c_owner, memory_order_acquire);
    if (c == 0 || shmgen__owner_alive(r->seg_, c & ~OWNER_REPAIRING)) return;
    if (shmgen_segment_recover(r->seg_) < 0) /* e.g. a fork()ed child's handle */
        (void)recover_side(r, &HDR(r)->c_owner, repair_consumer);
}

/* The consumer claimed the oldest element first: wait for its release. */
static int await_consumer_release(shmgen_ring_t *r, uint64_t idx, uint64_t head)
{
    unsigned spins = 0;
    /* Acquire: as in push. */
    while (!slot_free(r, head, shmgen__load(slot_seq(r, idx), memory_order_acquire))) {
        if (spins > 100000) {
            repair_dead_consumer(r); /* it may have died mid-pop */
            spins = 64;
        }
        shmgen__backoff(&spins);
    }
    return 0;
}

/* Makes every later pop claim by CAS, and waits for a plain pop in flight. */
static void enter_overwrite_mode(shmgen_ring_t *r)
{
    ring_hdr_t *h = HDR(r);
    unsigned spins = 0;
    /* Relaxed: producer-only transition, checked on the consumer's line. */
    if (shmgen__load(&h->ovw, memory_order_relaxed)) return;
    shmgen__store(&h->ovw, 1, memory_order_relaxed);
    /* The producer half of the handshake: after this, a pop either saw ovw
     * or has its in_pop store visible to the load below. */
    shmgen__heavy_fence();
    /* Acquire: pairs with the pop's release of in_pop; its tail store is visible. */
    while (shmgen__load(&h->in_pop, memory_order_acquire) != 0) {
        if (spins > 100000) {
            repair_dead_consumer(r); /* it may have died with in_pop set */
            spins = 64;
        }
        shmgen__backoff(&spins);
    }
}

/* Takes position oldest away from the consumer, unless it claimed it first.
 * The new tail carries TAIL_DROP until the consumer's next claim. */
static bool drop_oldest(shmgen_ring_t *r, uint64_t oldest)
{
    ring_hdr_t *h = HDR(r);
    /* Relaxed: the CAS validates it. */
    uint64_t t = shmgen__load(&h->tail, memory_order_relaxed);
    /* Only the consumer moves tail meanwhile, and only past oldest. */
    while ((t & ~TAIL_DROP) == oldest)
        /* Acq_rel: settles who owns `oldest` against the consumer's claim CAS. */
        if (shmgen__cas(&h->tail, &t, (oldest + 1) | TAIL_DROP, memory_order_acq_rel, memory_order_relaxed))
            return true;
    return false;
}

int shmgen_ring_push_overwrite(shmgen_ring_t *r, const void *elem)
{
    ring_hdr_t *h = HDR(r);
    uint64_t head, idx, s, oldest;
    int dropped = 0;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    own_producer(r);
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = shmgen__load(&h->p_idx, memory_order_relaxed);
    s = shmgen__load(slot_seq(r, idx), memory_order_acquire);
    if (!slot_free(r, head, s)) {
        oldest = head - r->capacity_; /* not free means full: head >= capacity */
        if (s != 2 * oldest + 1) return SHMGEN_CORRUPT;
        enter_overwrite_mode(r);
        if (drop_oldest(r, oldest)) {
            /* Relaxed: producer-only counter; readers tolerate a stale value. */
            shmgen__store(&h->dropped, shmgen__load(&h->dropped, memory_order_relaxed) + 1,
                          memory_order_relaxed);
            dropped = 1;
        } else {
            (void)await_consumer_release(r, idx, head);
        }
    }
    write_slot(r, idx, head, elem);
    advance_head(r, head + 1, next_idx(r, idx));
    shmgen__waitq_notify(&h->data);
    return dropped;
}

/* ---- consumer ------------------------------------------------------------ */

/* Copies one element out; constant sizes are inlined for the common ones. */
static inline void copy_out(unsigned char *dst, const unsigned char *src, uint32_t size)
{
    if (size == 8) memcpy(dst, src, 8);
    else if (size == 16) memcpy(dst, src, 16);
    else memcpy(dst, src, size);
}

/* copy_slots for the other sizes (out of line: inlined, it slowed the
 * common cases down). */
static __attribute__((noinline)) void copy_slots_other(unsigned char *dst, const unsigned char *slot,
                                                       uint64_t sb, uint32_t es, uint64_t k)
{
    const unsigned char *end = slot + k * sb;
    if (es % 8 != 0) {
        for (; slot != end; slot += sb, dst += es) memcpy(dst, slot + 8, es);
        return;
    }
    /* Inline word moves instead of a memcpy call per slot. */
    for (; slot != end; slot += sb)
        for (const unsigned char *w = slot + 8, *e = slot + 8 + es; w != e; w += 8, dst += 8) memcpy(dst, w, 8);
}

/* Copies k contiguous slots' elements from slot to dst (pointer walk; the
 * common sizes inline).  Plain copies: the claim excludes every writer. */
static inline void copy_slots(unsigned char *dst, const unsigned char *slot, uint64_t sb, uint32_t es,
                              uint64_t k)
{
    const unsigned char *end = slot + k * sb;
    if (es == 8)
        for (; slot != end; slot += sb, dst += 8) memcpy(dst, slot + 8, 8);
    else if (es == 16)
        for (; slot != end; slot += sb, dst += 16) memcpy(dst, slot + 8, 16);
    else if (es == 64)
        for (; slot != end; slot += sb, dst += 64) memcpy(dst, slot + 8, 64);
    else
        copy_slots_other(dst, slot, sb, es, k);
}

/* Copies the elements of the k slots from idx on (wrapping) to dst. */
static void copy_run(shmgen_ring_t *r, unsigned char *dst, uint64_t idx, uint64_t k)
{
    uint64_t sb = r->slot_bytes_, k1 = r->capacity_ - idx < k ? r->capacity_ - idx : k;
    uint32_t es = r->elem_size_;
    copy_slots(dst, r->slots_ + idx * sb, sb, es, k1);
    copy_slots(dst + k1 * es, r->slots_, sb, es, k - k1);
}

/* Wrapped index of position t: cached beside the position on the consumer line. */
static inline uint64_t consumer_idx(shmgen_ring_t *r, uint64_t t)
{
    ring_hdr_t *h = HDR(r);
    /* Relaxed: consumer-side words written only by the consumer itself. */
    if (shmgen__load(&h->c_pos, memory_order_relaxed) == t) return shmgen__load(&h->c_idx, memory_order_relaxed);
    return t % r->capacity_; /* only after a drop moved tail */
}

static inline void consumer_done(shmgen_ring_t *r, uint64_t t, uint64_t idx)
{
    ring_hdr_t *h = HDR(r);
    shmgen__store(&h->c_pos, t, memory_order_relaxed);
    shmgen__store(&h->c_idx, idx, memory_order_relaxed);
    shmgen__waitq_notify(&h->space);
}

/* Called after a claim whose tail carried TAIL_DROP: the producer dropped
 * pos (the position before the claim, whose successor is in slot next) and
 * may have died before re-marking its slot.  Nobody consumes pos, so its slot
 * is free for pos + cap either way; a live producer's own marks overwrite
 * ours, and once it has marked the slot the CAS fails. */
static void free_dropped(shmgen_ring_t *r, uint64_t pos, uint64_t next)
{
    shmgen__atomic_u64 *seq = slot_seq(r, next == 0 ? r->capacity_ - 1 : next - 1);
    uint64_t want = 2 * pos + 1;
    /* Relaxed: no element bytes change hands here (we never read the slot);
     * the load skips the CAS when the producer already re-marked it. */
    if (shmgen__load(seq, memory_order_relaxed) == want)
        (void)shmgen__cas(seq, &want, 2 * (pos + r->capacity_), memory_order_relaxed, memory_order_relaxed);
}

/* Pop claiming the position with a CAS on tail (overwrite mode, or no membarrier). */
static int pop_claiming(shmgen_ring_t *r, void *out)
{
    ring_hdr_t *h = HDR(r);
    for (;;) {
        /* Relaxed: the CAS below validates it. */
        uint64_t raw = shmgen__load(&h->tail, memory_order_relaxed), t = raw & ~TAIL_DROP;
        uint64_t idx = consumer_idx(r, t);
        shmgen__atomic_u64 *seq = slot_seq(r, idx);
        /* Acquire: pairs with the producer's publishing release; the element is visible. */
        if (shmgen__load(seq, memory_order_acquire) != 2 * t + 1) return SHMGEN_EMPTY;
        /* Relaxed: only mutual exclusion with a dropping producer matters; the
         * element bytes were made visible by the acquire above. */
        if (!shmgen__cas(&h->tail, &raw, t + 1, memory_order_relaxed, memory_order_relaxed)) continue;
        if (raw & TAIL_DROP) free_dropped(r, t - 1, idx);
        copy_out(out, slot_elem(r, idx), r->elem_size_);
        /* Release: our reads of the slot complete before the producer reuses it. */
        shmgen__store(seq, 2 * (t + r->capacity_), memory_order_release);
        consumer_done(r, t + 1, next_idx(r, idx));
        return 0;
    }
}

int shmgen_ring_pop(shmgen_ring_t *r, void *out)
{
    ring_hdr_t *h = HDR(r);
    uint64_t t, idx;
    shmgen__atomic_u64 *seq;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    own_consumer(r);
    if (!shmgen__wait_asymmetric) return pop_claiming(r, out);
    /* Relaxed + compiler barrier: the consumer half of the mode handshake;
     * the producer's membarrier supplies the StoreLoad fence. */
    shmgen__store(&h->in_pop, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    if (shmgen__load(&h->ovw, memory_order_relaxed)) {
        shmgen__store(&h->in_pop, 0, memory_order_relaxed);
        return pop_claiming(r, out);
    }
    /* Relaxed: in plain mode only this consumer writes tail (so it never
     * carries TAIL_DROP: drops start after the mode handshake). */
    t = shmgen__load(&h->tail, memory_order_relaxed);
    idx = consumer_idx(r, t);
    seq = slot_seq(r, idx);
    /* Acquire: pairs with the producer's publishing release. */
    if (shmgen__load(seq, memory_order_acquire) != 2 * t + 1) {
        shmgen__store(&h->in_pop, 0, memory_order_release);
        return SHMGEN_EMPTY;
    }
    copy_out(out, slot_elem(r, idx), r->elem_size_);
    /* Release: our reads of the slot complete before the producer reuses it. */
    shmgen__store(seq, 2 * (t + r->capacity_), memory_order_release);
    /* Relaxed: the consumer's own word; readers (size) tolerate staleness. */
    shmgen__store(&h->tail, t + 1, memory_order_relaxed);
    /* Release: a producer switching modes that sees 0 sees our tail. */
    shmgen__store(&h->in_pop, 0, memory_order_release);
    consumer_done(r, t + 1, next_idx(r, idx));
    return 0;
}

/* How many positions from t on are published (at most k).  Reads the
 * producer's head once instead of probing slots the producer may be writing
 * right now, so a bulk consumer takes whole published batches. */
static uint64_t published_run(shmgen_ring_t *r, uint64_t t, uint64_t idx, uint64_t k)
{
    /* Acquire: pairs with the producer's release of head, stored after it
     * published every slot below head. */
    uint64_t head = shmgen__load(&HDR(r)->head, memory_order_acquire);
    if (head > t) return head - t < k ? head - t : k;
    /* head may lag a producer that died after publishing (repaired at takeover). */
    return shmgen__load(slot_seq(r, idx), memory_order_acquire) == 2 * t + 1 ? 1 : 0;
}

size_t shmgen_ring_pop_bulk(shmgen_ring_t *r, void *out, size_t max)
{
    ring_hdr_t *h = HDR(r);
    unsigned char *dst = (unsigned char *)out;
    uint64_t raw, t, idx, k;
    if (r->readonly_ || max == 0) return 0;
    own_consumer(r);
    do {
        raw = shmgen__load(&h->tail, memory_order_relaxed);
        t = raw & ~TAIL_DROP;
        idx = consumer_idx(r, t);
        k = published_run(r, t, idx, max < r->capacity_ ? max : r->capacity_);
        if (k == 0) return 0;
        /* Relaxed: as in pop; a failure means the producer dropped t. */
    } while (!shmgen__cas(&h->tail, &raw, t + k, memory_order_relaxed, memory_order_relaxed));
    if (raw & TAIL_DROP) free_dropped(r, t - 1, idx);
    copy_run(r, dst, idx, k);
    idx += k;
    if (idx >= r->capacity_) idx -= r->capacity_;
    /* Release: all our reads of the run complete before the producer reuses
     * any of its slots (one store frees the whole run). */
    shmgen__store(&h->released, t + k, memory_order_release);
    consumer_done(r, t + k, idx);
    return (size_t)k;
}

/* ---- readers ------------------------------------------------------------- */

/* Seqlock read of position p from slot idx; false if it is not (or no longer) stored. */
static bool read_stored(const shmgen_ring_t *r, uint64_t idx, uint64_t p, void *out)
{
    shmgen__atomic_u64 *seq = slot_seq(r, idx);
    /* Acquire: pairs with the publishing release; the element bytes are visible. */
    uint64_t s1 = shmgen__load(seq, memory_order_acquire);
    if (s1 != 2 * p + 1 && s1 != 2 * (p + r->capacity_)) return false;
    shmgen__load_words(out, slot_elem(r, idx), r->elem_size_);
    /* Acquire fence: our element loads happen before the re-check; if any saw a
     * newer writer's store, the re-check sees that writer's BUSY mark. */
    shmgen__fence(memory_order_acquire);
    return shmgen__load(seq, memory_order_relaxed) == s1;
}

size_t shmgen_ring_last_n(const shmgen_ring_t *r, void *out, size_t n)
{
    unsigned char *dst = (unsigned char *)out;
    /* Acquire: positions below head are published. */
    uint64_t head = shmgen__load(&HDR(r)->head, memory_order_acquire);
    uint64_t count = n, got = 0, idx;
    if (count > r->capacity_) count = r->capacity_;
    if (count > head) count = head;
    if (count == 0) return 0;
    idx = (head - 1) % r->capacity_;
    /* Newest first into the back of out, so a lost race leaves a clean suffix. */
    for (; got < count; got++) {
        if (!read_stored(r, idx, head - 1 - got, dst + (count - 1 - got) * r->elem_size_)) break;
        idx = idx == 0 ? r->capacity_ - 1 : idx - 1;
    }
    if (got < count) memmove(dst, dst + (count - got) * r->elem_size_, got * r->elem_size_);
    return (size_t)got;
}

uint64_t shmgen_ring_size(const shmgen_ring_t *r)
{
    /* Acquire both: a snapshot; tail first so that head >= tail. */
    uint64_t t = shmgen__load(&HDR(r)->tail, memory_order_acquire) & ~TAIL_DROP;
    uint64_t h = shmgen__load(&HDR(r)->head, memory_order_acquire);
    return h > t ? (h - t > r->capacity_ ? r->capacity_ : h - t) : 0;
}

uint64_t shmgen_ring_capacity(const shmgen_ring_t *r)
{
    return r->capacity_;
}

uint64_t shmgen_ring_dropped(const shmgen_ring_t *r)
{
    /* Relaxed: a statistic. */
    return shmgen__load(&HDR(r)->dropped, memory_order_relaxed);
}

/* ---- waits --------------------------------------------------------------- */

static bool ring_has_data(void *ctx)
{
    shmgen_ring_t *r = (shmgen_ring_t *)ctx;
    uint64_t t = shmgen__load(&HDR(r)->tail, memory_order_acquire) & ~TAIL_DROP;
    /* Acquire: pairs with the producer's publishing release. */
    return shmgen__load(slot_seq(r, t % r->capacity_), memory_order_acquire) == 2 * t + 1;
}

static bool ring_has_space(void *ctx)
{
    shmgen_ring_t *r = (shmgen_ring_t *)ctx;
    uint64_t h = shmgen__load(&HDR(r)->head, memory_order_acquire);
    uint64_t s = shmgen__load(slot_seq(r, h % r->capacity_), memory_order_acquire);
    return slot_free(r, h, s);
}

int shmgen_ring_wait_data(shmgen_ring_t *r, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(r)->data, ring_has_data, r, timeout_ms);
}

int shmgen_ring_wait_space(shmgen_ring_t *r, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(r)->space, ring_has_space, r, timeout_ms);
}

/* Milliseconds left until deadline_ns (-1 stays -1: forever). */
static int remaining_ms(int timeout_ms, uint64_t deadline_ns)
{
    uint64_t now;
    if (timeout_ms < 0) return -1;
    now = shmgen__now_ns();
    return now >= deadline_ns ? 0 : (int)((deadline_ns - now + 999999u) / 1000000u);
}

int shmgen_ring_push_wait(shmgen_ring_t *r, const void *elem, int timeout_ms)
{
    uint64_t deadline = shmgen__now_ns() + (timeout_ms > 0 ? (uint64_t)timeout_ms * 1000000u : 0);
    for (;;) {
        int rc = shmgen_ring_push(r, elem);
        if (rc != SHMGEN_FULL) return rc;
        if ((rc = shmgen_ring_wait_space(r, remaining_ms(timeout_ms, deadline))) != 0) return rc;
    }
}

int shmgen_ring_pop_wait(shmgen_ring_t *r, void *out, int timeout_ms)
{
    uint64_t deadline = shmgen__now_ns() + (timeout_ms > 0 ? (uint64_t)timeout_ms * 1000000u : 0);
    for (;;) {
        int rc = shmgen_ring_pop(r, out);
        if (rc != SHMGEN_EMPTY) return rc;
        if ((rc = shmgen_ring_wait_data(r, remaining_ms(timeout_ms, deadline))) != 0) return rc;
    }
}
