/*
 * SPDX-License-Identifier: MIT
 *
 * json_writer.h — a streaming JSON writer for the tools' machine outputs
 * (check, compat, verify, inspect, list): every key and string goes through
 * the escaper of json_out.h, so a document is valid UTF-8 JSON whatever bytes
 * a schema or a segment holds; commas and indentation are the writer's
 * business, so printers only say what they write.  Also the diagnostics of a
 * run as JSON and as GitHub annotations.  Depends on json_out.h and
 * shmgen_diag.
 */
#ifndef SHMGEN_GEN_JSON_WRITER_H
#define SHMGEN_GEN_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "shmgen_schema/diag.h"

#define SHMGEN__JW_MAX_DEPTH 16

typedef struct shmgen__jw {
    FILE *out;
    int wrap;  /* containers nested at most this deep put each member on its own
                  line, deeper ones stay on one; 0: the whole document on one
                  line (one object per line: NDJSON) */
    int depth;
    bool empty[SHMGEN__JW_MAX_DEPTH + 1]; /* the container at that depth has no member yet */
} shmgen__jw_t;

void shmgen__jw_init(shmgen__jw_t *w, FILE *out, int wrap);

/* Opens an object ('{') or array ('['); key is the member name inside an
 * object, NULL inside an array or for the document itself. */
void shmgen__jw_open(shmgen__jw_t *w, const char *key, char bracket);
/* Closes it ('}' or ']'); closing the document ends the line. */
void shmgen__jw_close(shmgen__jw_t *w, char bracket);

/* Members (key NULL: array elements).  A NULL string is written as null. */
void shmgen__jw_str(shmgen__jw_t *w, const char *key, const char *s);
void shmgen__jw_u64(shmgen__jw_t *w, const char *key, uint64_t v);
void shmgen__jw_i64(shmgen__jw_t *w, const char *key, int64_t v);
void shmgen__jw_bool(shmgen__jw_t *w, const char *key, bool v);
void shmgen__jw_null(shmgen__jw_t *w, const char *key);
/* A 64-bit hash as the string "0x%016llx" (it does not fit a JSON double). */
void shmgen__jw_hash(shmgen__jw_t *w, const char *key, uint64_t h);
/* Permission bits as the string "0600". */
void shmgen__jw_mode(shmgen__jw_t *w, const char *key, unsigned mode);

/* "diagnostics": [{"severity", "file", "line", "column", "message",
 * "note": null | {"file", "line", "column", "message"}}...], in print order
 * (line and column null when unknown). */
void shmgen__jw_diags(shmgen__jw_t *w, const char *key, const shmgen_diags_t *d);

/* Every diagnostic as a GitHub Actions annotation (::error / ::warning, its
 * note as ::notice), one per line, titled `title`. */
void shmgen__out_diags_github(const shmgen_diags_t *d, const char *title, FILE *out);

#endif
