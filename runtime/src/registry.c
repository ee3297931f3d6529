/*
 * registry.c — the attach registry, the operation journals and recovery.
 *
 * Liveness is the kernel's word, not a pid: each attached handle holds an OFD
 * write lock (fcntl F_OFD_SETLK) on the first byte of its registry slot, and
 * the kernel drops it when the process dies however it dies.  Other handles
 * test the byte with F_OFD_GETLK (which also works on an O_RDONLY fd).  OFD
 * locks belong to the open file description, so two handles of one process
 * see each other like two processes do; a fork()ed child shares its parent's
 * descriptions, which is why a handle must not be used across fork().
 * Depends on segment_priv.h (format), internal.h (journals, kind ops).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "segment_priv.h"

#define JOURNAL_CACHE 8 /* (handle, journal) pairs remembered per thread */

int shmgen__lock(int fd, short type, off_t at, bool wait)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1, .l_pid = 0};
    int rc;
    do {
        rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) return 0;
    return (errno == EAGAIN || errno == EACCES) ? SHMGEN_BUSY : SHMGEN_SYSTEM;
}

int shmgen__lock_held(int fd, off_t at, bool *held)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1, .l_pid = 0};
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return SHMGEN_SYSTEM;
    *held = fl.l_type != F_UNLCK;
    return 0;
}

shmgen__registry_slot_t *shmgen__registry_slot(const shmgen_segment_t *seg, uint32_t i)
{
    return (shmgen__registry_slot_t *)(seg->base + seg->hdr.registry_offset +
                                       (uint64_t)i * SHMGEN_REGISTRY_SLOT_BYTES);
}

static off_t slot_lock_byte(const shmgen_segment_t *seg, uint32_t i)
{
    return (off_t)(seg->hdr.registry_offset + (uint64_t)i * SHMGEN_REGISTRY_SLOT_BYTES);
}

/* Whether some handle holds slot i.  Our own slot reads as free through our own
 * description (a description never conflicts with itself), hence the test. */
static bool slot_live(const shmgen_segment_t *seg, uint32_t i)
{
    bool held = false;
    if (i == seg->slot) return true;
    if (shmgen__lock_held(seg->fd, slot_lock_byte(seg, i), &held) != 0) return true; /* unsure: keep */
    return held;
}

uint64_t shmgen__next_handle_id(void)
{
    static _Atomic uint64_t next = 1;
    /* Relaxed: only uniqueness matters, not ordering with other memory. */
    return atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
}

/* Takes the first slot whose lock is free and whose pid is 0.  A free slot with
 * a pid is a dead attacher not yet recovered: its journals still name that
 * slot, so it stays out of use until shmgen_segment_recover() cleans it. */
static int claim_slot(shmgen_segment_t *seg)
{
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        shmgen__registry_slot_t *s = shmgen__registry_slot(seg, i);
        struct timespec now;
        int rc = shmgen__lock(seg->fd, F_WRLCK, slot_lock_byte(seg, i), false);
        if (rc == SHMGEN_BUSY) continue;
        if (rc != 0) return rc;
        /* Acquire pairs with recovery's release store of 0: its journal cleanup is visible. */
        if (shmgen__load(&s->pid, memory_order_acquire) != 0) {
            (void)shmgen__lock(seg->fd, F_UNLCK, slot_lock_byte(seg, i), false);
            continue;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        shmgen__store(&s->attached_ns, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
                      memory_order_relaxed);
        /* Release: the timestamp is visible to whoever sees the pid. */
        shmgen__store(&s->pid, (uint32_t)getpid(), memory_order_release);
        seg->slot = i;
        return 0;
    }
    return SHMGEN_TOO_MANY_PROCESSES;
}

int shmgen__register(shmgen_segment_t *seg)
{
    struct stat st;
    int rc = shmgen__lock(seg->fd, F_RDLCK, SHMGEN__LOCK_GATE, true);
    if (rc != 0) return rc;
    /* Under the gate no closer can be deciding to unlink; if one already did,
     * this object is dead and the caller must open the name afresh. */
    if (fstat(seg->fd, &st) != 0) rc = SHMGEN_SYSTEM;
    else if (st.st_nlink == 0) rc = SHMGEN_EXISTS;
    else rc = claim_slot(seg);
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_GATE, false);
    return rc;
}

