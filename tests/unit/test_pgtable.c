/*
 * The translation-table library on the fake MMU: walks and lookups, 2 MiB
 * blocks, unmap and protect splitting blocks, protection changes seen by
 * the fake MMU with no stale TLB entry and no break-before-make violation,
 * exact table-page accounting, and the -EEXIST / -EINVAL / -ENOMEM paths
 * (with the allocator run dry at every step) leaving nothing half done;
 * kept (MM_NONE) entries through protect, lookup, split and unmap.
 * pgt_check runs after every operation, and a random sequence of operations
 * is compared with a simple model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pgt_test.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define RW (MM_READ | MM_WRITE)
#define RO MM_READ
#define RX (MM_READ | MM_EXEC)
#define L(n) ((unsigned)(n) << FAULT_LEVEL_SHIFT)

/* Mapped physical addresses need not be RAM: the tables never touch them. */
#define PA 0x800000000ull

static int setup(void **state)
{
	(void)state;
	pgt_env_setup(32 * MiB);
	return 0;
}

static void test_map_pages_walk_lookup(void **state)
{
	vaddr_t va = 0x10000000;
	paddr_t pa;
	pte_t *slot;

	assert_int_equal(pgt_map(&pgt, va, PA, 3 * PAGE_SIZE, RW, 0), 0);
	check();
	assert_int_equal(pgt.table_pages, 4); /* root + one table at each level */
	expect_map(va, PA, RW, 3);
	expect_map(va + 2 * PAGE_SIZE + 0x123, PA + 2 * PAGE_SIZE + 0x123, RW, 3);
	expect_unmapped(va + 3 * PAGE_SIZE);
	expect_unmapped(va - PAGE_SIZE);
	expect_unmapped(1ull << 48);

	slot = pgt_walk(&pgt, va + PAGE_SIZE);
	assert_non_null(slot);
	assert_true(arch_pte_valid(*slot));
	assert_int_equal(arch_pte_addr(*slot, 3), PA + PAGE_SIZE);
	assert_non_null(pgt_walk(&pgt, va + 100 * PAGE_SIZE)); /* same table, empty slot */
	assert_false(arch_pte_valid(*pgt_walk(&pgt, va + 100 * PAGE_SIZE)));
	assert_null(pgt_walk(&pgt, va + GiB));                   /* no level-2 table */

	/* The MMU agrees, and faults at the level where the walk stops. */
	assert_int_equal(translate(va + 0x10, FAULT_WRITE, &pa), 0);
	assert_int_equal(pa, PA + 0x10);
	assert_int_equal(translate(va, FAULT_EXEC, NULL), FAULT_PERMISSION | FAULT_EXEC | L(3));
	assert_int_equal(translate(va + 3 * PAGE_SIZE, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(3));
	assert_int_equal(translate(va + 2 * MiB, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(2));
	assert_int_equal(translate(va + GiB, FAULT_READ, NULL), FAULT_TRANSLATION | FAULT_READ | L(1));
	assert_int_equal(translate(1ull << 40, FAULT_READ, NULL), FAULT_TRANSLATION | FAULT_READ | L(0));

	/* Executable and device mappings. */
	assert_int_equal(pgt_map(&pgt, va + MiB, PA, PAGE_SIZE, RX, 0), 0);
	assert_int_equal(translate(va + MiB, FAULT_EXEC, NULL), 0);
	assert_int_equal(translate(va + MiB, FAULT_WRITE, NULL), FAULT_PERMISSION | FAULT_WRITE | L(3));
	assert_int_equal(pgt_map(&pgt, va + MiB + PAGE_SIZE, 0x9000000, PAGE_SIZE,
				 RW | MM_DEVICE, 0), 0);
	expect_map(va + MiB + PAGE_SIZE, 0x9000000, RW | MM_DEVICE, 3);
	check();
	assert_true(fake_stats.syncs >= 3);
}

static void test_map_blocks(void **state)
{
	vaddr_t va = 0x40000000;
	paddr_t pa;

	/* Two blocks and a two-page tail. */
	assert_int_equal(pgt_map(&pgt, va, PA, 4 * MiB + 2 * PAGE_SIZE, RO, 0), 0);
	check();
	assert_int_equal(pgt.table_pages, 4);
	expect_map(va, PA, RO, 2);
	expect_map(va + 3 * MiB + 5, PA + 3 * MiB + 5, RO, 2);
	expect_map(va + 4 * MiB + PAGE_SIZE, PA + 4 * MiB + PAGE_SIZE, RO, 3);
	assert_null(pgt_walk(&pgt, va + MiB)); /* a block: no level-3 slot */
	assert_int_equal(translate(va + 2 * MiB + 7, FAULT_READ, &pa), 0);
	assert_int_equal(pa, PA + 2 * MiB + 7);
	assert_int_equal(translate(va + 2 * MiB + 7, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(2));

	/* Same size without blocks: 2 + 1 level-3 tables. */
	assert_int_equal(pgt_map(&pgt, va + GiB, PA, 4 * MiB + 2 * PAGE_SIZE, RO, PGT_NO_BLOCKS), 0);
	check();
	assert_int_equal(pgt.table_pages, 4 + 1 + 3);
	expect_map(va + GiB + MiB, PA + MiB, RO, 3);

	/* pa not 2 MiB aligned: pages only. */
	assert_int_equal(pgt_map(&pgt, va + 2 * GiB, PA + PAGE_SIZE, 2 * MiB, RW, 0), 0);
	check();
	expect_map(va + 2 * GiB, PA + PAGE_SIZE, RW, 3);
	/* va not aligned: the block-sized middle still gets a block. */
	assert_int_equal(pgt_map(&pgt, va + 3 * GiB + PAGE_SIZE, PA + PAGE_SIZE,
				 4 * MiB, RW, 0), 0);
	check();
	expect_map(va + 3 * GiB + 2 * MiB, PA + 2 * MiB, RW, 2);
	expect_map(va + 3 * GiB + PAGE_SIZE, PA + PAGE_SIZE, RW, 3);
	expect_map(va + 3 * GiB + 4 * MiB, PA + 4 * MiB, RW, 3);
}

struct released {
	paddr_t pa[1024];
	size_t n;
};

static void record(paddr_t pa, void *ctx)
{
	struct released *r = ctx;

	/* Released only after the flush: the page must no longer be reachable. */
	assert_true(r->n < ARRAY_SIZE(r->pa));
	r->pa[r->n++] = pa;
}

static size_t released_pages;

static void count(paddr_t pa, void *ctx)
{
	++*(size_t *)ctx;
}

static void test_unmap_splits_block(void **state)
{
	vaddr_t va = 0x40000000;
	struct released rel = { .n = 0 };
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va, PA, 2 * MiB, RW, 0), 0);
	tables = pgt.table_pages;
	assert_int_equal(translate(va + 5 * PAGE_SIZE, FAULT_WRITE, NULL), 0); /* cached */
	assert_true(fake_tlb_cached(va + 5 * PAGE_SIZE));

	assert_int_equal(pgt_unmap(&pgt, va + 5 * PAGE_SIZE, PAGE_SIZE, record, &rel), 0);
	check();
	assert_int_equal(pgt.table_pages, tables + 1);
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel.pa[0], PA + 5 * PAGE_SIZE);
	expect_unmapped(va + 5 * PAGE_SIZE);
	expect_map(va + 4 * PAGE_SIZE, PA + 4 * PAGE_SIZE, RW, 3);
	expect_map(va + 6 * PAGE_SIZE, PA + 6 * PAGE_SIZE, RW, 3);
	expect_map(va + 2 * MiB - PAGE_SIZE, PA + 2 * MiB - PAGE_SIZE, RW, 3);
	assert_int_equal(translate(va + 5 * PAGE_SIZE, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(3));
	assert_int_equal(translate(va + 6 * PAGE_SIZE, FAULT_WRITE, NULL), 0);

	/* Unmapping the rest releases every page once and frees the tables. */
	rel.n = 0;
	assert_int_equal(pgt_unmap(&pgt, va, 2 * MiB, record, &rel), 0);
	check();
	assert_int_equal(rel.n, 511);
	assert_int_equal(pgt.table_pages, 1);
	assert_int_equal(translate(va + 6 * PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_TRANSLATION | FAULT_WRITE | L(0));
}

static void test_unmap_whole_block_releases_pages(void **state)
{
	vaddr_t va = 0x200000;
	struct released rel = { .n = 0 };

	assert_int_equal(pgt_map(&pgt, va, PA, 2 * MiB, RO, 0), 0);
	assert_int_equal(pgt_unmap(&pgt, va, 2 * MiB, record, &rel), 0);
	check();
	assert_int_equal(rel.n, 512);
	for (size_t i = 0; i < rel.n; i++)
		assert_int_equal(rel.pa[i], PA + i * PAGE_SIZE);
	assert_int_equal(pgt.table_pages, 1);
	/* Unmapping nothing is fine. */
	assert_int_equal(pgt_unmap(&pgt, va, 64 * GiB, record, &rel), 0);
	assert_int_equal(rel.n, 512);
	check();
}

/*
 * pgt_map makes no 1 GiB blocks, but the walkers and the splitting accept
 * them: an edge inside one needs two new tables (level 2, then level 3).
 */
static void test_level1_block_split(void **state)
{
	struct released rel = { .n = 0 };
	pte_t *l1;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, 0x1000, PA, PAGE_SIZE, RO, 0), 0); /* makes a level-1 table */
	l1 = arch_phys_to_virt(arch_pte_table_addr(pgt.root[0]));
	arch_pte_write(&l1[1], arch_pte_leaf(PA, RW, 1));                  /* [1 GiB, 2 GiB) */
	check();
	tables = pgt.table_pages;
	expect_map(GiB + 5 * MiB + 3, PA + 5 * MiB + 3, RW, 1);
	assert_int_equal(translate(GiB + 2 * MiB + PAGE_SIZE, FAULT_WRITE, NULL), 0); /* cached as a 1 GiB leaf */

	/* One page out of the middle: both edges inside the same level-2 piece. */
	assert_int_equal(pgt_unmap(&pgt, GiB + 2 * MiB + PAGE_SIZE, PAGE_SIZE, record, &rel), 0);
	check();
	assert_int_equal(pgt.table_pages, tables + 2);
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel.pa[0], PA + 2 * MiB + PAGE_SIZE);
	expect_map(GiB, PA, RW, 2);
	expect_map(GiB + 2 * MiB, PA + 2 * MiB, RW, 3);
	expect_unmapped(GiB + 2 * MiB + PAGE_SIZE);
	expect_map(GiB + 2 * MiB + 2 * PAGE_SIZE, PA + 2 * MiB + 2 * PAGE_SIZE, RW, 3);
	expect_map(GiB + 4 * MiB, PA + 4 * MiB, RW, 2);
	expect_map(2 * GiB - PAGE_SIZE, PA + GiB - PAGE_SIZE, RW, 2);
	assert_int_equal(translate(GiB + 2 * MiB + PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_TRANSLATION | FAULT_WRITE | L(3));
	/* Unmap all of it: every page released once, the tables it needed gone. */
	assert_int_equal(pgt_unmap(&pgt, GiB, GiB, count, &released_pages), 0);
	check();
	assert_int_equal(released_pages, GiB / PAGE_SIZE - 1);
	assert_int_equal(pgt.table_pages, tables);
	expect_unmapped(GiB);
	expect_map(0x1000, PA, RO, 3);
}

