/*
 * In-guest tests of the boot cache maintenance (arch/aarch64/cache.S and
 * mmu_init): the routine's line arithmetic, that it never loses data
 * outside its range, and that mmu_init invalidated exactly what was written
 * with the MMU off -- the writable image, the allocator's bitmaps and every
 * table page -- and nothing else. QEMU does not model caches, so these
 * check what can be checked there: ranges, counts and contents.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/cache.h"
#include "arch/aarch64/image.h"
#include "board/board.h"
#include "mm/page_alloc.h"
#include "tests/guest/probe.h"

/* Lines the routine must touch for [start, end): every line it overlaps. */
static size_t lines_of(uintptr_t start, uintptr_t end, size_t line)
{
	if (end <= start)
		return 0;
	return (ALIGN_UP(end, line) - ALIGN_DOWN(start, line)) / line;
}

/* Whether [start, end) lies inside one range of the record. */
static bool covered(const struct mmu_inval *d, paddr_t start, paddr_t end)
{
	for (size_t i = 0; i < d->nrange; i++)
		if (start >= d->range[i].base && end <= d->range[i].base + d->range[i].size)
			return true;
	return false;
}

/* Whether every table page of the boot map's walk for va was invalidated. */
static bool walk_covered(const struct mmu_inval *d, vaddr_t va)
{
	paddr_t table = kernel_pgt.root_pa;

	for (int level = PGT_ROOT_LEVEL;; level++) {
		const pte_t *t = arch_phys_to_virt(table);
		pte_t e = t[pgt_index(va, level)];

		if (!covered(d, table, table + PAGE_SIZE)) {
			ktest_note("va %#llx: level-%d table %#llx not invalidated",
				   (unsigned long long)va, level, (unsigned long long)table);
			return false;
		}
		if (level == PGT_LAST_LEVEL || !arch_pte_valid(e) || !arch_pte_is_table(e, level))
			return true;
		table = arch_pte_addr(e, level);
	}
}

KTEST(cache_line_size_from_ctr)
{
	unsigned dminline = sysreg_field(read_sysreg(ctr_el0), CTR_EL0_DminLine_SHIFT, 4);
	size_t line = dcache_line_size();

	KEXPECT_EQ(line, 4ull << dminline);
	KEXPECT_GE(line, 16);
	KEXPECT_LE(line, 2048);
}

KTEST(cache_inval_counts_lines)
{
	size_t line = dcache_line_size();
	paddr_t pa = page_alloc();
	uintptr_t p;

	KASSERT_NE(pa, 0);
	p = (uintptr_t)arch_phys_to_virt(pa);
	/* Contents to the PoC first, so the invalidation loses nothing. */
	for (uintptr_t a = p; a < p + PAGE_SIZE; a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
	KEXPECT_EQ(dcache_inval_poc(p, p), 0);
	KEXPECT_EQ(dcache_inval_poc(p + 8, p), 0);
	KEXPECT_EQ(dcache_inval_poc(p, p + 1), 1);
	KEXPECT_EQ(dcache_inval_poc(p + 1, p + 2), 1);
	KEXPECT_EQ(dcache_inval_poc(p + line - 1, p + line + 1), 2);
	KEXPECT_EQ(dcache_inval_poc(p, p + PAGE_SIZE), PAGE_SIZE / line);
	KEXPECT_EQ(dcache_inval_poc(p + 3, p + 3 + 2 * line + 5),
		   lines_of(p + 3, p + 3 + 2 * line + 5, line));
	page_free(pa);
}

KTEST(cache_inval_keeps_data_around_range)
{
	size_t line = dcache_line_size();
	paddr_t pa = page_alloc();
	volatile uint8_t *b;
	size_t bad = 0;

	KASSERT_NE(pa, 0);
	b = arch_phys_to_virt(pa);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	/* Partial lines at both ends are cleaned before they are dropped,
	 * so the bytes just outside the range keep what was written. */
	dcache_inval_poc((uintptr_t)b + line + 5, (uintptr_t)b + 3 * line - 9);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if ((i < line + 5 || i >= 3 * line - 9) && b[i] != (uint8_t)(i * 7 + 1))
			bad++;
	KEXPECT_EQ(bad, 0);
	page_free(pa);
}

/* The bitmaps and every boot table page were invalidated before they were
 * first written with the MMU off, not only before the MMU went on. */
KTEST(cache_boot_inval_before_write)
{
	const struct mmu_inval *d = mmu_boot_inval_before();
	size_t bytes = 0;
	struct mem_range bm;

	page_alloc_bitmap_range(&bm);
	KASSERT(!d->overflow);
	KEXPECT_NE(bm.size, 0);
	KEXPECT(covered(d, bm.base, bm.base + bm.size));
	KEXPECT(walk_covered(d, (vaddr_t)__text_start));
	KEXPECT(walk_covered(d, (vaddr_t)__data_start));
	KEXPECT(walk_covered(d, (vaddr_t)__exc_stack_top - 1));
	KEXPECT(walk_covered(d, bm.base));
	KEXPECT(walk_covered(d, board_console_mmio()));
	/* Exactly the bitmaps and the boot table pages, nothing else. */
	for (size_t i = 0; i < d->nrange; i++)
		bytes += d->range[i].size;
	KEXPECT_EQ(bytes, bm.size + mmu_boot_inval()->pgt_pages * PAGE_SIZE);
}

KTEST(cache_boot_inval_exact_ranges)
{
	const struct mmu_inval *d = mmu_boot_inval();
	size_t line = dcache_line_size(), bytes = 0;
	paddr_t rw = (paddr_t)__rodata_start, end = (paddr_t)__image_end;
	struct mem_range bm;
	paddr_t pa;

	page_alloc_bitmap_range(&bm);
	KASSERT(!d->overflow);
	KASSERT_NE(d->nrange, 0);

	/* Each range written with the MMU off was invalidated... */
	KEXPECT(covered(d, rw, end));
	KEXPECT_NE(bm.size, 0);
	KEXPECT(covered(d, bm.base, bm.base + bm.size));
	KEXPECT_EQ(d->table_pages, d->pgt_pages);
	KEXPECT(walk_covered(d, (vaddr_t)__text_start));
	KEXPECT(walk_covered(d, (vaddr_t)__data_start));
	KEXPECT(walk_covered(d, (vaddr_t)__exc_stack_top - 1));
	KEXPECT(walk_covered(d, bm.base));
	KEXPECT(walk_covered(d, board_console_mmio()));
	pa = page_alloc();
	KASSERT_NE(pa, 0);
	KEXPECT(walk_covered(d, pa));
	page_free(pa);

	/* ... and nothing else: the record adds up to exactly those bytes
	 * (the ranges are disjoint), with the lines the routine must count. */
	for (size_t i = 0; i < d->nrange; i++)
		bytes += d->range[i].size;
	KEXPECT_EQ(bytes, (end - rw) + bm.size + d->table_pages * PAGE_SIZE);
	KEXPECT_EQ(d->lines, (end - rw) / line + lines_of(bm.base, bm.base + bm.size, line) +
				     d->table_pages * PAGE_SIZE / line);
}
