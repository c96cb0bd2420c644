/*
 * The translation-table library in terms of the geometry alone: every size
 * here comes from mm/geometry.h, so this file is built and run with the fake
 * MMU at each granule (FAKE_GRANULE_SHIFT 12, 14, 16; see rules.mk). It
 * checks the derived geometry against the Arm ARM's, walks that stop at
 * each level, blocks mapped, split and unmapped, protection across a block
 * edge, the fake's level check, and a random sequence against a model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pgt_test.h"

#define RW (MM_READ | MM_WRITE)
#define RO MM_READ
#define RX (MM_READ | MM_EXEC)
#define LVL(n) ((unsigned)(n) << FAULT_LEVEL_SHIFT)
#define LAST PGT_LAST_LEVEL
#define BLOCK_PAGES (BLOCK_SIZE / PAGE_SIZE)

/* Mapped physical addresses need not be RAM; aligned to every block size. */
#define PA 0x800000000ull
/* The second entry of the root table: an address of every level's index. */
#define VA level_size(PGT_ROOT_LEVEL)

static int setup(void **state)
{
	(void)state;
	pgt_env_setup(256 * PAGE_SIZE);
	return 0;
}

static size_t released;

static void count(paddr_t pa, void *ctx)
{
	assert_true(IS_ALIGNED(pa, PAGE_SIZE));
	released++;
}

/*
 * The derived geometry is the Arm ARM's (DDI0487 K.a D8.2, the tables of
 * "Translation granule" sizes, 48-bit VA): root level, block size, entries.
 */
static void test_geometry(void **state)
{
	static const struct {
		unsigned page_shift;
		int root;
		uint64_t block;
		unsigned root_entries;
	} arm[] = {
		{ 12, 0, 2ull << 20, 512 },
		{ 14, 0, 32ull << 20, 2 },
		{ 16, 1, 512ull << 20, 64 },
	};
	size_t k = 0;

	while (k < ARRAY_SIZE(arm) && arm[k].page_shift != PAGE_SHIFT)
		k++;
	assert_true(k < ARRAY_SIZE(arm));
	assert_int_equal(PGT_ROOT_LEVEL, arm[k].root);
	assert_int_equal(BLOCK_SIZE, arm[k].block);
	assert_int_equal(1ull << (PGT_VA_BITS - level_shift(PGT_ROOT_LEVEL)), arm[k].root_entries);
	assert_int_equal(PGT_PTES * sizeof(pte_t), PAGE_SIZE);
	assert_int_equal(level_shift(LAST), PAGE_SHIFT);
	for (int l = PGT_ROOT_LEVEL; l < LAST; l++)
		assert_int_equal(level_shift(l) - level_shift(l + 1), PGT_LEVEL_BITS);
	assert_int_equal(pgt_index(VA, PGT_ROOT_LEVEL), 1);
}

/* One page: one table per level, and walks that stop at every level. */
static void test_walk_every_level(void **state)
{
	paddr_t pa;

	assert_int_equal(pgt_map(&pgt, VA, PA, PAGE_SIZE, RW, 0), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), PGT_LEVELS);
	expect_map(VA + 5, PA + 5, RW, LAST);
	assert_non_null(pgt_walk(&pgt, VA));
	assert_int_equal(arch_pte_addr(*pgt_walk(&pgt, VA), LAST), PA);
	assert_int_equal(translate(VA + 8, FAULT_WRITE, &pa), 0);
	assert_int_equal(pa, PA + 8);
	/* The next entry of each level's table is empty: the walk stops there. */
	for (int l = PGT_ROOT_LEVEL; l <= LAST; l++) {
		assert_int_equal(translate(VA + level_size(l), FAULT_READ, NULL),
				 FAULT_TRANSLATION | FAULT_READ | LVL(l));
		assert_int_equal(pgt_lookup(&pgt, VA + level_size(l), NULL, NULL, NULL), -ENOENT);
		if (l < LAST)
			assert_null(pgt_walk(&pgt, VA + level_size(l)));
	}
	assert_int_equal(pgt_unmap(&pgt, VA, PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), 1);
}

