/*
 * The anonymous-memory fault path, Linux's in miniature:
 *
 *   do_page_fault -> vma_lookup (find_vma) -> access check against vm_flags
 *     -> handle_mm_fault: the inline walk to the last-level slot; a missing
 *        table or a leaf above the last level takes fault_upper (Linux's
 *        __handle_mm_fault above the PTE), which dispatches on (level,
 *        entry): a block is handled by present_leaf (a huge zero block
 *        written is split, and the page path goes on), an empty block slot
 *        with thp=always gets a block (huge_fault), else the tables are
 *        allocated and the fault goes on at the last level
 *        -> empty slot:  do_anonymous_page (zero page, or a fresh page)
 *        -> valid slot:  present_leaf, the one handler of a present leaf
 *                        at any level: zero-page replacement or write
 *                        upgrade (Linux's do_wp_page), access flag, or a
 *                        spurious fault (stale TLB)
 *
 * Every entry edit goes through mm/pgtable.h (install, replace, rewrite,
 * touch): this file writes no live entry itself, issues no TLB maintenance
 * and sets no Contiguous bit.
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
#include "mm/mm_lock.h"
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
	struct mm_pcpu *pc; /* this CPU's part of mm: counters, lookup cache */
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
 * The same on the out-of-line folio and block paths, which both copies of
 * the path share: the mark always (one site serves both), the stamp when
 * the fault takes stamps.
 */
#define STAMP_SHARED(stamps, stage)                                \
	do {                                                       \
		FAULT_MARK(stage);                                 \
		if (unlikely(stamps))                              \
			fault_stamp[stage] = arch_counter();       \
	} while (0)

/*
 * The stages' names in FAULT_STAGES order, each NUL-terminated, in the
 * ELF's non-allocated section .fault_stages (not in the image): with
 * .fault_marks, what tools/anatomy cuts a trace into stages by.
 */
#define FAULT_STAGE_ASCIZ(NAME, name) ".asciz \"" #name "\"\n\t"
__asm__(".pushsection .fault_stages, \"\", %progbits\n\t"
	FAULT_STAGES(FAULT_STAGE_ASCIZ) ".popsection");
#undef FAULT_STAGE_ASCIZ

/*
 * The attributes of the page a write fault maps: the VMA's access, which the
 * access check has shown to include write. Saying so in a constant lets the
 * compiler fold the write permission into the descriptor.
 */
PATH unsigned write_access(unsigned long vm_flags)
{
	return (vm_flags & (VM_READ | VM_EXEC)) | VM_WRITE;
}

/*
 * A fresh zeroed page, or 0 (counted as an out-of-memory fault). With
 * stamps, the zeroing is complete (DSB) before the ZERO stamp, so that its
 * time is not billed to the map stage.
 */
PATH paddr_t new_zeroed_page(struct vm_fault *vmf)
{
	paddr_t pa = page_alloc();

	if (unlikely(!pa)) {
		vmf->pc->pcpu_nr_fault_oom++;
		return 0;
	}
	STAMP(vmf, STAGE_ALLOC);
	arch_zero_page(arch_phys_to_virt(pa));
	if (unlikely(vmf->stamps))
		arch_pte_publish();
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
 * mapped whole by pgt_install_run, which sets the Contiguous bit on every
 * contiguous range it covers. The entries were empty, so no TLB holds
 * them: no break needed, one barrier for the run.
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
		STAMP_SHARED(stamps, STAGE_ALLOC);
		arch_zero_pages(arch_phys_to_virt(pa), n);
		if (unlikely(stamps))
			arch_pte_publish(); /* the zeroing complete: not billed to map */
		STAMP_SHARED(stamps, STAGE_ZERO);
		if (unlikely(!pgt_install_run(first, base, pa, n, write_access(vma->vm_flags)))) {
			/* another CPU's fault took a slot of the run first */
			page_free_run(pa, n);
			mm->nr_fault_lost++;
			return 0;
		}
		if (order) {
			mm->nr_fault_folio++;
			mm->nr_folio_pages += n;
		} else {
			mm->nr_fault_anon++;
		}
		STAMP_SHARED(stamps, STAGE_MAP);
		return 0;
	}
}

/*
 * Another CPU's fault changed the entry first (its compare-and-swap won):
 * this fault's fresh page goes back, the fault ends, and the access is
 * retried against the winner's entry (faulting again only if that does
 * not allow it). Linux's equivalent is the !pte_same() exit under the PTL.
 */
