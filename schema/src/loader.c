/*
 * SPDX-License-Identifier: MIT
 *
 * loader.c — document tree (segment.yaml shape) → model: reads every key,
 * checks names and values, resolves type references, then hands the model to
 * compute.c for the layout.  Every mistake is reported at its node and the
 * loader keeps going; an entry that is wrong is still entered (under its
 * name) so that one mistake does not cascade into "unknown type" elsewhere.
 * Depends on internal.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { TAG_ENUM = 0, TAG_TYPE = 1 };

typedef struct loader {
    shmgen_schema_t *s;
    shmgen_diags_t *d;
    shmgen__symtab_t typenames; /* enums and types: one namespace (both are field types) */
    shmgen__symtab_t structnames;
    size_t suggestions;         /* "did you mean" searches done, capped */
    size_t *enum_pos, *type_pos; /* pair index in the enums/types mapping of each entry */
    bool version_ok;
} loader_t;

static void err(loader_t *L, shmgen_loc_t loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(loader_t *L, shmgen_loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    shmgen_diag_vadd(L->d, SHMGEN_SEV_ERROR, loc, fmt, ap);
    va_end(ap);
}

#define SHOW(node, buf) shmgen__printable((node)->text, (node)->len, (buf), sizeof(buf))

static bool key_is(const shmgen__node_t *key, const char *name)
{
    return key->len == strlen(name) && memcmp(key->text, name, key->len) == 0;
}

/* The note under a duplicate: where the name (or key) was first written. */
static void first_here(loader_t *L, shmgen_loc_t at, const char *verb)
{
    shmgen_diag_note(L->d, at, "first %s here", verb);
}

static const char *suggest(loader_t *L, const char *word, const char *const *cands, size_t n)
{
    if (L->suggestions >= SHMGEN__MAX_SUGGESTIONS) return NULL;
    L->suggestions++;
    return shmgen__closest(word, cands, n);
}

/* Unknown keys (with a suggestion) and duplicate keys of a fixed-key mapping.
 * Returns a bit per allowed key that was suggested for a misspelt one, so
 * that the caller does not also report that key as missing. */
static unsigned check_keys(loader_t *L, const shmgen__node_t *map, const char *const *allowed, size_t n,
                       const char *where, const char *expected)
{
    shmgen_loc_t first[16]; /* n <= 16 (asserted by the callers' tables) */
    unsigned seen = 0, suggested = 0;
    char shown[SHMGEN__PRINT_BUF];

    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const shmgen__node_t *k = map->items[i];
        size_t a = 0;
        while (a < n && !key_is(k, allowed[a])) a++;
        if (a == n) {
            const char *s = strlen(k->text) == k->len ? suggest(L, k->text, allowed, n) : NULL;
            for (size_t b = 0; s && b < n; b++)
                if (allowed[b] == s) suggested |= 1u << b;
            if (s) err(L, k->loc, "unknown key '%s' in %s; did you mean '%s'?", SHOW(k, shown), where, s);
            else err(L, k->loc, "unknown key '%s' in %s; expected one of %s", SHOW(k, shown), where, expected);
        } else if (seen & (1u << a)) {
            err(L, k->loc, "duplicate key '%s' in %s", allowed[a], where);
            first_here(L, first[a], "given");
        } else {
            seen |= 1u << a;
            first[a] = k->loc;
        }
    }
    return suggested;
}

static bool expect_map(loader_t *L, const shmgen__node_t *node, const char *what)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    if (node->type == SHMGEN__MAP) return true;
    err(L, node->loc, "%s must be a mapping; found %s", what, shmgen__node_what(node, buf, sizeof buf));
    return false;
}

/* A number written in quotes (`capacity: "16"`) is a string to YAML: says
 * so, with the fix, instead of a bare "must be an integer".  True when
 * reported. */
static bool quoted_number(loader_t *L, const shmgen__node_t *node, const char *what)
{
    char buf[SHMGEN__PRINT_BUF];
    const char *t = node->text;
    if (node->type != SHMGEN__SCALAR || node->plain || node->len == 0 || strlen(t) != node->len) return false;
    if (!(t[0] >= '0' && t[0] <= '9') && !(t[0] == '-' && t[1] >= '0' && t[1] <= '9')) return false;
    SHOW(node, buf);
    err(L, node->loc, "%s must be a number, not the quoted string \"%s\": write %s without quotes", what, buf, buf);
    return true;
}

