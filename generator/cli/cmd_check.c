/*
 * SPDX-License-Identifier: MIT
 *
 * cmd_check.c — `shmgen check SCHEMA [--format text|json|github]
 * [--templates DIR] [--lang c|python]`: the one gate.  Loads and validates
 * the schema (a segment.yaml or a lock file), then runs every check
 * `shmgen generate` runs on it for that language (shmgen_gen_check: the
 * templates render and, for C, the generated names do not collide), so a
 * schema check accepts is one generate accepts.  Warns
 * when the segment is larger than the filesystem behind /dev/shm.
 * Exit 0 valid (warnings allowed), 2 invalid or unreadable.  Depends on
 * shmgen_schema, shmgen_codegen, json_writer.h.
 */
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "args.h"
#include "shmgen_gen/generate.h"
#include "shmgen_gen/json_writer.h"
#include "shmgen_schema/layout_json.h"

#define SHM_DIR "/dev/shm"

enum { OPT_FORMAT, OPT_JSON, OPT_TEMPLATES, OPT_LANG, NOPTS };
static const shmgen_cli_option_t options[NOPTS + 1] = {
    [OPT_FORMAT] = {"--format", 0, "FORMAT",
                    "text (the default): diagnostics on stderr,\n'FILE: ok (...)' on stdout; json: one JSON document on\n"
                    "stdout (format \"shmgen-check/1\", see docs/schema.md):\nvalidity, counts, the segment, "
                    "diagnostics; github:\nalso GitHub Actions annotations on stdout"},
    [OPT_JSON] = {"--json", 0, NULL, "the same as --format json"},
    [OPT_TEMPLATES] = {"--templates", 0, "DIR", "the template directory generate will be given"},
    [OPT_LANG] = {"--lang", 0, "LANG", "the language generate will be asked for: c (the\ndefault) or python"},
};

static const shmgen_cli_exit_t exits[] = {{0, "valid"}, {2, "invalid or unreadable"}, {0, NULL}};

typedef struct args {
    const char *path, *templates, *lang;
    shmgen_cli_format_t format;
} args_t;

static int parse(int argc, char **argv, args_t *a)
{
    static const char *const names[] = {"SCHEMA"};
    shmgen_cli_value_t v[NOPTS] = {{0}};
    shmgen_cli_spec_t spec = {v, names, 1, 1};
    size_t n;
    int rc = shmgen_cli_parse(&shmgen_cmd_check, &spec, argc, argv, &a->path, &n);
    if (rc == 0) rc = shmgen_cli_format(&shmgen_cmd_check, &v[OPT_JSON], &v[OPT_FORMAT], true, &a->format);
    a->templates = v[OPT_TEMPLATES].value;
    a->lang = v[OPT_LANG].value;
    if (rc == 0 && a->lang && shmgen_gen_lang_from_name(a->lang) < 0)
        rc = shmgen_cli_usage_error(&shmgen_cmd_check, "unknown language '%s' (expected c or python)", a->lang);
    return rc;
}

/* A segment that cannot fit the filesystem behind /dev/shm cannot be created
 * on this machine (the create would fail with NO_MEMORY): worth a warning
 * here, not an error (the schema may be meant for another machine). */
static void warn_if_too_large(const shmgen_schema_t *s, shmgen_diags_t *diags)
{
    struct statvfs vfs;
    unsigned long long need = (unsigned long long)s->plan.total_size, have;
    if (statvfs(SHM_DIR, &vfs) != 0) return; /* nothing to compare with */
    have = (unsigned long long)vfs.f_blocks * vfs.f_frsize;
    if (need <= have) return;
    shmgen_diag_add(diags, SHMGEN_SEV_WARNING, s->declared_size ? s->size_loc : s->segment_loc,
                    "the segment needs %llu bytes (%.1f MiB) but " SHM_DIR " holds %llu bytes (%.1f MiB) in all: "
                    "creating it on this machine will fail",
                    need, (double)need / 1048576.0, have, (double)have / 1048576.0);
}

