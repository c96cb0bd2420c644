/*
 * Editing an mm's set of VMAs, for mm/ itself: every edit keeps the list and
 * the tree in step and the lookup cache valid. The callers (mmap.c, brk.c)
 * allocate all the VMAs an operation needs before changing anything, so
 * once an edit starts it cannot fail.
 */
#ifndef MM_VMA_H
#define MM_VMA_H

#include "mm/mm.h"

/* vma_alloc: an unlinked VMA of mm, or NULL when no page is left. */
struct vm_area_struct *vma_alloc(struct mm_struct *mm);

/* vma_free: give back an unlinked VMA. */
void vma_free(struct vm_area_struct *vma);

/* vma_link: insert vma (its range free in mm) into the list and tree. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);

/* vma_unlink: remove vma from the list and tree (and the lookup cache). */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);

/*
 * vma_split: cut vma at addr (strictly inside it): vma keeps [vm_start,
 * addr), spare becomes [addr, vm_end) with the same flags and is linked.
 * Returns spare.
 */
struct vm_area_struct *vma_split(struct mm_struct *mm, struct vm_area_struct *vma,
				 vaddr_t addr, struct vm_area_struct *spare);

/* vma_merge_range: merge every touching pair of VMAs with equal flags from
 * the VMA before start through the one that starts at end. */
void vma_merge_range(struct mm_struct *mm, vaddr_t start, vaddr_t end);

/* vma_unmap_needs_spare: whether unmapping [start, end) cuts one VMA in
 * two (the only case that needs a new VMA). */
bool vma_unmap_needs_spare(struct mm_struct *mm, vaddr_t start, vaddr_t end);

/*
 * mm_unmap_range: unmap [start, end) (page aligned, inside the window):
 * free its data pages and emptied tables, trim, split or remove the VMAs.
 * spare must be a fresh VMA when vma_unmap_needs_spare says so (it is then
 * used), else NULL.
 */
void mm_unmap_range(struct mm_struct *mm, vaddr_t start, vaddr_t end,
		    struct vm_area_struct *spare);

#endif
