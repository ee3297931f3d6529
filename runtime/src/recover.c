/*
 * SPDX-License-Identifier: MIT
 *
 * recover.c — repairing what dead attachers left (shmgen_segment_recover).
 *
 * One recovery at a time, across processes, under the segment's recovery
 * lock.  Under it, "gone" is decided once, for every owner number: a registry
 * slot that records a pid whose live byte is free (its process died; such a
 * slot cannot change until recovery cleans it, because attachers never claim
 * a slot that records a pid), or a clean slot (its process closed, or nobody
 * ever had it), whose claim byte recovery then holds until it is done, so
 * that no newcomer can take that owner number meanwhile.  Every kind repairs
 * from that one set (a pool slot held by a gone owner is freed, a journal of a
 * gone owner is repaired), then the dead owners' journals are freed and their
 * slots cleaned, in that order, so an owner number is never reused while a
 * structure still records it as held.
 * Depends on segment_priv.h (format, registry, journals), clock.h.
 */
#include <fcntl.h>
#include <string.h>

#include "clock.h"
#include "segment_priv.h"
#include "testhook.h"

int shmgen__recovery_lock(shmgen_segment_t *seg, int timeout_ms)
{
    shmgen__deadline_t d = shmgen__deadline_in(timeout_ms < 0 ? (int)seg->timeout_ms : timeout_ms);
    return shmgen__lock_until(seg->fd, F_WRLCK, SHMGEN__LOCK_RECOVER, &d);
}

void shmgen__recovery_unlock(shmgen_segment_t *seg)
{
    (void)shmgen__lock(seg->fd, F_UNLCK, SHMGEN__LOCK_RECOVER);
}

static void set_bit(shmgen__deadset_t *set, uint32_t i)
{
    set->bits[i / 64] |= (uint64_t)1 << (i % 64);
}

/* The one decision of this recovery: owners (slot + 1) whose process died
 * (into *dead and *died) or who are not attached at all (into *dead, their
 * claim bytes held in *held until release_clean).  True if any died. */
static bool decide_gone(shmgen_segment_t *seg, shmgen__deadset_t *dead, shmgen__deadset_t *died,
                        shmgen__deadset_t *held)
{
    bool any = false;
    memset(dead, 0, sizeof *dead);
    memset(died, 0, sizeof *died);
    memset(held, 0, sizeof *held);
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        uint32_t pid;
        int state = shmgen__slot_state(seg, i, &pid);
        if (state == SHMGEN__SLOT_DEAD) {
            set_bit(dead, i);
            set_bit(died, i);
            any = true;
        } else if (state == SHMGEN__SLOT_CLEAN && i != seg->slot && shmgen__claim_byte_hold(seg, i) == 0) {
            /* Under its claim byte a clean slot stays clean (see registry.c). */
            set_bit(held, i);
            if (shmgen__owner_pid(seg, i + 1) == 0) set_bit(dead, i);
        }
    }
    return any;
}

static void release_clean(shmgen_segment_t *seg, const shmgen__deadset_t *held)
{
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++)
        if (shmgen__dead_has(held, i + 1)) shmgen__claim_byte_drop(seg, i);
}

static int recover_structures(shmgen_segment_t *seg, const shmgen__deadset_t *dead)
{
    int repairs = 0, first_error = 0;
    for (uint32_t i = 0; i < seg->hdr.nstructs; i++) {
        const shmgen_struct_info_t *info = &seg->infos[i];
        const shmgen__kind_ops_t *ops = shmgen__kind_ops(info->kind);
        int rc;
        if (!ops || !ops->recover) continue;
        rc = ops->recover(seg, seg->base + info->offset, info, dead);
        if (rc >= 0) repairs += rc;
        else if (first_error == 0) first_error = rc;
    }
    return first_error != 0 ? first_error : repairs;
}

static int free_dead(shmgen_segment_t *seg, const shmgen__deadset_t *dead)
{
    int freed = 0;
    for (uint32_t i = 0; i < SHMGEN_MAX_JOURNALS; i++) {
        shmgen__journal_t *j = shmgen__journal_at(seg, i);
        /* Acquire: the dead owner's journal writes are visible before we clear them. */
        uint32_t owner = shmgen__load(&j->owner, memory_order_acquire);
        if (!shmgen__dead_has(dead, owner)) continue;
        shmgen__store(&j->op, 0, memory_order_relaxed);
        /* Release: the idle op is visible to the journal's next claimer. */
        shmgen__store(&j->owner, 0, memory_order_release);
        freed++;
    }
    for (uint32_t i = 0; i < SHMGEN_MAX_PROCESSES; i++) {
        if (!shmgen__dead_has(dead, i + 1)) continue;
        /* Release: the repairs and freed journals are visible before the slot
         * can be claimed again (claimers acquire the pid). */
        shmgen__store(&shmgen__registry_slot(seg, i)->pid, 0, memory_order_release);
        freed++;
    }
    return freed;
}

int shmgen__recover(shmgen_segment_t *seg, int timeout_ms)
{
    shmgen__deadset_t dead, died, held;
    int rc, repairs = 0;
    if (!seg) return SHMGEN_INVALID_ARGUMENT;
    if (seg->readonly) return SHMGEN_READ_ONLY;
    if (shmgen__pid() != seg->opener_pid) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = shmgen__recovery_lock(seg, timeout_ms)) != 0) return rc;
    /* Repairs run when a process died, or when an explicit call asks (a
     * closed process may have left pool slots held). */
    bool any = decide_gone(seg, &dead, &died, &held);
    SHMGEN__HOOK(SHMGEN__HP_RECOVER_DECIDED, 0);
    if (any || timeout_ms < 0) {
        repairs = recover_structures(seg, &dead);
        /* Free the dead only once every kind has reclaimed what they held. */
        if (repairs >= 0) repairs += free_dead(seg, &died);
    }
    release_clean(seg, &held);
    shmgen__recovery_unlock(seg);
    return repairs;
}

int shmgen_segment_recover(shmgen_segment_t *seg)
{
    return shmgen__recover(seg, -1);
}
