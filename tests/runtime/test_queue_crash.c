/*
 * SPDX-License-Identifier: MIT
 *
 * test_queue_crash.c — workers SIGKILLed hundreds of times at random points
 * while two survivor processes keep enqueuing and dequeuing (and every new
 * worker's open runs recovery concurrently).  Afterwards: the survivors were
 * never blocked for good, no element was duplicated, at most one element per
 * kill is lost, the queue still works at full capacity, and only the test
 * process is attached.  When the survivors stop making progress the test
 * dumps the queue's counters, every slot word, every busy journal and the
 * survivors' scheduler state before failing, so a CI log shows the stuck
 * state.  Depends on kinds_util, the public queue API, and (for the dump
 * only) the runtime's internal journal accessors and queue header layout.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../runtime/src/internal.h"
#include "kinds_util.h"
#include "shmgen/queue.h"

#define KILLS 300
#define CAPACITY 16
#define MAX_TICKETS (1u << 25)

typedef struct shared {
    kutil_report_t report;
    _Atomic uint64_t next_ticket;
    _Atomic int stop;
    _Atomic uint64_t survivor_ops;
    _Atomic unsigned char in_op[KILLS];
    _Atomic uint64_t enq_ok[MAX_TICKETS / 64];
    _Atomic uint64_t deq_seen[MAX_TICKETS / 64];
} shared_t;

static void got(shared_t *sh, uint64_t v)
{
    if (v >= atomic_load(&sh->next_ticket)) kutil_error(&sh->report, "never issued %llu", (unsigned long long)v);
    else if (kutil_bit_set(sh->deq_seen, v)) kutil_error(&sh->report, "duplicate %llu", (unsigned long long)v);
}

/* One operation; bulk forms only for survivors (a killed bulk op would be
 * allowed to lose its whole batch). */
static void one_op(shmgen_queue_t *q, shared_t *sh, uint64_t *rnd, bool bulk)
{
    uint64_t choice = kutil_rand(rnd) % 4, v[4];
    if (choice < 2) {
        uint64_t n = bulk && choice == 1 ? 4 : 1;
        uint64_t t = atomic_fetch_add(&sh->next_ticket, n);
        if (t + n > MAX_TICKETS) return;
        for (uint64_t i = 0; i < n; i++) v[i] = t + i;
        n = shmgen_queue_enqueue_bulk(q, v, n);
        for (uint64_t i = 0; i < n; i++) kutil_bit_set(sh->enq_ok, t + i);
    } else {
        uint64_t n = shmgen_queue_dequeue_bulk(q, v, bulk && choice == 3 ? 4 : 1);
        for (uint64_t i = 0; i < n; i++) got(sh, v[i]);
    }
}

static void worker(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shared_t *sh = ctx;
    shmgen_queue_t q;
    uint64_t rnd = 0x1000 + (uint64_t)id * 7919;
    bool survivor = id < 1000;
    if (shmgen_queue_bind(&q, seg, info) != 0) {
        kutil_error(&sh->report, "bind");
        return;
    }
    while (!atomic_load(&sh->stop)) {
        if (!survivor) atomic_store(&sh->in_op[id - 1000], 1);
        one_op(&q, sh, &rnd, survivor);
        if (!survivor) atomic_store(&sh->in_op[id - 1000], 0);
        if (survivor) atomic_fetch_add(&sh->survivor_ops, 1);
    }
}

static void survivors(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    worker(seg, info, id, ctx);
}

/* Prints /proc/pid/stat's state and CPU time (R with growing utime: spinning). */
static void dump_proc(pid_t pid)
{
    char path[64], line[512];
    FILE *f;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r"))) return;
    if (fgets(line, sizeof line, f)) {
        char *p = strrchr(line, ')');
        char state = '?';
        unsigned long ut = 0, stime = 0;
        if (p) (void)sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &state, &ut, &stime);
        fprintf(stderr, "  survivor %d: state %c utime %lu stime %lu (ticks)\n", (int)pid, state, ut, stime);
    }
    fclose(f);
}

/* The queue's words (layout of queue.c: enq on header line 1, deq on line 2,
 * slots after the 256-byte header, seq word first) and every busy journal. */
