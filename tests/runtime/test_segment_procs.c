/*
 * SPDX-License-Identifier: MIT
 *
 * test_segment_procs.c — segments shared by several processes: the
 * open_or_create race, attaching during a slow initialisation, a creator that
 * dies mid-init, attach counting across SIGKILL, last-close unlinking racing
 * new attachers, fork misuse, and journal recovery.  Uses runtime internals
 * (segment_priv.h: the creation-delay test hook, the header, journals).
 */
#include "test_segment_util.h"

#include <pthread.h>
#include <time.h>

#include "segment_priv.h"

TestSuite(segment_procs, .fini = tu_cleanup);

enum { CHILD_CREATED = 10, CHILD_OPENED = 11 };

static shmgen_segment_t *create_ok(const char *name)
{
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_create(name, &l, NULL, &seg);
    cr_assert_eq(rc, 0, "create: %s", shmgen_strerror(rc));
    return seg;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* A one-shot gate: children block in gate_wait until the parent opens it. */
typedef struct { int fd[2]; } gate_t;
static void gate_init(gate_t *g) { cr_assert_eq(pipe(g->fd), 0); }
static void gate_wait(gate_t *g)
{
    char c;
    close(g->fd[1]);
    while (read(g->fd[0], &c, 1) < 0 && errno == EINTR) {}
}
static void gate_open(gate_t *g) { close(g->fd[1]); close(g->fd[0]); }

/* Children report "attached" by writing one byte. */
static void report(int fd) { (void)!write(fd, "x", 1); }
static void await_reports(int fd, int n)
{
    char c;
    for (int i = 0; i < n; i++) cr_assert_eq(read(fd, &c, 1), 1);
}

static int race_child(const char *name, gate_t *start, gate_t *hold, int report_fd)
{
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = NULL;
    bool created = false;
    gate_wait(start);
    if (shmgen_segment_open_or_create(name, &l, NULL, &seg, &created) != 0) return 1;
    report(report_fd);
    gate_wait(hold); /* everyone stays attached until all have attached */
    if (shmgen_segment_close(seg) != 0) return 2;
    return created ? CHILD_CREATED : CHILD_OPENED;
}

Test(segment_procs, open_or_create_race_exactly_one_creates, .timeout = 60)
{
    enum { N = 8, ROUNDS = 5 };
    for (int round = 0; round < ROUNDS; round++) {
        const char *name = tu_name("race");
        gate_t start, hold;
        int rep[2], created = 0, opened = 0;
        pid_t pids[N];
        gate_init(&start);
        gate_init(&hold);
        cr_assert_eq(pipe(rep), 0);
        for (int i = 0; i < N; i++)
            if ((pids[i] = fork()) == 0) _exit(race_child(name, &start, &hold, rep[1]));
        gate_open(&start);
        await_reports(rep[0], N);
        gate_open(&hold);
        for (int i = 0; i < N; i++) {
            int st = tu_wait(pids[i]);
            cr_assert(st == CHILD_CREATED || st == CHILD_OPENED, "child status %d", st);
            created += st == CHILD_CREATED;
            opened += st == CHILD_OPENED;
        }
        cr_assert_eq(created, 1, "round %d: %d creators", round, created);
        cr_assert_eq(opened, N - 1);
        cr_assert_not(tu_exists(name), "the last of the racers unlinks");
        close(rep[0]);
        close(rep[1]);
    }
}

static uint32_t raw_state(const char *name)
{
    size_t size = 0;
    int fd = shm_open(name, O_RDONLY, 0);
    struct stat st;
    uint32_t state = 0;
    if (fd < 0) return 0;
    if (fstat(fd, &st) == 0 && (size = (size_t)st.st_size) >= SHMGEN_HEADER_BYTES)
        cr_assert_eq(pread(fd, &state, 4, offsetof(shmgen__header_t, state)), 4);
    close(fd);
    return state;
}

/* Forks a creator that sleeps delay_ms between INIT and READY, then holds the
 * segment until `hold` opens.  Returns once the segment is in state INIT. */
static pid_t slow_creator(const char *name, unsigned delay_ms, gate_t *hold)
{
    pid_t pid = fork();
    if (pid == 0) {
        shmgen_segment_t *seg = NULL;
        shmgen_layout_t l = tu_layout();
        shmgen__test_create_delay_ms = delay_ms;
        if (shmgen_segment_create(name, &l, NULL, &seg) != 0) _exit(1);
        gate_wait(hold);
        _exit(shmgen_segment_close(seg) == 0 ? 0 : 2);
    }
    for (int i = 0; i < 5000 && raw_state(name) != SHMGEN__STATE_INIT; i++) sleep_ms(1);
    cr_assert_eq(raw_state(name), SHMGEN__STATE_INIT, "creator never reached INIT");
    return pid;
}

Test(segment_procs, attacher_waits_for_a_slow_creator, .timeout = 60)
{
    const char *name = tu_name("slow");
    shmgen_layout_t l = tu_layout();
    shmgen_open_options_t wait_long = {.timeout_ms = 20000}, wait_short = {.timeout_ms = 50};
    shmgen_segment_t *seg = NULL;
    shmgen_struct_info_t info;
    shmgen_atomic_t tick;
    gate_t hold;
    pid_t pid;

    gate_init(&hold);
    pid = slow_creator(name, 1500, &hold);
    cr_assert_eq(shmgen_segment_open_readonly(name, &seg), SHMGEN_NOT_READY);
    cr_assert_eq(shmgen_segment_open(name, &l, &wait_short, &seg), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_segment_open(name, &l, &wait_long, &seg), 0, "%s", shmgen_segment_last_detail());
    cr_assert_eq(raw_state(name), SHMGEN__STATE_READY);
    /* Fully built: the atomic holds its initial value, every header checked. */
    cr_assert_eq(shmgen_segment_resolve(seg, 1, &info), 0);
    cr_assert_eq(shmgen_atomic_bind(&tick, seg, &info), 0);
    cr_assert_eq(shmgen_atomic_load_u64(&tick), 42);
    gate_open(&hold);
    cr_assert_eq(tu_wait(pid), 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
    cr_assert_not(tu_exists(name));
}

Test(segment_procs, creator_dying_mid_init_is_abandoned, .timeout = 60)
{
    const char *name = tu_name("abandon");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = NULL;
    bool created = true;
    gate_t hold;
    pid_t pid;

    gate_init(&hold);
    pid = slow_creator(name, 60000, &hold);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    cr_assert_eq(tu_wait(pid), 128 + SIGKILL);
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &seg), SHMGEN_ABANDONED);
    cr_assert_str_neq(shmgen_segment_last_detail(), "");
    cr_assert_eq(shmgen_segment_open_or_create(name, &l, NULL, &seg, &created), SHMGEN_ABANDONED);
    cr_assert_not(created);
    cr_assert_eq(shmgen_segment_open_readonly(name, &seg), SHMGEN_NOT_READY);
    gate_open(&hold);
    cr_assert_eq(shmgen_segment_unlink(name), 0);
}