static __attribute__((noinline)) int lost_race(struct mm_pcpu *pc, paddr_t pa)
{
	page_free(pa);
	pc->pcpu_nr_fault_lost++;
	return 0;
}

/*
 * First touch of a page. A read (or instruction fetch) maps the shared zero
 * page without write permission; a write maps a fresh zeroed page with the
 * VMA's access, or a large folio around it when the mm enables them. The
 * slot was invalid, and the TLB never holds invalid entries, so no TLB
 * maintenance is needed (pgt_install).
 */
PATH int do_anonymous_page(struct vm_fault *vmf)
{
	unsigned long vm_flags = vmf->vma->vm_flags;
	paddr_t pa;

	if (!(vmf->flags & FAULT_WRITE)) {
		if (unlikely(!pgt_install(vmf->pte,
					  arch_pte_leaf(vmf->mm->zero_pa, vm_flags & (VM_READ | VM_EXEC),
							PGT_LAST_LEVEL)))) {
			vmf->pc->pcpu_nr_fault_lost++;
			return 0;
		}
		vmf->pc->pcpu_nr_fault_zero++;
		STAMP(vmf, STAGE_MAP);
		return 0;
	}
	if (unlikely(vmf->mm->folio_orders)) /* a tail call: nothing after it */
		return do_anonymous_folio(vmf->mm, vmf->vma, vmf->address, vmf->pte,
					  vmf->stamps);
	pa = new_zeroed_page(vmf);
	if (unlikely(!pa))
		return -ENOMEM;
	if (unlikely(!pgt_install(vmf->pte, arch_pte_leaf(pa, write_access(vm_flags),
							    PGT_LAST_LEVEL))))
		return lost_race(vmf->pc, pa);
	vmf->pc->pcpu_nr_fault_anon++;
	STAMP(vmf, STAGE_MAP);
	return 0;
}

/*
 * A fault on a present leaf e at slot, of `level` (PGT_LAST_LEVEL or
 * BLOCK_LEVEL), in a VMA that allows the access: the present half of
 * Linux's handle_pte_fault (do_wp_page) and of its huge PMD handlers
 * (huge_pmd_set_accessed, do_huge_pmd_wp_page), one handler dispatched on
 * (level, entry):
 *  - a write to the zero page: replace it by a fresh zeroed page. The
 *    output address changes, so break-before-make (pgt_replace). (A write
 *    to the huge zero block never gets here: fault_upper splits it into
 *    zero-page entries first and the write goes on down the page path, as
 *    Linux's do_huge_pmd_wp_page splits the PMD and falls back);
 *  - an Access flag fault: the entry rewritten (which sets AF), this CPU's
 *    stale entry dropped (pgt_touch);
 *  - a write or exec to a leaf left without it by mprotect: the VMA's
 *    access, with break-before-make (pgt_replace; a contiguous range is
 *    rewritten whole, pgt_rewrite_cont, as Linux's
 *    contpte_ptep_set_access_flags);
 *  - anything else the entry already allows: a stale TLB entry on this
 *    CPU, dropped locally (pgt_fix_spurious).
 * The zero-page write is tested first, being the common case; the entry's
 * attributes are decoded only for the others.
 */
/* Whether pa is the huge zero page (read once: another CPU may set it). */
PATH bool huge_zero_at(struct mm_struct *mm, paddr_t pa)
{
	uint64_t hz = arch_read_once(&mm->huge_zero_pa);

	return hz && pa == hz;
}

