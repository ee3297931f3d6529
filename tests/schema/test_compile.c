/*
 * SPDX-License-Identifier: MIT
 *
 * test_compile.c — the computed layout is the C compiler's layout: for each
 * tricky schema, the layout JSON is read back and a C program is emitted that
 * declares the same structs and asserts sizeof, _Alignof and offsetof of
 * every type and field against the JSON's values; it is compiled with gcc
 * and clang (-std=c11 -Wall -Wextra -Werror) and run.  Clang is skipped only
 * when it is not installed.  Depends on shmgen_schema and a C compiler.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

static const char *c_scalar(shmgen_scalar_t s)
{
    static const char *const names[] = {
        [SHMGEN_U8] = "uint8_t", [SHMGEN_U16] = "uint16_t", [SHMGEN_U32] = "uint32_t", [SHMGEN_U64] = "uint64_t",
        [SHMGEN_I8] = "int8_t", [SHMGEN_I16] = "int16_t", [SHMGEN_I32] = "int32_t", [SHMGEN_I64] = "int64_t",
        [SHMGEN_F32] = "float", [SHMGEN_F64] = "double", [SHMGEN_BOOL] = "bool", [SHMGEN_CHAR] = "char",
        [SHMGEN_ATOMIC_U32] = "_Atomic uint32_t", [SHMGEN_ATOMIC_U64] = "_Atomic uint64_t",
        [SHMGEN_ATOMIC_I32] = "_Atomic int32_t", [SHMGEN_ATOMIC_I64] = "_Atomic int64_t",
        [SHMGEN_ATOMIC_BOOL] = "_Atomic bool",
    };
    return names[s];
}

static void c_type(const shmgen_schema_t *s, const shmgen_type_ref_t *r, char *buf, size_t size)
{
    if (r->kind == SHMGEN_REF_SCALAR) snprintf(buf, size, "%s", c_scalar(r->scalar));
    else if (r->kind == SHMGEN_REF_ENUM) snprintf(buf, size, "uint32_t /* enum %s */", s->enums[r->index].name);
    else snprintf(buf, size, "struct t_%s", s->types[r->index].name);
}

static bool deps_done(const shmgen_schema_t *s, size_t t, const bool *done)
{
    for (size_t f = 0; f < s->types[t].nfields; f++) {
        const shmgen_type_ref_t *r = &s->types[t].fields[f].type;
        if (r->kind == SHMGEN_REF_TYPE && !done[r->index]) return false;
    }
    return true;
}

static void emit_type(const shmgen_schema_t *s, const shmgen_type_t *t, FILE *out)
{
    char ct[200];
    fprintf(out, "struct t_%s {\n", t->name);
    for (size_t f = 0; f < t->nfields; f++) {
        c_type(s, &t->fields[f].type, ct, sizeof ct);
        if (t->fields[f].type.array_len)
            fprintf(out, "    %s %s[%llu];\n", ct, t->fields[f].name, (unsigned long long)t->fields[f].type.array_len);
        else fprintf(out, "    %s %s;\n", ct, t->fields[f].name);
    }
    fprintf(out, "};\n_Static_assert(sizeof(struct t_%s) == %llu, \"sizeof %s\");\n", t->name,
            (unsigned long long)t->size, t->name);
    fprintf(out, "_Static_assert(_Alignof(struct t_%s) == %u, \"_Alignof %s\");\n", t->name, t->align, t->name);
    for (size_t f = 0; f < t->nfields; f++) {
        fprintf(out, "_Static_assert(offsetof(struct t_%s, %s) == %llu, \"offsetof %s.%s\");\n", t->name,
                t->fields[f].name, (unsigned long long)t->fields[f].offset, t->name, t->fields[f].name);
        fprintf(out, "_Static_assert(sizeof(((struct t_%s *)0)->%s) == %llu, \"sizeof %s.%s\");\n", t->name,
                t->fields[f].name, (unsigned long long)t->fields[f].type.size, t->name, t->fields[f].name);
    }
}

