/*
 * SPDX-License-Identifier: MIT
 *
 * test_ring.c — unit tests of the ring kind: exact capacity, FIFO, bulk,
 * overwrite and drop counting, last_n, waits, takeover of the sides, and
 * the repair of states a SIGKILL leaves (written by hand, see below).
 * Depends on kinds_util and the public ring API.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/ring.h"
#include "testhook.h"

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(ring, .fini = teardown, .timeout = 60);

static void make_ring(shmgen_ring_t *r, uint32_t elem_size, uint64_t cap)
{
    kutil_create(&K, "ring", SHMGEN_KIND_RING, elem_size, cap);
    cr_assert_eq(shmgen_ring_bind(r, K.seg, &K.info), 0);
}

Test(ring, exact_capacity_three_and_fifo)
{
    shmgen_ring_t r;
    uint64_t v;
    make_ring(&r, 8, 3);
    cr_assert_eq(shmgen_ring_capacity(&r), 3);
    cr_assert_eq(shmgen_ring_pop(&r, &v), SHMGEN_EMPTY);
    for (uint64_t round = 0; round < 5; round++) {
        for (uint64_t i = 0; i < 3; i++) {
            uint64_t x = round * 10 + i;
            cr_assert_eq(shmgen_ring_push(&r, &x), 0);
        }
        v = 99;
        cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
        cr_assert_eq(shmgen_ring_size(&r), 3);
        for (uint64_t i = 0; i < 3; i++) {
            cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
            cr_assert_eq(v, round * 10 + i);
        }
        cr_assert_eq(shmgen_ring_pop(&r, &v), SHMGEN_EMPTY);
        cr_assert_eq(shmgen_ring_size(&r), 0);
    }
}

Test(ring, capacity_one)
{
    shmgen_ring_t r;
    uint64_t v = 7;
    make_ring(&r, 8, 1);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 7);
    cr_assert_eq(shmgen_ring_pop(&r, &v), SHMGEN_EMPTY);
    v = 8;
    cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), 0);
    v = 9;
    cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), 1);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 9);
    cr_assert_eq(shmgen_ring_dropped(&r), 1);
}

Test(ring, capacity_thousand_odd_element_size)
{
    shmgen_ring_t r;
    unsigned char e[12], o[12];
    make_ring(&r, 12, 1000);
    for (int i = 0; i < 1000; i++) {
        memset(e, i & 0xff, sizeof e);
        cr_assert_eq(shmgen_ring_push(&r, e), 0);
    }
    cr_assert_eq(shmgen_ring_push(&r, e), SHMGEN_FULL);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(shmgen_ring_pop(&r, o), 0);
        memset(e, i & 0xff, sizeof e);
        cr_assert_eq(memcmp(e, o, sizeof e), 0);
    }
}

Test(ring, bulk_wraps_and_stops_at_full)
{
    shmgen_ring_t r;
    uint64_t in[20], out[20];
    make_ring(&r, 8, 7);
    for (uint64_t i = 0; i < 20; i++) in[i] = i;
    cr_assert_eq(shmgen_ring_push_bulk(&r, in, 5), 5);
    cr_assert_eq(shmgen_ring_pop_bulk(&r, out, 3), 3);
    cr_assert_eq(out[2], 2);
    cr_assert_eq(shmgen_ring_push_bulk(&r, in + 5, 20), 5); /* 2 + 5 = 7: full */
    cr_assert_eq(shmgen_ring_push_bulk(&r, in, 1), 0);
    cr_assert_eq(shmgen_ring_pop_bulk(&r, out, 20), 7);
    for (uint64_t i = 0; i < 7; i++) cr_assert_eq(out[i], i + 3);
    cr_assert_eq(shmgen_ring_pop_bulk(&r, out, 20), 0);
}

