/*
 * SPDX-License-Identifier: MIT
 *
 * test_adversarial.c — every shared word of every concurrent kind set to
 * hostile values: every operation returns within a second (an error, wrong
 * data, full or empty — never a hang, never a crash, never a write outside
 * the structure, which ASan would report).
 *
 * For each kind (queue, stack, ring, pool, topic under both policies,
 * latest), each 8-byte word of the structure's 256-byte header and of what
 * follows it (the first slots; a queue's every slot and mark word; a topic's
 * two subscriber records, then its first slots; a latest's two buffers), and each value of a table (0, 1,
 * capacity-1, capacity, capacity+1, 2^32, far ahead, bit 63, all ones), a
 * fresh segment with a few elements gets the word overwritten (the meta line
 * excepted: bind checks it), then a child process attaches and runs every
 * operation of the kind, each under its own alarm(1) (5 s in sanitizer
 * builds): a hang is a SIGALRM.
 * Depends on the public runtime API and kinds_util.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/shmgen.h"

#define CAP 8
#define HEADER 256u
#define WORDS_CHECKED (HEADER / 8u + 6u) /* the header and the first slot words */
#define TOPIC_SUBS 2u
/* A topic's header, its two records (16 words each) and its first slots. */
#define TOPIC_WORDS_CHECKED (HEADER / 8u + 16u * TOPIC_SUBS + 6u)
/* A queue of 8-byte elements, whole: header, CAP slots (seq + element), then
 * from the next line CAP mark words. */
#define QUEUE_WORDS_CHECKED (HEADER / 8u + 2u * CAP + CAP)
/* A latest's header and both of its buffers (8 + 8 bytes: two lines each). */
#define LATEST_WORDS_CHECKED (HEADER / 8u + 16u)

static const uint64_t values[] = {0, 1, CAP - 1, CAP, CAP + 1, (uint64_t)1 << 32, (uint64_t)1 << 40,
                                  (uint64_t)1 << 63, ~(uint64_t)0, 0x5555555555555555ull};

/* Each operation gets its own second: a hang is a SIGALRM.  Sanitizer builds
 * run several times slower, so there a hang is five seconds. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OP_SECONDS 5
#else
#define OP_SECONDS 1
#endif
#define OP(call) (op_name = #call, alarm(OP_SECONDS), (void)(call))

/* The operation a child is in, for the report of one that hangs. */
static const char *volatile op_name = "attach";

static void on_alarm(int sig)
{
    static const char msg[] = "adversarial: hung in ";
    (void)sig;
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, op_name, strlen(op_name)) < 0 || write(2, "\n", 1) < 0) {}
    signal(SIGALRM, SIG_DFL);
    raise(SIGALRM);
}

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(adversarial, .fini = teardown, .timeout = 600);

static void run_queue(shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    shmgen_queue_t q;
    uint64_t v[4] = {1, 2, 3, 4};
    if (shmgen_queue_bind(&q, seg, info) != 0) return;
    OP(shmgen_queue_enqueue(&q, v));
    OP(shmgen_queue_dequeue(&q, v));
    OP(shmgen_queue_enqueue_bulk(&q, v, 4));
    OP(shmgen_queue_dequeue_bulk(&q, v, 4));
    OP(shmgen_queue_size(&q));
    OP(shmgen_queue_wait_data(&q, 0));
    OP(shmgen_queue_wait_space(&q, 0));
    OP(shmgen_queue_enqueue_wait(&q, v, 20));
    OP(shmgen_queue_dequeue_wait(&q, v, 20));
}

static void run_stack(shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    shmgen_stack_t s;
    uint64_t v = 1;
    if (shmgen_stack_bind(&s, seg, info) != 0) return;
    OP(shmgen_stack_push(&s, &v));
    OP(shmgen_stack_pop(&s, &v));
    OP(shmgen_stack_pop(&s, &v));
    OP(shmgen_stack_size(&s));
    OP(shmgen_stack_wait_data(&s, 0));
    OP(shmgen_stack_push_wait(&s, &v, 20));
    OP(shmgen_stack_pop_wait(&s, &v, 20));
}

static void run_ring(shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    shmgen_ring_t r;
    uint64_t v[4] = {1, 2, 3, 4};
    void *slot;
    if (shmgen_ring_bind(&r, seg, info) != 0) return;
    OP(shmgen_ring_push(&r, v));
    OP(shmgen_ring_pop(&r, v));
    OP(shmgen_ring_push_bulk(&r, v, 4));
    OP(shmgen_ring_pop_bulk(&r, v, 4));
    for (int i = 0; i < CAP + 2; i++) OP(shmgen_ring_push_overwrite(&r, v));
    OP(shmgen_ring_last_n(&r, v, 4));
    OP(shmgen_ring_size(&r));
    OP(shmgen_ring_pushed(&r));
    OP(shmgen_ring_popped(&r));
    if ((slot = shmgen_ring_reserve(&r)) != NULL) OP(shmgen_ring_commit(&r));
    if (shmgen_ring_peek(&r) != NULL) OP(shmgen_ring_release(&r));
    OP(shmgen_ring_wait_data(&r, 0));
    OP(shmgen_ring_push_wait(&r, v, 20));
    OP(shmgen_ring_pop_wait(&r, v, 20));
}

