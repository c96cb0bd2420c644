/*
 * Anonymous private mappings: mmap, munmap, mprotect. Each operation checks
 * its arguments, then allocates every VMA it may need, and only then edits
 * the page tables and the VMA set, so an error always leaves the mm as it
 * was.
 *
 * pgt_unmap and pgt_protect cannot fail here: each operation first cuts
 * the range (mm_split_edges, mm/cut.c), which takes every table page the
 * leaves its edges cut need, or returns -ENOMEM with no translation
 * changed, and then splits them (blocks, thp=always) and unfolds the
 * contiguous ranges (large folios) they cut (Arm ARM DDI0487 K.a D8.6.1).
 * After it, every leaf met lies wholly inside each pgt_unmap/pgt_protect
 * range, and their own cuts find nothing to do. mm_unmap_range is in
 * mm/cut.c.
 */
#include "mm/vma.h"
#include "mm/mm_lock.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

/* Whether [addr, addr + len) lies inside the VMA window (len <= TASK_SIZE). */
static bool in_window(vaddr_t addr, uint64_t len)
{
	return addr >= TASK_UNMAPPED_BASE && addr <= TASK_SIZE - len;
}

/* Whether no VMA overlaps [addr, addr + len). */
static bool range_free(struct mm_struct *mm, vaddr_t addr, uint64_t len)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return !vma || vma->vm_start >= addr + len;
}

/*
 * vm_flags for a PROT_* value, or -EINVAL (unknown bits, PROT_SEM included,
 * write with exec).
 */
static long prot_to_vm_flags(unsigned prot)
{
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		return -EINVAL;
	if (prot & (PROT_WRITE | PROT_EXEC))
		prot |= PROT_READ;
	return prot; /* PROT_x == VM_x */
}
static_assert(PROT_READ == VM_READ && PROT_WRITE == VM_WRITE &&
	      PROT_EXEC == VM_EXEC, "PROT_* and VM_* access bits agree");

/*
 * The alignment of a new area of len bytes: the largest enabled folio size
 * that len reaches, so that its folios are naturally aligned in VA as they
 * must be to be mapped (Linux 6.12 aligns only PMD-sized anonymous areas,
 * thp_get_unmapped_area; faultline extends that to every enabled folio
 * size), or a block with thp=always when len reaches one. A page without folios, so the base-page layout does not change.
 */
static uint64_t folio_align(const struct mm_struct *mm, uint64_t len)
{
	unsigned orders = mm->folio_orders;

	if (mm->thp && len >= BLOCK_SIZE) /* Linux's thp_get_unmapped_area */
		return BLOCK_SIZE;
	while (orders) {
		unsigned order = 31 - (unsigned)__builtin_clz(orders);

		if (len >= PAGE_SIZE << order)
			return PAGE_SIZE << order;
		orders &= ~(1u << order);
	}
	return PAGE_SIZE;
}

/*
 * Top-down search for a free range of len bytes in [MM_MMAP_MIN, mmap_base),
 * starting below the last area placed (free_area_cache, as in Linux 2.6)
 * and, if that finds nothing, once more from mmap_base. Each step is one
 * find_vma: the first VMA ending above the candidate either leaves room
 * below high, or the search continues under it. 0 if nothing fits.
 */
static vaddr_t get_unmapped_area(struct mm_struct *mm, uint64_t len)
{
	vaddr_t from = mm->free_area_cache, high, addr;
	uint64_t align = folio_align(mm, len);
	struct vm_area_struct *vma;

	for (;;) {
		high = from;
		while (high >= MM_MMAP_MIN + len + align - PAGE_SIZE) {
			addr = ALIGN_DOWN(high - len, align);
			vma = find_vma(mm, addr);
			if (!vma || vma->vm_start >= high)
				return addr;
			high = vma->vm_start;
		}
		if (from == mm->mmap_base)
			return 0;
		from = mm->mmap_base;
	}
}

