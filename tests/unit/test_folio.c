/*
 * Large anonymous folios against the fake MMU, at every granule (the
 * contiguous range is 16, 128 or 32 pages): which folio a write fault
 * maps, its fallbacks (VMA edges, non-empty entries, an allocator without
 * aligned runs), the Contiguous bit over whole ranges only, and the splits
 * that munmap, mprotect and a brk shrink make when they cut a range, with
 * break-before-make, contents kept and exact page and table accounting.
 */
#include "mm_test.h"

#define CONT_ORDER CONT_PTE_BITS /* the folio of one contiguous range */

/* Map n pages read-write at LAYOUT_VA + off (block aligned plus off). */
static vaddr_t map_at(struct mm_env *e, uint64_t off, uint64_t n)
{
	vaddr_t va;

	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA + off, n * PAGE_SIZE,
				 PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &va), 0);
	return va;
}

/*
 * The n pages from va are one folio: one physical run aligned to its size,
 * attributes `attrs` on every entry (MM_CONT included or not).
 */
static void expect_folio(struct mm_env *e, vaddr_t va, size_t n, unsigned attrs)
{
	paddr_t pa0, pa;
	unsigned a;
	int level;

	assert_int_equal(pgt_lookup(&e->pgt, va, &pa0, &a, &level), 0);
	assert_int_equal(pa0 % (n * PAGE_SIZE), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pgt_lookup(&e->pgt, va + i * PAGE_SIZE, &pa, &a, &level), 0);
		assert_int_equal(level, PGT_LAST_LEVEL);
		assert_int_equal(pa, pa0 + i * PAGE_SIZE);
		assert_int_equal(a, attrs);
	}
}

/* The attributes of the page at va. */
static unsigned attrs_at(struct mm_env *e, vaddr_t va)
{
	unsigned a = 0;

	assert_int_equal(pgt_lookup(&e->pgt, va, NULL, &a, NULL), 0);
	return a;
}

static void test_set_folios(void **state)
{
	struct mm_env *e = *state;

	assert_int_equal(mm_set_folios(&e->mm, BIT(0)), -EINVAL); /* a base page */
	assert_int_equal(mm_set_folios(&e->mm, BIT(FOLIO_MAX_ORDER + 1)), -EINVAL);
	assert_int_equal(mm_set_folios(&e->mm, BIT(1) | BIT(FOLIO_MAX_ORDER)), 0);
	assert_int_equal(e->mm.folio_orders, BIT(1) | BIT(FOLIO_MAX_ORDER));
	assert_int_equal(mm_set_folios(&e->mm, 0), 0);
}