/* ---- model check ------------------------------------------------------------
 * Random mixes of every operation, single and bulk, against a plain array
 * model, for element sizes of both placements (split under 64 bytes, with
 * and without padding; interleaved from 64) and capacities around the wrap. */
#define MODEL_MAX_ELEM 104u
#define MODEL_MAX_CAP 64u

typedef struct model {
    uint64_t first, count, cap; /* values first .. first + count - 1 are stored */
    uint64_t dropped;
} model_t;

static void model_fill(unsigned char *e, uint32_t size, uint64_t v)
{
    for (uint32_t i = 0; i < size; i++) e[i] = (unsigned char)(v * 131 + i * 7);
}

static void model_expect(const unsigned char *e, uint32_t size, uint64_t v, const char *op)
{
    unsigned char want[MODEL_MAX_ELEM];
    model_fill(want, size, v);
    cr_assert_eq(memcmp(e, want, size), 0, "%s: element %llu (size %u) differs", op, (unsigned long long)v, size);
}

static void model_run(uint32_t size, uint64_t cap, uint64_t seed)
{
    shmgen_ring_t r;
    model_t m = {0, 0, cap, 0};
    uint64_t next = 0, rnd = seed;
    unsigned char buf[MODEL_MAX_CAP * 2 * MODEL_MAX_ELEM];
    make_ring(&r, size, cap);
    for (int step = 0; step < 4000; step++) {
        uint64_t op = kutil_rand(&rnd) % 7, n = 1 + kutil_rand(&rnd) % (2 * cap);
        size_t got;
        if (op == 0) { /* push */
            model_fill(buf, size, next);
            int rc = shmgen_ring_push(&r, buf);
            cr_assert_eq(rc, m.count < cap ? 0 : SHMGEN_FULL, "push (count %llu)", (unsigned long long)m.count);
            if (rc == 0) next++, m.count++;
        } else if (op == 1) { /* push_bulk */
            for (uint64_t i = 0; i < n; i++) model_fill(buf + i * size, size, next + i);
            got = shmgen_ring_push_bulk(&r, buf, n);
            cr_assert_eq(got, n < cap - m.count ? n : cap - m.count, "push_bulk of %llu", (unsigned long long)n);
            next += got, m.count += got;
        } else if (op == 2) { /* push_overwrite */
            model_fill(buf, size, next);
            cr_assert_eq(shmgen_ring_push_overwrite(&r, buf), m.count == cap ? 1 : 0);
            if (m.count == cap) m.first++, m.count--, m.dropped++;
            next++, m.count++;
        } else if (op == 3) { /* pop */
            int rc = shmgen_ring_pop(&r, buf);
            cr_assert_eq(rc, m.count ? 0 : SHMGEN_EMPTY);
            if (rc == 0) model_expect(buf, size, m.first, "pop"), m.first++, m.count--;
        } else if (op == 4) { /* pop_bulk */
            got = shmgen_ring_pop_bulk(&r, buf, n);
            cr_assert_eq(got, n < m.count ? n : m.count, "pop_bulk of %llu: got %zu, count %llu (size %u cap %llu step %d)", (unsigned long long)n, got, (unsigned long long)m.count, size, (unsigned long long)cap, step);
            for (size_t i = 0; i < got; i++) model_expect(buf + i * size, size, m.first + i, "pop_bulk");
            m.first += got, m.count -= got;
        } else { /* last_n: the newest min(n, cap) pushed, consumed ones included */
            uint64_t want = n < cap ? n : cap;
            if (want > next) want = next;
            got = shmgen_ring_last_n(&r, buf, n);
            cr_assert_eq(got, want, "last_n of %llu", (unsigned long long)n);
            for (size_t i = 0; i < got; i++) model_expect(buf + i * size, size, next - got + i, "last_n");
        }
        cr_assert_eq(shmgen_ring_size(&r), m.count);
        cr_assert_eq(shmgen_ring_dropped(&r), m.dropped);
    }
    kutil_destroy(&K);
}

