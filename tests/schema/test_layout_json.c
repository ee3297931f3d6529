/*
 * SPDX-License-Identifier: MIT
 *
 * test_layout_json.c — the layout JSON lock file: round trip (yaml → json →
 * model → json, same model and hashes, byte-identical output), locations
 * pointing into the JSON, edited values detected, and malformed or hostile
 * JSON refused with line:column and never a crash.  Depends on shmgen_schema.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static shmgen_schema_t *from_json(const char *json, char **diag_text)
{
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load_layout_json_buffer("l.json", json, strlen(json), &d);
    cr_assert((s != NULL) == (d.errors == 0));
    if (diag_text) *diag_text = th_diag_text(&d);
    shmgen_diags_free(&d);
    return s;
}

static void expect_same_ref(const shmgen_type_ref_t *a, const shmgen_type_ref_t *b)
{
    cr_expect_eq(a->kind, b->kind);
    cr_expect_eq(a->scalar, b->scalar);
    cr_expect_eq(a->index, b->index);
    cr_expect_eq(a->array_len, b->array_len);
    cr_expect_eq(a->size, b->size);
    cr_expect_eq(a->align, b->align);
    cr_expect_eq(a->hash, b->hash);
}

static void expect_same_model(const shmgen_schema_t *a, const shmgen_schema_t *b)
{
    cr_expect_str_eq(a->segment, b->segment);
    cr_expect_eq(a->version, b->version);
    cr_expect_eq(a->mode, b->mode);
    cr_expect_eq(a->declared_size, b->declared_size);
    cr_expect_eq(a->layout_hash, b->layout_hash);
    cr_expect_eq(memcmp(&a->plan, &b->plan, sizeof a->plan), 0);
    cr_assert_eq(a->nenums, b->nenums);
    for (size_t i = 0; i < a->nenums; i++) {
        cr_expect_str_eq(a->enums[i].name, b->enums[i].name);
        cr_expect_eq(a->enums[i].hash, b->enums[i].hash);
        cr_assert_eq(a->enums[i].nvalues, b->enums[i].nvalues);
    }
    cr_assert_eq(a->ntypes, b->ntypes);
    for (size_t i = 0; i < a->ntypes; i++) {
        cr_expect_str_eq(a->types[i].name, b->types[i].name);
        cr_expect_eq(a->types[i].hash, b->types[i].hash);
        cr_assert_eq(a->types[i].nfields, b->types[i].nfields);
        for (size_t j = 0; j < a->types[i].nfields; j++) {
            cr_expect_str_eq(a->types[i].fields[j].name, b->types[i].fields[j].name);
            cr_expect_eq(a->types[i].fields[j].offset, b->types[i].fields[j].offset);
            expect_same_ref(&a->types[i].fields[j].type, &b->types[i].fields[j].type);
        }
    }
    cr_assert_eq(a->nstructures, b->nstructures);
    for (size_t i = 0; i < a->nstructures; i++) {
        const shmgen_structure_t *x = &a->structures[i], *y = &b->structures[i];
        cr_expect_str_eq(x->name, y->name);
        cr_expect_eq(x->kind, y->kind);
        cr_expect_eq(x->capacity, y->capacity);
        cr_expect_eq(x->since, y->since);
        cr_expect_eq(x->has_initial, y->has_initial);
        cr_expect_eq(x->initial_u, y->initial_u);
        cr_expect_eq(x->offset, y->offset);
        cr_expect_eq(x->size, y->size);
        cr_expect_eq(x->subscribers, y->subscribers);
        cr_expect_eq(x->history, y->history);
        cr_expect_eq(x->policy, y->policy);
        cr_expect_eq(x->deadline_ms, y->deadline_ms);
        expect_same_ref(&x->elem, &y->elem);
    }
}

Test(layout_json, round_trip_of_every_good_schema)
{
    DIR *dir = opendir(SCHEMA_TEST_DIR "/good");
    struct dirent *e;
    size_t count = 0;
    cr_assert_not_null(dir);
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        char path[600];
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
        snprintf(path, sizeof path, SCHEMA_TEST_DIR "/good/%s", e->d_name);
        shmgen_diags_t d = {0};
        shmgen_schema_t *y = shmgen_schema_load(path, &d);
        cr_assert_not_null(y, "%s", path);
        char *json = th_layout_json(y), *diags;
        shmgen_schema_t *j = from_json(json, &diags);
        cr_assert_not_null(j, "%s: the JSON does not read back:\n%s", path, diags);
        expect_same_model(y, j);
        char *again = th_layout_json(j);
        cr_expect_str_eq(again, json, "%s: writing the read-back model differs", path);
        free(again), free(json), free(diags);
        shmgen_schema_free(y);
        shmgen_schema_free(j);
        shmgen_diags_free(&d);
        count++;
    }
    closedir(dir);
    cr_expect_geq(count, 5);
}

static char *contract_json(void)
{
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load(SCHEMA_TEST_DIR "/good/contract.yaml", &d);
    cr_assert_not_null(s);
    char *json = th_layout_json(s);
    shmgen_schema_free(s);
    shmgen_diags_free(&d);
    return json;
}

/* Replaces the first occurrence of `from` by `to` in a malloc'ed string. */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "'%s' not in the JSON", from);
    size_t head = (size_t)(at - text), total = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(total + 1);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static void expect_json_error(const char *json, const char *message)
{
    char *diags;
    shmgen_schema_t *s = from_json(json, &diags);
    cr_expect_null(s);
    cr_expect(th_contains(diags, message), "expected '%s' in:\n%s", message, diags);
    free(diags);
    shmgen_schema_free(s);
}

