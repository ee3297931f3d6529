/*
 * SPDX-License-Identifier: MIT
 *
 * sample.h — what the roles of sensor_pipeline share: the synthetic sensor
 * signal (made by the collector, checked by everyone who reads it), the
 * calibrations the collector publishes, the subscriber roles and their books,
 * and the loop every subscriber runs over the `raw` topic.  Depends on the
 * generated sensors.h.
 */
#ifndef SENSORS_SAMPLE_H
#define SENSORS_SAMPLE_H

#include "sensors.h"

#define SENSORS_COUNT 4
#define SENSORS_BATCHES 200
#define SENSORS_BATCH 256
#define SENSORS_REVISIONS 5 /* calibrations the collector stores, 1..5 */
#define SENSORS_WAIT_MS 10000

/* The subscribers of `raw`, by their index in `books`. */
enum { SENSORS_PROCESSOR, SENSORS_ANALYTICS, SENSORS_MONITOR, SENSORS_ROLES };
extern const char *const sensors_role_names[SENSORS_ROLES];

/* The sample with sequence number seq (deterministic: value depends on seq only). */
sensors_sample_t sensors_make_sample(uint32_t seq, uint64_t t_ns);

/* Whether s is exactly what the collector made for s->seq. */
bool sensors_sample_matches(const sensors_sample_t *s);

/* Whether r is exactly a processed form of sample r->seq (sensor and raw value). */
bool sensors_reading_matches(const sensors_reading_t *r);

/* Checks n readings: each matches its sample and seq strictly increases.
 * Returns how many break that. */
uint64_t sensors_check_readings(const sensors_reading_t *r, size_t n);

/* Calibration `revision` (with its check word) and whether c is whole. */
sensors_calibration_t sensors_make_calibration(uint32_t revision);
bool sensors_calibration_whole(const sensors_calibration_t *c);

/* Checks the command line (argv[1]: the segment's name) and opens the
 * segment for `role`; NULL after printing why not (*exit_code: 2 for a
 * usage error, 1 for a failed open). */
sensors_t *sensors_attach(const char *role, int argc, char **argv, int *exit_code);

/* The book of a role (its element of `books`). */
sensors_book_t *sensors_book(sensors_t *seg, int role);

/* What a subscriber does with a sample: `read` looks at it (in place when
 * reading zero copy: it may be overwritten meanwhile, so it must not act on
 * it yet) and says whether it matched what the collector made; `kept` (may
 * be NULL) is called after it, once the sample is known to have stayed
 * intact: then its result may be used. */
typedef struct sensors_handler {
    bool (*read)(const sensors_sample_t *s, void *ctx);
    void (*kept)(void *ctx);
    void *ctx;
} sensors_handler_t;

/* One subscriber's pass over `raw`: subscribe as `role`, record the start
 * position, then hand every intact sample to h until the collector is done
 * and nothing is left.  take == true reads by copy (take_wait), false zero
 * copy (read, h->read, release: a sample the publisher overwrote meanwhile
 * is discarded, and the topic counts it lost).  Gaps in the sequence
 * numbers, the topic's lost counter and samples that matched nothing go to
 * the role's book.  Returns 0, or -1 with a message on stderr. */
int sensors_subscribe_and_run(sensors_t *seg, int role, bool take, const sensors_handler_t *h);

#endif /* SENSORS_SAMPLE_H */
