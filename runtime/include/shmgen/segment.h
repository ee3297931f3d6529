/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/segment.h — creating, attaching to and finding things in a segment.
 *
 * A shmgen_segment_t is a process-local handle on one mapping of a POSIX
 * shared-memory object.  Attaching registers the process in the segment's
 * attach registry (a slot guarded by a kernel file lock, so a SIGKILLed
 * process is seen as gone); the last process to close a non-persistent
 * segment unlinks it.  A handle may be shared by the threads of a process;
 * opening and closing it is not thread-safe with respect to its own use.
 * A handle belongs to the process that opened it: after fork() the child
 * must open its own (the runtime refuses to detach or journal through an
 * inherited handle, see shmgen_segment_close).  The byte format is in
 * docs/segment-format.md.  Depends on errors.h and layout.h.
 */
#ifndef SHMGEN_SEGMENT_H
#define SHMGEN_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmgen/errors.h"
#include "shmgen/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shmgen_segment shmgen_segment_t;

/* Bits of shmgen_open_options_t.trust: whom else an attach may trust. */
#define SHMGEN_TRUST_UID 1u /* a segment owned by trusted_uid */
#define SHMGEN_TRUST_GID 2u /* a segment whose group is trusted_gid */
#define SHMGEN_TRUST_ANY 4u /* any owner and any permission bits (tests, tools) */

/* Zero-initialise, then set what you need. */
typedef struct shmgen_open_options {
    unsigned mode;         /* permission bits at creation, and the most an attach accepts;
                              0: the schema's `mode` (layout->mode), else 0600 */
    bool persistent;       /* at creation: survive the last detach */
    unsigned timeout_ms;   /* bound on every wait of open/create (creator still initialising,
                              shared locks held by others) and of later recoveries and the
                              close of this handle; 0 means 2000 */
    unsigned trust;        /* SHMGEN_TRUST_* bits; 0: only segments owned by our effective uid */
    uid_t trusted_uid;
    gid_t trusted_gid;
} shmgen_open_options_t;

/* One structure as the segment's table describes it (a validated copy). */
typedef struct shmgen_struct_info {
    char name[SHMGEN_NAME_MAX + 1];
    shmgen_kind_t kind;
    uint32_t elem_size;
    uint32_t elem_align;
    uint64_t capacity;
    uint64_t elem_hash;
    uint64_t offset;      /* from the segment start; checked against the mapped size */
    uint64_t size;
    uint32_t since;
    uint32_t table_index; /* position in the segment's table */
    uint32_t subscribers; /* topic only (else 0): as in shmgen_struct_desc_t */
    uint32_t history;
    uint32_t policy;
    uint32_t deadline_ms;
} shmgen_struct_info_t;

/* The descriptor form of info (name pointing into info): what
 * shmgen_struct_footprint_desc and the layout functions take. */
void shmgen_struct_info_desc(const shmgen_struct_info_t *info, shmgen_struct_desc_t *desc);

/* Header fields of an attached segment, for tools and diagnostics. */
typedef struct shmgen_segment_meta {
    char segment[SHMGEN_NAME_MAX + 1]; /* schema's segment name */
    uint32_t format_version;
    uint32_t schema_version;
    uint64_t layout_hash;
    uint64_t total_size;
    uint64_t mapped_size;
    pid_t creator_pid;
    bool persistent;
    uint32_t nstructs;
    uid_t owner_uid;      /* of the shm object, as found when it was opened */
    gid_t owner_gid;
    unsigned mode;        /* its permission bits */
} shmgen_segment_meta_t;

/* Creates NAME ("/x" or "x"; a leading '/' is added) exclusively, sized and
 * backed for `layout` (no SIGBUS on first touch), initialises every structure,
 * then marks it ready.  Fails with SHMGEN_EXISTS if it exists.  On success
 * *out owns one attachment; release it with shmgen_segment_close(). */
SHMGEN_MUST_CHECK int shmgen_segment_create(const char *name, const shmgen_layout_t *layout,
                                            const shmgen_open_options_t *opts, shmgen_segment_t **out);

/* Attaches to an existing NAME, waiting up to opts->timeout_ms while its
 * creator initialises it (SHMGEN_TIMEOUT; SHMGEN_ABANDONED at once when the
 * creator died before READY) or another process holds a lock it needs
 * (SHMGEN_TIMEOUT, the detail names the lock).  Refuses anything but a
 * regular file (SHMGEN_BAD_MAGIC: a FIFO at the name is never opened for
 * reading), and a segment not owned by the caller's effective uid or with
 * permission bits beyond the requested mode (SHMGEN_PERMISSION, the detail
 * names owner and mode; opts->trust may allow another uid or gid).  Then
 * validates header, table, index and every
 * structure against the object's real size (SHMGEN_BAD_MAGIC,
 * SHMGEN_BAD_FORMAT_VERSION, SHMGEN_TRUNCATED, SHMGEN_CORRUPT).  If `layout` is not NULL, every
 * structure it names is checked against the table (kind, element size,
 * alignment, element hash); one absent with since > 1 is tolerated (see
 * shmgen_segment_resolve), any other mismatch fails with
 * SHMGEN_STRUCT_MISMATCH/SHMGEN_STRUCT_MISSING and shmgen_segment_last_detail()
 * names the structure.  Dead attachers' leftovers are recovered here. */
SHMGEN_MUST_CHECK int shmgen_segment_open(const char *name, const shmgen_layout_t *layout,
                                          const shmgen_open_options_t *opts, shmgen_segment_t **out);

