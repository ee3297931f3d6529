/*
 * SPDX-License-Identifier: MIT
 *
 * compat.c — the change list between two versions of a schema (the classes: docs/compatibility.md).
 *
 * Structures are matched by name, then leftovers by layout (same kind,
 * element and capacity: a rename).  Elements are compared field by field:
 * fields by name, leftovers by position (a rename when nothing else moved).
 * Enums and types are paired where a structure uses them, so that a renamed
 * type or enum with the same layout is a source change, not a removal.
 * Printing lives in compat_print.c.  Depends on shmgen_schema (model, diag).
 */
#include "shmgen_gen/compat.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define UNPAIRED ((size_t)-1)

typedef struct ctx {
    const shmgen_schema_t *o, *n;
    shmgen_compat_report_t *r;
    const char *structure;      /* structure being compared (NEW name), or NULL */
    size_t *enum_pair;          /* old enum index -> new enum index, or UNPAIRED */
    bool *enum_used;            /* per old enum: reached from a structure */
    size_t *type_pair;          /* old type index -> new type index */
    bool oom;
} ctx_t;

const char *shmgen_compat_class_name(shmgen_compat_class_t cls)
{
    switch (cls) {
    case SHMGEN_COMPAT_BREAKING: return "breaking";
    case SHMGEN_COMPAT_COMPATIBLE: return "compatible";
    default: return "source-only";
    }
}

static char *dup_or_null(const char *s, bool *oom)
{
    char *d;
    if (!s) return NULL;
    if (!(d = strdup(s))) *oom = true;
    return d;
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Non-breaking findings about a type or enum are reported once even when
 * several structures reach it; breaking ones once per structure. */
static bool is_duplicate(const shmgen_compat_report_t *r, const shmgen_compat_change_t *c)
{
    if (c->cls == SHMGEN_COMPAT_BREAKING || !c->type) return false;
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_compat_change_t *p = &r->changes[i];
        if (p->cls == c->cls && strcmp(p->code, c->code) == 0 && same_str(p->type, c->type) &&
            same_str(p->field, c->field) && strcmp(p->message, c->message) == 0)
            return true;
    }
    return false;
}

static void change_free(shmgen_compat_change_t *c)
{
    free(c->structure);
    free(c->type);
    free(c->field);
    free(c->message);
}

static bool report_push(shmgen_compat_report_t *r, const shmgen_compat_change_t *c)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        shmgen_compat_change_t *items = realloc(r->changes, cap * sizeof *items);
        if (!items) return false;
        r->changes = items;
        r->cap = cap;
    }
    r->changes[r->count++] = *c;
    r->counts[c->cls]++;
    return true;
}

typedef struct where {
    const char *type;  /* type or enum concerned */
    const char *field; /* field path or enum value */
    shmgen_loc_t loc, old_loc;
} where_t;

static void add(ctx_t *x, shmgen_compat_class_t cls, const char *code, where_t w, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add(ctx_t *x, shmgen_compat_class_t cls, const char *code, where_t w, const char *fmt, ...)
{
    shmgen_compat_change_t c = {.cls = cls, .code = code, .loc = w.loc, .old_loc = w.old_loc};
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&c.message, fmt, ap);
    va_end(ap);
    if (n < 0) c.message = NULL;
    c.structure = dup_or_null(x->structure, &x->oom);
    c.type = dup_or_null(w.type, &x->oom);
    c.field = dup_or_null(w.field, &x->oom);
    if (!c.message) x->oom = true;
    if (x->oom || is_duplicate(x->r, &c)) {
        change_free(&c);
        return;
    }
    if (!report_push(x->r, &c)) {
        x->oom = true;
        change_free(&c);
    }
}

