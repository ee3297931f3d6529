/*
 * SPDX-License-Identifier: MIT
 *
 * pool.c — the `pool` kind: slots claimed and freed by CAS on a per-slot
 * {generation, owner} word (see shmgen/pool.h; crash analysis in
 * docs/crash-recovery.md).
 *
 * Header (256 bytes): line 0 meta; line 1 the acquire hint (where the next
 * search starts; a hint only, so plain loads/stores); lines 2-3 unused.
 * Slot word: (generation << 32) | owner, owner 0 = free.  Release bumps the
 * generation, so every handle of an earlier tenure goes stale at once.
 * Depends on kind_meta.h, internal.h (dead sets), shmgen/pool.h.
 */
#include "shmgen/pool.h"

#include <string.h>

#include "kind_meta.h"
#include "testhook.h"

typedef struct pool_hdr {
    shmgen__cmeta_t meta;
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t)];
    shmgen__atomic_u64 hint; /* line 1: index where acquire starts looking */
    unsigned char pad1[SHMGEN_CACHE_LINE - 8];
    unsigned char pad2[2 * SHMGEN_CACHE_LINE];
} pool_hdr_t;

_Static_assert(sizeof(pool_hdr_t) == SHMGEN__KIND_HEADER, "pool header is four cache lines");

#define HDR(p) ((pool_hdr_t *)(p)->hdr_)
#define WORD(gen, owner) (((uint64_t)(gen) << 32) | (uint64_t)(owner))
#define GEN(w) ((uint32_t)((w) >> 32))
#define OWNER(w) ((uint32_t)(w))

static inline shmgen__atomic_u64 *slot_word(const shmgen_pool_t *p, uint64_t idx)
{
    return (shmgen__atomic_u64 *)(void *)(p->slots_ + idx * p->slot_bytes_);
}

/* Generation 0 is skipped so that no handle of a held slot has bits >> 32 == 0. */
static inline uint32_t next_gen(uint32_t gen)
{
    return gen + 1 == 0 ? 1 : gen + 1;
}

static inline shmgen_pool_handle_t make_handle(uint64_t idx, uint32_t gen)
{
    shmgen_pool_handle_t h = {((uint64_t)gen << 32) | (idx + 1)};
    return h;
}

/* The slot index of h, or capacity when h is malformed. */
static inline uint64_t handle_idx(const shmgen_pool_t *p, shmgen_pool_handle_t h)
{
    uint64_t i = (uint32_t)h.bits;
    return i == 0 || i > p->capacity_ ? p->capacity_ : i - 1;
}

static void pool_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    uint64_t slot_bytes = shmgen_kind_slot_bytes(SHMGEN_KIND_POOL, info->elem_size);
    unsigned char *slots = (unsigned char *)base + SHMGEN__KIND_HEADER;
    (void)initial;
    shmgen__cmeta_init(base, info);
    /* Relaxed: published by the segment's ready state.  Generation 1, free. */
    for (uint64_t i = 0; i < info->capacity; i++)
        shmgen__store((shmgen__atomic_u64 *)(void *)(slots + i * slot_bytes), WORD(1, 0), memory_order_relaxed);
}

static int pool_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_POOL);
}

/* Frees every slot whose owner is in this recovery's dead set (registry
 * slots are not reused before recovery ends, so a dead owner here cannot be
 * a newcomer, and the set is the one decision every kind repairs from). */
static int pool_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                        const shmgen__deadset_t *dead)
{
    shmgen_pool_t p;
    int rc = shmgen_pool_bind(&p, seg, info), repairs = 0;
    (void)base;
    if (rc != 0) return rc;
    for (uint64_t i = 0; i < p.capacity_; i++) {
        /* Acquire: the dead owner's element writes are complete for the next holder. */
        uint64_t w = shmgen__load(slot_word(&p, i), memory_order_acquire);
        if (!shmgen__dead_has(dead, OWNER(w))) continue;
        /* Release: as in release; fails harmlessly if the slot moved on. */
        if (shmgen__cas(slot_word(&p, i), &w, WORD(next_gen(GEN(w)), 0), memory_order_release,
                        memory_order_relaxed))
            repairs++;
    }
    return repairs;
}

const shmgen__kind_ops_t shmgen__pool_ops = {pool_init, pool_check, pool_recover};

int shmgen_pool_bind(shmgen_pool_t *p, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    int rc = shmgen__bind_base(p, seg, info, SHMGEN_KIND_POOL, &base);
    if (rc != 0) return rc;
    memset(p, 0, sizeof *p);
    p->hdr_ = base;
    p->slots_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    p->capacity_ = info->capacity;
    p->slot_bytes_ = shmgen_kind_slot_bytes(SHMGEN_KIND_POOL, info->elem_size);
    p->elem_size_ = info->elem_size;
    p->self_ = shmgen__self_owner(seg);
    p->readonly_ = shmgen_segment_is_readonly(seg) || p->self_ == 0;
    p->seg_ = seg;
    return 0;
}

