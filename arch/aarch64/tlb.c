/*
 * TLB maintenance over a range of VAs (the single-entry and whole-TLB
 * operations are static inlines in <arch/mmu.h>; the policy that chooses
 * between them is mm/pgtable.c, pgt_flush_range).
 */
#include "mm/arch.h"

void arch_tlb_flush_leaves(vaddr_t va, vaddr_t end, unsigned shift, bool walks)
{
	vaddr_t step = BIT(shift);

	__asm__ volatile("dsb ishst" ::: "memory");
	va = ALIGN_DOWN(va, step);
	if (walks)
		for (; va < end; va += step)
			__asm__ volatile("tlbi vae1is, %0" :: "r"(ARCH_TLBI_VA(va)) : "memory");
	else
		for (; va < end; va += step)
			__asm__ volatile("tlbi vale1is, %0" :: "r"(ARCH_TLBI_VA(va)) : "memory");
	__asm__ volatile("dsb ish\n\tisb" ::: "memory");
}
