/*
 * SPDX-License-Identifier: MIT
 *
 * stack.c — the `stack` kind: a Treiber stack of nodes plus a Treiber free
 * list of nodes, both inside the structure (see shmgen/stack.h; the crash
 * analysis is docs/crash-recovery.md).
 *
 * Header (256 bytes): line 0 meta; line 1 the stack's top word and the size
 * counter; line 2 the free list's top word; line 3 the two wait queues
 * (data: a push happened; space: a pop happened).  A list word is
 * (tag << 32) | (node + 1), 0 in the low half meaning empty; every CAS bumps
 * the tag, so a popper whose view is stale (ABA) always fails.  A node's slot
 * word holds the index + 1 of the next node.
 * Push: take a node off the free list, copy the element in, link it on top.
 * Pop: unlink the top node, copy the element out, return it to the free list.
 * Each operation journals the node it is trying to take before the CAS, so
 * recovery can tell a node held by a live thread from one a dead one stranded.
 * Depends on kind_meta.h, journal.h, waitq.h, clock.h, internal.h, shmgen/stack.h.
 */
#include "shmgen/stack.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "kind_meta.h"
#include "testhook.h"
#include "waitq.h"

#define OP_PUSH 1u
#define OP_POP 2u
#define LOW(w) ((uint32_t)(w))
#define TAGGED(old, low) ((((old) >> 32) + 1) << 32 | (uint64_t)(low))

typedef struct stack_hdr {
    shmgen__cmeta_t meta;
    unsigned char pad0[SHMGEN_CACHE_LINE - sizeof(shmgen__cmeta_t)];
    shmgen__atomic_u64 top;   /* line 1 */
    shmgen__atomic_u64 count;
    unsigned char pad1[SHMGEN_CACHE_LINE - 16];
    shmgen__atomic_u64 free;  /* line 2 */
    unsigned char pad2[SHMGEN_CACHE_LINE - 8];
    shmgen__waitq_t data, space; /* line 3 */
    unsigned char pad3[SHMGEN_CACHE_LINE - 2 * sizeof(shmgen__waitq_t)];
} stack_hdr_t;

_Static_assert(sizeof(stack_hdr_t) == SHMGEN__KIND_HEADER, "stack header is four cache lines");

#define HDR(s) ((stack_hdr_t *)(s)->hdr_)

static inline shmgen__atomic_u64 *node_next(const shmgen_stack_t *s, uint32_t node)
{
    return (shmgen__atomic_u64 *)(void *)(s->slots_ + (uint64_t)node * s->slot_bytes_);
}

static inline unsigned char *node_elem(const shmgen_stack_t *s, uint32_t node)
{
    return s->slots_ + (uint64_t)node * s->slot_bytes_ + 8u;
}

/* Unlinks the first node of list; returns node + 1, or 0 if the list is empty. */
static uint32_t list_take(shmgen_stack_t *s, shmgen__atomic_u64 *list, shmgen__journal_t *j)
{
    /* Acquire: the node's contents and next link, as written before it was linked. */
    uint64_t w = shmgen__load(list, memory_order_acquire);
    for (;;) {
        uint32_t first = LOW(w);
        /* Beyond capacity only if a process scribbled on the list word: the
         * list then reads empty instead of leading outside the stack. */
        if (first == 0 || first > s->capacity_) return 0;
        /* Relaxed: may be stale if w is; the tagged CAS then fails. */
        uint64_t next = shmgen__load(node_next(s, first - 1), memory_order_relaxed);
        shmgen__jop_claiming(j, first - 1, 1);
        /* Acq_rel: release publishes the journal record before the node leaves
         * the list; acquire sees the node's last writer. */
        if (shmgen__cas(list, &w, TAGGED(w, LOW(next)), memory_order_acq_rel, memory_order_acquire)) {
            SHMGEN__HOOK(SHMGEN__HP_STACK_TAKEN, first - 1);
            return first;
        }
    }
}

