/*
 * SPDX-License-Identifier: MIT
 *
 * waitq.h — process-shared blocking waits (internal).
 *
 * A shmgen__waitq_t lives in shared memory (8 bytes on a structure's wait
 * line): a count of sleeping waiters and a 32-bit event counter that is the
 * futex word.  Notifiers (producers after publishing, consumers after freeing
 * a slot) pay one fence and one load of `waiters` when nobody sleeps.
 *
 * The fence between "publish" and "load waiters" is the store->load ordering
 * of a Dekker handshake with the waiter's "increment waiters, then re-check".
 * When the kernel offers MEMBARRIER_CMD_GLOBAL_EXPEDITED, every process that
 * binds a structure registers for it and the notifier's fence is a compiler
 * barrier only; the rare waiter issues the membarrier, which forces a full
 * barrier on every CPU running a registered thread.  Without membarrier the
 * notifier uses a real seq_cst fence.  The same asymmetric fence serves the
 * other rare-side handshakes of the kinds (shmgen__heavy_fence).  Futexes are
 * used without FUTEX_PRIVATE_FLAG so that they work across processes.
 * Depends on atomics.h and Linux futex/membarrier syscalls.
 */
#ifndef SHMGEN_WAITQ_H
#define SHMGEN_WAITQ_H

#include <stdbool.h>
#include <stdint.h>

#include "atomics.h"

typedef struct shmgen__waitq {
    shmgen__atomic_u32 waiters; /* threads (any process) between registering and leaving a wait */
    shmgen__atomic_u32 event;   /* futex word: bumped by a notifier that saw waiters */
} shmgen__waitq_t;

/* Registers this process for asymmetric fences once; cheap after the first
 * call.  Called by every bind of a kind that notifies. */
void shmgen__wait_process_init(void);

/* Process-local: true when this process registered for membarrier, so that a
 * compiler barrier is enough on the fast side of a handshake. */
extern bool shmgen__wait_asymmetric;

/* The fast side's StoreLoad barrier of a handshake whose rare side calls
 * shmgen__heavy_fence: a compiler barrier when registered, else a full fence. */
static inline void shmgen__light_fence(void)
{
    if (shmgen__wait_asymmetric) atomic_signal_fence(memory_order_seq_cst);
    else shmgen__fence(memory_order_seq_cst);
}

/* A full barrier on every CPU running a thread of a registered process
 * (membarrier), or a local seq_cst fence when this process is not registered
 * (then nobody relies on it: see shmgen__wait_asymmetric). */
void shmgen__heavy_fence(void);

/* The notifier's slow half: bumps the event and wakes every sleeper. */
void shmgen__waitq_wake(shmgen__waitq_t *w);

/* Call after publishing the state change a waiter may be sleeping on. */
static inline void shmgen__waitq_notify(shmgen__waitq_t *w)
{
    /* StoreLoad between the caller's publishing store and the waiters load
     * (see the file comment). */
    shmgen__light_fence();
    /* Relaxed: the fence above orders it; a stale 0 is excluded by the handshake. */
    if (shmgen__load(&w->waiters, memory_order_relaxed) != 0) shmgen__waitq_wake(w);
}

/* Returns true when the condition the waiter waits for holds. */
typedef bool (*shmgen__wait_ready_fn)(void *ctx);

/* Blocks until ready(ctx) is true (returns 0) or timeout_ms passes
 * (SHMGEN_TIMEOUT; timeout_ms < 0 waits forever).  No lost wake-ups as long
 * as every state change that can make ready() true is followed by
 * shmgen__waitq_notify on the same waitq. */
int shmgen__waitq_wait(shmgen__waitq_t *w, shmgen__wait_ready_fn ready, void *ctx, int timeout_ms);

/* The blocking form of an operation: runs op(ctx) until it returns anything
 * but `retry_rc` (SHMGEN_FULL or SHMGEN_EMPTY), waiting with wait(ctx, ms)
 * between tries, all within one deadline of timeout_ms (< 0: none).  Returns
 * op's result, SHMGEN_TIMEOUT, or wait's error.  When wait keeps reporting
 * ready while op keeps failing (words scribbled into a state where the two
 * disagree), it stops burning a core: it sleeps between tries, and returns
 * SHMGEN_CORRUPT once consistent(ctx) (may be NULL) says so. */
typedef int (*shmgen__op_fn)(void *ctx);
typedef int (*shmgen__wait_fn)(void *ctx, int timeout_ms);
int shmgen__wait_retry(shmgen__op_fn op, int retry_rc, shmgen__wait_fn wait, int (*consistent)(void *ctx), void *ctx,
                       int timeout_ms);

#endif /* SHMGEN_WAITQ_H */
