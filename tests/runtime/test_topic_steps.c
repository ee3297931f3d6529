/*
 * SPDX-License-Identifier: MIT
 *
 * test_topic_steps.c — each dangerous step of the topic's operations,
 * reproduced deterministically in a child process that stops (SIGSTOP) or
 * dies (SIGKILL) right there, under both policies:
 * - a publisher between loan and publish, inside publish_copy after writing,
 *   and after publishing but before advancing head;
 * - a subscriber holding a zero-copy read, and inside take after copying.
 * What must hold: a stopped publisher never stops subscribers from reading
 * what is published, and a second publisher gets BUSY; a dead one's half-
 * written sample is never read, its position is rewritten once, nothing is
 * published twice; a stopped lap subscriber never slows the publisher; a
 * stopped block subscriber holds the publisher back until its deadline
 * evicts it (counted); a dead one never does; a subscriber killed holding a
 * sample it did not consume gets it again under its name (not a duplicate:
 * it was never consumed), or counts it lost if it was overwritten meanwhile.
 * Depends on kinds_util, the public topic API and the runtime's test hook.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/topic.h"
#include "testhook.h"

#define CAP 4u
#define POISON 0xDDDDDDDDDDDDDDDDull

static kutil_seg_t K;
static shmgen_topic_t T;
static pid_t child; /* a child still stopped when a test fails is killed by the teardown */

static void teardown(void)
{
    if (child > 0) kill(child, SIGKILL);
    kutil_destroy(&K);
}

TestSuite(topic_steps, .fini = teardown, .timeout = 60);

static void make(shmgen_topic_policy_t policy, uint32_t deadline_ms)
{
    kutil_create_topic(&K, "topicsteps", 8, CAP, 2, CAP - 1, policy, deadline_ms);
    cr_assert_eq(shmgen_topic_bind(&T, K.seg, &K.info), 0);
}

static void publish(uint64_t v)
{
    cr_assert_eq(shmgen_topic_publish_copy(&T, &v), 0, "publish %llu: %s", (unsigned long long)v,
                 shmgen_segment_last_detail());
}

static void take_one(shmgen_topic_sub_t *s, uint64_t want)
{
    uint64_t v = ~want;
    cr_assert_eq(shmgen_topic_take(s, &v), 0, "take %llu", (unsigned long long)want);
    cr_assert_eq(v, want, "got %#llx, expected %llu", (unsigned long long)v, (unsigned long long)want);
}

/* Runs child `fn` (id selects its variant) until it stops or dies. */
static pid_t run_until(kutil_worker_fn fn, int id, bool stop)
{
    int st;
    pid_t pid = child = kutil_spawn(&K, fn, id, NULL);
    cr_assert_eq(waitpid(pid, &st, stop ? WUNTRACED : 0), pid);
    if (!WIFSTOPPED(st)) child = 0; /* reaped */
    if (stop) cr_assert(WIFSTOPPED(st), "child status %#x", st);
    else cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child status %#x", st);
    return pid;
}

static void finish_child(pid_t pid, int want_exit)
{
    int st;
    kill(pid, SIGCONT);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    child = 0;
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == want_exit, "child status %#x", st);
}

/* ---- the publisher -------------------------------------------------------- */

static int hook_point, hook_signal;

/* Stops or dies the first time the child passes hook_point. */
static void at_point(int point, uint64_t arg)
{
    (void)arg;
    if (point != hook_point) return;
    shmgen__test_hook = NULL;
    raise(hook_signal);
}

/* id 0: loan, poison the slot, stop/die (by the signal of id >> 1 & 1), then
 * (continued) write 500 and publish.  id 2/3: publish_copy(500) stopped at
 * WRITTEN.  id 4/5: at PUBLISHED. */