PATH int present_leaf(struct vm_fault *vmf, pte_t *slot, int level, pte_t e)
{
	struct mm_struct *mm = vmf->mm;
	unsigned long access = vmf->vma->vm_flags & VM_ACCESS;
	paddr_t pa = arch_pte_addr(e, level);
	bool zero = level == PGT_LAST_LEVEL ? pa == mm->zero_pa
					    : huge_zero_at(mm, pa);
	unsigned attrs;

	if ((vmf->flags & (FAULT_WRITE | FAULT_ACCESS_FLAG)) == FAULT_WRITE &&
	    level == PGT_LAST_LEVEL && zero) {
		pa = new_zeroed_page(vmf);
		if (unlikely(!pa))
			return -ENOMEM;
		if (unlikely(!pgt_replace(slot, PGT_LAST_LEVEL, vmf->address, e,
					  arch_pte_leaf(pa, write_access(access), PGT_LAST_LEVEL))))
			return lost_race(vmf->pc, pa);
		vmf->pc->pcpu_nr_fault_cow++;
		STAMP(vmf, STAGE_MAP);
		return 0;
	}
	attrs = arch_pte_attrs(e, level);
	if (vmf->flags & FAULT_ACCESS_FLAG) {
		if (pgt_touch(slot, vmf->address, e, arch_pte_leaf(pa, attrs, level)))
			vmf->pc->pcpu_nr_fault_af++;
		else
			vmf->pc->pcpu_nr_fault_lost++;
		return 0;
	}
	if (!zero && (vmf->flags & FAULT_ACCESS & ~attrs)) {
		bool done;

		if (level == PGT_LAST_LEVEL && (attrs & MM_CONT))
			done = pgt_rewrite_cont(slot, vmf->address, (unsigned)access);
		else
			done = pgt_replace(slot, level, vmf->address, e,
					   arch_pte_leaf(pa, (unsigned)access, level));
		if (done)
			vmf->pc->pcpu_nr_fault_wp++;
		else
			vmf->pc->pcpu_nr_fault_lost++;
		return 0;
	}
	pgt_fix_spurious(vmf->address);
	vmf->pc->pcpu_nr_fault_spurious++;
	return 0;
}

/*
 * The huge zero page, allocated and zeroed on first use; 0 if no aligned
 * run. Two CPUs may allocate it at once: the first to swap it in wins, the
 * other gives its run back.
 */
static paddr_t huge_zero(struct mm_struct *mm)
{
	uint64_t seen = arch_load_acquire(&mm->huge_zero_pa);

	if (!seen) {
		paddr_t pa = page_alloc_aligned(BLOCK_ORDER);

		if (!pa)
			return 0;
		arch_zero_pages(arch_phys_to_virt(pa), BIT(BLOCK_ORDER));
		if (!arch_cmpxchg(&mm->huge_zero_pa, &seen, pa)) {
			page_free_run(pa, BIT(BLOCK_ORDER));
			return seen;
		}
		seen = pa;
	}
	return seen;
}

/* huge_fault's answer when it maps no block: go on with the page path (Linux's VM_FAULT_FALLBACK). */
#define HUGE_FALLBACK 1

/*
 * An empty BLOCK_LEVEL slot, or a missing table above it (slot NULL), with
 * thp=always (Linux 6.12's create_huge_pmd): when the naturally aligned
 * block lies inside the VMA, a block: for a write a fresh zeroed run from
 * page_alloc_aligned with the VMA's access (do_huge_pmd_anonymous_page),
 * for a read or fetch the huge zero page without write (its use_zero_page
 * branch). No run: the page path instead (Linux's fallback), counted. The
 * slot was empty, so no TLB holds it: where its table exists the block is
 * one entry installed (the ERET that ends the fault synchronises), else
 * pgt_map builds the tables above it. 0 when a block was mapped,
 * HUGE_FALLBACK, or -ENOMEM (no page for a table above the block). With
 * `stamps`, the stages as on the page path: WALK once the slot is known
 * empty, then ALLOC, ZERO (a write) and MAP.
 */
static int huge_fault(struct mm_struct *mm, const struct vm_area_struct *vma,
		      vaddr_t address, unsigned flags, bool stamps, pte_t *upper,
		      int upper_level)
{
	pte_t *slot = upper_level == BLOCK_LEVEL ? upper : NULL;
	vaddr_t base = ALIGN_DOWN(address, BLOCK_SIZE);
	bool write = flags & FAULT_WRITE;
	unsigned attrs;
	paddr_t pa;
	int err;

	if (base < vma->vm_start || base + BLOCK_SIZE > vma->vm_end)
		return HUGE_FALLBACK;
	STAMP_SHARED(stamps, STAGE_WALK);
	pa = write ? page_alloc_aligned(BLOCK_ORDER) : huge_zero(mm);
	if (!pa) {
		mm->nr_thp_fallback++;
		return HUGE_FALLBACK;
	}
	/*
	 * No ALLOC mark on this path: anywhere between the allocation and the
	 * zeroing an asm statement changes gcc's code for it (the trace counts
	 * the allocation in zero).
	 */
	if (unlikely(stamps))
		fault_stamp[STAGE_ALLOC] = arch_counter();
	if (write) {
		arch_zero_pages(arch_phys_to_virt(pa), BIT(BLOCK_ORDER));
		if (unlikely(stamps))
			arch_pte_publish(); /* the zeroing complete: not billed to map */
		STAMP_SHARED(stamps, STAGE_ZERO);
		attrs = write_access(vma->vm_flags);
	} else {
		attrs = (unsigned)(vma->vm_flags & (VM_READ | VM_EXEC));
	}
	if (!slot) { /* tables above the block are missing: link them */
		slot = pgt_alloc_to(mm->pgt, upper, upper_level, address, BLOCK_LEVEL, &err);
		if (!slot && err == -ENOMEM) {
			if (write)
				page_free_run(pa, BIT(BLOCK_ORDER));
			return err;
		}
		if (slot)
			mm->nr_table_lost += (unsigned)err;
	}
	if (!slot || !pgt_install(slot, arch_pte_leaf(pa, attrs, BLOCK_LEVEL))) {
		/* another CPU's fault mapped or claimed the slot first */
		if (write)
			page_free_run(pa, BIT(BLOCK_ORDER));
		mm->nr_fault_lost++;
		return 0;
	}
	if (write) {
		mm->nr_fault_thp++;
		mm->nr_thp_pages += BIT(BLOCK_ORDER);
	} else {
		mm->nr_fault_thp_zero++;
	}
	STAMP_SHARED(stamps, STAGE_MAP);
	return 0;
}

