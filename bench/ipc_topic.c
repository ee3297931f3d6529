/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_topic.c — shmgen's publish/subscribe cases: a `block` topic with one
 * publisher and one or three subscribers, zero-copy on both sides (loan →
 * fill → publish; read → check → release), for 8 B to 1 MiB samples, so it
 * compares like for like with iceoryx (ipc_iox.c: loans, every sample to
 * every subscriber); a ping-pong through two topics; and the copying ring for
 * the large sizes (push and pop copy the whole sample), the baseline loans
 * are meant to beat.  Samples above 64 bytes are touched as a zero-copy user
 * touches them: the sequence number in the first and last word.
 * Depends on shmgen_runtime (topic.h, ring.h), the harness and ipc_ours.h.
 */
#define _GNU_SOURCE
#include "ipc_bench.h"
#include "ipc_harness.h"
#include "ipc_ours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen/ring.h"
#include "shmgen/segment.h"
#include "shmgen/topic.h"

/* Slots per channel: the harness's 8192 for small samples; a few MiB of
 * samples for the large ones (iceoryx's subscriber queue holds 256). */
static uint64_t channel_capacity(uint32_t es)
{
    return es <= 64 ? BENCH_CAPACITY : es <= 65536 ? 256 : 64;
}

/* One channel "chan" (a block topic for the pub/sub cases, a ring for
 * ring_spsc_*), or the topics "ping" and "pong" of the round trip. */
static void topic_layout(const bench_job_t *job, bench_ours_layout_t *l)
{
    uint32_t es = job->c->elem_size;
    shmgen_struct_desc_t d;
    memset(&d, 0, sizeof d);
    d.kind = strncmp(job->c->id, "ring", 4) == 0 ? SHMGEN_KIND_RING : SHMGEN_KIND_TOPIC;
    d.elem_size = es;
    d.elem_align = 8;
    d.capacity = channel_capacity(es);
    d.elem_hash = 0x656c656d00ull + es;
    d.since = 1;
    if (d.kind == SHMGEN_KIND_TOPIC) {
        d.subscribers = 4;
        d.policy = SHMGEN_TOPIC_BLOCK;
    }
    bench_ours_layout(job, &d, l);
}

static int topic_setup(bench_job_t *job)
{
    bench_ours_layout_t l;
    topic_layout(job, &l);
    return bench_ours_create(job, &l);
}

/* This process's own handle and structure `name`. */
static int topic_open(bench_job_t *job, const char *name, shmgen_segment_t **seg, shmgen_struct_info_t *info)
{
    bench_ours_layout_t l;
    topic_layout(job, &l);
    return bench_ours_open(job, &l, name, seg, info);
}

/* ------------------------------------------------------- topic, 1 -> N */

static int topic_produce(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_topic_t t;
    uint32_t es = job->c->elem_size;
    if (topic_open(job, "chan", &seg, &info) || shmgen_topic_bind(&t, seg, &info) != 0)
        return 1;
    bench_start(job, index);
    for (uint64_t i = 0; i < job->msgs; i++) {
        void *slot;
        unsigned spins = 0;
        int rc;
        while ((rc = shmgen_topic_loan(&t, &slot)) == SHMGEN_FULL)
            if (bench_relax(job, &spins))
                return 1;
        if (rc != 0)
            return 1;
        bench_fill(slot, es, i);
        if (shmgen_topic_publish(&t) != 0)
            return 1;
    }
    bench_end(job, index);
    (void)shmgen_segment_close(seg);
    return 0;
}

static int topic_consume(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_topic_t t;
    shmgen_topic_sub_t sub;
    char name[16];
    uint32_t es = job->c->elem_size;
    unsigned role = job->c->producers + index;
    snprintf(name, sizeof name, "sub%u", index);
    /* Subscribed before the barrier, so the publisher starts after every subscription. */
    if (topic_open(job, "chan", &seg, &info) || shmgen_topic_bind(&t, seg, &info) != 0 ||
        shmgen_topic_subscribe(&t, name, &sub) != 0)
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        const void *sample;
        unsigned spins = 0;
        int rc;
        while ((rc = shmgen_topic_read(&sub, &sample)) == SHMGEN_EMPTY)
            if (bench_relax(job, &spins))
                return 1;
        if (rc != 0)
            return 1;
        if (!bench_sample_ok(sample, es, i)) {
            bench_error(job, "topic sample", bench_seq_of(sample), i);
            return 1;
        }
        if (shmgen_topic_release(&sub) != 0)
            return 1;
    }
    bench_end(job, role);
    (void)shmgen_topic_unsubscribe(&sub);
    (void)shmgen_segment_close(seg);
    return 0;
}

/* ------------------------------------------------------- copying ring, large samples */

