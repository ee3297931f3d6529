/*
 * SPDX-License-Identifier: MIT
 *
 * test_recovery_race.c — recovery decides "dead" once, and an attacher paused
 * inside its registry scan never makes a dead owner look alive.
 *
 * Each test: a holder process takes something in a structure (pool slots, the
 * ring's consumer side, a stack node in flight, a queue position claimed but
 * not published, a topic's publisher side and a subscriber record holding
 * the publisher back, a latest's writer word in the middle of a store) and
 * is SIGKILLed; a scanner process starts attaching and is
 * stopped (SIGSTOP, from a test hook) while its registry scan stands at the
 * dead holder's slot; the test process then recovers.  Every kind must repair
 * what the holder left, although the scanner sits in the middle of the scan,
 * and after the scanner resumes (and may reuse the holder's owner number) the
 * structure must work with full capacity.  Before this design the scan
 * write-locked every free-looking slot, dead ones included, so the holder
 * read as alive for that moment: its pool slots were never reclaimed and the
 * ring's consumer side was handed on unrepaired.
 * Depends on the runtime (public API and the internal test hook).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmgen/shmgen.h"
#include "testhook.h"

enum { S_POOL, S_RING, S_STACK, S_QUEUE, S_TOPIC, S_LATEST, NSTRUCTS };
#define CAP 4

static const shmgen_struct_desc_t descs[NSTRUCTS] = {
    {"p", SHMGEN_KIND_POOL, 8, 8, CAP, 1, 1, 0, 0, 0, 0, 0},
    {"r", SHMGEN_KIND_RING, 8, 8, CAP, 1, 1, 0, 0, 0, 0, 0},
    {"s", SHMGEN_KIND_STACK, 8, 8, CAP, 1, 1, 0, 0, 0, 0, 0},
    {"q", SHMGEN_KIND_QUEUE, 8, 8, CAP, 1, 1, 0, 0, 0, 0, 0},
    {"t", SHMGEN_KIND_TOPIC, 8, 8, CAP, 1, 1, 0, 2, 0, SHMGEN_TOPIC_BLOCK, 0},
    {"l", SHMGEN_KIND_LATEST, 8, 8, 1, 1, 1, 0, 0, 0, 0, 0},
};
static const shmgen_layout_t layout = {"race", 1, 0x5eed, 0, NSTRUCTS, descs, 0};

static char name[64];
static shmgen_segment_t *seg;

typedef struct shared {
    _Atomic int holder_ready;
    _Atomic int scanner_slot; /* the slot index the scanner stops at */
    _Atomic int scanner_stopped;
} shared_t;
static shared_t *sh;

static void setup(void)
{
    snprintf(name, sizeof name, "/shmgen_race_%d", (int)getpid());
    (void)shmgen_segment_unlink(name);
    cr_assert_eq(shmgen_segment_create(name, &layout, NULL, &seg), 0);
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(sh, MAP_FAILED);
    memset(sh, 0, sizeof *sh);
}

static void teardown(void)
{
    (void)shmgen_segment_close(seg);
    (void)shmgen_segment_unlink(name);
    munmap(sh, sizeof *sh);
}

TestSuite(recovery_race, .init = setup, .fini = teardown, .timeout = 60);

static shmgen_struct_info_t info_of(shmgen_segment_t *s, int which)
{
    shmgen_struct_info_t info;
    cr_assert_eq(shmgen_segment_resolve(s, (size_t)which, &info), 0);
    return info;
}

static void die_here(int point, uint64_t arg)
{
    (void)point;
    (void)arg;
    raise(SIGKILL);
}

