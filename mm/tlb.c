/*
 * The range-flush policy (see mm/tlb.h), shared by the kernel and the fake
 * MMU of the host tests.
 */
#include "mm/tlb.h"

void tlb_flush_range(vaddr_t va, vaddr_t end, unsigned shift, bool walks)
{
	va = ALIGN_DOWN(va, BIT(shift));
	if (end <= va)
		return;
	if (((end - va - 1) >> shift) + 1 > TLB_FLUSH_MAX_OPS) {
		arch_tlb_flush_all();
		return;
	}
	arch_tlb_flush_leaves(va, end, shift, walks);
}
