/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/stack.h — the `stack` kind: a bounded lock-free LIFO for many pushers
 * and poppers across processes, ABA-safe (tagged 32-bit node indices in one
 * 64-bit CAS).  Every function may be called concurrently from any thread of
 * any attached process.  A process killed mid-operation can strand at most
 * the node it held; shmgen_segment_recover() returns stranded nodes.
 * Depends on segment.h.
 */
#ifndef SHMGEN_STACK_H
#define SHMGEN_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmgen/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Process-local handle; all fields are private (never written after bind). */
typedef struct shmgen_stack {
    void *hdr_;
    unsigned char *slots_;
    uint64_t capacity_;
    uint64_t slot_bytes_;
    uint32_t elem_size_;
    uint32_t table_index_;
    bool readonly_;
    shmgen_segment_t *seg_;
} shmgen_stack_t;

/* Binds s to the stack `info` of seg: 0, SHMGEN_WRONG_KIND, SHMGEN_CORRUPT. */
SHMGEN_MUST_CHECK int shmgen_stack_bind(shmgen_stack_t *s, shmgen_segment_t *seg, const shmgen_struct_info_t *info);
/* Copies elem on top: 0, SHMGEN_FULL, SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_stack_push(shmgen_stack_t *s, const void *elem);
/* Copies the top element to out and removes it: 0, SHMGEN_EMPTY, SHMGEN_READ_ONLY. */
SHMGEN_NODISCARD int shmgen_stack_pop(shmgen_stack_t *s, void *out);
/* Elements on the stack (a snapshot, 0..capacity). */
uint64_t shmgen_stack_size(const shmgen_stack_t *s);
/* The exact capacity stored in the segment. */
uint64_t shmgen_stack_capacity(const shmgen_stack_t *s);

/* Block until the stack may hold an element / a free node, or timeout_ms
 * passes (< 0: forever): 0 or SHMGEN_TIMEOUT.  Process-shared futex; push and
 * pop pay one load of the waiter count (no system call) when nobody waits. */
SHMGEN_NODISCARD int shmgen_stack_wait_data(shmgen_stack_t *s, int timeout_ms);
SHMGEN_NODISCARD int shmgen_stack_wait_space(shmgen_stack_t *s, int timeout_ms);
/* push / pop that block up to timeout_ms (in all, across retries) while full /
 * empty: 0, SHMGEN_TIMEOUT, or an error of push / pop. */
SHMGEN_NODISCARD int shmgen_stack_push_wait(shmgen_stack_t *s, const void *elem, int timeout_ms);
SHMGEN_NODISCARD int shmgen_stack_pop_wait(shmgen_stack_t *s, void *out, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_STACK_H */
