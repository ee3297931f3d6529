/*
 * SPDX-License-Identifier: MIT
 *
 * ipc_main.c — shmgen_bench_ipc: the cross-process runtime benchmark.
 *
 * Runs the core-to-core floor, every case of every family (ours, atomic_queue,
 * ck_ring, POSIX mq, pipes) REPS times with the repetitions interleaved (rep 1
 * of every case, then rep 2...) so slow drift hits all alike, keeps the best
 * (shortest) run of each, runs the floor again, and prints the report
 * described in docs/benchmarks.md.
 *   shmgen_bench_ipc [--smoke] [--scale X] [--reps N] [--filter SUBSTR[,SUBSTR...]] [--no-pin] [--verbose]
 * --verbose prints every run (id, messages, seconds, rate) to stderr.
 * --smoke moves a few thousand messages per case once and only checks that
 * everything works (the ctest); exit status is non-zero if any case failed.
 * Depends on the harness and the case tables.
 */
#define _GNU_SOURCE
#include "ipc_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CASES 64
#define FLOOR_DRIFT 0.30 /* floors differing by more than this: ratios not comparable */

typedef struct entry {
    const bench_case_t *c;
    double best;   /* seconds of the best run, 0 if none succeeded */
    uint64_t msgs;
    int64_t p50, p99, p999; /* round-trip percentiles of the best run (ns) */
    int failed;
} entry_t;

typedef struct options {
    int smoke;
    double scale;
    int reps;
    const char *filter;
    int pin;
    int verbose;
} options_t;

static entry_t g_entries[MAX_CASES];
static size_t g_nentries;

/* Whether id contains one of the comma-separated substrings of filter. */
static int filter_match(const char *id, const char *filter)
{
    char word[64];
    if (!filter || !*filter)
        return 1;
    while (*filter) {
        size_t n = strcspn(filter, ",");
        if (n > 0 && n < sizeof word) {
            memcpy(word, filter, n);
            word[n] = '\0';
            if (strstr(id, word))
                return 1;
        }
        filter += n + (filter[n] == ',');
    }
    return 0;
}

static void add_family(const bench_case_t *table, const char *filter)
{
    for (; table->id && g_nentries < MAX_CASES; table++)
        if (filter_match(table->id, filter))
            g_entries[g_nentries++] = (entry_t){table, 0, 0, 0, 0, 0, 0};
}

/* Run order: each structure of ours right before the peers it is compared
 * with, so that within one repetition they run close together in time (this
 * VM's CPU placement, and with it every number, drifts). */
static const char *const g_order[] = {
    "ring_spsc_8", "ring_bulk_8", "aq_spsc_8", "ck_spsc_8", "pipe4k_8",
    "ring_spsc_64", "ring_bulk_64", "aq_spsc_64", "ck_spsc_64", "pipe4k_64",
    "queue_1p1c_8", "aq_mpmc_8", "ck_mpmc_8", "queue_1p1c_64", "aq_mpmc_64", "ck_mpmc_64",
    "queue_2p2c_8", "aq_mpmc2_8", "ck_mpmc2_8", "queue_2p2c_64", "aq_mpmc2_64", "ck_mpmc2_64",
    "topic_1to1_8", "iox_1to1_8", "topic_1to1_64", "iox_1to1_64", "topic_1to1_64k", "ring_spsc_64k", "iox_1to1_64k",
    "topic_1to1_1m", "ring_spsc_1m", "iox_1to1_1m", "topic_1to3_8", "iox_1to3_8", "topic_1to3_64", "iox_1to3_64",
    "topic_1to3_64k", "iox_1to3_64k", "topic_1to3_1m", "iox_1to3_1m",
    "ring_pingpong", "queue_pingpong", "topic_pingpong", "pingpong_aq", "pingpong_iox", "pingpong_pipe",
};

