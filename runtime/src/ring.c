/*
 * SPDX-License-Identifier: MIT
 *
 * ring.c — the `ring` kind's data path: SPSC stream with bulk forms,
 * overwrite, zero-copy reserve/commit and peek/release, last_n snapshots and
 * timed waits (see shmgen/ring.h; the slot protocol is in ring_priv.h, side
 * ownership and crash repair in ring_side.c, the crash analysis in
 * docs/crash-recovery.md).
 *
 * Single operations signal each other through the slots only, so neither
 * reads the other's line on that fast path.  Bulk operations signal a whole
 * run with one word each (bhead, released) and leave the run's sequence
 * words alone, so a split ring's bulk operations move element bytes only
 * (the producer keeps a copy of `released` on its own line and reads the
 * real one only when the copy falls short).
 *
 * last_n readers validate with a seqlock over the whole ring instead of per
 * slot: before writing positions below w, the producer raises `w_head` to w
 * (then a release fence); a reader copies, issues an acquire fence and reads
 * `w_head`: a position q it copied is intact iff q + cap >= w_head.
 *
 * The consumer claims a position with a CAS on `tail` (its own line) before
 * copying; the producer's push_overwrite drops the oldest element with a CAS
 * on the same word, so exactly one of them gets it and nobody copies a slot
 * being rewritten.  That CAS is a locked instruction on every pop, so it is
 * only used once a push_overwrite has happened (`ovw`, sticky): before,
 * single pops advance tail with plain stores inside an `in_pop` bracket, and
 * the first overwrite switches modes with an asymmetric Dekker handshake
 * (ovw store + membarrier against in_pop store + compiler barrier) and waits
 * out a pop in flight.  A drop sets TAIL_DROP on the tail it stores, so that
 * after a SIGKILL the last move of tail tells a producer's drop (slot to be
 * reclaimed) from a consumer's claim (slot still being read).
 *
 * Every wait on the other side is bounded: a consumer stopped inside a pop
 * (or scribbled words) makes push_overwrite return SHMGEN_BUSY (or
 * SHMGEN_CORRUPT) after RING_PATIENCE_NS instead of spinning.
 * Depends on ring_priv.h, arch.h (prefetch), clock.h, words.h, internal.h.
 */
#include "shmgen/ring.h"

#include <string.h>

#include "arch.h"
#include "clock.h"
#include "ring_priv.h"
#include "testhook.h"
#include "words.h"

/* Elements of at least this many bytes (rounded up to 8) get interleaved slots. */
#define RING_INTERLEAVE_MIN 64u
/* How long a producer waits for a consumer inside a pop before it gives up
 * with SHMGEN_BUSY (a pop takes nanoseconds; this only ends when the consumer
 * is stopped, or the words are scribbled), and how often it checks whether
 * that consumer died meanwhile. */
#define RING_PATIENCE_NS 20000000u /* 20 ms */
#define RING_REPAIR_CHECK_NS 2000000u
/* Failed claims in a row (each means a drop by the producer) before a pop
 * reports SHMGEN_BUSY: only a scribbled tail can make it this far. */
#define RING_CLAIM_TRIES 100000u

#define HDR(r) RING_HDR(r)
#define TAIL_DROP SHMGEN__RING_TAIL_DROP
#define slot_seq shmgen__ring_seq
#define slot_elem shmgen__ring_elem
#define next_idx shmgen__ring_next

/* Where the sequence words and elements of a ring live, from the start of
 * its storage (after the header); either way capacity x (8 + round_up(
 * elem_size, 8)) bytes.  Elements under 64 bytes: split, all sequence words
 * first, then the elements, so a run of elements is contiguous and a bulk
 * operation moves element bytes only (8-byte elements: bulk 1.7-2.0x a pipe
 * with 4 KiB writes, against 0.7x with interleaved slots).  Larger elements:
 * interleaved, each word directly before its element, so a single pop finds
 * the start of its element on the line it polled instead of fetching a
 * second line after the word (64-byte elements, median of same-run ratios:
 * single 1.24x atomic_queue interleaved against 1.01x split; bulk 1.08x a
 * pipe interleaved against 1.25x split).  See docs/benchmarks.md. */
void shmgen__ring_placement(uint32_t elem_size, uint64_t cap, uint64_t *seq_stride, uint64_t *elem_stride,
                           uint64_t *elems_at)
{
    uint64_t es8 = ((uint64_t)elem_size + 7u) & ~(uint64_t)7u;
    if (es8 < RING_INTERLEAVE_MIN) {
        *seq_stride = 8;
        *elem_stride = es8;
        *elems_at = cap * 8u;
    } else {
        *seq_stride = *elem_stride = 8 + es8;
        *elems_at = 8;
    }
}

