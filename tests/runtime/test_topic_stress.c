/*
 * SPDX-License-Identifier: MIT
 *
 * test_topic_stress.c — one publisher and several subscribers on a small
 * topic, as processes (label "stress": 1 x 4 with 1,000,000 samples, and
 * 1 x 15, sixteen processes on the machine's cores) or, built with
 * KINDS_THREADED, as threads of one process (label "tsan", 100,000).
 *
 * Every sample carries its sequence number and bytes derived from it, so a
 * torn sample shows.  block: every subscriber gets every sample, in order,
 * and loses none.  lap: per subscriber the sequence numbers only grow,
 * received + lost = published, and no sample it received is torn.  The
 * publisher mixes publish_copy, publish_wait, loan + publish and loan_wait;
 * subscribers mix take, take_wait, wait + take and read + release (under
 * lap only where ThreadSanitizer can follow: a zero-copy read of a slot the
 * publisher rewrites is a data race by design, validated by release).
 * Depends on kinds_util and the public topic API.
 */
#ifdef KINDS_MINICR
#include "kinds_minicr.h"
#else
#include <criterion/criterion.h>
#endif
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/topic.h"

#ifdef KINDS_THREADED
#define THREADS true
#define SAMPLES 100000u
#else
#define THREADS false
#define SAMPLES 1000000u
#endif

#define MAX_SUBS 15
#define MAX_SAMPLE 80u

typedef struct sub_result {
    uint64_t received, lost, position;
} sub_result_t;

typedef struct shared {
    kutil_report_t report;
    uint64_t total;
    uint32_t size, subs;
    shmgen_topic_policy_t policy;
    _Atomic int subscribed;
    sub_result_t result[MAX_SUBS];
} shared_t;

/* Whether zero-copy forms may be used (see the file comment). */
static bool zero_copy_ok(const shared_t *sh)
{
    return !THREADS || sh->policy == SHMGEN_TOPIC_BLOCK;
}

/* One sample through one of the four publishing forms: true when published. */
static bool publish_one(shmgen_topic_t *t, shared_t *sh, uint64_t seq, uint64_t choice)
{
    unsigned char e[MAX_SAMPLE];
    void *slot;
    int rc;
    if (choice < 2 && zero_copy_ok(sh)) {
        rc = choice == 0 ? shmgen_topic_loan(t, &slot) : shmgen_topic_loan_wait(t, &slot, 1000);
        if (rc == 0) {
            kutil_fill(slot, sh->size, seq);
            rc = shmgen_topic_publish(t);
        }
    } else {
        kutil_fill(e, sh->size, seq);
        rc = choice == 2 ? shmgen_topic_publish_wait(t, e, 1000) : shmgen_topic_publish_copy(t, e);
    }
    if (rc != 0 && rc != SHMGEN_FULL && rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "publish: %d", rc);
    return rc == 0;
}

static void publisher(shmgen_topic_t *t, shared_t *sh)
{
    uint64_t rnd = 0x1234567, seq = 0;
    unsigned spins = 0;
    while (atomic_load(&sh->subscribed) < (int)sh->subs) usleep(1000);
    while (seq < sh->total && atomic_load(&sh->report.errors) == 0) {
        if (publish_one(t, sh, seq, kutil_rand(&rnd) % 6)) {
            seq++;
            spins = 0;
            /* Lap: let subscribers run now and then (else nearly all is lapped). */
            if (sh->policy == SHMGEN_TOPIC_LAP && seq % 16 == 0) sched_yield();
        } else {
            kutil_backoff(&spins);
        }
    }
}

/* A received sample: intact, after the previous one (block: right after). */
static void got(shared_t *sh, sub_result_t *res, const unsigned char *e, uint64_t *next, int id)
{
    uint64_t seq = kutil_seq_of(e);
    bool bad_order = sh->policy == SHMGEN_TOPIC_BLOCK ? seq != *next : seq < *next;
    if (!kutil_intact(e, sh->size) || bad_order)
        kutil_error(&sh->report, "subscriber %d: got %llu, expected %s%llu%s", id, (unsigned long long)seq,
                    sh->policy == SHMGEN_TOPIC_BLOCK ? "" : ">= ", (unsigned long long)*next,
                    kutil_intact(e, sh->size) ? "" : " (torn)");
    *next = seq + 1;
    res->received++;
}

/* One attempt to receive through one of the forms: whether a sample came. */
static bool receive_one(shmgen_topic_sub_t *s, shared_t *sh, sub_result_t *res, uint64_t *next, int id,
                        uint64_t choice)
{
    unsigned char e[MAX_SAMPLE];
    const void *p;
    int rc;
    if (choice == 0 && zero_copy_ok(sh)) {
        if ((rc = shmgen_topic_read(s, &p)) != 0) goto done;
        memcpy(e, p, sh->size);
        if ((rc = shmgen_topic_release(s)) == 0) got(sh, res, e, next, id);
        else if (rc == 1) rc = 0; /* overwritten while read: counted as lost */
    } else if (choice == 1) {
        if ((rc = shmgen_topic_take_wait(s, e, 1000)) == 0) got(sh, res, e, next, id);
    } else if (choice == 2 && (rc = shmgen_topic_wait(s, 1000)) == 0) {
        if ((rc = shmgen_topic_take(s, e)) == 0) got(sh, res, e, next, id);
    } else if ((rc = shmgen_topic_take(s, e)) == 0) {
        got(sh, res, e, next, id);
    }
done:
    if (rc != 0 && rc != SHMGEN_EMPTY && rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "subscriber %d: %d", id, rc);
    return rc == 0;
}

