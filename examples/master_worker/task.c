/*
 * SPDX-License-Identifier: MIT
 *
 * task.c — the tasks of master_worker (see task.h).
 */
#include "task.h"

workpool_task_t workpool_make_task(uint32_t id)
{
    workpool_task_t t = {.id = id, .op = id % 3u};
    t.arg = t.op == WORKPOOL_TASK_OP_FIB ? 20u + id % 70u : 1000u + id;
    return t;
}

uint64_t workpool_compute(const workpool_task_t *t)
{
    switch (t->op) {
    case WORKPOOL_TASK_OP_SQUARE:
        return t->arg * t->arg;
    case WORKPOOL_TASK_OP_CUBE:
        return t->arg * t->arg * t->arg;
    default: {
        uint64_t a = 0, b = 1;
        for (uint64_t i = 0; i < t->arg; i++) {
            uint64_t next = a + b;
            a = b;
            b = next;
        }
        return a;
    }
    }
}
