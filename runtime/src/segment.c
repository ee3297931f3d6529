/*
 * SPDX-License-Identifier: MIT
 *
 * segment.c — creating, attaching to, detaching from and removing segments.
 *
 * Creation: O_CREAT|O_EXCL, size and back the object (posix_fallocate, so a
 * full /dev/shm is an error here instead of a SIGBUS later), write header,
 * table and index, initialise every structure, then publish READY with a
 * release store and a process-shared futex wake.  The creator holds an OFD
 * lock on byte SHMGEN__LOCK_INIT the whole time, so an attacher can tell "still
 * initialising" (lock held) from "creator died" (lock free, not READY) without
 * trusting a pid.  Attaching waits on the state word with bounded FUTEX_WAITs.
 * Depends on segment_priv.h; table.c validates, registry.c registers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "segment_priv.h"

#define DEFAULT_TIMEOUT_MS 2000u
#define DEFAULT_MODE 0600u
#define WAIT_SLICE_MS 10u     /* re-check the creator's lock at least this often */

unsigned shmgen__test_create_delay_ms = 0;

static _Thread_local char last_detail[320];

void shmgen__set_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_detail, sizeof last_detail, fmt, ap);
    va_end(ap);
}

const char *shmgen_segment_last_detail(void)
{
    return last_detail;
}

int shmgen__sys_error(const char *call)
{
    int e = errno;
    shmgen__set_detail("%s: %s", call, strerror(e));
    errno = e;
    return SHMGEN_SYSTEM;
}

/* shm_open's errors: a missing name, a name we may not open, or the rest. */
static int open_error(const char *shm_name, int absent)
{
    int e = errno;
    if (e == ENOENT) return absent;
    shmgen__set_detail("shm_open(%s): %s", shm_name, strerror(e));
    return e == EACCES || e == EPERM ? SHMGEN_PERMISSION : SHMGEN_SYSTEM;
}

static int normalize_name(const char *name, char out[SHMGEN__SHM_NAME_MAX + 1])
{
    size_t len;
    if (!name) return SHMGEN_INVALID_ARGUMENT;
    if (name[0] == '/') name++;
    len = strlen(name);
    /* One path component under /dev/shm, and not one that names a directory. */
    if (len == 0 || len >= SHMGEN__SHM_NAME_MAX || strchr(name, '/') || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        shmgen__set_detail("invalid segment name '%s': one path component of 1-%d bytes, not '.' or '..'",
                           name, SHMGEN__SHM_NAME_MAX - 2);
        return SHMGEN_INVALID_ARGUMENT;
    }
    out[0] = '/';
    memcpy(out + 1, name, len + 1);
    return 0;
}

static shmgen_segment_t *handle_new(const char *shm_name, bool readonly)
{
    shmgen_segment_t *seg = calloc(1, sizeof *seg);
    if (!seg) return NULL;
    seg->id = shmgen__next_handle_id();
    memcpy(seg->shm_name, shm_name, sizeof seg->shm_name);
    seg->fd = -1;
    seg->readonly = readonly;
    seg->opener_pid = shmgen__pid();
    seg->slot = SHMGEN__NO_SLOT;
    return seg;
}

static void handle_free(shmgen_segment_t *seg)
{
    if (seg->base) munmap(seg->base, (size_t)seg->mapped_size);
    if (seg->fd >= 0) close(seg->fd);
    free(seg->infos);
    free(seg->resolved);
    free(seg);
}

static int map_fd(shmgen_segment_t *seg, uint64_t size)
{
    void *p = mmap(NULL, (size_t)size, seg->readonly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED,
                   seg->fd, 0);
    if (p == MAP_FAILED) {
        int rc = shmgen__sys_error("mmap");
        return errno == ENOMEM ? SHMGEN_NO_MEMORY : rc;
    }
    seg->base = p;
    seg->mapped_size = size;
    return 0;
}

