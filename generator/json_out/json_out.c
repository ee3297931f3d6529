/* SPDX-License-Identifier: MIT */
/* json_out.c — JSON and GitHub-command escaping (see json_out.h).  Text
 * read from a segment is any bytes: what is not valid UTF-8 never reaches
 * the output as such. */
#include "shmgen_gen/json_out.h"

#include <stdbool.h>
#include <string.h>

size_t shmgen__out_utf8_len(const char *s, uint32_t *cp_out)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t cp, min;
    size_t n;
    if (p[0] < 0x80) n = 1, cp = p[0], min = 0;
    else if (p[0] >= 0xc2 && p[0] <= 0xdf) n = 2, cp = p[0] & 0x1fu, min = 0x80;
    else if (p[0] >= 0xe0 && p[0] <= 0xef) n = 3, cp = p[0] & 0x0fu, min = 0x800;
    else if (p[0] >= 0xf0 && p[0] <= 0xf4) n = 4, cp = p[0] & 0x07u, min = 0x10000;
    else return 0;
    /* a continuation byte is never NUL, so this stops at the terminator */
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0; /* overlong, surrogate, too large */
    if (cp_out) *cp_out = cp;
    return n;
}

static void json_char(FILE *out, unsigned char c)
{
    switch (c) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
        if (c < 0x20 || c == 0x7f) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
}

void shmgen__out_json_str(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    fputc('"', out);
    while (*s) {
        size_t n = shmgen__out_utf8_len(s, NULL);
        if (n == 1) json_char(out, (unsigned char)*s);
        else if (n) fwrite(s, 1, n, out);
        else fputs("\\ufffd", out); /* a byte that is no UTF-8: U+FFFD, the replacement character */
        s += n ? n : 1;
    }
    fputc('"', out);
}

void shmgen__out_json_hash(FILE *out, uint64_t h)
{
    fprintf(out, "\"0x%016llx\"", (unsigned long long)h);
}

void shmgen__out_github(FILE *out, const char *s, int property)
{
    for (; s && *s; s++) {
        if (*s == '%') fputs("%25", out);
        else if (*s == '\r') fputs("%0D", out);
        else if (*s == '\n') fputs("%0A", out);
        else if (property && *s == ':') fputs("%3A", out);
        else if (property && *s == ',') fputs("%2C", out);
        else fputc(*s, out);
    }
}

/* C0 and C1 control characters and DEL: what could drive a terminal. */
static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

const char *shmgen__out_printable(const char *s, char *buf, size_t n)
{
    size_t o = 0;
    while (s && *s && o + 1 < n) {
        uint32_t cp = 0;
        size_t len = shmgen__out_utf8_len(s, &cp);
        if (len && !is_control(cp) && o + len < n) {
            memcpy(buf + o, s, len);
            o += len;
        } else if (len && !is_control(cp)) {
            break; /* a character that does not fit whole is left out */
        } else {
            buf[o++] = '?';
        }
        s += len ? len : 1;
    }
    buf[o] = '\0';
    return buf;
}
