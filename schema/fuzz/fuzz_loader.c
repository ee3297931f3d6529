/*
 * SPDX-License-Identifier: MIT
 *
 * fuzz_loader.c — libFuzzer target `shmgen_fuzz_loader`: feeds arbitrary
 * bytes to the YAML loader and the layout-JSON reader.  Whatever loads must
 * also print, write its layout JSON and read it back with the same hashes;
 * anything else must come back as diagnostics.  Crashes, leaks, UB and a
 * broken round trip (abort) are findings.  Built with SHMGEN_FUZZ=ON (clang).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmgen_schema/layout_json.h"

static void round_trip(const shmgen_schema_t *s)
{
    char *json = NULL;
    size_t len = 0;
    shmgen_diags_t d = {0};
    FILE *m = open_memstream(&json, &len);
    if (!m) return;
    if (shmgen_layout_json_write(s, m) != 0 || shmgen_layout_text_write(s, m) != 0) abort();
    fclose(m);
    /* the JSON part ends at the first "}\n" at column 0 */
    char *end = strstr(json, "\n}\n");
    if (!end) abort();
    shmgen_schema_t *back = shmgen_schema_load_layout_json_buffer("fuzz.json", json, (size_t)(end - json) + 3, &d);
    if (!back || back->layout_hash != s->layout_hash || back->plan.total_size != s->plan.total_size) abort();
    shmgen_schema_free(back);
    shmgen_diags_free(&d);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    shmgen_diags_t d = {0};
    shmgen_schema_t *s = shmgen_schema_load_buffer("fuzz.yaml", (const char *)data, size, &d);
    if ((s != NULL) != (d.errors == 0)) abort();
    if (s) round_trip(s);
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    if (sink) shmgen_diags_print(&d, sink); /* exercises the sorting and formatting */
    shmgen_schema_free(s);
    shmgen_diags_free(&d);

    s = shmgen_schema_load_layout_json_buffer("fuzz.json", (const char *)data, size, &d);
    if ((s != NULL) != (d.errors == 0)) abort();
    shmgen_schema_free(s);
    shmgen_diags_free(&d);
    return 0;
}
