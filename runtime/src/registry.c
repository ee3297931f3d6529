/*
 * SPDX-License-Identifier: MIT
 *
 * registry.c — the attach registry: who is attached, and whether a recorded
 * owner still lives.
 *
 * Liveness is the kernel's word, not a pid: each attached handle holds an OFD
 * write lock (fcntl F_OFD_SETLK) on its registry slot's *live byte*, and the
 * kernel drops it when the process dies however it dies.  Other handles test
 * the byte with F_OFD_GETLK (which also works on an O_RDONLY fd).  OFD locks
 * belong to the open file description, so two handles of one process see
 * each other like two processes do; a fork()ed child shares its parent's
 * descriptions, which is why a handle must not be used across fork().
 *
 * A slot records the attacher's pid.  The protocol keeps one invariant that
 * every liveness answer rests on: the live byte of a slot that records a pid
 * is held by nobody but that slot's attacher.  An attacher looking for a free
 * slot therefore never touches the live byte of a slot that records a pid:
 * it first takes the slot's *claim byte* (serialising claimers of that slot),
 * then checks that the pid is 0, and only then locks the live byte and stores
 * its pid.  A closer stores pid 0 before it unlocks the live byte.  So:
 *   pid != 0 and live byte held      -> that attacher is alive;
 *   pid != 0 and live byte free      -> it died (only recovery clears the pid);
 *   pid == 0                         -> no owner (a claimer may hold the byte).
 * Depends on segment_priv.h (format), clock.h (deadlines).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "segment_priv.h"
#include "testhook.h"

#define LOCK_POLL_MIN_US 50u
#define LOCK_POLL_MAX_US 2000u

static const char *lock_name(off_t at)
{
    switch (at) {
    case SHMGEN__LOCK_GATE: return "gate lock";
    case SHMGEN__LOCK_INIT: return "creator's init lock";
    case SHMGEN__LOCK_RECOVER: return "recovery lock";
    default: return "registry slot lock";
    }
}

int shmgen__lock(int fd, short type, off_t at)
{
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = at, .l_len = 1, .l_pid = 0};
    int rc;
    do {
        rc = fcntl(fd, F_OFD_SETLK, &fl);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) return 0;
    if (errno == EAGAIN || errno == EACCES) return SHMGEN_BUSY;
    return shmgen__sys_error("fcntl(F_OFD_SETLK)");
}

/* Linux has no timed OFD lock wait, and a blocking one would wait forever on
 * a stopped or hostile holder: poll with a growing interval instead. */
int shmgen__lock_until(int fd, short type, off_t at, const shmgen__deadline_t *deadline)
{
    unsigned us = LOCK_POLL_MIN_US;
    for (;;) {
        int rc = shmgen__lock(fd, type, at);
        if (rc != SHMGEN_BUSY) return rc;
        if (shmgen__deadline_due(deadline)) {
            shmgen__set_detail("timed out waiting for the segment's %s (byte %lld), held by another process",
                               lock_name(at), (long long)at);
            return SHMGEN_TIMEOUT;
        }
        shmgen__sleep_us(us);
        if (us < LOCK_POLL_MAX_US) us *= 2;
    }
}

int shmgen__lock_held(int fd, off_t at, bool *held)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = at, .l_len = 1, .l_pid = 0};
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return shmgen__sys_error("fcntl(F_OFD_GETLK)");
    *held = fl.l_type != F_UNLCK;
    return 0;
}

shmgen__hook_fn shmgen__test_hook;

shmgen__registry_slot_t *shmgen__registry_slot(const shmgen_segment_t *seg, uint32_t i)
{
    return (shmgen__registry_slot_t *)(seg->base + seg->hdr.registry_offset +
                                       (uint64_t)i * SHMGEN_REGISTRY_SLOT_BYTES);
}

static off_t live_byte(const shmgen_segment_t *seg, uint32_t i)
{
    return (off_t)(seg->hdr.registry_offset + (uint64_t)i * SHMGEN_REGISTRY_SLOT_BYTES);
}

static off_t claim_byte(const shmgen_segment_t *seg, uint32_t i)
{
    return live_byte(seg, i) + 1;
}

static uint32_t slot_pid(const shmgen_segment_t *seg, uint32_t i)
{
    /* Acquire: pairs with the attacher's release store of its pid (its
     * timestamp) and with recovery's release store of 0 (its cleanup). */
    return shmgen__load(&shmgen__registry_slot(seg, i)->pid, memory_order_acquire);
}

/* Whether slot i's live byte is held.  Our own slot reads as free through our
 * own description (a description never conflicts with itself), hence the
 * test; a failed query counts as held (never declare a process dead unsure). */
static bool live_byte_held(const shmgen_segment_t *seg, uint32_t i)
{
    bool held = false;
    if (i == seg->slot) return true;
    if (shmgen__lock_held(seg->fd, live_byte(seg, i), &held) != 0) return true;
    return held;
}

