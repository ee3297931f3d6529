/*
 * SPDX-License-Identifier: MIT
 *
 * layout_read.c — reads a layout JSON ("shmgen-layout/1") back into the
 * model.  The declarative part (segment, version, size, mode, enums, types
 * with their field types, structures with kind, type, capacity, since,
 * initial and a topic's parameters) is rearranged into a tree of segment.yaml shape — keeping the
 * JSON locations — and goes through the very same loader and layout; then
 * every stored offset, size and hash is compared with the recomputed one.
 * Depends on internal.h and shmgen_schema/layout_json.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "shmgen_schema/layout_json.h"

typedef struct reader {
    shmgen_diags_t *d;
    bool oom;
} reader_t;

static void rerr(reader_t *r, shmgen_loc_t loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rerr(reader_t *r, shmgen_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    shmgen_diag_vadd(r->d, SHMGEN_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
}

/* Depth is bounded by the JSON parser's limit. */
static shmgen__node_t *clone(reader_t *r, const shmgen__node_t *n)
{
    shmgen__node_t *c = n->type == SHMGEN__SCALAR ? shmgen__node_scalar(n->loc, n->text, n->len, n->plain)
                                                  : shmgen__node_new(n->type, n->loc);
    if (!c) return r->oom = true, NULL;
    c->flow = n->flow;
    for (size_t i = 0; n->type != SHMGEN__SCALAR && i < n->n; i++) {
        shmgen__node_t *child = clone(r, n->items[i]);
        if (!child || !shmgen__node_push(c, child)) return r->oom = true, shmgen__node_free(c), NULL;
    }
    return c;
}

/* Appends key → value to map, taking both over (either may be NULL after
 * an OOM: then both are freed and the OOM is remembered). */
static void push_pair(reader_t *r, shmgen__node_t *map, shmgen__node_t *k, shmgen__node_t *v)
{
    if (!k || !v) {
        shmgen__node_free(k);
        shmgen__node_free(v);
        r->oom = true;
    } else if (!shmgen__node_push(map, k)) { /* frees k */
        shmgen__node_free(v);
        r->oom = true;
    } else if (!shmgen__node_push(map, v)) { /* frees v; the loader ignores a key without value */
        r->oom = true;
    }
}

/* Appends a fresh key and a clone of `value`. */
static void put(reader_t *r, shmgen__node_t *map, const char *key, shmgen_loc_t at, const shmgen__node_t *value)
{
    if (!value) return; /* a missing required key was reported by check_object() */
    push_pair(r, map, shmgen__node_scalar(at, key, strlen(key), true), clone(r, value));
}

/* Appends a fresh key → value (value taken over). */
static void put_section(reader_t *r, shmgen__node_t *map, const char *key, shmgen_loc_t at, shmgen__node_t *value)
{
    push_pair(r, map, shmgen__node_scalar(at, key, strlen(key), true), value);
}

/* Appends clone(key) → value (value taken over).  Keys of the tree are
 * scalars, as in YAML: a key that is no JSON string is reported and skipped. */
static void put_node(reader_t *r, shmgen__node_t *map, const shmgen__node_t *key, shmgen__node_t *value)
{
    if (key->type != SHMGEN__SCALAR || key->plain) {
        char buf[SHMGEN__PRINT_BUF + 4];
        rerr(r, key->loc, "a name must be a JSON string; found %s", shmgen__node_what(key, buf, sizeof buf));
        shmgen__node_free(value);
        return;
    }
    push_pair(r, map, clone(r, key), value);
}

/* Unknown keys of a JSON object, and missing required ones (a NUL-separated
 * list ending with an empty string; names starting with '?' are optional). */
