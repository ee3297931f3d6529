/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_iox.c — the publish/subscribe peer: Eclipse iceoryx (Debian's 2.0.3,
 * through its C binding), publisher and subscribers in separate processes,
 * with loans on both sides (iox_pub_loan_chunk / iox_sub_take_chunk), the way
 * iceoryx is meant to be used for zero-copy transport.
 *
 * Every sample reaches every subscriber (publisher policy WAIT_FOR_CONSUMER,
 * subscriber queue BLOCK_PRODUCER with the largest queue iceoryx allows), so
 * it compares with a `block` topic; subscribers check every sequence number.
 * Samples above 64 bytes are touched the way a zero-copy user touches a large
 * sample: the sequence number in the first and the last word (bench_fill).
 * RouDi, iceoryx's broker daemon, is started by the benchmark with a mempool
 * configuration holding chunks for every sample size used here, and stopped
 * at exit.  A role ends with exit(), not a return to the harness's _exit():
 * iceoryx unregisters a process from RouDi in its runtime's destructor, and a
 * process RouDi still believes registered makes its shutdown fail.
 * Depends on the harness and libiceoryx_binding_c.
 */
#define _GNU_SOURCE
#include "ipc_bench.h"
#include "ipc_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iceoryx_binding_c/enums.h"
#include "iceoryx_binding_c/log.h"
#include "iceoryx_binding_c/publisher.h"
#include "iceoryx_binding_c/runtime.h"
#include "iceoryx_binding_c/subscriber.h"
#include "iceoryx_binding_c/types.h"

#define IOX_QUEUE 256u /* the largest subscriber queue iceoryx 2.0 accepts */
#define ROUDI_READY_SECONDS 10

static pid_t g_roudi = -1;
static pid_t g_roudi_owner; /* the process that started RouDi (forked roles inherit atexit) */
static char g_roudi_config[96];

/* Chunk sizes leave room for iceoryx's chunk header (about 40 bytes). */
static const char g_config[] = "[general]\nversion = 1\n\n[[segment]]\n\n"
                               "[[segment.mempool]]\nsize = 128\ncount = 20000\n\n"
                               "[[segment.mempool]]\nsize = 1024\ncount = 2000\n\n"
                               "[[segment.mempool]]\nsize = 66560\ncount = 1200\n\n"
                               "[[segment.mempool]]\nsize = 1049600\ncount = 1100\n";

static char g_roudi_log[96];

