/*
 * SPDX-License-Identifier: MIT
 *
 * table.c — the segment header, structure table and name index: writing them
 * at creation, validating them on attach, and looking structures up.
 *
 * Validation treats the mapping as hostile: the header and every table entry
 * are copied out first, every offset and size is checked with overflow-safe
 * arithmetic against the mapped size before anything is read through it, and
 * lookups afterwards use only the validated private copy (plus the shared
 * index, whose every value is bounds-checked when read).
 * Depends on segment_priv.h (format), layout.h (plan, footprints).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "segment_priv.h"

static shmgen__table_entry_t *table_entry(const shmgen_segment_t *seg, uint32_t i)
{
    return (shmgen__table_entry_t *)(seg->base + seg->hdr.table_offset + (uint64_t)i * SHMGEN_TABLE_ENTRY_BYTES);
}

static uint32_t *index_words(const shmgen_segment_t *seg)
{
    return (uint32_t *)(seg->base + seg->hdr.index_offset);
}

/* Probes NAME's chain in the shared index.  Returns the table index, or -1 if
 * absent, or -2 if the chain holds a value outside the table.  At most
 * index_slots probes, so a corrupt index full of garbage cannot loop. */
static int64_t index_probe(const shmgen_segment_t *seg, const char *name, uint32_t *empty_slot)
{
    const volatile uint32_t *idx = index_words(seg);
    uint32_t mask = seg->hdr.index_slots - 1;
    uint32_t at = (uint32_t)shmgen_name_hash(name) & mask;
    for (uint32_t n = 0; n <= mask; n++, at = (at + 1) & mask) {
        uint32_t v = idx[at]; /* read once: another process may scribble on it */
        if (v == 0) {
            if (empty_slot) *empty_slot = at;
            return -1;
        }
        if (v > seg->hdr.nstructs) return -2;
        if (strcmp(seg->infos ? seg->infos[v - 1].name : table_entry(seg, v - 1)->name, name) == 0)
            return (int64_t)v - 1;
    }
    return -1;
}

int shmgen__table_write(shmgen_segment_t *seg, const shmgen_layout_t *layout, const uint64_t *offsets)
{
    for (uint32_t i = 0; i < seg->hdr.nstructs; i++) {
        const shmgen_struct_desc_t *d = &layout->structs[i];
        shmgen__table_entry_t *e = table_entry(seg, i);
        uint32_t slot = 0;
        int rc;
        if (index_probe(seg, d->name, &slot) != -1) {
            shmgen__set_detail("structure '%s' is listed twice", d->name);
            return SHMGEN_INVALID_ARGUMENT;
        }
        memcpy(e->name, d->name, strlen(d->name) + 1);
        e->kind = (uint32_t)d->kind;
        e->elem_size = d->elem_size;
        e->elem_align = d->elem_align;
        e->since = d->since ? d->since : 1;
        e->capacity = d->capacity;
        e->elem_hash = d->elem_hash;
        e->offset = offsets[i];
        e->subscribers = d->subscribers;
        e->history = d->history;
        e->policy = d->policy;
        e->deadline_ms = d->deadline_ms;
        if ((rc = shmgen_struct_footprint_desc(d, &e->size)) != 0)
            return rc;
        index_words(seg)[slot] = i + 1;
    }
    return 0;
}

/* ---- validation ---- */