static void dump_queue(kutil_seg_t *k, const pid_t *surv)
{
    unsigned char *base = shmgen_segment_struct_base(k->seg, &k->info);
    uint64_t slot_bytes = shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, k->info.elem_size);
    uint32_t bits = k->info.capacity == 1 ? 0 : 64u - (uint32_t)__builtin_clzll(k->info.capacity - 1);
    uint64_t enq = atomic_load((_Atomic uint64_t *)(void *)(base + 64));
    uint64_t deq = atomic_load((_Atomic uint64_t *)(void *)(base + 128));
    fprintf(stderr, "queue_crash stuck state: enq lap %llu idx %llu, deq lap %llu idx %llu\n",
            (unsigned long long)(enq >> bits), (unsigned long long)(enq & ((1u << bits) - 1)),
            (unsigned long long)(deq >> bits), (unsigned long long)(deq & ((1u << bits) - 1)));
    for (uint64_t i = 0; i < k->info.capacity; i++) {
        uint64_t s = atomic_load((_Atomic uint64_t *)(void *)(base + 256 + i * slot_bytes));
        fprintf(stderr, "  slot %2llu: seq %llu%s\n", (unsigned long long)i,
                (unsigned long long)(s & ~((uint64_t)1 << 63)), s >> 63 ? " |SKIP" : "");
    }
    for (uint32_t i = 0; i < shmgen__journal_count(k->seg); i++) {
        shmgen__journal_t *j = shmgen__journal_at(k->seg, i);
        uint32_t owner = atomic_load(&j->owner);
        if (owner == 0) continue;
        fprintf(stderr, "  journal %u: owner %u (%s) op %#x a %llu b %llu\n", i, owner,
                shmgen__owner_alive(k->seg, owner) ? "alive" : "dead", atomic_load(&j->op),
                (unsigned long long)atomic_load(&j->a), (unsigned long long)atomic_load(&j->b));
    }
    for (int i = 0; i < 2; i++) dump_proc(surv[i]);
}

static kutil_seg_t K; /* removed by the suite's fini even when an assertion fails */

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(queue_crash, .fini = teardown);

Test(queue_crash, random_kills, .timeout = 120)
{
    kutil_seg_t *kp = &K;
    shmgen_queue_t q;
    shared_t *sh = kutil_shared(sizeof *sh);
    pid_t surv[2];
    int bad, st, killed;
    uint64_t v, lost, ops_before, in_op = 0;
    double t0 = kutil_now();
    kutil_create(kp, "queuecr", SHMGEN_KIND_QUEUE, 8, CAPACITY);
    surv[0] = kutil_spawn(kp, survivors, 0, sh);
    surv[1] = kutil_spawn(kp, survivors, 1, sh);
    killed = kutil_kill_loop(kp, worker, sh, KILLS, 3000, 0xC0FFEE, &bad);
    ops_before = atomic_load(&sh->survivor_ops);
    for (int i = 0; i < 1000 && atomic_load(&sh->survivor_ops) <= ops_before; i++) usleep(10 * 1000); /* no timing assertion: up to 10 s */
    if (atomic_load(&sh->survivor_ops) <= ops_before) {
        dump_queue(kp, surv);
        usleep(200 * 1000); /* a second sample: utime still growing means spinning, not sleeping */
        for (int i = 0; i < 2; i++) dump_proc(surv[i]);
        for (int i = 0; i < 2; i++) kill(surv[i], SIGKILL); /* never leave spinning processes behind */
    }
    cr_assert_gt(atomic_load(&sh->survivor_ops), ops_before, "survivors are stuck");
    atomic_store(&sh->stop, 1);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(waitpid(surv[i], &st, 0), surv[i]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    cr_assert_eq(bad, 0);
    cr_assert_geq(killed, KILLS * 9 / 10);
    cr_assert_geq(shmgen_segment_recover(kp->seg), 0);
    kutil_assert_attached(kp, 1);
    cr_assert_eq(shmgen_queue_bind(&q, kp->seg, &kp->info), 0);
    while (shmgen_queue_dequeue(&q, &v) == 0) got(sh, v);
    cr_assert_eq(atomic_load(&sh->report.errors), 0, "%s", sh->report.msg);
    for (int i = 0; i < KILLS; i++) in_op += atomic_load(&sh->in_op[i]);
    lost = kutil_count_andnot(sh->enq_ok, sh->deq_seen, MAX_TICKETS);
    cr_log_info("queue crash: %d kills (%llu inside an operation), %llu tickets, %llu lost, %.2f s", killed,
                (unsigned long long)in_op,
                (unsigned long long)atomic_load(&sh->next_ticket), (unsigned long long)lost, kutil_now() - t0);
    cr_assert_leq(lost, (uint64_t)killed);
    cr_assert_eq(shmgen_queue_size(&q), 0);
    for (v = 0; v < CAPACITY; v++) cr_assert_eq(shmgen_queue_enqueue(&q, &v), 0);
    cr_assert_eq(shmgen_queue_enqueue(&q, &v), SHMGEN_FULL);
    for (uint64_t i = 0; i < CAPACITY; i++) {
        cr_assert_eq(shmgen_queue_dequeue(&q, &v), 0);
        cr_assert_eq(v, i);
    }
    kutil_destroy(kp);
    kutil_shared_free(sh, sizeof *sh);
}
