/*
 * SPDX-License-Identifier: MIT
 *
 * test_queue.c — unit tests of the queue kind: exact capacity, FIFO across
 * wrap-around, bulk forms, waits that time out, a waiter woken by another
 * process, and the states a SIGKILL leaves (slot words set by hand, see
 * docs/crash-recovery.md).  Depends on kinds_util, the public queue API and,
 * for the hand-set states, queue.c's header layout.
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

/* ---- states a SIGKILL or a stop leaves, set by hand ----
 * queue.c's layout: the enqueue counter on header line 1 (byte 64), the
 * dequeue counter on line 2 (byte 128), slots after the 256-byte header with
 * the seq word first, then (from the next cache line) one mark word per slot.
 * With capacity 4 a packed position equals the linear one (lap << 2 | index).
 * A seq word is lap << 2 | state, a mark word lap << 2 | flags (see
 * queue.c).  The test's own journal is idle while it inspects, so no live
 * operation covers any position: every held slot must be repaired by the
 * next producer that reaches it. */
enum { PEND = 0, FREE = 1, PUB = 2, TAKEN = 3, MARK_INV = 1, MARK_BASE = 2 };
#define SEQ(lap, st) ((uint64_t)(lap) << 2 | (st))

static _Atomic uint64_t *qword(uint64_t byte)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(K.seg, &K.info) + byte);
}

static uint64_t slots_bytes(void)
{
    return K.info.capacity * shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, K.info.elem_size);
}

static _Atomic uint64_t *seq_of(uint64_t idx)
{
    return qword(256 + idx * shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, K.info.elem_size));
}

static _Atomic uint64_t *mark_of(uint64_t idx)
{
    return qword(256 + ((slots_bytes() + 63) & ~(uint64_t)63) + idx * 8);
}

/* A capacity-4 queue holding 0..3 at positions 0..3; checks the layout used. */
static void make_full_four(shmgen_queue_t *q)
{
    make_queue(q, 8, 4);
    for (uint64_t v = 0; v < 4; v++) cr_assert_eq(shmgen_queue_enqueue(q, &v), 0);
    cr_assert_eq(atomic_load(qword(64)), 4, "enqueue counter where the test expects it");
    cr_assert_eq(atomic_load(qword(128)), 0, "dequeue counter where the test expects it");
    for (uint64_t i = 0; i < 4; i++) cr_assert_eq(atomic_load(seq_of(i)), SEQ(0, PUB));
    for (uint64_t i = 0; i < 4; i++) cr_assert_eq(atomic_load(mark_of(i)), 0);
}

static void expect_values(shmgen_queue_t *q, const uint64_t *want, size_t n)
{
    uint64_t v;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(shmgen_queue_dequeue(q, &v), 0, "element %zu", i);
        cr_assert_eq(v, want[i]);
    }
    cr_assert_eq(shmgen_queue_dequeue(q, &v), SHMGEN_EMPTY);
}

/* A producer claimed position 0 and died (or stopped) before publishing, and
 * the queue filled up behind it: an enqueue says full; a dequeue waits its
 * patience, then gives position 0 up (marks it INV) and takes 1; the next
 * enqueue at position 4 finds slot 0 still held, no live journal for it, and
 * releases it. */
Test(queue, unpublished_slot_at_front_of_full_queue)
{
    shmgen_queue_t q;
    uint64_t v = 9;
    make_full_four(&q);
    atomic_store(seq_of(0), SEQ(0, FREE));
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_queue_wait_space(&q, 0), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_queue_dequeue(&q, &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(atomic_load(mark_of(0)), SEQ(0, MARK_INV), "position 0 given up");
    v = 7;
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(atomic_load(seq_of(0)), SEQ(1, PUB), "slot 0 released and reused for position 4");
    expect_values(&q, (uint64_t[]){2, 3, 7}, 3);
}

/* A consumer claimed position 0 and died before freeing it (seq still PUB,
 * dequeue counter 1): the producer of lap 1 waits its patience, finds no
 * live journal, takes and releases the slot, and enqueues there. */
Test(queue, consumer_killed_before_freeing)
{
    shmgen_queue_t q;
    uint64_t v;
    make_full_four(&q);
    cr_assert_eq(shmgen_queue_dequeue(&q, &v), 0);
    atomic_store(seq_of(0), SEQ(0, PUB));
    cr_assert_eq(shmgen_queue_wait_space(&q, 1000), 0);
    v = 5;
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), SHMGEN_FULL);
    expect_values(&q, (uint64_t[]){1, 2, 3, 5}, 4);
}

