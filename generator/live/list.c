/*
 * list.c — `shmgen list`: the shmgen segments present in /dev/shm.
 *
 * Each regular file of at least a header's size is attached read-only; the
 * runtime's validation decides whether it is a segment.  Files without the
 * magic, unreadable files and anything that is not a regular file (a FIFO
 * would block an open) are skipped silently; a file with the magic that does
 * not validate is listed with its error.
 * Depends on the runtime (segment.h) and json_out.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shmgen_gen/json_out.h"
#include "shmgen/errors.h"
#include "shmgen_gen/live.h"

#define SHM_DIR "/dev/shm"

typedef struct pid_list {
    pid_t *pids;
    size_t n, cap;
} pid_list_t;

static void collect_pid(pid_t pid, bool alive, void *ctx)
{
    pid_list_t *l = ctx;
    if (!alive) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        pid_t *p = realloc(l->pids, cap * sizeof *p);
        if (!p) return;
        l->pids = p;
        l->cap = cap;
    }
    l->pids[l->n++] = pid;
}

/* A segment candidate: a regular file (not followed through a link) big
 * enough to hold a header. */
static bool candidate(int dirfd, const char *name)
{
    struct stat st;
    if (name[0] == '.' || strlen(name) > 250) return false;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
    return S_ISREG(st.st_mode) && (uint64_t)st.st_size >= SHMGEN_HEADER_BYTES;
}

/* Fills e for /name; false when it is not a shmgen segment (skip it). */
static bool probe(const char *name, shmgen_list_entry_t *e)
{
    shmgen_segment_t *seg = NULL;
    pid_list_t pl = {0};
    int rc;

    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "/%s", name);
    rc = shmgen_segment_open_readonly(e->name, &seg);
    if (rc == SHMGEN_BAD_MAGIC || rc == SHMGEN_SYSTEM || rc == SHMGEN_NOT_FOUND || rc == SHMGEN_INVALID_ARGUMENT)
        return false;
    if (rc != 0) {
        e->error = rc;
        return true;
    }
    shmgen_segment_get_meta(seg, &e->meta);
    if ((rc = shmgen_segment_attach_count(seg, &e->attach_count)) == 0)
        rc = shmgen_segment_visit_processes(seg, collect_pid, &pl);
    e->error = rc;
    e->pids = pl.pids;
    e->npids = pl.n;
    (void)shmgen_segment_close(seg);
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const shmgen_list_entry_t *)a)->name, ((const shmgen_list_entry_t *)b)->name);
}

static int push_entry(shmgen_list_entry_t **v, size_t *n, size_t *cap, const shmgen_list_entry_t *e)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        shmgen_list_entry_t *p = realloc(*v, c * sizeof *p);
        if (!p) return SHMGEN_NO_MEMORY;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = *e;
    return 0;
}

int shmgen_list_scan(shmgen_list_entry_t **entries, size_t *count)
{
    DIR *dir = opendir(SHM_DIR);
    shmgen_list_entry_t *v = NULL, e;
    size_t n = 0, cap = 0;
    struct dirent *d;
    int rc = 0;

    *entries = NULL;
    *count = 0;
    if (!dir) return SHMGEN_SYSTEM;
    while (rc == 0 && (d = readdir(dir)) != NULL) {
        if (!candidate(dirfd(dir), d->d_name) || !probe(d->d_name, &e)) continue;
        if ((rc = push_entry(&v, &n, &cap, &e)) != 0) free(e.pids);
    }
    closedir(dir);
    if (rc != 0) {
        shmgen_list_free(v, n);
        return rc;
    }
    if (n > 1) qsort(v, n, sizeof *v, by_name);
    *entries = v;
    *count = n;
    return 0;
}

void shmgen_list_free(shmgen_list_entry_t *entries, size_t count)
{
    for (size_t i = 0; i < count; i++) free(entries[i].pids);
    free(entries);
}

static void print_pids(const shmgen_list_entry_t *e, FILE *out)
{
    for (size_t k = 0; k < e->npids; k++) fprintf(out, "%s%d", k ? "," : "", (int)e->pids[k]);
    if (e->npids == 0) fputc('-', out);
}

void shmgen_list_print_text(const shmgen_list_entry_t *v, size_t n, FILE *out)
{
    fprintf(out, "%-32s %-24s %7s %14s %8s %s\n", "NAME", "SEGMENT", "VERSION", "SIZE", "ATTACHED", "PIDS");
    for (size_t i = 0; i < n; i++) {
        const shmgen_list_entry_t *e = &v[i];
        char pname[sizeof e->name], sname[sizeof e->meta.segment];
        if (e->error && e->meta.segment[0] == '\0') {
            fprintf(out, "%-32s (unreadable: %s)\n", shmgen__out_printable(e->name, pname, sizeof pname),
                    shmgen_strerror(e->error));
            continue;
        }
        fprintf(out, "%-32s %-24s %7u %14llu %8u ", shmgen__out_printable(e->name, pname, sizeof pname),
                shmgen__out_printable(e->meta.segment, sname, sizeof sname), e->meta.schema_version,
                (unsigned long long)e->meta.total_size, e->attach_count);
        print_pids(e, out);
        fputc('\n', out);
    }
    if (n == 0) fprintf(out, "(no shmgen segments in " SHM_DIR ")\n");
}

void shmgen_list_print_json(const shmgen_list_entry_t *v, size_t n, FILE *out)
{
    fputs("[", out);
    for (size_t i = 0; i < n; i++) {
        const shmgen_list_entry_t *e = &v[i];
        fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", out);
        shmgen__out_json_str(out, e->name);
        fputs(", \"error\": ", out);
        shmgen__out_json_str(out, e->error ? shmgen_error_name(e->error) : NULL);
        fputs(", \"segment\": ", out);
        shmgen__out_json_str(out, e->meta.segment);
        fprintf(out, ", \"version\": %u, \"size\": %llu, \"attach_count\": %u, \"pids\": [", e->meta.schema_version,
                (unsigned long long)e->meta.total_size, e->attach_count);
        for (size_t k = 0; k < e->npids; k++) fprintf(out, "%s%d", k ? ", " : "", (int)e->pids[k]);
        fputs("]}", out);
    }
    fputs(n ? "\n]\n" : "]\n", out);
}
