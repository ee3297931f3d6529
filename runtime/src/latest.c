/*
 * SPDX-License-Identifier: MIT
 *
 * latest.c — the `latest` kind: one value, double-buffered, stored whole by
 * one writer at a time and loaded whole by any number of readers (see
 * shmgen/latest.h; the crash analysis is docs/crash-recovery.md).
 *
 * Header (256 bytes): line 0 the meta line; line 1 `version` (stores
 * completed) and `writer` (the owner token of the attachment inside a store,
 * 0 between stores); line 2 the wait queue of readers waiting for a change;
 * line 3 unused.  Then two buffers, each one 64-byte aligned block of an
 * 8-byte sequence word and the value.
 *
 * Store number v (the v-th since creation) writes buffer v & 1, the one
 * readers are not directed to, as a seqlock writer: its sequence word goes to
 * 2v - 1, the value is written as relaxed 8-byte words, the word goes to 2v,
 * then `version` to v.  A buffer's word is 2v exactly while it holds store
 * v's value, and only ever grows.  A reader loads `version` v, checks buffer
 * v & 1's word is 2v, copies with relaxed loads, issues an acquire fence and
 * re-checks the word: unchanged means the copy is store v's value, whole (the
 * next store to touch that buffer is v + 2, which first moves the word to
 * 2v + 3).  Readers never wait for the writer: a writer stopped or killed in
 * a store is inside the other buffer.
 * Depends on kind_meta.h, owner.h (the writer word is a token lock), waitq.h,
 * words.h, clock.h, testhook.h, internal.h.
 */
#include "shmgen/latest.h"

#include <string.h>

#include "clock.h"
#include "kind_meta.h"
#include "owner.h"
#include "testhook.h"
#include "waitq.h"
#include "words.h"

/* How long a store waits for another attachment inside its store (a store
 * takes nanoseconds to microseconds: this only ends when that writer is
 * stopped, or the word is scribbled); a writer that died is taken over. */
#define LATEST_PATIENCE_NS 20000000u /* 20 ms */
/* Copies in a row overtaken by stores before a load gives up. */
#define LATEST_READ_TRIES 256u

typedef struct latest_hdr {
    shmgen__cmeta_t meta;
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t)];
    /* line 1: written by the writer of each store (and by repair) */
    shmgen__atomic_u64 version; /* stores completed; the newest value is in buffer version & 1 */
    shmgen__atomic_u64 writer;  /* owner token of the attachment inside a store; 0 = none */
    unsigned char pad1[SHMGEN_CACHE_LINE - 16];
    /* line 2: readers waiting for a change */
    shmgen__waitq_t changed;
    unsigned char pad2[SHMGEN_CACHE_LINE - sizeof(shmgen__waitq_t)];
    unsigned char pad3[SHMGEN_CACHE_LINE];
} latest_hdr_t;

_Static_assert(sizeof(latest_hdr_t) == SHMGEN__KIND_HEADER, "latest header is four cache lines");

#define HDR(l) ((latest_hdr_t *)(l)->hdr_)

static inline shmgen__atomic_u64 *buf_seq(const shmgen_latest_t *l, uint64_t b)
{
    return (shmgen__atomic_u64 *)(void *)(l->bufs_ + b * l->buf_bytes_);
}

static inline unsigned char *buf_value(const shmgen_latest_t *l, uint64_t b)
{
    return l->bufs_ + b * l->buf_bytes_ + 8;
}

/* ---- kind ops ------------------------------------------------------------ */

static void latest_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    (void)initial;
    /* Version 0 and both sequence words 0 are the zeroed memory's: never stored. */
    shmgen__cmeta_init(base, info);
}

static int latest_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_LATEST);
}

/* A writer that died inside a store left its token in `writer` (and maybe a
 * half-written buffer readers are not directed to): clearing the word is
 * the whole repair. */
static int latest_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                          const shmgen__deadset_t *dead)
{
    latest_hdr_t *h = (latest_hdr_t *)base;
    /* Acquire: the dead writer's last stores are ordered before our clearing. */
    uint64_t w = shmgen__load(&h->writer, memory_order_acquire);
    (void)info;
    if (w == 0 || !shmgen__token_dead_in(seg, w, dead)) return 0;
    /* CAS from the dead token: a live taker may have replaced it meanwhile. */
    return shmgen__cas(&h->writer, &w, 0, memory_order_release, memory_order_relaxed) ? 1 : 0;
}

const shmgen__kind_ops_t shmgen__latest_ops = {latest_init, latest_check, latest_recover};

int shmgen_latest_bind(shmgen_latest_t *l, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    int rc = shmgen__bind_base(l, seg, info, SHMGEN_KIND_LATEST, &base);
    if (rc != 0) return rc;
    memset(l, 0, sizeof *l);
    l->hdr_ = base;
    l->bufs_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    l->buf_bytes_ = shmgen_kind_slot_bytes(SHMGEN_KIND_LATEST, info->elem_size);
    l->elem_size_ = info->elem_size;
    l->table_index_ = info->table_index;
    l->seg_ = seg;
    l->readonly_ = shmgen_segment_is_readonly(seg);
    l->self_ = l->readonly_ ? 0 : shmgen__self_token(seg);
    shmgen__wait_process_init();
    return 0;
}

