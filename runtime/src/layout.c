/*
 * SPDX-License-Identifier: MIT
 *
 * layout.c — pure computation of the segment format (see shmgen/layout.h).
 * Every size is checked for overflow; nothing here touches shared memory.
 */
#include "shmgen/layout.h"

#include <string.h>

#include "layout_priv.h"

const char *shmgen_kind_name(int kind)
{
    switch (kind) {
    case SHMGEN_KIND_ARRAY: return "array";
    case SHMGEN_KIND_ATOMIC: return "atomic";
    case SHMGEN_KIND_QUEUE: return "queue";
    case SHMGEN_KIND_STACK: return "stack";
    case SHMGEN_KIND_RING: return "ring";
    case SHMGEN_KIND_POOL: return "pool";
    case SHMGEN_KIND_TOPIC: return "topic";
    case SHMGEN_KIND_LATEST: return "latest";
    default: return NULL;
    }
}

const char *shmgen_topic_policy_name(uint32_t policy)
{
    return policy == SHMGEN_TOPIC_LAP ? "lap" : policy == SHMGEN_TOPIC_BLOCK ? "block" : "unknown";
}

uint32_t shmgen_kind_header_bytes(shmgen_kind_t kind)
{
    switch (kind) {
    case SHMGEN_KIND_ARRAY: return SHMGEN_SIMPLE_HEADER_BYTES;
    case SHMGEN_KIND_ATOMIC: return SHMGEN_SIMPLE_HEADER_BYTES;
    case SHMGEN_KIND_QUEUE:
    case SHMGEN_KIND_STACK:
    case SHMGEN_KIND_RING:
    case SHMGEN_KIND_POOL:
    case SHMGEN_KIND_TOPIC:
    case SHMGEN_KIND_LATEST: return SHMGEN_CONCURRENT_HEADER_BYTES;
    default: return 0;
    }
}

uint64_t shmgen_kind_slot_bytes(shmgen_kind_t kind, uint32_t elem_size)
{
    switch (kind) {
    case SHMGEN_KIND_ARRAY: return elem_size;
    case SHMGEN_KIND_ATOMIC: return SHMGEN_CACHE_LINE;
    case SHMGEN_KIND_QUEUE:
    case SHMGEN_KIND_STACK:
    case SHMGEN_KIND_RING:
    case SHMGEN_KIND_POOL:
    case SHMGEN_KIND_TOPIC: return 8u + (((uint64_t)elem_size + 7u) & ~(uint64_t)7u);
    case SHMGEN_KIND_LATEST:
        return (8u + (((uint64_t)elem_size + 7u) & ~(uint64_t)7u) + SHMGEN_CACHE_LINE - 1) &
               ~(uint64_t)(SHMGEN_CACHE_LINE - 1);
    default: return 0;
    }
}

/* Sizes are kept below 2^63 so that signed off_t and ftruncate never see them wrap. */
#define SIZE_LIMIT ((uint64_t)1 << 62)

static int add_checked(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a > SIZE_LIMIT || b > SIZE_LIMIT - a) return SHMGEN_OVERFLOW;
    *out = a + b;
    return 0;
}

static int mul_checked(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > SIZE_LIMIT / a) return SHMGEN_OVERFLOW;
    *out = a * b;
    return 0;
}

static int round_up_checked(uint64_t v, uint64_t to, uint64_t *out)
{
    uint64_t padded;
    int rc = add_checked(v, to - 1, &padded);
    if (rc == 0) *out = padded & ~(to - 1);
    return rc;
}

/* The topic's own parameters: cursors, history shorter than the ring, a policy. */
static int topic_params_ok(const shmgen_struct_desc_t *d)
{
    if (d->kind != SHMGEN_KIND_TOPIC)
        return d->subscribers == 0 && d->history == 0 && d->policy == 0 && d->deadline_ms == 0;
    return d->subscribers >= 1 && d->subscribers <= SHMGEN_TOPIC_MAX_SUBSCRIBERS && d->history < d->capacity &&
           (d->policy == SHMGEN_TOPIC_LAP || d->policy == SHMGEN_TOPIC_BLOCK) &&
           (d->policy == SHMGEN_TOPIC_BLOCK || d->deadline_ms == 0);
}

/* From format 3 a queue keeps one 8-byte mark word per slot after the slots,
 * on lines of their own (read on every operation, written rarely). */
static int queue_marks(const shmgen_struct_desc_t *d, uint32_t format_version, uint64_t *data)
{
    uint64_t marks;
    int rc;
    if (d->kind != SHMGEN_KIND_QUEUE || format_version < 3) return 0;
    if ((rc = round_up_checked(*data, SHMGEN_CACHE_LINE, data)) != 0) return rc;
    if ((rc = mul_checked(d->capacity, 8u, &marks)) != 0) return rc;
    return add_checked(*data, marks, data);
}

int shmgen_struct_footprint_desc(const shmgen_struct_desc_t *d, uint64_t *size_out)
{
    return shmgen_struct_footprint_desc_format(d, SHMGEN_FORMAT_VERSION, size_out);
}

