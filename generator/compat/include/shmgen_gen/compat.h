/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_gen/compat.h — comparing two versions of a schema (docs/compatibility.md).
 *
 * Input: two validated models (from segment.yaml or from a lock file written
 * by `shmgen layout --json`; shmgen_schema_load_any() reads either).  Output:
 * every change between them, each with its compatibility class, the
 * structure / type / field it concerns, a reason and a place in NEW.  The
 * printers render the same report as text, JSON or GitHub Actions
 * annotations (all three: docs/compatibility.md).
 * Depends on shmgen_schema/model.h and diag.h only; touches no shared memory.
 */
#ifndef SHMGEN_GEN_COMPAT_H
#define SHMGEN_GEN_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "shmgen_schema/diag.h"
#include "shmgen_schema/model.h"

/* Ordered by severity: a report's class is the largest of its changes. */
typedef enum shmgen_compat_class {
    SHMGEN_COMPAT_SOURCE = 0,     /* names only: same bytes, regenerate the code */
    SHMGEN_COMPAT_COMPATIBLE = 1, /* old and new processes can share one segment */
    SHMGEN_COMPAT_BREAKING = 2,   /* they cannot: bump `version` */
} shmgen_compat_class_t;

/* "source-only", "compatible", "breaking". */
const char *shmgen_compat_class_name(shmgen_compat_class_t cls);

typedef struct shmgen_compat_change {
    shmgen_compat_class_t cls;
    const char *code;  /* stable kebab-case identifier, e.g. "field-type-changed" (static) */
    char *structure;   /* structure name in NEW (OLD for a removal); NULL if none */
    char *type;        /* type or enum name in NEW (OLD if removed); NULL if none */
    char *field;       /* field (or enum value) name, dotted inside nested types; NULL if none */
    char *message;     /* the reason, one line, no trailing period */
    shmgen_loc_t loc;  /* where in NEW (for a removal: the enclosing item of NEW) */
    shmgen_loc_t old_loc; /* where in OLD; line 0 when it has no counterpart there */
} shmgen_compat_change_t;

typedef struct shmgen_compat_report {
    shmgen_compat_change_t *changes; /* in the order found: segment, structures (NEW order), types, enums */
    size_t count, cap;
    size_t counts[3];               /* per class */
    unsigned old_version, new_version;
} shmgen_compat_report_t;

/* Compares OLD with NEW and fills *report (zero it first; free it with
 * shmgen_compat_report_free even on failure).  Returns 0, or -1 when NEW's
 * version is lower than OLD's (an error diagnostic at NEW's version is added
 * to diags) or memory ran out (a diagnostic too).  Pure; thread-safe on
 * distinct reports. */
int shmgen_compat_compare(const shmgen_schema_t *old_schema, const shmgen_schema_t *new_schema,
                          shmgen_compat_report_t *report, shmgen_diags_t *diags);

void shmgen_compat_report_free(shmgen_compat_report_t *report);

/* The class of the whole report: the most severe change (SOURCE when none). */
shmgen_compat_class_t shmgen_compat_worst(const shmgen_compat_report_t *report);

/* `shmgen compat` exit code for a successful comparison: 1 if any change is
 * breaking, else 0. */
int shmgen_compat_exit_code(const shmgen_compat_report_t *report);

/* One line per change ("FILE:LINE:COL: CLASS: structure 'S', type 'T',
 * field 'F': REASON") then a summary line. */
void shmgen_compat_print_text(const shmgen_compat_report_t *report, const char *old_path,
                              const char *new_path, FILE *out);

/* The JSON document described in docs/compatibility.md. */
void shmgen_compat_print_json(const shmgen_compat_report_t *report, const shmgen_schema_t *old_schema,
                              const shmgen_schema_t *new_schema, const char *old_path,
                              const char *new_path, FILE *out);

/* GitHub Actions workflow commands: ::error (breaking), ::warning
 * (compatible), ::notice (source-only), on NEW's lines, then the summary. */
void shmgen_compat_print_github(const shmgen_compat_report_t *report, const char *old_path,
                                const char *new_path, FILE *out);

#endif
