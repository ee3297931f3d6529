/*
 * SPDX-License-Identifier: MIT
 *
 * segment_priv.h — the segment format's structs and what segment.c, table.c and
 * registry.c share.  Kinds never include this: they see the segment through
 * internal.h only.  The byte layout below is documented in docs/segment-format.md;
 * changing it means bumping SHMGEN_FORMAT_VERSION.
 * Depends on internal.h (atomics, journals, kind ops).
 */
#ifndef SHMGEN_SEGMENT_PRIV_H
#define SHMGEN_SEGMENT_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "internal.h"
#include "layout_priv.h"

#define SHMGEN__MAGIC 0x31474d5347484d53ull /* "SHMGSMG1" little-endian */
#define SHMGEN__STATE_INIT 0x494e4954u       /* "INIT": header written, structures not yet */
#define SHMGEN__STATE_READY 0x52454459u      /* "REDY": fully initialised, never changes again */
#define SHMGEN__FLAG_PERSISTENT 1u

/* Byte offsets of the OFD file locks (each one byte long, in the shm object). */
#define SHMGEN__LOCK_GATE 0    /* attachers: read lock while registering; closer: write lock */
#define SHMGEN__LOCK_INIT 1    /* the creator holds a write lock until READY */
#define SHMGEN__LOCK_RECOVER 2 /* serialises shmgen_segment_recover across processes */

#define SHMGEN__NO_SLOT UINT32_MAX
#define SHMGEN__SHM_NAME_MAX 255 /* NAME_MAX of /dev/shm, including the leading '/' */

/* The fixed header at offset 0 (SHMGEN_HEADER_BYTES). */
typedef struct shmgen__header {
    uint64_t magic;           /*   0 */
    uint32_t format_version;  /*   8 */
    uint32_t header_size;     /*  12 */
    shmgen__atomic_u32 state; /*  16: 0 (blank), INIT, READY; futex word */
    uint32_t flags;           /*  20 */
    uint64_t total_size;      /*  24 */
    uint64_t layout_hash;     /*  32 */
    uint32_t schema_version;  /*  40 */
    int32_t creator_pid;      /*  44 */
    char segment[64];         /*  48 */
    uint64_t registry_offset; /* 112 */
    uint64_t registry_size;   /* 120 */
    uint64_t journal_offset;  /* 128 */
    uint64_t journal_size;    /* 136 */
    uint64_t table_offset;    /* 144 */
    uint64_t table_size;      /* 152 */
    uint64_t index_offset;    /* 160 */
    uint64_t index_size;      /* 168 */
    uint64_t overhead;        /* 176 */
    uint32_t registry_slots;  /* 184 */
    uint32_t journal_count;   /* 188 */
    uint32_t index_slots;     /* 192 */
    uint32_t nstructs;        /* 196 */
    unsigned char reserved[SHMGEN_HEADER_BYTES - 200];
} shmgen__header_t;

/* One attach registry slot; slot i's live byte is registry_offset + 64 * i and
 * its claim byte the next one (registry.c). */
typedef struct shmgen__registry_slot {
    shmgen__atomic_u32 pid;         /* 0 = clean; else the attacher (stale if its lock is free) */
    uint32_t reserved0;
    shmgen__atomic_u64 attached_ns; /* CLOCK_REALTIME of the attach, for tools */
    unsigned char pad[SHMGEN_REGISTRY_SLOT_BYTES - 16];
} shmgen__registry_slot_t;

/* One structure table entry (SHMGEN_TABLE_ENTRY_BYTES). */
typedef struct shmgen__table_entry {
    char name[64];
    uint32_t kind, elem_size, elem_align, since;
    uint64_t capacity, elem_hash, offset, size;
    uint32_t subscribers, history, policy, deadline_ms; /* topic parameters; 0 for other kinds */
} shmgen__table_entry_t;

_Static_assert(sizeof(shmgen__header_t) == SHMGEN_HEADER_BYTES, "header size");
_Static_assert(offsetof(shmgen__header_t, nstructs) == 196, "header field offsets");
_Static_assert(sizeof(shmgen__registry_slot_t) == SHMGEN_REGISTRY_SLOT_BYTES, "registry slot size");
_Static_assert(sizeof(shmgen__table_entry_t) == SHMGEN_TABLE_ENTRY_BYTES, "table entry size");
_Static_assert(sizeof(shmgen__journal_t) == SHMGEN_JOURNAL_BYTES, "journal size");