/* A run of k slots from idx is two contiguous pieces: this many slots from
 * idx to the end of the ring, the rest from slot 0. */
static inline uint64_t first_piece(const shmgen_ring_t *r, uint64_t idx, uint64_t k)
{
    return r->capacity_ - idx < k ? r->capacity_ - idx : k;
}

/* Whether the slot idx may be written by the producer of pos: it reads 2pos
 * (first lap, or a single pop freed pos - cap), or a bulk pop released
 * pos - cap (known from the cache on the producer's own line, or from
 * `released` itself when the cache falls short). */
static inline bool slot_free(shmgen_ring_t *r, uint64_t pos, uint64_t idx)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t old = pos - r->capacity_, rel;
    /* Acquire: pairs with the release that freed the slot; the consumer's
     * reads of its old bytes precede our writes. */
    if (shmgen__load(slot_seq(r, idx), memory_order_acquire) == 2 * pos) return true;
    if (pos < r->capacity_) return false;
    /* Acquire: the cache was stored (release) after an acquire of `released`,
     * so the consumer's copies are ordered before our writes through it too. */
    if (shmgen__load(&h->rel_cache, memory_order_acquire) > old) return true;
    /* Acquire: pairs with the bulk pop's release; its copies are done. */
    rel = shmgen__load(&h->released, memory_order_acquire);
    if (!r->readonly_) shmgen__store(&h->rel_cache, rel, memory_order_release);
    return rel > old;
}

/* Whether position t (slot seq s) is published; an acquire of either word
 * makes its element visible. */
static inline bool published(const shmgen_ring_t *r, uint64_t t, uint64_t s)
{
    /* Acquire: pairs with the bulk push's release of bhead. */
    return s == 2 * t + 1 || shmgen__load(&HDR(r)->bhead, memory_order_acquire) > t;
}

/* The seqlock's "writer entered" for positions below w: w_head never moves
 * back (after a dead producer it may be ahead of head; lowering it would
 * validate slots that producer half wrote). */
static inline void begin_write(shmgen_ring_t *r, uint64_t w)
{
    shmgen__ring_hdr_t *h = HDR(r);
    /* Relaxed: producer-only word; the fence orders it before the element
     * stores for last_n readers (they read it after an acquire fence). */
    if (shmgen__load(&h->w_head, memory_order_relaxed) < w) shmgen__store(&h->w_head, w, memory_order_relaxed);
    shmgen__fence(memory_order_release);
}

/* ---- kind ops ----------------------------------------------------------- */

static void ring_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    shmgen__ring_hdr_t *h = (shmgen__ring_hdr_t *)base;
    unsigned char *seqs = (unsigned char *)base + SHMGEN__KIND_HEADER;
    uint64_t seq_stride, elem_stride, elems_at;
    (void)initial;
    shmgen__ring_placement(info->elem_size, info->capacity, &seq_stride, &elem_stride, &elems_at);
    shmgen__cmeta_init(base, info);
    /* Relaxed: the segment is published to other processes by its ready state. */
    for (uint64_t i = 0; i < info->capacity; i++)
        shmgen__store((shmgen__atomic_u64 *)(void *)(seqs + i * seq_stride), 2 * i, memory_order_relaxed);
    shmgen__store(&h->head, 0, memory_order_relaxed);
    shmgen__store(&h->tail, 0, memory_order_relaxed);
}

static int ring_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_RING);
}

const shmgen__kind_ops_t shmgen__ring_ops = {ring_init, ring_check, shmgen__ring_recover};

int shmgen_ring_bind(shmgen_ring_t *r, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    uint64_t elems_at;
    int rc = shmgen__bind_base(r, seg, info, SHMGEN_KIND_RING, &base);
    if (rc != 0) return rc;
    memset(r, 0, sizeof *r);
    r->hdr_ = base;
    r->capacity_ = info->capacity;
    shmgen__ring_placement(info->elem_size, info->capacity, &r->seq_stride_, &r->elem_stride_, &elems_at);
    r->seqs_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    r->elems_ = r->seqs_ + elems_at;
    r->elem_size_ = info->elem_size;
    r->table_index_ = info->table_index;
    r->seg_ = seg;
    r->readonly_ = shmgen_segment_is_readonly(seg);
    r->self_ = shmgen__self_token(seg);
    shmgen__wait_process_init();
    shmgen__arch_init();
    return 0;
}

/* The owner check every operation of a side starts with: one relaxed load
 * and a compare while we own it. */
