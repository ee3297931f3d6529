/*
 * wait.c — process-shared futex waits and the asymmetric-fence registration
 * (see wait.h for the protocol).  Depends on wait.h, errors.h, Linux syscalls.
 */
#include "wait.h"

#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "shmgen/errors.h"

bool shmgen__wait_asymmetric = false;

void shmgen__cmeta_init(void *base, const shmgen_struct_info_t *info)
{
    shmgen__cmeta_t *m = (shmgen__cmeta_t *)base;
    m->magic = SHMGEN__CMETA_MAGIC + (uint32_t)info->kind;
    m->kind = (uint32_t)info->kind;
    m->elem_size = info->elem_size;
    m->capacity = info->capacity;
    m->slot_bytes = shmgen_kind_slot_bytes(info->kind, info->elem_size);
}

int shmgen__cmeta_check(const void *base, const shmgen_struct_info_t *info, shmgen_kind_t kind)
{
    const shmgen__cmeta_t *m = (const shmgen__cmeta_t *)base;
    uint64_t need;
    if (info->kind != kind || info->size < SHMGEN__KIND_HEADER) return SHMGEN_CORRUPT;
    if (shmgen_struct_footprint(kind, info->elem_size, info->elem_align, info->capacity, &need) != 0 ||
        need > info->size)
        return SHMGEN_CORRUPT;
    if (m->magic != SHMGEN__CMETA_MAGIC + (uint32_t)kind || m->kind != (uint32_t)kind ||
        m->elem_size != info->elem_size || m->capacity != info->capacity ||
        m->slot_bytes != shmgen_kind_slot_bytes(kind, info->elem_size))
        return SHMGEN_CORRUPT;
    return 0;
}
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

bool shmgen__journal_live_covers(shmgen_segment_t *seg, uint32_t table_index, uint32_t opcode, uint64_t item)
{
    uint32_t n = shmgen__journal_count(seg), want = SHMGEN__JOP(table_index, opcode);
    for (uint32_t i = 0; i < n; i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        uint64_t a, b;
        /* Acquire: pairs with the release that ended an earlier operation, so an
         * idle journal means its effects are visible to our re-check. */
        if (!j || shmgen__load(&j->op, memory_order_acquire) != want) continue;
        a = shmgen__load(&j->a, memory_order_relaxed);
        b = shmgen__load(&j->b, memory_order_relaxed);
        if (a == 0 || item < a - 1 || item - (a - 1) >= (b ? b : 1)) continue;
        if (shmgen__owner_alive(seg, shmgen__load(&j->owner, memory_order_relaxed))) return true;
    }
    return false;
}

uint64_t shmgen__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void shmgen__backoff(unsigned *spins)
{
    if (*spins < 64) {
        shmgen__cpu_relax();
    } else {
        sched_yield();
    }
    (*spins)++;
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
