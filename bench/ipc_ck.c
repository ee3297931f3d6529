/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_ck.c — Concurrency Kit's ck_ring as a peer, placed in POSIX shared
 * memory: the struct ck_ring (indices only, no pointers) at offset 0 and its
 * slot buffer at offset 256, each process passing its own address of the
 * buffer to every call.
 *   8-byte elements: the plain pointer ring; the sequence number is stored as
 *   the pointer value (ck_ring copies it, never dereferences it).
 *   64-byte elements: CK_RING_PROTOTYPE's typed functions, which memcpy the
 *   whole 64-byte struct into an inline slot, as our ring does.
 * SPSC uses *_spsc, the 1P1C/2P2C queue comparisons use *_mpmc.  A ck_ring of
 * size N holds N - 1 elements (ours and atomic_queue's hold N).
 * Depends on libck (header only here) and the harness.
 */
#define _GNU_SOURCE
#include "ipc_bench.h"

#include <ck_ring.h>

CK_RING_PROTOTYPE(msg64, bench_msg64)

#define CK_BUFFER_OFFSET 256

typedef struct ck_view {
    struct ck_ring *ring;
    void *buffer;
    size_t bytes;
} ck_view_t;

static size_t ck_region_bytes(const bench_job_t *job)
{
    return CK_BUFFER_OFFSET + (size_t)BENCH_CAPACITY * job->c->elem_size;
}

static int ck_setup(bench_job_t *job)
{
    struct ck_ring *ring = bench_region_create(job, ck_region_bytes(job));
    if (!ring)
        return 1;
    ck_ring_init(ring, BENCH_CAPACITY);
    bench_region_unmap(ring, ck_region_bytes(job));
    return 0;
}

static void ck_teardown(bench_job_t *job)
{
    bench_region_unlink(job);
}

static int ck_attach(bench_job_t *job, ck_view_t *v)
{
    v->bytes = ck_region_bytes(job);
    v->ring = bench_region_map(job, v->bytes);
    v->buffer = v->ring ? (char *)v->ring + CK_BUFFER_OFFSET : NULL;
    return v->ring ? 0 : 1;
}

/* One enqueue attempt; mpmc selects the multi-producer entry point. */
static bool ck_put(const ck_view_t *v, uint32_t es, int mpmc, bench_msg64_t *m)
{
    if (es == 8) {
        void *val = (void *)(uintptr_t)m->seq;
        return mpmc ? ck_ring_enqueue_mpmc(v->ring, v->buffer, val)
                    : ck_ring_enqueue_spsc(v->ring, v->buffer, val);
    }
    return mpmc ? ck_ring_enqueue_mpmc_msg64(v->ring, v->buffer, m)
                : ck_ring_enqueue_spsc_msg64(v->ring, v->buffer, m);
}

static bool ck_get(const ck_view_t *v, uint32_t es, int mpmc, bench_msg64_t *m)
{
    if (es == 8) {
        void *val = NULL;
        bool ok = mpmc ? ck_ring_dequeue_mpmc(v->ring, v->buffer, &val)
                       : ck_ring_dequeue_spsc(v->ring, v->buffer, &val);
        m->seq = (uint64_t)(uintptr_t)val;
        return ok;
    }
    return mpmc ? ck_ring_dequeue_mpmc_msg64(v->ring, v->buffer, m)
                : ck_ring_dequeue_spsc_msg64(v->ring, v->buffer, m);
}

static int ck_produce_any(bench_job_t *job, unsigned index, int mpmc)
{
    ck_view_t v;
    if (ck_attach(job, &v))
        return 1;
    bench_msg64_t m;
    uint32_t es = job->c->elem_size;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        bench_fill(&m, es, bench_seq(job, index, i));
        while (!ck_put(&v, es, mpmc, &m))
            if (bench_relax(job, &spins))
                return 1;
    }
    bench_end(job, index);
    bench_region_unmap(v.ring, v.bytes);
    return 0;
}

static int ck_consume_any(bench_job_t *job, unsigned index, int mpmc)
{
    ck_view_t v;
    if (ck_attach(job, &v))
        return 1;
    bench_msg64_t m;
    uint32_t es = job->c->elem_size;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), sum = 0;
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        while (!ck_get(&v, es, mpmc, &m))
            if (bench_relax(job, &spins))
                return 1;
        if (job->c->producers == 1 && m.seq != i) {
            bench_error(job, "out of order", m.seq, i);
            return 1;
        }
        sum += m.seq;
    }
    bench_end(job, role);
    bench_add_sum(job, sum);
    bench_region_unmap(v.ring, v.bytes);
    return 0;
}

static int ck_spsc_produce(bench_job_t *job, unsigned index)
{
    return ck_produce_any(job, index, 0);
}

static int ck_spsc_consume(bench_job_t *job, unsigned index)
{
    return ck_consume_any(job, index, 0);
}

static int ck_mpmc_produce(bench_job_t *job, unsigned index)
{
    return ck_produce_any(job, index, 1);
}

static int ck_mpmc_consume(bench_job_t *job, unsigned index)
{
    return ck_consume_any(job, index, 1);
}

#define CK(id, label, es, p, c, n, prod, cons) \
    {id, label, BENCH_THROUGHPUT, es, p, c, n, ck_setup, prod, cons, ck_teardown}

const bench_case_t bench_ck_cases[] = {
    CK("ck_spsc_8", "ck_ring spsc 8B", 8, 1, 1, 16000000, ck_spsc_produce, ck_spsc_consume),
    CK("ck_spsc_64", "ck_ring spsc 64B", 64, 1, 1, 4000000, ck_spsc_produce, ck_spsc_consume),
    CK("ck_mpmc_8", "ck_ring mpmc 1p1c 8B", 8, 1, 1, 16000000, ck_mpmc_produce, ck_mpmc_consume),
    CK("ck_mpmc_64", "ck_ring mpmc 1p1c 64B", 64, 1, 1, 4000000, ck_mpmc_produce, ck_mpmc_consume),
    CK("ck_mpmc2_8", "ck_ring mpmc 2p2c 8B", 8, 2, 2, 4000000, ck_mpmc_produce, ck_mpmc_consume),
    CK("ck_mpmc2_64", "ck_ring mpmc 2p2c 64B", 64, 2, 2, 2000000, ck_mpmc_produce, ck_mpmc_consume),
    {0},
};
