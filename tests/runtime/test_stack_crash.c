/*
 * SPDX-License-Identifier: MIT
 *
 * test_stack_crash.c — workers SIGKILLed hundreds of times at random points
 * while two survivors keep pushing and popping (new workers' opens run
 * recovery concurrently).  Afterwards recovery must give back every node a
 * kill stranded without inserting any twice: the stack then holds exactly its
 * capacity; nothing was duplicated and at most one element per kill is lost;
 * only the test process stays attached.
 * Depends on kinds_util and the public stack API.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/stack.h"

#define KILLS 300
#define CAPACITY 16
#define MAX_TICKETS (1u << 25)

typedef struct shared {
    kutil_report_t report;
    _Atomic uint64_t next_ticket, survivor_ops;
    _Atomic int stop;
    _Atomic uint64_t push_ok[MAX_TICKETS / 64];
    _Atomic uint64_t pop_seen[MAX_TICKETS / 64];
} shared_t;

static void got(shared_t *sh, uint64_t v)
{
    if (v >= atomic_load(&sh->next_ticket)) kutil_error(&sh->report, "never issued %llu", (unsigned long long)v);
    else if (kutil_bit_set(sh->pop_seen, v)) kutil_error(&sh->report, "duplicate %llu", (unsigned long long)v);
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_stack_t s;
    uint64_t rnd = 0x5150 + (uint64_t)id * 104729, v;
    if (shmgen_stack_bind(&s, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    while (!atomic_load(&sh->stop)) {
        if (kutil_rand(&rnd) % 2) {
            v = atomic_fetch_add(&sh->next_ticket, 1);
            if (v < MAX_TICKETS && shmgen_stack_push(&s, &v) == 0) kutil_bit_set(sh->push_ok, v);
        } else if (shmgen_stack_pop(&s, &v) == 0) {
            got(sh, v);
        }
        if (id < 1000) atomic_fetch_add(&sh->survivor_ops, 1);
    }
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(stack_crash, .fini = teardown);

Test(stack_crash, random_kills_then_no_node_lost, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    shmgen_stack_t s;
    shared_t *sh = kutil_shared(sizeof *sh);
    pid_t surv[2];
    int bad, st, killed;
    uint64_t v, lost, n = 0, ops_before;
    double t0 = kutil_now();
    kutil_create(kp, "stackcr", SHMGEN_KIND_STACK, 8, CAPACITY);
    surv[0] = kutil_spawn(kp, worker, 0, sh);
    surv[1] = kutil_spawn(kp, worker, 1, sh);
    killed = kutil_kill_loop(kp, worker, sh, KILLS, 3000, 0xBADC0DE, &bad);
    ops_before = atomic_load(&sh->survivor_ops);
    for (int i = 0; i < 1000 && atomic_load(&sh->survivor_ops) <= ops_before; i++) usleep(10 * 1000); /* no timing assertion: up to 10 s */
    cr_assert_gt(atomic_load(&sh->survivor_ops), ops_before, "survivors are stuck");
    atomic_store(&sh->stop, 1);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(waitpid(surv[i], &st, 0), surv[i]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    cr_assert_eq(bad, 0);
    cr_assert_geq(killed, KILLS * 9 / 10);
    cr_assert_geq(shmgen_segment_recover(kp->seg), 0);
    kutil_assert_attached(kp, 1);
    cr_assert_eq(shmgen_stack_bind(&s, kp->seg, &kp->info), 0);
    while (shmgen_stack_pop(&s, &v) == 0) got(sh, v);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(shmgen_stack_size(&s), 0);
    lost = kutil_count_andnot(sh->push_ok, sh->pop_seen, MAX_TICKETS);
    for (v = 0; shmgen_stack_push(&s, &v) == 0; v++) n++;
    cr_log_info("stack crash: %d kills, %llu tickets, %llu lost, %llu/%u nodes after recovery, %.2f s", killed,
                (unsigned long long)atomic_load(&sh->next_ticket), (unsigned long long)lost, (unsigned long long)n,
                CAPACITY, kutil_now() - t0);
    cr_assert_leq(lost, (uint64_t)killed);
    cr_assert_eq(n, CAPACITY, "recovery left %llu of %u nodes", (unsigned long long)n, CAPACITY);
    cr_assert_eq(shmgen_stack_size(&s), CAPACITY);
    for (uint64_t i = CAPACITY; i-- > 0;) {
        cr_assert_eq(shmgen_stack_pop(&s, &v), 0);
        cr_assert_eq(v, i);
    }
    cr_assert_eq(shmgen_stack_pop(&s, &v), SHMGEN_EMPTY);
    kutil_destroy(kp);
    kutil_shared_free(sh, sizeof *sh);
}
