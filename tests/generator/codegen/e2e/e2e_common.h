/*
 * SPDX-License-Identifier: MIT
 *
 * e2e_common.h — what the end-to-end programs share: checks that exit with
 * a message, bounded waits on the `phase` atomic.  Needs e2e.h (either
 * version: both have `phase`).
 */
#ifndef E2E_COMMON_H
#define E2E_COMMON_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define POINTS 1000
#define JOBS 5
#define HISTORY 20
#define SAMPLES 5
#define BLOBS 3
#define EARLY 2         /* events published before anyone subscribed: the history a late joiner gets */
#define EVENTS 100      /* events published once the consumer subscribed, through a topic of 4 */
#define POSES 3         /* stores of the latest value */
#define WAIT_MS 10000

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

#define CHECK_RC(expr)                                                                   \
    do {                                                                                 \
        int rc_ = (expr);                                                                \
        if (rc_ != 0) {                                                                  \
            fprintf(stderr, "%s:%d: %s returned %s (%s)\n", __FILE__, __LINE__, #expr,   \
                    shmgen_error_name(rc_), shmgen_segment_last_detail());               \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits (bounded) until phase reaches `want`. */
static inline void wait_phase(e2e_t *s, uint32_t want)
{
    for (int waited = 0; e2e_phase_load(s) < want; waited++) {
        CHECK(waited < WAIT_MS);
        sleep_ms(1);
    }
}

#endif
