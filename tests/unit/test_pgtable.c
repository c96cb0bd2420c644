/*
 * The translation-table library on the fake MMU, at every granule (built
 * again at 16 KiB and 64 KiB, tests/unit/rules.mk): each test states its
 * layout in terms of mm/geometry.h, so it checks the same property at each;
 * the comments give the 4 KiB values. Walks and lookups, blocks (2 MiB),
 * unmap and protect splitting blocks, protection changes seen by the fake
 * MMU with no stale TLB entry and no break-before-make violation,
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

#define MiB (1ull << 20)
#define RW (MM_READ | MM_WRITE)
#define RO MM_READ
#define RX (MM_READ | MM_EXEC)
#define L(n) ((unsigned)(n) << FAULT_LEVEL_SHIFT)

/*
 * The geometry at this granule (mm/geometry.h); the comments give the
 * 4 KiB values. LAST: pages; BLOCK_LEVEL: blocks (2 MiB); UPPER: the level
 * above blocks (1 GiB entries), the root at 64 KiB; ROOT_SIZE: one root
 * entry (512 GiB); TOP: the end of the VA space (256 TiB).
 */
#define LAST PGT_LAST_LEVEL
#define ROOT PGT_ROOT_LEVEL
#define UPPER (BLOCK_LEVEL - 1)
#define BLOCK_PAGES (BLOCK_SIZE / PAGE_SIZE)
#define UPPER_SIZE level_size(UPPER)
#define ROOT_SIZE level_size(ROOT)
#define TOP (1ull << PGT_VA_BITS)
/* An address in a root entry other than 0 and 1 where there are more than
   two (16 KiB has two): 1 TiB; 128 TiB at 16 KiB, 8 TiB at 64 KiB. */
#define FAR_VA MIN(2 * ROOT_SIZE, TOP - ROOT_SIZE)
/* The start of a root entry above the one holding UPPER_SIZE: 512 GiB;
   128 TiB at 16 KiB, 8 TiB at 64 KiB. */
#define ROOT_EDGE MAX(ROOT_SIZE, 2 * UPPER_SIZE)

/* Mapped physical addresses need not be RAM: the tables never touch them. */
#define PA 0x800000000ull
/* PA aligned for a leaf of UPPER (a 1 GiB, 64 GiB or 4 TiB one). */
#define PA_UP ALIGN_UP(PA, UPPER_SIZE)

/*
 * A leaf at UPPER exists only below the root: at 64 KiB, UPPER (level 1)
 * is the root, which holds no leaves (Arm ARM DDI0487 K.a D8.2: no level-1
 * block with the 64 KiB granule and a 48-bit OA; pgt_check refuses one).
 */
static void skip_unless_upper_leaves(void)
{
	if (UPPER == ROOT) {
		print_message("skipped: no leaf above BLOCK_LEVEL at %llu KiB pages "
			      "(level %d is the root)\n", PAGE_SIZE >> 10, UPPER);
		skip();
	}
}

/* The tables of `level` (below the root) that [first, last] needs. */
static size_t spans(vaddr_t first, vaddr_t last, int level)
{
	return (size_t)((last >> level_shift(level - 1)) - (first >> level_shift(level - 1)) + 1);
}

/*
 * The table pages (root included) that single pages at vas[0..n) need:
 * one table of each level below the root per distinct VA prefix above it.
 */
static size_t tables_for(const vaddr_t *vas, size_t n)
{
	size_t tables = 1;

	for (int l = ROOT + 1; l <= LAST; l++)
		for (size_t i = 0; i < n; i++) {
			bool seen = false;

			for (size_t j = 0; j < i; j++)
				seen |= vas[j] >> level_shift(l - 1) == vas[i] >> level_shift(l - 1);
			tables += !seen;
		}
	return tables;
}

/* The pages an unmap released, in order (two blocks' worth at most). */
struct released {
	paddr_t pa[2 * BLOCK_PAGES];
	size_t n;
};
static struct released rel;
static size_t released_pages;

static int setup(void **state)
{
	(void)state;
	pgt_env_setup(32 * MiB);
	rel.n = 0;
	released_pages = 0;
	return 0;
}

