/*
 * SPDX-License-Identifier: MIT
 *
 * compare.c — a live segment against a layout (see shmgen/compare.h for the
 * rule).  Only public, validated data is read: the header fields of
 * shmgen_segment_get_meta and the table entries of shmgen_segment_find /
 * shmgen_segment_struct_at, which open checked against the object's size.
 * Nothing is allocated; messages are formatted into stack buffers.
 * Depends on segment.h and compare.h.
 */
#include "shmgen/compare.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 256

typedef struct cmp {
    const shmgen_layout_t *layout;
    shmgen_segment_meta_t meta;
    unsigned flags;
    shmgen_compare_fn fn;
    void *ctx;
    int verdict; /* 1 once a mismatch was found */
} cmp_t;

/* What a finding is about: a structure of the layout, of the segment, or both. */
typedef struct subject {
    const shmgen_struct_desc_t *want;
    size_t index;
    const shmgen_struct_info_t *got;
} subject_t;

static const subject_t SEGMENT_LEVEL = {NULL, SIZE_MAX, NULL};

static const char *kind_str(int kind)
{
    const char *k = shmgen_kind_name(kind);
    return k ? k : "unknown";
}

/* s into buf with control bytes as '?', so a hostile name cannot drive a terminal. */
static const char *printable(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++) buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    buf[i] = '\0';
    return buf;
}

