/*
 * SPDX-License-Identifier: MIT
 *
 * suggest.c — "did you mean": the closest of a few candidate words, for the
 * schema loader's diagnostics and the command line's mistyped commands and
 * options (see shmgen_schema/diag.h).  Depends on libc only.
 */
#include <string.h>

#include "shmgen_schema/diag.h"

/* Words longer than this get no suggestion (schema names are at most 63 bytes). */
#define MAX_WORD 63

size_t shmgen__edit_distance(const char *a, const char *b, size_t cap)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t rows[3][MAX_WORD + 2];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > MAX_WORD || lb > MAX_WORD) return cap + 1;
    if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t best;
        cur[0] = best = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1], v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
            if (v < best) best = v;
        }
        if (best > cap) return cap + 1;
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > cap ? cap + 1 : prev[lb];
}

const char *shmgen__closest(const char *word, const char *const *cands, size_t n)
{
    size_t len = strlen(word), cap = len <= 3 ? 1 : (len <= 6 ? 2 : 3), best_d = cap + 1;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t dist = shmgen__edit_distance(word, cands[i], cap);
        /* Distance equal to the length would "suggest" an unrelated short word. */
        if (dist < best_d && dist < len && dist < strlen(cands[i])) {
            best_d = dist;
            best = cands[i];
        }
    }
    return best;
}
