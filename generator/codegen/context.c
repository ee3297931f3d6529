/*
 * SPDX-License-Identifier: MIT
 *
 * context.c — the schema model as a template context (the value tree that
 * templates/ read).  Every key is listed in docs/templates.md.  Names of
 * generated C entities are decided here once, so templates never assemble
 * a type name from pieces; the Python names and NumPy spellings come from
 * context_py.c.  Depends on the schema model and value.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context_py.h"
#include "shmgen/layout.h"
#include "shmgen_gen/generate.h"

typedef struct scalar_info {
    const char *c_type;  /* the stdint/bool type */
    const char *suffix;  /* runtime atomic function suffix, "" for non-atomic-able */
    bool atomic, integer;
} scalar_info_t;

static scalar_info_t scalar_info(shmgen_scalar_t s)
{
    switch (s) {
    case SHMGEN_U8: return (scalar_info_t){"uint8_t", "", false, true};
    case SHMGEN_U16: return (scalar_info_t){"uint16_t", "", false, true};
    case SHMGEN_U32: return (scalar_info_t){"uint32_t", "u32", false, true};
    case SHMGEN_U64: return (scalar_info_t){"uint64_t", "u64", false, true};
    case SHMGEN_I8: return (scalar_info_t){"int8_t", "", false, true};
    case SHMGEN_I16: return (scalar_info_t){"int16_t", "", false, true};
    case SHMGEN_I32: return (scalar_info_t){"int32_t", "i32", false, true};
    case SHMGEN_I64: return (scalar_info_t){"int64_t", "i64", false, true};
    case SHMGEN_F32: return (scalar_info_t){"float", "", false, false};
    case SHMGEN_F64: return (scalar_info_t){"double", "", false, false};
    case SHMGEN_BOOL: return (scalar_info_t){"bool", "bool", false, false};
    case SHMGEN_CHAR: return (scalar_info_t){"char", "", false, true};
    case SHMGEN_ATOMIC_U32: return (scalar_info_t){"uint32_t", "u32", true, true};
    case SHMGEN_ATOMIC_U64: return (scalar_info_t){"uint64_t", "u64", true, true};
    case SHMGEN_ATOMIC_I32: return (scalar_info_t){"int32_t", "i32", true, true};
    case SHMGEN_ATOMIC_I64: return (scalar_info_t){"int64_t", "i64", true, true};
    case SHMGEN_ATOMIC_BOOL: return (scalar_info_t){"bool", "bool", true, false};
    default: return (scalar_info_t){"?", "", false, false};
    }
}

static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

/* "SHMGEN_KIND_QUEUE": the runtime's enum constant, from its kind name. */
static shmgen_value_t *set_kind_enum(shmgen_value_t *map, shmgen_kind_t k)
{
    char buf[64];
    snprintf(buf, sizeof buf, "SHMGEN_KIND_%s", shmgen_kind_name(k) ? shmgen_kind_name(k) : "");
    upper(buf);
    return shmgen_value_set_str(map, "kind_enum", buf);
}

/* "<seg>_<name>_t", the C name of a schema type or enum. */
static shmgen_value_t *set_name(shmgen_value_t *map, const char *key, const char *seg, const char *name,
                                const char *suffix)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s_%s%s", seg, name, suffix);
    return shmgen_value_set_str(map, key, buf);
}

/* The C spelling of a type reference, without the array part. */
static void ref_c_type(const shmgen_schema_t *s, const shmgen_type_ref_t *r, char *buf, size_t size)
{
    scalar_info_t si = scalar_info(r->scalar);
    if (r->kind == SHMGEN_REF_ENUM) snprintf(buf, size, "%s_%s_t", s->segment, s->enums[r->index].name);
    else if (r->kind == SHMGEN_REF_TYPE) snprintf(buf, size, "%s_%s_t", s->segment, s->types[r->index].name);
    else if (si.atomic) snprintf(buf, size, "SHMGEN_ATOMIC_FIELD(%s)", si.c_type);
    else snprintf(buf, size, "%s", si.c_type);
}