static void test_protect_splits_and_no_stale_tlb(void **state)
{
	vaddr_t va = 0x40000000, edge = va + 2 * MiB;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va, PA, 4 * MiB, RW, 0), 0);
	tables = pgt.table_pages;
	/* Fill the TLB with the writable blocks. */
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(translate(edge + PAGE_SIZE, FAULT_WRITE, NULL), 0);

	/* Three pages across the block boundary become read-only: two splits. */
	assert_int_equal(pgt_protect(&pgt, edge - PAGE_SIZE, 3 * PAGE_SIZE, RO), 0);
	check();
	assert_int_equal(pgt.table_pages, tables + 2);
	expect_map(edge - PAGE_SIZE, PA + 2 * MiB - PAGE_SIZE, RO, 3);
	expect_map(edge + PAGE_SIZE, PA + 2 * MiB + PAGE_SIZE, RO, 3);
	expect_map(edge - 2 * PAGE_SIZE, PA + 2 * MiB - 2 * PAGE_SIZE, RW, 3);
	expect_map(edge + 2 * PAGE_SIZE, PA + 2 * MiB + 2 * PAGE_SIZE, RW, 3);
	expect_map(va, PA, RW, 3);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(3));
	assert_int_equal(translate(edge + PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(3));
	assert_int_equal(translate(edge + 2 * PAGE_SIZE, FAULT_WRITE, NULL), 0);

	/* And back: writable again at once. */
	assert_int_equal(translate(edge, FAULT_READ, NULL), 0);
	assert_int_equal(pgt_protect(&pgt, edge, PAGE_SIZE, RW), 0);
	check();
	assert_int_equal(translate(edge, FAULT_WRITE, NULL), 0);
	/* RX over everything: nothing writable is left cached. */
	assert_int_equal(pgt_protect(&pgt, va, 4 * MiB, RX), 0);
	check();
	for (vaddr_t a = va; a < va + 4 * MiB; a += 64 * KiB)
		assert_int_equal(translate(a, FAULT_WRITE, NULL), FAULT_PERMISSION | FAULT_WRITE | L(3));
	assert_int_equal(translate(va, FAULT_EXEC, NULL), 0);
	/* Same attributes again: no entry changes, no flush. */
	fake_stats_reset();
	assert_int_equal(pgt_protect(&pgt, va, 4 * MiB, RX), 0);
	assert_int_equal(fake_stats.pte_writes, 0);
	assert_int_equal(fake_stats.flush_range + fake_stats.flush_page + fake_stats.flush_leaf +
			 fake_stats.flush_all, 0);
}

