/*
 * SPDX-License-Identifier: MIT
 *
 * test_verify_corpus.c — the two verifiers give one verdict.  Every pair of
 * verify_corpus/NN-name/ {a.yaml, b.yaml, expected.txt}: a live segment is
 * created from a.yaml (with the runtime, as generated code would) and checked
 * against b.yaml by `shmgen verify` and by the generated verifier of b.yaml
 * (verify_corpus_<pair>, see verify_main.c), each plain and strict.  Exit
 * codes and finding lines must be the same for both and equal expected.txt.
 * Also the runtime's shmgen_segment_compare itself: arguments, the callback's
 * fields, a NULL callback.
 *
 * expected.txt: "exit N", "strict N", then the finding lines of the plain
 * run in order, as `shmgen verify` prints them, hashes written 0xHASH.
 * SHMGEN_UPDATE_GOLDEN=1 rewrites them from `shmgen verify` (review the diff).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmgen/shmgen.h"
#include "shmgen_schema/model.h"
#include "tool.h"

#define CORPUS SHMGEN_SOURCE_DIR "/tests/generator/live/verify_corpus"
#define MAX_PAIRS 64
#define MAX_LINES 32

typedef struct lines {
    char *v[MAX_LINES];
    size_t n;
} lines_t;

typedef struct expected {
    int exit_code, strict_code;
    lines_t findings;
} expected_t;

static void lines_free(lines_t *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    l->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_pairs(lines_t *pairs)
{
    DIR *d = opendir(CORPUS);
    struct dirent *e;
    cr_assert_not_null(d, "cannot open %s", CORPUS);
    pairs->n = 0;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            cr_assert_lt(pairs->n, MAX_LINES);
            pairs->v[pairs->n++] = strdup(e->d_name);
        }
    closedir(d);
    qsort(pairs->v, pairs->n, sizeof *pairs->v, cmp_str);
}

/* line with every 0x + 16 hex digits written 0xHASH (hashes are pinned elsewhere). */
static char *mask_hashes(const char *line)
{
    char *out = strdup(line), *w = out;
    for (const char *p = line; *p;) {
        size_t k = 0;
        if (p[0] == '0' && p[1] == 'x')
            while (k < 16 && strchr("0123456789abcdef", p[2 + k]) && p[2 + k]) k++;
        if (k == 16) {
            memcpy(w, "0xHASH", 6), w += 6, p += 18;
            continue;
        }
        *w++ = *p++;
    }
    *w = '\0';
    return out;
}

static void push(lines_t *l, const char *line)
{
    cr_assert_lt(l->n, MAX_LINES, "too many lines");
    l->v[l->n++] = mask_hashes(line);
}

static void read_expected(const char *pair, expected_t *ex)
{
    char path[512], *text, *save = NULL;
    snprintf(path, sizeof path, CORPUS "/%s/expected.txt", pair);
    cr_assert_not_null(text = tool_read_file(path), "%s: no expected.txt", pair);
    memset(ex, 0, sizeof *ex);
    ex->exit_code = ex->strict_code = -1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || sscanf(line, "exit %d", &ex->exit_code) == 1 ||
            sscanf(line, "strict %d", &ex->strict_code) == 1)
            continue;
        push(&ex->findings, line);
    }
    free(text);
    cr_assert(ex->exit_code >= 0 && ex->strict_code >= 0, "%s: expected.txt needs 'exit N' and 'strict N'", pair);
}

/* Creates shm name from schema file a; the caller closes the handle. */
static shmgen_segment_t *create_from(const char *a, const char *name)
{
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load(a, &d);
    shmgen_layout_t layout;
    shmgen_struct_desc_t *descs = NULL;
    shmgen_segment_t *seg = NULL;
    int rc;
    if (!s) shmgen_diags_print(&d, stderr);
    cr_assert_not_null(s, "%s does not load", a);
    cr_assert_eq(shmgen_schema_runtime_layout(s, &layout, &descs), 0);
    if (shmgen_segment_unlink(name) != 0) { /* absent: the usual case */ }
    rc = shmgen_segment_create(name, &layout, NULL, &seg);
    cr_assert_eq(rc, 0, "create %s from %s: %s (%s)", name, a, shmgen_strerror(rc), shmgen_segment_last_detail());
    free(descs);
    shmgen_schema_free(s);
    shmgen_diags_free(&d);
    return seg;
}

/* `shmgen verify`'s finding lines (all but its closing "verify:" line). */
static void cli_findings(const char *out, lines_t *l)
{
    char *text = strdup(out ? out : ""), *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        if (strncmp(line, "verify: ", 8) != 0) push(l, line);
    free(text);
}

