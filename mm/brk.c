/*
 * brk(2) with Linux's semantics (mm/mmap.c, SYSCALL_DEFINE1(brk)): the break
 * is kept exactly as asked, the heap's pages are [start_brk,
 * PAGE_ALIGN(brk)), and a refused request returns the old break.
 */
#include "mm/vma.h"

#define HEAP_FLAGS (VM_READ | VM_WRITE | VM_HEAP)

vaddr_t do_brk(struct mm_struct *mm, vaddr_t brk)
{
	vaddr_t newbrk, oldbrk;
	struct vm_area_struct *vma, *prev, *spare = NULL;

	if (brk < mm->start_brk || brk - mm->start_brk > mm->brk_limit)
		return mm->brk;
	newbrk = ALIGN_UP(brk, PAGE_SIZE);
	oldbrk = ALIGN_UP(mm->brk, PAGE_SIZE);
	if (newbrk == oldbrk)
		goto done;

	if (newbrk < oldbrk) {
		/* Shrink: unmap and free the pages above the new break. */
		if (vma_unmap_needs_spare(mm, newbrk, oldbrk)) {
			spare = vma_alloc(mm);
			if (!spare)
				return mm->brk;
		}
		mm_unmap_range(mm, newbrk, oldbrk, spare);
		goto done;
	}

	/* Grow: the new pages must not overlap another mapping. */
	vma = find_vma_prev(mm, oldbrk, &prev);
	if (vma && vma->vm_start < newbrk)
		return mm->brk;
	if (prev && prev->vm_end == oldbrk && prev->vm_flags == HEAP_FLAGS) {
		prev->vm_end = newbrk;
	} else {
		vma = vma_alloc(mm);
		if (!vma)
			return mm->brk;
		vma->vm_start = oldbrk;
		vma->vm_end = newbrk;
		vma->vm_flags = HEAP_FLAGS;
		vma_link(mm, vma);
	}
done:
	mm->brk = brk;
	return brk;
}
