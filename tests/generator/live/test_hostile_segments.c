/*
 * SPDX-License-Identifier: MIT
 *
 * test_hostile_segments.c — the read-only tools against segments nobody
 * checked: names and structure names holding invalid UTF-8 and terminal
 * escapes (every JSON output must parse as UTF-8 JSON, the text outputs carry
 * no escape), a sparse segment declaring a 1 GiB pool (inspect must touch a
 * bounded number of pages: measured with the child's rusage), the roles
 * inspect names (a ring's producer and consumer, with /proc names), owner and
 * mode in list, list --stale, objects list must skip without blocking
 * (FIFO, symlink, directory), and `shmgen rm`.  Depends on fixture.h, tool.h,
 * the runtime, python3 (JSON checks).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "shmgen_schema/model.h"
#include "tool.h"

extern char **environ;

/* Neither an escape (0x1b) nor a byte that is never UTF-8 (0xfe, 0xff). */
static void expect_clean_text(const char *text, const char *what)
{
    cr_expect(text && !strchr(text, '\033') && !strchr(text, '\xff') && !strchr(text, '\xfe'),
              "%s: raw hostile bytes in the output:\n%s", what, text);
}

static int run1(const char *a, const char *b, const char *c, char **out)
{
    const char *args[] = {a, b, c, NULL};
    return tool_run(args, out, NULL);
}

/* ---- invalid UTF-8 and escapes in every name ---- */

Test(hostile, names_with_invalid_utf8_give_valid_json_and_clean_text, .init = setup, .fini = teardown)
{
    static const shmgen_struct_desc_t structs[] = {
        {"frames\xc3(\x1b[2J", SHMGEN_KIND_RING, 4, 4, 4, 0x1234, 1, 0, 0, 0, 0, 0},
        {"slots\xe2\x82\x01", SHMGEN_KIND_POOL, 8, 8, 4, 0x5678, 1, 0, 0, 0, 0, 0},
        {"tick\xf0\x9f\xff", SHMGEN_KIND_ATOMIC, 8, 8, 1, 0x9abc, 1, 0, 0, 0, 0, 0},
    };
    shmgen_layout_t layout = {"seg\xff\x1b[31m", 1, 1, 0, 3, structs, 0};
    char *schema = write_schema("live.yaml", base_schema), *out = NULL;
    snprintf(fx.name, sizeof fx.name, "/shmgen-compat-test-%d-\xc3(\xff\x1b[2J", (int)getpid());
    cr_assert_eq(shmgen_segment_create(fx.name, &layout, NULL, &fx.seg), 0, "%s", shmgen_segment_last_detail());

    cr_expect_eq(run1("inspect", fx.name, "--json", &out), 0);
    cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-inspect/1' and d['segment'] == 'seg\\ufffd\\u001b[31m'"
                                         " and d['structures'][0]['name'] == 'frames\\ufffd(\\u001b[2J'"
                                         " and d['structures'][1]['name'] == 'slots\\ufffd\\ufffd\\u0001'"),
                 0, "%s", out);
    free(out);
    cr_expect_eq(run1("inspect", fx.name, NULL, &out), 0);
    expect_clean_text(out, "inspect");
    expect_contains(out, "frames?(?[2J");
    free(out);
    cr_expect_eq(run1("list", "--json", NULL, &out), 0);
    cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-list/1' and any(s['segment'] == "
                                         "'seg\\ufffd\\u001b[31m' for s in d['segments'])"), 0, "%s", out);
    free(out);
    cr_expect_eq(run1("list", NULL, NULL, &out), 0);
    expect_clean_text(out, "list");
    free(out);
    cr_expect_eq(run2("verify", schema, fx.name, &out, NULL), 1, "%s", out);
    expect_clean_text(out, "verify");
    free(out);
    {
        const char *args[] = {"verify", "--json", schema, fx.name, NULL};
        cr_expect_eq(tool_run(args, &out, NULL), 1);
        cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-verify/1' and d['result'] == 'mismatch' and "
                                             "any(f['kind'] == 'extra' for f in d['findings'])"), 0, "%s", out);
        free(out);
    }
    free(schema);
}

/* ---- a huge sparse pool: bounded work ---- */

/* Runs `shmgen inspect NAME --json` into out_path; its status, max RSS (KiB)
 * and minor page faults.  Killed (and reported as signal) after 60 s: a hang
 * guard, not a speed assertion. */
