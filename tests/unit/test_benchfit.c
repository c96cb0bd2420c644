/*
 * Host tests of the benchmark's fit arithmetic (bench_case_footprint) and
 * of what a case takes from the command line (bench_case_uses). Built at
 * every granule (tests/unit/rules.mk GRANULE_TESTS): every size below is
 * written in PAGE_SIZE, BLOCK_SIZE and FOLIO_MAX_ORDER.
 *
 * A write touch maps what the fault may really map: a block (thp), else the
 * largest folio that can be had, else a base page; never more than the
 * region; the case's own folio or block at least once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/bench.h"
#include "lib/errno.h"
#include "mm/mm.h"

#define UNLIMITED UINT64_MAX

static struct bench_case mk(enum bench_kind kind, unsigned param, enum bench_access acc,
			    uint64_t pages, unsigned folio, bool thp)
{
	return (struct bench_case){ "t", kind, param, acc, pages, 1, 0, folio, thp, false };
}

/* The footprint of c under (orders, thp, free); asserts it is computed. */
static struct bench_footprint fp(const struct bench_case *c, unsigned orders, bool thp,
				 uint64_t free)
{
	struct bench_room m = { .folio_orders = orders, .thp = thp, .free = free };
	struct bench_footprint f;

	assert_int_equal(bench_case_footprint(c, &m, &f), 0);
	assert_int_equal(f.total, f.scratch + f.data + f.tables * PAGE_SIZE);
	return f;
}

