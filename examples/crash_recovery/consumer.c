/*
 * SPDX-License-Identifier: MIT
 *
 * consumer.c — the consumer role of crash_recovery: attaches (which repairs
 * whatever a killed predecessor left half-done), announces itself in
 * `consumers_started`, then takes jobs from `jobs` and marks each in
 * done[seq] until the producer is done and the queue is empty.  The launcher
 * SIGKILLs it at arbitrary moments.
 *
 * Usage: crashy_consumer SHM_NAME.  Exits 1 on a damaged job.  Depends on
 * crashy.h, job.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "crashy.h"
#include "ex_launch.h"
#include "job.h"

/* Consumes until the stream ends; returns the count, or -1 on a bad job. */
static long consume(crashy_t *seg)
{
    long taken = 0;
    for (;;) {
        bool finished = crashy_producer_done_load(seg);
        crashy_job_t job;
        int rc = crashy_jobs_dequeue_wait(seg, &job, 50);
        if (rc == SHMGEN_TIMEOUT || rc == SHMGEN_EMPTY) {
            if (finished) return taken;
            continue;
        }
        uint8_t *mark = rc == 0 ? crashy_done_at(seg, job.seq) : NULL;
        if (!mark || job.check != crashy_job_check(job.seq)) {
            fprintf(stderr, "consumer: bad job (rc %d, seq %llu)\n", rc, (unsigned long long)job.seq);
            return -1;
        }
        /* A kill between the dequeue above and this line loses this job:
         * the one element in flight. */
        (*mark)++;
        crashy_consumed_fetch_add(seg, 1);
        taken++;
    }
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    crashy_t *seg;
    int rc = crashy_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "consumer: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    crashy_consumers_started_fetch_add(seg, 1);
    long taken = consume(seg);
    if (taken >= 0)
        printf("[consumer pid %ld] attached after the kills and consumed the last %ld jobs\n", (long)getpid(), taken);
    return crashy_close(seg) == 0 && taken >= 0 ? 0 : 1;
}
