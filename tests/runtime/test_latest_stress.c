/*
 * SPDX-License-Identifier: MIT
 *
 * test_latest_stress.c — writers storing as fast as they can while readers
 * load, as processes (label "stress": 1,000,000 stores of a 200-byte value,
 * two writers and three readers) or, built with KINDS_THREADED, as threads
 * of one process (label "tsan", 100,000 stores: ThreadSanitizer checks that
 * the loads are free of data races).
 *
 * Every value carries a number and bytes derived from it: each load must be
 * whole (checksum), and the versions one reader sees never go back.  One
 * reader waits for changes instead of polling.  At the end the version
 * equals the number of stores and the value is whole.
 * Depends on kinds_util and the public latest API.
 */
#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <string.h>

#include "kinds_util.h"
#include "shmgen/latest.h"

#ifdef KINDS_THREADED
#define THREADS true
#define STORES 100000u
#else
#define THREADS false
#define STORES 1000000u
#endif

#define VALUE_WORDS 25u /* 200 bytes */
#define WRITERS 2

typedef struct shared {
    kutil_report_t report;
    uint64_t total;
    _Atomic uint64_t tickets, stored, busy;
    _Atomic int writers_done;
    _Atomic uint64_t loads;
} shared_t;

static void fill(uint64_t *v, uint64_t n)
{
    v[0] = n;
    for (uint32_t i = 1; i < VALUE_WORDS; i++) v[i] = (n * 0x9E3779B97F4A7C15ull) ^ i;
}

static bool whole(const uint64_t *v)
{
    for (uint32_t i = 1; i < VALUE_WORDS; i++)
        if (v[i] != ((v[0] * 0x9E3779B97F4A7C15ull) ^ i)) return false;
    return true;
}

/* Writers take numbers from one ticket counter and store until all are
 * taken; SHMGEN_BUSY (the other writer preempted inside its store for 20 ms)
 * is retried and counted. */
static void writer(shmgen_latest_t *l, shared_t *sh)
{
    uint64_t v[VALUE_WORDS];
    for (;;) {
        uint64_t n = atomic_fetch_add(&sh->tickets, 1);
        int rc;
        if (n >= sh->total) break;
        fill(v, n);
        while ((rc = shmgen_latest_store(l, v)) == SHMGEN_BUSY) atomic_fetch_add(&sh->busy, 1);
        if (rc != 0) kutil_error(&sh->report, "store: %d", rc);
        atomic_fetch_add(&sh->stored, 1);
    }
    atomic_fetch_add(&sh->writers_done, 1);
}

static void check(shared_t *sh, const uint64_t *v, uint64_t version, uint64_t *last, int id)
{
    if (!whole(v)) kutil_error(&sh->report, "reader %d: torn value (store %llu)", id, (unsigned long long)v[0]);
    if (version < *last)
        kutil_error(&sh->report, "reader %d: version %llu after %llu", id, (unsigned long long)version,
                    (unsigned long long)*last);
    *last = version;
    atomic_fetch_add(&sh->loads, 1);
}

static void reader(shmgen_latest_t *l, shared_t *sh, int id)
{
    uint64_t v[VALUE_WORDS], version = 0, last = 0;
    unsigned spins = 0;
    while (atomic_load(&sh->writers_done) < WRITERS && atomic_load(&sh->report.errors) == 0) {
        int rc = id == WRITERS ? shmgen_latest_wait(l, last, 100) : 0;
        if (rc != 0 && rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "wait: %d", rc);
        rc = shmgen_latest_load(l, v, &version);
        if (rc == 0) check(sh, v, version, &last, id);
        /* BUSY is the contract's answer when stores overtook the copy 256
         * times in a row (writers flat out, this reader slowed down). */
        else if (rc != SHMGEN_EMPTY && rc != SHMGEN_BUSY) kutil_error(&sh->report, "reader %d: load %d", id, rc);
        kutil_backoff(&spins);
        if (spins > 40) spins = 0;
    }
    /* One load after the writers finished, which must succeed and see the
     * last store: on a loaded machine a reader may not have been scheduled
     * (or been overtaken every time) while they ran. */
    if (atomic_load(&sh->report.errors) == 0) {
        int rc = shmgen_latest_load(l, v, &version);
        if (rc != 0) kutil_error(&sh->report, "reader %d: final load %d", id, rc);
        else check(sh, v, version, &last, id);
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_latest_t l;
    if (shmgen_latest_bind(&l, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        atomic_fetch_add(&sh->writers_done, WRITERS);
        return;
    }
    if (id < WRITERS) writer(&l, sh);
    else reader(&l, sh, id);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(latest_stress, .fini = teardown);

Test(latest_stress, writers_and_readers, .timeout = 300)
{
    shared_t *sh = kutil_shared(sizeof *sh);
    shmgen_latest_t l;
    uint64_t v[VALUE_WORDS], version = 0;
    double t0 = kutil_now();
    sh->total = kutil_scale(STORES);
    kutil_create(&K, "latestst", SHMGEN_KIND_LATEST, 8 * VALUE_WORDS, 1);
    kutil_run(&K, WRITERS + 3, worker, sh, THREADS);
    cr_log_info("latest stress: %llu stores in %.2f s, %llu loads, %llu BUSY retries", (unsigned long long)sh->total,
                kutil_now() - t0, (unsigned long long)atomic_load(&sh->loads),
                (unsigned long long)atomic_load(&sh->busy));
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(shmgen_latest_bind(&l, K.seg, &K.info), 0);
    cr_assert_eq(shmgen_latest_version(&l), sh->total);
    cr_assert_eq(shmgen_latest_load(&l, v, &version), 0);
    cr_assert(whole(v));
    cr_assert_eq(version, sh->total);
    cr_assert_gt(atomic_load(&sh->loads), 0);
    kutil_destroy(&K);
    kutil_shared_free(sh, sizeof *sh);
}
