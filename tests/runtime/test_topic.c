/*
 * SPDX-License-Identifier: MIT
 *
 * test_topic.c — unit tests of the topic kind: every operation and error
 * code of shmgen/topic.h under both policies: copy and zero-copy forms,
 * laps and their loss counts, block's FULL and waits, history for late
 * joiners, names (taken twice, too many, bad), resuming a name whose holder
 * died, the publisher side (BUSY, handover, a dead one taken over),
 * eviction by deadline, the records as tools see them, read-only handles and
 * odd element sizes.  The dangerous steps of each operation are in
 * test_topic_steps.c.  Depends on kinds_util and the public topic API.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/ring.h"
#include "shmgen/topic.h"

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(topic, .fini = teardown, .timeout = 60);

static void make_topic(shmgen_topic_t *t, uint32_t elem_size, uint64_t cap, uint32_t subs, uint32_t history,
                       shmgen_topic_policy_t policy, uint32_t deadline_ms)
{
    kutil_create_topic(&K, "topic", elem_size, cap, subs, history, policy, deadline_ms);
    cr_assert_eq(shmgen_topic_bind(t, K.seg, &K.info), 0);
}

static void publish_range(shmgen_topic_t *t, uint64_t from, uint64_t to)
{
    for (uint64_t v = from; v < to; v++) cr_assert_eq(shmgen_topic_publish_copy(t, &v), 0, "publish %llu", (unsigned long long)v);
}

static void take_one(shmgen_topic_sub_t *s, uint64_t want)
{
    uint64_t v = ~want;
    cr_assert_eq(shmgen_topic_take(s, &v), 0, "take %llu: %s", (unsigned long long)want, shmgen_segment_last_detail());
    cr_assert_eq(v, want);
}

static void expect_takes(shmgen_topic_sub_t *s, uint64_t from, uint64_t to)
{
    uint64_t v;
    for (uint64_t want = from; want < to; want++) {
        cr_assert_eq(shmgen_topic_take(s, &v), 0, "take %llu", (unsigned long long)want);
        cr_assert_eq(v, want);
    }
    cr_assert_eq(shmgen_topic_take(s, &v), SHMGEN_EMPTY);
}

Test(topic, parameters_and_wrong_kind)
{
    shmgen_topic_t t;
    shmgen_ring_t r;
    make_topic(&t, 8, 5, 3, 2, SHMGEN_TOPIC_BLOCK, 0);
    cr_assert_eq(shmgen_topic_capacity(&t), 5);
    cr_assert_eq(shmgen_topic_max_subscribers(&t), 3);
    cr_assert_eq(shmgen_topic_published(&t), 0);
    cr_assert_eq(shmgen_topic_evictions(&t), 0);
    cr_assert_eq(shmgen_ring_bind(&r, K.seg, &K.info), SHMGEN_WRONG_KIND);
}

static void every_subscriber_gets_everything(shmgen_topic_policy_t policy)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t a, b;
    make_topic(&t, 8, 4, 2, 0, policy, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "a", &a), 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "b", &b), 0);
    for (uint64_t round = 0; round < 3; round++) {
        publish_range(&t, 10 * round, 10 * round + 4);
        cr_assert_eq(shmgen_topic_lag(&a), 4);
        expect_takes(&a, 10 * round, 10 * round + 4);
        expect_takes(&b, 10 * round, 10 * round + 4);
    }
    cr_assert_eq(shmgen_topic_published(&t), 12);
    cr_assert_eq(shmgen_topic_position(&a), 12);
    cr_assert_eq(shmgen_topic_lag(&b), 0);
    cr_assert_eq(shmgen_topic_lost(&a), 0);
}

Test(topic, lap_every_subscriber_gets_every_sample_in_order)
{
    every_subscriber_gets_everything(SHMGEN_TOPIC_LAP);
}

Test(topic, block_every_subscriber_gets_every_sample_in_order)
{
    every_subscriber_gets_everything(SHMGEN_TOPIC_BLOCK);
}

static void zero_copy(shmgen_topic_policy_t policy)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t *slot, *again, v;
    const uint64_t *seen;
    make_topic(&t, 8, 2, 1, 0, policy, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "z", &s), 0);
    cr_assert_eq(shmgen_topic_publish(&t), SHMGEN_INVALID_ARGUMENT, "nothing loaned");
    cr_assert_eq(shmgen_topic_loan(&t, (void **)&slot), 0);
    cr_assert_eq(shmgen_topic_loan(&t, (void **)&again), 0);
    cr_assert_eq(slot, again, "a second loan before publish returns the same slot");
    *slot = 77;
    cr_assert_eq(shmgen_topic_read(&s, (const void **)&seen), SHMGEN_EMPTY, "invisible until published");
    cr_assert_eq(shmgen_topic_publish(&t), 0);
    cr_assert_eq(shmgen_topic_publish(&t), SHMGEN_INVALID_ARGUMENT, "published already");
    cr_assert_eq(shmgen_topic_read(&s, (const void **)&seen), 0);
    cr_assert_eq(*seen, 77);
    cr_assert_eq(shmgen_topic_read(&s, (const void **)&seen), SHMGEN_INVALID_ARGUMENT, "one read at a time");
    cr_assert_eq(shmgen_topic_take(&s, &v), SHMGEN_INVALID_ARGUMENT, "no take while a read is held");
    cr_assert_eq(shmgen_topic_position(&s), 0, "a held read does not consume");
    cr_assert_eq(shmgen_topic_release(&s), 0);
    cr_assert_eq(shmgen_topic_release(&s), SHMGEN_INVALID_ARGUMENT, "nothing held");
    cr_assert_eq(shmgen_topic_position(&s), 1);
    /* publish_copy after a loan fills the loaned slot. */
    cr_assert_eq(shmgen_topic_loan(&t, (void **)&slot), 0);
    v = 78;
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), 0);
    cr_assert_eq(shmgen_topic_publish(&t), SHMGEN_INVALID_ARGUMENT);
    expect_takes(&s, 78, 79);
}

