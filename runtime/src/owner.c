/*
 * SPDX-License-Identifier: MIT
 *
 * owner.c — taking over and recovering the sides of owner.h, and its token
 * locks.  Depends on owner.h, internal.h, clock.h.
 */
#include "owner.h"

#include "clock.h"

/* How often a token lock's waiter asks whether the holder is gone (a system call). */
#define TOKEN_CHECK_NS 1000000u

static int busy(const shmgen__side_t *s, uint64_t tok)
{
    shmgen__set_detail("%s '%s': the %s side is owned by live pid %u", s->kind,
                       shmgen__struct_name(s->seg, s->table_index), s->name, (unsigned)(tok >> 32));
    return SHMGEN_BUSY;
}

/* Under the recovery lock: takes a side nobody live owns, repairing it first
 * when an owner is recorded (it died, or left without handing over). */
static int take_locked(const shmgen__side_t *s)
{
    /* Acquire: the previous owner's side state is visible once we own it. */
    uint64_t cur = shmgen__load(s->word, memory_order_acquire);
    uint64_t tok = cur & ~SHMGEN__OWNER_REPAIRING;
    if (cur == s->self) return 0;
    /* A repair mark under the lock was left by a recovery that died; a live
     * owner without one keeps its side. */
    if (cur != 0 && !(cur & SHMGEN__OWNER_REPAIRING) && shmgen__token_state(s->seg, tok) == SHMGEN__SLOT_LIVE)
        return busy(s, tok);
    if (cur != 0) {
        /* Relaxed: the lock orders it against every other repair. */
        shmgen__store(s->word, SHMGEN__OWNER_REPAIRING | s->self, memory_order_relaxed);
        (void)s->repair(s->ctx);
    }
    /* Release: the repaired state is visible to whoever sees us as owner. */
    shmgen__store(s->word, s->self, memory_order_release);
    return 0;
}

int shmgen__side_take(const shmgen__side_t *s)
{
    /* Acquire: as in take_locked. */
    uint64_t cur = shmgen__load(s->word, memory_order_acquire);
    int rc;
    if (s->self == 0) return SHMGEN_READ_ONLY;
    if (cur == s->self) return 0;
    /* Acq_rel: a free side may hold the repaired state of the last owner. */
    if (cur == 0 && shmgen__cas(s->word, &cur, s->self, memory_order_acq_rel, memory_order_acquire)) return 0;
    if (cur != 0 && !(cur & SHMGEN__OWNER_REPAIRING) && shmgen__token_state(s->seg, cur) == SHMGEN__SLOT_LIVE)
        return busy(s, cur);
    /* Dead, left, or being repaired: settle it under the recovery lock. */
    if ((rc = shmgen__recovery_lock(s->seg, -1)) != 0) return rc;
    rc = take_locked(s);
    shmgen__recovery_unlock(s->seg);
    return rc;
}

bool shmgen__token_dead_in(const shmgen_segment_t *seg, uint64_t token, const shmgen__deadset_t *dead)
{
    return shmgen__owner_pid(seg, (uint32_t)token) != (uint32_t)(token >> 32) || shmgen__dead_has(dead, (uint32_t)token);
}

int shmgen__side_recover(const shmgen__side_t *s, const shmgen__deadset_t *dead)
{
    /* Acquire: the dead owner's side state is visible to the repair. */
    uint64_t cur = shmgen__load(s->word, memory_order_acquire);
    int n;
    if (cur == 0 || !shmgen__token_dead_in(s->seg, cur & ~SHMGEN__OWNER_REPAIRING, dead)) return 0;
    /* Acq_rel on success: ordered against a taker's CAS from 0 (the only
     * change a side can see outside the lock). */
    if (!shmgen__cas(s->word, &cur, SHMGEN__OWNER_REPAIRING | s->self, memory_order_acq_rel, memory_order_relaxed))
        return 0;
    n = s->repair(s->ctx);
    /* Release: the repaired state is visible to the next owner. */
    shmgen__store(s->word, 0, memory_order_release);
    return n + 1;
}

int shmgen__token_lock_wait(shmgen__atomic_u64 *word, const shmgen_segment_t *seg, uint64_t self, uint64_t cur,
                            uint64_t patience_ns, uint64_t *seen)
{
    uint64_t start = shmgen__now_ns(), checked = start;
    unsigned spins = 0;
    for (;;) {
        uint64_t now = shmgen__now_ns();
        *seen = cur;
        /* Acquire on success (both CASes): as in shmgen__token_lock. */
        if (cur == 0 && shmgen__cas(word, &cur, self, memory_order_acquire, memory_order_relaxed)) return 0;
        if (cur != 0 && now - checked >= TOKEN_CHECK_NS) {
            checked = now;
            if (shmgen__token_state(seg, cur) != SHMGEN__SLOT_LIVE &&
                shmgen__cas(word, &cur, self, memory_order_acquire, memory_order_relaxed))
                return 0;
        }
        if (now - start > patience_ns) return SHMGEN_BUSY;
        shmgen__backoff(&spins);
        /* Relaxed: the CASes above validate it. */
        cur = shmgen__load(word, memory_order_relaxed);
    }
}
