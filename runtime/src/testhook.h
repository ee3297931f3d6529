/*
 * SPDX-License-Identifier: MIT
 *
 * testhook.h — named points where a test can stop, kill or delay the calling
 * process, to reproduce deterministically the states a preempted, stopped or
 * killed process leaves (a random SIGKILL rarely lands in a 10 ns window).
 *
 * shmgen__test_hook is NULL in every real program: each point costs one load
 * and a predictable branch, and points sit on slow paths or right beside a
 * shared-memory operation that costs far more.  Tests set it in a child
 * process before it operates.  Not part of the public API.
 * Depends on nothing.
 */
#ifndef SHMGEN_TESTHOOK_H
#define SHMGEN_TESTHOOK_H

#include <stdint.h>

enum shmgen__hook_point {
    SHMGEN__HP_REGISTRY_SCAN = 1, /* claim_slot passes slot `arg`, holding what it holds there */
    SHMGEN__HP_RECOVER_DECIDED,   /* recovery decided its dead set (arg: nothing) */
    SHMGEN__HP_RING_CLAIMED,      /* a pop claimed position `arg` and has not copied it yet */
    SHMGEN__HP_RING_WRITTEN,      /* a push wrote position `arg` and has not published it */
    SHMGEN__HP_STACK_TAKEN,       /* a push/pop took node `arg` off a list */
    SHMGEN__HP_POOL_ACQUIRED,     /* an acquire won slot `arg` */
    SHMGEN__HP_QUEUE_CLAIMED,     /* an enqueue/dequeue claimed position `arg` */
    SHMGEN__HP_QUEUE_WRITTEN,     /* an enqueue wrote position `arg` and has not published it */
    SHMGEN__HP_QUEUE_COPIED,      /* a dequeue copied position `arg` and has not freed its slot */
    SHMGEN__HP_KIND_BASE = 64,    /* kinds may number further points from here */
    SHMGEN__HP_LATEST_WRITING = SHMGEN__HP_KIND_BASE, /* a store wrote half of value number `arg` */
    SHMGEN__HP_TOPIC_LOANED,      /* a loan / publish_copy began position `arg` */
    SHMGEN__HP_TOPIC_WRITTEN,     /* a publish_copy wrote position `arg` and has not published it */
    SHMGEN__HP_TOPIC_PUBLISHED,   /* position `arg` is published, head not yet advanced */
    SHMGEN__HP_TOPIC_COPIED,      /* a take copied position `arg` and has not validated or advanced */
    SHMGEN__HP_TOPIC_READ         /* a read handed out position `arg` (cursor not advanced) */
};

typedef void (*shmgen__hook_fn)(int point, uint64_t arg);

/* Process-local; set by tests only (before the threads that run into it). */
extern shmgen__hook_fn shmgen__test_hook;

#define SHMGEN__HOOK(point, arg)                                                                  \
    do {                                                                                          \
        if (__builtin_expect(shmgen__test_hook != 0, 0)) shmgen__test_hook((point), (arg));       \
    } while (0)

#endif /* SHMGEN_TESTHOOK_H */