static void publisher_child(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_topic_t t;
    uint64_t *slot, v = 500;
    (void)ctx;
    if (shmgen_topic_bind(&t, seg, info) != 0) _exit(4);
    hook_signal = id & 1 ? SIGKILL : SIGSTOP;
    if (id < 2) {
        if (shmgen_topic_loan(&t, (void **)&slot) != 0) _exit(5);
        *slot = POISON;
        raise(hook_signal);
        *slot = v;
        _exit(shmgen_topic_publish(&t) == 0 ? 0 : 6);
    }
    hook_point = id < 4 ? SHMGEN__HP_TOPIC_WRITTEN : SHMGEN__HP_TOPIC_PUBLISHED;
    shmgen__test_hook = at_point;
    _exit(shmgen_topic_publish_copy(&t, &v) == 0 ? 0 : 7);
}

/* A stopped publisher (after its loan or inside publish_copy): subscribers
 * read everything published before, find nothing more (without waiting past
 * their timeouts), a second publisher gets BUSY; continued, it publishes. */
static void publisher_stopped(shmgen_topic_policy_t policy, int variant)
{
    shmgen_topic_sub_t s;
    uint64_t v;
    pid_t pid;
    make(policy, 0);
    cr_assert_eq(shmgen_topic_subscribe(&T, "s", &s), 0);
    for (v = 0; v < 2; v++) publish(v);
    cr_assert_eq(shmgen_topic_release_publisher(&T), 0);
    pid = run_until(publisher_child, variant, true);
    take_one(&s, 0);
    take_one(&s, 1);
    cr_assert_eq(shmgen_topic_take(&s, &v), SHMGEN_EMPTY);
    cr_assert_eq(shmgen_topic_take_wait(&s, &v, 20), SHMGEN_TIMEOUT);
    v = 9;
    cr_assert_eq(shmgen_topic_publish_copy(&T, &v), SHMGEN_BUSY);
    finish_child(pid, 0);
    take_one(&s, 500);
    cr_assert_eq(shmgen_topic_lost(&s), 0);
}

Test(topic_steps, lap_publisher_stopped_between_loan_and_publish)
{
    publisher_stopped(SHMGEN_TOPIC_LAP, 0);
}

Test(topic_steps, block_publisher_stopped_between_loan_and_publish)
{
    publisher_stopped(SHMGEN_TOPIC_BLOCK, 0);
}

Test(topic_steps, lap_publisher_stopped_inside_publish_copy)
{
    publisher_stopped(SHMGEN_TOPIC_LAP, 2);
}

/* A dead publisher (after its loan, or after writing in publish_copy): its
 * sample is never read; the next publisher takes the side over and writes
 * that position once.  A lap subscriber still behind on the slot the loan
 * overwrote counts it lost and never sees the poison. */
static void publisher_killed(shmgen_topic_policy_t policy, int variant)
{
    shmgen_topic_sub_t s, behind;
    uint64_t v;
    make(policy, 0);
    cr_assert_eq(shmgen_topic_subscribe(&T, "s", &s), 0);
    cr_assert_eq(shmgen_topic_subscribe(&T, "behind", &behind), 0);
    for (v = 0; v < CAP; v++) publish(v);
    for (v = 0; v < CAP; v++) take_one(&s, v);
    if (policy == SHMGEN_TOPIC_BLOCK)
        for (v = 0; v < CAP; v++) take_one(&behind, v);
    cr_assert_eq(shmgen_topic_release_publisher(&T), 0);
    run_until(publisher_child, variant, false);
    cr_assert_eq(shmgen_topic_take(&s, &v), SHMGEN_EMPTY, "the dead one's sample is not published");
    publish(600);
    take_one(&s, 600);
    cr_assert_eq(shmgen_topic_take(&s, &v), SHMGEN_EMPTY);
    cr_assert_eq(shmgen_topic_published(&T), CAP + 1);
    if (policy == SHMGEN_TOPIC_LAP) {
        for (v = 1; v < CAP; v++) take_one(&behind, v); /* position 0's slot was loaned: lost */
        take_one(&behind, 600);
        cr_assert_eq(shmgen_topic_lost(&behind), 1);
    } else {
        take_one(&behind, 600);
    }
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    kutil_assert_attached(&K, 1);
}

