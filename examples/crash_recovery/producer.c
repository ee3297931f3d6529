/*
 * SPDX-License-Identifier: MIT
 *
 * producer.c — the producer role of crash_recovery: enqueues COUNT jobs
 * (numbered 0..COUNT-1, each with a check word) into `jobs`, blocking while
 * the queue is full — which it is whenever the consumer has just been
 * killed.  It raises `producer_done` only once the launcher has made all
 * its kills (`kills_done`), so the stream cannot end before the last kill.
 *
 * Usage: crashy_producer SHM_NAME COUNT.  Depends on crashy.h, job.h,
 * ex_launch.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "crashy.h"
#include "ex_launch.h"
#include "job.h"

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHM_NAME COUNT\n", argv[0]);
        return 2;
    }
    uint64_t count = strtoull(argv[2], NULL, 10);
    crashy_t *seg;
    int rc = crashy_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "producer: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    if (count > crashy_done_capacity(seg)) count = crashy_done_capacity(seg);
    unsigned blocked = 0;
    for (uint64_t seq = 0; seq < count && rc == 0; seq++) {
        crashy_job_t job = {.seq = seq, .producer = (uint32_t)getpid(), .check = crashy_job_check(seq)};
        rc = crashy_jobs_enqueue(seg, &job);
        if (rc == SHMGEN_FULL) {
            blocked++;
            rc = crashy_jobs_enqueue_wait(seg, &job, 10000);
        }
        if (rc == 0) crashy_produced_store(seg, seq + 1);
    }
    if (rc != 0) fprintf(stderr, "producer: enqueue: %s\n", shmgen_strerror(rc));
    uint64_t deadline = ex_now_ms() + 20000;
    while (!crashy_kills_done_load(seg) && ex_now_ms() < deadline) ex_sleep_ms(1);
    crashy_producer_done_store(seg, true);
    printf("[producer pid %ld] produced %llu jobs; waited on a full queue %u times\n", (long)getpid(),
           (unsigned long long)crashy_produced_load(seg), blocked);
    return crashy_close(seg) == 0 && rc == 0 ? 0 : 1;
}
