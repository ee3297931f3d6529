/*
 * SPDX-License-Identifier: MIT
 *
 * schema_check_scaling.c — how `shmgen check` scales: builds schemas of
 * 100 ... 100,000 structures (plus one type per ten structures, each nesting
 * the next, and an enum) in memory, loads, validates and lays each out, and
 * prints the time per size and per structure.  A flat per-structure time
 * shows linear growth (names are looked up in hash tables).  The 10,000
 * structure schema must take well under a second.  Depends on shmgen_schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shmgen_schema/model.h"

static char *make_schema(size_t n, size_t *len)
{
    size_t cap = 256 + n * 96, at = 0, ntypes = n / 10 + 1;
    char *y = malloc(cap);
    if (!y) return NULL;
    at += (size_t)snprintf(y + at, cap - at, "segment: bench\nversion: 2\nenums:\n  level: [low, mid, high]\ntypes:\n");
    for (size_t i = 0; i < ntypes; i++)
        at += (size_t)snprintf(y + at, cap - at, "  t%zu: {id: u32, lvl: level, next: %s%zu, tag: \"char[6]\"}\n", i,
                               i + 1 < ntypes ? "t" : "u", i + 1 < ntypes ? i + 1 : (size_t)64);
    at += (size_t)snprintf(y + at, cap - at, "structures:\n");
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(y + at, cap - at, "  s%zu: {kind: %s, type: t%zu, capacity: %zu}\n", i,
                               i % 3 == 0 ? "queue" : i % 3 == 1 ? "array" : "pool", (i * 7) % ntypes, i % 100 + 1);
    *len = at;
    return y;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    static const size_t sizes[] = {100, 1000, 10000, 100000};
    printf("%12s %12s %12s %16s\n", "structures", "bytes", "seconds", "us/structure");
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t len = 0;
        char *yaml = make_schema(sizes[k], &len);
        shmgen_diags_t d = {0};
        double best = 1e9;
        for (int rep = 0; yaml && rep < 3; rep++) {
            double t0 = now();
            shmgen_schema_t *s = shmgen_schema_load_buffer("bench.yaml", yaml, len, &d);
            double t = now() - t0;
            if (!s) {
                shmgen_diags_print(&d, stderr);
                return 1;
            }
            shmgen_schema_free(s);
            if (t < best) best = t;
        }
        printf("%12zu %12zu %12.4f %16.3f\n", sizes[k], len, best, best * 1e6 / (double)sizes[k]);
        shmgen_diags_free(&d);
        free(yaml);
    }
    return 0;
}
