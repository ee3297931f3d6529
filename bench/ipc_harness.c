/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_harness.c — runs one benchmark case: forks its roles, pins them, times
 * them through a shared control block, checks what the consumers verified.
 * Also the POSIX shared-memory helpers the peers use.  Depends on libc and
 * ipc_bench.h / ipc_harness.h.
 */
#define _GNU_SOURCE
#include "ipc_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WATCHDOG_SECONDS 120

/* Harness-only shared state; never part of what is measured except the
 * start barrier, which every case pays the same way. */
struct bench_ctl {
    _Alignas(64) atomic_uint ready;
    _Alignas(64) atomic_uint go;
    atomic_uint aborted;
    atomic_uint errors;
    atomic_uint_least64_t sum;
    int64_t start_ns[BENCH_MAX_ROLES];
    int64_t end_ns[BENCH_MAX_ROLES];
    int64_t p50_ns, p99_ns, p999_ns;
    char first_error[160];
};

static int g_pin = 1;

int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int bench_pin_available(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    return CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

void bench_set_pinning(int on)
{
    g_pin = on;
}

int bench_pin_cpu(int cpu)
{
    if (!g_pin)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

uint64_t bench_share(const bench_job_t *job, unsigned index)
{
    unsigned n = index < job->c->producers ? job->c->producers : job->c->consumers;
    if (job->c->metric == BENCH_BROADCAST && index >= job->c->producers)
        return job->msgs;
    return job->msgs / n;
}

void bench_start(bench_job_t *job, unsigned index)
{
    struct bench_ctl *ctl = job->ctl;
    unsigned spins = 0;
    atomic_fetch_add(&ctl->ready, 1);
    /* yields too, so a role sharing this CPU can still attach */
    while (!atomic_load_explicit(&ctl->go, memory_order_acquire))
        (void)bench_relax(job, &spins);
    ctl->start_ns[index] = bench_now_ns();
}

void bench_end(bench_job_t *job, unsigned index)
{
    job->ctl->end_ns[index] = bench_now_ns();
}

void bench_error(bench_job_t *job, const char *what, uint64_t got, uint64_t want)
{
    struct bench_ctl *ctl = job->ctl;
    if (atomic_fetch_add(&ctl->errors, 1) == 0)
        snprintf(ctl->first_error, sizeof ctl->first_error, "%s: %s: got %llu, want %llu",
                 job->c->id, what, (unsigned long long)got, (unsigned long long)want);
}

void bench_add_sum(bench_job_t *job, uint64_t sum)
{
    atomic_fetch_add(&job->ctl->sum, sum);
}

int bench_lat_init(bench_lat_t *lat, const bench_job_t *job)
{
    lat->n = 0;
    lat->cap = job->msgs / BENCH_LAT_EVERY + 1;
    lat->ns = malloc(lat->cap * sizeof *lat->ns);
    return lat->ns ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The sample below which a fraction q of them lie (nearest rank). */
static int64_t percentile(const int64_t *sorted, uint64_t n, double q)
{
    uint64_t i = (uint64_t)(q * (double)n);
    return sorted[i < n ? i : n - 1];
}

void bench_lat_report(bench_job_t *job, bench_lat_t *lat)
{
    if (lat->n > 0) {
        qsort(lat->ns, lat->n, sizeof *lat->ns, cmp_i64);
        job->ctl->p50_ns = percentile(lat->ns, lat->n, 0.50);
        job->ctl->p99_ns = percentile(lat->ns, lat->n, 0.99);
        job->ctl->p999_ns = percentile(lat->ns, lat->n, 0.999);
    }
    free(lat->ns);
    lat->ns = NULL;
}

int bench_relax(bench_job_t *job, unsigned *spins)
{
    if (++*spins < 256) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield" ::: "memory");
#endif
        return 0;
    }
    *spins = 0;
    sched_yield();
    return (int)atomic_load_explicit(&job->ctl->aborted, memory_order_relaxed);
}

void *bench_region_create(const bench_job_t *job, size_t size)
{
    int fd = shm_open(job->shm_name, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        return NULL;
    void *p = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0)
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        shm_unlink(job->shm_name);
        return NULL;
    }
    return p;
}

void *bench_region_map(const bench_job_t *job, size_t size)
{
    int fd = shm_open(job->shm_name, O_RDWR, 0);
    if (fd < 0)
        return NULL;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

void bench_region_unmap(void *addr, size_t size)
{
    if (addr)
        munmap(addr, size);
}

void bench_region_unlink(const bench_job_t *job)
{
    shm_unlink(job->shm_name);
}

/* Producer i runs on CPU i % 2, consumer j on CPU (j + 1) % 2: in 1P1C the
 * pair sits on different CPUs; in 2P2C each CPU runs one producer and one
 * consumer, so both indices are contended across cores. */
static int role_cpu(const bench_case_t *c, unsigned role)
{
    if (role < c->producers)
        return (int)(role % 2);
    return (int)((role - c->producers + 1) % 2);
}

static void child_main(bench_job_t *job, unsigned role)
{
    const bench_case_t *c = job->c;
    alarm(WATCHDOG_SECONDS);
    if (bench_pin_cpu(role_cpu(c, role)) != 0)
        _exit(3);
    int rc = role < c->producers ? c->produce(job, role) : c->consume(job, role - c->producers);
    _exit(rc == 0 ? 0 : 2);
}

/* Waits for every child; aborts the others as soon as one fails. */
static int reap_children(bench_job_t *job, unsigned n)
{
    int failed = 0;
    for (unsigned done = 0; done < n; done++) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            failed = 1;
            break;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (!failed)
                fprintf(stderr, "bench: %s: role process %d %s %d\n", job->c->id, (int)pid,
                        WIFEXITED(status) ? "exited with" : "killed by signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            failed = 1;
            atomic_store(&job->ctl->aborted, 1);
            /* release roles still waiting at the barrier */
            atomic_store_explicit(&job->ctl->go, 1, memory_order_release);
        }
    }
    return failed;
}

/* Releases the barrier once all roles are attached (or one has died). */
static int release_barrier(bench_job_t *job, unsigned nroles)
{
    int64_t deadline = bench_now_ns() + (int64_t)30 * 1000000000;
    while (atomic_load(&job->ctl->ready) < nroles) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid > 0 || bench_now_ns() > deadline) {
            fprintf(stderr, "bench: %s: a role failed before the start\n", job->c->id);
            atomic_store(&job->ctl->aborted, 1);
            atomic_store_explicit(&job->ctl->go, 1, memory_order_release);
            return 1;
        }
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
    atomic_store_explicit(&job->ctl->go, 1, memory_order_release);
    return 0;
}