static void test_map_pages_walk_lookup(void **state)
{
	vaddr_t va = 0x10000000;
	paddr_t pa;
	pte_t *slot;

	assert_int_equal(pgt_map(&pgt, va, PA, 3 * PAGE_SIZE, RW, 0), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), PGT_LEVELS); /* root + one table at each level */
	expect_map(va, PA, RW, LAST);
	expect_map(va + 2 * PAGE_SIZE + 0x123, PA + 2 * PAGE_SIZE + 0x123, RW, LAST);
	expect_unmapped(va + 3 * PAGE_SIZE);
	expect_unmapped(va - PAGE_SIZE);
	expect_unmapped(1ull << 48);

	slot = pgt_walk(&pgt, va + PAGE_SIZE);
	assert_non_null(slot);
	assert_true(arch_pte_valid(*slot));
	assert_int_equal(arch_pte_addr(*slot, LAST), PA + PAGE_SIZE);
	assert_non_null(pgt_walk(&pgt, va + 100 * PAGE_SIZE)); /* same table, empty slot */
	assert_false(arch_pte_valid(*pgt_walk(&pgt, va + 100 * PAGE_SIZE)));
	assert_null(pgt_walk(&pgt, va + UPPER_SIZE));            /* no block-level table */

	/* The MMU agrees, and faults at the level where the walk stops. */
	assert_int_equal(translate(va + 0x10, FAULT_WRITE, &pa), 0);
	assert_int_equal(pa, PA + 0x10);
	assert_int_equal(translate(va, FAULT_EXEC, NULL), FAULT_PERMISSION | FAULT_EXEC | L(LAST));
	assert_int_equal(translate(va + 3 * PAGE_SIZE, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(LAST));
	assert_int_equal(translate(va + BLOCK_SIZE, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(BLOCK_LEVEL));
	assert_int_equal(translate(va + UPPER_SIZE, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(UPPER));
	assert_int_equal(translate(FAR_VA, FAULT_READ, NULL), FAULT_TRANSLATION | FAULT_READ | L(ROOT));

	/* Executable and device mappings. */
	assert_int_equal(pgt_map(&pgt, va + MiB, PA, PAGE_SIZE, RX, 0), 0);
	assert_int_equal(translate(va + MiB, FAULT_EXEC, NULL), 0);
	assert_int_equal(translate(va + MiB, FAULT_WRITE, NULL), FAULT_PERMISSION | FAULT_WRITE | L(LAST));
	assert_int_equal(pgt_map(&pgt, va + MiB + PAGE_SIZE, 0x9000000, PAGE_SIZE,
				 RW | MM_DEVICE, 0), 0);
	expect_map(va + MiB + PAGE_SIZE, 0x9000000, RW | MM_DEVICE, LAST);
	check();
	assert_true(fake_stats.syncs >= 3);
}

static void test_map_blocks(void **state)
{
	vaddr_t va = 0x40000000;
	paddr_t pa;

	/* Two blocks and a two-page tail. */
	assert_int_equal(pgt_map(&pgt, va, PA, 2 * BLOCK_SIZE + 2 * PAGE_SIZE, RO, 0), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), PGT_LEVELS);
	expect_map(va, PA, RO, BLOCK_LEVEL);
	expect_map(va + BLOCK_SIZE + BLOCK_SIZE / 2 + 5, PA + BLOCK_SIZE + BLOCK_SIZE / 2 + 5, RO,
		   BLOCK_LEVEL);
	expect_map(va + 2 * BLOCK_SIZE + PAGE_SIZE, PA + 2 * BLOCK_SIZE + PAGE_SIZE, RO, LAST);
	assert_null(pgt_walk(&pgt, va + BLOCK_SIZE / 2)); /* a block: no last-level slot */
	assert_int_equal(translate(va + BLOCK_SIZE + 7, FAULT_READ, &pa), 0);
	assert_int_equal(pa, PA + BLOCK_SIZE + 7);
	assert_int_equal(translate(va + BLOCK_SIZE + 7, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(BLOCK_LEVEL));

	/* Same size without blocks, one UPPER entry on: a block-level table
	   and 2 + 1 last-level tables. */
	assert_int_equal(pgt_map(&pgt, va + UPPER_SIZE, PA, 2 * BLOCK_SIZE + 2 * PAGE_SIZE, RO,
				 PGT_NO_BLOCKS), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), PGT_LEVELS + 1 + 3);
	expect_map(va + UPPER_SIZE + BLOCK_SIZE / 2, PA + BLOCK_SIZE / 2, RO, LAST);

	/* pa not block aligned: pages only. */
	assert_int_equal(pgt_map(&pgt, va + 2 * UPPER_SIZE, PA + PAGE_SIZE, BLOCK_SIZE, RW, 0), 0);
	check();
	expect_map(va + 2 * UPPER_SIZE, PA + PAGE_SIZE, RW, LAST);
	/* va not aligned: the block-sized middle still gets a block. */
	assert_int_equal(pgt_map(&pgt, va + 3 * UPPER_SIZE + PAGE_SIZE, PA + PAGE_SIZE,
				 2 * BLOCK_SIZE, RW, 0), 0);
	check();
	expect_map(va + 3 * UPPER_SIZE + BLOCK_SIZE, PA + BLOCK_SIZE, RW, BLOCK_LEVEL);
	expect_map(va + 3 * UPPER_SIZE + PAGE_SIZE, PA + PAGE_SIZE, RW, LAST);
	expect_map(va + 3 * UPPER_SIZE + 2 * BLOCK_SIZE, PA + 2 * BLOCK_SIZE, RW, LAST);
}

static void record(paddr_t pa, void *ctx)
{
	struct released *r = ctx;

	/* Released only after the flush: the page must no longer be reachable. */
	assert_true(r->n < ARRAY_SIZE(r->pa));
	r->pa[r->n++] = pa;
}

static void count(paddr_t pa, void *ctx)
{
	++*(size_t *)ctx;
}

static void test_unmap_splits_block(void **state)
{
	vaddr_t va = 0x40000000;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va, PA, BLOCK_SIZE, RW, 0), 0);
	tables = pgt_table_pages(&pgt);
	assert_int_equal(translate(va + 5 * PAGE_SIZE, FAULT_WRITE, NULL), 0); /* cached */
	assert_true(fake_tlb_cached(va + 5 * PAGE_SIZE));

	assert_int_equal(pgt_unmap(&pgt, va + 5 * PAGE_SIZE, PAGE_SIZE, record, &rel), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables + 1);
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel.pa[0], PA + 5 * PAGE_SIZE);
	expect_unmapped(va + 5 * PAGE_SIZE);
	expect_map(va + 4 * PAGE_SIZE, PA + 4 * PAGE_SIZE, RW, LAST);
	expect_map(va + 6 * PAGE_SIZE, PA + 6 * PAGE_SIZE, RW, LAST);
	expect_map(va + BLOCK_SIZE - PAGE_SIZE, PA + BLOCK_SIZE - PAGE_SIZE, RW, LAST);
	assert_int_equal(translate(va + 5 * PAGE_SIZE, FAULT_READ, NULL),
			 FAULT_TRANSLATION | FAULT_READ | L(LAST));
	assert_int_equal(translate(va + 6 * PAGE_SIZE, FAULT_WRITE, NULL), 0);

	/* Unmapping the rest releases every page once and frees the tables. */
	rel.n = 0;
	assert_int_equal(pgt_unmap(&pgt, va, BLOCK_SIZE, record, &rel), 0);
	check();
	assert_int_equal(rel.n, BLOCK_PAGES - 1);
	assert_int_equal(pgt_table_pages(&pgt), 1);
	assert_int_equal(translate(va + 6 * PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_TRANSLATION | FAULT_WRITE | L(ROOT));
}

