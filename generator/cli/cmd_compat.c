/* cmd_compat.c — placeholder until `shmgen compat` lands. */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "shmgen compat: not built yet\n");
    return SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_compat = {"compat", "(not built yet)", "shmgen compat", "", run};
