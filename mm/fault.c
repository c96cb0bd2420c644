/*
 * The anonymous-memory fault path, Linux's in miniature:
 *
 *   do_page_fault -> vma_lookup (find_vma) -> access check against vm_flags
 *     -> handle_mm_fault: walk to the level-3 slot, allocating tables; a
 *        missing table or a block takes the walk's slow path, where
 *        thp=always maps a block (huge_fault) and a block mapped already
 *        is handled (block_fault)
 *        -> empty slot:  do_anonymous_page (zero page, or a fresh page)
 *        -> valid slot:  handle_present_pte: zero-page replacement or write
 *                        upgrade (Linux's do_wp_page), access flag, or a
 *                        spurious fault (stale TLB), which Linux handles in
 *                        handle_pte_fault itself
 *
 * This is the path the benchmarks measure, so it is straight-line code:
 * no indirect calls, one inline walk (tables are allocated out of line),
 * counters as plain increments, and stage stamps compiled out of
 * the arch's fast entry (do_page_fault_nostamp). The access bits of the fault
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

#define FAULT_ACCESS (FAULT_READ | FAULT_WRITE | FAULT_EXEC)
static_assert(FAULT_READ == VM_READ && FAULT_WRITE == VM_WRITE &&
	      FAULT_EXEC == VM_EXEC, "fault and VMA access bits agree");
static_assert(!((VM_ACCESS | VM_HEAP) & FAULT_OTHER), "no VMA allows FAULT_OTHER");
static_assert(MM_READ == VM_READ && MM_WRITE == VM_WRITE && MM_EXEC == VM_EXEC,
	      "mapping attributes and VMA access bits agree");

/*
 * One fault's state, passed down the path as Linux passes its vm_fault.
 * Everything below do_page_fault is inlined into it, so this lives in
 * registers; `stamps` is fixed for the whole fault (a constant on the fast
 * entry).
 */
struct vm_fault {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	vaddr_t address;
	unsigned flags;  /* FAULT_* */
	pte_t *pte;      /* the level-3 slot of address */
	bool stamps;     /* fault_stamps_on when the fault began */
	bool marks;      /* this copy of the path carries the stage marks */
};

/* The path is one function per entry point: every step is inlined into it. */
#define PATH static inline __attribute__((always_inline))

/*
 * A stage boundary: its mark in the copy of the path that carries them
 * (do_page_fault_nostamp, the one a trace follows), its stamp when the fault
 * takes stamps. The marks stay out of the stamped copy: an asm statement
 * between two stamp tests keeps the compiler from merging them, which would
 * change that copy's code and its stage figures.
 */
#define STAMP(vmf, stage)                                          \
	do {                                                       \
		if ((vmf)->marks)                                  \
			FAULT_MARK(stage);                         \
		if (unlikely((vmf)->stamps))                       \
			fault_stamp[stage] = arch_counter();       \
	} while (0)

/*
 * The attributes of the page a write fault maps: the VMA's access, which the
 * access check has shown to include write. Saying so in a constant lets the
 * compiler fold the write permission into the descriptor.
 */
PATH unsigned write_access(unsigned long vm_flags)
{
	return (vm_flags & (VM_READ | VM_EXEC)) | VM_WRITE;
}

/* A fresh zeroed page, or 0 (counted as an out-of-memory fault). */
PATH paddr_t new_zeroed_page(struct vm_fault *vmf)
{
	paddr_t pa = page_alloc();

	if (unlikely(!pa)) {
		vmf->mm->nr_fault_oom++;
		return 0;
	}
	STAMP(vmf, STAGE_ALLOC);
	arch_zero_page(arch_phys_to_virt(pa));
	STAMP(vmf, STAGE_ZERO);
	return pa;
}

/* Whether the n last-level entries from first are all empty (Linux's pte_range_none). */
static bool range_none(const pte_t *first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (arch_pte_present(first[i]))
			return false;
	return true;
}

/*
 * A write fault on an empty entry with large folios enabled (Linux 6.12's
 * alloc_anon_folio, then the folio half of do_anonymous_page): the largest
 * enabled order whose naturally aligned range around the address lies in
 * the VMA and has only empty entries (a zero page or a kept page in it rules
 * it out) and for which the allocator has an aligned run; else the next
 * order down; finally the base page, as do_anonymous_page maps it (its
 * allocation failing is the fault's -ENOMEM). The folio is zeroed and
 * mapped whole, with the Contiguous bit over every contiguous range it
 * covers (all of them when it is at least CONT_PTE_SIZE, none when
 * smaller). The entries were empty, so no TLB holds them: no break needed.
 * Out of line and reached by a tail call, so the base-page path pays one
 * test for it. Takes the fault's state by value: a vm_fault whose address
 * escaped could no longer have its constant `stamps` and `marks` folded
 * into the path's copies.
 */
