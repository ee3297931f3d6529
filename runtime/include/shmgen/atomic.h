/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/atomic.h — the `atomic` kind: one lock-free scalar (u32 u64 i32 i64
 * bool) alone in its cache line.
 *
 * Bind a shmgen_atomic_t to the structure once, then use the functions of the
 * element's type.  Every operation is sequentially consistent
 * (memory_order_seq_cst), lock-free, and safe from any thread of any attached
 * process.  compare_exchange is the strong form: it fails only when the value
 * differs from *expected, and then stores the value it saw into *expected (as
 * C11 does).  fetch_add / fetch_sub return the previous value and wrap modulo
 * 2^width (signed types in two's complement; never undefined behaviour).
 * Using the functions of another width than the structure's type is a bug the
 * runtime does not detect (it stays inside the structure's cache line).
 * Never call a writing function through a handle from
 * shmgen_segment_open_readonly(): the mapping is read-only.
 * Depends on segment.h.
 */
#ifndef SHMGEN_ATOMIC_H
#define SHMGEN_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shmgen_atomic {
    void *word;         /* the value: 4 bytes (u32, i32, bool) or 8 bytes (u64, i64), 8-aligned */
    uint32_t elem_size; /* 1 (bool), 4 or 8, from the table */
} shmgen_atomic_t;

/* Binds a to the structure `info` of seg.  Returns 0, SHMGEN_WRONG_KIND if it
 * is not an atomic, SHMGEN_INVALID_ARGUMENT.  Valid until seg is closed. */
SHMGEN_MUST_CHECK int shmgen_atomic_bind(shmgen_atomic_t *a, const shmgen_segment_t *seg,
                                         const shmgen_struct_info_t *info);

/* u32 */
uint32_t shmgen_atomic_load_u32(const shmgen_atomic_t *a);
void shmgen_atomic_store_u32(const shmgen_atomic_t *a, uint32_t value);
uint32_t shmgen_atomic_exchange_u32(const shmgen_atomic_t *a, uint32_t value);
bool shmgen_atomic_compare_exchange_u32(const shmgen_atomic_t *a, uint32_t *expected, uint32_t desired);
uint32_t shmgen_atomic_fetch_add_u32(const shmgen_atomic_t *a, uint32_t delta);
uint32_t shmgen_atomic_fetch_sub_u32(const shmgen_atomic_t *a, uint32_t delta);

/* u64 */
uint64_t shmgen_atomic_load_u64(const shmgen_atomic_t *a);
void shmgen_atomic_store_u64(const shmgen_atomic_t *a, uint64_t value);
uint64_t shmgen_atomic_exchange_u64(const shmgen_atomic_t *a, uint64_t value);
bool shmgen_atomic_compare_exchange_u64(const shmgen_atomic_t *a, uint64_t *expected, uint64_t desired);
uint64_t shmgen_atomic_fetch_add_u64(const shmgen_atomic_t *a, uint64_t delta);
uint64_t shmgen_atomic_fetch_sub_u64(const shmgen_atomic_t *a, uint64_t delta);

/* i32 */
int32_t shmgen_atomic_load_i32(const shmgen_atomic_t *a);
void shmgen_atomic_store_i32(const shmgen_atomic_t *a, int32_t value);
int32_t shmgen_atomic_exchange_i32(const shmgen_atomic_t *a, int32_t value);
bool shmgen_atomic_compare_exchange_i32(const shmgen_atomic_t *a, int32_t *expected, int32_t desired);
int32_t shmgen_atomic_fetch_add_i32(const shmgen_atomic_t *a, int32_t delta);
int32_t shmgen_atomic_fetch_sub_i32(const shmgen_atomic_t *a, int32_t delta);

/* i64 */
int64_t shmgen_atomic_load_i64(const shmgen_atomic_t *a);
void shmgen_atomic_store_i64(const shmgen_atomic_t *a, int64_t value);
int64_t shmgen_atomic_exchange_i64(const shmgen_atomic_t *a, int64_t value);
bool shmgen_atomic_compare_exchange_i64(const shmgen_atomic_t *a, int64_t *expected, int64_t desired);
int64_t shmgen_atomic_fetch_add_i64(const shmgen_atomic_t *a, int64_t delta);
int64_t shmgen_atomic_fetch_sub_i64(const shmgen_atomic_t *a, int64_t delta);

/* bool (stored as a 32-bit word holding 0 or 1) */
bool shmgen_atomic_load_bool(const shmgen_atomic_t *a);
void shmgen_atomic_store_bool(const shmgen_atomic_t *a, bool value);
bool shmgen_atomic_exchange_bool(const shmgen_atomic_t *a, bool value);
bool shmgen_atomic_compare_exchange_bool(const shmgen_atomic_t *a, bool *expected, bool desired);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_ATOMIC_H */
