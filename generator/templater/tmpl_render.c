/*
 * SPDX-License-Identifier: MIT
 *
 * tmpl_render.c — template environment (loader + parsed-template cache) and
 * rendering of a syntax tree against a value tree (see shmgen_gen/templater.h).
 *
 * Values computed while rendering (filter results, concatenations) live in a
 * per-render list of temporaries freed at the end, so evaluation can hand out
 * borrowed pointers throughout.  The first error stops the render.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_internal.h"

#define MAX_INCLUDE_DEPTH 32

struct shmgen_tmpl_env {
    shmgen_tmpl_loader_fn load;
    void *ctx;
    tmpl_template_t *templates; /* cache, also owns inline templates and their origins */
    char **missing;             /* origins kept alive for "not found" diagnostics */
    size_t nmissing;
    shmgen_tmpl_watch_fn watch; /* sees every output; NULL: none */
    void *watch_ctx;
};

typedef struct scope {
    const char *name;
    const shmgen_value_t *value;
    const struct scope *up;
} scope_t;

typedef struct render {
    shmgen_tmpl_env_t *env;
    const shmgen_value_t *root;
    shmgen_buf_t *out;
    shmgen_diags_t *diags;
    const tmpl_template_t *t; /* template being rendered, for diagnostics */
    shmgen_value_t *temps;    /* a list owning every temporary */
    int depth;
    bool error;
} render_t;

static void rerr(render_t *r, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void rerr(render_t *r, uint32_t line, uint32_t col, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (r->error) return;
    r->error = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    shmgen_diag_add(r->diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){r->t->origin, line, col}, "%s", msg);
}

/* Keeps v until the render ends; NULL (and an error) when v is NULL. */
static const shmgen_value_t *temp(render_t *r, const tmpl_expr_t *e, shmgen_value_t *v)
{
    if (!v || !shmgen_value_push(r->temps, v)) {
        rerr(r, e->line, e->col, "out of memory");
        return NULL;
    }
    return v;
}

/* ---- environment ---------------------------------------------------------- */

shmgen_tmpl_env_t *shmgen_tmpl_env_new(shmgen_tmpl_loader_fn load, void *ctx)
{
    shmgen_tmpl_env_t *env = calloc(1, sizeof *env);
    if (env) {
        env->load = load;
        env->ctx = ctx;
    }
    return env;
}

static void template_free(tmpl_template_t *t)
{
    shmgen__tmpl_nodes_free(&t->nodes);
    free(t->name);
    free(t->origin);
    free(t->source);
    free(t);
}

void shmgen_tmpl_env_free(shmgen_tmpl_env_t *env)
{
    if (!env) return;
    while (env->templates) {
        tmpl_template_t *next = env->templates->next;
        template_free(env->templates);
        env->templates = next;
    }
    for (size_t i = 0; i < env->nmissing; i++) free(env->missing[i]);
    free(env->missing);
    free(env);
}

void shmgen_tmpl_env_watch(shmgen_tmpl_env_t *env, shmgen_tmpl_watch_fn fn, void *ctx)
{
    env->watch = fn;
    env->watch_ctx = ctx;
}

static tmpl_template_t *template_add(shmgen_tmpl_env_t *env, const char *name, char *origin, char *text,
                                     size_t len, shmgen_diags_t *diags)
{
    tmpl_template_t *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name ? name : ""))) {
        free(t);
        free(origin);
        free(text);
        return NULL;
    }
    t->origin = origin;
    t->source = text;
    t->len = len;
    t->next = env->templates;
    env->templates = t;
    shmgen__tmpl_parse(t, diags);
    return t;
}

/* A string that lives as long as env (diagnostics borrow it). */
static const char *env_keep(shmgen_tmpl_env_t *env, const char *s)
{
    char **m = realloc(env->missing, (env->nmissing + 1) * sizeof *m);
    if (!m) return "<template>";
    env->missing = m;
    if (!(m[env->nmissing] = strdup(s))) return "<template>";
    return m[env->nmissing++];
}

/* The parsed template `name` (loaded and parsed on first use), or NULL after
 * reporting at `at`/`site` why not (not found, read error, parse error). */
