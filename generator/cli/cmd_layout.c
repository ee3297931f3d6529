/* cmd_layout.c — placeholder until `shmgen layout` lands. */
#include <stdio.h>

#include "cli.h"

static int run(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "shmgen layout: not built yet\n");
    return SHMGEN_EXIT_ERROR;
}

const shmgen_command_t shmgen_cmd_layout = {"layout", "(not built yet)", "shmgen layout", "", run};