shmgen_pool_handle_t shmgen_pool_acquire(shmgen_pool_t *p)
{
    shmgen_pool_handle_t none = {0};
    uint64_t idx;
    if (p->readonly_) return none;
    /* Relaxed: a hint; a wrong one only lengthens the search. */
    idx = shmgen__load(&HDR(p)->hint, memory_order_relaxed);
    if (idx >= p->capacity_) idx = 0;
    for (uint64_t n = 0; n < p->capacity_; n++) {
        shmgen__atomic_u64 *sw = slot_word(p, idx);
        uint64_t w = shmgen__load(sw, memory_order_relaxed);
        /* Acquire on success: the previous holder's element writes happen before ours.
         * The claim and the owner id are this one CAS. */
        if (OWNER(w) == 0 &&
            shmgen__cas(sw, &w, WORD(GEN(w), p->self_), memory_order_acquire, memory_order_relaxed)) {
            SHMGEN__HOOK(SHMGEN__HP_POOL_ACQUIRED, idx);
            /* Relaxed: a hint only (see the file comment). */
            shmgen__store(&HDR(p)->hint, idx + 1 == p->capacity_ ? 0 : idx + 1, memory_order_relaxed);
            return make_handle(idx, GEN(w));
        }
        idx = idx + 1 == p->capacity_ ? 0 : idx + 1;
    }
    return none;
}

bool shmgen_pool_handle_valid(shmgen_pool_handle_t h)
{
    return h.bits != 0;
}

int shmgen_pool_release(shmgen_pool_t *p, shmgen_pool_handle_t h)
{
    uint64_t idx = handle_idx(p, h), w;
    if (p->readonly_) return SHMGEN_READ_ONLY;
    if (idx == p->capacity_) return SHMGEN_INVALID_ARGUMENT;
    w = shmgen__load(slot_word(p, idx), memory_order_relaxed);
    do {
        if (GEN(w) != (uint32_t)(h.bits >> 32) || OWNER(w) == 0) return SHMGEN_STALE_HANDLE;
        /* Release: our element writes happen before the next acquirer's reads. */
    } while (!shmgen__cas(slot_word(p, idx), &w, WORD(next_gen(GEN(w)), 0),
                          memory_order_release, memory_order_relaxed));
    return 0;
}

void *shmgen_pool_get(shmgen_pool_t *p, shmgen_pool_handle_t h)
{
    uint64_t idx = handle_idx(p, h), w;
    if (idx == p->capacity_) return NULL;
    /* Acquire: the holder that passed h to us published the element before. */
    w = shmgen__load(slot_word(p, idx), memory_order_acquire);
    if (GEN(w) != (uint32_t)(h.bits >> 32) || OWNER(w) == 0) return NULL;
    return p->slots_ + idx * p->slot_bytes_ + 8u;
}

int shmgen_pool_adopt(shmgen_pool_t *p, shmgen_pool_handle_t h)
{
    uint64_t idx = handle_idx(p, h), w;
    if (p->readonly_) return SHMGEN_READ_ONLY;
    if (idx == p->capacity_) return SHMGEN_INVALID_ARGUMENT;
    w = shmgen__load(slot_word(p, idx), memory_order_relaxed);
    do {
        if (GEN(w) != (uint32_t)(h.bits >> 32) || OWNER(w) == 0) return SHMGEN_STALE_HANDLE;
        /* Acq_rel: ownership moves with the element's contents. */
    } while (!shmgen__cas(slot_word(p, idx), &w, WORD(GEN(w), p->self_), memory_order_acq_rel,
                          memory_order_relaxed));
    return 0;
}

uint64_t shmgen_pool_num_allocated(const shmgen_pool_t *p)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < p->capacity_; i++)
        /* Relaxed: a count, no data is read through it. */
        n += OWNER(shmgen__load(slot_word(p, i), memory_order_relaxed)) != 0;
    return n;
}

uint64_t shmgen_pool_count_sampled(const shmgen_pool_t *p, uint64_t max_reads, bool *exact)
{
    uint64_t n = 0, step;
    if (max_reads == 0) max_reads = 1;
    if (p->capacity_ <= max_reads) {
        if (exact) *exact = true;
        return shmgen_pool_num_allocated(p);
    }
    /* Evenly spaced slots, scaled up: bounded work (and pages touched) for
     * tools, whatever the declared capacity. */
    step = p->capacity_ / max_reads;
    for (uint64_t i = 0; i < max_reads; i++)
        /* Relaxed: a statistic, as in num_allocated. */
        n += OWNER(shmgen__load(slot_word(p, i * step), memory_order_relaxed)) != 0;
    if (exact) *exact = false;
    return n * step + (n * (p->capacity_ % max_reads)) / max_reads;
}

uint64_t shmgen_pool_capacity(const shmgen_pool_t *p)
{
    return p->capacity_;
}

int shmgen_pool_visit(shmgen_pool_t *p, shmgen_pool_visit_fn fn, void *ctx)
{
    if (!p || !fn) return SHMGEN_INVALID_ARGUMENT;
    for (uint64_t i = 0; i < p->capacity_; i++) {
        /* Acquire: the holder's element writes before its acquire are visible. */
        uint64_t w = shmgen__load(slot_word(p, i), memory_order_acquire);
        if (OWNER(w) != 0) fn(make_handle(i, GEN(w)), p->slots_ + i * p->slot_bytes_ + 8u, ctx);
    }
    return 0;
}