/* Opens NAME if it exists, else creates it; *created (may be NULL) tells which.
 * Safe when many processes race to do it: exactly one creates, and an attach
 * racing the last close of the previous object retries (up to the timeout).
 * An existing object gets every check of shmgen_segment_open (a name squatted
 * by another user is refused with SHMGEN_PERMISSION, never attached). */
SHMGEN_MUST_CHECK int shmgen_segment_open_or_create(const char *name, const shmgen_layout_t *layout,
                                                    const shmgen_open_options_t *opts,
                                                    shmgen_segment_t **out, bool *created);

/* Maps NAME read-only for tools: does not register, never writes, never waits
 * (a FIFO at the name is refused, not opened for reading), never changes the
 * attach count.  Validates the header and the whole table against the real
 * object size.  Accepts any owner (shmgen_segment_get_meta shows it). */
SHMGEN_MUST_CHECK int shmgen_segment_open_readonly(const char *name, shmgen_segment_t **out);

/* The same for an object the caller has already opened (fd, with read
 * access; O_NONBLOCK so that a FIFO could not block that open): for tools
 * that scan a directory and must judge exactly the object they opened.  The
 * type and size are taken from fd, never from the name, which only names the
 * segment in details (it must be a valid segment name).  The handle keeps a
 * duplicate of fd; the caller still owns and closes fd. */
SHMGEN_MUST_CHECK int shmgen_segment_open_readonly_fd(int fd, const char *name, shmgen_segment_t **out);

/* Detaches (releases the registry slot and this handle's journals) and unmaps;
 * if this was the last attachment of a non-persistent segment, unlinks it.
 * NULL is a no-op.  The handle is invalid afterwards (also on error).  When
 * another process holds the segment's gate lock past the open's timeout, it
 * still detaches but leaves the segment in place and returns SHMGEN_BUSY.  Called
 * in a fork()ed child on its parent's handle, it only unmaps and frees and
 * returns SHMGEN_INVALID_ARGUMENT (the parent stays attached). */
int shmgen_segment_close(shmgen_segment_t *seg);

/* Removes NAME from the namespace; mappings stay valid until closed. */
SHMGEN_NODISCARD int shmgen_segment_unlink(const char *name);

/* Header fields. */
void shmgen_segment_get_meta(const shmgen_segment_t *seg, shmgen_segment_meta_t *meta);

/* Number of live attached processes (registry slots whose lock is held). */
SHMGEN_NODISCARD int shmgen_segment_attach_count(const shmgen_segment_t *seg, unsigned *count);

/* Calls fn for every registry slot in use, in slot order: live attachers
 * (alive = true) and dead ones not yet recovered (alive = false).  A slot
 * being claimed at that moment is not reported (it holds no pid yet). */
typedef void (*shmgen_process_visit_fn)(pid_t pid, bool alive, void *ctx);
SHMGEN_NODISCARD int shmgen_segment_visit_processes(const shmgen_segment_t *seg,
                                                     shmgen_process_visit_fn fn, void *ctx);

/* Looks a structure up by name through the hash index (never a scan of the
 * whole table); SHMGEN_STRUCT_MISSING if absent, SHMGEN_CORRUPT if the index
 * was damaged after open.  Thread-safe. */
SHMGEN_MUST_CHECK int shmgen_segment_find(const shmgen_segment_t *seg, const char *name,
                                          shmgen_struct_info_t *out);

/* Structure number i of the table; SHMGEN_OUT_OF_BOUNDS if i >= nstructs. */
SHMGEN_MUST_CHECK int shmgen_segment_struct_at(const shmgen_segment_t *seg, uint32_t i,
                                               shmgen_struct_info_t *out);

/* Structure number i of the layout given at open/create, resolved once at open:
 * SHMGEN_STRUCT_MISSING when a `since` structure is absent from an older segment,
 * SHMGEN_OUT_OF_BOUNDS past the layout (or when no layout was given). */
SHMGEN_MUST_CHECK int shmgen_segment_resolve(const shmgen_segment_t *seg, size_t layout_index,
                                             shmgen_struct_info_t *out);

/* Address of a structure's first byte in this process's mapping; NULL when
 * info does not lie inside the mapping. */
void *shmgen_segment_struct_base(const shmgen_segment_t *seg, const shmgen_struct_info_t *info);

/* True when attached with shmgen_segment_open_readonly(). */
bool shmgen_segment_is_readonly(const shmgen_segment_t *seg);

/* Repairs what dead attachers left in every structure (their registry slots,
 * journals, claimed-but-unpublished slots, held pool slots, ring sides).
 * Called by open; safe to call at any time from any attached process
 * (serialised across processes by a lock, waited for up to the open's
 * timeout: SHMGEN_TIMEOUT names it when another process holds it).  "Dead"
 * is decided once per call and every structure is repaired from that one
 * decision.  Returns the number of repairs made (>= 0: kind repairs + freed
 * journals + cleaned registry slots), SHMGEN_READ_ONLY,
 * SHMGEN_INVALID_ARGUMENT from a fork()ed child, or an error. */
SHMGEN_NODISCARD int shmgen_segment_recover(shmgen_segment_t *seg);

/* The owner number of this handle's attachment (its registry slot + 1, 1..
 * SHMGEN_MAX_PROCESSES): what pool slots, journals and `inspect` name this
 * process by.  0 into *owner never happens; SHMGEN_READ_ONLY for a read-only
 * handle.  Reused by later attachers once this handle is closed. */
SHMGEN_NODISCARD int shmgen_segment_owner_id(const shmgen_segment_t *seg, uint32_t *owner);

/* Detail of the last failed open/create in this thread (e.g. the structure
 * name and what differed); "" if none.  Valid until the next call. */
const char *shmgen_segment_last_detail(void);

#ifdef __cplusplus
}
#endif
#endif /* SHMGEN_SEGMENT_H */
