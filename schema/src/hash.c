/*
 * SPDX-License-Identifier: MIT
 *
 * hash.c — the layout hashes (docs/layout-hash.md): FNV-1a 64 over a
 * canonical byte string, with every integer written little-endian at a fixed
 * width, so the value is the same on every machine and every run.  Names of
 * fields, types and enums are not part of any element hash; structure names
 * and the segment name are part of the segment hash.  Depends on internal.h.
 */
#include <string.h>

#include "internal.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

typedef struct { uint64_t h; } fnv_t;

static void put_bytes(fnv_t *f, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        f->h ^= b[i];
        f->h *= FNV_PRIME;
    }
}

static void put_u8(fnv_t *f, uint8_t v) { put_bytes(f, &v, 1); }

static void put_u32(fnv_t *f, uint32_t v)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(f, b, 4);
}

static void put_u64(fnv_t *f, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(f, b, 8);
}

/* Length-prefixed, so "ab"+"c" and "a"+"bc" differ. */
static void put_str(fnv_t *f, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_u32(f, (uint32_t)n);
    put_bytes(f, s, n);
}

/* The canonical form of a reference, without any name: the scalar's
 * spelling, "enum" for every enum (stored as u32; its values are not layout),
 * or the layout hash of the struct type; then array length, size, align. */
static void put_ref(fnv_t *f, const shmgen_schema_t *s, const shmgen_type_ref_t *r)
{
    put_u8(f, (uint8_t)(r->kind == SHMGEN_REF_SCALAR ? 'S' : r->kind == SHMGEN_REF_ENUM ? 'E' : 'T'));
    if (r->kind == SHMGEN_REF_SCALAR) put_str(f, shmgen_scalar_name(r->scalar));
    else if (r->kind == SHMGEN_REF_ENUM) put_str(f, "enum");
    else put_u64(f, r->index < s->ntypes ? s->types[r->index].hash : 0);
    put_u64(f, r->array_len);
    put_u64(f, r->size);
    put_u32(f, r->align);
}

uint64_t shmgen__hash_ref(const shmgen_schema_t *s, const shmgen_type_ref_t *r)
{
    fnv_t f = {FNV_OFFSET};
    if (r->kind == SHMGEN_REF_TYPE && r->array_len == 0 && r->index < s->ntypes) return s->types[r->index].hash;
    put_str(&f, "shmgen-ref/1");
    put_ref(&f, s, r);
    return f.h;
}

uint64_t shmgen__hash_type(const shmgen_schema_t *s, const shmgen_type_t *t)
{
    fnv_t f = {FNV_OFFSET};
    put_str(&f, "shmgen-type/1");
    put_u64(&f, t->size);
    put_u32(&f, t->align);
    put_u64(&f, t->nfields);
    for (size_t i = 0; i < t->nfields; i++) {
        put_u64(&f, t->fields[i].offset);
        put_ref(&f, s, &t->fields[i].type);
    }
    return f.h;
}

uint64_t shmgen__hash_enum(const shmgen_enum_t *e)
{
    fnv_t f = {FNV_OFFSET};
    put_str(&f, "shmgen-enum/1");
    put_u64(&f, e->nvalues);
    for (size_t i = 0; i < e->nvalues; i++) put_u32(&f, e->values[i].value);
    return f.h;
}

uint64_t shmgen__hash_segment(const shmgen_schema_t *s)
{
    fnv_t f = {FNV_OFFSET};
    put_str(&f, "shmgen-segment/1");
    put_u32(&f, s->format_version ? s->format_version : SHMGEN_FORMAT_VERSION);
    put_str(&f, s->segment);
    put_u64(&f, s->declared_size);
    put_u64(&f, s->plan.overhead);
    put_u64(&f, s->plan.total_size);
    put_u64(&f, s->nstructures);
    for (size_t i = 0; i < s->nstructures; i++) {
        const shmgen_structure_t *st = &s->structures[i];
        put_str(&f, st->name);
        put_u32(&f, (uint32_t)st->kind);
        put_u64(&f, st->elem.hash);
        put_u64(&f, st->elem.size);
        put_u32(&f, st->elem.align);
        put_u64(&f, st->capacity);
        put_u32(&f, st->since);
        put_u64(&f, st->offset);
        put_u64(&f, st->size);
        /* Only topics carry these, so every other segment hashes as before. */
        if (st->kind == SHMGEN_KIND_TOPIC) {
            put_u32(&f, st->subscribers);
            put_u32(&f, st->policy);
        }
    }
    return f.h;
}
