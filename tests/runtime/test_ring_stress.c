/*
 * SPDX-License-Identifier: MIT
 *
 * test_ring_stress.c — one producer, one consumer and two last_n readers on
 * a small ring, as processes (label "stress", 1,000,000 elements) or, built
 * with KINDS_THREADED, as threads of one process (label "tsan", 200,000).
 * Checks strict FIFO with nothing lost or duplicated, and that no reader ever
 * sees a torn element.  Mixes single, bulk and blocking operations.  Runs
 * with three element sizes: 32 bytes and 20 bytes (split placement, the
 * latter padded to 24 per slot) and 72 bytes (interleaved placement).
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

/* An element is `size` bytes (at least 8, at most MAX_ELEM): the sequence
 * number, then bytes derived from it, so any torn copy shows. */
#define MAX_ELEM 80u

typedef struct shared {
    kutil_report_t report;
    uint64_t total;
    uint32_t size;
    _Atomic int done;
    _Atomic uint64_t consumed, reader_reads;
} shared_t;

static void producer(shmgen_ring_t *r, shared_t *sh)
{
    uint64_t rnd = 0x1234567, next = 1;
    uint32_t sz = sh->size;
    unsigned char batch[16 * MAX_ELEM];
    unsigned spins = 0;
    while (next <= sh->total) {
        uint64_t choice = kutil_rand(&rnd) % 8;
        if (choice < 3) {
            size_t n = 1 + kutil_rand(&rnd) % 16, got;
            if (n > sh->total - next + 1) n = (size_t)(sh->total - next + 1);
            for (size_t i = 0; i < n; i++) kutil_fill(batch + i * sz, sz, next + i);
            got = shmgen_ring_push_bulk(r, batch, n);
            next += got;
            if (got == 0) kutil_backoff(&spins);
        } else if (choice == 3) {
            kutil_fill(batch, sz, next);
            int rc = shmgen_ring_push_wait(r, batch, 1000);
            if (rc == 0) next++;
            else if (rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "push_wait: %d", rc);
        } else {
            kutil_fill(batch, sz, next);
            if (shmgen_ring_push(r, batch) == 0) next++, spins = 0;
            else kutil_backoff(&spins);
        }
    }
}

static void check_popped(shared_t *sh, const unsigned char *e, uint64_t *expect)
{
    if (kutil_seq_of(e) != *expect || !kutil_intact(e, sh->size))
        kutil_error(&sh->report, "consumer: got %llu expected %llu%s", (unsigned long long)kutil_seq_of(e),
                    (unsigned long long)*expect, kutil_intact(e, sh->size) ? "" : " (torn)");
    (*expect)++;
}

static void consumer(shmgen_ring_t *r, shared_t *sh)
{
    uint64_t rnd = 0x7654321, expect = 1;
    uint32_t sz = sh->size;
    unsigned char batch[16 * MAX_ELEM];
    unsigned spins = 0;
    while (expect <= sh->total && atomic_load(&sh->report.errors) == 0) {
        uint64_t choice = kutil_rand(&rnd) % 8;
        if (choice < 3) {
            size_t got = shmgen_ring_pop_bulk(r, batch, 1 + kutil_rand(&rnd) % 16);
            for (size_t i = 0; i < got; i++) check_popped(sh, batch + i * sz, &expect);
            if (got == 0) kutil_backoff(&spins);
        } else if (choice == 3) {
            int rc = shmgen_ring_pop_wait(r, batch, 1000);
            if (rc == 0) check_popped(sh, batch, &expect);
            else if (rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "pop_wait: %d", rc);
        } else if (shmgen_ring_pop(r, batch) == 0) {
            check_popped(sh, batch, &expect);
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
    unsigned char out[4 * MAX_ELEM];
    uint32_t sz = sh->size;
    unsigned spins = 0;
    while (!atomic_load(&sh->done)) {
        size_t n = shmgen_ring_last_n(r, out, 4);
        for (size_t i = 0; i < n; i++) {
            if (!kutil_intact(out + i * sz, sz))
                kutil_error(&sh->report, "reader: torn element %llu", (unsigned long long)kutil_seq_of(out + i * sz));
            if (i > 0 && kutil_seq_of(out + i * sz) != kutil_seq_of(out + (i - 1) * sz) + 1)
                kutil_error(&sh->report, "reader: not consecutive");
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

static void run_stress(uint32_t size)
{
    kutil_seg_t *kp = &K;
    shared_t *sh = kutil_shared(sizeof *sh);
    double t0 = kutil_now();
    sh->total = kutil_scale(ELEMENTS);
    sh->size = size;
    kutil_create(kp, "ringst", SHMGEN_KIND_RING, size, 61);
    kutil_run(kp, 4, worker, sh, THREADS);
    cr_log_info("ring stress, %u-byte elements: %llu elements in %.2f s, %llu reader copies", size,
                (unsigned long long)sh->total, kutil_now() - t0, (unsigned long long)atomic_load(&sh->reader_reads));
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_eq(atomic_load(&sh->consumed), sh->total);
    kutil_destroy(kp);
    kutil_shared_free(sh, sizeof *sh);
}

/* Split placement, elements contiguous (bulk copies are one block). */
Test(ring_stress, spsc_with_readers, .timeout = 120)
{
    run_stress(32);
}

/* Split placement with padded slots (20-byte elements in 24-byte slots). */
Test(ring_stress, spsc_with_readers_padded, .timeout = 120)
{
    run_stress(20);
}

/* Interleaved placement (sequence word before each element). */
Test(ring_stress, spsc_with_readers_interleaved, .timeout = 120)
{
    run_stress(72);
}
