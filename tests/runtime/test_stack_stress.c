/*
 * SPDX-License-Identifier: MIT
 *
 * test_stack_stress.c — four pushers and four poppers on a small stack, as
 * processes (label "stress", 1,000,000 elements) or, built with
 * KINDS_THREADED, as threads (label "tsan", 200,000).  Every element is
 * accounted for in a shared bitmap (none lost, none duplicated), then the
 * stack must hold exactly its capacity again (no node lost or doubled).
 * Depends on kinds_util and the public stack API.
 */
#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <string.h>

#include "kinds_util.h"
#include "shmgen/stack.h"

#ifdef KINDS_THREADED
#define THREADS true
#define ELEMENTS 200000u
#else
#define THREADS false
#define ELEMENTS 1000000u
#endif
#define PUSHERS 4
#define POPPERS 4
#define CAPACITY 29

typedef struct shared {
    kutil_report_t report;
    uint64_t per_pusher;
    _Atomic uint64_t popped;
    _Atomic uint64_t bitmap[];
} shared_t;

static void pusher(shmgen_stack_t *s, shared_t *sh, int id)
{
    unsigned spins = 0;
    for (uint64_t next = 0; next < sh->per_pusher;) {
        uint64_t v = (uint64_t)id << 32 | next;
        if (shmgen_stack_push(s, &v) == 0) next++, spins = 0;
        else kutil_backoff(&spins);
    }
}

static void popper(shmgen_stack_t *s, shared_t *sh)
{
    uint64_t total = sh->per_pusher * PUSHERS, v;
    unsigned spins = 0;
    while (atomic_load(&sh->popped) < total && atomic_load(&sh->report.errors) == 0) {
        if (shmgen_stack_pop(s, &v) != 0) {
            kutil_backoff(&spins);
            continue;
        }
        spins = 0;
        if ((v >> 32) >= PUSHERS || (uint32_t)v >= sh->per_pusher) kutil_error(&sh->report, "bad value %llx", (unsigned long long)v);
        else if (kutil_bit_set(sh->bitmap, (v >> 32) * sh->per_pusher + (uint32_t)v))
            kutil_error(&sh->report, "duplicate %llx", (unsigned long long)v);
        atomic_fetch_add(&sh->popped, 1);
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_stack_t s;
    if (shmgen_stack_bind(&s, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    if (id < PUSHERS) pusher(&s, sh, id);
    else popper(&s, sh);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(stack_stress, .fini = teardown);

Test(stack_stress, mpmc_four_by_four, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    shmgen_stack_t s;
    uint64_t per = kutil_scale(ELEMENTS) / PUSHERS, total = per * PUSHERS, v = 0, n = 0;
    size_t bytes = sizeof(shared_t) + (total / 64 + 1) * sizeof(uint64_t);
    shared_t *sh = kutil_shared(bytes);
    double t0 = kutil_now();
    sh->per_pusher = per;
    kutil_create(kp, "stackst", SHMGEN_KIND_STACK, 8, CAPACITY);
    kutil_run(kp, PUSHERS + POPPERS, worker, sh, THREADS);
    cr_log_info("stack stress: %llu elements in %.2f s", (unsigned long long)total, kutil_now() - t0);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->popped), total);
    for (uint64_t i = 0; i < total; i++) cr_assert(kutil_bit_get(sh->bitmap, i), "element %llu lost", (unsigned long long)i);
    cr_assert_eq(shmgen_stack_bind(&s, kp->seg, &kp->info), 0);
    while (shmgen_stack_push(&s, &v) == 0) n++;
    cr_assert_eq(n, CAPACITY);
    kutil_destroy(kp);
    kutil_shared_free(sh, bytes);
}