static __attribute__((noinline)) int do_anonymous_folio(struct mm_struct *mm,
							const struct vm_area_struct *vma,
							vaddr_t address, pte_t *pte, bool stamps)
{
	unsigned orders = mm->folio_orders | 1; /* order 0: the base page */

	for (;;) {
		unsigned order = 31 - (unsigned)__builtin_clz(orders);
		size_t n = (size_t)1 << order;
		vaddr_t size = PAGE_SIZE << order, base = ALIGN_DOWN(address, size);
		pte_t *first = pte - (address - base) / PAGE_SIZE;
		unsigned attrs = write_access(vma->vm_flags) | (size >= CONT_PTE_SIZE ? MM_CONT : 0);
		paddr_t pa;

		orders &= ~(1u << order);
		if (order && (base < vma->vm_start || base + size > vma->vm_end ||
			      !range_none(first, n)))
			continue;
		pa = order ? page_alloc_aligned(order) : page_alloc();
		if (!pa && order) {
			mm->nr_folio_fallback++;
			continue;
		}
		if (!pa) {
			mm->nr_fault_oom++;
			return -ENOMEM;
		}
		if (unlikely(stamps))
			fault_stamp[STAGE_ALLOC] = arch_counter();
		arch_zero_pages(arch_phys_to_virt(pa), n);
		if (unlikely(stamps))
			fault_stamp[STAGE_ZERO] = arch_counter();
		for (size_t i = 0; i < n; i++)
			arch_pte_write(&first[i], arch_pte_leaf(pa + i * PAGE_SIZE, attrs,
								PGT_LAST_LEVEL));
		if (order) {
			mm->nr_fault_folio++;
			mm->nr_folio_pages += n;
		} else {
			mm->nr_fault_anon++;
		}
		if (unlikely(stamps))
			fault_stamp[STAGE_MAP] = arch_counter();
		return 0;
	}
}

/*
 * A write or exec upgrade of one page of a contiguous range (after
 * mprotect): the entries of a range change together (Arm ARM D8.6.1), so
 * every one is broken, the range flushed, and every one made with the VMA's
 * access, the Contiguous bit kept (Linux's contpte_ptep_set_access_flags
 * also changes the whole range). Out of line: rare; state by value, as for
 * do_anonymous_folio.
 */
static __attribute__((noinline)) void upgrade_cont(vaddr_t address, pte_t *pte,
						   unsigned access)
{
	vaddr_t base = ALIGN_DOWN(address, CONT_PTE_SIZE);
	pte_t *first = pte - (address - base) / PAGE_SIZE;
	paddr_t pa = arch_pte_addr(*first, PGT_LAST_LEVEL);

	for (size_t i = 0; i < CONT_PTES; i++)
		arch_pte_write(&first[i], 0);
	arch_tlb_flush_leaves(base, base + CONT_PTE_SIZE, PAGE_SHIFT);
	for (size_t i = 0; i < CONT_PTES; i++)
		arch_pte_write(&first[i], arch_pte_leaf(pa + i * PAGE_SIZE, access | MM_CONT,
							PGT_LAST_LEVEL));
}

/*
 * First touch of a page. A read (or instruction fetch) maps the shared zero
 * page without write permission; a write maps a fresh zeroed page with the
 * VMA's access, or a large folio around it when the mm enables them. The
 * slot was invalid, and the TLB never holds invalid entries, so no TLB
 * maintenance is needed.
 */
PATH int do_anonymous_page(struct vm_fault *vmf)
{
	unsigned long vm_flags = vmf->vma->vm_flags;
	paddr_t pa;

	if (!(vmf->flags & FAULT_WRITE)) {
		arch_pte_write(vmf->pte, arch_pte_leaf(vmf->mm->zero_pa,
						       vm_flags & (VM_READ | VM_EXEC), PGT_LAST_LEVEL));
		vmf->mm->nr_fault_zero++;
		STAMP(vmf, STAGE_MAP);
		return 0;
	}
	if (unlikely(vmf->mm->folio_orders)) /* a tail call: nothing after it */
		return do_anonymous_folio(vmf->mm, vmf->vma, vmf->address, vmf->pte,
					  vmf->stamps);
	pa = new_zeroed_page(vmf);
	if (unlikely(!pa))
		return -ENOMEM;
	arch_pte_write(vmf->pte, arch_pte_leaf(pa, write_access(vm_flags), PGT_LAST_LEVEL));
	vmf->mm->nr_fault_anon++;
	STAMP(vmf, STAGE_MAP);
	return 0;
}

