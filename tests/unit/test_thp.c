/*
 * Blocks mapped by the fault path (thp=always) against the fake MMU, at
 * every granule (2 MiB, 32 MiB, 512 MiB blocks): a write fault maps a
 * zeroed block, a read the huge zero page, a write after the read splits it
 * into zero-page entries and replaces one; the fallback to pages when no
 * aligned run is free or the block leaves the VMA; munmap, mprotect and a
 * brk shrink that cut a block split it with contents kept and exact page
 * and table accounting, or fail with -ENOMEM changing nothing.
 */
#include "mm_test.h"
#include "fake_env.h"

#define BLOCK_PAGES BIT(BLOCK_ORDER)

/* Room for two blocks and the huge zero page, and never less than the usual. */
static int thp_setup(void **state)
{
	uint64_t mib = MAX(16 * (PAGE_SIZE >> 12), 3 * (BLOCK_SIZE >> 20) + 8);

	*state = mm_env_new(mib);
	mm_set_thp(&((struct mm_env *)*state)->mm, true);
	return 0;
}

/* Map n bytes read-write at LAYOUT_VA (block aligned). */
static vaddr_t map_rw(struct mm_env *e, uint64_t n)
{
	vaddr_t va;

	assert_int_equal(do_mmap(&e->mm, LAYOUT_VA, n, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &va), 0);
	return va;
}

/* The leaf mapping va: its level, attributes and output address. */
static int level_at(struct mm_env *e, vaddr_t va, unsigned *attrs, paddr_t *pa)
{
	int level = -1;

	assert_int_equal(pgt_lookup(&e->pgt, va, pa, attrs, &level), 0);
	return level;
}

static void test_block_write(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);
	size_t tables = mm_table_pages(&e->mm);
	unsigned a;
	paddr_t pa;

	assert_int_equal(touch(&e->mm, va + 3 * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va, &a, &pa), BLOCK_LEVEL);
	assert_int_equal(a, MM_READ | MM_WRITE);
	assert_int_equal(pa % BLOCK_SIZE, 0);
	assert_int_equal(e->mm.nr_fault_thp, 1);
	assert_int_equal(e->mm.nr_fault_anon, 0);
	assert_int_equal(mm_resident_pages(&e->mm), BLOCK_PAGES);
	/* the tables above the block, none below it */
	assert_int_equal(mm_table_pages(&e->mm), tables + BLOCK_LEVEL - PGT_ROOT_LEVEL);
	for (size_t k = 0; k < BLOCK_SIZE; k += 8)
		if (*(uint64_t *)(host_ptr(pa) + k))
			fail_msg("block byte %zu not zeroed", k);
	for (size_t i = 0; i < BLOCK_PAGES; i += BLOCK_PAGES / 8)
		assert_int_equal(fake_translate(&e->pgt, va + i * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* A read maps the huge zero page; a write then splits it and replaces one page. */
static void test_zero_then_write(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);
	size_t tables = pgt_table_pages(&e->pgt);
	unsigned a;
	paddr_t pa, z;

	assert_int_equal(touch(&e->mm, va + 5 * PAGE_SIZE, FAULT_READ, NULL), 0);
	assert_int_equal(level_at(e, va + 5 * PAGE_SIZE, &a, &z), BLOCK_LEVEL);
	assert_int_equal(z - 5 * PAGE_SIZE, e->mm.huge_zero_pa);
	assert_int_equal(a, MM_READ);
	assert_int_equal(e->mm.nr_fault_thp_zero, 1);
	assert_int_equal(mm_resident_pages(&e->mm), 0);
	assert_int_equal(mm_check(&e->mm), 0);
	tables = pgt_table_pages(&e->pgt);

	assert_int_equal(touch(&e->mm, va + 5 * PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_thp_zero_split, 1);
	assert_int_equal(e->mm.nr_fault_cow, 1);
	assert_int_equal(pgt_table_pages(&e->pgt), tables + 1);
	assert_int_equal(level_at(e, va + 5 * PAGE_SIZE, &a, &pa), PGT_LAST_LEVEL);
	assert_int_equal(a, MM_READ | MM_WRITE);
	assert_true(pa != e->mm.zero_pa && pa - e->mm.huge_zero_pa >= BLOCK_SIZE);
	assert_int_equal(level_at(e, va + 6 * PAGE_SIZE, &a, &pa), PGT_LAST_LEVEL);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(a, MM_READ);
	assert_int_equal(mm_resident_pages(&e->mm), 1);
	assert_int_equal(mm_check(&e->mm), 0);
	/* the huge zero page stays, zero, for the next read */
	assert_int_equal(do_munmap(&e->mm, va, BLOCK_SIZE), 0);
	va = map_rw(e, BLOCK_SIZE);
	assert_int_equal(touch(&e->mm, va, FAULT_READ, &pa), 0);
	assert_int_equal(pa, z - 5 * PAGE_SIZE);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* A VMA short of a whole block, or thp off: pages. */
static void test_not_whole_block(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE - PAGE_SIZE);

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va, NULL, NULL), PGT_LAST_LEVEL);
	assert_int_equal(e->mm.nr_fault_thp, 0);
	assert_int_equal(do_munmap(&e->mm, va, BLOCK_SIZE), 0);
	mm_set_thp(&e->mm, false);
	va = map_rw(e, BLOCK_SIZE);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va, NULL, NULL), PGT_LAST_LEVEL);
	assert_int_equal(e->mm.nr_fault_thp, 0);
	assert_int_equal(e->mm.nr_fault_anon, 2);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* No aligned run: the page path, counted as a fallback. */
