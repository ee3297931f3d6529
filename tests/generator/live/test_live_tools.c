/*
 * SPDX-License-Identifier: MIT
 *
 * test_live_tools.c — `shmgen verify`, `inspect` and `list` against live
 * segments this process creates with the runtime from a schema's layout
 * descriptor: match / compatible / breaking verification, inspect output
 * with known fill levels against golden files (pids, uid and names masked),
 * and corrupted segments (targeted and random bytes in header and table)
 * that must give exit 2 — never a crash (these tools also run under
 * ASan/UBSan in the sanitizer build).  --watch: test_inspect_watch.c;
 * hostile names, huge pools, roles, rm: test_hostile_segments.c.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "shmgen/shmgen.h"
#include "shmgen_schema/layout_json.h"
#include "shmgen_schema/model.h"
#include "tool.h"

#define GOLDEN SHMGEN_SOURCE_DIR "/tests/generator/live/golden/"

/* ---- verify ---- */

Test(verify, matching_segment_exit_0_and_attach_count_unchanged, .init = setup, .fini = teardown)
{
    char *schema = write_schema("live.yaml", base_schema), *out = NULL;
    create_segment(base_schema, false);
    cr_assert_eq(attach_count(), 1);
    cr_expect_eq(run2("verify", schema, fx.name, &out, NULL), 0);
    expect_contains(out, "matches");
    cr_expect_null(strstr(out, "mismatch"), "%s", out);
    cr_expect_eq(attach_count(), 1, "verify must not register");
    free(out);
    free(schema);
}

Test(verify, lock_file_works_like_the_yaml, .init = setup, .fini = teardown)
{
    char *schema = write_schema("live.yaml", base_schema), *lock = NULL, *out = NULL;
    const char *args[] = {"layout", schema, "--json", NULL};
    create_segment(base_schema, false);
    cr_assert_eq(tool_run(args, &out, NULL), 0);
    lock = write_schema("live.layout.json", out);
    free(out);
    cr_expect_eq(run2("verify", lock, fx.name, &out, NULL), 0, "%s", out);
    free(out);
    free(lock);
    free(schema);
}

Test(verify, capacity_difference_is_a_note_exit_0, .init = setup, .fini = teardown)
{
    char *schema = variant("cap.yaml", "inbox: {kind: queue, type: vec3, capacity: 8}",
                           "inbox: {kind: queue, type: vec3, capacity: 64}"), *out = NULL;
    create_segment(base_schema, false);
    cr_expect_eq(run2("verify", schema, fx.name, &out, NULL), 0);
    expect_contains(out, "note: structure 'inbox': capacity 8 in the segment, 64 in the schema");
    expect_contains(out, "(with compatible differences)");
    free(out);
    free(schema);
}

Test(verify, newer_schema_with_since_structure_is_compatible, .init = setup, .fini = teardown)
{
    char *text = tool_replace(base_schema, "version: 2", "version: 3"), *newer, *schema, *out = NULL;
    cr_assert_geq(asprintf(&newer, "%s  extra: {kind: stack, type: u32, capacity: 2, since: 3}\n", text), 0);
    schema = write_schema("v3.yaml", newer);
    create_segment(base_schema, false);
    cr_expect_eq(run2("verify", schema, fx.name, &out, NULL), 0, "%s", out);
    expect_contains(out, "note: created from schema version 2; the schema is version 3");
    expect_contains(out, "note: structure 'extra': absent: added in version 3, the segment is version 2");
    free(out);
    free(schema);
    free(newer);
    free(text);
}