/*
 * A fault on a valid entry in a VMA that allows the access (the present-
 * entry half of Linux's handle_pte_fault, do_wp_page included):
 *  - a write to the zero page: replace it by a fresh zeroed page. The output
 *    address changes, so break-before-make (Arm ARM DDI0487 K.a D8.16.1):
 *    invalidate, TLBI by VA + DSB, then the new entry;
 *  - a write to a private page left read-only by mprotect: grant the VMA's
 *    access. Relaxing permissions alone would not need a break, but this
 *    path is rare (only after mprotect) and one sequence for every live
 *    entry change is simpler to reason about, so it breaks too;
 *  - an Access flag fault: rewrite the entry, which sets AF;
 *  - anything else the entry already allows: a stale TLB entry, flushed.
 * The zero-page write is tested first, being the common case; the entry's
 * attributes are decoded only for the others.
 */
PATH int handle_present_pte(struct vm_fault *vmf, pte_t pte)
{
	struct mm_struct *mm = vmf->mm;
	unsigned long access = vmf->vma->vm_flags & VM_ACCESS;
	paddr_t pa = arch_pte_addr(pte, PGT_LAST_LEVEL);
	unsigned attrs;

	if ((vmf->flags & (FAULT_WRITE | FAULT_ACCESS_FLAG)) == FAULT_WRITE &&
	    pa == mm->zero_pa) {
		pa = new_zeroed_page(vmf);
		if (unlikely(!pa))
			return -ENOMEM;
		arch_pte_write(vmf->pte, 0);
		arch_tlb_flush_page(vmf->address);
		arch_pte_write(vmf->pte, arch_pte_leaf(pa, write_access(access), PGT_LAST_LEVEL));
		mm->nr_fault_cow++;
		STAMP(vmf, STAGE_MAP);
		return 0;
	}
	attrs = arch_pte_attrs(pte, PGT_LAST_LEVEL);
	if (vmf->flags & FAULT_ACCESS_FLAG) {
		arch_pte_write(vmf->pte, arch_pte_leaf(pa, attrs, PGT_LAST_LEVEL));
		mm->nr_fault_af++;
		return 0;
	}
	if (pa != mm->zero_pa && (vmf->flags & FAULT_ACCESS & ~attrs)) {
		if (attrs & MM_CONT) {
			upgrade_cont(vmf->address, vmf->pte, (unsigned)access);
			mm->nr_fault_wp++;
			return 0;
		}
		arch_pte_write(vmf->pte, 0);
		arch_tlb_flush_page(vmf->address);
		arch_pte_write(vmf->pte, arch_pte_leaf(pa, access, PGT_LAST_LEVEL));
		mm->nr_fault_wp++;
		return 0;
	}
	arch_tlb_flush_page(vmf->address);
	mm->nr_fault_spurious++;
	return 0;
}

/* The huge zero page, allocated and zeroed on first use; 0 if no aligned run. */
static paddr_t huge_zero(struct mm_struct *mm)
{
	if (!mm->huge_zero_pa) {
		paddr_t pa = page_alloc_aligned(BLOCK_ORDER);

		if (!pa)
			return 0;
		arch_zero_pages(arch_phys_to_virt(pa), BIT(BLOCK_ORDER));
		mm->huge_zero_pa = pa;
	}
	return mm->huge_zero_pa;
}

/*
 * A fault on an address a block maps (Linux 6.12's huge_pmd_set_accessed
 * and do_huge_pmd_wp_page):
 *  - a write to the huge zero page: Linux splits the PMD into PTEs of the
 *    zero page and lets the PTE path handle the write; so here: the block
 *    becomes a table of zero-page entries (break-before-make), and the
 *    fault goes on down the page path (0), which replaces one zero page;
 *  - an Access flag fault: the block rewritten, which sets AF;
 *  - a write to a block left read-only by mprotect: the block broken,
 *    flushed and made with the VMA's access (Linux maps the PMD writable);
 *  - anything else: a stale TLB entry, flushed.
 * 1 when handled here, 0 to go on with the page path, or -ENOMEM.
 */
