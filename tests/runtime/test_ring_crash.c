/*
 * SPDX-License-Identifier: MIT
 *
 * test_ring_crash.c — the ring's producer and consumer processes are
 * SIGKILLed hundreds of times at random points and replaced by new ones that
 * take the sides over, while a last_n reader survives throughout.  Checks:
 * consumption stays strictly increasing (FIFO), nothing is duplicated, at
 * most one element per kill (plus push_overwrite drops) is lost, no reader
 * sees a torn element, and only the test process stays attached.  Run once
 * without push_overwrite (pops in plain mode) and once with it (CAS claims),
 * each with 32-byte elements (split placement) and 72-byte elements
 * (interleaved placement).
 * Depends on kinds_util and the public ring API.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/ring.h"

#define KILLS 300
#define CAPACITY 13
#define MAX_TICKETS (1u << 25)

/* An element: its ticket, then words derived from it (at most MAX_WORDS). */
#define MAX_WORDS 9u

typedef struct shared {
    kutil_report_t report;
    uint32_t words; /* per element: the ring's element size is 8 * words */
    _Atomic uint64_t next_ticket, last_popped, reads;
    _Atomic int stop;
    int overwrite; /* whether producers use push_overwrite (switches pops to CAS claims) */
    _Atomic uint64_t enq_ok[MAX_TICKETS / 64];
    _Atomic uint64_t deq_seen[MAX_TICKETS / 64];
} shared_t;

/* Elements travel packed (8 * words bytes each) in arrays of words. */
static uint64_t *elem_at(uint64_t *buf, const shared_t *sh, size_t i)
{
    return buf + i * sh->words;
}

static void fill(const shared_t *sh, uint64_t *e, uint64_t seq)
{
    e[0] = seq;
    for (uint32_t i = 1; i < sh->words; i++) e[i] = ~seq + i;
}

static bool intact(const shared_t *sh, const uint64_t *e)
{
    for (uint32_t i = 1; i < sh->words; i++)
        if (e[i] != ~e[0] + i) return false;
    return true;
}

static void got(shared_t *sh, const uint64_t *e)
{
    uint64_t last = atomic_load(&sh->last_popped);
    if (!intact(sh, e)) kutil_error(&sh->report, "torn pop");
    else if (e[0] >= atomic_load(&sh->next_ticket) || (last != 0 && e[0] <= last))
        kutil_error(&sh->report, "order: got %llu after %llu", (unsigned long long)e[0], (unsigned long long)last);
    else if (kutil_bit_set(sh->deq_seen, e[0])) kutil_error(&sh->report, "duplicate");
    atomic_store(&sh->last_popped, e[0]);
}

static void producer(shmgen_ring_t *r, shared_t *sh, uint64_t *rnd)
{
    uint64_t e[3 * MAX_WORDS];
    uint64_t choice = kutil_rand(rnd) % 8, n = choice == 0 ? 3 : 1, t, done;
    t = atomic_fetch_add(&sh->next_ticket, n);
    if (t + n > MAX_TICKETS) return;
    for (uint64_t i = 0; i < n; i++) fill(sh, elem_at(e, sh, i), t + i);
    if (n == 3) done = shmgen_ring_push_bulk(r, e, 3);
    else if (choice == 1 && sh->overwrite) done = shmgen_ring_push_overwrite(r, e) >= 0;
    else done = shmgen_ring_push_wait(r, e, 5) == 0;
    for (uint64_t i = 0; i < done; i++) kutil_bit_set(sh->enq_ok, t + i);
}

static void consumer(shmgen_ring_t *r, shared_t *sh, uint64_t *rnd)
{
    uint64_t e[MAX_WORDS];
    if (kutil_rand(rnd) % 2 ? shmgen_ring_pop(r, e) == 0 : shmgen_ring_pop_wait(r, e, 5) == 0) got(sh, e);
}

static void reader(shmgen_ring_t *r, shared_t *sh)
{
    uint64_t e[4 * MAX_WORDS];
    size_t n = shmgen_ring_last_n(r, e, 4);
    for (size_t i = 0; i < n; i++)
        if (!intact(sh, elem_at(e, sh, i)) || (i > 0 && elem_at(e, sh, i)[0] <= elem_at(e, sh, i - 1)[0]))
            kutil_error(&sh->report, "bad last_n");
    atomic_fetch_add(&sh->reads, n);
    usleep(50);
}

