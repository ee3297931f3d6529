/*
 * SPDX-License-Identifier: MIT
 *
 * topic_own.c — who operates a topic: the publisher side (owner.h) and its
 * repair, subscribing and unsubscribing under the subscription lock, the
 * records as tools see them, and the kind's recovery (the crash analysis is
 * docs/crash-recovery.md).
 *
 * Subscriptions are rare: one attachment at a time (un)subscribes, under
 * the header's `sublock` (a token lock, owner.h), so that two processes can
 * never take one name twice.  A record is taken with one CAS on its holder
 * word, after its cursor, name and counters are written, so that whoever
 * acquires the holder (a block publisher's scan) sees them; a subscriber
 * killed at any step leaves either a free record, a record with its name and
 * no holder (resumable under that name), or a held one that recovery
 * detaches (holder 0, name and cursor kept).  Under block, a subscribe then
 * runs the handshake of topic.c with the publisher before it settles its
 * cursor.
 * Depends on topic_priv.h, owner.h, internal.h.
 */
#include <string.h>

#include "topic_priv.h"

#define HDR(t) TOPIC_HDR(t)
/* How long a subscribe waits for another attachment inside its own (which
 * takes microseconds: only a stopped process or a scribbled word keeps it). */
#define TOPIC_LOCK_PATIENCE_NS 100000000u /* 100 ms */
/* Changes of a record's holder under a subscribe (an eviction or a
 * recovery, each at most once per holder) before it gives up. */
#define TOPIC_CLAIM_TRIES 4
#define CLAIM_RETRY 1

/* ---- the publisher side --------------------------------------------------- */

/* A dead publisher may leave: a loan (its slot reads WRITING(head): nobody
 * reads it, the next publisher rewrites it), or a publication with head not
 * advanced (subscribers, which read slots and never head, may have read it
 * already: head moves past it, so it is never written twice).  The blocked
 * state and the min cache start afresh (min 0: the first position that can
 * lap anything rescans).  Caller owns the side. */
static int repair_publisher(void *ctx)
{
    shmgen_topic_t *t = ctx;
    shmgen__topic_hdr_t *h = HDR(t);
    /* Relaxed (this function's words): the publisher's own; we own the side. */
    uint64_t head = shmgen__load(&h->head, memory_order_relaxed), n = 0;
    int repairs = shmgen__load(&h->loaned, memory_order_relaxed) != 0;
    /* Acquire: pairs with the publishing release. */
    while (n++ < t->capacity_ &&
           shmgen__load(shmgen__topic_seq(t, head % t->capacity_), memory_order_acquire) == TOPIC_PUBLISHED(head)) {
        head++;
        repairs = 1;
    }
    shmgen__store(&h->loaned, 0, memory_order_relaxed);
    shmgen__store(&h->min_cache, 0, memory_order_relaxed);
    shmgen__store(&h->blocked_at, 0, memory_order_relaxed);
    shmgen__store(&h->p_idx, head % t->capacity_, memory_order_relaxed);
    /* Release: readers of head see the slots it covers published. */
    shmgen__store(&h->head, head, memory_order_release);
    return repairs;
}

shmgen__side_t shmgen__topic_publisher_side(shmgen_topic_t *t)
{
    shmgen__side_t s = {&HDR(t)->p_owner, t->seg_, t->table_index_, t->self_, "topic", "publisher",
                        repair_publisher, t};
    return s;
}

int shmgen__topic_take_publisher(shmgen_topic_t *t)
{
    shmgen__side_t s = shmgen__topic_publisher_side(t);
    shmgen__topic_hdr_t *h = HDR(t);
    int rc = shmgen__side_take(&s);
    if (rc != 0) return rc;
    /* Our own store of head, then a full fence, before our first load of
     * `joins`: the publisher half of the subscribe handshake (topic.c). */
    /* Relaxed: the same value; only its place before the fence matters. */
    shmgen__store(&h->head, shmgen__load(&h->head, memory_order_relaxed), memory_order_relaxed);
    shmgen__fence(memory_order_seq_cst);
    return 0;
}

/* ---- records -------------------------------------------------------------- */