Test(segment_procs, creator_dying_before_sizing_is_abandoned_at_the_deadline)
{
    const char *name = tu_name("blank");
    shmgen_layout_t l = tu_layout();
    shmgen_open_options_t o = {.timeout_ms = 100};
    shmgen_segment_t *seg = NULL;
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600); /* created, never sized */
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(shmgen_segment_open(name, &l, &o, &seg), SHMGEN_ABANDONED);
    cr_assert_eq(shmgen_segment_open_readonly(name, &seg), SHMGEN_NOT_READY);
    cr_assert_eq(shmgen_segment_unlink(name), 0);
}

static int attached_child(const char *name, int report_fd, gate_t *hold)
{
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = NULL;
    if (shmgen_segment_open(name, &l, NULL, &seg) != 0) return 1;
    /* Claim a journal too, so a SIGKILL leaves one behind for recovery. */
    if (!shmgen__journal_self(seg)) return 2;
    report(report_fd);
    gate_wait(hold);
    return shmgen_segment_close(seg) == 0 ? 0 : 3;
}

static void count_dead(pid_t pid, bool alive, void *ctx)
{
    (void)pid;
    if (!alive) (*(int *)ctx)++;
}

static unsigned owned_journals(shmgen_segment_t *seg)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < shmgen__journal_count(seg); i++)
        n += atomic_load(&shmgen__journal_at(seg, i)->owner) != 0;
    return n;
}

