/*
 * SPDX-License-Identifier: MIT
 *
 * test_corrupt_targeted.c — one hand-picked corruption per test: each must be
 * refused with its specific error code by both the read-write and the
 * read-only open, and the segment must open again once repaired.  Uses the
 * format structs of runtime/src/segment_priv.h to aim at fields.
 */
#include "test_segment_util.h"

#include <stddef.h>

#include "segment_priv.h"

typedef struct {
    const char *name;
    shmgen_segment_t *owner;
    unsigned char *raw, *saved;
    size_t size;
    shmgen__header_t *hdr;
    shmgen__table_entry_t *table;
    uint32_t *index;
} fixture_t;

static fixture_t fx;

static void setup(void)
{
    shmgen_layout_t l = tu_layout();
    fx.name = tu_name("target");
    cr_assert_eq(shmgen_segment_create(fx.name, &l, NULL, &fx.owner), 0);
    fx.raw = tu_map_raw(fx.name, &fx.size);
    fx.saved = malloc(fx.size);
    memcpy(fx.saved, fx.raw, fx.size);
    fx.hdr = (shmgen__header_t *)fx.raw;
    fx.table = (shmgen__table_entry_t *)(fx.raw + fx.hdr->table_offset);
    fx.index = (uint32_t *)(fx.raw + fx.hdr->index_offset);
}

static void teardown(void)
{
    if (fx.owner) (void)shmgen_segment_close(fx.owner);
    if (fx.raw) munmap(fx.raw, fx.size);
    free(fx.saved);
    tu_cleanup();
    memset(&fx, 0, sizeof fx);
}

TestSuite(corrupt_targeted, .init = setup, .fini = teardown);