Test(topic, lap_loan_publish_read_release)
{
    zero_copy(SHMGEN_TOPIC_LAP);
}

Test(topic, block_loan_publish_read_release)
{
    zero_copy(SHMGEN_TOPIC_BLOCK);
}

/* Lap: the publisher never waits; a subscriber capacity behind continues at
 * the oldest intact sample and counts what it lost. */
Test(topic, lap_counts_what_a_slow_subscriber_lost)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t v;
    make_topic(&t, 8, 4, 1, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "slow", &s), 0);
    publish_range(&t, 0, 10);
    cr_assert_eq(shmgen_topic_lag(&s), 10);
    cr_assert_eq(shmgen_topic_take(&s, &v), 0);
    cr_assert_eq(v, 6, "the oldest intact sample");
    cr_assert_eq(shmgen_topic_lost(&s), 6);
    expect_takes(&s, 7, 10);
    cr_assert_eq(shmgen_topic_position(&s), 10);
    cr_assert_eq(shmgen_topic_lost(&s) + 4, shmgen_topic_published(&t), "received + lost = published");
}

/* Lap: release says whether the sample was overwritten while it was read. */
Test(topic, lap_release_reports_an_overwritten_read)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    const uint64_t *seen;
    make_topic(&t, 8, 2, 1, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "r", &s), 0);
    publish_range(&t, 0, 1);
    cr_assert_eq(shmgen_topic_read(&s, (const void **)&seen), 0);
    cr_assert_eq(*seen, 0);
    publish_range(&t, 1, 4); /* position 2 reuses the slot of 0 */
    cr_assert_eq(shmgen_topic_release(&s), 1, "overwritten while held");
    cr_assert_eq(shmgen_topic_lost(&s), 1);
    cr_assert_eq(shmgen_topic_position(&s), 1);
    expect_takes(&s, 2, 4);
    cr_assert_eq(shmgen_topic_lost(&s), 2, "position 1 was lapped too");
}

/* Block: the publisher gets FULL while the slowest subscriber is capacity
 * behind; a topic nobody subscribes to never blocks. */
