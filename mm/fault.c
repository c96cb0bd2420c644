/*
 * The anonymous-memory fault path, Linux's in miniature:
 *
 *   do_page_fault -> find_vma -> access check against vm_flags
 *     -> handle_mm_fault: walk to the level-3 slot, allocating tables
 *        -> empty slot:  do_anonymous_page (zero page, or a fresh page)
 *        -> valid slot:  do_wp_page (zero page replacement, write upgrade),
 *                        access flag, or a spurious fault (stale TLB)
 *
 * This is the path the benchmarks measure, so it is straight-line code:
 * no indirect calls, one walk, counters as plain increments, and stage
 * stamps behind a single predictable branch. The access bits of the fault
 * flags, of vm_flags and of the MM_* attributes are the same bits, so the
 * permission check and the leaf attributes are masks.
 */
#include "mm/fault.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

struct mm_struct *current_mm;
uint64_t fault_stamp[NR_STAGES];
bool fault_stamps_on;

#define FAULT_ACCESS (FAULT_READ | FAULT_WRITE | FAULT_EXEC)
static_assert(FAULT_READ == VM_READ && FAULT_WRITE == VM_WRITE &&
	      FAULT_EXEC == VM_EXEC, "fault and VMA access bits agree");
static_assert(MM_READ == VM_READ && MM_WRITE == VM_WRITE && MM_EXEC == VM_EXEC,
	      "mapping attributes and VMA access bits agree");

#define STAMP(stage)                                               \
	do {                                                       \
		if (unlikely(fault_stamps_on))                     \
			fault_stamp[stage] = arch_counter();       \
	} while (0)

/* A fresh zeroed page, or 0 (counted as an out-of-memory fault). */
static paddr_t new_zeroed_page(struct mm_struct *mm)
{
	paddr_t pa = page_alloc();

	if (unlikely(!pa)) {
		mm->nr_fault_oom++;
		return 0;
	}
	STAMP(STAGE_ALLOC);
	arch_zero_page(arch_phys_to_virt(pa));
	STAMP(STAGE_ZERO);
	mm->nr_pages++;
	return pa;
}

/*
 * First touch of a page. A read (or instruction fetch) maps the shared zero
 * page without write permission; a write maps a fresh zeroed page with the
 * VMA's access. The slot was invalid, and the TLB never holds invalid
 * entries, so no TLB maintenance is needed.
 */
static int do_anonymous_page(struct mm_struct *mm, struct vm_area_struct *vma,
			     pte_t *ptep, unsigned flags)
{
	paddr_t pa;

	if (!(flags & FAULT_WRITE)) {
		arch_pte_write(ptep, arch_pte_leaf(mm->zero_pa,
						   vma->vm_flags & (VM_READ | VM_EXEC), 3));
		mm->nr_fault_zero++;
		STAMP(STAGE_MAP);
		return 0;
	}
	pa = new_zeroed_page(mm);
	if (unlikely(!pa))
		return -ENOMEM;
	arch_pte_write(ptep, arch_pte_leaf(pa, vma->vm_flags & VM_ACCESS, 3));
	mm->nr_fault_anon++;
	STAMP(STAGE_MAP);
	return 0;
}

/*
 * A fault on a valid entry in a VMA that allows the access:
 *  - a write to the zero page: replace it by a fresh zeroed page. The output
 *    address changes, so break-before-make (Arm ARM DDI0487 K.a D8.16.1):
 *    invalidate, TLBI by VA + DSB, then the new entry;
 *  - a write to a private page left read-only by mprotect: grant the VMA's
 *    access. Relaxing permissions alone would not need a break, but this
 *    path is rare (only after mprotect) and one sequence for every live
 *    entry change is simpler to reason about, so it breaks too;
 *  - an Access flag fault: rewrite the entry, which sets AF;
 *  - anything else the entry already allows: a stale TLB entry, flushed.
 */
static int do_wp_page(struct mm_struct *mm, struct vm_area_struct *vma,
		      vaddr_t addr, pte_t *ptep, pte_t pte, unsigned flags)
{
	paddr_t pa = arch_pte_addr(pte, 3);
	unsigned attrs = arch_pte_attrs(pte, 3);

	if (flags & FAULT_ACCESS_FLAG) {
		arch_pte_write(ptep, arch_pte_leaf(pa, attrs, 3));
		mm->nr_fault_af++;
		return 0;
	}
	if (pa == mm->zero_pa && (flags & FAULT_WRITE)) {
		pa = new_zeroed_page(mm);
		if (unlikely(!pa))
			return -ENOMEM;
		arch_pte_write(ptep, 0);
		arch_tlb_flush_page(addr);
		arch_pte_write(ptep, arch_pte_leaf(pa, vma->vm_flags & VM_ACCESS, 3));
		mm->nr_fault_cow++;
		STAMP(STAGE_MAP);
		return 0;
	}
	if (pa != mm->zero_pa && (flags & FAULT_ACCESS & ~attrs)) {
		arch_pte_write(ptep, 0);
		arch_tlb_flush_page(addr);
		arch_pte_write(ptep, arch_pte_leaf(pa, vma->vm_flags & VM_ACCESS, 3));
		mm->nr_fault_wp++;
		return 0;
	}
	arch_tlb_flush_page(addr);
	mm->nr_fault_spurious++;
	return 0;
}

/* Walk to the level-3 slot (allocating tables) and resolve the fault there. */
static int handle_mm_fault(struct mm_struct *mm, struct vm_area_struct *vma,
			   vaddr_t addr, unsigned flags)
{
	struct pgtable *pgt = mm->pgt;
	size_t tables = pgt->table_pages;
	pte_t *ptep, pte;
	int err;

	ptep = pgt_walk_alloc(pgt, addr, &err);
	mm->nr_ptes += pgt->table_pages - tables;
	if (unlikely(!ptep)) {
		if (err == -ENOMEM) {
			mm->nr_fault_oom++;
			return -ENOMEM;
		}
		return -EFAULT; /* a block in the window: not ours */
	}
	STAMP(STAGE_WALK);
	pte = *ptep;
	if (likely(!arch_pte_valid(pte)))
		return do_anonymous_page(mm, vma, ptep, flags);
	return do_wp_page(mm, vma, addr, ptep, pte, flags);
}

int do_page_fault(struct mm_struct *mm, vaddr_t addr, unsigned flags)
{
	unsigned access = flags & FAULT_ACCESS;
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (unlikely(!vma || addr < vma->vm_start || !access ||
		     (access & ~vma->vm_flags) || (flags & FAULT_OTHER))) {
		mm->nr_fault_segv++;
		return -EFAULT;
	}
	STAMP(STAGE_LOOKUP);
	return handle_mm_fault(mm, vma, addr, flags);
}
