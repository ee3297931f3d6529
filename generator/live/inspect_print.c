/*
 * SPDX-License-Identifier: MIT
 *
 * inspect_print.c — the text and JSON ("shmgen-inspect/1") renderings of an
 * inspect snapshot (topics' subscribers in their own section).  Every string from the segment or /proc is untrusted
 * bytes: the text form shows it through shmgen__out_printable, the JSON form
 * through the escaping JSON writer, so the output is valid UTF-8 and cannot
 * drive a terminal.  Depends on live.h, json_out.h, json_writer.h.
 */
#include <string.h>

#include "shmgen/shmgen.h"
#include "shmgen_gen/json_out.h"
#include "shmgen_gen/json_writer.h"
#include "shmgen_gen/live.h"

static const char *kind_str(int kind)
{
    const char *k = shmgen_kind_name(kind);
    return k ? k : "unknown";
}

static void fill_text(const shmgen_inspect_struct_t *s, char *buf, size_t n)
{
    if (s->bind_error) snprintf(buf, n, "error: %s", shmgen_error_name(s->bind_error));
    else if (s->has_value) snprintf(buf, n, "value %llu", (unsigned long long)s->value);
    else if (s->has_version) snprintf(buf, n, "version %llu", (unsigned long long)s->version);
    else if (s->has_topic) snprintf(buf, n, "published %llu", (unsigned long long)s->topic.published);
    else if (!s->has_fill) snprintf(buf, n, "-");
    else snprintf(buf, n, "%s%llu/%llu", s->fill_exact ? "" : "~", (unsigned long long)s->fill,
                  (unsigned long long)s->info.capacity);
}

static void text_header(const shmgen_inspect_t *snap, FILE *out)
{
    const shmgen_segment_meta_t *m = &snap->meta;
    char pname[SHMGEN_NAME_MAX * 4 + 1], sname[sizeof snap->name];
    fprintf(out, "segment %s: schema '%s' version %u, format %u, layout hash 0x%016llx\n",
            shmgen__out_printable(snap->name, sname, sizeof sname),
            shmgen__out_printable(m->segment, pname, sizeof pname),
            m->schema_version, m->format_version, (unsigned long long)m->layout_hash);
    fprintf(out, "size %llu bytes (mapped %llu), %s, created by pid %d\n", (unsigned long long)m->total_size,
            (unsigned long long)m->mapped_size, m->persistent ? "persistent" : "removed on last detach",
            (int)m->creator_pid);
    fprintf(out, "owner uid %u gid %u, mode 0%03o\n", (unsigned)m->owner_uid, (unsigned)m->owner_gid, m->mode & 07777u);
}

static bool any_estimate(const shmgen_inspect_t *snap)
{
    for (size_t i = 0; i < snap->nstructs; i++)
        if (snap->structs[i].has_fill && !snap->structs[i].fill_exact) return true;
    return false;
}

static void text_table(const shmgen_inspect_t *snap, FILE *out)
{
    char pname[SHMGEN_NAME_MAX * 4 + 1];
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
    if (any_estimate(snap))
        fprintf(out, "~: estimated from evenly spaced slots (the pool spans more than %u MiB; counting every slot "
                     "would touch every page)\n", SHMGEN_INSPECT_POOL_BYTES >> 20);
}

/* "producer pid 123 (sensor), consumer pid 456 (analytics, not attached)" */
static void text_roles(const shmgen_inspect_t *snap, FILE *out)
{
    char pname[SHMGEN_NAME_MAX * 4 + 1], comm[17 * 4];
    bool header = false;
    for (size_t i = 0; i < snap->nstructs; i++) {
        const shmgen_inspect_struct_t *s = &snap->structs[i];
        if (s->nroles == 0) continue;
        if (!header) fputs("roles:\n", out), header = true;
        fprintf(out, "  %s (%s):", shmgen__out_printable(s->info.name, pname, sizeof pname),
                kind_str((int)s->info.kind));
        for (size_t r = 0; r < s->nroles; r++) {
            const shmgen_inspect_role_t *role = &s->roles[r];
            fprintf(out, "%s %s pid %d (%s%s)", r ? "," : "", role->role, (int)role->pid,
                    role->process[0] ? shmgen__out_printable(role->process, comm, sizeof comm) : "?",
                    role->attached ? "" : ", not attached");
        }
        fputc('\n', out);
    }
}