Test(topic, block_is_full_while_the_slowest_is_capacity_behind)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t fast, slow;
    void *slot;
    uint64_t v = 99;
    make_topic(&t, 8, 4, 2, 0, SHMGEN_TOPIC_BLOCK, 0);
    publish_range(&t, 0, 9); /* nobody subscribed: nothing to wait for */
    cr_assert_eq(shmgen_topic_subscribe(&t, "fast", &fast), 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "slow", &slow), 0);
    publish_range(&t, 9, 13);
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_topic_loan(&t, &slot), SHMGEN_FULL);
    expect_takes(&fast, 9, 13);
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), SHMGEN_FULL, "the slow one holds it back");
    cr_assert_eq(shmgen_topic_publish_wait(&t, &v, 30), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_topic_loan_wait(&t, &slot, 0), SHMGEN_TIMEOUT);
    take_one(&slow, 9);
    publish_range(&t, 13, 14);
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_topic_unsubscribe(&slow), 0);
    publish_range(&t, 14, 16);
    cr_assert_eq(shmgen_topic_lost(&fast), 0);
}

static void take_later(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t v;
    (void)ctx;
    if (shmgen_topic_bind(&t, seg, info) != 0) _exit(4);
    if (id == 0) {
        if (shmgen_topic_subscribe(&t, "later", &s) != 0) _exit(5);
        atomic_store((_Atomic int *)ctx, 1);
        usleep(50 * 1000);
        _exit(shmgen_topic_take(&s, &v) == 0 && v == 0 ? 0 : 6);
    }
    usleep(50 * 1000);
    v = 5;
    _exit(shmgen_topic_publish_copy(&t, &v) == 0 ? 0 : 7);
}

/* A blocked publisher wakes when a subscriber in another process takes. */
Test(topic, block_publisher_wakes_on_a_take_in_another_process)
{
    shmgen_topic_t t;
    _Atomic int *subscribed = kutil_shared(sizeof *subscribed);
    uint64_t v = 1;
    int st;
    pid_t pid;
    make_topic(&t, 8, 1, 1, 0, SHMGEN_TOPIC_BLOCK, 0);
    pid = kutil_spawn(&K, take_later, 0, (void *)subscribed);
    while (!atomic_load(subscribed)) usleep(1000);
    v = 0;
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), 0);
    v = 1;
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_topic_publish_wait(&t, &v, 10000), 0);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    kutil_shared_free((void *)subscribed, sizeof *subscribed);
}

Test(topic, subscriber_waits_time_out_or_wake_on_a_publish_in_another_process)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t v = 0;
    int st;
    pid_t pid;
    make_topic(&t, 8, 4, 1, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "w", &s), 0);
    cr_assert_eq(shmgen_topic_wait(&s, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_topic_take_wait(&s, &v, 20), SHMGEN_TIMEOUT);
    pid = kutil_spawn(&K, take_later, 1, NULL);
    cr_assert_eq(shmgen_topic_take_wait(&s, &v, 10000), 0);
    cr_assert_eq(v, 5);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    publish_range(&t, 6, 7);
    cr_assert_eq(shmgen_topic_wait(&s, -1), 0, "data already there");
}

/* A late joiner starts with up to `history` of the newest samples. */
Test(topic, late_joiners_start_with_the_history)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t a, b;
    make_topic(&t, 8, 8, 2, 3, SHMGEN_TOPIC_BLOCK, 0);
    publish_range(&t, 0, 2);
    cr_assert_eq(shmgen_topic_subscribe(&t, "a", &a), 0);
    expect_takes(&a, 0, 2); /* fewer than history published: all of them */
    publish_range(&t, 2, 10);
    expect_takes(&a, 2, 10);
    cr_assert_eq(shmgen_topic_subscribe(&t, "b", &b), 0);
    cr_assert_eq(shmgen_topic_position(&b), 7);
    cr_assert_eq(shmgen_topic_lost(&b), 0, "history it did not get was never its own");
    expect_takes(&b, 7, 10);
}

