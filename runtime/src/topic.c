/*
 * SPDX-License-Identifier: MIT
 *
 * topic.c — the `topic` kind's binding and publisher path: loan, publish,
 * publish_copy and their waiting forms, and the block policy's rule that
 * the publisher never laps a live subscriber (see shmgen/topic.h; the slot
 * protocol is in topic_priv.h, subscribers in topic_sub.c, subscriptions,
 * ownership and repair in topic_own.c, the crash analysis in
 * docs/crash-recovery.md).
 *
 * Publishing position h: its slot's word goes to WRITING(h) (then a release
 * fence: a subscriber still copying h - capacity from that slot sees the
 * change when it re-checks), the sample is written, the word goes to
 * PUBLISHED(h) (release), `head` to h + 1, and waiting subscribers are
 * woken.  Under lap that is all: the publisher reads no subscriber's line.
 *
 * Under block the publisher may start h only while every held, not evicted
 * record's cursor is above h - capacity.  It keeps the lowest cursor of its
 * last scan of the records on its own line and rescans only when that cache
 * says "full" or when `joins` moved (a subscribe since the last scan).  A
 * subscribe bumps `joins`, issues the heavy fence and only then reads `head`
 * to place its cursor; the publisher loads `joins` after the light fence
 * that follows each publication (in the notify) and after a full fence when
 * it takes the side over.  So either the publisher sees the bump (and the
 * new record) before starting a position, or the subscriber saw that
 * position in `head` and placed its cursor where that write cannot hurt.
 * While blocked, the publisher looks for dead subscribers holding it back
 * (recovery detaches them) every TOPIC_CHECK_NS, and with a deadline evicts
 * the live ones that kept it blocked at one position that long.
 * Depends on topic_priv.h, clock.h, words.h, testhook.h, internal.h.
 */
#include <string.h>

#include "clock.h"
#include "testhook.h"
#include "topic_priv.h"
#include "words.h"

/* How often a blocked publisher looks for dead subscribers holding it back
 * (a system call per record), and the longest futex sleep of its waiting
 * forms, so that those looks and the deadline happen while it waits. */
#define TOPIC_CHECK_NS 2000000u
#define TOPIC_WAIT_SLICE_MS 5

#define HDR(t) TOPIC_HDR(t)

int shmgen__topic_error(const shmgen_topic_t *t, int err, const char *what)
{
    return shmgen__struct_error(err, t->seg_, t->table_index_, what);
}

/* ---- kind ops ------------------------------------------------------------ */

static void topic_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    (void)initial;
    /* Everything else starts as the zeroed memory: no position published,
     * every slot word 0, every record free. */
    shmgen__cmeta_init(base, info);
}

static int topic_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_TOPIC);
}

const shmgen__kind_ops_t shmgen__topic_ops = {topic_init, topic_check, shmgen__topic_recover};

int shmgen_topic_bind(shmgen_topic_t *t, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    int rc = shmgen__bind_base(t, seg, info, SHMGEN_KIND_TOPIC, &base);
    if (rc != 0) return rc;
    memset(t, 0, sizeof *t);
    t->hdr_ = base;
    t->cursors_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    t->slots_ = t->cursors_ + (uint64_t)info->subscribers * SHMGEN_TOPIC_CURSOR_BYTES;
    t->capacity_ = info->capacity;
    t->slot_bytes_ = shmgen_kind_slot_bytes(SHMGEN_KIND_TOPIC, info->elem_size);
    t->elem_size_ = info->elem_size;
    t->subscribers_ = info->subscribers;
    t->history_ = info->history;
    t->policy_ = info->policy;
    t->deadline_ms_ = info->deadline_ms;
    t->table_index_ = info->table_index;
    t->seg_ = seg;
    t->readonly_ = shmgen_segment_is_readonly(seg);
    t->self_ = t->readonly_ ? 0 : shmgen__self_token(seg);
    shmgen__wait_process_init();
    return 0;
}