static int block_fault(struct mm_struct *mm, const struct vm_area_struct *vma,
		       vaddr_t address, unsigned flags, pte_t *slot)
{
	pte_t e = *slot;
	paddr_t pa = arch_pte_addr(e, BLOCK_LEVEL);
	unsigned attrs = arch_pte_attrs(e, BLOCK_LEVEL);
	unsigned access = (unsigned)(vma->vm_flags & VM_ACCESS);

	if ((flags & (FAULT_WRITE | FAULT_ACCESS_FLAG)) == FAULT_WRITE &&
	    mm->huge_zero_pa && pa == mm->huge_zero_pa) {
		int err = pgt_split_block(mm->pgt, address, mm->zero_pa);

		if (err < 0)
			return err;
		mm->nr_thp_zero_split++;
		return 0;
	}
	if (flags & FAULT_ACCESS_FLAG) {
		arch_pte_write(slot, arch_pte_leaf(pa, attrs, BLOCK_LEVEL));
		mm->nr_fault_af++;
		return 1;
	}
	if ((!mm->huge_zero_pa || pa != mm->huge_zero_pa) && (flags & FAULT_ACCESS & ~attrs)) {
		arch_pte_write(slot, 0);
		arch_tlb_flush_page(ALIGN_DOWN(address, BLOCK_SIZE));
		arch_pte_write(slot, arch_pte_leaf(pa, access, BLOCK_LEVEL));
		mm->nr_fault_wp++;
		return 1;
	}
	arch_tlb_flush_page(address);
	mm->nr_fault_spurious++;
	return 1;
}

/*
 * The block half of the fault (Linux 6.12's __handle_mm_fault at the PMD:
 * pmd_none and THP allowed -> create_huge_pmd, a huge PMD -> the huge
 * handlers). With thp=always, an empty BLOCK_LEVEL slot (no table under it)
 * whose naturally aligned block lies inside the VMA gets a block: for a
 * write a fresh zeroed run from page_alloc_aligned with the VMA's access
 * (do_huge_pmd_anonymous_page), for a read or fetch the huge zero page
 * without write (its use_zero_page branch). No run: the page path instead
 * (Linux's fallback), counted. The slot was empty, so no TLB holds it:
 * where its table exists the block is one entry written (the ERET that
 * ends the fault synchronises), else pgt_map builds the tables above it.
 * 1 when a block was mapped or handled, 0 to go on with the page path, or
 * -ENOMEM (no page for a table above the block). With `stamps`, the
 * stages as on the page path: WALK once the slot is known empty, then
 * ALLOC, ZERO (a write) and MAP.
 */
static int huge_fault(struct mm_struct *mm, const struct vm_area_struct *vma,
		      vaddr_t address, unsigned flags, bool stamps)
{
	pte_t *slot = pgt_slot(mm->pgt, address, BLOCK_LEVEL);
	vaddr_t base = ALIGN_DOWN(address, BLOCK_SIZE);
	bool write = flags & FAULT_WRITE;
	unsigned attrs;
	paddr_t pa;
	int err;

	if (slot && arch_pte_present(*slot) && !arch_pte_is_table(*slot, BLOCK_LEVEL))
		return block_fault(mm, vma, address, flags, slot);
	if (!mm->thp || (slot && arch_pte_present(*slot)) || base < vma->vm_start ||
	    base + BLOCK_SIZE > vma->vm_end)
		return 0;
	if (unlikely(stamps))
		fault_stamp[STAGE_WALK] = arch_counter();
	pa = write ? page_alloc_aligned(BLOCK_ORDER) : huge_zero(mm);
	if (!pa) {
		mm->nr_thp_fallback++;
		return 0;
	}
	if (unlikely(stamps))
		fault_stamp[STAGE_ALLOC] = arch_counter();
	if (write) {
		arch_zero_pages(arch_phys_to_virt(pa), BIT(BLOCK_ORDER));
		if (unlikely(stamps))
			fault_stamp[STAGE_ZERO] = arch_counter();
		attrs = write_access(vma->vm_flags);
	} else {
		attrs = (unsigned)(vma->vm_flags & (VM_READ | VM_EXEC));
	}
	if (slot) { /* the table holding the slot is there: one empty entry */
		arch_pte_write(slot, arch_pte_leaf(pa, attrs, BLOCK_LEVEL));
	} else {
		err = pgt_map(mm->pgt, base, pa, BLOCK_SIZE, attrs, 0);
		if (err) { /* -ENOMEM: a table above the block */
			assert(err == -ENOMEM);
			if (write)
				page_free_run(pa, BIT(BLOCK_ORDER));
			return err;
		}
	}
	if (write) {
		mm->nr_fault_thp++;
		mm->nr_thp_pages += BIT(BLOCK_ORDER);
	} else {
		mm->nr_fault_thp_zero++;
	}
	if (unlikely(stamps))
		fault_stamp[STAGE_MAP] = arch_counter();
	return 1;
}

/*
 * The walk with thp=always, when a table is missing or a block maps the
 * address: the block half of the fault first, then the level-3 slot,
 * allocating tables. The slot, or NULL with *err 1 (handled at the block),
 * -ENOMEM or -EEXIST.
 */