struct shmgen_segment {
    uint64_t id;                 /* unique per handle in this process; journal cache key */
    char shm_name[SHMGEN__SHM_NAME_MAX + 1];
    int fd;
    unsigned char *base;
    uint64_t mapped_size;
    bool readonly;
    pid_t opener_pid;            /* fork detection */
    unsigned timeout_ms;         /* the open's timeout: bounds later waits on shared locks */
    uid_t owner_uid;             /* of the shm object, as checked at open */
    gid_t owner_gid;
    mode_t mode;
    uint32_t slot;               /* registry slot, SHMGEN__NO_SLOT when read-only */
    shmgen__header_t hdr;        /* validated private copy; hdr.state is not used */
    shmgen_struct_info_t *infos; /* validated private copy of the table */
    int32_t *resolved;           /* layout index -> table index, -1 = absent */
    size_t nresolved;
    shmgen_segment_t *live_next; /* registry.c's list of open writable handles */
};

/* --- segment.c --- */
/* Returns SHMGEN_SYSTEM after setting the detail "<call>: <strerror(errno)>". */
int shmgen__sys_error(const char *call);

/* --- table.c --- */
/* Writes table and index for a fresh segment (layout already planned). */
int shmgen__table_write(shmgen_segment_t *seg, const shmgen_layout_t *layout, const uint64_t *offsets);
/* Checks header, table, index and every structure against the mapped size and
 * fills seg->hdr / seg->infos.  Never reads outside [base, base + mapped_size). */
int shmgen__validate(shmgen_segment_t *seg);
/* Matches the caller's layout against the validated table; fills seg->resolved. */
int shmgen__match_layout(shmgen_segment_t *seg, const shmgen_layout_t *layout);

/* --- registry.c --- */
/* One non-blocking OFD lock operation on byte `at`: 0, SHMGEN_BUSY, SHMGEN_SYSTEM. */
int shmgen__lock(int fd, short type, off_t at);
/* Takes the lock, polling until the deadline: 0, SHMGEN_TIMEOUT (detail names
 * the lock), SHMGEN_SYSTEM.  Never blocks in the kernel. */
int shmgen__lock_until(int fd, short type, off_t at, const shmgen__deadline_t *deadline);
int shmgen__lock_held(int fd, off_t at, bool *held);
shmgen__registry_slot_t *shmgen__registry_slot(const shmgen_segment_t *seg, uint32_t i);

/* Holds / drops slot i's claim byte, so that no attacher can claim the slot
 * meanwhile (recovery, for the clean slots it decided about).  Hold returns
 * 0, or SHMGEN_BUSY when a claimer has it or the slot got a pid. */
int shmgen__claim_byte_hold(shmgen_segment_t *seg, uint32_t i);
void shmgen__claim_byte_drop(shmgen_segment_t *seg, uint32_t i);

/* Registers the handle in a clean registry slot (under the gate read lock);
 * SHMGEN_EXISTS (internal meaning: object was unlinked, retry) when st_nlink == 0. */
int shmgen__register(shmgen_segment_t *seg, const shmgen__deadline_t *deadline);
/* Releases this handle's journals and slot; unlinks when it was the last one. */
int shmgen__unregister(shmgen_segment_t *seg, const shmgen__deadline_t *deadline);
uint64_t shmgen__next_handle_id(void);

/* --- recover.c --- */
/* shmgen_segment_recover with its own bound on the recovery lock wait. */
int shmgen__recover(shmgen_segment_t *seg, int timeout_ms);

/* --- journal.c --- */
/* Frees every journal this handle owns (at close). */
void shmgen__journal_release_all(shmgen_segment_t *seg);
/* List/unlist an open writable handle (thread-exit journal release needs it). */
void shmgen__live_add(shmgen_segment_t *seg);
void shmgen__live_remove(shmgen_segment_t *seg);

/* Test hook: milliseconds the creator sleeps between INIT and READY. */
extern unsigned shmgen__test_create_delay_ms;

#endif /* SHMGEN_SEGMENT_PRIV_H */