Test(segment_procs, attach_count_survives_sigkill_and_last_close_unlinks, .timeout = 60)
{
    enum { N = 6 };
    const char *name = tu_name("count");
    shmgen_segment_t *seg = create_ok(name);
    unsigned count = 0;
    int rep[2], dead = 0;
    gate_t hold;
    pid_t pids[N];

    gate_init(&hold);
    cr_assert_eq(pipe(rep), 0);
    for (int i = 0; i < N; i++)
        if ((pids[i] = fork()) == 0) _exit(attached_child(name, rep[1], &hold));
    await_reports(rep[0], N);
    cr_assert_eq(shmgen_segment_attach_count(seg, &count), 0);
    cr_assert_eq(count, N + 1);
    cr_assert_eq(owned_journals(seg), N);
    for (int i = 0; i < N; i += 2) {
        cr_assert_eq(kill(pids[i], SIGKILL), 0);
        cr_assert_eq(tu_wait(pids[i]), 128 + SIGKILL);
    }
    cr_assert_eq(shmgen_segment_attach_count(seg, &count), 0);
    cr_assert_eq(count, N / 2 + 1, "killed processes must not count");
    cr_assert_eq(shmgen_segment_visit_processes(seg, count_dead, &dead), 0);
    cr_assert_eq(dead, N / 2, "dead slots are visible until recovered");
    cr_assert_eq(shmgen_segment_recover(seg), N / 2 + N / 2, "3 slots and 3 journals freed");
    cr_assert_eq(owned_journals(seg), N / 2);
    dead = 0;
    cr_assert_eq(shmgen_segment_visit_processes(seg, count_dead, &dead), 0);
    cr_assert_eq(dead, 0);
    cr_assert_eq(shmgen_segment_recover(seg), 0, "nothing left to repair");

    /* The creator leaves first; the last child to close removes the object. */
    cr_assert_eq(shmgen_segment_close(seg), 0);
    cr_assert(tu_exists(name));
    gate_open(&hold);
    for (int i = 1; i < N; i += 2) cr_assert_eq(tu_wait(pids[i]), 0);
    cr_assert_not(tu_exists(name), "the last close must unlink");
    close(rep[0]);
    close(rep[1]);
}

Test(segment_procs, open_recovers_what_dead_attachers_left, .timeout = 60)
{
    const char *name = tu_name("recover");
    shmgen_segment_t *seg = create_ok(name), *again = NULL;
    shmgen_layout_t l = tu_layout();
    gate_t hold;
    int rep[2];
    pid_t pid;

    gate_init(&hold);
    cr_assert_eq(pipe(rep), 0);
    if ((pid = fork()) == 0) _exit(attached_child(name, rep[1], &hold));
    await_reports(rep[0], 1);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    tu_wait(pid);
    cr_assert_eq(owned_journals(seg), 1);
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &again), 0);
    cr_assert_eq(owned_journals(seg), 0, "open runs recovery");
    cr_assert_eq(shmgen_segment_close(again), 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
    gate_open(&hold);
    close(rep[0]);
    close(rep[1]);
    cr_assert_not(tu_exists(name));
}

