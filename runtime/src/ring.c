/*
 * ring.c — the `ring` kind: SPSC stream with overwrite, last_n snapshots and
 * timed waits (see shmgen/ring.h; crash analysis in docs/crash-recovery.md).
 *
 * Storage after the 256-byte header: one 8-byte sequence word and one
 * element of round_up(elem_size, 8) bytes per slot, placed by
 * ring_placement (split: all words, then all elements; interleaved: word
 * then element, slot after slot).  Header: line 0 meta and `released`; line 1
 * the producer side (head, its wrapped index, dropped count, owner, cache of
 * `released`, the write frontier); line 2 the consumer side (tail = the
 * consumer's claim word, its wrapped index, owner, mode words); line 3 the
 * two wait queues and `bhead`.
 *
 * Position p (free-running) lives in slot p % capacity, whose sequence word
 * reads 2p when the slot is free for the producer of p (initially, or after a
 * single pop of p - cap) and 2p + 1 once a single push published p; any
 * other value is left over from an earlier lap.  Single operations signal
 * each other through the slots only, so neither reads the other's line on
 * that fast path.  Bulk operations signal a whole run with one word each: a
 * bulk push publishes every position below `bhead` (written by bulk pushes
 * only), a bulk pop frees every position below `released` (written by bulk
 * pops only); neither touches the run's sequence words, so a split ring's
 * bulk operations move element bytes only.  Hence p is published iff
 * seq == 2p + 1 or bhead > p, and free iff seq == 2p or released > p - cap
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
 * reclaimed) from a consumer's claim (slot still being read): see
 * docs/crash-recovery.md.
 * Depends on wait.h (futex waits, helpers), internal.h, shmgen/ring.h.
 */
#include "shmgen/ring.h"

#include <pthread.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "wait.h"

#define OWNER_REPAIRING 0x80000000u
/* Elements of at least this many bytes (rounded up to 8) get interleaved slots. */
#define RING_INTERLEAVE_MIN 64u
/* On tail: the last move of tail was a producer's drop of position
 * (tail & ~TAIL_DROP) - 1, not a consumer's claim.  The next claim clears it. */
#define TAIL_DROP ((uint64_t)1 << 63)

typedef struct ring_hdr {
    shmgen__cmeta_t meta;
    /* line 0, after the meta: written by bulk pops (and consumer repair)
     * only, read by a producer whose slot does not read free; so in single
     * operation this line is never written and its reads stay cache hits */
    shmgen__atomic_u64 released; /* every position below it was consumed or dropped */
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t) - 8];
    /* line 1: written by the producer only (and by repair of a dead producer) */
    shmgen__atomic_u64 head;    /* positions published */
    shmgen__atomic_u64 p_idx;   /* head % capacity */
    shmgen__atomic_u64 dropped; /* elements dropped by push_overwrite */
    shmgen__atomic_u32 p_owner; /* registry owner of the producer side; 0 = none */
    uint32_t reserved1;
    shmgen__atomic_u64 rel_cache; /* the last value of `released` the producer read */
    shmgen__atomic_u64 w_head;    /* last_n seqlock: writes may have begun below it */
    unsigned char pad1[SHMGEN_CACHE_LINE - 48];
    /* line 2: written by the consumer (tail also by a dropping producer) */
    shmgen__atomic_u64 tail;    /* positions claimed by the consumer or dropped */
    shmgen__atomic_u64 c_pos;   /* the position c_idx belongs to */
    shmgen__atomic_u64 c_idx;   /* c_pos % capacity */
    shmgen__atomic_u32 c_owner; /* registry owner of the consumer side; 0 = none */
    shmgen__atomic_u32 in_pop;  /* 1 while a plain-mode pop runs (see pop) */
    shmgen__atomic_u32 ovw;     /* 1 once push_overwrite was used: pops claim by CAS */
    unsigned char pad2[SHMGEN_CACHE_LINE - 36];
    /* line 3: waiters, and the run publication word (read by every
     * consumer that finds its slot unpublished, written by bulk pushes only) */
    shmgen__waitq_t data, space;
    shmgen__atomic_u64 bhead; /* every position below it was published */
    unsigned char pad3[SHMGEN_CACHE_LINE - 2 * sizeof(shmgen__waitq_t) - 8];
} ring_hdr_t;

_Static_assert(sizeof(ring_hdr_t) == SHMGEN__KIND_HEADER, "ring header is four cache lines");

#define HDR(r) ((ring_hdr_t *)(r)->hdr_)

static inline shmgen__atomic_u64 *slot_seq(const shmgen_ring_t *r, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(r->seqs_ + idx * r->seq_stride_);
}

