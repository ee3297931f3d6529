/*
 * SPDX-License-Identifier: MIT
 *
 * ring_priv.h — what the ring's data path (ring.c) and its side ownership and
 * crash repair (ring_side.c) share: the header layout, the slot placement,
 * and the position/slot predicates both reason with.
 *
 * Storage after the 256-byte header: one 8-byte sequence word and one
 * element of round_up(elem_size, 8) bytes per slot, placed by
 * shmgen__ring_placement (split: all words, then all elements; interleaved:
 * word then element, slot after slot).  Header: line 0 meta and `released`;
 * line 1 the producer side (head, its wrapped index, dropped count, owner,
 * cache of `released`, the write frontier); line 2 the consumer side (tail =
 * the consumer's claim word, its wrapped index, owner, mode words); line 3 the
 * two wait queues and `bhead`.
 *
 * Position p (free-running) lives in slot p % capacity, whose sequence word
 * reads 2p when the slot is free for the producer of p (initially, or after a
 * single pop of p - cap) and 2p + 1 once a single push published p; any
 * other value is left over from an earlier lap.  Bulk operations signal a
 * whole run with one word each: a bulk push publishes every position below
 * `bhead`, a bulk pop frees every position below `released`.  Hence p is
 * published iff seq == 2p + 1 or bhead > p, and free iff seq == 2p or
 * released > p - cap.
 *
 * Each side belongs to one attachment at a time, named in its owner word by
 * an owner token (owner.h).
 * Depends on kind_meta.h, owner.h, waitq.h, internal.h, shmgen/ring.h.
 */
#ifndef SHMGEN_RING_PRIV_H
#define SHMGEN_RING_PRIV_H

#include "kind_meta.h"
#include "owner.h"
#include "shmgen/ring.h"
#include "waitq.h"

/* On tail: the last move of tail was a producer's drop of position
 * (tail & ~TAIL_DROP) - 1, not a consumer's claim.  The next claim clears it. */
#define SHMGEN__RING_TAIL_DROP ((uint64_t)1 << 63)

/* Values of `ovw`: plain pops (no overwrite ever happened); a producer asked
 * for claiming pops and waits for a plain pop in flight; claiming pops for good. */
enum { SHMGEN__RING_PLAIN = 0, SHMGEN__RING_SWITCHING = 1, SHMGEN__RING_CLAIMING = 2 };

typedef struct shmgen__ring_hdr {
    shmgen__cmeta_t meta;
    /* line 0, after the meta: written by bulk pops (and consumer repair)
     * only, read by a producer whose slot does not read free; so in single
     * operation this line is never written and its reads stay cache hits */
    shmgen__atomic_u64 released; /* every position below it was consumed or dropped */
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t) - 8];
    /* line 1: written by the producer only (and by repair of a dead producer) */
    shmgen__atomic_u64 head;      /* positions published */
    shmgen__atomic_u64 p_idx;     /* head % capacity */
    shmgen__atomic_u64 dropped;   /* elements dropped by push_overwrite */
    shmgen__atomic_u64 p_owner;   /* owner token of the producer side; 0 = none */
    shmgen__atomic_u64 rel_cache; /* the last value of `released` the producer read */
    shmgen__atomic_u64 w_head;    /* last_n seqlock: writes may have begun below it */
    unsigned char pad1[SHMGEN_CACHE_LINE - 48];
    /* line 2: written by the consumer (tail also by a dropping producer, ovw
     * by the producer once) */
    shmgen__atomic_u64 tail;    /* positions claimed by the consumer or dropped */
    shmgen__atomic_u64 c_pos;   /* the position c_idx belongs to */
    shmgen__atomic_u64 c_idx;   /* c_pos % capacity */
    shmgen__atomic_u64 c_owner; /* owner token of the consumer side; 0 = none */
    shmgen__atomic_u32 in_pop;  /* 1 while a plain-mode pop runs */
    shmgen__atomic_u32 ovw;     /* SHMGEN__RING_PLAIN / _SWITCHING / _CLAIMING */
    shmgen__atomic_u64 peek_pos; /* position + 1 of the element a peek holds; 0 = none */
    unsigned char pad2[SHMGEN_CACHE_LINE - 48];
    /* line 3: waiters, and the run publication word (read by every
     * consumer that finds its slot unpublished, written by bulk pushes only) */
    shmgen__waitq_t data, space;
    shmgen__atomic_u64 bhead; /* every position below it was published */
    unsigned char pad3[SHMGEN_CACHE_LINE - 2 * sizeof(shmgen__waitq_t) - 8];
} shmgen__ring_hdr_t;

_Static_assert(sizeof(shmgen__ring_hdr_t) == SHMGEN__KIND_HEADER, "ring header is four cache lines");

#define RING_HDR(r) ((shmgen__ring_hdr_t *)(r)->hdr_)

static inline shmgen__atomic_u64 *shmgen__ring_seq(const shmgen_ring_t *r, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(r->seqs_ + idx * r->seq_stride_);
}

static inline unsigned char *shmgen__ring_elem(const shmgen_ring_t *r, uint64_t idx)
{
    return r->elems_ + idx * r->elem_stride_;
}

static inline uint64_t shmgen__ring_next(const shmgen_ring_t *r, uint64_t idx)
{
    return idx + 1 == r->capacity_ ? 0 : idx + 1;
}

/* Where the sequence words and elements of a ring live (see ring.c). */
void shmgen__ring_placement(uint32_t elem_size, uint64_t cap, uint64_t *seq_stride, uint64_t *elem_stride,
                            uint64_t *elems_at);

/* Makes this attachment the owner of the producer / consumer side: 0, or
 * SHMGEN_BUSY when a live attachment owns it (detail names its pid), or
 * SHMGEN_TIMEOUT when a dead owner's repair could not get the recovery lock.
 * A side whose owner died or left is repaired first, under the recovery lock. */
int shmgen__ring_take_producer(shmgen_ring_t *r);
int shmgen__ring_take_consumer(shmgen_ring_t *r);

/* The ring's kind op: repairs sides whose owner this recovery decided is gone. */
int shmgen__ring_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                         const shmgen__deadset_t *dead);

/* Repairs the consumer side if its owner died (through the segment's
 * recovery); for a producer that has waited long on the consumer. */
void shmgen__ring_repair_dead_consumer(shmgen_ring_t *r);

/* Whether head, tail and bhead are consistent with each other (else a
 * process scribbled on them): checked on slow paths before waiting. */
bool shmgen__ring_consistent(const shmgen_ring_t *r);

/* Returns SHMGEN_CORRUPT with the detail naming this ring. */
int shmgen__ring_corrupt(const shmgen_ring_t *r, const char *what);

#endif /* SHMGEN_RING_PRIV_H */
