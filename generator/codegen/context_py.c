/*
 * SPDX-License-Identifier: MIT
 *
 * context_py.c — Python names and NumPy spellings for the template context
 * (see context_py.h).
 *
 * Schema names are C identifiers; in Python a few of them cannot be used as
 * written: keywords (`class`, `None`), names the generated module or the
 * package's Segment class define themselves (`open`, `close`), names IntEnum
 * refuses (`mro`, `_sunder_`).  Such a name gets '_' appended until it is
 * free in its namespace; names usable as written never change, whatever
 * else the schema holds.  The reserved lists mirror
 * templates/python/segment.py.tmpl and python/shmgen/segment.py; the tests
 * (tests/python/test_generate.py) compare them with what the generated
 * module and the package really define.  Depends on the schema model and
 * value.h.
 */
#include "context_py.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const keywords[] = {
    "False", "None",   "True",    "and",      "as",     "assert", "async", "await",  "break",
    "class", "continue", "def",   "del",      "elif",   "else",   "except", "finally", "for",
    "from",  "global", "if",      "import",   "in",     "is",     "lambda", "nonlocal", "not",
    "or",    "pass",   "raise",   "return",   "try",    "while",  "with",  "yield",
};

/* Module level: what python/segment.py.tmpl defines besides the schema's types and enums. */
static const char *const module_names[] = {
    "SEGMENT", "SCHEMA_VERSION", "LAYOUT_HASH", "DECLARED_SIZE", "MODE", "DTYPES", "LAYOUT", "Segment", "create",
    "open", "open_or_create", "_shmgen",
};

/* The attributes of a generated Segment class (python/shmgen/segment.py and the template). */
static const char *const segment_names[] = {
    "close", "closed", "created", "shm_name", "present", "structure", "recover", "_shmgen_layout",
    "_shmgen_attach", "_shmgen_bind_all", "_shmgen_att", "_shmgen_objs", "_shmgen_absent",
};

typedef enum space { SPACE_MODULE, SPACE_SEGMENT, SPACE_ENUM } space_t;