/* Blocks: mapped where aligned, split by a cut, every page released once. */
static void test_blocks_split_and_release(void **state)
{
	vaddr_t mid = VA + BLOCK_SIZE / 2;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, VA, PA, 2 * BLOCK_SIZE + 2 * PAGE_SIZE, RW, 0), 0);
	check();
	expect_map(VA + 7, PA + 7, RW, BLOCK_LEVEL);
	expect_map(VA + 2 * BLOCK_SIZE - 1, PA + 2 * BLOCK_SIZE - 1, RW, BLOCK_LEVEL);
	expect_map(VA + 2 * BLOCK_SIZE + PAGE_SIZE, PA + 2 * BLOCK_SIZE + PAGE_SIZE, RW, LAST);
	assert_null(pgt_walk(&pgt, VA)); /* a block: no last-level slot */
	tables = pgt_table_pages(&pgt);

	/* The TLB caches the block; the cut must drop it. */
	assert_int_equal(translate(mid, FAULT_WRITE, NULL), 0);
	assert_true(fake_tlb_cached(mid));
	released = 0;
	assert_int_equal(pgt_unmap(&pgt, mid, PAGE_SIZE, count, NULL), 0);
	check();
	assert_int_equal(released, 1);
	assert_int_equal(pgt_table_pages(&pgt), tables + 1);
	assert_int_equal(translate(mid, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | LVL(LAST));
	expect_map(mid - PAGE_SIZE, PA + BLOCK_SIZE / 2 - PAGE_SIZE, RW, LAST);
	expect_map(mid + PAGE_SIZE, PA + BLOCK_SIZE / 2 + PAGE_SIZE, RW, LAST);
	expect_map(VA + BLOCK_SIZE, PA + BLOCK_SIZE, RW, BLOCK_LEVEL);

	/* All of it: every other page released once, the tables gone. */
	assert_int_equal(pgt_unmap(&pgt, VA, 2 * BLOCK_SIZE + 2 * PAGE_SIZE, count, NULL), 0);
	check();
	assert_int_equal(released, 2 * BLOCK_PAGES + 2);
	assert_int_equal(pgt_table_pages(&pgt), 1);
}

