/*
 * SPDX-License-Identifier: MIT
 *
 * topic_priv.h — what the topic's publisher path (topic.c), subscriber path
 * (topic_sub.c) and subscriptions, ownership and repair (topic_own.c) share:
 * the header, the subscriber records, the slots and their sequence words.
 *
 * Storage: a 256-byte header, `subscribers` records of 128 bytes, then
 * `capacity` slots of 8 + round_up(elem_size, 8) bytes, each an 8-byte
 * sequence word followed by the sample.  Header: line 0 the meta line and the
 * subscription words (written only by (un)subscribe and evictions); line 1 the
 * publisher's words (written by the publisher only, and by its repair); line
 * 2 the wait queue of subscribers waiting for data; line 3 the wait queue of
 * a blocked publisher (read by every block subscriber's notify, so the
 * publisher's blocked state, written once per blocked position, is on line
 * 1).
 *
 * Position p (free-running) lives in slot p % capacity, whose sequence word
 * reads TOPIC_WRITING(p) = 2p + 2 from the moment the publisher starts
 * writing p (loan) and TOPIC_PUBLISHED(p) = 2p + 3 once p is published; 0
 * before the slot's first use.  Any smaller value belongs to an earlier
 * position of the slot (p is not there yet), any larger one to a later
 * position (p was overwritten).  A subscriber at position p thus needs only
 * the slot: PUBLISHED(p) means "read it", below means "nothing new", above
 * means "lapped".
 *
 * A record (two lines): line A is written by the subscriber holding it only
 * (cursor, its wrapped index, a held zero-copy read, losses); line B holds
 * the holder word (below), the name and the eviction count,
 * written under the subscription lock, by an eviction or by recovery.
 * Depends on kind_meta.h, owner.h, waitq.h, internal.h, shmgen/topic.h.
 */
#ifndef SHMGEN_TOPIC_PRIV_H
#define SHMGEN_TOPIC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "kind_meta.h"
#include "owner.h"
#include "shmgen/topic.h"
#include "waitq.h"

#define TOPIC_WRITING(p) (2 * (uint64_t)(p) + 2)
#define TOPIC_PUBLISHED(p) (2 * (uint64_t)(p) + 3)
/* A record's holder word: the holder's owner token (pid << 32 | slot + 1,
 * slot + 1 <= 128), a tenure tag in bits 8-30 (the subscription that took
 * the record: a handle kept from an earlier subscription of the same
 * attachment no longer matches), and EVICTED (bit 63: the publisher evicted
 * this subscriber; block with a deadline).  Tokens never use those bits. */
#define SHMGEN__TOPIC_EVICTED ((uint64_t)1 << 63)
#define SHMGEN__TOPIC_TAG_SHIFT 8
#define SHMGEN__TOPIC_TAG_MASK ((((uint64_t)1 << 23) - 1) << SHMGEN__TOPIC_TAG_SHIFT)
_Static_assert(SHMGEN_MAX_PROCESSES < (1u << SHMGEN__TOPIC_TAG_SHIFT), "tenure tags sit above the slot number");

/* The owner token in a holder word (0: held by nobody). */
static inline uint64_t shmgen__topic_token(uint64_t holder)
{
    return holder & ~(SHMGEN__TOPIC_EVICTED | SHMGEN__TOPIC_TAG_MASK);
}
#define SHMGEN__TOPIC_NAME_WORDS 4u /* 32 bytes: up to 31 name bytes and a NUL */

typedef struct shmgen__topic_hdr {
    shmgen__cmeta_t meta;
    /* line 0, after the meta: subscriptions (rare writes) */
    shmgen__atomic_u64 sublock;   /* owner token of the attachment (un)subscribing; 0 = free */
    shmgen__atomic_u64 joins;     /* bumped by every subscribe (a block publisher rescans); tenure tags */
    shmgen__atomic_u64 used;      /* records below it have been taken at least once */
    shmgen__atomic_u64 evictions; /* subscribers evicted since creation */
    /* line 1: the publisher's (written by the publishing attachment only) */
    shmgen__atomic_u64 p_owner;    /* owner token of the publisher side; 0 = none */
    shmgen__atomic_u64 head;       /* positions published */
    shmgen__atomic_u64 p_idx;      /* head % capacity */
    shmgen__atomic_u64 loaned;     /* head + 1 while the slot of head is loaned out; 0 = none */
    shmgen__atomic_u64 min_cache;  /* block: the lowest cursor of a held record at the last scan */
    shmgen__atomic_u64 joins_seen; /* block: `joins` at the last scan */
    shmgen__atomic_u64 blocked_at; /* block: position + 1 the publisher is blocked at; 0 = not blocked */
    shmgen__atomic_u64 blocked_ns; /* block: since when (monotonic clock) */
    /* line 2: subscribers waiting for data */
    shmgen__waitq_t data;
    unsigned char pad2[SHMGEN_CACHE_LINE - sizeof(shmgen__waitq_t)];
    /* line 3: a blocked publisher waiting for room (block policy) */
    shmgen__waitq_t space;
    shmgen__atomic_u64 checked_ns; /* the last look for dead subscribers holding it back */
    unsigned char pad3[SHMGEN_CACHE_LINE - sizeof(shmgen__waitq_t) - 8];
} shmgen__topic_hdr_t;