/* "u32", "char[16]", "enum spawn_kind", "vec3[4]". */
static void describe_ref(const shmgen_schema_t *s, const shmgen_type_ref_t *t, char *buf, size_t n)
{
    const char *base = "?";
    const char *prefix = "";

    if (t->kind == SHMGEN_REF_SCALAR) base = shmgen_scalar_name(t->scalar);
    else if (t->kind == SHMGEN_REF_ENUM && t->index < s->nenums) prefix = "enum ", base = s->enums[t->index].name;
    else if (t->kind == SHMGEN_REF_TYPE && t->index < s->ntypes) base = s->types[t->index].name;
    if (!base) base = "?";
    if (t->array_len) snprintf(buf, n, "%s%s[%llu]", prefix, base, (unsigned long long)t->array_len);
    else snprintf(buf, n, "%s%s", prefix, base);
}

static bool version_ok(ctx_t *x, shmgen_diags_t *diags)
{
    if (x->n->version >= x->o->version) return true;
    shmgen_diag_add(diags, SHMGEN_SEV_ERROR, x->n->segment_loc,
                    "version %u of %s is lower than version %u of %s: the new schema must not go back",
                    x->n->version, x->n->path ? x->n->path : "NEW", x->o->version, x->o->path ? x->o->path : "OLD");
    return false;
}

static void compare_segment(ctx_t *x)
{
    where_t w = {.loc = x->n->segment_loc, .old_loc = x->o->segment_loc};

    if (strcmp(x->o->segment, x->n->segment) != 0)
        add(x, SHMGEN_COMPAT_BREAKING, "segment-renamed", w,
            "segment renamed from '%s' to '%s' (processes of the two versions open different objects)",
            x->o->segment, x->n->segment);
    if (x->n->format_version != x->o->format_version)
        add(x, SHMGEN_COMPAT_BREAKING, "format-changed", w,
            "segment format changed from %u to %u (a shmgen runtime upgrade): processes of the two runtimes cannot "
            "attach one segment; restart them all on the new runtime with a new segment",
            x->o->format_version, x->n->format_version);
    if (x->n->version != x->o->version)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "version-raised", w, "version raised from %u to %u", x->o->version,
            x->n->version);
    if (x->n->declared_size != x->o->declared_size) {
        w.loc = x->n->size_loc.line ? x->n->size_loc : x->n->segment_loc;
        add(x, SHMGEN_COMPAT_COMPATIBLE, "size-changed", w,
            "declared size changed from %llu to %llu bytes (0: exactly the computed size); the size is read from the segment",
            (unsigned long long)x->o->declared_size, (unsigned long long)x->n->declared_size);
    }
    if (x->n->mode != x->o->mode)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "mode-changed", w,
            "mode changed from 0%o to 0%o (applies when a segment is created)", x->o->mode, x->n->mode);
}

static void compare_ref(ctx_t *x, const shmgen_type_ref_t *a, const shmgen_type_ref_t *b, const char *path,
                        where_t w);

static char *join_path(const char *path, const char *name)
{
    char *p = NULL;
    if (!path || !*path) return strdup(name);
    if (asprintf(&p, "%s.%s", path, name) < 0) return NULL;
    return p;
}

static size_t find_field(const shmgen_type_t *t, const char *name)
{
    for (size_t i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, name) == 0) return i;
    return UNPAIRED;
}

/* True when the name-matched fields of nt appear in another relative order in ot. */
static bool order_changed(const shmgen_type_t *ot, const shmgen_type_t *nt)
{
    size_t last = 0;
    bool first = true;
    for (size_t k = 0; k < nt->nfields; k++) {
        size_t m = find_field(ot, nt->fields[k].name);
        if (m == UNPAIRED) continue;
        if (!first && m < last) return true;
        last = m;
        first = false;
    }
    return false;
}

/* Old field paired with new field k: same name, else the same position when
 * that old field's name is gone from NEW (a rename). */
static size_t pair_field(const shmgen_type_t *ot, const shmgen_type_t *nt, size_t k)
{
    size_t m = find_field(ot, nt->fields[k].name);
    if (m != UNPAIRED) return m;
    if (k < ot->nfields && find_field(nt, ot->fields[k].name) == UNPAIRED) return k;
    return UNPAIRED;
}

