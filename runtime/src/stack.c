/* stack.c — placeholder until the stack kind lands (owned by the kinds work). */
#include "internal.h"

static void stack_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    (void)base; (void)info; (void)initial;
}

static int stack_check(const void *base, const shmgen_struct_info_t *info)
{
    (void)base; (void)info;
    return 0;
}

const shmgen__kind_ops_t shmgen__stack_ops = {stack_init, stack_check, NULL};
