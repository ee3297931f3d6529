/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen_gen/live.h — tools that look at live segments: verify, inspect,
 * list, and rm (which removes one, after looking at it read-only).
 *
 * Everything here attaches with shmgen_segment_open_readonly() (or its
 * descriptor form): it never writes to a segment, never registers, never
 * changes the attach count (rm unlinks the name, nothing more), does bounded
 * work per structure, and a hostile or corrupted segment yields an error
 * code, never a crash.  Text read from a segment is untrusted bytes: the
 * printers escape it.  Depends on the runtime (segment.h and the kind
 * headers) and the schema model.
 */
#ifndef SHMGEN_GEN_LIVE_H
#define SHMGEN_GEN_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "shmgen/compare.h"
#include "shmgen/segment.h"
#include "shmgen/topic.h"
#include "shmgen_schema/model.h"

/* ---- verify ---- */

typedef struct shmgen_verify_item {
    shmgen_finding_kind_t kind;
    bool mismatch;   /* true: the schema's processes cannot use this; false: a note (compatible) */
    char *structure; /* NULL for segment-level items; control bytes shown as '?' */
    char *message;
} shmgen_verify_item_t;

typedef struct shmgen_verify_report {
    shmgen_verify_item_t *items;
    size_t count, cap;
    size_t mismatches, notes;
    shmgen_segment_meta_t meta; /* of the live segment */
} shmgen_verify_report_t;

/* Attaches to NAME read-only and compares it with `schema` through the
 * runtime's shmgen_segment_compare (the rule of shmgen/compare.h, the same the
 * generated <seg>_verify() applies), with the layout descriptor generated code
 * would pass (shmgen_schema_runtime_layout); flags: 0 or SHMGEN_COMPARE_STRICT.
 * Fills *report (zero it first; free with shmgen_verify_report_free even on
 * failure).  Returns 0 or a negative shmgen_error_t (no such segment,
 * corrupt, out of memory).  Thread-safe on distinct reports. */
int shmgen_verify_segment(const shmgen_schema_t *schema, const char *name, unsigned flags,
                          shmgen_verify_report_t *report);

void shmgen_verify_report_free(shmgen_verify_report_t *report);

/* "mismatch: structure 'S': ..." / "note: ..." lines, then a verdict line. */
void shmgen_verify_print(const shmgen_verify_report_t *report, const char *schema_path, const char *name, FILE *out);

/* The same as one JSON document (format "shmgen-verify/1", docs/inspect.md):
 * result, exit code, counts and the findings with their kinds. */
void shmgen_verify_print_json(const shmgen_verify_report_t *report, const char *schema_path, const char *name,
                              unsigned flags, FILE *out);

/* The document for a verification that could not run: result "error", the
 * error's name (error 0: "SCHEMA", the schema did not load) and the detail,
 * and the diagnostics when diags is not NULL. */
void shmgen_verify_print_json_error(int error, const char *detail, const shmgen_diags_t *diags,
                                    const char *schema_path, const char *name, unsigned flags, FILE *out);

/* ---- inspect ---- */

/* Read-only tools do bounded work per structure whatever its declared
 * capacity (a topic has at most SHMGEN_TOPIC_MAX_SUBSCRIBERS records, the
 * table's check refuses more): a pool is counted exactly while it spans at most
 * SHMGEN_INSPECT_POOL_BYTES (or has at most SHMGEN_INSPECT_MIN_SAMPLES
 * slots), else estimated from SHMGEN_INSPECT_MIN_SAMPLES evenly spaced slots
 * (shmgen_pool_count_sampled).  So a sparse segment declaring a huge pool
 * costs at most 4 MiB (1,024 pages) of page touches. */
#define SHMGEN_INSPECT_POOL_BYTES (4u << 20)
#define SHMGEN_INSPECT_MIN_SAMPLES 1024u

/* A process in a role of a structure (a ring's producer or consumer). */
typedef struct shmgen_inspect_role {
    const char *role;   /* "producer", "consumer" (static) */
    pid_t pid;
    bool attached;      /* the pid is among the segment's live attached processes */
    char process[17];   /* /proc/PID/comm ("" when unreadable); any bytes: escape before printing */
} shmgen_inspect_role_t;

/* One subscriber record of a topic that is in use. */
typedef struct shmgen_inspect_sub {
    uint32_t record;              /* its index among the topic's records */
    shmgen_topic_sub_info_t info; /* name: segment bytes, NUL-terminated; escape before printing */
    char process[17];             /* /proc/PID/comm of a live holder; "" when unknown */
} shmgen_inspect_sub_t;

/* A topic's counters and its subscribers in use (its policy, history and
 * deadline are in the table entry, shmgen_struct_info_t). */
typedef struct shmgen_inspect_topic {
    uint32_t max_subscribers;     /* records (the schema's `subscribers`, at most 1024) */
    uint64_t published, evictions;
    shmgen_inspect_sub_t *subs;   /* malloc'ed: the records in use, in record order */
    size_t nsubs;
} shmgen_inspect_topic_t;

