/*
 * The page allocator on fake RAM: bad init input, exact accounting (every
 * page either free, allocated or reserved, reserved ranges and bitmaps never
 * handed out), exhaustion, runs under fragmentation, several banks, page
 * frame 0, poisoning and the debug asserts; and the per-CPU caches, with
 * fake CPUs taken in turn by one thread (percpu_enter): a word per CPU,
 * frees to the cache or the map, drain, exact counts, runs around cached
 * words and a run whose word is swapped away under it (fake_step_hook).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_env.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "mm/arch.h"
#include "mm/percpu.h"
#include <arch/atomic.h>
#include "tests/unit/capture.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define B FAKE_RAM_BASE


static bool in_range(paddr_t pa, paddr_t base, uint64_t size)
{
	return pa >= base && pa - base < size;
}

static bool in_ranges(paddr_t pa, const struct mem_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in_range(pa, ALIGN_DOWN(r[i].base, PAGE_SIZE),
			     ALIGN_UP(r[i].base + r[i].size, PAGE_SIZE) -
				     ALIGN_DOWN(r[i].base, PAGE_SIZE)))
			return true;
	return false;
}

/*
 * Allocate every page; check each is a whole page inside a bank, outside
 * the reserved ranges and the bitmaps, and handed out once. Returns them.
 */
static paddr_t *take_all(const struct mem_range *banks, size_t nbanks,
			 const struct mem_range *rsv, size_t nrsv, size_t *count)
{
	size_t total = page_total_count(), n = 0;
	paddr_t *pages = calloc(total + 1, sizeof(*pages));
	struct mem_range bm;
	paddr_t pa;

	assert_non_null(pages);
	page_alloc_bitmap_range(&bm);
	assert_int_equal(page_free_count(), total);
	while ((pa = page_alloc()) != 0) {
		assert_true(n < total);
		assert_true(IS_ALIGNED(pa, PAGE_SIZE));
		assert_true(in_ranges(pa, banks, nbanks));
		assert_true(in_ranges(pa + PAGE_SIZE - 1, banks, nbanks));
		assert_false(in_ranges(pa, rsv, nrsv));
		assert_false(in_range(pa, bm.base, bm.size));
		assert_false(page_is_free(pa));
		pages[n++] = pa;
		assert_int_equal(page_free_count() + n, total);
	}
	assert_int_equal(n, total);
	assert_int_equal(page_free_count(), 0);
	assert_int_equal(page_alloc(), 0); /* stays empty, no state change */
	assert_int_equal(page_alloc_run(1), 0);
	assert_int_equal(page_free_count(), 0);

	/* Handed out once each: sorted, no two equal. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && pages[j - 1] > pages[j]; j--) {
			paddr_t t = pages[j];

			pages[j] = pages[j - 1];
			pages[j - 1] = t;
		}
	for (size_t i = 1; i < n; i++)
		assert_true(pages[i - 1] < pages[i]);
	*count = n;
	return pages;
}

static void give_back(paddr_t *pages, size_t n)
{
	for (size_t i = 0; i < n; i++)
		page_free(pages[i]);
	free(pages);
	assert_int_equal(page_free_count(), page_total_count());
}

static void test_bad_init(void **state)
{
	struct mem_range bank, r[PAGE_ALLOC_MAX_BANKS + 1];
	size_t total;

	assert_int_equal(fake_ram_init(4 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	total = page_total_count();
	assert_true(page_alloc() != 0); /* state a failed init must keep */

	assert_int_equal(page_alloc_init(NULL, 1, NULL, 0), -EINVAL);
	assert_int_equal(page_alloc_init(&bank, 0, NULL, 0), -EINVAL);
	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		r[i] = (struct mem_range){ B + i * 64 * 1024, 64 * 1024 };
	assert_int_equal(page_alloc_init(r, ARRAY_SIZE(r), NULL, 0), -EINVAL);
	r[0] = (struct mem_range){ B, 0 }; /* empty */
	assert_int_equal(page_alloc_init(r, 1, NULL, 0), -EINVAL);
	r[0] = (struct mem_range){ B + 0x800, 0x1000 }; /* no whole page */
	assert_int_equal(page_alloc_init(r, 1, NULL, 0), -EINVAL);
	r[0] = (struct mem_range){ B, MiB }; /* overlapping banks */
	r[1] = (struct mem_range){ B + MiB - PAGE_SIZE, MiB };
	assert_int_equal(page_alloc_init(r, 2, NULL, 0), -EINVAL);
	r[0] = (struct mem_range){ ~0ull - PAGE_SIZE, 4 * PAGE_SIZE }; /* wraps */
	assert_int_equal(page_alloc_init(r, 1, NULL, 0), -EINVAL);
	r[0] = (struct mem_range){ 1ull << 48, MiB }; /* beyond the tables' reach */
	assert_int_equal(page_alloc_init(r, 1, NULL, 0), -EINVAL);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 2), -EINVAL); /* NULL reserved list */

	/* Everything reserved: no room for the bitmaps. */
	assert_int_equal(page_alloc_init(&bank, 1, &bank, 1), -ENOMEM);
	/* One page not reserved: it takes the bitmap, nothing is left to manage. */
	r[0] = (struct mem_range){ B + PAGE_SIZE, 4 * MiB - PAGE_SIZE };
	assert_int_equal(page_alloc_init(&bank, 1, r, 1), 0);
	assert_int_equal(page_total_count(), 0); /* the one page left holds the bitmap */
	assert_int_equal(page_alloc(), 0);
	fake_ram_free();
	(void)total;
}

