/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_gen/generate.h — `shmgen generate`: schema model → template context →
 * DIR/<segment>.h and DIR/<segment>.c, or DIR/<segment>.py (--lang python).
 *
 * Templates are looked up in opts->template_dir first (when set), then among
 * the copies embedded in the binary at build time (docs/templates.md).
 * Output is a pure function of the schema, the path it was given as and the
 * templates: no timestamps, no absolute paths, so runs are byte-identical.
 * Depends on the schema model (shmgen_schema/model.h), value.h, templater.h.
 */
#ifndef SHMGEN_GEN_GENERATE_H
#define SHMGEN_GEN_GENERATE_H

#include <stdbool.h>

#include "shmgen_gen/value.h"
#include "shmgen_schema/diag.h"
#include "shmgen_schema/model.h"

/* What shmgen_gen_write produces. */
typedef enum shmgen_gen_lang {
    SHMGEN_GEN_LANG_C = 0,  /* <segment>.h and <segment>.c (the default) */
    SHMGEN_GEN_LANG_PYTHON, /* <segment>.py: NumPy dtypes and the layout for the shmgen package */
} shmgen_gen_lang_t;

typedef struct shmgen_gen_options {
    const char *template_dir; /* searched before the embedded templates; NULL: embedded only */
    const char *depfile;      /* shmgen_gen_write also writes this Makefile-style rule: the two outputs
                                 depend on the schema and on what was read or searched in
                                 template_dir (absolute paths); NULL: none */
    const char *output_name;  /* the outputs are <output_name>.h and .c, and <segment>.h (one #include of
                                 <output_name>.h) is written beside them when the names differ, so code
                                 written against either name compiles; a file name, no '/'.  NULL: the
                                 segment name (build tools that must name the outputs without reading the
                                 schema pass one) */
    const char *banner_path;  /* the schema path the generated files name (banner, regenerate line);
                                 NULL: the path the schema was loaded from.  Diagnostics always use the
                                 latter, so a tool can give an absolute path for them and a relative one
                                 for reproducible output */
    const char *stamp;        /* touched after every successful shmgen_gen_write (and named first in the
                                 depfile): outputs keep their mtime when their bytes do not change, so a
                                 build rule needs one file that is always newer than its inputs; NULL: none */
    shmgen_gen_lang_t lang;   /* for Python, output_name names the module (<output_name>.py) and there is
                                 no forwarding file */
} shmgen_gen_options_t;

/* "c" → SHMGEN_GEN_LANG_C, "python" → SHMGEN_GEN_LANG_PYTHON; -1 for anything else. */
int shmgen_gen_lang_from_name(const char *name);

/* The template context of a validated schema (docs/templates.md lists every
 * key).  NULL on out-of-memory.  Free with shmgen_value_free(). */
shmgen_value_t *shmgen_gen_context(const shmgen_schema_t *schema);

/* A generator session: the options and the template environment (parsed
 * templates are cached across renders).  NULL on out-of-memory.  Not
 * thread-safe: one session per thread. */
typedef struct shmgen_gen shmgen_gen_t;
shmgen_gen_t *shmgen_gen_new(const shmgen_gen_options_t *opts);
void shmgen_gen_free(shmgen_gen_t *g);

/* Renders the header into *header, checks that the C names it generates do
 * not collide (errors at the schema nodes), then renders the source into
 * *source (both appended; free them with shmgen_buf_free also on failure).
 * Returns 0, or -1 after adding the reasons (template errors as
 * TEMPLATE:LINE:COL) to diags. */
int shmgen_gen_render(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *header, shmgen_buf_t *source,
                      shmgen_diags_t *diags);

/* Renders python/segment.py.tmpl, the Python module of the schema (names
 * that Python reserves get a trailing '_', see docs/python.md), into
 * *module (appended; free it with shmgen_buf_free also on failure).
 * Returns 0, or -1 after adding the reasons to diags. */
int shmgen_gen_render_python(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_buf_t *module,
                             shmgen_diags_t *diags);

/* Every check shmgen_gen_write makes before it writes anything: renders the
 * files of the session's language in memory (template errors, for C the
 * generated names that collide, for Python a segment named shmgen) and
 * discards them.  `shmgen check` calls it, so a schema check accepts is one
 * generate accepts.  Returns 0 or -1 with diagnostics. */
int shmgen_gen_check(shmgen_gen_t *g, const shmgen_schema_t *schema, shmgen_diags_t *diags);

/* Renders (the checks of shmgen_gen_check), then writes out_dir/<name>.h and out_dir/<name>.c, <name> being
 * the options' output_name or the segment name (plus out_dir/<segment>.h
 * when they differ), or for Python out_dir/<name>.py (and the depfile of the
 * options, if any; creating missing
 * directories) through temporary files renamed into place: on any error no
 * temporary is left behind and earlier outputs are untouched (every file is
 * fully written before the first rename).  A file whose bytes would not
 * change is left alone, mtime included, so a build tool recompiles nothing
 * after a run that changed nothing; the options' stamp is touched last.
 * Returns 0 or -1 with diagnostics. */
int shmgen_gen_write(shmgen_gen_t *g, const shmgen_schema_t *schema, const char *out_dir, shmgen_diags_t *diags);

/* Writes data to path atomically (a temporary in the same directory, then
 * rename); the file gets mode 0666 & ~umask.  Returns 0 or -1 (errno set). */
int shmgen_gen_write_file_atomic(const char *path, const char *data, size_t len);

#endif