/* The generated verifier's lines without their "NAME: " prefix, its "schema:"
 * field lines (counted in *fields) and its closing line (copied to last). */
static void gen_findings(const char *out, const char *name, lines_t *l, size_t *fields, char *last, size_t size)
{
    char *text = strdup(out ? out : ""), *save = NULL, prefix[128];
    size_t plen = (size_t)snprintf(prefix, sizeof prefix, "%s: ", name);
    lines_t all = {0};
    *fields = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cr_assert(strncmp(line, prefix, plen) == 0, "a line without the '%s' prefix: %s", prefix, line);
        if (strncmp(line + plen, "schema: ", 8) == 0) (*fields)++;
        else push(&all, line + plen);
    }
    free(text);
    cr_assert_gt(all.n, 0, "the generated verifier printed nothing");
    snprintf(last, size, "%s", all.v[all.n - 1]);
    for (size_t i = 0; i + 1 < all.n; i++) push(l, all.v[i]);
    lines_free(&all);
}

static void expect_same_lines(const char *pair, const char *what, const lines_t *got, const lines_t *want)
{
    cr_expect_eq(got->n, want->n, "%s: %s: %zu finding lines, %zu expected", pair, what, got->n, want->n);
    for (size_t i = 0; i < got->n && i < want->n; i++)
        cr_expect_str_eq(got->v[i], want->v[i], "%s: %s: line %zu", pair, what, i + 1);
}

static bool has_element_finding(const lines_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (strstr(l->v[i], "element type differs")) return true;
    return false;
}

/* One pair, one mode: both verifiers, same exit code, same findings. */
static void run_pair(const char *pair, const char *name, bool strict, const expected_t *ex)
{
    char b[512], prog[512], last[512], *cli_out = NULL, *gen_out = NULL;
    const char *cli_args[] = {"verify", b, name, strict ? "--strict" : NULL, NULL};
    const char *gen_args[] = {name, strict ? "--strict" : NULL, NULL};
    const char *mode = strict ? "strict" : "plain";
    int want = strict ? ex->strict_code : ex->exit_code, cli, gen;
    lines_t cl = {0}, gl = {0};
    size_t fields;
    snprintf(b, sizeof b, CORPUS "/%s/b.yaml", pair);
    snprintf(prog, sizeof prog, VERIFY_CORPUS_BIN "/verify_corpus_%s", pair);
    cr_assert_eq(access(prog, X_OK), 0, "%s: no program %s (list the pair in tests/generator/live/CMakeLists.txt)",
                 pair, prog);
    cli = tool_run(cli_args, &cli_out, NULL);
    gen = tool_run_program(prog, gen_args, &gen_out, NULL);
    cr_expect_eq(cli, want, "%s (%s): shmgen verify exits %d, expected %d:\n%s", pair, mode, cli, want, cli_out);
    cr_expect_eq(gen, want, "%s (%s): generated verifier exits %d, expected %d:\n%s", pair, mode, gen, want, gen_out);
    cli_findings(cli_out, &cl);
    gen_findings(gen_out, name, &gl, &fields, last, sizeof last);
    expect_same_lines(pair, mode, &gl, &cl);
    if (!strict) expect_same_lines(pair, "expected.txt", &cl, &ex->findings);
    cr_expect_eq(strncmp(last, want ? "mismatch: does not match" : "ok: matches", want ? 24 : 11), 0,
                 "%s (%s): the generated verdict line is '%s'", pair, mode, last);
    cr_expect_eq(fields > 0, has_element_finding(&cl), "%s (%s): the schema's fields go with element findings", pair,
                 mode);
    lines_free(&cl), lines_free(&gl);
    free(cli_out), free(gen_out);
}

/* SHMGEN_UPDATE_GOLDEN=1: expected.txt from `shmgen verify`'s exit codes and lines. */
static void update_expected(const char *pair, const char *name)
{
    char b[512], path[512], *out = NULL;
    const char *plain[] = {"verify", b, name, NULL}, *strict[] = {"verify", b, name, "--strict", NULL};
    lines_t l = {0};
    FILE *f;
    int code, strict_code;
    snprintf(b, sizeof b, CORPUS "/%s/b.yaml", pair);
    snprintf(path, sizeof path, CORPUS "/%s/expected.txt", pair);
    strict_code = tool_run(strict, NULL, NULL);
    code = tool_run(plain, &out, NULL);
    cli_findings(out, &l);
    cr_assert_not_null(f = fopen(path, "w"));
    fprintf(f, "# a.yaml's segment verified against b.yaml: exit codes (plain, --strict) of both\n"
               "# verifiers, then the findings of the plain run as `shmgen verify` prints them\n"
               "exit %d\nstrict %d\n", code, strict_code);
    for (size_t i = 0; i < l.n; i++) fprintf(f, "%s\n", l.v[i]);
    cr_assert_eq(fclose(f), 0);
    lines_free(&l);
    free(out);
}