static void test_unmap_whole_block_releases_pages(void **state)
{
	vaddr_t va = BLOCK_SIZE;

	assert_int_equal(pgt_map(&pgt, va, PA, BLOCK_SIZE, RO, 0), 0);
	assert_int_equal(pgt_unmap(&pgt, va, BLOCK_SIZE, record, &rel), 0);
	check();
	assert_int_equal(rel.n, BLOCK_PAGES);
	for (size_t i = 0; i < rel.n; i++)
		assert_int_equal(rel.pa[i], PA + i * PAGE_SIZE);
	assert_int_equal(pgt_table_pages(&pgt), 1);
	/* Unmapping nothing is fine (64 GiB of it; half the VA space at most). */
	assert_int_equal(pgt_unmap(&pgt, va, MIN(64 * UPPER_SIZE, TOP / 2), record, &rel), 0);
	assert_int_equal(rel.n, BLOCK_PAGES);
	check();
}

/*
 * pgt_map makes no leaves above BLOCK_LEVEL (1 GiB ones), but the walkers
 * and the splitting accept them: an edge inside one needs two new tables
 * (the block level's, then the last level's).
 */
static void test_level1_block_split(void **state)
{
	vaddr_t up = UPPER_SIZE, mid = up + BLOCK_SIZE + PAGE_SIZE;
	size_t tables;

	skip_unless_upper_leaves();
	assert_int_equal(pgt_map(&pgt, PAGE_SIZE, PA, PAGE_SIZE, RO, 0), 0); /* makes an UPPER table */
	arch_pte_write(pgt_slot(&pgt, up, UPPER), arch_pte_leaf(PA_UP, RW, UPPER)); /* [1, 2) GiB */
	check();
	tables = pgt_table_pages(&pgt);
	expect_map(up + 2 * BLOCK_SIZE + BLOCK_SIZE / 2 + 3, PA_UP + 2 * BLOCK_SIZE + BLOCK_SIZE / 2 + 3,
		   RW, UPPER);
	assert_int_equal(translate(mid, FAULT_WRITE, NULL), 0); /* cached as an UPPER leaf */

	/* One page out of the middle: both edges inside the same block-sized piece. */
	assert_int_equal(pgt_unmap(&pgt, mid, PAGE_SIZE, record, &rel), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables + 2);
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel.pa[0], PA_UP + BLOCK_SIZE + PAGE_SIZE);
	expect_map(up, PA_UP, RW, BLOCK_LEVEL);
	expect_map(up + BLOCK_SIZE, PA_UP + BLOCK_SIZE, RW, LAST);
	expect_unmapped(mid);
	expect_map(mid + PAGE_SIZE, PA_UP + BLOCK_SIZE + 2 * PAGE_SIZE, RW, LAST);
	expect_map(up + 2 * BLOCK_SIZE, PA_UP + 2 * BLOCK_SIZE, RW, BLOCK_LEVEL);
	expect_map(2 * up - PAGE_SIZE, PA_UP + UPPER_SIZE - PAGE_SIZE, RW, BLOCK_LEVEL);
	assert_int_equal(translate(mid, FAULT_WRITE, NULL), FAULT_TRANSLATION | FAULT_WRITE | L(LAST));
	/* Unmap all of it: every page released once, the tables it needed gone. */
	assert_int_equal(pgt_unmap(&pgt, up, UPPER_SIZE, count, &released_pages), 0);
	check();
	assert_int_equal(released_pages, UPPER_SIZE / PAGE_SIZE - 1);
	assert_int_equal(pgt_table_pages(&pgt), tables);
	expect_unmapped(up);
	expect_map(PAGE_SIZE, PA, RO, LAST);
}

