/*
 * SPDX-License-Identifier: MIT
 *
 * clock.c — the monotonic clock, deadlines and backoff of clock.h.
 * Depends on clock.h, arch.h.
 */
#include "clock.h"

#include <errno.h>
#include <sched.h>
#include <time.h>

#include "arch.h"

uint64_t shmgen__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int shmgen__deadline_left_ms(const shmgen__deadline_t *d)
{
    uint64_t now, left;
    if (d->forever) return -1;
    now = shmgen__now_ns();
    if (now >= d->at_ns) return 0;
    left = (d->at_ns - now + 999999u) / 1000000u;
    return left > (uint64_t)INT32_MAX ? INT32_MAX : (int)left;
}

bool shmgen__deadline_due(const shmgen__deadline_t *d)
{
    return !d->forever && shmgen__now_ns() >= d->at_ns;
}

void shmgen__backoff(unsigned *spins)
{
    if (*spins < 64) shmgen__cpu_relax();
    else sched_yield();
    (*spins)++;
}

void shmgen__sleep_us(unsigned us)
{
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}
