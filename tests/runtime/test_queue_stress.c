/*
 * SPDX-License-Identifier: MIT
 *
 * test_queue_stress.c — four producers and four consumers on a small queue,
 * as processes (label "stress", 1,000,000 elements) or, built with
 * KINDS_THREADED, as threads (label "tsan", 200,000).  Every element is
 * accounted for in a shared bitmap (none lost, none duplicated) and each
 * consumer sees each producer's elements in order.  Mixes single, bulk and
 * blocking operations.  The process form runs a second time with producer 0
 * stopped (SIGSTOP) and resumed hundreds of times at random instructions:
 * while it is stopped the others must keep moving elements (more than a
 * queue's worth: a producer stopped between its claim and its publication
 * used to hold every consumer back).  Depends on kinds_util and the public
 * queue API.
 */
#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/queue.h"

#ifdef KINDS_THREADED
#define THREADS true
#define ELEMENTS 200000u
#else
#define THREADS false
#define ELEMENTS 1000000u
#endif
#define PRODUCERS 4
#define CONSUMERS 4
#define CAPACITY 37

typedef struct shared {
    kutil_report_t report;
    uint64_t per_producer;
    _Atomic uint64_t consumed;
    _Atomic uint64_t produced[PRODUCERS];
    _Atomic uint64_t bitmap[];
} shared_t;

static void producer(shmgen_queue_t *q, shared_t *sh, int id)
{
    uint64_t rnd = 0x9876 + (uint64_t)id, next = 0, batch[8];
    unsigned spins = 0;
    while (next < sh->per_producer) {
        uint64_t choice = kutil_rand(&rnd) % 8, n = 1;
        if (choice < 2) {
            n = 1 + kutil_rand(&rnd) % 8;
            if (n > sh->per_producer - next) n = sh->per_producer - next;
            for (uint64_t i = 0; i < n; i++) batch[i] = (uint64_t)id << 32 | (next + i);
            n = shmgen_queue_enqueue_bulk(q, batch, n);
        } else if (choice == 2) {
            batch[0] = (uint64_t)id << 32 | next;
            int rc = shmgen_queue_enqueue_wait(q, batch, 1000);
            if (rc != 0 && rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "enqueue_wait %d", rc);
            n = rc == 0;
        } else {
            batch[0] = (uint64_t)id << 32 | next;
            n = shmgen_queue_enqueue(q, batch) == 0;
        }
        next += n;
        atomic_store(&sh->produced[id], next);
        if (n == 0) kutil_backoff(&spins);
        else spins = 0;
    }
}

static void take(shared_t *sh, uint64_t v, uint64_t last[PRODUCERS])
{
    uint64_t p = v >> 32, s = (uint32_t)v;
    if (p >= PRODUCERS || s >= sh->per_producer) {
        kutil_error(&sh->report, "bad value %llx", (unsigned long long)v);
        return;
    }
    if (last[p] != UINT64_MAX && s <= last[p]) kutil_error(&sh->report, "producer %llu out of order", (unsigned long long)p);
    last[p] = s;
    if (kutil_bit_set(sh->bitmap, p * sh->per_producer + s)) kutil_error(&sh->report, "duplicate %llx", (unsigned long long)v);
    atomic_fetch_add(&sh->consumed, 1);
}

