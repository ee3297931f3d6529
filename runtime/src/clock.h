/*
 * SPDX-License-Identifier: MIT
 *
 * clock.h — time for the runtime's bounded waits: the monotonic clock, a
 * deadline that every timed operation carries through its retries, and the
 * spin-then-yield backoff of retry loops.  Depends on nothing of ours.
 */
#ifndef SHMGEN_CLOCK_H
#define SHMGEN_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Monotonic clock in nanoseconds. */
uint64_t shmgen__now_ns(void);

/* An absolute deadline made from a caller's timeout_ms (< 0: none, wait
 * forever; 0: already due).  Every timed operation takes one at entry and
 * hands what is left to each wait it makes, so retries never restart the
 * caller's timeout. */
typedef struct shmgen__deadline {
    uint64_t at_ns;
    bool forever;
} shmgen__deadline_t;

static inline shmgen__deadline_t shmgen__deadline_in(int timeout_ms)
{
    shmgen__deadline_t d = {0, timeout_ms < 0};
    if (!d.forever) d.at_ns = shmgen__now_ns() + (uint64_t)timeout_ms * 1000000u;
    return d;
}

/* Milliseconds left (rounded up; 0 once due), or -1 for no deadline: the
 * timeout_ms form the waits take. */
int shmgen__deadline_left_ms(const shmgen__deadline_t *d);

/* Whether the deadline has passed (never, for no deadline). */
bool shmgen__deadline_due(const shmgen__deadline_t *d);

/* Spin-then-yield backoff for retry loops: call with an increasing counter. */
void shmgen__backoff(unsigned *spins);

/* Sleeps about `us` microseconds (a polling interval, never a correctness tool). */
void shmgen__sleep_us(unsigned us);

#endif /* SHMGEN_CLOCK_H */
