/*
 * SPDX-License-Identifier: MIT
 *
 * e2e_consumer.c — attaches to the segment e2e_producer created and checks
 * every structure through the typed API, then answers.  Usage:
 *   e2e_consumer SHM_NAME        against e2e_producer (schema version 2)
 *   e2e_consumer SHM_NAME old    against e2e_old (version 1): `extra` must be absent
 */
#include <string.h>

#include "e2e.h"
#include "e2e_common.h"

static e2e_t *attach(const char *name)
{
    e2e_t *s = NULL;
    for (int waited = 0;; waited++) {
        int rc = e2e_open(name, NULL, &s);
        if (rc == 0) return s;
        CHECK(rc == SHMGEN_NOT_FOUND && waited < WAIT_MS);
        sleep_ms(1);
    }
}

static void check_pool(e2e_t *s)
{
    for (uint32_t i = 0; i < JOBS; i++) {
        e2e_jobs_handle_t h;
        e2e_job_t *job;
        char label[12];
        CHECK_RC(e2e_handles_get(s, i, &h.raw.bits));
        CHECK((job = e2e_jobs_get(s, h)) != NULL);
        snprintf(label, sizeof label, "job-%u", i);
        CHECK(job->id == 100 + i && strcmp(job->label, label) == 0 && job->weight == 0.5f * (float)i);
        CHECK(job->role == (i == 0 ? E2E_ROLE_BOSS : E2E_ROLE_WORKER));
        CHECK(atomic_fetch_add(&job->done, 1) == 0);
        CHECK_RC(e2e_jobs_adopt(s, h));
        CHECK_RC(e2e_jobs_release(s, h));
        CHECK(e2e_jobs_release(s, h) == SHMGEN_STALE_HANDLE);
        CHECK(e2e_jobs_get(s, h) == NULL);
    }
}

static void check_others(e2e_t *s)
{
    uint64_t v;
    e2e_point_t pts[SAMPLES];
    e2e_blobs_elem_t b;
    for (uint64_t want = HISTORY; want >= 1; want--) CHECK(e2e_history_pop(s, &v) == 0 && v == want);
    CHECK(e2e_history_pop(s, &v) == SHMGEN_EMPTY);
    CHECK(e2e_samples_last_n(s, pts, 3) == 3 && pts[0].seq == 2 && pts[2].seq == 4);
    CHECK(e2e_samples_pop_bulk(s, pts, SAMPLES) == SAMPLES);
    for (uint32_t i = 0; i < SAMPLES; i++) CHECK(pts[i].seq == i && pts[i].y == -(double)i);
    for (int i = 0; i < BLOBS; i++) {
        CHECK_RC(e2e_blobs_dequeue(s, &b));
        CHECK(b.v[0] == 'a' + i && b.v[15] == 'a' + i);
    }
    CHECK(e2e_blobs_dequeue(s, &b) == SHMGEN_EMPTY);
    CHECK(e2e_extra_present(s) && *e2e_extra_at(s, 3) == 33);
    CHECK(e2e_ready_load(s));
}

static uint64_t drain_points(e2e_t *s)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; i < POINTS; i++) {
        e2e_point_t p;
        CHECK_RC(e2e_points_dequeue_wait(s, &p, WAIT_MS));
        CHECK(p.seq == i && p.x == i * 0.25 && p.y == i * 0.5); /* one producer: FIFO order */
        sum += p.seq;
        (void)e2e_total_fetch_add(s, 1);
    }
    return sum;
}

/* Against a version-1 segment: `extra` is absent and says so. */
static void check_absent(e2e_t *s)
{
    uint32_t x;
    CHECK(!e2e_extra_present(s));
    CHECK(e2e_extra_at(s, 0) == NULL && e2e_extra_data(s) == NULL && e2e_extra_capacity(s) == 0);
    CHECK(e2e_extra_get(s, 0, &x) == SHMGEN_STRUCT_MISSING);
    CHECK(e2e_history_capacity(s) == 32);
}

int main(int argc, char **argv)
{
    e2e_t *s;
    uint64_t sum;
    CHECK(argc == 2 || (argc == 3 && strcmp(argv[2], "old") == 0));
    s = attach(argv[1]);
    wait_phase(s, 1);
    if (argc == 3) {
        check_absent(s);
    } else {
        CHECK(e2e_verify(argv[1], stderr) == 0);
        check_pool(s);
        check_others(s);
        sum = drain_points(s);
        CHECK_RC(e2e_replies_enqueue(s, &sum));
    }
    e2e_phase_store(s, 2);
    CHECK_RC(e2e_close(s));
    printf("consumer: ok\n");
    return 0;
}
