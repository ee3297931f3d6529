/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_rm.c — `shmgen rm NAME [--force]`: removes a shmgen segment that no
 * live process is attached to, after looking at it read-only.  Exit: 0
 * removed, 2 refused or failed (the reason on stderr).  Logic in
 * generator/live/rm.c.
 */
#include <stdio.h>

#include "args.h"
#include "shmgen/errors.h"
#include "shmgen/segment.h"
#include "shmgen_gen/json_out.h"
#include "shmgen_gen/live.h"

static int refused(const char *raw_name, int rc, const shmgen_rm_result_t *r)
{
    char name[256];
    shmgen__out_printable(raw_name, name, sizeof name);
    if (rc == SHMGEN_BUSY)
        fprintf(stderr, "shmgen rm: %s: %u live process%s attached; not removed (--force removes it anyway: they "
                        "keep their mapping, new openers get a new segment)\n",
                name, r->attach_count, r->attach_count == 1 ? " is" : "es are");
    else if (rc == SHMGEN_BAD_MAGIC)
        fprintf(stderr, "shmgen rm: %s: not a readable shmgen segment (%s); not removed (--force removes it anyway)\n",
                name, shmgen_strerror(r->open_error));
    else
        shmgen_cli_runtime_error(&shmgen_cmd_rm, raw_name, rc);
    return SHMGEN_EXIT_ERROR;
}

enum { OPT_FORCE, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_FORCE] = {"--force", 'f', NULL,
                   "also remove a segment with live attachers, or an object\nat NAME that is not a valid shmgen "
                   "segment (a corrupt\none, another program's, a FIFO planted there)"},
};

static const shmgen_cli_exit_t exits[] = {
    {0, "removed"}, {2, "refused (attached, not a segment), absent, or failed"}, {0, NULL}};

static int run(int argc, char **argv)
{
    static const char *const names[] = {"NAME"};
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 1, 1};
    shmgen_rm_result_t res;
    const char *name;
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_rm, &spec, argc, argv, &name, &n);

    if (rc != 0) return rc;
    rc = shmgen_rm(name, v[OPT_FORCE].given ? SHMGEN_RM_FORCE : 0, &res);
    if (rc != 0) return refused(name, rc, &res);
    return SHMGEN_EXIT_OK;
}

const shmgen_command_t shmgen_cmd_rm = {
    "rm",
    "remove a shmgen segment nobody is attached to",
    "shmgen rm NAME [--force]",
    "Removes the shared-memory object NAME (\"/x\" or \"x\") when it is a shmgen\n"
    "segment with no live process attached.  It is looked at read-only first (never\n"
    "mapped writable, never registered).  Processes still attached keep their\n"
    "mapping; the memory is freed when the last of them unmaps.",
    options,
    exits,
    run,
};
