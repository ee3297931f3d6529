/*
 * SPDX-License-Identifier: MIT
 *
 * test_compat_cli.c — `shmgen compat` as a user sees it: the text lines
 * (place, class, structure, field), the JSON document, GitHub annotations on
 * NEW's lines (YAML and lock-file inputs), errors with file:line:col, usage.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define PAIRS SHMGEN_SOURCE_DIR "/tests/generator/compat/pairs/"

static int compat(const char *old_path, const char *new_path, const char *format, char **out, char **err)
{
    const char *args[] = {"compat", old_path, new_path, "--format", format, NULL};
    return tool_run(args, out, err);
}

static void expect_contains(const char *text, const char *needle)
{
    cr_expect(text && strstr(text, needle), "expected output to contain\n  %s\ngot:\n%s", needle, text ? text : "(null)");
}

/* A lock file written by the built binary, as a user makes it. */
static char *make_lock(const char *dir, const char *schema)
{
    const char *args[] = {"layout", schema, "--json", NULL};
    char *out = NULL, *path = NULL;
    FILE *f;
    cr_assert_eq(tool_run(args, &out, NULL), 0, "shmgen layout --json %s", schema);
    cr_assert_geq(asprintf(&path, "%s/lock.json", dir), 0);
    cr_assert_not_null(f = fopen(path, "w"));
    fputs(out, f);
    fclose(f);
    free(out);
    return path;
}

Test(compat_cli, text_names_place_class_structure_and_field)
{
    char *out = NULL;
    cr_assert_eq(compat(PAIRS "10-field-type-same-size/old.yaml", PAIRS "10-field-type-same-size/new.yaml", "text", &out, NULL), 1);
    expect_contains(out, "10-field-type-same-size/new.yaml:10:5: breaking: structure 'monsters': type of field 'hp' "
                         "changed from i32 to u32");
    expect_contains(out, "[field-type-changed]");
    expect_contains(out, "1 breaking, 0 compatible, 0 source-only: breaking");
    expect_contains(out, "requires raising 'version'");
    free(out);
}

Test(compat_cli, identical_and_source_only_exit_0)
{
    char *out = NULL;
    cr_expect_eq(compat(PAIRS "01-identical/old.yaml", PAIRS "01-identical/new.yaml", "text", &out, NULL), 0);
    expect_contains(out, ": identical");
    free(out);
    cr_expect_eq(compat(PAIRS "14-field-renamed/old.yaml", PAIRS "14-field-renamed/new.yaml", "text", &out, NULL), 0);
    expect_contains(out, "source-only: structure 'monsters': field 'hp' of type 'monster' renamed to 'health'");
    free(out);
}

Test(compat_cli, version_bump_still_reports_breaking)
{
    char *out = NULL;
    cr_expect_eq(compat(PAIRS "27-breaking-with-version-bump/old.yaml", PAIRS "27-breaking-with-version-bump/new.yaml",
                        "text", &out, NULL), 1);
    expect_contains(out, "compatible: version raised from 1 to 2");
    expect_contains(out, "note: version raised to 2 as a breaking change requires");
    free(out);
}

Test(compat_cli, json_document)
{
    char *out = NULL;
    cr_assert_eq(compat(PAIRS "34-mixed-compatible/old.yaml", PAIRS "34-mixed-compatible/new.yaml", "json", &out, NULL), 0);
    expect_contains(out, "\"format\": \"shmgen-compat/1\"");
    expect_contains(out, "\"shmgen_compat\": 1");
    cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-compat/1' and d['result'] == 'compatible'"), 0);
    expect_contains(out, "\"result\": \"compatible\"");
    expect_contains(out, "\"exit_code\": 0");
    expect_contains(out, "\"version_raised\": true");
    expect_contains(out, "\"counts\": {\"breaking\": 0, \"compatible\": 4, \"source-only\": 1}");
    expect_contains(out, "{\"class\": \"compatible\", \"code\": \"capacity-changed\", \"structure\": \"damage\", "
                         "\"type\": \"vec3\", \"field\": null");
    expect_contains(out, "\"new\": {\"file\": \"" PAIRS "34-mixed-compatible/new.yaml\", \"line\": 15, \"column\": 3}");
    free(out);
    /* --json is the same as --format json. */
    {
        const char *args[] = {"compat", PAIRS "05-structure-removed/old.yaml", PAIRS "05-structure-removed/new.yaml",
                              "--json", NULL};
        cr_expect_eq(tool_run(args, &out, NULL), 1);
        expect_contains(out, "\"code\": \"structure-removed\", \"structure\": \"damage\"");
        expect_contains(out, "\"old\": {\"file\": \"" PAIRS "05-structure-removed/old.yaml\", \"line\": 15");
        free(out);
    }
}