Test(segment_procs, journals_are_per_thread_and_handle_and_freed_on_close)
{
    const char *name = tu_name("journal");
    shmgen_segment_t *a = create_ok(name), *b = NULL, *ro = NULL;
    shmgen_layout_t l = tu_layout();
    shmgen__journal_t *ja, *jb;

    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &b), 0);
    cr_assert_eq(shmgen_segment_open_readonly(name, &ro), 0);
    ja = shmgen__journal_self(a);
    jb = shmgen__journal_self(b);
    cr_assert_not_null(ja);
    cr_assert_not_null(jb);
    cr_assert_neq(ja, jb);
    cr_assert_eq(shmgen__journal_self(a), ja, "cached per thread");
    cr_assert_eq(atomic_load(&ja->owner), shmgen__self_owner(a));
    cr_assert(shmgen__owner_alive(a, shmgen__self_owner(b)));
    cr_assert(shmgen__owner_alive(b, shmgen__self_owner(a)));
    cr_assert_null(shmgen__journal_self(ro), "read-only handles never journal");
    atomic_store(&jb->op, SHMGEN__JOP(2, 1));
    /* b's mapping goes away with b: look at its journal through a. */
    jb = shmgen__journal_at(a, (uint32_t)(jb - shmgen__journal_at(b, 0)));
    cr_assert_eq(atomic_load(&jb->owner), shmgen__self_owner(b));
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(atomic_load(&jb->owner), 0);
    cr_assert_eq(atomic_load(&jb->op), 0);
    cr_assert_eq(shmgen_segment_close(ro), 0);
    cr_assert_eq(shmgen_segment_close(a), 0);
}

static void *journal_once(void *arg)
{
    return shmgen__journal_self(arg);
}

Test(segment_procs, exiting_threads_give_their_journals_back, .timeout = 60)
{
    const char *name = tu_name("threadexit");
    shmgen_segment_t *seg = create_ok(name);
    /* More threads than journals exist: each must find one free. */
    for (int i = 0; i < SHMGEN_MAX_JOURNALS + 100; i++) {
        pthread_t t;
        void *j = NULL;
        cr_assert_eq(pthread_create(&t, NULL, journal_once, seg), 0);
        cr_assert_eq(pthread_join(t, &j), 0);
        cr_assert_not_null(j, "thread %d found no free journal", i);
    }
    cr_assert_eq(owned_journals(seg), 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(segment_procs, a_forked_child_cannot_use_its_parents_handle)
{
    const char *name = tu_name("fork");
    shmgen_segment_t *seg = create_ok(name);
    unsigned count = 0;
    pid_t pid = fork();
    if (pid == 0) {
        if (shmgen__journal_self(seg) != NULL) _exit(1);
        if (shmgen_segment_recover(seg) != SHMGEN_INVALID_ARGUMENT) _exit(2);
        _exit(shmgen_segment_close(seg) == SHMGEN_INVALID_ARGUMENT ? 0 : 3);
    }
    cr_assert_eq(tu_wait(pid), 0);
    cr_assert_eq(shmgen_segment_attach_count(seg, &count), 0);
    cr_assert_eq(count, 1, "the child's close must not detach the parent");
    cr_assert(tu_exists(name));
    cr_assert_eq(shmgen_segment_close(seg), 0);
    cr_assert_not(tu_exists(name));
}

/* Each attachment must stay on a linked object: a last close never unlinks
 * the object under a process that just attached to it. */
static int churn_child(const char *name, int rounds)
{
    shmgen_layout_t l = tu_layout();
    for (int i = 0; i < rounds; i++) {
        shmgen_segment_t *seg = NULL;
        struct stat st;
        int rc = shmgen_segment_open_or_create(name, &l, NULL, &seg, NULL);
        if (rc != 0) return 10 - rc;
        if (fstat(seg->fd, &st) != 0 || st.st_nlink == 0) return 1;
        if (fstat(seg->fd, &st) != 0 || st.st_nlink == 0) return 2;
        if (shmgen_segment_close(seg) != 0) return 3;
    }
    return 0;
}

Test(segment_procs, attach_racing_last_close_never_lands_on_an_unlinked_object, .timeout = 120)
{
    enum { N = 4 };
    const char *name = tu_name("churn");
    const char *scale = getenv("SHMGEN_STRESS_SCALE");
    int rounds = 150 * (scale ? atoi(scale) : 1);
    pid_t pids[N];
    for (int i = 0; i < N; i++)
        if ((pids[i] = fork()) == 0) _exit(churn_child(name, rounds));
    for (int i = 0; i < N; i++) {
        int st = tu_wait(pids[i]);
        cr_assert_eq(st, 0, "child %d: status %d", i, st);
    }
    cr_assert_not(tu_exists(name));
}
