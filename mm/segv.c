/* The segmentation-fault report: what was accessed, why it failed, and
 * which VMAs lie around the address. */
#include "mm/fault.h"
#include "lib/printf.h"
#include "mm/mm.h"
#include "mm/mm_lock.h"

static const char *access_name(unsigned flags)
{
	if (flags & FAULT_WRITE)
		return "write";
	if (flags & FAULT_EXEC)
		return "execute";
	if (flags & FAULT_READ)
		return "read";
	return "unknown access";
}

static const char *kind_name(unsigned flags)
{
	if (flags & FAULT_TRANSLATION)
		return "translation fault";
	if (flags & FAULT_PERMISSION)
		return "permission fault";
	if (flags & FAULT_ACCESS_FLAG)
		return "access flag fault";
	return "other fault";
}

static void print_vma(const char *what, const struct vm_area_struct *vma)
{
	if (!vma) {
		info("  %s: none", what);
		return;
	}
	info("  %s: [%#llx, %#llx) %c%c%c%s", what,
	     (unsigned long long)vma->vm_start, (unsigned long long)vma->vm_end,
	     vma->vm_flags & VM_READ ? 'r' : '-',
	     vma->vm_flags & VM_WRITE ? 'w' : '-',
	     vma->vm_flags & VM_EXEC ? 'x' : '-',
	     vma->vm_flags & VM_HEAP ? " [heap]" : "");
}

void segv_report(struct mm_struct *mm, vaddr_t addr, unsigned flags)
{
	struct vm_area_struct *vma, *prev;
	uint64_t *in_fault = &mm->MM_THIS_CPU(in_fault);

	info("segmentation fault: %s at %#llx (%s, level %u)", access_name(flags),
	     (unsigned long long)addr, kind_name(flags), FAULT_LEVEL(flags));
	mm_fault_enter(mm, in_fault); /* the VMAs hold still while they are read */
	vma = find_vma_prev(mm, addr, &prev);
	if (vma && vma->vm_start <= addr) {
		info("  cause: the area does not allow %s access", access_name(flags));
		print_vma("in", vma);
		print_vma("below", vma->vm_prev);
		print_vma("above", vma->vm_next);
	} else {
		info("  cause: no area maps this address");
		print_vma("below", prev);
		print_vma("above", vma);
	}
	mm_fault_exit(in_fault);
}