/* Links node (index + 1) at the front of list. */
static void list_put(shmgen_stack_t *s, shmgen__atomic_u64 *list, uint32_t node1)
{
    /* Relaxed: only a first guess for the CAS, which validates it; we publish
     * through the list word and read nothing through it. */
    uint64_t w = shmgen__load(list, memory_order_relaxed);
    do {
        /* Relaxed: published by the release CAS below. */
        shmgen__store(node_next(s, node1 - 1), LOW(w), memory_order_relaxed);
        /* Release: the node's element and link are visible to its next taker. */
    } while (!shmgen__cas(list, &w, TAGGED(w, node1), memory_order_release, memory_order_relaxed));
}

/* ---- kind ops ------------------------------------------------------------- */

static void stack_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    stack_hdr_t *h = (stack_hdr_t *)base;
    uint64_t slot_bytes = shmgen_kind_slot_bytes(SHMGEN_KIND_STACK, info->elem_size);
    unsigned char *slots = (unsigned char *)base + SHMGEN__KIND_HEADER;
    (void)initial;
    shmgen__cmeta_init(base, info);
    /* Relaxed: published by the segment's ready state.  Free list 0 -> 1 -> ... */
    for (uint64_t i = 0; i < info->capacity; i++)
        shmgen__store((shmgen__atomic_u64 *)(void *)(slots + i * slot_bytes),
                      i + 1 < info->capacity ? i + 2 : 0, memory_order_relaxed);
    shmgen__store(&h->free, 1, memory_order_relaxed);
    shmgen__store(&h->top, 0, memory_order_relaxed);
    shmgen__store(&h->count, 0, memory_order_relaxed);
}

static int stack_check(const void *base, const shmgen_struct_info_t *info)
{
    return shmgen__cmeta_check(base, info, SHMGEN_KIND_STACK);
}

/* Marks the nodes of list in seen; false if the list is not a proper chain. */
static bool mark_list(const shmgen_stack_t *s, uint64_t w, unsigned char *seen, uint64_t *len)
{
    uint32_t n = LOW(w);
    *len = 0;
    while (n != 0) {
        if (n > s->capacity_ || seen[n - 1] || ++*len > s->capacity_) return false;
        seen[n - 1] = 1;
        /* Acquire: pairs with the release CAS that linked the node. */
        n = LOW(shmgen__load(node_next(s, n - 1), memory_order_acquire));
    }
    return true;
}

/* Marks nodes that journals of owners outside the dead set hold; *busy
 * tells whether any such op runs here. */
static void mark_held(const shmgen_stack_t *s, const shmgen__deadset_t *dead, unsigned char *seen, bool *busy)
{
    uint32_t n = shmgen__journal_count(s->seg_);
    *busy = false;
    for (uint32_t i = 0; i < n; i++) {
        shmgen__journal_t *j = shmgen__journal_at(s->seg_, i);
        uint32_t op;
        uint64_t a;
        /* Acquire: pairs with the release CAS that followed the record. */
        if (!j || ((op = shmgen__load(&j->op, memory_order_acquire)) >> 8) != s->table_index_ + 1u) continue;
        /* Relaxed: the journal's owner does not change while its op is set. */
        if (shmgen__dead_has(dead, shmgen__load(&j->owner, memory_order_relaxed))) continue;
        *busy = true;
        /* Relaxed: published with op by the operation's claiming CAS (release). */
        a = shmgen__load(&j->a, memory_order_relaxed);
        if (a != 0 && a <= s->capacity_) seen[a - 1] = 1;
    }
}

