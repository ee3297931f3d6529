/*
 * SPDX-License-Identifier: MIT
 *
 * test_compat_pairs.c — the table of schema version pairs (pairs/NN-name/
 * {old.yaml,new.yaml,expected.txt}) run through shmgen_compat_compare from
 * YAML and from a lock file written at test time by the layout writer, and
 * through the built `shmgen compat` binary for the exit codes and formats.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen_gen/compat.h"
#include "shmgen_schema/layout_json.h"
#include "tool.h"

#define PAIRS_DIR SHMGEN_SOURCE_DIR "/tests/generator/compat/pairs"
#define MAX_PAIRS 128
#define MAX_LINES 64

typedef struct expected {
    int exit_code;
    char *lines[MAX_LINES];
    size_t nlines;
} expected_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_pairs(char names[MAX_PAIRS][128])
{
    DIR *d = opendir(PAIRS_DIR);
    struct dirent *e;
    size_t n = 0;
    char *ptrs[MAX_PAIRS];
    cr_assert_not_null(d, "cannot open %s", PAIRS_DIR);
    while ((e = readdir(d)) != NULL && n < MAX_PAIRS)
        if (e->d_name[0] != '.') ptrs[n++] = strdup(e->d_name);
    closedir(d);
    qsort(ptrs, n, sizeof *ptrs, cmp_str);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 128, "%s", ptrs[i]);
        free(ptrs[i]);
    }
    return n;
}

static void read_expected(const char *pair, expected_t *ex)
{
    char path[512], *text, *save = NULL;
    snprintf(path, sizeof path, PAIRS_DIR "/%s/expected.txt", pair);
    text = tool_read_file(path);
    cr_assert_not_null(text, "%s: no expected.txt", pair);
    memset(ex, 0, sizeof *ex);
    ex->exit_code = -1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0') continue;
        if (sscanf(line, "exit %d", &ex->exit_code) == 1) continue;
        cr_assert_lt(ex->nlines, MAX_LINES);
        ex->lines[ex->nlines++] = strdup(line);
    }
    free(text);
    qsort(ex->lines, ex->nlines, sizeof *ex->lines, cmp_str);
    cr_assert_neq(ex->exit_code, -1, "%s: expected.txt has no 'exit N' line", pair);
}

static void free_expected(expected_t *ex)
{
    for (size_t i = 0; i < ex->nlines; i++) free(ex->lines[i]);
}

static const char *dash(const char *s)
{
    return s ? s : "-";
}

/* The report as sorted "CLASS CODE STRUCTURE TYPE FIELD" lines. */
static size_t report_lines(const shmgen_compat_report_t *r, char **lines)
{
    cr_assert_leq(r->count, MAX_LINES);
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_compat_change_t *c = &r->changes[i];
        cr_assert_geq(asprintf(&lines[i], "%s %s %s %s %s", shmgen_compat_class_name(c->cls), c->code,
                               dash(c->structure), dash(c->type), dash(c->field)), 0);
        cr_expect(c->message && c->message[0], "every change has a reason");
    }
    qsort(lines, r->count, sizeof *lines, cmp_str);
    return r->count;
}

static void check_report(const char *what, const expected_t *ex, const shmgen_compat_report_t *r)
{
    char *got[MAX_LINES];
    size_t n = report_lines(r, got);
    bool same = n == ex->nlines;
    for (size_t i = 0; same && i < n; i++) same = strcmp(got[i], ex->lines[i]) == 0;
    if (!same) {
        fprintf(stderr, "%s: got %zu change(s):\n", what, n);
        for (size_t i = 0; i < n; i++) fprintf(stderr, "  %s\n", got[i]);
        fprintf(stderr, "expected %zu:\n", ex->nlines);
        for (size_t i = 0; i < ex->nlines; i++) fprintf(stderr, "  %s\n", ex->lines[i]);
    }
    cr_expect(same, "%s: changes differ from expected.txt (see stderr)", what);
    cr_expect_eq(shmgen_compat_exit_code(r), ex->exit_code, "%s: exit code", what);
    for (size_t i = 0; i < n; i++) free(got[i]);
}

static shmgen_schema_t *load_pair_file(const char *pair, const char *file)
{
    char path[512];
    shmgen_diags_t d = {0};
    shmgen_schema_t *s;
    snprintf(path, sizeof path, PAIRS_DIR "/%s/%s", pair, file);
    s = shmgen_schema_load(path, &d);
    if (!s) shmgen_diags_print(&d, stderr);
    cr_assert_not_null(s, "%s/%s does not load", pair, file);
    shmgen_diags_free(&d);
    return s;
}