static shmgen_value_t *enum_value(const shmgen_schema_t *s, const shmgen_enum_t *e, const shmgen_enum_value_t *v)
{
    shmgen_value_t *m = shmgen_value_map();
    char c_name[200];
    snprintf(c_name, sizeof c_name, "%s_%s_%s", s->segment, e->name, v->name);
    upper(c_name);
    shmgen_value_set_str(m, "name", v->name);
    shmgen_value_set_str(m, "c_name", c_name);
    shmgen_value_set_int(m, "value", v->value);
    /* C11 enum constants are ints; larger u32 values become macros */
    shmgen_value_set_bool(m, "fits_int", v->value <= 0x7fffffffu);
    return m;
}

static shmgen_value_t *enum_ctx(const shmgen_schema_t *s, const shmgen_enum_t *e)
{
    shmgen_value_t *m = shmgen_value_map(), *vals = shmgen_value_set(m, "values", shmgen_value_list());
    bool all_int = true;
    shmgen_value_set_str(m, "name", e->name);
    set_name(m, "c_type", s->segment, e->name, "_t");
    shmgen_value_set_int(m, "hash", (int64_t)e->hash);
    for (size_t i = 0; i < e->nvalues; i++) {
        shmgen_value_push(vals, enum_value(s, e, &e->values[i]));
        all_int = all_int && e->values[i].value <= 0x7fffffffu;
    }
    shmgen_value_set_bool(m, "all_fit_int", all_int);
    return m;
}

static shmgen_value_t *field_ctx(const shmgen_schema_t *s, const shmgen_field_t *f, size_t index)
{
    shmgen_value_t *m = shmgen_value_map();
    char c_type[200], pad[32];
    ref_c_type(s, &f->type, c_type, sizeof c_type);
    snprintf(pad, sizeof pad, "shmgen_pad%zu_", index);
    shmgen_value_set_str(m, "name", f->name);
    shmgen_value_set_str(m, "c_type", c_type);
    shmgen_value_set_int(m, "array_len", (int64_t)f->type.array_len);
    shmgen_value_set_int(m, "offset", (int64_t)f->offset);
    shmgen_value_set_int(m, "size", (int64_t)f->type.size);
    shmgen_value_set_int(m, "align", f->type.align);
    shmgen_value_set_int(m, "hash", (int64_t)f->type.hash);
    shmgen_value_set_int(m, "padding_before", (int64_t)f->padding_before);
    shmgen_value_set_str(m, "pad_name", pad);
    shmgen_value_set_bool(m, "is_atomic", f->type.kind == SHMGEN_REF_SCALAR && scalar_info(f->type.scalar).atomic);
    shmgen_value_set_str(m, "type_name", f->type.kind == SHMGEN_REF_ENUM   ? s->enums[f->type.index].name
                                         : f->type.kind == SHMGEN_REF_TYPE ? s->types[f->type.index].name
                                                                           : shmgen_scalar_name(f->type.scalar));
    return m;
}

static shmgen_value_t *type_ctx(const shmgen_schema_t *s, const shmgen_type_t *t)
{
    shmgen_value_t *m = shmgen_value_map(), *fields = shmgen_value_set(m, "fields", shmgen_value_list());
    size_t width = 7; /* strlen("uint8_t"), the padding members' type */
    bool atomic = false;
    shmgen_value_set_str(m, "name", t->name);
    set_name(m, "c_type", s->segment, t->name, "_t");
    set_name(m, "c_tag", s->segment, t->name, "");
    shmgen_value_set_int(m, "size", (int64_t)t->size);
    shmgen_value_set_int(m, "align", t->align);
    shmgen_value_set_int(m, "hash", (int64_t)t->hash);
    shmgen_value_set_int(m, "tail_padding", (int64_t)t->tail_padding);
    for (size_t i = 0; i < t->nfields; i++) {
        shmgen_value_t *f = shmgen_value_push(fields, field_ctx(s, &t->fields[i], i));
        const shmgen_value_t *ct = shmgen_value_get(f, "c_type"), *at = shmgen_value_get(f, "is_atomic");
        if (ct && ct->u.str.len > width) width = ct->u.str.len;
        atomic = atomic || (at && at->u.b);
    }
    shmgen_value_set_int(m, "type_width", (int64_t)width);
    shmgen_value_set_bool(m, "has_atomic", atomic);
    return m;
}

