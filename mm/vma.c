/*
 * The VMA set of an mm: a sorted doubly linked list for walking neighbours
 * and a red-black tree keyed by vm_start for O(log n) lookup, kept in step
 * by vma_link/vma_unlink. Because VMAs never overlap, trimming a VMA's
 * vm_start or vm_end in place never disturbs the tree's order.
 */
#include "mm/vma.h"
#include "lib/assert.h"

struct vm_area_struct *vma_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = objpool_alloc(&mm->vma_pool);

	if (vma) {
		vma->vm_mm = mm;
		vma->vm_next = vma->vm_prev = NULL;
	}
	return vma;
}

void vma_free(struct vm_area_struct *vma)
{
	objpool_free(&vma->vm_mm->vma_pool, vma);
}

void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct rb_node **link = &mm->mm_rb.rb_node, *parent = NULL;
	struct vm_area_struct *prev = NULL, *v;

	/* Descend by vm_start; the last node we went right of is prev. */
	while (*link) {
		parent = *link;
		v = rb_entry(parent, struct vm_area_struct, vm_rb);
		if (vma->vm_start < v->vm_start) {
			link = &parent->rb_left;
		} else {
			prev = v;
			link = &parent->rb_right;
		}
	}
	rb_link_node(&vma->vm_rb, parent, link);
	rb_insert_color(&vma->vm_rb, &mm->mm_rb);

	vma->vm_prev = prev;
	vma->vm_next = prev ? prev->vm_next : mm->mmap;
	if (vma->vm_next)
		vma->vm_next->vm_prev = vma;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	mm->map_count++;
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	rb_erase(&vma->vm_rb, &mm->mm_rb);
	if (vma->vm_prev)
		vma->vm_prev->vm_next = vma->vm_next;
	else
		mm->mmap = vma->vm_next;
	if (vma->vm_next)
		vma->vm_next->vm_prev = vma->vm_prev;
	mm_vmacache_forget(mm, vma); /* every CPU's */
	mm->map_count--;
}

struct vm_area_struct *vma_split(struct mm_struct *mm, struct vm_area_struct *vma,
				 vaddr_t addr, struct vm_area_struct *spare)
{
	assert(vma->vm_start < addr && addr < vma->vm_end);
	spare->vm_start = addr;
	spare->vm_end = vma->vm_end;
	spare->vm_flags = vma->vm_flags;
	vma->vm_end = addr;
	vma_link(mm, spare);
	return spare;
}

void vma_merge_range(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	struct vm_area_struct *v = find_vma(mm, start), *n;

	if (v && v->vm_prev)
		v = v->vm_prev;
	while (v && v->vm_start <= end && (n = v->vm_next)) {
		if (n->vm_start == v->vm_end && n->vm_flags == v->vm_flags) {
			v->vm_end = n->vm_end;
			vma_unlink(mm, n);
			vma_free(n);
		} else {
			v = n;
		}
	}
}

/*
 * find_vma is on the fault path: one compare against the cached VMA, else a
 * descent that stops at the first VMA containing addr. The cache holds the
 * last answer (even one that lies above addr: the containment test makes a
 * stale hit impossible), and vma_unlink drops it when that VMA goes.
 */
struct vm_area_struct *find_vma(struct mm_struct *mm, vaddr_t addr)
{
	struct vm_area_struct *vma = mm->vmacache, *best = NULL;
	struct rb_node *n;

	if (vma && vma->vm_start <= addr && addr < vma->vm_end)
		return vma;
	n = mm->mm_rb.rb_node;
	while (n) {
		vma = rb_entry(n, struct vm_area_struct, vm_rb);
		if (vma->vm_end > addr) {
			best = vma;
			if (vma->vm_start <= addr)
				break;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	if (mm->vmacache_on)
		mm->vmacache = best;
	return best;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, vaddr_t addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	struct rb_node *last;

	if (vma) {
		*pprev = vma->vm_prev;
	} else {
		last = rb_last(&mm->mm_rb);
		*pprev = last ? rb_entry(last, struct vm_area_struct, vm_rb) : NULL;
	}
	return vma;
}

bool vma_unmap_needs_spare(struct mm_struct *mm, vaddr_t start, vaddr_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	return vma && vma->vm_start < start && vma->vm_end > end;
}