Test(topic_steps, lap_publisher_killed_between_loan_and_publish)
{
    publisher_killed(SHMGEN_TOPIC_LAP, 1);
}

Test(topic_steps, block_publisher_killed_between_loan_and_publish)
{
    publisher_killed(SHMGEN_TOPIC_BLOCK, 1);
}

Test(topic_steps, lap_publisher_killed_inside_publish_copy)
{
    publisher_killed(SHMGEN_TOPIC_LAP, 3);
}

Test(topic_steps, block_publisher_killed_inside_publish_copy)
{
    publisher_killed(SHMGEN_TOPIC_BLOCK, 3);
}

/* Killed after publishing, before advancing head: subscribers may take the
 * sample; the next publisher starts after it (never writes it twice). */
static void publisher_killed_after_publishing(shmgen_topic_policy_t policy)
{
    shmgen_topic_sub_t s;
    make(policy, 0);
    cr_assert_eq(shmgen_topic_subscribe(&T, "s", &s), 0);
    publish(0);
    cr_assert_eq(shmgen_topic_release_publisher(&T), 0);
    run_until(publisher_child, 5, false);
    take_one(&s, 0);
    take_one(&s, 500);
    publish(600);
    take_one(&s, 600);
    cr_assert_eq(shmgen_topic_published(&T), 3);
}

Test(topic_steps, lap_publisher_killed_after_publishing)
{
    publisher_killed_after_publishing(SHMGEN_TOPIC_LAP);
}

Test(topic_steps, block_publisher_killed_after_publishing)
{
    publisher_killed_after_publishing(SHMGEN_TOPIC_BLOCK);
}

/* ---- subscribers ---------------------------------------------------------- */

/* Subscribes as "r", then: id 0/1 reads (position 0) and stops/dies holding
 * it; id 2/3 stops/dies inside take after copying position 0.  Continued,
 * it reports through its exit status: 10 + what release returned (0 intact,
 * 1 overwritten), 20 for an eviction, 30 + 1 when its take got a sample
 * after the one it copied (the copy was overwritten and counted lost). */
static void subscriber_child(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t s;
    const void *p;
    uint64_t v = 0;
    int rc;
    (void)ctx;
    if (shmgen_topic_bind(&t, seg, info) != 0 || shmgen_topic_subscribe(&t, "r", &s) != 0) _exit(4);
    hook_signal = id & 1 ? SIGKILL : SIGSTOP;
    if (id < 2) {
        if (shmgen_topic_read(&s, &p) != 0 || *(const uint64_t *)p != 0) _exit(5);
        raise(hook_signal);
        rc = shmgen_topic_release(&s);
        if (rc == 0 || rc == 1) _exit(shmgen_topic_take(&s, &v) == SHMGEN_EVICTED ? 20 : 10 + rc);
        _exit(rc == SHMGEN_EVICTED ? 20 : 6);
    }
    hook_point = SHMGEN__HP_TOPIC_COPIED;
    shmgen__test_hook = at_point;
    rc = shmgen_topic_take(&s, &v);
    _exit(rc == SHMGEN_EVICTED ? 20 : rc != 0 ? 7 : v == 0 ? 30 : 31);
}

/* Lap: a subscriber stopped holding a read (or inside take) never slows the
 * publisher; continued, it learns its sample was overwritten. */
static void lap_subscriber_stopped(int variant, int want_exit)
{
    pid_t pid;
    make(SHMGEN_TOPIC_LAP, 0);
    publish(0);
    pid = run_until(subscriber_child, variant, true);
    for (uint64_t v = 1; v < 10 * CAP; v++) publish(v);
    finish_child(pid, want_exit);
}

Test(topic_steps, lap_subscriber_stopped_holding_a_read_never_slows_the_publisher)
{
    lap_subscriber_stopped(0, 11);
}

Test(topic_steps, lap_subscriber_stopped_inside_take_never_slows_the_publisher)
{
    lap_subscriber_stopped(2, 31);
}

