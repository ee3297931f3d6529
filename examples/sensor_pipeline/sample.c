/*
 * SPDX-License-Identifier: MIT
 *
 * sample.c — the synthetic sensor signal, the calibrations, and the
 * subscriber loop of sensor_pipeline (see sample.h).
 */
#include "sample.h"

#include <stdatomic.h>
#include <stdio.h>

const char *const sensors_role_names[SENSORS_ROLES] = {"processor", "analytics", "monitor"};

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

bool sensors_sample_matches(const sensors_sample_t *s)
{
    return s->sensor_id == s->seq % SENSORS_COUNT && s->flags == 0 && s->value == sample_value(s->seq);
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

static uint64_t calibration_check(const sensors_calibration_t *c)
{
    uint64_t h = 1469598103934665603u ^ c->revision;
    for (int i = 0; i < SENSORS_COUNT; i++)
        h = (h ^ (uint64_t)(c->offset[i] * 1000.0) ^ ((uint64_t)(c->gain[i] * 1000.0) << 20)) * 1099511628211u;
    return h;
}

sensors_calibration_t sensors_make_calibration(uint32_t revision)
{
    sensors_calibration_t c = {.revision = revision};
    for (int i = 0; i < SENSORS_COUNT; i++) {
        c.offset[i] = 0.5 * revision + i;
        c.gain[i] = 1.0 + 0.01 * revision;
    }
    c.check = calibration_check(&c);
    return c;
}

bool sensors_calibration_whole(const sensors_calibration_t *c)
{
    return c->check == calibration_check(c);
}

sensors_t *sensors_attach(const char *role, int argc, char **argv, int *exit_code)
{
    sensors_t *seg = NULL;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        *exit_code = 2;
        return NULL;
    }
    if ((rc = sensors_open(argv[1], NULL, &seg)) != 0) {
        fprintf(stderr, "%s: open %s: %s %s\n", role, argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        *exit_code = 1;
        return NULL;
    }
    *exit_code = 0;
    return seg;
}

sensors_book_t *sensors_book(sensors_t *seg, int role)
{
    return sensors_books_at(seg, (uint64_t)role);
}

/* ---- the subscriber loop --------------------------------------------------- */

typedef struct run {
    sensors_t *seg;
    sensors_book_t *book;
    sensors_raw_sub_t sub;
    uint64_t next_seq;
} run_t;

/* Books one intact sample: the gap before it, and whether it matched. */
static void account(run_t *r, const sensors_sample_t *s, bool ok)
{
    if (s->seq > r->next_seq) atomic_fetch_add(&r->book->gaps, s->seq - r->next_seq);
    if (!ok || s->seq < r->next_seq) atomic_fetch_add(&r->book->bad, 1);
    r->next_seq = (uint64_t)s->seq + 1;
    atomic_fetch_add(&r->book->received, 1);
}

/* One sample, zero copy or by copy: 1 processed, 0 none there, -1 error. */
static int next_sample(run_t *r, bool take, const sensors_handler_t *h)
{
    const sensors_sample_t *in;
    sensors_sample_t seen;
    bool ok;
    int rc = take ? sensors_raw_take_wait(&r->sub, &seen, 20) : sensors_raw_read(&r->sub, &in);
    if (rc == SHMGEN_EMPTY || rc == SHMGEN_TIMEOUT) {
        if (!take) (void)sensors_raw_wait(&r->sub, 20); /* a timeout just means: look again */
        return 0;
    }
    if (rc != 0) return -1;
    if (!take) seen = *in; /* for the books, checked below only if it stayed intact */
    ok = h->read(take ? &seen : in, h->ctx);
    if (!take && (rc = sensors_raw_release(&r->sub)) != 0)
        return rc == 1 ? 1 : -1; /* 1: overwritten while read: discarded; the topic counted it lost */
    if (h->kept) h->kept(h->ctx);
    account(r, &seen, ok);
    return 1;
}

int sensors_subscribe_and_run(sensors_t *seg, int role, bool take, const sensors_handler_t *h)
{
    run_t r = {.seg = seg, .book = sensors_book(seg, role)};
    int rc = sensors_raw_subscribe(seg, sensors_role_names[role], &r.sub);
    if (rc != 0) {
        fprintf(stderr, "%s: subscribe: %s\n", sensors_role_names[role], shmgen_strerror(rc));
        return -1;
    }
    r.next_seq = sensors_raw_position(&r.sub);
    atomic_store(&r.book->first, r.next_seq);
    for (;;) {
        bool done = sensors_collector_done_load(seg); /* read before looking: no sample after it is missed */
        if ((rc = next_sample(&r, take, h)) < 0) break;
        if (rc == 0 && done) break;
    }
    /* samples lost after the last one processed leave no gap before a next one */
    atomic_fetch_add(&r.book->gaps, sensors_raw_published(seg) - r.next_seq);
    atomic_store(&r.book->lost, sensors_raw_lost(&r.sub));
    if (sensors_raw_unsubscribe(&r.sub) != 0) rc = -1;
    if (rc < 0) fprintf(stderr, "%s: reading raw failed\n", sensors_role_names[role]);
    return rc < 0 ? -1 : 0;
}
