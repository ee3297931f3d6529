/*
 * SPDX-License-Identifier: MIT
 *
 * collector.c — the collector role of sensor_pipeline: waits until the three
 * subscribers of `raw` are there, then publishes SENSORS_BATCHES batches of
 * SENSORS_BATCH samples, each written in place into the slot the topic lends
 * (loan + publish: no copy).  The topic is `lap`: a sensor cannot wait, so a
 * subscriber that falls behind loses the oldest samples and is told how
 * many.  Between batches it revises the `calibration` (a latest value) five
 * times; readers load it whole, never torn.  Then raises `collector_done`.
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

/* The subscriber records in use (what `shmgen inspect` lists). */
static unsigned subscribers(sensors_t *seg)
{
    shmgen_topic_sub_info_t info;
    unsigned n = 0;
    for (uint32_t i = 0; i < sensors_raw_max_subscribers(seg); i++) n += sensors_raw_subscriber_at(seg, i, &info) == 0;
    return n;
}

static int publish_batch(sensors_t *seg, uint32_t *seq)
{
    uint64_t t = now_ns();
    for (int i = 0; i < SENSORS_BATCH; i++) {
        sensors_sample_t *slot;
        int rc = sensors_raw_loan(seg, &slot);
        if (rc != 0) return rc;
        *slot = sensors_make_sample((*seq)++, t); /* written where the subscribers will read it */
        if ((rc = sensors_raw_publish(seg)) != 0) return rc;
    }
    return 0;
}

static int store_calibration(sensors_t *seg, uint32_t revision)
{
    sensors_calibration_t c = sensors_make_calibration(revision);
    return sensors_calibration_store(seg, &c);
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    int rc;
    sensors_t *seg = sensors_attach("collector", argc, argv, &rc);
    if (!seg) return rc;
    uint64_t deadline = ex_now_ms() + SENSORS_WAIT_MS;
    while (subscribers(seg) < SENSORS_ROLES && ex_now_ms() < deadline) ex_sleep_ms(1);
    printf("[collector pid %ld] %u subscribers on raw; publishing\n", (long)getpid(), subscribers(seg));
    uint32_t seq = 0, revision = 1;
    rc = store_calibration(seg, revision);
    for (int b = 0; b < SENSORS_BATCHES && rc == 0; b++) {
        rc = publish_batch(seg, &seq);
        if (rc == 0 && (b + 1) % (SENSORS_BATCHES / SENSORS_REVISIONS) == 0 && revision < SENSORS_REVISIONS)
            rc = store_calibration(seg, ++revision);
        ex_sleep_ms(1);
    }
    sensors_collector_done_store(seg, true);
    if (rc != 0) fprintf(stderr, "collector: %s\n", shmgen_strerror(rc));
    printf("[collector pid %ld] published %llu samples in %d batches of %d, zero copy; %u calibrations\n",
           (long)getpid(), (unsigned long long)sensors_raw_published(seg), SENSORS_BATCHES, SENSORS_BATCH, revision);
    return sensors_close(seg) == 0 && rc == 0 ? 0 : 1;
}
