/*
 * The host's fake MMU: the <arch/mmu.h> half of the arch seam (mm/arch.h)
 * for unit tests. Its entry encoding deliberately shares nothing with
 * AArch64 beyond "0 is invalid", so portable code that peeks at descriptor
 * bits breaks here:
 *
 *   63  62  61  60  59  58  57  56.......40  39..............0
 *  | V | T | D | X | W | R | N |    zero    |       PFN        |
 *
 *  V valid; T table (levels 0-2); R/W/X/D the MM_* attributes of a leaf
 *  (MM_READ << 58 ...); PFN the table's or output page's frame number.
 *  N marks a kept entry (MM_NONE): V = 0 and R/W/X/D = 0, PFN kept; the
 *  fake walker faults on it like on any invalid entry.
 *
 * Entry writes, TLB flushes and address conversions go out of line to
 * arch/fake/, which checks them and models a TLB (see <arch/fake.h>).
 */
#ifndef ARCH_FAKE_MMU_H
#define ARCH_FAKE_MMU_H

#include "lib/types.h"
#include "mm/arch.h" /* MM_* (it includes this file back; the guard stops it) */

typedef uint64_t pte_t;

#define ARCH_PTES_PER_TABLE 512

#define FAKE_PTE_V BIT(63)
#define FAKE_PTE_T BIT(62)
#define FAKE_PTE_ATTR_SHIFT 58
#define FAKE_PTE_ATTRS GENMASK(61, 58)
#define FAKE_PTE_N BIT(57)
#define FAKE_PTE_PFN GENMASK(39, 0)

#define ARCH_LEVEL_SHIFT(level) (PAGE_SHIFT + 9 * (3 - (level)))
#define ARCH_TLBI_MAX_OPS 64

static inline pte_t arch_pte_table(paddr_t table)
{
	return FAKE_PTE_V | FAKE_PTE_T | ((table >> PAGE_SHIFT) & FAKE_PTE_PFN);
}

static inline pte_t arch_pte_leaf(paddr_t pa, unsigned attrs, int level)
{
	pte_t pfn = (pa >> PAGE_SHIFT) & FAKE_PTE_PFN;

	if (attrs & MM_NONE)
		return FAKE_PTE_N | pfn;
	return FAKE_PTE_V | ((pte_t)(attrs & 0xf) << FAKE_PTE_ATTR_SHIFT) | pfn;
}

static inline bool arch_pte_valid(pte_t e)
{
	return e & FAKE_PTE_V;
}

static inline bool arch_pte_present(pte_t e)
{
	return e & (FAKE_PTE_V | FAKE_PTE_N);
}

static inline bool arch_pte_is_table(pte_t e, int level)
{
	return level < 3 && (e & (FAKE_PTE_V | FAKE_PTE_T)) == (FAKE_PTE_V | FAKE_PTE_T);
}

static inline paddr_t arch_pte_addr(pte_t e, int level)
{
	return (e & FAKE_PTE_PFN) << PAGE_SHIFT;
}

static inline paddr_t arch_pte_table_addr(pte_t e)
{
	return (e & FAKE_PTE_PFN) << PAGE_SHIFT;
}

static inline unsigned arch_pte_attrs(pte_t e, int level)
{
	if (e & FAKE_PTE_N)
		return MM_NONE;
	return (e & FAKE_PTE_ATTRS) >> FAKE_PTE_ATTR_SHIFT;
}

/* Out of line in arch/fake/mmu.c: they check break-before-make and keep the fake TLB. */
void arch_pte_write(pte_t *slot, pte_t v);
void arch_pte_write_table(pte_t *slot, pte_t v);
void arch_pte_sync(void);
void arch_tlb_flush_page(vaddr_t va);
void arch_tlb_flush_range(vaddr_t va, vaddr_t end, unsigned shift);
void arch_tlb_flush_all(void);

/* Out of line in arch/fake/ram.c: fake physical addresses index the arena. */
void *arch_phys_to_virt(paddr_t pa);
paddr_t arch_virt_to_phys(const void *va);

#endif
