/*
 * SPDX-License-Identifier: MIT
 *
 * load.c — the loader's entry points (shmgen_schema_load*): read the file
 * (bounded), parse YAML into the tree, build the model.  Depends on
 * internal.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

shmgen_schema_t *shmgen_schema_load_buffer(const char *name, const char *data, size_t len, shmgen_diags_t *diags)
{
    char *path = strdup(name ? name : "<input>");
    shmgen__node_t *root;
    shmgen_schema_t *s;
    size_t errors_before = diags->errors;

    if (!path) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){name, 0, 0}, "out of memory");
        return NULL;
    }
    if (len > SHMGEN__MAX_INPUT_BYTES) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){path, 0, 0},
                        "the schema is %zu bytes; at most 67108864 (64 MiB) are read", len);
        free(path);
        return NULL;
    }
    root = shmgen__yaml_parse(path, data, len, diags);
    if (diags->errors != errors_before) {
        shmgen__node_free(root);
        free(path);
        return NULL;
    }
    s = shmgen__schema_from_tree(path, root, 0, diags);
    shmgen__node_free(root);
    return s;
}

/* Reads at most `limit` + 1 bytes, so an oversized file is refused without
 * reading all of it.  The buffer is NUL-terminated. */
char *shmgen__read_file(const char *path, size_t limit, size_t *len_out, shmgen_diags_t *d)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    bool oom = false;

    if (!f) {
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){path, 0, 0}, "cannot open: %s", strerror(errno));
        return NULL;
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nbuf = cap > limit ? NULL : realloc(buf, ncap + 1);
            if (!nbuf) {
                oom = cap <= limit;
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    bool failed = oom || ferror(f) || len > limit;
    if (oom) shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){path, 0, 0}, "out of memory reading the file");
    else if (ferror(f)) shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){path, 0, 0}, "cannot read: %s", strerror(errno));
    else if (len > limit)
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){path, 0, 0},
                        "the file is larger than %zu bytes; refusing to read it", limit);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    if (!buf && !(buf = calloc(1, 1))) return NULL;
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

shmgen_schema_t *shmgen_schema_load(const char *path, shmgen_diags_t *diags)
{
    size_t len = 0;
    char *data = shmgen__read_file(path, SHMGEN__MAX_INPUT_BYTES, &len, diags);
    shmgen_schema_t *s;

    if (!data) return NULL;
    s = shmgen_schema_load_buffer(path, data, len, diags);
    free(data);
    return s;
}