Test(ring, model_check_both_placements)
{
    static const uint32_t sizes[] = {8, 12, 20, 56, 64, 72, 100};
    static const uint64_t caps[] = {1, 3, 8, 13, 64};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (size_t j = 0; j < sizeof caps / sizeof caps[0]; j++) model_run(sizes[i], caps[j], 0x5eed + i * 10 + j);
}

Test(ring, overwrite_drops_oldest_and_counts)
{
    shmgen_ring_t r;
    uint64_t v, last[4];
    make_ring(&r, 8, 4);
    for (v = 0; v < 10; v++) cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), v >= 4 ? 1 : 0);
    cr_assert_eq(shmgen_ring_dropped(&r), 6);
    cr_assert_eq(shmgen_ring_size(&r), 4);
    cr_assert_eq(shmgen_ring_last_n(&r, last, 4), 4);
    for (uint64_t i = 0; i < 4; i++) cr_assert_eq(last[i], 6 + i);
    for (uint64_t i = 6; i < 10; i++) {
        cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
        cr_assert_eq(v, i);
    }
}

Test(ring, last_n_newest_oldest_first_without_consuming)
{
    shmgen_ring_t r;
    uint64_t v, out[8];
    make_ring(&r, 8, 5);
    cr_assert_eq(shmgen_ring_last_n(&r, out, 3), 0);
    for (v = 1; v <= 3; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_last_n(&r, out, 8), 3);
    cr_assert_eq(out[0], 1);
    cr_assert_eq(out[2], 3);
    cr_assert_eq(shmgen_ring_last_n(&r, out, 2), 2);
    cr_assert_eq(out[0], 2);
    cr_assert_eq(out[1], 3);
    cr_assert_eq(shmgen_ring_size(&r), 3);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0); /* consumed elements stay visible until overwritten */
    cr_assert_eq(shmgen_ring_last_n(&r, out, 3), 3);
    cr_assert_eq(out[0], 1);
}

typedef struct big {
    uint64_t w[8];
} big_t;

static _Atomic int stop_flag;
static shmgen_ring_t torn_ring;

static void *overwriter(void *arg)
{
    big_t b;
    (void)arg;
    for (uint64_t i = 1; !atomic_load(&stop_flag); i++) {
        for (int k = 0; k < 8; k++) b.w[k] = i * 8 + (uint64_t)k;
        (void)shmgen_ring_push_overwrite(&torn_ring, &b);
    }
    return NULL;
}

static void *popper(void *arg)
{
    big_t b;
    (void)arg;
    while (!atomic_load(&stop_flag)) (void)shmgen_ring_pop(&torn_ring, &b);
    return NULL;
}

Test(ring, last_n_never_torn_under_overwrite_and_pop)
{
    pthread_t p, c;
    big_t out[3];
    uint64_t reads = 0;
    make_ring(&torn_ring, sizeof(big_t), 3);
    atomic_store(&stop_flag, 0);
    pthread_create(&p, NULL, overwriter, NULL);
    pthread_create(&c, NULL, popper, NULL);
    double end = kutil_now() + 0.5;
    /* At least 0.5 s, and on a loaded machine on until some read succeeded
     * (a reader that keeps losing the race with a producer lapping a
     * three-slot ring returns nothing: not an error, just no evidence yet). */
    while (kutil_now() < end || (reads == 0 && kutil_now() < end + 30)) {
        size_t n = shmgen_ring_last_n(&torn_ring, out, 3);
        for (size_t i = 0; i < n; i++) {
            for (int k = 1; k < 8; k++)
                cr_assert_eq(out[i].w[k], out[i].w[0] + (uint64_t)k, "torn element");
            if (i > 0) cr_assert_gt(out[i].w[0], out[i - 1].w[0], "not oldest first");
        }
        reads += n;
    }
    atomic_store(&stop_flag, 1);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    cr_assert_gt(reads, 0);
}