/*
 * The fault above the last level, when the inline walk found no last-level
 * slot (Linux 6.12's __handle_mm_fault above handle_pte_fault): one descent
 * to BLOCK_LEVEL, then by (level, entry):
 *  - a block at BLOCK_LEVEL: present_leaf, which ends the fault, except
 *    for a write to the huge zero block: split into zero-page entries,
 *    the page path goes on (Linux's fallback after __split_huge_pmd);
 *  - a leaf above it (not the fault path's): -EFAULT;
 *  - an empty block slot or a missing table, thp=always: huge_fault, which
 *    ends the fault unless it falls back;
 *  - else the missing tables are allocated.
 * Returns the last-level slot, for the caller's copy of the page path to go
 * on with, or NULL when the fault ended here, with its result (0, -ENOMEM
 * counted, -EFAULT) in *ret. Out of line: the page path's inline walk
 * takes it only when a table is missing or a block maps the address. The
 * fault's state by value, as for do_anonymous_folio.
 */
static __attribute__((noinline)) pte_t *fault_upper(struct mm_struct *mm,
						    const struct vm_area_struct *vma,
						    vaddr_t address, unsigned flags, bool stamps,
						    int *ret)
{
	int level, err;
	pte_t *slot = pgt_descend(mm->pgt, address, BLOCK_LEVEL, &level);
	pte_t e = arch_pte_read(slot);
	uint64_t huge_zero_pa = arch_read_once(&mm->huge_zero_pa);

	if (arch_pte_present(e) && !arch_pte_is_table(e, level)) {
		struct vm_fault vmf = {
			.mm = mm,
			.pc = &mm->pcpu[arch_cpu_id()],
			.vma = (struct vm_area_struct *)vma,
			.address = address,
			.flags = flags,
			.stamps = stamps,
		};

		if (level != BLOCK_LEVEL) { /* a leaf the fault path does not map */
			*ret = -EFAULT;
			return NULL;
		}
		if ((flags & (FAULT_WRITE | FAULT_ACCESS_FLAG)) == FAULT_WRITE &&
		    huge_zero_pa && arch_pte_addr(e, level) == huge_zero_pa) {
			/* the huge zero block into zero pages; the page path replaces one */
			err = pgt_split_block(mm->pgt, address, mm->zero_pa);
			if (err == -ENOMEM) {
				mm->nr_fault_oom++;
				*ret = err;
				return NULL;
			}
			if (err > 0)
				mm->nr_thp_zero_split++;
			slot = pgt_walk(mm->pgt, address);
			if (err == -EAGAIN || !slot) { /* another CPU's fault was first */
				mm->nr_fault_lost++;
				*ret = 0;
				return NULL;
			}
			return slot;
		}
		*ret = present_leaf(&vmf, slot, BLOCK_LEVEL, e);
		return NULL;
	}
	if (mm->thp && !arch_pte_present(e)) {
		err = huge_fault(mm, vma, address, flags, stamps, slot, level);
		if (err != HUGE_FALLBACK) {
			if (err == -ENOMEM)
				mm->nr_fault_oom++;
			*ret = err;
			return NULL;
		}
	}
	/* a fallback changed no entry: the tables go on from where the descent stopped */
	slot = pgt_alloc_from(mm->pgt, slot, level, address, &err);
	if (likely(slot)) {
		mm->nr_table_lost += (unsigned)err;
		return slot;
	}
	if (err == -ENOMEM)
		mm->nr_fault_oom++;
	if (err == -EAGAIN) /* another CPU's fault is changing a slot on the way */
		mm->nr_fault_lost++;
	*ret = err == -ENOMEM ? -ENOMEM : err == -EAGAIN ? 0 : -EFAULT;
	return NULL;
}