static bool name_words(const char *name, uint64_t words[SHMGEN__TOPIC_NAME_WORDS])
{
    size_t n = name ? strnlen(name, SHMGEN_TOPIC_NAME_MAX + 1) : 0;
    if (n == 0 || n > SHMGEN_TOPIC_NAME_MAX) return false;
    memset(words, 0, 8 * SHMGEN__TOPIC_NAME_WORDS);
    memcpy(words, name, n);
    return true;
}

/* Relaxed loads (name, holder): written under the subscription lock, which
 * the callers hold (tools read them racily, as a snapshot). */
static void load_name(shmgen__topic_rec_t *r, uint64_t words[SHMGEN__TOPIC_NAME_WORDS])
{
    for (unsigned k = 0; k < SHMGEN__TOPIC_NAME_WORDS; k++) words[k] = shmgen__load(&r->name[k], memory_order_relaxed);
}

static bool name_empty(shmgen__topic_rec_t *r)
{
    uint64_t w[SHMGEN__TOPIC_NAME_WORDS];
    load_name(r, w);
    return (w[0] | w[1] | w[2] | w[3]) == 0;
}

static int64_t find_named(const shmgen_topic_t *t, const uint64_t words[SHMGEN__TOPIC_NAME_WORDS])
{
    for (uint32_t i = 0; i < t->subscribers_; i++) {
        uint64_t w[SHMGEN__TOPIC_NAME_WORDS];
        load_name(shmgen__topic_rec(t, i), w);
        if (memcmp(w, words, sizeof w) == 0) return i;
    }
    return -1;
}

/* Whether the holder token tok (0: nobody) is a live attachment. */
static bool held_live(const shmgen_topic_t *t, uint64_t tok)
{
    return tok != 0 && shmgen__token_state(t->seg_, tok) == SHMGEN__SLOT_LIVE;
}

/* A record for a new name: a free one, else one whose holder is gone (its
 * name and cursor are forgotten).  The index, or -1 when all are held. */
static int64_t find_record(const shmgen_topic_t *t)
{
    /* Relaxed (holder loads): a first look under the lock; the claim re-reads
     * the holder (acquire) and takes it with a CAS. */
    for (uint32_t i = 0; i < t->subscribers_; i++) {
        shmgen__topic_rec_t *r = shmgen__topic_rec(t, i);
        if (shmgen__load(&r->holder, memory_order_relaxed) == 0 && name_empty(r)) return i;
    }
    for (uint32_t i = 0; i < t->subscribers_; i++)
        if (!held_live(t, shmgen__topic_token(shmgen__load(&shmgen__topic_rec(t, i)->holder, memory_order_relaxed))))
            return i;
    return -1;
}

/* How a record is taken: a new name (cursor at the newest `history`
 * samples), the same name after its holder left (cursor kept), or the same
 * name after an eviction (cursor moved to the newest `history`, the skipped
 * samples counted as lost). */
enum claim_mode { CLAIM_FRESH, CLAIM_RESUME, CLAIM_RESTART };

static uint64_t newest(const shmgen_topic_t *t, uint64_t head)
{
    return head > t->history_ ? head - t->history_ : 0;
}

/* Moves a record's cursor forward to c (lost: counted as lost). */
static void raise_cursor(const shmgen_topic_t *t, shmgen__topic_rec_t *r, uint64_t c, bool lost)
{
    /* Relaxed: under the subscription lock; ordered for the publisher by
     * the holder's release (claim) or the handshake's fence (settle). */
    uint64_t old = shmgen__load(&r->cursor, memory_order_relaxed);
    if (c <= old) return;
    if (lost) shmgen__store(&r->lost, shmgen__load(&r->lost, memory_order_relaxed) + (c - old), memory_order_relaxed);
    /* Release: as a subscriber's own cursor store (topic_sub.c). */
    shmgen__store(&r->cursor, c, memory_order_release);
    shmgen__store(&r->idx, c % t->capacity_, memory_order_relaxed);
}

/* Block: the subscriber half of the handshake of topic.c, then the cursor
 * goes where no write the publisher may have started unaware can reach. */