/* ---- block: never lap a live subscriber ----------------------------------- */

uint64_t shmgen__topic_min_cursor(const shmgen_topic_t *t, uint64_t h)
{
    /* Acquire: records below it were set up before it was raised. */
    uint64_t n = shmgen__load(&HDR(t)->used, memory_order_acquire), min = h;
    if (n > t->subscribers_) n = t->subscribers_;
    for (uint64_t i = 0; i < n; i++) {
        shmgen__topic_rec_t *r = shmgen__topic_rec(t, i);
        /* Acquire: a subscribe stores the cursor before the holder (release). */
        uint64_t hd = shmgen__load(&r->holder, memory_order_acquire), c;
        if (shmgen__topic_token(hd) == 0 || (hd & SHMGEN__TOPIC_EVICTED)) continue;
        /* Acquire: pairs with the subscriber's release of its cursor, so its
         * reads of the slots below precede our rewriting them. */
        c = shmgen__load(&r->cursor, memory_order_acquire);
        if (c < min) min = c;
    }
    return min;
}

/* Whether record r (holder hd) holds a publisher at h back. */
static bool holds_back(const shmgen_topic_t *t, shmgen__topic_rec_t *r, uint64_t hd, uint64_t h)
{
    /* Acquire: as in min_cursor. */
    return shmgen__topic_token(hd) != 0 && !(hd & SHMGEN__TOPIC_EVICTED) &&
           shmgen__load(&r->cursor, memory_order_acquire) + t->capacity_ <= h;
}

/* Dead holders of records holding the publisher back are detached by the
 * segment's recovery (one dead decision for all).  True if it ran. */
static bool detach_dead(shmgen_topic_t *t, uint64_t h)
{
    for (uint64_t i = 0; i < t->subscribers_; i++) {
        shmgen__topic_rec_t *r = shmgen__topic_rec(t, i);
        /* Acquire: as in min_cursor. */
        uint64_t hd = shmgen__load(&r->holder, memory_order_acquire);
        if (holds_back(t, r, hd, h) && shmgen__token_state(t->seg_, shmgen__topic_token(hd)) != SHMGEN__SLOT_LIVE) {
            /* A fork()ed child's handle cannot recover and keeps waiting. */
            int repaired = shmgen_segment_recover(t->seg_);
            (void)repaired;
            return true;
        }
    }
    return false;
}

/* Evicts every live record holding the publisher back (its deadline passed). */
static void evict(shmgen_topic_t *t, uint64_t h)
{
    for (uint64_t i = 0; i < t->subscribers_; i++) {
        shmgen__topic_rec_t *r = shmgen__topic_rec(t, i);
        /* Acquire: as in min_cursor. */
        uint64_t hd = shmgen__load(&r->holder, memory_order_acquire);
        if (!holds_back(t, r, hd, h)) continue;
        /* Acq_rel: against a subscribe or recovery changing the holder; the
         * subscriber's last cursor store is visible before we lap it. */
        if (!shmgen__cas(&r->holder, &hd, hd | SHMGEN__TOPIC_EVICTED, memory_order_acq_rel, memory_order_relaxed))
            continue;
        /* Relaxed: statistics. */
        shmgen__fetch_add(&r->evicted_n, 1, memory_order_relaxed);
        shmgen__fetch_add(&HDR(t)->evictions, 1, memory_order_relaxed);
    }
    /* An evicted subscriber asleep in a wait learns it now. */
    shmgen__waitq_notify(&HDR(t)->data);
}

/* The publisher at h found itself blocked: note since when, look for dead
 * subscribers, evict stalled ones past the deadline.  Returns true when that
 * may have made room (the caller rescans). */
