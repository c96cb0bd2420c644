/*
 * TLB maintenance over a range of VAs: the policy, the same for every arch
 * (Linux arm64's __flush_tlb_range() makes the same trade with
 * MAX_DVM_OPS). The arch seam (mm/arch.h) supplies the operations.
 */
#ifndef MM_TLB_H
#define MM_TLB_H

#include "mm/arch.h"

/* Beyond this many single-VA invalidations a range flush drops the whole TLB. */
#define TLB_FLUSH_MAX_OPS 64

/*
 * tlb_flush_range: drop every TLB entry of [va, end) whose leaves are
 * 1 << shift bytes: one invalidation per leaf (arch_tlb_flush_leaves), or
 * arch_tlb_flush_all() when that would take more than TLB_FLUSH_MAX_OPS.
 * An empty range does nothing.
 */
void tlb_flush_range(vaddr_t va, vaddr_t end, unsigned shift);

#endif
