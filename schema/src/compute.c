/*
 * SPDX-License-Identifier: MIT
 *
 * compute.c — the layout stage: type cycles, the C layout of every type
 * (natural alignment, explicit padding), structure footprints and offsets
 * through the runtime's pure shmgen_struct_footprint_desc_format() and
 * shmgen_layout_plan_format() for the layout's segment format (so generator
 * and runtime agree byte for byte, and an older lock file is checked against
 * its own format's layout), the declared `size` check
 * and the layout hashes.  Parts that an earlier error left unresolved are
 * skipped silently: one mistake, one message.  Depends on internal.h and
 * shmgen/layout.h.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LIMIT ((uint64_t)1 << 62) /* the runtime's size limit (layout.c) */

typedef struct ctx {
    shmgen_schema_t *s;
    shmgen_diags_t *d;
    uint8_t *state;  /* per type: 0 unvisited, 1 on the DFS stack, 2 done */
    bool *broken;    /* per type: no layout (unresolved field, cycle, too large) */
} ctx_t;

static bool is_unresolved(const shmgen_type_ref_t *r)
{
    return r->kind == SHMGEN_REF_SCALAR && r->scalar == SHMGEN_SCALAR_NONE;
}

/* Fills size/align/hash of a resolved reference; false if it has no layout
 * (already reported) or its array is too large (reported here). */
static bool ref_layout(ctx_t *c, shmgen_type_ref_t *r)
{
    char buf[SHMGEN__PRINT_BUF];
    uint64_t size;
    uint32_t align;

    if (is_unresolved(r)) return false;
    if (r->kind == SHMGEN_REF_SCALAR) shmgen__scalar_layout(r->scalar, &size, &align);
    else if (r->kind == SHMGEN_REF_ENUM) size = 4, align = 4;
    else if (r->index >= c->s->ntypes || c->broken[r->index]) return false;
    else size = c->s->types[r->index].size, align = c->s->types[r->index].align;
    if (r->array_len) {
        if (r->array_len > SHMGEN__MAX_TYPE_SIZE / size) {
            shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, r->loc,
                            "array '%s' is larger than 2147483648 bytes, the largest type allowed",
                            shmgen_type_ref_str(c->s, r, buf, sizeof buf));
            return false;
        }
        size *= r->array_len;
    }
    r->size = size;
    r->align = align;
    r->hash = shmgen__hash_ref(c->s, r);
    return true;
}

static void layout_type(ctx_t *c, size_t ti)
{
    shmgen_type_t *t = &c->s->types[ti];
    uint64_t at = 0;
    uint32_t align = 1;

    if (c->broken[ti] || t->nfields == 0) {
        c->broken[ti] = true;
        return;
    }
    for (size_t i = 0; i < t->nfields; i++) {
        shmgen_field_t *f = &t->fields[i];
        if (!ref_layout(c, &f->type)) {
            c->broken[ti] = true; /* the cause was reported where it is */
            continue;
        }
        /* at <= 2^31 and size <= 2^31, so nothing here can wrap */
        f->offset = (at + f->type.align - 1) & ~(uint64_t)(f->type.align - 1);
        f->padding_before = f->offset - at;
        at = f->offset + f->type.size;
        if (f->type.align > align) align = f->type.align;
    }
    if (c->broken[ti]) return;
    t->align = align;
    t->size = (at + align - 1) & ~(uint64_t)(align - 1);
    t->tail_padding = t->size - at;
    if (t->size > SHMGEN__MAX_TYPE_SIZE) {
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, t->loc, "type '%s' is %llu bytes; at most 2147483648 are allowed",
                        t->name, (unsigned long long)t->size);
        c->broken[ti] = true;
        return;
    }
    t->hash = shmgen__hash_type(c->s, t);
}

/* Reports the cycle that the edge from the stack top to `to` closes. */
static void report_cycle(ctx_t *c, const size_t *stack, size_t depth, size_t to, const shmgen_field_t *edge)
{
    size_t from = depth, len = 0, o = 0;
    char *path;

    while (from > 0 && stack[from - 1] != to) from--;
    if (from > 0) from--;
    for (size_t i = from; i < depth; i++) len += strlen(c->s->types[stack[i]].name) + 4;
    if (!(path = malloc(len + strlen(c->s->types[to].name) + 1))) return;
    for (size_t i = from; i < depth; i++) {
        c->broken[stack[i]] = true;
        o += (size_t)sprintf(path + o, "%s -> ", c->s->types[stack[i]].name);
    }
    strcpy(path + o, c->s->types[to].name);
    shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, edge->type.loc,
                    "type cycle: %s; a type cannot contain itself, directly or through other types", path);
    free(path);
}

/* Depth-first over field references; a type is laid out after every type it
 * contains.  Iterative, so a chain of 100,000 types needs no deep C stack. */
