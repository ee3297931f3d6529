/*
 * SPDX-License-Identifier: MIT
 *
 * cli.h — the shmgen command table.  Each command lives in its own cmd_*.c
 * and exports one shmgen_command_t; main.c only dispatches.
 *
 * Exit codes (the same for every command, docs/cli.md): 0 success, 1 "found a difference" (compat
 * breaking, verify mismatch), 2 any error, including usage errors.
 */
#ifndef SHMGEN_CLI_H
#define SHMGEN_CLI_H

enum { SHMGEN_EXIT_OK = 0, SHMGEN_EXIT_DIFF = 1, SHMGEN_EXIT_ERROR = 2 };

/* One option of a command, as its help and the manual page show it. */
typedef struct shmgen_cli_option {
    const char *name;  /* "--output"; NULL ends a table */
    char short_name;   /* 'o', or 0 */
    const char *arg;   /* the value's placeholder ("DIR"); NULL for a flag */
    const char *help;  /* what it does: lines of at most 55 columns, '\n' between them (the help
                          prints them after a 23-column option column) */
} shmgen_cli_option_t;

/* One exit status of a command; meaning NULL ends a table. */
typedef struct shmgen_cli_exit {
    int code;
    const char *meaning; /* "written", "breaking change found" */
} shmgen_cli_exit_t;

/* A command: everything `shmgen help NAME`, `shmgen --help` and the manual
 * page (`shmgen help --man`, installed as shmgen.1) say about it comes from
 * here, through help.c, so they cannot disagree. */
typedef struct shmgen_command {
    const char *name;
    const char *summary;     /* one line for `shmgen --help` */
    const char *usage;       /* "shmgen check SCHEMA" */
    const char *description; /* paragraphs ("\n\n" between them) of lines of at most 80 columns;
                                a line starting with two spaces is kept as written (a table) */
    const shmgen_cli_option_t *options; /* may be NULL: none */
    const shmgen_cli_exit_t *exits;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} shmgen_command_t;

/* Prints one line, "shmgen NAME: MESSAGE (usage: USAGE; try 'shmgen help
 * NAME')", to stderr and returns SHMGEN_EXIT_ERROR; for usage mistakes. */
int shmgen_cli_usage_error(const shmgen_command_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "shmgen CMD: NAME: MESSAGE[: DETAIL]" to stderr for a runtime error
 * rc on the segment NAME, with the runtime's detail; NAME and the detail
 * (which may quote segment bytes) are shown with control characters and
 * invalid UTF-8 replaced by '?'. */
void shmgen_cli_runtime_error(const shmgen_command_t *cmd, const char *name, int rc);

/* True when argv[i] is -h/--help; then prints the command's help to stdout. */
int shmgen_cli_wants_help(const shmgen_command_t *cmd, int argc, char **argv);

extern const shmgen_command_t shmgen_cmd_check;
extern const shmgen_command_t shmgen_cmd_layout;
extern const shmgen_command_t shmgen_cmd_generate;
extern const shmgen_command_t shmgen_cmd_compat;
extern const shmgen_command_t shmgen_cmd_verify;
extern const shmgen_command_t shmgen_cmd_inspect;
extern const shmgen_command_t shmgen_cmd_list;
extern const shmgen_command_t shmgen_cmd_rm;

#endif
