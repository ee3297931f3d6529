/*
 * SPDX-License-Identifier: MIT
 *
 * test_generate.c — generation (generator/codegen/: context.c, generate.c, collide.c, the
 * templates) and `shmgen generate`: golden outputs, byte-for-byte
 * reproducibility, atomic writes that leave earlier outputs untouched on a
 * schema or template error, and the --templates override.
 *
 * The embedded templates are exactly the *.tmpl files of templates/ (a file
 * missing from templates/templates.cmake fails here), with one per kind.
 * Golden folders: tests/generator/codegen/golden/<name>/{segment.yaml,<seg>.h,<seg>.c,<seg>.py}.
 * SHMGEN_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing.
 */
#include "embedded.h"
#include "gen_util.h"
#include "shmgen_gen/generate.h"

TestSuite(generate, .fini = fmt_free_all);

static const char *const goldens[] = {"game_server", "minimal", "everything"};

/* Renders golden/<name>/segment.yaml as `shmgen generate segment.yaml` run in
 * that folder would (so the banner's path is the relative one): the header
 * and source into h and c, the Python module (--lang python) into py. */
static void render_golden(const char *name, shmgen_buf_t *h, shmgen_buf_t *c, shmgen_buf_t *py, char **segment)
{
    char *dir = fmt("%s/%s", GOLDEN_DIR, name), cwd[4096];
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    shmgen_gen_t *gen = shmgen_gen_new(NULL);
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(dir), 0, "no golden folder %s", dir);
    schema = shmgen_schema_load("segment.yaml", &diags);
    if (!schema) shmgen_diags_print(&diags, stderr);
    cr_assert_not_null(schema, "golden schema %s does not load", name);
    cr_assert_eq(shmgen_gen_render(gen, schema, h, c, &diags), 0, "rendering %s failed", name);
    cr_assert_eq(shmgen_gen_render_python(gen, schema, py, &diags), 0, "rendering %s for Python failed", name);
    cr_assert_eq(chdir(cwd), 0);
    *segment = strdup(schema->segment);
    shmgen_schema_free(schema);
    shmgen_gen_free(gen);
    shmgen_diags_free(&diags);
}

static void compare_or_update(const char *path, const shmgen_buf_t *got)
{
    size_t len;
    char *want;
    if (getenv("SHMGEN_UPDATE_GOLDEN")) {
        cr_assert_eq(shmgen_gen_write_file_atomic(path, got->data, got->len), 0);
        return;
    }
    want = slurp(path, &len);
    cr_assert_not_null(want, "missing golden file %s (run with SHMGEN_UPDATE_GOLDEN=1)", path);
    cr_expect(len == got->len && memcmp(want, got->data, len) == 0,
              "%s differs from the generator's output (SHMGEN_UPDATE_GOLDEN=1 refreshes it)", path);
    free(want);
}

Test(generate, golden_outputs)
{
    for (size_t i = 0; i < sizeof goldens / sizeof goldens[0]; i++) {
        shmgen_buf_t h = {0}, c = {0}, py = {0};
        char *seg;
        render_golden(goldens[i], &h, &c, &py, &seg);
        compare_or_update(fmt("%s/%s/%s.h", GOLDEN_DIR, goldens[i], seg), &h);
        compare_or_update(fmt("%s/%s/%s.c", GOLDEN_DIR, goldens[i], seg), &c);
        compare_or_update(fmt("%s/%s/%s.py", GOLDEN_DIR, goldens[i], seg), &py);
        free(seg);
        shmgen_buf_free(&h), shmgen_buf_free(&c), shmgen_buf_free(&py);
    }
}

static bool embedded(const char *name)
{
    for (size_t i = 0; i < shmgen_embedded_template_count; i++)
        if (strcmp(shmgen_embedded_templates[i].name, name) == 0) return true;
    return false;
}

Test(generate, every_template_file_is_embedded_and_nothing_else)
{
    char *list = fmt("%s/templates.list", fresh_dir("embedded")), *text, *save = NULL;
    size_t files = 0;
    cr_assert_eq(runf("cd %s/templates && find . -type f -name '*.tmpl' | sed 's|^./||' | sort > %s", SHMGEN_SOURCE_DIR,
                      list), 0);
    cr_assert_not_null(text = slurp(list, NULL));
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), files++)
        cr_expect(embedded(line), "templates/%s is not embedded: list it in templates/templates.cmake", line);
    cr_expect_eq(files, shmgen_embedded_template_count, "embedded templates that templates/ does not have");
    free(text);
}