static int check_header(shmgen_segment_t *seg)
{
    shmgen__header_t *h = &seg->hdr;
    shmgen_layout_plan_t p;
    if (seg->mapped_size < SHMGEN_HEADER_BYTES) return SHMGEN_TRUNCATED;
    memcpy(h, seg->base, sizeof *h);
    if (h->magic != SHMGEN__MAGIC) return SHMGEN_BAD_MAGIC;
    if (h->format_version != SHMGEN_FORMAT_VERSION) {
        shmgen__set_detail("segment format %u; this runtime reads format %u", h->format_version,
                           SHMGEN_FORMAT_VERSION);
        return SHMGEN_BAD_FORMAT_VERSION;
    }
    if (h->header_size != SHMGEN_HEADER_BYTES) return SHMGEN_CORRUPT;
    if (h->total_size > seg->mapped_size) return SHMGEN_TRUNCATED;
    if (h->nstructs > (1u << 24) || h->registry_slots != SHMGEN_MAX_PROCESSES ||
        h->journal_count != SHMGEN_MAX_JOURNALS || memchr(h->segment, '\0', sizeof h->segment) == NULL ||
        h->segment[0] == '\0' || h->schema_version == 0)
        return SHMGEN_CORRUPT;
    /* Every region must sit exactly where this format version puts it. */
    if (shmgen__plan_overhead(h->nstructs, &p) != 0) return SHMGEN_CORRUPT;
    if (h->registry_offset != p.registry_offset || h->registry_size != p.registry_size ||
        h->journal_offset != p.journal_offset || h->journal_size != p.journal_size ||
        h->table_offset != p.table_offset || h->table_size != p.table_size ||
        h->index_offset != p.index_offset || h->index_size != p.index_size ||
        h->index_slots != p.index_slots || h->overhead != p.overhead)
        return SHMGEN_CORRUPT;
    return h->overhead <= h->total_size ? 0 : SHMGEN_CORRUPT;
}

static int entry_error(uint32_t i, const char *what)
{
    shmgen__set_detail("table entry %u: %s", i, what);
    return SHMGEN_CORRUPT;
}

/* Copies entry i and checks it on its own; `end` is where the previous
 * structure ended (structures are laid out in table order, without overlap). */
static int check_entry(shmgen_segment_t *seg, uint32_t i, uint64_t *end)
{
    shmgen__table_entry_t e;
    shmgen_struct_info_t *info = &seg->infos[i];
    uint64_t size = 0;
    memcpy(&e, table_entry(seg, i), sizeof e);
    if (memchr(e.name, '\0', sizeof e.name) == NULL || e.name[0] == '\0')
        return entry_error(i, "name is not NUL-terminated within 64 bytes");
    if (!shmgen__kind_ops((int)e.kind)) return entry_error(i, "unknown kind");
    if (e.offset % SHMGEN_CACHE_LINE != 0 || e.offset < *end || e.offset > seg->hdr.total_size ||
        e.size > seg->hdr.total_size - e.offset)
        return entry_error(i, "offset or size outside the segment");
    if (e.since == 0 || e.since > seg->hdr.schema_version) return entry_error(i, "bad 'since'");
    memcpy(info->name, e.name, sizeof info->name);
    info->subscribers = e.subscribers;
    info->history = e.history;
    info->policy = e.policy;
    info->deadline_ms = e.deadline_ms;
    info->kind = (shmgen_kind_t)e.kind;
    info->elem_size = e.elem_size;
    info->elem_align = e.elem_align;
    info->capacity = e.capacity;
    info->elem_hash = e.elem_hash;
    info->offset = e.offset;
    info->size = e.size;
    info->since = e.since;
    info->table_index = i;
    {
        shmgen_struct_desc_t d;
        shmgen_struct_info_desc(info, &d);
        if (shmgen_struct_footprint_desc(&d, &size) != 0 || size != e.size)
            return entry_error(i, "size does not match kind, element, capacity and parameters");
    }
    *end = e.offset + e.size;
    return 0;
}

void shmgen_struct_info_desc(const shmgen_struct_info_t *info, shmgen_struct_desc_t *d)
{
    memset(d, 0, sizeof *d);
    d->name = info->name;
    d->kind = info->kind;
    d->elem_size = info->elem_size;
    d->elem_align = info->elem_align;
    d->capacity = info->capacity;
    d->elem_hash = info->elem_hash;
    d->since = info->since;
    d->subscribers = info->subscribers;
    d->history = info->history;
    d->policy = info->policy;
    d->deadline_ms = info->deadline_ms;
}