/* The largest enabled folio around the address, zeroed, contiguous bit on every entry. */
static void test_largest_fits(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, 2 * CONT_PTES);
	paddr_t pa;

	assert_int_equal(mm_set_folios(&e->mm, BIT(2) | BIT(CONT_ORDER)), 0);
	assert_int_equal(touch(&e->mm, va + 3 * PAGE_SIZE, FAULT_WRITE, &pa), 0);
	expect_folio(e, va, CONT_PTES, MM_READ | MM_WRITE | MM_CONT);
	assert_int_equal(e->mm.nr_fault_folio, 1);
	assert_int_equal(e->mm.nr_folio_pages, CONT_PTES);
	assert_int_equal(e->mm.nr_fault_anon, 0);
	assert_int_equal(mm_resident_pages(&e->mm), CONT_PTES);
	for (size_t k = 0; k < CONT_PTE_SIZE; k++)
		if (host_ptr(pa - 3 * PAGE_SIZE)[k])
			fail_msg("folio byte %zu not zeroed", k);
	/* Every page of the range now translates without a fault. */
	for (size_t i = 0; i < CONT_PTES; i++)
		assert_int_equal(fake_translate(&e->pgt, va + i * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	/* Reads keep mapping the zero page, one base page at a time. */
	assert_int_equal(touch(&e->mm, va + CONT_PTE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(attrs_at(e, va + CONT_PTE_SIZE), MM_READ);
	assert_int_equal(pgt_check(&e->pgt), 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* At a VMA edge the range no longer fits: the next order down, then a base page. */
static void test_fallback_vma_edge(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, CONT_PTES - 1);

	assert_int_equal(mm_set_folios(&e->mm, BIT(2) | BIT(CONT_ORDER)), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	expect_folio(e, va, 4, MM_READ | MM_WRITE); /* four pages: no contiguous bit */
	assert_int_equal(touch(&e->mm, va + (CONT_PTES - 2) * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_folio, 1);
	assert_int_equal(e->mm.nr_fault_anon, 1);
	assert_int_equal(mm_resident_pages(&e->mm), 5);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* A zero page inside the range rules it out (Linux's pte_range_none). */
static void test_fallback_not_empty(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, CONT_PTES);

	assert_int_equal(mm_set_folios(&e->mm, BIT(2) | BIT(CONT_ORDER)), 0);
	assert_int_equal(touch(&e->mm, va + 5 * PAGE_SIZE, FAULT_READ, NULL), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	expect_folio(e, va, 4, MM_READ | MM_WRITE);
	/* The write to the zero page replaces one base page. */
	assert_int_equal(touch(&e->mm, va + 5 * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_cow, 1);
	assert_int_equal(attrs_at(e, va + 5 * PAGE_SIZE), MM_READ | MM_WRITE);
	assert_int_equal(mm_resident_pages(&e->mm), 5); /* the folio and the replacement */
	assert_int_equal(mm_check(&e->mm), 0);
}

/* No aligned run in the allocator: counted fallbacks, down to a base page. */
static void test_fallback_alloc(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, CONT_PTES);
	static paddr_t pages[1 << 16];
	size_t n = 0, i;
	paddr_t pa;

	assert_int_equal(mm_set_folios(&e->mm, BIT(1) | BIT(CONT_ORDER)), 0);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, NULL), 0); /* tables */
	while ((pa = page_alloc()))
		pages[n++] = pa;
	for (i = 0; i < n; i += 2) /* every other page: no two-page run is free */
		page_free(pages[i]);
	assert_int_equal(touch(&e->mm, va + 2 * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	/* the range holds the zero page: only order 1 was tried, and had no run */
	assert_int_equal(e->mm.nr_folio_fallback, 1);
	assert_int_equal(e->mm.nr_fault_folio, 0);
	assert_int_equal(e->mm.nr_fault_anon, 1);
	assert_int_equal(attrs_at(e, va + 2 * PAGE_SIZE), MM_READ | MM_WRITE);
	assert_int_equal(mm_check(&e->mm), 0);
	for (i = 1; i < n; i += 2)
		page_free(pages[i]);
	/* With runs back, the next write takes a two-page folio (the range has a zero page). */
	assert_int_equal(touch(&e->mm, va + 6 * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	expect_folio(e, va + 6 * PAGE_SIZE, 2, MM_READ | MM_WRITE);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* Fill the folio at va with a pattern of its page numbers. */
static void fill(struct mm_env *e, vaddr_t va, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		paddr_t pa;

		assert_int_equal(touch(&e->mm, va + i * PAGE_SIZE, FAULT_WRITE, &pa), 0);
		host_ptr(pa)[0] = (uint8_t)(i + 1);
	}
}

/* Pages still mapped hold their pattern. */
static void expect_filled(struct mm_env *e, vaddr_t va, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		paddr_t pa;

		assert_int_equal(fake_translate(&e->pgt, va + i * PAGE_SIZE, FAULT_READ, &pa), 0);
		assert_int_equal(host_ptr(pa)[0], (uint8_t)(i + 1));
	}
}

/* munmap of one page inside a range: the range is unfolded (whole break), the rest kept. */
static void test_munmap_splits(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, 2 * CONT_PTES);
	size_t free0, tables;
	paddr_t pa;

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_ORDER)), 0);
	fill(e, va, 2 * CONT_PTES);
	assert_int_equal(e->mm.nr_fault_folio, 2);
	assert_int_equal(pgt_lookup(&e->pgt, va + 5 * PAGE_SIZE, &pa, NULL, NULL), 0);
	free0 = page_free_count();
	tables = mm_table_pages(&e->mm);
	fake_stats_reset();
	assert_int_equal(do_munmap(&e->mm, va + 5 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(fake_stats.bbm_violations, 0);
	assert_true(page_is_free(pa));
	assert_int_equal(page_free_count(), free0 + 1);
	assert_int_equal(mm_table_pages(&e->mm), tables);
	assert_int_equal(mm_resident_pages(&e->mm), 2 * CONT_PTES - 1);
	assert_int_equal(attrs_at(e, va), MM_READ | MM_WRITE); /* unfolded */
	assert_int_equal(attrs_at(e, va + CONT_PTE_SIZE), MM_READ | MM_WRITE | MM_CONT);
	expect_filled(e, va, 0, 5);
	expect_filled(e, va, 6, 2 * CONT_PTES);
	assert_int_equal(touch(&e->mm, va + 5 * PAGE_SIZE, FAULT_READ, NULL), -EFAULT);
	assert_int_equal(pgt_check(&e->pgt), 0);
	assert_int_equal(mm_check(&e->mm), 0);
	/* An unmap of a whole range keeps its neighbour's bit. */
	assert_int_equal(do_munmap(&e->mm, va, CONT_PTE_SIZE), 0);
	assert_int_equal(attrs_at(e, va + CONT_PTE_SIZE), MM_READ | MM_WRITE | MM_CONT);
	assert_int_equal(mm_resident_pages(&e->mm), CONT_PTES);
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * mprotect: half a range makes it unfold; a whole range keeps its bit and
 * changes together; the write upgrade after it changes the whole range.
 */
static void test_mprotect_splits(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, 2 * CONT_PTES);

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_ORDER)), 0);
	fill(e, va, 2 * CONT_PTES);
	fake_stats_reset();
	assert_int_equal(do_mprotect(&e->mm, va, CONT_PTE_SIZE / 2, PROT_READ), 0);
	assert_int_equal(attrs_at(e, va), MM_READ);
	assert_int_equal(attrs_at(e, va + CONT_PTE_SIZE / 2), MM_READ | MM_WRITE);
	assert_int_equal(mm_check(&e->mm), 0);

	assert_int_equal(do_mprotect(&e->mm, va + CONT_PTE_SIZE, CONT_PTE_SIZE, PROT_READ), 0);
	expect_folio(e, va + CONT_PTE_SIZE, CONT_PTES, MM_READ | MM_CONT);
	assert_int_equal(do_mprotect(&e->mm, va, 2 * CONT_PTE_SIZE, PROT_NONE), 0);
	assert_int_equal(attrs_at(e, va + CONT_PTE_SIZE), MM_NONE);
	assert_int_equal(mm_check(&e->mm), 0);
	assert_int_equal(do_mprotect(&e->mm, va, 2 * CONT_PTE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(mm_check(&e->mm), 0);
	expect_filled(e, va, 0, 2 * CONT_PTES);
	assert_int_equal(fake_stats.bbm_violations, 0);

	/* A range kept read-only, then made writable: one write upgrades all of it. */
	assert_int_equal(do_munmap(&e->mm, va, 2 * CONT_PTE_SIZE), 0);
	va = map_at(e, 0, CONT_PTES);
	fill(e, va, CONT_PTES);
	assert_int_equal(do_mprotect(&e->mm, va, CONT_PTE_SIZE, PROT_READ), 0);
	expect_folio(e, va, CONT_PTES, MM_READ | MM_CONT);
	assert_int_equal(do_mprotect(&e->mm, va, CONT_PTE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_READ, NULL), 0); /* range cached */
	fake_stats_reset();
	assert_int_equal(touch(&e->mm, va + 7 * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	assert_int_equal(fake_stats.bbm_violations, 0);
	expect_folio(e, va, CONT_PTES, MM_READ | MM_WRITE | MM_CONT);
	for (size_t i = 0; i < CONT_PTES; i++)
		assert_int_equal(fake_translate(&e->pgt, va + i * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	expect_filled(e, va, 0, CONT_PTES);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* A brk shrink that cuts a range unfolds it and frees exactly the pages above. */
static void test_brk_shrink_splits(void **state)
{
	struct mm_env *e = *state;
	vaddr_t base = e->mm.start_brk;

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_ORDER)), 0);
	assert_int_equal(do_brk(&e->mm, base + CONT_PTE_SIZE), base + CONT_PTE_SIZE);
	fill(e, base, CONT_PTES);
	assert_int_equal(e->mm.nr_fault_folio, 1);
	assert_int_equal(do_brk(&e->mm, base + 3 * PAGE_SIZE), base + 3 * PAGE_SIZE);
	assert_int_equal(mm_resident_pages(&e->mm), 3);
	assert_int_equal(attrs_at(e, base), MM_READ | MM_WRITE);
	expect_filled(e, base, 0, 3);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* The fake TLB caches a whole range from one access, as the hardware may. */
static void test_tlb_range(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, CONT_PTES);

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_ORDER)), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	fake_tlb_reset();
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_READ, NULL), 0);
	assert_true(fake_tlb_cached(va + (CONT_PTES - 1) * PAGE_SIZE));
	/* Unfolding flushes the range: no entry of it survives. */
	assert_int_equal(pgt_unfold(&e->pgt, va + PAGE_SIZE), 1);
	assert_false(fake_tlb_cached(va));
	assert_int_equal(pgt_unfold(&e->pgt, va + PAGE_SIZE), 0);
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_READ, NULL), 0);
	assert_false(fake_tlb_cached(va + PAGE_SIZE));
	assert_int_equal(mm_check(&e->mm), 0);
}

/* With folios, mmap aligns a new area to the largest folio size its length reaches. */
static void test_mmap_aligns(void **state)
{
	struct mm_env *e = *state;
	vaddr_t a, b, c;

	assert_int_equal(do_mmap(&e->mm, 0, 3 * PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS, &a), 0);
	assert_int_equal(mm_set_folios(&e->mm, BIT(1) | BIT(CONT_ORDER)), 0);
	assert_int_equal(do_mmap(&e->mm, 0, CONT_PTE_SIZE + PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, &b), 0);
	assert_int_equal(b % CONT_PTE_SIZE, 0);
	assert_true(b + CONT_PTE_SIZE + PAGE_SIZE <= a);
	assert_int_equal(do_mmap(&e->mm, 0, 3 * PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS, &c), 0);
	assert_int_equal(c % (2 * PAGE_SIZE), 0);
	/* The whole first range of b is one folio with the bit. */
	assert_int_equal(touch(&e->mm, b + PAGE_SIZE, FAULT_WRITE, NULL), 0);
	expect_folio(e, b, CONT_PTES, MM_READ | MM_WRITE | MM_CONT);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* pgt_check and mm_check refuse an inconsistent range. */
static void test_check_catches(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_at(e, 0, CONT_PTES);
	pte_t *slot, saved;

	assert_int_equal(mm_set_folios(&e->mm, BIT(CONT_ORDER)), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	slot = pgt_walk(&e->pgt, va + 2 * PAGE_SIZE);
	saved = *slot;
	*slot = arch_pte_leaf(arch_pte_addr(saved, PGT_LAST_LEVEL), MM_READ | MM_CONT,
			      PGT_LAST_LEVEL);
	assert_int_equal(pgt_check(&e->pgt), -EINVAL);
	assert_int_equal(mm_check(&e->mm), -EINVAL);
	*slot = saved;
	assert_int_equal(pgt_check(&e->pgt), 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, mm_env_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_set_folios),
		T(test_largest_fits),
		T(test_fallback_vma_edge),
		T(test_fallback_not_empty),
		T(test_fallback_alloc),
		T(test_munmap_splits),
		T(test_mprotect_splits),
		T(test_brk_shrink_splits),
		T(test_tlb_range),
		T(test_mmap_aligns),
		T(test_check_catches),
	};

	return cmocka_run_group_tests_name("folio", tests, NULL, NULL);
}