Test(generate, every_kind_has_its_template)
{
    size_t kinds = 0;
    for (int k = 1; shmgen_kind_name(k); k++, kinds++)
        cr_expect(embedded(fmt("kinds/%s.h.tmpl", shmgen_kind_name(k))), "no template for kind %s", shmgen_kind_name(k));
    cr_expect_geq(kinds, 8);
}

Test(generate, rendering_twice_gives_identical_bytes)
{
    shmgen_buf_t h1 = {0}, c1 = {0}, p1 = {0}, h2 = {0}, c2 = {0}, p2 = {0};
    char *s1, *s2;
    render_golden("everything", &h1, &c1, &p1, &s1);
    render_golden("everything", &h2, &c2, &p2, &s2);
    cr_assert_eq(h1.len, h2.len);
    cr_assert_eq(memcmp(h1.data, h2.data, h1.len), 0);
    cr_assert_eq(c1.len, c2.len);
    cr_assert_eq(memcmp(c1.data, c2.data, c1.len), 0);
    cr_assert_eq(p1.len, p2.len);
    cr_assert_eq(memcmp(p1.data, p2.data, p1.len), 0);
    cr_expect_null(strstr(h1.data, SHMGEN_SOURCE_DIR), "absolute paths make output depend on the checkout");
    cr_expect_null(strstr(p1.data, SHMGEN_SOURCE_DIR), "absolute paths make output depend on the checkout");
    free(s1), free(s2);
    shmgen_buf_free(&h1), shmgen_buf_free(&c1), shmgen_buf_free(&p1);
    shmgen_buf_free(&h2), shmgen_buf_free(&c2), shmgen_buf_free(&p2);
}

Test(generate, cli_runs_are_reproducible)
{
    char *a = fresh_dir("repro_a"), *b = fresh_dir("repro_b");
    cr_assert_eq(runf("cd %s/game_server && %s generate segment.yaml -o %s", GOLDEN_DIR, SHMGEN_BIN, a), 0);
    cr_assert_eq(runf("cd %s/game_server && %s generate segment.yaml -o %s", GOLDEN_DIR, SHMGEN_BIN, b), 0);
    cr_expect_eq(runf("cmp -s %s/game_server.h %s/game_server.h", a, b), 0);
    cr_expect_eq(runf("cmp -s %s/game_server.c %s/game_server.c", a, b), 0);
    cr_expect_eq(count_entries(a), 2, "generate must write exactly two files");
}

/* The previous outputs of dir, byte for byte. */
typedef struct snapshot {
    char *h, *c;
    size_t hlen, clen;
} snapshot_t;

static snapshot_t take(const char *dir)
{
    snapshot_t s;
    char *hp = fmt("%s/game_server.h", dir), *cp = fmt("%s/game_server.c", dir);
    s.h = slurp(hp, &s.hlen);
    s.c = slurp(cp, &s.clen);
    cr_assert(s.h && s.c);
    return s;
}

static void expect_unchanged(const char *dir, const snapshot_t *before)
{
    snapshot_t now = take(dir);
    cr_expect(now.hlen == before->hlen && memcmp(now.h, before->h, now.hlen) == 0, "header was modified");
    cr_expect(now.clen == before->clen && memcmp(now.c, before->c, now.clen) == 0, "source was modified");
    cr_expect_eq(count_entries(dir), 2, "a failed run left files behind");
    free(now.h), free(now.c);
}

