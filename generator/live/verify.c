/*
 * verify.c — `shmgen verify`: a live segment against a schema.
 *
 * The schema side is the runtime layout descriptor the generated code would
 * pass to shmgen_segment_open (shmgen_schema_runtime_layout), so verify
 * checks exactly what a program built from the schema checks, and more:
 * extra structures, capacities, versions and the layout hash.  Differences
 * a program tolerates (capacity, a `since` structure absent from an older
 * segment) are infos; the others are mismatches.
 * Depends on the runtime's read-only attach and the schema model.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

typedef struct vctx {
    shmgen_verify_report_t *r;
    const char *structure;
    bool oom;
} vctx_t;

static void note(vctx_t *v, bool mismatch, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(vctx_t *v, bool mismatch, const char *fmt, ...)
{
    shmgen_verify_item_t it = {.mismatch = mismatch};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&it.message, fmt, ap);
    va_end(ap);
    if (n < 0 || (v->structure && !(it.structure = strdup(v->structure)))) goto oom;
    if (v->r->count == v->r->cap) {
        size_t cap = v->r->cap ? v->r->cap * 2 : 16;
        shmgen_verify_item_t *items = realloc(v->r->items, cap * sizeof *items);
        if (!items) goto oom;
        v->r->items = items;
        v->r->cap = cap;
    }
    v->r->items[v->r->count++] = it;
    if (mismatch) v->r->mismatches++;
    else v->r->infos++;
    return;
oom:
    if (n >= 0) free(it.message);
    free(it.structure);
    v->oom = true;
}

static void verify_header(vctx_t *v, const shmgen_schema_t *s, const shmgen_segment_meta_t *m)
{
    if (strcmp(m->segment, s->segment) != 0)
        note(v, true, "segment name is '%s' in the segment, '%s' in the schema", m->segment, s->segment);
    if (m->schema_version != s->version)
        note(v, false, "created from schema version %u; the schema is version %u", m->schema_version, s->version);
    if (m->layout_hash != s->layout_hash)
        note(v, false, "layout hash 0x%016llx in the segment, 0x%016llx in the schema (the structures below tell "
                       "whether it matters)",
             (unsigned long long)m->layout_hash, (unsigned long long)s->layout_hash);
}

static const char *kind_str(int kind)
{
    const char *k = shmgen_kind_name(kind);
    return k ? k : "unknown";
}

static void verify_present(vctx_t *v, const shmgen_struct_desc_t *d, const shmgen_struct_info_t *in)
{
    if ((int)in->kind != (int)d->kind)
        note(v, true, "kind %s in the segment, %s in the schema", kind_str((int)in->kind), kind_str((int)d->kind));
    if (in->elem_size != d->elem_size)
        note(v, true, "element size %u in the segment, %u in the schema", in->elem_size, d->elem_size);
    if (in->elem_align != d->elem_align)
        note(v, true, "element alignment %u in the segment, %u in the schema", in->elem_align, d->elem_align);
    if (in->elem_hash != d->elem_hash)
        note(v, true, "element layout hash 0x%016llx in the segment, 0x%016llx in the schema",
             (unsigned long long)in->elem_hash, (unsigned long long)d->elem_hash);
    if (in->capacity != d->capacity && d->kind != SHMGEN_KIND_ATOMIC)
        note(v, false, "capacity %llu in the segment, %llu in the schema (compatible: read from the segment)",
             (unsigned long long)in->capacity, (unsigned long long)d->capacity);
}

static int verify_schema_structs(vctx_t *v, shmgen_segment_t *seg, const shmgen_layout_t *l, uint32_t seg_version)
{
    for (size_t i = 0; i < l->nstructs; i++) {
        const shmgen_struct_desc_t *d = &l->structs[i];
        shmgen_struct_info_t in;
        int rc = shmgen_segment_find(seg, d->name, &in);
        v->structure = d->name;
        if (rc == SHMGEN_STRUCT_MISSING && d->since > seg_version)
            note(v, false, "absent: added in version %u, the segment is version %u (compatible: reported absent)",
                 d->since, seg_version);
        else if (rc == SHMGEN_STRUCT_MISSING)
            note(v, true, "missing from the segment (%s, capacity %llu in the schema)", kind_str((int)d->kind),
                 (unsigned long long)d->capacity);
        else if (rc != 0)
            return rc;
        else
            verify_present(v, d, &in);
    }
    v->structure = NULL;
    return 0;
}

static bool layout_has(const shmgen_layout_t *l, const char *name)
{
    for (size_t i = 0; i < l->nstructs; i++)
        if (strcmp(l->structs[i].name, name) == 0) return true;
    return false;
}

static int verify_extra_structs(vctx_t *v, shmgen_segment_t *seg, const shmgen_layout_t *l, uint32_t nstructs,
                                uint32_t schema_version)
{
    for (uint32_t i = 0; i < nstructs; i++) {
        shmgen_struct_info_t in;
        int rc = shmgen_segment_struct_at(seg, i, &in);
        if (rc != 0) return rc;
        if (layout_has(l, in.name)) continue;
        v->structure = in.name;
        if (in.since > schema_version)
            note(v, false, "only in the segment: added in version %u, after the schema's version %u (compatible)",
                 in.since, schema_version);
        else
            note(v, true, "only in the segment (%s, capacity %llu): the schema does not have it",
                 kind_str((int)in.kind), (unsigned long long)in.capacity);
    }
    v->structure = NULL;
    return 0;
}

int shmgen_verify_segment(const shmgen_schema_t *schema, const char *name, shmgen_verify_report_t *report)
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
        verify_header(&v, schema, &report->meta);
        rc = verify_schema_structs(&v, seg, &layout, report->meta.schema_version);
    }
    if (rc == 0) rc = verify_extra_structs(&v, seg, &layout, report->meta.nstructs, schema->version);
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
        fprintf(out, "%s: ", it->mismatch ? "mismatch" : "info");
        if (it->structure) fprintf(out, "structure '%s': ", it->structure);
        fprintf(out, "%s\n", it->message);
    }
    if (r->mismatches)
        fprintf(out, "verify: segment %s does NOT match %s: %zu mismatch%s, %zu info\n", name, schema_path,
                r->mismatches, r->mismatches == 1 ? "" : "es", r->infos);
    else
        fprintf(out, "verify: segment %s matches %s%s\n", name, schema_path,
                r->infos ? " (with compatible differences)" : "");
}
