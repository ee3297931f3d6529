/*
 * SPDX-License-Identifier: MIT
 *
 * layout_write.c — writers of a computed layout: the JSON machine form
 * "shmgen-layout/1" (docs/layout-json.md) and the text memory map of
 * `shmgen layout`.  Keys are written in a fixed order; nothing depends on
 * time, paths or pointers, so the output is byte-identical across runs.
 * Depends on shmgen_schema/layout_json.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "shmgen_schema/layout_json.h"

/* ---- JSON ------------------------------------------------------------------ */

/* Names are C identifiers, so they never need escaping; kept general anyway. */
static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(out, "\\%c", *p);
        else if (*p < 0x20) fprintf(out, "\\u%04x", *p);
        else fputc(*p, out);
    }
    fputc('"', out);
}

static void put_hash(FILE *out, uint64_t h) { fprintf(out, "\"0x%016" PRIx64 "\"", h); }

static void write_plan(const shmgen_layout_plan_t *p, FILE *out)
{
    fprintf(out,
            "  \"plan\": {\n"
            "    \"header\": {\"offset\": %" PRIu64 ", \"size\": %" PRIu64 "},\n"
            "    \"registry\": {\"offset\": %" PRIu64 ", \"size\": %" PRIu64 "},\n"
            "    \"journals\": {\"offset\": %" PRIu64 ", \"size\": %" PRIu64 "},\n"
            "    \"table\": {\"offset\": %" PRIu64 ", \"size\": %" PRIu64 "},\n"
            "    \"index\": {\"offset\": %" PRIu64 ", \"size\": %" PRIu64 ", \"slots\": %" PRIu32 "},\n"
            "    \"overhead\": %" PRIu64 ",\n"
            "    \"computed_size\": %" PRIu64 ",\n"
            "    \"total_size\": %" PRIu64 "\n"
            "  },\n",
            p->header_offset, p->header_size, p->registry_offset, p->registry_size, p->journal_offset,
            p->journal_size, p->table_offset, p->table_size, p->index_offset, p->index_size, p->index_slots,
            p->overhead, p->computed_size, p->total_size);
}

static void write_enums(const shmgen_schema_t *s, FILE *out)
{
    fprintf(out, "  \"enums\": [");
    for (size_t i = 0; i < s->nenums; i++) {
        const shmgen_enum_t *e = &s->enums[i];
        fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
        put_string(out, e->name);
        fprintf(out, ", \"hash\": ");
        put_hash(out, e->hash);
        fprintf(out, ", \"values\": [");
        for (size_t j = 0; j < e->nvalues; j++) {
            fprintf(out, "%s{\"name\": ", j ? ", " : "");
            put_string(out, e->values[j].name);
            fprintf(out, ", \"value\": %" PRIu32 "}", e->values[j].value);
        }
        fprintf(out, "]}");
    }
    fprintf(out, "%s],\n", s->nenums ? "\n  " : "");
}

static void write_ref(const shmgen_schema_t *s, const shmgen_type_ref_t *r, FILE *out)
{
    char buf[SHMGEN_NAME_MAX + 32];
    shmgen_type_ref_t base = *r;
    base.array_len = 0;
    fprintf(out, "\"type\": ");
    put_string(out, shmgen_type_ref_str(s, r, buf, sizeof buf));
    fprintf(out, ", \"ref\": \"%s\", \"base\": ",
            r->kind == SHMGEN_REF_SCALAR ? "scalar" : r->kind == SHMGEN_REF_ENUM ? "enum" : "type");
    put_string(out, shmgen_type_ref_str(s, &base, buf, sizeof buf));
    fprintf(out, ", \"array_len\": %" PRIu64, r->array_len);
}