static bool check_object(reader_t *r, const shmgen__node_t *obj, const char *what, const char *keys)
{
    bool ok = true;
    if (obj->type != SHMGEN__MAP) {
        char buf[SHMGEN__PRINT_BUF + 4];
        rerr(r, obj->loc, "%s must be a JSON object; found %s", what, shmgen__node_what(obj, buf, sizeof buf));
        return false;
    }
    for (size_t i = 0; i + 1 < obj->n; i += 2) {
        const char *k = keys;
        while (*k && strcmp(k + (*k == '?'), obj->items[i]->text) != 0) k += strlen(k) + 1;
        if (!*k) {
            char buf[SHMGEN__PRINT_BUF];
            rerr(r, obj->items[i]->loc, "unknown key '%s' in %s",
                 shmgen__printable(obj->items[i]->text, obj->items[i]->len, buf, sizeof buf), what);
            ok = false;
        }
    }
    for (const char *k = keys; *k; k += strlen(k) + 1)
        if (*k != '?' && !shmgen__map_get(obj, k)) {
            rerr(r, obj->loc, "%s has no '%s'", what, k);
            ok = false;
        }
    return ok;
}

static const shmgen__node_t *items_of(reader_t *r, const shmgen__node_t *root, const char *key)
{
    const shmgen__node_t *n = shmgen__map_get(root, key);
    if (n && n->type != SHMGEN__SEQ) {
        rerr(r, n->loc, "'%s' must be a JSON array", key);
        return NULL;
    }
    return n;
}

/* ---- JSON → segment.yaml-shaped tree ------------------------------------ */

#define ENUM_KEYS "name\0hash\0values\0"
#define VALUE_KEYS "name\0value\0"
#define FIELD_KEYS "name\0type\0?ref\0?base\0?array_len\0offset\0size\0align\0?padding_before\0"
#define TYPE_KEYS "name\0size\0align\0?tail_padding\0hash\0fields\0"
#define STRUCT_KEYS                                                                                            \
    "name\0kind\0type\0?ref\0?base\0?array_len\0capacity\0since\0?initial\0?subscribers\0?history\0?policy\0"   \
    "?deadline_ms\0offset\0size\0elem_size\0elem_align\0elem_hash\0"

static void build_enums(reader_t *r, const shmgen__node_t *list, shmgen__node_t *out)
{
    for (size_t i = 0; list && i < list->n; i++) {
        const shmgen__node_t *e = list->items[i], *vals;
        shmgen__node_t *m;
        if (!check_object(r, e, "an enum", ENUM_KEYS)) continue;
        if (!(vals = shmgen__map_get(e, "values")) || vals->type != SHMGEN__SEQ) {
            rerr(r, e->loc, "enum 'values' must be a JSON array");
            continue;
        }
        m = shmgen__node_new(SHMGEN__MAP, vals->loc);
        for (size_t j = 0; m && j < vals->n; j++)
            if (check_object(r, vals->items[j], "an enum value", VALUE_KEYS))
                put_node(r, m, shmgen__map_get(vals->items[j], "name"), clone(r, shmgen__map_get(vals->items[j], "value")));
        put_node(r, out, shmgen__map_get(e, "name"), m);
    }
}

static void build_types(reader_t *r, const shmgen__node_t *list, shmgen__node_t *out)
{
    for (size_t i = 0; list && i < list->n; i++) {
        const shmgen__node_t *t = list->items[i], *fields;
        shmgen__node_t *m;
        if (!check_object(r, t, "a type", TYPE_KEYS)) continue;
        if (!(fields = shmgen__map_get(t, "fields")) || fields->type != SHMGEN__SEQ) {
            rerr(r, t->loc, "type 'fields' must be a JSON array");
            continue;
        }
        m = shmgen__node_new(SHMGEN__MAP, fields->loc);
        for (size_t j = 0; m && j < fields->n; j++)
            if (check_object(r, fields->items[j], "a field", FIELD_KEYS))
                put_node(r, m, shmgen__map_get(fields->items[j], "name"), clone(r, shmgen__map_get(fields->items[j], "type")));
        put_node(r, out, shmgen__map_get(t, "name"), m);
    }
}

/* atomic and latest hold one value: their stored capacity (1) is not a schema key. */
static bool one_value_kind(const shmgen__node_t *kind)
{
    return kind->type == SHMGEN__SCALAR && (strcmp(kind->text, "atomic") == 0 || strcmp(kind->text, "latest") == 0);
}

