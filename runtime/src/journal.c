/*
 * SPDX-License-Identifier: MIT
 *
 * journal.c — claiming, caching and releasing per-thread operation journals
 * (see journal.h), the process's cached pid, and the journal scan live
 * operations use to tell a slow live thread from a dead one.
 * Depends on segment_priv.h (format, registry), journal.h.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "segment_priv.h"

#define JOURNAL_CACHE 8 /* (handle, journal) pairs remembered per thread */

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

void shmgen__journal_release_all(shmgen_segment_t *seg)
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

bool shmgen__journal_live_covers(shmgen_segment_t *seg, uint32_t table_index, uint32_t opcode, uint64_t item,
                                 const shmgen__deadset_t *dead)
{
    uint32_t n = shmgen__journal_count(seg), want = SHMGEN__JOP(table_index, opcode);
    for (uint32_t i = 0; i < n; i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        uint32_t owner;
        uint64_t a, b;
        /* Acquire: pairs with the release that ended an earlier operation, so an
         * idle journal means its effects are visible to our re-check. */
        if (!j || shmgen__load(&j->op, memory_order_acquire) != want) continue;
        /* Relaxed: published with op by the operation's claiming CAS (release). */
        a = shmgen__load(&j->a, memory_order_relaxed);
        b = shmgen__load(&j->b, memory_order_relaxed);
        if (a == 0 || item < a - 1 || item - (a - 1) >= (b ? b : 1)) continue;
        owner = shmgen__load(&j->owner, memory_order_relaxed);
        if (dead ? !shmgen__dead_has(dead, owner) : shmgen__owner_alive(seg, owner)) return true;
    }
    return false;
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

