/*
 * SPDX-License-Identifier: MIT
 *
 * test_queue_stall.c — a queue producer or consumer stopped at an exact
 * instruction (the runtime's test hook raises SIGSTOP there: right after its
 * claim, or with its element copied but not yet published / its slot not yet
 * freed) must not stop the others: the test process moves many laps of
 * elements through the queue meanwhile, in order.  Then the stopped process
 * is resumed (its operation completes: nothing lost, nothing duplicated) or
 * killed (recovery: at most its element in flight is lost, full capacity
 * comes back).  (Stopping a producer from outside at random instructions,
 * many times during a 4P/4C run, is test_queue_stress's second test.)
 * Depends on kinds_util, the public queue API and the runtime's test hook
 * (runtime/src/testhook.h).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testhook.h"
#include "kinds_util.h"
#include "shmgen/queue.h"

#define CAP 4
#define MOVED (10 * CAP) /* elements the test moves while the other process is stopped */
#define STOPPED_VALUE 1000

typedef struct shared {
    kutil_report_t report;
    _Atomic int point;     /* the hook point the child stops at */
    _Atomic uint64_t got;  /* a stopped consumer's element, once it finished */
    _Atomic int result;    /* the child's operation result */
} shared_t;

static shared_t *S;
static kutil_seg_t K;
static pid_t child = -1; /* a stopped child is killed even when an assertion fails */

static void teardown(void)
{
    if (child > 0) {
        kill(child, SIGKILL);
        (void)waitpid(child, NULL, 0);
        child = -1;
    }
    kutil_destroy(&K);
}

TestSuite(queue_stall, .fini = teardown, .timeout = 60);

/* Stops this process the first time the operation passes the chosen point. */
static void stop_once(int point, uint64_t arg)
{
    (void)arg;
    if (point != atomic_load(&S->point)) return;
    shmgen__test_hook = NULL;
    raise(SIGSTOP);
}

static void child_op(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int produce, void *ctx)
{
    shmgen_queue_t q;
    uint64_t v = STOPPED_VALUE;
    (void)ctx;
    if (shmgen_queue_bind(&q, seg, info) != 0) {
        kutil_error(&S->report, "bind");
        return;
    }
    shmgen__test_hook = stop_once;
    if (produce) {
        atomic_store(&S->result, shmgen_queue_enqueue(&q, &v));
    } else {
        atomic_store(&S->result, shmgen_queue_dequeue(&q, &v));
        atomic_store(&S->got, v);
    }
}

/* Starts a child that stops at point inside one enqueue (produce) or
 * dequeue; returns once it is stopped there. */
static pid_t start_stopped(int point, int produce)
{
    int st;
    pid_t pid;
    atomic_store(&S->point, (int)point);
    atomic_store(&S->result, -1);
    pid = child = kutil_spawn(&K, child_op, produce, NULL);
    cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
    cr_assert(WIFSTOPPED(st), "child did not stop at the hook point (status %#x)", st);
    return pid;
}

/* Moves MOVED elements first..first+MOVED-1 through q (enqueue one, dequeue
 * one), requiring each to come out in order, never waiting beyond 1 s. */
static void move_elements(shmgen_queue_t *q, uint64_t first)
{
    for (uint64_t i = 0; i < MOVED; i++) {
        uint64_t v = first + i, out = 0;
        cr_assert_eq(shmgen_queue_enqueue_wait(q, &v, 1000), 0, "enqueue %llu while the other process is stopped",
                     (unsigned long long)v);
        cr_assert_eq(shmgen_queue_dequeue_wait(q, &out, 1000), 0, "dequeue %llu while the other process is stopped",
                     (unsigned long long)v);
        cr_assert_eq(out, v);
    }
}

/* Full capacity, in order, and nothing left over. */
static void expect_full_capacity(shmgen_queue_t *q)
{
    uint64_t v;
    for (v = 0; v < CAP; v++) cr_assert_eq(shmgen_queue_enqueue(q, &v), 0, "slot %llu of %d", (unsigned long long)v, CAP);
    cr_assert_eq(shmgen_queue_enqueue(q, &v), SHMGEN_FULL);
    for (uint64_t i = 0; i < CAP; i++) {
        cr_assert_eq(shmgen_queue_dequeue(q, &v), 0);
        cr_assert_eq(v, i);
    }
    cr_assert_eq(shmgen_queue_dequeue(q, &v), SHMGEN_EMPTY);
}