Test(topic, names_bad_taken_twice_and_too_many)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t a, b, c;
    uint64_t v;
    char longest[SHMGEN_TOPIC_NAME_MAX + 2];
    make_topic(&t, 8, 4, 2, 0, SHMGEN_TOPIC_LAP, 0);
    memset(longest, 'n', sizeof longest);
    longest[SHMGEN_TOPIC_NAME_MAX + 1] = '\0';
    cr_assert_eq(shmgen_topic_subscribe(&t, "", &a), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_subscribe(&t, NULL, &a), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_subscribe(&t, longest, &a), SHMGEN_INVALID_ARGUMENT, "32 bytes");
    longest[SHMGEN_TOPIC_NAME_MAX] = '\0';
    cr_assert_eq(shmgen_topic_subscribe(&t, longest, &a), 0, "31 bytes");
    cr_assert_eq(shmgen_topic_subscribe(&t, longest, &b), SHMGEN_BUSY, "a live attachment holds it");
    cr_assert(strstr(shmgen_segment_last_detail(), "held by live pid"), "%s", shmgen_segment_last_detail());
    cr_assert_eq(shmgen_topic_subscribe(&t, "b", &b), 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "c", &c), SHMGEN_FULL);
    cr_assert_eq(shmgen_topic_unsubscribe(&a), 0);
    cr_assert_eq(shmgen_topic_unsubscribe(&a), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_take(&a, &v), SHMGEN_INVALID_ARGUMENT, "a handle given up");
    cr_assert_eq(shmgen_topic_subscribe(&t, "c", &c), 0, "the record is free again");
    cr_assert_eq(shmgen_topic_take(&a, &v), SHMGEN_INVALID_ARGUMENT, "a stale handle does not alias the new one");
    cr_assert_eq(shmgen_topic_unsubscribe(&a), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_take(&c, &v), SHMGEN_EMPTY);
    memset(&a, 0, sizeof a);
    cr_assert_eq(shmgen_topic_take(&a, &v), SHMGEN_INVALID_ARGUMENT, "a handle never subscribed");
    cr_assert_eq(shmgen_topic_wait(&a, 0), SHMGEN_INVALID_ARGUMENT);
}

static void subscribe_take_and_die(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t v;
    (void)ctx;
    if (shmgen_topic_bind(&t, seg, info) != 0 || shmgen_topic_subscribe(&t, "x", &s) != 0) _exit(4);
    for (int i = 0; i < id; i++)
        if (shmgen_topic_take(&s, &v) != 0 || v != (uint64_t)i) _exit(5);
    raise(SIGKILL);
}

/* A subscriber that dies keeps its name and cursor: a new process
 * subscribing under the name resumes there; under block the dead one never
 * holds the publisher back once recovery detached it. */
static void resume(shmgen_topic_policy_t policy)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    shmgen_topic_sub_info_t info;
    int st;
    pid_t pid;
    make_topic(&t, 8, 4, 1, 3, policy, 0);
    publish_range(&t, 0, 3); /* the history: the subscriber starts at 0 */
    pid = kutil_spawn(&K, subscribe_take_and_die, 2, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
    cr_assert_eq(shmgen_topic_subscriber_at(&t, 0, &info), 0);
    cr_assert_str_eq(info.name, "x");
    cr_assert_not(info.alive);
    cr_assert_eq(info.position, 2);
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    cr_assert_eq(shmgen_topic_subscriber_at(&t, 0, &info), 0);
    cr_assert_eq(info.pid, 0, "detached");
    cr_assert_eq(shmgen_topic_subscribe(&t, "x", &s), 0);
    cr_assert_eq(shmgen_topic_position(&s), 2, "resumed at its cursor");
    expect_takes(&s, 2, 3);
}

Test(topic, lap_a_dead_subscribers_name_resumes)
{
    resume(SHMGEN_TOPIC_LAP);
}

Test(topic, block_a_dead_subscribers_name_resumes)
{
    resume(SHMGEN_TOPIC_BLOCK);
}

/* Block: a dead subscriber capacity behind never blocks the publisher: its
 * waiting form finds it dead and has recovery detach it. */
Test(topic, block_never_waits_for_a_dead_subscriber)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t v = 50;
    int st;
    pid_t pid;
    make_topic(&t, 8, 4, 1, 0, SHMGEN_TOPIC_BLOCK, 0);
    pid = kutil_spawn(&K, subscribe_take_and_die, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    publish_range(&t, 0, 4);
    cr_assert_eq(shmgen_topic_publish_wait(&t, &v, 10000), 0, "%s", shmgen_segment_last_detail());
    kutil_assert_attached(&K, 1);
    /* The resumed name counts what it missed while detached as lost. */
    cr_assert_eq(shmgen_topic_subscribe(&t, "x", &s), 0);
    take_one(&s, 2);
    take_one(&s, 3);
    expect_takes(&s, 50, 51);
    cr_assert_eq(shmgen_topic_lost(&s), 2);
}

