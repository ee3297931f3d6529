/*
 * SPDX-License-Identifier: MIT
 *
 * ring_side.c — who owns a ring's producer and consumer sides, and the repair
 * of a side whose owner died (the crash analysis is docs/crash-recovery.md).
 *
 * The taking over itself is owner.h's (a second live attachment is refused
 * with SHMGEN_BUSY; a side whose owner died, or left without handing it
 * over, is taken over after a repair under the recovery lock); this file
 * says what the repair of each side is.  Tools read the owners' pids
 * (shmgen_ring_owners).
 * Depends on ring_priv.h, owner.h, internal.h (tokens, recovery).
 */
#include <string.h>

#include "ring_priv.h"

/* The producer died right after winning the drop CAS for head - cap, before
 * re-marking the slot: tail still carries TAIL_DROP for exactly that
 * position, so no consumer claimed it and nobody reads the slot.  (Once a
 * consumer claims past it, tail loses the mark and that consumer frees the
 * slot instead: see free_dropped in ring.c.) */
static int reclaim_dropped(shmgen_ring_t *r, uint64_t head, uint64_t idx)
{
    shmgen__ring_hdr_t *h = RING_HDR(r);
    uint64_t cap = r->capacity_, old = head - cap;
    /* Acquire: pairs with the release that last set the slot. */
    uint64_t s = shmgen__load(shmgen__ring_seq(r, idx), memory_order_acquire);
    if (head < cap || s >= 2 * head) return 0;
    /* Acquire on both: a snapshot of the last move of tail and of bulk releases. */
    if (shmgen__load(&h->tail, memory_order_acquire) != ((old + 1) | SHMGEN__RING_TAIL_DROP) ||
        shmgen__load(&h->released, memory_order_acquire) > old)
        return 0;
    /* CAS: a consumer claiming past the drop may free it at the same time
     * (free_dropped), to the same value. */
    if (!shmgen__cas(shmgen__ring_seq(r, idx), &s, 2 * head, memory_order_acq_rel, memory_order_relaxed)) return 0;
    /* Relaxed: producer-only counter; we own the side. */
    shmgen__store(&h->dropped, shmgen__load(&h->dropped, memory_order_relaxed) + 1, memory_order_relaxed);
    return 1;
}

/* A dead producer may leave: half-written elements above head (nothing to
 * do: their slots are still free, and w_head already excludes them from
 * last_n), a published run with head not advanced (bhead ahead of head), a
 * single publication with head not advanced (maybe popped already: the
 * consumer reads slots, never head), or a won drop CAS with the slot not yet
 * rewritten.  Caller owns the producer side. */
static int repair_producer(void *ctx)
{
    shmgen_ring_t *r = ctx;
    shmgen__ring_hdr_t *h = RING_HDR(r);
    /* Relaxed: the producer's own word; we own the side (acquired with the owner word). */
    uint64_t cap = r->capacity_, head = shmgen__load(&h->head, memory_order_relaxed);
    /* Acquire: the run below bhead is published. */
    uint64_t bh = shmgen__load(&h->bhead, memory_order_acquire);
    uint64_t n = 0, idx;
    int repairs = 0;
    if (bh > head && bh - head <= cap) {
        head = bh;
        repairs = 1;
    }
    idx = head % cap;
    while (n++ < cap) {
        /* Acquire: pairs with the release that set the seq. */
        uint64_t s = shmgen__load(shmgen__ring_seq(r, idx), memory_order_acquire);
        /* Published but not covered by head; or published and, since the
         * consumer reads slots and never head, already popped (2(p + cap)
         * is only ever written for a position that was published). */
        if (s != 2 * head + 1 && s != 2 * (head + cap)) break;
        head++;
        idx = shmgen__ring_next(r, idx);
        repairs = 1;
    }
    repairs += reclaim_dropped(r, head, idx);
    /* Release: readers of head see the slots it covers published. */
    shmgen__store(&h->head, head, memory_order_release);
    /* Relaxed: read back only by the producer side itself. */
    shmgen__store(&h->p_idx, idx, memory_order_relaxed);
    return repairs;
}

/* A dead consumer may leave claimed (tail advanced) but unreleased slots, a
 * held zero-copy read (peek), or (plain mode) a freed slot with tail not
 * advanced.  Every position below the repaired tail is then done with: one
 * store of `released` frees them all. */
static int repair_consumer(void *ctx)
{
    shmgen_ring_t *r = ctx;
    shmgen__ring_hdr_t *h = RING_HDR(r);
    uint64_t cap = r->capacity_, s, rel;
    /* Acquire: as for the slots below. */
    uint64_t tail = shmgen__load(&h->tail, memory_order_acquire) & ~SHMGEN__RING_TAIL_DROP;
    int repairs = 0;
    /* A plain-mode pop that died after freeing its slot but before advancing
     * tail: the slot reads consumed (2(tail + cap)) or already rewritten. */
    for (uint64_t n = 0; n < cap; n++) {
        /* Acquire: pairs with the release that freed or rewrote the slot. */
        s = shmgen__load(shmgen__ring_seq(r, tail % cap), memory_order_acquire);
        if (s < 2 * (tail + cap)) break;
        tail++;
        repairs = 1;
    }
    if (repairs) {
        /* Relaxed: the CAS validates it. */
        uint64_t seen = shmgen__load(&h->tail, memory_order_relaxed);
        /* CAS: a live producer may be dropping (moving tail) concurrently;
         * then it already moved past what we wanted to skip. */
        if ((seen & ~SHMGEN__RING_TAIL_DROP) < tail &&
            !shmgen__cas(&h->tail, &seen, tail, memory_order_acq_rel, memory_order_acquire))
            tail = seen & ~SHMGEN__RING_TAIL_DROP;
    }
    /* Relaxed: a held peek is freed with the rest below tail. */
    shmgen__store(&h->peek_pos, 0, memory_order_relaxed);
    /* Release: the repaired side is visible to a producer switching modes. */
    shmgen__store(&h->in_pop, 0, memory_order_release);
    /* Relaxed: consumer-side word; we own the side. */
    rel = shmgen__load(&h->released, memory_order_relaxed);
    if (rel < tail) {
        /* Release: the producer that acquires it may reuse every slot below. */
        shmgen__store(&h->released, tail, memory_order_release);
        repairs = 1;
    }
    /* Relaxed: consumer-side cache words, read back by the consumer only. */
    shmgen__store(&h->c_pos, tail, memory_order_relaxed);
    shmgen__store(&h->c_idx, tail % cap, memory_order_relaxed);
    return repairs;
}