static void consumer(shmgen_queue_t *q, shared_t *sh, int id)
{
    uint64_t rnd = 0x5555 + (uint64_t)id, last[PRODUCERS], batch[8];
    uint64_t total = sh->per_producer * PRODUCERS;
    unsigned spins = 0;
    memset(last, 0xff, sizeof last);
    while (atomic_load(&sh->consumed) < total && atomic_load(&sh->report.errors) == 0) {
        uint64_t choice = kutil_rand(&rnd) % 8, n;
        if (choice < 2) {
            n = shmgen_queue_dequeue_bulk(q, batch, 1 + kutil_rand(&rnd) % 8);
        } else if (choice == 2) {
            n = shmgen_queue_dequeue_wait(q, batch, 50) == 0;
        } else {
            n = shmgen_queue_dequeue(q, batch) == 0;
        }
        for (uint64_t i = 0; i < n; i++) take(sh, batch[i], last);
        if (n == 0) kutil_backoff(&spins);
        else spins = 0;
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_queue_t q;
    if (shmgen_queue_bind(&q, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    if (id < PRODUCERS) producer(&q, sh, id);
    else consumer(&q, sh, id - PRODUCERS);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(queue_stress, .fini = teardown);

Test(queue_stress, mpmc_four_by_four, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    uint64_t per = kutil_scale(ELEMENTS) / PRODUCERS, total = per * PRODUCERS;
    size_t bytes = sizeof(shared_t) + (total / 64 + 1) * sizeof(uint64_t);
    shared_t *sh = kutil_shared(bytes);
    double t0 = kutil_now();
    sh->per_producer = per;
    kutil_create(kp, "queuest", SHMGEN_KIND_QUEUE, 8, CAPACITY);
    kutil_run(kp, PRODUCERS + CONSUMERS, worker, sh, THREADS);
    cr_log_info("queue stress: %llu elements in %.2f s", (unsigned long long)total, kutil_now() - t0);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->consumed), total);
    for (uint64_t i = 0; i < total; i++) cr_assert(kutil_bit_get(sh->bitmap, i), "element %llu lost", (unsigned long long)i);
    kutil_destroy(kp);
    kutil_shared_free(sh, bytes);
}

#ifndef KINDS_THREADED
/* Elements producers 1..3 still have to enqueue. */
static uint64_t others_left(shared_t *sh)
{
    uint64_t left = 0;
    for (int p = 1; p < PRODUCERS; p++) left += sh->per_producer - atomic_load(&sh->produced[p]);
    return left;
}

/* Stops producer 0 (pid) at a random instruction; while it is stopped the
 * others must move more than a queue's worth of elements.  Returns false if
 * they did not within 2 s (a stalled queue; not a timing assertion: the
 * others move a queue's worth in microseconds when nothing blocks them). */
static bool stop_and_watch(shared_t *sh, pid_t pid, uint64_t *rnd)
{
    uint64_t before = atomic_load(&sh->consumed);
    int st;
    bool moved = true;
    kill(pid, SIGSTOP);
    cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
    if (WIFSTOPPED(st) && others_left(sh) > 4 * CAPACITY) {
        double until = kutil_now() + 2.0;
        while (atomic_load(&sh->consumed) < before + 3 * CAPACITY && kutil_now() < until) usleep(100);
        moved = atomic_load(&sh->consumed) >= before + 3 * CAPACITY;
    }
    usleep((useconds_t)(kutil_rand(rnd) % 1000));
    kill(pid, SIGCONT);
    return moved;
}

Test(queue_stress, mpmc_with_producer_stopped_repeatedly, .timeout = 240)
{
    kutil_seg_t *kp = &K;
    uint64_t per = kutil_scale(ELEMENTS) / PRODUCERS, total = per * PRODUCERS, rnd = 0x5709;
    size_t bytes = sizeof(shared_t) + (total / 64 + 1) * sizeof(uint64_t);
    shared_t *sh = kutil_shared(bytes);
    pid_t pids[PRODUCERS + CONSUMERS];
    unsigned stops = 0, stalled = 0;
    int st;
    double t0 = kutil_now();
    sh->per_producer = per;
    kutil_create(kp, "queuesp", SHMGEN_KIND_QUEUE, 8, CAPACITY);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) pids[i] = kutil_spawn(kp, worker, i, sh);
    while (atomic_load(&sh->produced[0]) < per && atomic_load(&sh->report.errors) == 0 && stalled == 0) {
        stalled += !stop_and_watch(sh, pids[0], &rnd);
        stops++;
        usleep((useconds_t)(kutil_rand(&rnd) % 2000));
    }
    if (stalled) for (int i = 0; i < PRODUCERS + CONSUMERS; i++) kill(pids[i], SIGKILL);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
        kill(pids[i], SIGCONT);
        cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
        if (!stalled) cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d status %#x", i, st);
    }
    cr_log_info("queue stress, producer 0 stopped %u times: %llu of %llu elements in %.2f s", stops,
                (unsigned long long)atomic_load(&sh->consumed), (unsigned long long)total, kutil_now() - t0);
    cr_assert_eq(stalled, 0, "the others stood still while producer 0 was stopped (stop %u)", stops);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->consumed), total);
    for (uint64_t i = 0; i < total; i++) cr_assert(kutil_bit_get(sh->bitmap, i), "element %llu lost", (unsigned long long)i);
    kutil_destroy(kp);
    kutil_shared_free(sh, bytes);
}
#endif