Test(ring, waits_time_out)
{
    shmgen_ring_t r;
    uint64_t v = 1;
    make_ring(&r, 8, 1);
    cr_assert_eq(shmgen_ring_wait_data(&r, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_ring_pop_wait(&r, &v, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_ring_wait_data(&r, 0), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_wait_data(&r, 0), 0);
    cr_assert_eq(shmgen_ring_wait_space(&r, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_ring_push_wait(&r, &v, 20), SHMGEN_TIMEOUT);
}

static void late_pusher(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v = 4242;
    (void)id;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    if (shmgen_ring_push(&r, &v) != 0) _exit(5);
}

static void late_popper(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v;
    (void)id;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    if (shmgen_ring_pop(&r, &v) != 0) _exit(5);
}

Test(ring, waiter_wakes_when_another_process_pushes)
{
    shmgen_ring_t r;
    uint64_t v = 0;
    int st;
    make_ring(&r, 8, 2);
    pid_t pid = kutil_spawn(&K, late_pusher, 0, NULL);
    cr_assert_eq(shmgen_ring_pop_wait(&r, &v, 10000), 0);
    cr_assert_eq(v, 4242);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* and the other direction: a full ring, another process pops */
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_release_consumer(&r), 0); /* the child pops now */
    pid = kutil_spawn(&K, late_popper, 0, NULL);
    cr_assert_eq(shmgen_ring_push_wait(&r, &v, 10000), 0);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void push_then_die(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v = 100;
    (void)id;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    (void)shmgen_ring_push(&r, &v);
    raise(SIGKILL);
}

Test(ring, new_producer_takes_over_after_a_dead_one)
{
    shmgen_ring_t r;
    uint64_t v;
    int st;
    unsigned count = 0;
    make_ring(&r, 8, 4);
    pid_t pid = kutil_spawn(&K, push_then_die, 0, NULL);
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st));
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    cr_assert_eq(shmgen_segment_attach_count(K.seg, &count), 0);
    cr_assert_eq(count, 1);
    v = 101;
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 100);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 101);
}

Test(ring, wrong_kind_is_refused)
{
    shmgen_ring_t r;
    kutil_create(&K, "ringwk", SHMGEN_KIND_QUEUE, 8, 4);
    cr_assert_eq(shmgen_ring_bind(&r, K.seg, &K.info), SHMGEN_WRONG_KIND);
}

/* ---- states a SIGKILL leaves, written by hand ------------------------------
 * These tests write the shared words a process killed at a given instruction
 * leaves behind, then check that the survivors neither get stuck nor read a
 * half-written element.  The offsets mirror ring_hdr_t in runtime/src/ring.c:
 * w_head is the seventh word of the header's second cache line, tail the
 * first word of its third, bhead the third word of its fourth; after the
 * header come `capacity` sequence words (2p free for p, 2p+1 published by a
 * single push), then the elements (these tests use 8-byte elements, so the
 * split placement); a producer's drop sets bit 63 on tail. */
#define HDR_P_IDX 72u
#define HDR_W_HEAD 104u
#define HDR_TAIL 128u
#define HDR_C_IDX 144u
#define HDR_BHEAD 208u
#define HDR_SLOTS 256u
#define TAIL_DROPPED ((uint64_t)1 << 63)

static _Atomic uint64_t *ring_word(uint64_t offset)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(K.seg, &K.info) + offset);
}

static _Atomic uint64_t *slot_word(uint64_t i)
{
    return ring_word(HDR_SLOTS + i * 8u);
}

/* The first word of slot i's element (8-byte elements in these tests). */
static _Atomic uint64_t *elem_word(uint64_t i)
{
    return ring_word(HDR_SLOTS + K.info.capacity * 8u + i * 8u);
}

/* A child takes the producer side (a push into the full ring: nothing changes)
 * and dies, so that the side's owner is dead and the next owner repairs. */
