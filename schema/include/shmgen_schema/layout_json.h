/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_schema/layout_json.h — the machine form of a computed layout
 * ("shmgen-layout/1", docs/layout-json.md), its reader (the lock file of
 * `shmgen compat`), and the text memory map of `shmgen layout`.
 * Depends on model.h and diag.h.
 */
#ifndef SHMGEN_SCHEMA_LAYOUT_JSON_H
#define SHMGEN_SCHEMA_LAYOUT_JSON_H

#include <stdio.h>

#include "shmgen_schema/diag.h"
#include "shmgen_schema/model.h"

#define SHMGEN_LAYOUT_JSON_FORMAT "shmgen-layout/1"

/* Writes the complete layout of a loaded schema as JSON (deterministic key
 * order, no timestamp, no path) followed by a newline.  Returns 0, or -1 when
 * writing failed (ferror).  Does not close `out`. */
int shmgen_layout_json_write(const shmgen_schema_t *schema, FILE *out);

/* Reads a file written by shmgen_layout_json_write() back into the same model
 * (names, types, enums, structures, plan, hashes; locations point into the
 * JSON file).  The declarative part is validated and laid out exactly like a
 * segment.yaml, then every stored offset, size and hash is compared with the
 * recomputed one; any difference is an error naming the value.  Malformed
 * JSON is reported with line:column.  Returns NULL when errors were added;
 * caller frees with shmgen_schema_free(). */
shmgen_schema_t *shmgen_schema_load_layout_json(const char *path, shmgen_diags_t *diags);

/* Same from memory; `name` is FILE in diagnostics. */
shmgen_schema_t *shmgen_schema_load_layout_json_buffer(const char *name, const char *data, size_t len,
                                                       shmgen_diags_t *diags);

/* True when the text looks like a layout JSON (first non-blank byte '{'),
 * so that a command can accept either a segment.yaml or a lock file. */
int shmgen_layout_json_sniff(const char *data, size_t len);

/* Loads `path` as layout JSON if it ends in ".json" or starts with '{',
 * else as segment.yaml. */
shmgen_schema_t *shmgen_schema_load_any(const char *path, shmgen_diags_t *diags);

/* Writes the text memory map of `shmgen layout`: one line per overhead block
 * and per structure (offset, size, alignment, name, kind, element type and
 * size/alignment, capacity), then the totals.  Returns 0 or -1 on a write
 * error. */
int shmgen_layout_text_write(const shmgen_schema_t *schema, FILE *out);

#endif
