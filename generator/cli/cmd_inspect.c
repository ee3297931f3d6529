/* cmd_inspect.c — placeholder until `shmgen inspect` lands. */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "shmgen inspect: not built yet\n");
    return SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_inspect = {"inspect", "(not built yet)", "shmgen inspect", "", run};
