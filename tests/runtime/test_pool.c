/*
 * SPDX-License-Identifier: MIT
 *
 * test_pool.c — unit tests of the pool kind: exact capacity, generations,
 * stale and double release, get, visit, adopt, and the release of a dead
 * owner's slots by recovery.  Depends on kinds_util and the public pool API.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/pool.h"

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(pool, .fini = teardown, .timeout = 60);

static void make_pool(shmgen_pool_t *p, uint32_t elem_size, uint64_t cap)
{
    kutil_create(&K, "pool", SHMGEN_KIND_POOL, elem_size, cap);
    cr_assert_eq(shmgen_pool_bind(p, K.seg, &K.info), 0);
}

Test(pool, exact_capacity_and_full)
{
    shmgen_pool_t p;
    shmgen_pool_handle_t h[3];
    make_pool(&p, 8, 3);
    cr_assert_eq(shmgen_pool_capacity(&p), 3);
    for (int i = 0; i < 3; i++) {
        h[i] = shmgen_pool_acquire(&p);
        cr_assert(shmgen_pool_handle_valid(h[i]));
        cr_assert_eq(shmgen_pool_num_allocated(&p), (uint64_t)i + 1);
    }
    cr_assert_not(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
    cr_assert_eq(shmgen_pool_release(&p, h[1]), 0);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 2);
    cr_assert(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
    cr_assert_not(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
}

Test(pool, thousand_slots_all_distinct)
{
    shmgen_pool_t p;
    static shmgen_pool_handle_t h[1000];
    make_pool(&p, 16, 1000);
    for (int i = 0; i < 1000; i++) {
        h[i] = shmgen_pool_acquire(&p);
        cr_assert(shmgen_pool_handle_valid(h[i]));
        uint64_t *e = shmgen_pool_get(&p, h[i]);
        cr_assert_not_null(e);
        e[0] = (uint64_t)i;
        e[1] = ~(uint64_t)i;
    }
    cr_assert_not(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
    for (int i = 0; i < 1000; i++) {
        uint64_t *e = shmgen_pool_get(&p, h[i]);
        cr_assert_eq(e[0], (uint64_t)i);
        cr_assert_eq(e[1], ~(uint64_t)i);
    }
    cr_assert_eq(shmgen_pool_num_allocated(&p), 1000);
}

Test(pool, stale_and_double_release)
{
    shmgen_pool_t p;
    shmgen_pool_handle_t a, b, bogus = {0};
    make_pool(&p, 8, 1);
    a = shmgen_pool_acquire(&p);
    cr_assert_eq(shmgen_pool_release(&p, a), 0);
    cr_assert_eq(shmgen_pool_release(&p, a), SHMGEN_STALE_HANDLE);
    cr_assert_null(shmgen_pool_get(&p, a));
    b = shmgen_pool_acquire(&p); /* same slot, next generation */
    cr_assert(shmgen_pool_handle_valid(b));
    cr_assert_neq(a.bits, b.bits);
    cr_assert_null(shmgen_pool_get(&p, a));
    cr_assert_eq(shmgen_pool_release(&p, a), SHMGEN_STALE_HANDLE);
    cr_assert_not_null(shmgen_pool_get(&p, b));
    cr_assert_eq(shmgen_pool_release(&p, bogus), SHMGEN_INVALID_ARGUMENT);
    bogus.bits = 77; /* index out of range */
    cr_assert_eq(shmgen_pool_release(&p, bogus), SHMGEN_INVALID_ARGUMENT);
    cr_assert_null(shmgen_pool_get(&p, bogus));
    cr_assert_eq(shmgen_pool_release(&p, b), 0);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 0);
}

static void count_visit(shmgen_pool_handle_t h, void *elem, void *ctx)
{
    uint64_t *sum = ctx;
    (void)h;
    sum[0] += *(uint64_t *)elem;
    sum[1]++;
}

