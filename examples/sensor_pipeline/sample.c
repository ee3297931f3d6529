/*
 * SPDX-License-Identifier: MIT
 *
 * sample.c — the synthetic sensor signal (see sample.h).
 */
#include "sample.h"

/* A sawtooth-with-noise per sensor, computed from integers so that every
 * process gets bit-identical doubles. */
static double sample_value(uint32_t seq)
{
    uint32_t sensor = seq % SENSORS_COUNT;
    uint32_t noise = (seq * 2654435761u) >> 24;           /* 0..255 */
    return 20.0 * sensor + (double)(seq / SENSORS_COUNT % 100) / 10.0 + (double)noise / 256.0;
}

sensors_sample_t sensors_make_sample(uint32_t seq, uint64_t t_ns)
{
    sensors_sample_t s = {.sensor_id = (uint16_t)(seq % SENSORS_COUNT), .seq = seq, .t_ns = t_ns};
    s.value = sample_value(seq);
    return s;
}

bool sensors_reading_matches(const sensors_reading_t *r)
{
    return r->sensor_id == r->seq % SENSORS_COUNT && r->raw == sample_value(r->seq);
}

uint64_t sensors_check_readings(const sensors_reading_t *r, size_t n)
{
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sensors_reading_matches(&r[i]) || (i > 0 && r[i].seq <= r[i - 1].seq)) bad++;
    }
    return bad;
}
