/*
 * SPDX-License-Identifier: MIT
 *
 * test_hostile.c — a segment name, a lock byte or a segment owner that a
 * stranger controls: nothing waits forever, nothing is attached silently.
 *
 * - a FIFO planted at the segment's name is refused at once by every open
 *   (it used to block in the kernel's open until a writer came);
 * - a lock byte held by another process (stopped, or hostile) makes opens,
 *   recoveries and closes return within their timeout, naming the lock;
 * - a segment created first by someone else (another uid, or wider
 *   permission bits than requested) is refused with SHMGEN_PERMISSION, unless
 *   the options trust that owner; the refusal's detail names owner and mode;
 * - names that are not one path component are refused;
 * - a create that cannot get its memory says how much it needed.
 * Depends on the public runtime API and the segment format's lock offsets.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shmgen/shmgen.h"

static const shmgen_struct_desc_t descs[] = {{"c", SHMGEN_KIND_ATOMIC, 8, 8, 1, 1, 1, 0, 0, 0, 0, 0}};
static const shmgen_layout_t layout = {"hostile", 1, 0x1234, 0, 1, descs, 0};
static char name[64], path[96];

static void setup(void)
{
    snprintf(name, sizeof name, "/shmgen_hostile_%d", (int)getpid());
    snprintf(path, sizeof path, "/dev/shm%s", name);
    unlink(path);
}

static void teardown(void)
{
    unlink(path);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 60);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every open of a FIFO runs in a child under alarm(): a blocked open would
 * kill the child, not hang the suite. */
static int open_kind_in_child(int which)
{
    int st;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        shmgen_segment_t *s = NULL;
        int rc;
        alarm(5);
        if (which == 0) rc = shmgen_segment_open(name, &layout, NULL, &s);
        else if (which == 1) rc = shmgen_segment_open_or_create(name, &layout, NULL, &s, NULL);
        else rc = shmgen_segment_open_readonly(name, &s);
        _exit(rc == SHMGEN_BAD_MAGIC ? 0 : 1);
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    return st;
}

Test(hostile, a_fifo_at_the_name_is_refused_without_blocking)
{
    cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo: %s", strerror(errno));
    for (int which = 0; which < 3; which++) {
        int st = open_kind_in_child(which);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "open kind %d: status %#x (a signal means it blocked)",
                  which, st);
    }
}

/* A child holds one lock byte of the segment (OFD write lock) until killed. */
static pid_t hold_lock_byte(off_t at)
{
    int ready[2];
    char c;
    pid_t pid;
    cr_assert_eq(pipe(ready), 0);
    pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(path, O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1};
        if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) != 0) _exit(2);
        if (write(ready[1], "x", 1) != 1) _exit(3);
        for (;;) pause();
    }
    close(ready[1]);
    cr_assert_eq(read(ready[0], &c, 1), 1, "the lock holder failed");
    close(ready[0]);
    return pid;
}

static void end_child(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

#define GATE_BYTE 0
#define RECOVER_BYTE 2

Test(hostile, a_held_gate_lock_makes_open_time_out_and_close_leave)
{
    shmgen_open_options_t quick = {.timeout_ms = 200};
    shmgen_segment_t *a, *b = NULL;
    double t0;
    int rc;
    pid_t holder;
    cr_assert_eq(shmgen_segment_create(name, &layout, &quick, &a), 0);
    holder = hold_lock_byte(GATE_BYTE);
    t0 = now_s();
    rc = shmgen_segment_open(name, &layout, &quick, &b);
    cr_assert_eq(rc, SHMGEN_TIMEOUT, "got %s", shmgen_error_name(rc));
    cr_assert(now_s() - t0 < 5.0, "open waited %.1f s with a 200 ms timeout", now_s() - t0);
    cr_assert(strstr(shmgen_segment_last_detail(), "gate lock"), "detail: %s", shmgen_segment_last_detail());
    /* Closing detaches, but cannot decide to unlink without the gate. */
    t0 = now_s();
    cr_assert_eq(shmgen_segment_close(a), SHMGEN_BUSY);
    cr_assert(now_s() - t0 < 5.0);
    cr_assert_eq(access(path, F_OK), 0, "the segment stays in place");
    end_child(holder);
}

Test(hostile, a_held_recovery_lock_makes_recover_time_out)
{
    shmgen_open_options_t quick = {.timeout_ms = 200};
    shmgen_segment_t *a, *b;
    double t0;
    pid_t holder;
    cr_assert_eq(shmgen_segment_create(name, &layout, &quick, &a), 0);
    holder = hold_lock_byte(RECOVER_BYTE);
    /* Open still works (its repair is best effort, within the timeout). */
    t0 = now_s();
    cr_assert_eq(shmgen_segment_open(name, &layout, &quick, &b), 0);
    cr_assert(now_s() - t0 < 5.0);
    t0 = now_s();
    cr_assert_eq(shmgen_segment_recover(b), SHMGEN_TIMEOUT);
    cr_assert(now_s() - t0 < 5.0);
    cr_assert(strstr(shmgen_segment_last_detail(), "recovery lock"), "detail: %s", shmgen_segment_last_detail());
    end_child(holder);
    cr_assert_geq(shmgen_segment_recover(b), 0);
    cr_assert_eq(shmgen_segment_close(b), 0);
    cr_assert_eq(shmgen_segment_close(a), 0);
}

Test(hostile, wider_permission_bits_than_requested_are_refused)
{
    shmgen_open_options_t wide = {.mode = 0666};
    shmgen_segment_t *s = NULL, *t = NULL;
    bool created = true;
    cr_assert_eq(shmgen_segment_create(name, &layout, &wide, &s), 0);
    /* Asking for 0600 (the default) and finding 0666: refused, never attached. */
    cr_assert_eq(shmgen_segment_open_or_create(name, &layout, NULL, &t, &created), SHMGEN_PERMISSION);
    cr_assert_null(t);
    cr_assert(strstr(shmgen_segment_last_detail(), "mode 0666"), "detail: %s", shmgen_segment_last_detail());
    /* Asking for what it is: fine. */
    cr_assert_eq(shmgen_segment_open(name, &layout, &wide, &t), 0);
    cr_assert_eq(shmgen_segment_close(t), 0);
    cr_assert_eq(shmgen_segment_close(s), 0);
}

Test(hostile, the_schema_mode_is_applied_and_checked)
{
    shmgen_layout_t group = layout;
    shmgen_segment_t *s, *t;
    struct stat st;
    group.mode = 0640;
    cr_assert_eq(shmgen_segment_create(name, &group, NULL, &s), 0);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640);
    cr_assert_eq(shmgen_segment_open(name, &group, NULL, &t), 0);
    cr_assert_eq(shmgen_segment_close(t), 0);
    cr_assert_eq(shmgen_segment_open(name, &layout, NULL, &t), SHMGEN_PERMISSION, "0640 is wider than 0600");
    cr_assert_eq(shmgen_segment_close(s), 0);
}