/* The producer or consumer side of r as owner.h sees it. */
static shmgen__side_t side_of(shmgen_ring_t *r, bool producer)
{
    shmgen__side_t s = {producer ? &RING_HDR(r)->p_owner : &RING_HDR(r)->c_owner,
                        r->seg_,
                        r->table_index_,
                        r->readonly_ ? 0 : r->self_,
                        "ring",
                        producer ? "producer" : "consumer",
                        producer ? repair_producer : repair_consumer,
                        r};
    return s;
}

int shmgen__ring_take_producer(shmgen_ring_t *r)
{
    shmgen__side_t s = side_of(r, true);
    return shmgen__side_take(&s);
}

int shmgen__ring_take_consumer(shmgen_ring_t *r)
{
    shmgen__side_t s = side_of(r, false);
    return shmgen__side_take(&s);
}

int shmgen__ring_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                         const shmgen__deadset_t *dead)
{
    shmgen_ring_t r;
    shmgen__side_t p, c;
    int rc = shmgen_ring_bind(&r, seg, info);
    (void)base;
    if (rc != 0) return rc;
    p = side_of(&r, true);
    c = side_of(&r, false);
    return shmgen__side_recover(&p, dead) + shmgen__side_recover(&c, dead);
}

void shmgen__ring_repair_dead_consumer(shmgen_ring_t *r)
{
    /* Acquire: as in take_side. */
    uint64_t c = shmgen__load(&RING_HDR(r)->c_owner, memory_order_acquire);
    if (c == 0 || shmgen__token_state(r->seg_, c & ~SHMGEN__OWNER_REPAIRING) == SHMGEN__SLOT_LIVE) return;
    /* Through the recovery, which repairs it from its one dead set; a fork()ed
     * child's handle cannot recover and simply keeps waiting. */
    int repaired = shmgen_segment_recover(r->seg_);
    (void)repaired;
}

int shmgen_ring_release_producer(shmgen_ring_t *r)
{
    uint64_t self = r->self_;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    /* Release: our last writes are visible to the next owner's acquire. */
    return shmgen__cas(&RING_HDR(r)->p_owner, &self, 0, memory_order_release, memory_order_relaxed)
               ? 0
               : SHMGEN_INVALID_ARGUMENT;
}

int shmgen_ring_release_consumer(shmgen_ring_t *r)
{
    uint64_t self = r->self_;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    /* Release: as for the producer. */
    return shmgen__cas(&RING_HDR(r)->c_owner, &self, 0, memory_order_release, memory_order_relaxed)
               ? 0
               : SHMGEN_INVALID_ARGUMENT;
}

bool shmgen__ring_consistent(const shmgen_ring_t *r)
{
    shmgen__ring_hdr_t *h = RING_HDR(r);
    /* Acquire (all): a snapshot; tail first, so that head can only be newer. */
    uint64_t t = shmgen__load(&h->tail, memory_order_acquire) & ~SHMGEN__RING_TAIL_DROP;
    uint64_t hd = shmgen__load(&h->head, memory_order_acquire);
    uint64_t bh = shmgen__load(&h->bhead, memory_order_acquire);
    uint64_t top = bh > hd ? bh : hd;
    /* The consumer never claims more than one position past what head (or
     * the run word) covers, and the producer never runs a lap ahead. */
    return t <= top + 1 && hd <= t + r->capacity_ + 1 && bh <= hd + r->capacity_;
}

int shmgen__ring_corrupt(const shmgen_ring_t *r, const char *what)
{
    shmgen__set_detail("ring '%s': %s", shmgen__struct_name(r->seg_, r->table_index_), what);
    return SHMGEN_CORRUPT;
}

/* The pid half of an owner token (pid << 32 | registry slot + 1), without the
 * repair mark; 0 for no owner. */
static pid_t token_pid(uint64_t word)
{
    return (pid_t)((word & ~SHMGEN__OWNER_REPAIRING) >> 32);
}

void shmgen_ring_owners(const shmgen_ring_t *r, pid_t *producer, pid_t *consumer)
{
    /* Relaxed: a snapshot for tools; nothing is read through these words. */
    if (producer) *producer = token_pid(shmgen__load(&RING_HDR(r)->p_owner, memory_order_relaxed));
    if (consumer) *consumer = token_pid(shmgen__load(&RING_HDR(r)->c_owner, memory_order_relaxed));
}
