/*
 * The arch seam: everything portable code (mm/, lib/, bench/) may ask of the
 * hardware. Each architecture provides <arch/mmu.h> and <arch/cpu.h> under
 * arch/<name>/include/; the kernel builds against arch/aarch64, the host unit
 * tests against arch/fake (which deliberately uses a different PTE encoding,
 * so portable code cannot depend on the aarch64 bit layout).
 *
 * <arch/mmu.h> must define (static inline where the fault path uses it):
 *   pte_t                                   one translation-table entry
 *   ARCH_PTES_PER_TABLE                     entries in one 4 KiB table (512)
 *   pte_t    arch_pte_table(paddr_t table)  a table descriptor (levels 0-2)
 *   pte_t    arch_pte_leaf(paddr_t pa, unsigned attrs, int level)
 *                                           a page (level 3) or block (1, 2)
 *   bool     arch_pte_valid(pte_t)
 *   bool     arch_pte_is_table(pte_t, int level)
 *   paddr_t  arch_pte_addr(pte_t, int level) output address / next table
 *   unsigned arch_pte_attrs(pte_t, int level) MM_* attributes of a leaf
 *   void     arch_pte_write(pte_t *slot, pte_t v)   store, then make it
 *                                           visible to the table walker
 *   void     arch_tlb_flush_page(vaddr_t va)  after a live entry is removed
 *   void     arch_tlb_flush_all(void)
 *   void    *arch_phys_to_virt(paddr_t)     (identity on aarch64)
 *   paddr_t  arch_virt_to_phys(const void *)
 *
 * <arch/cpu.h> must define:
 *   uint64_t arch_counter(void)             the benchmark counter, serialised
 *   void     arch_zero_page(void *page)     zero one 4 KiB page, fast
 */
#ifndef MM_ARCH_H
#define MM_ARCH_H

#include "lib/types.h"

/* Portable mapping attributes, translated to descriptor bits by the arch. */
#define MM_READ BIT(0)   /* readable */
#define MM_WRITE BIT(1)  /* writable (never together with MM_EXEC) */
#define MM_EXEC BIT(2)   /* executable at EL1 */
#define MM_DEVICE BIT(3) /* Device-nGnRE memory, never executable */

#include <arch/cpu.h>
#include <arch/mmu.h>

#endif
