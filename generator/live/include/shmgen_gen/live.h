/*
 * shmgen_gen/live.h — tools that look at live segments: verify, inspect, list.
 *
 * Everything here attaches with shmgen_segment_open_readonly(): it never
 * writes to a segment, never registers, never changes the attach count, and a
 * hostile or corrupted segment yields an error code, never a crash.
 * Depends on the runtime (segment.h and the kind headers) and the schema model.
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

/* ---- inspect ---- */

typedef struct shmgen_inspect_struct {
    shmgen_struct_info_t info;
    int bind_error;      /* 0, or the error binding the kind (then no fill level) */
    bool has_fill;       /* queue/stack/ring size, pool allocated */
    uint64_t fill;
    bool has_dropped;    /* rings */
    uint64_t dropped;
    bool has_value;      /* atomics: the current value, raw bits (bool: 0/1) */
    uint64_t value;
} shmgen_inspect_struct_t;

typedef struct shmgen_inspect_proc {
    pid_t pid;
    bool alive;
} shmgen_inspect_proc_t;

typedef struct shmgen_inspect {
    char name[256];          /* as given */
    shmgen_segment_meta_t meta;
    shmgen_inspect_struct_t *structs;
    size_t nstructs;
    shmgen_inspect_proc_t *procs;
    size_t nprocs, procs_cap;
    unsigned attach_count;
} shmgen_inspect_t;

/* Attaches to NAME read-only, copies everything `inspect` shows, detaches.
 * Returns 0 or a negative shmgen_error_t; free *out with shmgen_inspect_free
 * in both cases (zero it first). */
int shmgen_inspect_take(const char *name, shmgen_inspect_t *out);

void shmgen_inspect_free(shmgen_inspect_t *snap);

void shmgen_inspect_print_text(const shmgen_inspect_t *snap, FILE *out);
void shmgen_inspect_print_json(const shmgen_inspect_t *snap, FILE *out);

/* ---- list ---- */

typedef struct shmgen_list_entry {
    char name[256];          /* the object's name under the directory, with a leading '/' */
    int error;               /* 0, or why it could not be read (it does carry the magic) */
    shmgen_segment_meta_t meta;
    unsigned attach_count;
    pid_t *pids;             /* live attached processes */
    size_t npids;
} shmgen_list_entry_t;

/* Scans /dev/shm (where shm_open puts objects) for shmgen segments: regular
 * files that open read-only and carry the magic; everything else (other
 * programs' objects, unreadable files, FIFOs) is skipped silently.  On
 * success *entries (sorted by name) and *count are set; free with
 * shmgen_list_free.  Returns 0 or a negative shmgen_error_t (the directory
 * cannot be read, out of memory). */
int shmgen_list_scan(shmgen_list_entry_t **entries, size_t *count);

void shmgen_list_free(shmgen_list_entry_t *entries, size_t count);

void shmgen_list_print_text(const shmgen_list_entry_t *entries, size_t count, FILE *out);
void shmgen_list_print_json(const shmgen_list_entry_t *entries, size_t count, FILE *out);

#endif
