/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_ours.c — the structures under test: shmgen's ring (SPSC; single and
 * bulk operations) and queue (MPMC; 1P1C and 2P2C), and a ping-pong through
 * two rings.  The layout is built by hand (no generator).  The parent creates
 * the segment; every role process opens its own handle by name, binds its own
 * ring/queue view, and closes it at the end; the parent closes and unlinks last.
 * It also holds the segment plumbing of ipc_ours.h, which ipc_topic.c shares.
 * Depends on shmgen_runtime (segment.h, ring.h, queue.h) and the harness.
 */
#define _GNU_SOURCE
#include "ipc_bench.h"
#include "ipc_harness.h"
#include "ipc_ours.h"

#include <stdio.h>

#include "shmgen/queue.h"
#include "shmgen/ring.h"
#include "shmgen/segment.h"

#define OURS_LAYOUT_HASH 0x62656e6368697063ull /* "benchipc"; any value both sides agree on */

void bench_ours_layout(const bench_job_t *job, const shmgen_struct_desc_t *chan, bench_ours_layout_t *l)
{
    l->structs[0] = l->structs[1] = *chan;
    l->structs[0].name = "chan";
    size_t n = 1;
    if (job->c->metric == BENCH_ROUNDTRIP) {
        l->structs[0].name = "ping";
        l->structs[1].name = "pong";
        n = 2;
    }
    shmgen_layout_t lay = {"bench", 1, OURS_LAYOUT_HASH ^ chan->elem_size ^ (uint64_t)chan->kind << 32, 0, n,
                           l->structs, 0};
    l->layout = lay;
}

int bench_ours_create(bench_job_t *job, const bench_ours_layout_t *l)
{
    shmgen_open_options_t opts = {.mode = 0600};
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_create(job->shm_name, &l->layout, &opts, &seg);
    job->parent_state = seg;
    return rc;
}

int bench_ours_open(const bench_job_t *job, const bench_ours_layout_t *l, const char *name, shmgen_segment_t **seg,
                    shmgen_struct_info_t *info)
{
    shmgen_open_options_t opts = {.mode = 0600};
    if (shmgen_segment_open(job->shm_name, &l->layout, &opts, seg) != 0)
        return 1;
    if (shmgen_segment_find(*seg, name, info) != 0) {
        shmgen_segment_close(*seg);
        return 1;
    }
    return 0;
}

void bench_ours_teardown(bench_job_t *job)
{
    shmgen_segment_close(job->parent_state);
    /* Normally already gone (the last close unlinks): NOT_FOUND is the
     * expected answer; anything else only means a leftover name. */
    if (shmgen_segment_unlink(job->shm_name) != SHMGEN_NOT_FOUND)
        fprintf(stderr, "bench: %s: segment %s was still there at teardown\n", job->c->id, job->shm_name);
}

/* One channel (ring or queue: the ids "queue_*" are queues) of the case's
 * element size, or the two 8-byte rings "ping" and "pong" of a round trip. */
static void ours_layout(const bench_job_t *job, bench_ours_layout_t *l)
{
    uint32_t es = job->c->elem_size;
    shmgen_kind_t kind = job->c->id[0] == 'q' ? SHMGEN_KIND_QUEUE : SHMGEN_KIND_RING;
    shmgen_struct_desc_t d = {"chan", kind, es, 8, BENCH_CAPACITY, 0x656c656d00ull + es, 1, 0, 0, 0, 0, 0};
    bench_ours_layout(job, &d, l);
}

static int ours_setup(bench_job_t *job)
{
    bench_ours_layout_t l;
    ours_layout(job, &l);
    return bench_ours_create(job, &l);
}

/* Opens this process's own handle and finds structure `name`. */
static int ours_open(bench_job_t *job, const char *name, shmgen_segment_t **seg, shmgen_struct_info_t *info)
{
    bench_ours_layout_t l;
    ours_layout(job, &l);
    return bench_ours_open(job, &l, name, seg, info);
}