/* Writes old.yaml's lock file into dir with the layout writer; returns its path. */
static char *write_lock(const char *dir, const char *pair, const shmgen_schema_t *old_schema)
{
    char *path = NULL;
    FILE *f;
    cr_assert_geq(asprintf(&path, "%s/%s.layout.json", dir, pair), 0);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(shmgen_layout_json_write(old_schema, f), 0, "%s: layout writer failed", pair);
    cr_assert_eq(fclose(f), 0);
    return path;
}

static void run_library(const char *pair, const expected_t *ex, const shmgen_schema_t *o, const shmgen_schema_t *n,
                        const char *mode)
{
    shmgen_compat_report_t r = {0};
    shmgen_diags_t d = {0};
    char what[256];
    int rc = shmgen_compat_compare(o, n, &r, &d);
    snprintf(what, sizeof what, "%s (%s)", pair, mode);
    if (ex->exit_code == 2) {
        cr_expect_eq(rc, -1, "%s: comparison must fail", what);
        cr_expect_eq(d.errors, 1, "%s: one error diagnostic", what);
    } else {
        cr_expect_eq(rc, 0, "%s: comparison failed", what);
        check_report(what, ex, &r);
    }
    shmgen_compat_report_free(&r);
    shmgen_diags_free(&d);
}

Test(compat_pairs, table_has_at_least_25_pairs)
{
    char names[MAX_PAIRS][128];
    cr_expect_geq(list_pairs(names), 25);
}

Test(compat_pairs, from_yaml_and_from_lock_file)
{
    char names[MAX_PAIRS][128];
    size_t n = list_pairs(names);
    char *dir = tool_tmpdir();
    cr_assert_not_null(dir);
    for (size_t i = 0; i < n; i++) {
        expected_t ex;
        shmgen_schema_t *o = load_pair_file(names[i], "old.yaml"), *nw = load_pair_file(names[i], "new.yaml"), *lock;
        shmgen_diags_t d = {0};
        char *lock_path = write_lock(dir, names[i], o);
        read_expected(names[i], &ex);
        run_library(names[i], &ex, o, nw, "yaml");
        lock = shmgen_schema_load_layout_json(lock_path, &d);
        if (!lock) shmgen_diags_print(&d, stderr);
        cr_assert_not_null(lock, "%s: the lock file does not load back", names[i]);
        cr_expect_eq(lock->layout_hash, o->layout_hash, "%s: lock file and YAML disagree", names[i]);
        run_library(names[i], &ex, lock, nw, "lock file");
        shmgen_schema_free(lock);
        shmgen_diags_free(&d);
        shmgen_schema_free(o);
        shmgen_schema_free(nw);
        free(lock_path);
        free_expected(&ex);
    }
    tool_rmdir(dir);
    free(dir);
}

/* The binary's exit code for every pair, YAML and lock file, all formats. */
Test(compat_pairs, cli_exit_codes)
{
    static const char *const formats[] = {"text", "json", "github"};
    char names[MAX_PAIRS][128];
    size_t n = list_pairs(names);
    char *dir = tool_tmpdir();
    for (size_t i = 0; i < n; i++) {
        char oldp[512], newp[512];
        expected_t ex;
        shmgen_schema_t *o = load_pair_file(names[i], "old.yaml");
        char *lock = write_lock(dir, names[i], o);
        read_expected(names[i], &ex);
        snprintf(oldp, sizeof oldp, PAIRS_DIR "/%s/old.yaml", names[i]);
        snprintf(newp, sizeof newp, PAIRS_DIR "/%s/new.yaml", names[i]);
        for (size_t f = 0; f < 3; f++) {
            const char *a1[] = {"compat", oldp, newp, "--format", formats[f], NULL};
            const char *a2[] = {"compat", lock, newp, "--format", formats[f], NULL};
            cr_expect_eq(tool_run(a1, NULL, NULL), ex.exit_code, "%s: shmgen compat (yaml, %s)", names[i], formats[f]);
            cr_expect_eq(tool_run(a2, NULL, NULL), ex.exit_code, "%s: shmgen compat (lock, %s)", names[i], formats[f]);
        }
        shmgen_schema_free(o);
        free(lock);
        free_expected(&ex);
    }
    tool_rmdir(dir);
    free(dir);
}
