/*
 * inspect.c — `shmgen inspect`: a read-only snapshot of a live segment
 * (header, every structure with its fill level, attached processes) and its
 * text and JSON renderings.  Binding a kind on a read-only handle only reads
 * (each kind's bind checks its own header against the table first).
 * Depends on the runtime (segment.h, the kind headers) and json_out.h.
 */
#include <stdlib.h>
#include <string.h>

#include "shmgen_gen/json_out.h"
#include "shmgen/shmgen.h"
#include "shmgen_gen/live.h"

/* An atomic's current value (raw bits; the table does not record signedness).
 * Returns 1: a value is not a fill level. */
static int atomic_value(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    shmgen_atomic_t a;
    int rc = shmgen_atomic_bind(&a, seg, &s->info);
    if (rc != 0) return rc;
    if (s->info.elem_size == 8) s->value = shmgen_atomic_load_u64(&a);
    else if (s->info.elem_size == 4) s->value = shmgen_atomic_load_u32(&a);
    else s->value = shmgen_atomic_load_bool(&a);
    s->has_value = true;
    return 1;
}

static int fill_level(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    switch (s->info.kind) {
    case SHMGEN_KIND_QUEUE: {
        shmgen_queue_t q;
        int rc = shmgen_queue_bind(&q, seg, &s->info);
        if (rc == 0) s->fill = shmgen_queue_size(&q);
        return rc;
    }
    case SHMGEN_KIND_STACK: {
        shmgen_stack_t st;
        int rc = shmgen_stack_bind(&st, seg, &s->info);
        if (rc == 0) s->fill = shmgen_stack_size(&st);
        return rc;
    }
    case SHMGEN_KIND_RING: {
        shmgen_ring_t r;
        int rc = shmgen_ring_bind(&r, seg, &s->info);
        if (rc == 0) s->fill = shmgen_ring_size(&r), s->dropped = shmgen_ring_dropped(&r), s->has_dropped = true;
        return rc;
    }
    case SHMGEN_KIND_POOL: {
        shmgen_pool_t p;
        int rc = shmgen_pool_bind(&p, seg, &s->info);
        if (rc == 0) s->fill = shmgen_pool_num_allocated(&p);
        return rc;
    }
    case SHMGEN_KIND_ATOMIC: return atomic_value(seg, s);
    default: return 1; /* array: no fill level */
    }
}

static void collect_proc(pid_t pid, bool alive, void *ctx)
{
    shmgen_inspect_t *snap = ctx;
    if (snap->nprocs == snap->procs_cap) {
        size_t cap = snap->procs_cap ? snap->procs_cap * 2 : 8;
        shmgen_inspect_proc_t *p = realloc(snap->procs, cap * sizeof *p);
        if (!p) return; /* the list is informative; the attach count stays exact */
        snap->procs = p;
        snap->procs_cap = cap;
    }
    snap->procs[snap->nprocs++] = (shmgen_inspect_proc_t){pid, alive};
}

static int take_structs(shmgen_segment_t *seg, shmgen_inspect_t *snap)
{
    uint32_t n = snap->meta.nstructs;
    if (n == 0) return 0;
    if (!(snap->structs = calloc(n, sizeof *snap->structs))) return SHMGEN_NO_MEMORY;
    for (uint32_t i = 0; i < n; i++) {
        shmgen_inspect_struct_t *s = &snap->structs[i];
        int rc = shmgen_segment_struct_at(seg, i, &s->info);
        if (rc != 0) return rc;
        snap->nstructs = i + 1;
        rc = fill_level(seg, s);
        s->has_fill = rc == 0;
        s->bind_error = rc < 0 ? rc : 0;
    }
    return 0;
}

int shmgen_inspect_take(const char *name, shmgen_inspect_t *out)
{
    shmgen_segment_t *seg = NULL;
    int rc;

    snprintf(out->name, sizeof out->name, "%s", name);
    if ((rc = shmgen_segment_open_readonly(name, &seg)) != 0) return rc;
    shmgen_segment_get_meta(seg, &out->meta);
    rc = take_structs(seg, out);
    if (rc == 0) rc = shmgen_segment_attach_count(seg, &out->attach_count);
    if (rc == 0) rc = shmgen_segment_visit_processes(seg, collect_proc, out);
    (void)shmgen_segment_close(seg);
    return rc;
}

void shmgen_inspect_free(shmgen_inspect_t *snap)
{
    free(snap->structs);
    free(snap->procs);
    memset(snap, 0, sizeof *snap);
}

static const char *kind_str(int kind)
{
    const char *k = shmgen_kind_name(kind);
    return k ? k : "unknown";
}

static void fill_text(const shmgen_inspect_struct_t *s, char *buf, size_t n)
{
    if (s->bind_error) snprintf(buf, n, "error: %s", shmgen_error_name(s->bind_error));
    else if (s->has_value) snprintf(buf, n, "value %llu", (unsigned long long)s->value);
    else if (!s->has_fill) snprintf(buf, n, "-");
    else snprintf(buf, n, "%llu/%llu", (unsigned long long)s->fill, (unsigned long long)s->info.capacity);
}

