/*
 * SPDX-License-Identifier: MIT
 *
 * tool.h — helpers the compat/verify/inspect tests share: run the built
 * `shmgen` binary (SHMGEN_EXE) or another program with captured output,
 * read files, temp dirs, check JSON with python3.
 */
#ifndef SHMGEN_TEST_TOOL_H
#define SHMGEN_TEST_TOOL_H

#include <stddef.h>

/* Runs SHMGEN_EXE with args (NULL-terminated, without argv[0]); stdout and
 * stderr are captured into malloc'ed strings (out or err may be NULL to drop).
 * Returns the exit status, or 1000 + signal number when killed by a signal,
 * or -1 when it could not run.  Sanitizer reports exit with 86 (set here), so
 * they never pass for an ordinary exit code. */
int tool_run(const char *const *args, char **out, char **err);

/* The same for the program exe (a path) instead of SHMGEN_EXE. */
int tool_run_program(const char *exe, const char *const *args, char **out, char **err);

/* Whole file into a NUL-terminated malloc'ed buffer; NULL on error. */
char *tool_read_file(const char *path);

/* A fresh temporary directory (mkdtemp); the caller frees the string. */
char *tool_tmpdir(void);

/* Removes a directory and the plain files in it. */
void tool_rmdir(const char *dir);

/* Parses text with python3's json module after a strict UTF-8 decode (the
 * whole text as one document, or with ndjson one document per line, then a
 * list of them) and evaluates the Python expression expr on it as `d`.
 * Returns 0 when it parses and expr is true, 1 when expr is false, 2 (or
 * another status, printed) when the text is not valid UTF-8 JSON. */
int tool_json_check(const char *text, int ndjson, const char *expr);

/* The golden file at path (malloc'ed; NULL when missing), after writing got
 * there first when SHMGEN_UPDATE_GOLDEN is set (regenerating goldens). */
char *tool_golden(const char *path, const char *got);

/* Replaces every occurrence of `from` in s by `to` (returns a new string). */
char *tool_replace(const char *s, const char *from, const char *to);

#endif
