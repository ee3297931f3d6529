/*
 * args.h — the one command-line parser every shmgen command uses, so that
 * they all behave alike: `--opt VALUE`, `--opt=VALUE`, `-o VALUE`, `-oVALUE`,
 * `--` ends the options, a repeated option or an unknown one is an error
 * (with "did you mean"), and every mistake is one line on stderr and exit 2
 * before anything is read or written.  Depends on cli.h and shmgen_diag's
 * suggestions.
 */
#ifndef SHMGEN_CLI_ARGS_H
#define SHMGEN_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* One option of a command.  The parser fills `given` and `value`. */
typedef struct shmgen_cli_opt {
    const char *name;  /* "--output" */
    char short_name;   /* 'o', or 0 */
    bool takes_value;
    bool given;        /* out */
    const char *value; /* out: the value (options that take one) */
} shmgen_cli_opt_t;

/* An entry of a command's option table: SHMGEN_OPT("--output", 'o', true). */
#define SHMGEN_OPT(name, short_name, takes_value) {(name), (short_name), (takes_value), false, NULL}

/* What a command accepts: its options (nopts of them) and between min_pos
 * and max_pos positional arguments, named by pos_names in messages
 * ("SCHEMA", "NAME"...; max_pos of them). */
typedef struct shmgen_cli_spec {
    shmgen_cli_opt_t *opts;
    size_t nopts;
    const char *const *pos_names;
    size_t min_pos, max_pos;
} shmgen_cli_spec_t;

/* Parses argv[1..argc) (argv[0] is the command name) by spec, putting the
 * positional arguments into pos[0..*npos).  Returns 0, or prints one line
 * "shmgen CMD: MESSAGE (usage: ...)" and returns SHMGEN_EXIT_ERROR. */
int shmgen_cli_parse(const shmgen_command_t *cmd, const shmgen_cli_spec_t *spec, int argc, char **argv,
                     const char **pos, size_t *npos);

/* Output formats of the commands that have several. */
typedef enum shmgen_cli_format { SHMGEN_FMT_TEXT, SHMGEN_FMT_JSON, SHMGEN_FMT_GITHUB } shmgen_cli_format_t;

/* The format chosen by `--json` (json_opt, may be NULL) and `--format F`
 * (format_opt), where F is one of text, json, github (github only when
 * allow_github).  Both given is an error (one line, SHMGEN_EXIT_ERROR);
 * neither: text.  Returns 0 or SHMGEN_EXIT_ERROR. */
int shmgen_cli_format(const shmgen_command_t *cmd, const shmgen_cli_opt_t *json_opt,
                      const shmgen_cli_opt_t *format_opt, bool allow_github, shmgen_cli_format_t *out);

#endif
