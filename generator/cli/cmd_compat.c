/*
 * cmd_compat.c — `shmgen compat OLD NEW [--json] [--format text|json|github]`.
 * Loads both sides (segment.yaml or lock file), compares them, prints the
 * report.  Exit: 0 compatible, 1 breaking, 2 error (bad input, NEW's version
 * lower than OLD's).  Logic in generator/compat/.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "shmgen_gen/compat.h"
#include "shmgen_schema/layout_json.h"

typedef enum { FMT_TEXT, FMT_JSON, FMT_GITHUB } format_t;

typedef struct args {
    const char *paths[2];
    format_t format;
} args_t;

static int parse_format(const char *v, format_t *f)
{
    if (strcmp(v, "text") == 0) *f = FMT_TEXT;
    else if (strcmp(v, "json") == 0) *f = FMT_JSON;
    else if (strcmp(v, "github") == 0) *f = FMT_GITHUB;
    else return -1;
    return 0;
}

static int parse(int argc, char **argv, args_t *a)
{
    int npaths = 0;
    bool only_paths = false;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!only_paths && strcmp(s, "--") == 0) only_paths = true;
        else if (!only_paths && strcmp(s, "--json") == 0) a->format = FMT_JSON;
        else if (!only_paths && strcmp(s, "--format") == 0) {
            if (i + 1 >= argc || parse_format(argv[++i], &a->format) != 0)
                return shmgen_cli_usage_error(&shmgen_cmd_compat, "--format takes text, json or github");
        } else if (!only_paths && strncmp(s, "--format=", 9) == 0) {
            if (parse_format(s + 9, &a->format) != 0)
                return shmgen_cli_usage_error(&shmgen_cmd_compat, "--format takes text, json or github");
        } else if (!only_paths && s[0] == '-' && s[1] != '\0') {
            return shmgen_cli_usage_error(&shmgen_cmd_compat, "unknown option '%s'", s);
        } else if (npaths < 2) {
            a->paths[npaths++] = s;
        } else {
            return shmgen_cli_usage_error(&shmgen_cmd_compat, "too many arguments");
        }
    }
    if (npaths != 2) return shmgen_cli_usage_error(&shmgen_cmd_compat, "needs OLD and NEW");
    return 0;
}

static void print_diags(const shmgen_diags_t *d, format_t f)
{
    shmgen_diags_print(d, stderr);
    if (f == FMT_GITHUB) shmgen_compat_print_diags_github(d, stdout);
}

static int compare_and_print(const args_t *a, shmgen_schema_t *o, shmgen_schema_t *n, shmgen_diags_t *diags)
{
    shmgen_compat_report_t report = {0};
    int code = SHMGEN_EXIT_ERROR;

    if (shmgen_compat_compare(o, n, &report, diags) != 0) {
        print_diags(diags, a->format);
    } else {
        if (a->format == FMT_JSON) shmgen_compat_print_json(&report, o, n, a->paths[0], a->paths[1], stdout);
        else if (a->format == FMT_GITHUB) shmgen_compat_print_github(&report, a->paths[0], a->paths[1], stdout);
        else shmgen_compat_print_text(&report, a->paths[0], a->paths[1], stdout);
        code = shmgen_compat_exit_code(&report);
    }
    shmgen_compat_report_free(&report);
    return code;
}

static int run(int argc, char **argv)
{
    args_t a = {.format = FMT_TEXT};
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
    "  compatible   they can (capacity changed, structure added with since: NEW version,\n"
    "               enum value added, ...)\n"
    "  source-only  same bytes, different names (field/type/enum renamed): regenerate\n"
    "\n"
    "  --json            machine-readable report (see docs/compatibility.md)\n"
    "  --format github   GitHub Actions annotations on NEW's lines\n"
    "\n"
    "A breaking change requires raising 'version'; it is still reported (exit 1).\n"
    "After review, regenerate the lock file: shmgen layout --json NEW > LOCK.\n"
    "\n"
    "exit: 0 compatible, 1 breaking, 2 error (bad input, NEW version lower than OLD)",
    run,
};
