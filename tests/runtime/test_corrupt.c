/*
 * SPDX-License-Identifier: MIT
 *
 * test_corrupt.c — randomised hostile segments.  A real segment is created,
 * then thousands of times its header, table, name index and structure headers
 * are damaged at random (bit flips, random bytes, interesting 64/32-bit
 * values) and it is opened read-only and read-write.  Every open must return
 * an error code or a handle whose every structure lies inside the mapping;
 * never a crash (this test also runs under ASan+UBSan).  The seed is printed;
 * SHMGEN_CORRUPT_SEED replays a run, SHMGEN_CORRUPT_ITERS changes its length.
 */
#include "test_segment_util.h"

#include <time.h>

TestSuite(corrupt, .fini = tu_cleanup);

typedef struct {
    size_t begin, end;
} region_t;

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64: deterministic per seed, good enough to pick bytes */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t interesting(uint64_t total)
{
    static const uint64_t v[] = {0, 1, 63, 64, 65, 0x7fffffffffffffffull, 0x8000000000000000ull,
                                 UINT64_MAX, UINT64_MAX - 63, 0xffffffffull, 0x100000000ull, 1ull << 62};
    uint64_t pick = rnd() % (sizeof v / sizeof v[0] + 3);
    if (pick == sizeof v / sizeof v[0]) return total;
    if (pick == sizeof v / sizeof v[0] + 1) return total - 64;
    if (pick == sizeof v / sizeof v[0] + 2) return total + 64;
    return v[pick];
}

static void damage(unsigned char *raw, const region_t *regions, size_t nregions, uint64_t total)
{
    unsigned edits = 1 + (unsigned)(rnd() % 4);
    for (unsigned e = 0; e < edits; e++) {
        const region_t *r = &regions[rnd() % nregions];
        size_t at = r->begin + (size_t)(rnd() % (r->end - r->begin));
        switch (rnd() % 4) {
        case 0: raw[at] ^= (unsigned char)(1u << (rnd() % 8)); break;
        case 1: raw[at] = (unsigned char)rnd(); break;
        case 2: {
            uint64_t v = interesting(total);
            at &= ~(size_t)7;
            if (at + 8 <= r->end && at >= r->begin) memcpy(raw + at, &v, 8);
            break;
        }
        default: {
            uint32_t v = (uint32_t)(rnd() % 3 == 0 ? interesting(total) : rnd() % 40);
            at &= ~(size_t)3;
            if (at + 4 <= r->end && at >= r->begin) memcpy(raw + at, &v, 4);
        }
        }
    }
}

/* Touches every byte of every structure an accepted handle reports. */
static uint64_t read_everything(shmgen_segment_t *seg)
{
    shmgen_segment_meta_t m;
    uint64_t sum = 0;
    shmgen_segment_get_meta(seg, &m);
    for (uint32_t i = 0; i < m.nstructs; i++) {
        shmgen_struct_info_t info, found;
        const unsigned char *p;
        cr_assert_eq(shmgen_segment_struct_at(seg, i, &info), 0);
        cr_assert(info.offset + info.size <= m.mapped_size);
        cr_assert_eq(shmgen_segment_find(seg, info.name, &found), 0);
        cr_assert_eq(found.table_index, i);
        p = shmgen_segment_struct_base(seg, &info);
        cr_assert_not_null(p);
        for (uint64_t b = 0; b < info.size; b += 61) sum += p[b];
        sum += p[info.size - 1];
    }
    return sum;
}

static void try_open(const char *name, const shmgen_layout_t *l, int counts[64])
{
    shmgen_open_options_t o = {.timeout_ms = 20};
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_open_readonly(name, &seg);
    cr_assert(rc <= 0 && rc >= SHMGEN_WRONG_KIND, "read-only open returned %d", rc);
    counts[-rc]++;
    if (rc == 0) {
        (void)read_everything(seg);
        cr_assert_eq(shmgen_segment_close(seg), 0);
    }
    rc = shmgen_segment_open(name, rnd() % 2 ? l : NULL, &o, &seg);
    cr_assert(rc <= 0 && rc >= SHMGEN_WRONG_KIND, "open returned %d", rc);
    if (rc == 0) {
        (void)read_everything(seg);
        cr_assert_eq(shmgen_segment_close(seg), 0);
    }
}

Test(corrupt, random_damage_never_crashes, .timeout = 280)
{
    const char *name = tu_name("fuzz");
    const char *env_seed = getenv("SHMGEN_CORRUPT_SEED"), *env_iters = getenv("SHMGEN_CORRUPT_ITERS");
    uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    long iters = env_iters ? atol(env_iters) : 2000;
    shmgen_layout_t l = tu_layout();
    uint64_t offsets[8];
    shmgen_layout_plan_t plan;
    shmgen_segment_t *owner = NULL;
    region_t regions[3 + 8];
    unsigned char *raw, *saved;
    size_t size;
    int counts[64] = {0};

    fprintf(stderr, "test_corrupt: seed 0x%llx (SHMGEN_CORRUPT_SEED to replay), %ld iterations\n",
            (unsigned long long)seed, iters);
    rng_state = seed;
    cr_assert_eq(shmgen_layout_plan(&l, offsets, &plan), 0);
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &owner), 0);
    raw = tu_map_raw(name, &size);
    regions[0] = (region_t){0, SHMGEN_HEADER_BYTES};
    regions[1] = (region_t){plan.table_offset, plan.table_offset + plan.table_size};
    regions[2] = (region_t){plan.index_offset, plan.index_offset + plan.index_size};
    for (int i = 0; i < 8; i++) /* each structure's own header, as its kind's check reads it */
        regions[3 + i] = (region_t){offsets[i], offsets[i] + shmgen_kind_header_bytes(tu_structs[i].kind)};
    saved = malloc(size);
    memcpy(saved, raw, size);
    for (long it = 0; it < iters; it++) {
        for (size_t r = 0; r < sizeof regions / sizeof regions[0]; r++)
            memcpy(raw + regions[r].begin, saved + regions[r].begin, regions[r].end - regions[r].begin);
        damage(raw, regions, sizeof regions / sizeof regions[0], plan.total_size);
        try_open(name, &l, counts);
    }
    for (int c = 0; c < 64; c++)
        if (counts[c]) fprintf(stderr, "  read-only open %-18s %d\n", shmgen_error_name(-c), counts[c]);
    cr_assert_gt(counts[-SHMGEN_CORRUPT], 0, "damage never detected: the test is not biting");
    cr_assert_gt(counts[0], 0, "no damage was harmless: the test only sees one path");
    memcpy(raw, saved, size);
    free(saved);
    munmap(raw, size);
    cr_assert_eq(shmgen_segment_close(owner), 0);
    cr_assert_not(tu_exists(name));
}