/* A plain integer in [min, max]; `what` names it in the message. */
static bool get_uint(loader_t *L, const shmgen__node_t *node, const char *what, uint64_t min, uint64_t max,
                     uint64_t *out)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    bool neg;
    uint64_t v = 0;
    int rc = node->type == SHMGEN__SCALAR && node->plain ? shmgen__parse_int(node->text, node->len, &neg, &v) : 1;

    if (rc == 1) {
        if (!quoted_number(L, node, what))
            err(L, node->loc, "%s must be an integer; found %s", what, shmgen__node_what(node, buf, sizeof buf));
        return false;
    }
    if (rc == 2) {
        err(L, node->loc, "%s %s is too large (it overflows 64 bits)", what, SHOW(node, buf));
        return false;
    }
    if (neg && v != 0) {
        err(L, node->loc, "%s must be >= %llu; found %s", what, (unsigned long long)min, SHOW(node, buf));
        return false;
    }
    if (v < min) {
        err(L, node->loc, "%s must be >= %llu; found %s", what, (unsigned long long)min, SHOW(node, buf));
        return false;
    }
    if (v > max) {
        err(L, node->loc, "%s %s is too large; at most %llu", what, SHOW(node, buf), (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

static char *dup_text(const shmgen__node_t *node)
{
    char *p = malloc(node->len + 1);
    if (p) memcpy(p, node->text, node->len + 1);
    return p;
}

/* ---- segment, version, size, mode ----------------------------------------- */

static void load_segment(loader_t *L, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    if (node->type != SHMGEN__SCALAR || shmgen__is_null(node)) {
        err(L, node->loc, "segment must be a C identifier; found %s", shmgen__node_what(node, buf, sizeof buf));
        return;
    }
    L->s->segment_loc = node->loc;
    if (shmgen__check_name(L->d, node, "segment name")) L->s->segment = dup_text(node);
}

static void load_version(loader_t *L, const shmgen__node_t *node)
{
    uint64_t v;
    L->s->version_loc = node->loc;
    if (!get_uint(L, node, "version", 1, UINT32_MAX, &v)) return;
    L->s->version = (uint32_t)v;
    L->version_ok = true;
}

static int size_unit(const char *unit, size_t len, uint64_t *mul)
{
    static const struct { const char *name; uint64_t mul; } units[] = {
        {"", 1}, {"B", 1}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == len && memcmp(units[i].name, unit, len) == 0) {
            *mul = units[i].mul;
            return 0;
        }
    return -1;
}

static void load_size(loader_t *L, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    size_t digits = 0, unit_at;
    uint64_t n, mul;
    bool neg;

    L->s->size_loc = node->loc;
    if (node->type == SHMGEN__SCALAR && node->plain)
        while (digits < node->len && node->text[digits] >= '0' && node->text[digits] <= '9') digits++;
    unit_at = digits;
    if (unit_at < node->len && node->text[unit_at] == ' ') unit_at++;
    if (digits > 0 && unit_at < node->len && node->len - unit_at <= 3 && node->text[unit_at] != '\0' &&
        strchr("KkMmGgTt", node->text[unit_at]) && size_unit(node->text + unit_at, node->len - unit_at, &mul) != 0) {
        static const char *const binary[] = {"KiB", "MiB", "GiB", "TiB"};
        const char *u = binary[strchr("KMGT", node->text[unit_at] & ~0x20) - "KMGT"];
        err(L, node->loc, "unknown size unit in %s; did you mean '%s'? (sizes use binary units: KiB, MiB, GiB)",
            shmgen__node_what(node, buf, sizeof buf), u);
        return;
    }
    if (digits == 0 && quoted_number(L, node, "size")) return;
    if (digits == 0 || size_unit(node->text + unit_at, node->len - unit_at, &mul) != 0) {
        err(L, node->loc, "size must be a number of bytes, optionally with KiB, MiB or GiB (like 512MiB); found %s",
            shmgen__node_what(node, buf, sizeof buf));
        return;
    }
    if (shmgen__parse_int(node->text, digits, &neg, &n) != 0 || (n != 0 && mul > UINT64_MAX / n) ||
        n * mul > ((uint64_t)1 << 62)) {
        err(L, node->loc, "size %s is too large; at most 4611686018427387904 bytes (4 EiB)", SHOW(node, buf));
        return;
    }
    if (n == 0) {
        err(L, node->loc, "size must be >= 1 byte; found %s (leave 'size' out for exactly the computed size)",
            SHOW(node, buf));
        return;
    }
    L->s->declared_size = n * mul;
}

static void load_mode(loader_t *L, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    uint32_t v = 0;
    size_t i = 1;
    bool ok = node->type == SHMGEN__SCALAR && node->len >= 2 && node->text[0] == '0';

    L->s->mode_loc = node->loc;
    if (ok && (node->text[1] == 'o' || node->text[1] == 'O')) i = 2;
    for (; ok && i < node->len; i++) {
        ok = node->text[i] >= '0' && node->text[i] <= '7' && v <= 0777;
        v = v * 8 + (uint32_t)(node->text[i] - '0');
    }
    if (!ok || node->len > 6) {
        err(L, node->loc, "mode must be octal permission bits with a leading 0, like 0600; found %s",
            shmgen__node_what(node, buf, sizeof buf));
        return;
    }
    if (v > 0777) {
        err(L, node->loc, "mode %s has bits above 0777; only permission bits are allowed", SHOW(node, buf));
        return;
    }
    L->s->mode = v;
}

/* ---- enum and type names ---------------------------------------------------- */

static shmgen_loc_t typename_loc(const loader_t *L, const struct shmgen__sym *sym)
{
    return sym->tag == TAG_ENUM ? L->s->enums[sym->index].loc : L->s->types[sym->index].loc;
}

/* Enters an enum or type name; false for a duplicate (then it is skipped). */
static bool declare_typename(loader_t *L, const shmgen__node_t *key, int tag, size_t index, char **name_out)
{
    const char *what = tag == TAG_ENUM ? "enum" : "type";
    char buf[SHMGEN__PRINT_BUF];
    const struct shmgen__sym *old;

    if (shmgen__check_name(L->d, key, tag == TAG_ENUM ? "enum name" : "type name") &&
        shmgen__scalar_by_name(key->text) != SHMGEN_SCALAR_NONE)
        err(L, key->loc, "%s name '%s' is a built-in type; choose another name", what, key->text);
    if (!(*name_out = dup_text(key))) return false;
    if (strlen(key->text) != key->len) return true; /* a NUL inside: reported, never looked up */
    if ((old = shmgen__sym_get(&L->typenames, *name_out))) {
        shmgen_loc_t at = typename_loc(L, old);
        err(L, key->loc, "duplicate %s name '%s'; '%s' is already declared as %s", what, SHOW(key, buf), key->text,
            old->tag == TAG_ENUM ? "an enum" : "a type");
        first_here(L, at, "declared");
        free(*name_out);
        return false;
    }
    shmgen__sym_put(&L->typenames, *name_out, tag, index);
    return true;
}

static void declare_all(loader_t *L, const shmgen__node_t *map, int tag)
{
    size_t n = map->n / 2, *count = tag == TAG_ENUM ? &L->s->nenums : &L->s->ntypes;
    void *arr = calloc(n ? n : 1, tag == TAG_ENUM ? sizeof(shmgen_enum_t) : sizeof(shmgen_type_t));
    size_t *pos = calloc(n ? n : 1, sizeof *pos);

    if (tag == TAG_ENUM) L->enum_pos = pos;
    else L->type_pos = pos;
    if (!arr || !pos) {
        free(arr);
        err(L, map->loc, "out of memory");
        return;
    }
    if (tag == TAG_ENUM) L->s->enums = arr;
    else L->s->types = arr;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const shmgen__node_t *key = map->items[i];
        char *name;
        if (!declare_typename(L, key, tag, *count, &name)) continue;
        pos[*count] = i + 1;
        if (tag == TAG_ENUM) L->s->enums[*count] = (shmgen_enum_t){.name = name, .loc = key->loc};
        else L->s->types[*count] = (shmgen_type_t){.name = name, .loc = key->loc};
        (*count)++;
    }
}

/* ---- enum values ----------------------------------------------------------- */

typedef struct { uint32_t value; size_t pos; } numbered_t;

static int by_value(const void *a, const void *b)
{
    const numbered_t *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return x->pos < y->pos ? -1 : (x->pos > y->pos);
}

static void check_enum_numbers(loader_t *L, shmgen_enum_t *e)
{
    numbered_t *v = malloc((e->nvalues ? e->nvalues : 1) * sizeof *v);
    if (!v) return;
    for (size_t i = 0; i < e->nvalues; i++) v[i] = (numbered_t){e->values[i].value, i};
    qsort(v, e->nvalues, sizeof *v, by_value);
    for (size_t i = 1; i < e->nvalues; i++)
        if (v[i].value == v[i - 1].value) {
            const shmgen_enum_value_t *first = &e->values[v[i - 1].pos], *again = &e->values[v[i].pos];
            err(L, again->loc, "enum '%s': value %u of '%s' is already used by '%s'", e->name, again->value,
                again->name, first->name);
            shmgen_diag_note(L->d, first->loc, "'%s' is declared here", first->name);
        }
    free(v);
}

static bool add_enum_value(loader_t *L, shmgen_enum_t *e, shmgen__symtab_t *seen, const shmgen__node_t *name,
                           uint32_t value)
{
    char buf[SHMGEN__PRINT_BUF];
    const struct shmgen__sym *old;
    shmgen_enum_value_t *ev = &e->values[e->nvalues];

    if (name->type != SHMGEN__SCALAR || shmgen__is_null(name)) {
        err(L, name->loc, "enum '%s': expected a value name; found %s", e->name, shmgen__node_what(name, buf, sizeof buf));
        return false;
    }
    shmgen__check_name(L->d, name, "enum value name");
    if (!(ev->name = dup_text(name))) return false;
    if (strlen(name->text) == name->len && (old = shmgen__sym_put(seen, ev->name, 0, e->nvalues))) {
        shmgen_loc_t at = e->values[old->index].loc;
        err(L, name->loc, "duplicate value '%s' in enum '%s'", SHOW(name, buf), e->name);
        first_here(L, at, "declared");
        free(ev->name);
        return false;
    }
    ev->loc = name->loc;
    ev->value = value;
    e->nvalues++;
    return true;
}

static void load_enum_values(loader_t *L, shmgen_enum_t *e, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    shmgen__symtab_t seen = {0};
    bool is_seq = node->type == SHMGEN__SEQ;
    size_t n = is_seq ? node->n : node->n / 2;

    if (node->type == SHMGEN__SCALAR || n == 0) {
        err(L, node->loc, "enum '%s' needs at least one value, as a list [a, b] or a mapping {a: 1, b: 7}; found %s",
            e->name, n == 0 && node->type != SHMGEN__SCALAR ? "an empty one" : shmgen__node_what(node, buf, sizeof buf));
        return;
    }
    if (!(e->values = calloc(n, sizeof *e->values))) return;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = i;
        /* A bad number is reported; its name is left out so that it clashes with nothing. */
        if (!is_seq && !get_uint(L, node->items[2 * i + 1], "enum value", 0, UINT32_MAX, &v)) continue;
        if (is_seq && i > UINT32_MAX) break;
        add_enum_value(L, e, &seen, is_seq ? node->items[i] : node->items[2 * i], (uint32_t)v);
    }
    shmgen__sym_free(&seen);
    if (!is_seq) check_enum_numbers(L, e);
}

/* ---- type references ------------------------------------------------------- */

static const char *const scalar_list =
    "u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, bool, char[N], atomic_u32, atomic_u64, atomic_i32, "
    "atomic_i64, atomic_bool";

static void unknown_type(loader_t *L, const shmgen__node_t *node, const char *base)
{
    char buf[SHMGEN__PRINT_BUF];
    const char *s = NULL;
    shmgen__printable(base, strlen(base), buf, sizeof buf);
    if (L->suggestions < SHMGEN__MAX_SUGGESTIONS) {
        size_t n = 0, total = 17 + L->s->nenums + L->s->ntypes;
        const char **cands = malloc(total * sizeof *cands);
        for (int i = SHMGEN_U8; cands && i <= SHMGEN_ATOMIC_BOOL; i++)
            if (i != SHMGEN_CHAR) cands[n++] = shmgen_scalar_name((shmgen_scalar_t)i);
        for (size_t i = 0; cands && i < L->s->nenums; i++) cands[n++] = L->s->enums[i].name;
        for (size_t i = 0; cands && i < L->s->ntypes; i++) cands[n++] = L->s->types[i].name;
        if (cands) s = suggest(L, base, cands, n);
        free(cands);
    }
    if (s) err(L, node->loc, "unknown type '%s'; did you mean '%s'?", buf, s);
    else err(L, node->loc, "unknown type '%s'; expected one of %s, or a type or enum declared in this file", buf,
             scalar_list);
}

/* Splits "T" / "T[N]" into base and length; reports malformed text. */
static bool split_type(loader_t *L, const shmgen__node_t *node, char *base, size_t base_size, uint64_t *len)
{
    char buf[SHMGEN__PRINT_BUF];
    const char *open = memchr(node->text, '[', node->len);
    size_t blen = open ? (size_t)(open - node->text) : node->len;
    bool neg;

    *len = 0;
    for (size_t i = 0; i < node->len; i++)
        if (node->text[i] == ' ' || node->text[i] == '\t' || node->text[i] == '\0') {
            err(L, node->loc, "malformed type '%s': expected NAME or NAME[N], without spaces", SHOW(node, buf));
            return false;
        }
    if (blen == 0 || blen >= base_size) {
        err(L, node->loc, "malformed type '%s': expected NAME or NAME[N]", SHOW(node, buf));
        return false;
    }
    memcpy(base, node->text, blen);
    base[blen] = '\0';
    if (!open) return true;
    const char *close = memchr(open, ']', node->len - blen);
    if (!close || close == open + 1) {
        err(L, node->loc, "malformed type '%s': expected NAME[N] with a length N >= 1", SHOW(node, buf));
        return false;
    }
    if ((size_t)(close - node->text) != node->len - 1) {
        err(L, node->loc, "type '%s' has more than one array dimension; declare a type for the inner array",
            SHOW(node, buf));
        return false;
    }
    int rc = shmgen__parse_int(open + 1, (size_t)(close - open - 1), &neg, len);
    if (rc == 1) err(L, node->loc, "malformed type '%s': the array length must be an integer", SHOW(node, buf));
    else if (rc == 2) err(L, node->loc, "array length in '%s' is too large (it overflows 64 bits)", SHOW(node, buf));
    else if (neg || *len == 0) err(L, node->loc, "array length in '%s' must be >= 1", SHOW(node, buf));
    return rc == 0 && !neg && *len != 0;
}

/* Reads a type reference; on failure `ref` stays unresolved (scalar NONE)
 * and the error has been reported once. */
static void load_ref(loader_t *L, const shmgen__node_t *node, shmgen_type_ref_t *ref, const char *what)
{
    char base[SHMGEN_NAME_MAX + 2], buf[SHMGEN__PRINT_BUF + 4];
    const struct shmgen__sym *sym;
    uint64_t len;

    memset(ref, 0, sizeof *ref);
    ref->loc = node->loc;
    if (node->type == SHMGEN__SEQ) {
        err(L, node->loc, "%s must be a type name; found a sequence (write an array type as a quoted string, like "
            "\"u8[64]\")", what);
        return;
    }
    if (node->type == SHMGEN__MAP || shmgen__is_null(node)) {
        err(L, node->loc, "%s must be a type name; found %s%s", what, shmgen__node_what(node, buf, sizeof buf),
            node->type == SHMGEN__MAP ? " (declare the nested type under 'types' and use its name)" : "");
        return;
    }
    if (node->len > SHMGEN_NAME_MAX + 24 || !split_type(L, node, base, sizeof base, &len)) {
        if (node->len > SHMGEN_NAME_MAX + 24) err(L, node->loc, "malformed type '%s': name too long", SHOW(node, buf));
        return;
    }
    ref->array_len = len;
    ref->scalar = shmgen__scalar_by_name(base);
    if (ref->scalar == SHMGEN_CHAR && len == 0) {
        err(L, node->loc, "'char' is only allowed as an array, like 'char[16]'; use u8 or i8 for a single byte");
        ref->scalar = SHMGEN_SCALAR_NONE;
    } else if (ref->scalar == SHMGEN_SCALAR_NONE) {
        if ((sym = shmgen__sym_get(&L->typenames, base))) {
            ref->kind = sym->tag == TAG_ENUM ? SHMGEN_REF_ENUM : SHMGEN_REF_TYPE;
            ref->index = sym->index;
        } else {
            unknown_type(L, node, base);
        }
    }
}

/* ---- types ----------------------------------------------------------------- */

static void load_fields(loader_t *L, shmgen_type_t *t, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF], what[SHMGEN__PRINT_BUF + 64];
    shmgen__symtab_t seen = {0};
    const struct shmgen__sym *old;

    if (node->type != SHMGEN__MAP || node->n == 0) {
        char w[SHMGEN__PRINT_BUF + 4];
        err(L, node->loc, "type '%s' must be a mapping of field names to types, with at least one field; found %s",
            t->name, node->type == SHMGEN__MAP ? "an empty one" : shmgen__node_what(node, w, sizeof w));
        return;
    }
    if (!(t->fields = calloc(node->n / 2, sizeof *t->fields))) return;
    for (size_t i = 0; i + 1 < node->n; i += 2) {
        const shmgen__node_t *key = node->items[i];
        shmgen_field_t *f = &t->fields[t->nfields];
        shmgen__check_name(L->d, key, "field name");
        if (!(f->name = dup_text(key))) return;
        if (strlen(key->text) == key->len && (old = shmgen__sym_put(&seen, f->name, 0, t->nfields))) {
            shmgen_loc_t at = t->fields[old->index].loc;
            err(L, key->loc, "duplicate field '%s' in type '%s'", SHOW(key, buf), t->name);
            first_here(L, at, "declared");
            free(f->name);
            f->name = NULL;
            continue;
        }
        f->loc = key->loc;
        snprintf(what, sizeof what, "field '%s' of type '%s'", SHOW(key, buf), t->name);
        load_ref(L, node->items[i + 1], &f->type, what);
        t->nfields++;
    }
    shmgen__sym_free(&seen);
}

