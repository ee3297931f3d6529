/*
 * SPDX-License-Identifier: MIT
 *
 * test_templater.c — every feature and every error of the templater
 * (generator/templater/tmpl_*.c), through the public API in shmgen_gen/templater.h.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen_gen/templater.h"

/* In-memory templates for includes. */
static const char *const partials[][2] = {
    {"hello.tmpl", "hello {{ who }}"},
    {"kinds/queue.tmpl", "Q({{ s }})"},
    {"kinds/stack.tmpl", "S({{ s }})"},
    {"self.tmpl", "x{% include \"self.tmpl\" %}"},
    {"broken.tmpl", "line one\n{{ nope }}"},
    {"badparse.tmpl", "ok\n{% if %}"},
};

static int loader(void *ctx, const char *name, char **text, size_t *len, char **origin)
{
    (void)ctx;
    for (size_t i = 0; i < sizeof partials / sizeof partials[0]; i++) {
        if (strcmp(partials[i][0], name) == 0) {
            *text = strdup(partials[i][1]);
            *len = strlen(partials[i][1]);
            *origin = strdup(name);
            return 0;
        }
    }
    return 1;
}

static shmgen_value_t *root;
static char diag_text[4096];

static void setup(void)
{
    shmgen_value_t *list, *item;
    root = shmgen_value_map();
    shmgen_value_set_str(root, "who", "world");
    shmgen_value_set_str(root, "name", "game_server");
    shmgen_value_set_str(root, "empty", "");
    shmgen_value_set_int(root, "n", 42);
    shmgen_value_set_int(root, "zero", 0);
    shmgen_value_set_int(root, "hash", -1);
    shmgen_value_set_bool(root, "yes", true);
    shmgen_value_set_bool(root, "no", false);
    list = shmgen_value_set(root, "items", shmgen_value_list());
    for (int i = 0; i < 3; i++) {
        static const char *const names[] = {"a", "b", "c"};
        item = shmgen_value_push(list, shmgen_value_map());
        shmgen_value_set_str(item, "name", names[i]);
        shmgen_value_set_int(item, "v", i * 10);
        shmgen_value_set(item, "sub", shmgen_value_list());
    }
    shmgen_value_push(shmgen_value_set(root, "kinds", shmgen_value_list()), shmgen_value_string("queue"));
    shmgen_value_push((shmgen_value_t *)shmgen_value_get(root, "kinds"), shmgen_value_string("stack"));
    shmgen_value_set(root, "nolist", shmgen_value_list());
    item = shmgen_value_set(root, "m", shmgen_value_map());
    shmgen_value_set_str(shmgen_value_set(item, "inner", shmgen_value_map()), "deep", "bottom");
}

static void teardown(void) { shmgen_value_free(root); }

TestSuite(templater, .init = setup, .fini = teardown);

/* Renders text; returns the output (malloc'ed) or NULL with diag_text filled. */
static char *render(const char *text)
{
    shmgen_tmpl_env_t *env = shmgen_tmpl_env_new(loader, NULL);
    shmgen_diags_t diags = {0};
    shmgen_buf_t out = {0};
    char *result = NULL;
    FILE *f;
    cr_assert_not_null(env);
    diag_text[0] = '\0';
    if (shmgen_tmpl_render_string(env, "t.tmpl", text, root, &out, &diags) == 0) {
        cr_assert_eq(diags.errors, 0);
        result = strdup(out.data ? out.data : "");
    } else {
        cr_assert_eq(diags.errors, 1, "exactly one error expected, got %zu", diags.errors);
        f = fmemopen(diag_text, sizeof diag_text - 1, "w");
        shmgen_diags_print(&diags, f);
        fclose(f);
    }
    shmgen_buf_free(&out);
    shmgen_diags_free(&diags);
    shmgen_tmpl_env_free(env);
    return result;
}

#define EXPECT(text, expected)                                                      \
    do {                                                                            \
        char *got_ = render(text);                                                  \
        cr_assert_not_null(got_, "render failed: %s", diag_text);                   \
        cr_expect_str_eq(got_, expected);                                           \
        free(got_);                                                                 \
    } while (0)

