/*
 * SPDX-License-Identifier: MIT
 *
 * collide.c — refuses schemas whose generated C names would collide.
 *
 * Each name is valid on its own, but the generator composes them: an enum
 * `schema` with value `version` gives GAME_SERVER_SCHEMA_VERSION, which the
 * header already defines; a type `monsters_handle` clashes with the handle
 * type of a pool `monsters`.  Every generated identifier is listed with the
 * schema node ("owner") it comes from; one name of two owners is reported at
 * the later one.  The operations of each kind are not listed here: the
 * header's render shows them (collide.h).  Depends on the schema model and
 * the templater's output watcher.
 */
#include "collide.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A schema node that generated names come from. */
typedef struct owner {
    char *what; /* "the enum value 'x' of 'y'" */
    shmgen_loc_t loc;
} owner_t;

typedef struct gen_name {
    char *name;
    size_t owner, order;
} gen_name_t;

/* A `{{ s.fn }}_suffix` or `{{ segment }}_suffix` seen in the render; the
 * suffix points into the template's text (alive as long as the templates). */
typedef struct seen {
    size_t owner;
    const char *suffix;
    size_t len;
    bool upper; /* written after {{ segment | upper }} */
} seen_t;

/* A structure's `fn` (<seg>_<name>), sorted for lookups by rendered value. */
typedef struct fn_entry {
    char *fn;
    size_t owner;
} fn_entry_t;

struct shmgen__names {
    const shmgen_schema_t *s;
    char *SEG;                    /* the segment name upper-cased */
    owner_t *owners;              /* 0: the segment, then types, enums and values, structures */
    size_t nowners, struct_base;  /* structure i is owner struct_base + i */
    fn_entry_t *fns;
    seen_t *seen;
    size_t nseen, seen_cap;
    gen_name_t *items;
    size_t count, cap;
    bool oom;
};

static char *describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *describe(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    return s;
}

static void upper(char *s)
{
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

static size_t add_owner(shmgen__names_t *n, shmgen_loc_t loc, char *what)
{
    if (!what) n->oom = true;
    n->owners[n->nowners] = (owner_t){what, loc};
    return n->nowners++;
}

static size_t count_owners(const shmgen_schema_t *s)
{
    size_t k = 1 + s->ntypes + s->nenums + s->nstructures;
    for (size_t i = 0; i < s->nenums; i++) k += s->enums[i].nvalues;
    return k;
}

static void make_owners(shmgen__names_t *n, const shmgen_schema_t *s)
{
    add_owner(n, s->segment_loc, describe("the segment '%s'", s->segment));
    for (size_t i = 0; i < s->ntypes; i++) add_owner(n, s->types[i].loc, describe("the type '%s'", s->types[i].name));
    for (size_t i = 0; i < s->nenums; i++) {
        const shmgen_enum_t *e = &s->enums[i];
        add_owner(n, e->loc, describe("the enum '%s'", e->name));
        for (size_t v = 0; v < e->nvalues; v++)
            add_owner(n, e->values[v].loc, describe("the value '%s' of enum '%s'", e->values[v].name, e->name));
    }
    n->struct_base = n->nowners;
    for (size_t i = 0; i < s->nstructures; i++)
        add_owner(n, s->structures[i].loc, describe("the structure '%s'", s->structures[i].name));
}

static int by_fn(const void *a, const void *b)
{
    return strcmp(((const fn_entry_t *)a)->fn, ((const fn_entry_t *)b)->fn);
}

static void make_fns(shmgen__names_t *n, const shmgen_schema_t *s)
{
    for (size_t i = 0; i < s->nstructures; i++) {
        n->fns[i].fn = describe("%s_%s", s->segment, s->structures[i].name);
        n->fns[i].owner = n->struct_base + i;
        n->oom = n->oom || !n->fns[i].fn;
    }
    if (!n->oom) qsort(n->fns, s->nstructures, sizeof *n->fns, by_fn);
}

shmgen__names_t *shmgen__names_new(const shmgen_schema_t *s)
{
    shmgen__names_t *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->s = s;
    n->SEG = strdup(s->segment);
    n->owners = calloc(count_owners(s), sizeof *n->owners);
    n->fns = calloc(s->nstructures + 1, sizeof *n->fns);
    if (!n->SEG || !n->owners || !n->fns) {
        shmgen__names_free(n);
        return NULL;
    }
    upper(n->SEG);
    make_owners(n, s);
    make_fns(n, s);
    return n;
}

void shmgen__names_free(shmgen__names_t *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nowners; i++) free(n->owners[i].what);
    for (size_t i = 0; n->fns && i < n->s->nstructures; i++) free(n->fns[i].fn);
    for (size_t i = 0; i < n->count; i++) free(n->items[i].name);
    free(n->SEG);
    free(n->owners);
    free(n->fns);
    free(n->seen);
    free(n->items);
    free(n);
}

