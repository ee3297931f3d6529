/*
 * SPDX-License-Identifier: MIT
 *
 * e2e_old.c — built from old.yaml (version 1, no `extra`): creates the segment,
 * announces it, and waits until a version-2 consumer has looked.
 * Usage: e2e_old SHM_NAME
 */
#include "e2e.h"
#include "e2e_common.h"

int main(int argc, char **argv)
{
    e2e_t *s;
    CHECK(argc == 2);
    CHECK_RC(e2e_create(argv[1], NULL, &s));
    e2e_phase_store(s, 1);
    wait_phase(s, 2);
    CHECK_RC(e2e_close(s));
    printf("old: ok\n");
    return 0;
}
