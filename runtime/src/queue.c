/* queue.c — placeholder until the queue kind lands (owned by the kinds work). */
#include "internal.h"

static void queue_init(void *base, const shmgen_struct_info_t *info, uint64_t initial)
{
    (void)base; (void)info; (void)initial;
}

static int queue_check(const void *base, const shmgen_struct_info_t *info)
{
    (void)base; (void)info;
    return 0;
}

const shmgen__kind_ops_t shmgen__queue_ops = {queue_init, queue_check, NULL};
