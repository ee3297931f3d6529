/*
 * SPDX-License-Identifier: MIT
 *
 * compat_print.c — rendering a compat report: text, JSON, GitHub annotations.
 * The JSON format is documented in docs/compatibility.md; keep them in step.
 * Depends on compat.h and json_out.h.
 */
#include <string.h>

#include "shmgen_gen/json_out.h"
#include "shmgen_gen/compat.h"

/* "structure 'S': " when the change concerns a structure. */
static void print_subject(const shmgen_compat_change_t *c, FILE *out)
{
    if (c->structure) fprintf(out, "structure '%s': ", c->structure);
}

/* Whether every breaking change is the segment format's (a runtime upgrade). */
static bool only_format_breaks(const shmgen_compat_report_t *r)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->changes[i].cls == SHMGEN_COMPAT_BREAKING && strcmp(r->changes[i].code, "format-changed") != 0)
            return false;
    return true;
}

static void print_summary(const shmgen_compat_report_t *r, const char *old_path, const char *new_path,
                          const char *prefix, FILE *out)
{
    shmgen_compat_class_t worst = shmgen_compat_worst(r);
    fprintf(out, "%scompat: %s (version %u) -> %s (version %u): %zu breaking, %zu compatible, %zu source-only: %s\n",
            prefix, old_path, r->old_version, new_path, r->new_version, r->counts[SHMGEN_COMPAT_BREAKING],
            r->counts[SHMGEN_COMPAT_COMPATIBLE], r->counts[SHMGEN_COMPAT_SOURCE],
            r->count == 0 ? "identical" : shmgen_compat_class_name(worst));
    if (worst != SHMGEN_COMPAT_BREAKING || r->count == 0) return;
    if (only_format_breaks(r))
        fprintf(out, "%scompat: note: the only breaking change is the runtime's segment format, not the schema: "
                     "no 'version' raise needed; once every process uses the new runtime, regenerate the lock "
                     "file (shmgen layout --json %s > LOCK)\n",
                prefix, new_path);
    else if (r->new_version > r->old_version)
        fprintf(out, "%scompat: note: version raised to %u as a breaking change requires; once reviewed, "
                     "regenerate the lock file (shmgen layout --json %s > LOCK) and commit both\n",
                prefix, r->new_version, new_path);
    else
        fprintf(out, "%scompat: note: a breaking change requires raising 'version' (still %u); processes "
                     "of the two versions cannot share a segment\n",
                prefix, r->new_version);
}

void shmgen_compat_print_text(const shmgen_compat_report_t *r, const char *old_path, const char *new_path,
                              FILE *out)
{
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_compat_change_t *c = &r->changes[i];
        const char *file = c->loc.file ? c->loc.file : new_path;
        if (c->loc.line) fprintf(out, "%s:%u:%u: ", file, c->loc.line, c->loc.column);
        else fprintf(out, "%s: ", file);
        fprintf(out, "%s: ", shmgen_compat_class_name(c->cls));
        print_subject(c, out);
        fprintf(out, "%s [%s]\n", c->message, c->code);
    }
    print_summary(r, old_path, new_path, "", out);
}

static void json_side(FILE *out, const char *key, const shmgen_schema_t *s, const char *path)
{
    fprintf(out, "  \"%s\": {\"file\": ", key);
    shmgen__out_json_str(out, path);
    fputs(", \"segment\": ", out);
    shmgen__out_json_str(out, s->segment);
    fprintf(out, ", \"version\": %u, \"layout_hash\": ", s->version);
    shmgen__out_json_hash(out, s->layout_hash);
    fprintf(out, ", \"total_size\": %llu, \"structures\": %zu},\n", (unsigned long long)s->plan.total_size,
            s->nstructures);
}

static void json_loc(FILE *out, const char *key, shmgen_loc_t loc, const char *fallback_file)
{
    fprintf(out, ", \"%s\": ", key);
    if (loc.line == 0 && !loc.file) {
        fputs("null", out);
        return;
    }
    fputs("{\"file\": ", out);
    shmgen__out_json_str(out, loc.file ? loc.file : fallback_file);
    fprintf(out, ", \"line\": %u, \"column\": %u}", loc.line, loc.column);
}

