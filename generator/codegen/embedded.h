/*
 * SPDX-License-Identifier: MIT
 *
 * embedded.h — the templates compiled into the binary.  The table itself is
 * generated at build time by cmake/shmgenEmbed.cmake from templates/.
 */
#ifndef SHMGEN_EMBEDDED_H
#define SHMGEN_EMBEDDED_H

#include <stddef.h>

typedef struct shmgen_embedded_template {
    const char *name; /* path relative to templates/, e.g. "segment.h.tmpl" */
    const char *data; /* NUL-terminated */
    size_t len;
} shmgen_embedded_template_t;

extern const shmgen_embedded_template_t shmgen_embedded_templates[];
extern const size_t shmgen_embedded_template_count;

#endif
