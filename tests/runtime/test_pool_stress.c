/*
 * SPDX-License-Identifier: MIT
 *
 * test_pool_stress.c — four producers acquire slots, write a token and hand
 * the handles through a shared mailbox to four consumers, which adopt, check
 * and release them: processes (label "stress", 1,000,000 handles) or, built
 * with KINDS_THREADED, threads (label "tsan", 200,000).  Every token is
 * accounted for once, stale releases are refused, and the pool ends empty.
 * Depends on kinds_util and the public pool API.
 */
#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <string.h>

#include "kinds_util.h"
#include "shmgen/pool.h"

#ifdef KINDS_THREADED
#define THREADS true
#define ELEMENTS 200000u
#else
#define THREADS false
#define ELEMENTS 1000000u
#endif
#define PRODUCERS 4
#define CONSUMERS 4
#define MAILBOX 64
#define CAPACITY 48

typedef struct shared {
    kutil_report_t report;
    uint64_t per_producer;
    _Atomic uint64_t consumed;
    _Atomic uint64_t mailbox[MAILBOX];
    _Atomic uint64_t bitmap[];
} shared_t;

static void post(shared_t *sh, uint64_t bits, uint64_t *rnd)
{
    unsigned spins = 0;
    for (;;) {
        uint64_t expected = 0;
        if (atomic_compare_exchange_strong(&sh->mailbox[kutil_rand(rnd) % MAILBOX], &expected, bits)) return;
        kutil_backoff(&spins);
    }
}

static void producer(shmgen_pool_t *p, shared_t *sh, int id)
{
    uint64_t rnd = 0x4242 + (uint64_t)id;
    unsigned spins = 0;
    for (uint64_t next = 0; next < sh->per_producer;) {
        shmgen_pool_handle_t h = shmgen_pool_acquire(p);
        if (!shmgen_pool_handle_valid(h)) {
            kutil_backoff(&spins);
            continue;
        }
        spins = 0;
        uint64_t *e = shmgen_pool_get(p, h);
        if (!e) kutil_error(&sh->report, "get of a fresh handle failed");
        else e[0] = (uint64_t)id << 32 | next, e[1] = ~e[0];
        post(sh, h.bits, &rnd);
        next++;
    }
}

static void consume_one(shmgen_pool_t *p, shared_t *sh, shmgen_pool_handle_t h)
{
    uint64_t *e;
    if (shmgen_pool_adopt(p, h) != 0) kutil_error(&sh->report, "adopt failed");
    e = shmgen_pool_get(p, h);
    if (!e || e[1] != ~e[0] || (e[0] >> 32) >= PRODUCERS || (uint32_t)e[0] >= sh->per_producer) {
        kutil_error(&sh->report, "bad slot content");
        return;
    }
    if (kutil_bit_set(sh->bitmap, (e[0] >> 32) * sh->per_producer + (uint32_t)e[0])) kutil_error(&sh->report, "duplicate");
    if (shmgen_pool_release(p, h) != 0) kutil_error(&sh->report, "release failed");
    if (shmgen_pool_release(p, h) != SHMGEN_STALE_HANDLE) kutil_error(&sh->report, "double release accepted");
    atomic_fetch_add(&sh->consumed, 1);
}

static void consumer(shmgen_pool_t *p, shared_t *sh, int id)
{
    uint64_t total = sh->per_producer * PRODUCERS;
    unsigned spins = 0, at = (unsigned)id * 16;
    while (atomic_load(&sh->consumed) < total && atomic_load(&sh->report.errors) == 0) {
        shmgen_pool_handle_t h = {atomic_exchange(&sh->mailbox[at++ % MAILBOX], 0)};
        if (h.bits == 0) {
            if (at % MAILBOX == 0) kutil_backoff(&spins);
            continue;
        }
        spins = 0;
        consume_one(p, sh, h);
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_pool_t p;
    if (shmgen_pool_bind(&p, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    if (id < PRODUCERS) producer(&p, sh, id);
    else consumer(&p, sh, id - PRODUCERS);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(pool_stress, .fini = teardown);

Test(pool_stress, handles_passed_between_four_by_four, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    shmgen_pool_t p;
    uint64_t per = kutil_scale(ELEMENTS) / PRODUCERS, total = per * PRODUCERS;
    size_t bytes = sizeof(shared_t) + (total / 64 + 1) * sizeof(uint64_t);
    shared_t *sh = kutil_shared(bytes);
    double t0 = kutil_now();
    sh->per_producer = per;
    kutil_create(kp, "poolst", SHMGEN_KIND_POOL, 16, CAPACITY);
    kutil_run(kp, PRODUCERS + CONSUMERS, worker, sh, THREADS);
    cr_log_info("pool stress: %llu handles in %.2f s", (unsigned long long)total, kutil_now() - t0);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->consumed), total);
    for (uint64_t i = 0; i < total; i++) cr_assert(kutil_bit_get(sh->bitmap, i), "token %llu lost", (unsigned long long)i);
    cr_assert_eq(shmgen_pool_bind(&p, kp->seg, &kp->info), 0);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 0);
    kutil_destroy(kp);
    kutil_shared_free(sh, bytes);
}
