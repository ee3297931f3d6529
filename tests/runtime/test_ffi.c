/*
 * SPDX-License-Identifier: MIT
 *
 * test_ffi.c — shmgen/ffi.h: the ABI version and the public struct sizes a
 * binding without a C compiler reads from the library (the Python package
 * compares its ctypes mirrors with them; tests/python/test_package.py checks
 * the mirrors field by field).
 */
#include <criterion/criterion.h>

#include "shmgen/shmgen.h"

Test(ffi, abi_version_is_the_header_s)
{
    cr_expect_eq(shmgen_ffi_abi_version(), SHMGEN_RUNTIME_ABI_VERSION);
}

#define EXPECT_SIZE(t) cr_expect_eq(shmgen_ffi_sizeof(#t), sizeof(t), "%s", #t)

Test(ffi, sizes_of_every_public_struct)
{
    EXPECT_SIZE(shmgen_layout_t);
    EXPECT_SIZE(shmgen_struct_desc_t);
    EXPECT_SIZE(shmgen_open_options_t);
    EXPECT_SIZE(shmgen_struct_info_t);
    EXPECT_SIZE(shmgen_segment_meta_t);
    EXPECT_SIZE(shmgen_pool_handle_t);
    EXPECT_SIZE(shmgen_array_t);
    EXPECT_SIZE(shmgen_atomic_t);
    EXPECT_SIZE(shmgen_queue_t);
    EXPECT_SIZE(shmgen_stack_t);
    EXPECT_SIZE(shmgen_ring_t);
    EXPECT_SIZE(shmgen_pool_t);
    EXPECT_SIZE(shmgen_topic_t);
    EXPECT_SIZE(shmgen_topic_sub_t);
    EXPECT_SIZE(shmgen_topic_sub_info_t);
    EXPECT_SIZE(shmgen_latest_t);
}

Test(ffi, unknown_names_are_zero)
{
    cr_expect_eq(shmgen_ffi_sizeof(NULL), 0);
    cr_expect_eq(shmgen_ffi_sizeof(""), 0);
    cr_expect_eq(shmgen_ffi_sizeof("shmgen_queue"), 0);
    cr_expect_eq(shmgen_ffi_sizeof("shmgen_queue_t "), 0);
}
