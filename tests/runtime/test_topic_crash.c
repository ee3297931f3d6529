/*
 * SPDX-License-Identifier: MIT
 *
 * test_topic_crash.c — a topic's publisher and its three subscribers are
 * processes SIGKILLed hundreds of times each at random points (inside loans,
 * publishes, reads, takes, subscribes and attaches) and replaced by new
 * processes that take the publisher side over or subscribe again under the
 * same name; once per policy.
 *
 * Every sample carries a ticket (from one counter, so tickets only grow
 * along the topic) and words derived from it.  Per subscriber name: tickets
 * strictly grow (no duplicate, order kept), no sample is torn, and at the
 * end, after the test drains each name, position = start + received + lost
 * + k, with start where the name's first subscription began and k at most
 * the kills of that name (each kill loses at most the sample in flight:
 * taken but not yet recorded).  The topic keeps moving after the
 * kills (a dead subscriber never blocks the publisher for good), and only the
 * test process stays attached.
 * Depends on kinds_util and the public topic API.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/topic.h"

#ifndef KILLS
#define KILLS 300 /* of the publisher, and of the subscribers in all */
#endif
#define SUBS 3
#define CAP 16
#define WORDS 4u

typedef struct name_state {
    _Atomic uint64_t start;    /* position + 1 of the name's first subscription; 0 = none yet */
    _Atomic uint64_t last;     /* ticket + 1 of the last sample recorded; 0 = none */
    _Atomic uint64_t received; /* samples recorded */
    _Atomic uint64_t kills;
} name_state_t;

typedef struct shared {
    kutil_report_t report;
    _Atomic uint64_t tickets;
    _Atomic int stop;
    name_state_t names[SUBS];
} shared_t;

static void fill(uint64_t *e, uint64_t ticket)
{
    e[0] = ticket;
    for (uint32_t i = 1; i < WORDS; i++) e[i] = ~ticket + i;
}

static bool whole(const uint64_t *e)
{
    for (uint32_t i = 1; i < WORDS; i++)
        if (e[i] != ~e[0] + i) return false;
    return true;
}

static void record(shared_t *sh, int name, const uint64_t *e)
{
    name_state_t *n = &sh->names[name];
    uint64_t last = atomic_load(&n->last);
    if (!whole(e)) kutil_error(&sh->report, "s%d: torn sample", name);
    else if (e[0] + 1 <= last)
        kutil_error(&sh->report, "s%d: ticket %llu after %llu (duplicate or out of order)", name,
                    (unsigned long long)e[0], (unsigned long long)last - 1);
    atomic_store(&n->last, e[0] + 1);
    atomic_fetch_add(&n->received, 1);
}

/* One attempt to publish: whether a sample went out. */
static bool publish_one(shmgen_topic_t *t, shared_t *sh, uint64_t *rnd)
{
    uint64_t e[WORDS], choice = kutil_rand(rnd) % 3, *slot;
    int rc;
    /* A ticket is taken only once the slot is ours: a loan that fails takes none. */
    if (choice == 0) {
        if ((rc = shmgen_topic_loan_wait(t, (void **)&slot, 5)) == 0) {
            fill(slot, atomic_fetch_add(&sh->tickets, 1));
            rc = shmgen_topic_publish(t);
        }
    } else {
        fill(e, atomic_fetch_add(&sh->tickets, 1));
        rc = choice == 1 ? shmgen_topic_publish_wait(t, e, 5) : shmgen_topic_publish_copy(t, e);
    }
    if (rc != 0 && rc != SHMGEN_FULL && rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "publish: %d", rc);
    return rc == 0;
}

/* One attempt to receive: whether a sample came (or was found overwritten). */
static bool receive_one(shmgen_topic_sub_t *s, shared_t *sh, int name, uint64_t *rnd)
{
    uint64_t e[WORDS], choice = kutil_rand(rnd) % 3;
    const uint64_t *p;
    int rc;
    if (choice == 0 && (rc = shmgen_topic_read(s, (const void **)&p)) == 0) {
        memcpy(e, p, sizeof e);
        if ((rc = shmgen_topic_release(s)) == 0) record(sh, name, e);
    } else if (choice != 0) {
        rc = choice == 1 ? shmgen_topic_take_wait(s, e, 5) : shmgen_topic_take(s, e);
        if (rc == 0) record(sh, name, e);
    }
    if (rc < 0 && rc != SHMGEN_EMPTY && rc != SHMGEN_TIMEOUT) kutil_error(&sh->report, "s%d: %d", name, rc);
    return rc >= 0;
}

static void subscriber(shmgen_topic_t *t, shared_t *sh, int name, uint64_t *rnd)
{
    shmgen_topic_sub_t s;
    char nm[8];
    int rc;
    uint64_t none = 0;
    snprintf(nm, sizeof nm, "s%d", name);
    /* The name's previous holder was killed and reaped: never BUSY. */
    if ((rc = shmgen_topic_subscribe(t, nm, &s)) != 0) {
        kutil_error(&sh->report, "subscribe %s: %d (%s)", nm, rc, shmgen_segment_last_detail());
        return;
    }
    /* Where the name started (a new name starts at the newest samples). */
    atomic_compare_exchange_strong(&sh->names[name].start, &none, shmgen_topic_position(&s) + 1);
    while (!atomic_load(&sh->stop)) {
        unsigned spins = 0;
        while (!receive_one(&s, sh, name, rnd) && !atomic_load(&sh->stop)) kutil_backoff(&spins);
    }
}

