/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the sensor_pipeline example: creates the `sensors`
 * segment, starts the collector, the processor and the analytics reader,
 * waits for them (bounded), then checks the books: every sample sent was
 * either received by the processor or dropped by the raw ring (never both),
 * the gaps the processor saw are exactly the drops, and the readings still
 * in `processed` have increasing sequence numbers and each matches a sample.
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on sensors.h,
 * sample.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

#define U(x) ((unsigned long long)(x))

static int check(sensors_t *seg)
{
    uint64_t sent = sensors_samples_sent_load(seg), received = sensors_samples_received_load(seg);
    uint64_t dropped = sensors_raw_dropped(seg), missed = sensors_samples_missed_load(seg);
    uint64_t pushed = sensors_readings_pushed_load(seg);
    int failures = 0;
    printf("[launcher] sent %llu = received %llu + dropped %llu; gaps seen by the processor: %llu\n", U(sent),
           U(received), U(dropped), U(missed));
    if (sent != (uint64_t)SENSORS_BATCHES * SENSORS_BATCH) failures += ex_fail("sent %llu samples", U(sent));
    if (received + dropped != sent) failures += ex_fail("received + dropped != sent");
    if (missed != dropped) failures += ex_fail("the processor saw %llu gaps, the ring dropped %llu", U(missed), U(dropped));
    if (sensors_raw_size(seg) != 0) failures += ex_fail("samples left in the raw ring");
    if (sensors_analytics_bad_load(seg) != 0) failures += ex_fail("analytics saw readings matching no sample");

    static sensors_reading_t rest[1024];
    size_t n = sensors_processed_last_n(seg, rest, 1024);
    uint64_t bad = sensors_check_readings(rest, n);
    if (n == 0 || bad != 0) failures += ex_fail("%llu of the %zu newest readings are wrong", U(bad), n);
    if (sensors_processed_size(seg) + sensors_processed_dropped(seg) != pushed)
        failures += ex_fail("processed ring: size + dropped != readings pushed");
    if (n > 0 && rest[n - 1].seq != sent - 1) failures += ex_fail("the newest sample was not processed");
    return failures;
}

int main(void)
{
    ex_line_buffered();
    char name[96];
    ex_shm_name(name, sizeof name, "sensors");
    sensors_t *seg;
    int rc = sensors_create(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "create %s: %s\n", name, shmgen_strerror(rc));
        return 1;
    }
    printf("[launcher pid %ld] segment %s created: raw ring %llu samples, processed ring %llu readings\n",
           (long)getpid(), name, U(sensors_raw_capacity(seg)), U(sensors_processed_capacity(seg)));
    const char *roles[] = {"sensors_analytics", "sensors_processor", "sensors_collector"};
    const char *args[] = {name, NULL};
    ex_proc_t procs[3];
    int failures = 0;
    for (int i = 0; i < 3 && !failures; i++) {
        if (ex_spawn(&procs[i], roles[i], args) != 0) {
            for (int j = 0; j < i; j++) ex_kill(&procs[j]);
            failures += ex_fail("cannot start %s", roles[i]);
        }
    }
    if (!failures && ex_wait_all(procs, 3, 30000) != 0) failures += ex_fail("a role process failed or timed out");
    failures += check(seg);
    (void)sensors_close(seg);
    if (failures) {
        printf("sensor_pipeline: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("sensor_pipeline: OK, every sample accounted for, every reading matches its sample\n");
    return 0;
}
