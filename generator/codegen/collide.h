/*
 * SPDX-License-Identifier: MIT
 *
 * collide.h — the generated-name collision check of codegen (private).
 *
 * The names a header defines are learned from the render itself: a watcher
 * (shmgen_tmpl_env_watch) records every `{{ segment }}_x` and `{{ s.fn }}_x`
 * the templates write, so a kind's template is the only list of its
 * operations.  Names computed by context.c (types, enums, their values, array
 * element wrappers) are added from the schema.  Depends on the schema model
 * and the templater.
 */
#ifndef SHMGEN_CODEGEN_COLLIDE_H
#define SHMGEN_CODEGEN_COLLIDE_H

#include "shmgen_gen/templater.h"
#include "shmgen_schema/model.h"

typedef struct shmgen__names shmgen__names_t;

/* A collector for the names generated from schema s (borrowed until freed).
 * NULL on out-of-memory. */
shmgen__names_t *shmgen__names_new(const shmgen_schema_t *s);

/* The watcher to install (ctx: the collector) while the header renders. */
void shmgen__names_watch(const shmgen_tmpl_output_t *output, void *ctx);

/* Reports every generated C name that two schema nodes produce (an error at
 * the later node naming both).  Returns 0, or -1 after adding errors. */
int shmgen__names_check(shmgen__names_t *n, shmgen_diags_t *diags);

void shmgen__names_free(shmgen__names_t *n);

#endif