static shmgen__header_t *shared_header(const shmgen_segment_t *seg)
{
    return (shmgen__header_t *)seg->base;
}

static unsigned timeout_of(const shmgen_open_options_t *opts)
{
    return opts && opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
}

/* The permission bits a segment is created with and may carry at most:
 * the caller's option, else the schema's `mode`, else 0600. */
static mode_t mode_of(const shmgen_open_options_t *opts, const shmgen_layout_t *layout)
{
    if (opts && opts->mode) return (mode_t)(opts->mode & 07777);
    if (layout && layout->mode) return (mode_t)(layout->mode & 07777);
    return DEFAULT_MODE;
}

static bool owner_trusted(const struct stat *st, const shmgen_open_options_t *opts)
{
    if (st->st_uid == geteuid()) return true;
    if (opts && (opts->trust & SHMGEN_TRUST_UID) && st->st_uid == opts->trusted_uid) return true;
    return opts && (opts->trust & SHMGEN_TRUST_GID) && st->st_gid == opts->trusted_gid;
}

/* What a name we are about to map must be: a regular file (a FIFO or device
 * planted at the name is refused, never read), owned by us or by whom the
 * options trust, and not more open than the permission bits we asked for. */
static int check_object(shmgen_segment_t *seg, const shmgen_open_options_t *opts, const shmgen_layout_t *layout)
{
    struct stat st;
    mode_t want;
    if (fstat(seg->fd, &st) != 0) return shmgen__sys_error("fstat");
    seg->owner_uid = st.st_uid;
    seg->owner_gid = st.st_gid;
    seg->mode = st.st_mode & 07777;
    if (!S_ISREG(st.st_mode)) {
        shmgen__set_detail("%s is not a regular file (mode 0%o): not a shmgen segment", seg->shm_name,
                           (unsigned)st.st_mode);
        return SHMGEN_BAD_MAGIC;
    }
    if (opts && (opts->trust & SHMGEN_TRUST_ANY)) return 0;
    want = mode_of(opts, layout);
    if (owner_trusted(&st, opts) && (st.st_mode & 07777 & ~want) == 0) return 0;
    shmgen__set_detail("%s is owned by uid %u gid %u with mode 0%03o; expected owner uid %u (or a trusted "
                       "uid/gid) and no permission bits beyond 0%03o",
                       seg->shm_name, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777),
                       (unsigned)geteuid(), (unsigned)want);
    return SHMGEN_PERMISSION;
}

/* ---- creation ---- */

static int check_layout(const shmgen_layout_t *layout, uint64_t *offsets, shmgen_layout_plan_t *plan)
{
    int rc;
    if (!layout->segment || layout->segment[0] == '\0' || strlen(layout->segment) > SHMGEN_NAME_MAX ||
        layout->schema_version == 0 || layout->nstructs > UINT32_MAX)
        return SHMGEN_INVALID_ARGUMENT;
    for (size_t i = 0; layout->structs && i < layout->nstructs; i++) {
        const shmgen_struct_desc_t *d = &layout->structs[i];
        if (d->since > layout->schema_version) return SHMGEN_INVALID_ARGUMENT;
        /* The atomic kind stores bool (1 byte) and 32/64-bit integers only. */
        if (d->kind == SHMGEN_KIND_ATOMIC && d->elem_size != 1 && d->elem_size != 4 && d->elem_size != 8)
            return SHMGEN_INVALID_ARGUMENT;
    }
    if ((rc = shmgen_layout_plan(layout, offsets, plan)) != 0) return rc;
    return 0;
}

/* Says how much memory the segment needed and how much the filesystem
 * behind /dev/shm has left, for a create that could not get its memory. */