static void take_producer_and_die(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v = 999;
    (void)id;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    if (shmgen_ring_push(&r, &v) != SHMGEN_FULL) _exit(5);
    raise(SIGKILL);
}

static void kill_a_producer(void)
{
    shmgen_ring_t mine;
    int st;
    /* Hand the side over explicitly: a live owner's side is never taken. */
    cr_assert_eq(shmgen_ring_bind(&mine, K.seg, &K.info), 0);
    (void)shmgen_ring_release_producer(&mine);
    pid_t pid = kutil_spawn(&K, take_producer_and_die, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
}

static void expect_some_pops(shmgen_ring_t *r, uint64_t first, uint64_t last)
{
    uint64_t v;
    for (uint64_t i = first; i <= last; i++) {
        cr_assert_eq(shmgen_ring_pop(r, &v), 0, "pop of %llu", (unsigned long long)i);
        cr_assert_eq(v, i);
    }
}

static void expect_pops(shmgen_ring_t *r, uint64_t first, uint64_t last)
{
    uint64_t v;
    expect_some_pops(r, first, last);
    cr_assert_eq(shmgen_ring_pop(r, &v), SHMGEN_EMPTY);
}

/* Capacity 4 in overwrite mode holding 2..5 (0 dropped, 1 popped), head 6, tail 2. */
static void full_overwrite_ring(shmgen_ring_t *r)
{
    uint64_t v;
    make_ring(r, 8, 4);
    for (v = 0; v < 4; v++) cr_assert_eq(shmgen_ring_push(r, &v), 0);
    cr_assert_eq(shmgen_ring_push_overwrite(r, &v), 1);
    cr_assert_eq(shmgen_ring_pop(r, &v), 0);
    cr_assert_eq(v, 1);
    v = 5;
    cr_assert_eq(shmgen_ring_push(r, &v), 0);
    cr_assert_eq(shmgen_ring_size(r), 4);
}

/* The stuck state of ring_crash::overwrite_mode_kills: a producer dies while
 * the ring is full and the consumer, having claimed the oldest position with
 * its CAS on tail, is still copying it.  The repair used to take that slot for
 * a drop the dead producer never finished, so the next producer wrote into it
 * while the consumer read it, and the consumer's release then turned the new
 * element back into "free": the consumer saw an empty ring and the producer a
 * full one, forever. */
Test(ring, producer_repair_leaves_a_slot_the_consumer_is_copying)
{
    shmgen_ring_t r;
    uint64_t v = 6;
    full_overwrite_ring(&r);
    kill_a_producer();
    atomic_store(ring_word(HDR_TAIL), 3); /* our pop's claim of position 2, not yet released */
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    cr_assert_eq(shmgen_ring_dropped(&r), 1);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL, "the slot being copied was handed to the producer");
    atomic_store(slot_word(2), 2 * (2 + 4)); /* the pop's release */
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    expect_pops(&r, 3, 6);
}

/* A producer killed right after winning its drop CAS on tail, before it
 * re-marked the slot: the takeover reclaims the slot (and counts the drop). */
Test(ring, abandoned_drop_is_reclaimed_by_the_next_producer)
{
    shmgen_ring_t r;
    uint64_t v = 6;
    full_overwrite_ring(&r);
    kill_a_producer();
    atomic_store(ring_word(HDR_TAIL), 3 | TAIL_DROPPED); /* its drop of position 2 */
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_dropped(&r), 2);
    expect_pops(&r, 3, 6);
}

/* The same, but the consumer claims past the dropped position before any
 * repair: tail no longer shows the drop, so the consumer frees the slot. */
Test(ring, abandoned_drop_is_freed_by_the_next_claim)
{
    shmgen_ring_t r;
    uint64_t v = 6;
    full_overwrite_ring(&r);
    kill_a_producer();
    atomic_store(ring_word(HDR_TAIL), 3 | TAIL_DROPPED);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 3);
    for (v = 6; v < 8; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0, "push of %llu", (unsigned long long)v);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 4, 7);
}

