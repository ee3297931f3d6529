/*
 * SPDX-License-Identifier: MIT
 *
 * sim.c — the simulation role of particles: a fountain.  Every frame it
 * ages and moves the live particles (gravity), releases the pool slots of
 * those that die and acquires slots for newborn ones, keeping `active` (the
 * handles of live particles) and `active_count` up to date.  The frame is
 * published seqlock-style through `frame`: odd while the frame is written,
 * even when it is complete, so the renderer can tell a consistent snapshot.
 *
 * Usage: particles_sim SHM_NAME.  Depends on particles.h, ex_launch.h.
 */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "ex_launch.h"
#include "particles.h"

#define FRAMES 240
#define SPAWN_PER_FRAME 16
#define LIFETIME 125
#define WIDTH 320.0f
#define HEIGHT 240.0f

typedef struct sim {
    particles_t *seg;
    uint64_t *active;  /* the shared array of handle bits */
    uint32_t count;    /* live particles (== active_count) */
    uint64_t rng;
    unsigned born, died, pool_full, peak;
} sim_t;

static particles_particles_handle_t handle_of(uint64_t bits)
{
    particles_particles_handle_t h = {.raw = {.bits = bits}};
    return h;
}

/* A color of the rainbow for hue in [0, 1). */
static uint32_t rainbow(float hue)
{
    float r = 0.5f + 0.5f * cosf(6.2831853f * hue);
    float g = 0.5f + 0.5f * cosf(6.2831853f * (hue - 0.333f));
    float b = 0.5f + 0.5f * cosf(6.2831853f * (hue - 0.667f));
    return (uint32_t)(r * 255) << 16 | (uint32_t)(g * 255) << 8 | (uint32_t)(b * 255);
}

static void spawn(sim_t *s, uint32_t stamp)
{
    for (int i = 0; i < SPAWN_PER_FRAME; i++) {
        particles_particles_handle_t h = particles_particles_acquire(s->seg);
        if (!particles_particles_handle_valid(h)) {
            s->pool_full++;
            return;
        }
        particles_particle_t *p = particles_particles_get(s->seg, h);
        float spread = (float)(ex_rand(&s->rng) % 1000) / 1000.0f - 0.5f;
        float speed = 4.8f + (float)(ex_rand(&s->rng) % 1000) / 1000.0f;
        *p = (particles_particle_t){.pos = {WIDTH / 2, HEIGHT - 12}, .vel = {spread * 2.6f, -speed},
                                    .color = rainbow((float)(stamp % 120) / 120.0f), .stamp = stamp};
        s->active[s->count++] = h.raw.bits;
        s->born++;
    }
}

/* Moves every live particle one frame; releases those that die. */
static int step(sim_t *s, uint32_t stamp)
{
    for (uint32_t i = 0; i < s->count;) {
        particles_particles_handle_t h = handle_of(s->active[i]);
        particles_particle_t *p = particles_particles_get(s->seg, h);
        if (!p) return -1; /* a handle in the active list must be live */
        p->age++;
        p->vel.y += 0.12f;
        p->pos.x += p->vel.x;
        p->pos.y += p->vel.y;
        p->stamp = stamp;
        if (p->age > LIFETIME || p->pos.y > HEIGHT || p->pos.x < 0 || p->pos.x >= WIDTH) {
            if (particles_particles_release(s->seg, h) != 0) return -1;
            s->active[i] = s->active[--s->count]; /* swap-remove keeps the list dense */
            s->died++;
            continue;
        }
        i++;
    }
    return 0;
}

/* One frame between the two increments of the seqlock. */
static int frame(sim_t *s, uint32_t n)
{
    particles_frame_fetch_add(s->seg, 1); /* odd: writing (seq_cst RMW orders the writes after it) */
    int rc = step(s, n);
    if (rc == 0) spawn(s, n);
    particles_active_count_store(s->seg, s->count);
    particles_frame_fetch_add(s->seg, 1); /* even: frame n complete (orders the writes before it) */
    if (s->count > s->peak) s->peak = s->count;
    return rc;
}

/* Lets the renderer take its last image, then frees every particle. */
static int finish(sim_t *s)
{
    particles_running_store(s->seg, false);
    uint64_t deadline = ex_now_ms() + 10000;
    while (!particles_renderer_done_load(s->seg) && ex_now_ms() < deadline) ex_sleep_ms(1);
    particles_frame_fetch_add(s->seg, 1);
    int rc = 0;
    while (s->count > 0 && rc == 0) rc = particles_particles_release(s->seg, handle_of(s->active[--s->count]));
    particles_active_count_store(s->seg, 0);
    particles_frame_fetch_add(s->seg, 1);
    return rc;
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_NAME\n", argv[0]);
        return 2;
    }
    sim_t s = {.rng = 42};
    int rc = particles_open(argv[1], NULL, &s.seg);
    if (rc != 0) {
        fprintf(stderr, "sim: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    s.active = particles_active_data(s.seg);
    for (uint32_t n = 1; n <= FRAMES && rc == 0; n++) {
        rc = frame(&s, n);
        ex_sleep_ms(4);
    }
    unsigned live = s.count;
    if (rc == 0) rc = finish(&s);
    printf("[sim pid %ld] %d frames: %u particles born, %u died, %u alive at the end (peak %u of %llu slots), "
           "pool full %u times; all released\n",
           (long)getpid(), FRAMES, s.born, s.died, live, s.peak,
           (unsigned long long)particles_particles_capacity(s.seg), s.pool_full);
    if (rc != 0) fprintf(stderr, "sim: pool handle error\n");
    return particles_close(s.seg) == 0 && rc == 0 ? 0 : 1;
}
