/*
 * SPDX-License-Identifier: MIT
 *
 * test_latest.c — unit tests of the latest kind: empty, store/load and the
 * update counter, element sizes that are not a multiple of 8, waits, read-
 * only attachments, and the writer word: a writer stopped in the middle of a
 * store (test hook) leaves the previous value readable, never makes a reader
 * wait past its timeout, and makes a second writer return SHMGEN_BUSY; a
 * writer killed there loses that store only; hand-set words.
 * Depends on kinds_util, the public latest API and the runtime's test hook.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kinds_util.h"
#include "shmgen/latest.h"
#include "shmgen/ring.h"
#include "testhook.h"

/* Header words (docs/segment-format.md): line 1 holds version, writer. */
#define VERSION_AT 64u
#define WRITER_AT 72u

static kutil_seg_t K;

static void teardown(void)
{
    kutil_destroy(&K);
}

TestSuite(latest, .fini = teardown, .timeout = 60);

static void make_latest(shmgen_latest_t *l, uint32_t elem_size)
{
    kutil_create(&K, "latest", SHMGEN_KIND_LATEST, elem_size, 1);
    cr_assert_eq(shmgen_latest_bind(l, K.seg, &K.info), 0);
}

static _Atomic uint64_t *word_at(unsigned offset)
{
    return (_Atomic uint64_t *)(void *)((unsigned char *)shmgen_segment_struct_base(K.seg, &K.info) + offset);
}

Test(latest, empty_until_the_first_store_then_the_newest_value)
{
    shmgen_latest_t l;
    uint64_t v[3] = {7, 7, 7}, got[3] = {9, 9, 9}, version = 99;
    make_latest(&l, 24);
    cr_assert_eq(shmgen_latest_version(&l), 0);
    cr_assert_eq(shmgen_latest_load(&l, got, &version), SHMGEN_EMPTY);
    cr_assert(got[0] == 9 && got[2] == 9 && version == 99, "out and version untouched when empty");
    for (uint64_t i = 1; i <= 5; i++) {
        v[0] = i;
        v[2] = ~i;
        cr_assert_eq(shmgen_latest_store(&l, v), 0);
        cr_assert_eq(shmgen_latest_version(&l), i);
    }
    cr_assert_eq(shmgen_latest_load(&l, got, &version), 0);
    cr_assert(got[0] == 5 && got[1] == 7 && got[2] == ~(uint64_t)5);
    cr_assert_eq(version, 5);
    cr_assert_eq(shmgen_latest_load(&l, got, NULL), 0, "version may be NULL");
}

/* Sizes below a word, between words and large: exactly elem_size bytes move. */
Test(latest, odd_element_sizes)
{
    static const uint32_t sizes[] = {1, 12, 1000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        shmgen_latest_t l;
        unsigned char in[1000], out[1008];
        make_latest(&l, sizes[k]);
        for (uint32_t i = 0; i < sizes[k]; i++) in[i] = (unsigned char)(i * 7 + k);
        memset(out, 0xEE, sizeof out);
        cr_assert_eq(shmgen_latest_store(&l, in), 0);
        cr_assert_eq(shmgen_latest_load(&l, out, NULL), 0);
        cr_assert_eq(memcmp(in, out, sizes[k]), 0, "size %u", sizes[k]);
        cr_assert_eq(out[sizes[k]], 0xEE, "nothing written past the element (size %u)", sizes[k]);
        kutil_destroy(&K);
    }
}

