/*
 * SPDX-License-Identifier: MIT
 *
 * test_loader.c — loader and validator units: the model built from YAML
 * (values, order, defaults, units), the diagnostics of single mistakes
 * (text and position), keep-going behaviour, "did you mean", hostile input,
 * and a large schema.  Depends on shmgen_schema (and its internal.h for the
 * name helpers).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "internal.h"

#define HEAD "segment: game\nversion: 3\n"

Test(loader, builds_the_model_in_written_order)
{
    shmgen_schema_t *s = th_load(HEAD "size: 2MiB\nmode: 0640\n"
                                      "enums:\n  e1: [a, b, c]\n  e2: {x: 4, y: 2}\n"
                                      "types:\n  zeta: {k: u8, j: e1, i: \"char[4]\"}\n  alpha: {q: zeta}\n"
                                      "structures:\n  z: {kind: queue, type: alpha, capacity: 3}\n"
                                      "  a: {kind: atomic, type: i32, initial: -7, since: 2}\n",
                                 NULL);
    cr_assert_not_null(s);
    cr_expect_str_eq(s->segment, "game");
    cr_expect_eq(s->version, 3);
    cr_expect_eq(s->declared_size, 2u << 20);
    cr_expect_eq(s->mode, 0640);
    cr_assert_eq(s->nenums, 2);
    cr_expect_eq(s->enums[0].nvalues, 3);
    cr_expect_eq(s->enums[0].values[2].value, 2);
    cr_expect_str_eq(s->enums[1].values[0].name, "x");
    cr_expect_eq(s->enums[1].values[0].value, 4);
    cr_assert_eq(s->ntypes, 2);
    cr_expect_str_eq(s->types[0].name, "zeta");
    cr_expect_str_eq(s->types[0].fields[0].name, "k");
    cr_expect_str_eq(s->types[0].fields[2].name, "i");
    cr_expect_eq(s->types[0].fields[1].type.kind, SHMGEN_REF_ENUM);
    cr_expect_eq(s->types[0].fields[2].type.scalar, SHMGEN_CHAR);
    cr_expect_eq(s->types[0].fields[2].type.array_len, 4);
    cr_expect_eq(s->types[1].fields[0].type.kind, SHMGEN_REF_TYPE);
    cr_expect_eq(s->types[1].fields[0].type.index, 0);
    cr_assert_eq(s->nstructures, 2);
    cr_expect_str_eq(s->structures[0].name, "z");
    cr_expect_eq(s->structures[0].kind, SHMGEN_KIND_QUEUE);
    cr_expect_eq(s->structures[0].since, 1);
    cr_expect_eq(s->structures[1].since, 2);
    cr_expect(s->structures[1].has_initial);
    cr_expect_eq(s->structures[1].initial_i, -7);
    cr_expect_eq(s->structures[1].capacity, 1);
    shmgen_schema_free(s);
}

Test(loader, defaults_and_locations)
{
    shmgen_schema_t *s = th_load(HEAD "structures:\n  t: {kind: atomic, type: bool}\n", NULL);
    cr_assert_not_null(s);
    cr_expect_eq(s->mode, 0600);
    cr_expect_eq(s->declared_size, 0);
    cr_expect_eq(s->plan.total_size, s->plan.computed_size);
    cr_expect_eq(s->structures[0].has_initial, false);
    cr_expect_eq(s->structures[0].loc.line, 4);
    cr_expect_eq(s->structures[0].loc.column, 3);
    cr_expect_eq(s->structures[0].elem.loc.column, 27);
    cr_expect_str_eq(s->structures[0].loc.file, "t.yaml");
    shmgen_schema_free(s);
}

Test(loader, sizes_with_units)
{
    static const struct { const char *text; uint64_t bytes; } cases[] = {
        {"1048576", 1048576}, {"64KiB", 65536}, {"3 MiB", 3u << 20}, {"1GiB", 1u << 30}, {"2097152B", 2097152},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[256];
        snprintf(yaml, sizeof yaml, HEAD "size: %s\nstructures:\n  t: {kind: atomic, type: u32}\n", cases[i].text);
        shmgen_schema_t *s = th_load(yaml, NULL);
        cr_assert_not_null(s, "%s", cases[i].text);
        cr_expect_eq(s->declared_size, cases[i].bytes, "%s", cases[i].text);
        shmgen_schema_free(s);
    }
}

static void expect_error(const char *yaml, const char *message)
{
    char *text;
    shmgen_schema_t *s = th_load(yaml, &text);
    cr_expect_null(s);
    cr_expect(th_contains(text, message), "expected '%s' in:\n%s", message, text);
    free(text);
    shmgen_schema_free(s);
}

Test(loader, single_mistakes_are_named_at_their_place)
{
    expect_error(HEAD "structures:\n  q: {kind: hashmap, type: u8, capacity: 1}\n",
                 "t.yaml:4:13: error: unknown kind 'hashmap'; expected one of array, atomic, queue, stack, ring, pool, topic, latest");
    expect_error(HEAD "structures:\n  q: {kind: queue, type: u8, capacity: 0}\n",
                 "t.yaml:4:40: error: capacity must be >= 1; found 0");
    expect_error(HEAD "structures:\n  q: {kind: array, type: u8, capacity: 18446744073709551615}\n",
                 "overflow the 64-bit layout");
    expect_error(HEAD "structures:\n  1q: {kind: atomic, type: u8}\n", "structure name '1q' is not a C identifier");
    expect_error(HEAD "structures:\n  while: {kind: atomic, type: u32}\n", "structure name 'while' is a C keyword");
    expect_error(HEAD "structures:\n  bool: {kind: atomic, type: u32}\n", "structure name 'bool' is a C keyword");
    expect_error(HEAD "size: 64\nstructures:\n  t: {kind: atomic, type: u32}\n",
                 "declared size 64 bytes is below the computed size 41792 bytes");
    expect_error(HEAD "structures:\n  t: {kind: atomic, type: u32, since: 4}\n", "since 4 is greater than the schema version 3");
    expect_error(HEAD "types:\n  p: {x: u8[2]}\nstructures:\n  t: {kind: atomic, type: u32}\n",
                 "t.yaml:4:12: error: unquoted '[' in a flow mapping: quote the array type, write \"u8[2]\"");
}

Test(loader, keeps_going_after_errors_without_cascading)
{
    char *text;
    shmgen_schema_t *s = th_load(HEAD "types:\n  bad: {x: nope}\n  user: {b: bad, c: bad}\n"
                                      "structures:\n  a: {kind: array, type: user, capacity: 2}\n"
                                      "  b: {kind: queue, type: bad, capacity: 0}\n",
                                 &text);
    cr_expect_null(s);
    /* one unknown type and one bad capacity: the users of 'bad' stay silent */
    cr_expect_str_eq(text, "t.yaml:4:12: error: unknown type 'nope'; expected one of u8, u16, u32, u64, i8, i16, "
                           "i32, i64, f32, f64, bool, char[N], atomic_u32, atomic_u64, atomic_i32, atomic_i64, "
                           "atomic_bool, or a type or enum declared in this file\n"
                           "t.yaml:8:41: error: capacity must be >= 1; found 0\n2 errors\n");
    free(text);
}