/* id % 4: 0 the publisher, 1..3 subscriber s0..s2. */
static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_topic_t t;
    uint64_t rnd = 0x77 + (uint64_t)id * 31;
    if (shmgen_topic_bind(&t, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    if (id % 4 != 0) subscriber(&t, sh, id % 4 - 1, &rnd);
    else
        while (!atomic_load(&sh->stop)) {
            unsigned spins = 0;
            while (!publish_one(&t, sh, &rnd) && !atomic_load(&sh->stop)) kutil_backoff(&spins);
        }
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(topic_crash, .fini = teardown);

/* The topic still moves: more samples published and received within 10 s. */
static void assert_moving(shared_t *sh)
{
    uint64_t before = atomic_load(&sh->names[0].received) + atomic_load(&sh->names[1].received) +
                      atomic_load(&sh->names[2].received);
    for (int i = 0; i < 1000; i++) { /* no timing assertion: up to 10 s */
        if (atomic_load(&sh->names[0].received) + atomic_load(&sh->names[1].received) +
                atomic_load(&sh->names[2].received) > before + 3)
            return;
        usleep(10 * 1000);
    }
    cr_assert_fail("the topic is stuck after the kills");
}

/* Takes each name over and drains it, then checks its accounting. */
static void drain_and_check(shared_t *sh, shmgen_topic_t *t)
{
    for (int name = 0; name < SUBS; name++) {
        shmgen_topic_sub_t s;
        uint64_t e[WORDS], pos, acc;
        char nm[8];
        snprintf(nm, sizeof nm, "s%d", name);
        cr_assert_eq(shmgen_topic_subscribe(t, nm, &s), 0, "%s", shmgen_segment_last_detail());
        while (shmgen_topic_take(&s, e) == 0) record(sh, name, e);
        pos = shmgen_topic_position(&s);
        acc = atomic_load(&sh->names[name].start) - 1 + atomic_load(&sh->names[name].received) + shmgen_topic_lost(&s);
        cr_log_info("  %s: position %llu = %llu start + %llu received + %llu lost + %llu in flight (%llu kills)", nm,
                    (unsigned long long)pos, (unsigned long long)atomic_load(&sh->names[name].start) - 1,
                    (unsigned long long)atomic_load(&sh->names[name].received),
                    (unsigned long long)shmgen_topic_lost(&s), (unsigned long long)(pos - acc),
                    (unsigned long long)atomic_load(&sh->names[name].kills));
        cr_assert_eq(pos, shmgen_topic_published(t));
        cr_assert_leq(acc, pos);
        cr_assert_leq(pos - acc, atomic_load(&sh->names[name].kills));
    }
}

static void crash_run(shmgen_topic_policy_t policy)
{
    shared_t *sh = kutil_shared(sizeof *sh);
    shmgen_topic_t t;
    uint64_t rnd = 0xDEADBEEF;
    pid_t role[SUBS + 1];
    int killed[2] = {0, 0}, st;
    double t0 = kutil_now();
    kutil_create_topic(&K, "topiccr", 8 * WORDS, CAP, SUBS + 1, 0, policy, 0);
    for (int r = 0; r <= SUBS; r++) role[r] = kutil_spawn(&K, worker, r, sh);
    for (int i = 0; i < 2 * KILLS; i++) {
        /* Even rounds the publisher, odd rounds a subscriber at random. */
        int r = i % 2 == 0 ? 0 : 1 + (int)(kutil_rand(&rnd) % SUBS);
        usleep((useconds_t)(kutil_rand(&rnd) % 3000));
        killed[r != 0] += kutil_kill_reap(role[r]);
        if (r != 0) atomic_fetch_add(&sh->names[r - 1].kills, 1);
        role[r] = kutil_spawn(&K, worker, 4 * (i + 1) + r, sh);
    }
    assert_moving(sh);
    atomic_store(&sh->stop, 1);
    for (int r = 0; r <= SUBS; r++) {
        cr_assert_eq(waitpid(role[r], &st, 0), role[r]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "role %d status %#x", r, st);
    }
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    cr_assert_geq(killed[0], KILLS * 9 / 10);
    cr_assert_geq(killed[1], KILLS * 9 / 10);
    cr_assert_geq(shmgen_segment_recover(K.seg), 0);
    kutil_assert_attached(&K, 1);
    cr_assert_eq(shmgen_topic_bind(&t, K.seg, &K.info), 0);
    cr_log_info("topic crash (%s): %d publisher and %d subscriber kills, %llu tickets, %llu published, %.2f s",
                policy == SHMGEN_TOPIC_LAP ? "lap" : "block", killed[0], killed[1],
                (unsigned long long)atomic_load(&sh->tickets), (unsigned long long)shmgen_topic_published(&t),
                kutil_now() - t0);
    drain_and_check(sh, &t);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    kutil_destroy(&K);
    kutil_shared_free(sh, sizeof *sh);
}

Test(topic_crash, lap_kills, .timeout = 120)
{
    crash_run(SHMGEN_TOPIC_LAP);
}

Test(topic_crash, block_kills, .timeout = 120)
{
    crash_run(SHMGEN_TOPIC_BLOCK);
}