/* One attempt: 1+ nodes returned, 0 nothing lost, -1 the lists moved (retry). */
static int reclaim_once(shmgen_stack_t *s, const shmgen__deadset_t *dead, unsigned char *seen)
{
    stack_hdr_t *h = HDR(s);
    /* Acquire both: the links reachable from them were written before the
     * release CASes that stored these words. */
    uint64_t t1 = shmgen__load(&h->top, memory_order_acquire), f1 = shmgen__load(&h->free, memory_order_acquire);
    uint64_t top_len, free_len;
    uint32_t chain = LOW(f1), found = 0;
    bool busy;
    memset(seen, 0, s->capacity_);
    if (!mark_list(s, t1, seen, &top_len) || !mark_list(s, f1, seen, &free_len)) return -1;
    mark_held(s, dead, seen, &busy);
    /* Unchanged tags: no CAS ran during the traversal and the journal scan, so
     * nobody linked or unlinked a node and the journals' items were current. */
    /* Acquire: a CAS that ran meanwhile (and the journal it published) is seen. */
    if (shmgen__load(&h->top, memory_order_acquire) != t1 || shmgen__load(&h->free, memory_order_acquire) != f1)
        return -1;
    for (uint64_t i = 0; i < s->capacity_; i++) {
        if (seen[i]) continue;
        /* Relaxed: these nodes are on no list; the release CAS below publishes the chain. */
        shmgen__store(node_next(s, (uint32_t)i), chain, memory_order_relaxed);
        chain = (uint32_t)i + 1;
        found++;
    }
    /* Relaxed: a statistic; corrects the drift a kill left, only while no op runs. */
    if (!busy) shmgen__store(&h->count, top_len, memory_order_relaxed);
    if (found == 0) return 0;
    /* Release: the new links are visible to the next taker; fails if anything moved. */
    return shmgen__cas(&h->free, &f1, TAGGED(f1, chain), memory_order_release, memory_order_relaxed) ? (int)found : -1;
}

static int stack_recover(shmgen_segment_t *seg, void *base, const shmgen_struct_info_t *info,
                         const shmgen__deadset_t *dead)
{
    shmgen_stack_t s;
    unsigned char *seen;
    int rc = shmgen_stack_bind(&s, seg, info);
    (void)base;
    if (rc != 0) return rc;
    if ((seen = malloc(s.capacity_)) == NULL) return SHMGEN_NO_MEMORY;
    for (int attempt = 0; attempt < 64; attempt++)
        if ((rc = reclaim_once(&s, dead, seen)) >= 0) break;
    free(seen);
    return rc < 0 ? 0 : rc;
}

const shmgen__kind_ops_t shmgen__stack_ops = {stack_init, stack_check, stack_recover};

/* ---- API ------------------------------------------------------------------- */

int shmgen_stack_bind(shmgen_stack_t *s, shmgen_segment_t *seg, const shmgen_struct_info_t *info)
{
    void *base;
    int rc = shmgen__bind_base(s, seg, info, SHMGEN_KIND_STACK, &base);
    if (rc != 0) return rc;
    memset(s, 0, sizeof *s);
    s->hdr_ = base;
    s->slots_ = (unsigned char *)base + SHMGEN__KIND_HEADER;
    s->capacity_ = info->capacity;
    s->slot_bytes_ = shmgen_kind_slot_bytes(SHMGEN_KIND_STACK, info->elem_size);
    s->elem_size_ = info->elem_size;
    s->table_index_ = info->table_index;
    s->readonly_ = shmgen_segment_is_readonly(seg);
    s->seg_ = seg;
    shmgen__wait_process_init(); /* registers the fork handler the journal cache needs */
    return 0;
}

int shmgen_stack_push(shmgen_stack_t *s, const void *elem)
{
    shmgen__journal_t *j;
    uint32_t node1;
    if (s->readonly_) return SHMGEN_READ_ONLY;
    j = shmgen__journal_self(s->seg_);
    shmgen__jop_begin(j, s->table_index_, OP_PUSH);
    node1 = list_take(s, &HDR(s)->free, j);
    if (node1 != 0) {
        memcpy(node_elem(s, node1 - 1), elem, s->elem_size_);
        list_put(s, &HDR(s)->top, node1);
        /* Relaxed: a statistic; repaired by recovery after a kill. */
        shmgen__fetch_add(&HDR(s)->count, 1, memory_order_relaxed);
    }
    shmgen__jop_end(j);
    if (node1 == 0) return SHMGEN_FULL;
    shmgen__waitq_notify(&HDR(s)->data);
    return 0;
}

