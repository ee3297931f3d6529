/*
 * SPDX-License-Identifier: MIT
 *
 * kinds_minicr.c — the runner behind kinds_minicr.h: runs every registered
 * test in order and exits 0 when all pass.  Depends on libc only.
 */
#include "kinds_minicr.h"

#include <string.h>

#define KMINI_MAX 32

static struct {
    const char *name;
    kmini_fn fn;
} tests[KMINI_MAX];
static int ntests;
static const char *current;

void kmini_register(const char *name, kmini_fn fn)
{
    if (ntests < KMINI_MAX) tests[ntests].name = name, tests[ntests++].fn = fn;
}

void kmini_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "[FAIL] %s: %s:%d: assertion failed: %s\n", current ? current : "?", file, line, what);
    exit(1);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv; /* "--jobs 1" from the test registration is accepted and ignored */
    for (int i = 0; i < ntests; i++) {
        current = tests[i].name;
        fprintf(stderr, "[RUN ] %s\n", current);
        tests[i].fn();
        fprintf(stderr, "[PASS] %s\n", current);
    }
    fprintf(stderr, "[====] %d test(s) passed\n", ntests);
    return 0;
}