Test(verify, breaking_differences_exit_1, .init = setup, .fini = teardown)
{
    char *elem = variant("elem.yaml", "z: f32", "z: f64"), *kind = variant("kind.yaml", "undo: {kind: stack",
                                                                             "undo: {kind: queue");
    char *removed = variant("removed.yaml", "  grid: {kind: array, type: u32, capacity: 10}\n", "");
    char *renamed = variant("renamed.yaml", "segment: live", "segment: other"), *out = NULL;
    create_segment(base_schema, false);
    cr_expect_eq(run2("verify", elem, fx.name, &out, NULL), 1);
    expect_contains(out, "mismatch: structure 'inbox': element type differs: size 12 in the segment, 16 in the schema");
    expect_contains(out, "mismatch: structure 'items': element type differs: layout hash");
    expect_contains(out, "does NOT match");
    free(out);
    cr_expect_eq(run2("verify", kind, fx.name, &out, NULL), 1);
    expect_contains(out, "mismatch: structure 'undo': kind stack in the segment, queue in the schema");
    free(out);
    cr_expect_eq(run2("verify", removed, fx.name, &out, NULL), 1);
    expect_contains(out, "mismatch: structure 'grid': only in the segment");
    free(out);
    cr_expect_eq(run2("verify", renamed, fx.name, &out, NULL), 1);
    expect_contains(out, "mismatch: segment name is 'live' in the segment, 'other' in the schema");
    free(out);
    cr_expect_eq(attach_count(), 1);
    free(elem);
    free(kind);
    free(removed);
    free(renamed);
}

Test(verify, json_document_for_match_mismatch_and_error, .init = setup, .fini = teardown)
{
    char *schema = write_schema("live.yaml", base_schema), *out = NULL;
    char *cap = variant("cap.yaml", "capacity: 8}", "capacity: 64}");
    const char *match[] = {"verify", "--json", schema, fx.name, NULL};
    const char *strict[] = {"verify", "--json", "--strict", cap, fx.name, NULL};
    const char *absent[] = {"verify", schema, "/shmgen-compat-test-no-such-segment", "--json", NULL};
    create_segment(base_schema, false);
    cr_expect_eq(tool_run(match, &out, NULL), 0);
    cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-verify/1' and d['result'] == 'match' and "
                                         "d['exit_code'] == 0 and d['findings'] == [] and not d['strict']"),
                 0, "%s", out);
    free(out);
    cr_expect_eq(tool_run(strict, &out, NULL), 1);
    cr_expect_eq(tool_json_check(out, 0, "d['result'] == 'mismatch' and d['strict'] and "
                                         "{'severity': 'mismatch', 'kind': 'capacity', 'structure': 'inbox', "
                                         "'message': 'capacity 8 in the segment, 64 in the schema (compatible: read "
                                         "from the segment)'} in d['findings']"), 0, "%s", out);
    free(out);
    cr_expect_eq(tool_run(absent, &out, NULL), 2);
    cr_expect_eq(tool_json_check(out, 0, "d['result'] == 'error' and d['error'] == 'NOT_FOUND'"), 0, "%s", out);
    free(out);
    free(cap);
    free(schema);
}

/* A topic's findings have their own kinds in the JSON document. */
Test(verify, json_kinds_of_topic_findings, .init = setup, .fini = teardown)
{
    static const char live[] = "segment: live\nversion: 1\nstructures:\n"
                               "  feed: {kind: topic, type: u64, capacity: 8, subscribers: 2}\n";
    char *schema = write_schema("block.yaml", "segment: live\nversion: 1\nstructures:\n"
                                              "  feed: {kind: topic, type: u64, capacity: 8, subscribers: 3, policy: block}\n");
    const char *args[] = {"verify", "--json", schema, fx.name, NULL};
    char *out = NULL;
    create_segment(live, false);
    cr_expect_eq(tool_run(args, &out, NULL), 1);
    cr_expect_eq(tool_json_check(out, 0, "d['result'] == 'mismatch' and "
                                         "[(f['kind'], f['severity']) for f in d['findings'] if f['structure']] == "
                                         "[('topic-parameter', 'note'), ('topic-policy', 'mismatch')]"),
                 0, "%s", out);
    free(out);
    free(schema);
}

Test(verify, usage_errors_exit_2_and_strict_goes_anywhere, .init = setup, .fini = teardown)
{
    char *schema = write_schema("live.yaml", base_schema), *err = NULL;
    const char *extra[] = {"verify", schema, fx.name, "more", NULL};
    const char *bogus[] = {"verify", "--exact", schema, fx.name, NULL};
    const char *strict[] = {"verify", "--strict", schema, fx.name, NULL};
    create_segment(base_schema, false);
    cr_expect_eq(tool_run(extra, NULL, NULL), 2);
    cr_expect_eq(tool_run(bogus, NULL, &err), 2);
    expect_contains(err, "unknown option '--exact'");
    cr_expect_eq(tool_run(strict, NULL, NULL), 0, "an exact match passes --strict");
    free(err);
    free(schema);
}

