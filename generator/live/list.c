/*
 * SPDX-License-Identifier: MIT
 *
 * list.c — `shmgen list`: the shmgen segments present in /dev/shm.
 *
 * Each directory entry is opened once, O_RDONLY | O_NONBLOCK | O_NOFOLLOW
 * (a FIFO cannot block the open, a link is not followed), and everything is
 * decided on that descriptor: its type and size (fstat), then the runtime's
 * read-only validation of exactly that object
 * (shmgen_segment_open_readonly_fd).  No stat of a name is ever followed by
 * an open of the same name, so nothing can be swapped in between.  Files
 * without the magic, smaller than a header, unreadable or not regular are
 * skipped silently; a file with the magic that does not validate is listed
 * with its error.  Depends on the runtime (segment.h) and json_writer.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmgen/errors.h"
#include "shmgen_gen/json_out.h"
#include "shmgen_gen/json_writer.h"
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

/* Fills e from the segment open on fd; false when it is no shmgen segment. */
static bool probe_fd(int fd, const struct stat *st, shmgen_list_entry_t *e)
{
    shmgen_segment_t *seg = NULL;
    pid_list_t pl = {0};
    int rc = shmgen_segment_open_readonly_fd(fd, e->name, &seg);
    e->meta.owner_uid = st->st_uid;
    e->meta.owner_gid = st->st_gid;
    e->meta.mode = st->st_mode & 07777;
    if (rc == SHMGEN_BAD_MAGIC || rc == SHMGEN_INVALID_ARGUMENT) return false;
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

/* Fills e for the entry `name` of dirfd; false when it is not a shmgen
 * segment (skip it).  Regular files of at least a header only. */
static bool probe(int dirfd, const char *name, shmgen_list_entry_t *e)
{
    struct stat st;
    bool found = false;
    int fd;
    memset(e, 0, sizeof *e);
    if (name[0] == '.' || strlen(name) + 2 > sizeof e->name) return false;
    snprintf(e->name, sizeof e->name, "/%s", name);
    fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return false;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= SHMGEN_HEADER_BYTES)
        found = probe_fd(fd, &st, e);
    close(fd);
    return found;
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

/* Stale: a readable segment with no live process attached. */
static bool wanted(const shmgen_list_entry_t *e, bool stale_only)
{
    return !stale_only || (e->error == 0 && e->attach_count == 0);
}

int shmgen_list_scan(bool stale_only, shmgen_list_entry_t **entries, size_t *count)
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
        if (!probe(dirfd(dir), d->d_name, &e)) continue;
        if (!wanted(&e, stale_only) || (rc = push_entry(&v, &n, &cap, &e)) != 0) free(e.pids);
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
    fprintf(out, "%-32s %-24s %7s %14s %6s %5s %8s %s\n", "NAME", "SEGMENT", "VERSION", "SIZE", "OWNER", "MODE",
            "ATTACHED", "PIDS");
    for (size_t i = 0; i < n; i++) {
        const shmgen_list_entry_t *e = &v[i];
        char pname[sizeof e->name], sname[sizeof e->meta.segment], mode[8];
        snprintf(mode, sizeof mode, "0%03o", e->meta.mode & 07777u);
        if (e->error && e->meta.segment[0] == '\0') {
            fprintf(out, "%-32s (unreadable: %s; owner uid %u, mode %s)\n",
                    shmgen__out_printable(e->name, pname, sizeof pname), shmgen_strerror(e->error),
                    (unsigned)e->meta.owner_uid, mode);
            continue;
        }
        fprintf(out, "%-32s %-24s %7u %14llu %6u %5s %8u ", shmgen__out_printable(e->name, pname, sizeof pname),
                shmgen__out_printable(e->meta.segment, sname, sizeof sname), e->meta.schema_version,
                (unsigned long long)e->meta.total_size, (unsigned)e->meta.owner_uid, mode, e->attach_count);
        print_pids(e, out);
        fputc('\n', out);
    }
    if (n == 0) fprintf(out, "(no shmgen segments in " SHM_DIR ")\n");
}

static void json_entry(shmgen__jw_t *w, const shmgen_list_entry_t *e)
{
    shmgen__jw_open(w, NULL, '{');
    shmgen__jw_str(w, "name", e->name);
    shmgen__jw_str(w, "error", e->error ? shmgen_error_name(e->error) : NULL);
    shmgen__jw_str(w, "segment", e->meta.segment);
    shmgen__jw_u64(w, "version", e->meta.schema_version);
    shmgen__jw_u64(w, "size", e->meta.total_size);
    shmgen__jw_u64(w, "owner_uid", e->meta.owner_uid);
    shmgen__jw_u64(w, "owner_gid", e->meta.owner_gid);
    shmgen__jw_mode(w, "mode", e->meta.mode);
    shmgen__jw_u64(w, "attach_count", e->attach_count);
    shmgen__jw_open(w, "pids", '[');
    for (size_t k = 0; k < e->npids; k++) shmgen__jw_i64(w, NULL, e->pids[k]);
    shmgen__jw_close(w, ']');
    shmgen__jw_close(w, '}');
}

void shmgen_list_print_json(const shmgen_list_entry_t *v, size_t n, FILE *out)
{
    shmgen__jw_t w;
    shmgen__jw_init(&w, out, 2);
    shmgen__jw_open(&w, NULL, '{');
    shmgen__jw_str(&w, "format", "shmgen-list/1");
    shmgen__jw_str(&w, "directory", SHM_DIR);
    shmgen__jw_open(&w, "segments", '[');
    for (size_t i = 0; i < n; i++) json_entry(&w, &v[i]);
    shmgen__jw_close(&w, ']');
    shmgen__jw_close(&w, '}');
}