/* Base pages: a write or read-then-write maps a page per touch, a read none. */
static void test_base_pages(void **state)
{
	struct bench_case seq = mk(KIND_SEQ, 0, ACCESS_WRITE, 100, 0, false);
	struct bench_case rd = mk(KIND_SEQ, 0, ACCESS_READ, 100, 0, false);
	struct bench_case rw = mk(KIND_RANDOM, 0, ACCESS_RW, 100, 0, false);
	struct bench_case re = mk(KIND_REVERSE, 0, ACCESS_RETOUCH, 100, 0, false);
	struct bench_case st = mk(KIND_STRIDE, 512, ACCESS_WRITE, 64, 0, false);
	struct bench_case sp = mk(KIND_SPARSE, 8, ACCESS_WRITE, 64, 0, false);
	struct bench_case brk = mk(KIND_BRK, 8, ACCESS_WRITE, 100, 0, false);
	struct bench_case ch = mk(KIND_CHURN, 0, ACCESS_WRITE, 100, 0, false);

	assert_int_equal(fp(&seq, 0, false, UNLIMITED).data, 100 * PAGE_SIZE);
	assert_int_equal(fp(&rd, 0, false, UNLIMITED).data, 0);
	assert_int_equal(fp(&rw, 0, false, UNLIMITED).data, 100 * PAGE_SIZE);
	assert_int_equal(fp(&re, 0, false, UNLIMITED).data, 100 * PAGE_SIZE);
	assert_int_equal(fp(&st, 0, false, UNLIMITED).data, 64 * PAGE_SIZE);
	assert_int_equal(fp(&sp, 0, false, UNLIMITED).data, 64 * PAGE_SIZE);
	assert_int_equal(fp(&brk, 0, false, UNLIMITED).data, 100 * PAGE_SIZE);
	assert_int_equal(fp(&ch, 0, false, UNLIMITED).data, PAGE_SIZE);
	/* bench_case_need is the same with the case's own (no) folio */
	uint64_t need;
	assert_int_equal(bench_case_need(&seq, &need), 0);
	assert_int_equal(need, fp(&seq, 0, false, UNLIMITED).total);

	/* step=4k: pages= counts 4 KiB units; data is whole pages */
	seq.step_4k = true;
	seq.pages = 3;
	assert_int_equal(fp(&seq, 0, false, UNLIMITED).data,
			 (3 * 4096 + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE);
}

/* Tables: one last-level table per block the region crosses, or per touch
 * where strides skip whole tables. */
static void test_tables(void **state)
{
	struct bench_case seq = mk(KIND_SEQ, 0, ACCESS_WRITE, 4 * PGT_PTES, 0, false);
	struct bench_case st = mk(KIND_STRIDE, PGT_PTES, ACCESS_WRITE, 64, 0, false);

	assert_true(fp(&seq, 0, false, UNLIMITED).tables >= 4);
	assert_true(fp(&st, 0, false, UNLIMITED).tables >= 64);
	assert_true(fp(&st, 0, false, UNLIMITED).tables < 64 + 64 * PGT_LEVELS);
}

/* folio= on a case without a folio of its own: a write maps a folio where
 * the region holds it, and the data never exceeds the region. */
static void test_cmdline_folio(void **state)
{
	unsigned top = FOLIO_MAX_ORDER;
	struct bench_case st = mk(KIND_STRIDE, 1u << top, ACCESS_WRITE, 64, 0, false);
	struct bench_case seq = mk(KIND_SEQ, 0, ACCESS_WRITE, 100, 0, false);
	struct bench_case rd = mk(KIND_STRIDE, 1u << top, ACCESS_READ, 64, 0, false);
	struct bench_case rw = mk(KIND_STRIDE, 1u << top, ACCESS_RW, 64, 0, false);

	/* stride of a folio: every touch maps a whole one (the old check counted a page) */
	assert_int_equal(fp(&st, BIT(top), false, UNLIMITED).data, 64 * (PAGE_SIZE << top));
	assert_int_equal(fp(&st, BIT(1), false, UNLIMITED).data, 64 * 2 * PAGE_SIZE);
	/* seq: the folios cover the region, no more */
	assert_int_equal(fp(&seq, BIT(1) | BIT(2), false, UNLIMITED).data, 100 * PAGE_SIZE);
	/* reads map the zero page, a write after a read replaces one page */
	assert_int_equal(fp(&rd, BIT(top), false, UNLIMITED).data, 0);
	assert_int_equal(fp(&rw, BIT(top), false, UNLIMITED).data, 64 * PAGE_SIZE);
	/* a region smaller than the folio holds none: base pages */
	struct bench_case one = mk(KIND_SEQ, 0, ACCESS_WRITE, 1, 0, false);
	assert_int_equal(fp(&one, BIT(top), false, UNLIMITED).data, PAGE_SIZE);
	/* churn maps one page whatever folio= says */
	struct bench_case ch = mk(KIND_CHURN, 0, ACCESS_WRITE, 100, 0, false);
	assert_int_equal(fp(&ch, BIT(top), true, UNLIMITED).data, PAGE_SIZE);
}

/*
 * The allocator bounds how many folios of one size can be had (free /
 * size); the touches left fall back to the next enabled size down, then to
 * base pages.
 */
static void test_folio_fallback(void **state)
{
	struct bench_case st = mk(KIND_STRIDE, 16, ACCESS_WRITE, 10, 0, false);
	uint64_t p = PAGE_SIZE;

	/* room for 2 of 8 pages: 2 x 8, the other 8 touches 2 pages each */
	assert_int_equal(fp(&st, BIT(1) | BIT(3), false, 2 * 8 * p + 7 * p).data,
			 2 * 8 * p + 8 * 2 * p);
	/* room for no 8-page folio and three 2-page ones: 3 x 2, then 7 pages */
	assert_int_equal(fp(&st, BIT(1) | BIT(3), false, 7 * p).data, 3 * 2 * p + 7 * p);
	/* no room even for 2 pages: base pages (the fault's own fallback) */
	assert_int_equal(fp(&st, BIT(1) | BIT(3), false, p).data, 10 * p);
}

/* The folio suite's cases: one touch per folio of the case's own size, at
 * least one counted whatever the free memory; as the suite runs them. */
static void test_own_folio(void **state)
{
	unsigned top = FOLIO_MAX_ORDER;
	uint64_t size = PAGE_SIZE << top;
	struct bench_case c = mk(KIND_SEQ, 0, ACCESS_WRITE, 4, BIT(top), false);
	struct bench_footprint f = fp(&c, BIT(top), false, UNLIMITED);

	assert_int_equal(f.data, 4 * size);
	/* memory for 2: 2 folios, 2 base pages */
	assert_int_equal(fp(&c, BIT(top), false, 2 * size + PAGE_SIZE).data,
			 2 * size + 2 * PAGE_SIZE);
	/* memory for none: still one (the case measures that size) */
	assert_int_equal(fp(&c, BIT(top), false, size - PAGE_SIZE).data,
			 size + 3 * PAGE_SIZE);
	assert_false(bench_case_fits(&c, size - PAGE_SIZE));
	/* bench_case_fits with exactly the footprint, and a byte less */
	f = fp(&c, BIT(top), false, f.total);
	assert_true(bench_case_fits(&c, f.total));
	assert_false(bench_case_fits(&c, 4 * size));

	/* every write case of the folio suite maps its folio per touch */
	const struct bench_case *cases;
	size_t n = bench_suite("folio", &cases);

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		unsigned orders = cases[i].folio & ~BENCH_FOLIO_NONE;
		uint64_t each = cases[i].thp ? BLOCK_SIZE
				: orders ? PAGE_SIZE << (31 - __builtin_clz(orders)) : PAGE_SIZE;
		struct bench_footprint g = fp(&cases[i], orders, cases[i].thp, UNLIMITED);

		if (cases[i].access == ACCESS_WRITE || cases[i].access == ACCESS_RETOUCH)
			assert_int_equal(g.data, cases[i].pages * each);
		else
			assert_int_equal(g.data, 0);
		assert_true(bench_case_fits(&cases[i], g.total));
		assert_false(bench_case_fits(&cases[i], g.total - 1));
	}
}

