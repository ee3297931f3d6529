/*
 * SPDX-License-Identifier: MIT
 *
 * test_atomic.c — the `atomic` kind: initial values for every width, each
 * operation's result, C11-style compare_exchange, wrap-around, and exact
 * totals under contention from threads (label tsan) and from processes.
 */
#include "test_segment_util.h"

#include <pthread.h>

TestSuite(atomic, .fini = tu_cleanup);

static const shmgen_struct_desc_t at_structs[] = {
    {"a_u32", SHMGEN_KIND_ATOMIC, 4, 4, 1, 1, 1, 0xfffffffeu, 0, 0, 0, 0},
    {"a_u64", SHMGEN_KIND_ATOMIC, 8, 8, 1, 2, 1, 1ull << 40, 0, 0, 0, 0},
    {"a_i32", SHMGEN_KIND_ATOMIC, 4, 4, 1, 3, 1, (uint64_t)(int64_t)-5, 0, 0, 0, 0},
    {"a_i64", SHMGEN_KIND_ATOMIC, 8, 8, 1, 4, 1, (uint64_t)INT64_MIN, 0, 0, 0, 0},
    {"a_bool", SHMGEN_KIND_ATOMIC, 1, 1, 1, 5, 1, 1, 0, 0, 0, 0},
    {"plain", SHMGEN_KIND_ARRAY, 4, 4, 1, 6, 1, 0, 0, 0, 0, 0},
};

static shmgen_segment_t *seg_create(const char *name)
{
    shmgen_layout_t l = {"atomics", 1, 1, 0, 6, at_structs, 0};
    shmgen_segment_t *seg = NULL;
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), 0);
    return seg;
}

static shmgen_atomic_t bind(shmgen_segment_t *seg, const char *field)
{
    shmgen_struct_info_t info;
    shmgen_atomic_t a;
    cr_assert_eq(shmgen_segment_find(seg, field, &info), 0);
    cr_assert_eq(shmgen_atomic_bind(&a, seg, &info), 0);
    cr_assert_eq((uintptr_t)a.word % 8, 0);
    return a;
}

