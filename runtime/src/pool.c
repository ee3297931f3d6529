/* pool.c — placeholder until the pool kind lands (owned by the kinds work). */
#include "internal.h"

static void pool_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    (void)base; (void)info; (void)initial;
}

static int pool_check(const void *base, const shmgen_struct_info_t *info)
{
    (void)base; (void)info;
    return 0;
}

const shmgen__kind_ops_t shmgen__pool_ops = {pool_init, pool_check, NULL};
