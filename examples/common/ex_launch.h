/*
 * SPDX-License-Identifier: MIT
 *
 * ex_launch.h — what every example shares: starting role processes next to
 * the launcher, waiting for them with a deadline, unique segment names, and
 * the small timing/printing helpers the roles use.
 *
 * Not part of shmgen: plain POSIX (fork, execv, waitpid, /proc/self/exe).
 * Each launcher creates its segment, starts its roles with ex_spawn() (the
 * role executables live in the launcher's directory), waits with
 * ex_wait_all(), then checks the segment and exits non-zero on a discrepancy.
 */
#ifndef EX_LAUNCH_H
#define EX_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One started role process. */
typedef struct ex_proc {
    const char *role;  /* executable name, e.g. "prodcons_producer" */
    pid_t pid;         /* 0 once reaped */
    int status;        /* waitpid status once reaped */
    bool exited;       /* reaped */
} ex_proc_t;

/* Line-buffers stdout so the lines of concurrent processes sharing a pipe
 * never interleave mid-line.  Call first in every main(). */
void ex_line_buffered(void);

/* Writes "/shmgen_ex_<example>_<pid>_<n>" (unique per launcher run) into buf. */
void ex_shm_name(char *buf, size_t size, const char *example);

/* Starts the executable `role` found in the launcher's own directory with
 * argv = {role, args..., NULL} (args NULL-terminated).  Fills *p.
 * Returns 0, or -1 (message on stderr) when the process cannot be started. */
int ex_spawn(ex_proc_t *p, const char *role, const char *const *args);

/* Waits until every process of procs[] has exited or timeout_ms passed; on
 * timeout SIGKILLs and reaps the rest.  Returns 0 when all exited with
 * status 0 in time, else -1 after printing which did not (stderr). */
int ex_wait_all(ex_proc_t *procs, size_t n, int timeout_ms);

/* Waits for one process (same rules as ex_wait_all). */
int ex_wait_one(ex_proc_t *p, int timeout_ms);

/* SIGKILLs p and reaps it (no-op when already reaped). */
void ex_kill(ex_proc_t *p);

/* Monotonic milliseconds. */
uint64_t ex_now_ms(void);

/* Sleeps ms milliseconds (restarts after signals). */
void ex_sleep_ms(unsigned ms);

/* Prints "FAIL: <message>" to stdout and returns 1 (a failed check). */
int ex_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A tiny deterministic PRNG (xorshift64*), one state per user. */
uint32_t ex_rand(uint64_t *state);

#endif /* EX_LAUNCH_H */