static inline int own_producer(shmgen_ring_t *r)
{
    /* Relaxed: our own earlier store; any other value goes the slow way.
     * self_ is never 0 here: read-only handles are turned away before. */
    if (shmgen__load(&HDR(r)->p_owner, memory_order_relaxed) == r->self_) return 0;
    return shmgen__ring_take_producer(r);
}

static inline int own_consumer(shmgen_ring_t *r)
{
    /* Relaxed: as in own_producer. */
    if (shmgen__load(&HDR(r)->c_owner, memory_order_relaxed) == r->self_) return 0;
    return shmgen__ring_take_consumer(r);
}

/* ---- producer ------------------------------------------------------------ */

/* Stores k elements of es bytes from src into consecutive slots from dst
 * (stride st) as relaxed word stores: last_n readers may read them
 * concurrently.  When the stride is the element size the run is one block. */
static inline void store_elems(unsigned char *dst, const unsigned char *src, uint32_t es, uint64_t st, uint64_t k)
{
    if (st != es) {
        for (uint64_t i = 0; i < k; i++, dst += st, src += es) shmgen__store_words(dst, src, es);
        return;
    }
    for (unsigned char *end = dst + k * st; dst != end; dst += 8, src += 8) {
        uint64_t v;
        __builtin_memcpy(&v, src, 8);
        /* Relaxed: ordered by begin_write's fence and the publishing release. */
        shmgen__store((shmgen__atomic_u64 *)(void *)dst, v, memory_order_relaxed);
    }
}

/* Writes the elements of positions head .. head + k - 1 into their slots
 * (at most two contiguous pieces, before and after the wrap). */
static void write_run(shmgen_ring_t *r, uint64_t idx, uint64_t head, const unsigned char *src, uint64_t k)
{
    uint64_t k1 = first_piece(r, idx, k);
    uint32_t es = r->elem_size_;
    shmgen__prefetch_run(slot_elem(r, idx), r->elem_stride_, k1, true);
    shmgen__prefetch_run(slot_elem(r, 0), r->elem_stride_, k - k1, true);
    begin_write(r, head + k);
    store_elems(slot_elem(r, idx), src, es, r->elem_stride_, k1);
    store_elems(slot_elem(r, 0), src + k1 * es, es, r->elem_stride_, k - k1);
}

/* Wrapped index of position head, cached beside it on the producer line (a
 * division saved per push); recomputed if a scribbled word points outside. */
static inline uint64_t producer_idx(shmgen_ring_t *r, uint64_t head)
{
    /* Relaxed: the producer's own line, written only by this side. */
    uint64_t idx = shmgen__load(&HDR(r)->p_idx, memory_order_relaxed);
    return idx < r->capacity_ ? idx : head % r->capacity_;
}

static inline void advance_head(shmgen_ring_t *r, uint64_t head, uint64_t idx)
{
    shmgen__ring_hdr_t *h = HDR(r);
    /* Release: size/last_n readers that see head also see the slots published. */
    shmgen__store(&h->head, head, memory_order_release);
    /* Relaxed: read back only by the producer side itself. */
    shmgen__store(&h->p_idx, idx, memory_order_relaxed);
}

/* Writes and publishes position head in slot idx, which is free for it. */
static inline void write_one(shmgen_ring_t *r, uint64_t idx, uint64_t head, const void *elem)
{
    begin_write(r, head + 1);
    shmgen__store_words(slot_elem(r, idx), elem, r->elem_size_);
    SHMGEN__HOOK(SHMGEN__HP_RING_WRITTEN, head);
    /* Release: the element is visible to whoever acquires the published seq. */
    shmgen__store(slot_seq(r, idx), 2 * head + 1, memory_order_release);
    advance_head(r, head + 1, next_idx(r, idx));
}

int shmgen_ring_push(shmgen_ring_t *r, const void *elem)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t head, idx;
    int rc;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    if ((rc = own_producer(r)) != 0) return rc;
    /* Relaxed: the producer's own line, written only by this side. */
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = producer_idx(r, head);
    if (!slot_free(r, head, idx)) return SHMGEN_FULL;
    write_one(r, idx, head, elem);
    shmgen__waitq_notify(&h->data);
    return 0;
}