static void test_protect_splits_and_no_stale_tlb(void **state)
{
	vaddr_t va = 0x40000000, edge = va + BLOCK_SIZE;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va, PA, 2 * BLOCK_SIZE, RW, 0), 0);
	tables = pgt_table_pages(&pgt);
	/* Fill the TLB with the writable blocks. */
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL), 0);
	assert_int_equal(translate(edge + PAGE_SIZE, FAULT_WRITE, NULL), 0);

	/* Three pages across the block boundary become read-only: two splits. */
	assert_int_equal(pgt_protect(&pgt, edge - PAGE_SIZE, 3 * PAGE_SIZE, RO), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables + 2);
	expect_map(edge - PAGE_SIZE, PA + BLOCK_SIZE - PAGE_SIZE, RO, LAST);
	expect_map(edge + PAGE_SIZE, PA + BLOCK_SIZE + PAGE_SIZE, RO, LAST);
	expect_map(edge - 2 * PAGE_SIZE, PA + BLOCK_SIZE - 2 * PAGE_SIZE, RW, LAST);
	expect_map(edge + 2 * PAGE_SIZE, PA + BLOCK_SIZE + 2 * PAGE_SIZE, RW, LAST);
	expect_map(va, PA, RW, LAST);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(LAST));
	assert_int_equal(translate(edge + PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(LAST));
	assert_int_equal(translate(edge + 2 * PAGE_SIZE, FAULT_WRITE, NULL), 0);

	/* And back: writable again at once. */
	assert_int_equal(translate(edge, FAULT_READ, NULL), 0);
	assert_int_equal(pgt_protect(&pgt, edge, PAGE_SIZE, RW), 0);
	check();
	assert_int_equal(translate(edge, FAULT_WRITE, NULL), 0);
	/* RX over everything: nothing writable is left cached. */
	assert_int_equal(pgt_protect(&pgt, va, 2 * BLOCK_SIZE, RX), 0);
	check();
	for (vaddr_t a = va; a < va + 2 * BLOCK_SIZE; a += 2 * BLOCK_SIZE / 64)
		assert_int_equal(translate(a, FAULT_WRITE, NULL),
				 FAULT_PERMISSION | FAULT_WRITE | L(LAST));
	assert_int_equal(translate(va, FAULT_EXEC, NULL), 0);
	/* Same attributes again: no entry changes, no flush. */
	fake_stats_reset();
	assert_int_equal(pgt_protect(&pgt, va, 2 * BLOCK_SIZE, RX), 0);
	assert_int_equal(fake_stats.pte_writes, 0);
	assert_int_equal(fake_stats.flush_range + fake_stats.flush_page + fake_stats.flush_leaf +
			 fake_stats.flush_all, 0);
}