Test(verify, errors_exit_2, .init = setup, .fini = teardown)
{
    char *schema = write_schema("live.yaml", base_schema), *bad = write_schema("bad.yaml", "segment: x\nversion: 0\n");
    char *err = NULL;
    cr_expect_eq(run2("verify", schema, "/shmgen-compat-test-no-such-segment", NULL, &err), 2);
    expect_contains(err, "segment does not exist");
    free(err);
    create_segment(base_schema, false);
    cr_expect_eq(run2("verify", bad, fx.name, NULL, &err), 2);
    expect_contains(err, "bad.yaml:");
    free(err);
    free(schema);
    free(bad);
}

/* ---- inspect ---- */

/* Known fill levels: pool 3 allocated, queue 5, stack 2, ring 4 with 2 dropped. */
static void fill_segment(void)
{
    shmgen_struct_info_t info;
    shmgen_queue_t q;
    shmgen_stack_t st;
    shmgen_ring_t r;
    shmgen_pool_t p;
    float v[3] = {1, 2, 3};
    uint64_t u = 9;

    cr_assert_eq(shmgen_segment_find(fx.seg, "items", &info), 0);
    cr_assert_eq(shmgen_pool_bind(&p, fx.seg, &info), 0);
    for (int i = 0; i < 3; i++) cr_assert(shmgen_pool_handle_valid(shmgen_pool_acquire(&p)));
    cr_assert_eq(shmgen_segment_find(fx.seg, "inbox", &info), 0);
    cr_assert_eq(shmgen_queue_bind(&q, fx.seg, &info), 0);
    for (int i = 0; i < 5; i++) cr_assert_eq(shmgen_queue_enqueue(&q, v), 0);
    cr_assert_eq(shmgen_segment_find(fx.seg, "undo", &info), 0);
    cr_assert_eq(shmgen_stack_bind(&st, fx.seg, &info), 0);
    for (int i = 0; i < 2; i++) cr_assert_eq(shmgen_stack_push(&st, &u), 0);
    cr_assert_eq(shmgen_segment_find(fx.seg, "frames", &info), 0);
    cr_assert_eq(shmgen_ring_bind(&r, fx.seg, &info), 0);
    for (uint32_t i = 0; i < 6; i++) cr_assert_geq(shmgen_ring_push_overwrite(&r, &i), 0);
}

/* Output with the segment's name, this process's pid and our uid/gid
 * masked; only the places that print them are rewritten (their digits may
 * occur in sizes). */
static char *masked(const char *text)
{
    static const char *const pid_forms[][2] = {
        {"created by pid %d", "created by pid <PID>"},
        {"pid %d alive", "pid <PID> alive"},
        {"producer pid %d", "producer pid <PID>"},
        {"\"creator_pid\": %d", "\"creator_pid\": <PID>"},
        {"\"pid\": %d,", "\"pid\": <PID>,"},
    };
    char *cur = tool_replace(text, fx.name, "<NAME>"), from[96], *next;
    for (size_t i = 0; i < sizeof pid_forms / sizeof pid_forms[0]; i++) {
        snprintf(from, sizeof from, pid_forms[i][0], (int)getpid());
        next = tool_replace(cur, from, pid_forms[i][1]);
        free(cur);
        cur = next;
    }
    snprintf(from, sizeof from, "owner uid %u gid %u,", (unsigned)geteuid(), (unsigned)getegid());
    next = tool_replace(cur, from, "owner uid <UID> gid <GID>,");
    free(cur);
    snprintf(from, sizeof from, "\"owner_uid\": %u,\n  \"owner_gid\": %u,", (unsigned)geteuid(), (unsigned)getegid());
    cur = tool_replace(next, from, "\"owner_uid\": <UID>,\n  \"owner_gid\": <GID>,");
    free(next);
    return cur;
}

static void check_golden(const char *file, const char *got)
{
    char path[512], *want;
    snprintf(path, sizeof path, GOLDEN "%s", file);
    want = tool_golden(path, got);
    cr_assert_not_null(want, "missing golden file %s (run with SHMGEN_UPDATE_GOLDEN=1)", path);
    cr_expect_str_eq(got, want, "%s differs from the golden file", file);
    free(want);
}

