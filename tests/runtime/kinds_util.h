/*
 * SPDX-License-Identifier: MIT
 *
 * kinds_util.h — shared helpers of the queue/stack/ring/pool/topic/latest tests: one-
 * structure segments with unique names, shared result areas that survive
 * fork, running workers as processes or threads, and bitmaps for counting
 * elements.  Depends on the public runtime API and Criterion.
 */
#ifndef SHMGEN_TESTS_KINDS_UTIL_H
#define SHMGEN_TESTS_KINDS_UTIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmgen/segment.h"

typedef struct kutil_seg {
    char name[64];
    shmgen_struct_desc_t desc;
    shmgen_layout_t layout;
    shmgen_segment_t *seg;
    shmgen_struct_info_t info;
} kutil_seg_t;

/* Errors found by workers (children cannot use cr_assert): the first message wins. */
typedef struct kutil_report {
    _Atomic uint64_t errors;
    char msg[256];
} kutil_report_t;

/* Creates a segment holding one structure "s" (asserts on failure): kind,
 * element size and capacity (and a topic's parameters) from d. */
void kutil_create_desc(kutil_seg_t *k, const char *tag, const shmgen_struct_desc_t *d);
void kutil_create(kutil_seg_t *k, const char *tag, shmgen_kind_t kind, uint32_t elem_size, uint64_t capacity);
void kutil_create_topic(kutil_seg_t *k, const char *tag, uint32_t elem_size, uint64_t capacity, uint32_t subscribers,
                        uint32_t history, shmgen_topic_policy_t policy, uint32_t deadline_ms);
/* Closes and unlinks (idempotent). */
void kutil_destroy(kutil_seg_t *k);
/* A worker process's own attachment; NULL on failure. */
shmgen_segment_t *kutil_open(const kutil_seg_t *k, shmgen_struct_info_t *info);

/* Zeroed MAP_SHARED anonymous memory (inherited by children). */
void *kutil_shared(size_t bytes);
void kutil_shared_free(void *p, size_t bytes);

void kutil_error(kutil_report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A worker: seg/info are its own attachment (process mode) or the test's (thread mode). */
typedef void (*kutil_worker_fn)(shmgen_segment_t *seg, const shmgen_struct_info_t *info, int id, void *ctx);
/* Runs n workers (ids 0..n-1) as processes or threads and waits for all;
 * asserts that every process exited normally. */
void kutil_run(kutil_seg_t *k, int n, kutil_worker_fn fn, void *ctx, bool threads);
/* Forks one worker process (it attaches, runs fn, detaches and _exits). */
pid_t kutil_spawn(kutil_seg_t *k, kutil_worker_fn fn, int id, void *ctx);

/* Forks `rounds` short-lived workers (ids 1000, 1001, ...) one after the
 * other and SIGKILLs each after a random delay below max_delay_us.  Returns
 * how many died by our SIGKILL; *bad counts workers that failed otherwise. */
int kutil_kill_loop(kutil_seg_t *k, kutil_worker_fn fn, void *ctx, int rounds, unsigned max_delay_us,
                    uint64_t seed, int *bad);
/* SIGKILLs pid and reaps it: whether it died of that SIGKILL. */
int kutil_kill_reap(pid_t pid);
/* Asserts that exactly `expected` processes are attached to k's segment. */
void kutil_assert_attached(kutil_seg_t *k, unsigned expected);
/* Number of set bits of a & ~b over nbits. */
uint64_t kutil_count_andnot(_Atomic uint64_t *a, _Atomic uint64_t *b, uint64_t nbits);

/* Sets bit i; returns its previous value (atomic, shared between processes). */
bool kutil_bit_set(_Atomic uint64_t *bm, uint64_t i);
bool kutil_bit_get(_Atomic uint64_t *bm, uint64_t i);

/* Elements that show a torn copy: the sequence number in the first 8 bytes,
 * then bytes derived from it (size >= 8). */
void kutil_fill(unsigned char *e, uint32_t size, uint64_t seq);
uint64_t kutil_seq_of(const unsigned char *e);
bool kutil_intact(const unsigned char *e, uint32_t size);

/* n times SHMGEN_STRESS_SCALE (a positive number, default 1). */
uint64_t kutil_scale(uint64_t n);
/* xorshift64* step; state must be non-zero. */
uint64_t kutil_rand(uint64_t *state);
/* Spin a little, then yield (for retry loops of workers). */
void kutil_backoff(unsigned *spins);
double kutil_now(void);

#endif
