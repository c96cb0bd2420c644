/* An mm's life (init, destroy), its invariant checker and its dump. */
#include "mm/mm.h"
#include "mm/mm_lock.h"
#include "lib/assert.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/fault.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"
#include "mm/vma.h"

int mm_init(struct mm_struct *mm, struct pgtable *pgt)
{
	paddr_t zero = page_alloc();

	if (!zero)
		return -ENOMEM;
	arch_zero_page(arch_phys_to_virt(zero));
	*mm = (struct mm_struct){
		.mm_rb = RB_ROOT,
		.vmacache_on = true,
		.start_brk = MM_HEAP_BASE,
		.brk = MM_HEAP_BASE,
		.brk_limit = MM_HEAP_MAX,
		.mmap_base = TASK_SIZE,
		.free_area_cache = TASK_SIZE,
		.pgt = pgt,
		.zero_pa = zero,
	};
	objpool_init(&mm->vma_pool, ALIGN_UP(sizeof(struct vm_area_struct), 8));
	return 0;
}

int mm_setup(struct mm_struct *mm, struct pgtable *pgt)
{
	int err = mm_init(mm, pgt);

	if (!err)
		current_mm = mm;
	return err;
}

void mm_destroy(struct mm_struct *mm)
{
	if (mm->mmap)
		mm_unmap_range(mm, TASK_UNMAPPED_BASE, TASK_SIZE, NULL);
	page_free(mm->zero_pa);
	mm->zero_pa = 0;
	mm_drop_huge_zero(mm);
	if (current_mm == mm)
		current_mm = NULL;
}

int mm_set_folios(struct mm_struct *mm, unsigned orders)
{
	if (orders & ~FOLIO_ORDERS_ALL)
		return -EINVAL;
	mm->folio_orders = orders;
	return 0;
}

void mm_drop_huge_zero(struct mm_struct *mm)
{
	if (mm->huge_zero_pa)
		page_free_run(mm->huge_zero_pa, BIT(BLOCK_ORDER));
	mm->huge_zero_pa = 0;
}

void mm_set_thp(struct mm_struct *mm, bool on)
{
	mm->thp = on;
}

void mm_set_vmacache(struct mm_struct *mm, bool on)
{
	mm->vmacache_on = on;
	mm_vmacache_forget(mm, NULL);
}

/* Table pages below the level-`level` table `t`, for the VA span [lo, hi). */
static size_t count_tables(const pte_t *t, int level, vaddr_t base, vaddr_t lo,
			   vaddr_t hi)
{
	vaddr_t size = level_size(level), va;
	size_t n = 0, i;

	if (level == PGT_LAST_LEVEL)
		return 0;
	for (i = 0, va = base; i < PGT_PTES; i++, va += size) {
		if (va + size <= lo || va >= hi || !arch_pte_is_table(t[i], level))
			continue;
		n += 1 + count_tables(arch_phys_to_virt(arch_pte_addr(t[i], level)),
				      level + 1, va, lo, hi);
	}
	return n;
}

size_t mm_table_pages(const struct mm_struct *mm)
{
	return count_tables(mm->pgt->root, PGT_ROOT_LEVEL, 0, TASK_UNMAPPED_BASE, TASK_SIZE);
}

static bool vma_less(const struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct vm_area_struct, vm_rb)->vm_end <=
	       rb_entry(b, struct vm_area_struct, vm_rb)->vm_start;
}

#define FAIL(...)                                   \
	do {                                        \
		kprintf("mm_check: " __VA_ARGS__);  \
		kprintf("\n");                      \
		return -EINVAL;                     \
	} while (0)

/*
 * Whether the page at va (slot ptep), which has MM_CONT, is part of a
 * consistent contiguous range (pgt_cont_ok) inside vma.
 */
static bool cont_ok(const struct vm_area_struct *vma, const pte_t *ptep, vaddr_t va)
{
	vaddr_t base = ALIGN_DOWN(va, CONT_PTE_SIZE);

	return base >= vma->vm_start && base + CONT_PTE_SIZE <= vma->vm_end &&
	       pgt_cont_ok(ptep, va);
}

/* The pages under one VMA: attributes within its access (kept, MM_NONE,
 * exactly when it allows none), the zero page never writable, data pages
 * allocated. Adds the data pages, kept ones included, to *pages. */