static void run_pool(shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    shmgen_pool_t p;
    shmgen_pool_handle_t h, forged = {((uint64_t)1 << 32) | 3};
    if (shmgen_pool_bind(&p, seg, info) != 0) return;
    h = shmgen_pool_acquire(&p);
    OP(shmgen_pool_get(&p, h));
    OP(shmgen_pool_release(&p, h));
    OP(shmgen_pool_adopt(&p, forged));
    OP(shmgen_pool_get(&p, forged));
    OP(shmgen_pool_release(&p, forged));
    OP(shmgen_pool_num_allocated(&p));
}

static void run_topic_subscriber(shmgen_topic_t *t)
{
    shmgen_topic_sub_t sub;
    shmgen_topic_sub_info_t info;
    uint64_t v[4] = {1, 2, 3, 4};
    const void *p;
    int rc;
    OP(rc = shmgen_topic_subscribe(t, "child", &sub));
    if (rc != 0) return;
    OP(shmgen_topic_take(&sub, v));
    if (shmgen_topic_read(&sub, &p) == 0) OP(shmgen_topic_release(&sub));
    OP(shmgen_topic_take_wait(&sub, v, 20));
    OP(shmgen_topic_wait(&sub, 0));
    OP(shmgen_topic_position(&sub));
    OP(shmgen_topic_lag(&sub));
    OP(shmgen_topic_lost(&sub));
    for (uint32_t i = 0; i < TOPIC_SUBS; i++) OP(shmgen_topic_subscriber_at(t, i, &info));
    OP(shmgen_topic_unsubscribe(&sub));
}

static void run_topic(shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    shmgen_topic_t t;
    uint64_t v[4] = {1, 2, 3, 4};
    void *slot;
    if (shmgen_topic_bind(&t, seg, info) != 0) return;
    OP(shmgen_topic_publish_copy(&t, v));
    if (shmgen_topic_loan(&t, &slot) == 0) OP(shmgen_topic_publish(&t));
    OP(shmgen_topic_publish_wait(&t, v, 20));
    if (shmgen_topic_loan_wait(&t, &slot, 20) == 0) OP(shmgen_topic_publish(&t));
    run_topic_subscriber(&t);
    for (int i = 0; i < CAP + 2; i++) OP(shmgen_topic_publish_copy(&t, v));
    OP(shmgen_topic_published(&t));
    OP(shmgen_topic_evictions(&t));
    OP(shmgen_topic_release_publisher(&t));
}

static void run_latest(shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    shmgen_latest_t l;
    uint64_t v = 1, version = 0;
    if (shmgen_latest_bind(&l, seg, info) != 0) return;
    OP(shmgen_latest_store(&l, &v));
    OP(shmgen_latest_load(&l, &v, &version));
    OP(shmgen_latest_version(&l));
    OP(shmgen_latest_wait(&l, shmgen_latest_version(&l), 20));
    OP(shmgen_latest_wait(&l, 0, 20));
    OP(shmgen_latest_store(&l, &v));
}

/* Child: attach (which also recovers), run every operation, recover again. */
static void child(shmgen_kind_t kind)
{
    shmgen_struct_info_t info;
    shmgen_segment_t *seg;
    signal(SIGALRM, on_alarm);
    alarm(3 * OP_SECONDS); /* attaching: waits for locks are bounded by the open's timeout */
    if (!(seg = kutil_open(&K, &info))) _exit(0); /* refusing the segment is fine */
    if (kind == SHMGEN_KIND_QUEUE) run_queue(seg, &info);
    else if (kind == SHMGEN_KIND_STACK) run_stack(seg, &info);
    else if (kind == SHMGEN_KIND_RING) run_ring(seg, &info);
    else if (kind == SHMGEN_KIND_TOPIC) run_topic(seg, &info);
    else if (kind == SHMGEN_KIND_LATEST) run_latest(seg, &info);
    else run_pool(seg, &info);
    op_name = "recover";
    alarm(3 * OP_SECONDS);
    (void)shmgen_segment_recover(seg);
    (void)shmgen_segment_close(seg);
    _exit(0);
}

/* A subscriber of ours (held by a live attachment, one sample behind) and a
 * few samples; the publisher side is handed over for the child. */