int shmgen_struct_footprint_desc_format(const shmgen_struct_desc_t *d, uint32_t format_version, uint64_t *size_out)
{
    uint64_t slot, count, data, total;
    int rc;

    if (!d || !size_out) return SHMGEN_INVALID_ARGUMENT;
    slot = shmgen_kind_slot_bytes(d->kind, d->elem_size);
    if (slot == 0 || d->elem_size == 0 || d->capacity == 0 || !topic_params_ok(d)) return SHMGEN_INVALID_ARGUMENT;
    if (d->elem_align == 0 || d->elem_align > SHMGEN_MAX_ELEM_ALIGN || (d->elem_align & (d->elem_align - 1)) != 0 ||
        d->elem_size % d->elem_align != 0)
        return SHMGEN_INVALID_ARGUMENT;
    if (d->kind == SHMGEN_KIND_ATOMIC && (d->capacity != 1 || d->elem_size > 8)) return SHMGEN_INVALID_ARGUMENT;
    if (d->kind == SHMGEN_KIND_LATEST && d->capacity != 1) return SHMGEN_INVALID_ARGUMENT;
    /* Slot indices are 32-bit in the stack's and pool's tagged words. */
    if ((d->kind == SHMGEN_KIND_STACK || d->kind == SHMGEN_KIND_POOL) && d->capacity > UINT32_MAX - 1)
        return SHMGEN_OVERFLOW;
    count = d->kind == SHMGEN_KIND_LATEST ? SHMGEN_LATEST_BUFFERS : d->capacity;
    if ((rc = mul_checked(slot, count, &data)) != 0) return rc;
    if ((rc = queue_marks(d, format_version, &data)) != 0) return rc;
    if ((rc = add_checked(data, shmgen_kind_header_bytes(d->kind), &total)) != 0) return rc;
    if (d->kind == SHMGEN_KIND_TOPIC &&
        (rc = add_checked(total, (uint64_t)d->subscribers * SHMGEN_TOPIC_CURSOR_BYTES, &total)) != 0)
        return rc;
    return round_up_checked(total, SHMGEN_CACHE_LINE, size_out);
}

int shmgen_struct_footprint(shmgen_kind_t kind, uint32_t elem_size, uint32_t elem_align, uint64_t capacity,
                            uint64_t *size_out)
{
    shmgen_struct_desc_t d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.elem_size = elem_size;
    d.elem_align = elem_align;
    d.capacity = capacity;
    return shmgen_struct_footprint_desc(&d, size_out);
}

uint64_t shmgen__queue_marks_offset(uint32_t elem_size, uint64_t capacity)
{
    uint64_t slots = shmgen_kind_slot_bytes(SHMGEN_KIND_QUEUE, elem_size) * capacity;
    return (slots + SHMGEN_CACHE_LINE - 1) & ~(uint64_t)(SHMGEN_CACHE_LINE - 1);
}

static uint32_t index_slots_for(size_t n)
{
    uint32_t slots = 8;
    while (slots < 2 * n) slots <<= 1;
    return slots;
}

int shmgen__plan_overhead(size_t nstructs, shmgen_layout_plan_t *p)
{
    uint64_t index_bytes;
    memset(p, 0, sizeof *p);
    if (nstructs > (1u << 24)) return SHMGEN_OVERFLOW;
    p->header_offset = 0;
    p->header_size = SHMGEN_HEADER_BYTES;
    p->registry_offset = p->header_offset + p->header_size;
    p->registry_size = (uint64_t)SHMGEN_MAX_PROCESSES * SHMGEN_REGISTRY_SLOT_BYTES;
    p->journal_offset = p->registry_offset + p->registry_size;
    p->journal_size = (uint64_t)SHMGEN_MAX_JOURNALS * SHMGEN_JOURNAL_BYTES;
    p->table_offset = p->journal_offset + p->journal_size;
    p->table_size = (uint64_t)nstructs * SHMGEN_TABLE_ENTRY_BYTES;
    p->index_offset = p->table_offset + p->table_size;
    p->index_slots = index_slots_for(nstructs);
    index_bytes = (uint64_t)p->index_slots * sizeof(uint32_t);
    p->index_size = (index_bytes + SHMGEN_CACHE_LINE - 1) & ~(uint64_t)(SHMGEN_CACHE_LINE - 1);
    p->overhead = p->index_offset + p->index_size;
    return 0;
}

int shmgen_layout_plan(const shmgen_layout_t *layout, uint64_t *offsets_out, shmgen_layout_plan_t *plan)
{
    return shmgen_layout_plan_format(layout, SHMGEN_FORMAT_VERSION, offsets_out, plan);
}

int shmgen_layout_plan_format(const shmgen_layout_t *layout, uint32_t format_version, uint64_t *offsets_out,
                              shmgen_layout_plan_t *plan)
{
    uint64_t at;
    int rc;

    if (!layout || !plan || (layout->nstructs > 0 && !layout->structs)) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = shmgen__plan_overhead(layout->nstructs, plan)) != 0) return rc;
    at = plan->overhead;
    for (size_t i = 0; i < layout->nstructs; i++) {
        const shmgen_struct_desc_t *d = &layout->structs[i];
        uint64_t size;
        if (!d->name || d->name[0] == '\0' || strlen(d->name) > SHMGEN_NAME_MAX) return SHMGEN_INVALID_ARGUMENT;
        rc = shmgen_struct_footprint_desc_format(d, format_version, &size);
        if (rc != 0) return rc;
        if (offsets_out) offsets_out[i] = at;
        if ((rc = add_checked(at, size, &at)) != 0) return rc;
    }
    plan->computed_size = at;
    plan->total_size = layout->declared_size > at ? layout->declared_size : at;
    return 0;
}

uint64_t shmgen_name_hash(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    return h;
}
