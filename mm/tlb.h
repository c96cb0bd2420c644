/*
 * TLB maintenance over a range of VAs: the policy, the same for every arch
 * (Linux arm64's __flush_tlb_range() makes the same trade with
 * MAX_DVM_OPS). The arch seam (mm/arch.h) supplies the operations.
 */
#ifndef MM_TLB_H
#define MM_TLB_H

#include "mm/arch.h"

/*
 * Beyond this many single-VA invalidations a range flush drops the whole
 * TLB: one table's worth of entries, as Linux's MAX_DVM_OPS (PTRS_PER_PTE:
 * 512, 2048 or 8192 with the 4K, 16K or 64K granule).
 */
#define TLB_FLUSH_MAX_OPS PGT_PTES

/*
 * tlb_flush_range: drop every TLB entry of [va, end) whose leaves are
 * 1 << shift bytes: one invalidation per leaf (arch_tlb_flush_leaves; with
 * `walks`, the cached walks too: tables were freed), or
 * arch_tlb_flush_all() when that would take more than TLB_FLUSH_MAX_OPS.
 * An empty range does nothing.
 */
void tlb_flush_range(vaddr_t va, vaddr_t end, unsigned shift, bool walks);

#endif
