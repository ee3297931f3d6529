/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_verify.c — `shmgen verify SCHEMA NAME [--strict] [--json]`: checks the live
 * segment NAME against SCHEMA (a segment.yaml or a lock file), attaching
 * read-only.  Exit: 0 match (notes allowed; none with --strict), 1 mismatch,
 * 2 error.  Logic in generator/live/verify.c and the runtime's compare.c.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "shmgen/errors.h"
#include "shmgen/segment.h"
#include "shmgen_gen/live.h"
#include "shmgen_schema/layout_json.h"

typedef struct args {
    const char *schema, *name;
    unsigned flags;
    bool json;
} args_t;

static int verify_loaded(const shmgen_schema_t *schema, const args_t *a)
{
    shmgen_verify_report_t report = {0};
    const char *schema_path = a->schema, *name = a->name;
    int rc = shmgen_verify_segment(schema, name, a->flags, &report);
    int code;

    if (rc != 0) {
        shmgen_cli_runtime_error(&shmgen_cmd_verify, name, rc);
        if (a->json)
            shmgen_verify_print_json_error(rc, shmgen_segment_last_detail(), NULL, schema_path, name, a->flags, stdout);
        code = SHMGEN_EXIT_ERROR;
    } else {
        if (a->json) shmgen_verify_print_json(&report, schema_path, name, a->flags, stdout);
        else shmgen_verify_print(&report, schema_path, name, stdout);
        code = report.mismatches ? SHMGEN_EXIT_DIFF : SHMGEN_EXIT_OK;
    }
    shmgen_verify_report_free(&report);
    return code;
}

enum { OPT_STRICT, OPT_JSON, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_STRICT] = {"--strict", 0, NULL, "every difference is a mismatch (an exact match is\nrequired)"},
    [OPT_JSON] = {"--json", 0, NULL,
                  "one JSON document on stdout (format \"shmgen-verify/1\",\nsee docs/inspect.md), also when the "
                  "segment cannot be\nread"},
};

static const shmgen_cli_exit_t exits[] = {
    {0, "match"}, {1, "mismatch"}, {2, "error (no such or corrupt segment, bad schema)"}, {0, NULL}};

static int parse_args(int argc, char **argv, args_t *a)
{
    static const char *const names[] = {"SCHEMA", "NAME"};
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 2, 2};
    const char *pos[2];
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_verify, &spec, argc, argv, pos, &n);
    if (rc != 0) return rc;
    a->schema = pos[0];
    a->name = pos[1];
    if (v[OPT_STRICT].given) a->flags |= SHMGEN_COMPARE_STRICT;
    a->json = v[OPT_JSON].given;
    return 0;
}

static int run(int argc, char **argv)
{
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    args_t a = {0};
    int code = parse_args(argc, argv, &a);

    if (code != 0) return code;
    schema = shmgen_schema_load_any(a.schema, &diags);
    if (!schema || diags.errors) {
        shmgen_diags_print(&diags, stderr);
        if (a.json)
            shmgen_verify_print_json_error(0, "the schema does not load", &diags, a.schema, a.name, a.flags, stdout);
        code = SHMGEN_EXIT_ERROR;
    } else {
        code = verify_loaded(schema, &a);
    }
    shmgen_schema_free(schema);
    shmgen_diags_free(&diags);
    if (fflush(stdout) != 0) return SHMGEN_EXIT_ERROR;
    return code;
}

const shmgen_command_t shmgen_cmd_verify = {
    "verify",
    "check a live segment against a schema (read-only)",
    "shmgen verify SCHEMA NAME [--strict] [--json]",
    "Attaches to the live segment NAME read-only (never writes, never changes the\n"
    "attach count) and compares it with SCHEMA (a segment.yaml or a lock file),\n"
    "structure by structure, by the rule the generated <segment>_verify() applies\n"
    "too: a difference is a note when `shmgen compat` would call it compatible,\n"
    "a mismatch otherwise.  Notes: capacity, schema version, layout hash, a\n"
    "structure of SCHEMA added (since:) after the segment's version, a structure\n"
    "of the segment added after SCHEMA's version.  Mismatches: segment name, kind,\n"
    "element size, alignment or layout hash, any other structure only one side has.",
    options,
    exits,
    run,
};
