/*
 * SPDX-License-Identifier: MIT
 *
 * ex_launch.c — process launching and timing helpers shared by the examples
 * (see ex_launch.h).  Depends on POSIX and Linux's /proc/self/exe only.
 */
#include "ex_launch.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void ex_line_buffered(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
}

void ex_shm_name(char *buf, size_t size, const char *example)
{
    static unsigned counter;
    snprintf(buf, size, "/shmgen_ex_%s_%ld_%u", example, (long)getpid(), counter++);
}

/* The directory of the running executable, without the trailing '/'. */
static int self_dir(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1) return -1;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash) return -1;
    *slash = '\0';
    return 0;
}

int ex_spawn(ex_proc_t *p, const char *role, const char *const *args)
{
    char dir[PATH_MAX], path[PATH_MAX + 64];
    const char *argv[16];
    size_t n = 0;

    memset(p, 0, sizeof *p);
    p->role = role;
    if (self_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, "cannot read /proc/self/exe\n");
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, role);
    argv[n++] = role;
    for (; args && args[n - 1] && n < 15; n++) argv[n] = args[n - 1];
    argv[n] = NULL;

    fflush(NULL); /* the child must not re-emit our buffered output */
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execv(path, (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    return 0;
}

/* Reaps p if it has exited; true when it is (now) reaped. */
static bool try_reap(ex_proc_t *p)
{
    if (p->exited) return true;
    pid_t r = waitpid(p->pid, &p->status, WNOHANG);
    if (r == p->pid) {
        p->exited = true;
        return true;
    }
    return false;
}

void ex_kill(ex_proc_t *p)
{
    if (p->exited || p->pid <= 0) return;
    kill(p->pid, SIGKILL);
    while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR) {
    }
    p->exited = true;
}

/* Prints what went wrong with an exited process; true if it exited with 0. */
static bool report_status(const ex_proc_t *p)
{
    if (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0) return true;
    if (WIFEXITED(p->status))
        fprintf(stderr, "%s (pid %ld) exited with status %d\n", p->role, (long)p->pid,
                WEXITSTATUS(p->status));
    else if (WIFSIGNALED(p->status))
        fprintf(stderr, "%s (pid %ld) died of signal %d\n", p->role, (long)p->pid, WTERMSIG(p->status));
    return false;
}

int ex_wait_all(ex_proc_t *procs, size_t n, int timeout_ms)
{
    uint64_t deadline = ex_now_ms() + (uint64_t)timeout_ms;
    size_t done = 0;
    while (done < n && ex_now_ms() < deadline) {
        done = 0;
        for (size_t i = 0; i < n; i++) done += try_reap(&procs[i]);
        if (done < n) ex_sleep_ms(5);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!procs[i].exited) {
            fprintf(stderr, "%s (pid %ld) still running after %d ms: killed\n", procs[i].role,
                    (long)procs[i].pid, timeout_ms);
            ex_kill(&procs[i]);
            rc = -1;
        } else if (!report_status(&procs[i])) {
            rc = -1;
        }
    }
    return rc;
}

int ex_wait_one(ex_proc_t *p, int timeout_ms)
{
    return ex_wait_all(p, 1, timeout_ms);
}

uint64_t ex_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void ex_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int ex_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    return 1;
}

uint32_t ex_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15u;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1du) >> 32);
}