_Static_assert(sizeof(shmgen__topic_hdr_t) == SHMGEN__KIND_HEADER, "topic header is four cache lines");

typedef struct shmgen__topic_rec {
    /* line A: the subscriber's own */
    shmgen__atomic_u64 cursor;  /* the next position to read */
    shmgen__atomic_u64 idx;     /* cursor % capacity */
    shmgen__atomic_u64 reading; /* position + 1 of a held zero-copy read; 0 = none */
    shmgen__atomic_u64 lost;    /* positions skipped without being read */
    unsigned char pad_a[SHMGEN_CACHE_LINE - 32];
    /* line B: who holds it */
    shmgen__atomic_u64 holder;  /* owner token | tenure tag | EVICTED; token 0 = nobody */
    shmgen__atomic_u64 evicted_n;
    shmgen__atomic_u64 name[SHMGEN__TOPIC_NAME_WORDS]; /* NUL-padded; all zero = a free record */
    unsigned char pad_b[SHMGEN_CACHE_LINE - 16 - 8 * SHMGEN__TOPIC_NAME_WORDS];
} shmgen__topic_rec_t;

_Static_assert(sizeof(shmgen__topic_rec_t) == SHMGEN_TOPIC_CURSOR_BYTES, "a subscriber record is two lines");

#define TOPIC_HDR(t) ((shmgen__topic_hdr_t *)(t)->hdr_)

static inline shmgen__topic_rec_t *shmgen__topic_rec(const shmgen_topic_t *t, uint64_t i)
{
    return (shmgen__topic_rec_t *)(void *)(t->cursors_ + i * SHMGEN_TOPIC_CURSOR_BYTES);
}

static inline shmgen__atomic_u64 *shmgen__topic_seq(const shmgen_topic_t *t, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(t->slots_ + idx * t->slot_bytes_);
}

static inline unsigned char *shmgen__topic_elem(const shmgen_topic_t *t, uint64_t idx)
{
    return t->slots_ + idx * t->slot_bytes_ + 8;
}

static inline uint64_t shmgen__topic_next(const shmgen_topic_t *t, uint64_t idx)
{
    return idx + 1 == t->capacity_ ? 0 : idx + 1;
}

/* Whether a reader may copy a slot while the publisher rewrites it (lap, or
 * block with a deadline: an evicted subscriber may still be reading), so
 * that samples move as relaxed 8-byte words; under block without a deadline
 * no slot is ever rewritten while a subscriber may read it. */
static inline bool shmgen__topic_racy(const shmgen_topic_t *t)
{
    return t->policy_ == SHMGEN_TOPIC_LAP || t->deadline_ms_ != 0;
}

/* ---- topic_own.c ---- */

/* The publisher side as owner.h sees it (its repair included). */
shmgen__side_t shmgen__topic_publisher_side(shmgen_topic_t *t);
/* Makes this attachment the publisher: 0, SHMGEN_BUSY, SHMGEN_TIMEOUT, SHMGEN_READ_ONLY. */
int shmgen__topic_take_publisher(shmgen_topic_t *t);
/* The topic's kind op: repairs the publisher side, the subscription lock and
 * the records of owners this recovery decided are gone. */
int shmgen__topic_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                          const shmgen__deadset_t *dead);

/* ---- topic.c ---- */

/* The lowest cursor of a held, not evicted record (h when there is none, or
 * every cursor is past h): what a block publisher at h may not lap. */
uint64_t shmgen__topic_min_cursor(const shmgen_topic_t *t, uint64_t h);

/* Returns SHMGEN_CORRUPT (or err) with the detail naming this topic. */
int shmgen__topic_error(const shmgen_topic_t *t, int err, const char *what);

#endif /* SHMGEN_TOPIC_PRIV_H */
