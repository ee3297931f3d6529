/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_bench.h — the cross-process benchmark harness shared by every case.
 *
 * A case is a set of role functions (producers, consumers, or the two ends of
 * a ping-pong) that the harness runs in separate forked processes pinned to
 * CPUs 0 and 1.  Each role attaches on its own (opens its own handle or maps
 * the shared-memory object itself), then calls bench_start(), moves its
 * messages, and calls bench_end(); the elapsed time of a run is the latest end
 * minus the earliest start (CLOCK_MONOTONIC is system-wide).  Consumers verify
 * what they receive (order for single-producer cases, a checksum otherwise).
 * Included by C11 and C++17 files; depends on libc only.
 */
#ifndef SHMGEN_IPC_BENCH_H
#define SHMGEN_IPC_BENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_MAX_ROLES 4
#define BENCH_CAPACITY 8192u /* elements of every SPSC/MPMC channel, ours and peers' */
#define BENCH_BATCH_BYTES 4096u /* bulk ring calls and pipe 4 KiB writes move this much */
#define BENCH_NAME_MAX 64

/* The 64-byte element: sequence number first, the rest written too. */
typedef struct bench_msg64 {
    uint64_t seq;
    uint64_t pad[7];
} bench_msg64_t;

typedef struct bench_job bench_job_t;

/* Returns 0 on success, non-zero on failure (a child exits with it). */
typedef int (*bench_role_fn)(bench_job_t *job, unsigned index);

typedef enum bench_metric {
    BENCH_THROUGHPUT = 0, /* messages per second across the whole run */
    BENCH_ROUNDTRIP = 1,  /* nanoseconds per round trip */
    BENCH_BROADCAST = 2,  /* samples per second, every consumer receiving every sample */
} bench_metric_t;

typedef struct bench_case {
    const char *id;       /* key for ratios: "ring_spsc_8", "aq_spsc_64"... */
    const char *label;    /* name printed in the report */
    bench_metric_t metric;
    uint32_t elem_size;   /* 8 or 64 */
    unsigned producers;   /* roles 0..producers-1 run `produce` */
    unsigned consumers;   /* roles producers.. run `consume` */
    uint64_t base_msgs;   /* messages (or round trips) at scale 1.0 */
    int (*setup)(bench_job_t *job);     /* parent, before fork; may be NULL */
    bench_role_fn produce;
    bench_role_fn consume;
    void (*teardown)(bench_job_t *job); /* parent, after all roles exited; may be NULL */
} bench_case_t;

struct bench_ctl; /* harness-private, in a shared anonymous mapping */

struct bench_job {
    const bench_case_t *c;
    uint64_t msgs;                  /* total messages (round trips) of this run */
    char shm_name[BENCH_NAME_MAX];  /* unique POSIX name for this run's objects */
    int fds[4];                     /* pipes, created by setup */
    void *parent_state;             /* what setup keeps for teardown */
    struct bench_ctl *ctl;
};

/* Messages role `index` moves: msgs split evenly among producers (consumers);
 * in a BENCH_BROADCAST case every consumer receives all of them. */
uint64_t bench_share(const bench_job_t *job, unsigned index);

/* The i-th sequence number producer `producer` sends: producers send the
 * interleaved sequences p, p + P, p + 2P..., so all of them together send
 * 0..msgs-1 exactly once. */
static inline uint64_t bench_seq(const bench_job_t *job, unsigned producer, uint64_t i)
{
    return i * job->c->producers + producer;
}

/* Barrier (all roles attached), then records the start time of role index. */
void bench_start(bench_job_t *job, unsigned index);
/* Records the end time of role index. */
void bench_end(bench_job_t *job, unsigned index);
/* A consumer reports a received element out of order / corrupt. */
void bench_error(bench_job_t *job, const char *what, uint64_t got, uint64_t want);
/* A consumer of a multi-producer case adds the sum of the sequence numbers it received. */
void bench_add_sum(bench_job_t *job, uint64_t sum);

