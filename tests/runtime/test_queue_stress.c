/*
 * SPDX-License-Identifier: MIT
 *
 * test_queue_stress.c — four producers and four consumers on a small queue,
 * as processes (label "stress", 1,000,000 elements) or, built with
 * KINDS_THREADED, as threads (label "tsan", 200,000).  Every element is
 * accounted for in a shared bitmap (none lost, none duplicated) and each
 * consumer sees each producer's elements in order.  Mixes single, bulk and
 * blocking operations.  The process form runs twice more with one process
 * (producer 0, then consumer 0) stopped (SIGSTOP) and resumed hundreds of
 * times from outside: that process lingers ~20 µs inside one operation in
 * eight (between its claim and its publication or release, through the
 * runtime's test hook), so most stops land there; while it is stopped the
 * others must keep moving elements (three queues' worth: a producer stopped
 * between its claim and its publication used to hold every consumer back, a
 * consumer stopped before its release every producer a lap later).  Depends
 * on kinds_util, the public queue API and (process form) the runtime's test
 * hook.
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
#ifndef KINDS_THREADED
#include "testhook.h"
#endif

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
    int linger_id;              /* the worker that lingers inside operations (-1: none) */
    _Atomic int in_window;      /* it is lingering between its claim and its publication/release */
    _Atomic int bound;          /* workers past open and bind */
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

#ifndef KINDS_THREADED
static shared_t *linger_sh; /* the lingering process's view (one process, one worker) */

/* The test hook of the worker that is stopped from outside: one operation in
 * eight spins ~20 µs right after its claim, before its copy and publication
 * (producer) or release (consumer), so that a stop at a random instant
 * usually lands there. */
static void linger(int point, uint64_t arg)
{
    static unsigned n;
    double until;
    (void)arg;
    if (point != SHMGEN__HP_QUEUE_CLAIMED || n++ % 8 != 0) return;
    atomic_store(&linger_sh->in_window, 1);
    until = kutil_now() + 20e-6;
    while (kutil_now() < until) {}
    atomic_store(&linger_sh->in_window, 0);
}
#endif

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_queue_t q;
    if (shmgen_queue_bind(&q, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    atomic_fetch_add(&sh->bound, 1);
#ifndef KINDS_THREADED
    if (id == sh->linger_id) {
        linger_sh = sh;
        shmgen__test_hook = linger;
    }
#endif
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
    sh->linger_id = -1;
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
/* Elements the running producers still have to enqueue (all of them but a
 * stopped producer). */
static uint64_t others_left(shared_t *sh, int victim)
{
    uint64_t left = 0;
    for (int p = 0; p < PRODUCERS; p++)
        if (p != victim) left += sh->per_producer - atomic_load(&sh->produced[p]);
    return left;
}

typedef struct stops {
    unsigned stops, in_window, stalled;
    bool exited; /* the victim finished and was reaped */
} stops_t;

/* Stops worker victim (pid) at a random instant; while it is stopped the
 * others must move three queues' worth of elements.  Counts a stall if they
 * did not within 2 s (not a timing assertion: unblocked, they move that many
 * in microseconds; blocked, they never do). */
static void stop_and_watch(shared_t *sh, int victim, pid_t pid, stops_t *r, uint64_t *rnd)
{
    uint64_t before = atomic_load(&sh->consumed);
    int st;
    kill(pid, SIGSTOP);
    cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
    if (!WIFSTOPPED(st)) {
        r->exited = true;
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d status %#x", victim, st);
        return;
    }
    r->stops++;
    r->in_window += atomic_load(&sh->in_window) != 0;
    if (others_left(sh, victim) > 4 * CAPACITY) {
        double until = kutil_now() + 2.0;
        while (atomic_load(&sh->consumed) < before + 3 * CAPACITY && kutil_now() < until) usleep(100);
        r->stalled += atomic_load(&sh->consumed) < before + 3 * CAPACITY;
    }
    usleep((useconds_t)(kutil_rand(rnd) % 1000));
    kill(pid, SIGCONT);
}

/* The victim still has work: producer 0 elements to enqueue, a consumer
 * elements to take. */
static bool victim_busy(shared_t *sh, int victim)
{
    if (victim < PRODUCERS) return atomic_load(&sh->produced[victim]) < sh->per_producer;
    return atomic_load(&sh->consumed) < sh->per_producer * PRODUCERS;
}

/* 4P/4C with worker victim stopped and resumed until it is done; then every
 * element counted once, per-producer order, and progress in every stop. */
static void run_with_stops(int victim, const char *tag)
{
    kutil_seg_t *kp = &K;
    uint64_t per = kutil_scale(ELEMENTS) / PRODUCERS, total = per * PRODUCERS, rnd = 0x5709;
    size_t bytes = sizeof(shared_t) + (total / 64 + 1) * sizeof(uint64_t);
    shared_t *sh = kutil_shared(bytes);
    pid_t pids[PRODUCERS + CONSUMERS];
    stops_t r = {0, 0, 0, false};
    int st;
    double t0 = kutil_now();
    sh->per_producer = per;
    sh->linger_id = victim;
    kutil_create(kp, tag, SHMGEN_KIND_QUEUE, 8, CAPACITY);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) pids[i] = kutil_spawn(kp, worker, i, sh);
    /* Stops begin once every worker is past its open: a process stopped inside
     * shmgen_open holds the segment's recovery lock, which stalls the others'
     * opens (bounded by their timeout), not the queue. */
    for (double until = kutil_now() + 30.0; atomic_load(&sh->bound) < PRODUCERS + CONSUMERS && kutil_now() < until;)
        usleep(1000);
    while (!r.exited && victim_busy(sh, victim) && atomic_load(&sh->report.errors) == 0 && r.stalled == 0) {
        stop_and_watch(sh, victim, pids[victim], &r, &rnd);
        usleep((useconds_t)(kutil_rand(&rnd) % 2000));
    }
    if (r.stalled) for (int i = 0; i < PRODUCERS + CONSUMERS; i++) kill(pids[i], SIGKILL);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
        if (i == victim && r.exited) continue;
        kill(pids[i], SIGCONT);
        cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
        if (!r.stalled) cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d status %#x", i, st);
    }
    cr_log_info("queue stress, worker %d stopped %u times (%u between claim and publication/release): %llu of %llu "
                "elements in %.2f s", victim, r.stops, r.in_window, (unsigned long long)atomic_load(&sh->consumed),
                (unsigned long long)total, kutil_now() - t0);
    cr_assert_eq(r.stalled, 0, "the others stood still while worker %d was stopped (stop %u)", victim, r.stops);
    cr_assert_gt(r.in_window, 0, "no stop landed between a claim and its publication/release");
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->consumed), total);
    for (uint64_t i = 0; i < total; i++) cr_assert(kutil_bit_get(sh->bitmap, i), "element %llu lost", (unsigned long long)i);
    kutil_destroy(kp);
    kutil_shared_free(sh, bytes);
}

Test(queue_stress, mpmc_with_producer_stopped_repeatedly, .timeout = 240)
{
    run_with_stops(0, "queuesp");
}

Test(queue_stress, mpmc_with_consumer_stopped_repeatedly, .timeout = 240)
{
    run_with_stops(PRODUCERS, "queuesc");
}
#endif