static int check_seq(bench_job_t *job, uint64_t seq, uint64_t want)
{
    if (job->c->producers == 1 && seq != want) {
        bench_error(job, "out of order", seq, want);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------- ring, single ops */

static int ring_produce(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    if (ours_open(job, "chan", &seg, &info) || shmgen_ring_bind(&r, seg, &info) != 0)
        return 1;
    bench_msg64_t m;
    uint32_t es = job->c->elem_size;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        bench_fill(&m, es, i);
        while (shmgen_ring_push(&r, &m) != 0)
            if (bench_relax(job, &spins))
                return 1;
    }
    bench_end(job, index);
    shmgen_segment_close(seg);
    return 0;
}

static int ring_consume(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    if (ours_open(job, "chan", &seg, &info) || shmgen_ring_bind(&r, seg, &info) != 0)
        return 1;
    bench_msg64_t m;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role);
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        while (shmgen_ring_pop(&r, &m) != 0)
            if (bench_relax(job, &spins))
                return 1;
        if (check_seq(job, m.seq, i))
            return 1;
    }
    bench_end(job, role);
    shmgen_segment_close(seg);
    return 0;
}

/* ------------------------------------------------------- ring, bulk ops */

/* Bulk calls move up to BENCH_BATCH_BYTES at a time, like the 4 KiB pipe. */
static int ring_bulk_produce(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    if (ours_open(job, "chan", &seg, &info) || shmgen_ring_bind(&r, seg, &info) != 0)
        return 1;
    _Alignas(64) unsigned char batch[BENCH_BATCH_BYTES];
    uint32_t es = job->c->elem_size, per = BENCH_BATCH_BYTES / es;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? (size_t)(n - i) : per, done = 0;
        unsigned spins = 0;
        for (size_t j = 0; j < k; j++)
            bench_fill(batch + j * es, es, i + j);
        while (done < k) {
            size_t got = shmgen_ring_push_bulk(&r, batch + done * es, k - done);
            done += got;
            if (got == 0 && bench_relax(job, &spins))
                return 1;
        }
    }
    bench_end(job, index);
    shmgen_segment_close(seg);
    return 0;
}

static int ring_bulk_consume(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    if (ours_open(job, "chan", &seg, &info) || shmgen_ring_bind(&r, seg, &info) != 0)
        return 1;
    _Alignas(64) unsigned char batch[BENCH_BATCH_BYTES];
    uint32_t es = job->c->elem_size, per = BENCH_BATCH_BYTES / es;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), i = 0;
    unsigned spins = 0;
    bench_start(job, role);
    while (i < n) {
        size_t got = shmgen_ring_pop_bulk(&r, batch, per);
        if (got == 0 && bench_relax(job, &spins))
            return 1;
        for (size_t j = 0; j < got; j++, i++)
            if (check_seq(job, bench_seq_of(batch + j * es), i))
                return 1;
    }
    bench_end(job, role);
    shmgen_segment_close(seg);
    return 0;
}

/* ------------------------------------------------------- queue */

static int queue_produce(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_queue_t q;
    if (ours_open(job, "chan", &seg, &info) || shmgen_queue_bind(&q, seg, &info) != 0)
        return 1;
    bench_msg64_t m;
    uint32_t es = job->c->elem_size;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        bench_fill(&m, es, bench_seq(job, index, i));
        while (shmgen_queue_enqueue(&q, &m) != 0)
            if (bench_relax(job, &spins))
                return 1;
    }
    bench_end(job, index);
    shmgen_segment_close(seg);
    return 0;
}

static int queue_consume(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_queue_t q;
    if (ours_open(job, "chan", &seg, &info) || shmgen_queue_bind(&q, seg, &info) != 0)
        return 1;
    bench_msg64_t m;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), sum = 0;
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        unsigned spins = 0;
        while (shmgen_queue_dequeue(&q, &m) != 0)
            if (bench_relax(job, &spins))
                return 1;
        if (check_seq(job, m.seq, i))
            return 1;
        sum += m.seq;
    }
    bench_end(job, role);
    bench_add_sum(job, sum);
    shmgen_segment_close(seg);
    return 0;
}

/* ------------------------------------------------------- ping-pong */

/* One end of a ping-pong over two channels: role 0 sends i and waits for
 * i + 1 (recording each round trip), role 1 answers.  send/recv wrap a ring
 * or a queue. */
typedef struct bounce_ops {
    int (*bind)(void *chan, shmgen_segment_t *seg, const shmgen_struct_info_t *info);
    int (*send)(void *chan, const uint64_t *v);
    int (*recv)(void *chan, uint64_t *v);
} bounce_ops_t;