/* Every entry must be reachable through the index, and the index must hold
 * exactly nstructs values, each naming a distinct entry. */
static int check_index(shmgen_segment_t *seg)
{
    const volatile uint32_t *idx = index_words(seg);
    uint32_t used = 0;
    for (uint32_t s = 0; s < seg->hdr.index_slots; s++)
        if (idx[s] != 0) used++;
    if (used != seg->hdr.nstructs) {
        shmgen__set_detail("name index holds %u names for %u structures", used, seg->hdr.nstructs);
        return SHMGEN_CORRUPT;
    }
    for (uint32_t i = 0; i < seg->hdr.nstructs; i++)
        if (index_probe(seg, seg->infos[i].name, NULL) != (int64_t)i)
            return entry_error(i, "not reachable through the name index");
    return 0;
}

static int check_structures(shmgen_segment_t *seg)
{
    for (uint32_t i = 0; i < seg->hdr.nstructs; i++) {
        const shmgen_struct_info_t *info = &seg->infos[i];
        int rc = shmgen__kind_ops(info->kind)->check(seg->base + info->offset, info);
        if (rc != 0) {
            shmgen__set_detail("structure '%s': its %s header is corrupt", info->name,
                               shmgen_kind_name(info->kind));
            return rc < 0 ? SHMGEN_CORRUPT : rc;
        }
    }
    return 0;
}

int shmgen__validate(shmgen_segment_t *seg)
{
    uint64_t end;
    int rc = check_header(seg);
    if (rc != 0) {
        shmgen__set_detail("segment header: %s", shmgen_strerror(rc));
        return rc;
    }
    free(seg->infos);
    seg->infos = calloc(seg->hdr.nstructs ? seg->hdr.nstructs : 1, sizeof *seg->infos);
    if (!seg->infos) return SHMGEN_NO_MEMORY;
    end = seg->hdr.overhead;
    for (uint32_t i = 0; i < seg->hdr.nstructs; i++)
        if ((rc = check_entry(seg, i, &end)) != 0) return rc;
    if ((rc = check_index(seg)) != 0) return rc;
    return check_structures(seg);
}

/* ---- matching a caller's layout ---- */

static int mismatch(const char *name, const char *what, uint64_t in_segment, uint64_t expected)
{
    shmgen__set_detail("structure '%s': %s %llu in segment, %llu expected", name, what,
                       (unsigned long long)in_segment, (unsigned long long)expected);
    return SHMGEN_STRUCT_MISMATCH;
}

static int match_one(const shmgen_struct_info_t *in, const shmgen_struct_desc_t *d)
{
    if (in->kind != d->kind) {
        const char *have = shmgen_kind_name(in->kind), *want = shmgen_kind_name(d->kind);
        shmgen__set_detail("structure '%s': kind %s in segment, %s expected", d->name, have,
                           want ? want : "(invalid)");
        return SHMGEN_STRUCT_MISMATCH;
    }
    if (in->elem_size != d->elem_size) return mismatch(d->name, "element size", in->elem_size, d->elem_size);
    if (in->elem_align != d->elem_align)
        return mismatch(d->name, "element alignment", in->elem_align, d->elem_align);
    if (in->elem_hash != d->elem_hash) {
        shmgen__set_detail("structure '%s': element type hash %016llx in segment, %016llx expected", d->name,
                           (unsigned long long)in->elem_hash, (unsigned long long)d->elem_hash);
        return SHMGEN_STRUCT_MISMATCH;
    }
    /* A topic's capacity, subscribers, history and deadline are read from the
     * segment (compatible changes); its policy is not: lap and block give the
     * same cursor and slot words another meaning, and a program written for
     * one would misread the other's promises (the rule shmgen compat and the
     * verifiers apply: a breaking change). */
    if (d->kind == SHMGEN_KIND_TOPIC && in->policy != d->policy) {
        shmgen__set_detail("structure '%s': topic policy %s in segment, %s expected", d->name,
                           shmgen_topic_policy_name(in->policy), shmgen_topic_policy_name(d->policy));
        return SHMGEN_STRUCT_MISMATCH;
    }
    return 0;
}

