/*
 * SPDX-License-Identifier: MIT
 *
 * test_segment_util.h — helpers shared by the segment, array, atomic and
 * corruption tests: unique shm names, a sample layout with every kind, raw
 * access to a shm object (to corrupt it or hand-build one), child processes.
 * Header-only (static functions); depends on the public runtime headers.
 */
#ifndef SHMGEN_TEST_SEGMENT_UTIL_H
#define SHMGEN_TEST_SEGMENT_UTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shmgen/array.h"
#include "shmgen/atomic.h"
#include "shmgen/segment.h"

/* Names handed out in this test process, for tu_cleanup(). */
static char tu_names[64][96];
static unsigned tu_nnames;

/* A name no other test run uses: test tag, pid and a counter. */
static inline const char *tu_name(const char *tag)
{
    char *b = tu_names[tu_nnames % 64];
    snprintf(b, sizeof tu_names[0], "/shmgen_t_%s_%d_%u", tag, (int)getpid(), tu_nnames);
    tu_nnames++;
    return b;
}

/* Criterion .fini: removes every object this test named, so a failed test
 * leaves nothing behind in /dev/shm (a passing one already removed them). */
static inline void tu_cleanup(void)
{
    for (unsigned i = 0; i < tu_nnames && i < 64; i++) (void)shm_unlink(tu_names[i]);
}

/* Every kind once, plus a `since: 3` structure (schema version 3). */
static const shmgen_struct_desc_t tu_structs[] = {
    {"collision", SHMGEN_KIND_ARRAY, 4, 4, 100, 0x1111, 1, 0, 0, 0, 0, 0},
    {"tick", SHMGEN_KIND_ATOMIC, 8, 8, 1, 0x2222, 1, 42, 0, 0, 0, 0},
    {"damage_queue", SHMGEN_KIND_QUEUE, 12, 4, 16, 0x3333, 1, 0, 0, 0, 0, 0},
    {"undo", SHMGEN_KIND_STACK, 8, 8, 8, 0x4444, 1, 0, 0, 0, 0, 0},
    {"frame_stats", SHMGEN_KIND_RING, 16, 8, 32, 0x5555, 1, 0, 0, 0, 0, 0},
    {"monsters", SHMGEN_KIND_POOL, 40, 4, 10, 0x6666, 1, 0, 0, 0, 0, 0},
    {"match_active", SHMGEN_KIND_ATOMIC, 1, 1, 1, 0x7777, 1, 1, 0, 0, 0, 0},
    {"leaderboard", SHMGEN_KIND_ARRAY, 40, 4, 10, 0x6666, 3, 0, 0, 0, 0, 0},
};

static inline shmgen_layout_t tu_layout(void)
{
    shmgen_layout_t l = {"game_server", 3, 0xabcdef, 0, sizeof tu_structs / sizeof tu_structs[0], tu_structs, 0};
    return l;
}

/* Whether the shm object NAME exists. */
static inline bool tu_exists(const char *name)
{
    int fd = shm_open(name, O_RDONLY, 0);
    if (fd < 0) return false;
    close(fd);
    return true;
}

/* Maps the whole object NAME read-write behind the runtime's back; *size out. */
static inline unsigned char *tu_map_raw(const char *name, size_t *size)
{
    struct stat st;
    int fd = shm_open(name, O_RDWR, 0);
    unsigned char *p;
    cr_assert(fd >= 0, "shm_open(%s): %s", name, strerror(errno));
    cr_assert(fstat(fd, &st) == 0);
    p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    cr_assert(p != MAP_FAILED);
    *size = (size_t)st.st_size;
    return p;
}

/* FNV-1a over a byte range (for "nothing changed" checks). */
static inline uint64_t tu_checksum(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Waits for pid and returns its exit status (or 128 + signal). */
static inline int tu_wait(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

#endif /* SHMGEN_TEST_SEGMENT_UTIL_H */