#define EXPECT_ERROR(text, diag)                                                    \
    do {                                                                            \
        char *got_ = render(text);                                                  \
        cr_assert_null(got_, "rendered '%s' but an error was expected", got_);      \
        cr_expect(strstr(diag_text, diag) != NULL, "diagnostic '%s' lacks '%s'", diag_text, diag); \
    } while (0)

Test(templater, text_passes_through_unchanged)
{
    EXPECT("int main(void) { return 0; }\n", "int main(void) { return 0; }\n");
    EXPECT("", "");
    EXPECT("a { b } c {x} %} #}", "a { b } c {x} %} #}");
}

Test(templater, variables_strings_ints_bools_and_paths)
{
    EXPECT("hello {{ who }}!", "hello world!");
    EXPECT("{{n}} {{ zero }} {{ yes }} {{ no }}", "42 0 true false");
    EXPECT("{{ m.inner.deep }}", "bottom");
    EXPECT("{{ \"lit\\\"q\\\\\" }} {{ 7 }} {{ -3 }} {{ true }}", "lit\"q\\ 7 -3 true");
    EXPECT("{{ \"a}}b\" }}", "a}}b");
    EXPECT("{{ \"tab\\tnl\\n\" }}", "tab\tnl\n");
}

Test(templater, for_loops_with_loop_state)
{
    EXPECT("{% for i in items %}{{ loop.index }}{{ loop.index0 }}{{ i.name }}{{ i.v }}"
           "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}/{{ loop.length }};{% endfor %}",
           "10a0F/3;21b10/3;32c20L/3;");
    EXPECT("[{% for i in nolist %}x{% endfor %}]", "[]");
    EXPECT("{% for i in items %}{% for k in kinds %}{{ i.name }}{{ k }}{{ loop.index }} {% endfor %}{% endfor %}",
           "aqueue1 astack2 bqueue1 bstack2 cqueue1 cstack2 ");
    /* the loop variable shadows a global of the same name, only inside the loop */
    EXPECT("{% for who in kinds %}{{ who }},{% endfor %}{{ who }}", "queue,stack,world");
}

Test(templater, conditionals)
{
    EXPECT("{% if yes %}Y{% endif %}{% if no %}N{% endif %}", "Y");
    EXPECT("{% if no %}1{% elif zero %}2{% elif n == 42 %}3{% else %}4{% endif %}", "3");
    EXPECT("{% if no %}1{% elif zero %}2{% else %}4{% endif %}", "4");
    EXPECT("{% if not no %}a{% endif %}{% if not yes %}b{% endif %}", "a");
    EXPECT("{% if who == \"world\" %}eq{% endif %}{% if who != \"world\" %}ne{% endif %}", "eq");
    EXPECT("{% if yes and n == 42 %}1{% endif %}{% if no and yes %}2{% endif %}", "1");
    EXPECT("{% if no or zero %}1{% endif %}{% if no or yes %}2{% endif %}", "2");
    EXPECT("{% if not (no or yes) %}1{% else %}2{% endif %}", "2");
    EXPECT("{% if yes == true %}b{% endif %}", "b");
    /* truthiness: empty string, 0, empty list are false; others true */
    EXPECT("{% if empty %}1{% endif %}{% if who %}2{% endif %}{% if nolist %}3{% endif %}{% if items %}4{% endif %}"
           "{% if m %}5{% endif %}",
           "245");
    /* `and`/`or` short-circuit: the right side is not evaluated */
    EXPECT("{% if no and undefined_thing %}x{% endif %}{% if yes or undefined_thing %}y{% endif %}", "y");
}