Test(inspect, known_fill_levels_text_and_json, .init = setup, .fini = teardown)
{
    const char *text_args[] = {"inspect", NULL, NULL}, *json_args[] = {"inspect", NULL, "--json", NULL};
    char *out = NULL, *m;
    create_segment(base_schema, false);
    fill_segment();
    text_args[1] = json_args[1] = fx.name;
    cr_assert_eq(tool_run(text_args, &out, NULL), 0);
    m = masked(out);
    check_golden("inspect.txt", m);
    free(m);
    free(out);
    cr_assert_eq(tool_run(json_args, &out, NULL), 0);
    m = masked(out);
    check_golden("inspect.json", m);
    free(m);
    free(out);
    cr_expect_eq(attach_count(), 1, "inspect must not register");
}

/* ---- inspect: topics and latest values ---- */

static const char topics_schema[] =
    "segment: live\n"
    "version: 1\n"
    "types:\n"
    "  scan: {seq: u64, range: f32}\n"
    "structures:\n"
    "  lidar: {kind: topic, type: scan, capacity: 4, subscribers: 4, history: 1}\n"
    "  cmds: {kind: topic, type: u32, capacity: 8, subscribers: 2, policy: block, deadline_ms: 500}\n"
    "  pose: {kind: latest, type: scan}\n";

static void bind_topic(const char *name, shmgen_topic_t *t)
{
    shmgen_struct_info_t info;
    cr_assert_eq(shmgen_segment_find(fx.seg, name, &info), 0);
    cr_assert_eq(shmgen_topic_bind(t, fx.seg, &info), 0);
}

static pid_t dead_pid; /* the subscriber that died, masked in the goldens */

/* A subscriber that subscribes in a child process which then exits: its
 * record stays, held by a dead pid, until a recovery. */
static void subscribe_and_die(shmgen_topic_t *t, const char *name)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        shmgen_segment_t *seg;
        shmgen_struct_info_t info;
        shmgen_topic_t ct;
        shmgen_topic_sub_t sub;
        (void)t;
        if (shmgen_segment_open(fx.name, NULL, NULL, &seg) != 0 || shmgen_segment_find(seg, "lidar", &info) != 0 ||
            shmgen_topic_bind(&ct, seg, &info) != 0 || shmgen_topic_subscribe(&ct, name, &sub) != 0)
            _exit(1);
        _exit(0); /* no unsubscribe, no close: as if killed */
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child could not subscribe");
    dead_pid = pid;
}

/* Overwrites, inside structure `st` of the live segment, the first copy of
 * `from` with `to` (same length): segment bytes no API would write. */
static void scribble(const char *st, const char *from, const char *to)
{
    shmgen_struct_info_t info;
    unsigned char *base, *hit;
    cr_assert_eq(strlen(from), strlen(to));
    cr_assert_eq(shmgen_segment_find(fx.seg, st, &info), 0);
    cr_assert_not_null(base = shmgen_segment_struct_base(fx.seg, &info));
    hit = memmem(base, info.size, from, strlen(from));
    cr_assert_not_null(hit, "'%s' is not in %s", from, st);
    memcpy(hit, to, strlen(to));
}

/* Two live subscribers (one lapped), one dead, a name of hostile bytes; a
 * block topic with no subscriber; a latest value stored three times. */