static void compare_field(ctx_t *x, const shmgen_type_t *ot, const shmgen_type_t *nt, size_t m, size_t k,
                          const char *path, bool reordered)
{
    const shmgen_field_t *of = &ot->fields[m], *nf = &nt->fields[k];
    char *fpath = join_path(path, nf->name);
    where_t w = {.type = nt->name, .field = fpath ? fpath : nf->name, .loc = nf->loc, .old_loc = of->loc};

    if (!fpath) x->oom = true;
    if (strcmp(of->name, nf->name) != 0)
        add(x, SHMGEN_COMPAT_SOURCE, "field-renamed", w, "field '%s' of type '%s' renamed to '%s' (same offset)",
            of->name, nt->name, nf->name);
    if (of->offset != nf->offset)
        add(x, SHMGEN_COMPAT_BREAKING, "field-moved", w, "field '%s' of type '%s' moved from offset %llu to %llu%s",
            nf->name, nt->name, (unsigned long long)of->offset, (unsigned long long)nf->offset,
            reordered ? " (field order changed)" : "");
    compare_ref(x, &of->type, &nf->type, w.field, w);
    free(fpath);
}

static void field_added_or_removed(ctx_t *x, const shmgen_type_t *t, const shmgen_field_t *f, const char *path,
                                   bool added, shmgen_loc_t new_loc)
{
    char *fpath = join_path(path, f->name);
    where_t w = {.type = t->name, .field = fpath ? fpath : f->name, .loc = added ? f->loc : new_loc,
                 .old_loc = added ? (shmgen_loc_t){0} : f->loc};
    if (!fpath) x->oom = true;
    add(x, SHMGEN_COMPAT_BREAKING, added ? "field-added" : "field-removed", w,
        "field '%s' %s type '%s' at offset %llu (the element's layout changes)", f->name,
        added ? "added to" : "removed from", t->name, (unsigned long long)f->offset);
    free(fpath);
}

static void compare_type_shape(ctx_t *x, const shmgen_type_t *ot, const shmgen_type_t *nt)
{
    where_t w = {.type = nt->name, .loc = nt->loc, .old_loc = ot->loc};
    if (ot->size != nt->size)
        add(x, SHMGEN_COMPAT_BREAKING, "type-size-changed", w, "size of type '%s' changed from %llu to %llu bytes",
            nt->name, (unsigned long long)ot->size, (unsigned long long)nt->size);
    if (ot->align != nt->align)
        add(x, SHMGEN_COMPAT_BREAKING, "type-alignment-changed", w, "alignment of type '%s' changed from %u to %u",
            nt->name, ot->align, nt->align);
}

static void compare_type(ctx_t *x, size_t oi, size_t ni, const char *path)
{
    const shmgen_type_t *ot = &x->o->types[oi], *nt = &x->n->types[ni];
    bool reordered = order_changed(ot, nt);
    bool *old_used = calloc(ot->nfields + 1, sizeof *old_used);
    size_t before = x->r->counts[SHMGEN_COMPAT_BREAKING];

    if (!old_used) {
        x->oom = true;
        return;
    }
    if (strcmp(ot->name, nt->name) != 0)
        add(x, SHMGEN_COMPAT_SOURCE, "type-renamed", (where_t){.type = nt->name, .loc = nt->loc, .old_loc = ot->loc},
            "type '%s' renamed to '%s'", ot->name, nt->name);
    compare_type_shape(x, ot, nt);
    for (size_t k = 0; k < nt->nfields; k++) {
        size_t m = pair_field(ot, nt, k);
        if (m == UNPAIRED) field_added_or_removed(x, nt, &nt->fields[k], path, true, nt->loc);
        else {
            old_used[m] = true;
            compare_field(x, ot, nt, m, k, path, reordered);
        }
    }
    for (size_t m = 0; m < ot->nfields; m++)
        if (!old_used[m]) field_added_or_removed(x, ot, &ot->fields[m], path, false, nt->loc);
    free(old_used);
    /* Safety net: the layout hash covers what the field walk might not name. */
    if (ot->hash != nt->hash && x->r->counts[SHMGEN_COMPAT_BREAKING] == before && !x->oom)
        add(x, SHMGEN_COMPAT_BREAKING, "type-layout-changed", (where_t){.type = nt->name, .loc = nt->loc, .old_loc = ot->loc},
            "layout hash of type '%s' changed (0x%016llx -> 0x%016llx)", nt->name, (unsigned long long)ot->hash,
            (unsigned long long)nt->hash);
}

