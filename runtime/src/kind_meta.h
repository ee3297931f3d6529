/*
 * SPDX-License-Identifier: MIT
 *
 * kind_meta.h — the meta line every concurrent kind (queue, stack, ring, pool,
 * and later kinds) starts its header with, and the checks on it.
 *
 * A concurrent kind's header is SHMGEN_CONCURRENT_HEADER_BYTES (four cache
 * lines; defined once, in shmgen/layout.h); line 0 begins with this meta
 * record, written once at init and never again, so a bind can check it
 * against the table entry before trusting anything else in the structure.
 * Depends on internal.h (struct info) and shmgen/layout.h.
 */
#ifndef SHMGEN_KIND_META_H
#define SHMGEN_KIND_META_H

#include <stdint.h>

#include "internal.h"

typedef struct shmgen__cmeta {
    uint32_t magic; /* SHMGEN__CMETA_MAGIC + kind */
    uint32_t kind;
    uint32_t elem_size;
    uint32_t reserved;
    uint64_t capacity;
    uint64_t slot_bytes;
} shmgen__cmeta_t; /* the first 32 bytes of line 0; the rest is the kind's */

#define SHMGEN__CMETA_MAGIC 0x4b4d4753u /* "SGMK" */
#define SHMGEN__KIND_HEADER SHMGEN_CONCURRENT_HEADER_BYTES

/* Writes the meta line for info into fresh memory. */
void shmgen__cmeta_init(void *base, const shmgen_struct_info_t *info);
/* Checks the meta line and the structure's footprint against info (read-only,
 * reads only the first 64 bytes).  0 or SHMGEN_CORRUPT. */
int shmgen__cmeta_check(const void *base, const shmgen_struct_info_t *info, shmgen_kind_t kind);
/* The checks every bind of a kind with a meta line starts with: handle, seg
 * and info given (else SHMGEN_INVALID_ARGUMENT), info of this kind (else
 * SHMGEN_WRONG_KIND), inside the segment (else SHMGEN_INVALID_ARGUMENT), its
 * meta line consistent (else SHMGEN_CORRUPT).  0 with *base set. */
int shmgen__bind_base(const void *handle, const shmgen_segment_t *seg, const shmgen_struct_info_t *info,
                      shmgen_kind_t kind, void **base);

#endif /* SHMGEN_KIND_META_H */
