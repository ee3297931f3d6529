/*
 * SPDX-License-Identifier: MIT
 *
 * test_segment.c — single-process behaviour of segments: create/open/close/
 * unlink, exclusivity, metadata, the table and name index, layout matching
 * (mismatches name the structure), `since` structures, read-only attach, and
 * the error table.  Multi-process cases live in test_segment_procs.c.
 */
#include "test_segment_util.h"

#include <sys/statvfs.h>

#include "shmgen/shmgen.h" /* the entry header compiles on its own */

TestSuite(errors, .fini = tu_cleanup);
TestSuite(segment, .fini = tu_cleanup);

static shmgen_segment_t *create_ok(const char *name, const shmgen_layout_t *l, const shmgen_open_options_t *o)
{
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_create(name, l, o, &seg);
    cr_assert_eq(rc, 0, "create: %s (%s)", shmgen_strerror(rc), shmgen_segment_last_detail());
    return seg;
}

Test(errors, names_and_messages)
{
    cr_assert_str_eq(shmgen_error_name(SHMGEN_CORRUPT), "CORRUPT");
    cr_assert_str_eq(shmgen_error_name(0), "OK");
    cr_assert_str_eq(shmgen_error_name(12345), "UNKNOWN");
    cr_assert_str_eq(shmgen_strerror(SHMGEN_FULL), "structure is full");
    cr_assert_str_eq(shmgen_strerror(-999), "unknown error");
    for (int e = 0; e >= SHMGEN_WRONG_KIND; e--) cr_assert_str_neq(shmgen_error_name(e), "UNKNOWN");
}

Test(segment, create_open_close_unlink)
{
    const char *name = tu_name("basic");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *a = create_ok(name, &l, NULL), *b = NULL;
    shmgen_segment_meta_t m;
    unsigned count = 0;

    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &b), 0);
    shmgen_segment_get_meta(b, &m);
    cr_assert_str_eq(m.segment, "game_server");
    cr_assert_eq(m.schema_version, 3);
    cr_assert_eq(m.format_version, SHMGEN_FORMAT_VERSION);
    cr_assert_eq(m.layout_hash, 0xabcdef);
    cr_assert_eq(m.nstructs, 8);
    cr_assert_eq(m.creator_pid, getpid());
    cr_assert_not(m.persistent);
    cr_assert(m.mapped_size >= m.total_size);
    cr_assert_eq(shmgen_segment_attach_count(a, &count), 0);
    cr_assert_eq(count, 2);
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_attach_count(a, &count), 0);
    cr_assert_eq(count, 1);
    cr_assert(tu_exists(name));
    cr_assert_eq(shmgen_segment_close(a), 0);
    cr_assert_not(tu_exists(name), "last close must unlink");
    cr_assert_eq(shmgen_segment_unlink(name), SHMGEN_NOT_FOUND);
    cr_assert_eq(shmgen_segment_close(NULL), 0);
}

Test(segment, plan_offsets_are_the_table_offsets)
{
    const char *name = tu_name("plan");
    shmgen_layout_t l = tu_layout();
    uint64_t offsets[8];
    shmgen_layout_plan_t plan;
    shmgen_segment_t *seg;
    shmgen_segment_meta_t m;

    cr_assert_eq(shmgen_layout_plan(&l, offsets, &plan), 0);
    seg = create_ok(name, &l, NULL);
    shmgen_segment_get_meta(seg, &m);
    cr_assert_eq(m.total_size, plan.total_size);
    for (uint32_t i = 0; i < 8; i++) {
        shmgen_struct_info_t info;
        cr_assert_eq(shmgen_segment_struct_at(seg, i, &info), 0);
        cr_assert_str_eq(info.name, tu_structs[i].name);
        cr_assert_eq(info.offset, offsets[i]);
        cr_assert_eq(info.capacity, tu_structs[i].capacity);
        cr_assert_eq(info.table_index, i);
        cr_assert_eq(shmgen_segment_resolve(seg, i, &info), 0);
        cr_assert_eq(info.offset, offsets[i]);
        cr_assert_not_null(shmgen_segment_struct_base(seg, &info));
    }
    cr_assert_eq(shmgen_segment_struct_at(seg, 8, &(shmgen_struct_info_t){0}), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(segment, exclusive_create_and_missing_open)
{
    const char *name = tu_name("excl");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *a = create_ok(name, &l, NULL), *b = NULL;
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &b), SHMGEN_EXISTS);
    cr_assert_null(b);
    cr_assert_eq(shmgen_segment_close(a), 0);
    cr_assert_eq(shmgen_segment_open(tu_name("never"), &l, NULL, &b), SHMGEN_NOT_FOUND);
    cr_assert_eq(shmgen_segment_open_readonly(tu_name("never"), &b), SHMGEN_NOT_FOUND);
    cr_assert_eq(shmgen_segment_open("a/b", &l, NULL, &b), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_segment_open("", &l, NULL, &b), SHMGEN_INVALID_ARGUMENT);
}

