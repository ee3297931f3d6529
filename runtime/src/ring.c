/* ring.c — placeholder until the ring kind lands (owned by the kinds work). */
#include "internal.h"

static void ring_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    (void)base; (void)info; (void)initial;
}

static int ring_check(const void *base, const shmgen_struct_info_t *info)
{
    (void)base; (void)info;
    return 0;
}

const shmgen__kind_ops_t shmgen__ring_ops = {ring_init, ring_check, NULL};