/* A topic's parameters, each where the file has it: a lock file written
 * before they existed (or without one of them) gets the schema's defaults. */
static void put_topic_params(reader_t *r, shmgen__node_t *m, const shmgen__node_t *st)
{
    static const char *const keys[] = {"subscribers", "history", "policy", "deadline_ms"};
    for (size_t i = 0; i < 4; i++) {
        const shmgen__node_t *v = shmgen__map_get(st, keys[i]);
        if (v) put(r, m, keys[i], v->loc, v);
    }
}

static void build_structures(reader_t *r, const shmgen__node_t *list, shmgen__node_t *out)
{
    for (size_t i = 0; list && i < list->n; i++) {
        const shmgen__node_t *st = list->items[i], *kind, *init;
        shmgen__node_t *m;
        if (!check_object(r, st, "a structure", STRUCT_KEYS)) continue;
        kind = shmgen__map_get(st, "kind");
        init = shmgen__map_get(st, "initial");
        if (!(m = shmgen__node_new(SHMGEN__MAP, st->loc))) {
            r->oom = true;
            continue;
        }
        put(r, m, "kind", kind->loc, kind);
        put(r, m, "type", st->loc, shmgen__map_get(st, "type"));
        if (!one_value_kind(kind)) put(r, m, "capacity", st->loc, shmgen__map_get(st, "capacity"));
        put(r, m, "since", st->loc, shmgen__map_get(st, "since"));
        if (init && !shmgen__is_null(init)) put(r, m, "initial", init->loc, init);
        put_topic_params(r, m, st);
        put_node(r, out, shmgen__map_get(st, "name"), m);
    }
}

#define ROOT_KEYS                                                                                            \
    "format\0?generator\0?format_version\0segment\0version\0mode\0declared_size\0layout_hash\0plan\0enums\0" \
    "types\0structures\0"

static shmgen__node_t *to_yaml_shape(reader_t *r, const shmgen__node_t *root)
{
    const shmgen__node_t *fmt = shmgen__map_get(root, "format"), *size = shmgen__map_get(root, "declared_size");
    shmgen__node_t *y, *enums, *types, *structs;

    if (root->type == SHMGEN__MAP && (!fmt || fmt->type != SHMGEN__SCALAR || strcmp(fmt->text, SHMGEN_LAYOUT_JSON_FORMAT))) {
        rerr(r, fmt ? fmt->loc : root->loc, "not a layout JSON: expected \"format\": \"%s\"", SHMGEN_LAYOUT_JSON_FORMAT);
        return NULL;
    }
    if (!check_object(r, root, "the layout", ROOT_KEYS)) return NULL;
    if (!(y = shmgen__node_new(SHMGEN__MAP, root->loc))) return r->oom = true, NULL;
    put(r, y, "segment", root->loc, shmgen__map_get(root, "segment"));
    put(r, y, "version", root->loc, shmgen__map_get(root, "version"));
    put(r, y, "mode", root->loc, shmgen__map_get(root, "mode"));
    if (!(size->type == SHMGEN__SCALAR && size->plain && strcmp(size->text, "0") == 0))
        put(r, y, "size", root->loc, size);
    enums = shmgen__node_new(SHMGEN__MAP, root->loc);
    types = shmgen__node_new(SHMGEN__MAP, root->loc);
    structs = shmgen__node_new(SHMGEN__MAP, root->loc);
    if (enums) build_enums(r, items_of(r, root, "enums"), enums);
    if (types) build_types(r, items_of(r, root, "types"), types);
    if (structs) build_structures(r, items_of(r, root, "structures"), structs);
    put_section(r, y, "enums", root->loc, enums);
    put_section(r, y, "types", root->loc, types);
    put_section(r, y, "structures", root->loc, structs);
    return y;
}

/* ---- stored values against recomputed ones ------------------------------- */

