/*
 * SPDX-License-Identifier: MIT
 *
 * test_json_out.c — generator/json_out/: JSON strings and terminal text from
 * bytes nobody checked (a segment's names): valid UTF-8 passes unchanged,
 * every other byte becomes \ufffd in JSON and '?' on a terminal, control
 * characters are escaped or replaced, a character cut by the buffer is left
 * out whole.  Depends on shmgen_json_out.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen_gen/json_out.h"

static char *json(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    shmgen__out_json_str(f, s);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

static void expect_json(const char *in, const char *want)
{
    char *got = json(in);
    cr_expect_str_eq(got, want, "input %s", in);
    free(got);
}

Test(json_out, valid_utf8_and_escapes)
{
    expect_json("plain", "\"plain\"");
    expect_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    expect_json("q\"b\\n\nt\t\x01\x7f", "\"q\\\"b\\\\n\\nt\\t\\u0001\\u007f\"");
    expect_json(NULL, "null");
}

Test(json_out, invalid_utf8_becomes_the_replacement_character)
{
    expect_json("a\xff" "b", "\"a\\ufffdb\"");
    expect_json("\xc0\xaf", "\"\\ufffd\\ufffd\"");                 /* overlong '/' */
    expect_json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");       /* overlong, three bytes */
    expect_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");       /* a UTF-16 surrogate */
    expect_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* past U+10FFFF */
    expect_json("\xe2\x82", "\"\\ufffd\\ufffd\"");                 /* cut at the end */
    expect_json("\xe2(x", "\"\\ufffd(x\"");                        /* cut by an ASCII byte */
    expect_json("\x80\xbf", "\"\\ufffd\\ufffd\"");                 /* lone continuation bytes */
}

Test(json_out, utf8_len_reports_code_points)
{
    uint32_t cp = 0;
    cr_expect_eq(shmgen__out_utf8_len("\xe2\x82\xac", &cp), 3);
    cr_expect_eq(cp, 0x20ac);
    cr_expect_eq(shmgen__out_utf8_len("\xf4\x8f\xbf\xbf", &cp), 4);
    cr_expect_eq(cp, 0x10ffff);
    cr_expect_eq(shmgen__out_utf8_len("\xc2", NULL), 0, "the terminator is no continuation byte");
}

static const char *printable(const char *s, size_t n)
{
    static char buf[64];
    cr_assert_leq(n, sizeof buf);
    return shmgen__out_printable(s, buf, n);
}

Test(json_out, printable_replaces_controls_and_invalid_bytes)
{
    cr_expect_str_eq(printable("ok \xc3\xa9", 64), "ok \xc3\xa9");
    cr_expect_str_eq(printable("\x1b[31mred", 64), "?[31mred");
    cr_expect_str_eq(printable("c1 \xc2\x9b" "2J", 64), "c1 ?2J", "a C1 control (CSI) in UTF-8");
    cr_expect_str_eq(printable("bad\xff\xfe", 64), "bad??");
    cr_expect_str_eq(printable("\xe2\x82\xac\xe2\x82\xac", 5), "\xe2\x82\xac", "a character cut by the buffer is left out");
    cr_expect_str_eq(printable(NULL, 8), "");
}
