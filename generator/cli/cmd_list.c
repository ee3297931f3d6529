/*
 * cmd_list.c — `shmgen list [--json] [--stale]`: the shmgen segments in
 * /dev/shm, each attached read-only; other files are skipped silently.
 * Exit: 0, 2 when /dev/shm cannot be read.  Logic in generator/live/list.c.
 */
#include <stdio.h>

#include "args.h"
#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

static int run(int argc, char **argv)
{
    shmgen_cli_opt_t opts[] = {SHMGEN_OPT("--json", 0, false), SHMGEN_OPT("--stale", 0, false)};
    shmgen_cli_spec_t spec = {opts, 2, NULL, 0, 0};
    shmgen_list_entry_t *entries;
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_list, &spec, argc, argv, NULL, &n);

    if (rc != 0) return rc;
    if ((rc = shmgen_list_scan(opts[1].given, &entries, &n)) != 0) {
        fprintf(stderr, "shmgen list: /dev/shm: %s\n", shmgen_strerror(rc));
        return SHMGEN_EXIT_ERROR;
    }
    if (opts[0].given) shmgen_list_print_json(entries, n, stdout);
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
    "as unreadable with the reason.\n"
    "\n"
    "  --json    one JSON document (format \"shmgen-list/1\", see docs/inspect.md)\n"
    "  --stale   only segments no live process is attached to (candidates for\n"
    "            'shmgen rm')\n"
    "\n"
    "exit: 0, or 2 when /dev/shm cannot be read",
    run,
};
