/*
 * SPDX-License-Identifier: MIT
 *
 * inspect.c — `shmgen inspect`: a read-only snapshot of a live segment
 * (header, owner and mode, every structure with its fill level and the
 * processes in its roles, a topic's subscribers, a latest value's version,
 * attached processes).  Binding a kind on a
 * read-only handle only reads (each kind's bind checks its own header
 * against the table first).  Work per structure is bounded whatever the
 * declared capacity (a pool is sampled beyond SHMGEN_INSPECT_POOL_BYTES).
 * The renderings are in inspect_print.c.
 * Depends on the runtime (segment.h, the kind headers).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmgen/shmgen.h"
#include "shmgen_gen/live.h"

const char *shmgen_proc_name(pid_t pid, char buf[17])
{
    char path[64];
    ssize_t n = -1;
    int fd;
    buf[0] = '\0';
    if (pid <= 0) return buf;
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    /* O_NONBLOCK: procfs never blocks, but the path is built from segment bytes. */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) >= 0) {
        n = read(fd, buf, 16);
        close(fd);
    }
    buf[n > 0 ? n : 0] = '\0';
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = '\0';
    return buf;
}

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

/* Slot words read for a pool: all of them while the pool spans at most
 * SHMGEN_INSPECT_POOL_BYTES (contiguous words: at most that much touched),
 * else SHMGEN_INSPECT_MIN_SAMPLES evenly spaced ones (one page each at most). */
static uint64_t pool_reads(const shmgen_struct_info_t *info)
{
    return info->size <= SHMGEN_INSPECT_POOL_BYTES ? info->capacity : SHMGEN_INSPECT_MIN_SAMPLES;
}

static int add_role(shmgen_inspect_struct_t *s, const char *role, pid_t pid)
{
    shmgen_inspect_role_t *r;
    if (pid <= 0) return 0;
    if (!(r = realloc(s->roles, (s->nroles + 1) * sizeof *r))) return SHMGEN_NO_MEMORY;
    s->roles = r;
    r[s->nroles++] = (shmgen_inspect_role_t){.role = role, .pid = pid};
    shmgen_proc_name(pid, r[s->nroles - 1].process);
    return 0;
}

static int ring_state(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    shmgen_ring_t r;
    pid_t producer, consumer;
    int rc = shmgen_ring_bind(&r, seg, &s->info);
    if (rc != 0) return rc;
    s->fill = shmgen_ring_size(&r);
    s->dropped = shmgen_ring_dropped(&r);
    s->has_dropped = true;
    shmgen_ring_owners(&r, &producer, &consumer);
    if ((rc = add_role(s, "producer", producer)) == 0) rc = add_role(s, "consumer", consumer);
    return rc;
}

static int pool_count(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    shmgen_pool_t p;
    int rc = shmgen_pool_bind(&p, seg, &s->info);
    if (rc == 0) s->fill = shmgen_pool_count_sampled(&p, pool_reads(&s->info), &s->fill_exact);
    return rc;
}

/* A latest value's update counter.  Returns 1: a version is not a fill level. */
static int latest_version(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    shmgen_latest_t l;
    int rc = shmgen_latest_bind(&l, seg, &s->info);
    if (rc != 0) return rc;
    s->version = shmgen_latest_version(&l);
    s->has_version = true;
    return 1;
}

/* One subscriber record, if in use: appended to the topic's list. */
static int topic_sub(const shmgen_topic_t *t, uint32_t i, shmgen_inspect_topic_t *out)
{
    shmgen_inspect_sub_t *sub = &out->subs[out->nsubs];
    int rc = shmgen_topic_subscriber_at(t, i, &sub->info);
    if (rc == SHMGEN_EMPTY) return 0;
    if (rc != 0) return rc;
    sub->record = i;
    sub->info.name[SHMGEN_TOPIC_NAME_MAX] = '\0'; /* segment bytes: never trusted to be terminated */
    if (sub->info.alive) shmgen_proc_name(sub->info.pid, sub->process);
    else sub->process[0] = '\0';
    out->nsubs++;
    return 0;
}

/* A topic's counters and its subscribers in use: at most
 * SHMGEN_TOPIC_MAX_SUBSCRIBERS records whatever the segment says (the table's
 * check refuses more).  Returns 1: no fill level. */
static int topic_state(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    shmgen_inspect_topic_t *tp = &s->topic;
    shmgen_topic_t t;
    int rc = shmgen_topic_bind(&t, seg, &s->info);
    if (rc != 0) return rc;
    tp->max_subscribers = shmgen_topic_max_subscribers(&t);
    if (tp->max_subscribers > SHMGEN_TOPIC_MAX_SUBSCRIBERS) return SHMGEN_CORRUPT;
    tp->published = shmgen_topic_published(&t);
    tp->evictions = shmgen_topic_evictions(&t);
    if (!(tp->subs = calloc(tp->max_subscribers + 1u, sizeof *tp->subs))) return SHMGEN_NO_MEMORY;
    for (uint32_t i = 0; i < tp->max_subscribers; i++)
        if ((rc = topic_sub(&t, i, tp)) != 0) return rc;
    s->has_topic = true;
    return 1;
}

static int fill_level(shmgen_segment_t *seg, shmgen_inspect_struct_t *s)
{
    s->fill_exact = true;
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
    case SHMGEN_KIND_RING: return ring_state(seg, s);
    case SHMGEN_KIND_POOL: return pool_count(seg, s);
    case SHMGEN_KIND_ATOMIC: return atomic_value(seg, s);
    case SHMGEN_KIND_TOPIC: return topic_state(seg, s);
    case SHMGEN_KIND_LATEST: return latest_version(seg, s);
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
    snap->procs[snap->nprocs] = (shmgen_inspect_proc_t){pid, alive, ""};
    shmgen_proc_name(pid, snap->procs[snap->nprocs++].process);
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
        if (rc == SHMGEN_NO_MEMORY) return rc;
        s->has_fill = rc == 0;
        s->bind_error = rc < 0 ? rc : 0;
    }
    return 0;
}

/* A role's pid is "attached" when the registry holds it as a live process. */
static void mark_attached(shmgen_inspect_t *snap)
{
    for (size_t i = 0; i < snap->nstructs; i++)
        for (size_t r = 0; r < snap->structs[i].nroles; r++) {
            shmgen_inspect_role_t *role = &snap->structs[i].roles[r];
            for (size_t p = 0; p < snap->nprocs && !role->attached; p++)
                role->attached = snap->procs[p].alive && snap->procs[p].pid == role->pid;
        }
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
    mark_attached(out);
    (void)shmgen_segment_close(seg);
    return rc;
}

void shmgen_inspect_free(shmgen_inspect_t *snap)
{
    for (size_t i = 0; i < snap->nstructs; i++) {
        free(snap->structs[i].roles);
        free(snap->structs[i].topic.subs);
    }
    free(snap->structs);
    free(snap->procs);
    memset(snap, 0, sizeof *snap);
}