static void fill_topics(void)
{
    shmgen_topic_t lidar, cmds;
    shmgen_topic_sub_t slam, logger, odd;
    shmgen_struct_info_t info;
    shmgen_latest_t pose;
    uint64_t scan[2] = {0, 0};
    uint32_t cmd = 1;

    bind_topic("lidar", &lidar);
    bind_topic("cmds", &cmds);
    cr_assert_eq(shmgen_topic_subscribe(&lidar, "slam", &slam), 0);
    cr_assert_eq(shmgen_topic_subscribe(&lidar, "logger", &logger), 0);
    subscribe_and_die(&lidar, "crashed");
    cr_assert_eq(shmgen_topic_subscribe(&lidar, "hostile_name_here", &odd), 0);
    /* bytes no API lets through: invalid UTF-8, an escape sequence, a quote, a backslash */
    scribble("lidar", "hostile_name_here", "bad\xff\xfe\x1b[31m\"\\\xc3\x28" "end");
    /* 6 samples through 4 slots: slam keeps up, logger is lapped */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3; i++, scan[0]++) cr_assert_eq(shmgen_topic_publish_copy(&lidar, scan), 0);
        for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_topic_take(&slam, scan), 0, "slam reads everything");
    }
    cr_assert_eq(shmgen_topic_take(&logger, scan), 0, "logger lost 2, reads 1");
    cr_assert_eq(shmgen_topic_lost(&logger), 2);
    cr_assert_eq(shmgen_topic_publish_copy(&cmds, &cmd), 0);
    cr_assert_eq(shmgen_segment_find(fx.seg, "pose", &info), 0);
    cr_assert_eq(shmgen_latest_bind(&pose, fx.seg, &info), 0);
    for (int i = 0; i < 3; i++) cr_assert_eq(shmgen_latest_store(&pose, scan), 0);
}

/* The pids of this run (this process's, the dead subscriber's), masked. */
static char *masked_topics(const char *text)
{
    static const char *const forms[][2] = {
        {"pid %d (", "pid <PID> ("}, {"\"pid\": %d,", "\"pid\": <PID>,"},
        {"pid %d dead", "pid <DEAD> dead"}, {"\"pid\": %d,", "\"pid\": <DEAD>,"},
    };
    char *cur = masked(text);
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char from[64], *next;
        snprintf(from, sizeof from, forms[i][0], (int)(i < 2 ? getpid() : dead_pid));
        next = tool_replace(cur, from, forms[i][1]);
        free(cur);
        cur = next;
    }
    return cur;
}

Test(inspect, topics_show_subscribers_and_latest_its_version, .init = setup, .fini = teardown)
{
    const char *text_args[] = {"inspect", NULL, NULL}, *json_args[] = {"inspect", NULL, "--json", NULL};
    char *out = NULL, *m;
    create_segment(topics_schema, false);
    fill_topics();
    text_args[1] = json_args[1] = fx.name;
    cr_assert_eq(tool_run(text_args, &out, NULL), 0);
    cr_expect(!strchr(out, '\x1b'), "an escape byte of the segment reached the terminal:\n%s", out);
    m = masked_topics(out);
    check_golden("inspect_topics.txt", m);
    free(m);
    free(out);
    cr_assert_eq(tool_run(json_args, &out, NULL), 0);
    cr_expect_eq(tool_json_check(out, 0, "d['structures'][0]['topic']['subscribers'][3]['name'] == "
                                         "'bad\\ufffd\\ufffd\\u001b[31m\"\\\\\\ufffd(end'"), 0,
                 "inspect --json: not valid UTF-8 JSON, or the hostile name is not escaped as expected:\n%s", out);
    m = masked_topics(out);
    check_golden("inspect_topics.json", m);
    free(m);
    free(out);
    cr_expect_eq(attach_count(), 1, "inspect must not register");
}

Test(inspect, absent_segment_exit_2)
{
    const char *args[] = {"inspect", "/shmgen-compat-test-no-such-segment", NULL};
    char *err = NULL;
    cr_expect_eq(tool_run(args, NULL, &err), 2);
    expect_contains(err, "segment does not exist");
    free(err);
}

/* ---- list ---- */

static void write_shm_file(const char *name, const void *data, size_t len)
{
    char path[256];
    int fd;
    snprintf(path, sizeof path, "/dev/shm/%s", name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
}

Test(list, shows_segments_and_skips_garbage_silently, .init = setup, .fini = teardown)
{
    const char *args[] = {"list", NULL}, *json[] = {"list", "--json", NULL};
    char garbage[96], tiny[96], fifo[128], buf[4096], *out = NULL, *err = NULL;
    snprintf(garbage, sizeof garbage, "shmgen-compat-garbage-%d", (int)getpid());
    snprintf(tiny, sizeof tiny, "shmgen-compat-tiny-%d", (int)getpid());
    snprintf(fifo, sizeof fifo, "/dev/shm/shmgen-compat-fifo-%d", (int)getpid());
    srand(7);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)rand();
    write_shm_file(garbage, buf, sizeof buf);
    write_shm_file(tiny, "SHMG", 4);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    create_segment(base_schema, false);

    cr_expect_eq(tool_run(args, &out, &err), 0);
    expect_contains(out, fx.name + 1);
    expect_contains(out, " live ");
    cr_expect_null(strstr(out, garbage), "%s", out);
    cr_expect_null(strstr(out, tiny), "%s", out);
    cr_expect_null(strstr(out, fifo + strlen("/dev/shm/")), "%s", out);
    cr_expect(err && err[0] == '\0', "list prints nothing on stderr: %s", err);
    free(out);
    free(err);
    cr_expect_eq(tool_run(json, &out, NULL), 0);
    expect_contains(out, "\"segment\": \"live\", \"version\": 2");
    free(out);
    unlink(fifo);
    snprintf(fifo, sizeof fifo, "/dev/shm/%s", garbage);
    unlink(fifo);
    snprintf(fifo, sizeof fifo, "/dev/shm/%s", tiny);
    unlink(fifo);
}

