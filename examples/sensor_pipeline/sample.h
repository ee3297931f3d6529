/*
 * SPDX-License-Identifier: MIT
 *
 * sample.h — the synthetic sensor signal of sensor_pipeline, shared by the
 * collector (which produces it), and the analytics reader and the launcher
 * (which check that every processed reading matches the sample it came
 * from).  Depends on the generated sensors.h.
 */
#ifndef SENSORS_SAMPLE_H
#define SENSORS_SAMPLE_H

#include "sensors.h"

#define SENSORS_COUNT 4
#define SENSORS_BATCHES 200
#define SENSORS_BATCH 256

/* The sample with sequence number seq (deterministic: value depends on seq only). */
sensors_sample_t sensors_make_sample(uint32_t seq, uint64_t t_ns);

/* Whether r is exactly a processed form of sample r->seq (sensor and raw value). */
bool sensors_reading_matches(const sensors_reading_t *r);

/* Checks n readings: each matches its sample and seq strictly increases.
 * Returns how many break that. */
uint64_t sensors_check_readings(const sensors_reading_t *r, size_t n);

#endif /* SENSORS_SAMPLE_H */