static int mmap_locked(struct mm_struct *mm, vaddr_t addr, uint64_t len, unsigned prot,
		       unsigned flags, vaddr_t *out)
{
	const unsigned known = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			       MAP_FIXED_NOREPLACE;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	struct vm_area_struct *vma, *spare = NULL;
	long vm_flags = prot_to_vm_flags(prot);

	if (vm_flags < 0 || (flags & ~known) ||
	    (flags & (MAP_PRIVATE | MAP_ANONYMOUS)) != (MAP_PRIVATE | MAP_ANONYMOUS))
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (len > TASK_SIZE - TASK_UNMAPPED_BASE)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);

	if (fixed) {
		if (!IS_ALIGNED(addr, PAGE_SIZE) || !in_window(addr, len))
			return -EINVAL;
		if ((flags & MAP_FIXED_NOREPLACE) && !range_free(mm, addr, len))
			return -EEXIST;
	} else if (addr) {
		/* A hint is taken only when it fits as is. */
		addr = ALIGN_UP(addr, PAGE_SIZE);
		if (addr < MM_MMAP_MIN || !in_window(addr, len) ||
		    !range_free(mm, addr, len))
			addr = 0;
	}

	vma = vma_alloc(mm);
	if (!vma)
		return -ENOMEM;
	if (fixed && vma_unmap_needs_spare(mm, addr, addr + len)) {
		spare = vma_alloc(mm);
		if (!spare) {
			vma_free(vma);
			return -ENOMEM;
		}
	}
	if (!fixed && !addr) {
		addr = get_unmapped_area(mm, len);
		if (!addr) {
			vma_free(vma);
			return -ENOMEM;
		}
		mm->free_area_cache = addr;
	}

	if (fixed && mm_split_edges(mm, addr, addr + len)) {
		vma_free(vma);
		if (spare)
			vma_free(spare);
		return -ENOMEM;
	}
	if (fixed)
		mm_unmap_range(mm, addr, addr + len, spare);
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma_link(mm, vma);
	vma_merge_range(mm, addr, addr + len);
	*out = addr;
	return 0;
}

static int munmap_locked(struct mm_struct *mm, vaddr_t addr, uint64_t len)
{
	struct vm_area_struct *spare = NULL;

	if (!len || !IS_ALIGNED(addr, PAGE_SIZE) || len > TASK_SIZE)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!in_window(addr, len))
		return -EINVAL;
	if (vma_unmap_needs_spare(mm, addr, addr + len)) {
		spare = vma_alloc(mm);
		if (!spare)
			return -ENOMEM;
	}
	if (mm_split_edges(mm, addr, addr + len)) {
		if (spare)
			vma_free(spare);
		return -ENOMEM;
	}
	mm_unmap_range(mm, addr, addr + len, spare);
	return 0;
}

/*
 * mprotect. Mapped pages take the new access minus write: a page that may
 * now be written gets write permission on its first write fault, which also
 * keeps the zero page read-only. PROT_NONE makes them kept entries (MM_NONE,
 * Linux's PTE_PROT_NONE): every access faults, and the VMA allows none, but
 * the pages and their contents stay, and come back with the next mprotect.
 * Only VMAs whose flags change are touched; the first and last may need a
 * split each, so at most two new VMAs.
 *
 * The arguments are checked in the order of Linux 6.12's do_mprotect_pkey
 * (mm/mprotect.c), so every combination of bad arguments gives Linux's
 * answer:
 *
 *   PROT_GROWSDOWN and PROT_GROWSUP together         -EINVAL
 *   start not page aligned                           -EINVAL
 *   len == 0                                         0, whatever prot is
 *   start + PAGE_ALIGN(len) wraps (or len does)      -ENOMEM
 *   prot bits (arch_validate_prot)                   -EINVAL
 *   no VMA meets [start, end)                        -ENOMEM
 *   PROT_GROWSDOWN (no VMA is VM_GROWSDOWN here)     -EINVAL
 *   the first VMA starts above start                 -ENOMEM
 *   PROT_GROWSUP (no VMA is VM_GROWSUP here)         -EINVAL
 *   a hole in [start, end)                           -ENOMEM
 *
 * faultline's own refusals (PROT_SEM, PROT_WRITE with PROT_EXEC) are
 * reported where Linux validates prot; a hole is found before anything
 * changes, where Linux has already changed the VMAs below it (docs/linux.md).
 */
