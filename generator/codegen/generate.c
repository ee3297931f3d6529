/*
 * SPDX-License-Identifier: MIT
 *
 * generate.c — a generator session: finds templates (--templates DIR first,
 * then the embedded copies, remembering what it read from DIR), renders
 * segment.h.tmpl and segment.c.tmpl (or, for Python, python/segment.py.tmpl)
 * with the schema's context, and writes the files (and on request a depfile
 * naming what they were made from) atomically.  Depends on context.c,
 * context_py.c, collide.c, write.c, the templater and embedded.h (built from
 * templates/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collide.h"
#include "embedded.h"
#include "shmgen_gen/generate.h"
#include "shmgen_gen/templater.h"
#include "write.h"

#define HEADER_TEMPLATE "segment.h.tmpl"
#define SOURCE_TEMPLATE "segment.c.tmpl"
#define FORWARD_TEMPLATE "forward.h.tmpl"
#define PYTHON_TEMPLATE "python/segment.py.tmpl"

struct shmgen_gen {
    char *template_dir;
    char *depfile;
    char *output_name; /* NULL: the segment name */
    char *banner_path; /* NULL: the schema's own path */
    char *stamp;       /* NULL: none */
    shmgen_gen_lang_t lang;
    shmgen_tmpl_env_t *env;
    char **deps;        /* what the outputs depend on in template_dir: files read, directories searched */
    size_t ndeps, deps_cap;
    bool deps_oom;
};

/* Remembers path (once) as something the outputs depend on. */
static void add_dep(shmgen_gen_t *g, const char *path)
{
    for (size_t i = 0; i < g->ndeps; i++)
        if (strcmp(g->deps[i], path) == 0) return;
    if (g->ndeps == g->deps_cap) {
        size_t cap = g->deps_cap ? g->deps_cap * 2 : 16;
        char **d = realloc(g->deps, cap * sizeof *d);
        if (!d) {
            g->deps_oom = true;
            return;
        }
        g->deps = d;
        g->deps_cap = cap;
    }
    if (!(g->deps[g->ndeps] = strdup(path))) g->deps_oom = true;
    else g->ndeps++;
}

/* A lookup of path in the template directory: the directory it would be in
 * (when it exists: adding a template there changes it) and the file if read. */
static void note_lookup(shmgen_gen_t *g, const char *path, bool read)
{
    char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
    struct stat st;
    if (slash) *slash = '\0';
    if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) add_dep(g, dir);
    if (!dir) g->deps_oom = true;
    if (read) add_dep(g, path);
    free(dir);
}

static int read_whole(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    shmgen_buf_t b = {0};
    char chunk[8192];
    size_t n;
    if (!f) return errno == ENOENT ? 1 : -1;
    shmgen_buf_puts(&b, "");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) shmgen_buf_append(&b, chunk, n);
    if (ferror(f) || b.oom) {
        fclose(f);
        shmgen_buf_free(&b);
        return -1;
    }
    fclose(f);
    *text = b.data;
    *len = b.len;
    return 0;
}

/* The template loader: DIR/name, else the embedded table. */
static int load_template(void *ctx, const char *name, char **text, size_t *len, char **origin)
{
    shmgen_gen_t *g = ctx;
    if (strstr(name, "..")) return 1; /* names are relative to the template roots */
    if (g->template_dir) {
        int rc;
        if (asprintf(origin, "%s/%s", g->template_dir, name) < 0) {
            *origin = NULL;
            return -1;
        }
        rc = read_whole(*origin, text, len);
        note_lookup(g, *origin, rc == 0);
        if (rc <= 0) return rc;
        free(*origin);
        *origin = NULL;
    }
    for (size_t i = 0; i < shmgen_embedded_template_count; i++) {
        const shmgen_embedded_template_t *t = &shmgen_embedded_templates[i];
        if (t->name && strcmp(t->name, name) == 0) {
            if (asprintf(origin, "<embedded>/%s", name) < 0) return -1;
            *text = strndup(t->data, t->len);
            *len = t->len;
            return *text ? 0 : -1;
        }
    }
    return 1;
}

int shmgen_gen_lang_from_name(const char *name)
{
    if (name && strcmp(name, "c") == 0) return SHMGEN_GEN_LANG_C;
    if (name && strcmp(name, "python") == 0) return SHMGEN_GEN_LANG_PYTHON;
    return -1;
}

shmgen_gen_t *shmgen_gen_new(const shmgen_gen_options_t *opts)
{
    shmgen_gen_t *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    if (opts && opts->template_dir && !(g->template_dir = strdup(opts->template_dir))) goto fail;
    if (opts && opts->depfile && !(g->depfile = strdup(opts->depfile))) goto fail;
    if (opts && opts->output_name && !(g->output_name = strdup(opts->output_name))) goto fail;
    if (opts && opts->banner_path && !(g->banner_path = strdup(opts->banner_path))) goto fail;
    if (opts && opts->stamp && !(g->stamp = strdup(opts->stamp))) goto fail;
    g->lang = opts ? opts->lang : SHMGEN_GEN_LANG_C;
    if (!(g->env = shmgen_tmpl_env_new(load_template, g))) goto fail;
    if (g->template_dir) add_dep(g, g->template_dir);
    if (!g->deps_oom) return g;
fail:
    shmgen_gen_free(g);
    return NULL;
}