static void publish_and_hold(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_topic_t t;
    uint64_t v = 1000;
    _Atomic int *step = ctx;
    (void)id;
    if (shmgen_topic_bind(&t, seg, info) != 0 || shmgen_topic_publish_copy(&t, &v) != 0) _exit(4);
    atomic_store(step, 1);
    while (atomic_load(step) != 2) usleep(1000);
    if (shmgen_topic_release_publisher(&t) != 0) _exit(5);
    atomic_store(step, 3);
    while (atomic_load(step) != 4) usleep(1000);
    raise(SIGKILL);
}

Test(topic, a_second_live_publisher_is_busy_until_handed_over)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    _Atomic int *step = kutil_shared(sizeof *step);
    uint64_t v = 2000;
    int st;
    pid_t pid;
    make_topic(&t, 8, 4, 1, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "s", &s), 0);
    cr_assert_eq(shmgen_topic_release_publisher(&t), SHMGEN_INVALID_ARGUMENT, "not ours");
    pid = kutil_spawn(&K, publish_and_hold, 0, (void *)step);
    while (atomic_load(step) != 1) usleep(1000);
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), SHMGEN_BUSY);
    cr_assert(strstr(shmgen_segment_last_detail(), "publisher side is owned by live pid"), "%s",
              shmgen_segment_last_detail());
    atomic_store(step, 2);
    while (atomic_load(step) != 3) usleep(1000);
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), 0, "handed over");
    cr_assert_eq(shmgen_topic_release_publisher(&t), 0);
    atomic_store(step, 4);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    take_one(&s, 1000);
    expect_takes(&s, 2000, 2001);
    kutil_shared_free((void *)step, sizeof *step);
}

static void publish_and_die(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_topic_t t;
    uint64_t v = 1;
    (void)id;
    (void)ctx;
    if (shmgen_topic_bind(&t, seg, info) != 0 || shmgen_topic_publish_copy(&t, &v) != 0) _exit(4);
    raise(SIGKILL);
}

Test(topic, a_dead_publisher_is_taken_over)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    uint64_t v;
    int st;
    make_topic(&t, 8, 4, 1, 0, SHMGEN_TOPIC_BLOCK, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "s", &s), 0);
    pid_t pid = kutil_spawn(&K, publish_and_die, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    v = 2;
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), 0, "%s", shmgen_segment_last_detail());
    expect_takes(&s, 1, 3);
}

/* Block with a deadline: a live subscriber that keeps the publisher waiting
 * that long is evicted (counted); its next read says so; it may subscribe
 * again and starts at the newest `history` samples, the skipped ones lost. */
Test(topic, block_deadline_evicts_a_stalled_subscriber)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t stalled, ok;
    shmgen_topic_sub_info_t info;
    const void *p;
    uint64_t v = 2;
    make_topic(&t, 8, 2, 2, 1, SHMGEN_TOPIC_BLOCK, 40);
    cr_assert_eq(shmgen_topic_subscribe(&t, "stalled", &stalled), 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "ok", &ok), 0);
    publish_range(&t, 0, 2);
    expect_takes(&ok, 0, 2);
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_topic_publish_wait(&t, &v, 10000), 0, "evicted after 40 ms");
    cr_assert_eq(shmgen_topic_evictions(&t), 1);
    cr_assert_eq(shmgen_topic_subscriber_at(&t, 0, &info), 0);
    cr_assert(info.evicted && info.alive);
    cr_assert_eq(shmgen_topic_take(&stalled, &v), SHMGEN_EVICTED);
    cr_assert_eq(shmgen_topic_read(&stalled, &p), SHMGEN_EVICTED);
    cr_assert_eq(shmgen_topic_wait(&stalled, 1000), 0, "an evicted subscriber does not sleep");
    publish_range(&t, 3, 4);
    cr_assert_eq(shmgen_topic_subscribe(&t, "stalled", &stalled), 0, "the holder subscribes again");
    cr_assert_eq(shmgen_topic_position(&stalled), 3, "at the newest history sample");
    cr_assert_eq(shmgen_topic_lost(&stalled), 3);
    expect_takes(&stalled, 3, 4);
}

