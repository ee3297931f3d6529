/*
 * SPDX-License-Identifier: MIT
 *
 * main.c — `shmgen`: dispatches to the command table in cli.h; a mistyped
 * command gets "did you mean".  Knows nothing about any command beyond its
 * table entry.  Depends on cli.h and shmgen_diag's suggestions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help.h"
#include "shmgen/layout.h"
#include "shmgen/segment.h"
#include "shmgen_gen/json_out.h"
#include "shmgen_schema/diag.h"

static const shmgen_command_t *find_command(const char *name)
{
    for (size_t i = 0; i < shmgen_cli_ncommands; i++)
        if (strcmp(shmgen_cli_commands[i]->name, name) == 0) return shmgen_cli_commands[i];
    return NULL;
}

int shmgen_cli_usage_error(const shmgen_command_t *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "shmgen %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (usage: %s; try 'shmgen help %s')\n", cmd->usage, cmd->name);
    return SHMGEN_EXIT_ERROR;
}

void shmgen_cli_runtime_error(const shmgen_command_t *cmd, const char *name, int rc)
{
    char shown_name[256], detail[1024];
    shmgen__out_printable(shmgen_segment_last_detail(), detail, sizeof detail);
    fprintf(stderr, "shmgen %s: %s: %s%s%s\n", cmd->name, shmgen__out_printable(name, shown_name, sizeof shown_name),
            shmgen_strerror(rc), detail[0] ? ": " : "", detail);
}

/* "unknown command 'chek'; did you mean 'check'?" on one line; exit 2. */
static int unknown_command(const char *prefix, const char *name)
{
    const char *names[16], *best;
    size_t n = 0;
    for (; n < shmgen_cli_ncommands && n < 16; n++) names[n] = shmgen_cli_commands[n]->name;
    best = shmgen__closest(name, names, n);
    if (best)
        fprintf(stderr, "%s: unknown command '%s'; did you mean '%s'? (try 'shmgen --help')\n", prefix, name, best);
    else fprintf(stderr, "%s: unknown command '%s' (try 'shmgen --help')\n", prefix, name);
    return SHMGEN_EXIT_ERROR;
}

int shmgen_cli_wants_help(const shmgen_command_t *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            shmgen_cli_print_help(cmd, stdout);
            return 1;
        }
    }
    return 0;
}

/* `shmgen help [COMMAND | --man]`. */
static int help(int argc, char **argv)
{
    const shmgen_command_t *cmd;
    if (argc == 2) {
        shmgen_cli_print_overview(stdout);
        return SHMGEN_EXIT_OK;
    }
    if (argc > 3) {
        fprintf(stderr, "shmgen help: unexpected argument '%s' (usage: shmgen help [COMMAND | --man])\n", argv[3]);
        return SHMGEN_EXIT_ERROR;
    }
    if (strcmp(argv[2], "--man") == 0) {
        shmgen_cli_print_man(stdout);
        return fflush(stdout) == 0 ? SHMGEN_EXIT_OK : SHMGEN_EXIT_ERROR;
    }
    if (!(cmd = find_command(argv[2]))) return unknown_command("shmgen help", argv[2]);
    shmgen_cli_print_help(cmd, stdout);
    return SHMGEN_EXIT_OK;
}

int main(int argc, char **argv)
{
    const shmgen_command_t *cmd;

    if (argc < 2) {
        fprintf(stderr, "shmgen: missing COMMAND (try 'shmgen --help')\n");
        return SHMGEN_EXIT_ERROR;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("shmgen %s (format %u, runtime ABI %d)\n", SHMGEN_VERSION_STRING, SHMGEN_FORMAT_VERSION,
               SHMGEN_RUNTIME_ABI_VERSION);
        return SHMGEN_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        shmgen_cli_print_overview(stdout);
        return SHMGEN_EXIT_OK;
    }
    if (strcmp(argv[1], "help") == 0) return help(argc, argv);
    if (!(cmd = find_command(argv[1]))) return unknown_command("shmgen", argv[1]);
    if (shmgen_cli_wants_help(cmd, argc - 1, argv + 1)) return SHMGEN_EXIT_OK;
    return cmd->run(argc - 1, argv + 1);
}