Test(generate, failed_runs_leave_previous_output_untouched)
{
    char *dir = fresh_dir("atomic"), *work = fresh_dir("atomic_in"), *log = fmt("%s/log", work);
    char *good = fmt("%s/game_server/segment.yaml", GOLDEN_DIR), *bad = fmt("%s/bad.yaml", work);
    char *tdir = fmt("%s/templates", work), *text, *bumped = fmt("%s/bumped.yaml", work);
    snapshot_t before;
    cr_assert_eq(runf("%s generate %s -o %s", SHMGEN_BIN, good, dir), 0);
    before = take(dir);

    /* a schema error: exit 2, diagnostics, nothing written */
    spit(bad, "segment: game_server\nversion: 3\nstructures:\n  q: {kind: heap, type: u32, capacity: 4}\n");
    cr_expect_eq(runf("%s generate %s -o %s 2>%s", SHMGEN_BIN, bad, dir, log), 2);
    text = slurp(log, NULL);
    cr_expect(strstr(text, "bad.yaml:4:") != NULL, "diagnostic should point into the schema: %s", text);
    free(text);
    expect_unchanged(dir, &before);

    /* a template error in an overriding template: exit 2, named file:line:col */
    cr_assert_eq(runf("mkdir -p %s && sed 's/version: 3/version: 4/' %s > %s", tdir, good, bumped), 0);
    spit(fmt("%s/segment.c.tmpl", tdir), "/* {{ segment }} */\n{{ no_such_key }}\n");
    cr_expect_eq(runf("%s generate %s -o %s --templates %s 2>%s", SHMGEN_BIN, bumped, dir, tdir, log), 2);
    text = slurp(log, NULL);
    cr_expect(strstr(text, "templates/segment.c.tmpl:2:4: error: undefined variable 'no_such_key'") != NULL,
              "template diagnostic: %s", text);
    free(text);
    expect_unchanged(dir, &before);

    /* an output directory that cannot be written */
    cr_expect_eq(runf("%s generate %s -o /proc/shmgen_no_such_dir 2>/dev/null", SHMGEN_BIN, good), 2);
    free(before.h), free(before.c);
}

Test(generate, templates_dir_overrides_embedded_ones)
{
    char *dir = fresh_dir("override"), *tdir = fresh_dir("override_t"), *h;
    spit(fmt("%s/segment.h.tmpl", tdir), "// custom header of {{ segment }}{% include \"partials/mine.tmpl\" %}\n");
    cr_assert_eq(runf("mkdir -p %s/partials", tdir), 0);
    spit(fmt("%s/partials/mine.tmpl", tdir), " v{{ version }}");
    cr_assert_eq(runf("%s generate %s/minimal/segment.yaml -o %s --templates %s", SHMGEN_BIN, GOLDEN_DIR, dir, tdir), 0);
    h = slurp(fmt("%s/counter.h", dir), NULL);
    cr_expect_str_eq(h, "// custom header of counter v1\n");
    /* segment.c.tmpl is not in tdir: the embedded one is used */
    cr_expect_eq(runf("grep -q 'counter_layout(void)' %s/counter.c", dir), 0);
    free(h);
}

Test(generate, usage_errors_exit_2)
{
    cr_expect_eq(runf("%s generate 2>/dev/null", SHMGEN_BIN), 2);
    cr_expect_eq(runf("%s generate %s/minimal/segment.yaml 2>/dev/null", SHMGEN_BIN, GOLDEN_DIR), 2);
    cr_expect_eq(runf("%s generate a.yaml b.yaml -o x 2>/dev/null", SHMGEN_BIN), 2);
    cr_expect_eq(runf("%s generate --bogus a.yaml -o x 2>/dev/null", SHMGEN_BIN), 2);
    cr_expect_eq(runf("%s generate a.yaml -o 2>/dev/null", SHMGEN_BIN), 2);
    cr_expect_eq(runf("%s generate /nonexistent/segment.yaml -o /tmp 2>/dev/null", SHMGEN_BIN), 2);
    cr_expect_eq(runf("%s generate %s/minimal/segment.yaml -o /tmp --templates /nonexistent 2>/dev/null", SHMGEN_BIN,
                      GOLDEN_DIR), 2);
    cr_expect_eq(runf("%s generate --help >/dev/null", SHMGEN_BIN), 0);
}

