/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/array.h — the `array` kind: `capacity` elements in place, no
 * concurrency added (element fields may themselves be atomics).
 *
 * A shmgen_array_t is a small process-local view bound to one structure of an
 * attached segment; it stays valid until the segment is closed.  Capacity and
 * element size come from the validated table, never re-read from shared memory.
 * Depends on segment.h.
 */
#ifndef SHMGEN_ARRAY_H
#define SHMGEN_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shmgen_array {
    void *base;          /* the structure's first byte (its header) */
    unsigned char *data; /* element 0 */
    uint64_t capacity;   /* elements */
    uint32_t elem_size;  /* bytes per element */
} shmgen_array_t;

/* Binds arr to the structure `info` (from find/resolve/struct_at on seg).
 * Returns 0, SHMGEN_WRONG_KIND if it is not an array, SHMGEN_INVALID_ARGUMENT. */
SHMGEN_MUST_CHECK int shmgen_array_bind(shmgen_array_t *arr, const shmgen_segment_t *seg,
                                        const shmgen_struct_info_t *info);

/* Address of element `index`, or NULL when index >= capacity.  No locking:
 * concurrent writers to the same element must use atomic fields. */
void *shmgen_array_at(const shmgen_array_t *arr, uint64_t index);

/* Copies element `index` into *out (elem_size bytes).  0 or SHMGEN_OUT_OF_BOUNDS. */
SHMGEN_NODISCARD int shmgen_array_get(const shmgen_array_t *arr, uint64_t index, void *out);

/* Copies elem_size bytes from *value into element `index`.  0 or SHMGEN_OUT_OF_BOUNDS;
 * SHMGEN_READ_ONLY is not detected here (a read-only mapping faults on write),
 * so never call it on a handle from shmgen_segment_open_readonly(). */
SHMGEN_NODISCARD int shmgen_array_set(const shmgen_array_t *arr, uint64_t index, const void *value);

/* Element 0 (the elements are contiguous, elem_size apart). */
void *shmgen_array_data(const shmgen_array_t *arr);

/* Number of elements, as stored in the segment. */
uint64_t shmgen_array_capacity(const shmgen_array_t *arr);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_ARRAY_H */