/* Runs fn as user `nobody` in a child; its exit status comes back. */
static int as_nobody(int (*fn)(void))
{
    int st;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(99);
        _exit(fn());
    }
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int squat(void)
{
    shmgen_open_options_t open_to_all = {.mode = 0666};
    shmgen_segment_t *s;
    if (shmgen_segment_create(name, &layout, &open_to_all, &s) != 0) return 1;
    /* Leave it behind (persistent by not closing): _exit keeps the object. */
    return 0;
}

Test(hostile, a_segment_squatted_by_another_user_is_refused)
{
    shmgen_open_options_t open_to_all = {.mode = 0666}, trusting = {.mode = 0666, .trust = SHMGEN_TRUST_UID,
                                                                     .trusted_uid = 65534};
    shmgen_segment_t *s = NULL;
    if (geteuid() != 0) cr_skip_test("needs root to act as a second user");
    cr_assert_eq(as_nobody(squat), 0);
    cr_assert_eq(shmgen_segment_open_or_create(name, &layout, &open_to_all, &s, NULL), SHMGEN_PERMISSION);
    cr_assert_null(s);
    cr_assert(strstr(shmgen_segment_last_detail(), "uid 65534"), "detail: %s", shmgen_segment_last_detail());
    /* Trusting that uid lets it attach. */
    cr_assert_eq(shmgen_segment_open(name, &layout, &trusting, &s), 0, "%s", shmgen_segment_last_detail());
    cr_assert_eq(shmgen_segment_close(s), 0);
}

static int open_private(void)
{
    shmgen_segment_t *s;
    int rc = shmgen_segment_open(name, &layout, NULL, &s);
    /* The detail carries the failing call and the system's reason. */
    if (rc != SHMGEN_PERMISSION) return 10;
    if (!strstr(shmgen_segment_last_detail(), "shm_open") || !strstr(shmgen_segment_last_detail(), "denied"))
        return 11;
    return 0;
}

Test(hostile, a_second_user_gets_the_failing_call_and_its_reason)
{
    shmgen_segment_t *s;
    if (geteuid() != 0) cr_skip_test("needs root to act as a second user");
    cr_assert_eq(shmgen_segment_create(name, &layout, NULL, &s), 0);
    cr_assert_eq(as_nobody(open_private), 0);
    cr_assert_eq(shmgen_segment_close(s), 0);
}

Test(hostile, names_that_are_not_one_component_are_refused)
{
    const char *bad[] = {"", "/", ".", "/.", "..", "/..", "a/b", "/a/b"};
    shmgen_segment_t *s = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(shmgen_segment_create(bad[i], &layout, NULL, &s), SHMGEN_INVALID_ARGUMENT, "'%s'", bad[i]);
        cr_assert_eq(shmgen_segment_open_readonly(bad[i], &s), SHMGEN_INVALID_ARGUMENT, "'%s'", bad[i]);
    }
}

Test(hostile, a_create_without_memory_says_how_much_it_needed)
{
    shmgen_layout_t huge = layout;
    shmgen_segment_t *s = NULL;
    huge.declared_size = (uint64_t)1 << 50; /* a PiB: more than /dev/shm has */
    cr_assert_eq(shmgen_segment_create(name, &huge, NULL, &s), SHMGEN_NO_MEMORY);
    cr_assert(strstr(shmgen_segment_last_detail(), "1125899906842624 bytes"), "detail: %s",
              shmgen_segment_last_detail());
    cr_assert(strstr(shmgen_segment_last_detail(), "free"), "detail: %s", shmgen_segment_last_detail());
    cr_assert_neq(access(path, F_OK), 0, "nothing is left behind");
}

Test(hostile, owner_and_mode_are_visible_to_tools)
{
    shmgen_open_options_t group = {.mode = 0640};
    shmgen_segment_t *s, *ro;
    shmgen_segment_meta_t meta;
    cr_assert_eq(shmgen_segment_create(name, &layout, &group, &s), 0);
    cr_assert_eq(shmgen_segment_open_readonly(name, &ro), 0);
    shmgen_segment_get_meta(ro, &meta);
    cr_assert_eq(meta.owner_uid, geteuid());
    cr_assert_eq(meta.mode, 0640);
    cr_assert_eq(shmgen_segment_close(ro), 0);
    cr_assert_eq(shmgen_segment_close(s), 0);
}