/* Pairs old item oi with new item ni where a structure uses them in the same
 * place.  A pairing is refused (the use counts as a type change) when it
 * contradicts names: both names still exist on both sides. */
static bool pair_use(size_t *pairs, size_t oi, size_t ni, bool old_in_new, bool new_in_old, bool same_name)
{
    if (pairs[oi] != UNPAIRED) return pairs[oi] == ni;
    if (!same_name && (old_in_new || new_in_old)) return false;
    pairs[oi] = ni;
    return true;
}

static size_t enum_by_name(const shmgen_schema_t *s, const char *name)
{
    for (size_t i = 0; i < s->nenums; i++)
        if (strcmp(s->enums[i].name, name) == 0) return i;
    return UNPAIRED;
}

static size_t type_by_name(const shmgen_schema_t *s, const char *name)
{
    for (size_t i = 0; i < s->ntypes; i++)
        if (strcmp(s->types[i].name, name) == 0) return i;
    return UNPAIRED;
}

static bool pair_enum_use(ctx_t *x, size_t oi, size_t ni)
{
    const char *on = x->o->enums[oi].name, *nn = x->n->enums[ni].name;
    bool ok = pair_use(x->enum_pair, oi, ni, enum_by_name(x->n, on) != UNPAIRED,
                       enum_by_name(x->o, nn) != UNPAIRED, strcmp(on, nn) == 0);
    if (ok) x->enum_used[oi] = true;
    return ok;
}

static bool pair_type_use(ctx_t *x, size_t oi, size_t ni)
{
    const char *on = x->o->types[oi].name, *nn = x->n->types[ni].name;
    return pair_use(x->type_pair, oi, ni, type_by_name(x->n, on) != UNPAIRED, type_by_name(x->o, nn) != UNPAIRED,
                    strcmp(on, nn) == 0);
}

static void ref_changed(ctx_t *x, const shmgen_type_ref_t *a, const shmgen_type_ref_t *b, const char *path, where_t w)
{
    char da[160], db[160];
    describe_ref(x->o, a, da, sizeof da);
    describe_ref(x->n, b, db, sizeof db);
    if (path && *path)
        add(x, SHMGEN_COMPAT_BREAKING, "field-type-changed", w, "type of field '%s' changed from %s to %s (size %llu -> %llu, alignment %u -> %u)",
            path, da, db, (unsigned long long)a->size, (unsigned long long)b->size, a->align, b->align);
    else
        add(x, SHMGEN_COMPAT_BREAKING, "element-type-changed", w, "element type changed from %s to %s (size %llu -> %llu, alignment %u -> %u)",
            da, db, (unsigned long long)a->size, (unsigned long long)b->size, a->align, b->align);
}

static void compare_ref(ctx_t *x, const shmgen_type_ref_t *a, const shmgen_type_ref_t *b, const char *path, where_t w)
{
    bool same_base;

    if (a->kind != b->kind || a->array_len != b->array_len) {
        ref_changed(x, a, b, path, w);
        return;
    }
    if (a->kind == SHMGEN_REF_SCALAR) same_base = a->scalar == b->scalar;
    else if (a->index >= (a->kind == SHMGEN_REF_ENUM ? x->o->nenums : x->o->ntypes) ||
             b->index >= (b->kind == SHMGEN_REF_ENUM ? x->n->nenums : x->n->ntypes))
        same_base = false;
    else if (a->kind == SHMGEN_REF_ENUM) same_base = pair_enum_use(x, a->index, b->index);
    else same_base = pair_type_use(x, a->index, b->index);
    if (!same_base) {
        ref_changed(x, a, b, path, w);
        return;
    }
    if (a->kind == SHMGEN_REF_TYPE) compare_type(x, a->index, b->index, path);
}

