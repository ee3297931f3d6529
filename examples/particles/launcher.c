/*
 * SPDX-License-Identifier: MIT
 *
 * launcher.c — runs the particles example: creates the `particles`
 * segment, starts the simulation and the renderer, waits for them
 * (bounded), then checks that the renderer saw only consistent frames, that
 * every pool slot was given back, and that the image it wrote
 * (particles.ppm in the current directory) has the right size and is not
 * blank.
 *
 * Exits 0 when everything checks out, 1 otherwise.  Depends on particles.h,
 * image.h, ex_launch.h.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ex_launch.h"
#include "image.h"
#include "particles.h"

#define IMAGE_PATH "particles.ppm"

/* Checks the PPM the renderer wrote; returns the number of failed checks. */
static int check_image(const char *path)
{
    static uint8_t rgb[IMAGE_WIDTH * IMAGE_HEIGHT * 3];
    char header[sizeof IMAGE_HEADER] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return ex_fail("no image at %s", path);
    struct stat st;
    size_t expected = sizeof IMAGE_HEADER - 1 + sizeof rgb;
    bool ok = fstat(fileno(f), &st) == 0 && (size_t)st.st_size == expected &&
              fread(header, 1, sizeof IMAGE_HEADER - 1, f) == sizeof IMAGE_HEADER - 1 &&
              fread(rgb, 1, sizeof rgb, f) == sizeof rgb;
    fclose(f);
    if (!ok || memcmp(header, IMAGE_HEADER, sizeof IMAGE_HEADER - 1) != 0)
        return ex_fail("%s is not a %dx%d PPM of %zu bytes", path, IMAGE_WIDTH, IMAGE_HEIGHT, expected);
    unsigned lit = 0;
    for (size_t i = 0; i < sizeof rgb; i += 3)
        lit += rgb[i] != IMAGE_BACKGROUND_R || rgb[i + 1] != IMAGE_BACKGROUND_G || rgb[i + 2] != IMAGE_BACKGROUND_B;
    char abs[PATH_MAX];
    printf("[launcher] image: %s (%dx%d, %u lit pixels)\n", realpath(path, abs) ? abs : path, IMAGE_WIDTH,
           IMAGE_HEIGHT, lit);
    return lit >= 200 ? 0 : ex_fail("the image is (nearly) blank: %u lit pixels", lit);
}

static int check_segment(particles_t *seg)
{
    int failures = 0;
    uint32_t frames = particles_frames_rendered_load(seg), torn = particles_torn_frames_load(seg);
    if (frames < 10) failures += ex_fail("only %u frames rendered", frames);
    if (torn != 0) failures += ex_fail("%u inconsistent snapshots passed the seqlock", torn);
    if (particles_particles_num_allocated(seg) != 0 || particles_active_count_load(seg) != 0)
        failures += ex_fail("%llu pool slots still held", (unsigned long long)particles_particles_num_allocated(seg));
    if (particles_frame_load(seg) % 2 != 0) failures += ex_fail("a frame was left half-written");
    return failures;
}

int main(void)
{
    ex_line_buffered();
    char name[96];
    ex_shm_name(name, sizeof name, "particles");
    particles_t *seg;
    int rc = particles_create(name, NULL, &seg);
    if (rc != 0) {
        fprintf(stderr, "create %s: %s\n", name, shmgen_strerror(rc));
        return 1;
    }
    printf("[launcher pid %ld] segment %s created: pool of %llu particles\n", (long)getpid(), name,
           (unsigned long long)particles_particles_capacity(seg));
    (void)unlink(IMAGE_PATH); /* so a stale image cannot pass the check */
    const char *render_args[] = {name, IMAGE_PATH, NULL};
    const char *sim_args[] = {name, NULL};
    ex_proc_t procs[2];
    int failures = 0;
    if (ex_spawn(&procs[0], "particles_renderer", render_args) != 0) failures += ex_fail("cannot start the renderer");
    if (!failures && ex_spawn(&procs[1], "particles_sim", sim_args) != 0) {
        ex_kill(&procs[0]);
        failures += ex_fail("cannot start the simulation");
    }
    if (!failures && ex_wait_all(procs, 2, 30000) != 0) failures += ex_fail("a role process failed or timed out");
    failures += check_segment(seg);
    failures += check_image(IMAGE_PATH);
    (void)particles_close(seg);
    if (failures) {
        printf("particles: FAILED (%d problems)\n", failures);
        return 1;
    }
    printf("particles: OK, every frame consistent, every particle released, image written\n");
    return 0;
}