static int mprotect_locked(struct mm_struct *mm, vaddr_t start, uint64_t len, unsigned prot)
{
	struct vm_area_struct *first, *last, *v, *spares[2] = { NULL, NULL };
	unsigned grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	long vm_flags;
	unsigned long nf;
	unsigned attrs;
	vaddr_t end;
	int need = 0, used = 0, i, err;

	prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (!IS_ALIGNED(start, PAGE_SIZE))
		return -EINVAL;
	if (!len)
		return 0;
	end = start + ALIGN_UP(len, PAGE_SIZE); /* PAGE_ALIGN wraps to 0 as Linux's */
	if (end <= start)
		return -ENOMEM;
	vm_flags = prot_to_vm_flags(prot);
	if (vm_flags < 0)
		return -EINVAL;
	attrs = vm_flags ? vm_flags & ~VM_WRITE : MM_NONE; /* PROT_NONE: kept */

	first = find_vma(mm, start);
	if (!first || first->vm_start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN)
		return -EINVAL;
	if (first->vm_start > start)
		return -ENOMEM;
	if (grows & PROT_GROWSUP)
		return -EINVAL;

	/* The whole range must be mapped, without holes. */
	for (last = first; last->vm_end < end; last = last->vm_next)
		if (!last->vm_next || last->vm_next->vm_start != last->vm_end)
			return -ENOMEM;

	nf = (first->vm_flags & ~VM_ACCESS) | vm_flags;
	need += first->vm_start < start && nf != first->vm_flags;
	nf = (last->vm_flags & ~VM_ACCESS) | vm_flags;
	need += last->vm_end > end && nf != last->vm_flags;
	for (i = 0; i < need; i++) {
		spares[i] = vma_alloc(mm);
		if (!spares[i]) {
			while (i--)
				vma_free(spares[i]);
			return -ENOMEM;
		}
	}
	if (mm_split_edges(mm, start, end)) {
		while (need--)
			vma_free(spares[need]);
		return -ENOMEM;
	}

	for (v = first; v && v->vm_start < end; v = v->vm_next) {
		nf = (v->vm_flags & ~VM_ACCESS) | vm_flags;
		if (nf == v->vm_flags)
			continue;
		err = pgt_protect(mm->pgt, MAX(start, v->vm_start),
				  MIN(end, v->vm_end) - MAX(start, v->vm_start), attrs);
		assert(err == 0);
		(void)err;
		if (v->vm_start < start)
			v = vma_split(mm, v, start, spares[used++]);
		if (v->vm_end > end)
			vma_split(mm, v, end, spares[used++]);
		v->vm_flags = nf;
	}
	assert(used == need);
	vma_merge_range(mm, start, end);
	return 0;
}

/*
 * The system calls: each holds the mm as a writer (mm/mm_lock.h) for its
 * whole change, so no fault sees a VMA or an entry half changed.
 */
int do_mmap(struct mm_struct *mm, vaddr_t addr, uint64_t len, unsigned prot,
	    unsigned flags, vaddr_t *out)
{
	int ret;

	mm_write_lock(mm);
	ret = mmap_locked(mm, addr, len, prot, flags, out);
	mm_write_unlock(mm);
	return ret;
}

int do_munmap(struct mm_struct *mm, vaddr_t addr, uint64_t len)
{
	int ret;

	mm_write_lock(mm);
	ret = munmap_locked(mm, addr, len);
	mm_write_unlock(mm);
	return ret;
}

int do_mprotect(struct mm_struct *mm, vaddr_t start, uint64_t len, unsigned prot)
{
	int ret;

	mm_write_lock(mm);
	ret = mprotect_locked(mm, start, len, prot);
	mm_write_unlock(mm);
	return ret;
}