Test(loader, did_you_mean)
{
    expect_error(HEAD "strcutures:\n  t: {kind: atomic, type: u32}\n", "unknown key 'strcutures' in the schema; did you mean 'structures'?");
    expect_error(HEAD "structures:\n  t: {kind: atomic, tpye: u32}\n", "did you mean 'type'?");
    expect_error(HEAD "types:\n  position: {x: f32}\nstructures:\n  t: {kind: array, type: positon, capacity: 1}\n",
                 "unknown type 'positon'; did you mean 'position'?");
    expect_error(HEAD "structures:\n  t: {kind: atomic, type: u23}\n", "did you mean 'u32'?");
    expect_error(HEAD "structures:\n  t: {kind: stak, type: u32, capacity: 1}\n", "did you mean 'stack'?");
}

Test(names, edit_distance)
{
    cr_expect_eq(shmgen__edit_distance("queue", "queue", 3), 0);
    cr_expect_eq(shmgen__edit_distance("queu", "queue", 3), 1);
    cr_expect_eq(shmgen__edit_distance("qeueu", "queue", 3), 2);
    cr_expect_eq(shmgen__edit_distance("stack", "stakc", 3), 1, "a transposition counts once");
    cr_expect_eq(shmgen__edit_distance("abcdefgh", "zzzzzzzz", 3), 4, "capped at cap + 1");
    static const char *const cands[] = {"array", "atomic", "queue", "stack", "ring", "pool"};
    cr_expect_str_eq(shmgen__closest("rign", cands, 6), "ring");
    cr_expect_null(shmgen__closest("hashmap", cands, 6));
    cr_expect_null(shmgen__closest("x", cands, 6));
}

