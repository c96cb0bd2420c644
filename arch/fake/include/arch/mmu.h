/*
 * The host's fake MMU: the <arch/mmu.h> half of the arch seam (mm/arch.h)
 * for unit tests. Its entry encoding deliberately shares nothing with
 * AArch64 beyond "0 is invalid", so portable code that peeks at descriptor
 * bits breaks here, and it records the level of every leaf, so code that
 * uses an entry at the wrong level breaks too:
 *
 *   63  62  61  60..58  57.............48  47..40  39...............0
 *  | V | T | N |  LVL  |      ATTRS       |  zero  |      FRAME       |
 *
 *  V      valid
 *  T      table (levels above PGT_LAST_LEVEL)
 *  N      kept entry (MM_NONE): V = 0, ATTRS = 0, FRAME kept; the fake
 *         walker faults on it like on any invalid entry
 *  LVL    a leaf's level + 1 (0 in a table entry); arch_pte_addr and
 *         arch_pte_attrs assert it matches the level they are given
 *  ATTRS  the MM_* attributes of a leaf (MM_READ << 48 ...), the
 *         contiguous hint (MM_CONT) included
 *  FRAME  a table: its address >> PAGE_SHIFT; a leaf: its output address
 *         >> level_shift(level), the per-level encoding shift (Hafnium's
 *         PTE_LEVEL_SHIFT), so a block read as a page, or a page as a
 *         block, gives a different address
 *
 * Entry writes, TLB flushes and address conversions go out of line to
 * arch/fake/, which checks them and models a TLB (see <arch/fake.h>).
 */
#ifndef ARCH_FAKE_MMU_H
#define ARCH_FAKE_MMU_H

#include <assert.h>

#include "lib/types.h"
#include <arch/atomic.h>
#include "mm/arch.h" /* MM_* (it includes this file back; the guard stops it) */
#include "mm/geometry.h"

typedef uint64_t pte_t;

#define FAKE_PTE_V BIT(63)
#define FAKE_PTE_T BIT(62)
#define FAKE_PTE_N BIT(61)
#define FAKE_PTE_LVL_SHIFT 58
#define FAKE_PTE_LVL GENMASK(60, 58)
#define FAKE_PTE_ATTR_SHIFT 48
#define FAKE_PTE_ATTRS GENMASK(57, 48)
#define FAKE_PTE_FRAME GENMASK(39, 0)

static_assert((((pte_t)MM_READ | MM_WRITE | MM_EXEC | MM_DEVICE | MM_CONT) << FAKE_PTE_ATTR_SHIFT &
	       ~FAKE_PTE_ATTRS) == 0, "the MM_* attributes fit ATTRS");

/* The LVL field of a leaf of `level`. */
static inline pte_t fake_pte_lvl(int level)
{
	assert(level >= PGT_ROOT_LEVEL && level <= PGT_LAST_LEVEL);
	return (pte_t)(level + 1) << FAKE_PTE_LVL_SHIFT;
}

/* arch_pte_table: a table entry for the next-level table at `table`. */
static inline pte_t arch_pte_table(paddr_t table)
{
	assert(IS_ALIGNED(table, PAGE_SIZE));
	return FAKE_PTE_V | FAKE_PTE_T | ((table >> PAGE_SHIFT) & FAKE_PTE_FRAME);
}

/* arch_pte_leaf: a leaf of `level` for pa (aligned to its size) with MM_* attrs. */
static inline pte_t arch_pte_leaf(paddr_t pa, unsigned attrs, int level)
{
	pte_t e = fake_pte_lvl(level) | ((pa >> level_shift(level)) & FAKE_PTE_FRAME);

	assert(IS_ALIGNED(pa, level_size(level)));
	if (attrs & MM_NONE)
		return FAKE_PTE_N | e;
	return FAKE_PTE_V | ((pte_t)attrs << FAKE_PTE_ATTR_SHIFT & FAKE_PTE_ATTRS) | e;
}

