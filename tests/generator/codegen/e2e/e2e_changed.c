/*
 * SPDX-License-Identifier: MIT
 *
 * e2e_changed.c — built from changed.yaml (same segment name, `point` has one
 * more field): attaching to a segment made from old.yaml must fail with an
 * error naming the first mismatching structure, and e2e_verify must report
 * the mismatch (exit status 1 of the verifier).  Prints the verifier's report.
 * Usage: e2e_changed SHM_NAME
 */
#include <string.h>

#include "e2e.h"
#include "e2e_common.h"

int main(int argc, char **argv)
{
    e2e_t *s = NULL;
    int rc;
    CHECK(argc == 2);
    for (int waited = 0; (rc = e2e_open(argv[1], NULL, &s)) == SHMGEN_NOT_FOUND; waited++) {
        CHECK(waited < WAIT_MS);
        sleep_ms(1);
    }
    CHECK(s == NULL);
    CHECK(rc == SHMGEN_STRUCT_MISMATCH || rc == SHMGEN_LAYOUT_MISMATCH);
    printf("open: %s: %s\n", shmgen_error_name(rc), shmgen_segment_last_detail());
    CHECK(strstr(shmgen_segment_last_detail(), "points") != NULL);
    CHECK(e2e_verify(argv[1], stdout) == 1);
    printf("changed: ok\n");
    return 0;
}
