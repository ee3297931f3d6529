/* cmd_generate.c — placeholder until `shmgen generate` lands. */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "shmgen generate: not built yet\n");
    return SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_generate = {"generate", "(not built yet)", "shmgen generate", "", run};