int shmgen__slot_state(const shmgen_segment_t *seg, uint32_t i, uint32_t *pid)
{
    uint32_t p = slot_pid(seg, i);
    *pid = p;
    if (p == 0) return SHMGEN__SLOT_CLEAN;
    if (live_byte_held(seg, i)) return SHMGEN__SLOT_LIVE;
    /* Re-read: a closer stores 0 before it unlocks, so a pid still there
     * after the byte was seen free belongs to a process that died. */
    return slot_pid(seg, i) == p ? SHMGEN__SLOT_DEAD : SHMGEN__SLOT_CLEAN;
}

uint64_t shmgen__next_handle_id(void)
{
    static _Atomic uint64_t next = 1;
    /* Relaxed: only uniqueness matters, not ordering with other memory. */
    return atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
}

/* Tries to make slot i ours.  0, or SHMGEN_BUSY when the slot is taken or
 * another claimer holds it right now. */
static int try_claim(shmgen_segment_t *seg, uint32_t i)
{
    shmgen__registry_slot_t *s = shmgen__registry_slot(seg, i);
    struct timespec now;
    int rc;
    if (slot_pid(seg, i) != 0) { /* never touch a recorded attacher's bytes */
        SHMGEN__HOOK(SHMGEN__HP_REGISTRY_SCAN, i);
        return SHMGEN_BUSY;
    }
    if ((rc = shmgen__lock(seg->fd, F_WRLCK, claim_byte(seg, i))) != 0) return rc;
    SHMGEN__HOOK(SHMGEN__HP_REGISTRY_SCAN, i);
    /* Under the claim byte nobody else can store a pid here. */
    if (slot_pid(seg, i) != 0) rc = SHMGEN_BUSY;
    else rc = shmgen__lock(seg->fd, F_WRLCK, live_byte(seg, i)); /* BUSY: a closer still unlocking */
    if (rc == 0) {
        clock_gettime(CLOCK_REALTIME, &now);
        shmgen__store(&s->attached_ns, (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
                      memory_order_relaxed);
        /* Release: the timestamp is visible to whoever sees the pid. */
        shmgen__store(&s->pid, (uint32_t)getpid(), memory_order_release);
        seg->slot = i;
    }
    (void)shmgen__lock(seg->fd, F_UNLCK, claim_byte(seg, i));
    return rc;
}

/* Takes the first clean slot.  A slot with a pid and a free live byte is a
 * dead attacher not yet recovered: its journals still name that slot, so it
 * stays out of use until shmgen_segment_recover() cleans it. */
static int claim_slot(shmgen_segment_t *seg, const shmgen__deadline_t *deadline)
{
    for (unsigned us = LOCK_POLL_MIN_US;; us = us < LOCK_POLL_MAX_US ? 2 * us : us) {
        bool contended = false;
        for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
            int rc = try_claim(seg, i);
            if (rc == 0) return 0;
            if (rc != SHMGEN_BUSY) return rc;
            contended |= slot_pid(seg, i) == 0; /* clean but busy: a claimer or closer in flight */
        }
        if (!contended) break;
        if (shmgen__deadline_due(deadline)) {
            shmgen__set_detail("timed out claiming an attach registry slot (other attachers hold them)");
            return SHMGEN_TIMEOUT;
        }
        shmgen__sleep_us(us);
    }
    shmgen__set_detail("all %u attach registry slots are taken", SHMGEN_MAX_PROCESSES);
    return SHMGEN_TOO_MANY_PROCESSES;
}

int shmgen__register(shmgen_segment_t *seg, const shmgen__deadline_t *deadline)
{
    struct stat st;
    int rc = shmgen__lock_until(seg->fd, F_RDLCK, SHMGEN__LOCK_GATE, deadline);
    if (rc != 0) return rc;
    /* Under the gate no closer can be deciding to unlink; if one already did,
     * this object is dead and the caller must open the name afresh. */
    if (fstat(seg->fd, &st) != 0) rc = shmgen__sys_error("fstat");
    else if (st.st_nlink == 0) rc = SHMGEN_EXISTS;
    else rc = claim_slot(seg, deadline);
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_GATE);
    return rc;
}

int shmgen__claim_byte_hold(shmgen_segment_t *seg, uint32_t i)
{
    int rc = shmgen__lock(seg->fd, F_WRLCK, claim_byte(seg, i));
    if (rc == 0 && slot_pid(seg, i) != 0) { /* claimed before we got the byte */
        shmgen__claim_byte_drop(seg, i);
        return SHMGEN_BUSY;
    }
    return rc;
}

void shmgen__claim_byte_drop(shmgen_segment_t *seg, uint32_t i)
{
    (void)shmgen__lock(seg->fd, F_UNLCK, claim_byte(seg, i));
}

