/*
 * SPDX-License-Identifier: MIT
 *
 * test_stack.c — unit tests of the stack kind: exact capacity, LIFO, size,
 * odd element sizes, refusal of another kind.  Depends on kinds_util and the
 * public stack API.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/stack.h"

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(stack, .fini = teardown, .timeout = 60);

static void make_stack(shmgen_stack_t *s, uint32_t elem_size, uint64_t cap)
{
    kutil_create(&K, "stack", SHMGEN_KIND_STACK, elem_size, cap);
    cr_assert_eq(shmgen_stack_bind(s, K.seg, &K.info), 0);
}

static void lifo_rounds(shmgen_stack_t *s, uint64_t cap)
{
    uint64_t v;
    for (uint64_t round = 0; round < 3; round++) {
        cr_assert_eq(shmgen_stack_pop(s, &v), SHMGEN_EMPTY);
        for (uint64_t i = 0; i < cap; i++) {
            v = round * 100000 + i;
            cr_assert_eq(shmgen_stack_push(s, &v), 0);
            cr_assert_eq(shmgen_stack_size(s), i + 1);
        }
        cr_assert_eq(shmgen_stack_push(s, &v), SHMGEN_FULL);
        for (uint64_t i = cap; i-- > 0;) {
            cr_assert_eq(shmgen_stack_pop(s, &v), 0);
            cr_assert_eq(v, round * 100000 + i);
        }
        cr_assert_eq(shmgen_stack_size(s), 0);
    }
}

Test(stack, exact_capacity_three_lifo)
{
    shmgen_stack_t s;
    make_stack(&s, 8, 3);
    cr_assert_eq(shmgen_stack_capacity(&s), 3);
    lifo_rounds(&s, 3);
}

Test(stack, exact_capacity_thousand_lifo)
{
    shmgen_stack_t s;
    make_stack(&s, 8, 1000);
    cr_assert_eq(shmgen_stack_capacity(&s), 1000);
    lifo_rounds(&s, 1000);
}

Test(stack, capacity_one)
{
    shmgen_stack_t s;
    make_stack(&s, 8, 1);
    lifo_rounds(&s, 1);
}

Test(stack, interleaved_with_odd_elements)
{
    shmgen_stack_t s;
    char a[3] = {'a', 'b', 'c'}, b[3] = {'x', 'y', 'z'}, o[3];
    make_stack(&s, 3, 4);
    cr_assert_eq(shmgen_stack_push(&s, a), 0);
    cr_assert_eq(shmgen_stack_push(&s, b), 0);
    cr_assert_eq(shmgen_stack_pop(&s, o), 0);
    cr_assert_eq(memcmp(o, b, 3), 0);
    cr_assert_eq(shmgen_stack_push(&s, b), 0);
    cr_assert_eq(shmgen_stack_pop(&s, o), 0);
    cr_assert_eq(memcmp(o, b, 3), 0);
    cr_assert_eq(shmgen_stack_pop(&s, o), 0);
    cr_assert_eq(memcmp(o, a, 3), 0);
    cr_assert_eq(shmgen_stack_pop(&s, o), SHMGEN_EMPTY);
}

Test(stack, recover_on_a_healthy_stack_changes_nothing)
{
    shmgen_stack_t s;
    uint64_t v = 5;
    make_stack(&s, 8, 10);
    cr_assert_eq(shmgen_stack_push(&s, &v), 0);
    cr_assert_geq(shmgen_segment_recover(K.seg), 0);
    cr_assert_eq(shmgen_stack_size(&s), 1);
    cr_assert_eq(shmgen_stack_pop(&s, &v), 0);
    cr_assert_eq(v, 5);
    lifo_rounds(&s, 10);
}

Test(stack, wrong_kind_is_refused)
{
    shmgen_stack_t s;
    kutil_create(&K, "stackwk", SHMGEN_KIND_POOL, 8, 4);
    cr_assert_eq(shmgen_stack_bind(&s, K.seg, &K.info), SHMGEN_WRONG_KIND);
}

/* A process scribbling a node index past the capacity on a list word (line 1
 * of the header holds the stack's top, line 2 the free list's) must not lead
 * the others outside the stack (ASan checks every access): the list reads
 * empty. */
Test(stack, scribbled_list_words_stay_inside_the_stack)
{
    shmgen_stack_t s;
    uint64_t v = 5;
    unsigned char *base;
    make_stack(&s, 8, 4);
    cr_assert_eq(shmgen_stack_push(&s, &v), 0);
    base = (unsigned char *)shmgen_segment_struct_base(K.seg, &K.info);
    atomic_store((_Atomic uint64_t *)(void *)(base + 64), (uint64_t)1 << 31);
    atomic_store((_Atomic uint64_t *)(void *)(base + 128), 0xffffffffu);
    cr_assert_eq(shmgen_stack_pop(&s, &v), SHMGEN_EMPTY);
    cr_assert_eq(shmgen_stack_push(&s, &v), SHMGEN_FULL);
}

/* ---- timed waits ---------------------------------------------------------- */

Test(stack, waits_time_out)
{
    shmgen_stack_t s;
    uint64_t v = 1;
    double t0;
    make_stack(&s, 8, 1);
    t0 = kutil_now();
    cr_assert_eq(shmgen_stack_wait_data(&s, 30), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_stack_pop_wait(&s, &v, 30), SHMGEN_TIMEOUT);
    cr_assert(kutil_now() - t0 < 5.0);
    cr_assert_eq(shmgen_stack_push(&s, &v), 0);
    cr_assert_eq(shmgen_stack_wait_data(&s, 0), 0);
    cr_assert_eq(shmgen_stack_wait_space(&s, 30), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_stack_push_wait(&s, &v, 30), SHMGEN_TIMEOUT);
}

static void late_pusher(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_stack_t s;
    uint64_t v = 4242;
    (void)id;
    (void)ctx;
    if (shmgen_stack_bind(&s, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    if (shmgen_stack_push(&s, &v) != 0) _exit(5);
}

static void late_popper(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_stack_t s;
    uint64_t v;
    (void)id;
    (void)ctx;
    if (shmgen_stack_bind(&s, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    if (shmgen_stack_pop(&s, &v) != 0) _exit(5);
}

Test(stack, waiters_wake_when_another_process_pushes_or_pops)
{
    shmgen_stack_t s;
    uint64_t v = 0;
    int st;
    pid_t pid;
    make_stack(&s, 8, 1);
    pid = kutil_spawn(&K, late_pusher, 0, NULL);
    cr_assert_eq(shmgen_stack_pop_wait(&s, &v, 10000), 0);
    cr_assert_eq(v, 4242);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_eq(shmgen_stack_push(&s, &v), 0); /* full */
    pid = kutil_spawn(&K, late_popper, 0, NULL);
    cr_assert_eq(shmgen_stack_push_wait(&s, &v, 10000), 0);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
