/*
 * The kernel's identity map and the switch that turns the MMU on. The map
 * lives in kernel_pgt, which mm/ shares for its VMA window (mm_setup).
 */
#ifndef ARCH_AARCH64_MMU_BOOT_H
#define ARCH_AARCH64_MMU_BOOT_H

#include "lib/types.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

/* The translation tables of the single address space. */
extern struct pgtable kernel_pgt;

/*
 * mmu_init: build the identity map with mm/pgtable (page_alloc must be up):
 *
 *   RAM banks (page 0 excluded)     RW, XN, 2 MiB blocks where aligned
 *   image .text                     R X
 *   image .rodata (+ .rela, GOT)    R, XN
 *   image .data, .bss, stacks       RW, XN
 *   the two stack guard pages       unmapped
 *   `mmio` (one page)               Device-nGnRE, RW, XN
 *
 * then program MAIR_EL1, TCR_EL1, TTBR0_EL1, invalidate the TLB and set
 * SCTLR_EL1.{M, C, I, WXN}. Returns 0, -EINVAL (a bank beyond 48 bits) or
 * -ENOMEM (no pages for tables); *why names the failing step.
 */
int mmu_init(const struct mem_range *banks, size_t nbanks, paddr_t mmio,
	     const char **why);

#endif