/* The cached wrapped indices are shared words a buggy or hostile process
 * may scribble on: an out-of-range value must not lead outside the ring
 * (ASan checks the accesses), and the ring keeps working. */
Test(ring, scribbled_index_words_stay_inside_the_ring)
{
    shmgen_ring_t r;
    uint64_t v;
    make_ring(&r, 8, 4);
    for (v = 0; v < 2; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    atomic_store(ring_word(HDR_P_IDX), (uint64_t)1 << 40);
    atomic_store(ring_word(HDR_C_IDX), (uint64_t)1 << 40);
    for (v = 2; v < 4; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    expect_pops(&r, 0, 3);
}

/* A producer killed inside a push: it raised the write frontier and half
 * wrote its element.  Positions 10..13 are stored, 10 was popped (its bytes
 * stay readable for last_n) and the dead producer was rewriting that slot for
 * 14.  last_n must not return the half-written bytes as 10, and the slot is
 * free for the next producer. */
Test(ring, dead_producer_half_written_slot_is_free_but_not_readable)
{
    shmgen_ring_t r;
    uint64_t v, last[4];
    make_ring(&r, 8, 4);
    for (v = 10; v < 14; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 10);
    atomic_store(ring_word(HDR_W_HEAD), 5); /* it began position 4 */
    atomic_store(elem_word(0), 0xdeadbeef); /* element 14, half done */
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    cr_assert_eq(shmgen_ring_last_n(&r, last, 4), 3);
    for (uint64_t i = 0; i < 3; i++) cr_assert_eq(last[i], 11 + i);
    v = 14;
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 11, 14);
}

/* A producer killed inside push_bulk after it raised the frontier over its
 * whole run and wrote part of it: every slot of the run stays usable, and the
 * new producer's lower frontier does not re-validate what the dead one wrote. */
Test(ring, dead_bulk_push_leaves_every_slot_usable)
{
    shmgen_ring_t r;
    uint64_t v, last[4];
    make_ring(&r, 8, 4);
    for (v = 10; v < 14; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    expect_pops(&r, 10, 13);
    atomic_store(ring_word(HDR_W_HEAD), 7);
    for (uint64_t p = 4; p < 7; p++) atomic_store(elem_word(p % 4), 0xbad0 + p);
    v = 14;
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    /* 14 is readable; 11 and 12 were overwritten by the dead producer */
    cr_assert_eq(shmgen_ring_last_n(&r, last, 4), 2);
    cr_assert_eq(last[0], 13);
    cr_assert_eq(last[1], 14);
    for (v = 15; v < 18; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0, "push of %llu", (unsigned long long)v);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 14, 17);
}

/* A producer killed inside push_bulk after publishing its run (bhead) but
 * before storing head: the consumer already sees the run; the takeover moves
 * head past it, so the producer continues after the run, not inside it. */
Test(ring, dead_bulk_push_head_lag)
{
    shmgen_ring_t r;
    uint64_t v;
    make_ring(&r, 8, 4);
    for (v = 0; v < 4; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    expect_some_pops(&r, 0, 1);
    atomic_store(ring_word(HDR_W_HEAD), 6);
    for (uint64_t p = 4; p < 6; p++) atomic_store(elem_word(p % 4), p);
    atomic_store(ring_word(HDR_BHEAD), 6); /* the run 4..5 published, head left at 4 */
    expect_pops(&r, 2, 5);
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    for (v = 6; v < 10; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0, "push of %llu", (unsigned long long)v);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 6, 9);
}

/* A producer killed between publishing an element and storing head: the
 * consumer pops that element (it reads slots, not head) before anyone repairs.
 * The repair must still move head past it, or the next producer writes its
 * first element as position 4 again, behind the consumer: lost. */
Test(ring, dead_producer_head_lag_after_the_consumer_popped)
{
    shmgen_ring_t r;
    uint64_t v;
    make_ring(&r, 8, 4);
    for (v = 0; v < 4; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 0);
    atomic_store(elem_word(0), 4); /* its element 4 ... */
    atomic_store(slot_word(0), 2 * 4 + 1); /* ... published, head left at 4 */
    expect_pops(&r, 1, 4);
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    for (v = 5; v < 9; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0, "push of %llu", (unsigned long long)v);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 5, 8);
}