static void release_journals(shmgen_segment_t *seg)
{
    uint32_t self = shmgen__self_owner(seg);
    for (uint32_t i = 0; i < SHMGEN_MAX_JOURNALS; i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        /* Relaxed read: only this handle ever writes `self` into owner. */
        if (shmgen__load(&j->owner, memory_order_relaxed) != self) continue;
        shmgen__store(&j->op, 0, memory_order_relaxed);
        /* Release: the idle op is visible before the journal can be claimed again. */
        shmgen__store(&j->owner, 0, memory_order_release);
    }
}

static bool others_attached(const shmgen_segment_t *seg)
{
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++)
        if (i != seg->slot && slot_live(seg, i)) return true;
    return false;
}

int shmgen__unregister(shmgen_segment_t *seg)
{
    shmgen__registry_slot_t *s = shmgen__registry_slot(seg, seg->slot);
    bool unlink_it;
    int rc = shmgen__lock(seg->fd, F_WRLCK, SHMGEN__LOCK_GATE, true);
    if (rc != 0) return rc;
    release_journals(seg);
    /* Release: our journal cleanup happens-before the slot reads clean. */
    shmgen__store(&s->pid, 0, memory_order_release);
    (void)shmgen__lock(seg->fd, F_UNLCK, slot_lock_byte(seg, seg->slot), false);
    unlink_it = !(seg->hdr.flags & SHMGEN__FLAG_PERSISTENT) && !others_attached(seg);
    seg->slot = SHMGEN__NO_SLOT;
    if (unlink_it && shm_unlink(seg->shm_name) != 0 && errno != ENOENT) rc = SHMGEN_SYSTEM;
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_GATE, false);
    return rc;
}

int shmgen_segment_attach_count(const shmgen_segment_t *seg, unsigned *count)
{
    unsigned n = 0;
    if (!seg || !count) return SHMGEN_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++)
        if (slot_live(seg, i)) n++;
    *count = n;
    return 0;
}

int shmgen_segment_visit_processes(const shmgen_segment_t *seg, shmgen_process_visit_fn fn, void *ctx)
{
    if (!seg || !fn) return SHMGEN_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        /* Acquire: pairs with the attacher's release store of its pid. */
        uint32_t pid = shmgen__load(&shmgen__registry_slot(seg, i)->pid, memory_order_acquire);
        bool alive = slot_live(seg, i);
        if (pid != 0 || alive) fn((pid_t)pid, alive, ctx);
    }
    return 0;
}

uint32_t shmgen__self_owner(const shmgen_segment_t *seg)
{
    return seg->slot == SHMGEN__NO_SLOT ? 0 : seg->slot + 1;
}

bool shmgen__owner_alive(const shmgen_segment_t *seg, uint32_t owner)
{
    if (owner == 0 || owner > SHMGEN_MAX_PROCESSES) return false;
    return slot_live(seg, owner - 1);
}

uint32_t shmgen__journal_count(const shmgen_segment_t *seg)
{
    (void)seg;
    return SHMGEN_MAX_JOURNALS;
}

shmgen__journal_t *shmgen__journal_at(const shmgen_segment_t *seg, uint32_t i)
{
    if (i >= SHMGEN_MAX_JOURNALS) return NULL;
    return (shmgen__journal_t *)(seg->base + seg->hdr.journal_offset + (uint64_t)i * SHMGEN_JOURNAL_BYTES);
}

static shmgen__journal_t *claim_journal(shmgen_segment_t *seg)
{
    uint32_t self = shmgen__self_owner(seg);
    for (uint32_t i = 0; i < SHMGEN_MAX_JOURNALS; i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        uint32_t expected = 0;
        /* Acquire on success: the previous owner's release of the journal
         * (idle op) is visible before we use it. */
        if (shmgen__load(&j->owner, memory_order_relaxed) == 0 &&
            shmgen__cas(&j->owner, &expected, self, memory_order_acquire, memory_order_relaxed))
            return j;
    }
    return NULL;
}