/* ---- structures ------------------------------------------------------------ */

static const char *const kind_names[] = {"array", "atomic", "queue", "stack", "ring", "pool", "topic", "latest"};
static const shmgen_kind_t kind_values[] = {SHMGEN_KIND_ARRAY, SHMGEN_KIND_ATOMIC, SHMGEN_KIND_QUEUE,
                                            SHMGEN_KIND_STACK, SHMGEN_KIND_RING,   SHMGEN_KIND_POOL,
                                            SHMGEN_KIND_TOPIC, SHMGEN_KIND_LATEST};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])
#define KIND_LIST "array, atomic, queue, stack, ring, pool, topic, latest"
static const char *const struct_keys[] = {"kind", "type", "capacity", "initial", "since",
                                          "subscribers", "history", "policy", "deadline_ms"};
#define NSTRUCT_KEYS (sizeof struct_keys / sizeof struct_keys[0])
_Static_assert(NSTRUCT_KEYS <= 16, "check_keys() tracks at most 16 keys");
enum { KEY_KIND = 1u << 0, KEY_TYPE = 1u << 1, KEY_CAPACITY = 1u << 2 }; /* bits of check_keys' result */

static shmgen_kind_t load_kind(loader_t *L, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    const char *s;
    for (size_t i = 0; node->type == SHMGEN__SCALAR && i < NKINDS; i++)
        if (key_is(node, kind_names[i])) return kind_values[i];
    s = node->type == SHMGEN__SCALAR && strlen(node->text) == node->len ? suggest(L, node->text, kind_names, NKINDS)
                                                                         : NULL;
    if (s) err(L, node->loc, "unknown kind %s; did you mean '%s'?", shmgen__node_what(node, buf, sizeof buf), s);
    else err(L, node->loc, "unknown kind %s; expected one of " KIND_LIST, shmgen__node_what(node, buf, sizeof buf));
    return 0;
}