/* ---- side ownership, zero-copy forms, stream position ----------------- */

static void try_push_exit(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v = 77;
    int want = id; /* the result the child must get */
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    _exit(shmgen_ring_push(&r, &v) == want ? 0 : 5);
}

Test(ring, a_second_live_producer_is_refused_until_handed_over)
{
    shmgen_ring_t r;
    uint64_t v = 1;
    int st;
    pid_t pid;
    make_ring(&r, 8, 4);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0); /* we own the producer side now */
    pid = kutil_spawn(&K, try_push_exit, SHMGEN_BUSY, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a second live producer was not refused (status %#x)", st);
    /* An explicit handover lets it in. */
    cr_assert_eq(shmgen_ring_release_producer(&r), 0);
    cr_assert_eq(shmgen_ring_release_producer(&r), SHMGEN_INVALID_ARGUMENT, "not ours any more");
    pid = kutil_spawn(&K, try_push_exit, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    /* That child closed without handing over: its side is taken over. */
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_size(&r), 3);
}

static void pop_one_exit(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int want, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    _exit(shmgen_ring_pop(&r, &v) == want ? 0 : 5);
}

static void push_and_stay(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v = 77;
    (void)id;
    if (shmgen_ring_bind(&r, seg, info) != 0 || shmgen_ring_push(&r, &v) != 0) _exit(4);
    atomic_store((_Atomic int *)ctx, 1);
    for (;;) pause();
}

Test(ring, busy_detail_names_the_owner_and_a_dead_one_is_taken_over)
{
    shmgen_ring_t r;
    _Atomic int *ready = kutil_shared(sizeof *ready);
    char want[64];
    uint64_t v = 1;
    int st;
    pid_t pid;
    make_ring(&r, 8, 4);
    pid = kutil_spawn(&K, push_and_stay, 0, (void *)ready);
    while (!atomic_load(ready)) usleep(1000);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_BUSY);
    snprintf(want, sizeof want, "owned by live pid %d", (int)pid);
    cr_assert(strstr(shmgen_segment_last_detail(), want), "detail: %s", shmgen_segment_last_detail());
    kill(pid, SIGKILL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0, "a dead owner's side is repaired and taken over");
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 77);
    kutil_shared_free((void *)ready, sizeof *ready);
}

/* The owners tools see: our pid once we push, a child's once it pops,
 * none after a handover; read-only handles see the same. */
