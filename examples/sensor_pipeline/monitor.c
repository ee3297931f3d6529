/*
 * SPDX-License-Identifier: MIT
 *
 * monitor.c — the monitor role of sensor_pipeline: the "monitor" subscriber
 * of `raw`.  It takes every sample it can (checking each), watches the
 * `calibration` for new revisions (a wait with no timeout after each
 * sample: 0 when the version moved) and checks each one it loads is whole,
 * and now and then prints every subscriber of `raw` as `shmgen inspect`
 * would: name, pid, position, lag and losses.
 *
 * Usage: sensors_monitor SHM_NAME.  Depends on sensors.h, sample.h,
 * ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

typedef struct monitor {
    sensors_t *seg;
    uint64_t samples, cal_seen, revisions, torn;
    uint32_t last_revision;
} monitor_t;

static void print_subscribers(sensors_t *seg)
{
    char line[512];
    int len = snprintf(line, sizeof line, "[monitor   pid %ld] raw: %llu published;", (long)getpid(),
                       (unsigned long long)sensors_raw_published(seg));
    for (uint32_t i = 0; i < sensors_raw_max_subscribers(seg) && len > 0 && (size_t)len < sizeof line; i++) {
        shmgen_topic_sub_info_t s;
        if (sensors_raw_subscriber_at(seg, i, &s) != 0) continue;
        len += snprintf(line + len, sizeof line - (size_t)len, " %s (pid %ld) lag %llu lost %llu;", s.name,
                        (long)s.pid, (unsigned long long)s.lag, (unsigned long long)s.lost);
    }
    printf("%s\n", line);
}

/* A new calibration, if the version moved: loaded whole, revisions only grow. */
static void watch_calibration(monitor_t *m)
{
    sensors_calibration_t c;
    uint64_t version;
    if (sensors_calibration_wait(m->seg, m->cal_seen, 0) != 0) return; /* SHMGEN_TIMEOUT: unchanged */
    if (sensors_calibration_load(m->seg, &c, &version) != 0) return;
    m->cal_seen = version;
    if (!sensors_calibration_whole(&c) || c.revision < m->last_revision) m->torn++;
    else if (c.revision != m->last_revision) m->revisions++, m->last_revision = c.revision;
}

static bool take_sample(const sensors_sample_t *s, void *ctx)
{
    monitor_t *m = ctx;
    watch_calibration(m);
    if (++m->samples % 16384 == 0) print_subscribers(m->seg);
    return sensors_sample_matches(s);
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    int rc;
    sensors_t *seg = sensors_attach("monitor", argc, argv, &rc);
    if (!seg) return rc;
    static monitor_t m;
    m.seg = seg;
    sensors_handler_t h = {take_sample, NULL, &m};
    rc = sensors_subscribe_and_run(seg, SENSORS_MONITOR, true, &h);
    watch_calibration(&m);
    const sensors_book_t *b = sensors_book(seg, SENSORS_MONITOR);
    printf("[monitor   pid %ld] took %llu samples, %llu lost; saw calibration revisions up to %u (%llu changes, "
           "%llu torn)\n",
           (long)getpid(), (unsigned long long)b->received, (unsigned long long)b->lost, m.last_revision,
           (unsigned long long)m.revisions, (unsigned long long)m.torn);
    bool ok = rc == 0 && b->bad == 0 && m.torn == 0; /* b is in the segment: read before closing */
    return sensors_close(seg) == 0 && ok ? 0 : 1;
}
