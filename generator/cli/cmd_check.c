/*
 * cmd_check.c — `shmgen check SCHEMA`: validates a segment.yaml (or a layout
 * JSON) and prints every diagnostic to stderr, then the error count.
 * Exit 0 valid, 2 invalid or unreadable.  Depends on shmgen_schema.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shmgen_schema/layout_json.h"

static int run(int argc, char **argv)
{
    const char *path = NULL;
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    bool options_done = false;

    for (int i = 1; i < argc; i++) {
        if (!options_done && strcmp(argv[i], "--") == 0) options_done = true;
        else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0')
            return shmgen_cli_usage_error(&shmgen_cmd_check, "unknown option '%s'", argv[i]);
        else if (path) return shmgen_cli_usage_error(&shmgen_cmd_check, "unexpected argument '%s'", argv[i]);
        else path = argv[i];
    }
    if (!path) return shmgen_cli_usage_error(&shmgen_cmd_check, "missing SCHEMA");
    schema = shmgen_schema_load_any(path, &diags);
    shmgen_diags_print(&diags, stderr);
    if (diags.count) shmgen_diags_print_summary(&diags, stderr);
    if (schema)
        printf("%s: ok (segment %s, version %u, %zu structure%s, %llu bytes)\n", path, schema->segment,
               schema->version, schema->nstructures, schema->nstructures == 1 ? "" : "s",
               (unsigned long long)schema->plan.total_size);
    shmgen_schema_free(schema);
    shmgen_diags_free(&diags);
    return schema ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_check = {
    "check",
    "validate a segment.yaml and report every mistake",
    "shmgen check SCHEMA",
    "Reads SCHEMA (a segment.yaml, or a layout JSON written by 'shmgen layout --json'),\n"
    "validates it and computes its layout.  Every mistake is reported on stderr as\n"
    "FILE:LINE:COLUMN: error: MESSAGE, followed by the number of errors.\n\n"
    "exit status: 0 valid, 2 invalid or unreadable",
    run,
};