/* ---- structures ---- */

static size_t structure_by_name(const shmgen_schema_t *s, const char *name)
{
    for (size_t i = 0; i < s->nstructures; i++)
        if (strcmp(s->structures[i].name, name) == 0) return i;
    return UNPAIRED;
}

static bool same_structure_layout(const shmgen_structure_t *a, const shmgen_structure_t *b)
{
    return a->kind == b->kind && a->capacity == b->capacity && a->subscribers == b->subscribers &&
           a->policy == b->policy && a->elem.size == b->elem.size &&
           a->elem.align == b->elem.align && a->elem.hash == b->elem.hash && a->elem.array_len == b->elem.array_len &&
           a->elem.kind == b->elem.kind && (a->elem.kind != SHMGEN_REF_SCALAR || a->elem.scalar == b->elem.scalar);
}

/* A change of a topic parameter is at its key in NEW, else at the structure. */
static where_t at_key(where_t w, shmgen_loc_t key)
{
    if (key.line) w.loc = key;
    return w;
}

/* A topic's own parameters.  subscribers, history and deadline_ms are stored
 * in the segment's table and read from there, like the capacity; the policy
 * decides what the topic's shared words mean, so both sides must agree. */
static void compare_topic(ctx_t *x, const shmgen_structure_t *os, const shmgen_structure_t *ns, where_t w)
{
    if (os->subscribers != ns->subscribers)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "subscribers-changed", at_key(w, ns->subscribers_loc),
            "subscribers of topic '%s' changed from %u to %u (read from the segment: a segment keeps the number "
            "it was created with)", ns->name, os->subscribers, ns->subscribers);
    if (os->history != ns->history)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "history-changed", at_key(w, ns->history_loc),
            "history of topic '%s' changed from %u to %u (read from the segment)", ns->name, os->history, ns->history);
    if (os->deadline_ms != ns->deadline_ms)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "deadline-changed", at_key(w, ns->deadline_loc),
            "deadline_ms of topic '%s' changed from %u to %u (read from the segment)", ns->name, os->deadline_ms,
            ns->deadline_ms);
    if (os->policy != ns->policy)
        add(x, SHMGEN_COMPAT_BREAKING, "policy-changed", at_key(w, ns->policy_loc),
            "policy of topic '%s' changed from %s to %s (processes of the two versions would read the same words "
            "with a different meaning)", ns->name, shmgen_topic_policy_name(os->policy),
            shmgen_topic_policy_name(ns->policy));
}

static void compare_structure(ctx_t *x, const shmgen_structure_t *os, const shmgen_structure_t *ns)
{
    where_t w = {.loc = ns->loc, .old_loc = os->loc};

    if (ns->elem.kind == SHMGEN_REF_TYPE && ns->elem.index < x->n->ntypes) w.type = x->n->types[ns->elem.index].name;
    if (os->kind != ns->kind)
        add(x, SHMGEN_COMPAT_BREAKING, "kind-changed", w, "structure '%s' changed kind from %s to %s", ns->name,
            shmgen_kind_name((int)os->kind), shmgen_kind_name((int)ns->kind));
    if (os->capacity != ns->capacity && ns->kind != SHMGEN_KIND_ATOMIC && ns->kind != SHMGEN_KIND_LATEST)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "capacity-changed", w,
            "capacity of structure '%s' changed from %llu to %llu (read from the segment)", ns->name,
            (unsigned long long)os->capacity, (unsigned long long)ns->capacity);
    if (os->since != ns->since)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "since-changed", w, "since of structure '%s' changed from %u to %u",
            ns->name, os->since, ns->since);
    if (ns->kind == SHMGEN_KIND_ATOMIC && os->kind == ns->kind &&
        (os->initial_u != ns->initial_u || os->has_initial != ns->has_initial))
        add(x, SHMGEN_COMPAT_COMPATIBLE, "initial-changed", w,
            "initial value of structure '%s' changed (applies when a segment is created)", ns->name);
    if (os->kind == SHMGEN_KIND_TOPIC && ns->kind == SHMGEN_KIND_TOPIC) compare_topic(x, os, ns, w);
    compare_ref(x, &os->elem, &ns->elem, "", w);
}

