/*
 * SPDX-License-Identifier: MIT
 *
 * waitq.c — process-shared futex waits and the asymmetric-fence registration
 * (see waitq.h for the protocol).  Depends on waitq.h, clock.h, errors.h,
 * Linux syscalls.
 */
#include "waitq.h"

#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "shmgen/errors.h"

bool shmgen__wait_asymmetric = false;

static pthread_once_t wait_once = PTHREAD_ONCE_INIT;

static void wait_register(void)
{
    long cmds;
    cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_GLOBAL_EXPEDITED) ||
        !(cmds & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
        return;
    if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) != 0) return;
    /* Written once under pthread_once, which orders it before every later reader. */
    shmgen__wait_asymmetric = true;
}

void shmgen__wait_process_init(void)
{
    (void)pthread_once(&wait_once, wait_register);
}

void shmgen__waitq_wake(shmgen__waitq_t *w)
{
    /* Release: a waiter that reads the new event value also sees what was published. */
    shmgen__fetch_add(&w->event, 1, memory_order_release);
    syscall(SYS_futex, (uint32_t *)&w->event, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

void shmgen__heavy_fence(void)
{
    /* Our own side gets a full fence either way; threads that skipped theirs
     * (relying on this) get one through the membarrier. */
    if (shmgen__wait_asymmetric) (void)syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
    else shmgen__fence(memory_order_seq_cst);
}

/* The waiter's half of the StoreLoad handshake (see wait.h). */
static void waiter_fence(void)
{
    shmgen__heavy_fence();
}

static void futex_sleep(shmgen__waitq_t *w, uint32_t seen, int64_t remaining_ns)
{
    struct timespec ts, *tsp = NULL;
    if (remaining_ns >= 0) {
        ts.tv_sec = (time_t)(remaining_ns / 1000000000);
        ts.tv_nsec = (long)(remaining_ns % 1000000000);
        tsp = &ts;
    }
    /* EINTR, EAGAIN (event already moved) and ETIMEDOUT all just re-check. */
    (void)syscall(SYS_futex, (uint32_t *)&w->event, FUTEX_WAIT, seen, tsp, NULL, 0);
}

int shmgen__waitq_wait(shmgen__waitq_t *w, shmgen__wait_ready_fn ready, void *ctx, int timeout_ms)
{
    uint64_t deadline = timeout_ms < 0 ? 0 : shmgen__now_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        int64_t remaining = -1;
        uint32_t seen;
        bool ok;
        if (ready(ctx)) return 0;
        if (timeout_ms >= 0) {
            uint64_t now = shmgen__now_ns();
            if (now >= deadline) return SHMGEN_TIMEOUT;
            remaining = (int64_t)(deadline - now);
        }
        /* Acquire: pairs with the waker's release bump; read before registering
         * so that any wake after our registration changes it. */
        seen = shmgen__load(&w->event, memory_order_acquire);
        /* Seq_cst: the store half of the handshake, ordered before the re-check. */
        shmgen__fetch_add(&w->waiters, 1, memory_order_seq_cst);
        waiter_fence();
        ok = ready(ctx);
        if (!ok) futex_sleep(w, seen, remaining);
        /* Relaxed: only a count; the next iteration re-checks the condition. */
        shmgen__fetch_sub(&w->waiters, 1, memory_order_relaxed);
        if (ok) return 0;
    }
}

/* Tries after which a wait that returns at once is treated as suspicious. */
#define RETRY_QUIET_TRIES 64u

int shmgen__wait_retry(shmgen__op_fn op, int retry_rc, shmgen__wait_fn wait, int (*consistent)(void *ctx), void *ctx,
                       int timeout_ms)
{
    shmgen__deadline_t d = shmgen__deadline_in(timeout_ms);
    for (unsigned tries = 0;; tries++) {
        int rc = op(ctx);
        if (rc != retry_rc) return rc;
        if (shmgen__deadline_due(&d)) return SHMGEN_TIMEOUT;
        if (tries >= RETRY_QUIET_TRIES) {
            /* Ready, yet the operation fails, again and again: contention
             * cannot do that for long; inconsistent shared words can. */
            if (consistent && (rc = consistent(ctx)) != 0) return rc;
            shmgen__sleep_us(tries < 4 * RETRY_QUIET_TRIES ? 50u : 1000u);
        }
        if ((rc = wait(ctx, shmgen__deadline_left_ms(&d))) != 0) return rc;
    }
}
