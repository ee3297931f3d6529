/*
 * SPDX-License-Identifier: MIT
 *
 * test_cli.c — the `shmgen` command line as scripts see it, through the
 * built binary:
 *   - check is the one gate: every schema of the corpora (check/ here,
 *     tests/schema/bad and good) gets the same verdict from `check` as from
 *     `generate`; check/NN-name.yaml has its exact output in all three
 *     formats in NN-name.expected (SHMGEN_UPDATE_GOLDEN=1 rewrites them), and
 *     every JSON document parses (python3); --templates reaches check; a
 *     segment larger than /dev/shm is a warning with both sizes;
 *   - every bad command line is one line on stderr, exit 2, nothing on
 *     stdout and nothing written; -oDIR and --output=DIR work; a mistyped
 *     command or option gets "did you mean".
 * Depends on ../tool.h (runs SHMGEN_EXE), python3.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "tool.h"

#define CHECK_DIR SHMGEN_SOURCE_DIR "/tests/generator/cli/check"

static void expect_contains(const char *text, const char *needle)
{
    cr_expect(text && strstr(text, needle), "expected\n  %s\nin:\n%s", needle, text ? text : "(null)");
}

/* Sorted names ending in .yaml in dir. */
static size_t yaml_files(const char *dir, char ***out)
{
    struct dirent **e;
    size_t n = 0;
    int total = scandir(dir, &e, NULL, alphasort);
    cr_assert_geq(total, 0, "cannot read %s", dir);
    *out = calloc((size_t)total + 1, sizeof **out);
    for (int i = 0; i < total; i++) {
        size_t len = strlen(e[i]->d_name);
        if (len > 5 && strcmp(e[i]->d_name + len - 5, ".yaml") == 0) (*out)[n++] = strdup(e[i]->d_name);
        free(e[i]);
    }
    free(e);
    return n;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* "$ shmgen check [--format F] FILE\nexit N\n--- stdout\n...--- stderr\n..." */
static void transcript(FILE *t, const char *format, const char *file, const char **json_out)
{
    const char *args[5];
    char *out = NULL, *err = NULL;
    int k = 0, rc;
    args[k++] = "check";
    if (format) args[k++] = "--format", args[k++] = format;
    args[k++] = file;
    args[k] = NULL;
    rc = tool_run(args, &out, &err);
    fprintf(t, "$ shmgen check%s%s %s\nexit %d\n--- stdout\n%s--- stderr\n%s", format ? " --format " : "",
            format ? format : "", file, rc, out ? out : "", err ? err : "");
    if (json_out) *json_out = out, out = NULL;
    free(out);
    free(err);
}

static void check_golden(const char *path, const char *got)
{
    char *want = tool_golden(path, got);
    cr_assert_not_null(want, "missing golden file %s (run with SHMGEN_UPDATE_GOLDEN=1)", path);
    cr_expect_str_eq(got, want, "%s differs; got:\n%s", path, got);
    free(want);
}

Test(check, corpus_outputs_in_every_format)
{
    char **names, *text = NULL;
    size_t n, len = 0;
    cr_assert_eq(chdir(CHECK_DIR), 0);
    n = yaml_files(".", &names);
    cr_assert_geq(n, 6);
    for (size_t i = 0; i < n; i++) {
        FILE *t = open_memstream(&text, &len);
        const char *json = NULL;
        char golden[512];
        transcript(t, NULL, names[i], NULL);
        transcript(t, "json", names[i], &json);
        transcript(t, "github", names[i], NULL);
        fclose(t);
        cr_expect_eq(tool_json_check(json, 0, "d['format'] == 'shmgen-check/1' and "
                                              "d['valid'] == (d['errors'] == 0) and len(d['diagnostics']) >= d['errors']"),
                     0, "%s: %s", names[i], json);
        snprintf(golden, sizeof golden, "%.*s.expected", (int)(strlen(names[i]) - 5), names[i]);
        check_golden(golden, text);
        free((char *)json);
        free(text);
        text = NULL;
    }
    free_names(names, n);
}

/* check's exit code for every schema of dir equals generate's. */
static void same_verdict_in(const char *dir, const char *out_dir)
{
    char **names;
    size_t n = yaml_files(dir, &names);
    cr_assert_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        const char *check[] = {"check", path, NULL}, *gen[] = {"generate", path, "-o", out_dir, NULL};
        int c, g;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        c = tool_run(check, NULL, NULL);
        g = tool_run(gen, NULL, NULL);
        cr_expect_eq(c, g, "%s: check exits %d, generate %d", path, c, g);
    }
    free_names(names, n);
}