static size_t order_of(const entry_t *e)
{
    size_t n = sizeof g_order / sizeof g_order[0];
    for (size_t i = 0; i < n; i++)
        if (strcmp(g_order[i], e->c->id) == 0)
            return i;
    return n; /* the rest (syscall peers) afterwards, in table order */
}

static void sort_entries(void)
{
    /* insertion sort: stable, and there are a few dozen entries */
    for (size_t i = 1; i < g_nentries; i++) {
        entry_t e = g_entries[i];
        size_t j = i;
        for (; j > 0 && order_of(&g_entries[j - 1]) > order_of(&e); j--)
            g_entries[j] = g_entries[j - 1];
        g_entries[j] = e;
    }
}

/* Message count of a run: scaled, a multiple of 2048 so bulk batches and
 * every producer/consumer split come out even. */
static uint64_t run_msgs(const bench_case_t *c, const options_t *o)
{
    if (o->smoke)
        return c->metric == BENCH_ROUNDTRIP ? 2000 : 4096;
    double want = (double)c->base_msgs * o->scale;
    uint64_t n = (uint64_t)(want / 2048.0 + 0.5) * 2048;
    return n < 2048 ? 2048 : n;
}

static void run_entry(entry_t *e, const options_t *o)
{
    bench_result_t r;
    if (e->failed)
        return;
    if (bench_run_once(e->c, run_msgs(e->c, o), &r) != 0) {
        e->failed = 1;
        return;
    }
    if (o->verbose)
        fprintf(stderr, "  %-16s %10llu msgs %8.3f s %10.2f Mmsg/s %10.1f ns/msg\n", e->c->id,
                (unsigned long long)r.msgs, r.seconds, (double)r.msgs / r.seconds / 1e6, r.seconds * 1e9 / (double)r.msgs);
    if (e->best == 0 || r.seconds < e->best) {
        e->best = r.seconds;
        e->msgs = r.msgs;
        e->p50 = r.p50_ns;
        e->p99 = r.p99_ns;
        e->p999 = r.p999_ns;
    }
}

static const entry_t *find(const char *id)
{
    for (size_t i = 0; i < g_nentries; i++)
        if (strcmp(g_entries[i].c->id, id) == 0)
            return g_entries[i].best > 0 ? &g_entries[i] : NULL;
    return NULL;
}

static double mmsgs(const entry_t *e)
{
    return (double)e->msgs / e->best / 1e6;
}

static double ns_per_rt(const entry_t *e)
{
    return e->best * 1e9 / (double)e->msgs;
}

/* Best of REPS floor runs, in ns per round trip; 0 on failure. */
static double measure_floor(const options_t *o)
{
    double best = 0;
    bench_result_t r;
    for (int i = 0; i < o->reps; i++)
        if (bench_run_once(&bench_floor_case, run_msgs(&bench_floor_case, o), &r) == 0) {
            double ns = r.seconds * 1e9 / (double)r.msgs;
            best = best == 0 || ns < best ? ns : best;
        }
    return best;
}

/* Appends ", R.Rx NAME" (ours / peer) for a peer that ran. */
static void ratio(char *buf, size_t size, const entry_t *ours, const char *peer_id, const char *peer_name)
{
    const entry_t *p = find(peer_id);
    size_t len = strlen(buf);
    if (!p || len + 1 >= size)
        return;
    snprintf(buf + len, size - len, "%s%.1fx %s", buf[0] ? ", " : "", mmsgs(ours) / mmsgs(p), peer_name);
}

typedef struct compare {
    const char *ours, *aq, *ck, *mq, *pipe4k;
} compare_t;

