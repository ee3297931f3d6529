/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/errors.h — the one error enum of the shmgen runtime.
 *
 * Every fallible runtime function returns 0 on success or one of the negative
 * codes below; none aborts, prints or exits.  The table is an X-macro so the
 * enum, the message function and the name function can never disagree.
 * Depends on nothing.
 */
#ifndef SHMGEN_ERRORS_H
#define SHMGEN_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

/* SHMGEN_MUST_CHECK marks results that are never right to ignore (open,
 * create, bind: a failure leaves nothing usable); SHMGEN_NODISCARD marks the
 * data path's results (enqueue, push, pop, release...), which a caller may
 * ignore on purpose with a (void) cast.  Both are [[nodiscard]] where the
 * language has it (C++17; C23, and gcc 12's / clang 14's -std=c2x, which
 * report __STDC_VERSION__ 202000L), which that cast silences.  Older C falls
 * back to gcc/clang's warn_unused_result for SHMGEN_MUST_CHECK only: gcc does
 * not let a (void) cast silence it, so data-path results go unmarked there.
 * Generated headers use these same two macros (defined once, here). */
#if defined(__cplusplus) && __cplusplus >= 201703L
#define SHMGEN_NODISCARD [[nodiscard]]
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ > 201710L && defined(__has_c_attribute)
#if __has_c_attribute(nodiscard)
#define SHMGEN_NODISCARD [[nodiscard]]
#endif
#endif
#if defined(SHMGEN_NODISCARD)
#define SHMGEN_MUST_CHECK SHMGEN_NODISCARD
#elif defined(__GNUC__) || defined(__clang__)
#define SHMGEN_MUST_CHECK __attribute__((warn_unused_result))
#else
#define SHMGEN_MUST_CHECK
#endif
#ifndef SHMGEN_NODISCARD
#define SHMGEN_NODISCARD
#endif

/* XX(NAME, value, message) */
#define SHMGEN_ERROR_MAP(XX)                                                              \
    XX(OK, 0, "success")                                                                  \
    XX(INVALID_ARGUMENT, -1, "invalid argument")                                          \
    XX(NO_MEMORY, -2, "out of memory")                                                    \
    XX(SYSTEM, -3, "system call failed (see errno)")                                      \
    XX(EXISTS, -4, "segment already exists")                                              \
    XX(NOT_FOUND, -5, "segment does not exist")                                           \
    XX(TIMEOUT, -6, "timed out")                                                          \
    XX(NOT_READY, -7, "segment is still being initialised by its creator")                \
    XX(ABANDONED, -8, "segment creator died before the segment became ready")            \
    XX(BAD_MAGIC, -9, "not a shmgen segment (bad magic number)")                          \
    XX(BAD_FORMAT_VERSION, -10, "segment format version not supported by this runtime")   \
    XX(CORRUPT, -11, "segment header or table is corrupt")                                \
    XX(TRUNCATED, -12, "segment is smaller than its header claims")                       \
    XX(LAYOUT_MISMATCH, -13, "segment was created from a different schema")               \
    XX(STRUCT_MISSING, -14, "structure not present in the segment")                       \
    XX(STRUCT_MISMATCH, -15, "structure in the segment differs from the schema")          \
    XX(FULL, -16, "structure is full")                                                    \
    XX(EMPTY, -17, "structure is empty")                                                  \
    XX(OUT_OF_BOUNDS, -18, "index out of bounds")                                         \
    XX(STALE_HANDLE, -19, "stale or already released pool handle")                        \
    XX(TOO_MANY_PROCESSES, -20, "too many processes or threads attached to the segment")  \
    XX(READ_ONLY, -21, "segment is attached read-only")                                   \
    XX(OVERFLOW, -22, "size computation overflows")                                       \
    XX(BUSY, -23, "structure is busy; try again")                                         \
    XX(WRONG_KIND, -24, "structure is of another kind")                                   \
    XX(PERMISSION, -25, "segment is owned by another user or more open than requested")   \
    XX(EVICTED, -26, "subscriber was evicted for stalling the publisher")

typedef enum shmgen_error {
#define SHMGEN__ERR_ENUM(name, value, msg) SHMGEN_##name = (value),
    SHMGEN_ERROR_MAP(SHMGEN__ERR_ENUM)
#undef SHMGEN__ERR_ENUM
} shmgen_error_t;

/* Human-readable message for a code returned by any runtime function.
 * Never NULL; unknown codes yield "unknown error".  Thread-safe. */
const char *shmgen_strerror(int err);

/* The enum name without prefix ("FULL", "CORRUPT"...), or "UNKNOWN". Thread-safe. */
const char *shmgen_error_name(int err);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_ERRORS_H */
