/*
 * SPDX-License-Identifier: MIT
 *
 * job.h — the check word of a crash_recovery job, shared by the producer
 * (which sets it) and the consumer (which verifies it).  Depends on nothing.
 */
#ifndef CRASHY_JOB_H
#define CRASHY_JOB_H

#include <stdint.h>

/* A scrambled form of seq, so a damaged or mixed-up element is noticed. */
static inline uint32_t crashy_job_check(uint64_t seq)
{
    uint64_t x = (seq + 1) * 0x9e3779b97f4a7c15u;
    return (uint32_t)(x >> 29);
}

#endif /* CRASHY_JOB_H */