static const compare_t g_compares[] = {
    {"ring_spsc_8", "aq_spsc_8", "ck_spsc_8", "mq_8", NULL},
    {"ring_spsc_64", "aq_spsc_64", "ck_spsc_64", "mq_64", NULL},
    {"ring_bulk_8", "aq_spsc_8", "ck_spsc_8", "mq_8", "pipe4k_8"},
    {"ring_bulk_64", "aq_spsc_64", "ck_spsc_64", "mq_64", "pipe4k_64"},
    {"queue_1p1c_8", "aq_mpmc_8", "ck_mpmc_8", "mq_8", NULL},
    {"queue_1p1c_64", "aq_mpmc_64", "ck_mpmc_64", "mq_64", NULL},
    {"queue_2p2c_8", "aq_mpmc2_8", "ck_mpmc2_8", "mq2_8", NULL},
    {"queue_2p2c_64", "aq_mpmc2_64", "ck_mpmc2_64", "mq2_64", NULL},
};

static void print_ours(void)
{
    printf("\n-- ours (ratio = ours / peer, same element size, same run) --\n");
    for (size_t i = 0; i < sizeof g_compares / sizeof g_compares[0]; i++) {
        const compare_t *k = &g_compares[i];
        const entry_t *e = find(k->ours);
        if (!e)
            continue;
        char r[256] = "";
        ratio(r, sizeof r, e, k->aq, "atomic_queue");
        ratio(r, sizeof r, e, k->ck, "ck_ring");
        ratio(r, sizeof r, e, k->mq, "POSIX mq");
        if (k->pipe4k)
            ratio(r, sizeof r, e, k->pipe4k, "pipe 4KiB");
        printf("%s: %.1f Mmsg/s%s%s%s\n", e->c->label, mmsgs(e), r[0] ? " (" : "", r, r[0] ? ")" : "");
    }
}

static void print_peers(void)
{
    printf("\n-- peers --\n");
    for (size_t i = 0; i < g_nentries; i++) {
        const entry_t *e = &g_entries[i];
        int ours = strncmp(e->c->id, "ring", 4) == 0 || strncmp(e->c->id, "queue", 5) == 0 ||
                   strncmp(e->c->id, "topic", 5) == 0 || strncmp(e->c->id, "iox", 3) == 0;
        if (ours || e->c->metric != BENCH_THROUGHPUT || e->best == 0)
            continue;
        printf("%s: %.1f Mmsg/s\n", e->c->label, mmsgs(e));
    }
}

/* Every ping-pong case: mean (whole run / round trips), and the percentiles
 * the initiating role recorded for one round trip in BENCH_LAT_EVERY (each
 * includes the clock reads that time it). */
static void print_latency(void)
{
    const entry_t *ring = find("ring_pingpong");
    printf("\n-- ping-pong round trip, ns (mean; p50 / p99 / p99.9; ratio = time / ring's, lower is better) --\n");
    for (size_t i = 0; i < g_nentries; i++) {
        const entry_t *e = &g_entries[i];
        if (e->c->metric != BENCH_ROUNDTRIP || e->best == 0 || e->c == &bench_floor_case)
            continue;
        printf("%s: %.0f", e->c->label, ns_per_rt(e));
        if (e->p50 > 0)
            printf("; %lld / %lld / %lld", (long long)e->p50, (long long)e->p99, (long long)e->p999);
        if (ring && e != ring)
            printf(" (%.2fx)", ns_per_rt(e) / ns_per_rt(ring));
        printf("\n");
    }
}

/* Publish/subscribe: the topic against iceoryx, and against the ring. */
static void print_pubsub(void)
{
    static const char *const sizes[] = {"8", "64", "64k", "1m"};
    printf("\n-- publish/subscribe (samples/s published and received by every subscriber) --\n");
    for (int fan = 1; fan <= 3; fan += 2)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            char tid[32], iid[32], rid[32];
            snprintf(tid, sizeof tid, "topic_1to%d_%s", fan, sizes[k]);
            snprintf(iid, sizeof iid, "iox_1to%d_%s", fan, sizes[k]);
            snprintf(rid, sizeof rid, "ring_spsc_%s", sizes[k]);
            const entry_t *t = find(tid), *x = find(iid), *r = fan == 1 ? find(rid) : NULL;
            if (!t && !x)
                continue;
            if (t)
                printf("%s: %.3f Msamples/s", t->c->label, mmsgs(t));
            else
                printf("topic 1->%d %s: not measured", fan, sizes[k]);
            if (t && x)
                printf(" (%.1fx iceoryx", mmsgs(t) / mmsgs(x));
            if (t && r)
                printf("%s%.2fx ring", x ? ", " : " (", mmsgs(t) / mmsgs(r));
            if (t && (x || r))
                printf(")");
            if (x)
                printf("; iceoryx %.3f", mmsgs(x));
            printf("\n");
        }
}