static int ring_bind_v(void *c, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    return shmgen_ring_bind(c, seg, info);
}
static int ring_send_v(void *c, const uint64_t *v)
{
    return shmgen_ring_push(c, v);
}
static int ring_recv_v(void *c, uint64_t *v)
{
    return shmgen_ring_pop(c, v);
}
static int queue_bind_v(void *c, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    return shmgen_queue_bind(c, seg, info);
}
static int queue_send_v(void *c, const uint64_t *v)
{
    return shmgen_queue_enqueue(c, v);
}
static int queue_recv_v(void *c, uint64_t *v)
{
    return shmgen_queue_dequeue(c, v);
}

static const bounce_ops_t g_ring_bounce = {ring_bind_v, ring_send_v, ring_recv_v};
static const bounce_ops_t g_queue_bounce = {queue_bind_v, queue_send_v, queue_recv_v};

static int bounce(bench_job_t *job, unsigned role, const bounce_ops_t *ops)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t a, b;
    union { shmgen_ring_t r; shmgen_queue_t q; } out, in;
    bench_lat_t lat = {0};
    if (ours_open(job, role == 0 ? "ping" : "pong", &seg, &a))
        return 1;
    if (shmgen_segment_find(seg, role == 0 ? "pong" : "ping", &b) != 0 || ops->bind(&out, seg, &a) != 0 ||
        ops->bind(&in, seg, &b) != 0 || (role == 0 && bench_lat_init(&lat, job) != 0))
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        uint64_t v = i;
        unsigned spins = 0;
        int64_t t0 = role == 0 && bench_lat_timed(i) ? bench_now_ns() : 0;
        if (role == 0 && ops->send(&out, &v) != 0)
            return 1;
        while (ops->recv(&in, &v) != 0)
            if (bench_relax(job, &spins))
                return 1;
        if (role == 0) {
            if (t0)
                bench_lat_add(&lat, bench_now_ns() - t0);
            if (v != i + 1) {
                bench_error(job, "ping-pong reply", v, i + 1);
                return 1;
            }
        }
        v++;
        if (role == 1 && ops->send(&out, &v) != 0)
            return 1;
    }
    bench_end(job, role);
    if (role == 0)
        bench_lat_report(job, &lat);
    shmgen_segment_close(seg);
    return 0;
}

static int ring_ping(bench_job_t *job, unsigned index)
{
    return bounce(job, index, &g_ring_bounce);
}

static int ring_pong(bench_job_t *job, unsigned index)
{
    return bounce(job, 1 + index, &g_ring_bounce);
}

static int queue_ping(bench_job_t *job, unsigned index)
{
    return bounce(job, index, &g_queue_bounce);
}

static int queue_pong(bench_job_t *job, unsigned index)
{
    return bounce(job, 1 + index, &g_queue_bounce);
}

#define OURS(id, label, es, p, c, n, prod, cons) \
    {id, label, BENCH_THROUGHPUT, es, p, c, n, ours_setup, prod, cons, bench_ours_teardown}

const bench_case_t bench_ours_cases[] = {
    OURS("ring_spsc_8", "ring spsc 8B", 8, 1, 1, 16000000, ring_produce, ring_consume),
    OURS("ring_spsc_64", "ring spsc 64B", 64, 1, 1, 4000000, ring_produce, ring_consume),
    OURS("ring_bulk_8", "ring bulk 8B", 8, 1, 1, 16000000, ring_bulk_produce, ring_bulk_consume),
    OURS("ring_bulk_64", "ring bulk 64B", 64, 1, 1, 4000000, ring_bulk_produce, ring_bulk_consume),
    OURS("queue_1p1c_8", "queue 1p1c 8B", 8, 1, 1, 16000000, queue_produce, queue_consume),
    OURS("queue_1p1c_64", "queue 1p1c 64B", 64, 1, 1, 4000000, queue_produce, queue_consume),
    OURS("queue_2p2c_8", "queue 2p2c 8B", 8, 2, 2, 4000000, queue_produce, queue_consume),
    OURS("queue_2p2c_64", "queue 2p2c 64B", 64, 2, 2, 2000000, queue_produce, queue_consume),
    {"ring_pingpong", "ping-pong ring", BENCH_ROUNDTRIP, 8, 1, 1, 1000000, ours_setup, ring_ping, ring_pong,
     bench_ours_teardown},
    {"queue_pingpong", "ping-pong queue", BENCH_ROUNDTRIP, 8, 1, 1, 1000000, ours_setup, queue_ping, queue_pong,
     bench_ours_teardown},
    {0},
};