int shmgen_stack_pop(shmgen_stack_t *s, void *out)
{
    shmgen__journal_t *j;
    uint32_t node1;
    if (s->readonly_) return SHMGEN_READ_ONLY;
    j = shmgen__journal_self(s->seg_);
    shmgen__jop_begin(j, s->table_index_, OP_POP);
    node1 = list_take(s, &HDR(s)->top, j);
    if (node1 != 0) {
        memcpy(out, node_elem(s, node1 - 1), s->elem_size_);
        list_put(s, &HDR(s)->free, node1);
        /* Relaxed: a statistic, as in push. */
        shmgen__fetch_sub(&HDR(s)->count, 1, memory_order_relaxed);
    }
    shmgen__jop_end(j);
    if (node1 == 0) return SHMGEN_EMPTY;
    shmgen__waitq_notify(&HDR(s)->space);
    return 0;
}

uint64_t shmgen_stack_size(const shmgen_stack_t *s)
{
    /* Relaxed: a snapshot; clamp what concurrent increments/decrements skew. */
    int64_t n = (int64_t)shmgen__load(&HDR(s)->count, memory_order_relaxed);
    return n < 0 ? 0 : ((uint64_t)n > s->capacity_ ? s->capacity_ : (uint64_t)n);
}

uint64_t shmgen_stack_capacity(const shmgen_stack_t *s)
{
    return s->capacity_;
}

/* ---- waits ----------------------------------------------------------------- */

static bool stack_has_data(void *ctx)
{
    const shmgen_stack_t *s = ctx;
    /* Acquire: pairs with the push's release CAS; a non-empty top is poppable. */
    uint32_t top = LOW(shmgen__load(&HDR(s)->top, memory_order_acquire));
    return top != 0 && top <= s->capacity_;
}

static bool stack_has_space(void *ctx)
{
    const shmgen_stack_t *s = ctx;
    /* Acquire: pairs with the pop's release CAS onto the free list. */
    uint32_t free_top = LOW(shmgen__load(&HDR(s)->free, memory_order_acquire));
    return free_top != 0 && free_top <= s->capacity_;
}

int shmgen_stack_wait_data(shmgen_stack_t *s, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(s)->data, stack_has_data, s, timeout_ms);
}

int shmgen_stack_wait_space(shmgen_stack_t *s, int timeout_ms)
{
    return shmgen__waitq_wait(&HDR(s)->space, stack_has_space, s, timeout_ms);
}

/* The blocking forms, on the shared retry loop of waitq.h. */
typedef struct stack_call {
    shmgen_stack_t *s;
    const void *in;
    void *out;
} stack_call_t;

static int call_push(void *c)
{
    return shmgen_stack_push(((stack_call_t *)c)->s, ((stack_call_t *)c)->in);
}

static int call_pop(void *c)
{
    return shmgen_stack_pop(((stack_call_t *)c)->s, ((stack_call_t *)c)->out);
}

static int call_wait_space(void *c, int ms)
{
    return shmgen_stack_wait_space(((stack_call_t *)c)->s, ms);
}

static int call_wait_data(void *c, int ms)
{
    return shmgen_stack_wait_data(((stack_call_t *)c)->s, ms);
}

int shmgen_stack_push_wait(shmgen_stack_t *s, const void *elem, int timeout_ms)
{
    stack_call_t c = {s, elem, NULL};
    return shmgen__wait_retry(call_push, SHMGEN_FULL, call_wait_space, NULL, &c, timeout_ms);
}

int shmgen_stack_pop_wait(shmgen_stack_t *s, void *out, int timeout_ms)
{
    stack_call_t c = {s, NULL, out};
    return shmgen__wait_retry(call_pop, SHMGEN_EMPTY, call_wait_data, NULL, &c, timeout_ms);
}
