/*
 * The arch seam: everything portable code (mm/, lib/, bench/) may ask of the
 * hardware. Each architecture provides <arch/mmu.h> and <arch/cpu.h> under
 * arch/<name>/include/; the kernel builds against arch/aarch64, the host unit
 * tests against arch/fake (which deliberately uses a different PTE encoding,
 * so portable code cannot depend on the aarch64 bit layout).
 *
 * <arch/mmu.h> must define (static inline where the fault path uses it):
 *   pte_t                                   one translation-table entry
 *   pte_t    arch_pte_table(paddr_t table)  a table descriptor (levels
 *                                           below PGT_LAST_LEVEL)
 *   pte_t    arch_pte_leaf(paddr_t pa, unsigned attrs, int level)
 *                                           a page (PGT_LAST_LEVEL) or a
 *                                           block (BLOCK_LEVEL) of pa,
 *                                           aligned to level_size(level);
 *                                           attrs == MM_NONE gives a kept
 *                                           entry (below)
 *   pte_t    arch_pte_mkinvalid(pte_t e)    the valid leaf e made invalid
 *                                           but present (kept), every other
 *                                           bit kept: an unmap's or protect's
 *                                           entry until its TLB flush
 *   pte_t    arch_pte_mkvalid(pte_t e)      such an entry valid again
 *   bool     arch_pte_valid(pte_t)          the walker uses it
 *   bool     arch_pte_present(pte_t)        valid, or kept (Linux's
 *                                           pte_present)
 *   bool     arch_pte_is_table(pte_t, int level)
 *   paddr_t  arch_pte_addr(pte_t, int level) output address / next table
 *                                           (of a present entry)
 *   paddr_t  arch_pte_table_addr(pte_t)     next table of a table entry
 *   unsigned arch_pte_attrs(pte_t, int level) MM_* attributes of a present
 *                                           leaf (MM_NONE if kept; MM_CONT
 *                                           with the others when the entry
 *                                           has the contiguous hint)
 *   void     arch_pte_set(pte_t *slot, pte_t v)  store, no barrier: one
 *                                           entry of a batch
 *   void     arch_pte_publish(void)         the walker sees every entry
 *                                           stored so far (one DSB ISHST
 *                                           after a batch)
 *   void     arch_pte_write(pte_t *slot, pte_t v)   store, then make it
 *                                           visible to the table walker
 *   void     arch_pte_write_table(pte_t *slot, pte_t v)  the same for a
 *                                           table just zeroed or filled:
 *                                           its contents are ordered first
 *   void     arch_pte_sync(void)            later instructions see every
 *                                           entry written so far (ISB)
 *   void     arch_tlb_flush_page(vaddr_t va)  after a table entry covering
 *                                           va is removed: drops the leaf
 *                                           and the cached walks, all CPUs
 *   void     arch_tlb_flush_leaf(vaddr_t va)  after a leaf for va changed:
 *                                           drops the leaf only, all CPUs
 *   void     arch_tlb_flush_leaf_local(vaddr_t va)  the same on this CPU
 *                                           only (a spurious or Access
 *                                           flag fault's own stale entry)
 *   void     arch_tlb_flush_leaves(vaddr_t va, vaddr_t end, unsigned shift,
 *                                  bool walks)
 *                                           flush_leaf (flush_page when
 *                                           walks) for each leaf of
 *                                           1 << shift bytes in [va, end)
 *                                           (pgt_flush_range chooses between it
 *                                           and a flush of everything)
 *   void     arch_tlb_flush_all(void)
 *   void     arch_sync_exec(paddr_t pa, size_t len)  data written at pa is
 *                                           about to be executed: D-cache
 *                                           cleaned to PoU, I-cache
 *                                           invalidated
 * Only mm/pgtable.c (and its header) calls the arch_tlb_* operations.
 *   void    *arch_phys_to_virt(paddr_t)     (identity on aarch64)
 *   paddr_t  arch_virt_to_phys(const void *)
 *
 * An all-zero pte_t is an invalid entry in every encoding.
 *
 * A kept entry (Linux's PTE_PROT_NONE) is how PROT_NONE keeps a page: an
 * INVALID descriptor, so the MMU faults on every access and the TLB never
 * caches it, that still holds its output address and a software marker in
 * bits the walker ignores. It is never a table. Making a valid entry kept
 * is a break (TLB flush after it); making a kept entry valid again is not.
 *
 * <arch/page.h> must define, as plain #defines (assembly includes it), the
 * one source of the page-table geometry that mm/geometry.h derives:
 *   ARCH_PAGE_SHIFT                         log2 of the translation granule
 *   ARCH_VA_BITS                            bits of VA the tables translate
 *
 * <arch/cpu.h> must define:
 *   uint64_t arch_counter(void)             the benchmark counter, serialised
 *   uint64_t arch_read_cntvct(void)         the generic timer count, serialised
 *   void     arch_zero_page(void *page)     zero one page, fast
 *   void     arch_zero_pages(void *page, size_t n)  zero n consecutive
 *                                           pages (a folio), fast
 *   void     arch_inval_before_write(void *p, size_t len)  before the first
 *                                           write to boot memory with the
 *                                           MMU off (cache maintenance)
 *   void     arch_cpu_init_zva(void)        set up arch_zero_page (boot, once
 *                                           the MMU and caches are on)
 */
#ifndef MM_ARCH_H
#define MM_ARCH_H

#include "lib/types.h"
#include "mm/geometry.h"

/* Portable mapping attributes, translated to descriptor bits by the arch. */
#define MM_READ BIT(0)   /* readable */
#define MM_WRITE BIT(1)  /* writable (never together with MM_EXEC) */
#define MM_EXEC BIT(2)   /* executable at EL1 */
#define MM_DEVICE BIT(3) /* Device-nGnRE memory, never executable */
#define MM_NONE BIT(4)   /* kept, no access at all (PROT_NONE); only alone */
#define MM_CONT BIT(5)   /* a page of a contiguous range (the Contiguous bit,
			    geometry.h CONT_PTES): never with MM_NONE, and
			    only on a last-level entry whose whole range
			    holds one aligned run with the same attributes */

#include <arch/cpu.h>
#include <arch/mmu.h>

#endif