static int check_pages(struct mm_struct *mm, const struct vm_area_struct *vma,
		       size_t *pages)
{
	vaddr_t va = vma->vm_start;
	const pte_t *ptep;
	unsigned attrs;
	paddr_t pa;
	int level;

	while (va < vma->vm_end) {
		ptep = pgt_descend(mm->pgt, va, PGT_LAST_LEVEL, &level);
		if (level < PGT_LAST_LEVEL && !arch_pte_present(*ptep)) {
			/* no table below: skip the slot's span */
			va = ALIGN_DOWN(va, level_size(level)) + level_size(level);
			continue;
		}
		if (level < BLOCK_LEVEL)
			FAIL("level-%d leaf at %#llx", level, (unsigned long long)va);
		if (level == BLOCK_LEVEL) {
			/* A block: aligned, inside the VMA, attributes as a page's. */
			pa = arch_pte_addr(*ptep, BLOCK_LEVEL);
			attrs = arch_pte_attrs(*ptep, BLOCK_LEVEL);
			if (!IS_ALIGNED(va, BLOCK_SIZE) || va + BLOCK_SIZE > vma->vm_end ||
			    !IS_ALIGNED(pa, BLOCK_SIZE) || (attrs & MM_CONT))
				FAIL("block at %#llx misaligned or across its VMA's edge",
				     (unsigned long long)va);
			if ((attrs == MM_NONE) != !(vma->vm_flags & VM_ACCESS) ||
			    (attrs != MM_NONE && (attrs & ~(vma->vm_flags & VM_ACCESS))))
				FAIL("block %#llx has attrs %#x beyond its VMA's %#lx",
				     (unsigned long long)va, attrs, vma->vm_flags);
			if (mm->huge_zero_pa && pa == mm->huge_zero_pa) {
				if (attrs & MM_WRITE)
					FAIL("huge zero page writable at %#llx",
					     (unsigned long long)va);
			} else {
				for (size_t i = 0; i < BIT(BLOCK_ORDER); i++)
					if (page_is_free(pa + i * PAGE_SIZE))
						FAIL("block %#llx maps free page %#llx",
						     (unsigned long long)va,
						     (unsigned long long)(pa + i * PAGE_SIZE));
				*pages += BIT(BLOCK_ORDER);
			}
			va += BLOCK_SIZE;
			continue;
		}
		if (arch_pte_present(*ptep)) {
			pa = arch_pte_addr(*ptep, PGT_LAST_LEVEL);
			attrs = arch_pte_attrs(*ptep, PGT_LAST_LEVEL);
			if ((attrs & MM_CONT) && !cont_ok(vma, ptep, va))
				FAIL("contiguous range at %#llx inconsistent or across its VMA's edge",
				     (unsigned long long)va);
			attrs &= ~MM_CONT;
			if ((attrs == MM_NONE) != !(vma->vm_flags & VM_ACCESS) ||
			    (attrs != MM_NONE && (attrs & ~(vma->vm_flags & VM_ACCESS))))
				FAIL("page %#llx has attrs %#x beyond its VMA's %#lx",
				     (unsigned long long)va, attrs, vma->vm_flags);
			if (pa == mm->zero_pa) {
				if (attrs & MM_WRITE)
					FAIL("zero page writable at %#llx",
					     (unsigned long long)va);
			} else {
				if (page_is_free(pa))
					FAIL("page %#llx maps free page %#llx",
					     (unsigned long long)va,
					     (unsigned long long)pa);
				(*pages)++;
			}
		}
		va += PAGE_SIZE;
	}
	return 0;
}

