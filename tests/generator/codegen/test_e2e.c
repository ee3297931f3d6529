/*
 * SPDX-License-Identifier: MIT
 *
 * test_e2e.c — generated code end to end: separate processes, built with
 * shmgen_generate() from tests/generator/codegen/e2e/, exchange data through every
 * kind with the typed API (e2e_producer + e2e_consumer), and a version-2
 * program opens a segment created by a version-1 program and sees its `since`
 * structure as absent (e2e_old + e2e_consumer old); a program whose element
 * type changed is refused at open with the structure named, and its verifier
 * reports the mismatch (e2e_changed).
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Starts path; its stdout goes to `out` when not NULL. */
static pid_t spawn_to(const char *path, const char *a1, const char *a2, const char *out)
{
    char *argv[] = {(char *)path, (char *)a1, (char *)a2, NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    if (out) posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_eq(posix_spawn(&pid, path, &fa, NULL, argv, environ), 0, "cannot start %s", path);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static pid_t spawn(const char *path, const char *a1, const char *a2)
{
    return spawn_to(path, a1, a2, NULL);
}

/* Exit status of pid, waiting at most ~30 s (then kills it and fails). */
static int finish(pid_t pid, const char *what)
{
    int st = 0;
    for (int i = 0; i < 3000; i++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            cr_expect(WIFEXITED(st), "%s did not exit normally (signal %d)", what, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    cr_assert_fail("%s hung", what);
    return -1;
}

static void shm_name(char *buf, size_t size, const char *tag)
{
    snprintf(buf, size, "/shmgen_test_e2e_%s_%ld", tag, (long)getpid());
}

static bool shm_exists(const char *name)
{
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "/dev/shm%s", name);
    return stat(path, &st) == 0;
}

Test(e2e, two_processes_share_every_kind_through_the_typed_api, .timeout = 60)
{
    char name[128];
    pid_t consumer, producer;
    shm_name(name, sizeof name, "kinds");
    consumer = spawn(E2E_CONSUMER, name, NULL); /* first: it must wait for the creator */
    producer = spawn(E2E_PRODUCER, name, NULL);
    cr_expect_eq(finish(producer, "producer"), 0);
    cr_expect_eq(finish(consumer, "consumer"), 0);
    cr_expect(!shm_exists(name), "the last process to detach must remove %s", name);
}

Test(e2e, new_schema_sees_since_structure_absent_in_old_segment, .timeout = 60)
{
    char name[128];
    pid_t old, consumer;
    shm_name(name, sizeof name, "since");
    old = spawn(E2E_OLD, name, NULL);
    consumer = spawn(E2E_CONSUMER, name, "old");
    cr_expect_eq(finish(consumer, "version-2 consumer"), 0);
    cr_expect_eq(finish(old, "version-1 creator"), 0);
    cr_expect(!shm_exists(name));
}

Test(e2e, changed_element_type_is_refused_and_reported, .timeout = 60)
{
    char name[128], out[256], report[4096] = "";
    pid_t old, changed;
    FILE *f;
    size_t n;
    shm_name(name, sizeof name, "changed");
    snprintf(out, sizeof out, "%s/tests/generator/codegen/e2e_changed.out", SHMGEN_BINARY_DIR);
    old = spawn(E2E_OLD, name, NULL);
    changed = spawn_to(E2E_CHANGED, name, NULL, out);
    cr_expect_eq(finish(changed, "changed-schema program"), 0);
    cr_assert_not_null(f = fopen(out, "r"));
    n = fread(report, 1, sizeof report - 1, f);
    report[n] = '\0';
    fclose(f);
    cr_expect(strstr(report, "mismatch: structure 'points': element type differs") != NULL, "report:\n%s", report);
    cr_expect(strstr(report, "mismatch: structure 'samples': element type differs") != NULL, "report:\n%s", report);
    cr_expect(strstr(report, "schema:   point.flags: offset 20, 4 bytes") != NULL, "report:\n%s", report);
    cr_expect(strstr(report, "mismatch: does not match schema 'e2e' version 1") != NULL, "report:\n%s", report);
    /* let the creator go: a version-2 consumer sets phase 2 */
    cr_expect_eq(finish(spawn(E2E_CONSUMER, name, "old"), "consumer"), 0);
    cr_expect_eq(finish(old, "version-1 creator"), 0);
    cr_expect(!shm_exists(name));
}