size_t shmgen_ring_push_bulk(shmgen_ring_t *r, const void *elems_in, size_t n)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t head, idx, k, last;
    if (r->readonly_ || n == 0 || own_producer(r) != 0) return 0;
    /* Relaxed: the producer's own line, written only by this side. */
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = producer_idx(r, head);
    k = n < r->capacity_ ? n : r->capacity_;
    last = idx + k - 1;
    if (last >= r->capacity_) last -= r->capacity_;
    /* The consumer frees slots in position order, so the run's last slot
     * being free means the whole run is (one check for k slots). Acquire as in push. */
    if (!slot_free(r, head + k - 1, last)) {
        uint64_t j = 0, i = idx;
        while (j < k && slot_free(r, head + j, i)) {
            j++;
            i = next_idx(r, i);
        }
        k = j;
    }
    if (k == 0) return 0;
    write_run(r, idx, head, (const unsigned char *)elems_in, k);
    /* Release: the run's elements are visible to whoever acquires bhead. */
    shmgen__store(&h->bhead, head + k, memory_order_release);
    idx += k;
    if (idx >= r->capacity_) idx -= r->capacity_;
    advance_head(r, head + k, idx);
    shmgen__waitq_notify(&h->data);
    return (size_t)k;
}

/* The consumer claimed the oldest element first: wait (bounded) for its
 * release.  0, SHMGEN_BUSY (a live consumer is stopped inside its pop), or
 * SHMGEN_CORRUPT (head and tail contradict each other). */
static int await_consumer_release(shmgen_ring_t *r, uint64_t idx, uint64_t head)
{
    uint64_t start = shmgen__now_ns(), last_check = start;
    unsigned spins = 0;
    /* Acquire (in slot_free): as in push. */
    while (!slot_free(r, head, idx)) {
        uint64_t now = shmgen__now_ns();
        if (now - last_check > RING_REPAIR_CHECK_NS) {
            if (!shmgen__ring_consistent(r)) return shmgen__ring_corrupt(r, "head and tail are inconsistent");
            shmgen__ring_repair_dead_consumer(r); /* it may have died mid-pop */
            last_check = now;
        }
        if (now - start > RING_PATIENCE_NS)
            return shmgen__struct_error(SHMGEN_BUSY, r->seg_, r->table_index_,
                                        "the consumer is stopped inside a pop of the oldest element");
        shmgen__backoff(&spins);
    }
    return 0;
}

/* Makes every later pop claim by CAS, and waits (bounded) for a plain pop in
 * flight.  The mode only becomes CLAIMING once no plain pop can be running;
 * until then every push_overwrite that finds the ring full waits here again. */
static int enter_overwrite_mode(shmgen_ring_t *r)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t start, last_check;
    unsigned spins = 0;
    /* Relaxed: producer-only transitions, checked by pops on their own line. */
    uint32_t mode = shmgen__load(&h->ovw, memory_order_relaxed);
    if (mode == SHMGEN__RING_CLAIMING) return 0;
    if (mode != SHMGEN__RING_SWITCHING) shmgen__store(&h->ovw, SHMGEN__RING_SWITCHING, memory_order_relaxed);
    /* The producer half of the handshake: after this, a pop either saw ovw
     * or has its in_pop store visible to the load below. */
    shmgen__heavy_fence();
    start = last_check = shmgen__now_ns();
    /* Acquire: pairs with the pop's release of in_pop; its tail store is visible. */
    while (shmgen__load(&h->in_pop, memory_order_acquire) != 0) {
        uint64_t now = shmgen__now_ns();
        if (now - last_check > RING_REPAIR_CHECK_NS) {
            /* Relaxed: a pop in flight needs an owner; none means a scribbled word. */
            if (shmgen__load(&h->c_owner, memory_order_relaxed) == 0)
                return shmgen__ring_corrupt(r, "a pop is marked in flight but the consumer side has no owner");
            shmgen__ring_repair_dead_consumer(r); /* it may have died with in_pop set */
            last_check = now;
        }
        if (now - start > RING_PATIENCE_NS)
            return shmgen__struct_error(SHMGEN_BUSY, r->seg_, r->table_index_,
                                        "the consumer is stopped inside a pop (switching to overwrite mode)");
        shmgen__backoff(&spins);
    }
    /* Relaxed: as above. */
    shmgen__store(&h->ovw, SHMGEN__RING_CLAIMING, memory_order_relaxed);
    return 0;
}

/* Takes position oldest away from the consumer, unless it claimed it first.
 * The new tail carries TAIL_DROP until the consumer's next claim. */
static bool drop_oldest(shmgen_ring_t *r, uint64_t oldest)
{
    shmgen__ring_hdr_t *h = HDR(r);
    /* Relaxed: the CAS validates it. */
    uint64_t t = shmgen__load(&h->tail, memory_order_relaxed);
    /* Only the consumer moves tail meanwhile, and only past oldest: each
     * failed CAS leaves the loop or retries once against its new value. */
    while ((t & ~TAIL_DROP) == oldest)
        /* Acq_rel: settles who owns `oldest` against the consumer's claim CAS. */
        if (shmgen__cas(&h->tail, &t, (oldest + 1) | TAIL_DROP, memory_order_acq_rel, memory_order_relaxed))
            return true;
    return false;
}