Test(latest, wrong_kind_and_read_only)
{
    shmgen_latest_t l;
    shmgen_ring_t r;
    shmgen_segment_t *ro;
    shmgen_struct_info_t info;
    uint64_t v = 5, got = 0;
    make_latest(&l, 8);
    cr_assert_eq(shmgen_ring_bind(&r, K.seg, &K.info), SHMGEN_WRONG_KIND);
    cr_assert_eq(shmgen_latest_store(&l, &v), 0);
    cr_assert_eq(shmgen_segment_open_readonly(K.name, &ro), 0);
    cr_assert_eq(shmgen_segment_find(ro, "s", &info), 0);
    cr_assert_eq(shmgen_latest_bind(&l, ro, &info), 0);
    cr_assert_eq(shmgen_latest_store(&l, &v), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_latest_load(&l, &got, NULL), 0, "tools load through a read-only mapping");
    cr_assert_eq(got, 5);
    cr_assert_eq(shmgen_latest_wait(&l, 0, 10), 0, "already moved");
    cr_assert_eq(shmgen_latest_wait(&l, 1, 10), SHMGEN_READ_ONLY, "cannot sleep on a read-only mapping");
    (void)shmgen_segment_close(ro);
}

static void store_later(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_latest_t l;
    uint64_t v = 42;
    (void)id;
    (void)ctx;
    if (shmgen_latest_bind(&l, seg, info) != 0) _exit(4);
    usleep(50 * 1000);
    _exit(shmgen_latest_store(&l, &v) == 0 ? 0 : 5);
}