static void test_protect_whole_block_stays_block(void **state)
{
	vaddr_t va = 0x40000000;

	assert_int_equal(pgt_map(&pgt, va, PA, 2 * MiB, RW, 0), 0);
	assert_int_equal(translate(va + MiB, FAULT_WRITE, NULL), 0);
	assert_int_equal(pgt_protect(&pgt, va, 2 * MiB, RO), 0);
	check();
	expect_map(va + MiB, PA + MiB, RO, 2);
	assert_int_equal(translate(va + MiB, FAULT_WRITE, NULL), FAULT_PERMISSION | FAULT_WRITE | L(2));
	/* Protecting a hole is fine and changes nothing. */
	assert_int_equal(pgt_protect(&pgt, va + GiB, 2 * MiB, RO), 0);
	check();
}

/*
 * MM_NONE (PROT_NONE): a kept entry faults on every access and is never in
 * the TLB, yet lookup, protect and unmap still find its page. Going there is
 * a break with a flush; coming back writes valid entries with no flush.
 */
static void test_protect_none_keeps_pages(void **state)
{
	vaddr_t va = 0x40000000, edge = va + 2 * MiB;
	struct released rel = { .n = 0 };
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va, PA, 4 * MiB, RW, 0), 0);
	tables = pgt.table_pages;
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL), 0); /* cached */
	assert_int_equal(translate(edge + MiB, FAULT_WRITE, NULL), 0);

	/* Two pages across the first block's end, and the whole second block. */
	fake_stats_reset();
	assert_int_equal(pgt_protect(&pgt, edge - 2 * PAGE_SIZE, 2 * PAGE_SIZE, MM_NONE), 0);
	assert_int_equal(pgt_protect(&pgt, edge, 2 * MiB, MM_NONE), 0);
	check();
	assert_true(fake_stats.tlbi_ops + fake_stats.flush_all > 0);
	assert_int_equal(pgt.table_pages, tables + 1); /* the first block split */
	expect_map(edge - PAGE_SIZE + 0x10, PA + 2 * MiB - PAGE_SIZE + 0x10, MM_NONE, 3);
	expect_map(edge - 2 * PAGE_SIZE, PA + 2 * MiB - 2 * PAGE_SIZE, MM_NONE, 3);
	expect_map(edge - 3 * PAGE_SIZE, PA + 2 * MiB - 3 * PAGE_SIZE, RW, 3);
	expect_map(edge + MiB, PA + 3 * MiB, MM_NONE, 2);
	assert_false(arch_pte_valid(*pgt_walk(&pgt, edge - PAGE_SIZE)));
	assert_true(arch_pte_present(*pgt_walk(&pgt, edge - PAGE_SIZE)));
	assert_false(fake_tlb_cached(edge - PAGE_SIZE));
	assert_false(fake_tlb_cached(edge + MiB));
	for (unsigned access = FAULT_READ; access <= FAULT_EXEC; access <<= 1) {
		assert_int_equal(translate(edge - PAGE_SIZE, access, NULL),
				 FAULT_TRANSLATION | access | L(3));
		assert_int_equal(translate(edge + MiB, access, NULL),
				 FAULT_TRANSLATION | access | L(2));
	}
	assert_false(fake_tlb_cached(edge - PAGE_SIZE)); /* a fault fills no TLB entry */
	assert_int_equal(pgt_map(&pgt, edge - PAGE_SIZE, PA, PAGE_SIZE, RW, 0), -EEXIST);
	assert_int_equal(pgt_map(&pgt, edge, PA, 2 * MiB, RW, 0), -EEXIST);

	/* Back: the same pages, valid again, without a TLB flush. */
	fake_stats_reset();
	assert_int_equal(pgt_protect(&pgt, edge - 2 * PAGE_SIZE, 2 * MiB + 2 * PAGE_SIZE, RO), 0);
	check();
	assert_int_equal(fake_stats.flush_page + fake_stats.flush_leaf + fake_stats.flush_range +
			 fake_stats.flush_all, 0);
	assert_int_equal(fake_stats.pte_writes, 3);
	expect_map(edge - PAGE_SIZE, PA + 2 * MiB - PAGE_SIZE, RO, 3);
	expect_map(edge + MiB, PA + 3 * MiB, RO, 2);
	assert_int_equal(translate(edge + MiB, FAULT_READ, NULL), 0);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(3));

	/* Kept again, then split by an unmap inside, then unmapped whole: every
	 * page is released exactly once and every table goes. */
	assert_int_equal(pgt_protect(&pgt, va, 4 * MiB, MM_NONE), 0);
	check();
	fake_stats_reset();
	assert_int_equal(pgt_unmap(&pgt, edge + PAGE_SIZE, PAGE_SIZE, record, &rel), 0);
	check();
	assert_int_equal(fake_stats.flush_page + fake_stats.flush_leaf + fake_stats.flush_range +
			 fake_stats.flush_all, 0);
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel.pa[0], PA + 2 * MiB + PAGE_SIZE);
	expect_map(edge, PA + 2 * MiB, MM_NONE, 3);
	expect_unmapped(edge + PAGE_SIZE);
	rel.n = 0;
	assert_int_equal(pgt_unmap(&pgt, edge, 2 * MiB, record, &rel), 0);
	assert_int_equal(pgt_unmap(&pgt, va, 2 * MiB, NULL, NULL), 0);
	check();
	assert_int_equal(rel.n, 511);
	for (size_t i = 0; i < rel.n; i++)
		assert_int_equal(rel.pa[i], PA + 2 * MiB + (i ? i + 1 : 0) * PAGE_SIZE);
	assert_int_equal(pgt.table_pages, 1);
}