int shmgen_ring_push_overwrite(shmgen_ring_t *r, const void *elem)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t head, idx, oldest;
    int dropped = 0, rc;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    if ((rc = own_producer(r)) != 0) return rc;
    /* Relaxed: the producer's own line. */
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = producer_idx(r, head);
    if (!slot_free(r, head, idx)) {
        /* Not free means full: the first lap's slots start free. */
        if (head < r->capacity_) return shmgen__ring_corrupt(r, "a first-lap slot is not free");
        oldest = head - r->capacity_;
        if ((rc = enter_overwrite_mode(r)) != 0) return rc;
        if (drop_oldest(r, oldest)) {
            /* Relaxed: producer-only counter; readers tolerate a stale value. */
            shmgen__store(&h->dropped, shmgen__load(&h->dropped, memory_order_relaxed) + 1,
                          memory_order_relaxed);
            dropped = 1;
        } else if ((rc = await_consumer_release(r, idx, head)) != 0) {
            return rc;
        }
    }
    write_one(r, idx, head, elem);
    shmgen__waitq_notify(&h->data);
    return dropped;
}

void *shmgen_ring_reserve(shmgen_ring_t *r)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t head, idx;
    if (r->readonly_ || own_producer(r) != 0) return NULL;
    /* Relaxed: the producer's own line. */
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = producer_idx(r, head);
    if (!slot_free(r, head, idx)) return NULL;
    /* last_n readers must not trust what the caller is about to write. */
    begin_write(r, head + 1);
    return slot_elem(r, idx);
}

int shmgen_ring_commit(shmgen_ring_t *r)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t head, idx;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    /* Relaxed: our own word; a commit without our reserve is refused below. */
    if (shmgen__load(&h->p_owner, memory_order_relaxed) != r->self_) return SHMGEN_INVALID_ARGUMENT;
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = producer_idx(r, head);
    /* Relaxed: w_head above head is what reserve left; anything else means no reservation. */
    if (shmgen__load(&h->w_head, memory_order_relaxed) <= head || !slot_free(r, head, idx))
        return SHMGEN_INVALID_ARGUMENT;
    /* Release: the caller's element writes are visible to whoever acquires the seq. */
    shmgen__store(slot_seq(r, idx), 2 * head + 1, memory_order_release);
    advance_head(r, head + 1, next_idx(r, idx));
    shmgen__waitq_notify(&h->data);
    return 0;
}

/* ---- consumer ------------------------------------------------------------ */

/* Copies one element out; constant sizes are inlined for the common ones. */
static inline void copy_out(unsigned char *dst, const unsigned char *src, uint32_t size)
{
    if (size == 8) memcpy(dst, src, 8);
    else if (size == 16) memcpy(dst, src, 16);
    else memcpy(dst, src, size);
}

/* Copies k consecutive slots' elements from src (stride st) to dst.  Plain
 * copies: the claim excludes every writer. */
static inline void copy_elems(unsigned char *dst, const unsigned char *src, uint32_t es, uint64_t st, uint64_t k)
{
    if (st == es) {
        memcpy(dst, src, k * es);
        return;
    }
    if (es % 8 != 0) {
        for (uint64_t i = 0; i < k; i++, dst += es, src += st) memcpy(dst, src, es);
        return;
    }
    /* Inline word moves instead of a memcpy call per element. */
    for (const unsigned char *end = src + k * st; src != end; src += st - es)
        for (const unsigned char *e = src + es; src != e; src += 8, dst += 8) memcpy(dst, src, 8);
}

/* Copies the elements of the k slots from idx on (wrapping) to dst. */
static void copy_run(shmgen_ring_t *r, unsigned char *dst, uint64_t idx, uint64_t k)
{
    uint64_t k1 = first_piece(r, idx, k);
    uint32_t es = r->elem_size_;
    shmgen__prefetch_run(slot_elem(r, idx), r->elem_stride_, k1, false);
    shmgen__prefetch_run(slot_elem(r, 0), r->elem_stride_, k - k1, false);
    copy_elems(dst, slot_elem(r, idx), es, r->elem_stride_, k1);
    copy_elems(dst + k1 * es, slot_elem(r, 0), es, r->elem_stride_, k - k1);
}

/* Wrapped index of position t: cached beside the position on the consumer line. */
static inline uint64_t consumer_idx(shmgen_ring_t *r, uint64_t t)
{
    shmgen__ring_hdr_t *h = HDR(r);
    /* Relaxed: consumer-side words written only by the consumer itself. */
    uint64_t idx = shmgen__load(&h->c_idx, memory_order_relaxed);
    /* idx < capacity: a scribbled word must not send us outside the ring. */
    if (shmgen__load(&h->c_pos, memory_order_relaxed) == t && idx < r->capacity_) return idx;
    return t % r->capacity_; /* only after a drop moved tail */
}

