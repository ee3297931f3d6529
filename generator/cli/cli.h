/*
 * cli.h — the shmgen command table.  Each command lives in its own cmd_*.c
 * and exports one shmgen_command_t; main.c only dispatches.
 *
 * Exit codes (the same for every command): 0 success, 1 "found a difference" (compat
 * breaking, verify mismatch), 2 any error, including usage errors.
 */
#ifndef SHMGEN_CLI_H
#define SHMGEN_CLI_H

enum { SHMGEN_EXIT_OK = 0, SHMGEN_EXIT_DIFF = 1, SHMGEN_EXIT_ERROR = 2 };

typedef struct shmgen_command {
    const char *name;
    const char *summary; /* one line for `shmgen --help` */
    const char *usage;   /* "shmgen check SCHEMA" */
    const char *help;    /* the body of `shmgen help NAME` */
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
