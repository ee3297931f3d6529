/*
 * SPDX-License-Identifier: MIT
 *
 * gen_util.h — helpers shared by the generator tests: files, running
 * commands, temporary directories.  Header-only (static functions).
 */
#ifndef SHMGEN_TEST_GEN_UTIL_H
#define SHMGEN_TEST_GEN_UTIL_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Both runtime include directories: the sources and the generated shmgen/version.h. */
#define RUNTIME_INCLUDE SHMGEN_SOURCE_DIR "/runtime/include -I" SHMGEN_BINARY_DIR "/runtime/include"
#define GOLDEN_DIR SHMGEN_SOURCE_DIR "/tests/generator/codegen/golden"

/* Whole file as a NUL-terminated string (malloc'ed), *len bytes; NULL if unreadable. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

static inline void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* Strings from fmt() live until fmt_free_all() (a suite's .fini), so tests
 * can nest them freely and still end leak-free under LeakSanitizer. */
static char *fmt_kept[512];
static size_t fmt_nkept;

static inline void fmt_free_all(void)
{
    while (fmt_nkept) free(fmt_kept[--fmt_nkept]);
}

static inline char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static inline char *fmt(const char *f, ...)
{
    va_list ap;
    char *s;
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0) s = NULL;
    va_end(ap);
    cr_assert_not_null(s);
    cr_assert_lt(fmt_nkept, sizeof fmt_kept / sizeof fmt_kept[0]);
    fmt_kept[fmt_nkept++] = s;
    return s;
}

/* Runs a shell command; returns its exit status (or -1 when it did not exit). */
static inline int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline int runf(const char *f, ...) __attribute__((format(printf, 1, 2)));
static inline int runf(const char *f, ...)
{
    va_list ap;
    char *s;
    int rc;
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0) s = NULL;
    va_end(ap);
    cr_assert_not_null(s);
    rc = run(s);
    free(s);
    return rc;
}

static inline bool have_tool(const char *name)
{
    return runf("command -v %s >/dev/null 2>&1", name) == 0;
}

/* A fresh empty directory under the build tree: BINARY_DIR/tests/generator/codegen/tmp/<name>. */
static inline char *fresh_dir(const char *name)
{
    char *dir = fmt("%s/tests/generator/codegen/tmp/%s", SHMGEN_BINARY_DIR, name);
    cr_assert_eq(runf("rm -rf '%s' && mkdir -p '%s'", dir, dir), 0);
    return dir;
}

/* Number of entries (other than . and ..) in dir. */
static inline int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    cr_assert_not_null(d, "cannot open %s", dir);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

#endif