static void structure_added(ctx_t *x, const shmgen_structure_t *ns)
{
    where_t w = {.loc = ns->loc};
    if (ns->since == x->n->version && ns->since > 1)
        add(x, SHMGEN_COMPAT_COMPATIBLE, "structure-added", w,
            "structure '%s' added with since: %u (processes of the old version do not see it; "
            "new processes report it absent in old segments)", ns->name, ns->since);
    else if (ns->since <= 1)
        add(x, SHMGEN_COMPAT_BREAKING, "structure-added-without-since", w,
            "structure '%s' added without since: (mark it since: %u so new processes accept old segments)",
            ns->name, x->n->version);
    else
        add(x, SHMGEN_COMPAT_BREAKING, "structure-added-without-since", w,
            "structure '%s' added with since: %u, but the new version is %u (a structure added now must say since: %u)",
            ns->name, ns->since, x->n->version, x->n->version);
}

/* Leftover NEW structure j: a renamed old one if some leftover old structure
 * has exactly its layout (kind, element, capacity). */
static size_t find_rename(const shmgen_schema_t *o, const bool *old_done, const shmgen_structure_t *ns,
                          const shmgen_schema_t *n)
{
    for (size_t i = 0; i < o->nstructures; i++)
        if (!old_done[i] && structure_by_name(n, o->structures[i].name) == UNPAIRED &&
            same_structure_layout(&o->structures[i], ns))
            return i;
    return UNPAIRED;
}

static void compare_structures(ctx_t *x, bool *old_done)
{
    for (size_t j = 0; j < x->n->nstructures; j++) {
        const shmgen_structure_t *ns = &x->n->structures[j];
        size_t i = structure_by_name(x->o, ns->name);
        x->structure = ns->name;
        if (i == UNPAIRED && (i = find_rename(x->o, old_done, ns, x->n)) != UNPAIRED)
            add(x, SHMGEN_COMPAT_BREAKING, "structure-renamed", (where_t){.loc = ns->loc, .old_loc = x->o->structures[i].loc},
                "structure '%s' renamed to '%s' (structures are found by name: processes of the old version "
                "would not find it)", x->o->structures[i].name, ns->name);
        if (i == UNPAIRED) {
            structure_added(x, ns);
            continue;
        }
        old_done[i] = true;
        compare_structure(x, &x->o->structures[i], ns);
    }
    for (size_t i = 0; i < x->o->nstructures; i++) {
        const shmgen_structure_t *os = &x->o->structures[i];
        if (old_done[i]) continue;
        x->structure = os->name;
        add(x, SHMGEN_COMPAT_BREAKING, "structure-removed", (where_t){.loc = x->n->segment_loc, .old_loc = os->loc},
            "structure '%s' (%s) removed (processes of the old version need it)", os->name,
            shmgen_kind_name((int)os->kind));
    }
    x->structure = NULL;
}

/* ---- enums and types not reached through a structure ---- */

static size_t value_by_name(const shmgen_enum_t *e, const char *name)
{
    for (size_t i = 0; i < e->nvalues; i++)
        if (strcmp(e->values[i].name, name) == 0) return i;
    return UNPAIRED;
}

static size_t value_by_number(const shmgen_enum_t *e, uint32_t v)
{
    for (size_t i = 0; i < e->nvalues; i++)
        if (e->values[i].value == v) return i;
    return UNPAIRED;
}