static int check_locked(struct mm_struct *mm)
{
	const struct vm_area_struct *v, *prev = NULL;
	const uint64_t *zero;
	struct rb_node *n;
	size_t count = 0, pages = 0, i;
	long nodes;

	nodes = rb_check(&mm->mm_rb, vma_less);
	if (nodes < 0)
		FAIL("VMA tree broken");
	for (v = mm->mmap, n = rb_first(&mm->mm_rb); v; prev = v, v = v->vm_next) {
		if (n != &v->vm_rb)
			FAIL("list and tree disagree at VMA #%zu", count);
		n = rb_next(n);
		if (v->vm_prev != prev)
			FAIL("VMA #%zu has a wrong vm_prev", count);
		if (v->vm_mm != mm)
			FAIL("VMA #%zu belongs to another mm", count);
		if (v->vm_start >= v->vm_end || !IS_ALIGNED(v->vm_start, PAGE_SIZE) ||
		    !IS_ALIGNED(v->vm_end, PAGE_SIZE) ||
		    v->vm_start < TASK_UNMAPPED_BASE || v->vm_end > TASK_SIZE)
			FAIL("bad VMA [%#llx, %#llx)", (unsigned long long)v->vm_start,
			     (unsigned long long)v->vm_end);
		if (prev && prev->vm_end > v->vm_start)
			FAIL("VMAs overlap at %#llx", (unsigned long long)v->vm_start);
		if (prev && prev->vm_end == v->vm_start && prev->vm_flags == v->vm_flags)
			FAIL("unmerged neighbours at %#llx", (unsigned long long)v->vm_start);
		if (((v->vm_flags & VM_WRITE) && !(v->vm_flags & VM_READ)) ||
		    ((v->vm_flags & VM_WRITE) && (v->vm_flags & VM_EXEC)))
			FAIL("bad flags %#lx at %#llx", v->vm_flags,
			     (unsigned long long)v->vm_start);
		if (check_pages(mm, v, &pages))
			return -EINVAL;
		count++;
	}
	if (n)
		FAIL("the tree has more VMAs than the list");
	if (count != mm->map_count || (size_t)nodes != count)
		FAIL("map_count %zu, list %zu, tree %ld", mm->map_count, count, nodes);
	if (mm->vma_pool.nr_objs != count)
		FAIL("%zu VMA objects allocated for %zu VMAs", mm->vma_pool.nr_objs, count);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct vm_area_struct *c = mm->pcpu[cpu].pcpu_vmacache;

		for (v = mm->mmap; c && v && v != c; v = v->vm_next)
			;
		if (c && !v)
			FAIL("CPU %u's lookup cache points to no VMA of the mm", cpu);
	}
	if (pages != mm_resident_pages(mm))
		FAIL("%zu data pages mapped, the counters say %zu", pages,
		     mm_resident_pages(mm));
	if (mm->brk < mm->start_brk || mm->brk - mm->start_brk > mm->brk_limit)
		FAIL("break %#llx outside the heap", (unsigned long long)mm->brk);
	zero = arch_phys_to_virt(mm->zero_pa);
	for (i = 0; i < PAGE_SIZE / sizeof(*zero); i++)
		if (zero[i])
			FAIL("the zero page is not zero at +%#zx", i * sizeof(*zero));
	return 0;
}

/* mm_check holds the mm as a writer: no fault changes it while it is read. */
int mm_check(struct mm_struct *mm)
{
	int ret;

	mm_write_lock(mm);
	ret = check_locked(mm);
	mm_write_unlock(mm);
	return ret;
}

void mm_dump(struct mm_struct *mm)
{
	const struct vm_area_struct *v;

	kprintf("mm %p: %zu VMAs, brk [%#llx, %#llx), %zu pages, %zu tables\n",
		(void *)mm, mm->map_count, (unsigned long long)mm->start_brk,
		(unsigned long long)mm->brk, mm_resident_pages(mm), mm_table_pages(mm));
	for (v = mm->mmap; v; v = v->vm_next)
		kprintf("  [%#llx, %#llx) %c%c%c%s\n", (unsigned long long)v->vm_start,
			(unsigned long long)v->vm_end, v->vm_flags & VM_READ ? 'r' : '-',
			v->vm_flags & VM_WRITE ? 'w' : '-', v->vm_flags & VM_EXEC ? 'x' : '-',
			v->vm_flags & VM_HEAP ? " [heap]" : "");
#define N(name) (unsigned long long)mm_counter_sum(mm, offsetof(struct mm_pcpu, pcpu_##name))
	kprintf("  folios: %llu faults, %llu pages, %llu fallbacks\n",
		N(nr_fault_folio), N(nr_folio_pages), N(nr_folio_fallback));
	kprintf("  faults: zero %llu anon %llu cow %llu wp %llu af %llu spurious %llu "
		"segv %llu oom %llu\n",
		N(nr_fault_zero), N(nr_fault_anon), N(nr_fault_cow), N(nr_fault_wp),
		N(nr_fault_af), N(nr_fault_spurious), N(nr_fault_segv), N(nr_fault_oom));
#undef N
}
