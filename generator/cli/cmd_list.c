/*
 * cmd_list.c — `shmgen list [--json]`: the shmgen segments in /dev/shm, each
 * attached read-only; other files are skipped silently.  Exit: 0, 2 when
 * /dev/shm cannot be read.  Logic in generator/live/list.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

static int run(int argc, char **argv)
{
    shmgen_list_entry_t *entries;
    size_t n;
    int json = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else return shmgen_cli_usage_error(&shmgen_cmd_list, "unexpected argument '%s'", argv[i]);
    }
    if ((rc = shmgen_list_scan(&entries, &n)) != 0) {
        fprintf(stderr, "shmgen list: /dev/shm: %s\n", shmgen_strerror(rc));
        return SHMGEN_EXIT_ERROR;
    }
    if (json) shmgen_list_print_json(entries, n, stdout);
    else shmgen_list_print_text(entries, n, stdout);
    shmgen_list_free(entries, n);
    return fflush(stdout) == 0 ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_list = {
    "list",
    "list the shmgen segments on this machine (read-only)",
    "shmgen list [--json]",
    "Scans /dev/shm for shmgen segments (objects carrying the shmgen magic), attaches\n"
    "to each read-only and prints its name, schema segment, version, size and the\n"
    "attached processes.  Other objects are skipped silently; a segment that does\n"
    "not validate is listed as unreadable with the reason.\n"
    "\n"
    "exit: 0, or 2 when /dev/shm cannot be read",
    run,
};
