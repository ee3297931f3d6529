/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the sensor_pipeline example: creates the `sensors`
 * segment, starts the three subscribers of `raw` (processor, analytics,
 * monitor) and the collector, waits for them (bounded), then checks the
 * books: for every subscriber, the samples it received intact plus the ones
 * the topic told it were lost are exactly the samples published since it
 * subscribed, the holes it saw in the sequence numbers are exactly those
 * losses, and nothing it read was wrong; every calibration revision was
 * stored; the readings still in `processed` increase and each matches a
 * sample.
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on sensors.h,
 * sample.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

#define U(x) ((unsigned long long)(x))

static int check_book(sensors_t *seg, int role, uint64_t published)
{
    const sensors_book_t *b = sensors_book(seg, role);
    uint64_t received = b->received, lost = b->lost, gaps = b->gaps, first = b->first;
    int failures = 0;
    printf("[launcher] %-9s received %6llu + lost %6llu = %6llu of %llu published since it subscribed; gaps seen %llu\n",
           sensors_role_names[role], U(received), U(lost), U(received + lost), U(published - first), U(gaps));
    if (received + lost != published - first) failures += ex_fail("%s: received + lost != published", sensors_role_names[role]);
    if (gaps != lost) failures += ex_fail("%s: saw %llu holes, the topic reported %llu lost", sensors_role_names[role], U(gaps), U(lost));
    if (b->bad != 0) failures += ex_fail("%s: %llu samples or readings matched nothing", sensors_role_names[role], U(b->bad));
    if (received == 0) failures += ex_fail("%s received nothing", sensors_role_names[role]);
    return failures;
}

static int check_calibration(sensors_t *seg)
{
    sensors_calibration_t c;
    uint64_t version = 0;
    int failures = 0;
    if (sensors_calibration_load(seg, &c, &version) != 0) return ex_fail("no calibration stored");
    printf("[launcher] calibration: revision %u, version %llu, whole: %s\n", c.revision, U(version),
           sensors_calibration_whole(&c) ? "yes" : "NO");
    if (c.revision != SENSORS_REVISIONS || version != SENSORS_REVISIONS || !sensors_calibration_whole(&c))
        failures += ex_fail("the last calibration is not revision %d, stored %d times", SENSORS_REVISIONS,
                            SENSORS_REVISIONS);
    return failures;
}

static int check(sensors_t *seg)
{
    uint64_t published = sensors_raw_published(seg);
    int failures = 0;
    if (published != (uint64_t)SENSORS_BATCHES * SENSORS_BATCH) failures += ex_fail("published %llu samples", U(published));
    for (int role = 0; role < SENSORS_ROLES; role++) failures += check_book(seg, role, published);
    if (sensors_raw_evictions(seg) != 0) failures += ex_fail("a lap topic evicted a subscriber");
    failures += check_calibration(seg);

    static sensors_reading_t rest[1024];
    size_t n = sensors_processed_last_n(seg, rest, 1024);
    uint64_t bad = sensors_check_readings(rest, n);
    if (n == 0 || bad != 0) failures += ex_fail("%llu of the %zu newest readings are wrong", U(bad), n);
    if (sensors_processed_pushed(seg) != sensors_book(seg, SENSORS_PROCESSOR)->received)
        failures += ex_fail("processed ring: %llu readings pushed for %llu samples kept", U(sensors_processed_pushed(seg)),
                            U(sensors_book(seg, SENSORS_PROCESSOR)->received));
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
    printf("[launcher pid %ld] segment %s created: raw topic of %llu samples for %u subscribers (lap), "
           "processed ring of %llu readings, a latest calibration\n",
           (long)getpid(), name, U(sensors_raw_capacity(seg)), sensors_raw_max_subscribers(seg),
           U(sensors_processed_capacity(seg)));
    const char *roles[] = {"sensors_processor", "sensors_analytics", "sensors_monitor", "sensors_collector"};
    const char *args[] = {name, NULL};
    ex_proc_t procs[4];
    int failures = 0;
    for (int i = 0; i < 4 && !failures; i++) {
        if (ex_spawn(&procs[i], roles[i], args) != 0) {
            for (int j = 0; j < i; j++) ex_kill(&procs[j]);
            failures += ex_fail("cannot start %s", roles[i]);
        }
    }
    if (!failures && ex_wait_all(procs, 4, 30000) != 0) failures += ex_fail("a role process failed or timed out");
    failures += check(seg);
    (void)sensors_close(seg);
    if (failures) {
        printf("sensor_pipeline: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("sensor_pipeline: OK, every sample received or reported lost by each of 3 subscribers, every reading "
           "matches its sample\n");
    return 0;
}
