/*
 * SPDX-License-Identifier: MIT
 *
 * helpers.h — shared helpers of the schema tests: files, loading a schema
 * from a string, capturing diagnostics as text, golden comparison.
 * Depends on shmgen_schema and Criterion.
 */
#ifndef SHMGEN_TESTS_SCHEMA_HELPERS_H
#define SHMGEN_TESTS_SCHEMA_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include "shmgen_schema/diag.h"
#include "shmgen_schema/layout_json.h"
#include "shmgen_schema/model.h"

#define SCHEMA_TEST_DIR SHMGEN_SOURCE_DIR "/tests/schema"

/* Whole file, NUL-terminated, or NULL. *len may be NULL. Caller frees. */
char *th_read_file(const char *path, size_t *len);
/* Writes text to path; false on failure. */
bool th_write_file(const char *path, const char *text, size_t len);

/* Loads YAML text named "t.yaml"; *diag_text (if not NULL) gets every
 * diagnostic as printed, plus the summary line.  Caller frees both. */
shmgen_schema_t *th_load(const char *yaml, char **diag_text);
/* Diagnostics + summary, as `shmgen check` prints them. */
char *th_diag_text(const shmgen_diags_t *d);
/* The layout JSON of a schema, as a string. */
char *th_layout_json(const shmgen_schema_t *s);
/* The text memory map. */
char *th_layout_text(const shmgen_schema_t *s);

/* Compares `got` with the golden file; with SHMGEN_UPDATE_GOLDEN=1 in the
 * environment, rewrites the golden file instead.  Fails the test on a
 * difference, naming the file and the first differing line. */
void th_golden(const char *golden_path, const char *got);

/* True when `haystack` contains `needle`. */
bool th_contains(const char *haystack, const char *needle);

#endif
