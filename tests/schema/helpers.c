/*
 * SPDX-License-Identifier: MIT
 *
 * helpers.c — see helpers.h.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    if (!f) return NULL;
    do {
        if (n + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

bool th_write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(text, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    return ok;
}

char *th_diag_text(const shmgen_diags_t *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    cr_assert_not_null(m);
    shmgen_diags_print(d, m);
    if (d->count) shmgen_diags_print_summary(d, m);
    fclose(m);
    return text;
}

shmgen_schema_t *th_load(const char *yaml, char **diag_text)
{
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load_buffer("t.yaml", yaml, strlen(yaml), &d);
    cr_assert((s != NULL) == (d.errors == 0), "a schema is returned exactly when there is no error");
    if (diag_text) *diag_text = th_diag_text(&d);
    shmgen_diags_free(&d);
    return s;
}

static char *capture(const shmgen_schema_t *s, int (*writer)(const shmgen_schema_t *, FILE *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    cr_assert_not_null(m);
    cr_assert_eq(writer(s, m), 0);
    fclose(m);
    return text;
}

char *th_layout_json(const shmgen_schema_t *s) { return capture(s, shmgen_layout_json_write); }
char *th_layout_text(const shmgen_schema_t *s) { return capture(s, shmgen_layout_text_write); }

static size_t first_diff_line(const char *a, const char *b)
{
    size_t line = 1;
    for (; *a && *a == *b; a++, b++)
        if (*a == '\n') line++;
    return line;
}

void th_golden(const char *golden_path, const char *got)
{
    const char *update = getenv("SHMGEN_UPDATE_GOLDEN");
    char *want;
    if (update && strcmp(update, "1") == 0) {
        cr_assert(th_write_file(golden_path, got, strlen(got)), "cannot write %s", golden_path);
        return;
    }
    want = th_read_file(golden_path, NULL);
    cr_assert_not_null(want, "missing golden file %s (run with SHMGEN_UPDATE_GOLDEN=1 to create it)", golden_path);
    cr_expect_str_eq(got, want, "%s differs from the output at line %zu; got:\n%s", golden_path,
                     first_diff_line(got, want), got);
    free(want);
}

bool th_contains(const char *haystack, const char *needle) { return haystack && strstr(haystack, needle) != NULL; }