static void visit_types(ctx_t *c)
{
    size_t n = c->s->ntypes, depth;
    size_t *stack = malloc((n ? n : 1) * sizeof *stack), *cursor = malloc((n ? n : 1) * sizeof *cursor);

    for (size_t root = 0; stack && cursor && root < n; root++) {
        if (c->state[root]) continue;
        depth = 0;
        stack[depth] = root, cursor[depth++] = 0, c->state[root] = 1;
        while (depth) {
            size_t ti = stack[depth - 1];
            shmgen_type_t *t = &c->s->types[ti];
            if (cursor[depth - 1] == t->nfields) {
                c->state[ti] = 2;
                layout_type(c, ti);
                depth--;
                continue;
            }
            const shmgen_field_t *f = &t->fields[cursor[depth - 1]++];
            if (f->type.kind != SHMGEN_REF_TYPE || f->type.index >= n) continue;
            if (c->state[f->type.index] == 1) report_cycle(c, stack, depth, f->type.index, f);
            else if (c->state[f->type.index] == 0)
                stack[depth] = f->type.index, cursor[depth++] = 0, c->state[f->type.index] = 1;
        }
    }
    if (!stack || !cursor) shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, (shmgen_loc_t){c->s->path, 0, 0}, "out of memory");
    free(stack);
    free(cursor);
}

static bool structure_layout(ctx_t *c, shmgen_structure_t *st)
{
    shmgen_loc_t at = st->capacity_loc.line ? st->capacity_loc : st->loc;
    shmgen_struct_desc_t d;
    int rc;

    if (!st->name || !st->kind || st->capacity == 0 || !ref_layout(c, &st->elem)) return false;
    if ((st->kind == SHMGEN_KIND_STACK || st->kind == SHMGEN_KIND_POOL) && st->capacity > UINT32_MAX - 1) {
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, at, "capacity %llu is too large for a %s; at most 4294967294",
                        (unsigned long long)st->capacity, shmgen_kind_name(st->kind));
        return false;
    }
    shmgen_schema_struct_desc(c->s, (size_t)(st - c->s->structures), &d);
    rc = shmgen_struct_footprint_desc_format(&d, c->s->format_version, &st->size);
    if (rc == SHMGEN_OVERFLOW)
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, at,
                        "capacity %llu of %llu-byte elements makes structure '%s' overflow the 64-bit layout "
                        "(more than 2^62 bytes)",
                        (unsigned long long)st->capacity, (unsigned long long)st->elem.size, st->name);
    else if (rc != 0)
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, st->loc, "structure '%s' cannot be laid out (%s)", st->name,
                        shmgen_strerror(rc));
    return rc == 0;
}

/* The running total, to name the structure where the segment overflows. */
static bool check_total(ctx_t *c, uint64_t overhead)
{
    uint64_t at = overhead;
    for (size_t i = 0; i < c->s->nstructures; i++) {
        const shmgen_structure_t *st = &c->s->structures[i];
        if (st->size > LIMIT - at) {
            shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, st->loc,
                            "structure '%s' (%llu bytes) makes the segment overflow the 64-bit layout: it would end "
                            "beyond 2^62 bytes",
                            st->name, (unsigned long long)st->size);
            return false;
        }
        at += st->size;
    }
    return true;
}

static void plan_segment(ctx_t *c)
{
    shmgen_schema_t *s = c->s;
    shmgen_layout_t layout;
    shmgen_struct_desc_t *descs;
    uint64_t *offsets = malloc((s->nstructures ? s->nstructures : 1) * sizeof *offsets);
    int rc;

    if (!offsets || shmgen_schema_runtime_layout(s, &layout, &descs) != 0) {
        free(offsets);
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, (shmgen_loc_t){s->path, 0, 0}, "out of memory");
        return;
    }
    rc = shmgen_layout_plan_format(&layout, s->format_version, offsets, &s->plan);
    if (rc == SHMGEN_OVERFLOW && check_total(c, s->plan.overhead))
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, s->segment_loc, "the segment's layout overflows 64 bits");
    else if (rc != 0 && rc != SHMGEN_OVERFLOW)
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, s->segment_loc, "the segment cannot be laid out (%s)", shmgen_strerror(rc));
    for (size_t i = 0; rc == 0 && i < s->nstructures; i++) s->structures[i].offset = offsets[i];
    if (rc == 0 && s->declared_size && s->declared_size < s->plan.computed_size)
        shmgen_diag_add(c->d, SHMGEN_SEV_ERROR, s->size_loc,
                        "declared size %llu bytes is below the computed size %llu bytes; raise 'size' to at least "
                        "%llu or leave it out",
                        (unsigned long long)s->declared_size, (unsigned long long)s->plan.computed_size,
                        (unsigned long long)s->plan.computed_size);
    free(descs);
    free(offsets);
}

void shmgen__schema_layout(shmgen_schema_t *s, shmgen_diags_t *d)
{
    ctx_t c = {s, d, calloc(s->ntypes + 1, 1), calloc(s->ntypes + 1, sizeof(bool))};
    bool all = s->nstructures > 0 && s->segment;

    if (!c.state || !c.broken) {
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){s->path, 0, 0}, "out of memory");
    } else {
        /* The layout rules of the format the layout is for (an older lock
         * file's own; else the current one). */
        if (s->format_version == 0) s->format_version = SHMGEN_FORMAT_VERSION;
        visit_types(&c);
        for (size_t i = 0; i < s->nenums; i++) s->enums[i].hash = shmgen__hash_enum(&s->enums[i]);
        for (size_t i = 0; i < s->nstructures; i++) {
            const char *name = s->structures[i].name;
            if (!structure_layout(&c, &s->structures[i])) all = false;
            /* A name the loader refused would make the plan refuse the descriptor. */
            else if (strlen(name) > SHMGEN_NAME_MAX) all = false;
        }
        /* Only when every structure has a footprint: else the plan would add a second message. */
        if (all) plan_segment(&c);
        s->layout_hash = shmgen__hash_segment(s);
    }
    free(c.state);
    free(c.broken);
}