/* "  [0] slam                 pid 4242 (slam_node) alive, position 6, lag 0, lost 0" */
static void text_subscriber(const shmgen_inspect_sub_t *sub, FILE *out)
{
    char name[4 * SHMGEN_TOPIC_NAME_MAX + 1], comm[17 * 4];
    fprintf(out, "    [%u] %-20s pid %d", (unsigned)sub->record,
            shmgen__out_printable(sub->info.name, name, sizeof name), (int)sub->info.pid);
    if (sub->process[0]) fprintf(out, " (%s)", shmgen__out_printable(sub->process, comm, sizeof comm));
    fprintf(out, " %s, position %llu, lag %llu, lost %llu%s\n", sub->info.alive ? "alive" : "dead",
            (unsigned long long)sub->info.position, (unsigned long long)sub->info.lag,
            (unsigned long long)sub->info.lost, sub->info.evicted ? ", evicted" : "");
}

/* Each topic's parameters and counters, then its subscribers in use. */
static void text_topics(const shmgen_inspect_t *snap, FILE *out)
{
    char pname[SHMGEN_NAME_MAX * 4 + 1];
    bool header = false;
    for (size_t i = 0; i < snap->nstructs; i++) {
        const shmgen_inspect_struct_t *s = &snap->structs[i];
        if (!s->has_topic) continue;
        if (!header) fputs("topics:\n", out), header = true;
        fprintf(out, "  %s: policy %s, history %u", shmgen__out_printable(s->info.name, pname, sizeof pname),
                shmgen_topic_policy_name(s->info.policy), (unsigned)s->info.history);
        if (s->info.deadline_ms) fprintf(out, ", deadline %u ms", (unsigned)s->info.deadline_ms);
        fprintf(out, ", %zu of %u subscribers, %llu evicted\n", s->topic.nsubs, (unsigned)s->topic.max_subscribers,
                (unsigned long long)s->topic.evictions);
        for (size_t k = 0; k < s->topic.nsubs; k++) text_subscriber(&s->topic.subs[k], out);
    }
}

void shmgen_inspect_print_text(const shmgen_inspect_t *snap, FILE *out)
{
    char comm[17 * 4];
    text_header(snap, out);
    text_table(snap, out);
    text_roles(snap, out);
    text_topics(snap, out);
    fprintf(out, "attached processes: %u\n", snap->attach_count);
    for (size_t i = 0; i < snap->nprocs; i++) {
        const shmgen_inspect_proc_t *p = &snap->procs[i];
        fprintf(out, "  pid %d %s", (int)p->pid, p->alive ? "alive" : "dead");
        if (p->process[0]) fprintf(out, " (%s)", shmgen__out_printable(p->process, comm, sizeof comm));
        fputc('\n', out);
    }
}

static void json_roles(shmgen__jw_t *w, const shmgen_inspect_struct_t *s)
{
    shmgen__jw_open(w, "roles", '[');
    for (size_t r = 0; r < s->nroles; r++) {
        shmgen__jw_open(w, NULL, '{');
        shmgen__jw_str(w, "role", s->roles[r].role);
        shmgen__jw_i64(w, "pid", s->roles[r].pid);
        shmgen__jw_str(w, "process", s->roles[r].process[0] ? s->roles[r].process : NULL);
        shmgen__jw_bool(w, "attached", s->roles[r].attached);
        shmgen__jw_close(w, '}');
    }
    shmgen__jw_close(w, ']');
}

static void json_subscriber(shmgen__jw_t *w, const shmgen_inspect_sub_t *sub)
{
    shmgen__jw_open(w, NULL, '{');
    shmgen__jw_u64(w, "record", sub->record);
    shmgen__jw_str(w, "name", sub->info.name);
    shmgen__jw_i64(w, "pid", sub->info.pid);
    shmgen__jw_str(w, "process", sub->process[0] ? sub->process : NULL);
    shmgen__jw_bool(w, "alive", sub->info.alive);
    shmgen__jw_u64(w, "position", sub->info.position);
    shmgen__jw_u64(w, "lag", sub->info.lag);
    shmgen__jw_u64(w, "lost", sub->info.lost);
    shmgen__jw_bool(w, "evicted", sub->info.evicted);
    shmgen__jw_close(w, '}');
}