static bool blocked(shmgen_topic_t *t, uint64_t h)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    uint64_t now = shmgen__now_ns();
    bool changed = false;
    /* Relaxed (these three): the publisher's own slow-path words. */
    if (shmgen__load(&hdr->blocked_at, memory_order_relaxed) != h + 1) {
        shmgen__store(&hdr->blocked_at, h + 1, memory_order_relaxed);
        shmgen__store(&hdr->blocked_ns, now, memory_order_relaxed);
    }
    if (now - shmgen__load(&hdr->checked_ns, memory_order_relaxed) >= TOPIC_CHECK_NS) {
        shmgen__store(&hdr->checked_ns, now, memory_order_relaxed);
        changed = detach_dead(t, h);
    }
    if (t->deadline_ms_ != 0 &&
        now - shmgen__load(&hdr->blocked_ns, memory_order_relaxed) >= (uint64_t)t->deadline_ms_ * 1000000u) {
        evict(t, h);
        changed = true;
    }
    return changed;
}

/* Block: rescans the records (the cache said full, or a subscribe happened)
 * and decides: 0 (room) or SHMGEN_FULL. */
static int room_slow(shmgen_topic_t *t, uint64_t h, uint64_t joins)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    uint64_t min = shmgen__topic_min_cursor(t, h);
    if (h - min >= t->capacity_ && blocked(t, h)) min = shmgen__topic_min_cursor(t, h);
    /* Relaxed: the publisher's own cache words. */
    shmgen__store(&hdr->min_cache, min, memory_order_relaxed);
    shmgen__store(&hdr->joins_seen, joins, memory_order_relaxed);
    if (h - min >= t->capacity_) return SHMGEN_FULL;
    if (shmgen__load(&hdr->blocked_at, memory_order_relaxed) != 0)
        shmgen__store(&hdr->blocked_at, 0, memory_order_relaxed);
    return 0;
}

/* Block: whether position h may start. */
static inline int room(shmgen_topic_t *t, uint64_t h)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    /* Acquire: a subscribe's record is visible once its bump is (see the
     * file comment for why this load comes after a StoreLoad fence). */
    uint64_t joins = shmgen__load(&hdr->joins, memory_order_acquire);
    /* Relaxed: the publisher's own cache words. */
    if (joins == shmgen__load(&hdr->joins_seen, memory_order_relaxed) &&
        h - shmgen__load(&hdr->min_cache, memory_order_relaxed) < t->capacity_)
        return 0;
    return room_slow(t, h, joins);
}

/* ---- publisher ----------------------------------------------------------- */

/* The position the publisher writes next and its slot. */
typedef struct pub_pos {
    uint64_t h, idx;
    unsigned char *slot; /* its sequence word; the sample follows */
} pub_pos_t;

/* The owner check every publisher operation starts with, then the position
 * to publish next and its slot (the cached index, recomputed if scribbled). */
static inline int pub_enter(shmgen_topic_t *t, pub_pos_t *pp)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    uint64_t cap = t->capacity_;
    int rc;
    if (t->readonly_) return SHMGEN_READ_ONLY;
    /* Relaxed: our own earlier store; any other value goes the slow way. */
    if (shmgen__load(&hdr->p_owner, memory_order_relaxed) != t->self_ && (rc = shmgen__topic_take_publisher(t)) != 0)
        return rc;
    /* Relaxed: the publisher's own line. */
    pp->h = shmgen__load(&hdr->head, memory_order_relaxed);
    pp->idx = shmgen__load(&hdr->p_idx, memory_order_relaxed);
    if (pp->idx >= cap) pp->idx = pp->h % cap;
    pp->slot = t->slots_ + pp->idx * t->slot_bytes_;
    return 0;
}

/* Starts position pp->h in its slot (the caller checked there is room). */
static inline unsigned char *begin(const pub_pos_t *pp)
{
    /* Relaxed + release fence: a subscriber copying the slot's previous
     * position that sees any of our sample stores sees this word after its
     * acquire fence. */
    shmgen__store((shmgen__atomic_u64 *)(void *)pp->slot, TOPIC_WRITING(pp->h), memory_order_relaxed);
    shmgen__fence(memory_order_release);
    return pp->slot + 8;
}

