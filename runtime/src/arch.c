/*
 * SPDX-License-Identifier: MIT
 *
 * arch.c — the once-per-process CPU probe behind arch.h.  Depends on arch.h.
 */
#include "arch.h"

#include <pthread.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

bool shmgen__has_prefetchw;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

static void probe(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    /* Written once under pthread_once, which orders it before every later reader. */
    shmgen__has_prefetchw = __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8)) != 0;
#endif
}

void shmgen__arch_init(void)
{
    (void)pthread_once(&probe_once, probe);
}