static void json_change(FILE *out, const shmgen_compat_change_t *c, const char *old_path, const char *new_path)
{
    fputs("    {\"class\": ", out);
    shmgen__out_json_str(out, shmgen_compat_class_name(c->cls));
    fputs(", \"code\": ", out);
    shmgen__out_json_str(out, c->code);
    fputs(", \"structure\": ", out);
    shmgen__out_json_str(out, c->structure);
    fputs(", \"type\": ", out);
    shmgen__out_json_str(out, c->type);
    fputs(", \"field\": ", out);
    shmgen__out_json_str(out, c->field);
    fputs(", \"message\": ", out);
    shmgen__out_json_str(out, c->message);
    json_loc(out, "new", c->loc, new_path);
    json_loc(out, "old", c->old_loc, old_path);
    fputc('}', out);
}

void shmgen_compat_print_json(const shmgen_compat_report_t *r, const shmgen_schema_t *old_schema,
                              const shmgen_schema_t *new_schema, const char *old_path, const char *new_path,
                              FILE *out)
{
    fprintf(out, "{\n  \"format\": \"shmgen-compat/1\",\n  \"shmgen_compat\": 1,\n");
    json_side(out, "old", old_schema, old_path);
    json_side(out, "new", new_schema, new_path);
    fputs("  \"result\": ", out);
    shmgen__out_json_str(out, r->count == 0 ? "identical" : shmgen_compat_class_name(shmgen_compat_worst(r)));
    fprintf(out, ",\n  \"exit_code\": %d,\n  \"version_raised\": %s,\n", shmgen_compat_exit_code(r),
            r->new_version > r->old_version ? "true" : "false");
    fprintf(out, "  \"counts\": {\"breaking\": %zu, \"compatible\": %zu, \"source-only\": %zu},\n",
            r->counts[SHMGEN_COMPAT_BREAKING], r->counts[SHMGEN_COMPAT_COMPATIBLE], r->counts[SHMGEN_COMPAT_SOURCE]);
    fputs("  \"changes\": [", out);
    for (size_t i = 0; i < r->count; i++) {
        fputs(i ? ",\n" : "\n", out);
        json_change(out, &r->changes[i], old_path, new_path);
    }
    fputs(r->count ? "\n  ]\n}\n" : "]\n}\n", out);
}

static const char *github_level(shmgen_compat_class_t cls)
{
    switch (cls) {
    case SHMGEN_COMPAT_BREAKING: return "error";
    case SHMGEN_COMPAT_COMPATIBLE: return "warning";
    default: return "notice";
    }
}

static void github_command(FILE *out, const char *level, shmgen_loc_t loc, const char *file, const char *title)
{
    fprintf(out, "::%s file=", level);
    shmgen__out_github(out, file, 1);
    if (loc.line) fprintf(out, ",line=%u,col=%u", loc.line, loc.column ? loc.column : 1);
    if (title) {
        fputs(",title=", out);
        shmgen__out_github(out, title, 1);
    }
    fputs("::", out);
}

void shmgen_compat_print_github(const shmgen_compat_report_t *r, const char *old_path, const char *new_path,
                                FILE *out)
{
    for (size_t i = 0; i < r->count; i++) {
        const shmgen_compat_change_t *c = &r->changes[i];
        char title[96];
        snprintf(title, sizeof title, "shmgen compat: %s change (%s)", shmgen_compat_class_name(c->cls), c->code);
        /* Annotations belong on NEW's lines: that is the file under review. */
        github_command(out, github_level(c->cls), c->loc, c->loc.file ? c->loc.file : new_path, title);
        if (c->structure) {
            fputs("structure '", out);
            shmgen__out_github(out, c->structure, 0);
            fputs("': ", out);
        }
        shmgen__out_github(out, c->message, 0);
        fputc('\n', out);
    }
    print_summary(r, old_path, new_path, "", out);
}
