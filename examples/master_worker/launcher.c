/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the master_worker example: creates the `workpool`
 * segment under a unique name, starts the master and WORKPOOL_WORKERS
 * workers, waits for them (bounded), and checks that every task's result was
 * collected exactly once (the master's verdict) and that the workers' own
 * counts add up to the same number.
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on workpool.h,
 * task.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "task.h"

/* Starts the master and the workers; false (all killed) if one fails to start. */
static bool start_roles(const char *name, ex_proc_t *procs)
{
    static char index[WORKPOOL_WORKERS][8];
    const char *master_args[] = {name, NULL};
    if (ex_spawn(&procs[0], "workpool_master", master_args) != 0) return false;
    for (int w = 0; w < WORKPOOL_WORKERS; w++) {
        snprintf(index[w], sizeof index[w], "%d", w);
        const char *args[] = {name, index[w], NULL};
        if (ex_spawn(&procs[1 + w], "workpool_worker", args) != 0) {
            for (int i = 0; i <= w; i++) ex_kill(&procs[i]);
            return false;
        }
    }
    return true;
}

static int check(workpool_t *seg)
{
    int failures = 0;
    uint32_t verified = workpool_results_verified_load(seg), bad = workpool_results_bad_load(seg);
    if (verified != WORKPOOL_TASKS || bad != 0)
        failures += ex_fail("master verified %u of %d results, %u bad", verified, WORKPOOL_TASKS, bad);
    uint32_t sum = 0;
    for (uint32_t w = 0; w < WORKPOOL_WORKERS; w++) sum += *workpool_worker_done_at(seg, w);
    if (sum != WORKPOOL_TASKS) failures += ex_fail("workers report %u tasks done, expected %d", sum, WORKPOOL_TASKS);
    if (workpool_workers_ready_load(seg) != WORKPOOL_WORKERS)
        failures += ex_fail("workers_ready is %u", workpool_workers_ready_load(seg));
    if (workpool_tasks_size(seg) != 0 || workpool_results_size(seg) != 0)
        failures += ex_fail("queues not empty: %llu tasks, %llu results", (unsigned long long)workpool_tasks_size(seg),
                            (unsigned long long)workpool_results_size(seg));
    return failures;
}

int main(void)
{
    ex_line_buffered();
    char name[96];
    ex_shm_name(name, sizeof name, "workpool");
    workpool_t *seg;
    int rc = workpool_create(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "create %s: %s\n", name, shmgen_strerror(rc));
        return 1;
    }
    printf("[launcher pid %ld] segment %s created; starting 1 master and %d workers\n", (long)getpid(), name,
           WORKPOOL_WORKERS);
    ex_proc_t procs[1 + WORKPOOL_WORKERS];
    int failures = 0;
    if (!start_roles(name, procs)) failures += ex_fail("could not start the roles");
    else if (ex_wait_all(procs, 1 + WORKPOOL_WORKERS, 30000) != 0)
        failures += ex_fail("a role process failed or timed out");
    failures += check(seg);
    (void)workpool_close(seg);
    if (failures) {
        printf("master_worker: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("master_worker: OK, %d tasks, every result collected exactly once\n", WORKPOOL_TASKS);
    return 0;
}
