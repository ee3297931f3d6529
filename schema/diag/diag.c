/* SPDX-License-Identifier: MIT */
/* diag.c — collecting and printing diagnostics and their notes (see
 * shmgen_schema/diag.h).  Depends on libc only. */
#include "shmgen_schema/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char oom_message[] = "out of memory while reporting a diagnostic";

void shmgen_diag_add(shmgen_diags_t *d, shmgen_severity_t sev, shmgen_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    shmgen_diag_vadd(d, sev, loc, fmt, ap);
    va_end(ap);
}

void shmgen_diag_vadd(shmgen_diags_t *d, shmgen_severity_t sev, shmgen_loc_t loc, const char *fmt, va_list ap)
{
    char *msg = NULL;
    int n;

    if (sev == SHMGEN_SEV_ERROR) d->errors++;
    else d->warnings++;
    n = vasprintf(&msg, fmt, ap);
    if (n < 0) msg = NULL;
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        shmgen_diag_t *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            free(msg);
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    d->items[d->count].file = loc.file ? strdup(loc.file) : NULL;
    loc.file = d->items[d->count].file; /* NULL on OOM: printed as <input>, never dangling */
    d->items[d->count].loc = loc;
    d->items[d->count].severity = sev;
    d->items[d->count].message = msg ? msg : oom_message;
    d->items[d->count].note = NULL;
    d->items[d->count].note_file = NULL;
    d->items[d->count].note_loc = (shmgen_loc_t){NULL, 0, 0};
    d->count++;
}

void shmgen_diag_note(shmgen_diags_t *d, shmgen_loc_t loc, const char *fmt, ...)
{
    shmgen_diag_t *g = d->count ? &d->items[d->count - 1] : NULL;
    va_list ap;
    char *msg = NULL;
    if (!g) return;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    free(g->note);
    free(g->note_file);
    g->note = msg;
    g->note_file = loc.file ? strdup(loc.file) : NULL;
    loc.file = g->note_file;
    g->note_loc = loc;
}

typedef struct {
    const shmgen_diag_t *diag;
    size_t order; /* insertion order: the tie-break that makes the sort stable */
} ranked_t;

static int by_position(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->diag->loc.line != y->diag->loc.line) return x->diag->loc.line < y->diag->loc.line ? -1 : 1;
    if (x->diag->loc.column != y->diag->loc.column) return x->diag->loc.column < y->diag->loc.column ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

const shmgen_diag_t **shmgen_diags_sorted(const shmgen_diags_t *d)
{
    ranked_t *ranked = d->count ? malloc(d->count * sizeof *ranked) : NULL;
    const shmgen_diag_t **sorted = ranked ? malloc(d->count * sizeof *sorted) : NULL;
    if (sorted) {
        for (size_t i = 0; i < d->count; i++) ranked[i] = (ranked_t){&d->items[i], i};
        qsort(ranked, d->count, sizeof *ranked, by_position);
        for (size_t i = 0; i < d->count; i++) sorted[i] = ranked[i].diag;
    }
    free(ranked);
    return sorted;
}

static void print_place(FILE *out, shmgen_loc_t loc)
{
    const char *file = loc.file ? loc.file : "<input>";
    if (loc.line == 0) fprintf(out, "%s: ", file);
    else fprintf(out, "%s:%u:%u: ", file, loc.line, loc.column);
}

static void print_one(const shmgen_diag_t *g, FILE *out)
{
    print_place(out, g->loc);
    fprintf(out, "%s: %s\n", g->severity == SHMGEN_SEV_ERROR ? "error" : "warning", g->message);
    if (!g->note) return;
    fputs("note: ", out);
    print_place(out, g->note_loc);
    fprintf(out, "%s\n", g->note);
}

void shmgen_diags_print(const shmgen_diags_t *d, FILE *out)
{
    const shmgen_diag_t **sorted = shmgen_diags_sorted(d);
    for (size_t i = 0; i < d->count; i++) print_one(sorted ? sorted[i] : &d->items[i], out);
    free(sorted);
}

void shmgen_diags_print_summary(const shmgen_diags_t *d, FILE *out)
{
    fprintf(out, "%zu error%s", d->errors, d->errors == 1 ? "" : "s");
    if (d->warnings) fprintf(out, ", %zu warning%s", d->warnings, d->warnings == 1 ? "" : "s");
    fputc('\n', out);
}

void shmgen_diags_free(shmgen_diags_t *d)
{
    for (size_t i = 0; i < d->count; i++)
    {
        if (d->items[i].message != oom_message) free(d->items[i].message);
        free(d->items[i].file);
        free(d->items[i].note);
        free(d->items[i].note_file);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}