static void settle(const shmgen_topic_t *t, shmgen__topic_rec_t *r, enum claim_mode mode)
{
    uint64_t h, floor;
    /* Seq_cst RMW, then the heavy fence: either the publisher's next `joins`
     * load sees this bump, or our `head` load below sees its position. */
    shmgen__fetch_add(&HDR(t)->joins, 1, memory_order_seq_cst);
    shmgen__heavy_fence();
    /* Acquire: positions below it are published. */
    h = shmgen__load(&HDR(t)->head, memory_order_acquire);
    /* Positions up to h may be written unaware of us, overwriting h - capacity at most. */
    floor = mode == CLAIM_RESUME ? (h >= t->capacity_ ? h - t->capacity_ + 1 : 0) : newest(t, h);
    raise_cursor(t, r, floor, mode != CLAIM_FRESH);
}

/* Names record r (free, or held by nobody live) and zeroes its counters;
 * the cursor is the caller's (a scan by the publisher may read it meanwhile,
 * so it never goes through a meaningless value). */
static void reset_record(shmgen__topic_rec_t *r, const uint64_t words[SHMGEN__TOPIC_NAME_WORDS])
{
    /* Relaxed: under the subscription lock; published by the holder CAS
     * (release) that follows, or meaningless once the holder is 0. */
    for (unsigned k = 0; k < SHMGEN__TOPIC_NAME_WORDS; k++) shmgen__store(&r->name[k], words[k], memory_order_relaxed);
    shmgen__store(&r->lost, 0, memory_order_relaxed);
    shmgen__store(&r->evicted_n, 0, memory_order_relaxed);
}

static void raise_used(const shmgen_topic_t *t, uint64_t n)
{
    /* Relaxed load, release store: under the lock; the publisher acquires
     * it after the record's holder is set. */
    if (shmgen__load(&HDR(t)->used, memory_order_relaxed) < n) shmgen__store(&HDR(t)->used, n, memory_order_release);
}

/* The holder word of a new subscription of this attachment: its token and
 * a tenure tag from `joins` (bumped by every subscribe, under the lock). */
static uint64_t new_holder(const shmgen_topic_t *t)
{
    /* Relaxed: under the lock, which orders every bump; block's handshake
     * bumps again, seq_cst, in settle. */
    uint64_t j = shmgen__fetch_add(&HDR(t)->joins, 1, memory_order_relaxed) + 1;
    return t->self_ | ((j << SHMGEN__TOPIC_TAG_SHIFT) & SHMGEN__TOPIC_TAG_MASK);
}

/* Takes record i (holder hd, not live) for this attachment; *holder gets
 * the new holder word.  0, or CLAIM_RETRY when the holder changed meanwhile
 * (an eviction, a recovery). */
static int claim(const shmgen_topic_t *t, uint32_t i, uint64_t hd, enum claim_mode mode, const uint64_t *words,
                 uint64_t *holder)
{
    shmgen__topic_rec_t *r = shmgen__topic_rec(t, i);
    /* Acquire: a snapshot of head for the starting position. */
    uint64_t h = shmgen__load(&HDR(t)->head, memory_order_acquire);
    /* Relaxed (record words): under the lock, before the release CAS below. */
    if (mode == CLAIM_FRESH) {
        reset_record(r, words);
        /* Release: a stolen record may still be in the publisher's scans. */
        shmgen__store(&r->cursor, newest(t, h), memory_order_release);
    }
    shmgen__store(&r->reading, 0, memory_order_relaxed);
    shmgen__store(&r->idx, shmgen__load(&r->cursor, memory_order_relaxed) % t->capacity_, memory_order_relaxed);
    if (mode == CLAIM_RESTART) raise_cursor(t, r, newest(t, h), true);
    raise_used(t, (uint64_t)i + 1);
    /* Release: the record's words above are visible to whoever acquires the
     * holder (the block publisher's scan). */
    *holder = new_holder(t);
    if (!shmgen__cas(&r->holder, &hd, *holder, memory_order_release, memory_order_relaxed)) return CLAIM_RETRY;
    if (t->policy_ == SHMGEN_TOPIC_BLOCK) settle(t, r, mode);
    return 0;
}