/* Blocks: as many as the region holds aligned and the memory can give, the
 * case's own at least once; reads map the huge zero page once. */
static void test_blocks(void **state)
{
	struct bench_case own = mk(KIND_SEQ, 0, ACCESS_WRITE, 4, BENCH_FOLIO_NONE, true);
	struct bench_case seq = mk(KIND_SEQ, 0, ACCESS_WRITE, 3 * PGT_PTES, 0, false);
	struct bench_case rd = mk(KIND_SEQ, 0, ACCESS_READ, 3 * PGT_PTES, 0, false);
	struct bench_case rw = mk(KIND_SEQ, 0, ACCESS_RW, 3 * PGT_PTES, 0, false);

	assert_int_equal(bench_folio_step(&own), BIT(BLOCK_ORDER));
	assert_int_equal(fp(&own, 0, true, UNLIMITED).data, 4 * BLOCK_SIZE);
	/* memory for 3 (the 64 KiB granule's 512 MiB blocks in 2 GiB): 3, then a page */
	assert_int_equal(fp(&own, 0, true, 3 * BLOCK_SIZE + BLOCK_SIZE / 2).data,
			 3 * BLOCK_SIZE + PAGE_SIZE);
	/* memory for none: one all the same, so it does not fit */
	assert_int_equal(fp(&own, 0, true, BLOCK_SIZE / 2).data, BLOCK_SIZE + 3 * PAGE_SIZE);
	assert_false(bench_case_fits(&own, BLOCK_SIZE / 2));
	/* thp=always on a case without its own: blocks in the region, else pages */
	assert_int_equal(fp(&seq, 0, true, UNLIMITED).data, 3 * BLOCK_SIZE);
	assert_int_equal(fp(&seq, 0, true, BLOCK_SIZE / 2).data, 3 * BLOCK_SIZE);
	assert_int_equal(fp(&seq, 0, false, UNLIMITED).data, 3 * BLOCK_SIZE);
	/* a block fault that falls back takes the largest folio next */
	struct bench_case st = mk(KIND_STRIDE, 2 * PGT_PTES, ACCESS_WRITE, 4, 0, false);
	assert_int_equal(fp(&st, BIT(1), true, BLOCK_SIZE + PAGE_SIZE).data,
			 BLOCK_SIZE + 3 * 2 * PAGE_SIZE);
	/* reads: the huge zero page, one block, where the region holds one */
	assert_int_equal(fp(&rd, 0, true, UNLIMITED).data, BLOCK_SIZE);
	assert_int_equal(fp(&rd, 0, true, PAGE_SIZE).data, 0);
	assert_int_equal(fp(&rw, 0, true, UNLIMITED).data, 3 * BLOCK_SIZE + BLOCK_SIZE);
	struct bench_case small = mk(KIND_SEQ, 0, ACCESS_READ, 1, 0, false);
	assert_int_equal(fp(&small, 0, true, UNLIMITED).data, 0);
}