Test(generate, colliding_generated_names_are_reported_at_the_schema)
{
    static const char yaml[] = "segment: cx\n"
                               "version: 1\n"
                               "enums:\n"
                               "  schema: [version]\n"
                               "  a_b: [c]\n"
                               "  a: [b_c]\n"
                               "types:\n"
                               "  q_handle: {x: u32}\n"
                               "structures:\n"
                               "  q: {kind: pool, type: q_handle, capacity: 2}\n";
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema = shmgen_schema_load_buffer("cx.yaml", yaml, sizeof yaml - 1, &diags);
    shmgen_gen_t *gen = shmgen_gen_new(NULL);
    shmgen_buf_t h = {0}, c = {0};
    char text[4096] = "";
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    cr_assert_not_null(schema, "the schema itself is valid");
    cr_expect_eq(shmgen_gen_render(gen, schema, &h, &c, &diags), -1);
    shmgen_diags_print(&diags, f);
    fclose(f);
    cr_expect_eq(diags.errors, 3, "%s", text);
    cr_expect(strstr(text, "cx.yaml:4:12: error: generated C name 'CX_SCHEMA_VERSION' of the value 'version' of "
                           "enum 'schema' collides with the one of the segment 'cx'; rename one of them\n"
                           "note: cx.yaml:1:10: the segment 'cx' is declared here\n") != NULL, "%s", text);
    cr_expect(strstr(text, "generated C name 'CX_A_B_C'") != NULL, "%s", text);
    cr_expect(strstr(text, "generated C name 'cx_q_handle_t'") != NULL, "%s", text);
    shmgen_buf_free(&h), shmgen_buf_free(&c);
    shmgen_diags_free(&diags);
    shmgen_gen_free(gen);
    shmgen_schema_free(schema);
}

/* Renders yaml with templates from tdir (NULL: the embedded ones); returns the
 * number of errors, their text in text. */
static size_t render_errors(const char *yaml, const char *tdir, char *text, size_t size)
{
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema = shmgen_schema_load_buffer("ops.yaml", yaml, strlen(yaml), &diags);
    shmgen_gen_options_t opts = {.template_dir = tdir};
    shmgen_gen_t *gen = shmgen_gen_new(&opts);
    shmgen_buf_t h = {0}, c = {0};
    FILE *f = fmemopen(text, size - 1, "w");
    size_t errors;
    cr_assert_not_null(schema, "the schema itself is valid");
    (void)shmgen_gen_render(gen, schema, &h, &c, &diags);
    shmgen_diags_print(&diags, f);
    fclose(f);
    errors = diags.errors;
    shmgen_buf_free(&h), shmgen_buf_free(&c);
    shmgen_diags_free(&diags);
    shmgen_gen_free(gen);
    shmgen_schema_free(schema);
    return errors;
}

/* The operations of a kind come from its template alone: an operation a
 * template adds is checked without any other change. */
Test(generate, operations_a_kind_template_defines_are_checked_for_collisions)
{
    static const char yaml[] = "segment: ops\nversion: 1\nstructures:\n"
                               "  a: {kind: stack, type: u32, capacity: 2}\n"
                               "  a_b: {kind: queue, type: u32, capacity: 2}\n";
    char *tdir = fresh_dir("ops_templates"), text[4096] = "";
    cr_expect_eq(render_errors(yaml, NULL, text, sizeof text), 0, "%s", text);
    cr_assert_eq(runf("mkdir -p %s/kinds && cp %s/templates/kinds/stack.h.tmpl %s/kinds/", tdir, SHMGEN_SOURCE_DIR, tdir), 0);
    cr_assert_eq(runf("printf '%%s\\n' 'static inline uint64_t {{ s.fn }}_b_size({{ segment }}_t *seg);' >> %s/kinds/stack.h.tmpl",
                      tdir), 0);
    cr_expect_eq(render_errors(yaml, tdir, text, sizeof text), 1, "%s", text);
    cr_expect(strstr(text, "ops.yaml:5:3: error: generated C name 'ops_a_b_size' of the structure 'a_b' collides with "
                           "the one of the structure 'a'; rename one of them\nnote: ops.yaml:4:3: the structure 'a' "
                           "is declared here\n") != NULL, "%s", text);
}

/* The names the topic template composes (a subscription type) take part in
 * the check like any other: a declared type `feed_sub` clashes with topic
 * feed's subscription type. */
Test(generate, a_topic_subscription_type_is_checked_for_collisions)
{
    static const char yaml[] = "segment: ops\nversion: 1\ntypes:\n  feed_sub: {x: u32}\nstructures:\n"
                               "  feed: {kind: topic, type: feed_sub, capacity: 2}\n"
                               "  pose: {kind: latest, type: u64}\n";
    char text[4096] = "";
    cr_expect_eq(render_errors(yaml, NULL, text, sizeof text), 1, "%s", text);
    cr_expect(strstr(text, "ops.yaml:6:3: error: generated C name 'ops_feed_sub_t' of the structure 'feed' collides "
                           "with the one of the type 'feed_sub'") != NULL, "%s", text);
    cr_expect(strstr(text, "note: ops.yaml:4:3: the type 'feed_sub' is declared here") != NULL, "%s", text);
}