static int busy_name(const shmgen_topic_t *t, uint64_t tok)
{
    shmgen__set_detail("topic '%s': the subscriber name is held by live pid %u",
                       shmgen__struct_name(t->seg_, t->table_index_), (unsigned)(tok >> 32));
    return SHMGEN_BUSY;
}

/* One decision under the lock: 0 with *out and *holder, SHMGEN_BUSY,
 * SHMGEN_FULL or CLAIM_RETRY. */
static int subscribe_once(const shmgen_topic_t *t, const uint64_t *words, uint32_t *out, uint64_t *holder)
{
    int64_t i = find_named(t, words);
    uint64_t hd, tok;
    if (i < 0) {
        if ((i = find_record(t)) < 0) return shmgen__topic_error(t, SHMGEN_FULL, "every subscriber record is held");
        *out = (uint32_t)i;
        /* Acquire: the previous holder's record words are settled. */
        hd = shmgen__load(&shmgen__topic_rec(t, (uint64_t)i)->holder, memory_order_acquire);
        return held_live(t, shmgen__topic_token(hd)) ? CLAIM_RETRY : claim(t, *out, hd, CLAIM_FRESH, words, holder);
    }
    *out = (uint32_t)i;
    /* Acquire: as above. */
    hd = shmgen__load(&shmgen__topic_rec(t, (uint64_t)i)->holder, memory_order_acquire);
    tok = shmgen__topic_token(hd);
    /* Our own attachment may take its name back after an eviction only. */
    if (!(tok == t->self_ && (hd & SHMGEN__TOPIC_EVICTED)) && held_live(t, tok)) return busy_name(t, tok);
    return claim(t, *out, hd, (hd & SHMGEN__TOPIC_EVICTED) ? CLAIM_RESTART : CLAIM_RESUME, words, holder);
}

static int lock_busy(const shmgen_topic_t *t, uint64_t seen)
{
    shmgen__set_detail("topic '%s': another subscribe or unsubscribe (pid %u) did not finish",
                       shmgen__struct_name(t->seg_, t->table_index_), (unsigned)(seen >> 32));
    return SHMGEN_BUSY;
}

int shmgen_topic_subscribe(shmgen_topic_t *t, const char *name, shmgen_topic_sub_t *sub)
{
    uint64_t words[SHMGEN__TOPIC_NAME_WORDS], seen, holder = 0;
    uint32_t i = 0;
    int rc = CLAIM_RETRY;
    if (!t || !sub || !name_words(name, words)) return SHMGEN_INVALID_ARGUMENT;
    if (t->readonly_) return SHMGEN_READ_ONLY;
    if (shmgen__token_lock(&HDR(t)->sublock, t->seg_, t->self_, TOPIC_LOCK_PATIENCE_NS, &seen) != 0)
        return lock_busy(t, seen);
    for (int tries = 0; tries < TOPIC_CLAIM_TRIES && rc == CLAIM_RETRY; tries++) rc = subscribe_once(t, words, &i, &holder);
    shmgen__token_unlock(&HDR(t)->sublock);
    if (rc == CLAIM_RETRY) return shmgen__topic_error(t, SHMGEN_BUSY, "a subscriber record kept changing hands");
    if (rc != 0) return rc;
    sub->topic_ = *t;
    sub->index_ = i;
    sub->token_ = holder;
    return 0;
}

int shmgen_topic_unsubscribe(shmgen_topic_sub_t *sub)
{
    shmgen_topic_t *t = &sub->topic_;
    shmgen__topic_rec_t *r;
    uint64_t hd, seen, none[SHMGEN__TOPIC_NAME_WORDS] = {0, 0, 0, 0};
    int rc = SHMGEN_INVALID_ARGUMENT;
    if (sub->token_ == 0 || sub->index_ >= t->subscribers_) return SHMGEN_INVALID_ARGUMENT;
    r = shmgen__topic_rec(t, sub->index_);
    if (shmgen__token_lock(&HDR(t)->sublock, t->seg_, t->self_, TOPIC_LOCK_PATIENCE_NS, &seen) != 0)
        return lock_busy(t, seen);
    /* Relaxed: the CAS validates it; an eviction may set its bit once meanwhile. */
    hd = shmgen__load(&r->holder, memory_order_relaxed);
    for (int k = 0; k < 2 && rc != 0 && (hd & ~SHMGEN__TOPIC_EVICTED) == sub->token_; k++)
        /* Acq_rel: against an eviction; our last cursor store precedes the release. */
        if (shmgen__cas(&r->holder, &hd, 0, memory_order_acq_rel, memory_order_relaxed)) rc = 0;
    if (rc == 0) reset_record(r, none);
    shmgen__token_unlock(&HDR(t)->sublock);
    /* A block publisher waiting for this subscriber may go on. */
    if (rc == 0) shmgen__waitq_notify(&HDR(t)->space);
    return rc;
}

