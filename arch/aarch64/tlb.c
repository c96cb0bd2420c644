/*
 * TLB maintenance over a range of VAs (the single-entry and whole-TLB
 * operations are static inlines in <arch/mmu.h>).
 */
#include "mm/arch.h"

/* arch_tlb_flush_range: drop the TLB entries of [va, end), one TLBI VAE1IS per 1 << shift bytes. */
void arch_tlb_flush_range(vaddr_t va, vaddr_t end, unsigned shift)
{
	vaddr_t step = BIT(shift);

	va = ALIGN_DOWN(va, step);
	if (end <= va)
		return;
	if (((end - va - 1) >> shift) + 1 > ARCH_TLBI_MAX_OPS) {
		arch_tlb_flush_all();
		return;
	}
	__asm__ volatile("dsb ishst" ::: "memory");
	for (; va < end; va += step)
		__asm__ volatile("tlbi vae1is, %0" :: "r"(ARCH_TLBI_VA(va)) : "memory");
	__asm__ volatile("dsb ish\n\tisb" ::: "memory");
}