Test(check, accepts_exactly_what_generate_accepts, .timeout = 240)
{
    char *dir = tool_tmpdir(), out[512];
    snprintf(out, sizeof out, "%s/out", dir);
    same_verdict_in(CHECK_DIR, out);
    same_verdict_in(SHMGEN_SOURCE_DIR "/tests/schema/bad", out);
    same_verdict_in(SHMGEN_SOURCE_DIR "/tests/schema/good", out);
    tool_run_program("/bin/rm", (const char *[]){"-rf", dir, NULL}, NULL, NULL);
    free(dir);
}

/* A template error is one of generate's checks: check finds it with the
 * same --templates. */
Test(check, runs_the_templates_generate_would_use)
{
    char *dir = tool_tmpdir(), kinds[512], tmpl[600];
    const char *plain[] = {"check", CHECK_DIR "/01-valid.yaml", NULL};
    const char *with[] = {"check", CHECK_DIR "/01-valid.yaml", "--templates", dir, NULL};
    char *err = NULL;
    FILE *f;
    snprintf(kinds, sizeof kinds, "%s/kinds", dir);
    cr_assert_eq(mkdir(kinds, 0700), 0);
    snprintf(tmpl, sizeof tmpl, "%s/queue.h.tmpl", kinds);
    cr_assert_not_null(f = fopen(tmpl, "w"));
    fputs("{% if %}broken{% endif %}\n", f);
    fclose(f);
    cr_expect_eq(tool_run(plain, NULL, NULL), 0);
    cr_expect_eq(tool_run(with, NULL, &err), 2);
    expect_contains(err, "queue.h.tmpl:1:");
    free(err);
    unlink(tmpl);
    rmdir(kinds);
    rmdir(dir);
    free(dir);
}