static void subscriber(shmgen_topic_t *t, shared_t *sh, int id)
{
    shmgen_topic_sub_t s;
    sub_result_t *res = &sh->result[id - 1];
    uint64_t rnd = 0x7654321 + (uint64_t)id, next = 0;
    unsigned idle = 0;
    int rc;
    char name[16];
    snprintf(name, sizeof name, "sub%d", id);
    if (shmgen_topic_subscribe(t, name, &s) != 0) {
        kutil_error(&sh->report, "subscribe %s", name);
        atomic_fetch_add(&sh->subscribed, 1);
        return;
    }
    atomic_fetch_add(&sh->subscribed, 1);
    while (shmgen_topic_position(&s) < sh->total && atomic_load(&sh->report.errors) == 0) {
        uint64_t choice = kutil_rand(&rnd) % 8;
        /* Nothing new: spin a little, then sleep (sixteen processes share two cores). */
        if (receive_one(&s, sh, res, &next, id, choice)) idle = 0;
        else if (++idle < 16) kutil_backoff(&idle);
        else if ((idle = 0, rc = shmgen_topic_wait(&s, 10)) != 0 && rc != SHMGEN_TIMEOUT)
            kutil_error(&sh->report, "subscriber %d: wait: %d", id, rc);
        /* Lap: fall behind now and then. */
        if (sh->policy == SHMGEN_TOPIC_LAP && choice == 7) usleep(50);
    }
    res->lost = shmgen_topic_lost(&s);
    res->position = shmgen_topic_position(&s);
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_topic_t t;
    if (shmgen_topic_bind(&t, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        atomic_fetch_add(&sh->subscribed, 1);
        return;
    }
    if (id == 0) publisher(&t, sh);
    else subscriber(&t, sh, id);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(topic_stress, .fini = teardown);

static void check_results(const shared_t *sh)
{
    uint64_t received = 0, lost = 0;
    for (uint32_t i = 0; i < sh->subs; i++) {
        const sub_result_t *r = &sh->result[i];
        cr_assert_eq(r->position, sh->total, "subscriber %u at %llu", i + 1, (unsigned long long)r->position);
        cr_assert_eq(r->received + r->lost, sh->total, "subscriber %u: %llu received + %llu lost", i + 1,
                     (unsigned long long)r->received, (unsigned long long)r->lost);
        if (sh->policy == SHMGEN_TOPIC_BLOCK) cr_assert_eq(r->lost, 0);
        received += r->received;
        lost += r->lost;
    }
    cr_log_info("  %llu received, %llu lost in all", (unsigned long long)received, (unsigned long long)lost);
}

static void run_stress(shmgen_topic_policy_t policy, uint32_t subs, uint64_t samples, uint32_t size)
{
    shared_t *sh = kutil_shared(sizeof *sh);
    double t0 = kutil_now();
    sh->total = kutil_scale(samples);
    sh->size = size;
    sh->subs = subs;
    sh->policy = policy;
    kutil_create_topic(&K, "topicst", size, 64, subs, 0, policy, 0);
    kutil_run(&K, (int)subs + 1, worker, sh, THREADS);
    cr_log_info("topic stress, %s, 1 x %u, %u-byte samples: %llu samples in %.2f s",
                policy == SHMGEN_TOPIC_LAP ? "lap" : "block", subs, size, (unsigned long long)sh->total,
                kutil_now() - t0);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    check_results(sh);
    kutil_destroy(&K);
    kutil_shared_free(sh, sizeof *sh);
}

Test(topic_stress, block_one_to_four, .timeout = 300)
{
    run_stress(SHMGEN_TOPIC_BLOCK, 4, SAMPLES, 64);
}

Test(topic_stress, lap_one_to_four, .timeout = 300)
{
    run_stress(SHMGEN_TOPIC_LAP, 4, SAMPLES, 64);
}

/* 20-byte samples: the last word of each is a partial one. */
Test(topic_stress, block_one_to_four_padded, .timeout = 300)
{
    run_stress(SHMGEN_TOPIC_BLOCK, 4, SAMPLES / 4, 20);
}

Test(topic_stress, block_sixteen_processes, .timeout = 300)
{
    run_stress(SHMGEN_TOPIC_BLOCK, 15, SAMPLES / 5, 64);
}

Test(topic_stress, lap_sixteen_processes, .timeout = 300)
{
    run_stress(SHMGEN_TOPIC_LAP, 15, SAMPLES / 5, 64);
}