/* Backoff for a full or empty channel: pause, and yield every 256 calls.
 * Returns non-zero when the run was aborted (a peer role failed). */
int bench_relax(bench_job_t *job, unsigned *spins);

/* Creates (exclusively, sized, zeroed) and maps the POSIX shm object
 * job->shm_name; returns the mapping or NULL. */
void *bench_region_create(const bench_job_t *job, size_t size);
/* Maps the existing object job->shm_name in this process; NULL on failure. */
void *bench_region_map(const bench_job_t *job, size_t size);
void bench_region_unmap(void *addr, size_t size);
void bench_region_unlink(const bench_job_t *job);

/* Round-trip latencies: the initiating role of a BENCH_ROUNDTRIP case times
 * one round trip in BENCH_LAT_EVERY (a clock read on each side of it: the
 * percentiles include ~50 ns of clock reads, the same for every peer, and
 * the run's mean pays them only for the timed round trips); the harness
 * reports the percentiles of the best run. */
#define BENCH_LAT_EVERY 8u

/* Whether round trip i is one of the timed ones. */
static inline int bench_lat_timed(uint64_t i)
{
    return i % BENCH_LAT_EVERY == 0;
}
typedef struct bench_lat {
    int64_t *ns;
    uint64_t n, cap;
} bench_lat_t;

/* A buffer for up to job->msgs samples (0, or -1 when out of memory). */
int bench_lat_init(bench_lat_t *lat, const bench_job_t *job);
static inline void bench_lat_add(bench_lat_t *lat, int64_t ns)
{
    if (lat->n < lat->cap)
        lat->ns[lat->n++] = ns;
}
/* Sorts the samples, hands p50/p99/p99.9 to the harness, frees the buffer. */
void bench_lat_report(bench_job_t *job, bench_lat_t *lat);

/* Fills a message of elem_size bytes with seq: every word for elements up to
 * 64 bytes; for larger (zero-copy sized) samples only what a pub/sub peer
 * touches too: the sequence number in the first word and in the last. */
static inline void bench_fill(void *elem, uint32_t elem_size, uint64_t seq)
{
    uint64_t *w = (uint64_t *)elem;
    if (elem_size > 64) {
        w[0] = seq;
        w[elem_size / 8 - 1] = seq;
        return;
    }
    for (uint32_t k = 0; k < elem_size / 8; k++)
        w[k] = seq + k;
}

/* Whether a large sample carries seq at both ends (see bench_fill). */
static inline int bench_sample_ok(const void *elem, uint32_t elem_size, uint64_t seq)
{
    const uint64_t *w = (const uint64_t *)elem;
    return w[0] == seq && (elem_size <= 64 || w[elem_size / 8 - 1] == seq);
}

/* The sequence number a message carries (its first word). */
static inline uint64_t bench_seq_of(const void *elem)
{
    return *(const uint64_t *)elem;
}

/* Case tables of each family (NULL-terminated by an entry with id == NULL). */
extern const bench_case_t bench_floor_case;
extern const bench_case_t bench_sys_cases[];  /* POSIX mq, pipes (ipc_sys.c) */
extern const bench_case_t bench_ck_cases[];   /* ck_ring (ipc_ck.c) */
extern const bench_case_t bench_aq_cases[];   /* atomic_queue (ipc_aq.cpp) */
extern const bench_case_t bench_ours_cases[]; /* shmgen ring/queue (ipc_ours.c) */
extern const bench_case_t bench_iox_cases[];  /* iceoryx publish/subscribe (ipc_iox.c) */
extern const bench_case_t bench_topic_cases[]; /* shmgen topic, large-sample ring (ipc_topic.c) */

/* iceoryx needs its RouDi daemon: started once before the first iceoryx case
 * (with a mempool configuration for every sample size of the benchmark) and
 * stopped at exit.  0, or non-zero when it cannot be started. */
int bench_iox_start_roudi(void);
void bench_iox_stop_roudi(void);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_IPC_BENCH_H */