static void test_protect_whole_block_stays_block(void **state)
{
	vaddr_t va = 0x40000000;

	vaddr_t mid = va + BLOCK_SIZE / 2;

	assert_int_equal(pgt_map(&pgt, va, PA, BLOCK_SIZE, RW, 0), 0);
	assert_int_equal(translate(mid, FAULT_WRITE, NULL), 0);
	assert_int_equal(pgt_protect(&pgt, va, BLOCK_SIZE, RO), 0);
	check();
	expect_map(mid, PA + BLOCK_SIZE / 2, RO, BLOCK_LEVEL);
	assert_int_equal(translate(mid, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(BLOCK_LEVEL));
	/* Protecting a hole is fine and changes nothing. */
	assert_int_equal(pgt_protect(&pgt, va + UPPER_SIZE, BLOCK_SIZE, RO), 0);
	check();
}

/*
 * MM_NONE (PROT_NONE): a kept entry faults on every access and is never in
 * the TLB, yet lookup, protect and unmap still find its page. Going there is
 * a break with a flush; coming back writes valid entries with no flush.
 */
static void test_protect_none_keeps_pages(void **state)
{
	vaddr_t va = 0x40000000, edge = va + BLOCK_SIZE, half = BLOCK_SIZE / 2;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va, PA, 2 * BLOCK_SIZE, RW, 0), 0);
	tables = pgt_table_pages(&pgt);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL), 0); /* cached */
	assert_int_equal(translate(edge + half, FAULT_WRITE, NULL), 0);

	/* Two pages across the first block's end, and the whole second block. */
	fake_stats_reset();
	assert_int_equal(pgt_protect(&pgt, edge - 2 * PAGE_SIZE, 2 * PAGE_SIZE, MM_NONE), 0);
	assert_int_equal(pgt_protect(&pgt, edge, BLOCK_SIZE, MM_NONE), 0);
	check();
	assert_true(fake_stats.tlbi_ops + fake_stats.flush_all > 0);
	assert_int_equal(pgt_table_pages(&pgt), tables + 1); /* the first block split */
	expect_map(edge - PAGE_SIZE + 0x10, PA + BLOCK_SIZE - PAGE_SIZE + 0x10, MM_NONE, LAST);
	expect_map(edge - 2 * PAGE_SIZE, PA + BLOCK_SIZE - 2 * PAGE_SIZE, MM_NONE, LAST);
	expect_map(edge - 3 * PAGE_SIZE, PA + BLOCK_SIZE - 3 * PAGE_SIZE, RW, LAST);
	expect_map(edge + half, PA + BLOCK_SIZE + half, MM_NONE, BLOCK_LEVEL);
	assert_false(arch_pte_valid(*pgt_walk(&pgt, edge - PAGE_SIZE)));
	assert_true(arch_pte_present(*pgt_walk(&pgt, edge - PAGE_SIZE)));
	assert_false(fake_tlb_cached(edge - PAGE_SIZE));
	assert_false(fake_tlb_cached(edge + half));
	for (unsigned access = FAULT_READ; access <= FAULT_EXEC; access <<= 1) {
		assert_int_equal(translate(edge - PAGE_SIZE, access, NULL),
				 FAULT_TRANSLATION | access | L(LAST));
		assert_int_equal(translate(edge + half, access, NULL),
				 FAULT_TRANSLATION | access | L(BLOCK_LEVEL));
	}
	assert_false(fake_tlb_cached(edge - PAGE_SIZE)); /* a fault fills no TLB entry */
	assert_int_equal(pgt_map(&pgt, edge - PAGE_SIZE, PA, PAGE_SIZE, RW, 0), -EEXIST);
	assert_int_equal(pgt_map(&pgt, edge, PA, BLOCK_SIZE, RW, 0), -EEXIST);

	/* Back: the same pages, valid again, without a TLB flush. */
	fake_stats_reset();
	assert_int_equal(pgt_protect(&pgt, edge - 2 * PAGE_SIZE, BLOCK_SIZE + 2 * PAGE_SIZE, RO), 0);
	check();
	assert_int_equal(fake_stats.flush_page + fake_stats.flush_leaf + fake_stats.flush_range +
			 fake_stats.flush_all, 0);
	assert_int_equal(fake_stats.pte_writes, LAST);
	expect_map(edge - PAGE_SIZE, PA + BLOCK_SIZE - PAGE_SIZE, RO, LAST);
	expect_map(edge + half, PA + BLOCK_SIZE + half, RO, BLOCK_LEVEL);
	assert_int_equal(translate(edge + half, FAULT_READ, NULL), 0);
	assert_int_equal(translate(edge - PAGE_SIZE, FAULT_WRITE, NULL),
			 FAULT_PERMISSION | FAULT_WRITE | L(LAST));

	/* Kept again, then split by an unmap inside, then unmapped whole: every
	 * page is released exactly once and every table goes. */
	assert_int_equal(pgt_protect(&pgt, va, 2 * BLOCK_SIZE, MM_NONE), 0);
	check();
	fake_stats_reset();
	assert_int_equal(pgt_unmap(&pgt, edge + PAGE_SIZE, PAGE_SIZE, record, &rel), 0);
	check();
	assert_int_equal(fake_stats.flush_page + fake_stats.flush_leaf + fake_stats.flush_range +
			 fake_stats.flush_all, 0);
	assert_int_equal(rel.n, 1);
	assert_int_equal(rel.pa[0], PA + BLOCK_SIZE + PAGE_SIZE);
	expect_map(edge, PA + BLOCK_SIZE, MM_NONE, LAST);
	expect_unmapped(edge + PAGE_SIZE);
	rel.n = 0;
	assert_int_equal(pgt_unmap(&pgt, edge, BLOCK_SIZE, record, &rel), 0);
	assert_int_equal(pgt_unmap(&pgt, va, BLOCK_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(rel.n, BLOCK_PAGES - 1);
	for (size_t i = 0; i < rel.n; i++)
		assert_int_equal(rel.pa[i], PA + BLOCK_SIZE + (i ? i + 1 : 0) * PAGE_SIZE);
	assert_int_equal(pgt_table_pages(&pgt), 1);
}

static void test_unmap_frees_tables(void **state)
{
	/* Two UPPER entries' tables, a second table in one of them, and two
	   more root entries (at 16 KiB, whose root has two, one of them shares
	   the first's): 0x1000, 0x40000000, 0x40200000, 0x8000000000 and
	   0x7ffffffff000 at 4 KiB. */
	vaddr_t vas[] = { PAGE_SIZE, UPPER_SIZE, UPPER_SIZE + BLOCK_SIZE, ROOT_EDGE,
			  TOP / 2 - PAGE_SIZE };
	vaddr_t left[] = { vas[0], vas[2], vas[3], vas[4] };
	vaddr_t last[] = { vas[0], vas[3], vas[4] };

	/* At 4 KiB: L0 + 3 L1 + 4 L2 + 5 L3 tables (vas[1] and vas[2] share
	   a level-2 table), then one and then two fewer. */
	if (PAGE_SHIFT == 12) {
		assert_int_equal(tables_for(vas, 5), 1 + 3 + 4 + 5);
		assert_int_equal(tables_for(left, 4), 1 + 3 + 4 + 4);
		assert_int_equal(tables_for(last, 3), 1 + 3 + 3 + 3);
	}
	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(pgt_map(&pgt, vas[i], PA, PAGE_SIZE, RW, 0), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables_for(vas, 5));
	assert_int_equal(pgt_unmap(&pgt, vas[1], PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables_for(left, 4));
	assert_int_equal(pgt_table_pages(&pgt), tables_for(vas, 5) - 1); /* the last-level table */
	assert_int_equal(pgt_unmap(&pgt, vas[2], PAGE_SIZE, NULL, NULL), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables_for(last, 3));
	assert_int_equal(pgt_table_pages(&pgt), tables_for(vas, 5) - 3); /* and the block-level one */
	expect_map(vas[3], PA, RW, LAST);
	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		translate(vas[i], FAULT_READ, NULL);
	/* One call across everything, holes included. */
	assert_int_equal(pgt_unmap(&pgt, 0, TOP, NULL, NULL), 0);
	check();
	assert_int_equal(pgt_table_pages(&pgt), 1);
	for (size_t i = 0; i < ARRAY_SIZE(vas); i++)
		assert_int_equal(translate(vas[i], FAULT_READ, NULL),
				 FAULT_TRANSLATION | FAULT_READ | L(ROOT));
}

static void test_einval(void **state)
{
	const struct {
		vaddr_t va;
		paddr_t pa;
		uint64_t size;
		unsigned attrs, flags;
	} bad[] = {
		{ PAGE_SIZE + 1, PA, PAGE_SIZE, RW, 0 },
		{ PAGE_SIZE, PA + 1, PAGE_SIZE, RW, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE + 1, RW, 0 },
		{ PAGE_SIZE, PA, 0, RW, 0 },
		{ TOP, PA, PAGE_SIZE, RW, 0 },
		{ TOP - PAGE_SIZE, PA, 2 * PAGE_SIZE, RW, 0 },
		{ PAGE_SIZE, PA, ~0ull & PAGE_MASK, RW, 0 },
		{ PAGE_SIZE, TOP, PAGE_SIZE, RW, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, MM_READ | MM_WRITE | MM_EXEC, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, MM_WRITE, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, 0, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, RX | MM_DEVICE, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, RW | BIT(7), 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, MM_NONE | MM_READ, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, MM_NONE | MM_DEVICE, 0 },
		{ PAGE_SIZE, PA, PAGE_SIZE, RW, BIT(5) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(pgt_map(&pgt, bad[i].va, bad[i].pa, bad[i].size,
					 bad[i].attrs, bad[i].flags), -EINVAL);
	assert_int_equal(pgt_table_pages(&pgt), 1);
	check();

	assert_int_equal(pgt_map(&pgt, BLOCK_SIZE, PA, BLOCK_SIZE, RW, 0), 0);
	assert_int_equal(pgt_unmap(&pgt, BLOCK_SIZE + PAGE_SIZE / 2, PAGE_SIZE, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_unmap(&pgt, BLOCK_SIZE, 0, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_unmap(&pgt, BLOCK_SIZE, TOP, NULL, NULL), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, BLOCK_SIZE, PAGE_SIZE, RW | MM_EXEC), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, BLOCK_SIZE, PAGE_SIZE, 0), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, BLOCK_SIZE, PAGE_SIZE, MM_NONE | RW), -EINVAL);
	assert_int_equal(pgt_protect(&pgt, BLOCK_SIZE, PAGE_SIZE + 8, RO), -EINVAL);
	check();
	expect_map(BLOCK_SIZE + PAGE_SIZE, PA + PAGE_SIZE, RW, BLOCK_LEVEL); /* untouched, not split */
}

static void test_eexist(void **state)
{
	vaddr_t va = 0x40000000, half = BLOCK_SIZE / 2;
	size_t tables;

	assert_int_equal(pgt_map(&pgt, va + BLOCK_SIZE + half, PA, PAGE_SIZE, RW, 0), 0);
	assert_int_equal(pgt_map(&pgt, va + 4 * BLOCK_SIZE, PA, BLOCK_SIZE, RW, 0), 0);
	tables = pgt_table_pages(&pgt);
	/* Overlaps the page at its end, or the block at its start. */
	assert_int_equal(pgt_map(&pgt, va, PA, BLOCK_SIZE + half + PAGE_SIZE, RW, 0), -EEXIST);
	assert_int_equal(pgt_map(&pgt, va + 4 * BLOCK_SIZE + half, PA, PAGE_SIZE, RW, 0), -EEXIST);
	assert_int_equal(pgt_map(&pgt, va + 3 * BLOCK_SIZE, PA, 2 * BLOCK_SIZE, RW, PGT_NO_BLOCKS), -EEXIST);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables);
	expect_unmapped(va);
	expect_unmapped(va + BLOCK_SIZE);
	expect_unmapped(va + 3 * BLOCK_SIZE);
	expect_map(va + BLOCK_SIZE + half, PA, RW, LAST);
	expect_map(va + 4 * BLOCK_SIZE + half, PA + half, RW, BLOCK_LEVEL);
}

/*
 * -ENOMEM at every possible point of a map that needs a table at every
 * level (seven at 4 KiB): with k free pages (k < needed) it fails and
 * leaves exactly the state before.
 */
static void test_enomem_map(void **state)
{
	/* Across a root entry's boundary: 2 level-1, 3 level-2, 2 level-3
	   tables at 4 KiB (no level-1 table where the root is level 1). */
	vaddr_t va = ROOT_EDGE - UPPER_SIZE - BLOCK_SIZE;
	uint64_t size = UPPER_SIZE + 2 * BLOCK_SIZE + 2 * PAGE_SIZE;
	size_t needed = 0, tables = 2; /* the partial blocks at either end */

	for (int l = ROOT + 1; l <= BLOCK_LEVEL; l++)
		tables += spans(va + PAGE_SIZE, va + size, l);
	if (PAGE_SHIFT == 12)
		assert_int_equal(tables, 2 + 3 + 2);
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
		assert_int_equal(pgt_table_pages(&pgt), 1);
		assert_int_equal(pgt_check(&pgt), 0);
		expect_unmapped(va + PAGE_SIZE);
		expect_unmapped(va + size);
		undrain(&d);
		assert_true(k < 16);
	}
	check();
	assert_int_equal(needed, pgt_table_pages(&pgt) - 1);
	assert_int_equal(needed, tables);
	expect_map(va + PAGE_SIZE, PA + PAGE_SIZE, RW, LAST);
	expect_map(va + BLOCK_SIZE, PA + BLOCK_SIZE, RW, BLOCK_LEVEL);
	expect_map(va + size, PA + size, RW, LAST);
}

static void test_enomem_split(void **state)
{
	vaddr_t va = 0x40000000, edge = va + BLOCK_SIZE;
	size_t tables;
	struct drained d;

	assert_int_equal(pgt_map(&pgt, va, PA, 2 * BLOCK_SIZE, RW, 0), 0);
	tables = pgt_table_pages(&pgt);

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
	assert_int_equal(pgt_table_pages(&pgt), tables);
	expect_map(edge - PAGE_SIZE, PA + BLOCK_SIZE - PAGE_SIZE, RW, BLOCK_LEVEL);
	expect_map(edge, PA + BLOCK_SIZE, RW, BLOCK_LEVEL);
	assert_int_equal(pgt_check(&pgt), 0);
	/* Whole blocks need no table: fine even now. */
	assert_int_equal(pgt_protect(&pgt, edge, BLOCK_SIZE, RO), 0);
	/* One page is enough for one cut. */
	assert_int_equal(pgt_unmap(&pgt, va + PAGE_SIZE, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(page_free_count(), 0);
	undrain(&d);
	check();
	assert_int_equal(pgt_table_pages(&pgt), tables + 1);
	expect_unmapped(va + PAGE_SIZE);
	expect_map(va, PA, RW, LAST);
	expect_map(edge, PA + BLOCK_SIZE, RO, BLOCK_LEVEL);
}

static void test_walk_alloc(void **state)
{
	vaddr_t va = ALIGN_DOWN(0x123456789000ull, PAGE_SIZE);
	struct drained d;
	pte_t *slot;
	int err = 0;

	/* Out of pages at each level in turn; the tables made so far stay, counted. */
	for (size_t k = 0; k < PGT_LEVELS - 1; k++) {
		d = drain_leaving(k == 0 ? 0 : 1);
		assert_null(pgt_walk_alloc(&pgt, va, &err));
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(page_free_count(), 0);
		undrain(&d);
		assert_int_equal(pgt_table_pages(&pgt), 1 + k);
		assert_int_equal(pgt_check(&pgt), 0);
	}
	slot = pgt_walk_alloc(&pgt, va, &err);
	assert_non_null(slot);
	assert_int_equal(pgt_table_pages(&pgt), PGT_LEVELS);
	assert_ptr_equal(slot, pgt_walk(&pgt, va));
	assert_ptr_equal(pgt_walk_alloc(&pgt, va + PAGE_SIZE, &err), slot + 1);
	arch_pte_write(slot, arch_pte_leaf(PA, RW, LAST));
	check();
	expect_map(va, PA, RW, LAST);
	assert_int_equal(translate(va, FAULT_WRITE, NULL), 0);

	/* A block covers the address: -EEXIST. */
	assert_int_equal(pgt_map(&pgt, 0x40000000, PA, BLOCK_SIZE, RW, 0), 0);
	err = 0;
	assert_null(pgt_walk_alloc(&pgt, 0x40000000 + PAGE_SIZE, &err));
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
	arch_pte_write(slot, arch_pte_leaf(PA, RO, LAST));
	assert_int_equal(fake_stats.bbm_violations, 1);
	/* Valid over valid: another. */
	arch_pte_write(slot, old);
	assert_int_equal(fake_stats.bbm_violations, 2);
	fake_stats.bbm_violations = 0;
	/* A corrupt entry fails pgt_check; so does a wrong table count. */
	slot[1] = 0x1234; /* invalid in the fake encoding, but not zero */
	assert_int_equal(pgt_check(&pgt), -EINVAL);
	slot[1] = 0;
	slot[1] = arch_pte_leaf(PA, RW | MM_EXEC, LAST);
	assert_int_equal(pgt_check(&pgt), -EINVAL);
	slot[1] = 0;
	pgt.tables[arch_cpu_id()].n++;
	assert_int_equal(pgt_check(&pgt), -EINVAL);
	pgt.tables[arch_cpu_id()].n--;
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
 * Random map / unmap / protect in an eight-block window (16 MiB) against a
 * model of every page, checking lookups, the MMU's view and pgt_check after
 * each step.
 */
#define WIN_VA (UPPER_SIZE - BLOCK_SIZE) /* window straddles an UPPER boundary */
#define WIN_PAGES (8 * BLOCK_PAGES)
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
		/* Runs of 1 page to 1.5 blocks (3 MiB), often block aligned. */
		first = (seed >> 40) % WIN_PAGES;
		n = 1 + (seed >> 20) % (BLOCK_PAGES + BLOCK_PAGES / 2);
		if ((seed >> 10) & 1) {
			first = ALIGN_DOWN(first, BLOCK_PAGES);
			n = ALIGN_UP(n, BLOCK_PAGES);
		}
		n = MIN(n, WIN_PAGES - first);
		attrs = attr_choices[(seed >> 5) % ARRAY_SIZE(attr_choices)];
		pa = PA + ((seed >> 50) % 64) * BLOCK_SIZE + (first % BLOCK_PAGES) * PAGE_SIZE;

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
	assert_int_equal(pgt_table_pages(&pgt), 1);
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
	slot = pgt_descend(&pgt, va + 3 * UPPER_SIZE, PGT_LAST_LEVEL, &level);
	assert_true(level < BLOCK_LEVEL);
	assert_false(arch_pte_present(*slot));
	assert_int_equal(pgt_unmap(&pgt, va, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(pgt_unmap(&pgt, blk, BLOCK_SIZE, NULL, NULL), 0);
	check();
}

/*
 * A cut takes every table page its splits need or none: an edge inside an
 * UPPER leaf (1 GiB) needs two (the block level's table, then the last
 * level's). With one page free, prepare fails and takes nothing; with two,
 * commit splits both levels and the unmap that follows needs no memory.
 */
static void test_cut_all_or_none(void **state)
{
	vaddr_t up = UPPER_SIZE, mid = up + BLOCK_SIZE + PAGE_SIZE;
	struct pgt_cut cut;
	struct drained d;
	size_t tables;
	int level = -1;

	skip_unless_upper_leaves();
	assert_int_equal(pgt_map(&pgt, PAGE_SIZE, PA, PAGE_SIZE, RO, 0), 0); /* an UPPER table */
	arch_pte_write(pgt_slot(&pgt, up, UPPER), arch_pte_leaf(PA_UP, RW, UPPER)); /* [1, 2) GiB */
	tables = pgt_table_pages(&pgt);

	d = drain_leaving(1);
	assert_int_equal(pgt_cut_prepare(&pgt, mid, mid + PAGE_SIZE, &cut), -ENOMEM);
	assert_int_equal(page_free_count(), 1);
	assert_int_equal(pgt_lookup(&pgt, mid, NULL, NULL, &level), 0);
	assert_int_equal(level, UPPER);
	page_free(d.pages[--d.n]);

	assert_int_equal(pgt_cut_prepare(&pgt, mid, mid + PAGE_SIZE, &cut), 0);
	assert_int_equal(cut.n, 2);
	assert_int_equal(page_free_count(), 0);
	pgt_cut_commit(&pgt, &cut);
	assert_int_equal(pgt_table_pages(&pgt), tables + 2);
	assert_int_equal(pgt_lookup(&pgt, mid, NULL, NULL, &level), 0);
	assert_int_equal(level, LAST);
	/* Nothing left to cut: the unmap takes no page. */
	assert_int_equal(pgt_unmap(&pgt, mid, PAGE_SIZE, NULL, NULL), 0);
	assert_int_equal(page_free_count(), 0);
	expect_unmapped(mid);
	undrain(&d);
	assert_int_equal(pgt_unmap(&pgt, up, UPPER_SIZE, NULL, NULL), 0);
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