static void check_atomic_type(loader_t *L, shmgen_structure_t *st)
{
    char buf[SHMGEN__PRINT_BUF];
    shmgen_scalar_t sc = st->elem.scalar;
    bool resolved = st->elem.kind != SHMGEN_REF_SCALAR || sc != SHMGEN_SCALAR_NONE;
    bool ok = st->elem.kind == SHMGEN_REF_SCALAR && st->elem.array_len == 0 &&
              (sc == SHMGEN_U32 || sc == SHMGEN_U64 || sc == SHMGEN_I32 || sc == SHMGEN_I64 || sc == SHMGEN_BOOL);
    if (!resolved || ok) return;
    err(L, st->elem.loc, "atomic structure '%s' holds one u32, u64, i32, i64 or bool; found '%s'%s", st->name,
        shmgen_type_ref_str(L->s, &st->elem, buf, sizeof buf),
        sc >= SHMGEN_ATOMIC_U32 && st->elem.array_len == 0 ? " (it is atomic already: drop the 'atomic_' prefix)" : "");
    memset(&st->elem, 0, sizeof st->elem); /* unresolved: no layout, no initial check */
}

static void load_initial(loader_t *L, shmgen_structure_t *st, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    static const struct { shmgen_scalar_t s; int64_t min; uint64_t max; } ranges[] = {
        {SHMGEN_U32, 0, UINT32_MAX}, {SHMGEN_U64, 0, UINT64_MAX}, {SHMGEN_I32, INT32_MIN, INT32_MAX},
        {SHMGEN_I64, INT64_MIN, INT64_MAX}, {SHMGEN_BOOL, 0, 1},
    };
    bool neg = false;
    uint64_t mag = 0;
    int rc = 1;

    st->initial_loc = node->loc;
    if (st->elem.kind != SHMGEN_REF_SCALAR || st->elem.scalar == SHMGEN_SCALAR_NONE) return;
    if (node->type == SHMGEN__SCALAR && node->plain) {
        if (st->elem.scalar == SHMGEN_BOOL && (key_is(node, "true") || key_is(node, "false"))) {
            mag = key_is(node, "true");
            rc = 0;
        } else {
            rc = shmgen__parse_int(node->text, node->len, &neg, &mag);
        }
    }
    for (size_t i = 0; i < 5; i++) {
        if (ranges[i].s != st->elem.scalar) continue;
        bool fits = rc == 0 && (neg ? (mag == 0 || (ranges[i].min < 0 && mag - 1 <= (uint64_t)(-(ranges[i].min + 1))))
                                    : mag <= ranges[i].max);
        if (rc == 1 && quoted_number(L, node, "initial value")) return;
        if (rc == 1)
            err(L, node->loc, "initial value %s is not %s", shmgen__node_what(node, buf, sizeof buf),
                ranges[i].s == SHMGEN_BOOL ? "true, false, 0 or 1" : "an integer");
        else if (rc == 2 || !fits)
            err(L, node->loc, "initial value %s does not fit %s (%lld..%llu)", SHOW(node, buf),
                shmgen_scalar_name(ranges[i].s), (long long)ranges[i].min, (unsigned long long)ranges[i].max);
        if (rc != 0 || !fits) return;
    }
    st->has_initial = true;
    st->initial_u = neg ? (uint64_t)0 - mag : mag;
    st->initial_i = (int64_t)st->initial_u;
}

