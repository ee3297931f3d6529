/*
 * SPDX-License-Identifier: MIT
 *
 * atomic.c — the `atomic` kind: a 64-byte header (magic, element size) and one
 * cache line holding the value at its start, 8-byte aligned.  u32/i32/bool use
 * a 32-bit word (bool as 0/1), u64/i64 a 64-bit word; signed values go through
 * the unsigned word in two's complement so overflow wraps instead of being UB.
 * All operations are seq_cst: an atomic structure is typically a flag or a
 * counter other data is published under, and callers should not have to
 * reason about weaker orders.  Depends on internal.h, atomics.h.
 */
#include <string.h>

#include "internal.h"
#include "shmgen/atomic.h"

#define ATOMIC_MAGIC 0x54414753u /* "SGAT" */
#define SEQ memory_order_seq_cst

typedef struct atomic_header {
    uint32_t magic;
    uint32_t elem_size;
} atomic_header_t;

static void *value_word(void *base)
{
    return (unsigned char *)base + shmgen_kind_header_bytes(SHMGEN_KIND_ATOMIC);
}

static void atomic_kind_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    atomic_header_t *h = base;
    h->magic = ATOMIC_MAGIC;
    h->elem_size = info->elem_size;
    /* Fresh memory, not yet visible to anyone: the READY release publishes it. */
    if (info->elem_size == 8) shmgen__store((shmgen__atomic_u64 *)value_word(base), initial, memory_order_relaxed);
    else if (info->elem_size == 1) shmgen__store((shmgen__atomic_u32 *)value_word(base), initial != 0, memory_order_relaxed);
    else shmgen__store((shmgen__atomic_u32 *)value_word(base), (uint32_t)initial, memory_order_relaxed);
}

static int atomic_kind_check(const void *base, const shmgen_struct_info_t *info)
{
    atomic_header_t h;
    memcpy(&h, base, sizeof h);
    if (h.magic != ATOMIC_MAGIC || h.elem_size != info->elem_size) return SHMGEN_CORRUPT;
    return (h.elem_size == 1 || h.elem_size == 4 || h.elem_size == 8) ? 0 : SHMGEN_CORRUPT;
}

const shmgen__kind_ops_t shmgen__atomic_ops = {atomic_kind_init, atomic_kind_check, NULL};

int shmgen_atomic_bind(shmgen_atomic_t *a, const shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    if (!a || !seg || !info) return SHMGEN_INVALID_ARGUMENT;
    if (info->kind != SHMGEN_KIND_ATOMIC) return SHMGEN_WRONG_KIND;
    if (!(base = shmgen_segment_struct_base(seg, info))) return SHMGEN_INVALID_ARGUMENT;
    a->word = value_word(base);
    a->elem_size = info->elem_size;
    return 0;
}

#define W32(a) ((shmgen__atomic_u32 *)(a)->word)
#define W64(a) ((shmgen__atomic_u64 *)(a)->word)

/* One family of functions per type T stored in word W through unsigned type U. */
#define SHMGEN__ATOMIC_FAMILY(name, T, U, W)                                                     \
    T shmgen_atomic_load_##name(const shmgen_atomic_t *a) { return (T)shmgen__load(W(a), SEQ); } \
    void shmgen_atomic_store_##name(const shmgen_atomic_t *a, T value)                          \
    {                                                                                           \
        shmgen__store(W(a), (U)value, SEQ);                                                     \
    }                                                                                           \
    T shmgen_atomic_exchange_##name(const shmgen_atomic_t *a, T value)                          \
    {                                                                                           \
        return (T)shmgen__exchange(W(a), (U)value, SEQ);                                        \
    }                                                                                           \
    bool shmgen_atomic_compare_exchange_##name(const shmgen_atomic_t *a, T *expected, T desired) \
    {                                                                                           \
        U seen = (U)*expected;                                                                  \
        bool ok = shmgen__cas(W(a), &seen, (U)desired, SEQ, SEQ);                               \
        *expected = (T)seen;                                                                    \
        return ok;                                                                              \
    }

#define SHMGEN__ATOMIC_ARITH(name, T, U, W)                                                      \
    T shmgen_atomic_fetch_add_##name(const shmgen_atomic_t *a, T delta)                         \
    {                                                                                           \
        return (T)shmgen__fetch_add(W(a), (U)delta, SEQ);                                       \
    }                                                                                           \
    T shmgen_atomic_fetch_sub_##name(const shmgen_atomic_t *a, T delta)                         \
    {                                                                                           \
        return (T)shmgen__fetch_sub(W(a), (U)delta, SEQ);                                       \
    }

SHMGEN__ATOMIC_FAMILY(u32, uint32_t, uint32_t, W32)
SHMGEN__ATOMIC_ARITH(u32, uint32_t, uint32_t, W32)
SHMGEN__ATOMIC_FAMILY(u64, uint64_t, uint64_t, W64)
SHMGEN__ATOMIC_ARITH(u64, uint64_t, uint64_t, W64)
SHMGEN__ATOMIC_FAMILY(i32, int32_t, uint32_t, W32)
SHMGEN__ATOMIC_ARITH(i32, int32_t, uint32_t, W32)
SHMGEN__ATOMIC_FAMILY(i64, int64_t, uint64_t, W64)
SHMGEN__ATOMIC_ARITH(i64, int64_t, uint64_t, W64)
SHMGEN__ATOMIC_FAMILY(bool, bool, uint32_t, W32)
