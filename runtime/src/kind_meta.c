/*
 * SPDX-License-Identifier: MIT
 *
 * kind_meta.c — writing and checking the meta line of kind_meta.h.
 * Depends on kind_meta.h, shmgen/layout.h.
 */
#include "kind_meta.h"

void shmgen__cmeta_init(void *base, const shmgen_struct_info_t *info)
{
    shmgen__cmeta_t *m = (shmgen__cmeta_t *)base;
    m->magic = SHMGEN__CMETA_MAGIC + (uint32_t)info->kind;
    m->kind = (uint32_t)info->kind;
    m->elem_size = info->elem_size;
    m->capacity = info->capacity;
    m->slot_bytes = shmgen_kind_slot_bytes(info->kind, info->elem_size);
}

int shmgen__cmeta_check(const void *base, const shmgen_struct_info_t *info, shmgen_kind_t kind)
{
    const shmgen__cmeta_t *m = (const shmgen__cmeta_t *)base;
    shmgen_struct_desc_t d;
    uint64_t need;
    if (info->kind != kind || info->size < SHMGEN__KIND_HEADER) return SHMGEN_CORRUPT;
    shmgen_struct_info_desc(info, &d);
    if (shmgen_struct_footprint_desc(&d, &need) != 0 || need > info->size) return SHMGEN_CORRUPT;
    if (m->magic != SHMGEN__CMETA_MAGIC + (uint32_t)kind || m->kind != (uint32_t)kind ||
        m->elem_size != info->elem_size || m->capacity != info->capacity ||
        m->slot_bytes != shmgen_kind_slot_bytes(kind, info->elem_size))
        return SHMGEN_CORRUPT;
    return 0;
}

int shmgen__bind_base(const void *handle, const shmgen_segment_t *seg, const shmgen_struct_info_t *info,
                      shmgen_kind_t kind, void **base)
{
    if (!handle || !seg || !info) return SHMGEN_INVALID_ARGUMENT;
    if (info->kind != kind) return SHMGEN_WRONG_KIND;
    if (!(*base = shmgen_segment_struct_base(seg, info))) return SHMGEN_INVALID_ARGUMENT;
    return shmgen__cmeta_check(*base, info, kind) != 0 ? SHMGEN_CORRUPT : 0;
}
