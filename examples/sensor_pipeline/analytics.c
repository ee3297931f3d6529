/*
 * SPDX-License-Identifier: MIT
 *
 * analytics.c — the analytics role of sensor_pipeline: the "analytics"
 * subscriber of `raw`, taking copies of the samples (take) and keeping
 * per-sensor means, and a reader of `processed` that never consumes: every
 * 2048 samples it copies the newest 256 readings with last_n and checks
 * that their sequence numbers increase and that each matches the sample it
 * came from.  Mismatches go to its book.
 *
 * Usage: sensors_analytics SHM_NAME.  Depends on sensors.h, sample.h,
 * ex_launch.h.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

#define WINDOW 256

typedef struct analytics {
    sensors_t *seg;
    double sum[SENSORS_COUNT];
    uint64_t count[SENSORS_COUNT], samples, snapshots, readings_checked, readings_bad;
} analytics_t;

/* The newest readings of `processed`, checked without consuming them. */
static void check_processed(analytics_t *a)
{
    static sensors_reading_t window[WINDOW];
    size_t n = sensors_processed_last_n(a->seg, window, WINDOW);
    a->readings_bad += sensors_check_readings(window, n);
    a->readings_checked += n;
    a->snapshots++;
    if (n > 0 && a->snapshots % 8 == 1)
        printf("[analytics pid %ld] snapshot %llu: newest %zu readings, seq %u..%u, sensor 0 mean %.1f\n",
               (long)getpid(), (unsigned long long)a->snapshots, n, window[0].seq, window[n - 1].seq,
               a->count[0] ? a->sum[0] / (double)a->count[0] : 0.0);
}

static bool take_sample(const sensors_sample_t *s, void *ctx)
{
    analytics_t *a = ctx;
    a->sum[s->sensor_id % SENSORS_COUNT] += s->value;
    a->count[s->sensor_id % SENSORS_COUNT]++;
    if (++a->samples % 2048 == 0) check_processed(a);
    return sensors_sample_matches(s);
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    int rc;
    sensors_t *seg = sensors_attach("analytics", argc, argv, &rc);
    if (!seg) return rc;
    static analytics_t a;
    a.seg = seg;
    sensors_handler_t h = {take_sample, NULL, &a};
    rc = sensors_subscribe_and_run(seg, SENSORS_ANALYTICS, true, &h);
    /* one more look once the processor is done: the final window */
    uint64_t deadline = ex_now_ms() + SENSORS_WAIT_MS;
    while (!sensors_processor_done_load(seg) && ex_now_ms() < deadline) ex_sleep_ms(1);
    check_processed(&a);
    sensors_book_t *b = sensors_book(seg, SENSORS_ANALYTICS);
    atomic_fetch_add(&b->bad, a.readings_bad);
    printf("[analytics pid %ld] took %llu samples, %llu lost; %llu last_n snapshots, %llu readings checked, "
           "%llu not matching a sample\n",
           (long)getpid(), (unsigned long long)b->received, (unsigned long long)b->lost,
           (unsigned long long)a.snapshots, (unsigned long long)a.readings_checked,
           (unsigned long long)a.readings_bad);
    bool ok = rc == 0 && b->bad == 0; /* b is in the segment: read before closing */
    return sensors_close(seg) == 0 && ok ? 0 : 1;
}
