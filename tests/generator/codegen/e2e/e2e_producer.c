/*
 * SPDX-License-Identifier: MIT
 *
 * e2e_producer.c — creates the e2e segment (schema version 2) and feeds every
 * structure through the generated typed API; e2e_consumer.c, another process,
 * checks what arrives.  Usage: e2e_producer SHM_NAME.  Exit 0 when the
 * consumer's answers are right.
 */
#include <stdio.h>
#include <string.h>

#include "e2e.h"
#include "e2e_common.h"

static void fill_pool(e2e_t *s)
{
    for (uint32_t i = 0; i < JOBS; i++) {
        e2e_jobs_handle_t h = e2e_jobs_acquire(s);
        e2e_job_t *job;
        CHECK(e2e_jobs_handle_valid(h));
        CHECK((job = e2e_jobs_get(s, h)) != NULL);
        job->id = 100 + i;
        job->role = i == 0 ? E2E_ROLE_BOSS : E2E_ROLE_WORKER;
        job->weight = 0.5f * (float)i;
        snprintf(job->label, sizeof job->label, "job-%u", i);
        atomic_store(&job->done, 0);
        CHECK_RC(e2e_handles_set(s, i, &h.raw.bits));
    }
    CHECK(e2e_jobs_num_allocated(s) == JOBS);
}

/* Once the consumer subscribed: EVENTS more through a topic of 4 (block:
 * each publish may wait for it), half in place, then the latest value. */
static void publish_events_and_poses(e2e_t *s)
{
    shmgen_topic_sub_info_t info;
    for (int waited = 0; e2e_events_subscriber_at(s, 0, &info) != 0 && e2e_events_subscriber_at(s, 1, &info) != 0;
         waited++) {
        CHECK(waited < WAIT_MS);
        sleep_ms(1);
    }
    for (uint32_t i = EARLY; i < EARLY + EVENTS; i++) {
        e2e_point_t p = {.x = 1.5 * i, .y = 2.0 * i, .seq = i}, *slot;
        if (i % 2) {
            CHECK_RC(e2e_events_publish_wait(s, &p, WAIT_MS));
            continue;
        }
        CHECK_RC(e2e_events_loan_wait(s, &slot, WAIT_MS));
        *slot = p;
        CHECK_RC(e2e_events_publish(s));
    }
    for (uint32_t v = 1; v <= POSES; v++) {
        e2e_job_t j = {.id = 1000 + v, .role = E2E_ROLE_BOSS, .weight = (float)v};
        snprintf(j.label, sizeof j.label, "pose-%u", v);
        CHECK_RC(e2e_pose_store(s, &j));
    }
    CHECK(e2e_events_published(s) == EARLY + EVENTS && e2e_pose_version(s) == POSES);
}

static void fill_rest(e2e_t *s)
{
    for (uint64_t v = 1; v <= HISTORY; v++) CHECK_RC(e2e_history_push(s, &v));
    for (uint32_t i = 0; i < SAMPLES; i++) {
        e2e_point_t p = {.x = (double)i, .y = -(double)i, .seq = i}, *slot;
        if (i % 2) {
            CHECK_RC(e2e_samples_push(s, &p));
            continue;
        }
        CHECK((slot = e2e_samples_reserve(s)) != NULL); /* zero copy: written in place */
        *slot = p;
        CHECK_RC(e2e_samples_commit(s));
    }
    CHECK(e2e_samples_pushed(s) == SAMPLES && e2e_samples_popped(s) == 0);
    for (uint32_t i = 0; i < EARLY; i++) {
        e2e_point_t p = {.x = 1.5 * i, .seq = i};
        CHECK_RC(e2e_events_publish_copy(s, &p)); /* nobody subscribed: block never waits */
    }
    for (int i = 0; i < BLOBS; i++) {
        e2e_blobs_elem_t b;
        memset(b.v, 'a' + i, sizeof b.v);
        CHECK_RC(e2e_blobs_enqueue(s, &b));
    }
    CHECK(e2e_extra_present(s) && e2e_events_present(s) && e2e_pose_present(s));
    for (uint64_t i = 0; i < e2e_extra_capacity(s); i++) *e2e_extra_at(s, i) = (uint32_t)(i * 11);
    CHECK(e2e_extra_at(s, e2e_extra_capacity(s)) == NULL);
}

int main(int argc, char **argv)
{
    e2e_t *s;
    uint64_t sum = 0, reply = 0;
    CHECK(argc == 2);
    CHECK_RC(e2e_create(argv[1], NULL, &s));
    CHECK(e2e_total_load(s) == -100);
    CHECK(e2e_points_capacity(s) == 8 && e2e_jobs_capacity(s) == 16 && e2e_handles_size(s) == 16);
    fill_pool(s);
    fill_rest(s);
    e2e_ready_store(s, true);
    e2e_phase_store(s, 1);
    /* 1000 points through a queue of 8: both sides block on each other */
    for (uint32_t i = 0; i < POINTS; i++) {
        e2e_point_t p = {.x = i * 0.25, .y = i * 0.5, .seq = i};
        CHECK_RC(e2e_points_enqueue_wait(s, &p, WAIT_MS));
        sum += i;
    }
    CHECK_RC(e2e_replies_dequeue_wait(s, &reply, WAIT_MS));
    CHECK(reply == sum);
    publish_events_and_poses(s);
    wait_phase(s, 2);
    CHECK(e2e_jobs_num_allocated(s) == 0);
    CHECK(e2e_total_load(s) == -100 + POINTS);
    CHECK_RC(e2e_close(s));
    printf("producer: ok\n");
    return 0;
}