static int no_memory(int fd, uint64_t size, const char *call, int e)
{
    struct statvfs vfs;
    if (fstatvfs(fd, &vfs) == 0)
        shmgen__set_detail("%s: %s: the segment needs %llu bytes; /dev/shm has %llu bytes free", call, strerror(e),
                           (unsigned long long)size, (unsigned long long)vfs.f_bavail * vfs.f_frsize);
    else
        shmgen__set_detail("%s: %s: the segment needs %llu bytes", call, strerror(e), (unsigned long long)size);
    return SHMGEN_NO_MEMORY;
}

static int size_and_back(int fd, uint64_t size)
{
    int rc;
    if (ftruncate(fd, (off_t)size) != 0)
        return errno == EFBIG ? no_memory(fd, size, "ftruncate", errno) : shmgen__sys_error("ftruncate");
    /* posix_fallocate returns the error number instead of setting errno. */
    while ((rc = posix_fallocate(fd, 0, (off_t)size)) == EINTR) {}
    if (rc == 0) return 0;
    if (rc == ENOSPC || rc == ENOMEM || rc == EFBIG) return no_memory(fd, size, "posix_fallocate", rc);
    errno = rc;
    return shmgen__sys_error("posix_fallocate");
}

static void write_header(shmgen_segment_t *seg, const shmgen_layout_t *layout, const shmgen_layout_plan_t *p,
                         bool persistent)
{
    shmgen__header_t *h = shared_header(seg);
    h->magic = SHMGEN__MAGIC;
    h->format_version = SHMGEN_FORMAT_VERSION;
    h->header_size = SHMGEN_HEADER_BYTES;
    h->flags = persistent ? SHMGEN__FLAG_PERSISTENT : 0;
    h->total_size = p->total_size;
    h->layout_hash = layout->layout_hash;
    h->schema_version = layout->schema_version;
    h->creator_pid = (int32_t)getpid();
    memcpy(h->segment, layout->segment, strlen(layout->segment) + 1);
    h->registry_offset = p->registry_offset;
    h->registry_size = p->registry_size;
    h->journal_offset = p->journal_offset;
    h->journal_size = p->journal_size;
    h->table_offset = p->table_offset;
    h->table_size = p->table_size;
    h->index_offset = p->index_offset;
    h->index_size = p->index_size;
    h->overhead = p->overhead;
    h->registry_slots = SHMGEN_MAX_PROCESSES;
    h->journal_count = SHMGEN_MAX_JOURNALS;
    h->index_slots = p->index_slots;
    h->nstructs = (uint32_t)layout->nstructs;
    memcpy(&seg->hdr, h, sizeof seg->hdr); /* table_write reads offsets from the private copy */
    /* Release: the fields above are visible to whoever reads INIT. */
    shmgen__store(&h->state, SHMGEN__STATE_INIT, memory_order_release);
}

static void init_structures(shmgen_segment_t *seg, const shmgen_layout_t *layout, const uint64_t *offsets)
{
    for (size_t i = 0; i < layout->nstructs; i++) {
        const shmgen_struct_desc_t *d = &layout->structs[i];
        shmgen_struct_info_t info;
        memset(&info, 0, sizeof info);
        memcpy(info.name, d->name, strlen(d->name) + 1);
        info.kind = d->kind;
        info.elem_size = d->elem_size;
        info.elem_align = d->elem_align;
        info.capacity = d->capacity;
        info.elem_hash = d->elem_hash;
        info.offset = offsets[i];
        info.since = d->since ? d->since : 1;
        info.table_index = (uint32_t)i;
        info.subscribers = d->subscribers;
        info.history = d->history;
        info.policy = d->policy;
        info.deadline_ms = d->deadline_ms;
        /* Cannot fail: the plan already computed this footprint. */
        if (shmgen_struct_footprint_desc(d, &info.size) == 0)
            shmgen__kind_ops(d->kind)->init(seg->base + offsets[i], &info, d->initial);
    }
}

