/*
 * SPDX-License-Identifier: MIT
 *
 * master.c — the master role of master_worker: waits until all workers are
 * ready, hands out WORKPOOL_TASKS tasks through `tasks` while collecting
 * `results`, checks that every task's result arrives exactly once with the
 * right value, then raises `shutdown`.  Publishes its verdict in
 * `results_verified` / `results_bad` for the launcher.
 *
 * Usage: workpool_master SHM_NAME.  Depends on workpool.h, task.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "task.h"

/* Collected results: which ids were seen and how many per worker. */
typedef struct tally {
    uint8_t seen[WORKPOOL_TASKS];
    uint32_t per_worker[WORKPOOL_WORKERS];
    uint32_t verified, bad;
} tally_t;

static void check_result(tally_t *t, const workpool_result_t *r)
{
    if (r->id >= WORKPOOL_TASKS || r->worker >= WORKPOOL_WORKERS || t->seen[r->id]) {
        t->bad++;
        return;
    }
    workpool_task_t task = workpool_make_task(r->id);
    t->seen[r->id] = 1;
    if (workpool_compute(&task) != r->value) {
        t->bad++;
        return;
    }
    t->verified++;
    t->per_worker[r->worker]++;
}

/* Waits (bounded) until every worker has attached and said so. */
static bool wait_for_workers(workpool_t *seg)
{
    uint64_t deadline = ex_now_ms() + 10000;
    while (workpool_workers_ready_load(seg) < WORKPOOL_WORKERS) {
        if (ex_now_ms() > deadline) return false;
        ex_sleep_ms(1);
    }
    return true;
}

/* Sends every task and collects every result; false on a timeout. */
static bool run_tasks(workpool_t *seg, tally_t *t)
{
    workpool_task_t batch[64];
    workpool_result_t results[64];
    uint32_t next = 0, collected = 0;
    uint64_t deadline = ex_now_ms() + 20000;
    while (collected < WORKPOOL_TASKS && ex_now_ms() < deadline) {
        size_t n = 0;
        while (n < 64 && next + n < WORKPOOL_TASKS) {
            batch[n] = workpool_make_task(next + (uint32_t)n);
            n++;
        }
        next += (uint32_t)workpool_tasks_enqueue_bulk(seg, batch, n);
        size_t got = workpool_results_dequeue_bulk(seg, results, 64);
        for (size_t i = 0; i < got; i++) check_result(t, &results[i]);
        collected += (uint32_t)got;
        if (got == 0) (void)workpool_results_wait_data(seg, 10); /* nothing back yet: doze */
    }
    return collected == WORKPOOL_TASKS;
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    workpool_t *seg;
    int rc = workpool_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "master: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    static tally_t t;
    bool ok = wait_for_workers(seg);
    if (!ok) fprintf(stderr, "master: workers never became ready\n");
    if (ok) printf("[master pid %ld] %d workers ready, sending %d tasks\n", (long)getpid(), WORKPOOL_WORKERS,
                   WORKPOOL_TASKS);
    ok = ok && run_tasks(seg, &t);
    workpool_shutdown_store(seg, true);
    workpool_results_verified_store(seg, t.verified);
    workpool_results_bad_store(seg, t.bad);
    printf("[master pid %ld] collected %u results (%u bad); per worker: %u %u %u %u\n", (long)getpid(),
           t.verified + t.bad, t.bad, t.per_worker[0], t.per_worker[1], t.per_worker[2], t.per_worker[3]);
    (void)workpool_close(seg);
    return ok && t.bad == 0 && t.verified == WORKPOOL_TASKS ? 0 : 1;
}