/*
 * An invalid entry that is not empty, under a VMA that allows the access:
 * ARCH_PTE_BUSY, another CPU's fault between a break and a make (or
 * claiming a folio's slots). This fault waits (WFE, woken when the owner's
 * store clears this CPU's exclusive monitor on the slot: pgt_wait_busy)
 * until the owner has written the entry, then ends; the access is retried
 * against the new entry. Returning at once instead would make the access
 * fault again and again until the owner ran: under QEMU -icount, a whole
 * time slice of spinning. A kept entry cannot be here (a writer makes kept
 * entries valid before a VMA allows access to them): -EFAULT, as for a
 * leaf the fault path does not map.
 */
static __attribute__((noinline)) int busy_slot(struct mm_struct *mm, pte_t *slot, pte_t pte)
{
	if (pte != ARCH_PTE_BUSY)
		return -EFAULT;
	pgt_wait_busy(slot);
	mm->nr_fault_lost++;
	return 0;
}

/*
 * The walk to the last-level slot: inline (pgt_walk), or fault_upper when a
 * table is missing or a leaf lies above the last level. NULL when the fault
 * ended there, with its result in *ret.
 */
PATH pte_t *walk(struct vm_fault *vmf, int *ret)
{
	pte_t *pte = pgt_walk(vmf->mm->pgt, vmf->address);

	if (likely(pte))
		return pte;
	return fault_upper(vmf->mm, vmf->vma, vmf->address, vmf->flags, vmf->stamps, ret);
}

/* Walk to the last-level slot (allocating tables) and resolve the fault there. */
PATH int handle_mm_fault(struct vm_fault *vmf)
{
	pte_t pte;
	int ret;

	vmf->pte = walk(vmf, &ret);
	if (unlikely(!vmf->pte))
		return ret;
	STAMP(vmf, STAGE_WALK);
	pte = arch_pte_read(vmf->pte);
	if (likely(!pte))
		return do_anonymous_page(vmf);
	if (likely(arch_pte_valid(pte)))
		return present_leaf(vmf, vmf->pte, PGT_LAST_LEVEL, pte);
	return busy_slot(vmf->mm, vmf->pte, pte);
}

/*
 * The whole path, inlined into each entry point below with `stamps` a
 * constant where the caller knows it: the fast entry then has no stamp
 * tests at all. `marks` (a constant) says which copy carries the marks.
 */
PATH int fault(struct mm_struct *mm, vaddr_t addr, unsigned flags, bool stamps,
	       bool marks)
{
	struct mm_pcpu *pc = &mm->pcpu[arch_cpu_id()];
	struct vm_fault vmf;
	int ret;

	/* No writer changes the VMAs or the entries until mm_fault_exit. */
	mm_fault_enter(mm, &pc->pcpu_in_fault);
	vmf = (struct vm_fault){
		.mm = mm,
		.pc = pc,
		.vma = vma_lookup_pc(mm, pc, addr),
		.address = addr,
		.flags = flags,
		.stamps = stamps,
		.marks = marks,
	};
	/* One test: the access bit must be in vm_flags, FAULT_OTHER never is. */
	if (unlikely(!vmf.vma ||
		     (flags & (FAULT_ACCESS | FAULT_OTHER) & ~vmf.vma->vm_flags))) {
		pc->pcpu_nr_fault_segv++;
		ret = -EFAULT;
	} else {
		STAMP(&vmf, STAGE_LOOKUP);
		ret = handle_mm_fault(&vmf);
	}
	mm_fault_exit(&pc->pcpu_in_fault);
	return ret;
}

int do_page_fault(struct mm_struct *mm, vaddr_t addr, unsigned flags)
{
	return fault(mm, addr, flags, fault_stamps_on, false);
}

int do_page_fault_nostamp(struct mm_struct *mm, vaddr_t addr, unsigned flags)
{
	return fault(mm, addr, flags, false, true);
}