/* ---- corrupted segments ---- */

/* Byte offsets of the segment format (docs/segment-format.md). */
#define HDR_MAGIC 0
#define HDR_FORMAT 8
#define HDR_TOTAL_SIZE 24
#define HDR_TABLE_OFFSET 144
#define HDR_TABLE_SIZE 152
#define HDR_OVERHEAD 176
#define HDR_NSTRUCTS 196
#define ENTRY_BYTES 128
#define ENTRY_NAME 0
#define ENTRY_OFFSET 96
#define ENTRY_SIZE 104
#define ENTRY_CAPACITY 80

typedef struct image {
    unsigned char *map; /* writable mapping of the whole object */
    unsigned char *orig;
    size_t len;
    uint64_t table;
    uint64_t first; /* offset of the first structure */
} image_t;

/* A persistent segment with nobody attached, mapped writable for damage. */
static void open_image(image_t *im)
{
    char path[256];
    struct stat st;
    int fd;
    create_segment(base_schema, true);
    fill_segment();
    cr_assert_eq(shmgen_segment_close(fx.seg), 0);
    fx.seg = NULL;
    snprintf(path, sizeof path, "/dev/shm%s", fx.name);
    cr_assert_geq(fd = open(path, O_RDWR), 0);
    cr_assert_eq(fstat(fd, &st), 0);
    im->len = (size_t)st.st_size;
    im->map = mmap(NULL, im->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    cr_assert_neq(im->map, MAP_FAILED);
    im->orig = malloc(im->len);
    memcpy(im->orig, im->map, im->len);
    memcpy(&im->table, im->map + HDR_TABLE_OFFSET, 8);
    memcpy(&im->first, im->map + HDR_OVERHEAD, 8);
    cr_assert_lt(im->first, im->len);
    cr_assert_lt(im->table + 6 * ENTRY_BYTES, im->len);
}

static void close_image(image_t *im)
{
    munmap(im->map, im->len);
    free(im->orig);
}

static void restore(image_t *im)
{
    memcpy(im->map, im->orig, im->len);
}

static void poke64(image_t *im, uint64_t at, uint64_t v)
{
    memcpy(im->map + at, &v, 8);
}

static void poke32(image_t *im, uint64_t at, uint32_t v)
{
    memcpy(im->map + at, &v, 4);
}

/* inspect and verify both: exit 2 when must_fail, else any of 0/1/2 — never a crash. */
static void run_tools(const char *schema, const char *what, bool must_fail)
{
    const char *ins[] = {"inspect", fx.name, NULL}, *insj[] = {"inspect", fx.name, "--json", NULL};
    const char *ver[] = {"verify", schema, fx.name, NULL}, *lst[] = {"list", NULL};
    int a = tool_run(ins, NULL, NULL), b = tool_run(ver, NULL, NULL), c = tool_run(insj, NULL, NULL);
    int d = tool_run(lst, NULL, NULL);
    if (must_fail) {
        cr_expect_eq(a, 2, "inspect on %s: exit %d", what, a);
        cr_expect_eq(b, 2, "verify on %s: exit %d", what, b);
        cr_expect_eq(c, 2, "inspect --json on %s: exit %d", what, c);
    } else {
        cr_expect(a >= 0 && a <= 2, "inspect on %s: status %d (crash?)", what, a);
        cr_expect(b >= 0 && b <= 2, "verify on %s: status %d (crash?)", what, b);
        cr_expect(c >= 0 && c <= 2, "inspect --json on %s: status %d (crash?)", what, c);
    }
    cr_expect_eq(d, 0, "list with %s: exit %d", what, d);
}

Test(corrupt, targeted_damage_exit_2, .init = setup, .fini = teardown, .timeout = 120)
{
    char *schema = write_schema("live.yaml", base_schema);
    image_t im;
    open_image(&im);
    run_tools(schema, "the intact image", false);

    poke64(&im, HDR_MAGIC, 0x1122334455667788ull);
    run_tools(schema, "a bad magic", true);
    restore(&im);
    poke32(&im, HDR_FORMAT, 999);
    run_tools(schema, "a future format version", true);
    restore(&im);
    poke64(&im, HDR_TOTAL_SIZE, UINT64_MAX / 2);
    run_tools(schema, "a total size beyond the object", true);
    restore(&im);
    poke64(&im, HDR_TABLE_OFFSET, im.len - 8);
    run_tools(schema, "a table outside the object", true);
    restore(&im);
    poke64(&im, HDR_TABLE_SIZE, UINT64_MAX - 64);
    run_tools(schema, "a table size that wraps", true);
    restore(&im);
    poke32(&im, HDR_NSTRUCTS, 0xffffffffu);
    run_tools(schema, "a huge structure count", true);
    restore(&im);
    poke64(&im, im.table + ENTRY_BYTES + ENTRY_OFFSET, im.len + 4096);
    run_tools(schema, "a structure offset beyond the object", true);
    restore(&im);
    poke64(&im, im.table + ENTRY_SIZE, UINT64_MAX - 4);
    run_tools(schema, "a structure size that wraps", true);
    restore(&im);
    memset(im.map + im.table + ENTRY_NAME, 'A', 64);
    run_tools(schema, "an unterminated structure name", true);
    restore(&im);
    poke64(&im, im.table + 2 * ENTRY_BYTES + ENTRY_CAPACITY, 1ull << 40);
    run_tools(schema, "a capacity larger than the structure", true);
    restore(&im);
    close_image(&im);
    free(schema);
}

/* A structure's own header damaged: inspect reports it (exit 2) instead of
 * printing a fill level computed from garbage; the others never crash. */
Test(corrupt, damaged_structure_header, .init = setup, .fini = teardown, .timeout = 60)
{
    const char *ins[] = {"inspect", fx.name, NULL};
    char *schema = write_schema("live.yaml", base_schema), *err = NULL;
    uint64_t inbox_offset;
    image_t im;
    open_image(&im);
    memcpy(&inbox_offset, im.map + im.table + ENTRY_BYTES + ENTRY_OFFSET, 8);
    cr_assert_lt(inbox_offset + 64, im.len);
    memset(im.map + inbox_offset, 0xff, 64);
    cr_expect_eq(tool_run(ins, NULL, &err), 2);
    expect_contains(err, "inbox");
    free(err);
    run_tools(schema, "a damaged queue header", false);
    close_image(&im);
    free(schema);
}

Test(corrupt, random_bytes_in_header_and_table_never_crash, .init = setup, .fini = teardown, .timeout = 240)
{
    char *schema = write_schema("live.yaml", base_schema);
    int rounds = getenv("SHMGEN_STRESS_SCALE") ? 20 * atoi(getenv("SHMGEN_STRESS_SCALE")) : 20;
    image_t im;
    open_image(&im);
    srand(12345);
    for (int round = 0; round < rounds; round++) {
        char what[64];
        restore(&im);
        for (int k = 0; k < 9; k++) {
            /* A third each in the header, the table, and the structures (their own headers). */
            uint64_t at = k % 3 == 0   ? (uint64_t)rand() % 512
                          : k % 3 == 1 ? im.table + (uint64_t)rand() % (6 * ENTRY_BYTES)
                                       : im.first + (uint64_t)rand() % (im.len - im.first);
            im.map[at] = (unsigned char)rand();
        }
        snprintf(what, sizeof what, "random damage round %d", round);
        run_tools(schema, what, false);
    }
    restore(&im);
    close_image(&im);
    free(schema);
}