Test(atomic, initial_values_and_operations)
{
    const char *name = tu_name("atomic");
    shmgen_segment_t *seg = seg_create(name);
    shmgen_atomic_t u32 = bind(seg, "a_u32"), u64 = bind(seg, "a_u64"), i32 = bind(seg, "a_i32"),
                    i64 = bind(seg, "a_i64"), b = bind(seg, "a_bool");
    uint32_t e32;
    int64_t ei64;
    bool eb;

    cr_assert_eq(shmgen_atomic_load_u32(&u32), 0xfffffffeu);
    cr_assert_eq(shmgen_atomic_load_u64(&u64), 1ull << 40);
    cr_assert_eq(shmgen_atomic_load_i32(&i32), -5);
    cr_assert_eq(shmgen_atomic_load_i64(&i64), INT64_MIN);
    cr_assert(shmgen_atomic_load_bool(&b));

    cr_assert_eq(shmgen_atomic_fetch_add_u32(&u32, 3), 0xfffffffeu);
    cr_assert_eq(shmgen_atomic_load_u32(&u32), 1, "u32 wraps");
    cr_assert_eq(shmgen_atomic_fetch_sub_i64(&i64, 1), INT64_MIN);
    cr_assert_eq(shmgen_atomic_load_i64(&i64), INT64_MAX, "i64 wraps without UB");
    cr_assert_eq(shmgen_atomic_fetch_add_i32(&i32, 10), -5);
    cr_assert_eq(shmgen_atomic_fetch_sub_i32(&i32, 7), 5);
    cr_assert_eq(shmgen_atomic_load_i32(&i32), -2);
    cr_assert_eq(shmgen_atomic_exchange_u64(&u64, 9), 1ull << 40);
    cr_assert_eq(shmgen_atomic_fetch_sub_u64(&u64, 2), 9);
    shmgen_atomic_store_u64(&u64, 100);
    cr_assert_eq(shmgen_atomic_fetch_add_u64(&u64, 1), 100);
    shmgen_atomic_store_i32(&i32, -1);
    cr_assert_eq(shmgen_atomic_exchange_i32(&i32, 4), -1);
    cr_assert_eq(shmgen_atomic_exchange_i64(&i64, -3), INT64_MAX);

    e32 = 5;
    cr_assert_not(shmgen_atomic_compare_exchange_u32(&u32, &e32, 8));
    cr_assert_eq(e32, 1, "failed CAS reports the value seen");
    cr_assert(shmgen_atomic_compare_exchange_u32(&u32, &e32, 8));
    cr_assert_eq(shmgen_atomic_load_u32(&u32), 8);
    ei64 = -3;
    cr_assert(shmgen_atomic_compare_exchange_i64(&i64, &ei64, -4));
    cr_assert_eq(shmgen_atomic_load_i64(&i64), -4);

    eb = false;
    cr_assert_not(shmgen_atomic_compare_exchange_bool(&b, &eb, false));
    cr_assert(eb);
    cr_assert(shmgen_atomic_exchange_bool(&b, false));
    cr_assert_not(shmgen_atomic_load_bool(&b));
    shmgen_atomic_store_bool(&b, true);
    cr_assert(shmgen_atomic_load_bool(&b));
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(atomic, bind_checks_the_kind)
{
    const char *name = tu_name("atomickind");
    shmgen_segment_t *seg = seg_create(name);
    shmgen_struct_info_t info;
    shmgen_atomic_t a;
    cr_assert_eq(shmgen_segment_find(seg, "plain", &info), 0);
    cr_assert_eq(shmgen_atomic_bind(&a, seg, &info), SHMGEN_WRONG_KIND);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(atomic, atomic_of_an_unsupported_width_is_refused)
{
    shmgen_struct_desc_t d = {"half", SHMGEN_KIND_ATOMIC, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0};
    shmgen_layout_t l = {"atomics", 1, 1, 0, 1, &d, 0};
    shmgen_segment_t *seg = NULL;
    cr_assert_eq(shmgen_segment_create(tu_name("atomicw"), &l, NULL, &seg), SHMGEN_INVALID_ARGUMENT);
}

enum { THREADS = 4, PER_THREAD = 20000 };

static void *adder(void *arg)
{
    shmgen_atomic_t *a = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        uint64_t seen = shmgen_atomic_load_u64(&a[1]);
        shmgen_atomic_fetch_add_u64(&a[0], 1);
        while (!shmgen_atomic_compare_exchange_u64(&a[1], &seen, seen + 2)) {}
    }
    return NULL;
}

Test(atomic, threads_count_exactly, .timeout = 60)
{
    const char *name = tu_name("atomicthr");
    shmgen_segment_t *seg = seg_create(name), *other = NULL;
    shmgen_atomic_t pair[THREADS][2];
    pthread_t t[THREADS];
    cr_assert_eq(shmgen_segment_open(name, NULL, NULL, &other), 0);
    for (int i = 0; i < THREADS; i++) {
        /* Half the threads go through a second mapping of the same words. */
        shmgen_segment_t *s = i % 2 ? other : seg;
        pair[i][0] = bind(s, "a_u64");
        pair[i][1] = bind(s, "a_i64");
    }
    shmgen_atomic_store_u64(&pair[0][0], 0);
    shmgen_atomic_store_u64(&pair[0][1], 0);
    for (int i = 0; i < THREADS; i++) cr_assert_eq(pthread_create(&t[i], NULL, adder, pair[i]), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    cr_assert_eq(shmgen_atomic_load_u64(&pair[0][0]), (uint64_t)THREADS * PER_THREAD);
    cr_assert_eq(shmgen_atomic_load_u64(&pair[1][1]), (uint64_t)THREADS * PER_THREAD * 2);
    cr_assert_eq(shmgen_segment_close(other), 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(atomic, processes_count_exactly, .timeout = 60)
{
    enum { PROCS = 3 };
    const char *name = tu_name("atomicproc");
    shmgen_segment_t *seg = seg_create(name);
    shmgen_atomic_t counter = bind(seg, "a_u32");
    pid_t pids[PROCS];
    shmgen_atomic_store_u32(&counter, 0);
    for (int p = 0; p < PROCS; p++) {
        if ((pids[p] = fork()) == 0) {
            shmgen_segment_t *mine = NULL;
            shmgen_struct_info_t info;
            shmgen_atomic_t c;
            if (shmgen_segment_open(name, NULL, NULL, &mine) != 0) _exit(1);
            if (shmgen_segment_find(mine, "a_u32", &info) != 0 || shmgen_atomic_bind(&c, mine, &info) != 0) _exit(2);
            for (int i = 0; i < PER_THREAD; i++) shmgen_atomic_fetch_add_u32(&c, 1);
            _exit(shmgen_segment_close(mine) == 0 ? 0 : 3);
        }
    }
    for (int p = 0; p < PROCS; p++) cr_assert_eq(tu_wait(pids[p]), 0);
    cr_assert_eq(shmgen_atomic_load_u32(&counter), (uint32_t)PROCS * PER_THREAD);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}