/* "a queue", "an array", "a structure" (kind not known). */
static const char *a_kind(shmgen_kind_t kind, char *buf, size_t n)
{
    const char *k = kind ? shmgen_kind_name(kind) : "structure";
    snprintf(buf, n, "a%s %s", kind == SHMGEN_KIND_ARRAY || kind == SHMGEN_KIND_ATOMIC ? "n" : "", k);
    return buf;
}

/* atomic and latest hold one value: capacity 1, and no `capacity` key. */
static bool holds_one_value(shmgen_kind_t kind)
{
    return kind == SHMGEN_KIND_ATOMIC || kind == SHMGEN_KIND_LATEST;
}

static void load_capacity(loader_t *L, shmgen_structure_t *st, const shmgen__node_t *key,
                          const shmgen__node_t *body, unsigned misspelt)
{
    const shmgen__node_t *cap = shmgen__map_get(body, "capacity"), *init = shmgen__map_get(body, "initial");
    char buf[32];
    uint64_t v;

    if (holds_one_value(st->kind)) {
        st->capacity = 1;
        if (cap)
            err(L, cap->loc, "'capacity' does not apply to %s structure '%s' (it holds one value)",
                shmgen_kind_name(st->kind), st->name);
    } else {
        if (cap && get_uint(L, cap, "capacity", 1, UINT64_MAX, &v)) st->capacity = v;
        if (cap) st->capacity_loc = cap->loc;
        else if (st->kind && !(misspelt & KEY_CAPACITY))
            err(L, key->loc, "structure '%s' (%s) has no 'capacity'", st->name, shmgen_kind_name(st->kind));
    }
    if (init && st->kind == SHMGEN_KIND_ATOMIC) load_initial(L, st, init);
    else if (init)
        err(L, init->loc, "'initial' applies only to atomic structures; '%s' is %s", st->name,
            a_kind(st->kind, buf, sizeof buf));
}

