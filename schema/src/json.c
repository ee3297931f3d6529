/*
 * SPDX-License-Identifier: MIT
 *
 * json.c — a small strict JSON (RFC 8259) parser into the document tree of
 * internal.h, for reading layout JSON lock files.  Numbers, true, false and
 * null become plain scalars (text kept as written), strings quoted scalars.
 * Recursive descent bounded by SHMGEN__MAX_DEPTH; the first error stops the
 * parse and is reported with its line:column.  Depends on internal.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct jp {
    const char *file;
    const char *p, *end;
    uint32_t line, col;
    shmgen_diags_t *d;
    bool failed;
} jp_t;

static shmgen_loc_t here(const jp_t *j) { return (shmgen_loc_t){j->file, j->line, j->col}; }

static void fail(jp_t *j, shmgen_loc_t at, const char *msg)
{
    if (!j->failed) shmgen_diag_add(j->d, SHMGEN_SEV_ERROR, at, "JSON syntax error: %s", msg);
    j->failed = true;
}

static void advance(jp_t *j)
{
    if (*j->p == '\n') j->line++, j->col = 1;
    else if (((unsigned char)*j->p & 0xC0) != 0x80) j->col++;
    j->p++;
}

static void skip_ws(jp_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) advance(j);
}

static bool buf_put(char **buf, size_t *len, size_t *cap, const char *bytes, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*cap ? *cap * 2 : 32) + n;
        char *nb = realloc(*buf, ncap);
        if (!nb) return false;
        *buf = nb;
        *cap = ncap;
    }
    memcpy(*buf + *len, bytes, n);
    *len += n;
    return true;
}

static int hex4(const char *p, const char *end)
{
    int v = 0;
    if (end - p < 4) return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t utf8_encode(unsigned long cp, char *out)
{
    if (cp < 0x80) return out[0] = (char)cp, 1;
    if (cp < 0x800) return out[0] = (char)(0xC0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* After a backslash-u: one code point, pairing surrogates. */
static bool read_unicode(jp_t *j, char *out, size_t *n)
{
    int hi = hex4(j->p, j->end), lo;
    if (hi < 0) return fail(j, here(j), "bad \\u escape"), false;
    for (int i = 0; i < 4; i++) advance(j);
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' || (lo = hex4(j->p + 2, j->end)) < 0xDC00 ||
            lo > 0xDFFF)
            return fail(j, here(j), "unpaired surrogate in \\u escape"), false;
        for (int i = 0; i < 6; i++) advance(j);
        *n = utf8_encode(0x10000 + (((unsigned long)hi - 0xD800) << 10) + ((unsigned long)lo - 0xDC00), out);
        return true;
    }
    if (hi >= 0xDC00 && hi <= 0xDFFF) return fail(j, here(j), "unpaired surrogate in \\u escape"), false;
    *n = utf8_encode((unsigned long)hi, out);
    return true;
}

static bool read_escape(jp_t *j, char *out, size_t *n)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *at;
    if (j->p >= j->end) return fail(j, here(j), "unterminated string"), false;
    if (*j->p == 'u') {
        advance(j);
        return read_unicode(j, out, n);
    }
    if (!(at = memchr(from, *j->p, 8)) || *j->p == '\0') return fail(j, here(j), "bad escape in string"), false;
    out[0] = to[at - from];
    *n = 1;
    advance(j);
    return true;
}

