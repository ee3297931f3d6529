/* SPDX-License-Identifier: MIT */
/* value.c — the templater's value model and byte buffer (see shmgen_gen/value.h). */
#include "shmgen_gen/value.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local size_t failures;

size_t shmgen_value_failures(void) { return failures; }

static shmgen_value_t *value_new(shmgen_value_type_t t)
{
    shmgen_value_t *v = calloc(1, sizeof *v);
    if (v) v->type = t;
    else failures++;
    return v;
}

shmgen_value_t *shmgen_value_stringn(const char *s, size_t len)
{
    shmgen_value_t *v = value_new(SHMGEN_VAL_STRING);
    if (!v) return NULL;
    v->u.str.data = malloc(len + 1);
    if (!v->u.str.data) {
        failures++;
        free(v);
        return NULL;
    }
    memcpy(v->u.str.data, s, len);
    v->u.str.data[len] = '\0';
    v->u.str.len = len;
    return v;
}

shmgen_value_t *shmgen_value_string(const char *s)
{
    return shmgen_value_stringn(s, strlen(s));
}

shmgen_value_t *shmgen_value_int(int64_t i)
{
    shmgen_value_t *v = value_new(SHMGEN_VAL_INT);
    if (v) v->u.i = i;
    return v;
}

shmgen_value_t *shmgen_value_bool(bool b)
{
    shmgen_value_t *v = value_new(SHMGEN_VAL_BOOL);
    if (v) v->u.b = b;
    return v;
}

shmgen_value_t *shmgen_value_list(void) { return value_new(SHMGEN_VAL_LIST); }
shmgen_value_t *shmgen_value_map(void) { return value_new(SHMGEN_VAL_MAP); }

void shmgen_value_free(shmgen_value_t *v)
{
    if (!v) return;
    switch (v->type) {
    case SHMGEN_VAL_STRING: free(v->u.str.data); break;
    case SHMGEN_VAL_LIST:
        for (size_t i = 0; i < v->u.list.count; i++) shmgen_value_free(v->u.list.items[i]);
        free(v->u.list.items);
        break;
    case SHMGEN_VAL_MAP:
        for (size_t i = 0; i < v->u.map.count; i++) {
            free(v->u.map.keys[i]);
            shmgen_value_free(v->u.map.vals[i]);
        }
        free(v->u.map.keys);
        free(v->u.map.vals);
        break;
    default: break;
    }
    free(v);
}

shmgen_value_t *shmgen_value_push(shmgen_value_t *list, shmgen_value_t *item)
{
    if (!list || !item || list->type != SHMGEN_VAL_LIST) goto fail;
    if (list->u.list.count == list->u.list.cap) {
        size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 8;
        shmgen_value_t **items = realloc(list->u.list.items, cap * sizeof *items);
        if (!items) goto fail;
        list->u.list.items = items;
        list->u.list.cap = cap;
    }
    list->u.list.items[list->u.list.count++] = item;
    return item;
fail:
    failures++;
    shmgen_value_free(item);
    return NULL;
}

static int map_grow(shmgen_value_t *map)
{
    size_t cap = map->u.map.cap ? map->u.map.cap * 2 : 8;
    char **keys = realloc(map->u.map.keys, cap * sizeof *keys);
    if (!keys) return -1;
    map->u.map.keys = keys;
    shmgen_value_t **vals = realloc(map->u.map.vals, cap * sizeof *vals);
    if (!vals) return -1;
    map->u.map.vals = vals;
    map->u.map.cap = cap;
    return 0;
}

shmgen_value_t *shmgen_value_set(shmgen_value_t *map, const char *key, shmgen_value_t *val)
{
    char *k;
    if (!map || !val || map->type != SHMGEN_VAL_MAP) goto fail;
    for (size_t i = 0; i < map->u.map.count; i++) {
        if (strcmp(map->u.map.keys[i], key) == 0) {
            shmgen_value_free(map->u.map.vals[i]);
            map->u.map.vals[i] = val;
            return val;
        }
    }
    if (map->u.map.count == map->u.map.cap && map_grow(map) != 0) goto fail;
    if (!(k = strdup(key))) goto fail;
    map->u.map.keys[map->u.map.count] = k;
    map->u.map.vals[map->u.map.count++] = val;
    return val;
fail:
    failures++;
    shmgen_value_free(val);
    return NULL;
}

shmgen_value_t *shmgen_value_set_str(shmgen_value_t *map, const char *key, const char *s)
{
    return shmgen_value_set(map, key, shmgen_value_string(s));
}

shmgen_value_t *shmgen_value_set_int(shmgen_value_t *map, const char *key, int64_t i)
{
    return shmgen_value_set(map, key, shmgen_value_int(i));
}

shmgen_value_t *shmgen_value_set_bool(shmgen_value_t *map, const char *key, bool b)
{
    return shmgen_value_set(map, key, shmgen_value_bool(b));
}

const shmgen_value_t *shmgen_value_get(const shmgen_value_t *map, const char *key)
{
    if (!map || map->type != SHMGEN_VAL_MAP) return NULL;
    for (size_t i = 0; i < map->u.map.count; i++)
        if (strcmp(map->u.map.keys[i], key) == 0) return map->u.map.vals[i];
    return NULL;
}

const char *shmgen_value_type_name(shmgen_value_type_t t)
{
    static const char *const names[] = {"string", "int", "bool", "list", "map"};
    return (unsigned)t < 5 ? names[t] : "?";
}

static int buf_reserve(shmgen_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1, cap;
    char *p;
    if (b->oom) return -1;
    if (need <= b->cap) return 0;
    for (cap = b->cap ? b->cap : 256; cap < need; cap *= 2) {}
    if (!(p = realloc(b->data, cap))) {
        b->oom = true;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void shmgen_buf_append(shmgen_buf_t *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != 0) return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void shmgen_buf_puts(shmgen_buf_t *b, const char *s) { shmgen_buf_append(b, s, strlen(s)); }

void shmgen_buf_printf(shmgen_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) != 0) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void shmgen_buf_free(shmgen_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