static void test_fallback_no_run(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);
	struct drained d = drain_leaving(0);
	size_t i;
	paddr_t pa;

	for (i = 0; i < d.n; i += 2) /* every other page: no block run is free */
		page_free(d.pages[i]);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_thp_fallback, 1);
	assert_int_equal(e->mm.nr_fault_anon, 1);
	assert_int_equal(level_at(e, va, NULL, NULL), PGT_LAST_LEVEL);
	/* and a read finds no run for the huge zero page either */
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(e->mm.huge_zero_pa, 0);
	assert_int_equal(mm_check(&e->mm), 0);
	for (i = 1; i < d.n; i += 2)
		page_free(d.pages[i]);
	free(d.pages);
}

/* Fill a block with its page numbers; check them. */
static void fill(paddr_t pa)
{
	for (size_t i = 0; i < BLOCK_PAGES; i++)
		*(uint64_t *)host_ptr(pa + i * PAGE_SIZE) = i + 1;
}

static void expect_kept(struct mm_env *e, vaddr_t va, size_t from, size_t to, paddr_t pa)
{
	for (size_t i = from; i < to; i++) {
		paddr_t p;

		assert_int_equal(level_at(e, va + i * PAGE_SIZE, NULL, &p), PGT_LAST_LEVEL);
		assert_int_equal(p, pa + i * PAGE_SIZE);
		assert_int_equal(*(uint64_t *)host_ptr(p), i + 1);
	}
}

static void test_munmap_cuts(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);
	size_t tables, free0;
	paddr_t pa;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	fill(pa);
	tables = pgt_table_pages(&e->pgt);
	free0 = page_free_count();
	assert_int_equal(do_munmap(&e->mm, va + PAGE_SIZE, 2 * PAGE_SIZE), 0);
	assert_int_equal(pgt_table_pages(&e->pgt), tables + 1);
	assert_int_equal(page_free_count(), free0 - 1 + 2);
	assert_int_equal(e->mm.nr_pages_freed, 2);
	assert_int_equal(mm_resident_pages(&e->mm), BLOCK_PAGES - 2);
	assert_true(page_is_free(pa + PAGE_SIZE) && page_is_free(pa + 2 * PAGE_SIZE));
	expect_kept(e, va, 0, 1, pa);
	expect_kept(e, va, 3, BLOCK_PAGES, pa);
	assert_int_equal(mm_check(&e->mm), 0);
	/* the rest goes page by page, each page once (page_free asserts a double free) */
	assert_int_equal(do_munmap(&e->mm, va, BLOCK_SIZE), 0);
	assert_int_equal(e->mm.nr_pages_freed, BLOCK_PAGES);
	assert_int_equal(mm_resident_pages(&e->mm), 0);
	assert_int_equal(mm_check(&e->mm), 0);
}

static void test_mprotect_cuts(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE), half = va + BLOCK_SIZE / 2;
	unsigned a;
	paddr_t pa;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, &pa), 0);
	fill(pa);
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE / 2, PROT_READ), 0);
	expect_kept(e, va, 0, BLOCK_PAGES, pa);
	assert_int_equal(level_at(e, va, &a, NULL), PGT_LAST_LEVEL);
	assert_int_equal(a, MM_READ);
	assert_int_equal(level_at(e, half, &a, NULL), PGT_LAST_LEVEL);
	assert_int_equal(a, MM_READ | MM_WRITE);
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_WRITE, NULL) != 0, 1);
	assert_int_equal(mm_check(&e->mm), 0);
	/* back to read-write: the next write upgrades the page */
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE / 2, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	assert_int_equal(mm_resident_pages(&e->mm), BLOCK_PAGES);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* mprotect of a whole block keeps it a block; the write fault upgrades it. */
static void test_mprotect_whole(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);
	unsigned a;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(level_at(e, va, &a, NULL), BLOCK_LEVEL);
	assert_int_equal(a, MM_READ);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va, &a, NULL), BLOCK_LEVEL);
	assert_int_equal(a, MM_READ | MM_WRITE);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* Blocks mapped before thp was switched off are still handled as blocks. */
