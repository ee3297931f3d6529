/*
 * SPDX-License-Identifier: MIT
 *
 * rm.c — `shmgen rm`: removes a segment's name from /dev/shm after looking
 * at it read-only (shmgen_segment_open_readonly: never mapped writable, never
 * registered).  A segment with live attachers, and an object that is not a
 * valid shmgen segment, are only removed when forced.  Attached processes
 * keep their mappings; the memory is freed when the last one unmaps.  The
 * look and the unlink are two steps on one name: an object swapped in
 * between by its owner would be removed instead (only its owner or root can
 * do that in the sticky /dev/shm).  Depends on the runtime (segment.h).
 */
#include <string.h>

#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

int shmgen_rm(const char *name, unsigned flags, shmgen_rm_result_t *res)
{
    shmgen_segment_t *seg = NULL;
    int rc = shmgen_segment_open_readonly(name, &seg);
    bool force = (flags & SHMGEN_RM_FORCE) != 0;

    memset(res, 0, sizeof *res);
    if (rc == SHMGEN_NOT_FOUND || rc == SHMGEN_INVALID_ARGUMENT) return rc;
    res->is_segment = rc == 0;
    res->open_error = rc;
    if (seg) {
        rc = shmgen_segment_attach_count(seg, &res->attach_count);
        (void)shmgen_segment_close(seg);
        if (rc != 0) return rc;
        if (res->attach_count > 0 && !force) return SHMGEN_BUSY;
    } else if (!force) {
        return SHMGEN_BAD_MAGIC;
    }
    return shmgen_segment_unlink(name);
}