/* The holder: attach, take something in structure `which`, die. */
static void holder(int which)
{
    shmgen_segment_t *s;
    shmgen_struct_info_t info;
    uint64_t v = 7;
    if (shmgen_segment_open(name, &layout, NULL, &s) != 0) _exit(3);
    info = info_of(s, which);
    if (which == S_POOL) {
        shmgen_pool_t p;
        if (shmgen_pool_bind(&p, s, &info) != 0) _exit(4);
        for (int i = 0; i < 3; i++)
            if (!shmgen_pool_handle_valid(shmgen_pool_acquire(&p))) _exit(5);
    } else if (which == S_RING) {
        shmgen_ring_t r;
        if (shmgen_ring_bind(&r, s, &info) != 0 || shmgen_ring_pop(&r, &v) != 0) _exit(4);
    } else if (which == S_STACK) {
        shmgen_stack_t st;
        if (shmgen_stack_bind(&st, s, &info) != 0) _exit(4);
        shmgen__test_hook = die_here; /* dies with a node taken off the stack */
        (void)shmgen_stack_pop(&st, &v);
        _exit(6);
    } else if (which == S_QUEUE) {
        shmgen_queue_t q;
        if (shmgen_queue_bind(&q, s, &info) != 0) _exit(4);
        shmgen__test_hook = die_here; /* dies with a position claimed, not published */
        (void)shmgen_queue_enqueue(&q, &v);
        _exit(6);
    } else if (which == S_TOPIC) {
        shmgen_topic_t t;
        shmgen_topic_sub_t sub;
        const void *p;
        /* Subscribed at 0 and holding a read of it, after filling the topic
         * (block): the publisher side and a record holding the publisher back. */
        if (shmgen_topic_bind(&t, s, &info) != 0 || shmgen_topic_subscribe(&t, "h", &sub) != 0) _exit(4);
        for (v = 0; v < CAP; v++)
            if (shmgen_topic_publish_copy(&t, &v) != 0) _exit(5);
        if (shmgen_topic_read(&sub, &p) != 0) _exit(6);
    } else {
        shmgen_latest_t l;
        if (shmgen_latest_bind(&l, s, &info) != 0) _exit(4);
        shmgen__test_hook = die_here; /* dies inside a store, holding the writer word */
        (void)shmgen_latest_store(&l, &v);
        _exit(6);
    }
    atomic_store(&sh->holder_ready, 1);
    for (;;) pause();
}

static void stop_at_slot(int point, uint64_t arg)
{
    if (point == SHMGEN__HP_REGISTRY_SCAN && (int)arg == atomic_load(&sh->scanner_slot)) {
        atomic_store(&sh->scanner_stopped, 1);
        raise(SIGSTOP);
    }
}

/* The scanner: attach with the hook set, so that it stops mid-scan, then
 * (resumed) use the structure the way a newcomer would. */
static void scanner(int which)
{
    shmgen_segment_t *s;
    shmgen_struct_info_t info;
    uint64_t v = 1;
    int rc;
    shmgen__test_hook = stop_at_slot;
    if ((rc = shmgen_segment_open(name, &layout, NULL, &s)) != 0) _exit(10 - rc);
    shmgen__test_hook = NULL;
    info = info_of(s, which);
    if (which == S_RING) {
        shmgen_ring_t r;
        /* The dead holder's consumer side was repaired: we take it over (the
         * test left 3, 4, 100, 100 after the holder popped 1 and an overwrite). */
        if (shmgen_ring_bind(&r, s, &info) != 0 || shmgen_ring_pop(&r, &v) != 0 || v != 3) _exit(20);
    }
    (void)shmgen_segment_close(s);
    _exit(0);
}

static pid_t spawn(void (*fn)(int), int which)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) fn(which);
    return pid;
}

/* Runs the race for one structure; fill() prepares it, check() verifies the
 * repair while the scanner still stands in its scan. */
static void race(int which, void (*check)(void))
{
    int st;
    pid_t h = spawn(holder, which), s;
    unsigned count;
    if (which == S_POOL || which == S_RING || which == S_TOPIC) {
        while (!atomic_load(&sh->holder_ready)) usleep(1000);
        kill(h, SIGKILL);
    }
    cr_assert_eq(waitpid(h, &st, 0), h);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "holder status %#x", st);
    atomic_store(&sh->scanner_slot, 1); /* the holder had slot 1 (we have 0) */
    s = spawn(scanner, which);
    cr_assert_eq(waitpid(s, &st, WUNTRACED), s);
    cr_assert(WIFSTOPPED(st), "scanner status %#x", st);
    cr_assert(atomic_load(&sh->scanner_stopped));
    cr_assert_geq(shmgen_segment_recover(seg), 1, "%s", shmgen_segment_last_detail());
    check();
    cr_assert_eq(shmgen_segment_attach_count(seg, &count), 0);
    cr_assert_eq(count, 1, "only we are attached while the scanner is stopped");
    kill(s, SIGCONT);
    cr_assert_eq(waitpid(s, &st, 0), s);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "scanner status %#x", st);
}

static void check_pool(void)
{
    shmgen_struct_info_t info = info_of(seg, S_POOL);
    shmgen_pool_t p;
    int n = 0;
    cr_assert_eq(shmgen_pool_bind(&p, seg, &info), 0);
    cr_assert_eq(shmgen_pool_num_allocated(&p), 0, "the dead holder's slots were reclaimed");
    while (shmgen_pool_handle_valid(shmgen_pool_acquire(&p))) n++;
    cr_assert_eq(n, CAP);
}

Test(recovery_race, pool_slots_of_a_dead_holder_come_back)
{
    race(S_POOL, check_pool);
}