static int ring_big_produce(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    uint32_t es = job->c->elem_size;
    void *buf = calloc(1, es);
    if (!buf || topic_open(job, "chan", &seg, &info) || shmgen_ring_bind(&r, seg, &info) != 0)
        return 1;
    bench_start(job, index);
    for (uint64_t i = 0; i < job->msgs; i++) {
        unsigned spins = 0;
        bench_fill(buf, es, i);
        while (shmgen_ring_push(&r, buf) != 0)
            if (bench_relax(job, &spins))
                return 1;
    }
    bench_end(job, index);
    (void)shmgen_segment_close(seg);
    free(buf);
    return 0;
}

static int ring_big_consume(bench_job_t *job, unsigned index)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    uint32_t es = job->c->elem_size;
    unsigned role = job->c->producers + index;
    void *buf = calloc(1, es);
    if (!buf || topic_open(job, "chan", &seg, &info) || shmgen_ring_bind(&r, seg, &info) != 0)
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        unsigned spins = 0;
        while (shmgen_ring_pop(&r, buf) != 0)
            if (bench_relax(job, &spins))
                return 1;
        if (!bench_sample_ok(buf, es, i)) {
            bench_error(job, "ring sample", bench_seq_of(buf), i);
            return 1;
        }
    }
    bench_end(job, role);
    (void)shmgen_segment_close(seg);
    free(buf);
    return 0;
}

/* ------------------------------------------------------- ping-pong */

static int topic_bounce(bench_job_t *job, unsigned role)
{
    shmgen_segment_t *seg;
    shmgen_struct_info_t a, b;
    shmgen_topic_t out, in;
    shmgen_topic_sub_t sub;
    bench_lat_t lat = {0};
    if (topic_open(job, role == 0 ? "ping" : "pong", &seg, &a) ||
        shmgen_segment_find(seg, role == 0 ? "pong" : "ping", &b) != 0 || shmgen_topic_bind(&out, seg, &a) != 0 ||
        shmgen_topic_bind(&in, seg, &b) != 0 || shmgen_topic_subscribe(&in, "bounce", &sub) != 0 ||
        (role == 0 && bench_lat_init(&lat, job) != 0))
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        uint64_t v = i;
        unsigned spins = 0;
        int64_t t0 = role == 0 && bench_lat_timed(i) ? bench_now_ns() : 0;
        if (role == 0 && shmgen_topic_publish_copy(&out, &v) != 0)
            return 1;
        while (shmgen_topic_take(&sub, &v) != 0)
            if (bench_relax(job, &spins))
                return 1;
        if (role == 0) {
            if (t0)
                bench_lat_add(&lat, bench_now_ns() - t0);
            if (v != i + 1) {
                bench_error(job, "ping-pong reply", v, i + 1);
                return 1;
            }
        } else {
            v++;
            if (shmgen_topic_publish_copy(&out, &v) != 0)
                return 1;
        }
    }
    bench_end(job, role);
    if (role == 0)
        bench_lat_report(job, &lat);
    (void)shmgen_topic_unsubscribe(&sub);
    (void)shmgen_segment_close(seg);
    return 0;
}

static int topic_ping(bench_job_t *job, unsigned index)
{
    return topic_bounce(job, index);
}

static int topic_pong(bench_job_t *job, unsigned index)
{
    return topic_bounce(job, 1 + index);
}

#define TOPIC(id, label, es, subs, n) \
    {id, label, BENCH_BROADCAST, es, 1, subs, n, topic_setup, topic_produce, topic_consume, bench_ours_teardown}
#define RING_BIG(id, label, es, n) \
    {id, label, BENCH_THROUGHPUT, es, 1, 1, n, topic_setup, ring_big_produce, ring_big_consume, bench_ours_teardown}

const bench_case_t bench_topic_cases[] = {
    TOPIC("topic_1to1_8", "topic 1->1 8B", 8, 1, 16000000),
    TOPIC("topic_1to1_64", "topic 1->1 64B", 64, 1, 4000000),
    TOPIC("topic_1to1_64k", "topic 1->1 64KiB", 65536, 1, 400000),
    TOPIC("topic_1to1_1m", "topic 1->1 1MiB", 1048576, 1, 100000),
    TOPIC("topic_1to3_8", "topic 1->3 8B", 8, 3, 4000000),
    TOPIC("topic_1to3_64", "topic 1->3 64B", 64, 3, 2000000),
    TOPIC("topic_1to3_64k", "topic 1->3 64KiB", 65536, 3, 200000),
    TOPIC("topic_1to3_1m", "topic 1->3 1MiB", 1048576, 3, 50000),
    RING_BIG("ring_spsc_64k", "ring spsc 64KiB (copying)", 65536, 100000),
    RING_BIG("ring_spsc_1m", "ring spsc 1MiB (copying)", 1048576, 10000),
    {"topic_pingpong", "ping-pong topic", BENCH_ROUNDTRIP, 8, 1, 1, 1000000, topic_setup, topic_ping, topic_pong,
     bench_ours_teardown},
    {0},
};