Test(topic, subscriber_records_as_tools_see_them)
{
    shmgen_topic_t t, ro_t;
    shmgen_topic_sub_t a;
    shmgen_topic_sub_info_t info;
    shmgen_segment_t *ro;
    shmgen_struct_info_t ro_info;
    void *slot;
    uint64_t v;
    make_topic(&t, 8, 4, 3, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "logger", &a), 0);
    publish_range(&t, 0, 6);
    cr_assert_eq(shmgen_topic_take(&a, &v), 0);
    cr_assert_eq(shmgen_segment_open_readonly(K.name, &ro), 0);
    cr_assert_eq(shmgen_segment_find(ro, "s", &ro_info), 0);
    cr_assert_eq(shmgen_topic_bind(&ro_t, ro, &ro_info), 0);
    cr_assert_eq(shmgen_topic_subscriber_at(&ro_t, 0, &info), 0);
    cr_assert_str_eq(info.name, "logger");
    cr_assert_eq(info.pid, getpid());
    cr_assert(info.alive && !info.evicted);
    cr_assert_eq(info.position, 3);
    cr_assert_eq(info.lag, 3);
    cr_assert_eq(info.lost, 2);
    cr_assert_eq(shmgen_topic_subscriber_at(&ro_t, 1, &info), SHMGEN_EMPTY);
    cr_assert_eq(shmgen_topic_subscriber_at(&ro_t, 3, &info), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_eq(shmgen_topic_publish_copy(&ro_t, &v), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_topic_loan(&ro_t, &slot), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_topic_publish(&ro_t), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_topic_subscribe(&ro_t, "x", &a), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_topic_release_publisher(&ro_t), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_topic_published(&ro_t), 6);
    (void)shmgen_segment_close(ro);
}

/* Samples of 12 and 1000 bytes keep their exact bytes through both forms. */
Test(topic, odd_sample_sizes)
{
    static const uint32_t sizes[] = {12, 1000};
    for (size_t k = 0; k < 2; k++) {
        shmgen_topic_t t;
        shmgen_topic_sub_t s;
        unsigned char in[1000], out[1008];
        const unsigned char *seen;
        make_topic(&t, sizes[k], 3, 1, 0, k ? SHMGEN_TOPIC_BLOCK : SHMGEN_TOPIC_LAP, 0);
        cr_assert_eq(shmgen_topic_subscribe(&t, "s", &s), 0);
        for (int round = 0; round < 5; round++) {
            for (uint32_t i = 0; i < sizes[k]; i++) in[i] = (unsigned char)(i * 13 + round);
            memset(out, 0xEE, sizeof out);
            cr_assert_eq(shmgen_topic_publish_copy(&t, in), 0);
            cr_assert_eq(shmgen_topic_publish_copy(&t, in), 0);
            cr_assert_eq(shmgen_topic_take(&s, out), 0);
            cr_assert_eq(memcmp(in, out, sizes[k]), 0);
            cr_assert_eq(out[sizes[k]], 0xEE, "nothing past the sample");
            cr_assert_eq(shmgen_topic_read(&s, (const void **)&seen), 0);
            cr_assert_eq(memcmp(in, seen, sizes[k]), 0);
            cr_assert_eq(shmgen_topic_release(&s), 0);
        }
        kutil_destroy(&K);
    }
}

