/*
 * SPDX-License-Identifier: MIT
 *
 * collector.c — the collector role of sensor_pipeline: produces
 * SENSORS_BATCHES batches of SENSORS_BATCH samples, pushing each batch into
 * the `raw` ring in overwrite mode (a sensor cannot wait: when the processor
 * lags, the oldest unprocessed samples are dropped and counted), then raises
 * `collector_done`.
 *
 * Usage: sensors_collector SHM_NAME.  Depends on sensors.h, sample.h,
 * ex_launch.h.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    sensors_t *seg;
    int rc = sensors_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "collector: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    uint32_t seq = 0;
    uint64_t overwritten = 0;
    for (int b = 0; b < SENSORS_BATCHES && rc >= 0; b++) {
        sensors_sample_t batch[SENSORS_BATCH];
        uint64_t t = now_ns();
        for (int i = 0; i < SENSORS_BATCH; i++) batch[i] = sensors_make_sample(seq++, t);
        for (int i = 0; i < SENSORS_BATCH && rc >= 0; i++) {
            rc = sensors_raw_push_overwrite(seg, &batch[i]); /* 1: the oldest sample was dropped */
            overwritten += rc == 1;
        }
        sensors_samples_sent_store(seg, seq);
        ex_sleep_ms(1);
    }
    sensors_collector_done_store(seg, true);
    if (rc < 0) fprintf(stderr, "collector: push_overwrite: %s\n", shmgen_strerror(rc));
    printf("[collector pid %ld] sent %u samples in %d batches of %d; %llu oldest samples overwritten "
           "(ring's dropped counter: %llu)\n",
           (long)getpid(), seq, SENSORS_BATCHES, SENSORS_BATCH, (unsigned long long)overwritten,
           (unsigned long long)sensors_raw_dropped(seg));
    return sensors_close(seg) == 0 && rc >= 0 ? 0 : 1;
}
