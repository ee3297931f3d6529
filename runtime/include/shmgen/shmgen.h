/*
 * SPDX-License-Identifier: MIT
 *
 * shmgen/shmgen.h — the runtime's entry header: include this one.
 *
 * errors.h (codes and messages), layout.h (format constants, pure layout
 * computation), segment.h (create/attach/find), compare.h (a live segment
 * against a layout: the verifiers' one rule), then one header per kind:
 * array.h, atomic.h, queue.h, stack.h, ring.h, pool.h, topic.h, latest.h;
 * and ffi.h (struct sizes for bindings from other languages).
 */
#ifndef SHMGEN_SHMGEN_H
#define SHMGEN_SHMGEN_H

#include "shmgen/errors.h"
#include "shmgen/layout.h"
#include "shmgen/segment.h"
#include "shmgen/compare.h"

#include "shmgen/array.h"
#include "shmgen/atomic.h"
#include "shmgen/latest.h"
#include "shmgen/pool.h"
#include "shmgen/queue.h"
#include "shmgen/ring.h"
#include "shmgen/stack.h"
#include "shmgen/topic.h"

#include "shmgen/ffi.h"

#endif /* SHMGEN_SHMGEN_H */