/* arch_pte_mkinvalid / arch_pte_mkvalid: as aarch64's (mm/arch.h): V off and N on, and back. */
static inline pte_t arch_pte_mkinvalid(pte_t e)
{
	return (e & ~FAKE_PTE_V) | FAKE_PTE_N;
}

static inline pte_t arch_pte_mkvalid(pte_t e)
{
	return (e & ~FAKE_PTE_N) | FAKE_PTE_V;
}

/* arch_pte_valid: whether the walker uses this entry. */
static inline bool arch_pte_valid(pte_t e)
{
	return e & FAKE_PTE_V;
}

/* arch_pte_present: whether e is a valid entry or a kept one. */
static inline bool arch_pte_present(pte_t e)
{
	return e & (FAKE_PTE_V | FAKE_PTE_N);
}

/* arch_pte_is_table: whether e, found at `level`, points to a next-level table. */
static inline bool arch_pte_is_table(pte_t e, int level)
{
	return level < PGT_LAST_LEVEL &&
	       (e & (FAKE_PTE_V | FAKE_PTE_T)) == (FAKE_PTE_V | FAKE_PTE_T);
}

/* arch_pte_addr: the next-level table (table) or output address (leaf) of e. */
static inline paddr_t arch_pte_addr(pte_t e, int level)
{
	if (arch_pte_is_table(e, level))
		return (e & FAKE_PTE_FRAME) << PAGE_SHIFT;
	assert((e & FAKE_PTE_LVL) == fake_pte_lvl(level) && "leaf used at another level");
	return (e & FAKE_PTE_FRAME) << level_shift(level);
}

/* arch_pte_table_addr: the next-level table of a table entry. */
static inline paddr_t arch_pte_table_addr(pte_t e)
{
	assert(e & FAKE_PTE_T);
	return (e & FAKE_PTE_FRAME) << PAGE_SHIFT;
}

/* arch_pte_attrs: the MM_* attributes of a present leaf of `level`. */
static inline unsigned arch_pte_attrs(pte_t e, int level)
{
	assert((e & FAKE_PTE_LVL) == fake_pte_lvl(level) && "leaf used at another level");
	if (e & FAKE_PTE_N)
		return MM_NONE;
	return (e & FAKE_PTE_ATTRS) >> FAKE_PTE_ATTR_SHIFT;
}

/*
 * arch_pte_read: one load of an entry, an acquire here (on aarch64 the
 * address dependency orders a table's contents after its entry; C11 has
 * no such rule that ThreadSanitizer follows). An interleaving point.
 */
static inline pte_t arch_pte_read(const pte_t *slot)
{
	fake_step();
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

/* ARCH_PTE_BUSY: a fault's claim on a slot (see arch/aarch64): invalid, not kept, not 0. */
#define ARCH_PTE_BUSY BIT(47)

/* Out of line in arch/fake/mmu.c: they check break-before-make and keep the fake TLB. */
bool arch_pte_cmpxchg(pte_t *slot, pte_t *old, pte_t v);
void arch_pte_set(pte_t *slot, pte_t v);
void arch_pte_publish(void);
void arch_pte_write(pte_t *slot, pte_t v);
void arch_pte_write_table(pte_t *slot, pte_t v);
void arch_pte_sync(void);
void arch_tlb_flush_page(vaddr_t va);
void arch_tlb_flush_leaf(vaddr_t va);
void arch_tlb_flush_leaf_local(vaddr_t va);
void arch_tlb_flush_leaves(vaddr_t va, vaddr_t end, unsigned shift, bool walks);
void arch_tlb_flush_all(void);
void arch_sync_exec(paddr_t pa, size_t len);

/* Out of line in arch/fake/ram.c: fake physical addresses index the arena. */
void *arch_phys_to_virt(paddr_t pa);
paddr_t arch_virt_to_phys(const void *va);

#endif