static void write_type(const shmgen_schema_t *s, const shmgen_type_t *t, FILE *out)
{
    fprintf(out, "\n    {\"name\": ");
    put_string(out, t->name);
    fprintf(out, ", \"size\": %" PRIu64 ", \"align\": %" PRIu32 ", \"tail_padding\": %" PRIu64 ", \"hash\": ",
            t->size, t->align, t->tail_padding);
    put_hash(out, t->hash);
    fprintf(out, ",\n     \"fields\": [");
    for (size_t j = 0; j < t->nfields; j++) {
        const shmgen_field_t *f = &t->fields[j];
        fprintf(out, "%s\n       {\"name\": ", j ? "," : "");
        put_string(out, f->name);
        fprintf(out, ", ");
        write_ref(s, &f->type, out);
        fprintf(out, ", \"offset\": %" PRIu64 ", \"size\": %" PRIu64 ", \"align\": %" PRIu32
                     ", \"padding_before\": %" PRIu64 "}",
                f->offset, f->type.size, f->type.align, f->padding_before);
    }
    fprintf(out, "]}");
}

static void write_initial(const shmgen_structure_t *st, FILE *out)
{
    fprintf(out, ", \"initial\": ");
    if (st->kind != SHMGEN_KIND_ATOMIC || !st->has_initial) fprintf(out, "null");
    else if (st->elem.scalar == SHMGEN_BOOL) fprintf(out, "%s", st->initial_u ? "true" : "false");
    else if (st->elem.scalar == SHMGEN_I32 || st->elem.scalar == SHMGEN_I64) fprintf(out, "%" PRId64, st->initial_i);
    else fprintf(out, "%" PRIu64, st->initial_u);
}

/* A topic's own parameters; other kinds have none (and no keys for them, so
 * the lock files of schemas without topics are as before). */
static void write_topic(const shmgen_structure_t *st, FILE *out)
{
    if (st->kind != SHMGEN_KIND_TOPIC) return;
    fprintf(out, ", \"subscribers\": %" PRIu32 ", \"history\": %" PRIu32 ", \"policy\": \"%s\", \"deadline_ms\": %" PRIu32,
            st->subscribers, st->history, shmgen_topic_policy_name(st->policy), st->deadline_ms);
}

static void write_structure(const shmgen_schema_t *s, const shmgen_structure_t *st, FILE *out)
{
    fprintf(out, "\n    {\"name\": ");
    put_string(out, st->name);
    fprintf(out, ", \"kind\": \"%s\", ", shmgen_kind_name(st->kind));
    write_ref(s, &st->elem, out);
    fprintf(out, ",\n     \"capacity\": %" PRIu64 ", \"since\": %" PRIu32, st->capacity, st->since);
    write_initial(st, out);
    write_topic(st, out);
    fprintf(out, ", \"offset\": %" PRIu64 ", \"size\": %" PRIu64 ", \"elem_size\": %" PRIu64
                 ", \"elem_align\": %" PRIu32 ", \"elem_hash\": ",
            st->offset, st->size, st->elem.size, st->elem.align);
    put_hash(out, st->elem.hash);
    fprintf(out, "}");
}

int shmgen_layout_json_write(const shmgen_schema_t *s, FILE *out)
{
    fprintf(out, "{\n  \"format\": \"%s\",\n  \"generator\": \"shmgen %s\",\n  \"format_version\": %u,\n",
            SHMGEN_LAYOUT_JSON_FORMAT, SHMGEN_VERSION_STRING, s->format_version);
    fprintf(out, "  \"segment\": ");
    put_string(out, s->segment);
    fprintf(out, ",\n  \"version\": %" PRIu32 ",\n  \"mode\": \"0%03" PRIo32 "\",\n", s->version, s->mode);
    fprintf(out, "  \"declared_size\": %" PRIu64 ",\n  \"layout_hash\": ", s->declared_size);
    put_hash(out, s->layout_hash);
    fprintf(out, ",\n");
    write_plan(&s->plan, out);
    write_enums(s, out);
    fprintf(out, "  \"types\": [");
    for (size_t i = 0; i < s->ntypes; i++) {
        if (i) fputc(',', out);
        write_type(s, &s->types[i], out);
    }
    fprintf(out, "%s],\n  \"structures\": [", s->ntypes ? "\n  " : "");
    for (size_t i = 0; i < s->nstructures; i++) {
        if (i) fputc(',', out);
        write_structure(s, &s->structures[i], out);
    }
    fprintf(out, "%s]\n}\n", s->nstructures ? "\n  " : "");
    return ferror(out) ? -1 : 0;
}

/* ---- text ------------------------------------------------------------------ */

