/*
 * SPDX-License-Identifier: MIT
 *
 * test_atomic_threads.c — threaded checks of the segment core and the atomic
 * kind, run as a plain program (no Criterion) so that the TSan build can run
 * it too (Criterion cannot start under ThreadSanitizer, Criterion issue #274).
 * Threads share one handle for atomics; other threads open, journal and close
 * their own handles of the same segment at the same time.
 * Exit status 0 = pass; a failed check prints file:line and exits 1.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"
#include "shmgen/atomic.h"
#include "shmgen/segment.h"

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

enum { THREADS = 4, PER_THREAD = 20000, CHURN = 40 };

static const shmgen_struct_desc_t structs[] = {
    {"hits", SHMGEN_KIND_ATOMIC, 8, 8, 1, 1, 1, 0, 0, 0, 0, 0},
    {"flag", SHMGEN_KIND_ATOMIC, 4, 4, 1, 2, 1, 0, 0, 0, 0, 0},
};
static const shmgen_layout_t layout = {"threads", 1, 1, 0, 2, structs, 0};
static char name[64];
static shmgen_segment_t *shared;

static shmgen_atomic_t bind(shmgen_segment_t *seg, const char *field)
{
    shmgen_struct_info_t info;
    shmgen_atomic_t a;
    CHECK(shmgen_segment_find(seg, field, &info) == 0);
    CHECK(shmgen_atomic_bind(&a, seg, &info) == 0);
    return a;
}

static void *counter(void *arg)
{
    shmgen_atomic_t hits = bind(shared, "hits"), flag = bind(shared, "flag");
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        uint32_t seen = shmgen_atomic_load_u32(&flag);
        shmgen_atomic_fetch_add_u64(&hits, 1);
        while (!shmgen_atomic_compare_exchange_u32(&flag, &seen, seen + 1)) {}
    }
    /* The shared handle's journal is per thread: each thread gets its own. */
    CHECK(shmgen__journal_self(shared) != NULL);
    CHECK(shmgen__journal_self(shared) == shmgen__journal_self(shared));
    return NULL;
}

static void *churner(void *arg)
{
    (void)arg;
    for (int i = 0; i < CHURN; i++) {
        shmgen_segment_t *mine = NULL;
        unsigned count = 0;
        CHECK(shmgen_segment_open(name, &layout, NULL, &mine) == 0);
        CHECK(shmgen__journal_self(mine) != NULL);
        CHECK(shmgen_segment_attach_count(mine, &count) == 0 && count >= 2);
        CHECK(shmgen_segment_close(mine) == 0);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2 * THREADS];
    shmgen_atomic_t hits, flag;
    unsigned count = 0;

    snprintf(name, sizeof name, "/shmgen_t_threads_%d", (int)getpid());
    CHECK(shmgen_segment_create(name, &layout, NULL, &shared) == 0);
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&t[i], NULL, counter, NULL) == 0);
        CHECK(pthread_create(&t[THREADS + i], NULL, churner, NULL) == 0);
    }
    for (int i = 0; i < 2 * THREADS; i++) pthread_join(t[i], NULL);
    hits = bind(shared, "hits");
    flag = bind(shared, "flag");
    CHECK(shmgen_atomic_load_u64(&hits) == (uint64_t)THREADS * PER_THREAD);
    CHECK(shmgen_atomic_load_u32(&flag) == (uint32_t)THREADS * PER_THREAD);
    CHECK(shmgen_segment_attach_count(shared, &count) == 0 && count == 1);
    CHECK(shmgen_segment_close(shared) == 0);
    CHECK(shmgen_segment_open_readonly(name, &shared) == SHMGEN_NOT_FOUND);
    puts("test_atomic_threads: ok");
    return 0;
}