int shmgen__match_layout(shmgen_segment_t *seg, const shmgen_layout_t *layout)
{
    if (layout->nstructs > 0 && !layout->structs) return SHMGEN_INVALID_ARGUMENT;
    if (!layout->segment || strcmp(layout->segment, seg->hdr.segment) != 0) {
        shmgen__set_detail("segment '%s' found, '%s' expected", seg->hdr.segment,
                           layout->segment ? layout->segment : "(null)");
        return SHMGEN_LAYOUT_MISMATCH;
    }
    seg->resolved = calloc(layout->nstructs ? layout->nstructs : 1, sizeof *seg->resolved);
    if (!seg->resolved) return SHMGEN_NO_MEMORY;
    seg->nresolved = layout->nstructs;
    for (size_t i = 0; i < layout->nstructs; i++) {
        const shmgen_struct_desc_t *d = &layout->structs[i];
        int64_t at = d->name ? index_probe(seg, d->name, NULL) : -1;
        int rc;
        seg->resolved[i] = -1;
        if (at >= 0) {
            if ((rc = match_one(&seg->infos[at], d)) != 0) return rc;
            seg->resolved[i] = (int32_t)at;
        } else if (d->since <= seg->hdr.schema_version) {
            shmgen__set_detail("structure '%s': missing from the segment (schema version %u)",
                               d->name ? d->name : "(null)", seg->hdr.schema_version);
            return SHMGEN_STRUCT_MISSING;
        }
    }
    return 0;
}

/* ---- lookups ---- */

int shmgen_segment_find(const shmgen_segment_t *seg, const char *name, shmgen_struct_info_t *out)
{
    int64_t at;
    if (!seg || !name || !out) return SHMGEN_INVALID_ARGUMENT;
    at = index_probe(seg, name, NULL);
    if (at == -2) return SHMGEN_CORRUPT;
    if (at < 0) return SHMGEN_STRUCT_MISSING;
    *out = seg->infos[at];
    return 0;
}

int shmgen_segment_struct_at(const shmgen_segment_t *seg, uint32_t i, shmgen_struct_info_t *out)
{
    if (!seg || !out) return SHMGEN_INVALID_ARGUMENT;
    if (i >= seg->hdr.nstructs) return SHMGEN_OUT_OF_BOUNDS;
    *out = seg->infos[i];
    return 0;
}

int shmgen_segment_resolve(const shmgen_segment_t *seg, size_t layout_index, shmgen_struct_info_t *out)
{
    if (!seg || !out) return SHMGEN_INVALID_ARGUMENT;
    if (layout_index >= seg->nresolved) return SHMGEN_OUT_OF_BOUNDS;
    if (seg->resolved[layout_index] < 0) return SHMGEN_STRUCT_MISSING;
    *out = seg->infos[seg->resolved[layout_index]];
    return 0;
}

const char *shmgen__struct_name(const shmgen_segment_t *seg, uint32_t table_index)
{
    return seg && seg->infos && table_index < seg->hdr.nstructs ? seg->infos[table_index].name : "?";
}

int shmgen__struct_error(int err, const shmgen_segment_t *seg, uint32_t table_index, const char *what)
{
    const char *kind = seg && seg->infos && table_index < seg->hdr.nstructs
                           ? shmgen_kind_name(seg->infos[table_index].kind)
                           : NULL;
    shmgen__set_detail("%s '%s': %s", kind ? kind : "structure", shmgen__struct_name(seg, table_index), what);
    return err;
}