/* ---- topic parameters ------------------------------------------------------ */

static const char *const policy_names[] = {"lap", "block"}; /* indexed by shmgen_topic_policy_t */

static void load_policy(loader_t *L, shmgen_structure_t *st, const shmgen__node_t *node)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    const char *s = NULL;
    st->policy_loc = node->loc;
    for (uint32_t i = 0; node->type == SHMGEN__SCALAR && i < 2; i++)
        if (key_is(node, policy_names[i])) {
            st->policy = i;
            return;
        }
    if (node->type == SHMGEN__SCALAR && strlen(node->text) == node->len) s = suggest(L, node->text, policy_names, 2);
    if (s) err(L, node->loc, "unknown policy %s; did you mean '%s'?", shmgen__node_what(node, buf, sizeof buf), s);
    else
        err(L, node->loc, "policy must be lap (the publisher never waits; a slow subscriber loses samples) or block "
            "(the publisher waits for the slowest subscriber); found %s", shmgen__node_what(node, buf, sizeof buf));
}

/* history and deadline_ms, which depend on capacity and policy. */
static void load_history_deadline(loader_t *L, shmgen_structure_t *st, const shmgen__node_t *history,
                                  const shmgen__node_t *deadline)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    uint64_t v;
    if (history && get_uint(L, history, "history", 0, UINT32_MAX, &v)) {
        st->history_loc = history->loc;
        if (st->capacity && v >= st->capacity)
            err(L, history->loc, "history %s must be less than the capacity %llu (a late joiner gets at most "
                "capacity - 1 samples)", SHOW(history, buf), (unsigned long long)st->capacity);
        else st->history = (uint32_t)v;
    }
    if (deadline && get_uint(L, deadline, "deadline_ms", 0, UINT32_MAX, &v)) {
        st->deadline_loc = deadline->loc;
        if (v && st->policy != SHMGEN_TOPIC_BLOCK)
            err(L, deadline->loc, "deadline_ms applies only with policy: block (a lap publisher never waits for a "
                "subscriber)%s", st->policy_loc.line ? "" : "; the policy is lap when not given");
        else st->deadline_ms = (uint32_t)v;
    }
}

