/*
 * SPDX-License-Identifier: MIT
 *
 * arch.h — the few CPU-specific helpers the runtime uses: a spin-wait hint and
 * cache-line prefetches (with a real PREFETCHW on x86 when the CPU has it).
 * Depends on shmgen/layout.h (SHMGEN_CACHE_LINE) only.
 */
#ifndef SHMGEN_ARCH_H
#define SHMGEN_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "shmgen/layout.h"

#if defined(__x86_64__) || defined(__i386__)
#define shmgen__cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define shmgen__cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define shmgen__cpu_relax() ((void)0)
#endif

/* Whether this CPU has PREFETCHW (x86: CPUID 0x80000001 ECX bit 8).  The
 * runtime is built for baseline x86-64, where __builtin_prefetch(p, 1, ...)
 * is a read prefetch, and PREFETCHW faults on some old CPUs; so it is issued
 * by hand when the CPU has it.  Set once per process by shmgen__arch_init. */
extern bool shmgen__has_prefetchw;

/* Probes the CPU once per process (thread-safe, cheap after the first call). */
void shmgen__arch_init(void);

static inline void shmgen__prefetch_line(const unsigned char *p, bool for_write)
{
#if defined(__x86_64__) || defined(__i386__)
    if (for_write && shmgen__has_prefetchw) {
        __asm__ volatile("prefetchw %0" : : "m"(*(const unsigned char *)p));
        return;
    }
    __builtin_prefetch(p, 0, 3);
#else
    if (for_write) __builtin_prefetch(p, 1, 3);
    else __builtin_prefetch(p, 0, 3);
#endif
}

/* Requests every cache line of k records of st bytes from p at once (for
 * writing: their ownership).  Stores alone keep only as many line requests in
 * flight as the store buffer holds; a run of lines coming from another core's
 * cache then moves a few lines at a time. */
static inline void shmgen__prefetch_run(const unsigned char *p, uint64_t st, uint64_t k, bool for_write)
{
    const unsigned char *end = p + k * st;
    for (p = (const unsigned char *)((uintptr_t)p & ~(uintptr_t)(SHMGEN_CACHE_LINE - 1)); p < end;
         p += SHMGEN_CACHE_LINE)
        shmgen__prefetch_line(p, for_write);
}

#endif /* SHMGEN_ARCH_H */
