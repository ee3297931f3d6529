/*
 * SPDX-License-Identifier: MIT
 *
 * names.c — the document tree's nodes, the name table, C-name checks, edit
 * distance for "did you mean", printable rendering of user text, integers,
 * and the scalar types.  Depends on internal.h only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- nodes ------------------------------------------------------------------ */

shmgen__node_t *shmgen__node_new(shmgen__node_type_t type, shmgen_loc_t loc)
{
    shmgen__node_t *n = calloc(1, sizeof *n);
    if (n) {
        n->type = type;
        n->loc = loc;
    }
    return n;
}

shmgen__node_t *shmgen__node_scalar(shmgen_loc_t loc, const char *text, size_t len, bool plain)
{
    shmgen__node_t *n = shmgen__node_new(SHMGEN__SCALAR, loc);
    if (!n) return NULL;
    if (!(n->text = malloc(len + 1))) {
        free(n);
        return NULL;
    }
    if (len) memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->len = len;
    n->plain = plain;
    return n;
}

bool shmgen__node_push(shmgen__node_t *parent, shmgen__node_t *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        shmgen__node_t **items = realloc(parent->items, cap * sizeof *items);
        if (!items) {
            shmgen__node_free(child);
            return false;
        }
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
    return true;
}

/* Recursion is bounded by SHMGEN__MAX_DEPTH: both parsers refuse deeper trees. */
void shmgen__node_free(shmgen__node_t *node)
{
    if (!node) return;
    for (size_t i = 0; i < node->n; i++) shmgen__node_free(node->items[i]);
    free(node->items);
    free(node->text);
    free(node);
}

shmgen__node_t *shmgen__map_get(const shmgen__node_t *map, const char *key)
{
    size_t klen = strlen(key);
    if (!map || map->type != SHMGEN__MAP) return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->items[i]->len == klen && memcmp(map->items[i]->text, key, klen) == 0) return map->items[i + 1];
    return NULL;
}

bool shmgen__is_null(const shmgen__node_t *node)
{
    if (!node) return true;
    if (node->type != SHMGEN__SCALAR || !node->plain) return false;
    return node->len == 0 || strcmp(node->text, "~") == 0 || strcmp(node->text, "null") == 0 ||
           strcmp(node->text, "Null") == 0 || strcmp(node->text, "NULL") == 0;
}

const char *shmgen__node_what(const shmgen__node_t *node, char *buf, size_t size)
{
    char shown[SHMGEN__PRINT_BUF];
    if (!node || shmgen__is_null(node)) return "nothing";
    if (node->type == SHMGEN__MAP) return "a mapping";
    if (node->type == SHMGEN__SEQ) return "a sequence";
    shmgen__printable(node->text, node->len, shown, sizeof shown);
    snprintf(buf, size, "'%s'", shown);
    return buf;
}

/* ---- name table ------------------------------------------------------------- */

static size_t sym_slot(const shmgen__symtab_t *t, const char *name)
{
    size_t mask = t->cap - 1, i = (size_t)shmgen_name_hash(name) & mask;
    while (t->slots[i].name && strcmp(t->slots[i].name, name) != 0) i = (i + 1) & mask;
    return i;
}

static bool sym_grow(shmgen__symtab_t *t)
{
    shmgen__symtab_t bigger = {calloc(t->cap ? t->cap * 2 : 16, sizeof *t->slots), t->cap ? t->cap * 2 : 16, 0};
    if (!bigger.slots) return false;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].name) bigger.slots[sym_slot(&bigger, t->slots[i].name)] = t->slots[i];
    bigger.count = t->count;
    free(t->slots);
    *t = bigger;
    return true;
}

const struct shmgen__sym *shmgen__sym_put(shmgen__symtab_t *t, const char *name, int tag, size_t index)
{
    size_t i;
    if ((t->count + 1) * 2 > t->cap && !sym_grow(t)) return NULL;
    i = sym_slot(t, name);
    if (t->slots[i].name) return &t->slots[i];
    t->slots[i] = (struct shmgen__sym){name, tag, index};
    t->count++;
    return NULL;
}

const struct shmgen__sym *shmgen__sym_get(const shmgen__symtab_t *t, const char *name)
{
    size_t i;
    if (!t->cap) return NULL;
    i = sym_slot(t, name);
    return t->slots[i].name ? &t->slots[i] : NULL;
}

void shmgen__sym_free(shmgen__symtab_t *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- C names ---------------------------------------------------------------- */

/* C11 keywords, C23 keywords, and the <stdbool.h>/<stdalign.h>/
 * <stdnoreturn.h>/<assert.h> macros that act like keywords. */
static const char *const keywords[] = {
    "alignas", "alignof", "auto", "bool", "break", "case", "char", "const", "constexpr", "continue", "default",
    "do", "double", "else", "enum", "extern", "false", "float", "for", "goto", "if", "inline", "int", "long",
    "noreturn", "nullptr", "register", "restrict", "return", "short", "signed", "sizeof", "static",
    "static_assert", "struct", "switch", "thread_local", "true", "typedef", "typeof", "typeof_unqual", "union",
    "unsigned", "void", "volatile", "while",
};

static bool is_keyword(const char *name)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(keywords[i], name) == 0) return true;
    return false;
}

static bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

