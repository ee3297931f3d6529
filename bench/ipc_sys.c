/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_sys.c — the kernel-mediated peers (POSIX message queue, pipes) and the
 * core-to-core floor (one cache line bounced between two processes).
 * Pipe cases: one write()/read() per message, or 4 KiB writes carrying
 * 4096 / elem_size messages each (counted as messages, not bytes).
 * Depends on libc, librt and the harness (ipc_bench.h).
 */
#define _GNU_SOURCE
#include "ipc_bench.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- common */

/* Checks one received element: in order for one producer, else summed. */
static int check_elem(bench_job_t *job, uint64_t seq, uint64_t *expected, uint64_t *sum)
{
    if (job->c->producers == 1) {
        if (seq != *expected) {
            bench_error(job, "out of order", seq, *expected);
            return 1;
        }
        ++*expected;
    }
    *sum += seq;
    return 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* ------------------------------------------------------- POSIX mq */

#define MQ_DEPTH_WANTED 256
#define MQ_DEPTH_FALLBACK 10 /* the default /proc/sys/fs/mqueue/msg_max */

static int mq_setup(bench_job_t *job)
{
    struct mq_attr attr = {0};
    attr.mq_maxmsg = MQ_DEPTH_WANTED;
    attr.mq_msgsize = job->c->elem_size;
    mqd_t q = mq_open(job->shm_name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    if (q == (mqd_t)-1 && errno == EINVAL) {
        attr.mq_maxmsg = MQ_DEPTH_FALLBACK;
        q = mq_open(job->shm_name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    }
    if (q == (mqd_t)-1)
        return 1;
    mq_close(q);
    return 0;
}

static void mq_teardown(bench_job_t *job)
{
    mq_unlink(job->shm_name);
}

static int mq_produce(bench_job_t *job, unsigned index)
{
    mqd_t q = mq_open(job->shm_name, O_WRONLY);
    if (q == (mqd_t)-1)
        return 1;
    bench_msg64_t m;
    uint32_t es = job->c->elem_size;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        bench_fill(&m, es, bench_seq(job, index, i));
        if (mq_send(q, (const char *)&m, es, 0) != 0)
            return 1;
    }
    bench_end(job, index);
    mq_close(q);
    return 0;
}

static int mq_consume(bench_job_t *job, unsigned index)
{
    mqd_t q = mq_open(job->shm_name, O_RDONLY);
    if (q == (mqd_t)-1)
        return 1;
    bench_msg64_t m;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), expected = 0, sum = 0;
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        if (mq_receive(q, (char *)&m, sizeof m, NULL) != (ssize_t)job->c->elem_size)
            return 1;
        if (check_elem(job, bench_seq_of(&m), &expected, &sum))
            return 1;
    }
    bench_end(job, role);
    bench_add_sum(job, sum);
    mq_close(q);
    return 0;
}

/* ------------------------------------------------------- pipes */

static int pipe_setup(bench_job_t *job)
{
    if (pipe(job->fds) != 0)
        return 1;
    if (job->c->metric == BENCH_ROUNDTRIP && pipe(job->fds + 2) != 0)
        return 1;
    return 0;
}

/* Keeps fds[keep_a] and fds[keep_b] open in this role, closes the rest. */
static void pipe_keep(bench_job_t *job, int keep_a, int keep_b)
{
    for (int i = 0; i < 4; i++)
        if (i != keep_a && i != keep_b && job->fds[i] >= 0)
            close(job->fds[i]);
}

static int pipe_produce(bench_job_t *job, unsigned index)
{
    pipe_keep(job, 1, -1);
    bench_msg64_t m;
    uint32_t es = job->c->elem_size;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        bench_fill(&m, es, i);
        if (write_all(job->fds[1], &m, es))
            return 1;
    }
    bench_end(job, index);
    return 0;
}

static int pipe_consume(bench_job_t *job, unsigned index)
{
    pipe_keep(job, 0, -1);
    bench_msg64_t m;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), expected = 0, sum = 0;
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        if (read_all(job->fds[0], &m, job->c->elem_size))
            return 1;
        if (check_elem(job, bench_seq_of(&m), &expected, &sum))
            return 1;
    }
    bench_end(job, role);
    return 0;
}

static int pipe4k_produce(bench_job_t *job, unsigned index)
{
    pipe_keep(job, 1, -1);
    _Alignas(64) unsigned char chunk[BENCH_BATCH_BYTES];
    uint32_t es = job->c->elem_size, per = BENCH_BATCH_BYTES / es;
    uint64_t n = bench_share(job, index);
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i += per) {
        uint32_t k = n - i < per ? (uint32_t)(n - i) : per;
        for (uint32_t j = 0; j < k; j++)
            bench_fill(chunk + (size_t)j * es, es, i + j);
        if (write_all(job->fds[1], chunk, (size_t)k * es))
            return 1;
    }
    bench_end(job, index);
    return 0;
}

