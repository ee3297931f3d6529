/*
 * SPDX-License-Identifier: MIT
 *
 * test_compile.c — generated code as a user's compiler sees it: every golden
 * schema's output compiles cleanly with gcc and clang at -std=c11 -Wall
 * -Wextra -Werror -pedantic, the header compiles as C++17 (g++, clang++), every
 * accessor type-checks (use_game_server.c, use_kitchen_sink.c for topics and
 * latest values), and wrong element, handle or subscription types are rejected.  A compiler that is not installed is skipped, not failed.
 */
#include <ctype.h>

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
    dir = generate("everything");
    compile_c_everywhere(dir, SHMGEN_SOURCE_DIR "/tests/generator/codegen/use_kitchen_sink.c");
}

Test(compile, headers_compile_as_cxx)
{
    compile_header_as_cxx(generate("minimal"), "counter.h",
                          "unsigned long long f(counter_t *c) { return counter_hits_fetch_add(c, 1); }");
    compile_header_as_cxx(generate("everything"), "kitchen_sink.h",
                          "int f(kitchen_sink_t *k) { kitchen_sink_blobs_elem_t b = {}; "
                          "kitchen_sink_inner_t *i = kitchen_sink_slots_get(k, kitchen_sink_slots_acquire(k)); "
                          "return kitchen_sink_blobs_enqueue(k, &b) + (i != nullptr); }\n"
                          "int g(kitchen_sink_t *k) { kitchen_sink_feed_sub_t s; const kitchen_sink_inner_t *in; "
                          "kitchen_sink_inner_t *slot; kitchen_sink_scalars_t c = {}; "
                          "int rc = kitchen_sink_feed_loan(k, &slot) + kitchen_sink_feed_subscribe(k, \"cxx\", &s); "
                          "rc += kitchen_sink_feed_read(&s, &in) + kitchen_sink_config_load(k, &c, nullptr); "
                          "return rc + (in != nullptr); }");
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
    /* Without -Werror it is that one diagnostic, -Wincompatible-pointer-types:
     * only a warning in gcc 12/13 and clang 14 (the README says so), an error
     * from gcc 14 on */
    cr_expect_eq(runf("cc -std=c11 -I%s -I%s -c %s -o /dev/null 2>&1 | grep -q 'Wincompatible-pointer-types'", dir,
                      RUNTIME_INCLUDE, bad_src),
                 0, "a monster for a vec3 must at least be diagnosed");
    /* C++ rejects it without any flag */
    if (have_tool("g++")) {
        cr_expect_eq(compile("g++", "-x c++", dir, good_src), 0, "the control snippet must compile as C++");
        cr_expect_neq(compile("g++", "-x c++", dir, bad_src), 0, "C++ accepted a monster for a vec3");
    }
}

/* Topics: a sample of the wrong type, a pointer of the wrong type for a
 * zero-copy read or loan, and another topic's subscription are refused. */
Test(compile, wrong_types_for_a_topic_do_not_compile)
{
    char *dir = generate("everything");
    static const char *const bad[][2] = {
        {"topic_wrong_sample", "kitchen_sink_scalars_t v; memset(&v, 0, sizeof v); "
                               "return kitchen_sink_feed_publish_copy(p, &v);"},
        {"topic_wrong_read", "kitchen_sink_feed_sub_t s; const kitchen_sink_scalars_t *v; memset(&s, 0, sizeof s); "
                             "return kitchen_sink_feed_read(&s, &v);"},
        {"topic_wrong_loan", "uint32_t *v; return kitchen_sink_feed_loan(p, &v);"},
        {"topic_mutable_read", "kitchen_sink_feed_sub_t s; kitchen_sink_inner_t *v; memset(&s, 0, sizeof s); "
                               "return kitchen_sink_feed_read(&s, &v);"},
        {"latest_wrong_value", "uint64_t v = 0; return kitchen_sink_config_store(p, &v);"},
    };
    char *good_src = snippet(dir, "topic_right_types", "kitchen_sink",
                             "kitchen_sink_feed_sub_t s; const kitchen_sink_inner_t *v; kitchen_sink_inner_t *w; "
                             "kitchen_sink_scalars_t c; memset(&c, 0, sizeof c); "
                             "if (kitchen_sink_feed_subscribe(p, \"a\", &s) || kitchen_sink_feed_loan(p, &w)) return 1; "
                             "return kitchen_sink_feed_read(&s, &v) + kitchen_sink_config_store(p, &c);");
    char *mixed_src = snippet(dir, "topic_other_sub", "kitchen_sink",
                              "kitchen_sink_feed_sub_t s; const uint32_t *v; memset(&s, 0, sizeof s); "
                              "return kitchen_sink_late_feed_read(&s, &v);");
    cr_expect_eq(compile("cc", "-std=c11 -Werror", dir, good_src), 0, "the control snippet must compile");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *src = snippet(dir, bad[i][0], "kitchen_sink", bad[i][1]);
        cr_expect_neq(compile("cc", "-std=c11 -Werror", dir, src), 0, "%s compiled", bad[i][0]);
        if (have_tool("clang")) cr_expect_neq(compile("clang", "-std=c11 -Werror", dir, src), 0, "%s compiled", bad[i][0]);
    }
    /* pointers to distinct struct types: a constraint violation (an error
     * under -Werror, and by default from gcc 14 on) */
    cr_expect_neq(compile("cc", "-std=c11 -Werror", dir, mixed_src), 0, "feed's subscription was accepted by late_feed");
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