/* --depfile: one Makefile rule, absolute paths, the schema and what was read
 * or searched in --templates DIR; written with the outputs or not at all. */
Test(generate, depfile_names_the_schema_and_the_overriding_templates)
{
    char *dir = fresh_dir("depfile"), *tdir = fresh_dir("depfile_t"), *dep = fmt("%s/deps/out.d", dir), *text, *rule;
    char *schema = fmt("%s/minimal/segment.yaml", GOLDEN_DIR);
    cr_assert_eq(runf("mkdir -p %s/partials && cp %s/templates/partials/banner.tmpl %s/partials/", tdir,
                      SHMGEN_SOURCE_DIR, tdir), 0);
    cr_assert_eq(runf("cd %s/minimal && %s generate segment.yaml -o %s/out --templates %s --depfile %s", GOLDEN_DIR,
                      SHMGEN_BIN, dir, tdir, dep), 0);
    cr_assert_not_null(text = slurp(dep, NULL));
    rule = fmt("%s/out/counter.h %s/out/counter.c: %s \\\n", dir, dir, schema);
    cr_expect(strncmp(text, rule, strlen(rule)) == 0, "the rule should start with\n%s\ngot\n%s", rule, text);
    cr_expect(strstr(text, fmt("  %s \\\n", tdir)) != NULL, "the templates folder: %s", text);
    cr_expect(strstr(text, fmt("  %s/partials \\\n", tdir)) != NULL, "a folder searched: %s", text);
    cr_expect(strstr(text, fmt("  %s/partials/banner.tmpl", tdir)) != NULL, "the template read: %s", text);
    cr_expect_null(strstr(text, "kinds/"), "%s/kinds does not exist: no dependency on it: %s", tdir, text);
    cr_expect_null(strstr(text, "embedded"), "%s", text);
    free(text);
    /* a depfile that cannot be written fails the run before any output is renamed */
    cr_expect_eq(runf("%s generate %s -o %s/again --depfile /proc/no/such.d 2>/dev/null", SHMGEN_BIN, schema, dir), 2);
    cr_expect_neq(access(fmt("%s/again/counter.h", dir), F_OK), 0, "an output was written by a failed run");
}

/* What build tools need: outputs named without reading the schema, a banner
 * path apart from the path diagnostics use, and <segment>.h still there. */