/* ---- watching the render -------------------------------------------------- */

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* True when text ends with the keyword struct/union/enum: what follows is a
 * tag, which lives in its own name space. */
static bool ends_with_tag_keyword(const char *text, size_t len)
{
    static const char *const keywords[] = {"struct", "union", "enum"};
    while (len && isspace((unsigned char)text[len - 1])) len--;
    for (size_t k = 0; k < 3; k++) {
        size_t kl = strlen(keywords[k]);
        if (len >= kl && memcmp(text + len - kl, keywords[k], kl) == 0 && (len == kl || !ident_char(text[len - kl - 1])))
            return true;
    }
    return false;
}

/* The length of the "_x..." suffix that after starts with, or 0: it needs a
 * character after the underscore and must end inside the text (a run reaching
 * the next tag, as in {{ segment }}__{{ s.name }}, is only part of a name). */
static size_t suffix_len(const char *after, size_t len)
{
    size_t i = 1;
    if (len < 2 || after[0] != '_') return 0;
    while (i < len && ident_char(after[i])) i++;
    return i > 1 && i < len ? i : 0;
}

static bool path_is(const shmgen_tmpl_output_t *o, const char *a, const char *b)
{
    return o->path && o->npath == (b ? 2u : 1u) && strcmp(o->path[0], a) == 0 && (!b || strcmp(o->path[1], b) == 0);
}

/* Which owner an output names: the segment for {{ segment }} (also upper-cased
 * by a filter), a structure for {{ s.fn }}; SIZE_MAX for any other output. */
static size_t output_owner(const shmgen__names_t *n, const shmgen_tmpl_output_t *o)
{
    const char *v = o->value->u.str.data;
    fn_entry_t key = {(char *)v, 0}, *hit;
    if (path_is(o, "segment", NULL) || (!o->path && strcmp(v, n->SEG) == 0)) return 0;
    if (!path_is(o, "s", "fn")) return SIZE_MAX;
    hit = bsearch(&key, n->fns, n->s->nstructures, sizeof *n->fns, by_fn);
    return hit ? hit->owner : SIZE_MAX;
}

void shmgen__names_watch(const shmgen_tmpl_output_t *o, void *ctx)
{
    shmgen__names_t *n = ctx;
    size_t owner, len;
    if (o->value->type != SHMGEN_VAL_STRING || !(len = suffix_len(o->after, o->after_len))) return;
    if (ends_with_tag_keyword(o->before, o->before_len) || (owner = output_owner(n, o)) == SIZE_MAX) return;
    if (n->nseen == n->seen_cap) {
        size_t cap = n->seen_cap ? n->seen_cap * 2 : 256;
        seen_t *p = realloc(n->seen, cap * sizeof *p);
        if (!p) {
            n->oom = true;
            return;
        }
        n->seen = p;
        n->seen_cap = cap;
    }
    n->seen[n->nseen++] = (seen_t){owner, o->after, len, !o->path};
}

/* ---- the check ------------------------------------------------------------ */

