/*
 * SPDX-License-Identifier: MIT
 *
 * accessor_cost.c — shows that the generated typed accessors cost nothing:
 * the same loops through game_server_*() wrappers and through direct runtime
 * calls on the same bound handles, timed side by side.  Each loop lives in its
 * own noinline function, so `objdump -d accessor_cost` shows typed_* and
 * direct_* compile to the same calls (docs/generated-api.md).
 * Usage: accessor_cost [ITERATIONS]   (default 2,000,000)
 * Built with SHMGEN_BUILD_BENCH=ON from the golden game_server schema.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "game_server.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static uint64_t typed_queue(game_server_t *gs, long n)
{
    game_server_vec3_t v = {1, 2, 3}, out;
    uint64_t ok = 0;
    for (long i = 0; i < n; i++) {
        ok += game_server_damage_queue_enqueue(gs, &v) == 0;
        ok += game_server_damage_queue_dequeue(gs, &out) == 0;
    }
    return ok;
}

__attribute__((noinline)) static uint64_t direct_queue(game_server_t *gs, long n)
{
    game_server_vec3_t v = {1, 2, 3}, out;
    uint64_t ok = 0;
    for (long i = 0; i < n; i++) {
        ok += shmgen_queue_enqueue(&gs->h.damage_queue, &v) == 0;
        ok += shmgen_queue_dequeue(&gs->h.damage_queue, &out) == 0;
    }
    return ok;
}

__attribute__((noinline)) static uint64_t typed_atomic(game_server_t *gs, long n)
{
    for (long i = 0; i < n; i++) game_server_tick_fetch_add(gs, 1);
    return game_server_tick_load(gs);
}

__attribute__((noinline)) static uint64_t direct_atomic(game_server_t *gs, long n)
{
    for (long i = 0; i < n; i++) shmgen_atomic_fetch_add_u64(&gs->h.tick, 1);
    return shmgen_atomic_load_u64(&gs->h.tick);
}

__attribute__((noinline)) static uint64_t typed_array(game_server_t *gs, long n)
{
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) sum += *game_server_collision_at(gs, (uint64_t)i & 1023);
    return sum;
}

__attribute__((noinline)) static uint64_t direct_array(game_server_t *gs, long n)
{
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) sum += *(uint32_t *)shmgen_array_at(&gs->h.collision, (uint64_t)i & 1023);
    return sum;
}

typedef uint64_t (*loop_fn)(game_server_t *, long);

/* Best of 5 runs, in ns per iteration. */
static double best_ns(loop_fn fn, game_server_t *gs, long n, uint64_t *sink)
{
    double best = 1e300;
    for (int r = 0; r < 5; r++) {
        double t0 = now_ns();
        *sink += fn(gs, n);
        double t = (now_ns() - t0) / (double)n;
        if (t < best) best = t;
    }
    return best;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; loop_fn typed, direct; } loops[] = {
        {"queue enqueue+dequeue", typed_queue, direct_queue},
        {"atomic fetch_add", typed_atomic, direct_atomic},
        {"array at", typed_array, direct_array},
    };
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    char name[64];
    game_server_t *gs;
    uint64_t sink = 0;
    int rc;
    snprintf(name, sizeof name, "/shmgen_bench_accessor_%ld", (long)getpid());
    if ((rc = game_server_create(name, NULL, &gs)) != 0) {
        fprintf(stderr, "create: %s (%s)\n", shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    printf("%-24s %12s %12s %8s\n", "operation", "typed ns/op", "direct ns/op", "ratio");
    for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
        double t = best_ns(loops[i].typed, gs, n, &sink), d = best_ns(loops[i].direct, gs, n, &sink);
        printf("%-24s %12.2f %12.2f %8.3f\n", loops[i].name, t, d, t / d);
    }
    (void)game_server_close(gs);
    return sink == 42 ? 3 : 0; /* keeps the results observable */
}
