/*
 * SPDX-License-Identifier: MIT
 *
 * processor.c — the processor role of sensor_pipeline: the "processor"
 * subscriber of `raw`, reading each sample in place (read + release, no
 * copy).  It calibrates each sample with the newest `calibration` (loaded
 * whole when its version changes), smooths each sensor with an exponential
 * moving average and pushes the readings into `processed` (overwrite mode: a
 * window of the newest readings for the analytics).  It is slower than the
 * collector on purpose: under `lap` it loses samples, and its book shows
 * that what it received plus what the topic reported lost is every sample.
 *
 * Usage: sensors_processor SHM_NAME.  Exits 1 if a sample is wrong or out of
 * order.  Depends on sensors.h, sample.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

typedef struct filter_state {
    sensors_t *seg;
    sensors_calibration_t cal;
    uint64_t cal_version, cal_loads, cal_torn;
    double ema[SENSORS_COUNT];
    bool primed[SENSORS_COUNT];
    uint64_t next_seq, pushed;
    sensors_reading_t pending; /* of the sample being read */
} filter_state_t;

/* The newest calibration, when it changed since the last sample. */
static void refresh_calibration(filter_state_t *f)
{
    uint64_t version = sensors_calibration_version(f->seg);
    sensors_calibration_t c;
    if (version == f->cal_version || sensors_calibration_load(f->seg, &c, &version) != 0) return;
    if (!sensors_calibration_whole(&c)) {
        f->cal_torn++;
        return;
    }
    f->cal = c;
    f->cal_version = version;
    f->cal_loads++;
}

/* Reads a sample in place: the reading it would give, kept aside until the
 * sample is known to have stayed intact. */
static bool process(const sensors_sample_t *s, void *ctx)
{
    filter_state_t *f = ctx;
    uint16_t id = s->sensor_id % SENSORS_COUNT;
    sensors_reading_t *r = &f->pending;
    refresh_calibration(f);
    *r = (sensors_reading_t){.seq = s->seq, .sensor_id = s->sensor_id, .raw = s->value, .quality = 100};
    if (s->seq > f->next_seq) r->gap_before = true, r->quality = 50;
    double v = (s->value - f->cal.offset[id]) * f->cal.gain[id];
    r->filtered = f->primed[id] ? 0.9 * f->ema[id] + 0.1 * v : v;
    return sensors_sample_matches(s);
}

/* The sample stayed intact: its reading counts. */
static void keep(void *ctx)
{
    filter_state_t *f = ctx;
    const sensors_reading_t *r = &f->pending;
    uint16_t id = r->sensor_id % SENSORS_COUNT;
    f->ema[id] = r->filtered;
    f->primed[id] = true;
    f->next_seq = (uint64_t)r->seq + 1;
    if (sensors_processed_push_overwrite(f->seg, r) >= 0) f->pushed++;
    if (f->pushed % 128 == 0) ex_sleep_ms(1); /* processing is slower than sampling: it laps */
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    int rc;
    sensors_t *seg = sensors_attach("processor", argc, argv, &rc);
    if (!seg) return rc;
    static filter_state_t f;
    f.seg = seg;
    f.cal = sensors_make_calibration(0);
    sensors_handler_t h = {process, keep, &f};
    rc = sensors_subscribe_and_run(seg, SENSORS_PROCESSOR, false, &h);
    sensors_processor_done_store(seg, true);
    const sensors_book_t *b = sensors_book(seg, SENSORS_PROCESSOR);
    printf("[processor pid %ld] read %llu samples in place, %llu lost (gaps seen: %llu), %llu readings pushed; "
           "calibration revision %u (%llu loads, %llu torn)\n",
           (long)getpid(), (unsigned long long)b->received, (unsigned long long)b->lost,
           (unsigned long long)b->gaps, (unsigned long long)f.pushed, f.cal.revision,
           (unsigned long long)f.cal_loads, (unsigned long long)f.cal_torn);
    bool ok = rc == 0 && b->bad == 0 && f.cal_torn == 0; /* b is in the segment: read before closing */
    return sensors_close(seg) == 0 && ok ? 0 : 1;
}