static uint64_t expected_sum(uint64_t n)
{
    return n % 2 == 0 ? (n / 2) * (n - 1) : n * ((n - 1) / 2);
}

static int check_outcome(bench_job_t *job, bench_result_t *out)
{
    const bench_case_t *c = job->c;
    struct bench_ctl *ctl = job->ctl;
    if (atomic_load(&ctl->errors)) {
        fprintf(stderr, "bench: %s\n", ctl->first_error);
        return 1;
    }
    if (c->producers > 1 && atomic_load(&ctl->sum) != expected_sum(job->msgs)) {
        fprintf(stderr, "bench: %s: checksum %llu, want %llu\n", c->id,
                (unsigned long long)atomic_load(&ctl->sum), (unsigned long long)expected_sum(job->msgs));
        return 1;
    }
    unsigned nroles = c->producers + c->consumers;
    int64_t t0 = ctl->start_ns[0], t1 = ctl->end_ns[0];
    for (unsigned r = 1; r < nroles; r++) {
        t0 = ctl->start_ns[r] < t0 ? ctl->start_ns[r] : t0;
        t1 = ctl->end_ns[r] > t1 ? ctl->end_ns[r] : t1;
    }
    out->seconds = (double)(t1 - t0) / 1e9;
    out->msgs = job->msgs;
    out->p50_ns = ctl->p50_ns;
    out->p99_ns = ctl->p99_ns;
    out->p999_ns = ctl->p999_ns;
    return out->seconds > 0 ? 0 : 1;
}

static int fork_roles(bench_job_t *job, pid_t *pids, unsigned nroles)
{
    fflush(NULL);
    for (unsigned r = 0; r < nroles; r++) {
        pids[r] = fork();
        if (pids[r] < 0)
            return 1;
        if (pids[r] == 0)
            child_main(job, r);
    }
    return 0;
}

int bench_run_once(const bench_case_t *c, uint64_t msgs, bench_result_t *out)
{
    static unsigned run_counter;
    bench_job_t job;
    memset(&job, 0, sizeof job);
    job.c = c;
    job.msgs = msgs;
    for (int i = 0; i < 4; i++)
        job.fds[i] = -1;
    snprintf(job.shm_name, sizeof job.shm_name, "/shmgen-bench-%d-%u", (int)getpid(), run_counter++);
    job.ctl = mmap(NULL, sizeof *job.ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (job.ctl == MAP_FAILED)
        return 1;
    memset(job.ctl, 0, sizeof *job.ctl);
    if (c->setup && c->setup(&job) != 0) {
        fprintf(stderr, "bench: %s: setup failed (%s)\n", c->id, strerror(errno));
        munmap(job.ctl, sizeof *job.ctl);
        return 1;
    }
    unsigned nroles = c->producers + c->consumers;
    pid_t pids[BENCH_MAX_ROLES];
    int failed = fork_roles(&job, pids, nroles);
    if (!failed)
        failed = release_barrier(&job, nroles);
    /* close the parent's pipe ends so a dead peer shows as EOF/EPIPE */
    for (int i = 0; i < 4; i++)
        if (job.fds[i] >= 0)
            close(job.fds[i]);
    failed |= reap_children(&job, nroles);
    if (!failed)
        failed = check_outcome(&job, out);
    if (c->teardown)
        c->teardown(&job);
    munmap(job.ctl, sizeof *job.ctl);
    return failed;
}