static int inspect_measured(const char *out_path, struct rusage *ru)
{
    const char *argv[] = {SHMGEN_EXE, "inspect", fx.name, "--json", NULL};
    struct timespec tick = {0, 10 * 1000 * 1000};
    posix_spawn_file_actions_t fa;
    int status = -1;
    pid_t pid, got = 0;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cr_assert_eq(posix_spawn(&pid, SHMGEN_EXE, &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 6000 && got == 0; i++) {
        got = wait4(pid, &status, WNOHANG, ru);
        if (got == 0) nanosleep(&tick, NULL);
    }
    if (got == 0) {
        kill(pid, SIGKILL);
        cr_assert_eq(wait4(pid, &status, 0, ru), pid);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

/* Bytes of memory the object holds (its allocated blocks). */
static long long allocated(const char *shm_name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "/dev/shm%s", shm_name);
    cr_assert_eq(stat(path, &st), 0);
    return (long long)st.st_blocks * 512;
}

/* A 1 GiB pool (2^26 slots of 16 bytes) whose slots are punched out after
 * creation: only the header pages hold memory, every slot reads free; and a
 * small pool with 3 slots held.  0 or the step that failed.  Run in a child
 * process: the 1 GiB the creation touches must not count in this process's
 * peak RSS, which a spawned child inherits as its starting peak. */
static int sparse_pool_steps(void)
{
    static const char schema[] = "segment: sparse\nversion: 1\nstructures:\n"
                                 "  big: {kind: pool, type: u64, capacity: 67108864}\n"
                                 "  small: {kind: pool, type: u64, capacity: 8}\n";
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load_buffer("sparse.yaml", schema, sizeof schema - 1, &d);
    shmgen_open_options_t opts = {.persistent = true};
    shmgen_struct_desc_t *descs = NULL;
    shmgen_struct_info_t big, small;
    shmgen_segment_t *seg;
    shmgen_layout_t layout;
    shmgen_pool_t p;
    char path[256];
    uint64_t from, to;
    int fd;
    if (!s || shmgen_schema_runtime_layout(s, &layout, &descs) != 0) return 1;
    if (shmgen_segment_create(fx.name, &layout, &opts, &seg) != 0) return 2;
    if (shmgen_segment_find(seg, "big", &big) != 0 || shmgen_segment_find(seg, "small", &small) != 0) return 3;
    if (shmgen_pool_bind(&p, seg, &small) != 0) return 4;
    for (int i = 0; i < 3; i++)
        if (!shmgen_pool_handle_valid(shmgen_pool_acquire(&p))) return 5;
    if (shmgen_segment_close(seg) != 0) return 6;
    from = (big.offset + 256 + 4095) & ~(uint64_t)4095;
    to = (big.offset + big.size) & ~(uint64_t)4095;
    snprintf(path, sizeof path, "/dev/shm%s", fx.name);
    if ((fd = open(path, O_RDWR)) < 0) return 7;
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from)) != 0) return 8;
    close(fd);
    return 0;
}

static void make_sparse_pool(void)
{
    int status;
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) _exit(sparse_pool_steps());
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "making the sparse segment failed: status %d", status);
}

Test(hostile, a_sparse_1gib_pool_is_sampled_not_paged_in, .init = setup, .fini = teardown, .timeout = 240)
{
    char out_path[512], *out;
    struct rusage ru;
    make_sparse_pool();
    cr_assert_lt(allocated(fx.name), 64ll << 20, "the segment is sparse before inspect");
    snprintf(out_path, sizeof out_path, "%s/inspect.json", fx.dir);
    cr_assert_eq(inspect_measured(out_path, &ru), 0);
    out = tool_read_file(out_path);
    cr_log_info("inspect of a 1 GiB sparse pool: max RSS %ld KiB, %ld minor faults", ru.ru_maxrss, ru.ru_minflt);
    /* Touching every page would be 262,144 faults and 1 GiB resident. */
    cr_expect_lt(ru.ru_minflt, 60000, "minor faults: %ld", ru.ru_minflt);
    cr_expect_lt(ru.ru_maxrss, 256 * 1024, "max RSS: %ld KiB", ru.ru_maxrss);
    cr_expect_lt(allocated(fx.name), 64ll << 20, "inspect must not page the segment in");
    cr_expect_eq(tool_json_check(out, 0, "d['structures'][0]['fill'] == 0 and not d['structures'][0]['fill_exact']"
                                         " and d['structures'][1]['fill'] == 3 and d['structures'][1]['fill_exact']"),
                 0, "%s", out);
    free(out);
    cr_expect_eq(run1("inspect", fx.name, NULL, &out), 0);
    expect_contains(out, "~0/67108864");
    expect_contains(out, "~: estimated from evenly spaced slots");
    free(out);
}

/* ---- roles ---- */