/* Block: a subscriber stopped holding a read holds the publisher back (its
 * sample is not consumed); continued, it releases it intact. */
Test(topic_steps, block_subscriber_stopped_holding_a_read_holds_the_publisher)
{
    uint64_t v = 0;
    pid_t pid;
    make(SHMGEN_TOPIC_BLOCK, 0);
    publish(0);
    pid = run_until(subscriber_child, 0, true);
    for (v = 1; v < CAP; v++) publish(v);
    cr_assert_eq(shmgen_topic_publish_copy(&T, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_topic_publish_wait(&T, &v, 50), SHMGEN_TIMEOUT);
    finish_child(pid, 10);
    cr_assert_eq(shmgen_topic_publish_copy(&T, &v), 0, "the continued subscriber made room");
}

/* Block with a deadline: the stopped subscriber is evicted (counted) and the
 * publisher goes on; continued, the subscriber's next read says so. */
Test(topic_steps, block_deadline_evicts_a_stopped_subscriber)
{
    shmgen_topic_sub_info_t info;
    uint64_t v = 0;
    pid_t pid;
    make(SHMGEN_TOPIC_BLOCK, 30);
    publish(0);
    pid = run_until(subscriber_child, 2, true);
    for (v = 1; v < 3 * CAP; v++) cr_assert_eq(shmgen_topic_publish_wait(&T, &v, 10000), 0);
    cr_assert_eq(shmgen_topic_evictions(&T), 1);
    cr_assert_eq(shmgen_topic_subscriber_at(&T, 0, &info), 0);
    cr_assert(info.evicted);
    finish_child(pid, 31); /* its copy was overwritten: lost, then it took the next one */
}

/* A subscriber killed holding a read (or inside take, after copying): the
 * sample was not consumed, so the name's next holder gets it (no duplicate:
 * it was never delivered). */
static void subscriber_killed(shmgen_topic_policy_t policy, int variant)
{
    shmgen_topic_sub_t s;
    uint64_t v;
    make(policy, 0);
    publish(0);
    publish(1);
    run_until(subscriber_child, variant, false);
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    cr_assert_eq(shmgen_topic_subscribe(&T, "r", &s), 0);
    take_one(&s, 0);
    take_one(&s, 1);
    cr_assert_eq(shmgen_topic_take(&s, &v), SHMGEN_EMPTY);
    cr_assert_eq(shmgen_topic_lost(&s), 0);
}

Test(topic_steps, lap_subscriber_killed_holding_a_read_gets_it_again)
{
    subscriber_killed(SHMGEN_TOPIC_LAP, 1);
}

Test(topic_steps, block_subscriber_killed_holding_a_read_gets_it_again)
{
    subscriber_killed(SHMGEN_TOPIC_BLOCK, 1);
}

Test(topic_steps, block_subscriber_killed_inside_take_gets_it_again)
{
    subscriber_killed(SHMGEN_TOPIC_BLOCK, 3);
}

/* Block: a subscriber killed holding a read is detached by the waiting
 * publisher (through recovery) without any deadline; resuming under its name
 * it counts what the publisher overwrote meanwhile as lost. */
Test(topic_steps, block_never_waits_for_a_subscriber_killed_holding_a_read)
{
    shmgen_topic_sub_t s;
    uint64_t v;
    make(SHMGEN_TOPIC_BLOCK, 0);
    publish(0);
    run_until(subscriber_child, 1, false);
    for (v = 1; v < 3 * CAP; v++) cr_assert_eq(shmgen_topic_publish_wait(&T, &v, 10000), 0);
    cr_assert_eq(shmgen_topic_subscribe(&T, "r", &s), 0);
    cr_assert_eq(shmgen_topic_position(&s), 2 * CAP + 1, "the oldest the publisher could not have overwritten");
    cr_assert_eq(shmgen_topic_lost(&s), 2 * CAP + 1);
    for (v = 2 * CAP + 1; v < 3 * CAP; v++) take_one(&s, v);
    kutil_assert_attached(&K, 1);
}
