/*
 * SPDX-License-Identifier: MIT
 *
 * kinds_minicr.h — a minimal stand-in for the parts of Criterion the kinds
 * tests use, for the threaded variants built under ThreadSanitizer: Criterion
 * cannot start under TSan (its inheritable arena mapping fails, Criterion
 * issue #274), so those executables register their tests here and run them
 * from a plain main().  Same macros, same semantics for passing tests; a
 * failing assertion prints file:line and exits with status 1.
 * Depends on libc only.
 */
#ifndef SHMGEN_TESTS_KINDS_MINICR_H
#define SHMGEN_TESTS_KINDS_MINICR_H

#include <stdio.h>
#include <stdlib.h>

typedef void (*kmini_fn)(void);
void kmini_register(const char *name, kmini_fn fn);
_Noreturn void kmini_fail(const char *file, int line, const char *what);

#define KMINI_CAT(a, b) a##b
#define Test(suite, name, ...)                                                              \
    static void KMINI_CAT(suite, _##name)(void);                                            \
    __attribute__((constructor)) static void KMINI_CAT(kmini_reg_##suite, _##name)(void)    \
    {                                                                                       \
        kmini_register(#suite "::" #name, KMINI_CAT(suite, _##name));                       \
    }                                                                                       \
    static void KMINI_CAT(suite, _##name)(void)

/* Suite options are kept (so .fini functions count as used) but not run:
 * a failing assertion ends the process anyway. */
struct kmini_suite {
    void (*init)(void);
    void (*fini)(void);
    double timeout;
};
#define TestSuite(suite, ...) \
    static const struct kmini_suite KMINI_CAT(kmini_suite_, suite) __attribute__((unused)) = {__VA_ARGS__}

#define cr_assert(cond, ...)                                    \
    do {                                                        \
        if (!(cond)) kmini_fail(__FILE__, __LINE__, #cond);     \
    } while (0)
#define cr_assert_not(cond, ...) cr_assert(!(cond))
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b))
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b))
#define cr_assert_gt(a, b, ...) cr_assert((a) > (b))
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b))
#define cr_assert_null(a, ...) cr_assert((a) == NULL)
#define cr_assert_not_null(a, ...) cr_assert((a) != NULL)
#define cr_log_info(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))

#endif