static inline void consumer_done(shmgen_ring_t *r, uint64_t t, uint64_t idx)
{
    shmgen__ring_hdr_t *h = HDR(r);
    /* Relaxed: consumer-side cache words, read back by the consumer only. */
    shmgen__store(&h->c_pos, t, memory_order_relaxed);
    shmgen__store(&h->c_idx, idx, memory_order_relaxed);
    shmgen__waitq_notify(&h->space);
}

/* Called after a claim whose tail carried TAIL_DROP: the producer dropped
 * pos (the position before the claim, whose successor is in slot next) and
 * may have died before rewriting its slot.  Nobody consumes pos, so its slot
 * is free for pos + cap either way; a live producer's own publication
 * overwrites our mark, and once it has published, the CAS is skipped or fails. */
static void free_dropped(shmgen_ring_t *r, uint64_t pos, uint64_t next)
{
    shmgen__atomic_u64 *seq = slot_seq(r, next == 0 ? r->capacity_ - 1 : next - 1);
    uint64_t free_mark = 2 * (pos + r->capacity_);
    /* Relaxed: no element bytes change hands here (we never read the slot). */
    uint64_t s = shmgen__load(seq, memory_order_relaxed);
    if (s < free_mark) (void)shmgen__cas(seq, &s, free_mark, memory_order_relaxed, memory_order_relaxed);
}

/* Claims the oldest published position with a CAS on tail (overwrite mode,
 * no membarrier, or a zero-copy read): 0 with *t and *idx set, SHMGEN_EMPTY,
 * or SHMGEN_BUSY when tail keeps moving under us (a scribbled word: a live
 * producer can drop at most a lap's worth while we retry). */
static int claim_one(shmgen_ring_t *r, uint64_t *t_out, uint64_t *idx_out)
{
    shmgen__ring_hdr_t *h = HDR(r);
    for (unsigned tries = 0; tries < RING_CLAIM_TRIES; tries++) {
        /* Relaxed: the CAS below validates it. */
        uint64_t raw = shmgen__load(&h->tail, memory_order_relaxed), t = raw & ~TAIL_DROP;
        uint64_t idx = consumer_idx(r, t);
        /* Acquire (here and in published): the element is visible. */
        if (!published(r, t, shmgen__load(slot_seq(r, idx), memory_order_acquire))) return SHMGEN_EMPTY;
        /* Relaxed: only mutual exclusion with a dropping producer matters; the
         * element bytes were made visible by the acquire above. */
        if (!shmgen__cas(&h->tail, &raw, t + 1, memory_order_relaxed, memory_order_relaxed)) continue;
        if (raw & TAIL_DROP) free_dropped(r, t - 1, idx);
        SHMGEN__HOOK(SHMGEN__HP_RING_CLAIMED, t);
        *t_out = t;
        *idx_out = idx;
        return 0;
    }
    return shmgen__ring_corrupt(r, "tail keeps changing under the consumer's claim");
}

/* Frees the claimed slot idx of position t for the producer's next lap. */
static inline void release_one(shmgen_ring_t *r, uint64_t t, uint64_t idx)
{
    /* Release: our reads of the slot complete before the producer reuses it. */
    shmgen__store(slot_seq(r, idx), 2 * (t + r->capacity_), memory_order_release);
    consumer_done(r, t + 1, next_idx(r, idx));
}

static int pop_claiming(shmgen_ring_t *r, void *out)
{
    uint64_t t, idx;
    int rc = claim_one(r, &t, &idx);
    if (rc != 0) return rc;
    copy_out(out, slot_elem(r, idx), r->elem_size_);
    release_one(r, t, idx);
    return 0;
}

