/*
 * shmgen_schema/diag.h — diagnostics: every error of a run, with its place.
 *
 * Loader, validator and layout append here and keep going; the CLI prints all
 * of them as "FILE:LINE:COLUMN: error: MESSAGE" (1-based) and counts them.
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

/* Prints every diagnostic, in order of their position in the file (stable
 * for equal positions), one line each. */
void shmgen_diags_print(const shmgen_diags_t *d, FILE *out);

/* Prints "N errors" / "1 error" (and ", M warnings" when there are any) as
 * the closing line of a command's diagnostics. */
void shmgen_diags_print_summary(const shmgen_diags_t *d, FILE *out);

/* Frees every message; the list is empty and reusable afterwards. */
void shmgen_diags_free(shmgen_diags_t *d);

#endif
