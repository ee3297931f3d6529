/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_harness.h — what the benchmark driver (ipc_main.c) uses of the harness:
 * running one case once, the clock, CPU pinning.  Depends on ipc_bench.h.
 */
#ifndef SHMGEN_IPC_HARNESS_H
#define SHMGEN_IPC_HARNESS_H

#include "ipc_bench.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_result {
    double seconds; /* latest end - earliest start over all roles */
    uint64_t msgs;  /* messages (round trips) moved */
    int64_t p50_ns, p99_ns, p999_ns; /* round-trip percentiles (0: not recorded) */
} bench_result_t;

/* Runs case c once with msgs messages (a multiple of producers * consumers);
 * returns 0 and fills *out, or non-zero (after printing why to stderr) when a
 * role failed, a consumer saw a wrong element, or the checksum is off. */
int bench_run_once(const bench_case_t *c, uint64_t msgs, bench_result_t *out);

int64_t bench_now_ns(void);

/* Whether CPUs 0 and 1 are both usable by this process. */
int bench_pin_available(void);
/* Turns pinning of role processes on or off (on by default). */
void bench_set_pinning(int on);
/* Pins the calling process to cpu (no-op when pinning is off); 0 or -1. */
int bench_pin_cpu(int cpu);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_IPC_HARNESS_H */