Test(segment, name_without_slash_and_mode)
{
    const char *slashed = tu_name("mode");
    shmgen_layout_t l = tu_layout();
    shmgen_open_options_t o = {.mode = 0640};
    shmgen_segment_t *seg;
    struct stat st;
    int fd;

    seg = create_ok(slashed + 1, &l, &o); /* the runtime adds the leading '/' */
    fd = shm_open(slashed, O_RDONLY, 0);
    cr_assert(fd >= 0);
    cr_assert_eq(fstat(fd, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0640);
    close(fd);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(segment, invalid_layouts_are_refused)
{
    shmgen_struct_desc_t d[2] = {tu_structs[0], tu_structs[0]};
    shmgen_layout_t l = {"dup", 1, 0, 0, 2, d, 0};
    shmgen_segment_t *seg = NULL;
    const char *name = tu_name("inval");

    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), SHMGEN_INVALID_ARGUMENT, "duplicate name");
    cr_assert_str_neq(shmgen_segment_last_detail(), "");
    cr_assert_not(tu_exists(name), "a failed create removes the object");
    d[1].name = "b";
    d[1].since = 2; /* later than the schema version */
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), SHMGEN_INVALID_ARGUMENT);
    d[1].since = 1;
    d[1].capacity = 0;
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), SHMGEN_INVALID_ARGUMENT);
    d[1].capacity = UINT64_MAX / 2;
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), SHMGEN_OVERFLOW);
    l.segment = NULL;
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), SHMGEN_INVALID_ARGUMENT);
    cr_assert_not(tu_exists(name));
}

Test(segment, a_segment_larger_than_shm_fails_cleanly_instead_of_sigbus)
{
    const char *name = tu_name("huge");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = NULL;
    struct statvfs fs;
    cr_assert_eq(statvfs("/dev/shm", &fs), 0);
    /* An unlimited tmpfs would really try to back the size: nothing to test. */
    if (fs.f_blocks == 0) cr_skip_test("/dev/shm has no size limit");
    l.declared_size = ((uint64_t)fs.f_blocks * fs.f_frsize) * 2 + (1u << 20);
    cr_assert_eq(shmgen_segment_create(name, &l, NULL, &seg), SHMGEN_NO_MEMORY);
    cr_assert_null(seg);
    cr_assert_not(tu_exists(name), "the half-made object is removed");
}

Test(segment, persistent_survives_last_close)
{
    const char *name = tu_name("persist");
    shmgen_layout_t l = tu_layout();
    shmgen_open_options_t o = {.persistent = true};
    shmgen_segment_t *seg = create_ok(name, &l, &o);
    shmgen_segment_meta_t m;

    cr_assert_eq(shmgen_segment_close(seg), 0);
    cr_assert(tu_exists(name));
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &seg), 0);
    shmgen_segment_get_meta(seg, &m);
    cr_assert(m.persistent);
    cr_assert_eq(shmgen_segment_close(seg), 0);
    cr_assert(tu_exists(name));
    cr_assert_eq(shmgen_segment_unlink(name), 0);
    cr_assert_not(tu_exists(name));
}