/* Three pages across a block edge made read-only: two splits, no stale TLB entry. */
static void test_protect_across_block_edge(void **state)
{
	vaddr_t edge = VA + BLOCK_SIZE;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, VA, PA, 2 * BLOCK_SIZE, RW, 0), 0);
	tables = pgt_table_pages(&pgt);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(translate(edge + PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(pgt_protect(&pgt, edge - PAGE_SIZE, 3 * PAGE_SIZE, RO), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables + 2);
	expect_map(edge - PAGE_SIZE, PA + BLOCK_SIZE - PAGE_SIZE, RO, LAST);
	expect_map(edge + PAGE_SIZE, PA + BLOCK_SIZE + PAGE_SIZE, RO, LAST);
	expect_map(edge - 2 * PAGE_SIZE, PA + BLOCK_SIZE - 2 * PAGE_SIZE, RW, LAST);
	expect_map(edge + 2 * PAGE_SIZE, PA + BLOCK_SIZE + 2 * PAGE_SIZE, RW, LAST);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | LVL(LAST));
	assert_int_equal(translate(edge + PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | LVL(LAST));
	/* Kept and back: the pages keep their output addresses. */
	assert_int_equal(pgt_protect(&pgt, VA, 2 * BLOCK_SIZE, MM_NONE), 0);
	check();
	assert_int_equal(translate(edge, FAULT_READ, NULL) & FAULT_TRANSLATION, FAULT_TRANSLATION);
	assert_int_equal(pgt_protect(&pgt, VA, 2 * BLOCK_SIZE, RX), 0);
	check();
	expect_map(VA + 3, PA + 3, RX, LAST);
	expect_map(edge + BLOCK_SIZE - 1, PA + 2 * BLOCK_SIZE - 1, RX, LAST); /* split */
	assert_int_equal(pgt_unmap(&pgt, VA, 2 * BLOCK_SIZE, NULL, NULL), 0);
	check();
}

static void addr_at_wrong_level(void *arg)
{
	(void)arch_pte_addr(arch_pte_leaf(PA, RW, BLOCK_LEVEL), LAST);
}

static void attrs_at_wrong_level(void *arg)
{
	(void)arch_pte_attrs(arch_pte_leaf(PA, RW, LAST), BLOCK_LEVEL);
}

static void leaf_misaligned(void *arg)
{
	(void)arch_pte_leaf(PA + PAGE_SIZE, RW, BLOCK_LEVEL);
}

/* The fake encodes a leaf per level: an entry used at another level is caught. */
static void test_fake_level_encoding(void **state)
{
	pte_t page = arch_pte_leaf(PA, RW, LAST), block = arch_pte_leaf(PA, RW, BLOCK_LEVEL);

	assert_true(page != block);
	assert_int_equal(arch_pte_addr(page, LAST), PA);
	assert_int_equal(arch_pte_addr(block, BLOCK_LEVEL), PA);
	assert_int_equal(arch_pte_attrs(block, BLOCK_LEVEL), RW);
	assert_int_equal(arch_pte_attrs(arch_pte_leaf(PA, MM_NONE, LAST), LAST), MM_NONE);
	expect_abort(addr_at_wrong_level, NULL);
	expect_abort(attrs_at_wrong_level, NULL);
	expect_abort(leaf_misaligned, NULL);
}

/*
 * Random map / unmap / protect over three blocks against a model of every
 * page: runs of one page to a block and a half, often block aligned.
 */
#define WIN_PAGES (3 * BLOCK_PAGES)
struct model_page {
	bool mapped;
	paddr_t pa;
	unsigned attrs;
};
static struct model_page model[3 * (512ull << 20) / (64 << 10)]; /* the largest WIN_PAGES */

static void check_model_page(size_t i)
{
	vaddr_t va = VA + i * PAGE_SIZE;
	unsigned attrs;
	paddr_t pa;

	if (!model[i].mapped) {
		assert_int_equal(pgt_lookup(&pgt, va, NULL, NULL, NULL), -ENOENT);
		return;
	}
	assert_int_equal(pgt_lookup(&pgt, va, &pa, &attrs, NULL), 0);
	assert_int_equal(pa, model[i].pa);
	assert_int_equal(attrs, model[i].attrs);
}

static void test_random_against_model(void **state)
{
	static const unsigned attr_choices[] = { RO, RW, RX, MM_NONE };
	uint64_t seed = 777;

	static_assert(ARRAY_SIZE(model) >= WIN_PAGES, "model covers the window");
	memset(model, 0, sizeof(model));
	for (int step = 0; step < 200; step++) {
		size_t first, n;
		unsigned attrs;
		int op, err;
		paddr_t pa;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		op = (seed >> 33) % 3;
		first = (seed >> 40) % WIN_PAGES;
		n = 1 + (seed >> 20) % (BLOCK_PAGES + BLOCK_PAGES / 2);
		if ((seed >> 10) & 1) {
			first = ALIGN_DOWN(first, BLOCK_PAGES);
			n = ALIGN_UP(n, BLOCK_PAGES);
		}
		n = MIN(n, WIN_PAGES - first);
		attrs = attr_choices[(seed >> 5) % ARRAY_SIZE(attr_choices)];
		pa = PA + ((seed >> 50) % 16) * BLOCK_SIZE + (first % BLOCK_PAGES) * PAGE_SIZE;

		if (op == 0) {
			bool busy = false;

			for (size_t i = first; i < first + n; i++)
				busy |= model[i].mapped;
			err = pgt_map(&pgt, VA + first * PAGE_SIZE, pa, n * PAGE_SIZE, attrs, 0);
			assert_int_equal(err, busy ? -EEXIST : 0);
			for (size_t i = first; !busy && i < first + n; i++)
				model[i] = (struct model_page){ true, pa + (i - first) * PAGE_SIZE, attrs };
		} else if (op == 1) {
			assert_int_equal(pgt_unmap(&pgt, VA + first * PAGE_SIZE, n * PAGE_SIZE,
						   NULL, NULL), 0);
			for (size_t i = first; i < first + n; i++)
				model[i].mapped = false;
		} else {
			assert_int_equal(pgt_protect(&pgt, VA + first * PAGE_SIZE, n * PAGE_SIZE,
						     attrs), 0);
			for (size_t i = first; i < first + n; i++)
				model[i].attrs = attrs;
		}
		check();
		/* Every page of the run and next to it, a sample of the rest. */
		for (size_t i = first ? first - 1 : 0; i < MIN(first + n + 1, WIN_PAGES); i++)
			check_model_page(i);
		for (size_t i = step % 97; i < WIN_PAGES; i += 97)
			check_model_page(i);
	}
	for (size_t i = 0; i < WIN_PAGES; i++)
		check_model_page(i);
	assert_int_equal(pgt_unmap(&pgt, VA, WIN_PAGES * PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test_setup_teardown(test_walk_every_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocks_split_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_across_block_edge, setup, teardown),
		cmocka_unit_test(test_fake_level_encoding),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
	};

	return cmocka_run_group_tests_name("granule", tests, NULL, NULL);
}
