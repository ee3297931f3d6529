/*
 * SPDX-License-Identifier: MIT
 *
 * worker.c — a worker role of master_worker: announces itself in
 * `workers_ready`, then takes tasks from `tasks` (blocking with a timeout),
 * computes them and sends results to `results`, until `shutdown` is raised
 * and no task is left.  Records its own count in worker_done[INDEX].
 *
 * Usage: workpool_worker SHM_NAME INDEX.  Depends on workpool.h, task.h,
 * ex_launch.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ex_launch.h"
#include "task.h"

/* Processes tasks until shutdown; returns how many, or -1 on an error. */
static long work(workpool_t *seg, uint32_t index)
{
    const struct timespec simulated_work = {.tv_sec = 0, .tv_nsec = 100000};
    long done = 0;
    for (;;) {
        bool stop = workpool_shutdown_load(seg);
        workpool_task_t task;
        int rc = workpool_tasks_dequeue_wait(seg, &task, 50);
        if (rc == SHMGEN_TIMEOUT || rc == SHMGEN_EMPTY) {
            if (stop) return done;
            continue;
        }
        if (rc != 0) return -1;
        workpool_result_t r = {.id = task.id, .worker = index, .value = workpool_compute(&task)};
        nanosleep(&simulated_work, NULL); /* so that every worker gets a share */
        if (workpool_results_enqueue_wait(seg, &r, 5000) != 0) return -1;
        done++;
        uint32_t count = (uint32_t)done;
        if (workpool_worker_done_set(seg, index, &count) != 0) return -1;
    }
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHM_NAME INDEX\n", argv[0]);
        return 2;
    }
    uint32_t index = (uint32_t)strtoul(argv[2], NULL, 10);
    workpool_t *seg;
    int rc = workpool_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "worker: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    workpool_workers_ready_fetch_add(seg, 1);
    long done = work(seg, index);
    if (done >= 0) printf("[worker %u pid %ld] computed %ld tasks\n", index, (long)getpid(), done);
    else fprintf(stderr, "worker %u: queue error\n", index);
    return workpool_close(seg) == 0 && done >= 0 ? 0 : 1;
}