static void target(const char *what, const char *ours_id, const char *peer_id, double need)
{
    const entry_t *o = find(ours_id), *p = find(peer_id);
    if (!o || !p) {
        printf("target %s: not measured\n", what);
        return;
    }
    double r = mmsgs(o) / mmsgs(p);
    printf("target %s >= %.1fx: %.2fx %s\n", what, need, r, r >= need ? "MET" : "NOT MET");
}

/* A latency goal: below iceoryx's same percentile (which: 0 p50, 1 p99, 2 p99.9). */
static void latency_target(const char *what, const char *ours_id, int which)
{
    const entry_t *o = find(ours_id), *p = find("pingpong_iox");
    if (!o || !p || o->p50 == 0 || p->p50 == 0) {
        printf("target %s < iceoryx: not measured\n", what);
        return;
    }
    int64_t a = which == 0 ? o->p50 : which == 1 ? o->p99 : o->p999;
    int64_t b = which == 0 ? p->p50 : which == 1 ? p->p99 : p->p999;
    printf("target %s < iceoryx: %lld ns vs %lld ns %s\n", what, (long long)a, (long long)b, a < b ? "MET" : "NOT MET");
}

static void print_targets(void)
{
    printf("\n-- targets of the issue --\n");
    target("ring spsc 8B vs atomic_queue spsc", "ring_spsc_8", "aq_spsc_8", 1.0);
    target("ring spsc 64B vs atomic_queue spsc", "ring_spsc_64", "aq_spsc_64", 1.0);
    target("ring bulk 8B vs pipe 4KiB", "ring_bulk_8", "pipe4k_8", 1.0);
    target("ring bulk 64B vs pipe 4KiB", "ring_bulk_64", "pipe4k_64", 1.0);
    target("queue 1p1c 8B vs atomic_queue mpmc 1p1c", "queue_1p1c_8", "aq_mpmc_8", 0.8);
    target("queue 1p1c 64B vs atomic_queue mpmc 1p1c", "queue_1p1c_64", "aq_mpmc_64", 0.8);
    target("queue 1p1c 8B vs atomic_queue spsc", "queue_1p1c_8", "aq_spsc_8", 0.8);
    target("queue 1p1c 64B vs atomic_queue spsc", "queue_1p1c_64", "aq_spsc_64", 0.8);
    target("topic 1->1 64B vs ring spsc 64B", "topic_1to1_64", "ring_spsc_64", 0.8);
    target("topic 1->1 8B vs iceoryx", "topic_1to1_8", "iox_1to1_8", 10.0);
    target("topic 1->1 64B vs iceoryx", "topic_1to1_64", "iox_1to1_64", 10.0);
    target("topic 1->3 8B vs iceoryx", "topic_1to3_8", "iox_1to3_8", 10.0);
    target("topic 1->3 64B vs iceoryx", "topic_1to3_64", "iox_1to3_64", 10.0);
    target("topic 1->1 1MiB (loans) vs iceoryx", "topic_1to1_1m", "iox_1to1_1m", 5.0);
    target("topic 1->1 1MiB (loans) vs ring copying 1MiB", "topic_1to1_1m", "ring_spsc_1m", 5.0);
    latency_target("ring ping-pong p50", "ring_pingpong", 0);
    latency_target("ring ping-pong p99.9", "ring_pingpong", 2);
    latency_target("topic ping-pong p50", "topic_pingpong", 0);
    latency_target("topic ping-pong p99.9", "topic_pingpong", 2);
}

