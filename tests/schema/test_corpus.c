/*
 * SPDX-License-Identifier: MIT
 *
 * test_corpus.c — golden corpora: every tests/schema/bad/NN-name.yaml must
 * produce exactly the diagnostics of NN-name.stderr (file names relative to
 * that folder), and every tests/schema/good/NAME.yaml must load and produce
 * NAME.layout.json and NAME.layout.txt.  SHMGEN_UPDATE_GOLDEN=1 rewrites the
 * golden files.  Depends on shmgen_schema.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Sorted names ending in `suffix` in `dir`; returns the count. */
static size_t list_dir(const char *dir, const char *suffix, char ***out)
{
    struct dirent **entries;
    size_t n = 0, slen = strlen(suffix);
    int total = scandir(dir, &entries, NULL, alphasort);
    cr_assert_geq(total, 0, "cannot read %s", dir);
    *out = calloc((size_t)total + 1, sizeof **out);
    for (int i = 0; i < total; i++) {
        size_t len = strlen(entries[i]->d_name);
        if (entries[i]->d_name[0] != '.' && len > slen && strcmp(entries[i]->d_name + len - slen, suffix) == 0)
            (*out)[n++] = strdup(entries[i]->d_name);
        free(entries[i]);
    }
    free(entries);
    return n;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static char *with_suffix(const char *name, const char *old_suffix, const char *new_suffix)
{
    size_t base = strlen(name) - strlen(old_suffix);
    char *p = malloc(base + strlen(new_suffix) + 1);
    memcpy(p, name, base);
    strcpy(p + base, new_suffix);
    return p;
}

Test(corpus, bad_schemas_give_exactly_their_diagnostics)
{
    char **names;
    size_t n;
    cr_assert_eq(chdir(SCHEMA_TEST_DIR "/bad"), 0);
    n = list_dir(".", ".yaml", &names);
    cr_assert_geq(n, 40, "the bad corpus has only %zu schemas", n);
    for (size_t i = 0; i < n; i++) {
        shmgen_diags_t d = {0};
        shmgen_schema_t *s = shmgen_schema_load(names[i], &d);
        char *text = th_diag_text(&d), *golden = with_suffix(names[i], ".yaml", ".stderr");
        cr_expect_null(s, "%s loaded although it is invalid", names[i]);
        cr_expect_gt(d.errors, 0, "%s: no error reported", names[i]);
        th_golden(golden, text);
        shmgen_schema_free(s);
        shmgen_diags_free(&d);
        free(text);
        free(golden);
    }
    free_list(names, n);
}

Test(corpus, good_schemas_give_their_layouts)
{
    char **names;
    size_t n;
    cr_assert_eq(chdir(SCHEMA_TEST_DIR "/good"), 0);
    n = list_dir(".", ".yaml", &names);
    cr_assert_geq(n, 5);
    for (size_t i = 0; i < n; i++) {
        shmgen_diags_t d = {0};
        shmgen_schema_t *s = shmgen_schema_load(names[i], &d);
        char *json_name = with_suffix(names[i], ".yaml", ".layout.json");
        char *text_name = with_suffix(names[i], ".yaml", ".layout.txt");
        char *diags = th_diag_text(&d);
        cr_assert_not_null(s, "%s does not load:\n%s", names[i], diags);
        cr_expect_eq(d.count, 0, "%s: unexpected diagnostics:\n%s", names[i], diags);
        char *json = th_layout_json(s), *text = th_layout_text(s);
        th_golden(json_name, json);
        th_golden(text_name, text);
        free(json), free(text), free(diags), free(json_name), free(text_name);
        shmgen_schema_free(s);
        shmgen_diags_free(&d);
    }
    free_list(names, n);
}

/* The corpus of fuzzing seeds must stay loadable or cleanly refused. */
Test(corpus, fuzz_seeds_do_not_crash)
{
    char **names;
    size_t n;
    cr_assert_eq(chdir(SCHEMA_TEST_DIR "/fuzz_corpus"), 0);
    n = list_dir(".", "", &names);
    for (size_t i = 0; i < n; i++) {
        shmgen_diags_t d = {0};
        shmgen_schema_t *s = shmgen_schema_load(names[i], &d);
        cr_expect((s != NULL) == (d.errors == 0), "%s", names[i]);
        shmgen_schema_free(s);
        shmgen_diags_free(&d);
    }
    free_list(names, n);
}
