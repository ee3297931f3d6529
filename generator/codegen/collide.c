/*
 * collide.c — refuses schemas whose generated C names would collide.
 *
 * Each name is valid on its own, but the generator composes them: an enum
 * `schema` with value `version` gives GAME_SERVER_SCHEMA_VERSION, which the
 * header already defines; a type `monsters_handle` clashes with the handle
 * type of a pool `monsters`.  Every generated identifier is listed with the
 * schema node it comes from; duplicates are reported at that node.
 * Depends on the schema model and the kinds' operation lists (templates/kinds).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen_gen/generate.h"

typedef struct gen_name {
    char *name;
    shmgen_loc_t loc;
    char *what; /* "the enum value 'x' of 'y'" */
    size_t order;
} gen_name_t;

typedef struct names {
    gen_name_t *items;
    size_t count, cap;
    bool oom;
} names_t;

/* The operations each kind's template generates (`<seg>_<structure>_<op>`). */
static const char *const ops_array[] = {"at", "get", "set", "data", "capacity", "size", NULL};
static const char *const ops_atomic[] = {"load", "store", "exchange", "compare_exchange", "fetch_add", "fetch_sub", NULL};
static const char *const ops_queue[] = {"enqueue", "dequeue", "enqueue_bulk", "dequeue_bulk", "size", "capacity",
                                        "wait_data", "wait_space", "enqueue_wait", "dequeue_wait", NULL};
static const char *const ops_stack[] = {"push", "pop", "size", "capacity", NULL};
static const char *const ops_ring[] = {"push", "pop", "push_bulk", "pop_bulk", "push_overwrite", "last_n", "size",
                                       "capacity", "dropped", "wait_data", "wait_space", "push_wait", "pop_wait", NULL};
static const char *const ops_pool[] = {"acquire", "handle_valid", "release", "get", "num_allocated", "capacity",
                                       "adopt", "visit", "handle_t", "visit_fn", NULL};

static const char *const *kind_ops(shmgen_kind_t k)
{
    switch (k) {
    case SHMGEN_KIND_ARRAY: return ops_array;
    case SHMGEN_KIND_ATOMIC: return ops_atomic;
    case SHMGEN_KIND_QUEUE: return ops_queue;
    case SHMGEN_KIND_STACK: return ops_stack;
    case SHMGEN_KIND_RING: return ops_ring;
    default: return ops_pool;
    }
}

static void add(names_t *n, shmgen_loc_t loc, char *what, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Takes ownership of `what` (may be shared: only the first use keeps it). */
static void add(names_t *n, shmgen_loc_t loc, char *what, const char *fmt, ...)
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
    if (!name || !what || n->count == n->cap) {
        n->oom = true;
        free(name);
        return;
    }
    n->items[n->count] = (gen_name_t){name, loc, what, n->count};
    n->count++;
}

static char *describe(const char *fmt, const char *a, const char *b)
{
    char *s = NULL;
    if (asprintf(&s, fmt, a, b) < 0) return NULL;
    return s;
}

static void upper(char *s)
{
    for (; *s; s++) *s = (char)toupper((unsigned char)*s);
}

static void add_enums(names_t *n, const shmgen_schema_t *s, const char *SEG)
{
    for (size_t i = 0; i < s->nenums; i++) {
        const shmgen_enum_t *e = &s->enums[i];
        char *E = strdup(e->name);
        if (E) upper(E);
        add(n, e->loc, describe("the enum '%s'%s", e->name, ""), "%s_%s_t", s->segment, e->name);
        for (size_t v = 0; E && v < e->nvalues; v++) {
            char *V = strdup(e->values[v].name);
            if (V) upper(V);
            add(n, e->values[v].loc, describe("the value '%s' of enum '%s'", e->values[v].name, e->name),
                "%s_%s_%s", SEG, E, V ? V : "");
            free(V);
        }
        free(E);
    }
}

static void add_structures(names_t *n, const shmgen_schema_t *s)
{
    for (size_t i = 0; i < s->nstructures; i++) {
        const shmgen_structure_t *st = &s->structures[i];
        const char *const *ops = kind_ops(st->kind);
        add(n, st->loc, describe("the structure '%s'%s", st->name, ""), "%s_%s_present", s->segment, st->name);
        for (size_t k = 0; ops[k]; k++)
            add(n, st->loc, describe("the structure '%s'%s", st->name, ""), "%s_%s_%s", s->segment, st->name, ops[k]);
        if (st->elem.array_len)
            add(n, st->loc, describe("the structure '%s'%s", st->name, ""), "%s_%s_elem_t", s->segment, st->name);
    }
}

static void collect(names_t *n, const shmgen_schema_t *s)
{
    static const char *const fixed[] = {"t", "create", "open", "open_or_create", "close", "layout", "verify",
                                        "segment", NULL};
    char *SEG = strdup(s->segment);
    if (!SEG) {
        n->oom = true;
        return;
    }
    upper(SEG);
    for (size_t i = 0; fixed[i]; i++)
        add(n, s->segment_loc, describe("the segment '%s'%s", s->segment, ""), "%s_%s", s->segment, fixed[i]);
    add(n, s->segment_loc, describe("the segment '%s'%s", s->segment, ""), "%s_SCHEMA_VERSION", SEG);
    add(n, s->segment_loc, describe("the segment '%s'%s", s->segment, ""), "%s_LAYOUT_HASH", SEG);
    for (size_t i = 0; i < s->ntypes; i++)
        add(n, s->types[i].loc, describe("the type '%s'%s", s->types[i].name, ""), "%s_%s_t", s->segment,
            s->types[i].name);
    add_enums(n, s, SEG);
    add_structures(n, s);
    free(SEG);
}

static int by_name(const void *a, const void *b)
{
    const gen_name_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

int shmgen__gen_check_names(const shmgen_schema_t *s, shmgen_diags_t *diags)
{
    names_t n = {0};
    size_t errors = diags->errors;
    collect(&n, s);
    if (n.oom) shmgen_diag_add(diags, SHMGEN_SEV_ERROR, s->segment_loc, "out of memory");
    qsort(n.items, n.count, sizeof *n.items, by_name);
    for (size_t i = 1; i < n.count && !n.oom; i++) {
        const gen_name_t *first = &n.items[i - 1], *dup = &n.items[i];
        /* one structure generating a name twice would be a template bug, not the user's */
        if (strcmp(first->name, dup->name) != 0 || strcmp(first->what, dup->what) == 0) continue;
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, dup->loc,
                        "generated C name '%s' of %s collides with the one of %s (line %u); rename one of them",
                        dup->name, dup->what, first->what, first->loc.line);
    }
    for (size_t i = 0; i < n.count; i++) free(n.items[i].name), free(n.items[i].what);
    free(n.items);
    return diags->errors == errors ? 0 : -1;
}
