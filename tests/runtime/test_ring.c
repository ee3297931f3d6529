/*
 * test_ring.c — unit tests of the ring kind: exact capacity, FIFO, bulk,
 * overwrite and drop counting, last_n, waits, takeover of the sides, and
 * the repair of states a SIGKILL leaves (written by hand, see below).
 * Depends on kinds_util and the public ring API.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/ring.h"

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
 * tail is the first word of the header's third cache line, slot i's sequence
 * word starts the slot (2p free, 2p|BUSY being written, 2p+1 published,
 * 2(p+cap) consumed), and a producer's drop sets bit 63 on tail. */
#define HDR_TAIL 128u
#define HDR_SLOTS 256u
#define SEQ_BUSY ((uint64_t)1 << 63)
#define TAIL_DROPPED ((uint64_t)1 << 63)

static _Atomic uint64_t *ring_word(uint64_t offset)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(K.seg, &K.info) + offset);
}

static _Atomic uint64_t *slot_word(uint64_t i)
{
    return ring_word(HDR_SLOTS + i * shmgen_kind_slot_bytes(SHMGEN_KIND_RING, K.info.elem_size));
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
    int st;
    pid_t pid = kutil_spawn(&K, take_producer_and_die, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
}

static void expect_pops(shmgen_ring_t *r, uint64_t first, uint64_t last)
{
    uint64_t v;
    for (uint64_t i = first; i <= last; i++) {
        cr_assert_eq(shmgen_ring_pop(r, &v), 0, "pop of %llu", (unsigned long long)i);
        cr_assert_eq(v, i);
    }
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

/* A producer killed inside a push: its slot is marked BUSY and its element
 * half written.  Positions 10..13 are stored, 10 was popped (its bytes stay
 * readable for last_n) and the dead producer was rewriting that slot for 14.
 * last_n must not return the half-written bytes as 10, and the slot is free. */
Test(ring, dead_producer_busy_slot_is_free_but_not_readable)
{
    shmgen_ring_t r;
    uint64_t v, last[4];
    make_ring(&r, 8, 4);
    for (v = 10; v < 14; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 10);
    atomic_store(slot_word(0), 2 * 4 | SEQ_BUSY);
    atomic_store(slot_word(0) + 1, 0xdeadbeef); /* half of element 14 */
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    cr_assert_eq(shmgen_ring_last_n(&r, last, 4), 3);
    for (uint64_t i = 0; i < 3; i++) cr_assert_eq(last[i], 11 + i);
    v = 14;
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 11, 14);
}

/* A producer killed inside push_bulk after it marked its whole run BUSY
 * (write_run marks every slot before writing any element): every marked slot
 * must be usable again, not only the first. */
Test(ring, dead_bulk_push_leaves_every_slot_usable)
{
    shmgen_ring_t r;
    uint64_t v;
    make_ring(&r, 8, 4);
    for (v = 10; v < 14; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    expect_pops(&r, 10, 13);
    for (uint64_t p = 4; p < 7; p++) atomic_store(slot_word(p % 4), 2 * p | SEQ_BUSY);
    for (v = 14; v < 18; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0, "push of %llu", (unsigned long long)v);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 14, 17);
}

/* A producer killed between publishing an element and storing head: the
 * consumer pops that element (it reads slots, not head) before anyone repairs.
 * The repair must still move head past it, or the producer finds that slot
 * "consumed" rather than free for its own position and the ring stays full. */
Test(ring, dead_producer_head_lag_after_the_consumer_popped)
{
    shmgen_ring_t r;
    uint64_t v;
    make_ring(&r, 8, 4);
    for (v = 0; v < 4; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    kill_a_producer();
    cr_assert_eq(shmgen_ring_pop(&r, &v), 0);
    cr_assert_eq(v, 0);
    atomic_store(slot_word(0) + 1, 4); /* its element 4 ... */
    atomic_store(slot_word(0), 2 * 4 + 1); /* ... published, head left at 4 */
    expect_pops(&r, 1, 4);
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    for (v = 5; v < 9; v++) cr_assert_eq(shmgen_ring_push(&r, &v), 0, "push of %llu", (unsigned long long)v);
    cr_assert_eq(shmgen_ring_push(&r, &v), SHMGEN_FULL);
    expect_pops(&r, 5, 8);
}
