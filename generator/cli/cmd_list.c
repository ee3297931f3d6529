/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_list.c — `shmgen list [--json] [--stale]`: the shmgen segments in
 * /dev/shm, each attached read-only; other files are skipped silently.
 * Exit: 0, 2 when /dev/shm cannot be read.  Logic in generator/live/list.c.
 */
#include <stdio.h>

#include "args.h"
#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

enum { OPT_JSON, OPT_STALE, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_JSON] = {"--json", 0, NULL, "one JSON document (format \"shmgen-list/1\", see\ndocs/inspect.md)"},
    [OPT_STALE] = {"--stale", 0, NULL,
                   "only segments no live process is attached to\n(candidates for 'shmgen rm')"},
};

static const shmgen_cli_exit_t exits[] = {{0, "listed"}, {2, "/dev/shm cannot be read"}, {0, NULL}};

static int run(int argc, char **argv)
{
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, NULL, 0, 0};
    shmgen_list_entry_t *entries;
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_list, &spec, argc, argv, NULL, &n);

    if (rc != 0) return rc;
    if ((rc = shmgen_list_scan(v[OPT_STALE].given, &entries, &n)) != 0) {
        fprintf(stderr, "shmgen list: /dev/shm: %s\n", shmgen_strerror(rc));
        return SHMGEN_EXIT_ERROR;
    }
    if (v[OPT_JSON].given) shmgen_list_print_json(entries, n, stdout);
    else shmgen_list_print_text(entries, n, stdout);
    shmgen_list_free(entries, n);
    return fflush(stdout) == 0 ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_list = {
    "list",
    "list the shmgen segments on this machine (read-only)",
    "shmgen list [--json] [--stale]",
    "Scans /dev/shm for shmgen segments (objects carrying the shmgen magic), attaches\n"
    "to each read-only and prints its name, schema segment, version, size, owner uid,\n"
    "permission bits and the attached processes.  Each entry is opened once without\n"
    "blocking (a FIFO is skipped, never waited on) and judged on that descriptor.\n"
    "Other objects are skipped silently; a segment that does not validate is listed\n"
    "as unreadable with the reason.",
    options,
    exits,
    run,
};
