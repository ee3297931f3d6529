/*
 * SPDX-License-Identifier: MIT
 *
 * write.h — writing generated files so that a failure leaves nothing behind
 * (codegen, private).  Depends on shmgen_gen/value.h (buffers) and diag.h.
 */
#ifndef SHMGEN_CODEGEN_WRITE_H
#define SHMGEN_CODEGEN_WRITE_H

#include <stddef.h>

#include "shmgen_gen/value.h"
#include "shmgen_schema/diag.h"

typedef struct shmgen__out_file {
    const char *path;
    const shmgen_buf_t *data;
} shmgen__out_file_t;

/* Writes every file through a temporary beside it (creating missing
 * directories), all temporaries before the first rename: a failure before
 * the renames leaves every previous file exactly as it was and no temporary
 * behind.  A file that already holds exactly its new bytes is left alone
 * (its mtime too: build tools then rebuild nothing that depends on it).
 * Returns 0, or -1 after adding an error naming the file. */
int shmgen__write_files(const shmgen__out_file_t *files, size_t n, shmgen_diags_t *diags);

/* Creates path (and missing directories) or sets its mtime to now; its
 * content is never read or changed.  Returns 0, or -1 with an error. */
int shmgen__touch_stamp(const char *path, shmgen_diags_t *diags);

#endif