static tmpl_template_t *template_get(shmgen_tmpl_env_t *env, const char *name, shmgen_diags_t *diags,
                                     shmgen_loc_t site)
{
    char *text = NULL, *origin = NULL;
    size_t len = 0;
    int rc;
    tmpl_template_t *t;
    for (t = env->templates; t; t = t->next)
        if (t->name[0] && strcmp(t->name, name) == 0) return t->failed ? NULL : t;
    rc = env->load ? env->load(env->ctx, name, &text, &len, &origin) : 1;
    if (rc != 0) {
        if (!site.file) site.file = env_keep(env, origin ? origin : name);
        if (rc > 0) shmgen_diag_add(diags, SHMGEN_SEV_ERROR, site, "template '%s' not found", name);
        else shmgen_diag_add(diags, SHMGEN_SEV_ERROR, site, "cannot read template '%s'", origin ? origin : name);
        free(text);
        free(origin);
        return NULL;
    }
    if (!origin) origin = strdup(name);
    t = template_add(env, name, origin, text, len, diags);
    if (!t) shmgen_diag_add(diags, SHMGEN_SEV_ERROR, site, "out of memory loading template '%s'", name);
    return t && !t->failed ? t : NULL;
}

/* ---- evaluation ----------------------------------------------------------- */

static const shmgen_value_t *eval(render_t *r, const tmpl_expr_t *e, const scope_t *sc);

static bool truthy(const shmgen_value_t *v)
{
    switch (v->type) {
    case SHMGEN_VAL_STRING: return v->u.str.len > 0;
    case SHMGEN_VAL_INT: return v->u.i != 0;
    case SHMGEN_VAL_BOOL: return v->u.b;
    case SHMGEN_VAL_LIST: return v->u.list.count > 0;
    default: return v->u.map.count > 0;
    }
}

static void path_text(const tmpl_expr_t *e, size_t upto, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i <= upto && i < e->npath && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "." : "", e->path[i]);
}

static const shmgen_value_t *eval_path(render_t *r, const tmpl_expr_t *e, const scope_t *sc)
{
    const shmgen_value_t *v = NULL;
    char name[256];
    for (; sc && !v; sc = sc->up)
        if (strcmp(sc->name, e->path[0]) == 0) v = sc->value;
    if (!v) v = shmgen_value_get(r->root, e->path[0]);
    for (size_t i = 1; v && i < e->npath; i++) {
        if (v->type != SHMGEN_VAL_MAP) {
            path_text(e, i - 1, name, sizeof name);
            rerr(r, e->line, e->col, "'%s' is a %s, it has no member '%s'", name, shmgen_value_type_name(v->type),
                 e->path[i]);
            return NULL;
        }
        if (!(v = shmgen_value_get(v, e->path[i]))) {
            path_text(e, i, name, sizeof name);
            rerr(r, e->line, e->col, "undefined variable '%s'", name);
            return NULL;
        }
    }
    if (!v) rerr(r, e->line, e->col, "undefined variable '%s'", e->path[0]);
    return v;
}

static int compare(render_t *r, const tmpl_expr_t *e, const shmgen_value_t *a, const shmgen_value_t *b)
{
    if (a->type != b->type) {
        rerr(r, e->line, e->col, "cannot compare a %s with a %s", shmgen_value_type_name(a->type),
             shmgen_value_type_name(b->type));
        return -1;
    }
    switch (a->type) {
    case SHMGEN_VAL_STRING: return a->u.str.len == b->u.str.len && memcmp(a->u.str.data, b->u.str.data, a->u.str.len) == 0;
    case SHMGEN_VAL_INT: return a->u.i == b->u.i;
    case SHMGEN_VAL_BOOL: return a->u.b == b->u.b;
    default:
        rerr(r, e->line, e->col, "cannot compare %ss", shmgen_value_type_name(a->type));
        return -1;
    }
}

/* Appends the text of a string/int/bool value; lists and maps are errors. */
static bool to_text(render_t *r, const tmpl_expr_t *e, const shmgen_value_t *v, shmgen_buf_t *b)
{
    switch (v->type) {
    case SHMGEN_VAL_STRING: shmgen_buf_append(b, v->u.str.data, v->u.str.len); return true;
    case SHMGEN_VAL_INT: shmgen_buf_printf(b, "%" PRId64, v->u.i); return true;
    case SHMGEN_VAL_BOOL: shmgen_buf_puts(b, v->u.b ? "true" : "false"); return true;
    default:
        rerr(r, e->line, e->col, "cannot print a %s", shmgen_value_type_name(v->type));
        return false;
    }
}

static const shmgen_value_t *eval_concat(render_t *r, const tmpl_expr_t *e, const scope_t *sc)
{
    shmgen_buf_t b = {0};
    const shmgen_value_t *a = eval(r, e->lhs, sc), *c = a ? eval(r, e->rhs, sc) : NULL, *out = NULL;
    if (c && to_text(r, e, a, &b) && to_text(r, e, c, &b))
        out = temp(r, e, b.oom ? NULL : shmgen_value_stringn(b.data ? b.data : "", b.len));
    shmgen_buf_free(&b);
    return out;
}

