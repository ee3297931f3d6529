/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_gen/templater.h — shmgen's own small template language.
 *
 * Syntax (documented in docs/templates.md):
 *   {{ expr }}                       output (strings raw, ints in decimal)
 *   {% if e %} {% elif e %} {% else %} {% endif %}
 *   {% for x in list %} ... {% endfor %}   (loop.index, loop.index0, loop.first,
 *                                           loop.last, loop.length inside)
 *   {% include "name" %}             another template, same variables; any
 *                                     string expression may name it
 *   {# comment #}
 * Expressions: dotted paths (a.b.c), "strings", integers, true/false, not,
 * and, or, ==, !=, ~ (string concatenation), parentheses, and filters
 * `e | name` / `e | name(arg, ...)`.
 * Whitespace: `{%-`/`{{-` trims all whitespace before the tag, `-%}`/`-}}`
 * all whitespace after it; a {% %} or {# #} tag alone on its line removes the
 * whole line (indentation and newline), so block tags never leave blank lines.
 *
 * Errors (parse and render) are appended to a shmgen_diags_t as
 * "TEMPLATE:LINE:COL: error: ..." where TEMPLATE is the loader's origin string.
 * An output watcher (shmgen_tmpl_env_watch) sees every {{ }} a render writes,
 * with the template text around it, so a caller can learn what a template
 * generates (e.g. the `{{ s.fn }}_push` names) from the template itself.
 * Depends on value.h and shmgen_schema/diag.h (the shmgen_diag target).
 */
#ifndef SHMGEN_GEN_TEMPLATER_H
#define SHMGEN_GEN_TEMPLATER_H

#include <stddef.h>

#include "shmgen_gen/value.h"
#include "shmgen_schema/diag.h"

typedef struct shmgen_tmpl_env shmgen_tmpl_env_t;

/* Finds template `name`.  On success returns 0 and hands over *text (malloc'ed,
 * NUL-terminated, *len bytes) and *origin (malloc'ed; how diagnostics name it,
 * e.g. a path).  Returns 1 when there is no such template, -1 on a read error
 * (then *origin may name what failed, or be NULL). */
typedef int (*shmgen_tmpl_loader_fn)(void *ctx, const char *name, char **text, size_t *len,
                                     char **origin);

/* A template environment: a loader and the cache of parsed templates.
 * NULL on out-of-memory.  Not thread-safe; one per thread. */
shmgen_tmpl_env_t *shmgen_tmpl_env_new(shmgen_tmpl_loader_fn load, void *ctx);

/* Frees the environment and every parsed template.  Diagnostics produced by it
 * borrow its origin strings: print them before freeing.  NULL is a no-op. */
void shmgen_tmpl_env_free(shmgen_tmpl_env_t *env);

/* One {{ }} output of a render, as a watcher sees it; valid during the call. */
typedef struct shmgen_tmpl_output {
    const char *const *path;     /* the expression's dotted path ({"s", "fn"}), NULL when it is not a plain path */
    size_t npath;
    const shmgen_value_t *value; /* the value written */
    const char *before, *after;  /* the template text right before / after the tag, up to the neighbouring
                                    tag in the same block (never NULL, may be empty) */
    size_t before_len, after_len;
} shmgen_tmpl_output_t;

typedef void (*shmgen_tmpl_watch_fn)(const shmgen_tmpl_output_t *output, void *ctx);

/* Calls fn(output, ctx) for every {{ }} output of the renders that follow
 * (includes too), until the next call; fn NULL stops watching.  The watcher
 * only observes: the rendered text is the same with or without it. */
void shmgen_tmpl_env_watch(shmgen_tmpl_env_t *env, shmgen_tmpl_watch_fn fn, void *ctx);

/* Renders template `name` with `root` (a map) as the global variables,
 * appending to `out`.  Returns 0, or -1 after adding an error to `diags`
 * (then `out` holds a partial result that the caller must discard). */
int shmgen_tmpl_render(shmgen_tmpl_env_t *env, const char *name, const shmgen_value_t *root,
                       shmgen_buf_t *out, shmgen_diags_t *diags);

/* Same for a template given as text; `origin` names it in diagnostics.
 * Includes inside it are resolved through the environment's loader. */
int shmgen_tmpl_render_string(shmgen_tmpl_env_t *env, const char *origin, const char *text,
                              const shmgen_value_t *root, shmgen_buf_t *out, shmgen_diags_t *diags);

#endif
