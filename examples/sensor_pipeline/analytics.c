/*
 * SPDX-License-Identifier: MIT
 *
 * analytics.c — the analytics role of sensor_pipeline: a reader that never
 * consumes.  Every 20 ms it copies the newest 256 readings of `processed`
 * with last_n, checks that their sequence numbers increase and that each
 * matches the sample it came from, and prints per-sensor averages now and
 * then.  Counts mismatches in `analytics_bad`.
 *
 * Usage: sensors_analytics SHM_NAME.  Depends on sensors.h, sample.h,
 * ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

#define WINDOW 256

static void print_means(const sensors_reading_t *r, size_t n, unsigned snapshot)
{
    double sum[SENSORS_COUNT] = {0};
    unsigned cnt[SENSORS_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        sum[r[i].sensor_id % SENSORS_COUNT] += r[i].filtered;
        cnt[r[i].sensor_id % SENSORS_COUNT]++;
    }
    printf("[analytics pid %ld] snapshot %u: newest %zu readings, seq %u..%u, means", (long)getpid(), snapshot, n,
           r[0].seq, r[n - 1].seq);
    for (int s = 0; s < SENSORS_COUNT; s++) printf(" s%d=%.1f", s, cnt[s] ? sum[s] / cnt[s] : 0.0);
    printf("\n");
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
        fprintf(stderr, "analytics: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    static sensors_reading_t window[WINDOW];
    unsigned snapshots = 0, printed = 0;
    uint64_t bad = 0, checked = 0;
    bool last = false;
    while (!last) {
        last = sensors_processor_done_load(seg); /* one more snapshot after the processor ends */
        size_t n = sensors_processed_last_n(seg, window, WINDOW);
        if (n > 0) {
            bad += sensors_check_readings(window, n);
            checked += n;
            snapshots++;
            if (snapshots % 8 == 1 && printed < 3) {
                print_means(window, n, snapshots);
                printed++;
            }
        }
        if (!last) ex_sleep_ms(20);
    }
    sensors_analytics_bad_store(seg, bad);
    printf("[analytics pid %ld] %u last_n snapshots, %llu readings checked, %llu not matching a sample\n",
           (long)getpid(), snapshots, (unsigned long long)checked, (unsigned long long)bad);
    return sensors_close(seg) == 0 && bad == 0 ? 0 : 1;
}