Test(latest, wait_times_out_or_wakes_on_a_store_from_another_process)
{
    shmgen_latest_t l;
    uint64_t v = 1, got = 0;
    int st;
    pid_t pid;
    make_latest(&l, 8);
    cr_assert_eq(shmgen_latest_wait(&l, 0, 20), SHMGEN_TIMEOUT);
    cr_assert_eq(shmgen_latest_store(&l, &v), 0);
    cr_assert_eq(shmgen_latest_wait(&l, 0, -1), 0, "differs already: returns at once");
    pid = kutil_spawn(&K, store_later, 0, NULL);
    cr_assert_eq(shmgen_latest_wait(&l, 1, 10000), 0);
    cr_assert_eq(shmgen_latest_load(&l, &got, NULL), 0);
    cr_assert_eq(got, 42);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- a writer stopped or killed in the middle of a store ------------------ */

static void stop_mid_store(int point, uint64_t arg)
{
    (void)arg;
    if (point == SHMGEN__HP_LATEST_WRITING) raise(SIGSTOP);
}

static void kill_mid_store(int point, uint64_t arg)
{
    (void)arg;
    if (point == SHMGEN__HP_LATEST_WRITING) raise(SIGKILL);
}

/* Stores {0xAA...} (the parent stored {v, v, v, v} before). */
static void store_with_hook(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx)
{
    shmgen_latest_t l;
    uint64_t v[4];
    (void)ctx;
    memset(v, 0xAA, sizeof v);
    if (shmgen_latest_bind(&l, seg, info) != 0) _exit(4);
    shmgen__test_hook = id == 0 ? stop_mid_store : kill_mid_store;
    _exit(shmgen_latest_store(&l, v) == 0 ? 0 : 5);
}

static void expect_value(shmgen_latest_t *l, uint64_t v, uint64_t version)
{
    uint64_t got[4], ver = 0;
    cr_assert_eq(shmgen_latest_load(l, got, &ver), 0);
    for (int i = 0; i < 4; i++) cr_assert_eq(got[i], v, "word %d: %#llx", i, (unsigned long long)got[i]);
    cr_assert_eq(ver, version);
}

Test(latest, a_writer_stopped_mid_store_blocks_nobody)
{
    shmgen_latest_t l;
    uint64_t v[4] = {3, 3, 3, 3};
    int st;
    pid_t pid;
    double t0;
    make_latest(&l, 32);
    cr_assert_eq(shmgen_latest_store(&l, v), 0);
    pid = kutil_spawn(&K, store_with_hook, 0, NULL);
    cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
    cr_assert(WIFSTOPPED(st));
    /* Half of the next value is written: readers get the previous one whole. */
    expect_value(&l, 3, 1);
    t0 = kutil_now();
    cr_assert_eq(shmgen_latest_wait(&l, 1, 30), SHMGEN_TIMEOUT, "a reader's wait honours its timeout");
    v[0] = v[1] = v[2] = v[3] = 4;
    cr_assert_eq(shmgen_latest_store(&l, v), SHMGEN_BUSY, "a second writer gets BUSY");
    cr_assert(kutil_now() - t0 < 5.0);
    cr_assert(strstr(shmgen_segment_last_detail(), "in progress"), "%s", shmgen_segment_last_detail());
    kill(pid, SIGCONT);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    expect_value(&l, 0xAAAAAAAAAAAAAAAAull, 2);
    cr_assert_eq(shmgen_latest_store(&l, v), 0);
    expect_value(&l, 4, 3);
}

Test(latest, a_writer_killed_mid_store_loses_that_store_only)
{
    shmgen_latest_t l;
    uint64_t v[4] = {3, 3, 3, 3};
    int st;
    pid_t pid;
    make_latest(&l, 32);
    cr_assert_eq(shmgen_latest_store(&l, v), 0);
    pid = kutil_spawn(&K, store_with_hook, 1, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    expect_value(&l, 3, 1);
    cr_assert_neq(atomic_load(word_at(WRITER_AT)), 0, "the dead writer's token is still there");
    /* The next store takes the word over at once, without a recovery. */
    v[0] = v[1] = v[2] = v[3] = 5;
    cr_assert_eq(shmgen_latest_store(&l, v), 0, "%s", shmgen_segment_last_detail());
    expect_value(&l, 5, 2);
    cr_assert_geq(shmgen_segment_recover(K.seg), 1);
    kutil_assert_attached(&K, 1);
}

Test(latest, recovery_clears_a_dead_writer)
{
    shmgen_latest_t l;
    uint64_t v[4] = {3, 3, 3, 3};
    int st;
    pid_t pid;
    make_latest(&l, 32);
    pid = kutil_spawn(&K, store_with_hook, 1, NULL);
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert_eq(shmgen_latest_load(&l, v, NULL), SHMGEN_EMPTY, "the killed first store never happened");
    cr_assert_geq(shmgen_segment_recover(K.seg), 2, "the writer word and the registry slot");
    cr_assert_eq(atomic_load(word_at(WRITER_AT)), 0);
}

/* The writer word holds the token of a live attachment that is not storing
 * (a scribble, or a stopped store): BUSY; a token of nobody: taken over. */
Test(latest, hand_set_writer_words)
{
    shmgen_latest_t l;
    shmgen_segment_t *other;
    shmgen_struct_info_t info;
    uint32_t owner = 0;
    uint64_t v = 1;
    make_latest(&l, 8);
    cr_assert_eq(shmgen_segment_open(K.name, &K.layout, NULL, &other), 0);
    cr_assert_eq(shmgen_segment_find(other, "s", &info), 0);
    cr_assert_eq(shmgen_segment_owner_id(other, &owner), 0);
    atomic_store(word_at(WRITER_AT), ((uint64_t)(uint32_t)getpid() << 32) | owner);
    cr_assert_eq(shmgen_latest_store(&l, &v), SHMGEN_BUSY);
    atomic_store(word_at(WRITER_AT), ((uint64_t)1 << 32) | 200); /* owner 200 does not exist */
    cr_assert_eq(shmgen_latest_store(&l, &v), 0);
    cr_assert_eq(atomic_load(word_at(WRITER_AT)), 0);
    (void)shmgen_segment_close(other);
}

/* A version whose buffer does not hold it (scribbled): CORRUPT naming it. */
Test(latest, scribbled_version_is_corrupt)
{
    shmgen_latest_t l;
    uint64_t v = 1;
    make_latest(&l, 8);
    cr_assert_eq(shmgen_latest_store(&l, &v), 0);
    atomic_store(word_at(VERSION_AT), 12);
    cr_assert_eq(shmgen_latest_load(&l, &v, NULL), SHMGEN_CORRUPT);
    cr_assert(strstr(shmgen_segment_last_detail(), "latest 's'"), "%s", shmgen_segment_last_detail());
}
