/*
 * SPDX-License-Identifier: MIT
 *
 * ytree.c — segment.yaml text → generic document tree (internal.h), with the
 * 1-based line and column of every node.  Uses libyaml's event API.
 *
 * Refused here, each with its place: YAML syntax errors (libyaml's message and
 * position; an unquoted "T[N]" in a flow mapping and a tab in the indentation
 * get their own messages), anchors, aliases, explicit tags, merge keys,
 * non-scalar keys, several documents and nesting deeper than SHMGEN__MAX_DEPTH.  Duplicate keys are left to the
 * loader, which knows what each mapping holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "internal.h"

typedef struct builder {
    const char *file;
    const char *data;
    size_t len;
    shmgen_diags_t *d;
    shmgen__node_t *stack[SHMGEN__MAX_DEPTH + 1];
    size_t depth;
    shmgen__node_t *root;
    size_t documents;
    bool failed; /* stop building: a fatal error was reported */
} builder_t;

static shmgen_loc_t loc_of(const builder_t *b, yaml_mark_t m)
{
    shmgen_loc_t loc = {b->file, (uint32_t)(m.line + 1), (uint32_t)(m.column + 1)};
    if (m.line >= UINT32_MAX) loc.line = UINT32_MAX;
    if (m.column >= UINT32_MAX) loc.column = UINT32_MAX;
    return loc;
}

/* Byte offset of a (0-based) line/column mark; columns count characters. */
static size_t offset_of(const builder_t *b, yaml_mark_t m)
{
    size_t at = 0, line = 0, col = 0;
    while (at < b->len && line < m.line)
        if (b->data[at++] == '\n') line++;
    while (at < b->len && col < m.column && b->data[at] != '\n') {
        at++;
        while (at < b->len && ((unsigned char)b->data[at] & 0xC0) == 0x80) at++;
        col++;
    }
    return at;
}

static bool is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The common mistake `{payload: u8[64]}`: libyaml stops at the '[' that
 * directly follows a plain word inside a flow mapping. */
static bool report_unquoted_array(builder_t *b, const yaml_parser_t *p)
{
    size_t at = offset_of(b, p->problem_mark), start = at, end = at;
    char shown[SHMGEN__PRINT_BUF];

    if (at >= b->len || b->data[at] != '[' || at == 0 || !is_word_char(b->data[at - 1])) return false;
    while (start > 0 && is_word_char(b->data[start - 1])) start--;
    while (end < b->len && end - at < 32 && b->data[end] != ']' && b->data[end] != '\n') end++;
    if (end < b->len && b->data[end] == ']') end++;
    shmgen__printable(b->data + start, end - start, shown, sizeof shown);
    shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_of(b, p->problem_mark),
                    "unquoted '[' in a flow mapping: quote the array type, write \"%s\" instead of %s", shown, shown);
    return true;
}

/* Reader errors carry a byte offset only. */
static shmgen_loc_t loc_at_offset(const builder_t *b, size_t offset)
{
    shmgen_loc_t loc = {b->file, 1, 1};
    for (size_t i = 0; i < offset && i < b->len; i++) {
        if (b->data[i] == '\n') loc.line++, loc.column = 1;
        else if (((unsigned char)b->data[i] & 0xC0) != 0x80) loc.column++;
    }
    return loc;
}

/* A tab in the indentation of the line libyaml stopped at (or of the line its
 * context started on): YAML indents with spaces only, and libyaml's own
 * message ("found character that cannot start any token") does not say so. */
static bool report_tab_indent(builder_t *b, const yaml_parser_t *p)
{
    const yaml_mark_t marks[2] = {p->problem_mark, p->context_mark};
    for (size_t m = 0; m < (p->context ? 2u : 1u); m++) {
        yaml_mark_t at = marks[m];
        size_t i;
        at.column = 0;
        i = offset_of(b, at);
        for (; i < b->len && (b->data[i] == ' ' || b->data[i] == '\t'); i++, at.column++)
            if (b->data[i] == '\t') {
                shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_of(b, at),
                                "a tab in the indentation: YAML indents with spaces only; replace the tab with spaces");
                return true;
            }
    }
    return false;
}

static void report_syntax(builder_t *b, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, (shmgen_loc_t){b->file, 0, 0}, "out of memory while reading YAML");
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_at_offset(b, p->problem_offset),
                        "the file is not valid UTF-8 text: %s", p->problem ? p->problem : "bad input");
        return;
    }
    if (p->context && strstr(p->context, "flow mapping") && report_unquoted_array(b, p)) return;
    if (report_tab_indent(b, p)) return;
    if (p->context)
        shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_of(b, p->problem_mark), "YAML syntax error: %s (%s at %zu:%zu)",
                        p->problem ? p->problem : "unknown problem", p->context, p->context_mark.line + 1,
                        p->context_mark.column + 1);
    else
        shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_of(b, p->problem_mark), "YAML syntax error: %s",
                        p->problem ? p->problem : "unknown problem");
}