/* Publishes position pp->h and wakes waiting subscribers. */
static inline void finish(shmgen_topic_t *t, const pub_pos_t *pp)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    uint64_t next = pp->idx + 1 == t->capacity_ ? 0 : pp->idx + 1;
    /* Release: the sample is visible to whoever acquires the word. */
    shmgen__store((shmgen__atomic_u64 *)(void *)pp->slot, TOPIC_PUBLISHED(pp->h), memory_order_release);
    SHMGEN__HOOK(SHMGEN__HP_TOPIC_PUBLISHED, pp->h);
    /* Release: readers of head (lapped subscribers, lag) see the slot published. */
    shmgen__store(&hdr->head, pp->h + 1, memory_order_release);
    /* Relaxed: read back by the publisher only. */
    shmgen__store(&hdr->p_idx, next, memory_order_relaxed);
    /* Its light fence is also the StoreLoad barrier before the next `joins` load. */
    shmgen__waitq_notify(&hdr->data);
}

/* The sample of position pp->h, already loaned (*fresh false) or started now. */
static inline int slot_for(shmgen_topic_t *t, const pub_pos_t *pp, unsigned char **elem, bool *fresh)
{
    int rc;
    /* Relaxed: the publisher's own word. */
    *fresh = shmgen__load(&HDR(t)->loaned, memory_order_relaxed) != pp->h + 1;
    if (__builtin_expect(!*fresh, 0)) {
        *elem = pp->slot + 8;
        return 0;
    }
    if (t->policy_ == SHMGEN_TOPIC_BLOCK && (rc = room(t, pp->h)) != 0) return rc;
    *elem = begin(pp);
    return 0;
}

/* Copies one sample in: relaxed words where a subscriber may be copying the
 * slot (shmgen__topic_racy), else a plain copy; 8 bytes inline. */
static inline void copy_in(const shmgen_topic_t *t, unsigned char *dst, const void *src)
{
    if (shmgen__topic_racy(t)) shmgen__store_words(dst, src, t->elem_size_);
    else if (t->elem_size_ == 8) memcpy(dst, src, 8);
    else memcpy(dst, src, t->elem_size_);
}

int shmgen_topic_loan(shmgen_topic_t *t, void **slot)
{
    pub_pos_t pp;
    unsigned char *elem;
    bool fresh;
    int rc;
    if (!slot) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = pub_enter(t, &pp)) != 0 || (rc = slot_for(t, &pp, &elem, &fresh)) != 0) return rc;
    /* Relaxed: the publisher's own word (a repair clears it). */
    if (fresh) shmgen__store(&HDR(t)->loaned, pp.h + 1, memory_order_relaxed);
    SHMGEN__HOOK(SHMGEN__HP_TOPIC_LOANED, pp.h);
    *slot = elem;
    return 0;
}

int shmgen_topic_publish(shmgen_topic_t *t)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    pub_pos_t pp;
    if (t->readonly_) return SHMGEN_READ_ONLY;
    /* Relaxed: our own word; publishing without our loan is refused. */
    if (shmgen__load(&hdr->p_owner, memory_order_relaxed) != t->self_ || pub_enter(t, &pp) != 0 ||
        shmgen__load(&hdr->loaned, memory_order_relaxed) != pp.h + 1)
        return SHMGEN_INVALID_ARGUMENT;
    shmgen__store(&hdr->loaned, 0, memory_order_relaxed);
    finish(t, &pp);
    return 0;
}

