/*
 * test_ring_stress.c — one producer, one consumer and two last_n readers on
 * a small ring, as processes (label "stress", 1,000,000 elements) or, built
 * with KINDS_THREADED, as threads of one process (label "tsan", 200,000).
 * Checks strict FIFO with nothing lost or duplicated, and that no reader ever
 * sees a torn element.  Mixes single, bulk and blocking operations.
 * Depends on kinds_util and the public ring API.
 */
#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <string.h>

#include "kinds_util.h"
#include "shmgen/ring.h"

#ifdef KINDS_THREADED
#define THREADS true
#define ELEMENTS 200000u
#else
#define THREADS false
#define ELEMENTS 1000000u
#endif

typedef struct elem {
    uint64_t seq;
    uint64_t chk[3];
} elem_t;

typedef struct shared {
    kutil_report_t report;
    uint64_t total;
    _Atomic int done;
    _Atomic uint64_t consumed, reader_reads;
} shared_t;

static void fill(elem_t *e, uint64_t seq)
{
    e->seq = seq;
    for (int k = 0; k < 3; k++) e->chk[k] = seq * 0x9E3779B97F4A7C15ull + (uint64_t)k;
}

static bool intact(const elem_t *e)
{
    for (int k = 0; k < 3; k++)
        if (e->chk[k] != e->seq * 0x9E3779B97F4A7C15ull + (uint64_t)k) return false;
    return true;
}

static void producer(shmgen_ring_t *r, shared_t *sh)
{
    uint64_t rnd = 0x1234567, next = 1;
    elem_t batch[16];
    unsigned spins = 0;
    while (next <= sh->total) {
        uint64_t choice = kutil_rand(&rnd) % 8;
        if (choice < 3) {
            size_t n = 1 + kutil_rand(&rnd) % 16, got;
            if (n > sh->total - next + 1) n = (size_t)(sh->total - next + 1);
            for (size_t i = 0; i < n; i++) fill(&batch[i], next + i);
            got = shmgen_ring_push_bulk(r, batch, n);
            next += got;
            if (got == 0) kutil_backoff(&spins);
        } else if (choice == 3) {
            fill(&batch[0], next);
            int rc = shmgen_ring_push_wait(r, &batch[0], 1000);
            if (rc == 0) next++;
            else if (rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "push_wait: %d", rc);
        } else {
            fill(&batch[0], next);
            if (shmgen_ring_push(r, &batch[0]) == 0) next++, spins = 0;
            else kutil_backoff(&spins);
        }
    }
}

static void check_popped(shared_t *sh, const elem_t *e, uint64_t *expect)
{
    if (e->seq != *expect || !intact(e))
        kutil_error(&sh->report, "consumer: got %llu expected %llu", (unsigned long long)e->seq,
                    (unsigned long long)*expect);
    (*expect)++;
}

static void consumer(shmgen_ring_t *r, shared_t *sh)
{
    uint64_t rnd = 0x7654321, expect = 1;
    elem_t batch[16];
    unsigned spins = 0;
    while (expect <= sh->total && atomic_load(&sh->report.errors) == 0) {
        uint64_t choice = kutil_rand(&rnd) % 8;
        if (choice < 3) {
            size_t got = shmgen_ring_pop_bulk(r, batch, 1 + kutil_rand(&rnd) % 16);
            for (size_t i = 0; i < got; i++) check_popped(sh, &batch[i], &expect);
            if (got == 0) kutil_backoff(&spins);
        } else if (choice == 3) {
            int rc = shmgen_ring_pop_wait(r, &batch[0], 1000);
            if (rc == 0) check_popped(sh, &batch[0], &expect);
            else if (rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "pop_wait: %d", rc);
        } else if (shmgen_ring_pop(r, &batch[0]) == 0) {
            check_popped(sh, &batch[0], &expect);
            spins = 0;
        } else {
            kutil_backoff(&spins);
        }
    }
    atomic_store(&sh->consumed, expect - 1);
    atomic_store(&sh->done, 1);
}

static void reader(shmgen_ring_t *r, shared_t *sh)
{
    elem_t out[4];
    unsigned spins = 0;
    while (!atomic_load(&sh->done)) {
        size_t n = shmgen_ring_last_n(r, out, 4);
        for (size_t i = 0; i < n; i++) {
            if (!intact(&out[i])) kutil_error(&sh->report, "reader: torn element %llu", (unsigned long long)out[i].seq);
            if (i > 0 && out[i].seq <= out[i - 1].seq) kutil_error(&sh->report, "reader: order");
        }
        atomic_fetch_add(&sh->reader_reads, n);
        kutil_backoff(&spins);
        if (spins > 64) spins = 0;
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_ring_t r;
    if (shmgen_ring_bind(&r, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        atomic_store(&sh->done, 1);
        return;
    }
    if (id == 0) producer(&r, sh);
    else if (id == 1) consumer(&r, sh);
    else reader(&r, sh);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(ring_stress, .fini = teardown);

Test(ring_stress, spsc_with_readers, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    shared_t *sh = kutil_shared(sizeof *sh);
    double t0 = kutil_now();
    sh->total = kutil_scale(ELEMENTS);
    kutil_create(kp, "ringst", SHMGEN_KIND_RING, sizeof(elem_t), 61);
    kutil_run(kp, 4, worker, sh, THREADS);
    cr_log_info("ring stress: %llu elements in %.2f s, %llu reader copies", (unsigned long long)sh->total,
                kutil_now() - t0, (unsigned long long)atomic_load(&sh->reader_reads));
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->consumed), sh->total);
    kutil_destroy(kp);
    kutil_shared_free(sh, sizeof *sh);
}
