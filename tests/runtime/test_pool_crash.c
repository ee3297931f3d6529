/*
 * SPDX-License-Identifier: MIT
 *
 * test_pool_crash.c — workers SIGKILLed hundreds of times while they acquire,
 * fill, pass (through a shared mailbox), adopt and release pool slots, next
 * to two survivors doing the same.  Afterwards recovery has released every
 * slot a dead process owned (none is left "held by nobody"): the pool is
 * empty, every slot can be acquired again, and only the test process is
 * attached.  Depends on kinds_util and the public pool API.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/pool.h"

#define KILLS 300
#define CAPACITY 24
#define MAILBOX 8

typedef struct shared {
    kutil_report_t report;
    _Atomic uint64_t survivor_ops;
    _Atomic int stop;
    _Atomic uint64_t mailbox[MAILBOX];
} shared_t;

static void step(shmgen_pool_t *p, shared_t *sh, uint64_t *rnd, shmgen_pool_handle_t *held, int *nheld)
{
    uint64_t c = kutil_rand(rnd) % 4;
    if (c == 0 && *nheld < 4) {
        shmgen_pool_handle_t h = shmgen_pool_acquire(p);
        if (shmgen_pool_handle_valid(h)) {
            uint64_t *e = shmgen_pool_get(p, h);
            if (!e) kutil_error(&sh->report, "get of a fresh handle");
            else e[0] = h.bits;
            held[(*nheld)++] = h;
        }
    } else if (c == 1 && *nheld > 0) {
        shmgen_pool_handle_t h = held[--*nheld];
        uint64_t expected = 0;
        if (!atomic_compare_exchange_strong(&sh->mailbox[kutil_rand(rnd) % MAILBOX], &expected, h.bits) &&
            shmgen_pool_release(p, h) != 0)
            kutil_error(&sh->report, "release of a held handle");
    } else if (c == 2 && *nheld < 4) {
        shmgen_pool_handle_t h = {atomic_exchange(&sh->mailbox[kutil_rand(rnd) % MAILBOX], 0)};
        /* The poster may have died: its slot may be gone (stale) by now. */
        if (h.bits != 0 && shmgen_pool_adopt(p, h) == 0) {
            uint64_t *e = shmgen_pool_get(p, h);
            if (e && e[0] != h.bits) kutil_error(&sh->report, "slot content changed under its owner");
            held[(*nheld)++] = h;
        }
    } else if (*nheld > 0) {
        if (shmgen_pool_release(p, held[--*nheld]) != 0) kutil_error(&sh->report, "release of a held handle");
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_pool_t p;
    shmgen_pool_handle_t held[4];
    int nheld = 0;
    uint64_t rnd = 0xABC + (uint64_t)id * 6151;
    if (shmgen_pool_bind(&p, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    while (!atomic_load(&sh->stop)) {
        step(&p, sh, &rnd, held, &nheld);
        if (id < 1000) atomic_fetch_add(&sh->survivor_ops, 1);
    }
    while (nheld > 0)
        if (shmgen_pool_release(&p, held[--nheld]) != 0) kutil_error(&sh->report, "final release");
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(pool_crash, .fini = teardown);

Test(pool_crash, dead_owners_slots_come_back, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    shmgen_pool_t p;
    shared_t *sh = kutil_shared(sizeof *sh);
    pid_t surv[2];
    int bad, st, killed, repairs;
    uint64_t ops_before, n = 0;
    double t0 = kutil_now();
    kutil_create(kp, "poolcr", SHMGEN_KIND_POOL, 8, CAPACITY);
    surv[0] = kutil_spawn(kp, worker, 0, sh);
    surv[1] = kutil_spawn(kp, worker, 1, sh);
    killed = kutil_kill_loop(kp, worker, sh, KILLS, 3000, 0xFACE, &bad);
    ops_before = atomic_load(&sh->survivor_ops);
    for (int i = 0; i < 1000 && atomic_load(&sh->survivor_ops) <= ops_before; i++) usleep(10 * 1000); /* no timing assertion: up to 10 s */
    cr_assert_gt(atomic_load(&sh->survivor_ops), ops_before, "survivors are stuck");
    atomic_store(&sh->stop, 1);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(waitpid(surv[i], &st, 0), surv[i]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    cr_assert_eq(bad, 0);
    cr_assert_geq(killed, KILLS * 9 / 10);
    cr_assert_eq(shmgen_pool_bind(&p, kp->seg, &kp->info), 0);
    /* Mailbox leftovers of survivors were posted, not released: adopt and release them. */
    for (int i = 0; i < MAILBOX; i++) {
        shmgen_pool_handle_t h = {atomic_exchange(&sh->mailbox[i], 0)};
        if (h.bits && shmgen_pool_adopt(&p, h) == 0) cr_assert_eq(shmgen_pool_release(&p, h), 0);
    }
    repairs = shmgen_segment_recover(kp->seg);
    cr_assert_geq(repairs, 0);
    kutil_assert_attached(kp, 1);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 0);
    while (shmgen_pool_handle_valid(shmgen_pool_acquire(&p))) n++;
    cr_log_info("pool crash: %d kills, %llu slots back, %.2f s", killed, (unsigned long long)n, kutil_now() - t0);
    cr_assert_eq(n, CAPACITY);
    kutil_destroy(kp);
    kutil_shared_free(sh, sizeof *sh);
}