Test(templater, filters)
{
    EXPECT("{{ name | upper }} {{ \"MiX\" | lower }}", "GAME_SERVER mix");
    EXPECT("{{ \"9 lives-x\" | cident }} {{ \"\" | cident }}", "_9_lives_x _");
    EXPECT("[{{ who | pad(8) }}] [{{ who | rjust(8) }}] [{{ n | pad(4) }}] [{{ who | pad(2) }}]",
           "[world   ] [   world] [42  ] [world]");
    EXPECT("{{ who | length }} {{ items | length }} {{ m | length }}", "5 3 1");
    EXPECT("{{ hash | hex }} {{ n | hex }}", "0xffffffffffffffff 0x000000000000002a");
    EXPECT("{{ kinds | join(\", \") }}", "queue, stack");
    EXPECT("{{ name | replace(\"_\", \"-\") }}", "game-server");
    EXPECT("{{ \"a\\\"b\\\\c\\n\" | cstr }}", "\"a\\\"b\\\\c\\012\"");
    EXPECT("{{ \"x */ y /* z\" | comment }}", "x *_ y /_ z");
    EXPECT("{{ name | upper | replace(\"_\", \"\") | length }}", "10");
    EXPECT("{{ \"\" | pad(name | length) }}|", "           |");
}

Test(templater, concatenation)
{
    EXPECT("{{ \"kinds/\" ~ who ~ \".h\" }}", "kinds/world.h");
    EXPECT("{{ n ~ \"-\" ~ yes }}", "42-true");
}

Test(templater, includes_static_and_computed)
{
    EXPECT("<{% include \"hello.tmpl\" %}>", "<hello world>");
    EXPECT("{% for s in kinds %}{% include \"kinds/\" ~ s ~ \".tmpl\" %}{% endfor %}", "Q(queue)S(stack)");
}

Test(templater, whitespace_control)
{
    EXPECT("a  {{- who -}}  b", "aworldb");
    EXPECT("a\n  {%- if yes -%}\n  x\n  {%- endif %}", "ax");
    /* a block tag alone on its line removes the whole line */
    EXPECT("begin\n  {% if yes %}\n  body\n  {% endif %}\nend\n", "begin\n  body\nend\n");
    EXPECT("{% for k in kinds %}\n{{ k }}\n{% endfor %}\n", "queue\nstack\n");
    EXPECT("x\n{# a comment #}\ny {# inline #}z\n", "x\ny z\n");
    /* an output tag alone on its line keeps its line */
    EXPECT("a\n{{ who }}\nb", "a\nworld\nb");
    /* an inline block tag keeps the surrounding text */
    EXPECT("a {% if yes %}b{% endif %} c\n", "a b c\n");
    EXPECT("l1\r\n{% if yes %}\r\nl2\r\n{% endif %}\r\n", "l1\r\nl2\r\n");
}

Test(templater, render_errors_name_file_line_and_column)
{
    EXPECT_ERROR("line1\n  {{ missing }}", "t.tmpl:2:6: error: undefined variable 'missing'");
    EXPECT_ERROR("{{ m.inner.nope }}", "t.tmpl:1:4: error: undefined variable 'm.inner.nope'");
    EXPECT_ERROR("{{ who.x }}", "'who' is a string, it has no member 'x'");
    EXPECT_ERROR("{{ items }}", "cannot print a list");
    EXPECT_ERROR("{% for x in who %}{% endfor %}", "'for' needs a list, got a string");
    EXPECT_ERROR("{% if n == \"42\" %}{% endif %}", "cannot compare a int with a string");
    EXPECT_ERROR("{% if items == items %}{% endif %}", "cannot compare lists");
    EXPECT_ERROR("{{ n | upper }}", "filter 'upper' expects a string (got a int)");
    EXPECT_ERROR("{{ who | pad(\"x\") }}", "filter 'pad' expects a width");
    EXPECT_ERROR("{{ who | hex }}", "filter 'hex' expects an int");
    EXPECT_ERROR("{{ who | join(\",\") }}", "filter 'join' expects a list");
    EXPECT_ERROR("{{ items | join(\",\") }}", "filter 'join' expects a string or an int");
    EXPECT_ERROR("{{ n | length }}", "filter 'length' expects a string, a list or a map");
    EXPECT_ERROR("{{ who | replace(\"\", \"x\") }}", "filter 'replace' expects a non-empty string");
    EXPECT_ERROR("{{ items ~ \"x\" }}", "cannot print a list");
}

