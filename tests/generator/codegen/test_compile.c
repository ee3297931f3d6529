/*
 * test_compile.c — generated code as a user's compiler sees it: every golden
 * schema's output compiles cleanly with gcc and clang at -std=c11 -Wall
 * -Wextra -Werror -pedantic, the header compiles as C++17 (g++, clang++), every
 * accessor type-checks (use_game_server.c), and wrong element or handle types
 * are rejected.  A compiler that is not installed is skipped, not failed.
 */
#include "gen_util.h"

TestSuite(compile, .fini = fmt_free_all);

#define STRICT_C "-std=c11 -Wall -Wextra -Werror -pedantic"
#define STRICT_CXX "-std=c++17 -Wall -Wextra -Werror -pedantic"

/* Generates golden/<name> into a fresh directory; returns it. */
static char *generate(const char *name)
{
    char *dir = fresh_dir(fmt("compile_%s", name));
    cr_assert_eq(runf("cd %s/%s && %s generate segment.yaml -o %s", GOLDEN_DIR, name, SHMGEN_BIN, dir), 0);
    return dir;
}

/* Compiles src with cc and flags; returns the exit status (0 = compiled). */
static int compile(const char *cc, const char *flags, const char *dir, const char *src)
{
    return runf("%s %s -I%s -I%s -c %s -o /dev/null 2>>%s/compile.log", cc, flags, dir, RUNTIME_INCLUDE, src, dir);
}

static void compile_c_everywhere(const char *dir, const char *src)
{
    static const char *const ccs[] = {"gcc", "clang"};
    for (size_t i = 0; i < 2; i++) {
        if (!have_tool(ccs[i])) {
            cr_log_warn("%s not installed: skipped", ccs[i]);
            continue;
        }
        cr_expect_eq(compile(ccs[i], STRICT_C, dir, src), 0, "%s rejects %s (see %s/compile.log)", ccs[i], src, dir);
    }
}

static void compile_header_as_cxx(const char *dir, const char *header, const char *body)
{
    static const char *const cxxs[] = {"g++", "clang++"};
    char *src = fmt("%s/use.cpp", dir);
    spit(src, fmt("#include \"%s\"\n%s\nint main() { return 0; }\n", header, body));
    for (size_t i = 0; i < 2; i++) {
        if (!have_tool(cxxs[i])) {
            cr_log_warn("%s not installed: skipped", cxxs[i]);
            continue;
        }
        cr_expect_eq(compile(cxxs[i], STRICT_CXX, dir, src), 0, "%s rejects %s (see %s/compile.log)", cxxs[i],
                     header, dir);
    }
}

Test(compile, generated_sources_compile_strictly_with_gcc_and_clang)
{
    static const char *const names[][2] = {{"game_server", "game_server"}, {"minimal", "counter"},
                                           {"everything", "kitchen_sink"}};
    for (size_t i = 0; i < 3; i++) {
        char *dir = generate(names[i][0]);
        compile_c_everywhere(dir, fmt("%s/%s.c", dir, names[i][1]));
    }
}

Test(compile, every_accessor_type_checks)
{
    char *dir = generate("game_server");
    compile_c_everywhere(dir, SHMGEN_SOURCE_DIR "/tests/generator/codegen/use_game_server.c");
}

Test(compile, headers_compile_as_cxx)
{
    compile_header_as_cxx(generate("minimal"), "counter.h",
                          "unsigned long long f(counter_t *c) { return counter_hits_fetch_add(c, 1); }");
    compile_header_as_cxx(generate("everything"), "kitchen_sink.h",
                          "int f(kitchen_sink_t *k) { kitchen_sink_blobs_elem_t b = {}; "
                          "kitchen_sink_inner_t *i = kitchen_sink_slots_get(k, kitchen_sink_slots_acquire(k)); "
                          "return kitchen_sink_blobs_enqueue(k, &b) + (i != nullptr); }");
    compile_header_as_cxx(generate("game_server"), "game_server.h",
                          "int f(game_server_t *g) { game_server_vec3_t v = {1, 2, 3}; "
                          "game_server_monster_t *m = game_server_monsters_get(g, game_server_monsters_acquire(g)); "
                          "return game_server_damage_queue_enqueue(g, &v) + (m != nullptr); }");
}