Test(layout_json, edited_values_are_detected_at_their_place)
{
    char *json = contract_json();
    char *a = edit(json, "\"offset\": 444672", "\"offset\": 444680");
    char *b = edit(json, "\"total_size\": 536870912", "\"total_size\": 5");
    char *c = edit(json, "\"kind\": \"pool\"", "\"kind\": \"pol\"");
    char *d = edit(json, "\"capacity\": 1000", "\"capacity\": -1");
    expect_json_error(a, "stored offset '444680' differs from the computed 444672");
    expect_json_error(b, "stored total_size '5' differs from the computed 536870912");
    expect_json_error(c, "unknown kind 'pol'; did you mean 'pool'?");
    expect_json_error(d, "capacity must be >= 1; found -1");
    char *diags;
    from_json(a, &diags);
    cr_expect(strncmp(diags, "l.json:", 7) == 0 && diags[7] >= '1' && diags[7] <= '9', "%s", diags);
    free(diags);
    free(a), free(b), free(c), free(d), free(json);
}

Test(layout_json, malformed_json_is_refused_with_a_position)
{
    expect_json_error("", "l.json:1:1: error: JSON syntax error: unexpected end of input");
    expect_json_error("{\"a\": }", "l.json:1:7: error: JSON syntax error: expected a value");
    expect_json_error("{\"a\": 1,}", "l.json:1:9: error: JSON syntax error: expected a string key");
    expect_json_error("{\"a\": \"x\n\"}", "control character in string");
    expect_json_error("{\"a\": \"\\q\"}", "bad escape in string");
    expect_json_error("{\"a\": \"\\ud800\"}", "unpaired surrogate");
    expect_json_error("{\"a\": 01}", "expected a value");
    expect_json_error("{\"a\": 1} x", "unexpected text after the JSON value");
    expect_json_error("[1, 2]", "a layout JSON is an object");
    expect_json_error("{\"format\": \"other/9\"}", "not a layout JSON: expected \"format\": \"shmgen-layout/1\"");
    expect_json_error("{\"format\": \"shmgen-layout/1\"}", "the layout has no 'segment'");

    char deep[3000];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    expect_json_error(deep, "nesting is deeper than 64 levels");
}

