/*
 * test_queue.c — unit tests of the queue kind: exact capacity, FIFO across
 * wrap-around, bulk forms, waits that time out and a waiter woken by another
 * process.  Depends on kinds_util and the public queue API.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/queue.h"

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(queue, .fini = teardown, .timeout = 60);

static void make_queue(shmgen_queue_t *q, uint32_t elem_size, uint64_t cap)
{
    kutil_create(&K, "queue", SHMGEN_KIND_QUEUE, elem_size, cap);
    cr_assert_eq(shmgen_queue_bind(q, K.seg, &K.info), 0);
}

static void fill_and_drain(shmgen_queue_t *q, uint64_t cap, uint64_t rounds)
{
    uint64_t v;
    for (uint64_t round = 0; round < rounds; round++) {
        for (uint64_t i = 0; i < cap; i++) {
            v = round * 100000 + i;
            cr_assert_eq(shmgen_queue_enqueue(q, &v), 0);
        }
        cr_assert_eq(shmgen_queue_enqueue(q, &v), SHMGEN_FULL);
        cr_assert_eq(shmgen_queue_size(q), cap);
        for (uint64_t i = 0; i < cap; i++) {
            cr_assert_eq(shmgen_queue_dequeue(q, &v), 0);
            cr_assert_eq(v, round * 100000 + i);
        }
        cr_assert_eq(shmgen_queue_dequeue(q, &v), SHMGEN_EMPTY);
        cr_assert_eq(shmgen_queue_size(q), 0);
    }
}

Test(queue, exact_capacity_three)
{
    shmgen_queue_t q;
    make_queue(&q, 8, 3);
    cr_assert_eq(shmgen_queue_capacity(&q), 3);
    fill_and_drain(&q, 3, 7);
}

Test(queue, exact_capacity_thousand)
{
    shmgen_queue_t q;
    make_queue(&q, 8, 1000);
    cr_assert_eq(shmgen_queue_capacity(&q), 1000);
    fill_and_drain(&q, 1000, 3);
}

Test(queue, capacity_one)
{
    shmgen_queue_t q;
    make_queue(&q, 8, 1);
    fill_and_drain(&q, 1, 5);
}

Test(queue, interleaved_fifo_with_odd_elements)
{
    shmgen_queue_t q;
    unsigned char e[5], o[5];
    uint64_t in = 0, out = 0;
    make_queue(&q, 5, 7);
    for (int step = 0; step < 1000; step++) {
        if (step % 3 != 2) {
            memset(e, (int)(in & 0xff), sizeof e);
            if (shmgen_queue_enqueue(&q, e) == 0) in++;
        } else if (shmgen_queue_dequeue(&q, o) == 0) {
            memset(e, (int)(out & 0xff), sizeof e);
            cr_assert_eq(memcmp(e, o, sizeof e), 0);
            out++;
        }
    }
    cr_assert_eq(shmgen_queue_size(&q), in - out);
}

Test(queue, bulk_forms)
{
    shmgen_queue_t q;
    uint64_t in[32], out[32];
    make_queue(&q, 8, 10);
    for (uint64_t i = 0; i < 32; i++) in[i] = i;
    cr_assert_eq(shmgen_queue_enqueue_bulk(&q, in, 4), 4);
    cr_assert_eq(shmgen_queue_dequeue_bulk(&q, out, 3), 3);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[2], 2);
    cr_assert_eq(shmgen_queue_enqueue_bulk(&q, in + 4, 32), 9); /* 1 + 9 = 10: full */
    cr_assert_eq(shmgen_queue_enqueue_bulk(&q, in, 1), 0);
    cr_assert_eq(shmgen_queue_dequeue_bulk(&q, out, 32), 10);
    for (uint64_t i = 0; i < 10; i++) cr_assert_eq(out[i], i + 3);
    cr_assert_eq(shmgen_queue_dequeue_bulk(&q, out, 32), 0);
}

Test(queue, waits_time_out)
{
    shmgen_queue_t q;
    uint64_t v = 3;
    make_queue(&q, 8, 2);
    cr_assert_eq(shmgen_queue_wait_data(&q, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_queue_dequeue_wait(&q, &v, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(shmgen_queue_wait_data(&q, 0), 0);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(shmgen_queue_wait_space(&q, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_queue_enqueue_wait(&q, &v, 20), SHMGEN_TIMEOUT);
}

static void late_enqueuer(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_queue_t q;
    uint64_t v = 777;
    (void)id;
    (void)ctx;
    if (shmgen_queue_bind(&q, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    if (shmgen_queue_enqueue(&q, &v) != 0) _exit(5);
}

static void late_dequeuer(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_queue_t q;
    uint64_t v;
    (void)id;
    (void)ctx;
    if (shmgen_queue_bind(&q, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    if (shmgen_queue_dequeue(&q, &v) != 0) _exit(5);
}

Test(queue, waiter_wakes_when_another_process_acts)
{
    shmgen_queue_t q;
    uint64_t v = 0;
    int st;
    make_queue(&q, 8, 1);
    pid_t pid = kutil_spawn(&K, late_enqueuer, 0, NULL);
    cr_assert_eq(shmgen_queue_dequeue_wait(&q, &v, 10000), 0);
    cr_assert_eq(v, 777);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    pid = kutil_spawn(&K, late_dequeuer, 0, NULL);
    cr_assert_eq(shmgen_queue_enqueue_wait(&q, &v, 10000), 0);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

Test(queue, wrong_kind_is_refused)
{
    shmgen_queue_t q;
    kutil_create(&K, "queuewk", SHMGEN_KIND_STACK, 8, 4);
    cr_assert_eq(shmgen_queue_bind(&q, K.seg, &K.info), SHMGEN_WRONG_KIND);
}