/* Both opens give `want`; restoring the overhead bytes makes the segment good again. */
static void expect(int want, const char *what)
{
    shmgen_layout_t l = tu_layout();
    shmgen_open_options_t o = {.timeout_ms = 50};
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_open(fx.name, &l, &o, &seg);
    cr_assert_eq(rc, want, "%s: open gave %s (%s)", what, shmgen_error_name(rc), shmgen_segment_last_detail());
    rc = shmgen_segment_open_readonly(fx.name, &seg);
    cr_assert_eq(rc, want, "%s: read-only open gave %s", what, shmgen_error_name(rc));
    memcpy(fx.raw, fx.saved, fx.hdr->overhead);
    for (uint32_t i = 0; i < fx.hdr->nstructs; i++)
        memcpy(fx.raw + fx.table[i].offset, fx.saved + fx.table[i].offset, 64);
    cr_assert_eq(shmgen_segment_open_readonly(fx.name, &seg), 0, "%s: repaired segment refused", what);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(corrupt_targeted, header_fields)
{
    fx.hdr->magic ^= 1;
    expect(SHMGEN_BAD_MAGIC, "magic");
    fx.hdr->format_version = SHMGEN_FORMAT_VERSION + 1;
    expect(SHMGEN_BAD_FORMAT_VERSION, "format version");
    fx.hdr->header_size = 4096;
    expect(SHMGEN_CORRUPT, "header size");
    fx.hdr->total_size = fx.size + 64;
    expect(SHMGEN_TRUNCATED, "total size beyond the object");
    fx.hdr->total_size = UINT64_MAX;
    expect(SHMGEN_TRUNCATED, "total size 2^64-1");
    fx.hdr->total_size = 1024;
    expect(SHMGEN_CORRUPT, "total size below the table");
    fx.hdr->nstructs += 1;
    expect(SHMGEN_CORRUPT, "one structure more than the table");
    fx.hdr->nstructs = UINT32_MAX;
    expect(SHMGEN_CORRUPT, "structure count 2^32-1");
    fx.hdr->table_offset += 64;
    expect(SHMGEN_CORRUPT, "table moved");
    fx.hdr->index_offset = UINT64_MAX - 8;
    expect(SHMGEN_CORRUPT, "index offset near 2^64");
    fx.hdr->index_slots = 1u << 31;
    expect(SHMGEN_CORRUPT, "index slots huge");
    fx.hdr->journal_count = 1000;
    expect(SHMGEN_CORRUPT, "journal count");
    memset(fx.hdr->segment, 'x', sizeof fx.hdr->segment);
    expect(SHMGEN_CORRUPT, "segment name without NUL");
}

Test(corrupt_targeted, table_offsets_and_sizes)
{
    fx.table[2].offset = fx.hdr->total_size + 64;
    expect(SHMGEN_CORRUPT, "offset past the end");
    fx.table[2].offset = UINT64_MAX - 63;
    expect(SHMGEN_CORRUPT, "offset + size wraps");
    fx.table[2].size = UINT64_MAX;
    expect(SHMGEN_CORRUPT, "size 2^64-1");
    fx.table[2].offset += 8;
    expect(SHMGEN_CORRUPT, "misaligned offset");
    fx.table[0].offset = 0;
    expect(SHMGEN_CORRUPT, "structure over the header");
    fx.table[0].offset = fx.hdr->table_offset;
    expect(SHMGEN_CORRUPT, "structure over the table");
    fx.table[3].offset = fx.table[2].offset;
    expect(SHMGEN_CORRUPT, "two structures overlap");
    fx.table[7].size += 64;
    expect(SHMGEN_CORRUPT, "size disagrees with capacity");
}

Test(corrupt_targeted, table_capacity_kind_and_name)
{
    fx.table[0].capacity = 1ull << 62;
    expect(SHMGEN_CORRUPT, "capacity huge");
    fx.table[0].capacity = UINT64_MAX;
    expect(SHMGEN_CORRUPT, "capacity 2^64-1");
    fx.table[0].capacity += 1000;
    expect(SHMGEN_CORRUPT, "capacity larger than the structure");
    fx.table[0].capacity = 0;
    expect(SHMGEN_CORRUPT, "capacity 0");
    fx.table[4].kind = 99;
    expect(SHMGEN_CORRUPT, "unknown kind");
    fx.table[4].elem_align = 3;
    expect(SHMGEN_CORRUPT, "alignment not a power of two");
    fx.table[1].elem_size = 16;
    expect(SHMGEN_CORRUPT, "atomic wider than 8 bytes");
    memset(fx.table[5].name, 'A', sizeof fx.table[5].name);
    expect(SHMGEN_CORRUPT, "name without NUL");
    fx.table[5].name[0] = '\0';
    expect(SHMGEN_CORRUPT, "empty name");
    memcpy(fx.table[5].name, fx.table[6].name, sizeof fx.table[5].name);
    expect(SHMGEN_CORRUPT, "duplicate name");
    fx.table[6].since = 0;
    expect(SHMGEN_CORRUPT, "since 0");
    fx.table[6].since = 4;
    expect(SHMGEN_CORRUPT, "since after the segment's version");
}

static uint32_t first_used_slot(void)
{
    for (uint32_t s = 0; s < fx.hdr->index_slots; s++)
        if (fx.index[s]) return s;
    cr_assert_fail("empty index");
    return 0;
}

Test(corrupt_targeted, name_index)
{
    uint32_t s = first_used_slot();
    fx.index[s] = fx.hdr->nstructs + 5;
    expect(SHMGEN_CORRUPT, "index value past the table");
    fx.index[s] = UINT32_MAX;
    expect(SHMGEN_CORRUPT, "index value 2^32-1");
    fx.index[s] = 0;
    expect(SHMGEN_CORRUPT, "index lost an entry");
    for (uint32_t i = 0; i < fx.hdr->index_slots; i++) fx.index[i] = 1;
    expect(SHMGEN_CORRUPT, "index full of one value (probe cycle)");
    for (uint32_t i = 0; i < fx.hdr->index_slots; i++) fx.index[i] = (i * 2654435761u) % (fx.hdr->nstructs + 1);
    expect(SHMGEN_CORRUPT, "index full of garbage");
    memset(fx.index, 0, fx.hdr->index_slots * 4);
    expect(SHMGEN_CORRUPT, "index empty");
    for (uint32_t i = 1; i < fx.hdr->index_slots; i++) {
        /* An entry starting a probe cluster sits at its home slot; moved one
         * slot earlier (an empty one), its probe chain no longer reaches it. */
        if (fx.index[i] == 0 || fx.index[i - 1] != 0) continue;
        fx.index[i - 1] = fx.index[i];
        fx.index[i] = 0;
        expect(SHMGEN_CORRUPT, "index entry moved before its home slot");
        return;
    }
    cr_assert_fail("no probe cluster start found");
}

Test(corrupt_targeted, structure_headers_and_state)
{
    fx.raw[fx.table[0].offset] ^= 0xff; /* array magic */
    expect(SHMGEN_CORRUPT, "array header");
    fx.raw[fx.table[1].offset + 4] = 4; /* atomic element size */
    expect(SHMGEN_CORRUPT, "atomic header");
    atomic_store(&fx.hdr->state, SHMGEN__STATE_INIT);
    {
        shmgen_layout_t l = tu_layout();
        shmgen_segment_t *seg = NULL;
        /* Not READY and no creator holding the init lock: abandoned, at once. */
        cr_assert_eq(shmgen_segment_open(fx.name, &l, NULL, &seg), SHMGEN_ABANDONED);
        cr_assert_eq(shmgen_segment_open_readonly(fx.name, &seg), SHMGEN_NOT_READY);
        atomic_store(&fx.hdr->state, SHMGEN__STATE_READY);
    }
}

Test(corrupt_targeted, detail_names_the_structure)
{
    shmgen_segment_t *seg = NULL;
    fx.raw[fx.table[0].offset] ^= 0xff;
    cr_assert_eq(shmgen_segment_open_readonly(fx.name, &seg), SHMGEN_CORRUPT);
    cr_assert_str_eq(shmgen_segment_last_detail(), "structure 'collision': its array header is corrupt");
    fx.raw[fx.table[0].offset] ^= 0xff;
    fx.table[2].offset = 1;
    cr_assert_eq(shmgen_segment_open_readonly(fx.name, &seg), SHMGEN_CORRUPT);
    cr_assert_str_eq(shmgen_segment_last_detail(), "table entry 2: offset or size outside the segment");
}

Test(corrupt_targeted, truncated_objects)
{
    int fd = shm_open(fx.name, O_RDWR, 0);
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = NULL;
    cr_assert(fd >= 0);
    /* Drop our mappings first: touching a page past the new end would SIGBUS. */
    munmap(fx.raw, fx.size);
    fx.raw = NULL;
    (void)shmgen_segment_close(fx.owner);
    fx.owner = NULL;
    cr_assert_eq(ftruncate(fd, 4096), 0);
    cr_assert_eq(shmgen_segment_open(fx.name, &l, NULL, &seg), SHMGEN_NOT_FOUND, "last close unlinked it");
    close(fd);
    {
        shmgen_open_options_t keep = {.persistent = true};
        cr_assert_eq(shmgen_segment_create(fx.name, &l, &keep, &seg), 0);
        cr_assert_eq(shmgen_segment_close(seg), 0);
    }
    fd = shm_open(fx.name, O_RDWR, 0);
    cr_assert_eq(ftruncate(fd, 4096), 0);
    cr_assert_eq(shmgen_segment_open(fx.name, &l, NULL, &seg), SHMGEN_TRUNCATED);
    cr_assert_eq(shmgen_segment_open_readonly(fx.name, &seg), SHMGEN_TRUNCATED);
    cr_assert_eq(ftruncate(fd, 100), 0);
    cr_assert_eq(shmgen_segment_open(fx.name, &l, NULL, &seg), SHMGEN_TRUNCATED);
    cr_assert_eq(shmgen_segment_open_readonly(fx.name, &seg), SHMGEN_TRUNCATED);
    close(fd);
}