bool shmgen__check_name(shmgen_diags_t *d, const shmgen__node_t *node, const char *what)
{
    char shown[SHMGEN__PRINT_BUF];
    const char *why = NULL;
    bool ident = node->len > 0 && is_ident_start(node->text[0]);

    for (size_t i = 1; ident && i < node->len; i++) ident = is_ident_char(node->text[i]);
    if (node->len == 0) why = "is empty; expected a C identifier";
    else if (!ident) why = "is not a C identifier (letters, digits and '_', not starting with a digit)";
    else if (node->len > SHMGEN_NAME_MAX) why = "is longer than 63 bytes";
    else if (is_keyword(node->text)) why = "is a C keyword";
    else if (node->text[0] == '_' && (node->text[1] == '_' || (node->text[1] >= 'A' && node->text[1] <= 'Z')))
        why = "is reserved in C (starts with '__' or '_' and a capital letter)";
    if (!why) return true;
    shmgen__printable(node->text, node->len, shown, sizeof shown);
    if (node->len > SHMGEN_NAME_MAX && ident)
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, node->loc, "%s '%s' is %zu bytes long; at most 63 are allowed", what,
                        shown, node->len);
    else
        shmgen_diag_add(d, SHMGEN_SEV_ERROR, node->loc, "%s '%s' %s", what, shown, why);
    return false;
}

/* ---- text ------------------------------------------------------------------- */

const char *shmgen__printable(const char *text, size_t len, char *buf, size_t size)
{
    size_t o = 0, shown = len > 64 ? 64 : len;
    for (size_t i = 0; i < shown && o + 8 < size; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n') o += (size_t)snprintf(buf + o, size - o, "\\n");
        else if (c == '\t') o += (size_t)snprintf(buf + o, size - o, "\\t");
        else if (c == '\\' || c == '\'') o += (size_t)snprintf(buf + o, size - o, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    if (shown < len && o + 4 < size) o += (size_t)snprintf(buf + o, size - o, "...");
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

int shmgen__parse_int(const char *text, size_t len, bool *negative, uint64_t *magnitude)
{
    size_t i = 0;
    unsigned base = 10;
    uint64_t v = 0;

    *negative = false;
    if (i < len && (text[i] == '-' || text[i] == '+')) *negative = text[i++] == '-';
    if (i + 1 < len && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    if (i >= len) return 1;
    for (; i < len; i++) {
        char c = text[i];
        unsigned digit;
        if (c >= '0' && c <= '9') digit = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f') digit = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F') digit = (unsigned)(c - 'A' + 10);
        else return 1;
        if (v > (UINT64_MAX - digit) / base) return 2;
        v = v * base + digit;
    }
    *magnitude = v;
    return 0;
}

/* ---- scalars ---------------------------------------------------------------- */

static const char *const scalar_names[] = {
    [SHMGEN_U8] = "u8", [SHMGEN_U16] = "u16", [SHMGEN_U32] = "u32", [SHMGEN_U64] = "u64",
    [SHMGEN_I8] = "i8", [SHMGEN_I16] = "i16", [SHMGEN_I32] = "i32", [SHMGEN_I64] = "i64",
    [SHMGEN_F32] = "f32", [SHMGEN_F64] = "f64", [SHMGEN_BOOL] = "bool", [SHMGEN_CHAR] = "char",
    [SHMGEN_ATOMIC_U32] = "atomic_u32", [SHMGEN_ATOMIC_U64] = "atomic_u64", [SHMGEN_ATOMIC_I32] = "atomic_i32",
    [SHMGEN_ATOMIC_I64] = "atomic_i64", [SHMGEN_ATOMIC_BOOL] = "atomic_bool",
};
#define NSCALARS (sizeof scalar_names / sizeof scalar_names[0])

const char *shmgen_scalar_name(shmgen_scalar_t s)
{
    return (size_t)s < NSCALARS && s != SHMGEN_SCALAR_NONE ? scalar_names[s] : NULL;
}

shmgen_scalar_t shmgen__scalar_by_name(const char *name)
{
    for (size_t i = 1; i < NSCALARS; i++)
        if (strcmp(scalar_names[i], name) == 0) return (shmgen_scalar_t)i;
    return SHMGEN_SCALAR_NONE;
}

void shmgen__scalar_layout(shmgen_scalar_t s, uint64_t *size, uint32_t *align)
{
    static const uint8_t sizes[] = {
        [SHMGEN_U8] = 1, [SHMGEN_U16] = 2, [SHMGEN_U32] = 4, [SHMGEN_U64] = 8, [SHMGEN_I8] = 1,
        [SHMGEN_I16] = 2, [SHMGEN_I32] = 4, [SHMGEN_I64] = 8, [SHMGEN_F32] = 4, [SHMGEN_F64] = 8,
        [SHMGEN_BOOL] = 1, [SHMGEN_CHAR] = 1, [SHMGEN_ATOMIC_U32] = 4, [SHMGEN_ATOMIC_U64] = 8,
        [SHMGEN_ATOMIC_I32] = 4, [SHMGEN_ATOMIC_I64] = 8, [SHMGEN_ATOMIC_BOOL] = 1,
    };
    uint8_t v = (size_t)s < sizeof sizes ? sizes[s] : 0;
    *size = v;
    *align = v;
}