/* /proc/PID/comm without its newline. */
static const char *read_comm(pid_t pid, char buf[17])
{
    char path[64], *text;
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    text = tool_read_file(path);
    snprintf(buf, 17, "%s", text ? text : "");
    buf[strcspn(buf, "\n")] = '\0';
    free(text);
    return buf;
}

/* A child that attaches, pops one element (so it owns the consumer side),
 * names itself with an escape in its name, then waits for a byte on `go`. */
static pid_t start_consumer(int go)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        shmgen_segment_t *seg;
        shmgen_struct_info_t info;
        shmgen_ring_t r;
        uint32_t v;
        char c;
        int ok = shmgen_segment_open(fx.name, NULL, NULL, &seg) == 0 &&
                 shmgen_segment_find(seg, "frames", &info) == 0 && shmgen_ring_bind(&r, seg, &info) == 0 &&
                 shmgen_ring_pop(&r, &v) == 0;
        prctl(PR_SET_NAME, "eat\x1b[1mer", 0, 0, 0);
        if (read(go, &c, 1) != 1) ok = 0;
        _exit(ok ? 0 : 1); /* without closing: the consumer's owner token stays, its process gone */
    }
    return pid;
}

Test(hostile, inspect_names_ring_producer_and_consumer, .init = setup, .fini = teardown)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    shmgen_struct_info_t info;
    shmgen_ring_t r;
    char *out = NULL, expr[512];
    int go[2], status;
    uint32_t v = 1;
    pid_t child;
    create_segment(base_schema, false);
    cr_assert_eq(shmgen_segment_find(fx.seg, "frames", &info), 0);
    cr_assert_eq(shmgen_ring_bind(&r, fx.seg, &info), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(shmgen_ring_push(&r, &v), 0);
    cr_assert_eq(pipe(go), 0);
    child = start_consumer(go[0]);
    /* The child owns the consumer side once it popped (no timing assumed). */
    for (int i = 0; i < 3000 && shmgen_ring_size(&r) != 1; i++) nanosleep(&tick, NULL);
    cr_assert_eq(shmgen_ring_size(&r), 1);
    for (int i = 0; i < 300; i++) { /* its name is set right after the pop */
        char comm[17];
        if (strcmp(read_comm(child, comm), "eat\x1b[1mer") == 0) break;
        nanosleep(&tick, NULL);
    }
    cr_expect_eq(run1("inspect", fx.name, "--json", &out), 0);
    snprintf(expr, sizeof expr,
             "d['structures'][3]['roles'] == [{'role': 'producer', 'pid': %d, 'process': 'test_hostile_se', "
             "'attached': True}, {'role': 'consumer', 'pid': %d, 'process': 'eat\\u001b[1mer', 'attached': True}]",
             (int)getpid(), (int)child);
    cr_expect_eq(tool_json_check(out, 0, expr), 0, "%s", out);
    free(out);
    cr_expect_eq(run1("inspect", fx.name, NULL, &out), 0);
    expect_clean_text(out, "inspect roles");
    snprintf(expr, sizeof expr, "consumer pid %d (eat?[1mer)", (int)child);
    expect_contains(out, expr);
    free(out);
    cr_assert_eq(write(go[1], "x", 1), 1);
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_expect_eq(run1("inspect", fx.name, NULL, &out), 0);
    snprintf(expr, sizeof expr, "consumer pid %d (?, not attached)", (int)child);
    expect_contains(out, expr);
    free(out);
    close(go[0]);
    close(go[1]);
}

/* ---- list: owner, mode, stale, objects it must skip ---- */

static char *shm_path(const char *fmt)
{
    char *p = NULL;
    cr_assert_geq(asprintf(&p, fmt, "/dev/shm/shmgen-compat-test", (int)getpid()), 0);
    return p;
}

Test(hostile, list_shows_owner_and_mode_and_stale_segments, .init = setup, .fini = teardown)
{
    char stale[80], *out = NULL, expr[512];
    shmgen_segment_t *attached;
    snprintf(stale, sizeof stale, "%.60s", fx.name);
    create_segment(base_schema, true); /* persistent, then left without attachers */
    cr_assert_eq(shmgen_segment_close(fx.seg), 0);
    snprintf(fx.name, sizeof fx.name, "%s-attached", stale);
    create_segment(base_schema, false);
    attached = fx.seg;
    snprintf(expr, sizeof expr,
             "[(s['owner_uid'], s['mode'], s['attach_count']) for s in d['segments'] if s['name'] in ('%s', '%s')]"
             " == [(%u, '0600', 0), (%u, '0600', 1)]", stale, fx.name, (unsigned)geteuid(), (unsigned)geteuid());
    cr_expect_eq(run1("list", "--json", NULL, &out), 0);
    cr_expect_eq(tool_json_check(out, 0, expr), 0, "%s", out);
    free(out);
    cr_expect_eq(run1("list", "--stale", NULL, &out), 0);
    expect_contains(out, stale + 1);
    cr_expect_null(strstr(out, fx.name + 1), "an attached segment is not stale:\n%s", out);
    expect_contains(out, " 0600 ");
    free(out);
    fx.seg = attached;
    cr_expect_eq(shmgen_segment_unlink(stale), 0);
}

