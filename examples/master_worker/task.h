/*
 * SPDX-License-Identifier: MIT
 *
 * task.h — what a master_worker task computes, shared by the master (which
 * checks results) and the workers (which compute them).  Depends on the
 * generated workpool.h.
 */
#ifndef WORKPOOL_TASK_H
#define WORKPOOL_TASK_H

#include "workpool.h"

#define WORKPOOL_WORKERS 4
#define WORKPOOL_TASKS 2000

/* The task with this id (deterministic, so the master can check results). */
workpool_task_t workpool_make_task(uint32_t id);

/* The value of task t: arg^2, arg^3 or fib(arg). */
uint64_t workpool_compute(const workpool_task_t *t);

#endif /* WORKPOOL_TASK_H */