static void report(cmp_t *c, shmgen_finding_kind_t kind, bool mismatch, subject_t sub, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* One finding: the verdict first (strict makes every difference count), then the callback. */
static void report(cmp_t *c, shmgen_finding_kind_t kind, bool mismatch, subject_t sub, const char *fmt, ...)
{
    char msg[MESSAGE_MAX], name[SHMGEN_NAME_MAX + 1];
    const char *who = sub.want ? sub.want->name : sub.got ? sub.got->name : NULL;
    va_list ap;
    mismatch = mismatch || (c->flags & SHMGEN_COMPARE_STRICT);
    if (mismatch) c->verdict = 1;
    if (!c->fn) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->fn(&(shmgen_finding_t){kind, mismatch, who ? printable(who, name, sizeof name) : NULL, msg, sub.want,
                              sub.index, sub.got},
          c->ctx);
}

static void compare_header(cmp_t *c)
{
    const shmgen_segment_meta_t *m = &c->meta;
    const shmgen_layout_t *l = c->layout;
    char name[SHMGEN_NAME_MAX + 1];
    if (strcmp(m->segment, l->segment) != 0)
        report(c, SHMGEN_FINDING_SEGMENT_NAME, true, SEGMENT_LEVEL, "segment name is '%s' in the segment, '%s' in the schema",
               printable(m->segment, name, sizeof name), l->segment);
    if (m->schema_version != l->schema_version)
        report(c, SHMGEN_FINDING_SCHEMA_VERSION, false, SEGMENT_LEVEL,
               "created from schema version %" PRIu32 "; the schema is version %" PRIu32, m->schema_version,
               l->schema_version);
    if (m->layout_hash != l->layout_hash)
        report(c, SHMGEN_FINDING_LAYOUT_HASH, false, SEGMENT_LEVEL,
               "layout hash 0x%016" PRIx64 " in the segment, 0x%016" PRIx64
               " in the schema (the structures below tell whether it matters)",
               m->layout_hash, l->layout_hash);
}

/* Both sides are topics: their parameters are read from the segment, all
 * but the policy, which gives the topic's words their meaning. */
static void compare_topic(cmp_t *c, subject_t s)
{
    static const char *const names[] = {"subscribers", "history", "deadline_ms"};
    const uint32_t got[] = {s.got->subscribers, s.got->history, s.got->deadline_ms};
    const uint32_t want[] = {s.want->subscribers, s.want->history, s.want->deadline_ms};
    for (size_t i = 0; i < 3; i++)
        if (got[i] != want[i])
            report(c, SHMGEN_FINDING_TOPIC_PARAMETER, false, s, "%s %" PRIu32 " in the segment, %" PRIu32
                   " in the schema (compatible: read from the segment)", names[i], got[i], want[i]);
    if (s.got->policy != s.want->policy)
        report(c, SHMGEN_FINDING_TOPIC_POLICY, true, s, "policy %s in the segment, %s in the schema",
               shmgen_topic_policy_name(s.got->policy), shmgen_topic_policy_name(s.want->policy));
}

/* A structure both sides have: everything but the capacity (and a topic's
 * parameters but its policy) must agree. */
static void compare_present(cmp_t *c, subject_t s)
{
    const shmgen_struct_desc_t *d = s.want;
    const shmgen_struct_info_t *in = s.got;
    if ((int)in->kind != (int)d->kind)
        report(c, SHMGEN_FINDING_KIND, true, s, "kind %s in the segment, %s in the schema", kind_str((int)in->kind),
               kind_str((int)d->kind));
    if (in->elem_size != d->elem_size)
        report(c, SHMGEN_FINDING_ELEM_SIZE, true, s, "element type differs: size %" PRIu32 " in the segment, %" PRIu32
               " in the schema", in->elem_size, d->elem_size);
    if (in->elem_align != d->elem_align)
        report(c, SHMGEN_FINDING_ELEM_ALIGN, true, s, "element type differs: alignment %" PRIu32 " in the segment, %"
               PRIu32 " in the schema", in->elem_align, d->elem_align);
    if (in->elem_hash != d->elem_hash)
        report(c, SHMGEN_FINDING_ELEM_HASH, true, s, "element type differs: layout hash 0x%016" PRIx64
               " in the segment, 0x%016" PRIx64 " in the schema", in->elem_hash, d->elem_hash);
    /* an atomic or a latest value holds one value whatever the schema says */
    if (in->capacity != d->capacity && d->kind != SHMGEN_KIND_ATOMIC && d->kind != SHMGEN_KIND_LATEST)
        report(c, SHMGEN_FINDING_CAPACITY, false, s, "capacity %" PRIu64 " in the segment, %" PRIu64
               " in the schema (compatible: read from the segment)", in->capacity, d->capacity);
    if (in->kind == SHMGEN_KIND_TOPIC && d->kind == SHMGEN_KIND_TOPIC) compare_topic(c, s);
}

/* A structure of the layout the segment lacks: compatible only when it was
 * added after the segment's schema version. */
static void compare_absent(cmp_t *c, subject_t s)
{
    const shmgen_struct_desc_t *d = s.want;
    /* As shmgen compat: a structure added after the segment's version, or
     * declared as added in the schema's own version, is compatible. */
    if (d->since > c->meta.schema_version || (d->since > 1 && d->since == c->layout->schema_version))
        report(c, SHMGEN_FINDING_ABSENT, false, s, "absent: added in version %" PRIu32 ", the segment is version %" PRIu32
               " (compatible: reported absent)", d->since, c->meta.schema_version);
    else
        report(c, SHMGEN_FINDING_ABSENT, true, s, "missing from the segment (%s, capacity %" PRIu64 " in the schema)",
               kind_str((int)d->kind), d->capacity);
}

static int compare_layout_structs(cmp_t *c, const shmgen_segment_t *seg)
{
    for (size_t i = 0; i < c->layout->nstructs; i++) {
        shmgen_struct_info_t in;
        subject_t s = {&c->layout->structs[i], i, NULL};
        int rc = shmgen_segment_find(seg, s.want->name, &in);
        if (rc == SHMGEN_STRUCT_MISSING) {
            compare_absent(c, s);
            continue;
        }
        if (rc != 0) return rc;
        s.got = &in;
        compare_present(c, s);
    }
    return 0;
}

static bool layout_has(const shmgen_layout_t *l, const char *name)
{
    for (size_t i = 0; i < l->nstructs; i++)
        if (strcmp(l->structs[i].name, name) == 0) return true;
    return false;
}

/* Structures only the segment has: compatible only when the segment's schema
 * added them after the layout's version. */
static int compare_extra_structs(cmp_t *c, const shmgen_segment_t *seg)
{
    for (uint32_t i = 0; i < c->meta.nstructs; i++) {
        shmgen_struct_info_t in;
        subject_t s = {NULL, SIZE_MAX, &in};
        int rc = shmgen_segment_struct_at(seg, i, &in);
        if (rc != 0) return rc;
        if (layout_has(c->layout, in.name)) continue;
        if (in.since > c->layout->schema_version)
            report(c, SHMGEN_FINDING_EXTRA, false, s, "only in the segment: added in version %" PRIu32
                   ", after the schema's version %" PRIu32 " (compatible)", in.since, c->layout->schema_version);
        else
            report(c, SHMGEN_FINDING_EXTRA, true, s, "only in the segment (%s, capacity %" PRIu64
                   "): the schema does not have it", kind_str((int)in.kind), in.capacity);
    }
    return 0;
}

static bool layout_ok(const shmgen_layout_t *l)
{
    if (!l || !l->segment || (l->nstructs && !l->structs)) return false;
    for (size_t i = 0; i < l->nstructs; i++)
        if (!l->structs[i].name) return false;
    return true;
}

int shmgen_segment_compare(const shmgen_segment_t *seg, const shmgen_layout_t *layout, unsigned flags,
                           shmgen_compare_fn fn, void *ctx)
{
    cmp_t c = {.layout = layout, .flags = flags, .fn = fn, .ctx = ctx};
    int rc;
    if (!seg || !layout_ok(layout) || (flags & ~SHMGEN_COMPARE_STRICT)) return SHMGEN_INVALID_ARGUMENT;
    shmgen_segment_get_meta(seg, &c.meta);
    compare_header(&c);
    if ((rc = compare_layout_structs(&c, seg)) != 0 || (rc = compare_extra_structs(&c, seg)) != 0) return rc;
    return c.verdict;
}