/* subscribers, history, policy, deadline_ms: for topics, refused elsewhere.
 * A bad value is reported and the default kept, so that the layout does not
 * report the same mistake again. */
static void load_topic_params(loader_t *L, shmgen_structure_t *st, const shmgen__node_t *body)
{
    const shmgen__node_t *subs = shmgen__map_get(body, "subscribers"), *history = shmgen__map_get(body, "history");
    const shmgen__node_t *policy = shmgen__map_get(body, "policy"), *deadline = shmgen__map_get(body, "deadline_ms");
    const shmgen__node_t *given[] = {subs, history, policy, deadline};
    char buf[32];
    uint64_t v;

    if (st->kind != SHMGEN_KIND_TOPIC) {
        for (size_t i = 0; i < 4; i++)
            if (given[i] && st->kind)
                err(L, given[i]->loc, "'%s' applies only to topic structures; '%s' is %s", struct_keys[5 + i], st->name,
                    a_kind(st->kind, buf, sizeof buf));
        return;
    }
    st->subscribers = SHMGEN_TOPIC_DEFAULT_SUBSCRIBERS;
    if (subs && get_uint(L, subs, "subscribers", 1, SHMGEN_TOPIC_MAX_SUBSCRIBERS, &v)) st->subscribers = (uint32_t)v;
    if (subs) st->subscribers_loc = subs->loc;
    if (policy) load_policy(L, st, policy);
    load_history_deadline(L, st, history, deadline);
}

static void load_structure_body(loader_t *L, shmgen_structure_t *st, const shmgen__node_t *key,
                                const shmgen__node_t *body)
{
    char where[SHMGEN__PRINT_BUF + 16];
    const shmgen__node_t *kind = shmgen__map_get(body, "kind"), *type = shmgen__map_get(body, "type");
    const shmgen__node_t *since = shmgen__map_get(body, "since");
    unsigned misspelt;
    uint64_t v;

    snprintf(where, sizeof where, "structure '%s'", st->name);
    /* A misspelt key was reported with its suggestion: not again as missing. */
    misspelt = check_keys(L, body, struct_keys, NSTRUCT_KEYS, where,
                          "kind, type, capacity, initial, since, subscribers, history, policy, deadline_ms");
    if (kind) st->kind = load_kind(L, kind), st->kind_loc = kind->loc;
    else if (!(misspelt & KEY_KIND))
        err(L, key->loc, "structure '%s' has no 'kind'; expected one of " KIND_LIST, st->name);
    if (type) load_ref(L, type, &st->elem, where);
    else if (!(misspelt & KEY_TYPE)) err(L, key->loc, "structure '%s' has no 'type'", st->name);
    if (type && st->kind == SHMGEN_KIND_ATOMIC) check_atomic_type(L, st);
    load_capacity(L, st, key, body, misspelt);
    load_topic_params(L, st, body);
    st->since = 1;
    if (since && get_uint(L, since, "since", 1, UINT32_MAX, &v)) {
        st->since = (uint32_t)v;
        st->since_loc = since->loc;
        if (L->version_ok && v > L->s->version)
            err(L, since->loc, "since %llu is greater than the schema version %u", (unsigned long long)v,
                L->s->version);
    }
}