static bool others_attached(const shmgen_segment_t *seg)
{
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        uint32_t pid;
        if (i != seg->slot && shmgen__slot_state(seg, i, &pid) == SHMGEN__SLOT_LIVE) return true;
    }
    return false;
}

/* Gives the slot back: journals idle and free first, then pid 0, then the
 * live byte (in that order: see the file comment). */
static void release_slot(shmgen_segment_t *seg)
{
    shmgen__registry_slot_t *s = shmgen__registry_slot(seg, seg->slot);
    shmgen__journal_release_all(seg);
    /* Release: our journal cleanup happens-before the slot reads clean. */
    shmgen__store(&s->pid, 0, memory_order_release);
    (void)shmgen__lock(seg->fd, F_UNLCK, live_byte(seg, seg->slot));
}

int shmgen__unregister(shmgen_segment_t *seg, const shmgen__deadline_t *deadline)
{
    bool unlink_it;
    int rc = shmgen__lock_until(seg->fd, F_WRLCK, SHMGEN__LOCK_GATE, deadline);
    if (rc != 0) {
        /* Detach anyway; without the gate the unlink decision could race an
         * attacher, so the segment stays in place (a later closer removes it). */
        release_slot(seg);
        seg->slot = SHMGEN__NO_SLOT;
        shmgen__set_detail("detached, but the segment's gate lock stayed held by another process: "
                           "the segment was not unlinked");
        return SHMGEN_BUSY;
    }
    release_slot(seg);
    unlink_it = !(seg->hdr.flags & SHMGEN__FLAG_PERSISTENT) && !others_attached(seg);
    seg->slot = SHMGEN__NO_SLOT;
    if (unlink_it && shm_unlink(seg->shm_name) != 0 && errno != ENOENT) rc = shmgen__sys_error("shm_unlink");
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_GATE);
    return rc;
}

int shmgen_segment_attach_count(const shmgen_segment_t *seg, unsigned *count)
{
    unsigned n = 0;
    if (!seg || !count) return SHMGEN_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        uint32_t pid;
        n += shmgen__slot_state(seg, i, &pid) == SHMGEN__SLOT_LIVE;
    }
    *count = n;
    return 0;
}

int shmgen_segment_visit_processes(const shmgen_segment_t *seg, shmgen_process_visit_fn fn, void *ctx)
{
    if (!seg || !fn) return SHMGEN_INVALID_ARGUMENT;
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        uint32_t pid;
        int state = shmgen__slot_state(seg, i, &pid);
        /* Clean slots are nobody's, whoever may be claiming one right now. */
        if (state != SHMGEN__SLOT_CLEAN) fn((pid_t)pid, state == SHMGEN__SLOT_LIVE, ctx);
    }
    return 0;
}

uint32_t shmgen__self_owner(const shmgen_segment_t *seg)
{
    return seg->slot == SHMGEN__NO_SLOT ? 0 : seg->slot + 1;
}

bool shmgen__owner_alive(const shmgen_segment_t *seg, uint32_t owner)
{
    uint32_t pid;
    if (owner == 0 || owner > SHMGEN_MAX_PROCESSES) return false;
    return shmgen__slot_state(seg, owner - 1, &pid) == SHMGEN__SLOT_LIVE;
}

uint32_t shmgen__owner_pid(const shmgen_segment_t *seg, uint32_t owner)
{
    return owner == 0 || owner > SHMGEN_MAX_PROCESSES ? 0 : slot_pid(seg, owner - 1);
}

uint64_t shmgen__self_token(const shmgen_segment_t *seg)
{
    uint32_t owner = shmgen__self_owner(seg);
    return owner == 0 ? 0 : ((uint64_t)(uint32_t)getpid() << 32) | owner;
}

int shmgen__token_state(const shmgen_segment_t *seg, uint64_t token)
{
    uint32_t owner = (uint32_t)token, pid;
    int state;
    if (token == 0) return SHMGEN__SLOT_CLEAN;
    if (owner == 0 || owner > SHMGEN_MAX_PROCESSES) return SHMGEN__SLOT_DEAD; /* hostile: nobody's */
    state = shmgen__slot_state(seg, owner - 1, &pid);
    /* Another pid in the slot: the token's process left (closed, or died and
     * was recovered) and a newcomer took its slot. */
    if (pid != (uint32_t)(token >> 32)) return SHMGEN__SLOT_DEAD;
    return state == SHMGEN__SLOT_CLEAN ? SHMGEN__SLOT_DEAD : state;
}

int shmgen_segment_owner_id(const shmgen_segment_t *seg, uint32_t *owner)
{
    if (!seg || !owner) return SHMGEN_INVALID_ARGUMENT;
    if (seg->readonly || seg->slot == SHMGEN__NO_SLOT) return SHMGEN_READ_ONLY;
    *owner = shmgen__self_owner(seg);
    return 0;
}