static void expect_mismatch(const char *name, shmgen_struct_desc_t *d, size_t n, int want, const char *detail)
{
    shmgen_layout_t l = {"game_server", 3, 1, 0, n, d, 0};
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_open(name, &l, NULL, &seg);
    cr_assert_eq(rc, want, "got %s (%s)", shmgen_error_name(rc), shmgen_segment_last_detail());
    cr_assert_null(seg);
    cr_assert_str_eq(shmgen_segment_last_detail(), detail);
}

Test(segment, layout_mismatch_names_the_structure)
{
    const char *name = tu_name("mismatch");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = create_ok(name, &l, NULL);
    shmgen_struct_desc_t d[8];
    unsigned count = 0;

    memcpy(d, tu_structs, sizeof d);
    d[2].elem_size = 16;
    expect_mismatch(name, d, 8, SHMGEN_STRUCT_MISMATCH, "structure 'damage_queue': element size 12 in segment, 16 expected");
    memcpy(d, tu_structs, sizeof d);
    d[0].elem_hash = 0x1112;
    expect_mismatch(name, d, 8, SHMGEN_STRUCT_MISMATCH,
                    "structure 'collision': element type hash 0000000000001111 in segment, 0000000000001112 expected");
    memcpy(d, tu_structs, sizeof d);
    d[3].kind = SHMGEN_KIND_QUEUE;
    expect_mismatch(name, d, 8, SHMGEN_STRUCT_MISMATCH, "structure 'undo': kind stack in segment, queue expected");
    memcpy(d, tu_structs, sizeof d);
    d[5].elem_align = 8;
    expect_mismatch(name, d, 8, SHMGEN_STRUCT_MISMATCH, "structure 'monsters': element alignment 4 in segment, 8 expected");
    memcpy(d, tu_structs, sizeof d);
    d[4].name = "frame_stats_v2";
    expect_mismatch(name, d, 8, SHMGEN_STRUCT_MISSING,
                    "structure 'frame_stats_v2': missing from the segment (schema version 3)");
    {
        shmgen_layout_t other = tu_layout();
        other.segment = "other_server";
        cr_assert_eq(shmgen_segment_open(name, &other, NULL, &(shmgen_segment_t *){NULL}), SHMGEN_LAYOUT_MISMATCH);
        cr_assert_str_eq(shmgen_segment_last_detail(), "segment 'game_server' found, 'other_server' expected");
    }
    /* Failed opens leave no attachment behind. */
    cr_assert_eq(shmgen_segment_attach_count(seg, &count), 0);
    cr_assert_eq(count, 1);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(segment, capacity_may_differ_and_since_structures_may_be_absent)
{
    const char *name = tu_name("since");
    shmgen_struct_desc_t old[7], newer[9];
    shmgen_layout_t lo = {"game_server", 2, 7, 0, 7, old, 0}, ln = {"game_server", 4, 8, 0, 9, newer, 0};
    shmgen_segment_t *a, *b = NULL;
    shmgen_struct_info_t info;

    memcpy(old, tu_structs, sizeof old);  /* version 2: no leaderboard */
    memcpy(newer, tu_structs, sizeof tu_structs);
    newer[0].capacity = 5000;             /* capacity changed: compatible */
    newer[8] = (shmgen_struct_desc_t){"late", SHMGEN_KIND_ARRAY, 8, 8, 4, 0x9, 2, 0, 0, 0, 0, 0}; /* since 2 <= 2 */
    a = create_ok(name, &lo, NULL);
    cr_assert_eq(shmgen_segment_open(name, &ln, NULL, &b), SHMGEN_STRUCT_MISSING);
    cr_assert_str_eq(shmgen_segment_last_detail(), "structure 'late': missing from the segment (schema version 2)");
    newer[8].since = 4;
    cr_assert_eq(shmgen_segment_open(name, &ln, NULL, &b), 0, "%s", shmgen_segment_last_detail());
    cr_assert_eq(shmgen_segment_resolve(b, 7, &info), SHMGEN_STRUCT_MISSING);
    cr_assert_eq(shmgen_segment_resolve(b, 8, &info), SHMGEN_STRUCT_MISSING);
    cr_assert_eq(shmgen_segment_resolve(b, 9, &info), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_eq(shmgen_segment_resolve(b, 0, &info), 0);
    cr_assert_eq(info.capacity, 100, "capacity is read from the segment");
    cr_assert_eq(shmgen_segment_find(b, "leaderboard", &info), SHMGEN_STRUCT_MISSING);
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_close(a), 0);
}

Test(segment, open_without_layout_only_checks_the_header)
{
    const char *name = tu_name("nolayout");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *a = create_ok(name, &l, NULL), *b = NULL;
    shmgen_struct_info_t info;
    cr_assert_eq(shmgen_segment_open(name, NULL, NULL, &b), 0);
    cr_assert_eq(shmgen_segment_resolve(b, 0, &info), SHMGEN_OUT_OF_BOUNDS);
    cr_assert_eq(shmgen_segment_find(b, "monsters", &info), 0);
    cr_assert_eq(info.kind, SHMGEN_KIND_POOL);
    cr_assert_eq(info.elem_size, 40);
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_close(a), 0);
}