static void compare_old_value(ctx_t *x, const shmgen_enum_t *oe, const shmgen_enum_t *ne, size_t k,
                              shmgen_compat_class_t breaking)
{
    const shmgen_enum_value_t *ov = &oe->values[k];
    size_t m = value_by_name(ne, ov->name);
    where_t w = {.type = ne->name, .field = ov->name, .loc = ne->loc, .old_loc = ov->loc};

    if (m != UNPAIRED) {
        w.loc = ne->values[m].loc;
        if (ne->values[m].value != ov->value)
            add(x, breaking, "enum-value-renumbered", w, "value '%s' of enum '%s' renumbered from %u to %u",
                ov->name, ne->name, ov->value, ne->values[m].value);
        return;
    }
    m = value_by_number(ne, ov->value);
    if (m != UNPAIRED && value_by_name(oe, ne->values[m].name) == UNPAIRED) {
        w.field = ne->values[m].name;
        w.loc = ne->values[m].loc;
        add(x, SHMGEN_COMPAT_SOURCE, "enum-value-renamed", w, "value %u of enum '%s' renamed from '%s' to '%s'",
            ov->value, ne->name, ov->name, ne->values[m].name);
        return;
    }
    add(x, breaking, "enum-value-removed", w, "value '%s' (%u) removed from enum '%s'", ov->name, ov->value, ne->name);
}

static void compare_new_value(ctx_t *x, const shmgen_enum_t *oe, const shmgen_enum_t *ne, size_t k,
                              shmgen_compat_class_t compatible)
{
    const shmgen_enum_value_t *nv = &ne->values[k];
    where_t w = {.type = ne->name, .field = nv->name, .loc = nv->loc};
    size_t m = value_by_number(oe, nv->value);

    if (value_by_name(oe, nv->name) != UNPAIRED) return;
    if (m != UNPAIRED && value_by_name(ne, oe->values[m].name) == UNPAIRED) return; /* a rename, reported above */
    if (m == UNPAIRED)
        add(x, compatible, "enum-value-added", w, "value '%s' (%u) added to enum '%s' (a number the old version never used)",
            nv->name, nv->value, ne->name);
    /* else the number was taken by an old value that still exists: that value's renumbering is the breaking finding */
}

static void compare_enum(ctx_t *x, size_t oi, size_t ni)
{
    const shmgen_enum_t *oe = &x->o->enums[oi], *ne = &x->n->enums[ni];
    bool used = x->enum_used[oi];
    shmgen_compat_class_t breaking = used ? SHMGEN_COMPAT_BREAKING : SHMGEN_COMPAT_SOURCE;
    shmgen_compat_class_t compatible = used ? SHMGEN_COMPAT_COMPATIBLE : SHMGEN_COMPAT_SOURCE;

    if (strcmp(oe->name, ne->name) != 0)
        add(x, SHMGEN_COMPAT_SOURCE, "enum-renamed", (where_t){.type = ne->name, .loc = ne->loc, .old_loc = oe->loc},
            "enum '%s' renamed to '%s'", oe->name, ne->name);
    for (size_t k = 0; k < oe->nvalues; k++) compare_old_value(x, oe, ne, k, breaking);
    for (size_t k = 0; k < ne->nvalues; k++) compare_new_value(x, oe, ne, k, compatible);
}

static bool new_enum_paired(const ctx_t *x, size_t ni)
{
    for (size_t i = 0; i < x->o->nenums; i++)
        if (x->enum_pair[i] == ni) return true;
    return false;
}

static bool new_type_paired(const ctx_t *x, size_t ni)
{
    for (size_t i = 0; i < x->o->ntypes; i++)
        if (x->type_pair[i] == ni) return true;
    return false;
}

static void compare_enums(ctx_t *x)
{
    for (size_t i = 0; i < x->o->nenums; i++)
        if (x->enum_pair[i] == UNPAIRED) {
            size_t j = enum_by_name(x->n, x->o->enums[i].name);
            if (j != UNPAIRED && !new_enum_paired(x, j)) x->enum_pair[i] = j;
        }
    for (size_t i = 0; i < x->o->nenums; i++) {
        const shmgen_enum_t *oe = &x->o->enums[i];
        if (x->enum_pair[i] != UNPAIRED) compare_enum(x, i, x->enum_pair[i]);
        else
            add(x, SHMGEN_COMPAT_SOURCE, "enum-removed", (where_t){.type = oe->name, .loc = x->n->segment_loc, .old_loc = oe->loc},
                "enum '%s' removed (no structure of the new version uses it)", oe->name);
    }
    for (size_t j = 0; j < x->n->nenums; j++)
        if (!new_enum_paired(x, j))
            add(x, SHMGEN_COMPAT_SOURCE, "enum-added", (where_t){.type = x->n->enums[j].name, .loc = x->n->enums[j].loc},
                "enum '%s' added", x->n->enums[j].name);
}

