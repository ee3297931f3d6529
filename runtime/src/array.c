/*
 * SPDX-License-Identifier: MIT
 *
 * array.c — the `array` kind: a 64-byte header (magic, capacity, element size)
 * followed by `capacity` elements of elem_size bytes.  Depends on internal.h.
 */
#include <string.h>

#include "internal.h"
#include "shmgen/array.h"

#define ARRAY_MAGIC 0x52414753u /* "SGAR" */

typedef struct array_header {
    uint32_t magic;
    uint32_t elem_size;
    uint64_t capacity;
} array_header_t;

static void array_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    array_header_t *h = base;
    (void)initial;
    h->magic = ARRAY_MAGIC;
    h->elem_size = info->elem_size;
    h->capacity = info->capacity;
}

static int array_check(const void *base, const shmgen_struct_info_t *info)
{
    array_header_t h;
    memcpy(&h, base, sizeof h);
    if (h.magic != ARRAY_MAGIC || h.elem_size != info->elem_size || h.capacity != info->capacity)
        return SHMGEN_CORRUPT;
    return 0;
}

const shmgen__kind_ops_t shmgen__array_ops = {array_init, array_check, NULL};

int shmgen_array_bind(shmgen_array_t *arr, const shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    unsigned char *base;
    if (!arr || !seg || !info) return SHMGEN_INVALID_ARGUMENT;
    if (info->kind != SHMGEN_KIND_ARRAY) return SHMGEN_WRONG_KIND;
    if (!(base = shmgen_segment_struct_base(seg, info))) return SHMGEN_INVALID_ARGUMENT;
    arr->base = base;
    arr->data = base + shmgen_kind_header_bytes(SHMGEN_KIND_ARRAY);
    arr->capacity = info->capacity;
    arr->elem_size = info->elem_size;
    return 0;
}

void *shmgen_array_at(const shmgen_array_t *arr, uint64_t index)
{
    if (!arr || index >= arr->capacity) return NULL;
    return arr->data + index * arr->elem_size;
}

int shmgen_array_get(const shmgen_array_t *arr, uint64_t index, void *out)
{
    const void *p = shmgen_array_at(arr, index);
    if (!p) return SHMGEN_OUT_OF_BOUNDS;
    memcpy(out, p, arr->elem_size);
    return 0;
}

int shmgen_array_set(const shmgen_array_t *arr, uint64_t index, const void *value)
{
    void *p = shmgen_array_at(arr, index);
    if (!p) return SHMGEN_OUT_OF_BOUNDS;
    memcpy(p, value, arr->elem_size);
    return 0;
}

void *shmgen_array_data(const shmgen_array_t *arr)
{
    return arr ? arr->data : NULL;
}

uint64_t shmgen_array_capacity(const shmgen_array_t *arr)
{
    return arr ? arr->capacity : 0;
}
