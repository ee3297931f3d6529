/*
 * SPDX-License-Identifier: MIT
 *
 * test_layout.c — layout units: C layout of types (padding, nested, arrays,
 * bool/char/enum sizes), structure offsets agreeing with the runtime's
 * shmgen_layout_plan(), and the properties of the layout hashes (names do
 * not matter, order does; pinned values so that a change of the canonical
 * form is noticed).  Depends on shmgen_schema.
 */
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define HEAD "segment: game\nversion: 1\n"

static shmgen_schema_t *load_ok(const char *yaml)
{
    char *text;
    shmgen_schema_t *s = th_load(yaml, &text);
    cr_assert_not_null(s, "%s", text);
    free(text);
    return s;
}

Test(layout, padding_follows_the_c_abi)
{
    struct mixed { uint8_t a; uint64_t b; uint8_t c; uint16_t d; uint32_t e; int8_t f; };
    shmgen_schema_t *s = load_ok(HEAD "types:\n  mixed: {a: u8, b: u64, c: u8, d: u16, e: u32, f: i8}\n"
                                      "structures:\n  m: {kind: array, type: mixed, capacity: 1}\n");
    const shmgen_type_t *t = &s->types[0];
    cr_expect_eq(t->size, sizeof(struct mixed));
    cr_expect_eq(t->align, alignof(struct mixed));
    cr_expect_eq(t->fields[1].offset, offsetof(struct mixed, b));
    cr_expect_eq(t->fields[1].padding_before, 7);
    cr_expect_eq(t->fields[3].offset, offsetof(struct mixed, d));
    cr_expect_eq(t->fields[3].padding_before, 1);
    cr_expect_eq(t->fields[4].offset, offsetof(struct mixed, e));
    cr_expect_eq(t->fields[5].offset, offsetof(struct mixed, f));
    cr_expect_eq(t->tail_padding, sizeof(struct mixed) - offsetof(struct mixed, f) - 1);
    shmgen_schema_free(s);
}

Test(layout, nested_arrays_enums_bool_char)
{
    struct inner { uint16_t a; char name[3]; };
    struct outer { bool flag; struct inner items[3]; uint32_t colour; double d; bool end; };
    shmgen_schema_t *s = load_ok(HEAD "enums:\n  colour: [r, g]\n"
                                      "types:\n  outer: {flag: bool, items: \"inner[3]\", colour: colour, d: f64, end: bool}\n"
                                      "  inner: {a: u16, name: \"char[3]\"}\n"
                                      "structures:\n  o: {kind: pool, type: outer, capacity: 2}\n");
    const shmgen_type_t *o = &s->types[0], *in = &s->types[1];
    cr_expect_eq(in->size, sizeof(struct inner));
    cr_expect_eq(in->align, alignof(struct inner));
    cr_expect_eq(o->size, sizeof(struct outer));
    cr_expect_eq(o->fields[1].offset, offsetof(struct outer, items));
    cr_expect_eq(o->fields[1].type.size, sizeof(((struct outer *)0)->items));
    cr_expect_eq(o->fields[2].offset, offsetof(struct outer, colour));
    cr_expect_eq(o->fields[2].type.size, 4, "an enum is a u32");
    cr_expect_eq(o->fields[3].offset, offsetof(struct outer, d));
    cr_expect_eq(o->fields[4].offset, offsetof(struct outer, end));
    cr_expect_eq(s->structures[0].elem.size, sizeof(struct outer));
    cr_expect_eq(s->structures[0].elem.hash, o->hash, "the element hash of a struct is the type's hash");
    shmgen_schema_free(s);
}

Test(layout, structures_agree_with_the_runtime_plan)
{
    shmgen_schema_t *s = load_ok(HEAD "size: 1MiB\ntypes:\n  v: {x: f32, y: f32, z: f32}\nstructures:\n"
                                      "  a: {kind: array, type: u8, capacity: 3}\n"
                                      "  q: {kind: queue, type: v, capacity: 5}\n"
                                      "  t: {kind: atomic, type: u64, initial: 9}\n"
                                      "  r: {kind: ring, type: \"u8[100]\", capacity: 4}\n");
    shmgen_layout_t layout;
    shmgen_struct_desc_t *descs;
    shmgen_layout_plan_t plan;
    uint64_t offsets[4], size;

    cr_assert_eq(shmgen_schema_runtime_layout(s, &layout, &descs), 0);
    cr_assert_eq(shmgen_layout_plan(&layout, offsets, &plan), 0);
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(s->structures[i].offset, offsets[i]);
        cr_expect_eq(s->structures[i].offset % 64, 0);
        cr_assert_eq(shmgen_struct_footprint(descs[i].kind, descs[i].elem_size, descs[i].elem_align, descs[i].capacity,
                                             &size), 0);
        cr_expect_eq(s->structures[i].size, size);
    }
    cr_expect_eq(memcmp(&plan, &s->plan, sizeof plan), 0);
    cr_expect_eq(s->plan.total_size, 1u << 20);
    cr_expect_eq(descs[2].initial, 9);
    cr_expect_eq(descs[3].elem_size, 100);
    cr_expect_eq(layout.layout_hash, s->layout_hash);
    cr_expect_eq(layout.mode, 0600, "the schema's mode (here the default) goes to the runtime");
    free(descs);
    shmgen_schema_free(s);
}

