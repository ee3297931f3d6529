/* cmd_verify.c — placeholder until `shmgen verify` lands. */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "shmgen verify: not built yet\n");
    return SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_verify = {"verify", "(not built yet)", "shmgen verify", "", run};
