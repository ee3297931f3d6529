/*
 * SPDX-License-Identifier: MIT
 *
 * accessor_cost.c — what the generated typed accessors cost over direct
 * runtime calls: the same loops through the game_server_*() and
 * kitchen_sink_*() wrappers and through the runtime on the same bound
 * handles, timed side by side.  Each loop lives in its own noinline function,
 * so `objdump -d accessor_cost` and callgrind compare typed_* with direct_*
 * (docs/generated-api.md).
 * Usage: accessor_cost [ITERATIONS]   (default 2,000,000)
 * Built with SHMGEN_BUILD_BENCH=ON from the golden game_server and
 * everything (kitchen_sink: a topic and a latest value) schemas.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "game_server.h"
#include "kitchen_sink.h"

/* The segments and the subscription the loops use. */
typedef struct bench {
    game_server_t *gs;
    kitchen_sink_t *ks;
    kitchen_sink_feed_sub_t sub; /* one cursor: the typed loops use it, the direct ones its raw form */
} bench_t;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noinline)) static uint64_t typed_queue(bench_t *b, long n)
{
    game_server_t *gs = b->gs;
    game_server_vec3_t v = {1, 2, 3}, out;
    uint64_t ok = 0;
    for (long i = 0; i < n; i++) {
        ok += game_server_damage_queue_enqueue(gs, &v) == 0;
        ok += game_server_damage_queue_dequeue(gs, &out) == 0;
    }
    return ok;
}

__attribute__((noinline)) static uint64_t direct_queue(bench_t *b, long n)
{
    game_server_t *gs = b->gs;
    game_server_vec3_t v = {1, 2, 3}, out;
    uint64_t ok = 0;
    for (long i = 0; i < n; i++) {
        ok += shmgen_queue_enqueue(&gs->h.damage_queue, &v) == 0;
        ok += shmgen_queue_dequeue(&gs->h.damage_queue, &out) == 0;
    }
    return ok;
}

__attribute__((noinline)) static uint64_t typed_atomic(bench_t *b, long n)
{
    game_server_t *gs = b->gs;
    for (long i = 0; i < n; i++) game_server_tick_fetch_add(gs, 1);
    return game_server_tick_load(gs);
}

__attribute__((noinline)) static uint64_t direct_atomic(bench_t *b, long n)
{
    game_server_t *gs = b->gs;
    for (long i = 0; i < n; i++) shmgen_atomic_fetch_add_u64(&gs->h.tick, 1);
    return shmgen_atomic_load_u64(&gs->h.tick);
}

__attribute__((noinline)) static uint64_t typed_array(bench_t *b, long n)
{
    game_server_t *gs = b->gs;
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) sum += *game_server_collision_at(gs, (uint64_t)i & 1023);
    return sum;
}

__attribute__((noinline)) static uint64_t direct_array(bench_t *b, long n)
{
    game_server_t *gs = b->gs;
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) sum += *(uint32_t *)shmgen_array_at(&gs->h.collision, (uint64_t)i & 1023);
    return sum;
}

/* Zero copy through the topic: loan, write, publish; read, look, release. */
__attribute__((noinline)) static uint64_t typed_topic(bench_t *b, long n)
{
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        kitchen_sink_inner_t *slot;
        const kitchen_sink_inner_t *in;
        if (kitchen_sink_feed_loan(b->ks, &slot) == 0) {
            slot->b = (uint64_t)i;
            sum += kitchen_sink_feed_publish(b->ks) == 0;
        }
        if (kitchen_sink_feed_read(&b->sub, &in) == 0) {
            sum += in->b;
            sum += kitchen_sink_feed_release(&b->sub) == 0;
        }
    }
    return sum;
}

__attribute__((noinline)) static uint64_t direct_topic(bench_t *b, long n)
{
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        void *slot;
        const void *in;
        if (shmgen_topic_loan(&b->ks->h.feed, &slot) == 0) {
            ((kitchen_sink_inner_t *)slot)->b = (uint64_t)i;
            sum += shmgen_topic_publish(&b->ks->h.feed) == 0;
        }
        if (shmgen_topic_read(&b->sub.raw, &in) == 0) {
            sum += ((const kitchen_sink_inner_t *)in)->b;
            sum += shmgen_topic_release(&b->sub.raw) == 0;
        }
    }
    return sum;
}

__attribute__((noinline)) static uint64_t typed_latest(bench_t *b, long n)
{
    kitchen_sink_scalars_t v = {.u64v = 1}, out;
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        v.u32v = (uint32_t)i;
        sum += kitchen_sink_config_store(b->ks, &v) == 0;
        sum += kitchen_sink_config_load(b->ks, &out, NULL) == 0 ? out.u32v : 0;
    }
    return sum;
}

__attribute__((noinline)) static uint64_t direct_latest(bench_t *b, long n)
{
    kitchen_sink_scalars_t v = {.u64v = 1}, out;
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        v.u32v = (uint32_t)i;
        sum += shmgen_latest_store(&b->ks->h.config, &v) == 0;
        sum += shmgen_latest_load(&b->ks->h.config, &out, NULL) == 0 ? out.u32v : 0;
    }
    return sum;
}

typedef uint64_t (*loop_fn)(bench_t *, long);

/* Best of 5 runs, in ns per iteration. */
static double best_ns(loop_fn fn, bench_t *b, long n, uint64_t *sink)
{
    double best = 1e300;
    for (int r = 0; r < 5; r++) {
        double t0 = now_ns();
        *sink += fn(b, n);
        double t = (now_ns() - t0) / (double)n;
        if (t < best) best = t;
    }
    return best;
}

/* Creates both segments and subscribes to the topic; 0 or an error (printed). */
static int open_bench(bench_t *b)
{
    char name[64];
    int rc;
    snprintf(name, sizeof name, "/shmgen_bench_accessor_%ld", (long)getpid());
    if ((rc = game_server_create(name, NULL, &b->gs)) == 0) {
        snprintf(name, sizeof name, "/shmgen_bench_accessor_ks_%ld", (long)getpid());
        rc = kitchen_sink_create(name, NULL, &b->ks);
    }
    if (rc == 0) rc = kitchen_sink_feed_subscribe(b->ks, "bench", &b->sub);
    if (rc != 0) fprintf(stderr, "create: %s (%s)\n", shmgen_strerror(rc), shmgen_segment_last_detail());
    return rc;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; loop_fn typed, direct; } loops[] = {
        {"queue enqueue+dequeue", typed_queue, direct_queue},
        {"atomic fetch_add", typed_atomic, direct_atomic},
        {"array at", typed_array, direct_array},
        {"topic loan..release", typed_topic, direct_topic},
        {"latest store+load", typed_latest, direct_latest},
    };
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    bench_t b = {0};
    uint64_t sink = 0;
    int rc = open_bench(&b);
    if (rc == 0) {
        printf("%-24s %12s %12s %8s\n", "operation", "typed ns/op", "direct ns/op", "ratio");
        for (size_t i = 0; i < sizeof loops / sizeof loops[0]; i++) {
            double t = best_ns(loops[i].typed, &b, n, &sink), d = best_ns(loops[i].direct, &b, n, &sink);
            printf("%-24s %12.2f %12.2f %8.3f\n", loops[i].name, t, d, t / d);
        }
    }
    (void)kitchen_sink_close(b.ks);
    (void)game_server_close(b.gs);
    return rc != 0 ? 1 : sink == 42 ? 3 : 0; /* keeps the results observable */
}
