/*
 * SPDX-License-Identifier: MIT
 *
 * atomics.h — the one place the runtime names its atomic types and fences.
 *
 * Shared-memory words are C11 _Atomic objects of lock-free widths only (32 and
 * 64 bits; checked below), so the same instructions work across processes.
 * Helpers spell out the memory order at every call site on purpose: each use
 * carries a comment with its reason.
 */
#ifndef SHMGEN_ATOMICS_H
#define SHMGEN_ATOMICS_H

#include <stdatomic.h>
#include <stdint.h>

typedef _Atomic uint32_t shmgen__atomic_u32;
typedef _Atomic uint64_t shmgen__atomic_u64;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free for cross-process use");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free for cross-process use");
_Static_assert(sizeof(shmgen__atomic_u64) == 8, "atomic u64 must have no hidden lock");

#define shmgen__load(p, mo) atomic_load_explicit((p), (mo))
#define shmgen__store(p, v, mo) atomic_store_explicit((p), (v), (mo))
#define shmgen__cas_weak(p, expp, des, mos, mof) atomic_compare_exchange_weak_explicit((p), (expp), (des), (mos), (mof))
#define shmgen__cas(p, expp, des, mos, mof) atomic_compare_exchange_strong_explicit((p), (expp), (des), (mos), (mof))
#define shmgen__fetch_add(p, v, mo) atomic_fetch_add_explicit((p), (v), (mo))
#define shmgen__fetch_sub(p, v, mo) atomic_fetch_sub_explicit((p), (v), (mo))
#define shmgen__exchange(p, v, mo) atomic_exchange_explicit((p), (v), (mo))
#define shmgen__fence(mo) atomic_thread_fence(mo)

#endif /* SHMGEN_ATOMICS_H */
