/*
 * SPDX-License-Identifier: MIT
 *
 * peer.c — the C side of the Python tests (tests/python): one role per run,
 * on the pyinterop segment the Python test created (interop.yaml).
 *
 *   py_peer produce-KIND NAME N   KIND = queue, ring, stack, pool: N items
 *   py_peer consume-KIND NAME N   ... checked field by field against item(seq)
 *   py_peer crash-produce NAME N  msgs_q: msgs (producer 0, seq 0..N-1)
 *   py_peer crash-consume NAME    msgs_q: counts each msg in `seen` until
 *                                 producers_done is set and the queue is empty
 *   py_peer crash-ring NAME N     msgs_r: the ring's producer, N msgs
 *   py_peer topic-publish NAME N  items_t: items 0..N-1, loaned and filled in
 *                                 place (zero copy), waiting while full
 *   py_peer topic-subscribe NAME N  items_t as "c": counts itself into
 *                                 topic_ready, then N items, read in place and
 *                                 taken by copy alternately; none lost
 *   py_peer topic-slow NAME N     topic-subscribe, sleeping 1 ms per item
 *   py_peer lap-publish NAME N    msgs_lap: msgs (producer 0, seq 0..N-1),
 *                                 never waiting
 *   py_peer latest-store NAME N   blob_l: blobs 1..N, stored whole
 *   py_peer latest-load NAME N    blob_l: loads until it sees blob N, each
 *                                 load checked whole
 *
 * Items are a function of their sequence number (item() here, make_item() in
 * tests/python/conftest.py), written over padding poisoned with 0xA5, so a
 * Python dtype that read padding as data would see garbage.  Every wait is
 * bounded; a failed check prints why and exits 1.  Depends on the generated
 * pyinterop.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyinterop.h"

#define WAIT_MS 20000
#define SEEN_HALF 200000u /* seen[producer * SEEN_HALF + seq] */

static const char *role_name;

#define FAIL(...)                                                              \
    do {                                                                       \
        fprintf(stderr, "py_peer %s: ", role_name);                            \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        exit(1);                                                               \
    } while (0)

static pyinterop_item_t item(uint64_t seq)
{
    pyinterop_item_t it;
    char tag[6];
    memset(&it, 0xA5, sizeof it);
    it.flag = seq % 3 == 0;
    it.seq = seq;
    snprintf(tag, sizeof tag, "t%04u", (unsigned)(seq % 10000));
    memcpy(it.tag, tag, sizeof it.tag);
    it.color = (pyinterop_color_t)(seq % 3);
    it.small = (int8_t)((int)(seq % 256) - 128);
    it.vals[0] = (int16_t)(seq % 1000);
    it.vals[1] = (int16_t)-(int16_t)(seq % 1000);
    it.vals[2] = 7;
    it.where.x = (float)seq * 0.5f;
    it.where.y = (double)seq * 0.25;
    it.done = (uint32_t)seq;
    return it;
}

/* Every field of got against item(seq); padding is not compared. */
static void check_item(const pyinterop_item_t *got, uint64_t seq)
{
    pyinterop_item_t want = item(seq);
    if (got->seq != want.seq) FAIL("item %llu: seq %llu", (unsigned long long)seq, (unsigned long long)got->seq);
    if (got->flag != want.flag || memcmp(got->tag, want.tag, sizeof want.tag) != 0 || got->color != want.color ||
        got->small != want.small || memcmp(got->vals, want.vals, sizeof want.vals) != 0 ||
        got->where.x != want.where.x || got->where.y != want.where.y || got->done != want.done)
        FAIL("item %llu: a field differs (flag %d tag %.5s color %u small %d vals %d %d %d x %g y %g done %u)",
             (unsigned long long)seq, got->flag, got->tag, got->color, got->small, got->vals[0], got->vals[1],
             got->vals[2], got->where.x, got->where.y, (unsigned)got->done);
}

static void must(int rc, const char *what)
{
    if (rc != 0) FAIL("%s: %s (%s)", what, shmgen_error_name(rc), shmgen_segment_last_detail());
}

static void produce_queue(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_item_t it = item(i);
        must(pyinterop_items_q_enqueue_wait(s, &it, WAIT_MS), "enqueue_wait");
    }
}

static void consume_queue(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_item_t it;
        must(pyinterop_items_q_dequeue_wait(s, &it, WAIT_MS), "dequeue_wait");
        check_item(&it, i);
    }
}

/* The ring in runs of up to 16 (bulk) and single pushes, alternately. */
static void produce_ring(pyinterop_t *s, uint64_t n)
{
    pyinterop_item_t run[16];
    for (uint64_t i = 0; i < n;) {
        size_t k = (i / 16) % 2 ? 1 : (size_t)(n - i < 16 ? n - i : 16), done = 0;
        for (size_t j = 0; j < k; j++) run[j] = item(i + j);
        while (done < k) {
            size_t got = pyinterop_items_r_push_bulk(s, run + done, k - done);
            if (got == 0) must(pyinterop_items_r_wait_space(s, WAIT_MS), "wait_space");
            done += got;
        }
        i += k;
    }
}