int shmgen_topic_publish_copy(shmgen_topic_t *t, const void *sample)
{
    pub_pos_t pp;
    unsigned char *elem;
    bool fresh;
    int rc;
    if (!sample) return SHMGEN_INVALID_ARGUMENT;
    if ((rc = pub_enter(t, &pp)) != 0 || (rc = slot_for(t, &pp, &elem, &fresh)) != 0) return rc;
    SHMGEN__HOOK(SHMGEN__HP_TOPIC_LOANED, pp.h);
    copy_in(t, elem, sample);
    SHMGEN__HOOK(SHMGEN__HP_TOPIC_WRITTEN, pp.h);
    /* Relaxed: the publisher's own word; a loan it fills is consumed here. */
    if (!fresh) shmgen__store(&HDR(t)->loaned, 0, memory_order_relaxed);
    finish(t, &pp);
    return 0;
}

int shmgen_topic_release_publisher(shmgen_topic_t *t)
{
    shmgen__topic_hdr_t *hdr = HDR(t);
    uint64_t self = t->self_;
    if (t->readonly_) return SHMGEN_READ_ONLY;
    /* Relaxed: our own words.  A loan not published is dropped: its slot
     * keeps reading "being written", and the next publisher rewrites it. */
    if (shmgen__load(&hdr->p_owner, memory_order_relaxed) == self)
        shmgen__store(&hdr->loaned, 0, memory_order_relaxed);
    /* Release: our last writes are visible to the next owner's acquire. */
    return shmgen__cas(&hdr->p_owner, &self, 0, memory_order_release, memory_order_relaxed) ? 0
                                                                                          : SHMGEN_INVALID_ARGUMENT;
}

uint64_t shmgen_topic_published(const shmgen_topic_t *t)
{
    /* Acquire: every position below it is published. */
    return shmgen__load(&HDR(t)->head, memory_order_acquire);
}

uint32_t shmgen_topic_max_subscribers(const shmgen_topic_t *t)
{
    return t->subscribers_;
}

uint64_t shmgen_topic_capacity(const shmgen_topic_t *t)
{
    return t->capacity_;
}

uint64_t shmgen_topic_evictions(const shmgen_topic_t *t)
{
    /* Relaxed: a statistic. */
    return shmgen__load(&HDR(t)->evictions, memory_order_relaxed);
}

/* ---- waiting forms ------------------------------------------------------- */

typedef struct pub_call {
    shmgen_topic_t *t;
    void **slot;
    const void *sample;
} pub_call_t;

static bool has_room(void *ctx)
{
    shmgen_topic_t *t = ((pub_call_t *)ctx)->t;
    /* Acquire: as in room. */
    uint64_t h = shmgen__load(&HDR(t)->head, memory_order_acquire);
    return h - shmgen__topic_min_cursor(t, h) < t->capacity_;
}

static int call_loan(void *c)
{
    return shmgen_topic_loan(((pub_call_t *)c)->t, ((pub_call_t *)c)->slot);
}

static int call_publish_copy(void *c)
{
    return shmgen_topic_publish_copy(((pub_call_t *)c)->t, ((pub_call_t *)c)->sample);
}

/* Sleeps until a subscriber makes room, at most one slice: the retried loan
 * then looks for dead subscribers and applies the deadline. */
static int wait_room(void *c, int ms)
{
    shmgen_topic_t *t = ((pub_call_t *)c)->t;
    int rc = shmgen__waitq_wait(&HDR(t)->space, has_room, c, ms < 0 || ms > TOPIC_WAIT_SLICE_MS ? TOPIC_WAIT_SLICE_MS : ms);
    return rc == SHMGEN_TIMEOUT ? 0 : rc;
}

int shmgen_topic_loan_wait(shmgen_topic_t *t, void **slot, int timeout_ms)
{
    pub_call_t c = {t, slot, NULL};
    return shmgen__wait_retry(call_loan, SHMGEN_FULL, wait_room, NULL, &c, timeout_ms);
}

int shmgen_topic_publish_wait(shmgen_topic_t *t, const void *sample, int timeout_ms)
{
    pub_call_t c = {t, NULL, sample};
    return shmgen__wait_retry(call_publish_copy, SHMGEN_FULL, wait_room, NULL, &c, timeout_ms);
}
