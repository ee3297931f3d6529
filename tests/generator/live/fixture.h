/*
 * SPDX-License-Identifier: MIT
 *
 * fixture.h — what the live-tool tests share: a live segment created with
 * the runtime from a schema's layout descriptor (as generated code would), a
 * temporary directory for schema variants, and output checks.  Depends on
 * the runtime, the schema model, Criterion and ../tool.h.
 */
#ifndef SHMGEN_TEST_LIVE_FIXTURE_H
#define SHMGEN_TEST_LIVE_FIXTURE_H

#include <stdbool.h>

#include "shmgen/shmgen.h"

/* Every kind, with known names: pool items, queue inbox, stack undo, ring
 * frames, array grid, atomic tick. */
extern const char base_schema[];

typedef struct fixture {
    char *dir;        /* temp dir holding schema variants */
    char name[96];    /* shm name of the live segment */
    shmgen_segment_t *seg;
} fixture_t;

extern fixture_t fx;

/* Criterion .init / .fini: a fresh directory and segment name; closes and
 * unlinks the segment, removes the directory. */
void setup(void);
void teardown(void);

/* Writes text to fx.dir/file; returns the path (free it). */
char *write_schema(const char *file, const char *text);

/* base_schema with one edit, written to file (the edit must apply). */
char *variant(const char *file, const char *from, const char *to);

/* Creates fx.name from the schema text with the runtime (fx.seg attached). */
void create_segment(const char *text, bool persistent);

/* Runs `shmgen cmd a b` with captured output (see tool_run). */
int run2(const char *cmd, const char *a, const char *b, char **out, char **err);

void expect_contains(const char *text, const char *needle);

/* fx.seg's attach count. */
unsigned attach_count(void);

#endif