Test(ring, owners_name_the_pids_of_both_sides)
{
    shmgen_ring_t r, ro_ring;
    shmgen_segment_t *ro;
    pid_t producer = -1, consumer = -1, pid;
    uint64_t v = 1;
    int st;
    make_ring(&r, 8, 4);
    shmgen_ring_owners(&r, &producer, &consumer);
    cr_assert_eq(producer, 0);
    cr_assert_eq(consumer, 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    pid = kutil_spawn(&K, pop_one_exit, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    cr_assert_eq(shmgen_segment_open_readonly(K.name, &ro), 0);
    cr_assert_eq(shmgen_ring_bind(&ro_ring, ro, &K.info), 0);
    shmgen_ring_owners(&ro_ring, &producer, &consumer);
    cr_assert_eq(producer, getpid());
    cr_assert_eq(consumer, pid, "the child that popped (it left without handing over)");
    cr_assert_eq(shmgen_ring_release_producer(&r), 0);
    shmgen_ring_owners(&ro_ring, &producer, NULL);
    cr_assert_eq(producer, 0);
    cr_assert_eq(shmgen_segment_close(ro), 0);
}

Test(ring, reserve_commit_and_peek_release)
{
    shmgen_ring_t r;
    uint64_t *slot;
    const uint64_t *seen;
    uint64_t v;
    make_ring(&r, 8, 2);
    cr_assert_eq(shmgen_ring_commit(&r), SHMGEN_INVALID_ARGUMENT, "nothing reserved");
    cr_assert_eq(shmgen_ring_release(&r), SHMGEN_INVALID_ARGUMENT, "nothing peeked");
    for (uint64_t i = 1; i <= 2; i++) {
        cr_assert_not_null(slot = shmgen_ring_reserve(&r));
        *slot = 100 + i;
        cr_assert_eq(shmgen_ring_size(&r), i - 1, "invisible until commit");
        cr_assert_eq(shmgen_ring_commit(&r), 0);
    }
    cr_assert_null(shmgen_ring_reserve(&r), "full");
    cr_assert_not_null(seen = shmgen_ring_peek(&r));
    cr_assert_eq(*seen, 101);
    cr_assert_null(shmgen_ring_peek(&r), "one peek at a time");
    /* While we hold it the producer cannot overwrite it: it waits, then BUSY. */
    v = 9;
    cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), SHMGEN_BUSY);
    cr_assert_eq(shmgen_ring_release(&r), 0);
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 102);
    cr_assert_eq(shmgen_ring_pushed(&r), 2);
    cr_assert_eq(shmgen_ring_popped(&r), 2);
}

static void peek_and_die(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    (void)id;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0 || !shmgen_ring_peek(&r)) _exit(4);
    raise(SIGKILL);
}

Test(ring, a_consumer_killed_holding_a_peek_loses_only_that_element)
{
    shmgen_ring_t r;
    uint64_t v;
    int st;
    pid_t pid;
    make_ring(&r, 8, 4);
    for (v = 1; v <= 4; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    pid = kutil_spawn(&K, peek_and_die, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st));
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    v = 5;
    cr_assert_eq(shmgen_ring_push(&r, &v), 0, "the peeked slot is free again");
    expect_pops(&r, 2, 5);
}

static void stop_when_claimed(int point, uint64_t arg)
{
    (void)arg;
    if (point == SHMGEN__HP_RING_CLAIMED) raise(SIGSTOP);
}

static void pop_stopped(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_ring_t r;
    uint64_t v;
    (void)id;
    (void)ctx;
    if (shmgen_ring_bind(&r, seg, info) != 0) _exit(4);
    shmgen__test_hook = stop_when_claimed;
    _exit(shmgen_ring_pop(&r, &v) == 0 && v == 2 ? 0 : 5);
}

/* A consumer stopped right after claiming the oldest element of a full ring
 * (overwrite mode): the producer's push_overwrite must return, not spin. */
Test(ring, overwrite_against_a_stopped_consumer_returns)
{
    shmgen_ring_t r;
    uint64_t v;
    int st;
    pid_t pid;
    double t0;
    make_ring(&r, 8, 2);
    for (v = 0; v < 2; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), 1); /* claiming mode; holds 1, 2 */
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(shmgen_ring_release_consumer(&r), 0);
    v = 0;
    cr_assert_eq(shmgen_ring_push(&r, &v), 0); /* holds 2, 0 */
    pid = kutil_spawn(&K, pop_stopped, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
    cr_assert(WIFSTOPPED(st));
    t0 = kutil_now();
    cr_assert_eq(shmgen_ring_push_overwrite(&r, &v), SHMGEN_BUSY);
    cr_assert(kutil_now() - t0 < 5.0);
    cr_assert(strstr(shmgen_segment_last_detail(), "stopped"), "%s", shmgen_segment_last_detail());
    kill(pid, SIGCONT);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}
