/*
 * SPDX-License-Identifier: MIT
 *
 * processor.c — the processor role of sensor_pipeline: pops samples from
 * `raw` in bulk, checks their sequence numbers increase (a gap is a sample
 * the collector overwrote), smooths each sensor with an exponential moving
 * average and pushes the readings into `processed` (overwrite mode: it is a
 * window of the newest readings for the analytics).
 *
 * Usage: sensors_processor SHM_NAME.  Exits 1 if a sequence number goes
 * backwards.  Depends on sensors.h, sample.h, ex_launch.h.
 */
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "sample.h"

typedef struct filter_state {
    double ema[SENSORS_COUNT];
    bool primed[SENSORS_COUNT];
    uint64_t next_seq, received, missed, backwards;
} filter_state_t;

static sensors_reading_t process(filter_state_t *f, const sensors_sample_t *s)
{
    sensors_reading_t r = {.seq = s->seq, .sensor_id = s->sensor_id, .raw = s->value, .quality = 100};
    if (s->seq < f->next_seq) f->backwards++;
    else if (s->seq > f->next_seq) {
        f->missed += s->seq - f->next_seq;
        r.gap_before = true;
        r.quality = 50;
    }
    f->next_seq = (uint64_t)s->seq + 1;
    uint16_t id = s->sensor_id % SENSORS_COUNT;
    f->ema[id] = f->primed[id] ? 0.9 * f->ema[id] + 0.1 * s->value : s->value;
    f->primed[id] = true;
    r.filtered = f->ema[id];
    return r;
}

/* Runs until the collector is done and `raw` is drained. */
static void run(sensors_t *seg, filter_state_t *f)
{
    sensors_sample_t in[128];
    for (;;) {
        bool finished = sensors_collector_done_load(seg);
        size_t n = sensors_raw_pop_bulk(seg, in, 128);
        if (n == 0) {
            if (finished) return;
            (void)sensors_raw_wait_data(seg, 20);
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            sensors_reading_t r = process(f, &in[i]);
            (void)sensors_processed_push_overwrite(seg, &r);
        }
        f->received += n;
        sensors_samples_received_store(seg, f->received);
        sensors_samples_missed_store(seg, f->missed);
        sensors_readings_pushed_store(seg, f->received);
        ex_sleep_ms(1); /* processing is slower than sampling: the ring overflows */
    }
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
        fprintf(stderr, "processor: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    static filter_state_t f;
    run(seg, &f);
    sensors_processor_done_store(seg, true);
    printf("[processor pid %ld] received %llu samples in bulk, %llu missing from the sequence, %llu out of order; "
           "pushed %llu readings\n",
           (long)getpid(), (unsigned long long)f.received, (unsigned long long)f.missed,
           (unsigned long long)f.backwards, (unsigned long long)f.received);
    return sensors_close(seg) == 0 && f.backwards == 0 ? 0 : 1;
}
