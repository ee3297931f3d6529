/*
 * SPDX-License-Identifier: MIT
 *
 * ffi.c — the sizes of the public structs, for bindings without a C compiler
 * (see shmgen/ffi.h).  A new public struct that bindings allocate or fill
 * gets a line in the table.  Depends on the public headers only.
 */
#include "shmgen/ffi.h"

#include <string.h>

#include "shmgen/shmgen.h"

#define SHMGEN__FFI_TYPE(t) {#t, sizeof(t)}

static const struct {
    const char *name;
    size_t size;
} shmgen__ffi_types[] = {
    SHMGEN__FFI_TYPE(shmgen_layout_t),      SHMGEN__FFI_TYPE(shmgen_struct_desc_t),
    SHMGEN__FFI_TYPE(shmgen_open_options_t), SHMGEN__FFI_TYPE(shmgen_struct_info_t),
    SHMGEN__FFI_TYPE(shmgen_segment_meta_t), SHMGEN__FFI_TYPE(shmgen_pool_handle_t),
    SHMGEN__FFI_TYPE(shmgen_array_t),       SHMGEN__FFI_TYPE(shmgen_atomic_t),
    SHMGEN__FFI_TYPE(shmgen_queue_t),       SHMGEN__FFI_TYPE(shmgen_stack_t),
    SHMGEN__FFI_TYPE(shmgen_ring_t),        SHMGEN__FFI_TYPE(shmgen_pool_t),
    SHMGEN__FFI_TYPE(shmgen_topic_t),       SHMGEN__FFI_TYPE(shmgen_topic_sub_t),
    SHMGEN__FFI_TYPE(shmgen_topic_sub_info_t), SHMGEN__FFI_TYPE(shmgen_latest_t),
};

int shmgen_ffi_abi_version(void)
{
    return SHMGEN_RUNTIME_ABI_VERSION;
}

size_t shmgen_ffi_sizeof(const char *type_name)
{
    if (!type_name) return 0;
    for (size_t i = 0; i < sizeof shmgen__ffi_types / sizeof shmgen__ffi_types[0]; i++)
        if (strcmp(shmgen__ffi_types[i].name, type_name) == 0) return shmgen__ffi_types[i].size;
    return 0;
}