static int pipe4k_consume(bench_job_t *job, unsigned index)
{
    pipe_keep(job, 0, -1);
    _Alignas(64) unsigned char buf[BENCH_BATCH_BYTES + 64];
    uint32_t es = job->c->elem_size;
    unsigned role = job->c->producers + index;
    uint64_t n = bench_share(job, role), expected = 0, sum = 0;
    size_t have = 0;
    bench_start(job, role);
    while (expected < n) {
        ssize_t r = read(job->fds[0], buf + have, BENCH_BATCH_BYTES);
        if (r <= 0)
            return 1;
        have += (size_t)r;
        size_t whole = have / es * es;
        for (size_t off = 0; off < whole; off += es)
            if (check_elem(job, bench_seq_of(buf + off), &expected, &sum))
                return 1;
        /* a read may end inside an element; keep the partial tail */
        memmove(buf, buf + whole, have - whole);
        have -= whole;
    }
    bench_end(job, role);
    return 0;
}

/* Ping-pong: role 0 writes fds[1] and reads fds[2]; role 1 the reverse. */
static int pipe_ping(bench_job_t *job, unsigned index)
{
    pipe_keep(job, 1, 2);
    uint64_t v = 0, n = job->msgs;
    bench_start(job, index);
    for (uint64_t i = 0; i < n; i++) {
        v = i;
        if (write_all(job->fds[1], &v, 8) || read_all(job->fds[2], &v, 8))
            return 1;
        if (v != i + 1) {
            bench_error(job, "ping-pong reply", v, i + 1);
            return 1;
        }
    }
    bench_end(job, index);
    return 0;
}

static int pipe_pong(bench_job_t *job, unsigned index)
{
    pipe_keep(job, 0, 3);
    uint64_t v, n = job->msgs;
    bench_start(job, 1 + index);
    for (uint64_t i = 0; i < n; i++) {
        if (read_all(job->fds[0], &v, 8))
            return 1;
        v++;
        if (write_all(job->fds[3], &v, 8))
            return 1;
    }
    bench_end(job, 1 + index);
    return 0;
}

/* ------------------------------------------------------- core-to-core floor */

#define FLOOR_BYTES 4096

static int floor_setup(bench_job_t *job)
{
    return bench_region_create(job, FLOOR_BYTES) ? 0 : 1;
}

static void floor_teardown(bench_job_t *job)
{
    bench_region_unlink(job);
}

/* Role 0 moves the counter from even to odd, role 1 from odd to even: each
 * round trip is two cache-line transfers between the CPUs. */
static int floor_bounce(bench_job_t *job, unsigned role, uint64_t parity)
{
    atomic_uint_least64_t *line = bench_region_map(job, FLOOR_BYTES);
    if (!line)
        return 1;
    uint64_t n = job->msgs;
    bench_start(job, role);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t want = 2 * i + parity;
        unsigned spins = 0;
        /* acquire: nothing else is published, but it is the honest cost of a
         * handoff that would publish data */
        while (atomic_load_explicit(line, memory_order_acquire) != want)
            if (bench_relax(job, &spins))
                return 1;
        atomic_store_explicit(line, want + 1, memory_order_release);
    }
    bench_end(job, role);
    bench_region_unmap((void *)line, FLOOR_BYTES);
    return 0;
}

static int floor_ping(bench_job_t *job, unsigned index)
{
    return floor_bounce(job, index, 0);
}

static int floor_pong(bench_job_t *job, unsigned index)
{
    return floor_bounce(job, 1 + index, 1);
}

const bench_case_t bench_floor_case = {
    "floor", "core-to-core floor", BENCH_ROUNDTRIP, 8, 1, 1, 2000000,
    floor_setup, floor_ping, floor_pong, floor_teardown,
};

#define MQ(id, label, es, p, c, n) \
    {id, label, BENCH_THROUGHPUT, es, p, c, n, mq_setup, mq_produce, mq_consume, mq_teardown}
#define PIPE(id, label, es, n, prod, cons) \
    {id, label, BENCH_THROUGHPUT, es, 1, 1, n, pipe_setup, prod, cons, NULL}

const bench_case_t bench_sys_cases[] = {
    MQ("mq_8", "POSIX mq 8B", 8, 1, 1, 1000000),
    MQ("mq_64", "POSIX mq 64B", 64, 1, 1, 1000000),
    MQ("mq2_8", "POSIX mq 2p2c 8B", 8, 2, 2, 1000000),
    MQ("mq2_64", "POSIX mq 2p2c 64B", 64, 2, 2, 1000000),
    PIPE("pipe_8", "pipe 8B writes", 8, 1000000, pipe_produce, pipe_consume),
    PIPE("pipe_64", "pipe 64B writes", 64, 1000000, pipe_produce, pipe_consume),
    PIPE("pipe4k_8", "pipe 4KiB writes 8B", 8, 16000000, pipe4k_produce, pipe4k_consume),
    PIPE("pipe4k_64", "pipe 4KiB writes 64B", 64, 4000000, pipe4k_produce, pipe4k_consume),
    {"pingpong_pipe", "ping-pong pipe", BENCH_ROUNDTRIP, 8, 1, 1, 20000, pipe_setup, pipe_ping, pipe_pong,
     NULL},
    {0},
};