typedef struct shmgen_inspect_struct {
    shmgen_struct_info_t info;
    int bind_error;      /* 0, or the error binding the kind (then no fill level) */
    bool has_fill;       /* queue/stack/ring size, pool allocated */
    bool fill_exact;     /* false: a pool's count estimated from samples */
    uint64_t fill;
    bool has_dropped;    /* rings */
    uint64_t dropped;
    bool has_value;      /* atomics: the current value, raw bits (bool: 0/1) */
    uint64_t value;
    shmgen_inspect_role_t *roles; /* malloc'ed; nroles of them */
    size_t nroles;
    bool has_version;    /* latest values: the update counter */
    uint64_t version;
    bool has_topic;      /* topics */
    shmgen_inspect_topic_t topic;
} shmgen_inspect_struct_t;

typedef struct shmgen_inspect_proc {
    pid_t pid;
    bool alive;
    char process[17];    /* /proc/PID/comm, "" when unreadable */
} shmgen_inspect_proc_t;

typedef struct shmgen_inspect {
    char name[256];          /* as given */
    shmgen_segment_meta_t meta; /* includes the object's owner uid/gid and mode */
    shmgen_inspect_struct_t *structs;
    size_t nstructs;
    shmgen_inspect_proc_t *procs;
    size_t nprocs, procs_cap;
    unsigned attach_count;
} shmgen_inspect_t;

/* Attaches to NAME read-only, copies everything `inspect` shows, detaches.
 * Bounded work per structure (see SHMGEN_INSPECT_POOL_BYTES).  Returns 0 or a
 * negative shmgen_error_t; free *out with shmgen_inspect_free in both cases
 * (zero it first). */
int shmgen_inspect_take(const char *name, shmgen_inspect_t *out);

void shmgen_inspect_free(shmgen_inspect_t *snap);

/* The text form (names from the segment printed with control characters
 * and invalid UTF-8 replaced by '?'). */
void shmgen_inspect_print_text(const shmgen_inspect_t *snap, FILE *out);
/* The JSON form (format "shmgen-inspect/1", docs/inspect.md); one_line:
 * the whole object on one line (NDJSON, for --watch). */
void shmgen_inspect_print_json(const shmgen_inspect_t *snap, bool one_line, FILE *out);

/* The short name of process pid (/proc/PID/comm, at most 16 bytes, the
 * newline removed) into buf[17]; "" when unreadable.  Returns buf. */
const char *shmgen_proc_name(pid_t pid, char buf[17]);

/* ---- list ---- */

typedef struct shmgen_list_entry {
    char name[256];          /* the object's name under the directory, with a leading '/' */
    int error;               /* 0, or why it could not be read (it does carry the magic) */
    shmgen_segment_meta_t meta; /* owner uid/gid and mode also when error != 0 */
    unsigned attach_count;
    pid_t *pids;             /* live attached processes */
    size_t npids;
} shmgen_list_entry_t;

/* Scans /dev/shm (where shm_open puts objects) for shmgen segments.  Each
 * entry is opened once, O_RDONLY | O_NONBLOCK | O_NOFOLLOW (a FIFO cannot
 * block it), and judged on that descriptor only (shmgen_segment_open_readonly_fd):
 * regular files of at least a header that carry the magic.  Everything else
 * (other programs' objects, unreadable files, FIFOs, links) is skipped
 * silently.  With stale_only, only segments without a live attached process.
 * On success *entries (sorted by name) and *count are set; free with
 * shmgen_list_free.  Returns 0 or a negative shmgen_error_t (the directory
 * cannot be read, out of memory). */
int shmgen_list_scan(bool stale_only, shmgen_list_entry_t **entries, size_t *count);

void shmgen_list_free(shmgen_list_entry_t *entries, size_t count);

void shmgen_list_print_text(const shmgen_list_entry_t *entries, size_t count, FILE *out);
/* {"format": "shmgen-list/1", "segments": [...]} (docs/inspect.md). */
void shmgen_list_print_json(const shmgen_list_entry_t *entries, size_t count, FILE *out);

/* ---- rm ---- */

#define SHMGEN_RM_FORCE 1u /* remove a segment with live attachers, or an object that is no segment */

/* What shmgen_rm found (filled also when it refuses). */
typedef struct shmgen_rm_result {
    bool is_segment;       /* carries the magic and validates */
    int open_error;        /* why it is not (0 when it is) */
    unsigned attach_count; /* live attachers (segments only) */
} shmgen_rm_result_t;

/* Removes the shared-memory object NAME if it is a shmgen segment without
 * live attachers (attached read-only: never mapped writable, never
 * registered), or whatever it is with SHMGEN_RM_FORCE.  Returns 0 removed,
 * SHMGEN_BUSY (live attachers), SHMGEN_BAD_MAGIC (not a segment: the
 * object's own error in res->open_error), SHMGEN_NOT_FOUND, or another
 * negative shmgen_error_t (the unlink failed: shmgen_segment_last_detail()). */
int shmgen_rm(const char *name, unsigned flags, shmgen_rm_result_t *res);

#endif
