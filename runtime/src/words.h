/*
 * SPDX-License-Identifier: MIT
 *
 * words.h — element copies as relaxed 8-byte atomic accesses, for elements
 * that seqlock readers (ring last_n, latest values, topic samples) may read while a writer
 * stores them: plain memcpy there would be a C11 data race.  The caller's
 * fences and sequence words order them.  Depends on atomics.h.
 */
#ifndef SHMGEN_WORDS_H
#define SHMGEN_WORDS_H

#include <stdint.h>

#include "atomics.h"

/* Copies size bytes into dst (8-byte aligned) as relaxed 8-byte atomic
 * stores, zero-padding the last word. */
static inline void shmgen__store_words(unsigned char *dst, const void *src, uint32_t size)
{
    shmgen__atomic_u64 *d = (shmgen__atomic_u64 *)(void *)dst;
    const unsigned char *s = (const unsigned char *)src;
    uint32_t full = size / 8u, rest = size % 8u, i = 0;
    uint64_t a, b;
    /* Two words a step: the loop costs as much as the stores otherwise.  Each
     * word goes through its own scalar (no array: a wide load of narrow
     * stores would stall store forwarding). */
    for (; i + 2u <= full; i += 2u) {
        __builtin_memcpy(&a, s + 8u * i, 8);
        __builtin_memcpy(&b, s + 8u * i + 8u, 8);
        /* Relaxed (all): ordered by the caller's fences around its sequence word. */
        shmgen__store(&d[i], a, memory_order_relaxed);
        shmgen__store(&d[i + 1], b, memory_order_relaxed);
    }
    if (i < full) {
        __builtin_memcpy(&a, s + 8u * i, 8);
        shmgen__store(&d[i], a, memory_order_relaxed);
    }
    if (rest) {
        a = 0;
        __builtin_memcpy(&a, s + 8u * full, rest);
        shmgen__store(&d[full], a, memory_order_relaxed);
    }
}

/* The reading twin of shmgen__store_words: relaxed 8-byte atomic loads. */
static inline void shmgen__load_words(void *dst, const unsigned char *src, uint32_t size)
{
    const shmgen__atomic_u64 *s = (const shmgen__atomic_u64 *)(const void *)src;
    unsigned char *d = (unsigned char *)dst;
    uint32_t full = size / 8u, rest = size % 8u, i = 0;
    uint64_t a, b;
    /* Two words a step, as in shmgen__store_words. */
    for (; i + 2u <= full; i += 2u) {
        /* Relaxed (all): the caller's seqlock re-check after an acquire fence validates them. */
        a = shmgen__load((shmgen__atomic_u64 *)&s[i], memory_order_relaxed);
        b = shmgen__load((shmgen__atomic_u64 *)&s[i + 1], memory_order_relaxed);
        __builtin_memcpy(d + 8u * i, &a, 8);
        __builtin_memcpy(d + 8u * i + 8u, &b, 8);
    }
    if (i < full) {
        a = shmgen__load((shmgen__atomic_u64 *)&s[i], memory_order_relaxed);
        __builtin_memcpy(d + 8u * i, &a, 8);
    }
    if (rest) {
        a = shmgen__load((shmgen__atomic_u64 *)&s[full], memory_order_relaxed);
        __builtin_memcpy(d + 8u * full, &a, rest);
    }
}

#endif /* SHMGEN_WORDS_H */
