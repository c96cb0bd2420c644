/*
 * The benchmark suites: which patterns run at which sizes.
 *
 * "default" (make bench): every pattern at 4096 pages (16 MiB), sequential
 * writes from 1 page to 1 GiB (sizes that do not fit the RAM are skipped
 * and reported), and cold variants with fewer samples. Repetitions shrink as
 * regions grow so that each case has >= 4096 samples where it can and the
 * whole suite stays within two minutes of wall time under ICOUNT=1.
 * "small" (make test: regression guard, determinism) is a fast subset; its
 * last case runs with 64 KiB folios (one contiguous range) for the guard.
 * "folio" sweeps folio sizes (below); "guard" (make test: the regression
 * guard per granule) has one sequential write case per folio size (below).
 */
#include "bench/bench.h"
#include "mm/geometry.h"
#include "mm/mm.h"

#define P(name, kind, param, acc, pages, reps, cold) \
	{ name, kind, param, acc, pages, reps, cold, 0, false, false }

static const struct bench_case default_cases[] = {
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 1, 32, 0),
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 16, 16, 0),
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 256, 8, 0),
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 4096, 3, 0),
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 65536, 2, 0),
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 262144, 1, 0),
	P("seq", KIND_SEQ, 0, ACCESS_READ, 4096, 3, 0),
	P("seq", KIND_SEQ, 0, ACCESS_RW, 4096, 3, 0),
	P("seq", KIND_SEQ, 0, ACCESS_RETOUCH, 4096, 3, 0),
	P("reverse", KIND_REVERSE, 0, ACCESS_WRITE, 4096, 3, 0),
	P("reverse", KIND_REVERSE, 0, ACCESS_READ, 4096, 3, 0),
	P("reverse", KIND_REVERSE, 0, ACCESS_RETOUCH, 4096, 3, 0),
	P("random", KIND_RANDOM, 0, ACCESS_WRITE, 4096, 3, 0),
	P("random", KIND_RANDOM, 0, ACCESS_READ, 4096, 3, 0),
	P("random", KIND_RANDOM, 0, ACCESS_RW, 4096, 3, 0),
	P("random", KIND_RANDOM, 0, ACCESS_RETOUCH, 4096, 3, 0),
	P("stride-2", KIND_STRIDE, 2, ACCESS_WRITE, 4096, 3, 0),
	P("stride-2", KIND_STRIDE, 2, ACCESS_RETOUCH, 4096, 3, 0),
	P("stride-16", KIND_STRIDE, 16, ACCESS_WRITE, 4096, 3, 0),
	P("stride-16", KIND_STRIDE, 16, ACCESS_RETOUCH, 4096, 3, 0),
	P("stride-512", KIND_STRIDE, 512, ACCESS_WRITE, 256, 4, 0),
	P("stride-512", KIND_STRIDE, 512, ACCESS_RETOUCH, 256, 4, 0),
	P("sparse-8", KIND_SPARSE, 8, ACCESS_WRITE, 4096, 3, 0),
	P("sparse-8", KIND_SPARSE, 8, ACCESS_RETOUCH, 4096, 3, 0),
	P("sparse-64", KIND_SPARSE, 64, ACCESS_WRITE, 1024, 4, 0),
	P("sparse-64", KIND_SPARSE, 64, ACCESS_RETOUCH, 1024, 4, 0),
	P("brk-grow-8", KIND_BRK, 8, ACCESS_WRITE, 4096, 3, 0),
	P("brk-grow-33", KIND_BRK, 33, ACCESS_WRITE, 4096, 3, 0),
	P("churn", KIND_CHURN, 0, ACCESS_WRITE, 1024, 4, 0),
	P("churn", KIND_CHURN, 0, ACCESS_READ, 1024, 4, 0),
	P("seq-tlbcold", KIND_SEQ, 0, ACCESS_WRITE, 1024, 4, COLD_TLB),
	P("seq-tlbcold", KIND_SEQ, 0, ACCESS_RETOUCH, 1024, 4, COLD_TLB),
	P("random-tlbcold", KIND_RANDOM, 0, ACCESS_WRITE, 1024, 4, COLD_TLB),
	P("seq-cachecold", KIND_SEQ, 0, ACCESS_WRITE, 128, 4, COLD_CACHE),
	P("seq-cachecold", KIND_SEQ, 0, ACCESS_RETOUCH, 128, 4, COLD_CACHE),
};

static const struct bench_case small_cases[] = {
	P("seq", KIND_SEQ, 0, ACCESS_WRITE, 256, 3, 0),
	P("seq", KIND_SEQ, 0, ACCESS_READ, 256, 3, 0),
	P("seq", KIND_SEQ, 0, ACCESS_RW, 256, 3, 0),
	P("seq", KIND_SEQ, 0, ACCESS_RETOUCH, 256, 3, 0),
	P("random", KIND_RANDOM, 0, ACCESS_WRITE, 256, 3, 0),
	P("stride-512", KIND_STRIDE, 512, ACCESS_WRITE, 64, 3, 0),
	P("brk-grow-8", KIND_BRK, 8, ACCESS_WRITE, 256, 3, 0),
	P("churn", KIND_CHURN, 0, ACCESS_WRITE, 128, 3, 0),
	{ "seq-folio", KIND_SEQ, 0, ACCESS_WRITE, 64, 3, 0, BIT(CONT_PTE_BITS), false, false },
};

/*
 * "folio" (make bench SUITE=folio): the first-touch patterns per folio
 * size: base pages, 2 pages, 4 pages, one contiguous range (64 KiB with
 * 4 KiB pages), the largest folio (half a block). Each touch is the first
 * page of a chunk of the folio's size, so every sample is one fault that
 * maps one folio; the region is 4096 base pages' worth, whatever the size.
 */