Test(topic, null_arguments)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    make_topic(&t, 8, 2, 1, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_loan(&t, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_publish_copy(&t, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_subscribe(&t, "n", NULL), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_subscribe(&t, "n", &s), 0);
    cr_assert_eq(shmgen_topic_take(&s, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_read(&s, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_topic_subscriber_at(&t, 0, NULL), SHMGEN_INVALID_ARGUMENT);
}

/* Words of a topic (docs/segment-format.md): the header's `sublock` is its
 * word 4; slot i's sequence word follows the header and the records. */
static _Atomic uint64_t *topic_word(unsigned offset)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(K.seg, &K.info) + offset);
}

#define SUBLOCK_AT 32u

/* The subscription lock held by a live attachment (one stopped inside a
 * subscribe, or a scribble): subscribe and unsubscribe return BUSY after
 * their bound, naming it; held by a token that is gone: taken over. */
Test(topic, subscription_lock_of_a_live_holder_is_busy_of_a_gone_one_taken_over)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    shmgen_segment_t *other;
    uint32_t owner = 0;
    double t0;
    make_topic(&t, 8, 2, 2, 0, SHMGEN_TOPIC_BLOCK, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "first", &s), 0);
    cr_assert_eq(shmgen_segment_open(K.name, &K.layout, NULL, &other), 0);
    cr_assert_eq(shmgen_segment_owner_id(other, &owner), 0);
    atomic_store(topic_word(SUBLOCK_AT), ((uint64_t)(uint32_t)getpid() << 32) | owner);
    t0 = kutil_now();
    cr_assert_eq(shmgen_topic_subscribe(&t, "second", &s), SHMGEN_BUSY);
    cr_assert(strstr(shmgen_segment_last_detail(), "did not finish"), "%s", shmgen_segment_last_detail());
    cr_assert_eq(shmgen_topic_unsubscribe(&s), SHMGEN_BUSY);
    cr_assert(kutil_now() - t0 < 5.0);
    atomic_store(topic_word(SUBLOCK_AT), ((uint64_t)1 << 32) | 200); /* owner 200 does not exist */
    cr_assert_eq(shmgen_topic_subscribe(&t, "second", &s), 0);
    cr_assert_eq(atomic_load(topic_word(SUBLOCK_AT)), 0);
    (void)shmgen_segment_close(other);
}

/* Slot words that say every position from the cursor on was overwritten
 * (scribbled: head stays behind them): a read gives up with BUSY after its
 * bound of laps, naming the topic, instead of skipping forever. */
Test(topic, endless_laps_give_busy)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    const void *p;
    uint64_t v;
    unsigned slots_at = SHMGEN_CONCURRENT_HEADER_BYTES + SHMGEN_TOPIC_CURSOR_BYTES;
    make_topic(&t, 8, 2, 1, 0, SHMGEN_TOPIC_LAP, 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "s", &s), 0);
    atomic_store(topic_word(slots_at), 2 * 1000 + 3);      /* slot 0: position 1000 published */
    atomic_store(topic_word(slots_at + 16), 2 * 1001 + 3); /* slot 1: position 1001 */
    cr_assert_eq(shmgen_topic_read(&s, &p), SHMGEN_BUSY);
    cr_assert(strstr(shmgen_segment_last_detail(), "topic 's'"), "%s", shmgen_segment_last_detail());
    cr_assert_eq(shmgen_topic_lost(&s), 64, "each lap skipped one position");
    cr_assert_eq(shmgen_topic_take(&s, &v), SHMGEN_BUSY);
}

/* Open reads a topic's capacity, subscribers, history and deadline from the
 * segment, but refuses another policy: lap and block give the same words
 * another meaning (the verifiers' rule, a breaking change for shmgen compat). */
Test(topic, open_refuses_another_policy_and_reads_the_other_parameters)
{
    shmgen_segment_t *seg = NULL;
    shmgen_struct_info_t info;
    shmgen_struct_desc_t d;
    shmgen_layout_t l;
    kutil_create_topic(&K, "topic", 8, 4, 3, 1, SHMGEN_TOPIC_BLOCK, 0);
    d = K.desc;
    l = K.layout;
    l.structs = &d;
    d.subscribers = 7;
    d.history = 2;
    d.capacity = 16;
    d.deadline_ms = 50;
    cr_assert_eq(shmgen_segment_open(K.name, &l, NULL, &seg), 0, "%s", shmgen_segment_last_detail());
    cr_assert_eq(shmgen_segment_find(seg, "s", &info), 0);
    cr_assert(info.subscribers == 3 && info.history == 1 && info.capacity == 4 && info.deadline_ms == 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
    d.policy = SHMGEN_TOPIC_LAP;
    seg = NULL;
    cr_assert_eq(shmgen_segment_open(K.name, &l, NULL, &seg), SHMGEN_STRUCT_MISMATCH);
    cr_assert_null(seg);
    cr_assert_str_eq(shmgen_segment_last_detail(), "structure 's': topic policy block in segment, lap expected");
}
