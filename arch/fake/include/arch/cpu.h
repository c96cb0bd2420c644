/*
 * The host's fake CPU services (the <arch/cpu.h> half of mm/arch.h).
 */
#ifndef ARCH_FAKE_CPU_H
#define ARCH_FAKE_CPU_H

#include "lib/types.h"

/* arch_counter: a monotonic host clock in nanoseconds. */
uint64_t arch_counter(void);

/* arch_read_cntvct: the same clock. */
uint64_t arch_read_cntvct(void);

/* arch_zero_page: memset of a page of the fake RAM arena (checked: aligned, inside). */
void arch_zero_page(void *page);

/* arch_zero_pages: arch_zero_page of n consecutive pages (a run of 1 MiB or more: its host pages dropped). */
void arch_zero_pages(void *page, size_t n);

/* arch_inval_before_write: the host has no MMU-off phase: nothing to do. */
static inline void arch_inval_before_write(void *p, size_t len)
{
	(void)p;
	(void)len;
}

/* arch_cpu_init_zva: nothing to set up on the host. */
static inline void arch_cpu_init_zva(void)
{
}

#endif
