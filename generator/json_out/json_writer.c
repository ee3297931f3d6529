/*
 * SPDX-License-Identifier: MIT
 *
 * json_writer.c — the streaming JSON writer and the diagnostics printers of
 * json_writer.h.  Depends on json_out.h (escaping) and shmgen_diag.
 */
#include "shmgen_gen/json_writer.h"

#include <inttypes.h>
#include <stdlib.h>

#include "shmgen_gen/json_out.h"

void shmgen__jw_init(shmgen__jw_t *w, FILE *out, int wrap)
{
    w->out = out;
    w->wrap = wrap;
    w->depth = 0;
    w->empty[0] = true;
}

static void indent(const shmgen__jw_t *w, int depth)
{
    fputc('\n', w->out);
    for (int i = 0; i < depth; i++) fputs("  ", w->out);
}

/* The separator before a member, then its key. */
static void member(shmgen__jw_t *w, const char *key)
{
    bool first = w->empty[w->depth];
    if (!first) fputc(',', w->out);
    if (w->depth > 0 && w->depth <= w->wrap) indent(w, w->depth);
    else if (!first) fputc(' ', w->out);
    w->empty[w->depth] = false;
    if (!key) return;
    shmgen__out_json_str(w->out, key);
    fputs(": ", w->out);
}

void shmgen__jw_open(shmgen__jw_t *w, const char *key, char bracket)
{
    member(w, key);
    fputc(bracket, w->out);
    /* Deeper than the bound, nesting goes on unindented (never outside the array). */
    if (w->depth < SHMGEN__JW_MAX_DEPTH) w->depth++;
    w->empty[w->depth] = true;
}

void shmgen__jw_close(shmgen__jw_t *w, char bracket)
{
    if (w->depth <= w->wrap && !w->empty[w->depth]) indent(w, w->depth - 1);
    fputc(bracket, w->out);
    if (w->depth > 0) w->depth--;
    if (w->depth == 0) fputc('\n', w->out);
}

void shmgen__jw_str(shmgen__jw_t *w, const char *key, const char *s)
{
    member(w, key);
    shmgen__out_json_str(w->out, s);
}

void shmgen__jw_u64(shmgen__jw_t *w, const char *key, uint64_t v)
{
    member(w, key);
    fprintf(w->out, "%" PRIu64, v);
}

void shmgen__jw_i64(shmgen__jw_t *w, const char *key, int64_t v)
{
    member(w, key);
    fprintf(w->out, "%" PRId64, v);
}

void shmgen__jw_bool(shmgen__jw_t *w, const char *key, bool v)
{
    member(w, key);
    fputs(v ? "true" : "false", w->out);
}

void shmgen__jw_null(shmgen__jw_t *w, const char *key)
{
    member(w, key);
    fputs("null", w->out);
}

void shmgen__jw_hash(shmgen__jw_t *w, const char *key, uint64_t h)
{
    member(w, key);
    shmgen__out_json_hash(w->out, h);
}

void shmgen__jw_mode(shmgen__jw_t *w, const char *key, unsigned mode)
{
    member(w, key);
    fprintf(w->out, "\"0%03o\"", mode & 07777u);
}

/* file, line, column: the place of a diagnostic or of its note. */
static void place(shmgen__jw_t *w, shmgen_loc_t loc)
{
    shmgen__jw_str(w, "file", loc.file);
    if (loc.line) shmgen__jw_u64(w, "line", loc.line), shmgen__jw_u64(w, "column", loc.column);
    else shmgen__jw_null(w, "line"), shmgen__jw_null(w, "column");
}

static void one_diag(shmgen__jw_t *w, const shmgen_diag_t *g)
{
    shmgen__jw_open(w, NULL, '{');
    shmgen__jw_str(w, "severity", g->severity == SHMGEN_SEV_ERROR ? "error" : "warning");
    place(w, g->loc);
    shmgen__jw_str(w, "message", g->message);
    if (g->note) {
        shmgen__jw_open(w, "note", '{');
        place(w, g->note_loc);
        shmgen__jw_str(w, "message", g->note);
        shmgen__jw_close(w, '}');
    } else {
        shmgen__jw_null(w, "note");
    }
    shmgen__jw_close(w, '}');
}

void shmgen__jw_diags(shmgen__jw_t *w, const char *key, const shmgen_diags_t *d)
{
    const shmgen_diag_t **sorted = shmgen_diags_sorted(d);
    shmgen__jw_open(w, key, '[');
    for (size_t i = 0; i < d->count; i++) one_diag(w, sorted ? sorted[i] : &d->items[i]);
    shmgen__jw_close(w, ']');
    free(sorted);
}

static void github_one(FILE *out, const char *level, shmgen_loc_t loc, const char *title, const char *message)
{
    fprintf(out, "::%s file=", level);
    shmgen__out_github(out, loc.file ? loc.file : "<input>", 1);
    if (loc.line) fprintf(out, ",line=%u,col=%u", loc.line, loc.column ? loc.column : 1);
    fputs(",title=", out);
    shmgen__out_github(out, title, 1);
    fputs("::", out);
    shmgen__out_github(out, message, 0);
    fputc('\n', out);
}

void shmgen__out_diags_github(const shmgen_diags_t *d, const char *title, FILE *out)
{
    const shmgen_diag_t **sorted = shmgen_diags_sorted(d);
    for (size_t i = 0; i < d->count; i++) {
        const shmgen_diag_t *g = sorted ? sorted[i] : &d->items[i];
        github_one(out, g->severity == SHMGEN_SEV_ERROR ? "error" : "warning", g->loc, title, g->message);
        if (g->note) github_one(out, "notice", g->note_loc, title, g->note);
    }
    free(sorted);
}
