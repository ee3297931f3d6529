/*
 * SPDX-License-Identifier: MIT
 *
 * test_inspect_watch.c — `shmgen inspect --watch` in the three places it
 * runs: on a terminal (a pseudo-terminal here) it redraws the screen with
 * ANSI escapes; in a pipe or file the frames follow each other without any
 * escape; with --json every frame is one line that parses as JSON (NDJSON).
 * Each ends with exit 0 on SIGTERM.  No timing is assumed: the tests wait
 * (bounded) for frames to appear.  Depends on fixture.h and tool.h.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"
#include "tool.h"

extern char **environ;

/* Starts `shmgen inspect NAME [--json] --watch 0.1` with stdout opened
 * from path (a file, or a terminal's slave side). */
static pid_t start_watch(const char *path, bool json)
{
    const char *argv[] = {SHMGEN_EXE, "inspect", fx.name, "--watch", "0.1", json ? "--json" : NULL, NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_NOCTTY, 0600);
    cr_assert_eq(posix_spawn(&pid, SHMGEN_EXE, &fa, NULL, (char *const *)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; p && (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* Waits (at most ~30 s, never assuming a pace) until path holds `want`
 * occurrences of needle; returns its text. */
static char *wait_for(const char *path, const char *needle, size_t want)
{
    struct timespec tick = {0, 20 * 1000 * 1000};
    char *t = NULL;
    for (int tries = 0; tries < 1500; tries++) {
        free(t);
        t = tool_read_file(path);
        if (count(t, needle) >= want) break;
        nanosleep(&tick, NULL);
    }
    return t;
}

static void stop_expect_0(pid_t pid)
{
    int status;
    kill(pid, SIGTERM);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "watch must exit 0 on SIGTERM (status %d)", status);
}

/* A watch into a file until `frames` occurrences of `mark`, stopped with
 * SIGTERM (exit 0 expected); the whole file. */
static char *watch_into_file(bool json, const char *mark, size_t frames)
{
    char path[512];
    pid_t pid;
    create_segment(base_schema, false);
    snprintf(path, sizeof path, "%s/watch.out", fx.dir);
    pid = start_watch(path, json);
    free(wait_for(path, mark, frames));
    stop_expect_0(pid);
    return tool_read_file(path);
}

Test(watch, in_a_pipe_frames_follow_without_escapes, .init = setup, .fini = teardown)
{
    char *text = watch_into_file(false, "STRUCTURE", 2);
    cr_expect_geq(count(text, "STRUCTURE"), 2, "two frames: %s", text);
    cr_expect_null(strchr(text, '\033'), "no ANSI escape when stdout is not a terminal");
    free(text);
}

Test(watch, json_frames_are_one_object_per_line, .init = setup, .fini = teardown)
{
    char *text = watch_into_file(true, "\n", 2);
    cr_expect_null(strchr(text, '\033'), "no ANSI escape with --json");
    cr_expect_eq(tool_json_check(text, 1, "len(d) >= 2 and all(x['format'] == 'shmgen-inspect/1' and "
                                          "len(x['structures']) == 6 for x in d)"), 0, "%s", text);
    free(text);
}

/* Reads what is available on the terminal's master side into *buf. */
static void drain(int master, char **buf, size_t *len)
{
    char chunk[4096];
    ssize_t n;
    while ((n = read(master, chunk, sizeof chunk)) > 0) {
        *buf = realloc(*buf, *len + (size_t)n + 1);
        memcpy(*buf + *len, chunk, (size_t)n);
        *len += (size_t)n;
        (*buf)[*len] = '\0';
    }
}

Test(watch, on_a_terminal_the_screen_is_redrawn, .init = setup, .fini = teardown)
{
    struct timespec tick = {0, 20 * 1000 * 1000};
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    char *buf = NULL, *slave;
    size_t len = 0;
    pid_t pid;
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    cr_assert_not_null(slave = ptsname(master));
    cr_assert_eq(fcntl(master, F_SETFL, O_NONBLOCK), 0);
    create_segment(base_schema, false);
    pid = start_watch(slave, false);
    /* Drained while it runs: a full terminal buffer would block the writer. */
    for (int tries = 0; tries < 1500 && count(buf, "\033[2J") < 2; tries++) {
        drain(master, &buf, &len);
        nanosleep(&tick, NULL);
    }
    stop_expect_0(pid);
    drain(master, &buf, &len);
    close(master);
    cr_expect_geq(count(buf, "\033[H\033[2J"), 2, "a terminal gets the screen cleared per frame: %s", buf);
    cr_expect_geq(count(buf, "(every 0.1 s; Ctrl-C to quit)"), 1);
    free(buf);
}