/* A consumer gave position 0 up, then won it after all (TAKEN) and died
 * before releasing it: the slot is released the same way. */
Test(queue, consumer_killed_holding_taken_slot)
{
    shmgen_queue_t q;
    uint64_t v;
    make_full_four(&q);
    cr_assert_eq(shmgen_queue_dequeue(&q, &v), 0);
    atomic_store(seq_of(0), SEQ(0, TAKEN));
    atomic_store(mark_of(0), SEQ(0, MARK_INV));
    v = 5;
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    expect_values(&q, (uint64_t[]){1, 2, 3, 5}, 4);
}

/* A process died while moving a slot past abandoned turns (PEND of position
 * 4, which nobody claimed yet): the next enqueue there completes the move. */
Test(queue, pending_slot_is_completed)
{
    shmgen_queue_t q;
    uint64_t v;
    make_full_four(&q);
    expect_values(&q, (uint64_t[]){0, 1, 2, 3}, 4);
    atomic_store(seq_of(0), SEQ(1, PEND));
    cr_assert_eq(shmgen_queue_dequeue(&q, &v), SHMGEN_EMPTY);
    v = 8;
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(atomic_load(seq_of(0)), SEQ(1, PUB));
    expect_values(&q, (uint64_t[]){8}, 1);
}

/* Position 5 was abandoned (claimed while slot 1 still served position 1 and
 * its consumer had not freed it): a bulk dequeue stops before it, the next
 * one skips it without waiting; the producer that reaches slot 1 a lap later
 * finds its holder dead and releases it, so the full capacity comes back. */
Test(queue, bulk_dequeue_around_abandoned_position)
{
    shmgen_queue_t q;
    uint64_t out[4] = {0}, v;
    make_full_four(&q);
    expect_values(&q, (uint64_t[]){0, 1, 2, 3}, 4);
    for (v = 4; v < 8; v++) cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    atomic_store(seq_of(1), SEQ(0, PUB));
    atomic_store(mark_of(1), SEQ(0, MARK_BASE));
    cr_assert_eq(shmgen_queue_dequeue_bulk(&q, out, 4), 1);
    cr_assert_eq(out[0], 4);
    cr_assert_eq(shmgen_queue_dequeue_bulk(&q, out, 4), 2);
    cr_assert_eq(out[0], 6);
    cr_assert_eq(out[1], 7);
    cr_assert_eq(shmgen_queue_dequeue_bulk(&q, out, 4), 0);
    for (v = 0; v < 4; v++) cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), SHMGEN_FULL);
    expect_values(&q, (uint64_t[]){0, 1, 2, 3}, 4);
}

/* A process scribbling on the counters (index part past the capacity; the
 * capacity 5 leaves indices 5..7 representable) must not lead the others
 * outside the queue's slots and marks: the bytes between the last slot and
 * the marks, and after the last mark to the end of the structure (its
 * rounding to 64), stay untouched, and operations go on. */
Test(queue, scribbled_counters_stay_inside_the_queue)
{
    shmgen_queue_t q;
    uint64_t v = 1, slots_end;
    unsigned char *base;
    make_queue(&q, 8, 5);
    base = (unsigned char *)shmgen_segment_struct_base(K.seg, &K.info);
    slots_end = 256 + 5 * shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, 8);
    cr_assert_gt(K.info.size, slots_end + 16, "the structure has padding after its slots");
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(atomic_load(qword(64)), 1, "enqueue counter where the test expects it");
    atomic_store(qword(64), 7);
    atomic_store(qword(128), 6);
    for (int i = 0; i < 8; i++) {
        int rc = shmgen_queue_enqueue(&q, &v);
        cr_assert(rc == 0 || rc == SHMGEN_FULL, "enqueue: %d", rc);
        rc = shmgen_queue_dequeue(&q, &v);
        cr_assert(rc == 0 || rc == SHMGEN_EMPTY, "dequeue: %d", rc);
    }
    (void)shmgen_queue_size(&q);
    for (uint64_t i = slots_end; i < K.info.size; i++) {
        uint64_t marks = 256 + ((slots_bytes() + 63) & ~(uint64_t)63);
        if (i >= marks && i < marks + 5 * 8) continue;
        cr_assert_eq(base[i], 0, "byte %llu after the slots", (unsigned long long)i);
    }
}