static void consume_ring(pyinterop_t *s, uint64_t n)
{
    pyinterop_item_t run[16];
    for (uint64_t i = 0; i < n;) {
        size_t got = pyinterop_items_r_pop_bulk(s, run, 16);
        if (got == 0) must(pyinterop_items_r_wait_data(s, WAIT_MS), "wait_data");
        for (size_t j = 0; j < got; j++) check_item(&run[j], i + j);
        i += got;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void produce_stack(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0, waited = 0; i < n;) {
        pyinterop_item_t it = item(i);
        int rc = pyinterop_items_s_push(s, &it);
        if (rc == SHMGEN_FULL && waited++ < WAIT_MS) sleep_ms(1);
        else must(rc, "push"), i++, waited = 0;
    }
}

/* LIFO: any order, each item exactly once. */
static void consume_stack(pyinterop_t *s, uint64_t n)
{
    unsigned char *seen = calloc(n, 1);
    for (uint64_t i = 0, waited = 0; i < n;) {
        pyinterop_item_t it;
        int rc = pyinterop_items_s_pop(s, &it);
        if (rc == SHMGEN_EMPTY && waited++ < WAIT_MS) {
            sleep_ms(1);
            continue;
        }
        must(rc, "pop");
        if (it.seq >= n || seen[it.seq]++) FAIL("item %llu popped twice or out of range", (unsigned long long)it.seq);
        check_item(&it, it.seq);
        i++, waited = 0;
    }
    free(seen);
}

/* The pool: each item in a slot whose handle goes through the `handles` queue. */
static void produce_pool(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0, waited = 0; i < n;) {
        pyinterop_items_p_handle_t h = pyinterop_items_p_acquire(s);
        if (!pyinterop_items_p_handle_valid(h)) {
            if (waited++ >= WAIT_MS) FAIL("the pool stayed full");
            sleep_ms(1);
            continue;
        }
        *pyinterop_items_p_get(s, h) = item(i);
        must(pyinterop_handles_enqueue_wait(s, &h.raw.bits, WAIT_MS), "handles enqueue_wait");
        i++, waited = 0;
    }
}

static void consume_pool(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_items_p_handle_t h;
        must(pyinterop_handles_dequeue_wait(s, &h.raw.bits, WAIT_MS), "handles dequeue_wait");
        must(pyinterop_items_p_adopt(s, h), "adopt");
        pyinterop_item_t *it = pyinterop_items_p_get(s, h);
        if (!it) FAIL("handle %llx of item %llu is stale", (unsigned long long)h.raw.bits, (unsigned long long)i);
        check_item(it, i);
        must(pyinterop_items_p_release(s, h), "release");
    }
}

static void crash_produce(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_msg_t m = {.producer = 0, .seq = (uint32_t)i, .check = i * 2654435761u};
        must(pyinterop_msgs_q_enqueue_wait(s, &m, WAIT_MS), "msgs enqueue_wait");
    }
}

/* Counts every msg it dequeues; per producer the seqs it sees must rise (FIFO). */
static void crash_consume(pyinterop_t *s)
{
    uint8_t *seen = pyinterop_seen_data(s);
    int64_t last[2] = {-1, -1};
    for (time_t start = time(NULL);;) {
        pyinterop_msg_t m;
        bool done = pyinterop_producers_done_load(s); /* before the dequeue: then empty means drained */
        int rc = pyinterop_msgs_q_dequeue(s, &m);
        if (rc == SHMGEN_EMPTY) {
            if (done) return;
            if (time(NULL) - start > 120) FAIL("producers never finished");
            (void)pyinterop_msgs_q_wait_data(s, 10);
            continue;
        }
        must(rc, "msgs dequeue");
        if (m.producer > 1 || m.seq >= SEEN_HALF || m.check != (uint64_t)m.seq * 2654435761u)
            FAIL("bad msg (producer %u seq %u check %llu)", m.producer, m.seq, (unsigned long long)m.check);
        if ((int64_t)m.seq <= last[m.producer]) FAIL("producer %u: seq %u after %lld", m.producer, m.seq, (long long)last[m.producer]);
        last[m.producer] = m.seq;
        seen[m.producer * SEEN_HALF + m.seq]++;
    }
}

static void crash_ring(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_msg_t m = {.producer = 0, .seq = (uint32_t)i, .check = i * 2654435761u};
        must(pyinterop_msgs_r_push_wait(s, &m, WAIT_MS), "msgs ring push_wait");
    }
}

/* ---- topic and latest ---- */

static void publish_topic(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_item_t *slot;
        must(pyinterop_items_t_loan_wait(s, &slot, WAIT_MS), "items_t loan_wait");
        *slot = item(i); /* padding poisoned too: the subscriber must not read it as data */
        must(pyinterop_items_t_publish(s), "items_t publish");
    }
}