/* Overflow: every product checked; a malformed case refused. */
static void test_overflow(void **state)
{
	struct bench_room m = { .thp = true, .free = UNLIMITED };
	struct bench_footprint f = { .total = 7 };
	struct bench_case big[] = {
		mk(KIND_SEQ, 0, ACCESS_WRITE, UINT64_MAX / 2, BENCH_FOLIO_NONE, true),
		mk(KIND_SEQ, 0, ACCESS_WRITE, BENCH_SPAN_MAX / BIT(BLOCK_ORDER) + 1,
		   BENCH_FOLIO_NONE, true),
		mk(KIND_STRIDE, UINT32_MAX, ACCESS_WRITE, 4, 0, false),
		mk(KIND_BRK, 8, ACCESS_WRITE, UINT64_MAX / 4, 0, false),
		mk(KIND_SEQ, 0, ACCESS_RW, UINT64_MAX / 8, 0, false),
	};

	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		assert_int_equal(bench_case_footprint(&big[i], &m, &f), -ERANGE);
		assert_int_equal(f.total, 7);
		assert_false(bench_case_fits(&big[i], UINT64_MAX));
	}
	struct bench_case bad = mk(KIND_STRIDE, 0, ACCESS_WRITE, 4, 0, false);
	assert_int_equal(bench_case_footprint(&bad, &m, &f), -EINVAL);
	bad = mk(KIND_SEQ, 0, ACCESS_WRITE, 0, 0, false);
	assert_int_equal(bench_case_footprint(&bad, &m, &f), -EINVAL);
	/* the largest span at its limit is fine, with blocks */
	struct bench_case edge = mk(KIND_SEQ, 0, ACCESS_WRITE,
				    BENCH_SPAN_MAX / BIT(BLOCK_ORDER), BENCH_FOLIO_NONE, true);
	assert_int_equal(bench_case_footprint(&edge, &m, &f), 0);
	assert_true(f.data >= BENCH_SPAN_MAX / BIT(BLOCK_ORDER) * BLOCK_SIZE);
}

/* What of the command line a case depends on. */
static void test_uses(void **state)
{
	struct bench_case seq = mk(KIND_SEQ, 0, ACCESS_WRITE, 2 * PGT_PTES, 0, false);
	struct bench_case rnd = mk(KIND_RANDOM, 0, ACCESS_RETOUCH, 4, 0, false);
	struct bench_case sp = mk(KIND_SPARSE, 8, ACCESS_READ, 4, 0, false);
	struct bench_case brk = mk(KIND_BRK, 8, ACCESS_WRITE, 4, 0, false);
	struct bench_case ch = mk(KIND_CHURN, 0, ACCESS_WRITE, 2 * PGT_PTES, 0, false);
	struct bench_case own = mk(KIND_SEQ, 0, ACCESS_WRITE, 4, BIT(1), false);
	struct bench_case thp = mk(KIND_SEQ, 0, ACCESS_WRITE, 4, BENCH_FOLIO_NONE, true);
	unsigned all = BENCH_USES_PAGES | BENCH_USES_STEP | BENCH_USES_STAGES |
		       BENCH_USES_FOLIO | BENCH_USES_THP;

	assert_int_equal(bench_case_uses(&seq, 0), all);
	assert_int_equal(bench_case_uses(&rnd, 0),
			 BENCH_USES_PAGES | BENCH_USES_SEED | BENCH_USES_STEP | BENCH_USES_FOLIO);
	assert_int_equal(bench_case_uses(&sp, 0),
			 BENCH_USES_PAGES | BENCH_USES_SEED | BENCH_USES_STEP | BENCH_USES_STAGES);
	assert_int_equal(bench_case_uses(&brk, 0),
			 BENCH_USES_PAGES | BENCH_USES_STAGES | BENCH_USES_FOLIO);
	assert_int_equal(bench_case_uses(&ch, 0), BENCH_USES_PAGES | BENCH_USES_STAGES);
	/* a folio larger than the region: folio= cannot reach it */
	assert_int_equal(bench_case_uses(&brk, BIT(3)), BENCH_USES_PAGES | BENCH_USES_STAGES);
	/* the case's own folio or thp: folio= does not reach it; its region is
	 * one folio (block) per touch */
	assert_false(bench_case_uses(&own, BIT(1)) & BENCH_USES_FOLIO);
	assert_false(bench_case_uses(&thp, BIT(1)) & (BENCH_USES_FOLIO | BENCH_USES_THP));
	assert_false(bench_case_uses(&own, 0) & BENCH_USES_THP); /* 8 pages: no block */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_pages),
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_cmdline_folio),
		cmocka_unit_test(test_folio_fallback),
		cmocka_unit_test(test_own_folio),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_uses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