Test(segment, find_uses_the_index_for_ten_thousand_structures, .timeout = 60)
{
    enum { N = 10000 };
    const char *name = tu_name("many");
    shmgen_struct_desc_t *d = calloc(N, sizeof *d);
    char (*names)[24] = calloc(N, sizeof *names);
    shmgen_layout_t l = {"many", 1, 1, 0, N, d, 0};
    shmgen_segment_t *seg, *ro = NULL;
    shmgen_struct_info_t info;

    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "s%d", i);
        d[i] = (shmgen_struct_desc_t){names[i], SHMGEN_KIND_ARRAY, 4, 4, (uint64_t)(i % 7) + 1, (uint64_t)i, 1, 0, 0, 0, 0, 0};
    }
    seg = create_ok(name, &l, NULL);
    cr_assert_eq(shmgen_segment_open_readonly(name, &ro), 0);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(shmgen_segment_find(ro, names[i], &info), 0, "%s", names[i]);
        cr_assert_eq(info.table_index, (uint32_t)i);
        cr_assert_eq(info.capacity, (uint64_t)(i % 7) + 1);
        cr_assert_eq(info.elem_hash, (uint64_t)i);
    }
    cr_assert_eq(shmgen_segment_find(ro, "s10000", &info), SHMGEN_STRUCT_MISSING);
    cr_assert_eq(shmgen_segment_find(ro, "", &info), SHMGEN_STRUCT_MISSING);
    cr_assert_eq(shmgen_segment_close(ro), 0);
    cr_assert_eq(shmgen_segment_close(seg), 0);
    free(d);
    free(names);
}

