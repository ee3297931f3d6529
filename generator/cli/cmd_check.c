/* cmd_check.c — placeholder until `shmgen check` lands. */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "shmgen check: not built yet\n");
    return SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_check = {"check", "(not built yet)", "shmgen check", "", run};