Test(names, printable_escapes_and_truncates)
{
    char buf[SHMGEN__PRINT_BUF];
    cr_expect_str_eq(shmgen__printable("a\nb\x01'", 5, buf, sizeof buf), "a\\nb\\x01\\'");
    char longer[100];
    memset(longer, 'x', sizeof longer);
    shmgen__printable(longer, sizeof longer, buf, sizeof buf);
    cr_expect_eq(strlen(buf), 67);
}

Test(loader, hostile_input_is_refused_cleanly)
{
    char *deep = malloc(20000), *text;
    size_t n = 0;
    n += (size_t)sprintf(deep, "a: ");
    for (int i = 0; i < 5000; i++) deep[n++] = '[';
    deep[n] = '\0';
    shmgen_schema_t *s = th_load(deep, &text);
    cr_expect_null(s);
    cr_expect(th_contains(text, "nesting is deeper than 64 levels"), "%s", text);
    free(text);
    free(deep);

    static const char nul_name[] = HEAD "structures:\n  \"a\\0b\": {kind: atomic, type: u32}\n";
    expect_error(nul_name, "structure name 'a\\x00b' is not a C identifier");
    expect_error(HEAD "structures:\n  \"x\\ny\": {kind: atomic, type: u32}\n", "'x\\ny' is not a C identifier");
    expect_error("segment: [", "YAML syntax error");
    expect_error("\t\t", "t.yaml:1:1: error: a tab in the indentation");
    expect_error("42", "expected a mapping with segment, version and structures at the top; found '42'");
}

Test(loader, oversized_buffer_is_refused)
{
    shmgen_diags_t d = {0};
    size_t len = SHMGEN_SCHEMA_MAX_FILE_SIZE + 1;
    char *big = calloc(1, len);
    cr_assert_not_null(big);
    cr_expect_null(shmgen_schema_load_buffer("big.yaml", big, len, &d));
    cr_expect_eq(d.errors, 1);
    cr_expect(th_contains(d.items[0].message, "at most 67108864"));
    shmgen_diags_free(&d);
    free(big);
}

Test(loader, missing_file_is_an_error)
{
    shmgen_diags_t d = {0};
    cr_expect_null(shmgen_schema_load("/nonexistent/segment.yaml", &d));
    cr_expect_eq(d.errors, 1);
    cr_expect(th_contains(d.items[0].message, "cannot open"));
    shmgen_diags_free(&d);
}

Test(loader, diagnostics_outlive_the_schema_path)
{
    shmgen_diags_t d = {0};
    char name[32] = "temp.yaml";
    cr_expect_null(shmgen_schema_load_buffer(name, "segment: 1\n", 11, &d));
    memset(name, 'Z', sizeof name - 1);
    cr_assert_gt(d.count, 0);
    cr_expect_str_eq(d.items[0].loc.file, "temp.yaml");
    shmgen_diags_free(&d);
}

/* Many structures, types and enums: names are looked up in hash tables. */
Test(loader, ten_thousand_structures)
{
    size_t cap = 2 << 20, n = 0;
    char *yaml = malloc(cap);
    n += (size_t)snprintf(yaml + n, cap - n, "segment: big\nversion: 1\ntypes:\n");
    for (int i = 0; i < 10000; i++) n += (size_t)snprintf(yaml + n, cap - n, "  t%d: {a: u32, b: t%d}\n", i, i + 1);
    n += (size_t)snprintf(yaml + n, cap - n, "  t10000: {z: u8}\nstructures:\n");
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(yaml + n, cap - n, "  s%d: {kind: array, type: t%d, capacity: %d}\n", i, 9999 - i, i + 1);
    shmgen_schema_t *s = th_load(yaml, NULL);
    cr_assert_not_null(s);
    cr_expect_eq(s->nstructures, 10000);
    /* t0 nests a chain of 10,000 types: laid out without deep recursion */
    cr_expect_eq(s->types[0].size, 8 + 4 * 9999); /* t10000 is 1 byte, t9999 8, each level adds 4 */
    cr_expect_eq(s->structures[9999].capacity, 10000);
    shmgen_schema_free(s);
    free(yaml);
}
