/*
 * SPDX-License-Identifier: MIT
 *
 * renderer.c — the renderer role of particles: for every frame the
 * simulation completes it takes a consistent snapshot of the live particles
 * (seqlock: read `frame`, copy `active_count`, the active handles and the
 * particles, read `frame` again; retry if it changed or was odd) and draws
 * it as disks on a 320x240 canvas.  Each particle of a snapshot of frame n
 * must carry stamp n: a snapshot that does not is counted in `torn_frames`.
 * When the simulation stops it writes the last frame as a binary PPM.
 *
 * Usage: particles_renderer SHM_NAME OUT.ppm.  Depends on particles.h,
 * image.h, ex_launch.h.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ex_launch.h"
#include "image.h"
#include "particles.h"

#define MAX_PARTICLES 2048

typedef struct snapshot {
    uint64_t frame;
    uint32_t count;
    particles_particle_t p[MAX_PARTICLES];
} snapshot_t;

/* One attempt at copying frame `f1`; false if the simulation interfered. */
static bool try_copy(particles_t *seg, snapshot_t *s, uint64_t f1)
{
    uint32_t n = particles_active_count_load(seg);
    if (n > MAX_PARTICLES) return false;
    const uint64_t *active = particles_active_data(seg);
    for (uint32_t i = 0; i < n; i++) {
        particles_particles_handle_t h = {.raw = {.bits = active[i]}};
        const particles_particle_t *p = particles_particles_get(seg, h);
        if (!p) return false; /* released meanwhile: the frame moved on */
        s->p[i] = *p;
    }
    /* The copies above must be complete before `frame` is read again. */
    atomic_thread_fence(memory_order_acquire);
    if (particles_frame_load(seg) != f1) return false;
    s->frame = f1;
    s->count = n;
    return true;
}

/* Takes a consistent snapshot of a complete frame newer than `after` (or
 * of frame `after` itself once the simulation has stopped); false when none
 * came within a second. */
static bool take_snapshot(particles_t *seg, snapshot_t *s, uint64_t after, unsigned *retries)
{
    uint64_t deadline = ex_now_ms() + 1000;
    while (ex_now_ms() < deadline) {
        bool stopped = !particles_running_load(seg);
        uint64_t f1 = particles_frame_load(seg);
        bool fresh = f1 > after || (stopped && f1 == after);
        if (f1 % 2 == 0 && fresh && try_copy(seg, s, f1)) return true;
        if (f1 % 2 == 1 || fresh) ++*retries; /* the simulation is writing: try again at once */
        else ex_sleep_ms(1);                  /* no new frame yet */
    }
    return false;
}

static void draw(uint8_t *rgb, const snapshot_t *s)
{
    for (int i = 0; i < IMAGE_WIDTH * IMAGE_HEIGHT; i++) {
        rgb[3 * i] = IMAGE_BACKGROUND_R;
        rgb[3 * i + 1] = IMAGE_BACKGROUND_G;
        rgb[3 * i + 2] = IMAGE_BACKGROUND_B;
    }
    for (uint32_t k = 0; k < s->count; k++) {
        int cx = (int)s->p[k].pos.x, cy = (int)s->p[k].pos.y;
        uint32_t c = s->p[k].color;
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                int x = cx + dx, y = cy + dy;
                if (dx * dx + dy * dy > 5 || x < 0 || y < 0 || x >= IMAGE_WIDTH || y >= IMAGE_HEIGHT) continue;
                uint8_t *px = &rgb[3 * (y * IMAGE_WIDTH + x)];
                px[0] = (uint8_t)(c >> 16);
                px[1] = (uint8_t)(c >> 8);
                px[2] = (uint8_t)c;
            }
        }
    }
}

static bool consistent(const snapshot_t *s)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (s->p[i].stamp != s->frame / 2) return false;
    return true;
}

static int write_ppm(const char *path, const uint8_t *rgb)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = sizeof IMAGE_HEADER - 1;
    bool ok = fwrite(IMAGE_HEADER, 1, n, f) == n && fwrite(rgb, 3, IMAGE_WIDTH * IMAGE_HEIGHT, f) == IMAGE_WIDTH * IMAGE_HEIGHT;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    ex_line_buffered();
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHM_NAME OUT.ppm\n", argv[0]);
        return 2;
    }
    particles_t *seg;
    int rc = particles_open(argv[1], NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "renderer: open %s: %s %s\n", argv[1], shmgen_strerror(rc), shmgen_segment_last_detail());
        return 1;
    }
    static snapshot_t snap;
    static uint8_t rgb[IMAGE_WIDTH * IMAGE_HEIGHT * 3];
    unsigned frames = 0, torn = 0, retries = 0, particles_drawn = 0;
    uint64_t last = 0;
    for (;;) {
        bool stopped = !particles_running_load(seg); /* then this is the last frame */
        if (!take_snapshot(seg, &snap, last, &retries)) break;
        if (snap.frame != last) { /* the last frame may be taken twice around the stop */
            frames++;
            particles_drawn += snap.count;
        }
        last = snap.frame;
        torn += !consistent(&snap);
        draw(rgb, &snap);
        particles_frames_rendered_store(seg, frames);
        particles_torn_frames_store(seg, torn);
        if (stopped) break;
    }
    rc = frames > 0 ? write_ppm(argv[2], rgb) : -1;
    particles_renderer_done_store(seg, true);
    printf("[renderer pid %ld] rendered %u frames (%u particles drawn, %u seqlock retries, %u torn); "
           "last frame %llu with %u particles -> %s\n",
           (long)getpid(), frames, particles_drawn, retries, torn, (unsigned long long)snap.frame / 2, snap.count,
           argv[2]);
    return particles_close(seg) == 0 && rc == 0 && torn == 0 ? 0 : 1;
}