/* Writes a one-function C file around `body`; returns its path. */
static char *snippet(const char *dir, const char *name, const char *seg, const char *body)
{
    char *src = fmt("%s/%s.c", dir, name);
    spit(src, fmt("#include <string.h>\n#include \"%s.h\"\nint f(%s_t *p);\nint f(%s_t *p) {\n%s\n}\n", seg, seg,
                  seg, body));
    return src;
}

Test(compile, wrong_element_type_does_not_compile)
{
    char *dir = generate("game_server");
    const char *ok = "game_server_vec3_t v = {0, 0, 0}; return game_server_damage_queue_enqueue(p, &v);";
    const char *bad = "game_server_monster_t m; memset(&m, 0, sizeof m); "
                      "return game_server_damage_queue_enqueue(p, &m);";
    char *good_src = snippet(dir, "right_type", "game_server", ok);
    char *bad_src = snippet(dir, "wrong_type", "game_server", bad);
    /* C: passing a monster* for a const vec3* is a constraint violation, a
     * diagnostic that -Werror (or gcc >= 14 by default) makes an error */
    cr_expect_eq(compile("cc", "-std=c11 -Werror", dir, good_src), 0, "the control snippet must compile");
    cr_expect_neq(compile("cc", "-std=c11 -Werror", dir, bad_src), 0, "a monster went into a vec3 queue");
    if (have_tool("clang")) cr_expect_neq(compile("clang", "-std=c11 -Werror", dir, bad_src), 0);
    /* C++ rejects it without any flag */
    if (have_tool("g++")) {
        cr_expect_eq(compile("g++", "-x c++", dir, good_src), 0, "the control snippet must compile as C++");
        cr_expect_neq(compile("g++", "-x c++", dir, bad_src), 0, "C++ accepted a monster for a vec3");
    }
}

Test(compile, handles_of_different_pools_do_not_mix)
{
    char *dir = generate("everything");
    char *good_src = snippet(dir, "right_pool", "kitchen_sink",
                             "return kitchen_sink_slots_release(p, kitchen_sink_slots_acquire(p));");
    char *bad_src = snippet(dir, "wrong_pool", "kitchen_sink",
                            "return kitchen_sink_late_pool_release(p, kitchen_sink_slots_acquire(p));");
    /* distinct struct types: an error in C even without -Werror */
    cr_expect_eq(compile("cc", "-std=c11", dir, good_src), 0, "the control snippet must compile");
    cr_expect_neq(compile("cc", "-std=c11", dir, bad_src), 0, "a slots handle was accepted by late_pool");
}

Test(compile, header_refuses_another_runtime_abi)
{
    char *dir = generate("minimal"), *log = fmt("%s/abi.log", dir);
    char *src = fmt("%s/abi.c", dir), *text;
    /* pretend the runtime headers are of another ABI */
    spit(src, "#include \"shmgen/layout.h\"\n#undef SHMGEN_RUNTIME_ABI_VERSION\n"
              "#define SHMGEN_RUNTIME_ABI_VERSION 999\n#include \"counter.h\"\n");
    cr_expect_neq(runf("cc -std=c11 -I%s -I%s -c %s -o /dev/null 2>%s", dir, RUNTIME_INCLUDE, src, log), 0);
    text = slurp(log, NULL);
    cr_expect(text && strstr(text, "regenerate it with the shmgen of this runtime") != NULL, "got: %s", text);
    free(text);
    /* the control: the real ABI compiles */
    spit(src, "#include \"counter.h\"\n");
    cr_expect_eq(compile("cc", STRICT_C, dir, src), 0);
}