int shmgen_ring_pop(shmgen_ring_t *r, void *out)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t t, idx;
    shmgen__atomic_u64 *seq;
    int rc;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    if ((rc = own_consumer(r)) != 0) return rc;
    if (!shmgen__wait_asymmetric) return pop_claiming(r, out);
    /* Relaxed + compiler barrier: the consumer half of the mode handshake;
     * the producer's membarrier supplies the StoreLoad fence. */
    shmgen__store(&h->in_pop, 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    /* Relaxed: ordered by the handshake above. */
    if (shmgen__load(&h->ovw, memory_order_relaxed) != SHMGEN__RING_PLAIN) {
        shmgen__store(&h->in_pop, 0, memory_order_relaxed);
        return pop_claiming(r, out);
    }
    /* Relaxed: in plain mode only this consumer writes tail (so it never
     * carries TAIL_DROP: drops start after the mode handshake). */
    t = shmgen__load(&h->tail, memory_order_relaxed);
    idx = consumer_idx(r, t);
    seq = slot_seq(r, idx);
    /* Acquire (here and in published): pairs with the producer's publishing release. */
    if (!published(r, t, shmgen__load(seq, memory_order_acquire))) {
        /* Release: a producer switching modes that sees 0 sees nothing of ours pending. */
        shmgen__store(&h->in_pop, 0, memory_order_release);
        return SHMGEN_EMPTY;
    }
    SHMGEN__HOOK(SHMGEN__HP_RING_CLAIMED, t);
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

const void *shmgen_ring_peek(shmgen_ring_t *r)
{
    uint64_t t, idx;
    if (r->readonly_ || own_consumer(r) != 0) return NULL;
    /* Relaxed: the consumer's own word; one zero-copy read at a time. */
    if (shmgen__load(&HDR(r)->peek_pos, memory_order_relaxed) != 0) return NULL;
    /* Claiming, whatever the mode: the element stays ours until release, so
     * a dropping producer sees it taken (and waits, bounded, for it). */
    if (claim_one(r, &t, &idx) != 0) return NULL;
    /* Relaxed: read back by this side only (and by repair after a kill). */
    shmgen__store(&HDR(r)->peek_pos, t + 1, memory_order_relaxed);
    return slot_elem(r, idx);
}

int shmgen_ring_release(shmgen_ring_t *r)
{
    shmgen__ring_hdr_t *h = HDR(r);
    uint64_t p;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    /* Relaxed: our own words (a release without our peek is refused). */
    if (shmgen__load(&h->c_owner, memory_order_relaxed) != r->self_ ||
        (p = shmgen__load(&h->peek_pos, memory_order_relaxed)) == 0)
        return SHMGEN_INVALID_ARGUMENT;
    shmgen__store(&h->peek_pos, 0, memory_order_relaxed);
    release_one(r, p - 1, (p - 1) % r->capacity_);
    return 0;
}

/* How many positions from t on are published (at most k): all below the run
 * word or head (head alone knows of single pushes; the run word is only ahead
 * of it after a producer died between the two stores), else the slot alone
 * (head may lag a producer that died after publishing; repaired at takeover). */
static uint64_t published_run(shmgen_ring_t *r, uint64_t t, uint64_t idx, uint64_t k)
{
    /* Acquire (both): pairs with the producer's releases of bhead and head,
     * each stored after every position below it was published. */
    uint64_t upto = shmgen__load(&HDR(r)->bhead, memory_order_acquire), h;
    if (upto < t + k) {
        /* Single pushes since the last run only moved head. */
        h = shmgen__load(&HDR(r)->head, memory_order_acquire);
        if (h > upto) upto = h;
    }
    if (upto > t) return upto - t < k ? upto - t : k;
    return shmgen__load(slot_seq(r, idx), memory_order_acquire) == 2 * t + 1 ? 1 : 0;
}

size_t shmgen_ring_pop_bulk(shmgen_ring_t *r, void *out, size_t max)
{
    shmgen__ring_hdr_t *h = HDR(r);
    unsigned char *dst = (unsigned char *)out;
    uint64_t raw, t, idx, k;
    unsigned tries = 0;
    if (r->readonly_ || max == 0 || own_consumer(r) != 0) return 0;
    do {
        raw = shmgen__load(&h->tail, memory_order_relaxed);
        t = raw & ~TAIL_DROP;
        idx = consumer_idx(r, t);
        k = published_run(r, t, idx, max < r->capacity_ ? max : r->capacity_);
        if (k == 0 || ++tries > RING_CLAIM_TRIES) return 0;
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

/* Loads k consecutive slots' elements from src (stride st) into dst with
 * relaxed word loads (the producer may be rewriting them: see last_n). */
static void load_elems(unsigned char *dst, const unsigned char *src, uint32_t es, uint64_t st, uint64_t k)
{
    if (st != es) {
        for (uint64_t i = 0; i < k; i++, dst += es, src += st) shmgen__load_words(dst, src, es);
        return;
    }
    for (const unsigned char *end = src + k * st; src != end; src += 8, dst += 8) {
        /* Relaxed: validated by last_n's acquire fence and w_head check. */
        uint64_t v = shmgen__load((const shmgen__atomic_u64 *)(const void *)src, memory_order_relaxed);
        __builtin_memcpy(dst, &v, 8);
    }
}

size_t shmgen_ring_last_n(const shmgen_ring_t *r, void *out, size_t n)
{
    shmgen__ring_hdr_t *h = HDR(r);
    unsigned char *dst = (unsigned char *)out;
    uint32_t es = r->elem_size_;
    /* Acquire: positions below head are published, their elements visible. */
    uint64_t head = shmgen__load(&h->head, memory_order_acquire);
    uint64_t count = n, first, idx, k1, w, intact;
    if (count > r->capacity_) count = r->capacity_;
    if (count > head) count = head;
    if (count == 0) return 0;
    first = head - count;
    idx = first % r->capacity_;
    k1 = first_piece(r, idx, count);
    load_elems(dst, slot_elem(r, idx), es, r->elem_stride_, k1);
    load_elems(dst + k1 * es, slot_elem(r, 0), es, r->elem_stride_, count - k1);
    /* Acquire fence: if any load above saw a store of a writer that began
     * after our head load, the w_head load below sees that writer's raise. */
    shmgen__fence(memory_order_acquire);
    /* Relaxed: ordered by the fence. */
    w = shmgen__load(&h->w_head, memory_order_relaxed);
    /* Position q is intact iff no write of q + cap or later has begun. */
    intact = w > r->capacity_ ? w - r->capacity_ : 0;
    if (first >= intact) return (size_t)count;
    if (head <= intact) return 0;
    memmove(dst, dst + (intact - first) * es, (head - intact) * es);
    return (size_t)(head - intact);
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

uint64_t shmgen_ring_pushed(const shmgen_ring_t *r)
{
    /* Acquire: every position below it is published. */
    return shmgen__load(&HDR(r)->head, memory_order_acquire);
}

uint64_t shmgen_ring_popped(const shmgen_ring_t *r)
{
    /* Acquire: a snapshot of the consumer's claims (and producer drops). */
    return shmgen__load(&HDR(r)->tail, memory_order_acquire) & ~TAIL_DROP;
}

/* ---- waits --------------------------------------------------------------- */

static bool ring_has_data(void *ctx)
{
    shmgen_ring_t *r = (shmgen_ring_t *)ctx;
    /* Acquire: a snapshot of the consumer's position. */
    uint64_t t = shmgen__load(&HDR(r)->tail, memory_order_acquire) & ~TAIL_DROP;
    /* Acquire: pairs with the producer's publishing release. */
    return published(r, t, shmgen__load(slot_seq(r, t % r->capacity_), memory_order_acquire));
}

static bool ring_has_space(void *ctx)
{
    shmgen_ring_t *r = (shmgen_ring_t *)ctx;
    /* Acquire: the producer's position; slot_free acquires the slot. */
    uint64_t h = shmgen__load(&HDR(r)->head, memory_order_acquire);
    return slot_free(r, h, h % r->capacity_);
}

int shmgen_ring_wait_data(shmgen_ring_t *r, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(r)->data, ring_has_data, r, timeout_ms);
}

int shmgen_ring_wait_space(shmgen_ring_t *r, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(r)->space, ring_has_space, r, timeout_ms);
}

/* The blocking forms, on the shared retry loop of waitq.h. */
typedef struct ring_call {
    shmgen_ring_t *r;
    const void *in;
    void *out;
} ring_call_t;

static int call_push(void *c)
{
    return shmgen_ring_push(((ring_call_t *)c)->r, ((ring_call_t *)c)->in);
}

static int call_pop(void *c)
{
    return shmgen_ring_pop(((ring_call_t *)c)->r, ((ring_call_t *)c)->out);
}

static int call_wait_space(void *c, int ms)
{
    return shmgen_ring_wait_space(((ring_call_t *)c)->r, ms);
}

static int call_wait_data(void *c, int ms)
{
    return shmgen_ring_wait_data(((ring_call_t *)c)->r, ms);
}

static int call_consistent(void *c)
{
    shmgen_ring_t *r = ((ring_call_t *)c)->r;
    return shmgen__ring_consistent(r) ? 0 : shmgen__ring_corrupt(r, "head, tail and the slots disagree");
}

int shmgen_ring_push_wait(shmgen_ring_t *r, const void *elem, int timeout_ms)
{
    ring_call_t c = {r, elem, NULL};
    return shmgen__wait_retry(call_push, SHMGEN_FULL, call_wait_space, call_consistent, &c, timeout_ms);
}

int shmgen_ring_pop_wait(shmgen_ring_t *r, void *out, int timeout_ms)
{
    ring_call_t c = {r, NULL, out};
    return shmgen__wait_retry(call_pop, SHMGEN_EMPTY, call_wait_data, call_consistent, &c, timeout_ms);
}