/* ---- per-thread journal cache ----
 * Each thread keeps (handle id, journal) pairs in a heap block that is also its
 * pthread key value, so that when the thread exits the key destructor hands
 * its idle journals back.  The destructor may only touch a handle's mapping
 * while the handle is open: open handles are listed under live_lock, and close
 * unlists its handle under the same lock before unmapping. */
typedef struct journal_cache {
    struct {
        uint64_t handle_id;
        shmgen__journal_t *journal;
    } e[JOURNAL_CACHE];
    unsigned next_victim;
} journal_cache_t;

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static shmgen_segment_t *live_head;
static pthread_key_t cache_key;
static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;
static _Thread_local journal_cache_t *thread_cache;

void shmgen__live_add(shmgen_segment_t *seg)
{
    pthread_mutex_lock(&live_lock);
    seg->live_next = live_head;
    live_head = seg;
    pthread_mutex_unlock(&live_lock);
}

void shmgen__live_remove(shmgen_segment_t *seg)
{
    pthread_mutex_lock(&live_lock);
    for (shmgen_segment_t **p = &live_head; *p; p = &(*p)->live_next)
        if (*p == seg) {
            *p = seg->live_next;
            break;
        }
    pthread_mutex_unlock(&live_lock);
}

static void release_idle(shmgen_segment_t *seg, shmgen__journal_t *j)
{
    /* Only an idle journal goes back: a non-zero op is a crashed operation's
     * record (cannot happen for an exiting thread, but never lose one). */
    if (shmgen__pid() != seg->opener_pid || shmgen__load(&j->owner, memory_order_relaxed) != shmgen__self_owner(seg) ||
        shmgen__load(&j->op, memory_order_relaxed) != 0)
        return;
    /* Release: this thread's last writes through the journal precede its reuse. */
    shmgen__store(&j->owner, 0, memory_order_release);
}

static void cache_destroy(void *arg)
{
    journal_cache_t *c = arg;
    pthread_mutex_lock(&live_lock);
    for (unsigned i = 0; i < JOURNAL_CACHE; i++)
        for (shmgen_segment_t *seg = live_head; c->e[i].journal && seg; seg = seg->live_next)
            if (seg->id == c->e[i].handle_id) release_idle(seg, c->e[i].journal);
    pthread_mutex_unlock(&live_lock);
    free(c);
}

static void cache_key_create(void)
{
    (void)pthread_key_create(&cache_key, cache_destroy);
}

static journal_cache_t *cache_get(void)
{
    if (thread_cache) return thread_cache;
    if (pthread_once(&cache_key_once, cache_key_create) != 0) return NULL;
    if (!(thread_cache = calloc(1, sizeof *thread_cache))) return NULL;
    (void)pthread_setspecific(cache_key, thread_cache);
    return thread_cache;
}

/* getpid() is a system call (~190 ns here) and journal_self runs on every
 * queue/stack operation, so the pid is cached process-wide and refreshed in
 * every fork child (the only way a process's pid changes). */
static _Atomic pid_t cached_pid;
static pthread_once_t pid_once = PTHREAD_ONCE_INIT;

static void refresh_pid(void)
{
    /* Relaxed: a fork child is single-threaded while this handler runs, and
     * threads created later synchronise with it through pthread_create. */
    atomic_store_explicit(&cached_pid, getpid(), memory_order_relaxed);
}

static void pid_init(void)
{
    refresh_pid();
    (void)pthread_atfork(NULL, NULL, refresh_pid);
}

pid_t shmgen__pid(void)
{
    pid_t pid = atomic_load_explicit(&cached_pid, memory_order_relaxed);
    if (pid != 0) return pid;
    (void)pthread_once(&pid_once, pid_init);
    return atomic_load_explicit(&cached_pid, memory_order_relaxed);
}

/* The last (handle, journal) pair this thread used: the hot path of every
 * queue/stack operation is one comparison.  Handle ids are never reused, so a
 * closed handle's entry can never match; the pid check keeps a fork child off
 * its parent's journal. */
static _Thread_local uint64_t last_handle_id;
static _Thread_local shmgen__journal_t *last_journal;