void shmgen_gen_free(shmgen_gen_t *g)
{
    if (!g) return;
    shmgen_tmpl_env_free(g->env);
    for (size_t i = 0; i < g->ndeps; i++) free(g->deps[i]);
    free(g->deps);
    free(g->template_dir);
    free(g->depfile);
    free(g->output_name);
    free(g->banner_path);
    free(g->stamp);
    free(g);
}

/* The schema's context with the session's output name and banner path. */
static shmgen_value_t *session_context(const shmgen_gen_t *g, const shmgen_schema_t *schema)
{
    shmgen_value_t *ctx = shmgen_gen_context(schema);
    char *header = NULL;
    if (ctx && g->output_name) {
        if (asprintf(&header, "%s.h", g->output_name) < 0 || !shmgen_value_set_str(ctx, "header", header) ||
            !shmgen_value_set_str(ctx, "output_name", g->output_name))
            shmgen_value_free(ctx), ctx = NULL;
        free(header);
    }
    if (ctx && g->banner_path && !shmgen_value_set_str(ctx, "schema_path", g->banner_path))
        shmgen_value_free(ctx), ctx = NULL;
    return ctx;
}

/* The header first, watched for the names it generates (collide.h); the
 * source only when none of them collide. */
int shmgen_gen_render(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *header, shmgen_buf_t *source,
                      shmgen_diags_t *diags)
{
    shmgen_value_t *ctx = session_context(g, schema);
    shmgen__names_t *names = shmgen__names_new(schema);
    int rc = -1;
    if (!ctx || !names) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){schema->path, 0, 0}, "out of memory");
    } else {
        shmgen_tmpl_env_watch(g->env, shmgen__names_watch, names);
        rc = shmgen_tmpl_render(g->env, HEADER_TEMPLATE, ctx, header, diags);
        shmgen_tmpl_env_watch(g->env, NULL, NULL);
        if (rc == 0) rc = shmgen__names_check(names, diags);
        if (rc == 0) rc = shmgen_tmpl_render(g->env, SOURCE_TEMPLATE, ctx, source, diags);
    }
    shmgen__names_free(names);
    shmgen_value_free(ctx);
    return rc;
}

int shmgen_gen_render_python(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *module,
                             shmgen_diags_t *diags)
{
    shmgen_value_t *ctx;
    int rc = -1;
    /* the module imports the package by this name: it would import itself */
    if (strcmp(schema->segment, "shmgen") == 0) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, schema->segment_loc,
                        "a Python module named 'shmgen' would hide the shmgen package it imports; "
                        "choose another segment name for --lang python");
        return -1;
    }
    if (!(ctx = session_context(g, schema)))
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){schema->path, 0, 0}, "out of memory");
    else rc = shmgen_tmpl_render(g->env, PYTHON_TEMPLATE, ctx, module, diags);
    shmgen_value_free(ctx);
    return rc;
}

/* The files of the session's language: out[0] (and out[1], the C source). */
static int render_lang(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *out, shmgen_diags_t *diags)
{
    if (g->lang == SHMGEN_GEN_LANG_PYTHON) return shmgen_gen_render_python(g, schema, &out[0], diags);
    return shmgen_gen_render(g, schema, &out[0], &out[1], diags);
}

int shmgen_gen_check(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_diags_t *diags)
{
    shmgen_buf_t out[2] = {{0}};
    int rc = render_lang(g, schema, out, diags);
    shmgen_buf_free(&out[0]);
    shmgen_buf_free(&out[1]);
    return rc;
}

/* path made absolute against the working directory (a depfile is read from
 * elsewhere), escaped for a Makefile-style rule; appended to b. */
static void dep_path(shmgen_buf_t *b, const char *path)
{
    char cwd[4096];
    if (path[0] != '/' && getcwd(cwd, sizeof cwd)) shmgen_buf_printf(b, "%s/", cwd);
    else if (path[0] != '/') b->oom = true;
    for (const char *p = path; *p; p++) {
        if (*p == ' ' || *p == '#') shmgen_buf_puts(b, "\\");
        if (*p == '$') shmgen_buf_puts(b, "$");
        shmgen_buf_append(b, p, 1);
    }
}

/* "[STAMP ]OUTPUTS...: SCHEMA TEMPLATES...\n" (the outputs: the header and
 * the source, or the Python module): what make/ninja need to re-run generate
 * when an overriding template is edited, added or removed (ninja wants the
 * rule's first output first: the stamp, when there is one). */