/* Waits for RouDi's "ready" line in its log (or its death, or a timeout). */
static int await_ready(void)
{
    for (int i = 0; i < ROUDI_READY_SECONDS * 100; i++) {
        char buf[8192];
        FILE *f = fopen(g_roudi_log, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = '\0';
        if (strstr(buf, "RouDi is ready for clients"))
            return 0;
        if (waitpid(g_roudi, NULL, WNOHANG) == g_roudi) {
            g_roudi = -1;
            return 1;
        }
        usleep(10000);
    }
    return 1;
}

/* One RouDi per machine: its names in /dev/shm and /tmp are fixed.  Two
 * benchmarks (say, two test suites' smoke runs) take turns on this lock. */
#define ROUDI_LOCK "/tmp/shmgen-bench-iceoryx.lock"
#define ROUDI_LOCK_WAIT_SECONDS 600
static int g_lock_fd = -1;

static int take_machine_lock(void)
{
    g_lock_fd = open(ROUDI_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    for (int i = 0; g_lock_fd >= 0 && i < ROUDI_LOCK_WAIT_SECONDS * 10; i++) {
        if (flock(g_lock_fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (i == 0)
            fprintf(stderr, "bench: waiting for another benchmark's iceoryx runs to end (%s)\n", ROUDI_LOCK);
        usleep(100000);
    }
    fprintf(stderr, "bench: %s stayed locked: another iceoryx benchmark is running\n", ROUDI_LOCK);
    return 1;
}

int bench_iox_start_roudi(void)
{
    FILE *f;
    if (g_roudi > 0)
        return 0;
    if (take_machine_lock() != 0)
        return 1;
    snprintf(g_roudi_config, sizeof g_roudi_config, "/tmp/shmgen-bench-roudi-%d.toml", (int)getpid());
    snprintf(g_roudi_log, sizeof g_roudi_log, "/tmp/shmgen-bench-roudi-%d.log", (int)getpid());
    if (!(f = fopen(g_roudi_config, "w")) || fputs(g_config, f) < 0 || fclose(f) != 0)
        return 1;
    fflush(NULL);
    g_roudi_owner = getpid();
    g_roudi = fork();
    if (g_roudi == 0) {
        int fd = open(g_roudi_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        execlp("iox-roudi", "iox-roudi", "-c", g_roudi_config, (char *)NULL);
        _exit(127);
    }
    if (g_roudi < 0 || await_ready() != 0) {
        fprintf(stderr, "bench: iceoryx's RouDi did not start (is another RouDi running? see %s)\n", g_roudi_log);
        bench_iox_stop_roudi();
        return 1;
    }
    return 0;
}

/* RouDi removes its shared memory when it shuts down cleanly; if it died
 * instead, remove what it leaves in /dev/shm (its management segment and
 * the payload segment it names after the user's group). */
static void remove_roudi_leftovers(void)
{
    struct group *g = getgrgid(getegid());
    char path[300];
    unlink("/dev/shm/iceoryx_mgmt");
    if (g) {
        snprintf(path, sizeof path, "/dev/shm/%s", g->gr_name);
        unlink(path);
    }
}

void bench_iox_stop_roudi(void)
{
    if (getpid() != g_roudi_owner)
        return;
    if (g_roudi > 0) {
        int st = 0;
        kill(g_roudi, SIGTERM);
        waitpid(g_roudi, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            remove_roudi_leftovers();
    }
    g_roudi = -1;
    if (g_roudi_config[0])
        unlink(g_roudi_config);
    if (g_roudi_log[0])
        unlink(g_roudi_log);
    if (g_lock_fd >= 0)
        close(g_lock_fd); /* drops the machine lock */
    g_lock_fd = -1;
}

/* Every role process registers with RouDi under a name of its own.  Its
 * client library logs each registration at debug level on the terminal:
 * only warnings and errors belong in the report. */
static void attach_runtime(void)
{
    char name[64];
    iox_set_loglevel(Iceoryx_LogLevel_Warn);
    snprintf(name, sizeof name, "shmgen-bench-%d", (int)getpid());
    iox_runtime_init(name);
}

static iox_pub_t make_pub(iox_pub_storage_t *st, const bench_job_t *job, const char *event)
{
    iox_pub_options_t o;
    iox_pub_options_init(&o);
    o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
    return iox_pub_init(st, job->shm_name + 1, "bench", event, &o);
}

/* A subscriber that is subscribed (RouDi connects asynchronously) before the
 * role passes the start barrier; NULL if that does not happen in time. */
static iox_sub_t make_sub(iox_sub_storage_t *st, bench_job_t *job, const char *event)
{
    iox_sub_options_t o;
    iox_sub_options_init(&o);
    o.queueCapacity = IOX_QUEUE;
    o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
    iox_sub_t s = iox_sub_init(st, job->shm_name + 1, "bench", event, &o);
    for (int i = 0; i < 10000 && iox_sub_get_subscription_state(s) != SubscribeState_SUBSCRIBED; i++)
        usleep(1000);
    return iox_sub_get_subscription_state(s) == SubscribeState_SUBSCRIBED ? s : NULL;
}

/* Waits until the publisher sees `want` subscribers' queues connected. */
static int await_subscribers(bench_job_t *job, iox_pub_t p)
{
    unsigned spins = 0;
    (void)job;
    for (int i = 0; i < 10000 && !iox_pub_has_subscribers(p); i++)
        usleep(1000);
    return iox_pub_has_subscribers(p) ? 0 : bench_relax(job, &spins) | 1;
}

static int iox_produce(bench_job_t *job, unsigned index)
{
    iox_pub_storage_t st;
    uint32_t es = job->c->elem_size;
    attach_runtime();
    iox_pub_t p = make_pub(&st, job, "chan");
    if (await_subscribers(job, p) != 0)
        return 1;
    bench_start(job, index);
    for (uint64_t i = 0; i < job->msgs; i++) {
        void *chunk;
        unsigned spins = 0;
        while (iox_pub_loan_chunk(p, &chunk, es) != AllocationResult_SUCCESS)
            if (bench_relax(job, &spins))
                return 1;
        bench_fill(chunk, es, i);
        iox_pub_publish_chunk(p, chunk);
    }
    bench_end(job, index);
    iox_pub_deinit(p);
    iox_runtime_shutdown();
    exit(0);
}

static int iox_consume(bench_job_t *job, unsigned index)
{
    iox_sub_storage_t st;
    uint32_t es = job->c->elem_size;
    unsigned role = job->c->producers + index;
    attach_runtime();
    iox_sub_t s = make_sub(&st, job, "chan");
    if (!s)
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        const void *chunk;
        unsigned spins = 0;
        while (iox_sub_take_chunk(s, &chunk) != ChunkReceiveResult_SUCCESS)
            if (bench_relax(job, &spins))
                return 1;
        if (!bench_sample_ok(chunk, es, i)) {
            bench_error(job, "iceoryx sample", bench_seq_of(chunk), i);
            return 1;
        }
        iox_sub_release_chunk(s, chunk);
    }
    bench_end(job, role);
    iox_sub_deinit(s);
    iox_runtime_shutdown();
    exit(0);
}

/* Ping-pong: role 0 publishes on "ping" and takes from "pong"; role 1 the other way. */
static int iox_bounce(bench_job_t *job, unsigned role)
{
    iox_pub_storage_t pst;
    iox_sub_storage_t sst;
    bench_lat_t lat = {0};
    attach_runtime();
    iox_pub_t p = make_pub(&pst, job, role == 0 ? "ping" : "pong");
    iox_sub_t s = make_sub(&sst, job, role == 0 ? "pong" : "ping");
    if (!s || await_subscribers(job, p) != 0 || (role == 0 && bench_lat_init(&lat, job) != 0))
        return 1;
    bench_start(job, role);
    for (uint64_t i = 0; i < job->msgs; i++) {
        const void *in;
        void *out;
        uint64_t v = 0;
        unsigned spins = 0;
        int64_t t0 = role == 0 && bench_lat_timed(i) ? bench_now_ns() : 0;
        if (role == 0) {
            if (iox_pub_loan_chunk(p, &out, 8) != AllocationResult_SUCCESS)
                return 1;
            *(uint64_t *)out = i;
            iox_pub_publish_chunk(p, out);
        }
        while (iox_sub_take_chunk(s, &in) != ChunkReceiveResult_SUCCESS)
            if (bench_relax(job, &spins))
                return 1;
        v = *(const uint64_t *)in;
        iox_sub_release_chunk(s, in);
        if (role == 0) {
            if (t0)
                bench_lat_add(&lat, bench_now_ns() - t0);
            if (v != i + 1) {
                bench_error(job, "ping-pong reply", v, i + 1);
                return 1;
            }
        } else {
            if (iox_pub_loan_chunk(p, &out, 8) != AllocationResult_SUCCESS)
                return 1;
            *(uint64_t *)out = v + 1;
            iox_pub_publish_chunk(p, out);
        }
    }
    bench_end(job, role);
    if (role == 0)
        bench_lat_report(job, &lat);
    iox_sub_deinit(s);
    iox_pub_deinit(p);
    iox_runtime_shutdown();
    exit(0);
}

static int iox_ping(bench_job_t *job, unsigned index)
{
    return iox_bounce(job, index);
}

static int iox_pong(bench_job_t *job, unsigned index)
{
    return iox_bounce(job, 1 + index);
}

#define IOX(id, label, es, subs, n) {id, label, BENCH_BROADCAST, es, 1, subs, n, NULL, iox_produce, iox_consume, NULL}

const bench_case_t bench_iox_cases[] = {
    IOX("iox_1to1_8", "iceoryx 1->1 8B", 8, 1, 400000),
    IOX("iox_1to1_64", "iceoryx 1->1 64B", 64, 1, 400000),
    IOX("iox_1to1_64k", "iceoryx 1->1 64KiB", 65536, 1, 100000),
    IOX("iox_1to1_1m", "iceoryx 1->1 1MiB", 1048576, 1, 20000),
    IOX("iox_1to3_8", "iceoryx 1->3 8B", 8, 3, 200000),
    IOX("iox_1to3_64", "iceoryx 1->3 64B", 64, 3, 200000),
    IOX("iox_1to3_64k", "iceoryx 1->3 64KiB", 65536, 3, 50000),
    IOX("iox_1to3_1m", "iceoryx 1->3 1MiB", 1048576, 3, 10000),
    {"pingpong_iox", "ping-pong iceoryx", BENCH_ROUNDTRIP, 8, 1, 1, 100000, NULL, iox_ping, iox_pong, NULL},
    {0},
};