Test(pool, visit_sees_held_slots_only)
{
    shmgen_pool_t p;
    shmgen_pool_handle_t h[5];
    uint64_t sum[2] = {0, 0};
    make_pool(&p, 8, 5);
    for (int i = 0; i < 5; i++) {
        h[i] = shmgen_pool_acquire(&p);
        *(uint64_t *)shmgen_pool_get(&p, h[i]) = (uint64_t)(i + 1);
    }
    cr_assert_eq(shmgen_pool_release(&p, h[0]), 0);
    cr_assert_eq(shmgen_pool_release(&p, h[3]), 0);
    cr_assert_eq(shmgen_pool_visit(&p, count_visit, sum), 0);
    cr_assert_eq(sum[1], 3);
    cr_assert_eq(sum[0], 2 + 3 + 5);
}

static void acquire_and_die(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_pool_t p;
    (void)ctx;
    if (shmgen_pool_bind(&p, seg, info) != 0) _exit(4);
    for (int i = 0; i < 3; i++) (void)shmgen_pool_acquire(&p);
    if (id == 1) {
        /* hand one slot over: the parent adopts it (see the test) */
        shmgen_pool_handle_t h = shmgen_pool_acquire(&p);
        *(uint64_t *)shmgen_pool_get(&p, h) = h.bits;
    }
    raise(SIGKILL);
}

static void find_any(shmgen_pool_handle_t h, void *elem, void *ctx)
{
    if (*(uint64_t *)elem == h.bits) *(shmgen_pool_handle_t *)ctx = h;
}

Test(pool, dead_owner_slots_are_released_adopted_ones_kept)
{
    shmgen_pool_t p;
    shmgen_pool_handle_t handed = {0};
    int st;
    make_pool(&p, 8, 10);
    pid_t pid = kutil_spawn(&K, acquire_and_die, 0, NULL);
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st));
    cr_assert_eq(shmgen_pool_num_allocated(&p), 3);
    cr_assert_geq(shmgen_segment_recover(K.seg), 3);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 0);

    pid = kutil_spawn(&K, acquire_and_die, 1, NULL);
    waitpid(pid, &st, 0);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 4);
    cr_assert_eq(shmgen_pool_visit(&p, find_any, &handed), 0);
    cr_assert(shmgen_pool_handle_valid(handed));
    cr_assert_eq(shmgen_pool_adopt(&p, handed), 0);
    cr_assert_geq(shmgen_segment_recover(K.seg), 3);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 1);
    cr_assert_not_null(shmgen_pool_get(&p, handed));
    cr_assert_eq(shmgen_pool_release(&p, handed), 0);
}

Test(pool, wrong_kind_is_refused)
{
    shmgen_pool_t p;
    kutil_create(&K, "poolwk", SHMGEN_KIND_RING, 8, 4);
    cr_assert_eq(shmgen_pool_bind(&p, K.seg, &K.info), SHMGEN_WRONG_KIND);
}

/* A process scribbling on the acquire hint (header line 1) must not lead the
 * others outside the pool (ASan checks every access): the search starts over. */
Test(pool, scribbled_hint_stays_inside_the_pool)
{
    shmgen_pool_t p;
    shmgen_pool_handle_t h[3];
    unsigned char *base;
    make_pool(&p, 8, 3);
    base = (unsigned char *)shmgen_segment_struct_base(K.seg, &K.info);
    atomic_store((_Atomic uint64_t *)(void *)(base + 64), (uint64_t)1 << 40);
    for (int i = 0; i < 3; i++) cr_assert(shmgen_pool_handle_valid(h[i] = shmgen_pool_acquire(&p)), "acquire %d", i);
    cr_assert(!shmgen_pool_handle_valid(shmgen_pool_acquire(&p)), "the pool is full");
    for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_pool_release(&p, h[i]), 0);
}

Test(pool, sampled_count_is_exact_when_small_and_bounded_when_large)
{
    shmgen_pool_t p;
    bool exact = false;
    uint64_t est;
    make_pool(&p, 8, 1000);
    for (int i = 0; i < 500; i++) cr_assert(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
    cr_assert_eq(shmgen_pool_count_sampled(&p, 1000, &exact), 500);
    cr_assert(exact);
    est = shmgen_pool_count_sampled(&p, 100, &exact);
    cr_assert(!exact);
    /* The first half is taken: every 10th slot of the first 500 is. */
    cr_assert(est >= 450 && est <= 550, "estimate %llu", (unsigned long long)est);
}
