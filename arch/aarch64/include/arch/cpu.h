/*
 * AArch64 CPU services for portable code (the <arch/cpu.h> half of the arch
 * seam in mm/arch.h): the benchmark counters and fast page zeroing. The
 * bulk of the system registers is in arch/aarch64/sysreg.h.
 */
#ifndef ARCH_AARCH64_CPU_H
#define ARCH_AARCH64_CPU_H

#include "lib/types.h"

/*
 * arch_counter: PMCCNTR_EL0, the cycle counter (instructions under QEMU
 * -icount), read between two ISBs so that no earlier instruction is still
 * in flight and no later one has started when it is sampled.
 */
static inline uint64_t arch_counter(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, pmccntr_el0\n\tisb" : "=r"(v) :: "memory");
	return v;
}

/* arch_read_cntvct: CNTVCT_EL0, the generic timer's virtual count, read as arch_counter. */
static inline uint64_t arch_read_cntvct(void)
{
	uint64_t v;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(v) :: "memory");
	return v;
}

/*
 * arch_zero_page: zero the page at `page` (PAGE_SIZE aligned, Normal
 * memory once arch_cpu_init_zva() has run): unrolled DC ZVA, or STP XZR
 * stores where DC ZVA is prohibited or not set up yet. In arch/aarch64/zero.S.
 */
void arch_zero_page(void *page);

/* arch_zero_pages: arch_zero_page of n consecutive pages (a folio), in arch/aarch64/zero.S. */
void arch_zero_pages(void *page, size_t n);

/*
 * arch_cpu_init_zva: read DCZID_EL0 once and let arch_zero_page use DC ZVA.
 * Call it after the MMU and caches are on: DC ZVA to Device memory (all
 * memory while the MMU is off) takes an alignment fault.
 */
void arch_cpu_init_zva(void);

/*
 * arch_inval_before_write: [p, p + len) is about to be written for the first
 * time while the MMU is off: invalidate it to the PoC first, so that no
 * dirty line an earlier boot stage left there is evicted over the writes
 * (the range is invalidated again before the MMU goes on, see mmu.c). Does
 * nothing once the MMU is on (it would discard cached data). In mmu.c.
 */
void arch_inval_before_write(void *p, size_t len);

#endif
