/*
 * SPDX-License-Identifier: MIT
 *
 * tmpl_filters.c — the templater's filters: `value | name(args)`.
 *
 *   upper, lower        ASCII case of a string
 *   cident              a string made into a C identifier (other bytes → '_')
 *   pad(n), rjust(n)    left-aligned / right-aligned to width n with spaces
 *                       (strings and ints; never truncates)
 *   length              bytes of a string, items of a list or map
 *   hex                 an int as 0x + 16 hex digits (64-bit two's complement)
 *   join(sep)           a list of strings/ints joined with sep
 *   replace(a, b)       every a in a string replaced by b
 *   cstr                a string as a quoted C string literal
 *   comment             a string made safe inside a C block comment
 * Each returns a new value or NULL with *err naming the problem.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tmpl_internal.h"

static bool want_string(const shmgen_value_t *in, const char **err)
{
    if (in->type == SHMGEN_VAL_STRING) return true;
    *err = "expects a string";
    return false;
}

static shmgen_value_t *map_chars(const shmgen_value_t *in, const char **err, int (*fn)(int))
{
    shmgen_value_t *out;
    if (!want_string(in, err)) return NULL;
    if (!(out = shmgen_value_stringn(in->u.str.data, in->u.str.len))) return NULL;
    for (size_t i = 0; i < out->u.str.len; i++) out->u.str.data[i] = (char)fn((unsigned char)out->u.str.data[i]);
    return out;
}

static shmgen_value_t *f_upper(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    (void)a;
    return map_chars(in, err, toupper);
}

static shmgen_value_t *f_lower(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    (void)a;
    return map_chars(in, err, tolower);
}

static int ident_char(int c) { return isalnum(c) || c == '_' ? c : '_'; }

static shmgen_value_t *f_cident(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    shmgen_buf_t b = {0};
    shmgen_value_t *out;
    (void)a;
    if (!want_string(in, err)) return NULL;
    if (in->u.str.len == 0 || isdigit((unsigned char)in->u.str.data[0])) shmgen_buf_puts(&b, "_");
    for (size_t i = 0; i < in->u.str.len; i++) {
        char c = (char)ident_char((unsigned char)in->u.str.data[i]);
        shmgen_buf_append(&b, &c, 1);
    }
    out = b.oom ? NULL : shmgen_value_stringn(b.data, b.len);
    shmgen_buf_free(&b);
    return out;
}

/* The text of a string or int, for the padding filters. */
static bool scalar_text(const shmgen_value_t *in, char *tmp, size_t tmpsz, const char **s, size_t *n,
                        const char **err)
{
    if (in->type == SHMGEN_VAL_STRING) {
        *s = in->u.str.data;
        *n = in->u.str.len;
        return true;
    }
    if (in->type == SHMGEN_VAL_INT) {
        *n = (size_t)snprintf(tmp, tmpsz, "%" PRId64, in->u.i);
        *s = tmp;
        return true;
    }
    *err = "expects a string or an int";
    return false;
}

static shmgen_value_t *pad(const shmgen_value_t *in, const shmgen_value_t *w, bool right, const char **err)
{
    char tmp[32], *data;
    const char *s;
    size_t n, width;
    shmgen_value_t *out;
    if (!scalar_text(in, tmp, sizeof tmp, &s, &n, err)) return NULL;
    if (w->type != SHMGEN_VAL_INT || w->u.i < 0 || w->u.i > 4096) {
        *err = "expects a width between 0 and 4096";
        return NULL;
    }
    width = n > (size_t)w->u.i ? n : (size_t)w->u.i;
    if (!(data = malloc(width + 1))) return NULL;
    memset(data, ' ', width);
    memcpy(data + (right ? width - n : 0), s, n);
    out = shmgen_value_stringn(data, width);
    free(data);
    return out;
}

static shmgen_value_t *f_pad(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    return pad(in, a[0], false, err);
}

static shmgen_value_t *f_rjust(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    return pad(in, a[0], true, err);
}

static shmgen_value_t *f_length(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    (void)a;
    switch (in->type) {
    case SHMGEN_VAL_STRING: return shmgen_value_int((int64_t)in->u.str.len);
    case SHMGEN_VAL_LIST: return shmgen_value_int((int64_t)in->u.list.count);
    case SHMGEN_VAL_MAP: return shmgen_value_int((int64_t)in->u.map.count);
    default: *err = "expects a string, a list or a map"; return NULL;
    }
}