/* The runtime creates the segment with the schema's mode and refuses one
 * more open: the descriptor must carry it (0 would mean 0600). */
Test(layout, runtime_layout_carries_the_schema_mode)
{
    shmgen_schema_t *s = load_ok(HEAD "mode: 0640\nstructures:\n  a: {kind: array, type: u8, capacity: 3}\n");
    shmgen_layout_t layout;
    shmgen_struct_desc_t *descs;
    memset(&layout, 0xab, sizeof layout); /* whatever the caller's stack held */
    cr_assert_eq(shmgen_schema_runtime_layout(s, &layout, &descs), 0);
    cr_expect_eq(layout.mode, 0640);
    free(descs);
    shmgen_schema_free(s);
}

/* Topics are laid out by the runtime's shmgen_struct_footprint_desc (their
 * cursors count), latest values hold one element, double-buffered. */
Test(layout, topics_and_latest_use_the_runtime_footprint)
{
    shmgen_schema_t *s = load_ok(HEAD "structures:\n"
                                      "  t: {kind: topic, type: u64, capacity: 8, subscribers: 3, history: 2, policy: block, deadline_ms: 9}\n"
                                      "  d: {kind: topic, type: u64, capacity: 8}\n"
                                      "  l: {kind: latest, type: \"u8[100]\"}\n");
    shmgen_struct_desc_t d;
    uint64_t size;
    for (size_t i = 0; i < 3; i++) {
        shmgen_schema_struct_desc(s, i, &d);
        cr_assert_eq(shmgen_struct_footprint_desc(&d, &size), 0);
        cr_expect_eq(s->structures[i].size, size, "structure %zu", i);
    }
    shmgen_schema_struct_desc(s, 0, &d);
    cr_expect_eq(d.subscribers, 3);
    cr_expect_eq(d.history, 2);
    cr_expect_eq(d.policy, SHMGEN_TOPIC_BLOCK);
    cr_expect_eq(d.deadline_ms, 9);
    cr_expect_eq(s->structures[1].subscribers, SHMGEN_TOPIC_DEFAULT_SUBSCRIBERS, "the default");
    cr_expect_eq(s->structures[1].policy, SHMGEN_TOPIC_LAP, "the default");
    cr_expect_eq(s->structures[1].size - s->structures[0].size, 5 * SHMGEN_TOPIC_CURSOR_BYTES, "five more cursors");
    cr_expect_eq(s->structures[2].capacity, 1);
    shmgen_schema_struct_desc(s, 2, &d);
    cr_expect_eq(d.subscribers + d.history + d.policy + d.deadline_ms, 0, "latest has no topic parameters");
    shmgen_schema_free(s);
}

static uint64_t type_hash(const char *types, uint64_t *segment_hash)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, HEAD "enums:\n  e: [a, b]\ntypes:\n%sstructures:\n  s: {kind: array, type: t, capacity: 4}\n",
             types);
    shmgen_schema_t *s = load_ok(yaml);
    uint64_t h = s->structures[0].elem.hash;
    if (segment_hash) *segment_hash = s->layout_hash;
    shmgen_schema_free(s);
    return h;
}

Test(hash, names_do_not_matter_order_does)
{
    uint64_t base = type_hash("  t: {x: u32, y: \"u8[4]\", z: e}\n", NULL);
    cr_expect_eq(type_hash("  t: {renamed: u32, other: \"u8[4]\", z: e}\n", NULL), base, "renaming fields");
    cr_expect_eq(type_hash("  t: {x: u32, y: \"u8[4]\", z: e}\n  unused: {q: u8}\n", NULL), base, "adding a type");
    cr_expect_neq(type_hash("  t: {y: \"u8[4]\", x: u32, z: e}\n", NULL), base, "reordering fields");
    cr_expect_neq(type_hash("  t: {x: i32, y: \"u8[4]\", z: e}\n", NULL), base, "changing a field type");
    cr_expect_neq(type_hash("  t: {x: u32, y: \"u8[5]\", z: e}\n", NULL), base, "changing an array length");
    cr_expect_neq(type_hash("  t: {x: u32, y: \"u8[4]\", z: u32}\n", NULL), base, "an enum is not a u32");
    cr_expect_neq(type_hash("  t: {x: atomic_u32, y: \"u8[4]\", z: e}\n", NULL), base, "atomic is not plain");
}

