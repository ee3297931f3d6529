/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_layout.c — `shmgen layout SCHEMA [--json]`: prints the computed memory
 * map (text), or the complete machine form "shmgen-layout/1" that also serves
 * as the lock file of `shmgen compat`.  Exit 0, or 2 on any error (nothing is
 * printed to stdout then).  Depends on shmgen_schema.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "shmgen_schema/layout_json.h"

enum { OPT_JSON, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_JSON] = {"--json", 0, NULL,
                  "the complete machine form (format \"shmgen-layout/1\", see\ndocs/layout-json.md): sizes, offsets "
                  "and hashes of every\nstructure, type and field.  Keep it as the lock file\nfor 'shmgen compat'."},
};

static const shmgen_cli_exit_t exits[] = {{0, "printed"}, {2, "error"}, {0, NULL}};

static int run(int argc, char **argv)
{
    static const char *const names[] = {"SCHEMA"};
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 1, 1};
    const char *path = NULL;
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    size_t n;
    bool json;
    int rc = shmgen_cli_parse(&shmgen_cmd_layout, &spec, argc, argv, &path, &n);

    if (rc != 0) return rc;
    json = v[OPT_JSON].given;
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
    "its offset, size, alignment, kind, element type and capacity, and the total.\n"
    "SCHEMA is a segment.yaml or a layout JSON.",
    options,
    exits,
    run,
};