Test(templater, include_errors)
{
    EXPECT_ERROR("a\n{% include \"nope.tmpl\" %}", "t.tmpl:2:1: error: template 'nope.tmpl' not found");
    EXPECT_ERROR("{% include n %}", "'include' needs a template name (a string), got a int");
    EXPECT_ERROR("{% include \"self.tmpl\" %}", "includes nested deeper than 32");
    /* errors inside an included template name that template */
    EXPECT_ERROR("{% include \"broken.tmpl\" %}", "broken.tmpl:2:4: error: undefined variable 'nope'");
    EXPECT_ERROR("{% include \"badparse.tmpl\" %}", "badparse.tmpl:2:7: error: expected a value");
}

Test(templater, parse_errors)
{
    EXPECT_ERROR("ok\n  {{ who ", "t.tmpl:2:3: error: unclosed '{{' (no matching '}}')");
    EXPECT_ERROR("{% if yes ", "unclosed '{%'");
    EXPECT_ERROR("{# never", "unclosed '{#'");
    EXPECT_ERROR("{% frobnicate %}", "t.tmpl:1:4: error: unknown statement 'frobnicate'");
    EXPECT_ERROR("{% %}", "expected a statement");
    EXPECT_ERROR("x\n{% endif %}", "t.tmpl:2:4: error: 'endif' without a matching opening statement");
    EXPECT_ERROR("{% else %}", "'else' without a matching opening");
    EXPECT_ERROR("{% endfor %}", "'endfor' without a matching opening");
    EXPECT_ERROR("{% if yes %}\nno end", "t.tmpl:1:1: error: 'if' is never closed by 'endif'");
    EXPECT_ERROR("{% if yes %}{% else %}no end", "'if' is never closed by 'endif'");
    EXPECT_ERROR("{% for i in items %}", "'for' is never closed by 'endfor'");
    EXPECT_ERROR("{% for i in items %}{% endif %}", "'endif' without a matching opening");
    EXPECT_ERROR("{% if yes %}{% endfor %}", "'endfor' without a matching opening");
    EXPECT_ERROR("{% if yes %}{% else %}{% elif no %}{% endif %}", "'elif' without a matching opening");
    EXPECT_ERROR("{% if yes %}{% else junk %}{% endif %}", "expected the end of the tag after 'else'");
    EXPECT_ERROR("{% if yes %}{% endif junk %}", "expected the end of the tag after 'endif'");
    EXPECT_ERROR("{% for i in items %}{% endfor junk %}", "expected the end of the tag after 'endfor'");
    EXPECT_ERROR("{% for 3 in items %}{% endfor %}", "expected a loop variable name, found '3'");
    EXPECT_ERROR("{% for loop in items %}{% endfor %}", "'loop' is reserved");
    EXPECT_ERROR("{% for i of items %}{% endfor %}", "expected 'in', found 'of'");
    EXPECT_ERROR("{{ \"abc }}", "unclosed '{{'");
    EXPECT_ERROR("{{ \"abc }} \" ", "unclosed '{{'");
    EXPECT_ERROR("{{ who who }}", "t.tmpl:1:8: error: expected the end of the tag, found 'who'");
    EXPECT_ERROR("{{ }}", "expected a value, found the end of the tag");
    EXPECT_ERROR("{{ who | }}", "expected a filter name after '|'");
    EXPECT_ERROR("{{ who | nosuch }}", "t.tmpl:1:10: error: unknown filter 'nosuch'");
    EXPECT_ERROR("{{ who | pad }}", "filter 'pad' takes 1 to 1 arguments, given 0");
    EXPECT_ERROR("{{ who | upper(1) }}", "filter 'upper' takes 0 to 0 arguments, given 1");
    EXPECT_ERROR("{{ who | pad(1 }}", "expected ')'");
    EXPECT_ERROR("{{ (who }}", "expected ')'");
    EXPECT_ERROR("{{ m. }}", "expected a name after '.'");
    EXPECT_ERROR("{{ who $ }}", "found '$'");
    EXPECT_ERROR("{{ and }}", "expected a value, found 'and'");
    EXPECT_ERROR("{% include %}", "expected a value");
}