/* ---- must-check results -------------------------------------------------- */

/* One call of every game_server accessor whose result reports an error (or a
 * partial success), each as a statement that ignores it. */
static const char *const must_use_calls[] = {
    "game_server_create(\"/x\", NULL, pp)", "game_server_open(\"/x\", NULL, pp)",
    "game_server_open_or_create(\"/x\", NULL, pp, b)", "game_server_verify(\"/x\", NULL)",
    "game_server_verify_strict(\"/x\", NULL)", "game_server_monsters_acquire(p)", "game_server_monsters_release(p, h)",
    "game_server_monsters_get(p, h)", "game_server_monsters_adopt(p, h)", "game_server_monsters_visit(p, fn, NULL)",
    "game_server_collision_at(p, 0)", "game_server_collision_get(p, 0, u)", "game_server_collision_set(p, 0, u)",
    "game_server_damage_queue_enqueue(p, v)", "game_server_damage_queue_dequeue(p, v)",
    "game_server_damage_queue_enqueue_bulk(p, v, 1)", "game_server_damage_queue_dequeue_bulk(p, v, 1)",
    "game_server_damage_queue_wait_data(p, 0)", "game_server_damage_queue_wait_space(p, 0)",
    "game_server_damage_queue_enqueue_wait(p, v, 0)", "game_server_damage_queue_dequeue_wait(p, v, 0)",
    "game_server_frame_stats_push(p, st)", "game_server_frame_stats_pop(p, st)",
    "game_server_frame_stats_push_bulk(p, st, 1)", "game_server_frame_stats_pop_bulk(p, st, 1)",
    "game_server_frame_stats_push_overwrite(p, st)", "game_server_frame_stats_wait_data(p, 0)",
    "game_server_frame_stats_wait_space(p, 0)", "game_server_frame_stats_push_wait(p, st, 0)",
    "game_server_frame_stats_pop_wait(p, st, 0)", "game_server_frame_stats_reserve(p)",
    "game_server_frame_stats_commit(p)", "game_server_frame_stats_peek(p)", "game_server_frame_stats_release(p)",
    "game_server_frame_stats_release_producer(p)", "game_server_frame_stats_release_consumer(p)",
    "game_server_undo_push(p, w)", "game_server_undo_pop(p, w)", "game_server_undo_wait_data(p, 0)",
    "game_server_undo_wait_space(p, 0)", "game_server_undo_push_wait(p, w, 0)", "game_server_undo_pop_wait(p, w, 0)",
    "game_server_recover(p)", "game_server_owner_id(p, u)",
    "game_server_tick_compare_exchange(p, w, 1)", "game_server_match_active_compare_exchange(p, b, true)",
    "game_server_leaderboard_at(p, 0)", "game_server_leaderboard_get(p, 0, m)",
    "game_server_leaderboard_set(p, 0, m)",
};
#define NCALLS (sizeof must_use_calls / sizeof must_use_calls[0])

