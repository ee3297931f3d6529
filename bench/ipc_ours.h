/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_ours.h — the segment plumbing shared by the benchmark cases of our own
 * structures (ipc_ours.c: ring and queue; ipc_topic.c: topic and the copying
 * ring for large samples): one segment per case holding the channel "chan",
 * or "ping" and "pong" for a round trip; each process opens its own handle.
 * Depends on the harness (ipc_bench.h) and the runtime's segment.h.
 */
#ifndef SHMGEN_BENCH_IPC_OURS_H
#define SHMGEN_BENCH_IPC_OURS_H

#include "ipc_bench.h"

#include "shmgen/segment.h"

typedef struct bench_ours_layout {
    shmgen_struct_desc_t structs[2];
    shmgen_layout_t layout;
} bench_ours_layout_t;

/* The case's layout: "chan" described by *chan (its name is set here), or
 * for a round-trip case the two copies "ping" and "pong". */
void bench_ours_layout(const bench_job_t *job, const shmgen_struct_desc_t *chan, bench_ours_layout_t *l);

/* Setup: the parent creates the segment (mode 0600) and keeps it open. */
int bench_ours_create(bench_job_t *job, const bench_ours_layout_t *l);

/* A role's own attachment and structure `name`; 0, or 1 with nothing open. */
int bench_ours_open(const bench_job_t *job, const bench_ours_layout_t *l, const char *name, shmgen_segment_t **seg,
                    shmgen_struct_info_t *info);

/* Teardown: the parent's close, which unlinks; a name still there is reported. */
void bench_ours_teardown(bench_job_t *job);

#endif