static void load_structures(loader_t *L, const shmgen__node_t *map)
{
    char buf[SHMGEN__PRINT_BUF + 4];
    const struct shmgen__sym *old;

    if (map->type != SHMGEN__MAP || map->n == 0) {
        err(L, map->loc, "structures must be a mapping with at least one structure; found %s",
            map->type == SHMGEN__MAP ? "an empty one" : shmgen__node_what(map, buf, sizeof buf));
        return;
    }
    if (!(L->s->structures = calloc(map->n / 2, sizeof *L->s->structures))) return;
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const shmgen__node_t *key = map->items[i], *body = map->items[i + 1];
        shmgen_structure_t *st = &L->s->structures[L->s->nstructures];
        shmgen__check_name(L->d, key, "structure name");
        if (!(st->name = dup_text(key))) return;
        if (strlen(key->text) == key->len && (old = shmgen__sym_put(&L->structnames, st->name, 0, L->s->nstructures))) {
            shmgen_loc_t at = L->s->structures[old->index].loc;
            err(L, key->loc, "duplicate structure '%s'", SHOW(key, buf));
            first_here(L, at, "declared");
            free(st->name);
            st->name = NULL;
            continue;
        }
        st->loc = key->loc;
        L->s->nstructures++;
        if (body->type != SHMGEN__MAP) {
            err(L, body->loc, "structure '%s' must be a mapping like {kind: queue, type: u32, capacity: 16}; found %s",
                st->name, shmgen__node_what(body, buf, sizeof buf));
            continue;
        }
        load_structure_body(L, st, key, body);
    }
}

/* ---- top level ------------------------------------------------------------- */

static const char *const top_keys[] = {"segment", "version", "size", "mode", "enums", "types", "structures"};

static void load_named(loader_t *L, const shmgen__node_t *root, unsigned misspelt)
{
    const shmgen__node_t *enums = shmgen__map_get(root, "enums"), *types = shmgen__map_get(root, "types");
    const shmgen__node_t *structs = shmgen__map_get(root, "structures");
    bool enums_ok = enums && !shmgen__is_null(enums) && expect_map(L, enums, "enums");
    bool types_ok = types && !shmgen__is_null(types) && expect_map(L, types, "types");

    /* Names first: a field may use a type declared further down. */
    if (enums_ok) declare_all(L, enums, TAG_ENUM);
    if (types_ok) declare_all(L, types, TAG_TYPE);
    for (size_t i = 0; i < L->s->nenums; i++)
        load_enum_values(L, &L->s->enums[i], enums->items[L->enum_pos[i]]);
    for (size_t i = 0; i < L->s->ntypes; i++)
        load_fields(L, &L->s->types[i], types->items[L->type_pos[i]]);
    if (structs) load_structures(L, structs);
    else if (!(misspelt & (1u << 6))) err(L, root->loc, "missing required key 'structures' (at least one structure)");
}

static void load_root(loader_t *L, const shmgen__node_t *root)
{
    const shmgen__node_t *n;
    unsigned misspelt = check_keys(L, root, top_keys, 7, "the schema", "segment, version, size, mode, enums, types, structures");
    if ((n = shmgen__map_get(root, "segment"))) load_segment(L, n);
    else if (!(misspelt & 1u)) err(L, root->loc, "missing required key 'segment' (the segment's name, a C identifier)");
    if ((n = shmgen__map_get(root, "version"))) load_version(L, n);
    else if (!(misspelt & 2u)) err(L, root->loc, "missing required key 'version' (an integer >= 1)");
    if ((n = shmgen__map_get(root, "size"))) load_size(L, n);
    if ((n = shmgen__map_get(root, "mode"))) load_mode(L, n);
    load_named(L, root, misspelt);
}

shmgen_schema_t *shmgen__schema_from_tree(char *path, const shmgen__node_t *root, uint32_t format_version,
                                          shmgen_diags_t *d)
{
    loader_t L = {.d = d};
    size_t errors_before = d->errors;
    char buf[SHMGEN__PRINT_BUF + 4];

    if (!(L.s = calloc(1, sizeof *L.s))) {
        free(path);
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){0}, "out of memory");
        return NULL;
    }
    L.s->path = path;
    L.s->mode = 0600;
    L.s->format_version = format_version;
    if (!root)
        err(&L, (shmgen_loc_t){path, 1, 1}, "the schema is empty; expected a mapping with segment, version and structures");
    else if (root->type != SHMGEN__MAP)
        err(&L, root->loc, "expected a mapping with segment, version and structures at the top; found %s",
            shmgen__node_what(root, buf, sizeof buf));
    else
        load_root(&L, root);
    free(L.enum_pos);
    free(L.type_pos);
    shmgen__sym_free(&L.typenames);
    shmgen__sym_free(&L.structnames);
    shmgen__schema_layout(L.s, d);
    if (d->errors != errors_before) {
        shmgen_schema_free(L.s);
        return NULL;
    }
    return L.s;
}