static int parse_args(int argc, char **argv, options_t *o)
{
    *o = (options_t){0, 1.0, 3, NULL, 1, 0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0)
            o->smoke = 1;
        else if (strcmp(argv[i], "--no-pin") == 0)
            o->pin = 0;
        else if (strcmp(argv[i], "--verbose") == 0)
            o->verbose = 1;
        else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
            o->scale = atof(argv[++i]);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            o->reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
            o->filter = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--smoke] [--scale X] [--reps N] [--filter SUBSTR[,SUBSTR...]] [--no-pin] [--verbose]\n", argv[0]);
            return 1;
        }
    }
    if (o->smoke)
        o->reps = 1;
    return o->scale > 0 && o->reps > 0 ? 0 : 1;
}

static void print_header(const options_t *o)
{
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    printf("shmgen cross-process benchmark, %s\n", when);
    printf("processes pinned to CPUs 0/1: %s; channel capacity %u elements; best of %d runs; scale %.2f\n",
           o->pin ? "yes" : "NO", BENCH_CAPACITY, o->reps, o->scale);
}

/* Whether an iceoryx case was selected (RouDi is then needed). */
static int any_iox(void)
{
    for (size_t i = 0; i < g_nentries; i++)
        if (strncmp(g_entries[i].c->id, "iox_", 4) == 0 || strcmp(g_entries[i].c->id, "pingpong_iox") == 0)
            return 1;
    return 0;
}

/* Returns the number of failed cases. */
static int run_all(const options_t *o)
{
    for (int rep = 0; rep < o->reps; rep++) {
        if (o->verbose) {
            options_t once = *o;
            once.reps = 1;
            fprintf(stderr, "repetition %d, floor %.0f ns/round trip\n", rep + 1, measure_floor(&once));
        }
        for (size_t i = 0; i < g_nentries; i++)
            run_entry(&g_entries[i], o);
    }
    int failed = 0;
    for (size_t i = 0; i < g_nentries; i++)
        if (g_entries[i].failed) {
            printf("FAILED: %s\n", g_entries[i].c->label);
            failed++;
        }
    return failed;
}

int main(int argc, char **argv)
{
    options_t o;
    if (parse_args(argc, argv, &o))
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (o.pin && !bench_pin_available()) {
        fprintf(stderr, "bench: CPUs 0 and 1 not both available; running unpinned\n");
        o.pin = 0;
    }
    bench_set_pinning(o.pin);
    print_header(&o);
    add_family(bench_ours_cases, o.filter);
    add_family(bench_aq_cases, o.filter);
    add_family(bench_ck_cases, o.filter);
    add_family(bench_sys_cases, o.filter);
    add_family(bench_iox_cases, o.filter);
    add_family(bench_topic_cases, o.filter);
    sort_entries();
    if (any_iox() && bench_iox_start_roudi() != 0)
        return 1;
    atexit(bench_iox_stop_roudi);
    double floor0 = measure_floor(&o);
    int failed = run_all(&o);
    double floor1 = measure_floor(&o);
    printf("\ncore-to-core floor (start): %.0f ns/round trip\n", floor0);
    printf("core-to-core floor (end): %.0f ns/round trip\n", floor1);
    if (floor0 <= 0 || floor1 <= 0 || fabs(floor1 - floor0) / fmin(floor0, floor1) > FLOOR_DRIFT)
        printf("WARNING: floor changed: ratios not comparable\n");
    print_ours();
    print_peers();
    print_pubsub();
    print_latency();
    if (!o.smoke)
        print_targets();
    return failed || floor0 <= 0 || floor1 <= 0 ? 1 : 0;
}