static void render_depfile(const shmgen_gen_t *g, const shmgen_schema_t *schema, const char *h_path,
                           const char *c_path, shmgen_buf_t *b)
{
    if (g->stamp) dep_path(b, g->stamp), shmgen_buf_puts(b, " ");
    dep_path(b, h_path);
    if (c_path) shmgen_buf_puts(b, " "), dep_path(b, c_path);
    shmgen_buf_puts(b, ":");
    if (schema->path) shmgen_buf_puts(b, " "), dep_path(b, schema->path);
    for (size_t i = 0; i < g->ndeps; i++) shmgen_buf_puts(b, " \\\n  "), dep_path(b, g->deps[i]);
    shmgen_buf_puts(b, "\n");
    if (g->deps_oom) b->oom = true;
}

/* The output name must name a file in out_dir, nothing else. */
static int check_output_name(const char *name, shmgen_diags_t *diags)
{
    if (name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) return 0;
    shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){NULL, 0, 0},
                    "output name '%s' is not a file name (empty, '.', '..' or with a '/')", name);
    return -1;
}

/* <segment>.h holding one #include of <output_name>.h; only when the names differ. */
static int render_forward(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *out, shmgen_diags_t *diags)
{
    shmgen_value_t *ctx;
    int rc;
    if (!g->output_name || strcmp(g->output_name, schema->segment) == 0) return 0;
    if (!(ctx = session_context(g, schema))) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){schema->path, 0, 0}, "out of memory");
        return -1;
    }
    rc = shmgen_tmpl_render(g->env, FORWARD_TEMPLATE, ctx, out, diags);
    shmgen_value_free(ctx);
    return rc;
}

typedef struct outputs {
    shmgen_buf_t h, c, fwd, dep;
    char *h_path, *c_path, *fwd_path;
} outputs_t;

static void outputs_free(outputs_t *o)
{
    shmgen_buf_free(&o->h);
    shmgen_buf_free(&o->c);
    shmgen_buf_free(&o->fwd);
    shmgen_buf_free(&o->dep);
    free(o->h_path);
    free(o->c_path);
    free(o->fwd_path);
}

/* Every output in memory, with its path; 0 or -1 with diagnostics.  For
 * Python the one output, <name>.py, is in o->h (no source, no forwarding
 * file: an output name just names the module). */
static int render_outputs(shmgen_gen_t *g, const shmgen_schema_t *schema, const char *out_dir, outputs_t *o,
                          shmgen_diags_t *diags)
{
    const char *name = g->output_name ? g->output_name : schema->segment;
    bool python = g->lang == SHMGEN_GEN_LANG_PYTHON;
    if (check_output_name(name, diags) != 0) return -1;
    if (python) {
        if (shmgen_gen_render_python(g, schema, &o->h, diags) != 0) return -1;
        if (asprintf(&o->h_path, "%s/%s.py", out_dir, name) < 0) o->h_path = NULL;
    } else {
        if (shmgen_gen_render(g, schema, &o->h, &o->c, diags) != 0) return -1;
        if (render_forward(g, schema, &o->fwd, diags) != 0) return -1;
        if (asprintf(&o->h_path, "%s/%s.h", out_dir, name) < 0) o->h_path = NULL;
        if (asprintf(&o->c_path, "%s/%s.c", out_dir, name) < 0) o->c_path = NULL;
        if (o->fwd.len && asprintf(&o->fwd_path, "%s/%s.h", out_dir, schema->segment) < 0) o->fwd.oom = true;
    }
    if (o->h_path && (o->c_path || python) && g->depfile) render_depfile(g, schema, o->h_path, o->c_path, &o->dep);
    if (o->h_path && (o->c_path || python) && !o->dep.oom && !o->fwd.oom) return 0;
    shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){NULL, 0, 0}, "out of memory");
    return -1;
}

int shmgen_gen_write(shmgen_gen_t *g, const shmgen_schema_t *schema, const char *out_dir, shmgen_diags_t *diags)
{
    outputs_t o = {0};
    shmgen__out_file_t files[4];
    size_t n = 0;
    int rc = render_outputs(g, schema, out_dir, &o, diags);
    if (rc == 0) {
        files[n++] = (shmgen__out_file_t){o.h_path, &o.h};
        if (o.c_path) files[n++] = (shmgen__out_file_t){o.c_path, &o.c};
        if (o.fwd_path) files[n++] = (shmgen__out_file_t){o.fwd_path, &o.fwd};
        if (g->depfile) files[n++] = (shmgen__out_file_t){g->depfile, &o.dep};
        rc = shmgen__write_files(files, n, diags);
    }
    if (rc == 0 && g->stamp) rc = shmgen__touch_stamp(g->stamp, diags);
    outputs_free(&o);
    return rc;
}
