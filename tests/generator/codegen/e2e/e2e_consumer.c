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
    const e2e_point_t *first;
    e2e_blobs_elem_t b;
    for (uint64_t want = HISTORY; want >= 1; want--) CHECK(e2e_history_pop(s, &v) == 0 && v == want);
    CHECK(e2e_history_pop(s, &v) == SHMGEN_EMPTY);
    CHECK(e2e_samples_last_n(s, pts, 3) == 3 && pts[0].seq == 2 && pts[2].seq == 4);
    CHECK((first = e2e_samples_peek(s)) != NULL && first->seq == 0); /* zero copy: read in place */
    CHECK_RC(e2e_samples_release(s));
    CHECK(e2e_samples_pop_bulk(s, pts + 1, SAMPLES - 1) == SAMPLES - 1);
    for (uint32_t i = 1; i < SAMPLES; i++) CHECK(pts[i].seq == i && pts[i].y == -(double)i);
    CHECK(e2e_samples_popped(s) == SAMPLES && e2e_samples_peek(s) == NULL);
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

/* As a late joiner of `events` (history 2): the two early events, then all
 * the others in order, read in place and by copy; the block topic lost none. */
static void check_events(e2e_t *s)
{
    e2e_events_sub_t sub;
    const e2e_point_t *p;
    e2e_point_t copy;
    CHECK_RC(e2e_events_subscribe(s, "checker", &sub));
    CHECK(e2e_events_position(&sub) == 0); /* the history: starts EARLY back */
    for (uint32_t i = 0; i < EARLY + EVENTS; i++) {
        if (i % 3 == 0) {
            CHECK_RC(e2e_events_take_wait(&sub, &copy, WAIT_MS));
            p = &copy;
        } else {
            CHECK_RC(e2e_events_wait(&sub, WAIT_MS));
            CHECK_RC(e2e_events_read(&sub, &p));
        }
        CHECK(p->seq == i && p->x == 1.5 * i);
        if (p != &copy) CHECK(e2e_events_release(&sub) == 0); /* block: never overwritten while read */
    }
    CHECK(e2e_events_position(&sub) == EARLY + EVENTS && e2e_events_lost(&sub) == 0);
    CHECK(e2e_events_take(&sub, &copy) == SHMGEN_EMPTY);
    CHECK_RC(e2e_events_unsubscribe(&sub));
}

/* The latest value: wait until the last store, then it loads whole. */
static void check_pose(e2e_t *s)
{
    uint64_t seen = 0;
    e2e_job_t j;
    while (seen < POSES) {
        CHECK_RC(e2e_pose_wait(s, seen, WAIT_MS));
        CHECK_RC(e2e_pose_load(s, &j, &seen));
        CHECK(j.id == 1000 + seen && j.weight == (float)seen && j.role == E2E_ROLE_BOSS);
    }
    CHECK(strcmp(j.label, "pose-3") == 0 && e2e_pose_version(s) == POSES);
}

/* Against a version-1 segment: `extra` is absent and says so. */
static void check_absent(e2e_t *s)
{
    uint32_t x;
    e2e_point_t p = {.seq = 1}, *slot;
    e2e_events_sub_t sub;
    e2e_job_t j;
    memset(&j, 0, sizeof j);
    CHECK(!e2e_extra_present(s));
    CHECK(e2e_extra_at(s, 0) == NULL && e2e_extra_data(s) == NULL && e2e_extra_capacity(s) == 0);
    CHECK(e2e_extra_get(s, 0, &x) == SHMGEN_STRUCT_MISSING);
    CHECK(e2e_history_capacity(s) == 32);
    CHECK(!e2e_events_present(s) && !e2e_pose_present(s));
    CHECK(e2e_events_publish_copy(s, &p) == SHMGEN_STRUCT_MISSING && e2e_events_published(s) == 0);
    CHECK(e2e_events_loan(s, &slot) == SHMGEN_STRUCT_MISSING && slot == NULL);
    CHECK(e2e_events_subscribe(s, "x", &sub) == SHMGEN_STRUCT_MISSING);
    CHECK(e2e_pose_load(s, &j, NULL) == SHMGEN_STRUCT_MISSING && e2e_pose_version(s) == 0);
    CHECK(e2e_pose_store(s, &j) == SHMGEN_STRUCT_MISSING);
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
        check_events(s);
        check_pose(s);
    }
    e2e_phase_store(s, 2);
    CHECK_RC(e2e_close(s));
    printf("consumer: ok\n");
    return 0;
}