Test(check, warns_when_the_segment_is_larger_than_dev_shm)
{
    struct statvfs vfs;
    char *dir = tool_tmpdir(), path[512], *err = NULL, *out = NULL, want[256];
    const char *text[] = {"check", path, NULL}, *json[] = {"check", "--json", path, NULL};
    unsigned long long shm, gib;
    FILE *f;
    cr_assert_eq(statvfs("/dev/shm", &vfs), 0);
    shm = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
    gib = shm / (1ull << 30) + 2;
    snprintf(path, sizeof path, "%s/big.yaml", dir);
    cr_assert_not_null(f = fopen(path, "w"));
    fprintf(f, "segment: big\nversion: 1\nsize: %lluGiB\nstructures:\n  t: {kind: atomic, type: u32}\n", gib);
    fclose(f);
    cr_expect_eq(tool_run(text, &out, &err), 0, "a warning does not fail the check");
    snprintf(want, sizeof want, "big.yaml:3:7: warning: the segment needs %llu bytes", gib << 30);
    expect_contains(err, want);
    snprintf(want, sizeof want, "but /dev/shm holds %llu bytes", shm);
    expect_contains(err, want);
    expect_contains(err, "0 errors, 1 warning");
    expect_contains(out, "big.yaml: ok");
    free(out), free(err);
    cr_expect_eq(tool_run(json, &out, NULL), 0);
    cr_expect_eq(tool_json_check(out, 0, "d['valid'] and d['warnings'] == 1 and "
                                         "d['diagnostics'][0]['severity'] == 'warning'"), 0, "%s", out);
    free(out);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* ---- bad command lines ---- */

/* Every entry: exit 2, exactly one line on stderr (containing `says`),
 * nothing on stdout, nothing created in the working directory. */
static const struct {
    const char *args[8];
    const char *says;
} bad_lines[] = {
    {{NULL}, "missing COMMAND"},
    {{"chek", "a.yaml"}, "unknown command 'chek'; did you mean 'check'?"},
    {{"gnerate"}, "did you mean 'generate'?"},
    {{"frobnicate"}, "unknown command 'frobnicate' (try"},
    {{"help", "chek"}, "did you mean 'check'?"},
    {{"help", "check", "more"}, "unexpected argument 'more'"},
    {{"check"}, "missing SCHEMA"},
    {{"check", "a.yaml", "b.yaml"}, "unexpected argument 'b.yaml'"},
    {{"check", "--jsn", "a.yaml"}, "unknown option '--jsn'; did you mean '--json'?"},
    {{"check", "--json", "--json", "a.yaml"}, "option '--json' given twice"},
    {{"check", "--json=yes", "a.yaml"}, "option '--json' takes no value"},
    {{"check", "a.yaml", "--format"}, "option '--format' needs a value"},
    {{"check", "--format", "xml", "a.yaml"}, "--format takes text, json or github; found 'xml'"},
    {{"check", "--json", "--format", "text", "a.yaml"}, "--json and --format given together"},
    {{"check", ""}, "SCHEMA is empty"},
    {{"generate", "a.yaml"}, "no output directory given (-o DIR)"},
    {{"generate", "a.yaml", "-o", "-"}, "-o takes a directory"},
    {{"generate", "a.yaml", "--output=-"}, "-o takes a directory"},
    {{"generate", "a.yaml", "-o-"}, "-o takes a directory"},
    {{"generate", "a.yaml", "-o", "out", "-o", "out2"}, "option '--output' given twice"},
    {{"generate", "a.yaml", "-oout", "--output", "out2"}, "option '--output' given twice"},
    {{"generate", "a.yaml", "-o"}, "option '--output' needs a value"},
    {{"generate", "a.yaml", "-o", "out", "--depfile", "-"}, "--depfile takes a file name"},
    {{"generate", "a.yaml", "-o", "out", "--templates", "no-such-dir"}, "templates directory 'no-such-dir'"},
    {{"generate", "-x", "a.yaml", "-o", "out"}, "unknown option '-x'"},
    {{"generate", "a.yaml", "b.yaml", "-o", "out"}, "unexpected argument 'b.yaml'"},
    {{"layout", "a.yaml", "--xml"}, "unknown option '--xml'"},
    {{"compat", "a.yaml"}, "missing NEW"},
    {{"compat", "a.yaml", "a.yaml", "--format", "github", "--json"}, "--json and --format given together"},
    {{"verify", "a.yaml"}, "missing NAME"},
    {{"verify", "a.yaml", "/x", "--strict", "--strict"}, "option '--strict' given twice"},
    {{"verify", "--strct", "a.yaml", "/x"}, "did you mean '--strict'?"},
    {{"inspect"}, "missing NAME"},
    {{"inspect", "/x", "--watch", "0"}, "--watch takes a number of seconds"},
    {{"inspect", "/x", "--watch", "soon"}, "--watch takes a number of seconds"},
    {{"inspect", "/x", "--json", "--json"}, "given twice"},
    {{"list", "extra"}, "unexpected argument 'extra'"},
    {{"list", "--stale", "--stale"}, "option '--stale' given twice"},
    {{"rm"}, "missing NAME"},
    {{"rm", "/x", "/y"}, "unexpected argument '/y'"},
    {{"rm", "--froce", "/x"}, "did you mean '--force'?"},
};

static size_t entries_of(const char *dir)
{
    struct dirent **e;
    int n = scandir(dir, &e, NULL, NULL);
    cr_assert_geq(n, 0);
    for (int i = 0; i < n; i++) free(e[i]);
    free(e);
    return (size_t)n;
}

Test(command_line, every_mistake_is_one_line_exit_2_and_writes_nothing)
{
    char *dir = tool_tmpdir();
    FILE *f;
    cr_assert_eq(chdir(dir), 0);
    cr_assert_not_null(f = fopen("a.yaml", "w"));
    fputs("segment: a\nversion: 1\nstructures:\n  t: {kind: atomic, type: u32}\n", f);
    fclose(f);
    for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
        char *out = NULL, *err = NULL;
        int rc = tool_run(bad_lines[i].args, &out, &err);
        const char *nl = err ? strchr(err, '\n') : NULL;
        cr_expect_eq(rc, 2, "case %zu (%s): exit %d", i, bad_lines[i].says, rc);
        cr_expect(out && out[0] == '\0', "case %zu: stdout: %s", i, out);
        cr_expect(nl && nl[1] == '\0' && strncmp(err, "shmgen", 6) == 0, "case %zu: not one line:\n%s", i, err);
        expect_contains(err, bad_lines[i].says);
        cr_expect_eq(entries_of("."), 3, "case %zu wrote into the working directory", i); /* ., .., a.yaml */
        free(out);
        free(err);
    }
    unlink("a.yaml");
    cr_assert_eq(chdir("/"), 0);
    rmdir(dir);
    free(dir);
}

Test(command_line, output_directory_forms)
{
    char *dir = tool_tmpdir();
    const char *joined[] = {"generate", "a.yaml", "-oone", NULL};
    const char *eq[] = {"generate", "--output=two", "a.yaml", NULL};
    const char *dash_dash[] = {"generate", "-o", "three", "--", "a.yaml", NULL};
    struct stat st;
    FILE *f;
    cr_assert_eq(chdir(dir), 0);
    cr_assert_not_null(f = fopen("a.yaml", "w"));
    fputs("segment: a\nversion: 1\nstructures:\n  t: {kind: atomic, type: u32}\n", f);
    fclose(f);
    cr_expect_eq(tool_run(joined, NULL, NULL), 0);
    cr_expect_eq(stat("one/a.h", &st), 0, "-oDIR");
    cr_expect_eq(tool_run(eq, NULL, NULL), 0);
    cr_expect_eq(stat("two/a.c", &st), 0, "--output=DIR");
    cr_expect_eq(tool_run(dash_dash, NULL, NULL), 0);
    cr_expect_eq(stat("three/a.h", &st), 0, "-- ends the options");
    cr_assert_eq(chdir("/"), 0);
    tool_run_program("/bin/rm", (const char *[]){"-rf", dir, NULL}, NULL, NULL);
    free(dir);
}
