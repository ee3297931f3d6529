/*
 * SPDX-License-Identifier: MIT
 *
 * fixture.c — see fixture.h.
 */
#include "fixture.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmgen_schema/layout_json.h"
#include "shmgen_schema/model.h"
#include "tool.h"

const char base_schema[] =
    "segment: live\n"
    "version: 2\n"
    "enums:\n"
    "  color: [red, green]\n"
    "types:\n"
    "  vec3: {x: f32, y: f32, z: f32}\n"
    "  item: {id: u32, color: color, pos: vec3}\n"
    "structures:\n"
    "  items: {kind: pool, type: item, capacity: 16}\n"
    "  inbox: {kind: queue, type: vec3, capacity: 8}\n"
    "  undo: {kind: stack, type: u64, capacity: 4}\n"
    "  frames: {kind: ring, type: u32, capacity: 4}\n"
    "  grid: {kind: array, type: u32, capacity: 10}\n"
    "  tick: {kind: atomic, type: u64, initial: 7}\n";

fixture_t fx;

char *write_schema(const char *file, const char *text)
{
    char *path = NULL;
    FILE *f;
    cr_assert_geq(asprintf(&path, "%s/%s", fx.dir, file), 0);
    cr_assert_not_null(f = fopen(path, "w"));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
    return path;
}

/* base_schema with one edit, written to file (the edit must apply). */
char *variant(const char *file, const char *from, const char *to)
{
    char *text = tool_replace(base_schema, from, to), *path;
    cr_assert(strcmp(text, base_schema) != 0, "variant %s changes nothing", file);
    path = write_schema(file, text);
    free(text);
    return path;
}

/* Creates fx.name from the schema text with the runtime, as generated code would. */
void create_segment(const char *text, bool persistent)
{
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load_buffer("live.yaml", text, strlen(text), &d);
    shmgen_layout_t layout;
    shmgen_struct_desc_t *descs = NULL;
    shmgen_open_options_t opts = {.persistent = persistent};
    int rc;
    if (!s) shmgen_diags_print(&d, stderr);
    cr_assert_not_null(s);
    cr_assert_eq(shmgen_schema_runtime_layout(s, &layout, &descs), 0);
    if (shmgen_segment_unlink(fx.name) != 0) { /* absent: the usual case */ }
    rc = shmgen_segment_create(fx.name, &layout, &opts, &fx.seg);
    cr_assert_eq(rc, 0, "create %s: %s (%s)", fx.name, shmgen_strerror(rc), shmgen_segment_last_detail());
    free(descs);
    shmgen_schema_free(s);
    shmgen_diags_free(&d);
}

void setup(void)
{
    static int counter;
    fx.dir = tool_tmpdir();
    cr_assert_not_null(fx.dir);
    snprintf(fx.name, sizeof fx.name, "/shmgen-compat-test-%d-%d", (int)getpid(), counter++);
    fx.seg = NULL;
}

void teardown(void)
{
    if (fx.seg) (void)shmgen_segment_close(fx.seg);
    if (shmgen_segment_unlink(fx.name) != 0) { /* already gone with the last detach */ }
    tool_rmdir(fx.dir);
    free(fx.dir);
}

int run2(const char *cmd, const char *a, const char *b, char **out, char **err)
{
    const char *args[] = {cmd, a, b, NULL};
    return tool_run(args, out, err);
}

void expect_contains(const char *text, const char *needle)
{
    cr_expect(text && strstr(text, needle), "expected output to contain\n  %s\ngot:\n%s", needle, text ? text : "(null)");
}

unsigned attach_count(void)
{
    unsigned n = 0;
    cr_assert_eq(shmgen_segment_attach_count(fx.seg, &n), 0);
    return n;
}
