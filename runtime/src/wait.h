/*
 * wait.h — process-shared blocking waits for the queue and ring kinds (internal).
 *
 * A shmgen__waitq_t lives in shared memory (8 bytes on a structure's wait
 * line): a count of sleeping waiters and a 32-bit event counter that is the
 * futex word.  Notifiers (producers after publishing, consumers after freeing
 * a slot) pay one fence and one load of `waiters` when nobody sleeps.
 *
 * The fence between "publish" and "load waiters" is the store->load ordering
 * of a Dekker handshake with the waiter's "increment waiters, then re-check".
 * When the kernel offers MEMBARRIER_CMD_GLOBAL_EXPEDITED, every process that
 * binds a structure registers for it and the notifier's fence is a compiler
 * barrier only; the rare waiter issues the membarrier, which forces a full
 * barrier on every CPU running a registered thread.  Without membarrier the
 * notifier uses a real seq_cst fence.  Futexes are used without
 * FUTEX_PRIVATE_FLAG so that they work across processes.
 * It also holds the few helpers the four concurrent kinds share: the meta
 * line every kind header starts with, and word-wise element copies.
 * Depends on internal.h (atomics, segment) and Linux futex/membarrier syscalls.
 */
#ifndef SHMGEN_WAIT_H
#define SHMGEN_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* Line 0 of every concurrent kind's 256-byte header; written once at init. */
typedef struct shmgen__cmeta {
    uint32_t magic; /* SHMGEN__CMETA_MAGIC + kind */
    uint32_t kind;
    uint32_t elem_size;
    uint32_t reserved;
    uint64_t capacity;
    uint64_t slot_bytes;
} shmgen__cmeta_t; /* the first 32 bytes of line 0; the rest is the kind's */

#define SHMGEN__CMETA_MAGIC 0x4b4d4753u /* "SGMK" */
#define SHMGEN__KIND_HEADER 256u
#define SHMGEN__BUSY_BIT ((uint64_t)1 << 63)

/* Writes the meta line for info into fresh memory. */
void shmgen__cmeta_init(void *base, const shmgen_struct_info_t *info);
/* Checks the meta line and the structure's footprint against info (read-only,
 * reads only the first 64 bytes).  0 or SHMGEN_CORRUPT. */
int shmgen__cmeta_check(const void *base, const shmgen_struct_info_t *info, shmgen_kind_t kind);

/* Copies size bytes into a slot's element as relaxed 8-byte atomic stores
 * (seqlock readers may read concurrently), zero-padding the last word. */
static inline void shmgen__store_words(unsigned char *dst, const void *src, uint32_t size)
{
    shmgen__atomic_u64 *d = (shmgen__atomic_u64 *)(void *)dst;
    const unsigned char *s = (const unsigned char *)src;
    uint32_t full = size / 8u, rest = size % 8u, i;
    for (i = 0; i < full; i++) {
        uint64_t v;
        __builtin_memcpy(&v, s + 8u * i, 8);
        /* Relaxed: ordered by the caller's fences around the slot word. */
        shmgen__store(&d[i], v, memory_order_relaxed);
    }
    if (rest) {
        uint64_t v = 0;
        __builtin_memcpy(&v, s + 8u * full, rest);
        shmgen__store(&d[full], v, memory_order_relaxed);
    }
}

/* The reading twin of shmgen__store_words: relaxed 8-byte atomic loads. */
static inline void shmgen__load_words(void *dst, const unsigned char *src, uint32_t size)
{
    const shmgen__atomic_u64 *s = (const shmgen__atomic_u64 *)(const void *)src;
    unsigned char *d = (unsigned char *)dst;
    uint32_t full = size / 8u, rest = size % 8u, i;
    for (i = 0; i < full; i++) {
        /* Relaxed: the seqlock re-check after an acquire fence validates them. */
        uint64_t v = shmgen__load((shmgen__atomic_u64 *)&s[i], memory_order_relaxed);
        __builtin_memcpy(d + 8u * i, &v, 8);
    }
    if (rest) {
        uint64_t v = shmgen__load((shmgen__atomic_u64 *)&s[full], memory_order_relaxed);
        __builtin_memcpy(d + 8u * full, &v, rest);
    }
}

