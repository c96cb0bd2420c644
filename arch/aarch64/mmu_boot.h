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

/* mmu_granule_name: the build's granule as the boot report says it: "4k",
 * "16k" or "64k". */
const char *mmu_granule_name(void);

/*
 * mmu_granule_supported: whether ID_AA64MMFR0_EL1 value `mmfr0` offers the
 * build's granule for stage 1 (TGran4, TGran16 or TGran64). If not, *why is
 * "CPU has no <n> KiB translation granule (ID_AA64MMFR0_EL1.TGran<n>=<v>)".
 */
bool mmu_granule_supported(uint64_t mmfr0, const char **why);

/*
 * mmu_init: build the identity map with mm/pgtable (page_alloc must be up):
 *
 *   RAM banks (page 0 excluded)     RW, XN, level-2 blocks where aligned
 *                                   (4K: 2 MiB, 16K: 32 MiB, 64K: 512 MiB)
 *   image .text                     R X
 *   image .rodata (+ .rela, GOT)    R, XN
 *   image .data, .bss, stacks       RW, XN
 *   the two stack guard pages       unmapped
 *   `mmio` (one page)               Device-nGnRE, RW, XN
 *
 * then program MAIR_EL1, TCR_EL1, TTBR0_EL1, invalidate to the PoC what was
 * written with the MMU off (see mmu_boot_inval), the TLB and the
 * instruction cache, and set SCTLR_EL1.{M, C, I, WXN}. Returns 0, -ENOTSUP (the CPU lacks the
 * build's granule: mmu_granule_supported), -EINVAL (a bank beyond 48 bits)
 * or -ENOMEM (no pages for tables); *why names the failing step.
 */
/* mmu_set_nomap: ranges (RAM, from the tree's /reserved-memory "no-map")
 * that mmu_init leaves out of the map, whole pages around them included.
 * The array must outlive mmu_init; call before it. */
void mmu_set_nomap(const struct mem_range *ranges, size_t n);

int mmu_init(const struct mem_range *banks, size_t nbanks, paddr_t mmio,
	     const char **why);

/*
 * mmu_init's two halves, as xv6's kvminit and kvminithart: building the
 * kernel's tables (once, on the boot CPU; the same returns and *why), and
 * turning this CPU's MMU on with them (MAIR, TCR, TTBR0, the cache and TLB
 * maintenance, SCTLR; each CPU, secondaries once SMP comes).
 */
int mmu_build_tables(const struct mem_range *banks, size_t nbanks, paddr_t mmio,
		     const char **why);
void mmu_enable_this_cpu(void);

/*
 * mmu_map_device: identity-map the MMIO range [base, base + size), widened
 * to whole pages, as Device-nGnRE (RW, XN) in the kernel's tables, once the
 * MMU is on (a driver found after boot: the GIC). Pages already mapped are
 * refused by pgt_map. 0, -EINVAL (an empty or wrapping range) or
 * pgt_map's error.
 */
int mmu_map_device(paddr_t base, uint64_t size);

/* mmu_unmap_device: undo mmu_map_device(base, size) (the tables it added
 * freed, the TLB flushed). 0 or pgt_unmap's error. */
int mmu_unmap_device(paddr_t base, uint64_t size);

/* What mmu_init invalidated from the data caches before the MMU went on. */
struct mmu_inval {
	struct mem_range range[16]; /* in order, adjacent ranges merged */
	size_t nrange;
	bool overflow;              /* more ranges than fit in range[] */
	size_t table_pages;         /* table pages found walking kernel_pgt */
	size_t pgt_pages;           /* kernel_pgt.table_pages then */
	size_t lines;               /* cache lines operated on */
};

/* mmu_boot_inval: the record of mmu_init's cache invalidation (tests). */
const struct mmu_inval *mmu_boot_inval(void);

/* mmu_boot_inval_before: the record of arch_inval_before_write, the
 * invalidations before the first writes with the MMU off (tests). */
const struct mmu_inval *mmu_boot_inval_before(void);

#endif