static void add(shmgen__names_t *n, size_t owner, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add(shmgen__names_t *n, size_t owner, const char *fmt, ...)
{
    va_list ap;
    char *name = NULL;
    va_start(ap, fmt);
    if (vasprintf(&name, fmt, ap) < 0) name = NULL;
    va_end(ap);
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 64;
        gen_name_t *items = realloc(n->items, cap * sizeof *items);
        if (items) n->items = items, n->cap = cap;
    }
    if (!name || n->count == n->cap) {
        n->oom = true;
        free(name);
        return;
    }
    n->items[n->count] = (gen_name_t){name, owner, n->count};
    n->count++;
}

/* By owner, then by the name itself, so that the many uses of one name
 * (declaration, comments, calls) are neighbours. */
static int by_owner(const void *a, const void *b)
{
    const seen_t *x = a, *y = b;
    if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
    if (x->upper != y->upper) return x->upper ? 1 : -1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return memcmp(x->suffix, y->suffix, x->len);
}

/* Every name the render showed for owners in [from, to), as prefix + suffix,
 * once (n->seen is sorted by_owner). */
static void add_seen(shmgen__names_t *n, size_t from, size_t to)
{
    for (size_t i = 0; i < n->nseen; i++) {
        const seen_t *w = &n->seen[i];
        if (w->owner < from || w->owner >= to || (i && by_owner(w - 1, w) == 0)) continue;
        if (w->owner == 0) add(n, 0, "%s%.*s", w->upper ? n->SEG : n->s->segment, (int)w->len, w->suffix);
        else add(n, w->owner, "%s_%s%.*s", n->s->segment, n->s->structures[w->owner - n->struct_base].name,
                 (int)w->len, w->suffix);
    }
}

/* The names context.c composes: types, enums and their values, array element wrappers. */
static void add_schema_names(shmgen__names_t *n)
{
    const shmgen_schema_t *s = n->s;
    size_t owner = 1;
    for (size_t i = 0; i < s->ntypes; i++) add(n, owner++, "%s_%s_t", s->segment, s->types[i].name);
    for (size_t i = 0; i < s->nenums; i++) {
        const shmgen_enum_t *e = &s->enums[i];
        char *E = strdup(e->name);
        if (E) upper(E);
        add(n, owner++, "%s_%s_t", s->segment, e->name);
        for (size_t v = 0; v < e->nvalues; v++, owner++) {
            char *V = strdup(e->values[v].name);
            if (V) upper(V);
            if (!E || !V) n->oom = true;
            else add(n, owner, "%s_%s_%s", n->SEG, E, V);
            free(V);
        }
        free(E);
    }
    for (size_t i = 0; i < s->nstructures; i++)
        if (s->structures[i].elem.array_len) add(n, n->struct_base + i, "%s_%s_elem_t", s->segment, s->structures[i].name);
}

static int by_name(const void *a, const void *b)
{
    const gen_name_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

int shmgen__names_check(shmgen__names_t *n, shmgen_diags_t *diags)
{
    size_t errors = diags->errors;
    /* in schema order, so the later of two nodes is the one reported */
    if (n->nseen) qsort(n->seen, n->nseen, sizeof *n->seen, by_owner);
    add_seen(n, 0, 1);
    add_schema_names(n);
    add_seen(n, n->struct_base, n->nowners);
    if (n->oom) shmgen_diag_add(diags, SHMGEN_SEV_ERROR, n->s->segment_loc, "out of memory");
    if (n->count) qsort(n->items, n->count, sizeof *n->items, by_name);
    for (size_t i = 1; i < n->count && !n->oom; i++) {
        const gen_name_t *first = &n->items[i - 1], *dup = &n->items[i];
        /* one node generating a name twice is a use of it (or a template bug), not the user's */
        if (strcmp(first->name, dup->name) != 0 || first->owner == dup->owner) continue;
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, n->owners[dup->owner].loc,
                        "generated C name '%s' of %s collides with the one of %s; rename one of them", dup->name,
                        n->owners[dup->owner].what, n->owners[first->owner].what);
        shmgen_diag_note(diags, n->owners[first->owner].loc, "%s is declared here", n->owners[first->owner].what);
    }
    return diags->errors == errors ? 0 : -1;
}