void shmgen_inspect_print_text(const shmgen_inspect_t *snap, FILE *out)
{
    const shmgen_segment_meta_t *m = &snap->meta;
    char pname[SHMGEN_NAME_MAX + 1];
    fprintf(out, "segment %s: schema '%s' version %u, format %u, layout hash 0x%016llx\n", snap->name,
            shmgen__out_printable(m->segment, pname, sizeof pname),
            m->schema_version, m->format_version, (unsigned long long)m->layout_hash);
    fprintf(out, "size %llu bytes (mapped %llu), %s, created by pid %d\n", (unsigned long long)m->total_size,
            (unsigned long long)m->mapped_size, m->persistent ? "persistent" : "removed on last detach",
            (int)m->creator_pid);
    fprintf(out, "%-24s %-7s %9s %12s %21s %8s %12s %12s\n", "STRUCTURE", "KIND", "ELEM", "CAPACITY", "FILL",
            "DROPPED", "OFFSET", "SIZE");
    for (size_t i = 0; i < snap->nstructs; i++) {
        const shmgen_inspect_struct_t *s = &snap->structs[i];
        char fill[48], dropped[24] = "-";
        fill_text(s, fill, sizeof fill);
        if (s->has_dropped) snprintf(dropped, sizeof dropped, "%llu", (unsigned long long)s->dropped);
        fprintf(out, "%-24s %-7s %9u %12llu %21s %8s %12llu %12llu\n",
                shmgen__out_printable(s->info.name, pname, sizeof pname), kind_str((int)s->info.kind),
                s->info.elem_size, (unsigned long long)s->info.capacity, fill, dropped,
                (unsigned long long)s->info.offset, (unsigned long long)s->info.size);
    }
    fprintf(out, "attached processes: %u\n", snap->attach_count);
    for (size_t i = 0; i < snap->nprocs; i++)
        fprintf(out, "  pid %d %s\n", (int)snap->procs[i].pid, snap->procs[i].alive ? "alive" : "dead");
}

static void json_struct(const shmgen_inspect_struct_t *s, FILE *out)
{
    fputs("    {\"name\": ", out);
    shmgen__out_json_str(out, s->info.name);
    fputs(", \"kind\": ", out);
    shmgen__out_json_str(out, kind_str((int)s->info.kind));
    fprintf(out, ", \"elem_size\": %u, \"elem_align\": %u, \"elem_hash\": ", s->info.elem_size, s->info.elem_align);
    shmgen__out_json_hash(out, s->info.elem_hash);
    fprintf(out, ", \"capacity\": %llu, \"since\": %u, \"offset\": %llu, \"size\": %llu, \"fill\": ",
            (unsigned long long)s->info.capacity, s->info.since, (unsigned long long)s->info.offset,
            (unsigned long long)s->info.size);
    if (s->has_fill) fprintf(out, "%llu", (unsigned long long)s->fill);
    else fputs("null", out);
    fputs(", \"value\": ", out);
    if (s->has_value) fprintf(out, "%llu", (unsigned long long)s->value);
    else fputs("null", out);
    fputs(", \"dropped\": ", out);
    if (s->has_dropped) fprintf(out, "%llu", (unsigned long long)s->dropped);
    else fputs("null", out);
    fputs(", \"error\": ", out);
    shmgen__out_json_str(out, s->bind_error ? shmgen_error_name(s->bind_error) : NULL);
    fputc('}', out);
}

void shmgen_inspect_print_json(const shmgen_inspect_t *snap, FILE *out)
{
    const shmgen_segment_meta_t *m = &snap->meta;
    fputs("{\n  \"name\": ", out);
    shmgen__out_json_str(out, snap->name);
    fputs(",\n  \"segment\": ", out);
    shmgen__out_json_str(out, m->segment);
    fprintf(out, ",\n  \"schema_version\": %u,\n  \"format_version\": %u,\n  \"layout_hash\": ", m->schema_version,
            m->format_version);
    shmgen__out_json_hash(out, m->layout_hash);
    fprintf(out, ",\n  \"total_size\": %llu,\n  \"mapped_size\": %llu,\n  \"persistent\": %s,\n  \"creator_pid\": %d,\n",
            (unsigned long long)m->total_size, (unsigned long long)m->mapped_size, m->persistent ? "true" : "false",
            (int)m->creator_pid);
    fputs("  \"structures\": [", out);
    for (size_t i = 0; i < snap->nstructs; i++) {
        fputs(i ? ",\n" : "\n", out);
        json_struct(&snap->structs[i], out);
    }
    fprintf(out, "%s],\n  \"attach_count\": %u,\n  \"processes\": [", snap->nstructs ? "\n  " : "", snap->attach_count);
    for (size_t i = 0; i < snap->nprocs; i++)
        fprintf(out, "%s{\"pid\": %d, \"alive\": %s}", i ? ", " : "", (int)snap->procs[i].pid,
                snap->procs[i].alive ? "true" : "false");
    fputs("]\n}\n", out);
}