static void test_blocks_after_thp_off(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, 2 * BLOCK_SIZE);
	unsigned a;
	paddr_t pa;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(touch(&e->mm, va + BLOCK_SIZE, FAULT_READ, NULL), 0);
	mm_set_thp(&e->mm, false);
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ), 0);
	assert_int_equal(do_mprotect(&e->mm, va, BLOCK_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(touch(&e->mm, va + PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va, &a, NULL), BLOCK_LEVEL);
	assert_int_equal(a, MM_READ | MM_WRITE);
	assert_int_equal(e->mm.nr_fault_wp, 1);
	assert_int_equal(touch(&e->mm, va + BLOCK_SIZE + PAGE_SIZE, FAULT_WRITE, &pa), 0);
	assert_int_equal(e->mm.nr_thp_zero_split, 1);
	assert_int_equal(level_at(e, va + BLOCK_SIZE, NULL, &pa), PGT_LAST_LEVEL);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* A cut that cannot have its table page: -ENOMEM, nothing changed. */
static void test_cut_nomem(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);
	struct drained d;
	size_t tables;

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	tables = pgt_table_pages(&e->pgt);
	d = drain_leaving(0);
	assert_int_equal(do_munmap(&e->mm, va + PAGE_SIZE, PAGE_SIZE), -ENOMEM);
	assert_int_equal(do_mprotect(&e->mm, va, PAGE_SIZE, PROT_READ), -ENOMEM);
	assert_int_equal(pgt_table_pages(&e->pgt), tables);
	assert_int_equal(level_at(e, va, NULL, NULL), BLOCK_LEVEL);
	assert_int_equal(e->mm.map_count, 1);
	assert_int_equal(mm_check(&e->mm), 0);
	undrain(&d);
}

/*
 * A block fault where the tables above the slot are missing and no page is
 * left for them, only the block's own run: -ENOMEM, counted, the run given
 * back whole, nothing mapped; with the pages back the same fault maps it
 * (tables built), and a second block under the same table is one entry.
 */
static void test_block_tables_nomem(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, 2 * BLOCK_SIZE);
	size_t tables = mm_table_pages(&e->mm);
	paddr_t run = page_alloc_aligned(BLOCK_ORDER);
	struct drained d;

	assert_true(run != 0);
	d = drain_leaving(0);
	page_free_run(run, BLOCK_PAGES);
	assert_int_equal(page_free_count(), BLOCK_PAGES);

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), -ENOMEM);
	assert_int_equal(e->mm.nr_fault_oom, 1);
	assert_int_equal(e->mm.nr_fault_thp, 0);
	assert_int_equal(page_free_count(), BLOCK_PAGES);
	assert_int_equal(mm_table_pages(&e->mm), tables);
	assert_int_equal(mm_resident_pages(&e->mm), 0);
	assert_int_equal(mm_check(&e->mm), 0);

	undrain(&d);
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va, NULL, NULL), BLOCK_LEVEL);
	tables = mm_table_pages(&e->mm);
	assert_int_equal(touch(&e->mm, va + BLOCK_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(level_at(e, va + BLOCK_SIZE, NULL, NULL), BLOCK_LEVEL);
	assert_int_equal(mm_table_pages(&e->mm), tables); /* no table for the second */
	assert_int_equal(e->mm.nr_fault_thp, 2);
	assert_int_equal(mm_resident_pages(&e->mm), 2 * BLOCK_PAGES);
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * A cut across two huge zero blocks with one page free: both table pages
 * or neither, so -ENOMEM leaves both blocks mapping the huge zero page
 * (a split of one alone would have changed its entries); with pages, both.
 */
static void test_cut_two_blocks_one_page(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, 2 * BLOCK_SIZE);
	struct drained d;
	size_t tables;
	paddr_t pa;

	assert_int_equal(touch(&e->mm, va, FAULT_READ, NULL), 0);
	assert_int_equal(touch(&e->mm, va + BLOCK_SIZE, FAULT_READ, NULL), 0);
	tables = pgt_table_pages(&e->pgt);
	d = drain_leaving(1); /* one page free: one split's worth */
	assert_int_equal(do_munmap(&e->mm, va + PAGE_SIZE, BLOCK_SIZE), -ENOMEM);
	assert_int_equal(pgt_table_pages(&e->pgt), tables);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(level_at(e, va + i * BLOCK_SIZE, NULL, &pa), BLOCK_LEVEL);
		assert_int_equal(pa, e->mm.huge_zero_pa);
	}
	assert_int_equal(page_free_count(), 1);
	assert_int_equal(mm_check(&e->mm), 0);

	page_free(d.pages[--d.n]);
	assert_int_equal(do_munmap(&e->mm, va + PAGE_SIZE, BLOCK_SIZE), 0);
	assert_int_equal(pgt_table_pages(&e->pgt), tables + 2);
	assert_int_equal(fake_translate(&e->pgt, va, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(fake_translate(&e->pgt, va + BLOCK_SIZE + PAGE_SIZE, FAULT_READ, &pa), 0);
	assert_int_equal(pa, e->mm.zero_pa);
	assert_int_equal(mm_check(&e->mm), 0);
	undrain(&d);
}

/* A brk shrink inside a heap block splits it and frees the pages above. */
static void test_brk_cuts(void **state)
{
	struct mm_env *e = *state;
	vaddr_t base = e->mm.start_brk;
	paddr_t pa;

	assert_int_equal(do_brk(&e->mm, base + BLOCK_SIZE), base + BLOCK_SIZE);
	assert_int_equal(touch(&e->mm, base, FAULT_WRITE, &pa), 0);
	assert_int_equal(level_at(e, base, NULL, NULL), BLOCK_LEVEL);
	fill(pa);
	assert_int_equal(do_brk(&e->mm, base + 4 * PAGE_SIZE), base + 4 * PAGE_SIZE);
	expect_kept(e, base, 0, 4, pa);
	assert_int_equal(e->mm.nr_pages_freed, BLOCK_PAGES - 4);
	assert_true(page_is_free(pa + 4 * PAGE_SIZE));
	assert_int_equal(mm_check(&e->mm), 0);
}

/*
 * Stage stamps on a block fault: a write takes WALK, ALLOC, ZERO and MAP in
 * order (zeroing a block takes time on any clock); a read of the huge zero
 * page takes no ZERO stamp (its zeroing is the first use's, not the fault's).
 */
static void test_block_stamps(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, 3 * BLOCK_SIZE);

	/* the huge zero page made first: the stamped read below only maps it */
	assert_int_equal(touch(&e->mm, va + 2 * BLOCK_SIZE, FAULT_READ, NULL), 0);
	assert_int_equal(e->mm.nr_fault_thp_zero, 1);

	memset(fault_stamp, 0, sizeof(fault_stamp));
	fault_stamps_on = true;
	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	fault_stamps_on = false;
	assert_int_equal(e->mm.nr_fault_thp, 1);
	assert_true(fault_stamp[STAGE_LOOKUP] != 0);
	assert_true(fault_stamp[STAGE_LOOKUP] <= fault_stamp[STAGE_WALK]);
	assert_true(fault_stamp[STAGE_WALK] <= fault_stamp[STAGE_ALLOC]);
	assert_true(fault_stamp[STAGE_ALLOC] < fault_stamp[STAGE_ZERO]);
	assert_true(fault_stamp[STAGE_ZERO] <= fault_stamp[STAGE_MAP]);

	memset(fault_stamp, 0, sizeof(fault_stamp));
	fault_stamps_on = true;
	assert_int_equal(touch(&e->mm, va + BLOCK_SIZE, FAULT_READ, NULL), 0);
	fault_stamps_on = false;
	assert_int_equal(e->mm.nr_fault_thp_zero, 2);
	assert_true(fault_stamp[STAGE_WALK] != 0);
	assert_true(fault_stamp[STAGE_WALK] <= fault_stamp[STAGE_ALLOC]);
	assert_int_equal(fault_stamp[STAGE_ZERO], 0);
	assert_true(fault_stamp[STAGE_ALLOC] <= fault_stamp[STAGE_MAP]);
	assert_int_equal(mm_check(&e->mm), 0);
}

/* mm_check refuses a block across its VMA's edge. */
static void test_check_catches(void **state)
{
	struct mm_env *e = *state;
	vaddr_t va = map_rw(e, BLOCK_SIZE);

	assert_int_equal(touch(&e->mm, va, FAULT_WRITE, NULL), 0);
	e->mm.mmap->vm_end -= PAGE_SIZE;
	assert_int_equal(mm_check(&e->mm), -EINVAL);
	e->mm.mmap->vm_end += PAGE_SIZE;
	assert_int_equal(mm_check(&e->mm), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, thp_setup, mm_env_teardown)
	const struct CMUnitTest tests[] = {
		T(test_block_write),
		T(test_zero_then_write),
		T(test_not_whole_block),
		T(test_fallback_no_run),
		T(test_munmap_cuts),
		T(test_mprotect_cuts),
		T(test_mprotect_whole),
		T(test_blocks_after_thp_off),
		T(test_cut_nomem),
		T(test_brk_cuts),
		T(test_check_catches),
		T(test_block_stamps),
		T(test_block_tables_nomem),
		T(test_cut_two_blocks_one_page),
	};

	return cmocka_run_group_tests_name("thp", tests, NULL, NULL);
}
