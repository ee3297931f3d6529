/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/ffi.h — what a binding from another language needs to learn from
 * this build of the runtime when it has no C compiler at hand: the ABI
 * version it was built as, and the size of every public struct the binding
 * allocates or fills itself.
 *
 * The Python package (python/shmgen, ctypes) loads libshmgen-runtime.so.N and
 * compares its own mirrors of shmgen_layout_t, shmgen_struct_desc_t... with
 * these sizes before the first call, so a runtime whose structs changed is
 * refused with a message instead of being handed a struct of the wrong size;
 * bound handles (shmgen_queue_t...) it treats as opaque buffers of this size.
 * Depends on nothing but <stddef.h>.
 */
#ifndef SHMGEN_FFI_H
#define SHMGEN_FFI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SHMGEN_RUNTIME_ABI_VERSION of this build (shmgen/layout.h): the N of the
 * shared library's SONAME, libshmgen-runtime.so.N. */
int shmgen_ffi_abi_version(void);

/* sizeof the public type called type_name in C ("shmgen_queue_t",
 * "shmgen_struct_desc_t"...), or 0 for a name this runtime does not have
 * (also for NULL).  Pure; thread-safe. */
size_t shmgen_ffi_sizeof(const char *type_name);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_FFI_H */