Test(templater, named_templates_are_cached_and_reported_by_name)
{
    shmgen_tmpl_env_t *env = shmgen_tmpl_env_new(loader, NULL);
    shmgen_diags_t diags = {0};
    shmgen_buf_t out = {0};
    cr_assert_eq(shmgen_tmpl_render(env, "hello.tmpl", root, &out, &diags), 0);
    cr_assert_eq(shmgen_tmpl_render(env, "hello.tmpl", root, &out, &diags), 0);
    cr_expect_str_eq(out.data, "hello worldhello world");
    cr_assert_eq(shmgen_tmpl_render(env, "missing.tmpl", root, &out, &diags), -1);
    cr_expect_eq(diags.errors, 1);
    cr_expect(strstr(diags.items[0].message, "template 'missing.tmpl' not found") != NULL);
    shmgen_buf_free(&out);
    shmgen_diags_free(&diags);
    shmgen_tmpl_env_free(env);
}

Test(templater, value_model)
{
    shmgen_value_t *m = shmgen_value_map();
    cr_assert_not_null(shmgen_value_set_int(m, "k", 1));
    cr_assert_not_null(shmgen_value_set_str(m, "k", "replaced"));
    cr_expect_eq(m->u.map.count, 1);
    cr_expect_str_eq(shmgen_value_get(m, "k")->u.str.data, "replaced");
    cr_expect_null(shmgen_value_get(m, "absent"));
    size_t failures = shmgen_value_failures();
    cr_expect_null(shmgen_value_push(m, shmgen_value_int(1)), "push onto a map must fail");
    cr_expect_null(shmgen_value_set(NULL, "k", shmgen_value_int(1)));
    cr_expect_null(shmgen_value_set(m, "k", NULL));
    cr_expect_eq(shmgen_value_failures(), failures + 3, "every failed builder call is counted");
    cr_expect_str_eq(shmgen_value_type_name(SHMGEN_VAL_LIST), "list");
    shmgen_value_free(m);
}

/* What a watcher saw: one "path=value [before|after]" line per output. */
static void watch_line(const shmgen_tmpl_output_t *o, void *ctx)
{
    shmgen_buf_t *seen = ctx;
    shmgen_buf_puts(seen, o->path ? o->path[0] : "-");
    for (size_t i = 1; o->path && i < o->npath; i++) shmgen_buf_printf(seen, ".%s", o->path[i]);
    if (o->value->type == SHMGEN_VAL_STRING) shmgen_buf_printf(seen, "=%s", o->value->u.str.data);
    shmgen_buf_printf(seen, " [%.*s|%.*s]\n", (int)o->before_len, o->before, (int)o->after_len, o->after);
}

Test(templater, a_watcher_sees_every_output_with_its_neighbouring_text)
{
    shmgen_tmpl_env_t *env = shmgen_tmpl_env_new(loader, NULL);
    shmgen_diags_t diags = {0};
    shmgen_buf_t out = {0}, seen = {0};
    const char *text = "struct {{ name }}_t {% for i in items %}{{ i.name }}_get({{ n }}); {% endfor %}"
                       "{{ name | upper }}{% include \"hello.tmpl\" %}";
    cr_assert_not_null(env);
    shmgen_tmpl_env_watch(env, watch_line, &seen);
    cr_assert_eq(shmgen_tmpl_render_string(env, "w.tmpl", text, root, &out, &diags), 0);
    cr_expect_str_eq(seen.data, "name=game_server [struct |_t ]\n"
                                "i.name=a [|_get(]\n" "n [_get(|); ]\n"
                                "i.name=b [|_get(]\n" "n [_get(|); ]\n"
                                "i.name=c [|_get(]\n" "n [_get(|); ]\n"
                                "-=GAME_SERVER [|]\n"
                                "who=world [hello |]\n");
    /* the watcher only observes; without it the same text comes out */
    cr_expect_str_eq(out.data, "struct game_server_t a_get(42); b_get(42); c_get(42); GAME_SERVERhello world");
    shmgen_buf_free(&seen);
    shmgen_tmpl_env_watch(env, NULL, NULL);
    shmgen_buf_free(&out);
    cr_assert_eq(shmgen_tmpl_render_string(env, "w2.tmpl", "{{ who }}", root, &out, &diags), 0);
    cr_expect_null(seen.data, "a removed watcher was called");
    shmgen_buf_free(&out);
    shmgen_diags_free(&diags);
    shmgen_tmpl_env_free(env);
}