static __attribute__((noinline)) pte_t *walk_thp(struct mm_struct *mm,
						 const struct vm_area_struct *vma,
						 vaddr_t address, unsigned flags, bool stamps,
						 int *err)
{
	*err = huge_fault(mm, vma, address, flags, stamps);
	if (*err)
		return NULL;
	return pgt_walk_alloc(mm->pgt, address, err);
}

/*
 * A block maps the address (pgt_walk_alloc said -EEXIST) and thp is off
 * now: the block's own handling. As walk_thp.
 */
static __attribute__((noinline)) pte_t *walk_block(struct mm_struct *mm,
						   const struct vm_area_struct *vma,
						   vaddr_t address, unsigned flags, int *err)
{
	pte_t *slot = pgt_slot(mm->pgt, address, BLOCK_LEVEL);

	*err = -EEXIST;
	if (!slot || !arch_pte_present(*slot) || arch_pte_is_table(*slot, BLOCK_LEVEL))
		return NULL; /* a block at another level: not the fault path's */
	*err = block_fault(mm, vma, address, flags, slot);
	if (*err)
		return NULL;
	return pgt_walk_alloc(mm->pgt, address, err); /* split: the table is there */
}

/*
 * Set vmf->pte to the level-3 slot of the address, allocating tables.
 * 0, 1 (a block fault, handled), -ENOMEM (no page for a table) or -EEXIST
 * (a block the fault path does not handle maps the address). thp=never
 * pays one test, and only when a table is missing.
 */
PATH int walk(struct vm_fault *vmf)
{
	int err;

	vmf->pte = pgt_walk(vmf->mm->pgt, vmf->address);
	if (likely(vmf->pte))
		return 0;
	if (unlikely(vmf->mm->thp))
		vmf->pte = walk_thp(vmf->mm, vmf->vma, vmf->address, vmf->flags,
				    vmf->stamps, &err);
	else
		vmf->pte = pgt_walk_alloc(vmf->mm->pgt, vmf->address, &err);
	if (unlikely(!vmf->pte && err == -EEXIST))
		vmf->pte = walk_block(vmf->mm, vmf->vma, vmf->address, vmf->flags, &err);
	return vmf->pte ? 0 : err;
}

/*
 * The fault's result when the walk gave no slot: 0 for a fault handled at
 * a block (1), -ENOMEM counted, -EFAULT for a block the fault path does not
 * handle. Out of line, so that the page path's returns stay as they were.
 */
static __attribute__((noinline)) int walk_failed(struct mm_struct *mm, int err)
{
	if (err > 0)
		return 0;
	if (err == -ENOMEM) {
		mm->nr_fault_oom++;
		return -ENOMEM;
	}
	return -EFAULT;
}

/* Walk to the level-3 slot (allocating tables) and resolve the fault there. */
PATH int handle_mm_fault(struct vm_fault *vmf)
{
	pte_t pte;
	int err = walk(vmf);

	if (unlikely(err))
		return walk_failed(vmf->mm, err); /* a tail call */
	STAMP(vmf, STAGE_WALK);
	pte = *vmf->pte;
	if (likely(!arch_pte_valid(pte)))
		return do_anonymous_page(vmf);
	return handle_present_pte(vmf, pte);
}

/*
 * The whole path, inlined into each entry point below with `stamps` a
 * constant where the caller knows it: the fast entry then has no stamp
 * tests at all. `marks` (a constant) says which copy carries the marks.
 */
PATH int fault(struct mm_struct *mm, vaddr_t addr, unsigned flags, bool stamps,
	       bool marks)
{
	struct vm_fault vmf = {
		.mm = mm,
		.vma = vma_lookup(mm, addr),
		.address = addr,
		.flags = flags,
		.stamps = stamps,
		.marks = marks,
	};

	/* One test: the access bit must be in vm_flags, FAULT_OTHER never is. */
	if (unlikely(!vmf.vma ||
		     (flags & (FAULT_ACCESS | FAULT_OTHER) & ~vmf.vma->vm_flags))) {
		mm->nr_fault_segv++;
		return -EFAULT;
	}
	STAMP(&vmf, STAGE_LOOKUP);
	return handle_mm_fault(&vmf);
}

int do_page_fault(struct mm_struct *mm, vaddr_t addr, unsigned flags)
{
	return fault(mm, addr, flags, fault_stamps_on, false);
}

int do_page_fault_nostamp(struct mm_struct *mm, vaddr_t addr, unsigned flags)
{
	return fault(mm, addr, flags, false, true);
}
