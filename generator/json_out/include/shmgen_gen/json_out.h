/*
 * SPDX-License-Identifier: MIT
 *
 * json_out.h — the few JSON writing helpers compat, verify and inspect share
 * (the shmgen_json_out target, linked by shmgen_compat and shmgen_live).
 * Output only; no parsing.  Depends on libc only.
 */
#ifndef SHMGEN_GEN_JSON_OUT_H
#define SHMGEN_GEN_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string literal (with quotes); NULL writes null.  The
 * output is valid UTF-8 whatever s holds: control bytes are escaped, and a
 * byte that does not belong to a valid UTF-8 sequence (overlong forms and
 * surrogates included) is written as \ufffd. */
void shmgen__out_json_str(FILE *out, const char *s);

/* The length (1..4) of the valid UTF-8 sequence that starts s (at a non-NUL
 * byte), with its code point in *cp (may be NULL); 0 when s starts with a
 * byte that is not one.  Never reads past a NUL. */
size_t shmgen__out_utf8_len(const char *s, uint32_t *cp);

/* Writes "0x%016llx" as a JSON string (hashes do not fit a JSON double). */
void shmgen__out_json_hash(FILE *out, uint64_t h);

/* Escapes s for a GitHub Actions workflow command: data (property == 0) or a
 * property value (property != 0, where ':' and ',' are escaped too). */
void shmgen__out_github(FILE *out, const char *s, int property);

/* Copies s into buf (size n > 0) with every control character (C0, DEL, C1)
 * and every byte that is no valid UTF-8 replaced by '?', so that names read
 * from a hostile segment cannot drive the terminal; a character that does not
 * fit whole is cut.  Returns buf. */
const char *shmgen__out_printable(const char *s, char *buf, size_t n);

#endif
