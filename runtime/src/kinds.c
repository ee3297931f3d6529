/*
 * SPDX-License-Identifier: MIT
 *
 * kinds.c — maps a shmgen_kind_t to the ops each kind's module exports
 * (array.c, atomic.c, queue.c, stack.c, ring.c, pool.c, topic.c, latest.c).
 * Depends on internal.h.
 */
#include "internal.h"

const shmgen__kind_ops_t *shmgen__kind_ops(int kind)
{
    switch (kind) {
    case SHMGEN_KIND_ARRAY: return &shmgen__array_ops;
    case SHMGEN_KIND_ATOMIC: return &shmgen__atomic_ops;
    case SHMGEN_KIND_QUEUE: return &shmgen__queue_ops;
    case SHMGEN_KIND_STACK: return &shmgen__stack_ops;
    case SHMGEN_KIND_RING: return &shmgen__ring_ops;
    case SHMGEN_KIND_POOL: return &shmgen__pool_ops;
    case SHMGEN_KIND_TOPIC: return &shmgen__topic_ops;
    case SHMGEN_KIND_LATEST: return &shmgen__latest_ops;
    default: return NULL;
    }
}