/* Loads, validates, runs generate's checks; the schema, or NULL on errors. */
static shmgen_schema_t *check(const args_t *a, shmgen_diags_t *diags)
{
    shmgen_gen_options_t opts = {.template_dir = a->templates,
                                 .lang = a->lang ? (shmgen_gen_lang_t)shmgen_gen_lang_from_name(a->lang)
                                                 : SHMGEN_GEN_LANG_C};
    shmgen_schema_t *schema = shmgen_schema_load_any(a->path, diags);
    shmgen_gen_t *gen;
    if (!schema) return NULL;
    if (!(gen = shmgen_gen_new(&opts))) {
        shmgen_diag_add(diags, SHMGEN_SEV_ERROR, (shmgen_loc_t){a->path, 0, 0}, "out of memory");
    } else if (shmgen_gen_check(gen, schema, diags) == 0) {
        warn_if_too_large(schema, diags);
    }
    shmgen_gen_free(gen);
    if (diags->errors == 0) return schema;
    shmgen_schema_free(schema);
    return NULL;
}

static void print_json(const args_t *a, const shmgen_schema_t *s, const shmgen_diags_t *d)
{
    shmgen__jw_t w;
    shmgen__jw_init(&w, stdout, 2);
    shmgen__jw_open(&w, NULL, '{');
    shmgen__jw_str(&w, "format", "shmgen-check/1");
    shmgen__jw_str(&w, "file", a->path);
    shmgen__jw_bool(&w, "valid", s != NULL);
    shmgen__jw_u64(&w, "errors", d->errors);
    shmgen__jw_u64(&w, "warnings", d->warnings);
    if (s) {
        shmgen__jw_open(&w, "segment", '{');
        shmgen__jw_str(&w, "name", s->segment);
        shmgen__jw_u64(&w, "version", s->version);
        shmgen__jw_u64(&w, "structures", s->nstructures);
        shmgen__jw_u64(&w, "total_size", s->plan.total_size);
        shmgen__jw_hash(&w, "layout_hash", s->layout_hash);
        shmgen__jw_close(&w, '}');
    } else {
        shmgen__jw_null(&w, "segment");
    }
    shmgen__jw_diags(&w, "diagnostics", d);
    shmgen__jw_close(&w, '}');
}

static void print_text(const args_t *a, const shmgen_schema_t *s, const shmgen_diags_t *d)
{
    shmgen_diags_print(d, stderr);
    if (d->count) shmgen_diags_print_summary(d, stderr);
    if (s)
        printf("%s: ok (segment %s, version %u, %zu structure%s, %llu bytes)\n", a->path, s->segment, s->version,
               s->nstructures, s->nstructures == 1 ? "" : "s", (unsigned long long)s->plan.total_size);
}

static int run(int argc, char **argv)
{
    args_t a = {0};
    shmgen_diags_t diags = {0};
    shmgen_schema_t *schema;
    int rc = parse(argc, argv, &a);
    if (rc != 0) return rc;
    schema = check(&a, &diags);
    if (a.format == SHMGEN_FMT_JSON) {
        print_json(&a, schema, &diags);
    } else {
        print_text(&a, schema, &diags);
        if (a.format == SHMGEN_FMT_GITHUB) shmgen__out_diags_github(&diags, "shmgen check", stdout);
    }
    rc = schema ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
    if (fflush(stdout) != 0) rc = SHMGEN_EXIT_ERROR;
    shmgen_schema_free(schema);
    shmgen_diags_free(&diags);
    return rc;
}

const shmgen_command_t shmgen_cmd_check = {
    "check",
    "validate a schema with every check generate makes",
    "shmgen check SCHEMA [--format text|json|github] [--templates DIR] [--lang c|python]",
    "Reads SCHEMA (a segment.yaml, or a layout JSON written by\n"
    "'shmgen layout --json'), validates it, computes its layout and runs every\n"
    "check 'shmgen generate' runs (the templates render, no two schema names\n"
    "generate the same C name): what check accepts, generate accepts.  Every\n"
    "mistake is reported on stderr as FILE:LINE:COLUMN: error: MESSAGE (a\n"
    "duplicate is followed by 'note: FILE:LINE:COLUMN: first declared here'),\n"
    "then the number of errors.\n"
    "A segment larger than the filesystem behind /dev/shm gets a warning with both\n"
    "sizes (it cannot be created on this machine); warnings do not fail the check.",
    options,
    exits,
    run,
};