/* Depth-first: a type after every type its fields use (C needs complete types). */
static void order_types(const shmgen_schema_t *s, size_t i, unsigned char *state, size_t *order, size_t *n)
{
    if (state[i]) return; /* 1: in progress (no cycles in a validated schema), 2: done */
    state[i] = 1;
    for (size_t f = 0; f < s->types[i].nfields; f++)
        if (s->types[i].fields[f].type.kind == SHMGEN_REF_TYPE) order_types(s, s->types[i].fields[f].type.index, state, order, n);
    state[i] = 2;
    order[(*n)++] = i;
}

static shmgen_value_t *types_ctx(const shmgen_schema_t *s, bool *any_atomic)
{
    shmgen_value_t *list = shmgen_value_list();
    unsigned char *state = calloc(s->ntypes + 1, 1);
    size_t *order = calloc(s->ntypes + 1, sizeof *order), n = 0;
    *any_atomic = false;
    if (!state || !order) {
        shmgen_value_free(list);
        list = NULL;
    }
    for (size_t i = 0; list && i < s->ntypes; i++) order_types(s, i, state, order, &n);
    for (size_t i = 0; list && i < n; i++) {
        shmgen_value_t *t = shmgen_value_push(list, type_ctx(s, &s->types[order[i]]));
        const shmgen_value_t *a = shmgen_value_get(t, "has_atomic");
        bool elem = false;
        *any_atomic = *any_atomic || (a && a->u.b);
        /* whether a structure holds it directly (the verifier's field tables) */
        for (size_t k = 0; k < s->nstructures; k++)
            elem = elem || (s->structures[k].elem.kind == SHMGEN_REF_TYPE && s->structures[k].elem.index == order[i]);
        shmgen_value_set_bool(t, "is_elem", elem);
    }
    free(state);
    free(order);
    return list;
}

/* How the schema spells a type reference: "monster", "u8[64]". */
static void schema_spelling(const shmgen_schema_t *s, const shmgen_type_ref_t *r, char *buf, size_t size)
{
    const char *base = r->kind == SHMGEN_REF_ENUM   ? s->enums[r->index].name
                       : r->kind == SHMGEN_REF_TYPE ? s->types[r->index].name
                                                    : shmgen_scalar_name(r->scalar);
    if (r->array_len) snprintf(buf, size, "%s[%llu]", base, (unsigned long long)r->array_len);
    else snprintf(buf, size, "%s", base);
}

static void structure_elem(const shmgen_schema_t *s, const shmgen_structure_t *st, shmgen_value_t *m)
{
    char base[200], elem[200];
    scalar_info_t si = scalar_info(st->elem.scalar);
    ref_c_type(s, &st->elem, base, sizeof base);
    if (st->elem.array_len) snprintf(elem, sizeof elem, "%s_%s_elem_t", s->segment, st->name);
    else snprintf(elem, sizeof elem, "%s", base);
    shmgen_value_set_str(m, "elem", elem);
    shmgen_value_set_str(m, "elem_struct", st->elem.kind == SHMGEN_REF_TYPE ? s->types[st->elem.index].name : "");
    schema_spelling(s, &st->elem, elem, sizeof elem);
    shmgen_value_set_str(m, "elem_type_name", elem);
    shmgen_value_set_str(m, "elem_base", base);
    shmgen_value_set_int(m, "elem_array_len", (int64_t)st->elem.array_len);
    shmgen_value_set_int(m, "elem_size", (int64_t)st->elem.size);
    shmgen_value_set_int(m, "elem_align", st->elem.align);
    shmgen_value_set_int(m, "elem_hash", (int64_t)st->elem.hash);
    /* atomic kind: the value type and the runtime's function suffix */
    shmgen_value_set_str(m, "value_type", si.c_type);
    shmgen_value_set_str(m, "suffix", si.suffix);
    shmgen_value_set_bool(m, "is_integer", si.integer && st->elem.scalar != SHMGEN_BOOL);
}

/* A topic's parameters (0 and "" for other kinds): what the descriptor
 * stores and what the header's comments say. */
static void structure_topic(const shmgen_structure_t *st, shmgen_value_t *m)
{
    const char *policy = st->kind == SHMGEN_KIND_TOPIC ? shmgen_topic_policy_name(st->policy) : NULL;
    char policy_enum[64] = "";
    if (policy) snprintf(policy_enum, sizeof policy_enum, "SHMGEN_TOPIC_%s", policy);
    upper(policy_enum);
    shmgen_value_set_int(m, "subscribers", st->subscribers);
    shmgen_value_set_int(m, "history", st->history);
    shmgen_value_set_str(m, "policy", policy ? policy : "");
    shmgen_value_set_str(m, "policy_enum", policy_enum);
    shmgen_value_set_int(m, "deadline_ms", st->deadline_ms);
}