Test(segment, readonly_open_changes_nothing)
{
    const char *name = tu_name("ro");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = create_ok(name, &l, NULL), *ro = NULL;
    shmgen_struct_info_t info;
    unsigned before = 0, after = 0, seen = 0;
    size_t size;
    unsigned char *raw = tu_map_raw(name, &size);
    uint64_t sum = tu_checksum(raw, size);

    cr_assert_eq(shmgen_segment_attach_count(seg, &before), 0);
    cr_assert_eq(shmgen_segment_open_readonly(name, &ro), 0);
    cr_assert(shmgen_segment_is_readonly(ro));
    cr_assert_not(shmgen_segment_is_readonly(seg));
    cr_assert_eq(shmgen_segment_attach_count(ro, &seen), 0);
    cr_assert_eq(seen, 1, "read-only handles see the writer's lock");
    cr_assert_eq(shmgen_segment_find(ro, "tick", &info), 0);
    cr_assert_eq(shmgen_segment_recover(ro), SHMGEN_READ_ONLY);
    cr_assert_eq(shmgen_segment_attach_count(seg, &after), 0);
    cr_assert_eq(before, after);
    cr_assert_eq(tu_checksum(raw, size), sum, "read-only open wrote to the segment");
    cr_assert_eq(shmgen_segment_close(ro), 0);
    cr_assert_eq(tu_checksum(raw, size), sum, "read-only close wrote to the segment");
    cr_assert(tu_exists(name), "read-only close never unlinks");
    munmap(raw, size);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

/* The descriptor form judges exactly the object the caller opened: a
 * segment validates, a FIFO (opened without blocking) is refused by its type,
 * and the caller's descriptor stays open and usable. */
Test(segment, readonly_open_of_a_descriptor)
{
    const char *name = tu_name("rofd");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *seg = create_ok(name, &l, NULL), *ro = NULL;
    shmgen_segment_meta_t meta;
    char path[128];
    struct stat st;
    int fd;
    snprintf(path, sizeof path, "/dev/shm%s", name);
    cr_assert_geq(fd = open(path, O_RDONLY | O_NONBLOCK), 0);
    cr_assert_eq(shmgen_segment_open_readonly_fd(fd, name, &ro), 0, "%s", shmgen_segment_last_detail());
    shmgen_segment_get_meta(ro, &meta);
    cr_assert_str_eq(meta.segment, "game_server");
    cr_assert_eq(meta.mode, 0600);
    cr_assert_eq(meta.owner_uid, geteuid());
    cr_assert_eq(shmgen_segment_close(ro), 0);
    cr_assert_eq(fstat(fd, &st), 0, "the caller's descriptor is still open");
    cr_assert_eq(shmgen_segment_open_readonly_fd(-1, name, &ro), SHMGEN_INVALID_ARGUMENT);
    cr_assert_eq(shmgen_segment_open_readonly_fd(fd, "a/b", &ro), SHMGEN_INVALID_ARGUMENT);
    close(fd);
    snprintf(path, sizeof path, "/dev/shm%s", tu_name("rofifo"));
    cr_assert_eq(mkfifo(path, 0600), 0);
    cr_assert_geq(fd = open(path, O_RDONLY | O_NONBLOCK), 0);
    cr_assert_eq(shmgen_segment_open_readonly_fd(fd, path + 8, &ro), SHMGEN_BAD_MAGIC);
    cr_assert_null(ro);
    cr_assert(strstr(shmgen_segment_last_detail(), "not a regular file"), "%s", shmgen_segment_last_detail());
    close(fd);
    unlink(path);
    cr_assert_eq(shmgen_segment_close(seg), 0);
}

Test(segment, registry_full_is_an_error_not_a_hang, .timeout = 60)
{
    const char *name = tu_name("full");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *h[SHMGEN_MAX_PROCESSES], *extra = NULL;
    unsigned count = 0;

    h[0] = create_ok(name, &l, NULL);
    /* Every handle holds its own slot, like a process would. */
    for (int i = 1; i < SHMGEN_MAX_PROCESSES; i++) cr_assert_eq(shmgen_segment_open(name, &l, NULL, &h[i]), 0, "%d", i);
    cr_assert_eq(shmgen_segment_attach_count(h[0], &count), 0);
    cr_assert_eq(count, SHMGEN_MAX_PROCESSES);
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &extra), SHMGEN_TOO_MANY_PROCESSES);
    cr_assert_eq(shmgen_segment_close(h[5]), 0);
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &h[5]), 0, "a freed slot is reused");
    for (int i = SHMGEN_MAX_PROCESSES - 1; i >= 0; i--) cr_assert_eq(shmgen_segment_close(h[i]), 0);
    cr_assert_not(tu_exists(name));
}

static void count_visit(pid_t pid, bool alive, void *ctx)
{
    cr_assert_eq(pid, getpid());
    cr_assert(alive);
    (*(int *)ctx)++;
}

Test(segment, visit_processes_lists_attachers)
{
    const char *name = tu_name("visit");
    shmgen_layout_t l = tu_layout();
    shmgen_segment_t *a = create_ok(name, &l, NULL), *b = NULL;
    int n = 0;
    cr_assert_eq(shmgen_segment_open(name, &l, NULL, &b), 0);
    cr_assert_eq(shmgen_segment_visit_processes(a, count_visit, &n), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_close(a), 0);
}