Test(verify_corpus, both_verifiers_agree_on_every_pair)
{
    lines_t pairs;
    list_pairs(&pairs);
    cr_assert_geq(pairs.n, 12, "the corpus lost pairs");
    for (size_t i = 0; i < pairs.n; i++) {
        char a[512], name[96];
        expected_t ex;
        shmgen_segment_t *seg;
        snprintf(a, sizeof a, CORPUS "/%s/a.yaml", pairs.v[i]);
        snprintf(name, sizeof name, "/shmgen-verify-corpus-%d-%zu", (int)getpid(), i);
        seg = create_from(a, name);
        if (getenv("SHMGEN_UPDATE_GOLDEN")) update_expected(pairs.v[i], name);
        read_expected(pairs.v[i], &ex);
        run_pair(pairs.v[i], name, false, &ex);
        run_pair(pairs.v[i], name, true, &ex);
        (void)shmgen_segment_close(seg);
        lines_free(&ex.findings);
    }
    lines_free(&pairs);
}

/* ---- shmgen_segment_compare itself --------------------------------------- */

typedef struct seen {
    size_t n, mismatches;
    shmgen_finding_t last; /* its pointers are dangling after the call; copied below */
    char structure[64], message[256];
    uint64_t got_capacity;
} seen_t;

static void count(const shmgen_finding_t *f, void *ctx)
{
    seen_t *s = ctx;
    s->n++;
    s->mismatches += f->mismatch;
    s->last = *f;
    snprintf(s->structure, sizeof s->structure, "%s", f->structure ? f->structure : "");
    snprintf(s->message, sizeof s->message, "%s", f->message);
    s->got_capacity = f->got ? f->got->capacity : 0;
}

static const shmgen_struct_desc_t descs[] = {
    {.name = "q", .kind = SHMGEN_KIND_QUEUE, .elem_size = 8, .elem_align = 8, .capacity = 4, .elem_hash = 1, .since = 1},
};
static const shmgen_layout_t layout = {.segment = "cmp", .schema_version = 1, .layout_hash = 7, .nstructs = 1,
                                       .structs = descs};

Test(compare, arguments_and_callback)
{
    char name[96];
    shmgen_segment_t *seg = NULL;
    shmgen_struct_desc_t wider = descs[0];
    shmgen_layout_t other = layout, nameless = layout;
    seen_t s = {0};
    snprintf(name, sizeof name, "/shmgen-compare-%d", (int)getpid());
    if (shmgen_segment_unlink(name) != 0) { /* absent: the usual case */ }
    cr_assert_eq(shmgen_segment_create(name, &layout, NULL, &seg), 0, "%s", shmgen_segment_last_detail());
    cr_expect_eq(shmgen_segment_compare(NULL, &layout, 0, NULL, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_expect_eq(shmgen_segment_compare(seg, NULL, 0, NULL, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_expect_eq(shmgen_segment_compare(seg, &layout, 2u, NULL, NULL), SHMGEN_INVALID_ARGUMENT);
    nameless.segment = NULL;
    cr_expect_eq(shmgen_segment_compare(seg, &nameless, 0, NULL, NULL), SHMGEN_INVALID_ARGUMENT);
    cr_expect_eq(shmgen_segment_compare(seg, &layout, 0, count, &s), 0);
    cr_expect_eq(s.n, 0, "the creating layout has no differences");
    /* capacity 8 instead of 4: a note, a mismatch only when strict; a NULL callback still gives the verdict */
    wider.capacity = 8;
    other.structs = &wider;
    cr_expect_eq(shmgen_segment_compare(seg, &other, 0, NULL, NULL), 0);
    cr_expect_eq(shmgen_segment_compare(seg, &other, SHMGEN_COMPARE_STRICT, NULL, NULL), 1);
    cr_expect_eq(shmgen_segment_compare(seg, &other, 0, count, &s), 0);
    cr_expect_eq(s.n, 1);
    cr_expect_eq(s.last.kind, SHMGEN_FINDING_CAPACITY);
    cr_expect(!s.last.mismatch);
    cr_expect_str_eq(s.structure, "q");
    cr_expect_str_eq(s.message, "capacity 4 in the segment, 8 in the schema (compatible: read from the segment)");
    cr_expect_eq(s.last.layout_index, 0);
    cr_expect_eq(s.last.want, &wider);
    cr_expect_eq(s.got_capacity, 4);
    (void)shmgen_segment_close(seg);
}