Test(generate, output_name_and_banner_path)
{
    char *dir = fresh_dir("named"), *work = fresh_dir("named_in"), *log = fmt("%s/log", work);
    char *schema = fmt("%s/minimal/segment.yaml", GOLDEN_DIR), *bad = fmt("%s/bad.yaml", work);
    char *args = fmt("--output-name seg --banner-path rel/segment.yaml");
    char *h, *c, *fwd, *text;
    cr_assert_eq(runf("%s generate %s -o %s %s", SHMGEN_BIN, schema, dir, args), 0);
    cr_expect_eq(count_entries(dir), 3, "seg.h, seg.c and the forwarding counter.h");
    cr_assert(h = slurp(fmt("%s/seg.h", dir), NULL));
    cr_assert(c = slurp(fmt("%s/seg.c", dir), NULL));
    cr_assert(fwd = slurp(fmt("%s/counter.h", dir), NULL));
    cr_expect(strstr(c, "#include \"seg.h\"\n") != NULL, "seg.c must include seg.h");
    cr_expect(strstr(fwd, "\n#include \"seg.h\"\n") != NULL, "counter.h forwards to seg.h: %s", fwd);
    cr_expect(strstr(h, "from rel/segment.yaml;") && strstr(c, "from rel/segment.yaml;") &&
              strstr(fwd, "from rel/segment.yaml;"), "every banner names the banner path");
    cr_expect(strstr(h, "-o DIR --output-name seg\n") != NULL, "the regenerate line: %s", h);
    cr_expect(!strstr(h, GOLDEN_DIR) && !strstr(c, GOLDEN_DIR) && !strstr(fwd, GOLDEN_DIR), "no absolute path");
    /* code including either name compiles against seg.c */
    spit(fmt("%s/main.c", work), "#include \"counter.h\"\nint main(void) { return counter_layout() ? 0 : 1; }\n");
    cr_expect_eq(runf("cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I%s -I" RUNTIME_INCLUDE
                      " %s/main.c %s/seg.c", dir, work, dir), 0);
    free(h), free(c), free(fwd);

    /* diagnostics name the schema as given (absolute), not the banner path */
    spit(bad, "segment: counter\nversion: 1\nstructures:\n  q: {kind: heap, type: u32, capacity: 4}\n");
    cr_expect_eq(runf("%s generate %s -o %s %s 2>%s", SHMGEN_BIN, bad, dir, args, log), 2);
    cr_assert(text = slurp(log, NULL));
    cr_expect(strncmp(text, fmt("%s:4:", bad), strlen(bad) + 3) == 0, "diagnostic: %s", text);
    free(text);
    /* the output name is a file name; equal to the segment: no forwarder */
    cr_expect_eq(runf("%s generate %s -o %s --output-name a/b 2>/dev/null", SHMGEN_BIN, schema, dir), 2);
    cr_expect_eq(runf("%s generate %s -o %s --output-name .. 2>/dev/null", SHMGEN_BIN, schema, dir), 2);
    cr_expect_eq(count_entries(dir), 3, "a refused output name wrote something");
    dir = fresh_dir("named_same");
    cr_assert_eq(runf("%s generate %s -o %s --output-name counter", SHMGEN_BIN, schema, dir), 0);
    cr_expect_eq(count_entries(dir), 2);
}

/* mtime of path in nanoseconds. */
static long long mtime_ns(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

/* A run whose output bytes equal the files' leaves them alone (a build tool
 * then recompiles nothing); a real change rewrites them. */
Test(generate, unchanged_outputs_are_not_rewritten)
{
    char *dir = fresh_dir("unchanged"), *work = fresh_dir("unchanged_in"), *copy = fmt("%s/segment.yaml", work);
    char *h = fmt("%s/counter.h", dir), *c = fmt("%s/counter.c", dir), *dep = fmt("%s/out.d", dir);
    char *stamp = fmt("%s/stamps/counter.stamp", dir), *text;
    char *gen = fmt("%s generate %s -o %s --depfile %s --stamp %s", SHMGEN_BIN, copy, dir, dep, stamp);
    long long h0, c0, d0, s0;
    cr_assert_eq(runf("cp %s/minimal/segment.yaml %s", GOLDEN_DIR, copy), 0);
    cr_assert_eq(run(gen), 0);
    cr_assert_not_null(text = slurp(dep, NULL));
    cr_expect(strncmp(text, fmt("%s %s %s:", stamp, h, c), strlen(stamp) + strlen(h) + strlen(c) + 3) == 0,
              "the depfile's first target must be the stamp: %s", text);
    free(text);
    cr_assert_eq(runf("touch -d '2001-02-03 04:05:06' %s %s %s %s", h, c, dep, stamp), 0);
    h0 = mtime_ns(h), c0 = mtime_ns(c), d0 = mtime_ns(dep), s0 = mtime_ns(stamp);
    cr_assert_eq(runf("touch %s && %s", copy, gen), 0);
    cr_expect_eq(mtime_ns(h), h0, "an unchanged header was rewritten");
    cr_expect_eq(mtime_ns(c), c0, "an unchanged source was rewritten");
    cr_expect_eq(mtime_ns(dep), d0, "an unchanged depfile was rewritten");
    cr_expect_gt(mtime_ns(stamp), s0, "the stamp was not touched");
    cr_expect_eq(count_entries(dir), 4, "a temporary was left behind");
    /* a changed schema: both outputs rewritten, the same depfile left alone */
    cr_assert_eq(runf("sed -i 's/^version: 1/version: 2/' %s", copy), 0);
    cr_assert_eq(run(gen), 0);
    cr_expect_neq(mtime_ns(h), h0, "a changed header was not written");
    cr_expect_neq(mtime_ns(c), c0, "a changed source was not written");
    cr_expect_eq(runf("grep -q 'schema version 2' %s", h), 0);
    cr_expect_eq(mtime_ns(dep), d0);
}