/* Whether n is a plain non-negative integer scalar; its value in *out. */
static bool node_u64(const shmgen__node_t *n, uint64_t *out)
{
    bool neg = false;
    *out = 0;
    return n->type == SHMGEN__SCALAR && n->plain && shmgen__parse_int(n->text, n->len, &neg, out) == 0 && !neg;
}

static void expect_u64(reader_t *r, const shmgen__node_t *obj, const char *key, uint64_t want)
{
    const shmgen__node_t *n = shmgen__map_get(obj, key);
    uint64_t got;
    if (!n) return;
    if (!node_u64(n, &got) || got != want) {
        char buf[SHMGEN__PRINT_BUF + 4];
        rerr(r, n->loc, "stored %s %s differs from the computed %" PRIu64
             "; the file was edited or written by an incompatible shmgen", key, shmgen__node_what(n, buf, sizeof buf), want);
    }
}

static void expect_hash(reader_t *r, const shmgen__node_t *obj, const char *key, uint64_t want)
{
    const shmgen__node_t *n = shmgen__map_get(obj, key);
    char hex[24];
    snprintf(hex, sizeof hex, "0x%016" PRIx64, want);
    if (n && (n->type != SHMGEN__SCALAR || strcmp(n->text, hex) != 0)) {
        char buf[SHMGEN__PRINT_BUF + 4];
        rerr(r, n->loc, "stored %s %s differs from the computed %s; the file was edited or written by an "
             "incompatible shmgen", key, shmgen__node_what(n, buf, sizeof buf), hex);
    }
}

static void compare_types(reader_t *r, const shmgen_schema_t *s, const shmgen__node_t *list)
{
    for (size_t i = 0; list && i < list->n && i < s->ntypes; i++) {
        const shmgen_type_t *t = &s->types[i];
        const shmgen__node_t *jt = list->items[i], *fields = shmgen__map_get(jt, "fields");
        expect_u64(r, jt, "size", t->size);
        expect_u64(r, jt, "align", t->align);
        expect_u64(r, jt, "tail_padding", t->tail_padding);
        expect_hash(r, jt, "hash", t->hash);
        for (size_t j = 0; fields && j < fields->n && j < t->nfields; j++) {
            const shmgen__node_t *jf = fields->items[j];
            expect_u64(r, jf, "offset", t->fields[j].offset);
            expect_u64(r, jf, "size", t->fields[j].type.size);
            expect_u64(r, jf, "align", t->fields[j].type.align);
            expect_u64(r, jf, "padding_before", t->fields[j].padding_before);
            expect_u64(r, jf, "array_len", t->fields[j].type.array_len);
        }
    }
}

static void compare_structures(reader_t *r, const shmgen_schema_t *s, const shmgen__node_t *list)
{
    for (size_t i = 0; list && i < list->n && i < s->nstructures; i++) {
        const shmgen_structure_t *st = &s->structures[i];
        const shmgen__node_t *js = list->items[i];
        expect_u64(r, js, "capacity", st->capacity);
        expect_u64(r, js, "offset", st->offset);
        expect_u64(r, js, "size", st->size);
        expect_u64(r, js, "elem_size", st->elem.size);
        expect_u64(r, js, "elem_align", st->elem.align);
        expect_u64(r, js, "array_len", st->elem.array_len);
        expect_hash(r, js, "elem_hash", st->elem.hash);
    }
}

static void compare_plan(reader_t *r, const shmgen_schema_t *s, const shmgen__node_t *plan)
{
    if (!check_object(r, plan, "'plan'", "header\0registry\0journals\0table\0index\0overhead\0computed_size\0total_size\0"))
        return;
    expect_u64(r, plan, "overhead", s->plan.overhead);
    expect_u64(r, plan, "computed_size", s->plan.computed_size);
    expect_u64(r, plan, "total_size", s->plan.total_size);
}

/* The segment format the file was written for (absent: the current one) in
 * *format.  An older format is read as such: the layout is computed by its
 * rules and its hashes for it (so the file is still checked), and compat
 * reports the format change as breaking.  A newer one is an error: this
 * shmgen cannot know its layout rules. */