shmgen__journal_t *shmgen__journal_self(shmgen_segment_t *seg)
{
    journal_cache_t *c;
    shmgen__journal_t *j;
    if (seg && seg->id == last_handle_id && last_journal && seg->opener_pid == shmgen__pid()) return last_journal;
    if (!seg || seg->readonly || seg->slot == SHMGEN__NO_SLOT || shmgen__pid() != seg->opener_pid) return NULL;
    if (!(c = cache_get())) return NULL;
    for (unsigned i = 0; i < JOURNAL_CACHE; i++)
        if (c->e[i].handle_id == seg->id) {
            last_handle_id = seg->id;
            return last_journal = c->e[i].journal;
        }
    if ((j = claim_journal(seg)) == NULL) return NULL;
    last_handle_id = seg->id;
    last_journal = j;
    /* An evicted entry's journal stays owned by its handle until that handle closes. */
    c->e[c->next_victim].handle_id = seg->id;
    c->e[c->next_victim].journal = j;
    c->next_victim = (c->next_victim + 1) % JOURNAL_CACHE;
    return j;
}

/* Slots whose attacher died and that nobody has cleaned yet (bit i = slot i). */
static void dead_slots(const shmgen_segment_t *seg, uint64_t dead[2])
{
    dead[0] = dead[1] = 0;
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        /* Acquire: pairs with the attacher's release of its pid. */
        uint32_t pid = shmgen__load(&shmgen__registry_slot(seg, i)->pid, memory_order_acquire);
        if (pid != 0 && !slot_live(seg, i)) dead[i / 64] |= (uint64_t)1 << (i % 64);
    }
}

static bool owner_in(const uint64_t dead[2], uint32_t owner)
{
    if (owner == 0 || owner > SHMGEN_MAX_PROCESSES) return false;
    return (dead[(owner - 1) / 64] >> ((owner - 1) % 64)) & 1u;
}

static int recover_structures(shmgen_segment_t *seg)
{
    int repairs = 0, first_error = 0;
    for (uint32_t i = 0; i < seg->hdr.nstructs; i++) {
        const shmgen_struct_info_t *info = &seg->infos[i];
        const shmgen__kind_ops_t *ops = shmgen__kind_ops(info->kind);
        int rc;
        if (!ops || !ops->recover) continue;
        rc = ops->recover(seg, seg->base + info->offset, info);
        if (rc >= 0) repairs += rc;
        else if (first_error == 0) first_error = rc;
    }
    return first_error != 0 ? first_error : repairs;
}

static int free_dead(shmgen_segment_t *seg, const uint64_t dead[2])
{
    int freed = 0;
    for (uint32_t i = 0; i < SHMGEN_MAX_JOURNALS; i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        uint32_t owner = shmgen__load(&j->owner, memory_order_acquire);
        if (!owner_in(dead, owner)) continue;
        shmgen__store(&j->op, 0, memory_order_relaxed);
        /* Release: the idle op is visible to the journal's next claimer. */
        shmgen__store(&j->owner, 0, memory_order_release);
        freed++;
    }
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        if (!owner_in(dead, i + 1)) continue;
        /* Release: the freed journals are visible before the slot can be reclaimed. */
        shmgen__store(&shmgen__registry_slot(seg, i)->pid, 0, memory_order_release);
        freed++;
    }
    return freed;
}

int shmgen_segment_recover(shmgen_segment_t *seg)
{
    uint64_t dead[2];
    int rc, repairs;
    if (!seg) return SHMGEN_INVALID_ARGUMENT;
    if (seg->readonly) return SHMGEN_READ_ONLY;
    if (shmgen__pid() != seg->opener_pid) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = shmgen__lock(seg->fd, F_WRLCK, SHMGEN__LOCK_RECOVER, true)) != 0) return rc;
    dead_slots(seg, dead);
    /* Dead slots stay dirty (unclaimable) until free_dead, so the owners the
     * kinds see as dead cannot come back to life while they repair. */
    repairs = (dead[0] | dead[1]) ? recover_structures(seg) : 0;
    if (repairs >= 0) repairs += free_dead(seg, dead);
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_RECOVER, false);
    return repairs;
}