static shmgen_value_t *structure_ctx(const shmgen_schema_t *s, const shmgen_structure_t *st, size_t index)
{
    shmgen_value_t *m = shmgen_value_map();
    shmgen_value_set_str(m, "name", st->name);
    set_name(m, "fn", s->segment, st->name, "");
    shmgen_value_set_int(m, "index", (int64_t)index);
    shmgen_value_set_str(m, "kind", shmgen_kind_name(st->kind));
    set_kind_enum(m, st->kind);
    structure_elem(s, st, m);
    shmgen_value_set_int(m, "capacity", (int64_t)st->capacity);
    shmgen_value_set_int(m, "since", st->since);
    shmgen_value_set_bool(m, "optional", st->since > 1);
    shmgen_value_set_int(m, "initial", (int64_t)st->initial_u);
    shmgen_value_set_int(m, "offset", (int64_t)st->offset);
    shmgen_value_set_int(m, "size", (int64_t)st->size);
    structure_topic(st, m);
    return m;
}

static void structures_ctx(const shmgen_schema_t *s, shmgen_value_t *root)
{
    shmgen_value_t *list = shmgen_value_set(root, "structures", shmgen_value_list());
    shmgen_value_t *uses = shmgen_value_set(root, "uses", shmgen_value_map());
    bool optional = false;
    for (int k = 1; shmgen_kind_name(k); k++) shmgen_value_set_bool(uses, shmgen_kind_name(k), false);
    for (size_t i = 0; i < s->nstructures; i++) {
        shmgen_value_push(list, structure_ctx(s, &s->structures[i], i));
        shmgen_value_set_bool(uses, shmgen_kind_name(s->structures[i].kind), true);
        optional = optional || s->structures[i].since > 1;
    }
    shmgen_value_set_bool(root, "has_optional", optional);
}

shmgen_value_t *shmgen_gen_context(const shmgen_schema_t *s)
{
    size_t failures = shmgen_value_failures();
    shmgen_value_t *root = shmgen_value_map(), *enums;
    bool atomic_fields = false;
    char guard[200], mode[16], header[200];
    snprintf(guard, sizeof guard, "%s_H", s->segment);
    snprintf(header, sizeof header, "%s.h", s->segment);
    upper(guard);
    shmgen_value_set_str(root, "generator_version", SHMGEN_VERSION_STRING);
    shmgen_value_set_int(root, "abi_version", SHMGEN_RUNTIME_ABI_VERSION);
    shmgen_value_set_int(root, "format_version", SHMGEN_FORMAT_VERSION);
    shmgen_value_set_str(root, "schema_path", s->path ? s->path : "");
    shmgen_value_set_str(root, "segment", s->segment);
    shmgen_value_set_str(root, "output_name", s->segment); /* shmgen_gen_write may rename the outputs */
    shmgen_value_set_str(root, "header", header);
    shmgen_value_set_str(root, "guard", guard);
    shmgen_value_set_int(root, "version", s->version);
    shmgen_value_set_int(root, "layout_hash", (int64_t)s->layout_hash);
    shmgen_value_set_int(root, "declared_size", (int64_t)s->declared_size);
    shmgen_value_set_int(root, "total_size", (int64_t)s->plan.total_size);
    shmgen_value_set_int(root, "mode", s->mode);
    snprintf(mode, sizeof mode, "0%03o", (unsigned)s->mode); /* C's octal spelling: 0600 */
    shmgen_value_set_str(root, "mode_octal", mode);
    enums = shmgen_value_set(root, "enums", shmgen_value_list());
    for (size_t i = 0; i < s->nenums; i++) shmgen_value_push(enums, enum_ctx(s, &s->enums[i]));
    shmgen_value_set(root, "types", types_ctx(s, &atomic_fields));
    shmgen_value_set_bool(root, "has_atomic_fields", atomic_fields);
    structures_ctx(s, root);
    /* every builder call above tolerates NULL; one check catches any failure */
    if (shmgen__py_context(s, root) != 0 || shmgen_value_failures() != failures) {
        shmgen_value_free(root);
        return NULL;
    }
    return root;
}
