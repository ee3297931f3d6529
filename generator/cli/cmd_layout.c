/*
 * cmd_layout.c — `shmgen layout SCHEMA [--json]`: prints the computed memory
 * map (text), or the complete machine form "shmgen-layout/1" that also serves
 * as the lock file of `shmgen compat`.  Exit 0, or 2 on any error (nothing is
 * printed to stdout then).  Depends on shmgen_schema.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shmgen_schema/layout_json.h"

static int run(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false, options_done = false;
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) options_done = true;
        else if (!options_done && strcmp(argv[i], "--json") == 0) json = true;
        else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0')
            return shmgen_cli_usage_error(&shmgen_cmd_layout, "unknown option '%s'", argv[i]);
        else if (path) return shmgen_cli_usage_error(&shmgen_cmd_layout, "unexpected argument '%s'", argv[i]);
        else path = argv[i];
    }
    if (!path) return shmgen_cli_usage_error(&shmgen_cmd_layout, "missing SCHEMA");
    schema = shmgen_schema_load_any(path, &diags);
    shmgen_diags_print(&diags, stderr);
    if (!schema) {
        shmgen_diags_print_summary(&diags, stderr);
        shmgen_diags_free(&diags);
        return SHMGEN_EXIT_ERROR;
    }
    rc = json ? shmgen_layout_json_write(schema, stdout) : shmgen_layout_text_write(schema, stdout);
    if (fflush(stdout) != 0) rc = -1;
    if (rc != 0) fprintf(stderr, "shmgen layout: cannot write the layout to stdout\n");
    shmgen_schema_free(schema);
    shmgen_diags_free(&diags);
    return rc == 0 ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_layout = {
    "layout",
    "print the computed memory map of a schema",
    "shmgen layout SCHEMA [--json]",
    "Prints where everything lands in the segment: the header, attach registry,\n"
    "operation journals, structure table and name index, then every structure with\n"
    "its offset, size, alignment, kind, element type and capacity, and the total.\n\n"
    "  --json   the complete machine form (format \"shmgen-layout/1\", see\n"
    "           docs/layout-json.md): sizes, offsets and hashes of every structure,\n"
    "           type and field.  Keep it as the lock file for 'shmgen compat'.\n\n"
    "SCHEMA is a segment.yaml or a layout JSON.  exit status: 0, or 2 on error",
    run,
};
