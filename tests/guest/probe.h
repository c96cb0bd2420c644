/*
 * Probing the MMU from in-guest tests: the address translation instructions
 * and PAR_EL1, the fault status codes they and ESR_EL1 report, and the
 * level at which the kernel's own tables end for an address.
 */
#ifndef TESTS_GUEST_PROBE_H
#define TESTS_GUEST_PROBE_H

#include "arch/aarch64/esr.h"
#include "arch/aarch64/expect.h"
#include "arch/aarch64/mmu_boot.h"
#include "arch/aarch64/sysreg.h"
#include "lib/errno.h"
#include "mm/pgtable.h"

/*
 * PAR_EL1 after AT (Arm ARM DDI0487 K.a, D24.2 "PAR_EL1"):
 *
 *   F = 0:  63..56  55..48  47..12  11    9   8..7  0
 *          | ATTR  | RES0  |  PA   | RES1| NS | SH  | F=0 |
 *   F = 1:  11    9  8    6..1  0
 *          | RES1| S |PTW | FST | F=1 |
 */
#define PAR_F BIT(0)
#define PAR_FST_SHIFT 1
#define PAR_PA GENMASK(47, 12) /* PA[47:12] whatever the granule */
#define PAR_ATTR_SHIFT 56

/* Fault status codes (FST, DFSC, IFSC) without their level bits [1:0]
 * (Arm ARM D24.2, ESR_EL1 ISS encoding for a Data Abort, DFSC). */
#define FSC_TRANSLATION 0x04 /* 0b0001LL */
#define FSC_ACCESS_FLAG 0x08 /* 0b0010LL */
#define FSC_PERMISSION 0x0c  /* 0b0011LL */

/* An address no part of the kernel uses (1 TiB; with 4K pages level-0
 * slot 2, 512 GiB - 1 TiB). */
#define TEST_VA (1ull << 40)

/* opaque: addr as a pointer the compiler knows nothing about (so an access
 * to page 0 is compiled as written, not diagnosed or dropped). */
static inline volatile uint64_t *opaque(uintptr_t addr)
{
	__asm__("" : "+r"(addr));
	return (volatile uint64_t *)addr;
}

/* at_s1e1r / at_s1e1w: PAR_EL1 after a stage-1 EL1 read / write translation of va. */
static inline uint64_t at_s1e1r(const volatile void *va)
{
	__asm__ volatile("at s1e1r, %0" : : "r"(va) : "memory");
	isb();
	return read_sysreg(par_el1);
}

static inline uint64_t at_s1e1w(const volatile void *va)
{
	__asm__ volatile("at s1e1w, %0" : : "r"(va) : "memory");
	isb();
	return read_sysreg(par_el1);
}

/*
 * walk_level: the level of the kernel's table walk for va that ends it: the
 * leaf (block or page) or the first invalid entry. A fault on va must
 * report this level.
 */
static inline int walk_level(vaddr_t va)
{
	const pte_t *table = kernel_pgt.root;

	for (int level = PGT_ROOT_LEVEL; level < PGT_LAST_LEVEL; level++) {
		pte_t e = table[pgt_index(va, level)];

		if (!arch_pte_valid(e) || !arch_pte_is_table(e, level))
			return level;
		table = arch_phys_to_virt(arch_pte_addr(e, level));
	}
	return PGT_LAST_LEVEL;
}

#endif