#define FOLIO_CASES(orders, order)                                                    \
	F("seq", KIND_SEQ, ACCESS_WRITE, 4096 >> (order), orders),                    \
	F("seq", KIND_SEQ, ACCESS_RETOUCH, 4096 >> (order), orders),                  \
	F("reverse", KIND_REVERSE, ACCESS_WRITE, 4096 >> (order), orders),            \
	F("random", KIND_RANDOM, ACCESS_WRITE, 4096 >> (order), orders),              \
	F("random", KIND_RANDOM, ACCESS_RETOUCH, 4096 >> (order), orders),            \
	F("seq", KIND_SEQ, ACCESS_READ, 4096 >> (order), orders)
#define F(name, kind, acc, pages, orders) \
	{ name, kind, 0, acc, pages, (pages) >= 64 ? 3 : 8, 0, orders, false, false }

static const struct bench_case folio_cases[] = {
	FOLIO_CASES(BENCH_FOLIO_NONE, 0),
	FOLIO_CASES(BIT(1), 1),
	FOLIO_CASES(BIT(2), 2),
	FOLIO_CASES(BIT(CONT_PTE_BITS), CONT_PTE_BITS),
	FOLIO_CASES(BIT(BLOCK_SHIFT - PAGE_SHIFT - 1), BLOCK_SHIFT - PAGE_SHIFT - 1),
	/* thp=always: one block per fault (2, 32, 512 MiB), base pages otherwise */
	{ "seq", KIND_SEQ, 0, ACCESS_WRITE, 4, 8, 0, BENCH_FOLIO_NONE, true, false },
	{ "random", KIND_RANDOM, 0, ACCESS_WRITE, 4, 8, 0, BENCH_FOLIO_NONE, true, false },
};

/*
 * "guard" (make test-bench, once per granule): one sequential write case
 * per folio size the granule has, from the base page (order 0) up to half
 * a block (FOLIO_MAX_ORDER), then one block fault (thp=always), so that
 * the guard holds one case per granule x folio size. Every touch is one
 * fault of one folio; few touches and one repetition keep it quick (the
 * largest folios zero 128 or 256 MiB per fault at the 64 KiB granule):
 *
 *   granule  touches per folio size: 32 MiB / size, within 1 .. 8    block
 *   4 KiB    4K .. 1M: 8                                              1 x 2M
 *   16 KiB   16K .. 4M: 8, 8M: 4, 16M: 2                             1 x 32M
 *   64 KiB   64K .. 4M: 8, 8M: 4, 16M: 2, 32M .. 256M: 1             1 x 512M
 *
 * The array is written for the largest granule's orders; bench_suite
 * gives the first BLOCK_ORDER + 1 (the block, then orders 0 ..
 * FOLIO_MAX_ORDER).
 */
#define GUARD_TOUCHES(order)                                                      \
	((32ull << 20) >> (PAGE_SHIFT + (order)) > 8 ? 8                           \
	 : (32ull << 20) >> (PAGE_SHIFT + (order)) < 1 ? 1                         \
	 : (32ull << 20) >> (PAGE_SHIFT + (order)))
#define G(order) \
	{ "seq", KIND_SEQ, 0, ACCESS_WRITE, GUARD_TOUCHES(order), 1, 0, \
	  (order) ? BIT(order) : BENCH_FOLIO_NONE, false, false }

static const struct bench_case guard_cases[] = {
	{ "seq", KIND_SEQ, 0, ACCESS_WRITE, 1, 1, 0, BENCH_FOLIO_NONE, true, false },
	G(0), G(1), G(2), G(3), G(4), G(5), G(6), G(7), G(8), G(9), G(10), G(11), G(12),
};
static_assert(ARRAY_SIZE(guard_cases) >= BLOCK_ORDER + 1,
	      "a guard case per folio order of every granule, and the block");

/* find_vma VMA counts: the whole scale, and the short list of the quick suites. */
static const uint64_t vma_counts_all[] = { 1, 10, 100, 1000, 10000, 100000 };
static const uint64_t vma_counts_short[] = { 1, 1000 };

#define VMAS(counts) counts, ARRAY_SIZE(counts)

static const struct {
	const char *name;
	const struct bench_case *cases;
	size_t n;
	const uint64_t *vma_counts;
	size_t nvma_counts;
} suites[] = {
	{ "default", default_cases, ARRAY_SIZE(default_cases), VMAS(vma_counts_all) },
	{ "small", small_cases, ARRAY_SIZE(small_cases), VMAS(vma_counts_short) },
	{ "folio", folio_cases, ARRAY_SIZE(folio_cases), VMAS(vma_counts_all) },
	{ "guard", guard_cases, BLOCK_ORDER + 1, VMAS(vma_counts_short) },
};

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

size_t bench_suite(const char *name, const struct bench_case **cases)
{
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		if (same(suites[i].name, name)) {
			*cases = suites[i].cases;
			return suites[i].n;
		}
	}
	*cases = NULL;
	return 0;
}

size_t bench_suite_vma_counts(const char *name, const uint64_t **counts)
{
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		if (same(suites[i].name, name)) {
			*counts = suites[i].vma_counts;
			return suites[i].nvma_counts;
		}
	}
	*counts = NULL;
	return 0;
}

const char *bench_suite_names(void)
{
	static char buf[64];
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		const char *n = suites[i].name;

		if (i && len + 2 < sizeof(buf))
			buf[len++] = ',', buf[len++] = ' ';
		while (*n && len + 1 < sizeof(buf))
			buf[len++] = *n++;
	}
	buf[len] = '\0';
	return buf;
}