static void compare_unused_types(ctx_t *x)
{
    for (size_t i = 0; i < x->o->ntypes; i++) {
        const shmgen_type_t *ot = &x->o->types[i];
        if (x->type_pair[i] != UNPAIRED || type_by_name(x->n, ot->name) != UNPAIRED) continue;
        add(x, SHMGEN_COMPAT_SOURCE, "type-removed", (where_t){.type = ot->name, .loc = x->n->segment_loc, .old_loc = ot->loc},
            "type '%s' removed (no structure of the new version uses it)", ot->name);
    }
    for (size_t j = 0; j < x->n->ntypes; j++) {
        const shmgen_type_t *nt = &x->n->types[j];
        if (new_type_paired(x, j) || type_by_name(x->o, nt->name) != UNPAIRED) continue;
        add(x, SHMGEN_COMPAT_SOURCE, "type-added", (where_t){.type = nt->name, .loc = nt->loc}, "type '%s' added",
            nt->name);
    }
}

static bool ctx_init(ctx_t *x)
{
    size_t ne = x->o->nenums + 1, nt = x->o->ntypes + 1;
    x->enum_pair = malloc(ne * sizeof *x->enum_pair);
    x->enum_used = calloc(ne, sizeof *x->enum_used);
    x->type_pair = malloc(nt * sizeof *x->type_pair);
    if (!x->enum_pair || !x->enum_used || !x->type_pair) return false;
    for (size_t i = 0; i < ne; i++) x->enum_pair[i] = UNPAIRED;
    for (size_t i = 0; i < nt; i++) x->type_pair[i] = UNPAIRED;
    return true;
}

int shmgen_compat_compare(const shmgen_schema_t *old_schema, const shmgen_schema_t *new_schema,
                          shmgen_compat_report_t *report, shmgen_diags_t *diags)
{
    ctx_t x = {.o = old_schema, .n = new_schema, .r = report};
    bool *old_done = calloc(old_schema->nstructures + 1, sizeof *old_done);
    int rc = -1;

    report->old_version = old_schema->version;
    report->new_version = new_schema->version;
    if (!version_ok(&x, diags)) goto out;
    if (!old_done || !ctx_init(&x)) {
        x.oom = true;
        goto out;
    }
    compare_segment(&x);
    compare_structures(&x, old_done);
    compare_unused_types(&x);
    compare_enums(&x);
    rc = x.oom ? -1 : 0;
out:
    if (x.oom) shmgen_diag_add(diags, SHMGEN_SEV_ERROR, new_schema->segment_loc, "out of memory while comparing");
    free(old_done);
    free(x.enum_pair);
    free(x.enum_used);
    free(x.type_pair);
    return rc;
}

void shmgen_compat_report_free(shmgen_compat_report_t *report)
{
    for (size_t i = 0; i < report->count; i++) change_free(&report->changes[i]);
    free(report->changes);
    memset(report, 0, sizeof *report);
}

shmgen_compat_class_t shmgen_compat_worst(const shmgen_compat_report_t *report)
{
    if (report->counts[SHMGEN_COMPAT_BREAKING]) return SHMGEN_COMPAT_BREAKING;
    if (report->counts[SHMGEN_COMPAT_COMPATIBLE]) return SHMGEN_COMPAT_COMPATIBLE;
    return SHMGEN_COMPAT_SOURCE;
}

int shmgen_compat_exit_code(const shmgen_compat_report_t *report)
{
    return report->counts[SHMGEN_COMPAT_BREAKING] ? 1 : 0;
}