static bool read_format(reader_t *r, const shmgen__node_t *root, uint32_t *format)
{
    const shmgen__node_t *n = shmgen__map_get(root, "format_version");
    uint64_t got;
    *format = SHMGEN_FORMAT_VERSION;
    if (!n) return true;
    if (!node_u64(n, &got) || got == 0) {
        char buf[SHMGEN__PRINT_BUF + 4];
        rerr(r, n->loc, "format_version must be a positive integer, not %s", shmgen__node_what(n, buf, sizeof buf));
        return false;
    }
    if (got > SHMGEN_FORMAT_VERSION) {
        rerr(r, n->loc, "written for segment format %" PRIu64 ", newer than this shmgen's %u: use the shmgen that wrote it",
             got, (unsigned)SHMGEN_FORMAT_VERSION);
        return false;
    }
    *format = (uint32_t)got;
    return true;
}

static void compare(reader_t *r, shmgen_schema_t *s, const shmgen__node_t *root)
{
    const shmgen__node_t *enums = shmgen__map_get(root, "enums");
    expect_hash(r, root, "layout_hash", s->layout_hash);
    compare_plan(r, s, shmgen__map_get(root, "plan"));
    for (size_t i = 0; enums && i < enums->n && i < s->nenums; i++) expect_hash(r, enums->items[i], "hash", s->enums[i].hash);
    compare_types(r, s, shmgen__map_get(root, "types"));
    compare_structures(r, s, shmgen__map_get(root, "structures"));
}

/* ---- entry points ---------------------------------------------------------- */

shmgen_schema_t *shmgen_schema_load_layout_json_buffer(const char *name, const char *data, size_t len,
                                                       shmgen_diags_t *diags)
{
    reader_t r = {diags, false};
    size_t errors_before = diags->errors;
    uint32_t format = SHMGEN_FORMAT_VERSION;
    char *path = strdup(name ? name : "<input>");
    shmgen__node_t *root = path ? shmgen__json_parse(path, data, len, diags) : NULL, *y = NULL;
    shmgen_schema_t *s = NULL;

    if (root && root->type != SHMGEN__MAP) rerr(&r, root->loc, "a layout JSON is an object");
    else if (root && read_format(&r, root, &format)) y = to_yaml_shape(&r, root);
    if (r.oom || !path) shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){path, 0, 0}, "out of memory");
    if (diags->errors == errors_before && y) {
        s = shmgen__schema_from_tree(path, y, format, diags);
        path = NULL; /* owned by the schema, or freed */
        if (s) compare(&r, s, root);
    }
    shmgen__node_free(y);
    shmgen__node_free(root);
    free(path);
    if (s && diags->errors != errors_before) {
        shmgen_schema_free(s);
        s = NULL;
    }
    return s;
}

shmgen_schema_t *shmgen_schema_load_layout_json(const char *path, shmgen_diags_t *diags)
{
    size_t len = 0;
    char *data = shmgen__read_file(path, SHMGEN__MAX_INPUT_BYTES, &len, diags);
    shmgen_schema_t *s = data ? shmgen_schema_load_layout_json_buffer(path, data, len, diags) : NULL;
    free(data);
    return s;
}

int shmgen_layout_json_sniff(const char *data, size_t len)
{
    size_t i = 0, window = len < 4096 ? len : 4096;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) i++;
    return i < len && data[i] == '{' && memmem(data, window, "\"shmgen-layout/", 15) != NULL;
}

shmgen_schema_t *shmgen_schema_load_any(const char *path, shmgen_diags_t *diags)
{
    size_t len = 0, plen = strlen(path);
    char *data = shmgen__read_file(path, SHMGEN__MAX_INPUT_BYTES, &len, diags);
    shmgen_schema_t *s = NULL;

    if (!data) return NULL;
    if ((plen >= 5 && strcmp(path + plen - 5, ".json") == 0) || shmgen_layout_json_sniff(data, len))
        s = shmgen_schema_load_layout_json_buffer(path, data, len, diags);
    else
        s = shmgen_schema_load_buffer(path, data, len, diags);
    free(data);
    return s;
}