/* A file calling every must_use_calls entry, each prefixed by `cast`. */
static char *calls_file(const char *dir, const char *name, const char *cast)
{
    char *body = fmt("#include \"game_server.h\"\n"
                     "void f(game_server_t *p, game_server_t **pp, game_server_vec3_t *v, game_server_stats_t *st,\n"
                     "       game_server_monster_t *m, uint32_t *u, uint64_t *w, bool *b, game_server_monsters_handle_t h,\n"
                     "       game_server_monsters_visit_fn fn);\n"
                     "void f(game_server_t *p, game_server_t **pp, game_server_vec3_t *v, game_server_stats_t *st,\n"
                     "       game_server_monster_t *m, uint32_t *u, uint64_t *w, bool *b, game_server_monsters_handle_t h,\n"
                     "       game_server_monsters_visit_fn fn)\n{\n");
    for (size_t i = 0; i < NCALLS; i++) body = fmt("%s    %s%s;\n", body, cast, must_use_calls[i]);
    spit(fmt("%s/%s", dir, name), fmt("%s}\n", body));
    return fmt("%s/%s", dir, name);
}

/* Compiles src; returns how many ignored results the compiler reported (-1 if it was clean). */
static int ignored_results(const char *cc, const char *flags, const char *dir, const char *src)
{
    char *log = fmt("%s/ignored.log", dir), *text, *p;
    int n = 0;
    if (runf("%s %s -I%s -I%s -c %s -o /dev/null 2>%s", cc, flags, dir, RUNTIME_INCLUDE, src, log) == 0) return -1;
    cr_assert_not_null(text = slurp(log, NULL));
    for (p = text; (p = strstr(p, "ignoring return value")) != NULL; p++) n++;
    free(text);
    return n;
}

/* How many declarations of header carry `mark` (lines "MARK static inline ..."). */
static int marked(const char *header, const char *mark)
{
    char *text = slurp(header, NULL), *p, *start = fmt("\n%s ", mark);
    int n = 0;
    cr_assert_not_null(text);
    for (p = text; (p = strstr(p, start)) != NULL; p++) n++;
    free(text);
    return n;
}

/* The function a marked declaration line declares: the identifier before its '('. */
static void declared_name(const char *line, char *name, size_t size)
{
    const char *paren = strchr(line, '('), *start = paren;
    while (start && start > line && (isalnum((unsigned char)start[-1]) || start[-1] == '_')) start--;
    snprintf(name, size, "%.*s", paren ? (int)(paren - start) : 0, start ? start : "");
}

static bool in_calls(const char *name)
{
    for (size_t i = 0; i < NCALLS; i++)
        if (strncmp(must_use_calls[i], name, strlen(name)) == 0 && must_use_calls[i][strlen(name)] == '(') return true;
    return false;
}

/* The list above is the whole set: every declaration the header marks is called. */
Test(compile, every_marked_accessor_is_in_the_list)
{
    char *dir = generate("game_server"), *text = slurp(fmt("%s/game_server.h", dir), NULL), *save = NULL;
    size_t n = 0;
    cr_assert_not_null(text);
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[128];
        if (strncmp(line, "SHMGEN_GEN_MUST_CHECK ", 22) && strncmp(line, "SHMGEN_GEN_NODISCARD ", 21)) continue;
        declared_name(line, name, sizeof name);
        cr_expect(in_calls(name), "%s is marked but not in must_use_calls", name);
        n++;
    }
    free(text);
    cr_expect_eq(n, NCALLS, "the header marks %zu declarations, the test calls %zu", n, NCALLS);
}

/* C23 ([[nodiscard]], gcc 12's and clang's -std=c2x) and C++17: every ignored
 * result fails -Werror, and a (void) cast silences each.  C11 keeps the
 * warn_unused_result of the functions that had it (gcc's cannot be
 * silenced by a cast) and marks nothing else. */
Test(compile, ignored_results_fail_and_a_void_cast_silences_them)
{
    /* clang stops after 20 errors unless told otherwise */
    static const char *const modes[][2] = {{"gcc", "-std=c2x"}, {"clang", "-std=c2x -ferror-limit=0"},
                                          {"g++", "-x c++ -std=c++17"}, {"clang++", "-x c++ -std=c++17 -ferror-limit=0"}};
    char *dir = generate("game_server"), *ignoring = calls_file(dir, "ignoring.c", ""), *cast = calls_file(dir, "cast.c", "(void)");
    for (size_t i = 0; i < 4; i++) {
        char *flags = fmt("%s -Wall -Wextra -Werror -pedantic", modes[i][1]);
        if (!have_tool(modes[i][0])) {
            cr_log_warn("%s not installed: skipped", modes[i][0]);
            continue;
        }
        cr_expect_eq(ignored_results(modes[i][0], flags, dir, ignoring), (int)NCALLS, "%s %s", modes[i][0], modes[i][1]);
        cr_expect_eq(ignored_results(modes[i][0], flags, dir, cast), -1, "%s %s: (void) must silence", modes[i][0],
                     modes[i][1]);
    }
    cr_expect_eq(ignored_results("gcc", "-std=c11 -Wall -Wextra -Werror -pedantic", dir, ignoring),
                 marked(fmt("%s/game_server.h", dir), "SHMGEN_GEN_MUST_CHECK"), "C11: only the warn_unused_result ones");
}