/* A FIFO (opening it for reading would block), a symlink to a segment (not
 * followed: the object is the link) and a directory: skipped, at once. */
Test(hostile, list_skips_fifos_links_and_directories_without_blocking, .init = setup, .fini = teardown, .timeout = 60)
{
    char *fifo = shm_path("%s-fifo-%d"), *link = shm_path("%s-link-%d"), *dir = shm_path("%s-dir-%d"), *target;
    char *out = NULL;
    create_segment(base_schema, false);
    cr_assert_geq(asprintf(&target, "/dev/shm%s", fx.name), 0);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(symlink(target, link), 0);
    cr_assert_eq(mkdir(dir, 0700), 0);
    cr_expect_eq(run1("list", "--json", NULL, &out), 0);
    cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-list/1'"), 0, "%s", out);
    cr_expect_null(strstr(out, "-fifo-"), "%s", out);
    cr_expect_null(strstr(out, "-link-"), "%s", out);
    cr_expect_null(strstr(out, "-dir-"), "%s", out);
    expect_contains(out, fx.name);
    free(out);
    unlink(fifo), unlink(link), rmdir(dir);
    free(fifo), free(link), free(dir), free(target);
}

/* ---- rm ---- */

static bool exists(const char *shm_name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "/dev/shm%s", shm_name);
    return lstat(path, &st) == 0;
}

Test(hostile, rm_refuses_attached_and_foreign_objects_unless_forced, .init = setup, .fini = teardown, .timeout = 60)
{
    char *fifo = shm_path("%s-rmfifo-%d"), *garbage = shm_path("%s-rmgarbage-%d"), *before, *after, path[256];
    char *err = NULL;
    const char *rm[] = {"rm", fx.name, NULL}, *force[] = {"rm", "--force", fx.name, NULL};
    const char *rm_fifo[] = {"rm", fifo + strlen("/dev/shm"), NULL}, *rm_garbage[] = {"rm", garbage + 8, NULL};
    const char *force_garbage[] = {"rm", "-f", garbage + 8, NULL};
    FILE *f;
    create_segment(base_schema, false);
    snprintf(path, sizeof path, "/dev/shm%s", fx.name);
    before = tool_read_file(path);
    cr_expect_eq(tool_run(rm, NULL, &err), 2);
    expect_contains(err, "1 live process is attached; not removed");
    free(err);
    after = tool_read_file(path);
    cr_expect(exists(fx.name) && memcmp(before, after, 4096) == 0, "a refused rm changes nothing");
    cr_expect_eq(attach_count(), 1, "rm never registers");
    cr_expect_eq(tool_run(force, NULL, NULL), 0);
    cr_expect(!exists(fx.name), "rm --force removes an attached segment");
    free(before), free(after);

    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_expect_eq(tool_run(rm_fifo, NULL, &err), 2, "a FIFO is refused (without blocking)");
    expect_contains(err, "not a readable shmgen segment");
    free(err);
    cr_expect(exists(fifo + 8));
    cr_assert_not_null(f = fopen(garbage, "w"));
    fputs("not a segment at all, but long enough to be looked at ...", f);
    fclose(f);
    cr_expect_eq(tool_run(rm_garbage, NULL, NULL), 2);
    cr_expect(exists(garbage + 8));
    cr_expect_eq(tool_run(force_garbage, NULL, NULL), 0);
    cr_expect(!exists(garbage + 8));
    unlink(fifo);
    free(fifo), free(garbage);
}

Test(hostile, rm_removes_a_stale_segment_and_reports_an_absent_one, .init = setup, .fini = teardown)
{
    const char *rm[] = {"rm", fx.name, NULL};
    char *err = NULL;
    create_segment(base_schema, true);
    cr_assert_eq(shmgen_segment_close(fx.seg), 0);
    fx.seg = NULL;
    cr_expect_eq(tool_run(rm, NULL, &err), 0, "%s", err);
    cr_expect(!exists(fx.name));
    free(err);
    cr_expect_eq(tool_run(rm, NULL, &err), 2);
    expect_contains(err, "segment does not exist");
    free(err);
}
