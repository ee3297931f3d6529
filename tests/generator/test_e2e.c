/*
 * test_e2e.c — generated code end to end: separate processes, built with
 * shmgen_generate() from tests/generator/e2e/, exchange data through every
 * kind with the typed API (e2e_producer + e2e_consumer), and a version-2
 * program opens a segment created by a version-1 program and sees its `since`
 * structure as absent (e2e_old + e2e_consumer old).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pid_t spawn(const char *path, const char *a1, const char *a2)
{
    char *argv[] = {(char *)path, (char *)a1, (char *)a2, NULL};
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, path, NULL, NULL, argv, environ), 0, "cannot start %s", path);
    return pid;
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
