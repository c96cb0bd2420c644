/*
 * brk(2) with Linux 6.12's semantics (mm/mmap.c, SYSCALL_DEFINE1(brk)): the
 * break is kept exactly as asked, the heap's pages are [start_brk,
 * PAGE_ALIGN(brk)), and a refused request returns the old break. In the
 * order Linux checks them:
 *
 *   brk < min_brk (start_brk)                        -> refused
 *   brk - start_brk > RLIMIT_DATA (brk_limit)        -> refused
 *   PAGE_ALIGN(brk) == PAGE_ALIGN(old break)         -> moved, nothing mapped
 *   shrink, no VMA in [newbrk, oldbrk)               -> refused (Linux 6.1+)
 *   shrink                                           -> [newbrk, oldbrk) unmapped
 *                                                       (do_vmi_align_munmap: any
 *                                                       VMA there, heap or not)
 *   grow, check_brk_limits (below TASK_SIZE, mlock)  -> always passes here: the
 *                                                       heap's room lies inside
 *                                                       the window, nothing locks
 *   grow, next VMA starts before newbrk + PAGE_SIZE  -> refused: one free page
 *                                                       must stay above the heap
 *   grow                                             -> [oldbrk, newbrk) mapped
 *
 *        oldbrk        newbrk  newbrk + PAGE_SIZE
 *   heap |  grown pages  |  free page  |  next VMA (vm_start_gap(next))
 *
 * Linux's vm_start_gap() adds stack_guard_gap below a VM_GROWSDOWN VMA;
 * faultline has none, so the gap of next is its vm_start.
 */
#include "mm/vma.h"
#include "mm/mm_lock.h"

#define HEAP_FLAGS (VM_READ | VM_WRITE | VM_HEAP)

static vaddr_t brk_locked(struct mm_struct *mm, vaddr_t brk)
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
		/*
		 * Shrink: unmap and free [newbrk, oldbrk), whatever maps it,
		 * but only if something does (Linux 6.1+: vma_find over the
		 * range, else the old break).
		 */
		vma = find_vma(mm, newbrk);
		if (!vma || vma->vm_start >= oldbrk)
			return mm->brk;
		if (vma_unmap_needs_spare(mm, newbrk, oldbrk)) {
			spare = vma_alloc(mm);
			if (!spare)
				return mm->brk;
		}
		if (mm_split_edges(mm, newbrk, oldbrk)) {
			if (spare)
				vma_free(spare);
			return mm->brk;
		}
		mm_unmap_range(mm, newbrk, oldbrk, spare);
		goto done;
	}

	/* Grow: the first VMA above oldbrk must leave a free page above newbrk. */
	vma = find_vma_prev(mm, oldbrk, &prev);
	if (vma && newbrk + PAGE_SIZE > vma->vm_start)
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

/* brk(2) holds the mm as a writer (mm/mm_lock.h) for its whole change. */
vaddr_t do_brk(struct mm_struct *mm, vaddr_t brk)
{
	vaddr_t ret;

	mm_write_lock(mm);
	ret = brk_locked(mm, brk);
	mm_write_unlock(mm);
	return ret;
}