static void test_failed_init_keeps_state(void **state)
{
	struct mem_range bank, bad = { B, 0 };
	size_t total, free_before;
	paddr_t a;

	assert_int_equal(fake_ram_init(4 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	total = page_total_count();
	a = page_alloc();
	assert_true(a != 0);
	free_before = page_free_count();
	assert_int_equal(page_alloc_init(&bad, 1, NULL, 0), -EINVAL);
	assert_int_equal(page_alloc_init(&bank, 1, &bank, 1), -ENOMEM);
	assert_int_equal(page_total_count(), total);
	assert_int_equal(page_free_count(), free_before);
	assert_false(page_is_free(a));
	page_free(a);
	assert_int_equal(page_free_count(), total);
	fake_ram_free();
}

static void test_accounting_with_reserved(void **state)
{
	struct mem_range bank, bm;
	struct mem_range rsv[] = {
		{ B + 0x1800, 0x2000 },         /* partial pages: pages 1-3 */
		{ B + 16 * PAGE_SIZE, 8 * PAGE_SIZE },
		{ B + 20 * PAGE_SIZE, 8 * PAGE_SIZE }, /* overlaps the one above */
		{ B + 2 * MiB, MiB },
		{ B - MiB, MiB + PAGE_SIZE },   /* sticks out below the bank: page 0 */
		{ B + 16 * MiB - 1, 1 },        /* last byte: last page */
		{ 0x10000000, MiB },            /* outside every bank */
	};
	size_t pages, n, reserved = 3 + 12 + 256 + 1 + 1;
	paddr_t *all;

	assert_int_equal(fake_ram_init(16 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, rsv, ARRAY_SIZE(rsv)), 0);
	pages = bank.size / PAGE_SIZE;
	page_alloc_bitmap_range(&bm);
	assert_true(bm.size >= PAGE_SIZE && IS_ALIGNED(bm.base | bm.size, PAGE_SIZE));
	assert_true(in_range(bm.base, bank.base, bank.size));
	assert_false(in_ranges(bm.base, rsv, ARRAY_SIZE(rsv)));
	assert_false(in_ranges(bm.base + bm.size - 1, rsv, ARRAY_SIZE(rsv)));
	/* 4096 pages: 64 words, three times in debug builds: one bitmap page. */
	assert_int_equal(bm.size, PAGE_SIZE);
	assert_int_equal(page_total_count(), pages - reserved - bm.size / PAGE_SIZE);
	assert_false(page_is_free(B));
	assert_false(page_is_free(B + 2 * MiB + 5 * PAGE_SIZE));
	assert_false(page_is_free(bm.base));
	assert_int_equal(bm.base, B + 4 * PAGE_SIZE); /* first fit, past pages 0-3 */
	assert_true(page_is_free(B + 5 * PAGE_SIZE));
	assert_false(page_is_free(0x10000000)); /* not managed at all */

	all = take_all(&bank, 1, rsv, ARRAY_SIZE(rsv), &n);
	assert_int_equal(n, pages - reserved - 1);
	give_back(all, n);
	fake_ram_free();
}

static void test_lowest_first_and_hint(void **state)
{
	paddr_t a, b, c;

	fake_env_init(4 * MiB);
	a = page_alloc();
	b = page_alloc();
	c = page_alloc();
	assert_true(a < b && b < c);
	page_free(a);
	assert_true(page_is_free(a));
	assert_int_equal(page_alloc(), a); /* a freed low page is reused first */
	page_free(b);
	page_free(a);
	assert_int_equal(page_alloc(), a);
	assert_int_equal(page_alloc(), b);
	page_free(a);
	page_free(b);
	page_free(c);
	assert_int_equal(page_free_count(), page_total_count());
	fake_env_free();
}

static void test_poison_on_free(void **state)
{
	paddr_t pa;
	uint8_t *p;

	fake_env_init(4 * MiB);
	pa = page_alloc();
	p = arch_phys_to_virt(pa);
	memset(p, 0x11, PAGE_SIZE);
	page_free(pa);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(p[i], PAGE_POISON);

	pa = page_alloc_run(3);
	p = arch_phys_to_virt(pa);
	memset(p, 0x22, 3 * PAGE_SIZE);
	page_free_run(pa, 3);
	for (size_t i = 0; i < 3 * PAGE_SIZE; i++)
		assert_int_equal(p[i], PAGE_POISON);
	fake_env_free();
}

static void test_runs_fragmentation(void **state)
{
	struct mem_range bank;
	paddr_t *all, run;
	size_t n, total;

	assert_int_equal(fake_ram_init(4 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	total = page_total_count();
	assert_int_equal(page_alloc_run(0), 0);
	assert_int_equal(page_alloc_run(total + 1), 0);
	run = page_alloc_run(total); /* the whole of it, in one run */
	assert_true(run != 0);
	assert_int_equal(page_free_count(), 0);
	page_free_run(run, total);
	assert_int_equal(page_free_count(), total);

	all = take_all(&bank, 1, NULL, 0, &n);
	/* Free every other page: lots free, no two adjacent. */
	for (size_t i = 0; i < n; i += 2)
		page_free(all[i]);
	assert_int_equal(page_free_count(), (n + 1) / 2);
	assert_int_equal(page_alloc_run(2), 0);
	assert_int_equal(page_free_count(), (n + 1) / 2);
	/* Fill two gaps: all[10..16] become one free run of 7. */
	for (size_t i = 11; i <= 15; i += 2)
		page_free(all[i]);
	assert_true(all[16] - all[10] == 6 * PAGE_SIZE);
	assert_int_equal(page_alloc_run(8), 0);
	run = page_alloc_run(7);
	assert_int_equal(run, all[10]);
	for (size_t i = 10; i <= 16; i++)
		assert_false(page_is_free(all[i]));
	assert_int_equal(page_alloc_run(7), 0);
	/* A single page still comes from the scattered ones, lowest first. */
	assert_int_equal(page_alloc(), all[0]);
	page_free(all[0]);
	page_free_run(run, 7);
	for (size_t i = 1; i < n; i += 2)
		if (i < 11 || i > 15)
			page_free(all[i]);
	assert_int_equal(page_free_count(), total);
	free(all);
	fake_ram_free();
}

/* Aligned runs: naturally aligned, allocated, found past fragments, in
 * aligned banks (the word scan) and unaligned ones (the run scan). */
static void check_aligned(unsigned order, bool aligned_bank)
{
	struct mem_range bank, use;
	static paddr_t taken[8 * MiB / PAGE_SIZE];
	size_t n = (size_t)1 << order, total, ntaken = 0;
	paddr_t pa, skew;

	assert_int_equal(fake_ram_init(8 * MiB, &bank), 0);
	use = bank;
	skew = aligned_bank ? 0 : PAGE_SIZE; /* the bank starts one page into an aligned run */
	use.base += skew;
	use.size -= skew;
	assert_int_equal(page_alloc_init(&use, 1, NULL, 0), 0);
	total = page_free_count();
	/* Break the first aligned run: its second page taken. */
	pa = page_alloc();
	assert_true(pa != 0);
	pa = page_alloc_aligned(order);
	assert_true(pa != 0);
	assert_int_equal(pa % (n * PAGE_SIZE), 0);
	for (size_t i = 0; i < n; i++)
		assert_false(page_is_free(pa + i * PAGE_SIZE));
	assert_int_equal(page_free_count(), total - 1 - n);
	page_free_run(pa, n);
	/* Every other page taken: no aligned run of two or more is free. */
	while ((pa = page_alloc()))
		if (pa % (2 * PAGE_SIZE) == 0)
			taken[ntaken++] = pa;
	for (size_t i = 0; i < ntaken; i++)
		page_free(taken[i]);
	assert_int_equal(page_alloc_aligned(order), 0);
	assert_int_equal(page_alloc_aligned(40), 0);
	fake_ram_free();
}

static void test_aligned_runs(void **state)
{
	struct mem_range bank;
	size_t total;
	paddr_t pa;

	/* Order 0: one page, as page_alloc gives it. */
	assert_int_equal(fake_ram_init(MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	total = page_free_count();
	pa = page_alloc_aligned(0);
	assert_true(pa != 0);
	assert_false(page_is_free(pa));
	assert_int_equal(page_free_count(), total - 1);
	page_free(pa);
	fake_ram_free();
	for (unsigned order = 1; order <= 8; order++) {
		check_aligned(order, true);
		check_aligned(order, false);
	}
}

static void test_multiple_banks(void **state)
{
	struct mem_range arena;
	/* Out of order, with holes, a ragged edge, and a reserved range that
	 * spans a hole and touches two banks. */
	struct mem_range banks[] = {
		{ B + 32 * MiB, 4 * MiB },
		{ B, 8 * MiB },
		{ B + 16 * MiB + 0x800, MiB - 0x800 }, /* first partial page left out */
		{ B + 40 * MiB, PAGE_SIZE },            /* a one-page bank */
	};
	struct mem_range rsv[] = { { B + 8 * MiB - 2 * PAGE_SIZE, 8 * MiB + 4 * PAGE_SIZE } };
	size_t pages = 1024 + 2048 + 255 + 1;
	size_t reserved = 2 + 1; /* the end of [B, B+8M), the first whole page at B+16M */
	struct mem_range bm;
	paddr_t *all;
	size_t n;

	assert_int_equal(fake_ram_init(48 * MiB, &arena), 0);
	assert_int_equal(page_alloc_init(banks, ARRAY_SIZE(banks), rsv, ARRAY_SIZE(rsv)), 0);
	page_alloc_bitmap_range(&bm);
	assert_int_equal(bm.size, PAGE_SIZE); /* 3329 pages: 53 words x 2 */
	assert_int_equal(page_total_count(), pages - reserved - 1);
	assert_false(page_is_free(B + 16 * MiB));           /* the partial page */
	assert_false(page_is_free(B + 16 * MiB + PAGE_SIZE)); /* reserved */
	assert_true(page_is_free(B + 16 * MiB + 2 * PAGE_SIZE));
	assert_false(page_is_free(B + 12 * MiB));           /* a hole */
	assert_true(page_is_free(B + 40 * MiB));            /* the one-page bank */
	all = take_all(banks, ARRAY_SIZE(banks), rsv, ARRAY_SIZE(rsv), &n);
	assert_int_equal(bm.base, B);
	assert_int_equal(all[0], B + PAGE_SIZE);            /* lowest bank first */
	assert_int_equal(all[n - 1], B + 40 * MiB);
	give_back(all, n);

	capture_reset();
	page_alloc_report();
	assert_non_null(strstr(captured, "ram bank 3: 0x42800000-0x42801000, 1 pages managed, 1 free"));
	assert_non_null(strstr(captured, "faultline: page allocator: 3324 of 3324 pages free"));
	fake_ram_free();
}

static void test_page_frame_zero(void **state)
{
	struct mem_range bank;
	paddr_t *all;
	size_t n;

	assert_int_equal(fake_ram_init_at(0, MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	assert_int_equal(page_total_count(), 256 - 1 - 1); /* page 0, the bitmap */
	assert_false(page_is_free(0));
	all = take_all(&bank, 1, NULL, 0, &n);
	assert_true(all[0] >= PAGE_SIZE);
	give_back(all, n);
	fake_ram_free();
}

static void test_four_gib(void **state)
{
	struct mem_range bank, bm;
	paddr_t a, b;

	/* Only the bitmaps are touched: 1M pages, 16K words, x3 in debug = 384 KiB. */
	assert_int_equal(fake_ram_init(4 * GiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, NULL, 0), 0);
	page_alloc_bitmap_range(&bm);
	assert_int_equal(bm.size, 384 * 1024);
	assert_int_equal(page_total_count(), (4 * GiB - bm.size) / PAGE_SIZE);
	a = page_alloc_run(512);
	b = page_alloc();
	assert_true(a && b && b == a + 512 * PAGE_SIZE);
	page_free(b);
	page_free_run(a, 512);
	assert_int_equal(page_free_count(), page_total_count());
	fake_ram_free();
}

static void double_free(void *arg)
{
	paddr_t pa = page_alloc();

	page_free(pa);
	page_free(pa);
}

static void free_reserved(void *arg)
{
	page_free(page_alloc() + 0); /* fine */
	page_free(FAKE_RAM_BASE + PAGE_SIZE); /* reserved by the test */
}

static void free_unmanaged(void *arg)
{
	page_free(0x1000);
}

static void free_run_twice(void *arg)
{
	paddr_t pa = page_alloc_run(4);

	page_free(pa + 2 * PAGE_SIZE);
	page_free_run(pa, 4);
}

static void test_debug_asserts(void **state)
{
	struct mem_range bank, rsv = { FAKE_RAM_BASE + PAGE_SIZE, PAGE_SIZE };

	assert_int_equal(fake_ram_init(4 * MiB, &bank), 0);
	assert_int_equal(page_alloc_init(&bank, 1, &rsv, 1), 0);
	expect_abort(double_free, NULL);
	expect_abort(free_reserved, NULL);
	expect_abort(free_unmanaged, NULL);
	expect_abort(free_run_twice, NULL);
	assert_int_equal(page_free_count(), page_total_count()); /* the children's business */
	fake_ram_free();
}


/* ---------------------------------------------------------------------------
 * Per-CPU caches. One thread plays every CPU in turn (percpu_enter).
 */

#define WORD_PAGES 64

static paddr_t word_of(paddr_t pa)
{
	return ALIGN_DOWN(pa - B, (paddr_t)WORD_PAGES * PAGE_SIZE) + B;
}

static int cmp_pa(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The whole allocator at a quiescent point: with `held` pages handed out
 * and a run [run, run + nrun) too, drain, take every free page on CPU 0,
 * check that no page is both held and free or free twice and that held +
 * free is every managed page, then give the taken ones back.
 */
static void check_owners(const paddr_t *held, size_t nheld, paddr_t run, size_t nrun)
{
	size_t total = page_total_count(), n = 0;
	paddr_t *every = calloc(total + 1, sizeof(*every)), pa;

	assert_non_null(every);
	assert_int_equal(page_free_count() + nheld + nrun, total);
	page_alloc_drain();
	assert_int_equal(page_free_count() + nheld + nrun, total);
	percpu_enter(0);
	while ((pa = page_alloc()) != 0) {
		assert_true(n < total);
		every[n++] = pa;
	}
	assert_int_equal(n + nheld + nrun, total);
	for (size_t i = 0; i < n; i++)
		page_free(every[i]);
	memcpy(every + n, held, nheld * sizeof(*held));
	for (size_t i = 0; i < nrun; i++)
		every[n + nheld + i] = run + i * PAGE_SIZE;
	qsort(every, total, sizeof(*every), cmp_pa);
	for (size_t i = 1; i < total; i++)
		assert_true(every[i - 1] < every[i]); /* nobody's twice */
	free(every);
	assert_int_equal(page_free_count() + nheld + nrun, total);
}

static void test_cache_per_cpu(void **state)
{
	paddr_t held[WORD_PAGES + 8], first;
	size_t total, n = 0;

	fake_env_init(4 * MiB);
	total = page_total_count();
	percpu_enter(0);
	first = held[n++] = page_alloc();
	/* CPU 0 took its word whole: the rest of it is free, but CPU 1 gets
	 * the next word, and the counts see the cached pages as free. */
	assert_true(page_is_free(first + PAGE_SIZE));
	assert_int_equal(page_free_count(), total - 1);
	percpu_enter(1);
	held[n++] = page_alloc();
	assert_int_equal(word_of(held[1]), word_of(first) + WORD_PAGES * PAGE_SIZE);
	assert_int_equal(page_free_count(), total - 2);
	/* CPU 0 empties its word in order, then takes the word after CPU 1's. */
	percpu_enter(0);
	for (paddr_t last = first; last + PAGE_SIZE < word_of(first) + WORD_PAGES * PAGE_SIZE;) {
		held[n] = page_alloc();
		assert_int_equal(held[n], last + PAGE_SIZE);
		last = held[n++];
		assert_int_equal(page_free_count(), total - n);
	}
	held[n] = page_alloc();
	assert_int_equal(held[n], word_of(held[1]) + WORD_PAGES * PAGE_SIZE);
	n++;
	/* A page CPU 0 frees in its word comes back first, on CPU 0 only. */
	held[n] = page_alloc();
	page_free(held[n]);
	percpu_enter(1);
	held[n + 1] = page_alloc();
	assert_int_equal(held[n + 1], held[1] + PAGE_SIZE);
	percpu_enter(0);
	assert_int_equal(page_alloc(), held[n]);
	n += 2;
	assert_int_equal(page_free_count(), total - n);
	check_owners(held, n, 0, 0);
	check_owners(held + 1, n - 1, held[0], 1); /* the same, cut differently */
	for (size_t i = 0; i < n; i++)
		page_free(held[i]);
	assert_int_equal(page_free_count(), total);
	fake_env_free();
}

/* Frees outside the freeing CPU's word go to the map; counts stay exact. */
static void test_cache_free_elsewhere(void **state)
{
	paddr_t a, b, held[2];
	size_t total;

	fake_env_init(4 * MiB);
	total = page_total_count();
	percpu_enter(0);
	a = page_alloc();
	b = page_alloc();
	percpu_enter(2);
	page_free(a); /* not in CPU 2's word (it has none): to the map */
	assert_true(page_is_free(a));
	assert_int_equal(page_free_count(), total - 1);
	/* CPU 0 does not see it in its cache: its next page is after b. */
	percpu_enter(0);
	assert_int_equal(page_alloc(), b + PAGE_SIZE);
	/* CPU 2's first word is the lowest with a free page: a's, now one page. */
	percpu_enter(2);
	assert_int_equal(page_alloc(), a);
	held[0] = a;
	held[1] = b;
	page_free(b + PAGE_SIZE); /* CPU 2's word is a's: b + 1 goes into it */
	assert_int_equal(page_free_count(), total - 2);
	check_owners(held, 2, 0, 0);
	page_free(a);
	page_free(b);
	assert_int_equal(page_free_count(), total);
	percpu_enter(0);
	fake_env_free();
}

/* Pages cached by other CPUs make runs and page_alloc fail; drain gives
 * them back; the counts are exact throughout. */
static void test_cache_drain(void **state)
{
	paddr_t one[NR_CPUS], run, pa;
	size_t total, n = 0;

	fake_env_init(2 * MiB);
	total = page_total_count();
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		percpu_enter(cpu);
		one[cpu] = page_alloc();
		assert_true(one[cpu] != 0);
	}
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		percpu_enter(cpu);
		page_free(one[cpu]); /* back into each CPU's own cache */
	}
	assert_int_equal(page_free_count(), total);
	percpu_enter(0);
	/* CPU 0's own cache goes back on a failed first try; the other three
	 * words stay cached, so the whole bank is not one free run. */
	assert_int_equal(page_alloc_run(total), 0);
	/* CPU 0 runs dry while CPUs 1-3 still hold cached pages. */
	while (page_alloc())
		n++;
	assert_int_equal(page_free_count(), total - n);
	assert_true(total - n >= 3 * (WORD_PAGES - 1));
	percpu_enter(1);
	pa = page_alloc(); /* CPU 1 still has pages */
	assert_true(pa != 0);
	page_free(pa);
	percpu_enter(0);
	page_alloc_drain();
	assert_int_equal(page_free_count(), total - n);
	/* Now every free page is in the map: CPU 0 can have them. */
	while (page_alloc())
		n++;
	assert_int_equal(n, total);
	assert_int_equal(page_free_count(), 0);
	page_alloc_drain();
	/* Give everything back as one run, and take it as one run. */
	page_free_run(B + PAGE_SIZE, total); /* the bitmap page is B's first */
	assert_int_equal(page_free_count(), total);
	run = page_alloc_run(total);
	assert_int_equal(run, B + PAGE_SIZE);
	page_free_run(run, total);
	percpu_enter(2);
	pa = page_alloc_aligned(5);
	assert_true(pa != 0 && IS_ALIGNED(pa, 32 * PAGE_SIZE));
	page_free_run(pa, 32);
	page_alloc_drain();
	assert_int_equal(page_free_count(), total);
	percpu_enter(0);
	fake_env_free();
}

/* Runs go around the words other CPUs hold. */
static void test_runs_around_cached_words(void **state)
{
	paddr_t held[8], run, w1, w3;
	size_t nheld = 0, total;

	fake_env_init(4 * MiB);
	total = page_total_count();
	percpu_enter(1);
	held[nheld++] = page_alloc();
	w1 = word_of(held[0]);
	percpu_enter(3);
	held[nheld++] = page_alloc();
	w3 = word_of(held[1]);
	percpu_enter(0);
	/* 100 pages need two words and more: not CPU 1's or CPU 3's. */
	run = page_alloc_run(100);
	assert_true(run != 0);
	assert_true(run >= w3 + WORD_PAGES * PAGE_SIZE || run + 100 * PAGE_SIZE <= w1);
	for (size_t i = 0; i < 100; i++)
		held[nheld] = run + i * PAGE_SIZE, assert_false(page_is_free(held[nheld]));
	/* An aligned 64-page run is a whole free word: not a cached one. */
	held[nheld] = page_alloc_aligned(6);
	assert_true(held[nheld] && word_of(held[nheld]) == held[nheld]);
	assert_true(held[nheld] != w1 && held[nheld] != w3);
	assert_int_equal(page_free_count(), total - 2 - 100 - 64);
	/* CPU 1's cache still hands out its word, none of the runs' pages. */
	percpu_enter(1);
	for (size_t i = 1; i < WORD_PAGES; i++) {
		paddr_t pa = page_alloc();

		assert_int_equal(word_of(pa), w1);
		page_free(pa);
	}
	percpu_enter(0);
	page_free_run(held[nheld], 64);
	page_free_run(run, 100);
	check_owners(held, 2, 0, 0);
	percpu_enter(1);
	page_free(held[0]);
	percpu_enter(3);
	page_free(held[1]);
	percpu_enter(0);
	assert_int_equal(page_free_count(), total);
	fake_env_free();
}

/*
 * A run whose words change under it: at its k-th step (an atomic of the
 * fake, fake_step_hook), CPU 1 takes a word into its cache (one swap). For
 * every k, the run, CPU 1's page and the rest of its word never share a
 * page (check_owners), and the counts balance. Some k must land between the run's look at a word and its
 * claim of it: then the claim fails, is rolled back, and the run ends
 * elsewhere than it would have.
 */
static unsigned step, steal_at;
static paddr_t stolen;

static void steal_word(void)
{
	if (++step != steal_at)
		return;
	fake_step_hook = NULL; /* CPU 1's own steps are not counted */
	percpu_enter(1);
	stolen = page_alloc();
	percpu_enter(0);
}

static void test_run_claim_races(void **state)
{
	paddr_t undisturbed, run, held[2];
	unsigned moved = 0;

	fake_env_init(MiB);
	percpu_enter(0);
	undisturbed = page_alloc_run(100);
	assert_true(undisturbed != 0);
	page_free_run(undisturbed, 100);
	fake_env_free();
	for (steal_at = 1; steal_at < 64; steal_at++) {
		fake_env_init(MiB);
		percpu_enter(0);
		step = 0;
		stolen = 0;
		fake_step_hook = steal_word;
		run = page_alloc_run(100);
		fake_step_hook = NULL;
		assert_true(run != 0);
		if (!stolen)
			break; /* the run took fewer steps than steal_at */
		assert_false(in_range(stolen, run, 100 * PAGE_SIZE));
		if (run != undisturbed)
			moved++;
		held[0] = stolen;
		check_owners(held, 1, run, 100);
		page_free_run(run, 100);
		percpu_enter(1);
		page_free(stolen);
		percpu_enter(0);
		assert_int_equal(page_free_count(), page_total_count());
		fake_env_free();
	}
	assert_true(steal_at > 4); /* the run has steps to interrupt */
	assert_true(moved > 0);    /* and some of them made it move */
	if (stolen)
		fake_env_free();
	percpu_enter(0);
}

static void cross_cpu_double_free(void *arg)
{
	paddr_t pa;

	percpu_enter(0);
	pa = page_alloc();
	page_free(pa); /* into CPU 0's cache */
	percpu_enter(1);
	page_free(pa); /* CPU 1 sends it to the map: caught all the same */
}

static void cached_page_freed(void *arg)
{
	paddr_t pa;

	percpu_enter(0);
	pa = page_alloc();
	page_free(pa + PAGE_SIZE); /* free in CPU 0's cache, never handed out */
}

static void test_debug_asserts_cpus(void **state)
{
	fake_env_init(4 * MiB);
	expect_abort(cross_cpu_double_free, NULL);
	expect_abort(cached_page_freed, NULL);
	assert_int_equal(page_free_count(), page_total_count());
	fake_env_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_init),
		cmocka_unit_test(test_failed_init_keeps_state),
		cmocka_unit_test(test_accounting_with_reserved),
		cmocka_unit_test(test_lowest_first_and_hint),
		cmocka_unit_test(test_poison_on_free),
		cmocka_unit_test(test_runs_fragmentation),
		cmocka_unit_test(test_aligned_runs),
		cmocka_unit_test(test_multiple_banks),
		cmocka_unit_test(test_page_frame_zero),
		cmocka_unit_test(test_four_gib),
		cmocka_unit_test(test_debug_asserts),
		cmocka_unit_test(test_cache_per_cpu),
		cmocka_unit_test(test_cache_free_elsewhere),
		cmocka_unit_test(test_cache_drain),
		cmocka_unit_test(test_runs_around_cached_words),
		cmocka_unit_test(test_run_claim_races),
		cmocka_unit_test(test_debug_asserts_cpus),
	};

	return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