static shmgen__node_t *parse_string(jp_t *j)
{
    shmgen_loc_t at = here(j);
    char *buf = NULL, tmp[4];
    size_t len = 0, cap = 0, n;
    shmgen__node_t *node;

    advance(j); /* the opening quote */
    while (!j->failed) {
        if (j->p >= j->end) fail(j, at, "unterminated string");
        else if (*j->p == '"') break;
        else if ((unsigned char)*j->p < 0x20) fail(j, here(j), "control character in string");
        else if (*j->p == '\\') {
            advance(j);
            if (read_escape(j, tmp, &n) && !buf_put(&buf, &len, &cap, tmp, n)) fail(j, at, "out of memory");
        } else {
            if (!buf_put(&buf, &len, &cap, j->p, 1)) fail(j, at, "out of memory");
            advance(j);
        }
    }
    if (j->failed) return free(buf), NULL;
    advance(j);
    node = shmgen__node_scalar(at, buf ? buf : "", len, false);
    free(buf);
    if (!node) fail(j, at, "out of memory");
    return node;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static shmgen__node_t *parse_atom(jp_t *j)
{
    shmgen_loc_t at = here(j);
    const char *start = j->p, *q = j->p;
    shmgen__node_t *node;

    if (j->end - q >= 4 && (memcmp(q, "true", 4) == 0 || memcmp(q, "null", 4) == 0)) q += 4;
    else if (j->end - q >= 5 && memcmp(q, "false", 5) == 0) q += 5;
    else {
        if (q < j->end && *q == '-') q++;
        if (q < j->end && *q == '0') q++;
        else if (q < j->end && is_digit(*q)) while (q < j->end && is_digit(*q)) q++;
        else return fail(j, at, "expected a value (object, array, string, number, true, false or null)"), NULL;
        if (q < j->end && *q == '.') {
            if (++q >= j->end || !is_digit(*q)) return fail(j, at, "bad number"), NULL;
            while (q < j->end && is_digit(*q)) q++;
        }
        if (q < j->end && (*q == 'e' || *q == 'E')) {
            if (++q < j->end && (*q == '+' || *q == '-')) q++;
            if (q >= j->end || !is_digit(*q)) return fail(j, at, "bad number"), NULL;
            while (q < j->end && is_digit(*q)) q++;
        }
    }
    if (q < j->end && (is_digit(*q) || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
        return fail(j, at, "expected a value (object, array, string, number, true, false or null)"), NULL;
    while (j->p < q) advance(j);
    if (!(node = shmgen__node_scalar(at, start, (size_t)(q - start), true))) fail(j, at, "out of memory");
    return node;
}

static shmgen__node_t *parse_value(jp_t *j, size_t depth);

static bool parse_members(jp_t *j, shmgen__node_t *node, size_t depth)
{
    bool is_map = node->type == SHMGEN__MAP;
    char close = is_map ? '}' : ']';

    advance(j);
    skip_ws(j);
    if (j->p < j->end && *j->p == close) return advance(j), true;
    for (;;) {
        shmgen__node_t *key = NULL, *value;
        skip_ws(j);
        if (is_map) {
            if (j->p >= j->end || *j->p != '"') return fail(j, here(j), "expected a string key"), false;
            if (!(key = parse_string(j))) return false;
            skip_ws(j);
            if (j->p >= j->end || *j->p != ':') return shmgen__node_free(key), fail(j, here(j), "expected ':'"), false;
            advance(j);
            if (!shmgen__node_push(node, key)) return fail(j, here(j), "out of memory"), false;
        }
        if (!(value = parse_value(j, depth + 1))) return false;
        if (!shmgen__node_push(node, value)) return fail(j, here(j), "out of memory"), false;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            advance(j);
            continue;
        }
        if (j->p < j->end && *j->p == close) return advance(j), true;
        if (j->p >= j->end) return fail(j, here(j), "unexpected end of input"), false;
        return fail(j, here(j), is_map ? "expected ',' or '}'" : "expected ',' or ']'"), false;
    }
}

static shmgen__node_t *parse_value(jp_t *j, size_t depth)
{
    shmgen__node_t *node;
    skip_ws(j);
    if (j->p >= j->end) return fail(j, here(j), "unexpected end of input"), NULL;
    if (*j->p == '"') return parse_string(j);
    if (*j->p != '{' && *j->p != '[') return parse_atom(j);
    if (depth >= SHMGEN__MAX_DEPTH) return fail(j, here(j), "nesting is deeper than 64 levels"), NULL;
    if (!(node = shmgen__node_new(*j->p == '{' ? SHMGEN__MAP : SHMGEN__SEQ, here(j))))
        return fail(j, here(j), "out of memory"), NULL;
    node->flow = true;
    if (!parse_members(j, node, depth)) {
        shmgen__node_free(node);
        return NULL;
    }
    return node;
}

shmgen__node_t *shmgen__json_parse(const char *file, const char *data, size_t len, shmgen_diags_t *d)
{
    jp_t j = {file, data, data + len, 1, 1, d, false};
    shmgen__node_t *root;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) j.p += 3; /* a UTF-8 byte order mark */
    root = parse_value(&j, 0);
    skip_ws(&j);
    if (root && j.p < j.end) fail(&j, here(&j), "unexpected text after the JSON value");
    if (j.failed) {
        shmgen__node_free(root);
        return NULL;
    }
    return root;
}
