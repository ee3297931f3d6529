/*
 * verify.c — `shmgen verify`: a live segment against a schema.
 *
 * The comparison is the runtime's (shmgen_segment_compare, the rule of
 * shmgen/compare.h), given the layout descriptor the generated code would
 * pass to shmgen_segment_open (shmgen_schema_runtime_layout): the generated
 * <seg>_verify() and this tool cannot disagree.  Here the findings are
 * collected into a report and printed.
 * Depends on the runtime's read-only attach and compare.h, and the schema model.
 */
#include <stdlib.h>
#include <string.h>

#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

typedef struct vctx {
    shmgen_verify_report_t *r;
    bool oom;
} vctx_t;

static bool grow(shmgen_verify_report_t *r)
{
    size_t cap = r->cap ? r->cap * 2 : 16;
    shmgen_verify_item_t *items;
    if (r->count < r->cap) return true;
    if (!(items = realloc(r->items, cap * sizeof *items))) return false;
    r->items = items;
    r->cap = cap;
    return true;
}

/* The compare callback: one finding becomes one item of the report. */
static void collect(const shmgen_finding_t *f, void *ctx)
{
    vctx_t *v = ctx;
    shmgen_verify_item_t it = {.kind = f->kind, .mismatch = f->mismatch};
    it.message = strdup(f->message);
    it.structure = f->structure ? strdup(f->structure) : NULL;
    if (!it.message || (f->structure && !it.structure) || !grow(v->r)) {
        free(it.message);
        free(it.structure);
        v->oom = true;
        return;
    }
    v->r->items[v->r->count++] = it;
    if (it.mismatch) v->r->mismatches++;
    else v->r->notes++;
}

int shmgen_verify_segment(const shmgen_schema_t *schema, const char *name, unsigned flags,
                          shmgen_verify_report_t *report)
{
    shmgen_layout_t layout;
    shmgen_struct_desc_t *descs = NULL;
    shmgen_segment_t *seg = NULL;
    vctx_t v = {.r = report};
    int rc;

    if (shmgen_schema_runtime_layout(schema, &layout, &descs) != 0) return SHMGEN_NO_MEMORY;
    rc = shmgen_segment_open_readonly(name, &seg);
    if (rc == 0) {
        shmgen_segment_get_meta(seg, &report->meta);
        rc = shmgen_segment_compare(seg, &layout, flags, collect, &v);
    }
    if (rc > 0) rc = 0; /* a mismatch is a result, counted in the report */
    if (rc == 0 && v.oom) rc = SHMGEN_NO_MEMORY;
    if (seg) (void)shmgen_segment_close(seg);
    free(descs);
    return rc;
}

void shmgen_verify_report_free(shmgen_verify_report_t *report)
{
    for (size_t i = 0; i < report->count; i++) {
        free(report->items[i].structure);
        free(report->items[i].message);
    }
    free(report->items);
    memset(report, 0, sizeof *report);
}

void shmgen_verify_print(const shmgen_verify_report_t *r, const char *schema_path, const char *name, FILE *out)
{
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_verify_item_t *it = &r->items[i];
        fprintf(out, "%s: ", it->mismatch ? "mismatch" : "note");
        if (it->structure) fprintf(out, "structure '%s': ", it->structure);
        fprintf(out, "%s\n", it->message);
    }
    if (r->mismatches)
        fprintf(out, "verify: segment %s does NOT match %s: %zu mismatch%s, %zu note%s\n", name, schema_path,
                r->mismatches, r->mismatches == 1 ? "" : "es", r->notes, r->notes == 1 ? "" : "s");
    else
        fprintf(out, "verify: segment %s matches %s%s\n", name, schema_path,
                r->notes ? " (with compatible differences)" : "");
}