Test(compat_cli, github_annotations_on_new_lines)
{
    char *out = NULL;
    cr_assert_eq(compat(PAIRS "10-field-type-same-size/old.yaml", PAIRS "10-field-type-same-size/new.yaml", "github", &out, NULL), 1);
    expect_contains(out, "::error file=" PAIRS "10-field-type-same-size/new.yaml,line=10,col=5,title=shmgen compat%3A "
                         "breaking change (field-type-changed)::structure 'monsters': type of field 'hp'");
    free(out);
    cr_assert_eq(compat(PAIRS "08-capacity-changed/old.yaml", PAIRS "08-capacity-changed/new.yaml", "github", &out, NULL), 0);
    expect_contains(out, "::warning file=" PAIRS "08-capacity-changed/new.yaml,line=15,col=3,");
    free(out);
    cr_assert_eq(compat(PAIRS "15-type-renamed/old.yaml", PAIRS "15-type-renamed/new.yaml", "github", &out, NULL), 0);
    expect_contains(out, "::notice file=" PAIRS "15-type-renamed/new.yaml,line=6,col=3,");
    free(out);
}

Test(compat_cli, lock_file_as_new_annotates_the_json_lines)
{
    char *dir = tool_tmpdir(), *lock = make_lock(dir, PAIRS "10-field-type-same-size/new.yaml"), *out = NULL;
    char *needle = NULL;
    cr_assert_eq(compat(PAIRS "10-field-type-same-size/old.yaml", lock, "github", &out, NULL), 1);
    cr_assert_geq(asprintf(&needle, "::error file=%s,line=", lock), 0);
    expect_contains(out, needle);
    free(out);
    /* Lock file against lock file works too, and an unchanged schema is clean. */
    cr_expect_eq(compat(lock, PAIRS "10-field-type-same-size/new.yaml", "text", &out, NULL), 0);
    expect_contains(out, ": identical");
    free(out);
    free(needle);
    free(lock);
    tool_rmdir(dir);
    free(dir);
}

Test(compat_cli, bad_input_is_error_2_with_position)
{
    char *dir = tool_tmpdir(), *bad = NULL, *out = NULL, *err = NULL;
    FILE *f;
    cr_assert_geq(asprintf(&bad, "%s/bad.yaml", dir), 0);
    cr_assert_not_null(f = fopen(bad, "w"));
    fputs("segment: game\nversion: 1\nstructures:\n  q: {kind: queue, type: nosuchtype, capacity: 4}\n", f);
    fclose(f);
    cr_expect_eq(compat(PAIRS "01-identical/old.yaml", bad, "text", &out, &err), 2);
    expect_contains(err, "bad.yaml:4:");
    expect_contains(err, ": error: ");
    free(out);
    free(err);
    cr_expect_eq(compat(PAIRS "01-identical/old.yaml", bad, "github", &out, &err), 2);
    expect_contains(out, "::error file=");
    expect_contains(out, "bad.yaml,line=4,");
    free(out);
    free(err);
    /* A reader of --format json always gets a document, errors included. */
    cr_expect_eq(compat(PAIRS "01-identical/old.yaml", bad, "json", &out, &err), 2);
    cr_expect_eq(tool_json_check(out, 0, "d['format'] == 'shmgen-compat/1' and d['result'] == 'error' and "
                                         "d['exit_code'] == 2 and d['diagnostics'][0]['line'] == 4"), 0, "%s", out);
    expect_contains(err, "bad.yaml:4:");
    free(out);
    free(err);
    free(bad);
    tool_rmdir(dir);
    free(dir);
}

Test(compat_cli, lower_version_is_error_2)
{
    char *err = NULL;
    cr_expect_eq(compat(PAIRS "23-version-lower/old.yaml", PAIRS "23-version-lower/new.yaml", "text", NULL, &err), 2);
    expect_contains(err, "23-version-lower/new.yaml:");
    expect_contains(err, "error: version 2 of");
    free(err);
}

