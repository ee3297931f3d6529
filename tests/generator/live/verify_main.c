/*
 * SPDX-License-Identifier: MIT
 *
 * verify_main.c — the generated verifier of one corpus schema as a program,
 * built once per pair of verify_corpus/ with shmgen_generate() from its
 * b.yaml and -DSEG_HEADER="<segment>.h" -DSEG_VERIFY=<segment>_verify
 * -DSEG_VERIFY_STRICT=<segment>_verify_strict.
 * Usage: verify_corpus_<pair> SHM_NAME [--strict]; the report goes to stdout;
 * exit 0 match, 1 mismatch, 2 error (the exit codes of `shmgen verify`).
 */
#include <stdio.h>
#include <string.h>

#include SEG_HEADER

int main(int argc, char **argv)
{
    int rc;
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--strict") != 0)) {
        fprintf(stderr, "usage: %s SHM_NAME [--strict]\n", argv[0]);
        return 2;
    }
    rc = argc == 3 ? SEG_VERIFY_STRICT(argv[1], stdout) : SEG_VERIFY(argv[1], stdout);
    if (fflush(stdout) != 0) return 2;
    return rc < 0 ? 2 : rc;
}