typedef struct shmgen__waitq {
    shmgen__atomic_u32 waiters; /* threads (any process) between registering and leaving a wait */
    shmgen__atomic_u32 event;   /* futex word: bumped by a notifier that saw waiters */
} shmgen__waitq_t;

/* Registers this process for asymmetric fences once; cheap after the first
 * call.  Called by every bind of a kind that notifies. */
void shmgen__wait_process_init(void);

/* Process-local: true when this process registered for membarrier, so that a
 * compiler barrier is enough on the notifier side. */
extern bool shmgen__wait_asymmetric;

/* A full barrier on every CPU running a thread of a registered process
 * (membarrier), or a local seq_cst fence when this process is not registered
 * (then nobody relies on it: see shmgen__wait_asymmetric). */
void shmgen__heavy_fence(void);

/* The notifier's slow half: bumps the event and wakes every sleeper. */
void shmgen__waitq_wake(shmgen__waitq_t *w);

/* Call after publishing the state change a waiter may be sleeping on. */
static inline void shmgen__waitq_notify(shmgen__waitq_t *w)
{
    /* StoreLoad between the caller's publishing store and the waiters load
     * (see the file comment): a compiler barrier when waiters issue
     * membarrier, else a full fence. */
    if (shmgen__wait_asymmetric) atomic_signal_fence(memory_order_seq_cst);
    else shmgen__fence(memory_order_seq_cst);
    /* Relaxed: the fence above orders it; a stale 0 is excluded by the handshake. */
    if (shmgen__load(&w->waiters, memory_order_relaxed) != 0) shmgen__waitq_wake(w);
}

/* Returns true when the condition the waiter waits for holds. */
typedef bool (*shmgen__wait_ready_fn)(void *ctx);

/* Blocks until ready(ctx) is true (returns 0) or timeout_ms passes
 * (SHMGEN_TIMEOUT; timeout_ms < 0 waits forever).  No lost wake-ups as long
 * as every state change that can make ready() true is followed by
 * shmgen__waitq_notify on the same waitq. */
int shmgen__waitq_wait(shmgen__waitq_t *w, shmgen__wait_ready_fn ready, void *ctx, int timeout_ms);

/* Spin-then-yield backoff for retry loops: call with an increasing counter. */
void shmgen__backoff(unsigned *spins);

/* Journaling of one operation on the thread's own journal line (j may be
 * NULL: no journal available, the operation runs unjournaled). */
static inline void shmgen__jop_begin(shmgen__journal_t *j, uint32_t table_index, uint32_t opcode)
{
    if (!j) return;
    /* Relaxed: the claiming CAS that follows has release semantics and
     * publishes it.  A stale item from the previous operation may show until
     * the first claim: survivors then wait a little longer, never repair wrongly. */
    shmgen__store(&j->op, SHMGEN__JOP(table_index, opcode), memory_order_relaxed);
}

/* Records the items [first, first+count) the thread is about to claim; call
 * before every claiming CAS (which must have release semantics), so that a
 * survivor that sees the claim also sees which items it covers. */
static inline void shmgen__jop_claiming(shmgen__journal_t *j, uint64_t first, uint64_t count)
{
    if (!j) return;
    /* Relaxed: published by the release CAS that follows. */
    shmgen__store(&j->b, count, memory_order_relaxed);
    shmgen__store(&j->a, first + 1, memory_order_relaxed);
}

static inline void shmgen__jop_end(shmgen__journal_t *j)
{
    if (!j) return;
    /* Release: the operation's effects are visible before the journal reads idle. */
    shmgen__store(&j->op, 0, memory_order_release);
}

/* Whether some live process may be inside operation `opcode` on structure
 * `table_index` holding item `item` (its journal's claimed range [a-1, a-1+b)
 * holds item; a == 0 means it has not tried to claim anything yet).  Scans every journal and asks the
 * registry about owners: for slow recovery paths only. */
bool shmgen__journal_live_covers(shmgen_segment_t *seg, uint32_t table_index, uint32_t opcode, uint64_t item);

/* Monotonic clock in nanoseconds. */
uint64_t shmgen__now_ns(void);

#endif /* SHMGEN_WAIT_H */
