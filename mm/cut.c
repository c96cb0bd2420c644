/*
 * Cuts of an mm's address range: what munmap, mmap(MAP_FIXED), mprotect
 * and brk do to the page tables before they change the VMA set.
 *
 * A cut is the page-table prepare/commit pair of mm/pgtable.h
 * (pgt_cut_prepare, pgt_cut_commit; Hafnium's prepare/commit): prepare
 * takes the table pages every leaf the range's edges cut needs (a block,
 * or a 1 GiB leaf above it) or none, commit splits them and unfolds the
 * contiguous ranges the edges cut, and cannot fail. After it, every leaf
 * met lies wholly inside the range, so the pgt_unmap and pgt_protect
 * calls that follow need no memory and cannot fail either. A huge zero
 * block that is split becomes zero-page entries (the cut's alias).
 *
 * mm_unmap_range is here too: it is the cut's user that mm.c (mm_destroy)
 * and mmap.c (munmap, MAP_FIXED) share, so neither file calls into the
 * other.
 */
#include "lib/assert.h"
#include "lib/errno.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/vma.h"

int mm_split_edges(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	struct pgt_cut cut;
	int err = pgt_cut_prepare(mm->pgt, start, end, &cut);

	if (err)
		return err;
	cut.alias_from = mm->huge_zero_pa;
	cut.alias_to = mm->zero_pa;
	pgt_cut_commit(mm->pgt, &cut);
	return 0;
}

/* pgt_unmap's callback: free a data page (never the shared zero page). */
static void release_page(paddr_t pa, void *ctx)
{
	struct mm_struct *mm = ctx;

	if (pa == mm->zero_pa || (mm->huge_zero_pa && pa - mm->huge_zero_pa < BLOCK_SIZE))
		return;
	page_free(pa);
	mm->nr_pages_freed++;
}

/* Unmap the pages of [start, end) and free emptied tables (after a cut: cannot fail). */
static void unmap_pages(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	int err = pgt_unmap(mm->pgt, start, end - start, release_page, mm);

	assert(err == 0);
	(void)err;
}

void mm_unmap_range(struct mm_struct *mm, vaddr_t start, vaddr_t end,
		    struct vm_area_struct *spare)
{
	struct vm_area_struct *vma = find_vma(mm, start), *next;

	assert(!spare == !vma_unmap_needs_spare(mm, start, end));
	/* Pages exist only under VMAs: unmap each overlap, not the holes. */
	for (next = vma; next && next->vm_start < end; next = next->vm_next)
		unmap_pages(mm, MAX(start, next->vm_start), MIN(end, next->vm_end));

	for (; vma && vma->vm_start < end; vma = next) {
		next = vma->vm_next;
		if (vma->vm_start < start && vma->vm_end > end) {
			vma_split(mm, vma, end, spare);
			vma->vm_end = start;
			break;
		}
		if (vma->vm_start < start) {
			vma->vm_end = start;
		} else if (vma->vm_end > end) {
			vma->vm_start = end;
		} else {
			vma_unlink(mm, vma);
			vma_free(vma);
		}
	}
	if (end > mm->free_area_cache)
		mm->free_area_cache = MIN(end, mm->mmap_base);
}