static void test_unmap_frees_tables(void **state)
{
	vaddr_t vas[] = { 0x1000, 0x40000000, 0x40200000, 0x8000000000, 0x7ffffffff000 };

	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(pgt_map(&pgt, vas[i], PA, PAGE_SIZE, RW, 0), 0);
	check();
	/* L0 + 3 L1 + 4 L2 + 5 L3 tables (vas[1] and vas[2] share a level-2 table). */
	assert_int_equal(pgt.table_pages, 1 + 3 + 4 + 5);
	assert_int_equal(pgt_unmap(&pgt, vas[1], PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt.table_pages, 1 + 3 + 4 + 4);
	assert_int_equal(pgt_unmap(&pgt, vas[2], PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt.table_pages, 1 + 3 + 3 + 3);
	expect_map(vas[3], PA, RW, 3);
	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		translate(vas[i], FAULT_READ, NULL);
	/* One call across everything, holes included. */
	assert_int_equal(pgt_unmap(&pgt, 0, 1ull << 48, NULL, NULL), 0);
	check();
	assert_int_equal(pgt.table_pages, 1);
	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(translate(vas[i], FAULT_READ, NULL), FAULT_TRANSLATION | FAULT_READ | L(0));
}

static void test_einval(void **state)
{
	const struct {
		vaddr_t va;
		paddr_t pa;
		uint64_t size;
		unsigned attrs, flags;
	} bad[] = {
		{ 0x1001, PA, PAGE_SIZE, RW, 0 },
		{ 0x1000, PA + 1, PAGE_SIZE, RW, 0 },
		{ 0x1000, PA, PAGE_SIZE + 1, RW, 0 },
		{ 0x1000, PA, 0, RW, 0 },
		{ 1ull << 48, PA, PAGE_SIZE, RW, 0 },
		{ (1ull << 48) - PAGE_SIZE, PA, 2 * PAGE_SIZE, RW, 0 },
		{ 0x1000, PA, ~0ull & PAGE_MASK, RW, 0 },
		{ 0x1000, 1ull << 48, PAGE_SIZE, RW, 0 },
		{ 0x1000, PA, PAGE_SIZE, MM_READ | MM_WRITE | MM_EXEC, 0 },
		{ 0x1000, PA, PAGE_SIZE, MM_WRITE, 0 },
		{ 0x1000, PA, PAGE_SIZE, 0, 0 },
		{ 0x1000, PA, PAGE_SIZE, RX | MM_DEVICE, 0 },
		{ 0x1000, PA, PAGE_SIZE, RW | BIT(7), 0 },
		{ 0x1000, PA, PAGE_SIZE, MM_NONE | MM_READ, 0 },
		{ 0x1000, PA, PAGE_SIZE, MM_NONE | MM_DEVICE, 0 },
		{ 0x1000, PA, PAGE_SIZE, RW, BIT(5) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(pgt_map(&pgt, bad[i].va, bad[i].pa, bad[i].size,
					 bad[i].attrs, bad[i].flags), -EINVAL);
	assert_int_equal(pgt.table_pages, 1);
	check();

	assert_int_equal(pgt_map(&pgt, 0x200000, PA, 2 * MiB, RW, 0), 0);
	assert_int_equal(pgt_unmap(&pgt, 0x200800, PAGE_SIZE, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_unmap(&pgt, 0x200000, 0, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_unmap(&pgt, 0x200000, 1ull << 48, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, 0x200000, PAGE_SIZE, RW | MM_EXEC), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, 0x200000, PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, 0x200000, PAGE_SIZE, MM_NONE | RW), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, 0x200000, PAGE_SIZE + 8, RO), -EINVAL);
	check();
	expect_map(0x200000 + PAGE_SIZE, PA + PAGE_SIZE, RW, 2); /* untouched, not split */
}

static void test_eexist(void **state)
{
	vaddr_t va = 0x40000000;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va + 3 * MiB, PA, PAGE_SIZE, RW, 0), 0);
	assert_int_equal(pgt_map(&pgt, va + 8 * MiB, PA, 2 * MiB, RW, 0), 0);
	tables = pgt.table_pages;
	/* Overlaps the page at its end, or the block at its start. */
	assert_int_equal(pgt_map(&pgt, va, PA, 3 * MiB + PAGE_SIZE, RW, 0), -EEXIST);
	assert_int_equal(pgt_map(&pgt, va + 9 * MiB, PA, PAGE_SIZE, RW, 0), -EEXIST);
	assert_int_equal(pgt_map(&pgt, va + 6 * MiB, PA, 4 * MiB, RW, PGT_NO_BLOCKS), -EEXIST);
	check();
	assert_int_equal(pgt.table_pages, tables);
	expect_unmapped(va);
	expect_unmapped(va + 2 * MiB);
	expect_unmapped(va + 6 * MiB);
	expect_map(va + 3 * MiB, PA, RW, 3);
	expect_map(va + 9 * MiB, PA + MiB, RW, 2);
}

/*
 * -ENOMEM at every possible point of a map that needs seven tables: with k
 * free pages (k < 7) it fails and leaves exactly the state before.
 */
static void test_enomem_map(void **state)
{
	/* Across a level-0 boundary: 2 level-1, 3 level-2, 2 level-3 tables. */
	vaddr_t va = 0x8000000000 - GiB - 2 * MiB;
	uint64_t size = GiB + 4 * MiB + 2 * PAGE_SIZE;
	size_t needed = 0;
	for (size_t k = 0;; k++) {
		struct drained d = drain_leaving(k);
		int err = pgt_map(&pgt, va + PAGE_SIZE, PA + PAGE_SIZE, size, RW, 0);

		if (err == 0) {
			needed = k;
			undrain(&d);
			break;
		}
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(page_free_count(), k);
		assert_int_equal(pgt.table_pages, 1);
		assert_int_equal(pgt_check(&pgt), 0);
		expect_unmapped(va + PAGE_SIZE);
		expect_unmapped(va + size);
		undrain(&d);
		assert_true(k < 16);
	}
	check();
	assert_int_equal(needed, pgt.table_pages - 1);
	assert_int_equal(needed, 2 + 3 + 2);
	expect_map(va + PAGE_SIZE, PA + PAGE_SIZE, RW, 3);
	expect_map(va + 2 * MiB, PA + 2 * MiB, RW, 2);
	expect_map(va + size, PA + size, RW, 3);
}

static void test_enomem_split(void **state)
{
	vaddr_t va = 0x40000000, edge = va + 2 * MiB;
	size_t tables;
	struct drained d;

	assert_int_equal(pgt_map(&pgt, va, PA, 4 * MiB, RW, 0), 0);
	tables = pgt.table_pages;

	/* Nothing free: no split, nothing changed. */
	d = drain_leaving(0);
	assert_int_equal(pgt_unmap(&pgt, va + PAGE_SIZE, PAGE_SIZE, NULL, NULL), -ENOMEM);
	assert_int_equal(pgt_protect(&pgt, va + PAGE_SIZE, PAGE_SIZE, RO), -ENOMEM);
	undrain(&d);
	/* One page: a two-block cut needs two, so neither block is split. */
	d = drain_leaving(1);
	assert_int_equal(pgt_protect(&pgt, edge - PAGE_SIZE, 2 * PAGE_SIZE, RO), -ENOMEM);
	assert_int_equal(pgt_unmap(&pgt, edge - PAGE_SIZE, 2 * PAGE_SIZE, NULL, NULL), -ENOMEM);
	assert_int_equal(page_free_count(), 1);
	assert_int_equal(pgt.table_pages, tables);
	expect_map(edge - PAGE_SIZE, PA + 2 * MiB - PAGE_SIZE, RW, 2);
	expect_map(edge, PA + 2 * MiB, RW, 2);
	assert_int_equal(pgt_check(&pgt), 0);
	/* Whole blocks need no table: fine even now. */
	assert_int_equal(pgt_protect(&pgt, edge, 2 * MiB, RO), 0);
	/* One page is enough for one cut. */
	assert_int_equal(pgt_unmap(&pgt, va + PAGE_SIZE, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(page_free_count(), 0);
	undrain(&d);
	check();
	assert_int_equal(pgt.table_pages, tables + 1);
	expect_unmapped(va + PAGE_SIZE);
	expect_map(va, PA, RW, 3);
	expect_map(edge, PA + 2 * MiB, RO, 2);
}

static void test_walk_alloc(void **state)
{
	vaddr_t va = 0x123456789000;
	struct drained d;
	pte_t *slot;
	int err = 0;

	/* Out of pages at each level in turn; the tables made so far stay, counted. */
	for (size_t k = 0; k < 3; k++) {
		d = drain_leaving(k == 0 ? 0 : 1);
		assert_null(pgt_walk_alloc(&pgt, va, &err));
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(page_free_count(), 0);
		undrain(&d);
		assert_int_equal(pgt.table_pages, 1 + k);
		assert_int_equal(pgt_check(&pgt), 0);
	}
	slot = pgt_walk_alloc(&pgt, va, &err);
	assert_non_null(slot);
	assert_int_equal(pgt.table_pages, 4);
	assert_ptr_equal(slot, pgt_walk(&pgt, va));
	assert_ptr_equal(pgt_walk_alloc(&pgt, va + PAGE_SIZE, &err), slot + 1);
	arch_pte_write(slot, arch_pte_leaf(PA, RW, 3));
	check();
	expect_map(va, PA, RW, 3);
	assert_int_equal(translate(va, FAULT_WRITE, NULL), 0);

	/* A block covers the address: -EEXIST. */
	assert_int_equal(pgt_map(&pgt, 0x40000000, PA, 2 * MiB, RW, 0), 0);
	err = 0;
	assert_null(pgt_walk_alloc(&pgt, 0x40001000, &err));
	assert_int_equal(err, -EEXIST);
	check();
}

/* The fake catches what the tests rely on it to catch. */
static void test_fake_catches_mistakes(void **state)
{
	vaddr_t va = 0x40000000;
	pte_t *slot, old;

	assert_int_equal(pgt_map(&pgt, va, PA, PAGE_SIZE, RW, 0), 0);
	slot = pgt_walk(&pgt, va);
	old = *slot;
	assert_int_equal(translate(va, FAULT_WRITE, NULL), 0);
	/* Invalidate without a flush: the stale translation still works. */
	arch_pte_write(slot, 0);
	assert_int_equal(translate(va, FAULT_WRITE, NULL), 0);
	/* Re-validate before any flush: a break-before-make violation. */
	arch_pte_write(slot, arch_pte_leaf(PA, RO, 3));
	assert_int_equal(fake_stats.bbm_violations, 1);
	/* Valid over valid: another. */
	arch_pte_write(slot, old);
	assert_int_equal(fake_stats.bbm_violations, 2);
	fake_stats.bbm_violations = 0;
	/* A corrupt entry fails pgt_check; so does a wrong table count. */
	slot[1] = 0x1234; /* invalid in the fake encoding, but not zero */
	assert_int_equal(pgt_check(&pgt), -EINVAL);
	slot[1] = 0;
	slot[1] = arch_pte_leaf(PA, RW | MM_EXEC, 3);
	assert_int_equal(pgt_check(&pgt), -EINVAL);
	slot[1] = 0;
	pgt.table_pages++;
	assert_int_equal(pgt_check(&pgt), -EINVAL);
	pgt.table_pages--;
	check();
}

/*
 * The fake's own helpers the fuzz target leans on: fake_tlb_count counts
 * the cached translations overlapping a range (a block's or a contiguous
 * range's counts once), and arch_zero_pages zeroes a run of 1 MiB or more
 * (by dropping its host pages) exactly: nothing before or after it.
 */
static void test_fake_tlb_count_and_zeroing(void **state)
{
	vaddr_t va = 0x40000000;
	size_t n = (size_t)(2 * MiB / PAGE_SIZE);
	paddr_t run;
	uint8_t *p;

	assert_int_equal(pgt_map(&pgt, va, PA, 4 * PAGE_SIZE, RW, 0), 0);
	assert_int_equal(fake_tlb_count(va, va + 4 * PAGE_SIZE), 0);
	assert_int_equal(translate(va + PAGE_SIZE, FAULT_READ, NULL), 0);
	assert_int_equal(translate(va + 3 * PAGE_SIZE, FAULT_READ, NULL), 0);
	assert_int_equal(fake_tlb_count(va, va + 4 * PAGE_SIZE), 2);
	assert_int_equal(fake_tlb_count(va, va + PAGE_SIZE), 0);
	assert_int_equal(fake_tlb_count(va + 2 * PAGE_SIZE, va + 3 * PAGE_SIZE + 1), 1);
	assert_int_equal(fake_tlb_count(va + 4 * PAGE_SIZE, va + 8 * PAGE_SIZE), 0);
	assert_int_equal(pgt_unmap(&pgt, va, 4 * PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(fake_tlb_count(va, va + 4 * PAGE_SIZE), 0);

	run = page_alloc_run(n + 2);
	assert_true(run != 0);
	p = arch_phys_to_virt(run);
	memset(p, 0x5a, (n + 2) * PAGE_SIZE);
	arch_zero_pages(p + PAGE_SIZE, n);
	assert_int_equal(p[PAGE_SIZE - 1], 0x5a);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[(i + 1) * PAGE_SIZE + i % PAGE_SIZE], 0);
	assert_int_equal(p[(n + 1) * PAGE_SIZE], 0x5a);
	page_free_run(run, n + 2);
	check();
}

/*
 * Random map / unmap / protect in a 16 MiB window against a model of every
 * page, checking lookups, the MMU's view and pgt_check after each step.
 */
#define WIN_VA 0x3fe00000ull /* window straddles a level-1 boundary */
#define WIN_PAGES 4096
struct model_page {
	bool mapped;
	paddr_t pa;
	unsigned attrs;
};
static struct model_page model[WIN_PAGES];

static void test_random_against_model(void **state)
{
	static const unsigned attr_choices[] = { RO, RW, RX, RW | MM_DEVICE, MM_NONE };
	uint64_t seed = 12345;

	memset(model, 0, sizeof(model));
	for (int step = 0; step < 400; step++) {
		size_t first, n;
		unsigned attrs;
		int op, err;
		paddr_t pa;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		op = (seed >> 33) % 3;
		/* Runs of 1 page to 3 MiB, often block aligned. */
		first = (seed >> 40) % WIN_PAGES;
		n = 1 + (seed >> 20) % 768;
		if ((seed >> 10) & 1) {
			first = ALIGN_DOWN(first, 512);
			n = ALIGN_UP(n, 512);
		}
		n = MIN(n, WIN_PAGES - first);
		attrs = attr_choices[(seed >> 5) % ARRAY_SIZE(attr_choices)];
		pa = PA + ((seed >> 50) % 64) * 2 * MiB + (first % 512) * PAGE_SIZE;

		if (op == 0) {
			bool busy = false;

			for (size_t i = first; i < first + n; i++)
				busy |= model[i].mapped;
			err = pgt_map(&pgt, WIN_VA + first * PAGE_SIZE, pa, n * PAGE_SIZE, attrs, 0);
			assert_int_equal(err, busy ? -EEXIST : 0);
			for (size_t i = first; !busy && i < first + n; i++)
				model[i] = (struct model_page){ true, pa + (i - first) * PAGE_SIZE, attrs };
		} else if (op == 1) {
			assert_int_equal(pgt_unmap(&pgt, WIN_VA + first * PAGE_SIZE, n * PAGE_SIZE,
						   NULL, NULL), 0);
			for (size_t i = first; i < first + n; i++)
				model[i].mapped = false;
		} else {
			assert_int_equal(pgt_protect(&pgt, WIN_VA + first * PAGE_SIZE, n * PAGE_SIZE,
						     attrs), 0);
			for (size_t i = first; i < first + n; i++)
				model[i].attrs = attrs;
		}
		check();

		for (size_t i = 0; i < WIN_PAGES; i++) {
			vaddr_t va = WIN_VA + i * PAGE_SIZE;
			unsigned got_attrs;
			paddr_t got;

			if (!model[i].mapped) {
				expect_unmapped(va);
				assert_true(translate(va, FAULT_READ, NULL) & FAULT_TRANSLATION);
				continue;
			}
			assert_int_equal(pgt_lookup(&pgt, va, &got, &got_attrs, NULL), 0);
			assert_int_equal(got, model[i].pa);
			assert_int_equal(got_attrs, model[i].attrs);
			if (i % 61 == 0) { /* the MMU's view, through the TLB */
				unsigned f = translate(va, FAULT_WRITE, &got);

				unsigned kind = model[i].attrs == MM_NONE ? FAULT_TRANSLATION
									 : FAULT_PERMISSION;

				assert_int_equal(f, model[i].attrs & MM_WRITE ? 0 :
						 kind | FAULT_WRITE |
							 (f & (3u << FAULT_LEVEL_SHIFT)));
			}
		}
	}
	assert_int_equal(pgt_unmap(&pgt, WIN_VA, WIN_PAGES * PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt.table_pages, 1);
}

/*
 * pgt_descend, the one descent: it stops at the level asked, or above it
 * at a leaf (a block) or at an empty slot, and says at which level.
 */
static void test_descend_stops(void **state)
{
	vaddr_t va = 0x10000000, blk = 0x40000000;
	int level = -1;
	pte_t *slot;

	/* An empty table: the root's empty slot. */
	slot = pgt_descend(&pgt, va, PGT_LAST_LEVEL, &level);
	assert_int_equal(level, PGT_ROOT_LEVEL);
	assert_ptr_equal(slot, &pgt.root[pgt_index(va, PGT_ROOT_LEVEL)]);
	assert_false(arch_pte_present(*slot));

	assert_int_equal(pgt_map(&pgt, va, PA, PAGE_SIZE, RW, 0), 0);
	assert_int_equal(pgt_map(&pgt, blk, PA, BLOCK_SIZE, RW, 0), 0);
	/* The level asked for, above the leaf. */
	slot = pgt_descend(&pgt, va, BLOCK_LEVEL, &level);
	assert_int_equal(level, BLOCK_LEVEL);
	assert_true(arch_pte_is_table(*slot, BLOCK_LEVEL));
	/* The leaf at the last level, and an empty slot beside it. */
	slot = pgt_descend(&pgt, va, PGT_LAST_LEVEL, &level);
	assert_int_equal(level, PGT_LAST_LEVEL);
	assert_ptr_equal(slot, pgt_walk(&pgt, va));
	assert_true(arch_pte_valid(*slot));
	slot = pgt_descend(&pgt, va + PAGE_SIZE, PGT_LAST_LEVEL, &level);
	assert_int_equal(level, PGT_LAST_LEVEL);
	assert_false(arch_pte_present(*slot));
	/* A block stops the descent at its level. */
	slot = pgt_descend(&pgt, blk + 5 * PAGE_SIZE, PGT_LAST_LEVEL, &level);
	assert_int_equal(level, BLOCK_LEVEL);
	assert_ptr_equal(slot, pgt_slot(&pgt, blk, BLOCK_LEVEL));
	assert_null(pgt_walk(&pgt, blk));
	/* A missing table: the empty slot above it. */
	slot = pgt_descend(&pgt, va + GiB + 2 * GiB, PGT_LAST_LEVEL, &level);
	assert_true(level < BLOCK_LEVEL);
	assert_false(arch_pte_present(*slot));
	assert_int_equal(pgt_unmap(&pgt, va, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(pgt_unmap(&pgt, blk, BLOCK_SIZE, NULL, NULL), 0);
	check();
}

/*
 * A cut takes every table page its splits need or none: an edge inside a
 * 1 GiB leaf needs two (the level-2 table, then the level-3 one). With one
 * page free, prepare fails and takes nothing; with two, commit splits both
 * levels and the unmap that follows needs no memory at all.
 */
static void test_cut_all_or_none(void **state)
{
	vaddr_t mid = GiB + 2 * MiB + PAGE_SIZE;
	struct pgt_cut cut;
	struct drained d;
	pte_t *l1;
	size_t tables;
	int level = -1;

	assert_int_equal(pgt_map(&pgt, 0x1000, PA, PAGE_SIZE, RO, 0), 0); /* a level-1 table */
	l1 = arch_phys_to_virt(arch_pte_table_addr(pgt.root[0]));
	arch_pte_write(&l1[1], arch_pte_leaf(PA, RW, 1));                  /* [1 GiB, 2 GiB) */
	tables = pgt.table_pages;

	d = drain_leaving(1);
	assert_int_equal(pgt_cut_prepare(&pgt, mid, mid + PAGE_SIZE, &cut), -ENOMEM);
	assert_int_equal(page_free_count(), 1);
	assert_int_equal(pgt_lookup(&pgt, mid, NULL, NULL, &level), 0);
	assert_int_equal(level, 1);
	page_free(d.pages[--d.n]);

	assert_int_equal(pgt_cut_prepare(&pgt, mid, mid + PAGE_SIZE, &cut), 0);
	assert_int_equal(cut.n, 2);
	assert_int_equal(page_free_count(), 0);
	pgt_cut_commit(&pgt, &cut);
	assert_int_equal(pgt.table_pages, tables + 2);
	assert_int_equal(pgt_lookup(&pgt, mid, NULL, NULL, &level), 0);
	assert_int_equal(level, 3);
	/* Nothing left to cut: the unmap takes no page. */
	assert_int_equal(pgt_unmap(&pgt, mid, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(page_free_count(), 0);
	expect_unmapped(mid);
	undrain(&d);
	free(d.pages);
	assert_int_equal(pgt_unmap(&pgt, GiB, GiB, NULL, NULL), 0);
	check();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_pages_walk_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_splits_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_whole_block_releases_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level1_block_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_splits_and_no_stale_tlb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_whole_block_stays_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_protect_none_keeps_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_frees_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eexist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_alloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fake_catches_mistakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fake_tlb_count_and_zeroing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
		cmocka_unit_test_setup_teardown(test_descend_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_all_or_none, setup, teardown),
	};

	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
