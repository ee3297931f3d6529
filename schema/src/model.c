/*
 * SPDX-License-Identifier: MIT
 *
 * model.c — freeing a schema and viewing it as a runtime layout descriptor
 * (shmgen_schema/model.h).  Depends on the runtime's shmgen/layout.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void shmgen_schema_free(shmgen_schema_t *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nenums; i++) {
        for (size_t j = 0; j < s->enums[i].nvalues; j++) free(s->enums[i].values[j].name);
        free(s->enums[i].values);
        free(s->enums[i].name);
    }
    for (size_t i = 0; i < s->ntypes; i++) {
        for (size_t j = 0; j < s->types[i].nfields; j++) free(s->types[i].fields[j].name);
        free(s->types[i].fields);
        free(s->types[i].name);
    }
    for (size_t i = 0; i < s->nstructures; i++) free(s->structures[i].name);
    free(s->enums);
    free(s->types);
    free(s->structures);
    free(s->segment);
    free(s->path);
    free(s);
}

void shmgen_schema_struct_desc(const shmgen_schema_t *s, size_t i, shmgen_struct_desc_t *out)
{
    const shmgen_structure_t *st = &s->structures[i];
    out->name = st->name;
    out->kind = st->kind;
    out->elem_size = (uint32_t)st->elem.size;
    out->elem_align = st->elem.align;
    out->capacity = st->capacity;
    out->elem_hash = st->elem.hash;
    out->since = st->since;
    out->initial = st->initial_u;
    out->subscribers = st->subscribers;
    out->history = st->history;
    out->policy = st->policy;
    out->deadline_ms = st->deadline_ms;
}

int shmgen_schema_runtime_layout(const shmgen_schema_t *s, shmgen_layout_t *out, shmgen_struct_desc_t **descs)
{
    shmgen_struct_desc_t *d = calloc(s->nstructures ? s->nstructures : 1, sizeof *d);
    if (!d) return -1;
    for (size_t i = 0; i < s->nstructures; i++) shmgen_schema_struct_desc(s, i, &d[i]);
    memset(out, 0, sizeof *out); /* every field, also ones added later, starts defined */
    out->segment = s->segment;
    out->schema_version = s->version;
    out->layout_hash = s->layout_hash;
    out->declared_size = s->declared_size;
    out->nstructs = s->nstructures;
    out->structs = d;
    out->mode = s->mode;
    *descs = d;
    return 0;
}

const char *shmgen_type_ref_str(const shmgen_schema_t *s, const shmgen_type_ref_t *ref, char *buf, size_t size)
{
    const char *base = "?";
    if (ref->kind == SHMGEN_REF_SCALAR && shmgen_scalar_name(ref->scalar)) base = shmgen_scalar_name(ref->scalar);
    else if (ref->kind == SHMGEN_REF_ENUM && ref->index < s->nenums) base = s->enums[ref->index].name;
    else if (ref->kind == SHMGEN_REF_TYPE && ref->index < s->ntypes) base = s->types[ref->index].name;
    if (ref->array_len) snprintf(buf, size, "%s[%llu]", base, (unsigned long long)ref->array_len);
    else snprintf(buf, size, "%s", base);
    return buf;
}

/* Post-order of a depth-first walk over field references; iterative, so a
 * long chain of nested types needs no deep C stack.  The schema is acyclic. */
int shmgen_schema_type_order(const shmgen_schema_t *s, size_t *order)
{
    size_t n = s->ntypes, done = 0;
    size_t *stack = malloc((n ? n : 1) * sizeof *stack), *cursor = malloc((n ? n : 1) * sizeof *cursor);
    unsigned char *seen = calloc(n ? n : 1, 1);
    int rc = stack && cursor && seen ? 0 : -1;

    for (size_t root = 0; rc == 0 && root < n; root++) {
        size_t depth = 0;
        if (seen[root]) continue;
        seen[root] = 1, stack[depth] = root, cursor[depth++] = 0;
        while (depth) {
            const shmgen_type_t *t = &s->types[stack[depth - 1]];
            if (cursor[depth - 1] == t->nfields) {
                order[done++] = stack[--depth];
                continue;
            }
            const shmgen_type_ref_t *r = &t->fields[cursor[depth - 1]++].type;
            if (r->kind == SHMGEN_REF_TYPE && r->index < n && !seen[r->index])
                seen[r->index] = 1, stack[depth] = r->index, cursor[depth++] = 0;
        }
    }
    free(stack);
    free(cursor);
    free(seen);
    return rc;
}