Test(hash, renaming_a_nested_type_keeps_the_hash)
{
    uint64_t a = type_hash("  t: {p: pt}\n  pt: {x: f32}\n", NULL);
    uint64_t b = type_hash("  t: {p: point}\n  point: {x: f32}\n", NULL);
    uint64_t c = type_hash("  t: {p: pt}\n  pt: {x: i32}\n", NULL);
    cr_expect_eq(a, b);
    cr_expect_neq(a, c);
}

Test(hash, segment_hash_covers_structure_names_and_capacities)
{
    char *texts[] = {
        HEAD "structures:\n  a: {kind: array, type: u32, capacity: 4}\n",
        HEAD "structures:\n  b: {kind: array, type: u32, capacity: 4}\n",
        HEAD "structures:\n  a: {kind: array, type: u32, capacity: 5}\n",
        "segment: other\nversion: 1\nstructures:\n  a: {kind: array, type: u32, capacity: 4}\n",
        "segment: game\nversion: 7\nstructures:\n  a: {kind: array, type: u32, capacity: 4}\n",
    };
    uint64_t h[5];
    for (int i = 0; i < 5; i++) {
        shmgen_schema_t *s = load_ok(texts[i]);
        h[i] = s->layout_hash;
        shmgen_schema_free(s);
    }
    cr_expect_neq(h[0], h[1], "structure name");
    cr_expect_neq(h[0], h[2], "capacity");
    cr_expect_neq(h[0], h[3], "segment name");
    cr_expect_eq(h[0], h[4], "the version number alone is not layout");
}

static uint64_t segment_hash(const char *structure)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, HEAD "structures:\n  e: %s\n", structure);
    shmgen_schema_t *s = load_ok(yaml);
    uint64_t h = s->layout_hash;
    shmgen_schema_free(s);
    return h;
}

/* subscribers (bytes) and policy (meaning) are layout; history and the
 * deadline, like an atomic's initial value, are not. */
Test(hash, segment_hash_covers_topic_subscribers_and_policy)
{
    uint64_t base = segment_hash("{kind: topic, type: u32, capacity: 8}");
    cr_expect_neq(segment_hash("{kind: topic, type: u32, capacity: 8, subscribers: 9}"), base, "subscribers");
    cr_expect_neq(segment_hash("{kind: topic, type: u32, capacity: 8, policy: block}"), base, "policy");
    cr_expect_eq(segment_hash("{kind: topic, type: u32, capacity: 8, history: 3}"), base, "history");
    cr_expect_eq(segment_hash("{kind: topic, type: u32, capacity: 8, subscribers: 8, policy: lap}"), base,
                 "the defaults written out");
    cr_expect_eq(segment_hash("{kind: topic, type: u32, capacity: 8, policy: block, deadline_ms: 5}"),
                 segment_hash("{kind: topic, type: u32, capacity: 8, policy: block}"), "deadline");
    cr_expect_neq(segment_hash("{kind: latest, type: u32}"), segment_hash("{kind: atomic, type: u32}"), "kind");
}

/* Pinned: the documented canonical form (docs/layout-hash.md) must not
 * drift; these values are the same on every machine. */
Test(hash, pinned_values)
{
    shmgen_schema_t *s = load_ok(HEAD "types:\n  v: {x: f32, y: f32, z: f32}\n"
                                      "structures:\n  a: {kind: array, type: u32, capacity: 4}\n"
                                      "  q: {kind: queue, type: v, capacity: 8}\n");
    cr_expect_eq(s->types[0].hash, UINT64_C(0xb952ebd175418c51), "got 0x%016llx", (unsigned long long)s->types[0].hash);
    cr_expect_eq(s->structures[0].elem.hash, UINT64_C(0x805239717bf1d03d),
                 "got 0x%016llx", (unsigned long long)s->structures[0].elem.hash);
    cr_expect_eq(s->layout_hash, UINT64_C(0x2bad3c290b25201b), "got 0x%016llx", (unsigned long long)s->layout_hash);
    shmgen_schema_free(s);
}

Test(layout, type_order_puts_contained_types_first)
{
    shmgen_schema_t *s = load_ok(HEAD "types:\n  a: {x: b, y: \"c[2]\"}\n  b: {z: c}\n  c: {q: u8}\n  d: {w: u8}\n"
                                      "structures:\n  s: {kind: array, type: a, capacity: 1}\n");
    size_t order[4];
    cr_assert_eq(shmgen_schema_type_order(s, order), 0);
    cr_expect_eq(order[0], 2); /* c */
    cr_expect_eq(order[1], 1); /* b */
    cr_expect_eq(order[2], 0); /* a */
    cr_expect_eq(order[3], 3); /* d */
    shmgen_schema_free(s);
}
