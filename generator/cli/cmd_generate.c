/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_generate.c — `shmgen generate SCHEMA -o DIR [--lang c|python]
 * [--templates DIR] [--depfile FILE] [--output-name NAME] [--banner-path PATH]
 * [--stamp FILE]`: loads and validates the schema, then writes
 * DIR/<segment>.h and DIR/<segment>.c (or NAME.h, NAME.c and the forwarding
 * <segment>.h), or with --lang python DIR/<segment>.py (or NAME.py),
 * atomically (shmgen_gen_write).
 * Exit 0, or 2 with every diagnostic printed.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "shmgen_gen/generate.h"

static const char description[] =
    "Writes DIR/<segment>.h (element types and typed inline accessors) and\n"
    "DIR/<segment>.c (layout descriptor, open/create, layout verifier), where\n"
    "<segment> is the schema's `segment` value; with --lang python it writes\n"
    "DIR/<segment>.py instead (NumPy dtypes and the layout, for the `shmgen`\n"
    "Python package: docs/python.md).  DIR is created if missing.\n"
    "Files are written to temporaries and renamed: a failed run (schema or\n"
    "template error) leaves earlier outputs untouched, and a file whose bytes\n"
    "would not change is left alone.  Output is byte-for-byte reproducible (no\n"
    "timestamps; the schema path is printed as given).";

enum { OPT_OUTPUT, OPT_TEMPLATES, OPT_DEPFILE, OPT_OUTPUT_NAME, OPT_BANNER_PATH, OPT_STAMP, OPT_LANG, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_OUTPUT] = {"--output", 'o', "DIR",
                    "where to write (required; also -oDIR, --output=DIR;\n'-' is refused: the output is two files)"},
    [OPT_TEMPLATES] = {"--templates", 0, "DIR", "look for templates in DIR before the built-in ones\n(see docs/templates.md)"},
    [OPT_DEPFILE] = {"--depfile", 0, "FILE",
                     "also write FILE, a Makefile-style rule saying what the\ntwo outputs were made from (the schema, "
                     "the templates\nread from --templates DIR and its folders searched),\nfor build tools "
                     "(shmgen_generate uses it with TEMPLATES)"},
    [OPT_OUTPUT_NAME] = {"--output-name", 0, "NAME",
                         "name the outputs NAME.h and NAME.c; DIR/<segment>.h is\nthen one #include of NAME.h, so "
                         "code may include\neither (for build tools that name the outputs without\nreading the "
                         "schema: shmgen_generate)"},
    [OPT_BANNER_PATH] = {"--banner-path", 0, "PATH",
                         "the schema path the generated files name (default:\nSCHEMA as given); diagnostics still "
                         "name SCHEMA"},
    [OPT_STAMP] = {"--stamp", 0, "FILE",
                   "touch FILE after every successful run (first target of\nthe depfile): outputs whose bytes do not "
                   "change keep\ntheir mtime, so a build rule needs a file that is\nalways newer than its inputs"},
    [OPT_LANG] = {"--lang", 0, "LANG",
                  "c (the default): NAME.h and NAME.c; python: NAME.py,\nfor the shmgen Python package "
                  "(docs/python.md)"},
};

static const shmgen_cli_exit_t exits[] = {{0, "written"}, {2, "error"}, {0, NULL}};

const shmgen_command_t shmgen_cmd_generate;

typedef struct args {
    const char *schema, *out_dir, *templates, *depfile, *output_name, *banner_path, *stamp, *lang;
} args_t;

/* `-o -` would create a directory named "-": generate writes two files, never
 * stdout, so a lone "-" is refused wherever a path is expected. */
static int parse_args(int argc, char **argv, args_t *a)
{
    static const char *const names[] = {"SCHEMA"};
    const shmgen_command_t *cmd = &shmgen_cmd_generate;
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 1, 1};
    struct stat st;
    size_t n;
    int rc = shmgen_cli_parse(cmd, &spec, argc, argv, &a->schema, &n);
    if (rc != 0) return rc;
    a->out_dir = v[OPT_OUTPUT].value;
    a->templates = v[OPT_TEMPLATES].value;
    a->depfile = v[OPT_DEPFILE].value;
    a->output_name = v[OPT_OUTPUT_NAME].value;
    a->banner_path = v[OPT_BANNER_PATH].value;
    a->stamp = v[OPT_STAMP].value;
    a->lang = v[OPT_LANG].value;
    if (a->lang && shmgen_gen_lang_from_name(a->lang) < 0)
        return shmgen_cli_usage_error(cmd, "unknown language '%s' (expected c or python)", a->lang);
    if (!a->out_dir) return shmgen_cli_usage_error(cmd, "no output directory given (-o DIR)");
    if (strcmp(a->out_dir, "-") == 0)
        return shmgen_cli_usage_error(cmd, "-o takes a directory; generate writes two files and never to stdout");
    if (a->depfile && strcmp(a->depfile, "-") == 0)
        return shmgen_cli_usage_error(cmd, "--depfile takes a file name, not '-'");
    if (a->stamp && strcmp(a->stamp, "-") == 0) return shmgen_cli_usage_error(cmd, "--stamp takes a file name, not '-'");
    if (a->templates && (stat(a->templates, &st) != 0 || !S_ISDIR(st.st_mode)))
        return shmgen_cli_usage_error(cmd, "templates directory '%s' does not exist", a->templates);
    return 0;
}

static int run(int argc, char **argv)
{
    args_t a = {0};
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    shmgen_gen_t *gen = NULL;
    int rc = parse_args(argc, argv, &a);
    if (rc != 0) return rc;
    rc = SHMGEN_EXIT_ERROR;
    schema = shmgen_schema_load(a.schema, &diags);
    if (schema) {
        shmgen_gen_options_t opts = {.template_dir = a.templates, .depfile = a.depfile, .output_name = a.output_name,
                                     .banner_path = a.banner_path, .stamp = a.stamp,
                                     .lang = a.lang ? (shmgen_gen_lang_t)shmgen_gen_lang_from_name(a.lang)
                                                    : SHMGEN_GEN_LANG_C};
        if (!(gen = shmgen_gen_new(&opts))) fprintf(stderr, "shmgen generate: out of memory\n");
        else if (shmgen_gen_write(gen, schema, a.out_dir, &diags) == 0 && diags.errors == 0) rc = SHMGEN_EXIT_OK;
    }
    shmgen_diags_print(&diags, stderr);
    if (diags.errors) shmgen_diags_print_summary(&diags, stderr);
    shmgen_diags_free(&diags);
    shmgen_gen_free(gen);
    shmgen_schema_free(schema);
    return rc;
}

const shmgen_command_t shmgen_cmd_generate = {
    "generate", "write the typed header and the layout verifier source",
    "shmgen generate SCHEMA -o DIR [--lang c|python] [--templates DIR] [--depfile FILE] [--output-name NAME] "
    "[--banner-path PATH] [--stamp FILE]",
    description, options, exits, run,
};