static shmgen_value_t *f_hex(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    char tmp[24];
    (void)a;
    if (in->type != SHMGEN_VAL_INT) {
        *err = "expects an int";
        return NULL;
    }
    snprintf(tmp, sizeof tmp, "0x%016" PRIx64, (uint64_t)in->u.i);
    return shmgen_value_string(tmp);
}

static shmgen_value_t *f_join(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    shmgen_buf_t b = {0};
    shmgen_value_t *out = NULL;
    if (in->type != SHMGEN_VAL_LIST || a[0]->type != SHMGEN_VAL_STRING) {
        *err = "expects a list and a string separator";
        return NULL;
    }
    shmgen_buf_puts(&b, "");
    for (size_t i = 0; i < in->u.list.count; i++) {
        char tmp[32];
        const char *s;
        size_t n;
        if (!scalar_text(in->u.list.items[i], tmp, sizeof tmp, &s, &n, err)) goto done;
        if (i) shmgen_buf_append(&b, a[0]->u.str.data, a[0]->u.str.len);
        shmgen_buf_append(&b, s, n);
    }
    if (!b.oom) out = shmgen_value_stringn(b.data, b.len);
done:
    shmgen_buf_free(&b);
    return out;
}

static shmgen_value_t *f_replace(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    shmgen_buf_t b = {0};
    shmgen_value_t *out = NULL;
    const char *s, *hit;
    if (!want_string(in, err)) return NULL;
    if (a[0]->type != SHMGEN_VAL_STRING || a[1]->type != SHMGEN_VAL_STRING || a[0]->u.str.len == 0) {
        *err = "expects a non-empty string to replace and a string replacement";
        return NULL;
    }
    shmgen_buf_puts(&b, "");
    for (s = in->u.str.data; (hit = strstr(s, a[0]->u.str.data)); s = hit + a[0]->u.str.len) {
        shmgen_buf_append(&b, s, (size_t)(hit - s));
        shmgen_buf_append(&b, a[1]->u.str.data, a[1]->u.str.len);
    }
    shmgen_buf_puts(&b, s);
    if (!b.oom) out = shmgen_value_stringn(b.data, b.len);
    shmgen_buf_free(&b);
    return out;
}

static shmgen_value_t *f_cstr(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    shmgen_buf_t b = {0};
    shmgen_value_t *out = NULL;
    (void)a;
    if (!want_string(in, err)) return NULL;
    shmgen_buf_puts(&b, "\"");
    for (size_t i = 0; i < in->u.str.len; i++) {
        unsigned char c = (unsigned char)in->u.str.data[i];
        if (c == '"' || c == '\\') shmgen_buf_printf(&b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) shmgen_buf_printf(&b, "\\%03o", c);
        else shmgen_buf_append(&b, (const char *)&c, 1);
    }
    shmgen_buf_puts(&b, "\"");
    if (!b.oom) out = shmgen_value_stringn(b.data, b.len);
    shmgen_buf_free(&b);
    return out;
}

static shmgen_value_t *f_comment(const shmgen_value_t *in, const shmgen_value_t *const *a, const char **err)
{
    shmgen_value_t *out;
    (void)a;
    if (!want_string(in, err)) return NULL;
    if (!(out = shmgen_value_stringn(in->u.str.data, in->u.str.len))) return NULL;
    for (size_t i = 0; i < out->u.str.len; i++) {
        char *c = &out->u.str.data[i];
        if ((unsigned char)*c < 0x20) *c = ' ';
        /* "*" followed by "/" would close the comment; "/" then "*" would warn (-Wcomment) */
        if (i > 0 && ((*c == '/' && c[-1] == '*') || (*c == '*' && c[-1] == '/'))) *c = '_';
    }
    return out;
}

static const tmpl_filter_t filters[] = {
    {"upper", 0, 0, f_upper},   {"lower", 0, 0, f_lower},   {"cident", 0, 0, f_cident},
    {"pad", 1, 1, f_pad},       {"rjust", 1, 1, f_rjust},   {"length", 0, 0, f_length},
    {"hex", 0, 0, f_hex},       {"join", 1, 1, f_join},     {"replace", 2, 2, f_replace},
    {"cstr", 0, 0, f_cstr},     {"comment", 0, 0, f_comment},
};

const tmpl_filter_t *shmgen__tmpl_filter(const char *name)
{
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (strcmp(filters[i].name, name) == 0) return &filters[i];
    return NULL;
}