static void prime_topic(void)
{
    shmgen_topic_t t;
    shmgen_topic_sub_t sub;
    uint64_t v = 42;
    cr_assert_eq(shmgen_topic_bind(&t, K.seg, &K.info), 0);
    cr_assert_eq(shmgen_topic_subscribe(&t, "parent", &sub), 0);
    for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_topic_publish_copy(&t, &v), 0);
    cr_assert_eq(shmgen_topic_take(&sub, &v), 0);
    cr_assert_eq(shmgen_topic_release_publisher(&t), 0);
}

/* A few elements in, so that counters and slots hold live-looking values. */
static void prime(shmgen_kind_t kind)
{
    uint64_t v = 42;
    if (kind == SHMGEN_KIND_QUEUE) {
        shmgen_queue_t q;
        cr_assert_eq(shmgen_queue_bind(&q, K.seg, &K.info), 0);
        for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    } else if (kind == SHMGEN_KIND_STACK) {
        shmgen_stack_t s;
        cr_assert_eq(shmgen_stack_bind(&s, K.seg, &K.info), 0);
        for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_stack_push(&s, &v), 0);
    } else if (kind == SHMGEN_KIND_RING) {
        shmgen_ring_t r;
        cr_assert_eq(shmgen_ring_bind(&r, K.seg, &K.info), 0);
        for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_ring_push(&r, &v), 0);
        cr_assert_eq(shmgen_ring_release_producer(&r), 0); /* the child takes it */
    } else if (kind == SHMGEN_KIND_TOPIC) {
        prime_topic();
    } else if (kind == SHMGEN_KIND_LATEST) {
        shmgen_latest_t l;
        cr_assert_eq(shmgen_latest_bind(&l, K.seg, &K.info), 0);
        for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_latest_store(&l, &v), 0);
    } else {
        shmgen_pool_t p;
        cr_assert_eq(shmgen_pool_bind(&p, K.seg, &K.info), 0);
        for (int i = 0; i < 3; i++) cr_assert(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
    }
}

/* A fresh segment holding one structure of the kind (a topic with the
 * given policy; block with a deadline, so that evictions run too). */
static void make(shmgen_kind_t kind, shmgen_topic_policy_t policy, const char *tag)
{
    if (kind == SHMGEN_KIND_TOPIC)
        kutil_create_topic(&K, tag, 8, CAP, TOPIC_SUBS, 1, policy, policy == SHMGEN_TOPIC_BLOCK ? 10 : 0);
    else kutil_create(&K, tag, kind, 8, kind == SHMGEN_KIND_LATEST ? 1 : CAP);
}

static unsigned words_checked(shmgen_kind_t kind)
{
    if (kind == SHMGEN_KIND_QUEUE) return QUEUE_WORDS_CHECKED;
    return kind == SHMGEN_KIND_TOPIC ? TOPIC_WORDS_CHECKED : kind == SHMGEN_KIND_LATEST ? LATEST_WORDS_CHECKED
                                                                                        : WORDS_CHECKED;
}

static void scribble_all(shmgen_kind_t kind, shmgen_topic_policy_t policy, const char *tag)
{
    unsigned cases = 0;
    for (unsigned w = 4; w < words_checked(kind); w++) { /* words 0-3: the meta line bind checks */
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            _Atomic uint64_t *word;
            pid_t pid;
            int st;
            make(kind, policy, tag);
            prime(kind);
            cr_assert_leq(8u * words_checked(kind), K.info.size, "%s: words checked inside the structure", tag);
            word = (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(K.seg, &K.info) + 8u * w);
            atomic_store(word, values[v]);
            if ((pid = fork()) == 0) child(kind);
            cr_assert_eq(waitpid(pid, &st, 0), pid);
            cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
                      "%s: word %u = %#llx: child status %#x (SIGALRM = hang)", tag, w,
                      (unsigned long long)values[v], st);
            kutil_destroy(&K);
            cases++;
        }
    }
    cr_log_info("%s: %u hostile states, every operation returned", tag, cases);
}

Test(adversarial, queue_words)
{
    scribble_all(SHMGEN_KIND_QUEUE, SHMGEN_TOPIC_LAP, "advq");
}

Test(adversarial, stack_words)
{
    scribble_all(SHMGEN_KIND_STACK, SHMGEN_TOPIC_LAP, "advs");
}

Test(adversarial, ring_words)
{
    scribble_all(SHMGEN_KIND_RING, SHMGEN_TOPIC_LAP, "advr");
}

Test(adversarial, pool_words)
{
    scribble_all(SHMGEN_KIND_POOL, SHMGEN_TOPIC_LAP, "advp");
}

Test(adversarial, topic_lap_words)
{
    scribble_all(SHMGEN_KIND_TOPIC, SHMGEN_TOPIC_LAP, "advtl");
}

Test(adversarial, topic_block_words)
{
    scribble_all(SHMGEN_KIND_TOPIC, SHMGEN_TOPIC_BLOCK, "advtb");
}

Test(adversarial, latest_words)
{
    scribble_all(SHMGEN_KIND_LATEST, SHMGEN_TOPIC_LAP, "advl");
}
