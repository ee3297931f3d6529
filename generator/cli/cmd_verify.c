/*
 * cmd_verify.c — `shmgen verify SCHEMA NAME`: checks the live segment NAME
 * against SCHEMA (a segment.yaml or a lock file), attaching read-only.
 * Exit: 0 match (infos allowed), 1 mismatch, 2 error.  Logic in generator/live/verify.c.
 */
#include <stdio.h>

#include "cli.h"
#include "shmgen/errors.h"
#include "shmgen/segment.h"
#include "shmgen_gen/live.h"
#include "shmgen_schema/layout_json.h"

static int verify_loaded(const shmgen_schema_t *schema, const char *schema_path, const char *name)
{
    shmgen_verify_report_t report = {0};
    int rc = shmgen_verify_segment(schema, name, &report);
    int code;

    if (rc != 0) {
        const char *detail = shmgen_segment_last_detail();
        fprintf(stderr, "shmgen verify: %s: %s%s%s\n", name, shmgen_strerror(rc), detail[0] ? ": " : "", detail);
        code = SHMGEN_EXIT_ERROR;
    } else {
        shmgen_verify_print(&report, schema_path, name, stdout);
        code = report.mismatches ? SHMGEN_EXIT_DIFF : SHMGEN_EXIT_OK;
    }
    shmgen_verify_report_free(&report);
    return code;
}

static int run(int argc, char **argv)
{
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    int code;

    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '\0')
        return shmgen_cli_usage_error(&shmgen_cmd_verify, "needs SCHEMA and NAME");
    schema = shmgen_schema_load_any(argv[1], &diags);
    if (!schema || diags.errors) {
        shmgen_diags_print(&diags, stderr);
        code = SHMGEN_EXIT_ERROR;
    } else {
        code = verify_loaded(schema, argv[1], argv[2]);
    }
    shmgen_schema_free(schema);
    shmgen_diags_free(&diags);
    if (fflush(stdout) != 0) return SHMGEN_EXIT_ERROR;
    return code;
}

const shmgen_command_t shmgen_cmd_verify = {
    "verify",
    "check a live segment against a schema (read-only)",
    "shmgen verify SCHEMA NAME",
    "Attaches to the live segment NAME read-only (never writes, never changes the\n"
    "attach count) and compares it with SCHEMA (a segment.yaml or a lock file),\n"
    "structure by structure: missing or extra structures, kind, element size,\n"
    "alignment and layout hash are mismatches; capacity, schema version, layout\n"
    "hash and 'since' structures absent from an older segment are reported as\n"
    "info (programs built from SCHEMA still work).\n"
    "\n"
    "exit: 0 match, 1 mismatch, 2 error (no such segment, corrupt segment, bad schema)",
    run,
};