Test(compat_cli, usage_errors)
{
    const char *none[] = {"compat", NULL};
    const char *one[] = {"compat", PAIRS "01-identical/old.yaml", NULL};
    const char *badfmt[] = {"compat", PAIRS "01-identical/old.yaml", PAIRS "01-identical/new.yaml", "--format", "xml", NULL};
    const char *missing[] = {"compat", PAIRS "01-identical/old.yaml", "/nonexistent/new.yaml", NULL};
    cr_expect_eq(tool_run(none, NULL, NULL), 2);
    cr_expect_eq(tool_run(one, NULL, NULL), 2);
    cr_expect_eq(tool_run(badfmt, NULL, NULL), 2);
    cr_expect_eq(tool_run(missing, NULL, NULL), 2);
}

/* ---- lock files of another segment format -----------------------------------
 * format/format1.layout.json was written by shmgen 0.1.0 at segment format 1
 * for format/segment.yaml (the ring layout changed in format 2).  It is still
 * read and checked (its hashes recomputed for format 1); compat reports the
 * format change as the one breaking change, without asking for a version raise. */
#define FORMAT SHMGEN_SOURCE_DIR "/tests/generator/compat/format/"

/* format1.layout.json with `from` replaced by `to`, written into dir. */
static char *edited_lock(const char *dir, const char *from, const char *to)
{
    char *text = tool_read_file(FORMAT "format1.layout.json"), *edited, *path = NULL;
    FILE *f;
    cr_assert_not_null(text);
    edited = tool_replace(text, from, to);
    cr_assert(strcmp(edited, text) != 0, "the fixture no longer contains %s", from);
    cr_assert_geq(asprintf(&path, "%s/edited.layout.json", dir), 0);
    cr_assert_not_null(f = fopen(path, "w"));
    fputs(edited, f);
    fclose(f);
    free(text);
    free(edited);
    return path;
}

Test(compat_cli, older_format_lock_is_one_breaking_change)
{
    char *out = NULL;
    cr_expect_eq(compat(FORMAT "format1.layout.json", FORMAT "segment.yaml", "text", &out, NULL), 1);
    expect_contains(out, "breaking: segment format changed from 1 to ");
    expect_contains(out, "[format-changed]");
    expect_contains(out, "1 breaking, 0 compatible, 0 source-only: breaking");
    expect_contains(out, "no 'version' raise needed");
    cr_expect(!strstr(out, "requires raising"), "%s", out);
    free(out);
    cr_expect_eq(compat(FORMAT "format1.layout.json", FORMAT "segment.yaml", "json", &out, NULL), 1);
    expect_contains(out, "\"code\": \"format-changed\"");
    free(out);
    /* the same lock against itself: nothing changed */
    cr_expect_eq(compat(FORMAT "format1.layout.json", FORMAT "format1.layout.json", "text", &out, NULL), 0);
    expect_contains(out, ": identical");
    free(out);
}

Test(compat_cli, older_format_lock_is_still_checked)
{
    char *dir = tool_tmpdir(), *path, *err = NULL;
    path = edited_lock(dir, "\"layout_hash\": \"0x67072946d6d0e142\"", "\"layout_hash\": \"0x67072946d6d0e143\"");
    cr_expect_eq(compat(path, FORMAT "segment.yaml", "text", NULL, &err), 2);
    expect_contains(err, "edited.layout.json:9:");
    expect_contains(err, "stored layout_hash");
    free(err);
    free(path);
    tool_rmdir(dir);
    free(dir);
}

Test(compat_cli, newer_or_malformed_format_is_error_2)
{
    char *dir = tool_tmpdir(), *path, *err = NULL;
    path = edited_lock(dir, "\"format_version\": 1,", "\"format_version\": 99,");
    cr_expect_eq(compat(path, FORMAT "segment.yaml", "text", NULL, &err), 2);
    expect_contains(err, "edited.layout.json:4:");
    expect_contains(err, "written for segment format 99, newer than this shmgen's");
    free(err);
    free(path);
    path = edited_lock(dir, "\"format_version\": 1,", "\"format_version\": \"one\",");
    cr_expect_eq(compat(path, FORMAT "segment.yaml", "text", NULL, &err), 2);
    expect_contains(err, "format_version must be a positive integer");
    free(err);
    free(path);
    tool_rmdir(dir);
    free(dir);
}

/* `layout --json` of an older-format lock writes it back unchanged (a lock
 * is not silently upgraded: that needs the schema and a deliberate refresh). */
Test(compat_cli, older_format_lock_round_trips)
{
    const char *args[] = {"layout", FORMAT "format1.layout.json", "--json", NULL};
    char *out = NULL, *want = tool_read_file(FORMAT "format1.layout.json");
    cr_assert_eq(tool_run(args, &out, NULL), 0);
    cr_assert_not_null(want);
    cr_expect_str_eq(out, want);
    free(out);
    free(want);
}
