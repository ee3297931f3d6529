/*
 * SPDX-License-Identifier: MIT
 *
 * errors.c — messages and names of the runtime's error codes, generated from
 * the one SHMGEN_ERROR_MAP table in shmgen/errors.h.  Depends on errors.h only.
 */
#include "shmgen/errors.h"

const char *shmgen_strerror(int err)
{
    switch (err) {
#define SHMGEN__ERR_MSG(name, value, msg) \
    case (value): return (msg);
        SHMGEN_ERROR_MAP(SHMGEN__ERR_MSG)
#undef SHMGEN__ERR_MSG
    default: return "unknown error";
    }
}

const char *shmgen_error_name(int err)
{
    switch (err) {
#define SHMGEN__ERR_NAME(name, value, msg) \
    case (value): return #name;
        SHMGEN_ERROR_MAP(SHMGEN__ERR_NAME)
#undef SHMGEN__ERR_NAME
    default: return "UNKNOWN";
    }
}