/* ---- tools ---------------------------------------------------------------- */

int shmgen_topic_subscriber_at(const shmgen_topic_t *t, uint32_t i, shmgen_topic_sub_info_t *out)
{
    shmgen__topic_rec_t *r;
    uint64_t words[SHMGEN__TOPIC_NAME_WORDS], hd, tok, h;
    if (!t || !out) return SHMGEN_INVALID_ARGUMENT;
    if (i >= t->subscribers_) return SHMGEN_OUT_OF_BOUNDS;
    r = shmgen__topic_rec(t, i);
    load_name(r, words);
    /* Acquire (all): a snapshot; the cursor is read after head, so lag never wraps below. */
    hd = shmgen__load(&r->holder, memory_order_acquire);
    tok = shmgen__topic_token(hd);
    if (tok == 0 && (words[0] | words[1] | words[2] | words[3]) == 0) return SHMGEN_EMPTY;
    memset(out, 0, sizeof *out);
    memcpy(out->name, words, SHMGEN_TOPIC_NAME_MAX);
    out->pid = (pid_t)(tok >> 32);
    out->alive = held_live(t, tok);
    out->evicted = (hd & SHMGEN__TOPIC_EVICTED) != 0;
    h = shmgen__load(&HDR(t)->head, memory_order_acquire);
    out->position = shmgen__load(&r->cursor, memory_order_acquire);
    out->lag = h > out->position ? h - out->position : 0;
    /* Relaxed: a statistic. */
    out->lost = shmgen__load(&r->lost, memory_order_relaxed);
    return 0;
}

/* ---- recovery ------------------------------------------------------------- */

/* Detaches the records of gone holders (name, cursor, losses and the
 * eviction mark stay: a subscribe under that name resumes there), and frees
 * the subscription lock of a gone holder. */
static int recover_subscribers(shmgen_topic_t *t, const shmgen__deadset_t *dead)
{
    /* Acquire: the gone holder's writes are visible before we change the word. */
    uint64_t lk = shmgen__load(&HDR(t)->sublock, memory_order_acquire);
    int n = 0;
    /* Release (CASes): the next holder sees everything the gone one wrote. */
    if (lk != 0 && shmgen__token_dead_in(t->seg_, lk, dead) &&
        shmgen__cas(&HDR(t)->sublock, &lk, 0, memory_order_release, memory_order_relaxed))
        n++;
    for (uint32_t i = 0; i < t->subscribers_; i++) {
        shmgen__topic_rec_t *r = shmgen__topic_rec(t, i);
        /* Acquire: as above. */
        uint64_t hd = shmgen__load(&r->holder, memory_order_acquire), tok = shmgen__topic_token(hd);
        if (tok != 0 && shmgen__token_dead_in(t->seg_, tok, dead) &&
            shmgen__cas(&r->holder, &hd, hd & SHMGEN__TOPIC_EVICTED, memory_order_release, memory_order_relaxed))
            n++;
    }
    return n;
}

int shmgen__topic_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                          const shmgen__deadset_t *dead)
{
    shmgen_topic_t t;
    shmgen__side_t s;
    int n, rc = shmgen_topic_bind(&t, seg, info);
    (void)base;
    if (rc != 0) return rc;
    s = shmgen__topic_publisher_side(&t);
    n = shmgen__side_recover(&s, dead) + recover_subscribers(&t, dead);
    /* A block publisher waiting for a detached subscriber may go on. */
    if (n > 0) shmgen__waitq_notify(&HDR(&t)->space);
    return n;
}
