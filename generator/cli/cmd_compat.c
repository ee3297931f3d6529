/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_compat.c — `shmgen compat OLD NEW [--json] [--format text|json|github]`.
 * Loads both sides (segment.yaml or lock file), compares them, prints the
 * report.  Exit: 0 compatible, 1 breaking, 2 error (bad input, NEW's version
 * lower than OLD's).  Logic in generator/compat/.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "shmgen_gen/json_writer.h"
#include "shmgen_gen/compat.h"
#include "shmgen_schema/layout_json.h"

enum { OPT_FORMAT, OPT_JSON, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_FORMAT] = {"--format", 0, "FORMAT",
                    "text (the default): one line per change; json: one\nJSON document (format \"shmgen-compat/1\", "
                    "see\ndocs/compatibility.md); github: GitHub Actions\nannotations on NEW's lines"},
    [OPT_JSON] = {"--json", 0, NULL, "the same as --format json"},
};

static const shmgen_cli_exit_t exits[] = {
    {0, "compatible"}, {1, "breaking"}, {2, "error (bad input, NEW version lower than OLD)"}, {0, NULL}};

typedef struct args {
    const char *paths[2];
    shmgen_cli_format_t format;
} args_t;

static int parse(int argc, char **argv, args_t *a)
{
    static const char *const names[] = {"OLD", "NEW"};
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 2, 2};
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_compat, &spec, argc, argv, a->paths, &n);
    if (rc == 0) rc = shmgen_cli_format(&shmgen_cmd_compat, &v[OPT_JSON], &v[OPT_FORMAT], true, &a->format);
    return rc;
}

/* Input errors: text on stderr always; as annotations with --format github,
 * and as a JSON document (result "error") with --format json, so that a
 * reader of stdout always gets a document. */
static void print_diags(const shmgen_diags_t *d, shmgen_cli_format_t f)
{
    shmgen_diags_print(d, stderr);
    if (f == SHMGEN_FMT_GITHUB) shmgen__out_diags_github(d, "shmgen", stdout);
    if (f == SHMGEN_FMT_JSON) {
        shmgen__jw_t w;
        shmgen__jw_init(&w, stdout, 2);
        shmgen__jw_open(&w, NULL, '{');
        shmgen__jw_str(&w, "format", "shmgen-compat/1");
        shmgen__jw_str(&w, "result", "error");
        shmgen__jw_u64(&w, "exit_code", SHMGEN_EXIT_ERROR);
        shmgen__jw_diags(&w, "diagnostics", d);
        shmgen__jw_close(&w, '}');
    }
}

static int compare_and_print(const args_t *a, shmgen_schema_t *o, shmgen_schema_t *n, shmgen_diags_t *diags)
{
    shmgen_compat_report_t report = {0};
    int code = SHMGEN_EXIT_ERROR;

    if (shmgen_compat_compare(o, n, &report, diags) != 0) {
        print_diags(diags, a->format);
    } else {
        if (a->format == SHMGEN_FMT_JSON) shmgen_compat_print_json(&report, o, n, a->paths[0], a->paths[1], stdout);
        else if (a->format == SHMGEN_FMT_GITHUB) shmgen_compat_print_github(&report, a->paths[0], a->paths[1], stdout);
        else shmgen_compat_print_text(&report, a->paths[0], a->paths[1], stdout);
        code = shmgen_compat_exit_code(&report);
    }
    shmgen_compat_report_free(&report);
    return code;
}

static int run(int argc, char **argv)
{
    args_t a = {0};
    shmgen_diags_t diags = {0};
    shmgen_schema_t *o, *n;
    int code;

    if (parse(argc, argv, &a) != 0) return SHMGEN_EXIT_ERROR;
    /* Both files are loaded even when the first fails: every error in one run. */
    o = shmgen_schema_load_any(a.paths[0], &diags);
    n = shmgen_schema_load_any(a.paths[1], &diags);
    if (!o || !n || diags.errors) {
        print_diags(&diags, a.format);
        code = SHMGEN_EXIT_ERROR;
    } else {
        code = compare_and_print(&a, o, n, &diags);
    }
    shmgen_schema_free(o);
    shmgen_schema_free(n);
    shmgen_diags_free(&diags);
    if (fflush(stdout) != 0) return SHMGEN_EXIT_ERROR;
    return code;
}

const shmgen_command_t shmgen_cmd_compat = {
    "compat",
    "list the changes between two schema versions and their class",
    "shmgen compat OLD NEW [--json] [--format text|json|github]",
    "Compares OLD with NEW (each a segment.yaml or a lock file written by\n"
    "'shmgen layout --json') and lists every change, one per line, with its class:\n"
    "  breaking     processes of the two versions cannot share a segment\n"
    "  compatible   they can (capacity changed, structure added with\n"
    "               since: NEW version, enum value added, ...)\n"
    "  source-only  same bytes, different names (field/type/enum renamed): regenerate\n"
    "\n"
    "A breaking change requires raising 'version'; it is still reported (exit 1).\n"
    "After review, regenerate the lock file: shmgen layout --json NEW > LOCK.",
    options,
    exits,
    run,
};