static inline unsigned char *slot_elem(const shmgen_ring_t *r, uint64_t idx)
{
    return r->elems_ + idx * r->elem_stride_;
}

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
static void ring_placement(uint32_t elem_size, uint64_t cap, uint64_t *seq_stride, uint64_t *elem_stride,
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

static inline uint64_t next_idx(const shmgen_ring_t *r, uint64_t idx)
{
    return idx + 1 == r->capacity_ ? 0 : idx + 1;
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
    ring_hdr_t *h = HDR(r);
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
    ring_hdr_t *h = HDR(r);
    /* Relaxed: producer-only word; the fence orders it before the element
     * stores for last_n readers (they read it after an acquire fence). */
    if (shmgen__load(&h->w_head, memory_order_relaxed) < w) shmgen__store(&h->w_head, w, memory_order_relaxed);
    shmgen__fence(memory_order_release);
}

/* Whether this CPU has PREFETCHW (x86: CPUID 0x80000001 ECX bit 8).  The
 * runtime is built for baseline x86-64, where __builtin_prefetch(p, 1, ...)
 * is a read prefetch, and PREFETCHW faults on some old CPUs; so it is issued
 * by hand when the CPU has it.  Set once per process by ring_cpu_probe. */
static bool ring_prefetchw;
static pthread_once_t ring_probe_once = PTHREAD_ONCE_INIT;

static void ring_cpu_probe(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    ring_prefetchw = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8)) != 0;
#endif
}

static inline void prefetch_line(const unsigned char *p, bool for_write)
{
#if defined(__x86_64__) || defined(__i386__)
    if (for_write && ring_prefetchw) {
        __asm__ volatile("prefetchw %0" : : "m"(*(const unsigned char *)p));
        return;
    }
    __builtin_prefetch(p, 0, 3);
#else
    if (for_write) __builtin_prefetch(p, 1, 3);
    else __builtin_prefetch(p, 0, 3);
#endif
}

/* Requests every cache line of k slots from p at once (for writing: their
 * ownership).  The element stores alone would keep only as many line requests
 * in flight as the store buffer holds stores (8-byte stores: a few lines), and
 * each line comes from the other side's cache, so a run would move a few
 * lines at a time; the reader side gains less but measurably too. */