static const char *human(uint64_t v, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double d = (double)v;
    size_t u = 0;
    while (d >= 1024.0 && u < 6) d /= 1024.0, u++;
    if (u == 0) snprintf(buf, size, "%" PRIu64 " B", v);
    else snprintf(buf, size, "%.1f %s", d, units[u]);
    return buf;
}

static void text_row(FILE *out, int w, uint64_t off, uint64_t size, const char *name, const char *rest)
{
    if (*rest) fprintf(out, "%12" PRIu64 " %12" PRIu64 " %5u  %-*s %s\n", off, size, SHMGEN_CACHE_LINE, w, name, rest);
    else fprintf(out, "%12" PRIu64 " %12" PRIu64 " %5u  %s\n", off, size, SHMGEN_CACHE_LINE, name);
}

static void text_overhead(const shmgen_schema_t *s, int w, FILE *out)
{
    const shmgen_layout_plan_t *p = &s->plan;
    char rest[96];
    text_row(out, w, p->header_offset, p->header_size, "(header)", "");
    snprintf(rest, sizeof rest, "%u process slots", SHMGEN_MAX_PROCESSES);
    text_row(out, w, p->registry_offset, p->registry_size, "(registry)", rest);
    snprintf(rest, sizeof rest, "%u operation journals", SHMGEN_MAX_JOURNALS);
    text_row(out, w, p->journal_offset, p->journal_size, "(journals)", rest);
    snprintf(rest, sizeof rest, "%zu entries", s->nstructures);
    text_row(out, w, p->table_offset, p->table_size, "(table)", rest);
    snprintf(rest, sizeof rest, "%" PRIu32 " slots", p->index_slots);
    text_row(out, w, p->index_offset, p->index_size, "(name index)", rest);
}

static const char *deadline_text(uint32_t ms, char *buf, size_t n)
{
    if (ms) snprintf(buf, n, ", deadline %" PRIu32 " ms", ms);
    else buf[0] = '\0';
    return buf;
}

int shmgen_layout_text_write(const shmgen_schema_t *s, FILE *out)
{
    char type[SHMGEN_NAME_MAX + 32], rest[SHMGEN_NAME_MAX + 192], h1[32], h2[32], dl[40];
    int w = 12;

    for (size_t i = 0; i < s->nstructures; i++)
        if ((int)strlen(s->structures[i].name) > w) w = (int)strlen(s->structures[i].name);
    fprintf(out, "segment %s, version %" PRIu32 ", mode 0%03" PRIo32 ", layout hash 0x%016" PRIx64 "\n\n", s->segment,
            s->version, s->mode, s->layout_hash);
    fprintf(out, "%12s %12s %5s  %-*s %-6s %-16s %10s %s\n", "offset", "size", "align", w, "name", "kind",
            "element", "elem size", "capacity");
    text_overhead(s, w, out);
    for (size_t i = 0; i < s->nstructures; i++) {
        const shmgen_structure_t *st = &s->structures[i];
        snprintf(rest, sizeof rest, "%-6s %-16s %5" PRIu64 "/%-4" PRIu32 " %" PRIu64, shmgen_kind_name(st->kind),
                 shmgen_type_ref_str(s, &st->elem, type, sizeof type), st->elem.size, st->elem.align, st->capacity);
        if (st->kind == SHMGEN_KIND_TOPIC)
            snprintf(rest + strlen(rest), sizeof rest - strlen(rest),
                     ", %" PRIu32 " subscribers, history %" PRIu32 ", %s%s", st->subscribers, st->history,
                     shmgen_topic_policy_name(st->policy), deadline_text(st->deadline_ms, dl, sizeof dl));
        if (st->since > 1) snprintf(rest + strlen(rest), sizeof rest - strlen(rest), " (since %" PRIu32 ")", st->since);
        text_row(out, w, st->offset, st->size, st->name, rest);
    }
    fprintf(out, "\ncomputed size %" PRIu64 " bytes (%s)", s->plan.computed_size, human(s->plan.computed_size, h1, sizeof h1));
    if (s->declared_size)
        fprintf(out, ", declared size %" PRIu64 " bytes (%s)", s->declared_size, human(s->declared_size, h2, sizeof h2));
    fprintf(out, "\ntotal %" PRIu64 " bytes\n", s->plan.total_size);
    return ferror(out) ? -1 : 0;
}
