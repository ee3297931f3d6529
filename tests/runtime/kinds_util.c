/*
 * SPDX-License-Identifier: MIT
 *
 * kinds_util.c — see kinds_util.h.  Depends on the public runtime API,
 * Criterion, POSIX fork/mmap and pthreads.
 */
#include "kinds_util.h"

#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void kutil_create_desc(kutil_seg_t *k, const char *tag, const shmgen_struct_desc_t *d)
{
    static int counter;
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "/shmgen-kt-%s-%d-%d", tag, (int)getpid(), counter++);
    k->desc = *d;
    k->desc.name = "s";
    k->desc.elem_align = d->elem_size % 8 == 0 ? 8 : (d->elem_size % 4 == 0 ? 4 : 1);
    k->desc.since = 1;
    k->layout.segment = "kinds";
    k->layout.schema_version = 1;
    k->layout.layout_hash = 0x6b696e6473ull;
    k->layout.nstructs = 1;
    k->layout.structs = &k->desc;
    if (shmgen_segment_unlink(k->name) != 0) { /* absent: nothing to remove */ }
    cr_assert_eq(shmgen_segment_create(k->name, &k->layout, NULL, &k->seg), 0, "create %s", k->name);
    cr_assert_eq(shmgen_segment_find(k->seg, "s", &k->info), 0);
}

void kutil_create(kutil_seg_t *k, const char *tag, shmgen_kind_t kind, uint32_t elem_size, uint64_t capacity)
{
    shmgen_struct_desc_t d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.elem_size = elem_size;
    d.capacity = capacity;
    kutil_create_desc(k, tag, &d);
}

void kutil_create_topic(kutil_seg_t *k, const char *tag, uint32_t elem_size, uint64_t capacity, uint32_t subscribers,
                        uint32_t history, shmgen_topic_policy_t policy, uint32_t deadline_ms)
{
    shmgen_struct_desc_t d;
    memset(&d, 0, sizeof d);
    d.kind = SHMGEN_KIND_TOPIC;
    d.elem_size = elem_size;
    d.capacity = capacity;
    d.subscribers = subscribers;
    d.history = history;
    d.policy = policy;
    d.deadline_ms = deadline_ms;
    kutil_create_desc(k, tag, &d);
}

void kutil_destroy(kutil_seg_t *k)
{
    if (k->seg) (void)shmgen_segment_close(k->seg);
    k->seg = NULL;
    if (shmgen_segment_unlink(k->name) != 0) { /* absent: nothing to remove */ }
}

shmgen_segment_t *kutil_open(const kutil_seg_t *k, shmgen_struct_info_t *info)
{
    shmgen_segment_t *seg = NULL;
    if (shmgen_segment_open(k->name, &k->layout, NULL, &seg) != 0) return NULL;
    if (shmgen_segment_find(seg, "s", info) != 0) {
        (void)shmgen_segment_close(seg);
        return NULL;
    }
    return seg;
}

void *kutil_shared(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    return p;
}

void kutil_shared_free(void *p, size_t bytes)
{
    munmap(p, bytes);
}

void kutil_error(kutil_report_t *r, const char *fmt, ...)
{
    if (atomic_fetch_add(&r->errors, 1) == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg, sizeof r->msg, fmt, ap);
        va_end(ap);
    }
}

pid_t kutil_spawn(kutil_seg_t *k, kutil_worker_fn fn, int id, void *ctx)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        shmgen_struct_info_t info;
        shmgen_segment_t *seg = kutil_open(k, &info);
        if (!seg) _exit(3);
        fn(seg, &info, id, ctx);
        (void)shmgen_segment_close(seg);
        _exit(0);
    }
    return pid;
}

typedef struct thread_arg {
    kutil_seg_t *k;
    kutil_worker_fn fn;
    int id;
    void *ctx;
} thread_arg_t;

static void *thread_main(void *p)
{
    thread_arg_t *a = p;
    a->fn(a->k->seg, &a->k->info, a->id, a->ctx);
    return NULL;
}

void kutil_run(kutil_seg_t *k, int n, kutil_worker_fn fn, void *ctx, bool threads)
{
    pid_t pids[64];
    pthread_t tids[64];
    thread_arg_t args[64];
    cr_assert(n <= 64);
    for (int i = 0; i < n; i++) {
        if (threads) {
            args[i] = (thread_arg_t){k, fn, i, ctx};
            cr_assert_eq(pthread_create(&tids[i], NULL, thread_main, &args[i]), 0);
        } else {
            pids[i] = kutil_spawn(k, fn, i, ctx);
        }
    }
    for (int i = 0; i < n; i++) {
        if (threads) {
            pthread_join(tids[i], NULL);
        } else {
            int st;
            cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
            cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d ended with status %#x", i, st);
        }
    }
}

int kutil_kill_loop(kutil_seg_t *k, kutil_worker_fn fn, void *ctx, int rounds, unsigned max_delay_us,
                    uint64_t seed, int *bad)
{
    int killed = 0;
    *bad = 0;
    for (int i = 0; i < rounds; i++) {
        pid_t pid = kutil_spawn(k, fn, 1000 + i, ctx);
        int st;
        usleep((useconds_t)(kutil_rand(&seed) % max_delay_us));
        kill(pid, SIGKILL);
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) killed++;
        else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) (*bad)++;
    }
    return killed;
}

int kutil_kill_reap(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

void kutil_assert_attached(kutil_seg_t *k, unsigned expected)
{
    unsigned count = 0;
    cr_assert_eq(shmgen_segment_attach_count(k->seg, &count), 0);
    cr_assert_eq(count, expected, "attach count %u, expected %u", count, expected);
}

uint64_t kutil_count_andnot(_Atomic uint64_t *a, _Atomic uint64_t *b, uint64_t nbits)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < (nbits + 63) / 64; i++)
        n += (uint64_t)__builtin_popcountll(atomic_load(&a[i]) & ~atomic_load(&b[i]));
    return n;
}

bool kutil_bit_set(_Atomic uint64_t *bm, uint64_t i)
{
    uint64_t bit = (uint64_t)1 << (i % 64);
    return (atomic_fetch_or(&bm[i / 64], bit) & bit) != 0;
}

bool kutil_bit_get(_Atomic uint64_t *bm, uint64_t i)
{
    return (atomic_load(&bm[i / 64]) >> (i % 64)) & 1u;
}

static unsigned char check_byte(uint64_t seq, uint32_t i)
{
    return (unsigned char)((seq * 0x9E3779B97F4A7C15ull) >> (8 * (i % 8))) ^ (unsigned char)i;
}

void kutil_fill(unsigned char *e, uint32_t size, uint64_t seq)
{
    memcpy(e, &seq, 8);
    for (uint32_t i = 8; i < size; i++) e[i] = check_byte(seq, i);
}

uint64_t kutil_seq_of(const unsigned char *e)
{
    uint64_t seq;
    memcpy(&seq, e, 8);
    return seq;
}

bool kutil_intact(const unsigned char *e, uint32_t size)
{
    uint64_t seq = kutil_seq_of(e);
    for (uint32_t i = 8; i < size; i++)
        if (e[i] != check_byte(seq, i)) return false;
    return true;
}

uint64_t kutil_scale(uint64_t n)
{
    const char *s = getenv("SHMGEN_STRESS_SCALE");
    double f = s ? atof(s) : 1.0;
    if (f <= 0) f = 1.0;
    return (uint64_t)((double)n * f);
}

uint64_t kutil_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

void kutil_backoff(unsigned *spins)
{
    if (++*spins < 32) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    } else {
        sched_yield();
    }
}

double kutil_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