Test(layout_json, wrong_shapes_do_not_crash)
{
    char *json = contract_json();
    static const char *const edits[][2] = {
        {"\"types\": [", "\"types\": 7, \"x\": ["},
        {"\"fields\": [", "\"fields\": {\"a\": 1}, \"q\": ["},
        {"\"name\": \"vec3\"", "\"name\": [1]"},
        {"\"structures\": [", "\"structures\": [3, "},
        {"\"values\": [", "\"values\": [{\"name\": 5, \"value\": \"x\"}, "},
        {"\"segment\": \"game_server\"", "\"segment\": {\"a\": null}"},
        {"\"mode\": \"0600\"", "\"mode\": 384"},
        {"\"plan\": {", "\"plan\": {\"extra\": 1, "},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *bad = edit(json, edits[i][0], edits[i][1]), *diags;
        shmgen_schema_t *s = from_json(bad, &diags);
        cr_expect_null(s, "edit %zu was accepted", i);
        cr_expect(th_contains(diags, "l.json:"), "%s", diags);
        shmgen_schema_free(s);
        free(diags);
        free(bad);
    }
    free(json);
}

Test(layout_json, load_any_tells_json_from_yaml)
{
    shmgen_diags_t d = {0};
    char *json = contract_json();
    cr_expect(shmgen_layout_json_sniff(json, strlen(json)));
    cr_expect(!shmgen_layout_json_sniff("segment: x\n", 11));
    cr_expect(!shmgen_layout_json_sniff("{segment: x}", 12));
    char path[] = "/tmp/shmgen_lockXXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert(th_write_file(path, json, strlen(json)));
    shmgen_schema_t *s = shmgen_schema_load_any(path, &d);
    cr_expect_not_null(s);
    cr_expect_eq(d.count, 0);
    shmgen_schema_free(s);
    s = shmgen_schema_load_any(SCHEMA_TEST_DIR "/good/contract.yaml", &d);
    cr_expect_not_null(s);
    shmgen_schema_free(s);
    unlink(path);
    shmgen_diags_free(&d);
    free(json);
}

/* A lock file written before topics had their parameters (or by hand
 * without them) still reads: the schema's defaults apply, and the stored
 * sizes and hashes agree with them. */
Test(layout_json, topic_parameters_are_optional_in_a_lock_file)
{
    shmgen_schema_t *y = th_load("segment: t\nversion: 1\nstructures:\n  ev: {kind: topic, type: u32, capacity: 4}\n"
                                 "  cfg: {kind: latest, type: u64}\n", NULL);
    char *json, *bare, *diags;
    shmgen_schema_t *j;
    cr_assert_not_null(y);
    json = th_layout_json(y);
    cr_assert(th_contains(json, "\"subscribers\": 8, \"history\": 0, \"policy\": \"lap\", \"deadline_ms\": 0"), "%s", json);
    bare = edit(json, ", \"subscribers\": 8, \"history\": 0, \"policy\": \"lap\", \"deadline_ms\": 0", "");
    j = from_json(bare, &diags);
    cr_assert_not_null(j, "%s", diags);
    expect_same_model(y, j);
    cr_expect_eq(j->structures[0].subscribers, SHMGEN_TOPIC_DEFAULT_SUBSCRIBERS);
    cr_expect_eq(j->structures[1].capacity, 1);
    free(json), free(bare), free(diags);
    shmgen_schema_free(y);
    shmgen_schema_free(j);
}

/* Topic parameters in a lock file go through the same validation as in YAML. */
Test(layout_json, bad_topic_parameters_are_refused_at_their_place)
{
    shmgen_schema_t *y = th_load("segment: t\nversion: 1\nstructures:\n  ev: {kind: topic, type: u32, capacity: 4}\n",
                                 NULL);
    char *json = th_layout_json(y);
    char *wrong_policy = edit(json, "\"policy\": \"lap\"", "\"policy\": \"sometimes\"");
    char *deadline = edit(json, "\"deadline_ms\": 0", "\"deadline_ms\": 5");
    char *history = edit(json, "\"history\": 0", "\"history\": 4");
    expect_json_error(wrong_policy, "policy must be lap");
    expect_json_error(deadline, "deadline_ms applies only with policy: block");
    expect_json_error(history, "history 4 must be less than the capacity 4");
    free(json), free(wrong_policy), free(deadline), free(history);
    shmgen_schema_free(y);
}