/* ---- writer -------------------------------------------------------------- */

int shmgen_latest_store(shmgen_latest_t *l, const void *value)
{
    latest_hdr_t *h = HDR(l);
    uint64_t v, seen, half = (l->elem_size_ / 16u) * 8u;
    shmgen__atomic_u64 *seq;
    if (l->readonly_) return SHMGEN_READ_ONLY;
    /* The previous store is complete and visible once the word is ours. */
    if (shmgen__token_lock(&h->writer, l->seg_, l->self_, LATEST_PATIENCE_NS, &seen) != 0) {
        shmgen__set_detail("latest '%s': another store is in progress (pid %u) and did not finish",
                           shmgen__struct_name(l->seg_, l->table_index_), (unsigned)(seen >> 32));
        return SHMGEN_BUSY;
    }
    /* Relaxed: only the holder of `writer` stores it, and we acquired that. */
    v = shmgen__load(&h->version, memory_order_relaxed) + 1;
    seq = buf_seq(l, v & 1);
    /* Relaxed + release fence: the seqlock writer's entry; a reader that sees
     * any of the value words below sees the odd word after its acquire fence. */
    shmgen__store(seq, 2 * v - 1, memory_order_relaxed);
    shmgen__fence(memory_order_release);
    shmgen__store_words(buf_value(l, v & 1), value, (uint32_t)half);
    SHMGEN__HOOK(SHMGEN__HP_LATEST_WRITING, v);
    shmgen__store_words(buf_value(l, v & 1) + half, (const unsigned char *)value + half, l->elem_size_ - (uint32_t)half);
    /* Release (both): a reader that acquires either sees the whole value. */
    shmgen__store(seq, 2 * v, memory_order_release);
    shmgen__store(&h->version, v, memory_order_release);
    shmgen__token_unlock(&h->writer);
    shmgen__waitq_notify(&h->changed);
    return 0;
}

/* ---- readers ------------------------------------------------------------- */

/* After LATEST_READ_TRIES failed copies: the words contradict each other
 * (CORRUPT: version unmoved all along, yet its buffer does not hold it), or
 * stores kept overtaking the copy (BUSY). */
static int load_failed(const shmgen_latest_t *l, uint64_t first_version)
{
    /* Acquire: as in load. */
    uint64_t v = shmgen__load(&HDR(l)->version, memory_order_acquire);
    if (v == first_version && shmgen__load(buf_seq(l, v & 1), memory_order_acquire) != 2 * v)
        return shmgen__struct_error(SHMGEN_CORRUPT, l->seg_, l->table_index_,
                                    "the newest buffer's sequence word does not match the version");
    return shmgen__struct_error(SHMGEN_BUSY, l->seg_, l->table_index_, "stores kept overtaking the load");
}

int shmgen_latest_load(const shmgen_latest_t *l, void *out, uint64_t *version)
{
    uint64_t first = 0;
    unsigned spins = 0;
    for (unsigned tries = 0; tries < LATEST_READ_TRIES; tries++) {
        /* Acquire: store v's buffer word (2v) is visible with it. */
        uint64_t v = shmgen__load(&HDR(l)->version, memory_order_acquire), s;
        shmgen__atomic_u64 *seq = buf_seq(l, v & 1);
        if (v == 0) return SHMGEN_EMPTY;
        if (tries == 0) first = v;
        /* Acquire: the value words of store v are visible if the word says 2v. */
        if ((s = shmgen__load(seq, memory_order_acquire)) == 2 * v) {
            shmgen__load_words(out, buf_value(l, v & 1), l->elem_size_);
            /* Acquire fence: if a copied word came from a later store, the
             * re-check below sees that store's odd word (or later). */
            shmgen__fence(memory_order_acquire);
            /* Relaxed: ordered by the fence. */
            if (shmgen__load(seq, memory_order_relaxed) == s) {
                if (version) *version = v;
                return 0;
            }
        }
        shmgen__backoff(&spins);
    }
    return load_failed(l, first);
}

uint64_t shmgen_latest_version(const shmgen_latest_t *l)
{
    /* Acquire: a caller that then loads sees at least this store. */
    return shmgen__load(&HDR(l)->version, memory_order_acquire);
}

typedef struct latest_wait {
    const shmgen_latest_t *l;
    uint64_t seen;
} latest_wait_t;

static bool version_moved(void *ctx)
{
    latest_wait_t *w = ctx;
    return shmgen_latest_version(w->l) != w->seen;
}

int shmgen_latest_wait(const shmgen_latest_t *l, uint64_t seen, int timeout_ms)
{
    latest_wait_t w = {l, seen};
    /* Registering as a waiter writes the wait queue: not on a read-only mapping. */
    if (l->readonly_) return version_moved(&w) ? 0 : SHMGEN_READ_ONLY;
    return shmgen__waitq_wait(&HDR(l)->changed, version_moved, &w, timeout_ms);
}