static void subscribe_topic(pyinterop_t *s, uint64_t n, bool slow)
{
    pyinterop_items_t_sub_t sub;
    must(pyinterop_items_t_subscribe(s, "c", &sub), "items_t subscribe");
    (void)pyinterop_topic_ready_fetch_add(s, 1);
    for (uint64_t i = 0; i < n; i++) {
        const pyinterop_item_t *in;
        pyinterop_item_t copy;
        if (i % 2) {
            must(pyinterop_items_t_take_wait(&sub, &copy, WAIT_MS), "items_t take_wait");
        } else {
            must(pyinterop_items_t_wait(&sub, WAIT_MS), "items_t wait");
            must(pyinterop_items_t_read(&sub, &in), "items_t read");
            copy = *in;
            if (pyinterop_items_t_release(&sub) != 0) FAIL("item %llu overwritten under block", (unsigned long long)i);
        }
        check_item(&copy, i);
        if (slow) sleep_ms(1);
    }
    if (pyinterop_items_t_lost(&sub) != 0) FAIL("lost %llu under block", (unsigned long long)pyinterop_items_t_lost(&sub));
    must(pyinterop_items_t_unsubscribe(&sub), "items_t unsubscribe");
}

static void topic_subscribe(pyinterop_t *s, uint64_t n)
{
    subscribe_topic(s, n, false);
}

static void topic_slow(pyinterop_t *s, uint64_t n)
{
    subscribe_topic(s, n, true);
}

static void lap_publish(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        pyinterop_msg_t m = {.producer = 0, .seq = (uint32_t)i, .check = i * 2654435761u};
        must(pyinterop_msgs_lap_publish_copy(s, &m), "msgs_lap publish_copy");
    }
}

/* Blob seq: every word a function of seq (tests/python/test_topic.py's blob()). */
static pyinterop_blob_t blob(uint64_t seq)
{
    pyinterop_blob_t b = {.seq = seq, .check = seq ^ 0x5A5A5A5A5A5A5A5Au};
    for (uint64_t i = 0; i < 30; i++) b.words[i] = seq * 1000003u + i;
    return b;
}

static void latest_store(pyinterop_t *s, uint64_t n)
{
    for (uint64_t i = 1; i <= n; i++) {
        pyinterop_blob_t b = blob(i);
        must(pyinterop_blob_l_store(s, &b), "blob_l store");
    }
}

static void latest_load(pyinterop_t *s, uint64_t n)
{
    uint64_t seen = 0;
    for (time_t start = time(NULL); seen < n;) {
        pyinterop_blob_t b, want;
        int rc = pyinterop_blob_l_load(s, &b, NULL);
        if (time(NULL) - start > 120) FAIL("blob %llu never came", (unsigned long long)n);
        if (rc == SHMGEN_EMPTY || rc == SHMGEN_BUSY) continue; /* BUSY: overtaken 256 times in a row */
        must(rc, "blob_l load");
        want = blob(b.seq);
        if (memcmp(&b, &want, sizeof b) != 0) FAIL("blob %llu torn", (unsigned long long)b.seq);
        if (b.seq < seen) FAIL("blob %llu after %llu", (unsigned long long)b.seq, (unsigned long long)seen);
        seen = b.seq;
    }
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*fn)(pyinterop_t *, uint64_t);
    } roles[] = {
        {"produce-queue", produce_queue}, {"consume-queue", consume_queue}, {"produce-ring", produce_ring},
        {"consume-ring", consume_ring},   {"produce-stack", produce_stack}, {"consume-stack", consume_stack},
        {"produce-pool", produce_pool},   {"consume-pool", consume_pool},   {"crash-produce", crash_produce},
        {"crash-ring", crash_ring},       {"topic-publish", publish_topic}, {"topic-subscribe", topic_subscribe},
        {"topic-slow", topic_slow},       {"lap-publish", lap_publish},     {"latest-store", latest_store},
        {"latest-load", latest_load},
    };
    pyinterop_t *s;
    size_t r = 0;
    bool consume = argc == 3 && strcmp(argv[1], "crash-consume") == 0;
    while (argc == 4 && r < sizeof roles / sizeof roles[0] && strcmp(argv[1], roles[r].name) != 0) r++;
    if (!consume && (argc != 4 || r == sizeof roles / sizeof roles[0])) {
        fprintf(stderr, "usage: py_peer ROLE SHM_NAME N, or py_peer crash-consume SHM_NAME\n");
        return 2;
    }
    role_name = argv[1];
    must(pyinterop_open(argv[2], NULL, &s), "open");
    if (consume) crash_consume(s);
    else roles[r].fn(s, strtoull(argv[3], NULL, 10));
    must(pyinterop_close(s), "close");
    return 0;
}