static const shmgen_value_t *eval_filter(render_t *r, const tmpl_expr_t *e, const scope_t *sc)
{
    const tmpl_filter_t *f = shmgen__tmpl_filter(e->filter);
    const shmgen_value_t *args[4] = {0}, *in = eval(r, e->lhs, sc);
    const char *err = NULL;
    shmgen_value_t *out;
    if (!in) return NULL;
    for (size_t i = 0; i < e->nargs && i < 4; i++)
        if (!(args[i] = eval(r, e->args[i], sc))) return NULL;
    if (!(out = f->fn(in, args, &err)) && err) {
        rerr(r, e->line, e->col, "filter '%s' %s (got a %s)", e->filter, err, shmgen_value_type_name(in->type));
        return NULL;
    }
    return temp(r, e, out);
}

static const shmgen_value_t *eval_bool(render_t *r, const tmpl_expr_t *e, bool b)
{
    return temp(r, e, shmgen_value_bool(b));
}

static const shmgen_value_t *eval(render_t *r, const tmpl_expr_t *e, const scope_t *sc)
{
    const shmgen_value_t *a, *b;
    int eq;
    switch (e->kind) {
    case TE_PATH: return eval_path(r, e, sc);
    case TE_STR: case TE_INT: case TE_BOOL: return e->lit;
    case TE_NOT: return (a = eval(r, e->lhs, sc)) ? eval_bool(r, e, !truthy(a)) : NULL;
    case TE_AND:
    case TE_OR:
        if (!(a = eval(r, e->lhs, sc))) return NULL;
        if (truthy(a) == (e->kind == TE_OR)) return eval_bool(r, e, truthy(a));
        return (b = eval(r, e->rhs, sc)) ? eval_bool(r, e, truthy(b)) : NULL;
    case TE_EQ:
    case TE_NE:
        if (!(a = eval(r, e->lhs, sc)) || !(b = eval(r, e->rhs, sc))) return NULL;
        if ((eq = compare(r, e, a, b)) < 0) return NULL;
        return eval_bool(r, e, (eq == 1) == (e->kind == TE_EQ));
    case TE_CONCAT: return eval_concat(r, e, sc);
    case TE_FILTER: return eval_filter(r, e, sc);
    }
    return NULL;
}

/* ---- nodes ---------------------------------------------------------------- */

static void render_nodes(render_t *r, const tmpl_nodes_t *nodes, const scope_t *sc);

static void render_for(render_t *r, const tmpl_node_t *n, const scope_t *sc)
{
    const shmgen_value_t *list = eval(r, n->expr, sc);
    shmgen_value_t *loop;
    if (!list) return;
    if (list->type != SHMGEN_VAL_LIST) {
        rerr(r, n->expr->line, n->expr->col, "'for' needs a list, got a %s", shmgen_value_type_name(list->type));
        return;
    }
    loop = shmgen_value_map();
    shmgen_value_set_int(loop, "index", 1);
    shmgen_value_set_int(loop, "index0", 0);
    shmgen_value_set_bool(loop, "first", true);
    shmgen_value_set_bool(loop, "last", true);
    if (!shmgen_value_set_int(loop, "length", (int64_t)list->u.list.count) || !temp(r, n->expr, loop)) {
        rerr(r, n->line, n->col, "out of memory");
        return;
    }
    for (size_t i = 0; i < list->u.list.count && !r->error; i++) {
        scope_t loop_sc = {"loop", loop, sc}, var_sc = {n->var, list->u.list.items[i], &loop_sc};
        /* the loop map is ours: update it in place rather than rebuilding it */
        loop->u.map.vals[0]->u.i = (int64_t)i + 1;
        loop->u.map.vals[1]->u.i = (int64_t)i;
        loop->u.map.vals[2]->u.b = i == 0;
        loop->u.map.vals[3]->u.b = i + 1 == list->u.list.count;
        render_nodes(r, &n->body, &var_sc);
    }
}

static void render_if(render_t *r, const tmpl_node_t *n, const scope_t *sc)
{
    for (size_t i = 0; i < n->nbranches; i++) {
        const shmgen_value_t *c = eval(r, n->conds[i], sc);
        if (!c) return;
        if (truthy(c)) {
            render_nodes(r, &n->bodies[i], sc);
            return;
        }
    }
    render_nodes(r, &n->else_body, sc);
}

