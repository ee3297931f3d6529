/*
 * SPDX-License-Identifier: MIT
 *
 * help.h — everything shmgen says about its command line, rendered from the
 * command table (cli.h): `shmgen --help`, `shmgen help NAME` and the manual
 * page shmgen.1 (`shmgen help --man`, which the build renders and installs),
 * so the three cannot drift apart.  Depends on cli.h.
 */
#ifndef SHMGEN_CLI_HELP_H
#define SHMGEN_CLI_HELP_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* The commands in the order `shmgen --help` lists them. */
extern const shmgen_command_t *const shmgen_cli_commands[];
extern const size_t shmgen_cli_ncommands;

/* `shmgen --help`: usage, the commands with their summaries, the exit codes. */
void shmgen_cli_print_overview(FILE *out);

/* `shmgen help NAME`: usage, description, options, exit codes of one command. */
void shmgen_cli_print_help(const shmgen_command_t *cmd, FILE *out);

/* The manual page (roff, man(7) macros) of every command: reproducible bytes
 * (no date), ASCII escapes only. */
void shmgen_cli_print_man(FILE *out);

#endif