/* id % 3: 0 producer, 1 consumer, 2 reader. */
static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_ring_t r;
    uint64_t rnd = 0x77 + (uint64_t)id * 31;
    if (shmgen_ring_bind(&r, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    while (!atomic_load(&sh->stop)) {
        if (id % 3 == 0) producer(&r, sh, &rnd);
        else if (id % 3 == 1) consumer(&r, sh, &rnd);
        else reader(&r, sh);
    }
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(ring_crash, .fini = teardown);

static void crash_run(int overwrite, uint32_t words)
{
    kutil_seg_t *kp = &K;
    shmgen_ring_t r;
    shared_t *sh = kutil_shared(sizeof *sh);
    uint64_t rnd = 0xDEADBEEF, lost, popped_before;
    pid_t side[2], rd;
    int killed = 0, st;
    uint64_t e[MAX_WORDS];
    double t0 = kutil_now();
    sh->overwrite = overwrite;
    sh->words = words;
    kutil_create(kp, "ringcr", SHMGEN_KIND_RING, 8 * words, CAPACITY);
    side[0] = kutil_spawn(kp, worker, 0, sh);
    side[1] = kutil_spawn(kp, worker, 1, sh);
    rd = kutil_spawn(kp, worker, 2, sh);
    for (int i = 0; i < KILLS; i++) {
        int which = (int)(kutil_rand(&rnd) % 2);
        usleep((useconds_t)(kutil_rand(&rnd) % 3000));
        killed += kutil_kill_reap(side[which]);
        side[which] = kutil_spawn(kp, worker, 3 * (i + 1) + which, sh);
    }
    popped_before = atomic_load(&sh->last_popped);
    for (int i = 0; i < 1000 && atomic_load(&sh->last_popped) <= popped_before; i++) usleep(10 * 1000); /* no timing assertion: up to 10 s */
    cr_assert_gt(atomic_load(&sh->last_popped), popped_before, "the ring is stuck after the kills");
    atomic_store(&sh->stop, 1);
    for (int i = 0; i < 2; i++) waitpid(side[i], &st, 0);
    waitpid(rd, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_geq(shmgen_segment_recover(kp->seg), 0);
    kutil_assert_attached(kp, 1);
    cr_assert_eq(shmgen_ring_bind(&r, kp->seg, &kp->info), 0);
    while (shmgen_ring_pop(&r, e) == 0) got(sh, e);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    lost = kutil_count_andnot(sh->enq_ok, sh->deq_seen, MAX_TICKETS);
    cr_log_info("ring crash (%s pops, %u-byte elements): %d kills, %llu tickets, %llu dropped by overwrite, %llu lost in all, %llu reader copies, %.2f s",
                overwrite ? "CAS" : "plain", 8 * words, killed, (unsigned long long)atomic_load(&sh->next_ticket), (unsigned long long)shmgen_ring_dropped(&r),
                (unsigned long long)lost, (unsigned long long)atomic_load(&sh->reads), kutil_now() - t0);
    cr_assert_geq(killed, KILLS * 9 / 10);
    cr_assert_leq(lost, (uint64_t)killed + shmgen_ring_dropped(&r));
    for (uint64_t i = 0; i < CAPACITY; i++) {
        fill(sh, e, i);
        cr_assert_eq(shmgen_ring_push(&r, e), 0);
    }
    cr_assert_eq(shmgen_ring_push(&r, e), SHMGEN_FULL);
    cr_assert_eq(shmgen_ring_size(&r), CAPACITY);
    kutil_destroy(kp);
    kutil_shared_free(sh, sizeof *sh);
}

Test(ring_crash, plain_mode_kills, .timeout = 120)
{
    crash_run(0, 4);
}

Test(ring_crash, overwrite_mode_kills, .timeout = 120)
{
    crash_run(1, 4);
}

Test(ring_crash, plain_mode_kills_interleaved, .timeout = 120)
{
    crash_run(0, 9);
}

Test(ring_crash, overwrite_mode_kills_interleaved, .timeout = 120)
{
    crash_run(1, 9);
}