static void render_include(render_t *r, const tmpl_node_t *n, const scope_t *sc)
{
    const shmgen_value_t *name = eval(r, n->expr, sc);
    const tmpl_template_t *saved = r->t, *t;
    if (!name) return;
    if (name->type != SHMGEN_VAL_STRING) {
        rerr(r, n->line, n->col, "'include' needs a template name (a string), got a %s",
             shmgen_value_type_name(name->type));
        return;
    }
    if (r->depth >= MAX_INCLUDE_DEPTH) {
        rerr(r, n->line, n->col, "includes nested deeper than %d (does '%s' include itself?)", MAX_INCLUDE_DEPTH,
             name->u.str.data);
        return;
    }
    if (!(t = template_get(r->env, name->u.str.data, r->diags, (shmgen_loc_t){r->t->origin, n->line, n->col}))) {
        r->error = true;
        return;
    }
    r->t = t;
    r->depth++;
    render_nodes(r, &t->nodes, sc);
    r->depth--;
    r->t = saved;
}

/* The text of node i of nodes when it is a text node, else "". */
static const char *sibling_text(const tmpl_nodes_t *nodes, size_t i, size_t *len)
{
    const tmpl_node_t *n = i < nodes->count ? nodes->items[i] : NULL;
    *len = n && n->kind == TN_TEXT ? n->len : 0;
    return *len ? n->text : "";
}

/* Shows output node i of nodes, which wrote v, to the environment's watcher. */
static void watch_output(render_t *r, const tmpl_nodes_t *nodes, size_t i, const shmgen_value_t *v)
{
    const tmpl_expr_t *e = nodes->items[i]->expr;
    shmgen_tmpl_output_t o = {.value = v};
    if (e->kind == TE_PATH) o.path = (const char *const *)e->path, o.npath = e->npath;
    o.before = i ? sibling_text(nodes, i - 1, &o.before_len) : "";
    o.after = sibling_text(nodes, i + 1, &o.after_len);
    r->env->watch(&o, r->env->watch_ctx);
}

static void render_nodes(render_t *r, const tmpl_nodes_t *nodes, const scope_t *sc)
{
    for (size_t i = 0; i < nodes->count && !r->error; i++) {
        const tmpl_node_t *n = nodes->items[i];
        const shmgen_value_t *v;
        switch (n->kind) {
        case TN_TEXT: shmgen_buf_append(r->out, n->text, n->len); break;
        case TN_OUT:
            if ((v = eval(r, n->expr, sc)) && to_text(r, n->expr, v, r->out) && r->env->watch)
                watch_output(r, nodes, i, v);
            break;
        case TN_IF: render_if(r, n, sc); break;
        case TN_FOR: render_for(r, n, sc); break;
        case TN_INCLUDE: render_include(r, n, sc); break;
        }
    }
}

static int render_template(shmgen_tmpl_env_t *env, const tmpl_template_t *t, const shmgen_value_t *root,
                           shmgen_buf_t *out, shmgen_diags_t *diags)
{
    render_t r = {env, root, out, diags, t, shmgen_value_list(), 0, false};
    if (!r.temps) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){t->origin, 0, 0}, "out of memory");
        return -1;
    }
    render_nodes(&r, &t->nodes, NULL);
    shmgen_value_free(r.temps);
    if (!r.error && out->oom) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){t->origin, 0, 0}, "out of memory");
        return -1;
    }
    return r.error ? -1 : 0;
}

int shmgen_tmpl_render(shmgen_tmpl_env_t *env, const char *name, const shmgen_value_t *root, shmgen_buf_t *out,
                       shmgen_diags_t *diags)
{
    const tmpl_template_t *t = template_get(env, name, diags, (shmgen_loc_t){NULL, 0, 0});
    return t ? render_template(env, t, root, out, diags) : -1;
}

int shmgen_tmpl_render_string(shmgen_tmpl_env_t *env, const char *origin, const char *text,
                              const shmgen_value_t *root, shmgen_buf_t *out, shmgen_diags_t *diags)
{
    char *o = strdup(origin), *s = strdup(text);
    /* inline templates are kept (unnamed, so never found by name) for the
     * lifetime of env, because diagnostics borrow their origin */
    tmpl_template_t *t = (o && s) ? template_add(env, "", o, s, strlen(text), diags) : NULL;
    if (!t) {
        if (!(o && s)) free(o), free(s);
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){env_keep(env, origin), 0, 0}, "out of memory");
        return -1;
    }
    t->name[0] = '\0';
    if (t->failed) return -1;
    return render_template(env, t, root, out, diags);
}