/* "topic": null, or its parameters, counters and subscribers in use. */
static void json_topic(shmgen__jw_t *w, const shmgen_inspect_struct_t *s)
{
    if (!s->has_topic) {
        shmgen__jw_null(w, "topic");
        return;
    }
    shmgen__jw_open(w, "topic", '{');
    shmgen__jw_str(w, "policy", shmgen_topic_policy_name(s->info.policy));
    shmgen__jw_u64(w, "history", s->info.history);
    shmgen__jw_u64(w, "deadline_ms", s->info.deadline_ms);
    shmgen__jw_u64(w, "max_subscribers", s->topic.max_subscribers);
    shmgen__jw_u64(w, "published", s->topic.published);
    shmgen__jw_u64(w, "evictions", s->topic.evictions);
    shmgen__jw_open(w, "subscribers", '[');
    for (size_t k = 0; k < s->topic.nsubs; k++) json_subscriber(w, &s->topic.subs[k]);
    shmgen__jw_close(w, ']');
    shmgen__jw_close(w, '}');
}

static void json_struct(shmgen__jw_t *w, const shmgen_inspect_struct_t *s)
{
    shmgen__jw_open(w, NULL, '{');
    shmgen__jw_str(w, "name", s->info.name);
    shmgen__jw_str(w, "kind", kind_str((int)s->info.kind));
    shmgen__jw_u64(w, "elem_size", s->info.elem_size);
    shmgen__jw_u64(w, "elem_align", s->info.elem_align);
    shmgen__jw_hash(w, "elem_hash", s->info.elem_hash);
    shmgen__jw_u64(w, "capacity", s->info.capacity);
    shmgen__jw_u64(w, "since", s->info.since);
    shmgen__jw_u64(w, "offset", s->info.offset);
    shmgen__jw_u64(w, "size", s->info.size);
    if (s->has_fill) shmgen__jw_u64(w, "fill", s->fill);
    else shmgen__jw_null(w, "fill");
    shmgen__jw_bool(w, "fill_exact", !s->has_fill || s->fill_exact);
    if (s->has_value) shmgen__jw_u64(w, "value", s->value);
    else shmgen__jw_null(w, "value");
    if (s->has_dropped) shmgen__jw_u64(w, "dropped", s->dropped);
    else shmgen__jw_null(w, "dropped");
    if (s->has_version) shmgen__jw_u64(w, "version", s->version);
    else shmgen__jw_null(w, "version");
    json_topic(w, s);
    shmgen__jw_str(w, "error", s->bind_error ? shmgen_error_name(s->bind_error) : NULL);
    json_roles(w, s);
    shmgen__jw_close(w, '}');
}

static void json_header(shmgen__jw_t *w, const shmgen_inspect_t *snap)
{
    const shmgen_segment_meta_t *m = &snap->meta;
    shmgen__jw_str(w, "format", "shmgen-inspect/1");
    shmgen__jw_str(w, "name", snap->name);
    shmgen__jw_str(w, "segment", m->segment);
    shmgen__jw_u64(w, "schema_version", m->schema_version);
    shmgen__jw_u64(w, "format_version", m->format_version);
    shmgen__jw_hash(w, "layout_hash", m->layout_hash);
    shmgen__jw_u64(w, "total_size", m->total_size);
    shmgen__jw_u64(w, "mapped_size", m->mapped_size);
    shmgen__jw_bool(w, "persistent", m->persistent);
    shmgen__jw_i64(w, "creator_pid", m->creator_pid);
    shmgen__jw_u64(w, "owner_uid", m->owner_uid);
    shmgen__jw_u64(w, "owner_gid", m->owner_gid);
    shmgen__jw_mode(w, "mode", m->mode);
}

void shmgen_inspect_print_json(const shmgen_inspect_t *snap, bool one_line, FILE *out)
{
    shmgen__jw_t w;
    shmgen__jw_init(&w, out, one_line ? 0 : 2);
    shmgen__jw_open(&w, NULL, '{');
    json_header(&w, snap);
    shmgen__jw_open(&w, "structures", '[');
    for (size_t i = 0; i < snap->nstructs; i++) json_struct(&w, &snap->structs[i]);
    shmgen__jw_close(&w, ']');
    shmgen__jw_u64(&w, "attach_count", snap->attach_count);
    shmgen__jw_open(&w, "processes", '[');
    for (size_t i = 0; i < snap->nprocs; i++) {
        shmgen__jw_open(&w, NULL, '{');
        shmgen__jw_i64(&w, "pid", snap->procs[i].pid);
        shmgen__jw_bool(&w, "alive", snap->procs[i].alive);
        shmgen__jw_str(&w, "process", snap->procs[i].process[0] ? snap->procs[i].process : NULL);
        shmgen__jw_close(&w, '}');
    }
    shmgen__jw_close(&w, ']');
    shmgen__jw_close(&w, '}');
}