static void fatal(builder_t *b, yaml_mark_t m, const char *msg, const char *detail)
{
    char shown[SHMGEN__PRINT_BUF];
    if (detail) {
        shmgen__printable(detail, strlen(detail), shown, sizeof shown);
        shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_of(b, m), msg, shown);
    } else {
        shmgen_diag_add(b->d, SHMGEN_SEV_ERROR, loc_of(b, m), "%s", msg);
    }
    b->failed = true;
}

/* Anchors and tags are refused: the loader does not resolve them fully. */
static bool check_props(builder_t *b, yaml_mark_t m, const yaml_char_t *anchor, const yaml_char_t *tag, bool implicit)
{
    if (anchor) {
        fatal(b, m, "YAML anchor '&%s' is not supported; write the value out in full", (const char *)anchor);
        return false;
    }
    if (tag && !implicit) {
        fatal(b, m, "YAML tag '%s' is not supported; remove it", (const char *)tag);
        return false;
    }
    return true;
}

static void attach(builder_t *b, shmgen__node_t *node, yaml_mark_t m)
{
    shmgen__node_t *top = b->depth ? b->stack[b->depth - 1] : NULL;
    if (!top) {
        if (b->root) shmgen__node_free(b->root);
        b->root = node;
        return;
    }
    if (top->type == SHMGEN__MAP && top->n % 2 == 0) {
        if (node->type != SHMGEN__SCALAR) {
            fatal(b, m, "a mapping key must be a name, not a collection", NULL);
            shmgen__node_free(node);
            return;
        }
        if (node->len == 2 && node->plain && memcmp(node->text, "<<", 2) == 0) {
            fatal(b, m, "YAML merge keys ('<<') are not supported; write the keys out in full", NULL);
            shmgen__node_free(node);
            return;
        }
    }
    if (!shmgen__node_push(top, node)) fatal(b, m, "out of memory while reading YAML", NULL);
}

static void on_scalar(builder_t *b, yaml_event_t *e)
{
    shmgen__node_t *n;
    if (!check_props(b, e->start_mark, e->data.scalar.anchor, e->data.scalar.tag,
                     e->data.scalar.plain_implicit || e->data.scalar.quoted_implicit))
        return;
    n = shmgen__node_scalar(loc_of(b, e->start_mark), (const char *)e->data.scalar.value, e->data.scalar.length,
                            e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
    if (!n) fatal(b, e->start_mark, "out of memory while reading YAML", NULL);
    else attach(b, n, e->start_mark);
}

static void on_open(builder_t *b, yaml_event_t *e, bool map)
{
    const yaml_char_t *anchor = map ? e->data.mapping_start.anchor : e->data.sequence_start.anchor;
    const yaml_char_t *tag = map ? e->data.mapping_start.tag : e->data.sequence_start.tag;
    int implicit = map ? e->data.mapping_start.implicit : e->data.sequence_start.implicit;
    bool flow = map ? e->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                    : e->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    shmgen__node_t *n;

    if (!check_props(b, e->start_mark, anchor, tag, implicit)) return;
    if (b->depth >= SHMGEN__MAX_DEPTH) {
        fatal(b, e->start_mark, "nesting is deeper than 64 levels; a schema needs at most 4", NULL);
        return;
    }
    if (!(n = shmgen__node_new(map ? SHMGEN__MAP : SHMGEN__SEQ, loc_of(b, e->start_mark)))) {
        fatal(b, e->start_mark, "out of memory while reading YAML", NULL);
        return;
    }
    n->flow = flow;
    attach(b, n, e->start_mark);
    if (!b->failed) b->stack[b->depth++] = n;
}

static void on_event(builder_t *b, yaml_event_t *e)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            fatal(b, e->start_mark, "a schema is one YAML document; found a second one ('---')", NULL);
        break;
    case YAML_ALIAS_EVENT:
        fatal(b, e->start_mark, "YAML alias '*%s' is not supported; write the value out in full",
              (const char *)e->data.alias.anchor);
        break;
    case YAML_SCALAR_EVENT: on_scalar(b, e); break;
    case YAML_SEQUENCE_START_EVENT: on_open(b, e, false); break;
    case YAML_MAPPING_START_EVENT: on_open(b, e, true); break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth) b->depth--;
        break;
    default: break;
    }
}

shmgen__node_t *shmgen__yaml_parse(const char *file, const char *data, size_t len, shmgen_diags_t *d)
{
    builder_t b = {.file = file, .data = data, .len = len, .d = d};
    yaml_parser_t parser;
    yaml_event_t event;
    bool done = false;

    if (!yaml_parser_initialize(&parser)) {
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, (shmgen_loc_t){file, 0, 0}, "out of memory while reading YAML");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done && !b.failed) {
        if (!yaml_parser_parse(&parser, &event)) {
            report_syntax(&b, &parser);
            b.failed = true;
            break;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        on_event(&b, &event);
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    if (b.failed) {
        shmgen__node_free(b.root);
        return NULL;
    }
    return b.root;
}
