/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_schema/diag.h — diagnostics: every error of a run, with its place.
 *
 * Loader, validator and layout append here and keep going; the CLI prints all
 * of them as "FILE:LINE:COLUMN: error: MESSAGE" (1-based) and counts them.  A
 * diagnostic may carry a note pointing at a second place (where a duplicate
 * name was first declared), printed on the next line as
 * "note: FILE:LINE:COLUMN: MESSAGE".  Also the "did you mean" helpers.
 * Depends on libc only.
 */
#ifndef SHMGEN_SCHEMA_DIAG_H
#define SHMGEN_SCHEMA_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct shmgen_loc {
    const char *file; /* borrowed; lives as long as the schema/diag list */
    uint32_t line;    /* 1-based; 0 when unknown (then printed as FILE: only) */
    uint32_t column;  /* 1-based */
} shmgen_loc_t;

typedef enum shmgen_severity { SHMGEN_SEV_ERROR = 0, SHMGEN_SEV_WARNING = 1 } shmgen_severity_t;

typedef struct shmgen_diag {
    shmgen_loc_t loc;
    shmgen_severity_t severity;
    char *message; /* owned */
    char *file;    /* owned copy of loc.file (loc.file points here), so a
                      diagnostic outlives the schema and buffer it names */
    char *note;    /* owned; NULL: none.  A second place: "first declared here" */
    shmgen_loc_t note_loc; /* its file is an owned copy too (note_file) */
    char *note_file;
} shmgen_diag_t;

typedef struct shmgen_diags {
    shmgen_diag_t *items;
    size_t count, cap;
    size_t errors, warnings;
} shmgen_diags_t;

/* Appends one diagnostic (printf-style message). Never fails visibly: on OOM
 * the message is replaced by a static one and the error still counts. */
void shmgen_diag_add(shmgen_diags_t *d, shmgen_severity_t sev, shmgen_loc_t loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Same with a va_list. */
void shmgen_diag_vadd(shmgen_diags_t *d, shmgen_severity_t sev, shmgen_loc_t loc, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Attaches a note at loc to the diagnostic added last (replacing an earlier
 * note of it); nothing when there is none.  On OOM the note is dropped. */
void shmgen_diag_note(shmgen_diags_t *d, shmgen_loc_t loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The diagnostics in print order: by position in the file, stable for equal
 * positions.  Returns a malloc'ed array of d->count pointers (NULL when
 * empty or out of memory: then use insertion order). */
const shmgen_diag_t **shmgen_diags_sorted(const shmgen_diags_t *d);

/* Prints every diagnostic, in order of their position in the file (stable
 * for equal positions), one line each. */
void shmgen_diags_print(const shmgen_diags_t *d, FILE *out);

/* Prints "N errors" / "1 error" (and ", M warnings" when there are any) as
 * the closing line of a command's diagnostics. */
void shmgen_diags_print_summary(const shmgen_diags_t *d, FILE *out);

/* Frees every message; the list is empty and reusable afterwards. */
void shmgen_diags_free(shmgen_diags_t *d);

/* ---- did you mean (suggest.c) ---- */

/* Damerau-Levenshtein (optimal string alignment) distance, capped: returns
 * cap+1 as soon as the distance is known to exceed cap (and for words longer
 * than 63 bytes). */
size_t shmgen__edit_distance(const char *a, const char *b, size_t cap);

/* The closest of n candidates within a length-dependent distance, or NULL. */
const char *shmgen__closest(const char *word, const char *const *cands, size_t n);

#endif