static void publish_ready(shmgen_segment_t *seg)
{
    shmgen__header_t *h = shared_header(seg);
    if (shmgen__test_create_delay_ms) {
        unsigned ms = shmgen__test_create_delay_ms;
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    }
    /* Release: every structure's initial state happens-before an attacher's
     * acquire load of READY. */
    shmgen__store(&h->state, SHMGEN__STATE_READY, memory_order_release);
    /* Process-shared wake (no FUTEX_PRIVATE_FLAG): waiters are other processes. */
    syscall(SYS_futex, &h->state, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    /* Dropped only after READY, so "lock free and not READY" means the creator died. */
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_INIT);
}

/* Everything after the object exists; on failure the caller unlinks it. */
static int build(shmgen_segment_t *seg, const shmgen_layout_t *layout, const shmgen_open_options_t *opts,
                 const uint64_t *offsets, const shmgen_layout_plan_t *plan)
{
    shmgen__deadline_t deadline = shmgen__deadline_in((int)seg->timeout_ms);
    int rc;
    /* First thing: from here on attachers can tell we are alive. */
    if ((rc = shmgen__lock(seg->fd, F_WRLCK, SHMGEN__LOCK_INIT)) != 0) return rc;
    /* Exactly the requested bits: shm_open's mode went through the umask. */
    if (fchmod(seg->fd, mode_of(opts, layout)) != 0) return shmgen__sys_error("fchmod");
    seg->owner_uid = geteuid();
    seg->owner_gid = getegid();
    seg->mode = mode_of(opts, layout);
    if ((rc = size_and_back(seg->fd, plan->total_size)) != 0) return rc;
    if ((rc = map_fd(seg, plan->total_size)) != 0) return rc;
    write_header(seg, layout, plan, opts && opts->persistent);
    if ((rc = shmgen__table_write(seg, layout, offsets)) != 0) return rc;
    init_structures(seg, layout, offsets);
    if ((rc = shmgen__validate(seg)) != 0) return rc;
    if ((rc = shmgen__match_layout(seg, layout)) != 0) return rc;
    if ((rc = shmgen__register(seg, &deadline)) != 0) return rc == SHMGEN_EXISTS ? SHMGEN_NOT_FOUND : rc;
    publish_ready(seg);
    shmgen__live_add(seg);
    return 0;
}