/* ---- must-check results of topics and latest values ------------------------ */

/* Every topic / latest accessor of kitchen_sink whose result reports an
 * error: the first TOPIC_MUST_CHECK are SHMGEN_GEN_MUST_CHECK (ignoring them
 * loses or misreads data), the others SHMGEN_GEN_NODISCARD. */
static const char *const topic_calls[] = {
    "kitchen_sink_feed_loan(p, &slot)", "kitchen_sink_feed_loan_wait(p, &slot, 0)", "kitchen_sink_feed_publish(p)",
    "kitchen_sink_feed_publish_copy(p, &in)", "kitchen_sink_feed_publish_wait(p, &in, 0)",
    "kitchen_sink_feed_subscribe(p, \"x\", &sub)", "kitchen_sink_feed_read(&sub, &cin)",
    "kitchen_sink_feed_release(&sub)", "kitchen_sink_feed_take(&sub, &in)",
    "kitchen_sink_feed_take_wait(&sub, &in, 0)", "kitchen_sink_config_store(p, &cfg)",
    "kitchen_sink_config_load(p, &cfg, NULL)",
    "kitchen_sink_feed_release_publisher(p)", "kitchen_sink_feed_unsubscribe(&sub)", "kitchen_sink_feed_wait(&sub, 0)",
    "kitchen_sink_feed_subscriber_at(p, 0, &info)", "kitchen_sink_config_wait(p, 0, 0)",
};
#define TOPIC_CALLS (sizeof topic_calls / sizeof topic_calls[0])
#define TOPIC_MUST_CHECK 12

static char *topic_calls_file(const char *dir, const char *name, const char *cast)
{
    char *body = fmt("#include <string.h>\n#include \"kitchen_sink.h\"\n"
                     "void f(kitchen_sink_t *p);\n"
                     "void f(kitchen_sink_t *p)\n{\n"
                     "    kitchen_sink_inner_t in, *slot;\n    const kitchen_sink_inner_t *cin;\n"
                     "    kitchen_sink_feed_sub_t sub;\n    kitchen_sink_scalars_t cfg;\n"
                     "    shmgen_topic_sub_info_t info;\n"
                     "    memset(&in, 0, sizeof in);\n    memset(&sub, 0, sizeof sub);\n    memset(&cfg, 0, sizeof cfg);\n");
    for (size_t i = 0; i < TOPIC_CALLS; i++) body = fmt("%s    %s%s;\n", body, cast, topic_calls[i]);
    spit(fmt("%s/%s", dir, name), fmt("%s}\n", body));
    return fmt("%s/%s", dir, name);
}

Test(compile, ignored_topic_and_latest_results_fail_and_a_void_cast_silences_them)
{
    static const char *const modes[][2] = {{"gcc", "-std=c2x"}, {"clang", "-std=c2x -ferror-limit=0"},
                                          {"g++", "-x c++ -std=c++17"}, {"clang++", "-x c++ -std=c++17 -ferror-limit=0"}};
    char *dir = generate("everything"), *ignoring = topic_calls_file(dir, "topic_ignoring.c", "");
    char *cast = topic_calls_file(dir, "topic_cast.c", "(void)");
    for (size_t i = 0; i < 4; i++) {
        char *flags = fmt("%s -Wall -Wextra -Werror -pedantic", modes[i][1]);
        if (!have_tool(modes[i][0])) {
            cr_log_warn("%s not installed: skipped", modes[i][0]);
            continue;
        }
        cr_expect_eq(ignored_results(modes[i][0], flags, dir, ignoring), (int)TOPIC_CALLS, "%s %s", modes[i][0],
                     modes[i][1]);
        cr_expect_eq(ignored_results(modes[i][0], flags, dir, cast), -1, "%s %s: (void) must silence", modes[i][0],
                     modes[i][1]);
    }
    cr_expect_eq(ignored_results("gcc", "-std=c11 -Wall -Wextra -Werror -pedantic", dir, ignoring), TOPIC_MUST_CHECK,
                 "C11: only the warn_unused_result ones");
}
