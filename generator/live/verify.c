/*
 * SPDX-License-Identifier: MIT
 *
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
#include "shmgen_gen/json_out.h"
#include "shmgen_gen/json_writer.h"
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

/* Findings quote the segment's bytes (names): shown with control characters
 * and invalid UTF-8 replaced by '?', like the segment name given. */
void shmgen_verify_print(const shmgen_verify_report_t *r, const char *schema_path, const char *raw_name, FILE *out)
{
    char name[256], shown[1024];
    shmgen__out_printable(raw_name, name, sizeof name);
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_verify_item_t *it = &r->items[i];
        fprintf(out, "%s: ", it->mismatch ? "mismatch" : "note");
        if (it->structure) fprintf(out, "structure '%s': ", shmgen__out_printable(it->structure, shown, sizeof shown));
        fprintf(out, "%s\n", shmgen__out_printable(it->message, shown, sizeof shown));
    }
    if (r->mismatches)
        fprintf(out, "verify: segment %s does NOT match %s: %zu mismatch%s, %zu note%s\n", name, schema_path,
                r->mismatches, r->mismatches == 1 ? "" : "es", r->notes, r->notes == 1 ? "" : "s");
    else
        fprintf(out, "verify: segment %s matches %s%s\n", name, schema_path,
                r->notes ? " (with compatible differences)" : "");
}

/* The finding kinds' names in JSON (stable: scripts match on them). */
static const char *finding_name(shmgen_finding_kind_t k)
{
    static const char *const names[] = {
        [SHMGEN_FINDING_SEGMENT_NAME] = "segment-name", [SHMGEN_FINDING_SCHEMA_VERSION] = "schema-version",
        [SHMGEN_FINDING_LAYOUT_HASH] = "layout-hash",   [SHMGEN_FINDING_ABSENT] = "absent",
        [SHMGEN_FINDING_EXTRA] = "extra",               [SHMGEN_FINDING_KIND] = "kind",
        [SHMGEN_FINDING_ELEM_SIZE] = "element-size",    [SHMGEN_FINDING_ELEM_ALIGN] = "element-align",
        [SHMGEN_FINDING_ELEM_HASH] = "element-hash",    [SHMGEN_FINDING_CAPACITY] = "capacity",
        [SHMGEN_FINDING_TOPIC_PARAMETER] = "topic-parameter", [SHMGEN_FINDING_TOPIC_POLICY] = "topic-policy",
    };
    return (unsigned)k < sizeof names / sizeof names[0] && names[k] ? names[k] : "other";
}

static void json_head(shmgen__jw_t *w, FILE *out, const char *schema_path, const char *name, unsigned flags)
{
    shmgen__jw_init(w, out, 2);
    shmgen__jw_open(w, NULL, '{');
    shmgen__jw_str(w, "format", "shmgen-verify/1");
    shmgen__jw_str(w, "schema", schema_path);
    shmgen__jw_str(w, "name", name);
    shmgen__jw_bool(w, "strict", (flags & SHMGEN_COMPARE_STRICT) != 0);
}

void shmgen_verify_print_json(const shmgen_verify_report_t *r, const char *schema_path, const char *name,
                              unsigned flags, FILE *out)
{
    shmgen__jw_t w;
    json_head(&w, out, schema_path, name, flags);
    shmgen__jw_str(&w, "result", r->mismatches ? "mismatch" : "match");
    shmgen__jw_u64(&w, "exit_code", r->mismatches ? 1 : 0);
    shmgen__jw_u64(&w, "mismatches", r->mismatches);
    shmgen__jw_u64(&w, "notes", r->notes);
    shmgen__jw_open(&w, "findings", '[');
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_verify_item_t *it = &r->items[i];
        shmgen__jw_open(&w, NULL, '{');
        shmgen__jw_str(&w, "severity", it->mismatch ? "mismatch" : "note");
        shmgen__jw_str(&w, "kind", finding_name(it->kind));
        shmgen__jw_str(&w, "structure", it->structure);
        shmgen__jw_str(&w, "message", it->message);
        shmgen__jw_close(&w, '}');
    }
    shmgen__jw_close(&w, ']');
    shmgen__jw_close(&w, '}');
}

void shmgen_verify_print_json_error(int error, const char *detail, const shmgen_diags_t *diags,
                                    const char *schema_path, const char *name, unsigned flags, FILE *out)
{
    shmgen__jw_t w;
    json_head(&w, out, schema_path, name, flags);
    shmgen__jw_str(&w, "result", "error");
    shmgen__jw_u64(&w, "exit_code", 2);
    shmgen__jw_str(&w, "error", error ? shmgen_error_name(error) : "SCHEMA");
    shmgen__jw_str(&w, "detail", detail);
    if (diags) shmgen__jw_diags(&w, "diagnostics", diags);
    shmgen__jw_close(&w, '}');
}