int shmgen_segment_create(const char *name, const shmgen_layout_t *layout, const shmgen_open_options_t *opts,
                          shmgen_segment_t **out)
{
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    shmgen_layout_plan_t plan;
    uint64_t *offsets;
    shmgen_segment_t *seg;
    int rc;

    shmgen__set_detail("%s", "");
    if (!layout || !out) return SHMGEN_INVALID_ARGUMENT;
    *out = NULL;
    if ((rc = normalize_name(name, shm_name)) != 0) return rc;
    if (!(offsets = calloc(layout->nstructs ? layout->nstructs : 1, sizeof *offsets))) return SHMGEN_NO_MEMORY;
    if ((rc = check_layout(layout, offsets, &plan)) != 0 || !(seg = handle_new(shm_name, false))) {
        free(offsets);
        return rc ? rc : SHMGEN_NO_MEMORY;
    }
    seg->timeout_ms = timeout_of(opts);
    seg->fd = shm_open(shm_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (seg->fd < 0) rc = errno == EEXIST ? SHMGEN_EXISTS : open_error(shm_name, SHMGEN_SYSTEM);
    else if ((rc = build(seg, layout, opts, offsets, &plan)) != 0) shm_unlink(shm_name);
    free(offsets);
    if (rc != 0) handle_free(seg);
    else *out = seg;
    return rc;
}

/* ---- attaching ---- */

/* Maps the object once the creator has sized it (the size never changes after). */
static int map_when_sized(shmgen_segment_t *seg)
{
    struct stat st;
    if (seg->base) return 0;
    if (fstat(seg->fd, &st) != 0) return shmgen__sys_error("fstat");
    if (st.st_size == 0) return 0; /* the creator has not sized it yet */
    /* The creator sizes the object in one ftruncate, so a small size is damage. */
    if ((uint64_t)st.st_size < SHMGEN_HEADER_BYTES) return SHMGEN_TRUNCATED;
    return map_fd(seg, (uint64_t)st.st_size);
}

static bool is_ready(const shmgen_segment_t *seg, uint32_t *state)
{
    if (!seg->base) return false;
    /* Acquire: pairs with publish_ready's release; the structures are visible. */
    *state = shmgen__load(&shared_header(seg)->state, memory_order_acquire);
    return *state == SHMGEN__STATE_READY;
}

static void wait_a_little(const shmgen_segment_t *seg, uint32_t state, int left_ms)
{
    int ms = left_ms < (int)WAIT_SLICE_MS ? left_ms : (int)WAIT_SLICE_MS;
    struct timespec ts = {0, (long)(ms > 0 ? ms : 1) * 1000000L};
    if (seg->base)
        syscall(SYS_futex, &shared_header(seg)->state, FUTEX_WAIT, state, &ts, NULL, 0);
    else
        nanosleep(&ts, NULL);
}

/* Waits until READY.  ABANDONED when the creator's init lock is free while the
 * state is not READY: it died (or failed and removed the object). */
static int wait_ready(shmgen_segment_t *seg, const shmgen__deadline_t *deadline)
{
    for (;;) {
        uint32_t state = 0;
        bool held = false;
        int rc = map_when_sized(seg);
        if (rc != 0) return rc;
        if (is_ready(seg, &state)) return 0;
        if ((rc = shmgen__lock_held(seg->fd, SHMGEN__LOCK_INIT, &held)) != 0) return rc;
        /* Re-read after seeing the lock free: the creator stores READY before unlocking. */
        if (!held && is_ready(seg, &state)) return 0;
        if (!held && seg->base) {
            shmgen__set_detail("creator (pid %d) died before the segment became ready",
                               (int)shared_header(seg)->creator_pid);
            return SHMGEN_ABANDONED;
        }
        if (shmgen__deadline_due(deadline)) {
            if (!held) return SHMGEN_ABANDONED;
            shmgen__set_detail("timed out waiting for the creator to finish initialising %s", seg->shm_name);
            return SHMGEN_TIMEOUT;
        }
        wait_a_little(seg, state, shmgen__deadline_left_ms(deadline));
    }
}

static int attach_once(const char *shm_name, const shmgen_layout_t *layout, const shmgen_open_options_t *opts,
                       const shmgen__deadline_t *deadline, shmgen_segment_t *seg)
{
    int rc;
    /* O_NONBLOCK: opening a FIFO planted at the name must not wait for a writer. */
    seg->fd = shm_open(shm_name, O_RDWR | O_CLOEXEC | O_NONBLOCK, 0);
    if (seg->fd < 0) return open_error(shm_name, SHMGEN_NOT_FOUND);
    if ((rc = check_object(seg, opts, layout)) != 0) return rc;
    if ((rc = wait_ready(seg, deadline)) != 0) return rc;
    if ((rc = shmgen__validate(seg)) != 0) return rc;
    if (layout && (rc = shmgen__match_layout(seg, layout)) != 0) return rc;
    rc = shmgen__register(seg, deadline);
    if (rc == SHMGEN_TOO_MANY_PROCESSES && shmgen__recover(seg, shmgen__deadline_left_ms(deadline)) > 0)
        rc = shmgen__register(seg, deadline);
    if (rc != 0) return rc;
    shmgen__live_add(seg);
    /* Best effort, within what is left of the caller's timeout: a repair that
     * fails or cannot get the recovery lock leaves the segment as usable as it was. */
    int repaired = shmgen__recover(seg, shmgen__deadline_left_ms(deadline));
    (void)repaired;
    shmgen__set_detail("%s", "");
    return 0;
}

/* Attaches until the deadline.  Losing the race against a last close (the
 * object is unlinked before we register) means opening the name again; a
 * process can lose it repeatedly while others churn, so retries are bounded
 * by time, not by count. */
static int open_until(const char *shm_name, const shmgen_layout_t *layout, const shmgen_open_options_t *opts,
                      const shmgen__deadline_t *deadline, shmgen_segment_t **out)
{
    for (;;) {
        shmgen_segment_t *seg = handle_new(shm_name, false);
        int rc;
        if (!seg) return SHMGEN_NO_MEMORY;
        seg->timeout_ms = timeout_of(opts);
        rc = attach_once(shm_name, layout, opts, deadline, seg);
        if (rc == 0) {
            *out = seg;
            return 0;
        }
        handle_free(seg);
        if (rc != SHMGEN_EXISTS) return rc;
        if (shmgen__deadline_due(deadline)) return SHMGEN_TIMEOUT;
        sched_yield();
    }
}

int shmgen_segment_open(const char *name, const shmgen_layout_t *layout, const shmgen_open_options_t *opts,
                        shmgen_segment_t **out)
{
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    shmgen__deadline_t deadline;
    int rc;

    shmgen__set_detail("%s", "");
    if (!out) return SHMGEN_INVALID_ARGUMENT;
    *out = NULL;
    if ((rc = normalize_name(name, shm_name)) != 0) return rc;
    deadline = shmgen__deadline_in((int)timeout_of(opts));
    return open_until(shm_name, layout, opts, &deadline, out);
}

int shmgen_segment_open_or_create(const char *name, const shmgen_layout_t *layout,
                                  const shmgen_open_options_t *opts, shmgen_segment_t **out, bool *created)
{
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    shmgen__deadline_t deadline = shmgen__deadline_in((int)timeout_of(opts));
    int rc;

    if (created) *created = false;
    if ((rc = normalize_name(name, shm_name)) != 0) return rc;
    for (;;) {
        rc = shmgen_segment_create(shm_name, layout, opts, out);
        if (rc == 0 && created) *created = true;
        if (rc != SHMGEN_EXISTS) return rc;
        rc = open_until(shm_name, layout, opts, &deadline, out);
        /* NOT_FOUND: the object was removed after our create failed; race again. */
        if (rc != SHMGEN_NOT_FOUND) return rc;
        if (shmgen__deadline_due(&deadline)) return SHMGEN_TIMEOUT;
    }
}

/* Maps the object open on seg->fd read-only and validates it; the type and
 * size come from that descriptor, so nothing can swap the object between the
 * check and the mapping. */
static int map_readonly(shmgen_segment_t *seg)
{
    uint32_t state = 0;
    struct stat st;
    int rc;
    if (fstat(seg->fd, &st) != 0) return shmgen__sys_error("fstat");
    if (!S_ISREG(st.st_mode)) {
        shmgen__set_detail("%s is not a regular file: not a shmgen segment", seg->shm_name);
        return SHMGEN_BAD_MAGIC;
    }
    if (st.st_size == 0) return SHMGEN_NOT_READY;
    if ((uint64_t)st.st_size < SHMGEN_HEADER_BYTES) return SHMGEN_TRUNCATED;
    if ((rc = map_fd(seg, (uint64_t)st.st_size)) == 0 && !is_ready(seg, &state))
        rc = shared_header(seg)->magic == SHMGEN__MAGIC ? SHMGEN_NOT_READY : SHMGEN_BAD_MAGIC;
    if (rc == 0) rc = shmgen__validate(seg);
    seg->owner_uid = st.st_uid;
    seg->owner_gid = st.st_gid;
    seg->mode = st.st_mode & 07777;
    return rc;
}

int shmgen_segment_open_readonly(const char *name, shmgen_segment_t **out)
{
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    shmgen_segment_t *seg;
    int rc;

    shmgen__set_detail("%s", "");
    if (!out) return SHMGEN_INVALID_ARGUMENT;
    *out = NULL;
    if ((rc = normalize_name(name, shm_name)) != 0) return rc;
    if (!(seg = handle_new(shm_name, true))) return SHMGEN_NO_MEMORY;
    /* O_NONBLOCK: a FIFO at the name must not block a read-only tool. */
    seg->fd = shm_open(shm_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    rc = seg->fd < 0 ? open_error(shm_name, SHMGEN_NOT_FOUND) : map_readonly(seg);
    if (rc != 0) handle_free(seg);
    else *out = seg;
    return rc;
}

int shmgen_segment_open_readonly_fd(int fd, const char *name, shmgen_segment_t **out)
{
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    shmgen_segment_t *seg;
    int rc;

    shmgen__set_detail("%s", "");
    if (!out) return SHMGEN_INVALID_ARGUMENT;
    *out = NULL;
    if (fd < 0 || (rc = normalize_name(name, shm_name)) != 0) return SHMGEN_INVALID_ARGUMENT;
    if (!(seg = handle_new(shm_name, true))) return SHMGEN_NO_MEMORY;
    /* Our own descriptor: the handle closes it, the caller keeps fd. */
    seg->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    rc = seg->fd < 0 ? shmgen__sys_error("fcntl(F_DUPFD_CLOEXEC)") : map_readonly(seg);
    if (rc != 0) handle_free(seg);
    else *out = seg;
    return rc;
}

/* ---- detaching and the rest ---- */

int shmgen_segment_close(shmgen_segment_t *seg)
{
    int rc = 0;
    if (!seg) return 0;
    /* A forked child shares the parent's lock descriptions: touching the
     * registry from here would release the parent's attachment. */
    /* Unlisted first: a thread exiting now must not touch the mapping. */
    if (!seg->readonly) shmgen__live_remove(seg);
    if (shmgen__pid() != seg->opener_pid) rc = SHMGEN_INVALID_ARGUMENT;
    else if (!seg->readonly && seg->slot != SHMGEN__NO_SLOT) {
        shmgen__deadline_t deadline = shmgen__deadline_in((int)seg->timeout_ms);
        rc = shmgen__unregister(seg, &deadline);
    }
    handle_free(seg);
    return rc;
}

int shmgen_segment_unlink(const char *name)
{
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    int rc = normalize_name(name, shm_name);
    if (rc != 0) return rc;
    if (shm_unlink(shm_name) == 0) return 0;
    if (errno == ENOENT) return SHMGEN_NOT_FOUND;
    return errno == EACCES || errno == EPERM ? open_error(shm_name, SHMGEN_NOT_FOUND) : shmgen__sys_error("shm_unlink");
}

void shmgen_segment_get_meta(const shmgen_segment_t *seg, shmgen_segment_meta_t *meta)
{
    if (!seg || !meta) return;
    memset(meta, 0, sizeof *meta);
    memcpy(meta->segment, seg->hdr.segment, sizeof meta->segment);
    meta->segment[SHMGEN_NAME_MAX] = '\0';
    meta->format_version = seg->hdr.format_version;
    meta->schema_version = seg->hdr.schema_version;
    meta->layout_hash = seg->hdr.layout_hash;
    meta->total_size = seg->hdr.total_size;
    meta->mapped_size = seg->mapped_size;
    meta->creator_pid = (pid_t)seg->hdr.creator_pid;
    meta->persistent = (seg->hdr.flags & SHMGEN__FLAG_PERSISTENT) != 0;
    meta->nstructs = seg->hdr.nstructs;
    meta->owner_uid = seg->owner_uid;
    meta->owner_gid = seg->owner_gid;
    meta->mode = (unsigned)seg->mode;
}

void *shmgen_segment_struct_base(const shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    if (!seg || !info || info->offset > seg->mapped_size || info->size > seg->mapped_size - info->offset)
        return NULL;
    return seg->base + info->offset;
}

bool shmgen_segment_is_readonly(const shmgen_segment_t *seg)
{
    return seg && seg->readonly;
}