static void finish(pid_t pid, int sig)
{
    int st;
    cr_assert_eq(kill(pid, sig), 0);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    child = -1;
    if (sig == SIGCONT) cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
    else cr_assert(WIFSIGNALED(st));
}

static void setup_queue(shmgen_queue_t *q)
{
    S = kutil_shared(sizeof *S);
    kutil_create(&K, "qstall", SHMGEN_KIND_QUEUE, 8, CAP);
    cr_assert_eq(shmgen_queue_bind(q, K.seg, &K.info), 0);
}

/* A producer stopped at point: the others go on; resumed, its element goes in
 * exactly once (or, killed, at most that element is lost). */
static void producer_stopped(int point, int sig)
{
    shmgen_queue_t q;
    uint64_t v;
    int seen = 0;
    pid_t pid;
    setup_queue(&q);
    pid = start_stopped(point, 1);
    move_elements(&q, 0);
    finish(pid, sig);
    if (sig == SIGKILL) cr_assert_geq(shmgen_segment_recover(K.seg), 0);
    else cr_assert_eq(atomic_load(&S->result), 0, "the resumed enqueue: %d", atomic_load(&S->result));
    while (shmgen_queue_dequeue(&q, &v) == 0) {
        cr_assert_eq(v, STOPPED_VALUE, "unexpected %llu", (unsigned long long)v);
        seen++;
    }
    cr_assert_eq(seen, sig == SIGCONT ? 1 : seen, "resumed producer's element seen %d times", seen);
    cr_assert_leq(seen, 1);
    expect_full_capacity(&q);
    kutil_shared_free(S, sizeof *S);
}

/* A consumer stopped at point holding position 0 (element 7): the others go
 * on around its slot; resumed, it returns 7 (killed: 7 is lost). */
static void consumer_stopped(int point, int sig)
{
    shmgen_queue_t q;
    uint64_t v = 7;
    pid_t pid;
    setup_queue(&q);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    pid = start_stopped(point, 0);
    move_elements(&q, 100);
    finish(pid, sig);
    if (sig == SIGKILL) {
        cr_assert_geq(shmgen_segment_recover(K.seg), 0);
    } else {
        cr_assert_eq(atomic_load(&S->result), 0, "the resumed dequeue: %d", atomic_load(&S->result));
        cr_assert_eq(atomic_load(&S->got), 7);
    }
    cr_assert_eq(shmgen_queue_dequeue(&q, &v), SHMGEN_EMPTY);
    expect_full_capacity(&q);
    kutil_shared_free(S, sizeof *S);
}

Test(queue_stall, producer_stopped_after_claim_then_resumed)
{
    producer_stopped(SHMGEN__HP_QUEUE_CLAIMED, SIGCONT);
}

Test(queue_stall, producer_stopped_before_publish_then_resumed)
{
    producer_stopped(SHMGEN__HP_QUEUE_WRITTEN, SIGCONT);
}

Test(queue_stall, producer_stopped_after_claim_then_killed)
{
    producer_stopped(SHMGEN__HP_QUEUE_CLAIMED, SIGKILL);
}

Test(queue_stall, producer_stopped_before_publish_then_killed)
{
    producer_stopped(SHMGEN__HP_QUEUE_WRITTEN, SIGKILL);
}

Test(queue_stall, consumer_stopped_after_claim_then_resumed)
{
    consumer_stopped(SHMGEN__HP_QUEUE_CLAIMED, SIGCONT);
}

Test(queue_stall, consumer_stopped_before_release_then_resumed)
{
    consumer_stopped(SHMGEN__HP_QUEUE_COPIED, SIGCONT);
}

Test(queue_stall, consumer_stopped_after_claim_then_killed)
{
    consumer_stopped(SHMGEN__HP_QUEUE_CLAIMED, SIGKILL);
}

Test(queue_stall, consumer_stopped_before_release_then_killed)
{
    consumer_stopped(SHMGEN__HP_QUEUE_COPIED, SIGKILL);
}
