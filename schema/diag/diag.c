/* diag.c — collecting and printing diagnostics (see shmgen_schema/diag.h). */
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
    d->count++;
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

static void print_one(const shmgen_diag_t *g, FILE *out)
{
    const char *file = g->loc.file ? g->loc.file : "<input>";
    const char *sev = g->severity == SHMGEN_SEV_ERROR ? "error" : "warning";
    if (g->loc.line == 0) fprintf(out, "%s: %s: %s\n", file, sev, g->message);
    else fprintf(out, "%s:%u:%u: %s: %s\n", file, g->loc.line, g->loc.column, sev, g->message);
}

void shmgen_diags_print(const shmgen_diags_t *d, FILE *out)
{
    ranked_t *ranked = d->count ? malloc(d->count * sizeof *ranked) : NULL;
    if (!ranked) {
        for (size_t i = 0; i < d->count; i++) print_one(&d->items[i], out);
        return;
    }
    for (size_t i = 0; i < d->count; i++) ranked[i] = (ranked_t){&d->items[i], i};
    qsort(ranked, d->count, sizeof *ranked, by_position);
    for (size_t i = 0; i < d->count; i++) print_one(ranked[i].diag, out);
    free(ranked);
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
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}
