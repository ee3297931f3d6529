/*
 * SPDX-License-Identifier: MIT
 *
 * test_latest_crash.c — writer processes SIGKILLed hundreds of times at
 * random points (many inside a store) while another writer keeps storing
 * and two readers load throughout.  Checks: no reader ever sees a torn value
 * or its version going back; the version counts exactly the stores that
 * completed (each kill loses at most the store in flight); a store after
 * all that succeeds at once; only the test process stays attached.
 * Depends on kinds_util and the public latest API.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/latest.h"

#define KILLS 300
#define VALUE_WORDS 16u

typedef struct shared {
    kutil_report_t report;
    _Atomic uint64_t returned, busy, loads, busy_loads;
    _Atomic int stop;
} shared_t;

static void fill(uint64_t *v, uint64_t n)
{
    v[0] = n;
    for (uint32_t i = 1; i < VALUE_WORDS; i++) v[i] = ~n + i;
}

static bool whole(const uint64_t *v)
{
    for (uint32_t i = 1; i < VALUE_WORDS; i++)
        if (v[i] != ~v[0] + i) return false;
    return true;
}

static void writer(shmgen_latest_t *l, shared_t *sh, uint64_t id)
{
    uint64_t v[VALUE_WORDS], n = id << 32;
    while (!atomic_load(&sh->stop)) {
        int rc;
        fill(v, n++);
        if ((rc = shmgen_latest_store(l, v)) == 0) atomic_fetch_add(&sh->returned, 1);
        else if (rc == SHMGEN_BUSY) atomic_fetch_add(&sh->busy, 1);
        else kutil_error(&sh->report, "store: %d", rc);
    }
}

static void reader(shmgen_latest_t *l, shared_t *sh)
{
    uint64_t v[VALUE_WORDS], version = 0, last = 0;
    unsigned spins = 0;
    while (!atomic_load(&sh->stop)) {
        int rc = shmgen_latest_load(l, v, &version);
        kutil_backoff(&spins); /* a yield now and then: the writers need the cores */
        if (spins > 40) spins = 0;
        if (rc == SHMGEN_EMPTY) continue;
        /* The contract's BUSY: stores overtook the copy 256 times in a row,
         * which writers storing flat out can do to a reader slowed by load
         * (seen under ASan with ctest -j2).  Not an error; counted. */
        if (rc == SHMGEN_BUSY) {
            atomic_fetch_add(&sh->busy_loads, 1);
            continue;
        }
        if (rc != 0) kutil_error(&sh->report, "load: %d", rc);
        else if (!whole(v)) kutil_error(&sh->report, "torn value");
        else if (version < last) kutil_error(&sh->report, "version went back");
        last = version;
        atomic_fetch_add(&sh->loads, 1);
    }
}

/* ids 0, 1: readers; 2: the writer that survives; 1000 on: killed writers. */
static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_latest_t l;
    if (shmgen_latest_bind(&l, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    if (id < 2) reader(&l, sh);
    else writer(&l, sh, (uint64_t)id);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(latest_crash, .fini = teardown);

Test(latest_crash, killed_writers_lose_only_their_store_in_flight, .timeout = 120)
{
    shared_t *sh = kutil_shared(sizeof *sh);
    shmgen_latest_t l;
    uint64_t v[VALUE_WORDS], version;
    pid_t keep[3];
    int bad = 0, killed, st;
    double t0 = kutil_now();
    kutil_create(&K, "latestcr", SHMGEN_KIND_LATEST, 8 * VALUE_WORDS, 1);
    for (int i = 0; i < 3; i++) keep[i] = kutil_spawn(&K, worker, i, sh);
    killed = kutil_kill_loop(&K, worker, sh, KILLS, 3000, 0xC0FFEE, &bad);
    atomic_store(&sh->stop, 1);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(waitpid(keep[i], &st, 0), keep[i]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d status %#x", i, st);
    }
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(bad, 0);
    cr_assert_geq(killed, KILLS * 9 / 10);
    cr_assert_eq(shmgen_latest_bind(&l, K.seg, &K.info), 0);
    fill(v, 7);
    cr_assert_eq(shmgen_latest_store(&l, v), 0, "%s", shmgen_segment_last_detail());
    version = shmgen_latest_version(&l);
    cr_log_info("latest crash: %d kills, %llu stores returned, version %llu, %llu BUSY, %llu loads (%llu BUSY), %.2f s",
                killed, (unsigned long long)atomic_load(&sh->returned), (unsigned long long)version,
                (unsigned long long)atomic_load(&sh->busy), (unsigned long long)atomic_load(&sh->loads),
                (unsigned long long)atomic_load(&sh->busy_loads), kutil_now() - t0);
    cr_assert_geq(version, atomic_load(&sh->returned) + 1);
    cr_assert_gt(atomic_load(&sh->loads), 0, "no reader ever completed a load");
    cr_assert_leq(version, atomic_load(&sh->returned) + 1 + (uint64_t)killed);
    cr_assert_eq(shmgen_latest_load(&l, v, NULL), 0);
    cr_assert(v[0] == 7 && whole(v));
    cr_assert_geq(shmgen_segment_recover(K.seg), 0);
    kutil_assert_attached(&K, 1);
    kutil_destroy(&K);
    kutil_shared_free(sh, sizeof *sh);
}
