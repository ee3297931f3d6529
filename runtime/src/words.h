/*
 * SPDX-License-Identifier: MIT
 *
 * words.h — element copies as relaxed 8-byte atomic accesses, for elements
 * that seqlock readers (ring last_n, latest values) may read while a writer
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
    uint32_t full = size / 8u, rest = size % 8u, i;
    for (i = 0; i < full; i++) {
        uint64_t v;
        __builtin_memcpy(&v, s + 8u * i, 8);
        /* Relaxed: ordered by the caller's fences around its sequence word. */
        shmgen__store(&d[i], v, memory_order_relaxed);
    }
    if (rest) {
        uint64_t v = 0;
        __builtin_memcpy(&v, s + 8u * full, rest);
        shmgen__store(&d[full], v, memory_order_relaxed);
    }
}

/* The reading twin of shmgen__store_words: relaxed 8-byte atomic loads. */
static inline void shmgen__load_words(void *dst, const unsigned char *src, uint32_t size)
{
    const shmgen__atomic_u64 *s = (const shmgen__atomic_u64 *)(const void *)src;
    unsigned char *d = (unsigned char *)dst;
    uint32_t full = size / 8u, rest = size % 8u, i;
    for (i = 0; i < full; i++) {
        /* Relaxed: the caller's seqlock re-check after an acquire fence validates them. */
        uint64_t v = shmgen__load((shmgen__atomic_u64 *)&s[i], memory_order_relaxed);
        __builtin_memcpy(d + 8u * i, &v, 8);
    }
    if (rest) {
        uint64_t v = shmgen__load((shmgen__atomic_u64 *)&s[full], memory_order_relaxed);
        __builtin_memcpy(d + 8u * full, &v, rest);
    }
}

#endif /* SHMGEN_WORDS_H */
