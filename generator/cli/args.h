/*
 * SPDX-License-Identifier: MIT
 *
 * args.h — the one command-line parser every shmgen command uses, so that
 * they all behave alike: `--opt VALUE`, `--opt=VALUE`, `-o VALUE`, `-oVALUE`,
 * `--` ends the options, a repeated option or an unknown one is an error
 * (with "did you mean"), and every mistake is one line on stderr and exit 2
 * before anything is read or written.  The options are those of the
 * command's table (cli.h), the one its help and the manual page print.
 * Depends on cli.h and shmgen_diag's suggestions.
 */
#ifndef SHMGEN_CLI_ARGS_H
#define SHMGEN_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* What the parser found for one option of the command's table
 * (cmd->options, the same index). */
typedef struct shmgen_cli_value {
    bool given;
    const char *value; /* the value (options that take one), else NULL */
} shmgen_cli_value_t;

/* What a command accepts: the options of its table (cmd->options; values[i]
 * receives what was found for options[i]) and between min_pos and max_pos
 * positional arguments, named by pos_names in messages ("SCHEMA", "NAME"...;
 * max_pos of them). */
typedef struct shmgen_cli_spec {
    shmgen_cli_value_t *values;
    const char *const *pos_names;
    size_t min_pos, max_pos;
} shmgen_cli_spec_t;

/* Parses argv[1..argc) (argv[0] is the command name) by cmd's option table
 * and spec, putting the positional arguments into pos[0..*npos).  Returns 0,
 * or prints one line "shmgen CMD: MESSAGE (usage: ...)" and returns
 * SHMGEN_EXIT_ERROR. */
int shmgen_cli_parse(const shmgen_command_t *cmd, const shmgen_cli_spec_t *spec, int argc, char **argv,
                     const char **pos, size_t *npos);

/* Output formats of the commands that have several. */
typedef enum shmgen_cli_format { SHMGEN_FMT_TEXT, SHMGEN_FMT_JSON, SHMGEN_FMT_GITHUB } shmgen_cli_format_t;

/* The format chosen by `--json` (json_opt, may be NULL) and `--format F`
 * (format_opt), where F is one of text, json, github (github only when
 * allow_github).  Both given is an error (one line, SHMGEN_EXIT_ERROR);
 * neither: text.  Returns 0 or SHMGEN_EXIT_ERROR. */
int shmgen_cli_format(const shmgen_command_t *cmd, const shmgen_cli_value_t *json_opt,
                      const shmgen_cli_value_t *format_opt, bool allow_github, shmgen_cli_format_t *out);

#endif