static inline void prefetch_run(const unsigned char *p, uint64_t st, uint64_t k, bool for_write)
{
    const unsigned char *end = p + k * st;
    for (p = (const unsigned char *)((uintptr_t)p & ~(uintptr_t)(SHMGEN_CACHE_LINE - 1)); p < end;
         p += SHMGEN_CACHE_LINE)
        prefetch_line(p, for_write);
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
    /* Acquire: pairs with the release that last set the slot. */
    uint64_t s = shmgen__load(slot_seq(r, idx), memory_order_acquire);
    if (head < cap || s >= 2 * head) return 0;
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

/* A dead producer may leave: half-written elements above head (nothing to
 * do: their slots are still free, and w_head already excludes them from
 * last_n), a published run with head not advanced (bhead ahead of head), a
 * single publication with head not advanced (maybe popped already: the
 * consumer reads slots, never head), or a won drop CAS with the slot not yet
 * rewritten.  Caller owns the producer side. */
static int repair_producer(shmgen_ring_t *r)
{
    ring_hdr_t *h = HDR(r);
    uint64_t cap = r->capacity_, head = shmgen__load(&h->head, memory_order_relaxed);
    /* Acquire: the run below bhead is published. */
    uint64_t bh = shmgen__load(&h->bhead, memory_order_acquire);
    uint64_t n = 0, idx;
    int repairs = 0;
    if (bh > head) {
        head = bh;
        repairs = 1;
    }
    idx = head % cap;
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

/* A dead consumer may leave claimed (tail advanced) but unreleased slots, or
 * (plain mode) a freed slot with tail not advanced.  Every position below the
 * repaired tail is then done with: one store of `released` frees them all. */
static int repair_consumer(shmgen_ring_t *r)
{
    ring_hdr_t *h = HDR(r);
    uint64_t cap = r->capacity_, s, rel;
    /* Acquire: as for the slots below. */
    uint64_t tail = shmgen__load(&h->tail, memory_order_acquire) & ~TAIL_DROP;
    int repairs = 0;
    /* A plain-mode pop that died after freeing its slot but before advancing
     * tail: the slot reads consumed (2(tail + cap)) or already rewritten. */
    for (uint64_t n = 0; n < cap; n++) {
        s = shmgen__load(slot_seq(r, tail % cap), memory_order_acquire);
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
    /* Relaxed: consumer-side word; we own the side. */
    rel = shmgen__load(&h->released, memory_order_relaxed);
    if (rel < tail) {
        /* Release: the producer that acquires it may reuse every slot below. */
        shmgen__store(&h->released, tail, memory_order_release);
        repairs = 1;
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
    unsigned char *seqs = (unsigned char *)base + SHMGEN__KIND_HEADER;
    uint64_t seq_stride, elem_stride, elems_at;
    (void)initial;
    ring_placement(info->elem_size, info->capacity, &seq_stride, &elem_stride, &elems_at);
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
    uint64_t elems_at;
    if (!r || !seg || !info) return SHMGEN_INVALID_ARGUMENT;
    if (info->kind != SHMGEN_KIND_RING) return SHMGEN_WRONG_KIND;
    base = shmgen_segment_struct_base(seg, info);
    if (!base) return SHMGEN_INVALID_ARGUMENT;
    if (ring_check(base, info) != 0) return SHMGEN_CORRUPT;
    memset(r, 0, sizeof *r);
    r->hdr_ = base;
    r->capacity_ = info->capacity;
    ring_placement(info->elem_size, info->capacity, &r->seq_stride_, &r->elem_stride_, &elems_at);
    r->seqs_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    r->elems_ = r->seqs_ + elems_at;
    r->elem_size_ = info->elem_size;
    r->seg_ = seg;
    r->readonly_ = shmgen_segment_is_readonly(seg);
    r->self_ = shmgen__self_owner(seg);
    shmgen__wait_process_init();
    (void)pthread_once(&ring_probe_once, ring_cpu_probe);
    return 0;
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
    prefetch_run(slot_elem(r, idx), r->elem_stride_, k1, true);
    prefetch_run(slot_elem(r, 0), r->elem_stride_, k - k1, true);
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
    ring_hdr_t *h = HDR(r);
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
    /* Release: the element is visible to whoever acquires the published seq. */
    shmgen__store(slot_seq(r, idx), 2 * head + 1, memory_order_release);
    advance_head(r, head + 1, next_idx(r, idx));
}

int shmgen_ring_push(shmgen_ring_t *r, const void *elem)
{
    ring_hdr_t *h = HDR(r);
    uint64_t head, idx;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    own_producer(r);
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
    ring_hdr_t *h = HDR(r);
    uint64_t head, idx, k, last;
    if (r->readonly_ || n == 0) return 0;
    own_producer(r);
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
    while (!slot_free(r, head, idx)) {
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
    uint64_t head, idx, oldest;
    int dropped = 0;
    if (r->readonly_) return SHMGEN_READ_ONLY;
    own_producer(r);
    head = shmgen__load(&h->head, memory_order_relaxed);
    idx = producer_idx(r, head);
    if (!slot_free(r, head, idx)) {
        /* Not free means full: the first lap's slots start free. */
        if (head < r->capacity_) return SHMGEN_CORRUPT;
        oldest = head - r->capacity_;
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
    write_one(r, idx, head, elem);
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
    prefetch_run(slot_elem(r, idx), r->elem_stride_, k1, false);
    prefetch_run(slot_elem(r, 0), r->elem_stride_, k - k1, false);
    copy_elems(dst, slot_elem(r, idx), es, r->elem_stride_, k1);
    copy_elems(dst + k1 * es, slot_elem(r, 0), es, r->elem_stride_, k - k1);
}

/* Wrapped index of position t: cached beside the position on the consumer line. */
static inline uint64_t consumer_idx(shmgen_ring_t *r, uint64_t t)
{
    ring_hdr_t *h = HDR(r);
    /* Relaxed: consumer-side words written only by the consumer itself. */
    uint64_t idx = shmgen__load(&h->c_idx, memory_order_relaxed);
    /* idx < capacity: a scribbled word must not send us outside the ring. */
    if (shmgen__load(&h->c_pos, memory_order_relaxed) == t && idx < r->capacity_) return idx;
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

/* Pop claiming the position with a CAS on tail (overwrite mode, or no membarrier). */
static int pop_claiming(shmgen_ring_t *r, void *out)
{
    ring_hdr_t *h = HDR(r);
    for (;;) {
        /* Relaxed: the CAS below validates it. */
        uint64_t raw = shmgen__load(&h->tail, memory_order_relaxed), t = raw & ~TAIL_DROP;
        uint64_t idx = consumer_idx(r, t);
        shmgen__atomic_u64 *seq = slot_seq(r, idx);
        /* Acquire (here and in published): the element is visible. */
        if (!published(r, t, shmgen__load(seq, memory_order_acquire))) return SHMGEN_EMPTY;
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
    /* Acquire (here and in published): pairs with the producer's publishing release. */
    if (!published(r, t, shmgen__load(seq, memory_order_acquire))) {
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
    ring_hdr_t *h = HDR(r);
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

/* ---- waits --------------------------------------------------------------- */

static bool ring_has_data(void *ctx)
{
    shmgen_ring_t *r = (shmgen_ring_t *)ctx;
    uint64_t t = shmgen__load(&HDR(r)->tail, memory_order_acquire) & ~TAIL_DROP;
    /* Acquire: pairs with the producer's publishing release. */
    return published(r, t, shmgen__load(slot_seq(r, t % r->capacity_), memory_order_acquire));
}

static bool ring_has_space(void *ctx)
{
    shmgen_ring_t *r = (shmgen_ring_t *)ctx;
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