static bool listed(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

#define LISTED(name, list) listed(name, list, sizeof list / sizeof list[0])

/* "_x_": IntEnum reserves these (and refuses `mro` as a member). */
static bool enum_reserved(const char *name)
{
    size_t n = strlen(name);
    if (strcmp(name, "mro") == 0) return true;
    return n > 2 && name[0] == '_' && name[1] != '_' && name[n - 1] == '_' && name[n - 2] != '_';
}

static bool reserved(space_t space, const char *name)
{
    if (LISTED(name, keywords)) return true;
    if (space == SPACE_ENUM) return enum_reserved(name);
    return space == SPACE_MODULE ? LISTED(name, module_names) : LISTED(name, segment_names);
}

/* One namespace: the schema's names in it (sorted, for lookups) and the
 * renamed ones given out so far. */
typedef struct names {
    space_t space;
    const char **sorted;
    size_t n;
    char **given;
    size_t ngiven;
} names_t;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool taken(const names_t *ns, const char *name)
{
    if (bsearch(&name, ns->sorted, ns->n, sizeof *ns->sorted, cmp_str)) return true;
    for (size_t i = 0; i < ns->ngiven; i++)
        if (strcmp(ns->given[i], name) == 0) return true;
    return false;
}

/* The Python name of `name` in ns: itself when usable, else with '_'
 * appended until it is neither reserved nor taken (bounded: each round gives
 * a longer name, and the reserved and taken names are finitely many).
 * Malloc'ed; NULL on out-of-memory. */
static char *py_name(names_t *ns, const char *name)
{
    size_t len = strlen(name);
    char *out = strdup(name), *grown, **given;
    if (!out || !reserved(ns->space, name)) return out;
    do {
        if (!(grown = realloc(out, ++len + 1))) return free(out), NULL;
        out = grown;
        out[len - 1] = '_', out[len] = '\0';
    } while (reserved(ns->space, out) || taken(ns, out));
    if (!(given = realloc(ns->given, (ns->ngiven + 1) * sizeof *given))) return free(out), NULL;
    ns->given = given;
    ns->given[ns->ngiven++] = strdup(out);
    return ns->given[ns->ngiven - 1] ? out : (free(out), NULL);
}

static bool names_init(names_t *ns, space_t space, size_t cap)
{
    *ns = (names_t){.space = space};
    ns->sorted = malloc((cap ? cap : 1) * sizeof *ns->sorted);
    return ns->sorted != NULL;
}

static void names_add(names_t *ns, const char *name)
{
    ns->sorted[ns->n++] = name;
}

static void names_seal(names_t *ns)
{
    qsort(ns->sorted, ns->n, sizeof *ns->sorted, cmp_str);
}

static void names_free(names_t *ns)
{
    for (size_t i = 0; i < ns->ngiven; i++) free(ns->given[i]);
    free(ns->given);
    free(ns->sorted);
}

/* map["py_name"] = the Python name of name in ns; false on out-of-memory. */
static bool set_py_name(shmgen_value_t *map, names_t *ns, const char *name, char **keep)
{
    char *py = py_name(ns, name);
    bool ok = py && shmgen_value_set_str(map, "py_name", py);
    if (keep) *keep = py;
    else free(py);
    return ok;
}

/* The context maps are built by this codegen and handed to us mutable. */
static shmgen_value_t *item(const shmgen_value_t *list, size_t i)
{
    return list && list->type == SHMGEN_VAL_LIST && i < list->u.list.count ? list->u.list.items[i] : NULL;
}

static shmgen_value_t *member(shmgen_value_t *map, const char *key)
{
    return (shmgen_value_t *)shmgen_value_get(map, key);
}

static const char *numpy_code(shmgen_scalar_t s)
{
    switch (s) {
    case SHMGEN_U8: return "u1";
    case SHMGEN_U16: return "u2";
    case SHMGEN_U32: case SHMGEN_ATOMIC_U32: return "u4";
    case SHMGEN_U64: case SHMGEN_ATOMIC_U64: return "u8";
    case SHMGEN_I8: return "i1";
    case SHMGEN_I16: return "i2";
    case SHMGEN_I32: case SHMGEN_ATOMIC_I32: return "i4";
    case SHMGEN_I64: case SHMGEN_ATOMIC_I64: return "i8";
    case SHMGEN_F32: return "f4";
    case SHMGEN_F64: return "f8";
    case SHMGEN_BOOL: case SHMGEN_ATOMIC_BOOL: return "?";
    default: return "V1"; /* char is only ever char[N], spelt "S<N>" */
    }
}

/* The NumPy dtype spelling of a type reference, as Python source:
 * "u4", vec3, ("u1", (64,)), "S16" for char[16], (vec3, (2,)). */
static void py_format(const shmgen_type_ref_t *r, char *const *type_py, char *buf, size_t size)
{
    char base[200];
    unsigned long long n = (unsigned long long)r->array_len;
    if (r->kind == SHMGEN_REF_SCALAR && r->scalar == SHMGEN_CHAR) {
        snprintf(buf, size, "\"S%llu\"", n ? n : 1);
        return;
    }
    if (r->kind == SHMGEN_REF_TYPE) snprintf(base, sizeof base, "%s", type_py[r->index]);
    else if (r->kind == SHMGEN_REF_ENUM) snprintf(base, sizeof base, "\"u4\"");
    else snprintf(base, sizeof base, "\"%s\"", numpy_code(r->scalar));
    if (n) snprintf(buf, size, "(%s, (%llu,))", base, n);
    else snprintf(buf, size, "%s", base);
}

static int cmp_type(const void *a, const void *b)
{
    return strcmp((*(const shmgen_type_t *const *)a)->name, (*(const shmgen_type_t *const *)b)->name);
}

/* Index of the type called name in s->types (the context lists types in
 * dependency order); by_name: s->types sorted by name. */
static size_t type_index(const shmgen_schema_t *s, const shmgen_type_t **by_name, const char *name)
{
    shmgen_type_t key = {.name = (char *)name};
    const shmgen_type_t *k = &key, **hit = bsearch(&k, by_name, s->ntypes, sizeof *by_name, cmp_type);
    return hit ? (size_t)(*hit - s->types) : s->ntypes;
}

static bool enums_ctx(const shmgen_schema_t *s, shmgen_value_t *root, names_t *module, char **enum_py)
{
    const shmgen_value_t *list = member(root, "enums");
    bool ok = true;
    for (size_t i = 0; ok && i < s->nenums; i++) {
        shmgen_value_t *e = item(list, i), *values = member(e, "values");
        const shmgen_enum_t *en = &s->enums[i];
        names_t members;
        ok = e && set_py_name(e, module, en->name, &enum_py[i]) && names_init(&members, SPACE_ENUM, en->nvalues);
        if (!ok) break;
        for (size_t v = 0; v < en->nvalues; v++) names_add(&members, en->values[v].name);
        names_seal(&members);
        for (size_t v = 0; ok && v < en->nvalues; v++)
            ok = item(values, v) && set_py_name(item(values, v), &members, en->values[v].name, NULL);
        names_free(&members);
    }
    return ok;
}

static bool types_ctx(const shmgen_schema_t *s, shmgen_value_t *root, char *const *type_py)
{
    const shmgen_value_t *list = member(root, "types");
    const shmgen_type_t **by_name = malloc((s->ntypes + 1) * sizeof *by_name);
    char fmt[512];
    bool ok = by_name != NULL;
    for (size_t i = 0; ok && i < s->ntypes; i++) by_name[i] = &s->types[i];
    if (ok) qsort(by_name, s->ntypes, sizeof *by_name, cmp_type);
    for (size_t i = 0; ok && i < s->ntypes; i++) {
        shmgen_value_t *t = item(list, i), *fields = member(t, "fields");
        const shmgen_value_t *name = shmgen_value_get(t, "name");
        size_t k = name && name->type == SHMGEN_VAL_STRING ? type_index(s, by_name, name->u.str.data) : s->ntypes;
        ok = k < s->ntypes && shmgen_value_set_str(t, "py_name", type_py[k]);
        for (size_t f = 0; ok && f < s->types[k].nfields; f++) {
            py_format(&s->types[k].fields[f].type, type_py, fmt, sizeof fmt);
            ok = item(fields, f) && shmgen_value_set_str(item(fields, f), "py_format", fmt);
        }
    }
    free(by_name);
    return ok;
}

static bool structures_ctx(const shmgen_schema_t *s, shmgen_value_t *root, char *const *type_py)
{
    const shmgen_value_t *list = member(root, "structures");
    names_t segment;
    char fmt[512];
    bool ok = names_init(&segment, SPACE_SEGMENT, s->nstructures);
    for (size_t i = 0; ok && i < s->nstructures; i++) names_add(&segment, s->structures[i].name);
    if (ok) names_seal(&segment);
    for (size_t i = 0; ok && i < s->nstructures; i++) {
        shmgen_value_t *st = item(list, i);
        py_format(&s->structures[i].elem, type_py, fmt, sizeof fmt);
        ok = st && set_py_name(st, &segment, s->structures[i].name, NULL) && shmgen_value_set_str(st, "py_elem", fmt);
    }
    if (segment.sorted) names_free(&segment);
    return ok;
}

/* Types' Python names first (fields and elements spell them); enums share the namespace. */
static bool type_names(const shmgen_schema_t *s, names_t *module, char **type_py)
{
    for (size_t i = 0; i < s->ntypes; i++) names_add(module, s->types[i].name);
    for (size_t i = 0; i < s->nenums; i++) names_add(module, s->enums[i].name);
    names_seal(module);
    for (size_t i = 0; i < s->ntypes; i++)
        if (!(type_py[i] = py_name(module, s->types[i].name))) return false;
    return true;
}

int shmgen__py_context(const shmgen_schema_t *s, shmgen_value_t *root)
{
    char mode[16];
    char **type_py = calloc(s->ntypes + 1, sizeof *type_py), **enum_py = calloc(s->nenums + 1, sizeof *enum_py);
    names_t module = {0};
    bool ok = type_py && enum_py && names_init(&module, SPACE_MODULE, s->ntypes + s->nenums);
    snprintf(mode, sizeof mode, "0o%o", s->mode);
    ok = ok && type_names(s, &module, type_py) && enums_ctx(s, root, &module, enum_py) &&
         types_ctx(s, root, type_py) && structures_ctx(s, root, type_py) && shmgen_value_set_str(root, "py_mode", mode);
    for (size_t i = 0; type_py && i < s->ntypes; i++) free(type_py[i]);
    for (size_t i = 0; enum_py && i < s->nenums; i++) free(enum_py[i]);
    free(type_py);
    free(enum_py);
    if (module.sorted) names_free(&module);
    return ok ? 0 : -1;
}