static void fill_ring(void)
{
    shmgen_struct_info_t info = info_of(seg, S_RING);
    shmgen_ring_t r;
    cr_assert_eq(shmgen_ring_bind(&r, seg, &info), 0);
    for (uint64_t v = 1; v <= CAP; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
}

static void check_ring(void)
{
    shmgen_struct_info_t info = info_of(seg, S_RING);
    shmgen_ring_t r;
    uint64_t v = 100;
    cr_assert_eq(shmgen_ring_bind(&r, seg, &info), 0);
    /* The holder popped 1 and died owning the consumer side; a full ring must
     * still take an overwrite at once (it used to spin forever). */
    cr_assert_eq(shmgen_ring_push(&r, &v), 0); /* the holder's pop freed one slot */
    cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), 1, "%s", shmgen_segment_last_detail());
}

Test(recovery_race, ring_side_of_a_dead_consumer_is_repaired)
{
    fill_ring();
    race(S_RING, check_ring);
}

static void fill_stack(void)
{
    shmgen_struct_info_t info = info_of(seg, S_STACK);
    shmgen_stack_t s;
    uint64_t v = 5;
    cr_assert_eq(shmgen_stack_bind(&s, seg, &info), 0);
    cr_assert_eq(shmgen_stack_push(&s, &v), 0);
}

static void check_stack(void)
{
    shmgen_struct_info_t info = info_of(seg, S_STACK);
    shmgen_stack_t s;
    uint64_t v = 9;
    int n = 0;
    cr_assert_eq(shmgen_stack_bind(&s, seg, &info), 0);
    /* The node the holder took is back on the free list: all CAP fit. */
    while (shmgen_stack_push(&s, &v) == 0) n++;
    cr_assert_eq(n, CAP);
}

Test(recovery_race, stack_node_of_a_dead_popper_comes_back)
{
    fill_stack();
    race(S_STACK, check_stack);
}

static void check_queue(void)
{
    shmgen_struct_info_t info = info_of(seg, S_QUEUE);
    shmgen_queue_t q;
    uint64_t v = 3, got = 0;
    cr_assert_eq(shmgen_queue_bind(&q, seg, &info), 0);
    /* The position the holder claimed is skipped: what we enqueue comes out. */
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(shmgen_queue_dequeue(&q, &got), 0, "%s", shmgen_segment_last_detail());
    cr_assert_eq(got, 3);
    cr_assert_eq(shmgen_queue_dequeue(&q, &got), SHMGEN_EMPTY);
}

Test(recovery_race, queue_position_of_a_dead_producer_is_skipped)
{
    race(S_QUEUE, check_queue);
}

/* A scan standing at a clean slot holds that slot's bytes: the slot must not
 * show up as an attached process (it used to read as "pid 0, alive"). */
static void visit(pid_t pid, bool alive, void *ctx)
{
    (void)alive;
    cr_assert_neq(pid, 0, "a slot being scanned was reported as a process");
    (*(int *)ctx)++;
}

Test(recovery_race, a_slot_being_scanned_is_no_process)
{
    int st, n = 0;
    pid_t s;
    atomic_store(&sh->scanner_slot, 1); /* clean: the scanner holds its claim byte */
    s = spawn(scanner, S_POOL);
    cr_assert_eq(waitpid(s, &st, WUNTRACED), s);
    cr_assert(WIFSTOPPED(st));
    cr_assert_eq(shmgen_segment_visit_processes(seg, visit, &n), 0);
    cr_assert_eq(n, 1);
    kill(s, SIGCONT);
    cr_assert_eq(waitpid(s, &st, 0), s);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void check_topic(void)
{
    shmgen_struct_info_t info = info_of(seg, S_TOPIC);
    shmgen_topic_t t;
    shmgen_topic_sub_info_t rec;
    uint64_t v = 100;
    cr_assert_eq(shmgen_topic_bind(&t, seg, &info), 0);
    /* The dead holder's record is detached (it no longer holds the publisher
     * back) and its publisher side free: publishing goes on at once. */
    cr_assert_eq(shmgen_topic_subscriber_at(&t, 0, &rec), 0);
    cr_assert_eq(rec.pid, 0, "detached");
    cr_assert_eq(rec.position, 0, "its cursor is kept");
    cr_assert_eq(shmgen_topic_publish_copy(&t, &v), 0, "%s", shmgen_segment_last_detail());
}

Test(recovery_race, topic_publisher_and_subscriber_of_a_dead_holder_are_repaired)
{
    race(S_TOPIC, check_topic);
}

/* Header words of a latest (docs/segment-format.md): line 1 holds version, writer. */
#define LATEST_WRITER_AT 72u

static void check_latest(void)
{
    shmgen_struct_info_t info = info_of(seg, S_LATEST);
    _Atomic uint64_t *writer = (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(seg, &info) +
                                                            LATEST_WRITER_AT);
    cr_assert_eq(atomic_load(writer), 0, "the dead writer's word was cleared");
}

Test(recovery_race, latest_writer_word_of_a_dead_writer_is_cleared)
{
    race(S_LATEST, check_latest);
}