/* Every structure's element: sizeof/_Alignof of "T" or "T[N]" via a typedef. */
static void emit_elements(const shmgen_schema_t *s, FILE *out)
{
    char ct[200];
    for (size_t i = 0; i < s->nstructures; i++) {
        const shmgen_structure_t *st = &s->structures[i];
        c_type(s, &st->elem, ct, sizeof ct);
        if (st->elem.array_len) fprintf(out, "typedef %s elem_%zu[%llu];\n", ct, i, (unsigned long long)st->elem.array_len);
        else fprintf(out, "typedef %s elem_%zu;\n", ct, i);
        fprintf(out, "_Static_assert(sizeof(elem_%zu) == %llu, \"elem size %s\");\n", i,
                (unsigned long long)st->elem.size, st->name);
        fprintf(out, "_Static_assert(_Alignof(elem_%zu) == %u, \"elem align %s\");\n", i, st->elem.align, st->name);
    }
}

static void emit_program(const shmgen_schema_t *s, FILE *out)
{
    bool *done = calloc(s->ntypes + 1, sizeof *done);
    size_t emitted = 0;
    fprintf(out, "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <stdio.h>\n\n");
    while (emitted < s->ntypes) {
        size_t before = emitted;
        for (size_t t = 0; t < s->ntypes; t++)
            if (!done[t] && deps_done(s, t, done)) {
                emit_type(s, &s->types[t], out);
                done[t] = true;
                emitted++;
            }
        cr_assert_gt(emitted, before, "types are not acyclic");
    }
    emit_elements(s, out);
    fprintf(out, "\nint main(void)\n{\n    puts(\"layout ok\");\n    return 0;\n}\n");
    free(done);
}

static bool have_compiler(const char *cc)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", cc);
    return system(cmd) == 0;
}

static void compile_and_run(const char *cc, const char *src, const char *exe)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -std=c11 -Wall -Wextra -Werror -o %s %s 2>&1", cc, exe, src);
    cr_assert_eq(system(cmd), 0, "%s failed to compile %s", cc, src);
    snprintf(cmd, sizeof cmd, "%s | grep -qx 'layout ok'", exe);
    cr_assert_eq(system(cmd), 0, "%s did not run", exe);
}

static void check_schema(const char *name)
{
    char yaml[512], src[512], exe[512], *json, *diags;
    shmgen_diags_t d = {0};
    snprintf(yaml, sizeof yaml, SCHEMA_TEST_DIR "/good/%s.yaml", name);
    shmgen_schema_t *y = shmgen_schema_load(yaml, &d);
    cr_assert_not_null(y, "%s", yaml);
    json = th_layout_json(y);
    shmgen_schema_t *s = shmgen_schema_load_layout_json_buffer(name, json, strlen(json), &d);
    diags = th_diag_text(&d);
    cr_assert_not_null(s, "%s", diags);
    mkdir(SHMGEN_BINARY_DIR "/tests/schema/compile", 0755);
    snprintf(src, sizeof src, SHMGEN_BINARY_DIR "/tests/schema/compile/%s.c", name);
    FILE *f = fopen(src, "w");
    cr_assert_not_null(f, "%s", src);
    emit_program(s, f);
    cr_assert_eq(fclose(f), 0);
    const char *compilers[] = {"gcc", "clang"};
    for (int i = 0; i < 2; i++) {
        if (!have_compiler(compilers[i])) {
            cr_assert_str_eq(compilers[i], "clang", "gcc is required");
            cr_log_warn("clang not installed: compile test with clang skipped");
            continue;
        }
        snprintf(exe, sizeof exe, SHMGEN_BINARY_DIR "/tests/schema/compile/%s_%s", name, compilers[i]);
        compile_and_run(compilers[i], src, exe);
    }
    free(json), free(diags);
    shmgen_schema_free(y);
    shmgen_schema_free(s);
    shmgen_diags_free(&d);
}

Test(compile, padding) { check_schema("padding"); }
Test(compile, nested) { check_schema("nested"); }
Test(compile, boolchar) { check_schema("boolchar"); }
Test(compile, enums) { check_schema("enums"); }
Test(compile, atomics) { check_schema("atomics"); }
Test(compile, contract) { check_schema("contract"); }
Test(compile, topics) { check_schema("topics"); }
