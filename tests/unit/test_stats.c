/*
 * Host tests of the benchmark core: integer statistics against known data,
 * the CSV columns and formatting, the suites, and the pattern loop run end
 * to end on the host (bench/env_host.c: real Linux page faults).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bench/bench.h"
#include "bench/csv.h"
#include "bench/env.h"
#include "bench/stats.h"
#include "lib/errno.h"
#include "mm/mm.h"

/* Nearest rank: the smallest value with at least p % of the data at or below. */
static void test_rank_1_to_100(void **state)
{
	uint64_t v[100];

	for (int i = 0; i < 100; i++)
		v[i] = (uint64_t)i + 1;
	assert_int_equal(stats_rank(v, 100, 500), 50);
	assert_int_equal(stats_rank(v, 100, 900), 90);
	assert_int_equal(stats_rank(v, 100, 990), 99);
	assert_int_equal(stats_rank(v, 100, 999), 100);
	assert_int_equal(stats_rank(v, 100, 1000), 100);
	assert_int_equal(stats_rank(v, 100, 0), 1);
	assert_int_equal(stats_rank(v, 100, 10), 1);
	assert_int_equal(stats_rank(v, 100, 11), 2);
}

static void test_rank_small(void **state)
{
	uint64_t one[] = { 7 }, three[] = { 10, 20, 30 }, ten[10];

	assert_int_equal(stats_rank(one, 1, 500), 7);
	assert_int_equal(stats_rank(one, 1, 999), 7);
	assert_int_equal(stats_rank(three, 3, 500), 20); /* ceil(1.5) = 2 */
	assert_int_equal(stats_rank(three, 3, 330), 10); /* ceil(0.99) = 1 */
	assert_int_equal(stats_rank(three, 3, 334), 20); /* ceil(1.002) = 2 */
	assert_int_equal(stats_rank(three, 3, 900), 30);
	for (int i = 0; i < 10; i++)
		ten[i] = (uint64_t)i * 10;
	assert_int_equal(stats_rank(ten, 10, 500), 40);  /* 5th */
	assert_int_equal(stats_rank(ten, 10, 900), 80);  /* 9th */
	assert_int_equal(stats_rank(ten, 10, 990), 90);  /* ceil(9.9) = 10th */
	assert_int_equal(stats_rank(one, 0, 500), 0);
}

/* The textbook data set: mean 5, population standard deviation 2. */
static void test_compute_known(void **state)
{
	uint64_t v[] = { 9, 4, 5, 2, 7, 4, 5, 4 };
	struct stats s;

	stats_compute(v, 8, &s);
	assert_int_equal(s.n, 8);
	assert_int_equal(s.min, 2);
	assert_int_equal(s.max, 9);
	assert_int_equal(s.mean, 5);
	assert_int_equal(s.stddev, 2);
	assert_int_equal(s.p50, 4);   /* 4th of 2 4 4 4 5 5 7 9 */
	assert_int_equal(s.p90, 9);   /* ceil(7.2) = 8th */
	for (int i = 1; i < 8; i++)
		assert_true(v[i - 1] <= v[i]);
}

static void test_compute_rounding_and_big(void **state)
{
	uint64_t v[] = { 1, 2 }, big[] = { 1ull << 40, 3ull << 40 };
	struct stats s;

	stats_compute(v, 2, &s);
	assert_int_equal(s.mean, 2);   /* 1.5 rounds to nearest: 2 */
	assert_int_equal(s.stddev, 0); /* deviations from 2: 1, 0 -> sqrt(0.5) */
	stats_compute(big, 2, &s);
	assert_int_equal(s.mean, 2ull << 40);
	assert_int_equal(s.stddev, 1ull << 40);
	stats_compute(v, 0, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.p50, 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_sort_random(void **state)
{
	enum { N = 5000 };
	static uint64_t a[N], b[N];
	uint64_t x = 88172645463325252ull;

	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a[i] = b[i] = x % 1000; /* many duplicates */
	}
	stats_sort(a, N);
	qsort(b, N, sizeof(b[0]), cmp_u64);
	assert_memory_equal(a, b, sizeof(a));
}

static void test_isqrt(void **state)
{
	assert_int_equal(stats_isqrt(0), 0);
	assert_int_equal(stats_isqrt(1), 1);
	assert_int_equal(stats_isqrt(3), 1);
	assert_int_equal(stats_isqrt(4), 2);
	assert_int_equal(stats_isqrt(99), 9);
	unsigned __int128 m = (unsigned __int128)UINT64_MAX * UINT64_MAX;
	assert_true(stats_isqrt(m) == UINT64_MAX);
	assert_true(stats_isqrt(m - 1) == UINT64_MAX - 1);
	assert_true(stats_isqrt(~(unsigned __int128)0) == UINT64_MAX);
}

static void test_unstable(void **state)
{
	uint64_t calm[] = { 100, 103, 101 }, wild[] = { 100, 120, 101 };
	uint64_t tiny[] = { 10, 12, 11 };

	assert_false(stats_unstable(calm, 3, 101, 50, 2));
	assert_true(stats_unstable(wild, 3, 101, 50, 2));
	assert_false(stats_unstable(tiny, 3, 11, 50, 2)); /* within the slack */
	assert_true(stats_unstable(tiny, 3, 11, 50, 1));
	assert_false(stats_unstable(wild, 1, 100, 50, 2)); /* one rep */
}

static const char contract_head[] =
	"board,cpu,mode,counter,unit,pattern,access,pages,samples,faults,"
	"pages_allocated,min,p50,p90,p99,max,mean,stddev,";

static int count_fields(const char *s)
{
	int n = 1;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

static void test_csv_summary(void **state)
{
	struct csv_line head, row;
	struct stats s = { .n = 4, .min = 1, .p50 = 250, .p90 = 3, .p99 = 4,
			   .p999 = 5, .max = 6, .mean = 7, .stddev = 8 };
	uint64_t st[BENCH_NR_STAGES] = { 10, 11, 12, 13, 14, 15, 16, 17, 18 };
	struct bench_meta m = { "qemu-virt", "cortex-a72", "icount", "pmccntr",
				"instructions", 1, 62500000, true, "abc", "4k", NULL, 0, 0, false, NULL };
	/* 64 KiB folios (order 4 at the 4 KiB granule): 16 pages per fault */
	struct bench_row r = { "seq", "write", 4096, 12288, 12288, 12288 * 16, &s,
			       st, 300, 20, 80, false, BIT(4), 9, 0, false };

	bench_summary_header(&head);
	assert_false(head.overflow);
	assert_memory_equal(head.buf, contract_head, strlen(contract_head));
	assert_non_null(strstr(head.buf, ",stddev,p99.9,stage_entry_p50,"
					 "stage_decode_p50,stage_lookup_p50,"
					 "stage_walk_p50,stage_alloc_p50,"
					 "stage_zero_p50,stage_map_p50,"
					 "stage_exit_p50,stage_eret_p50,"));
	bench_summary_row(&row, &m, &r);
	assert_false(row.overflow);
	assert_int_equal(count_fields(row.buf), count_fields(head.buf));
	assert_string_equal(row.buf,
		"qemu-virt,cortex-a72,icount,pmccntr,instructions,seq,write,"
		"4096,12288,12288,196608,1,250,3,4,6,7,8,5,"
		"10,11,12,13,14,15,16,17,18,300,20,80,3.13,1,62500000,on,abc,0,"
		"4k,64k,15.63,9");

	/* Without stages, baseline or floors: empty cells, same count. */
	r.stage_p50 = NULL;
	r.baseline_p50 = 0;
	r.floor_sum = 0;
	r.unstable = true;
	r.folio = 0;
	r.table_pages = ENV_UNKNOWN;
	r.pages_allocated = r.faults;
	m.stages = false;
	bench_summary_row(&row, &m, &r);
	assert_int_equal(count_fields(row.buf), count_fields(head.buf));
	assert_non_null(strstr(row.buf, ",5,,,,,,,,,,,,,,1,62500000,off,abc,1,4k,none,250.00,"));

	/* A run that sets the folio size itself (Linux: sysfs) names it. */
	m.folio = "thp-always";
	bench_summary_row(&row, &m, &r);
	assert_int_equal(count_fields(row.buf), count_fields(head.buf));
	assert_non_null(strstr(row.buf, ",abc,1,4k,thp-always,250.00,"));

	/* pages_allocated counted in 16 KiB pages (a 16K Linux kernel): each
	 * fault mapped 16 KiB, so a quarter of the p50 per 4 KiB. */
	m.granule = "16k";
	m.page_bytes = 16384;
	bench_summary_row(&row, &m, &r);
	assert_non_null(strstr(row.buf, ",abc,1,16k,thp-always,62.50,"));
}

/* What was measured: the run columns after the page-size ones, and the
 * keys that tell raw rows of two cases (folio sizes) apart. */
static void test_csv_run_and_raw_keys(void **state)
{
	struct csv_line head, row;
	struct stats s = { .n = 4, .p50 = 250 };
	struct bench_meta m = { "qemu-virt", "cortex-a76", "icount", "pmccntr",
				"instructions", 1, 62500000, false, "abc", "4k", NULL, 0,
				.ram_bytes = 2048ull << 20, .step_4k = true };
	struct bench_row r = { "seq", "write", 8, 24, 24, 24, &s, .folio = BIT(4),
			       .table_pages = ENV_UNKNOWN, .iters = 3, .thp = true };
	struct bench_case c = { .pattern = "seq", .access = ACCESS_WRITE, .pages = 8 };
	struct bench_raw raw = { .page = 4, .latency = 99 };
	struct bench_result res = { .nraw = 1, .raw = &raw };
	char want[64];

	(void)state;
	bench_summary_header(&head);
	bench_page_header(&head);
	bench_run_header(&head);
	assert_non_null(strstr(head.buf, ",thp_fault_alloc,toolchain,ram_mib,iters,step,thp"));
	bench_summary_row(&row, &m, &r);
	bench_page_row(&row, &(struct bench_page_row){ 0 });
	bench_run_row(&row, &m, &r);
	assert_false(row.overflow);
	assert_int_equal(count_fields(row.buf), count_fields(head.buf));
	snprintf(want, sizeof(want), ",%s,2048,3,4k,always", bench_toolchain);
	assert_non_null(strstr(row.buf, want));
	assert_true(strncmp(bench_toolchain, "gcc-", 4) == 0 ||
		    strncmp(bench_toolchain, "clang-", 6) == 0);
	assert_non_null(strchr(bench_toolchain, '.'));

	/* floor rows: no iters; a run-wide thp (Linux) wins; step=page */
	r.iters = 0;
	m.thp = "never";
	m.step_4k = false;
	bench_summary_row(&row, &m, &r);
	bench_page_row(&row, &(struct bench_page_row){ 0 });
	bench_run_row(&row, &m, &r);
	snprintf(want, sizeof(want), ",%s,2048,,page,never", bench_toolchain);
	assert_non_null(strstr(row.buf, want));

	bench_raw_header(&head);
	assert_non_null(strstr(head.buf, ",stage_eret,cpu,counter,granule,folio,build,rep"));
	bench_raw_row(&row, &m, &c, BIT(4), &res, 0);
	assert_false(row.overflow);
	assert_int_equal(count_fields(row.buf), count_fields(head.buf));
	/* 16 pages of the 4k granule: a 64k folio */
	assert_non_null(strstr(row.buf, ",cortex-a76,pmccntr,4k,64k,abc,1"));
	bench_raw_row(&row, &m, &c, 0, &res, 0);
	assert_non_null(strstr(row.buf, ",cortex-a76,pmccntr,4k,none,abc,1"));
}

static void test_csv_fixed_and_overflow(void **state)
{
	struct csv_line l;
	char big[CSV_LINE_MAX + 10];

	csv_reset(&l);
	csv_fixed2(&l, 5);
	csv_fixed2(&l, 100);
	csv_fixed2(&l, 12345);
	csv_u64(&l, 0);
	csv_u64(&l, UINT64_MAX);
	assert_string_equal(l.buf, "0.05,1.00,123.45,0,18446744073709551615");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	csv_str(&l, big);
	assert_true(l.overflow);
}

static void test_suites(void **state)
{
	const struct bench_case *c;
	size_t n = bench_suite("default", &c);

	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		assert_null(strpbrk(c[i].pattern, ", \n"));
		assert_true(c[i].pages > 0 && c[i].reps > 0);
	}
	assert_true(bench_suite("small", &c) > 0);
	assert_int_equal(bench_suite("nonesuch", &c), 0);
	assert_null(c);
}

/* Each suite's find_vma counts: the whole scale, or the short list of the quick ones. */
static void test_suite_vma_counts(void **state)
{
	const uint64_t *v;

	(void)state;
	assert_int_equal(bench_suite_vma_counts("default", &v), 6);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[5], 100000);
	assert_int_equal(bench_suite_vma_counts("folio", &v), 6);
	assert_int_equal(bench_suite_vma_counts("small", &v), 2);
	assert_int_equal(v[1], 1000);
	assert_int_equal(bench_suite_vma_counts("guard", &v), 2);
	assert_int_equal(bench_suite_vma_counts("nonesuch", &v), 0);
	assert_null(v);
	assert_string_equal(bench_suite_names(), "default, small, folio, guard");
}

/* The guard suite: one block fault, then one seq write per folio order. */
static void test_guard_suite(void **state)
{
	const struct bench_case *c;
	size_t n = bench_suite("guard", &c);

	assert_int_equal(n, BLOCK_ORDER + 1);
	assert_true(c[0].thp);
	assert_int_equal(c[0].folio, BENCH_FOLIO_NONE);
	assert_int_equal(bench_folio_step(&c[0]), BIT(BLOCK_ORDER));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(c[i].pattern, "seq");
		assert_int_equal(c[i].kind, KIND_SEQ);
		assert_int_equal(c[i].access, ACCESS_WRITE);
		assert_true(c[i].pages >= 1 && c[i].pages <= 8 && c[i].reps == 1);
		if (i == 0)
			continue;
		/* order i - 1: base pages, then 2 pages .. half a block */
		assert_false(c[i].thp);
		assert_int_equal(c[i].folio, i == 1 ? BENCH_FOLIO_NONE : BIT(i - 1));
		assert_int_equal(bench_folio_step(&c[i]), BIT(i - 1));
		assert_true(bench_case_fits(&c[i], 512ull << 20));
	}
	assert_int_equal(c[n - 1].folio, BIT(FOLIO_MAX_ORDER));
}

static struct bench_hooks host_hooks(void)
{
	return (struct bench_hooks){ .overhead = bench_calibrate(), .seed = 1 };
}

/* The pattern loop on real Linux page faults: every first touch faults. */
static void test_run_seq_write(void **state)
{
	struct bench_case c = { "seq", KIND_SEQ, 0, ACCESS_WRITE, 64, 2, 0, 0, false, false };
	struct bench_hooks h = host_hooks();
	struct bench_result r;

	assert_int_equal(bench_run_case(&c, &h, &r), 0);
	assert_int_equal(r.samples, 128);
	assert_true(r.faults >= 128);
	assert_int_equal(r.lat.n, 128);
	assert_true(r.lat.min <= r.lat.p50 && r.lat.p50 <= r.lat.max);
	assert_int_equal(r.nraw, 64);
	for (size_t i = 0; i < r.nraw; i++)
		assert_int_equal(r.raw[i].page, i);
	assert_false(r.staged);
	bench_release(&r);
	assert_null(r.raw);
}

/*
 * Every faulting sample is classified: on the host no fault reports an
 * allocation, so all are base-page faults and fault_p50 is their p50;
 * cost_4k_x100 weighs it by the faults over the 4 KiB units touched.
 * step_4k at 4 KiB pages touches exactly what the default does.
 */
static void test_run_fault_costs(void **state)
{
	struct bench_case c = { "seq", KIND_SEQ, 0, ACCESS_WRITE, 64, 2, 0, 0, false, true };
	struct bench_hooks h = host_hooks();
	struct bench_result r;

	(void)state;
	assert_int_equal(PAGE_SIZE, BENCH_UNIT_4K);
	assert_int_equal(bench_run_case(&c, &h, &r), 0);
	assert_int_equal(r.samples, 128);
	assert_int_equal(r.mapped_4k, 128);
	assert_true(r.fault_samples >= 120 && r.fault_samples <= 128);
	assert_int_equal(r.folio_allocs, 0);
	assert_int_equal(r.block_allocs, 0);
	assert_true(r.fault_p50 >= r.lat.min && r.fault_p50 <= r.lat.max);
	uint64_t want = (r.fault_samples * r.fault_p50 * 100 + 64) / 128;
	assert_int_equal(r.cost_4k_x100, want);
	for (size_t i = 0; i < r.nraw; i++)
		assert_int_equal(r.raw[i].page, i);
	bench_release(&r);

	/* re-touch: nothing faulted, nothing classified */
	c.access = ACCESS_RETOUCH;
	assert_int_equal(bench_run_case(&c, &h, &r), 0);
	assert_int_equal(r.fault_samples, 0);
	assert_int_equal(r.fault_p50, 0);
	assert_int_equal(r.cost_4k_x100, 0);
	bench_release(&r);
}

static void test_run_retouch_no_faults(void **state)
{
	struct bench_case c = { "random", KIND_RANDOM, 0, ACCESS_RETOUCH, 300, 2, 0, 0, false, false };
	struct bench_hooks h = host_hooks();
	struct bench_result r;
	char seen[300] = { 0 };

	assert_int_equal(bench_run_case(&c, &h, &r), 0);
	assert_int_equal(r.faults, 0);
	assert_int_equal(r.samples, 600);
	assert_int_equal(r.nraw, 256);
	/* A permutation: no page twice, not the identity. */
	bool moved = false;
	for (size_t i = 0; i < r.nraw; i++) {
		assert_true(r.raw[i].page < 300);
		assert_false(seen[r.raw[i].page]);
		seen[r.raw[i].page] = 1;
		moved |= r.raw[i].page != i;
	}
	assert_true(moved);
	bench_release(&r);
}

static void test_run_stride_sparse_churn(void **state)
{
	struct bench_case st = { "stride-16", KIND_STRIDE, 16, ACCESS_WRITE, 32, 1, 0, 0, false, false };
	struct bench_case sp = { "sparse-8", KIND_SPARSE, 8, ACCESS_READ, 32, 1, 0, 0, false, false };
	struct bench_case ch = { "churn", KIND_CHURN, 0, ACCESS_WRITE, 16, 1, 0, 0, false, false };
	struct bench_hooks h = host_hooks();
	struct bench_result r;

	assert_int_equal(bench_run_case(&st, &h, &r), 0);
	for (size_t i = 0; i < r.nraw; i++)
		assert_int_equal(r.raw[i].page, i * 16);
	bench_release(&r);
	assert_int_equal(bench_run_case(&sp, &h, &r), 0);
	for (size_t i = 0; i < r.nraw; i++)
		assert_int_equal(r.raw[i].page / 8, i);
	bench_release(&r);
	assert_int_equal(bench_run_case(&ch, &h, &r), 0);
	assert_true(r.faults >= 16);
	bench_release(&r);
}

static void test_run_bad_case(void **state)
{
	struct bench_case c = { "stride-0", KIND_STRIDE, 0, ACCESS_WRITE, 8, 1, 0, 0, false, false };
	struct bench_hooks h = host_hooks();
	struct bench_result r;

	assert_int_equal(bench_run_case(&c, &h, &r), -22);
	c = (struct bench_case){ "seq", KIND_SEQ, 0, ACCESS_WRITE, 8, 0, 0, 0, false, false };
	assert_int_equal(bench_run_case(&c, &h, &r), -22);
}

/* Sizes from a hostile pages=/iters= never wrap: every pattern kind with
 * 2^62 pages is -ERANGE (it used to wrap to a small size and "fit"). */
static void test_case_need_overflow(void **state)
{
	static const struct bench_case big[] = {
		{ "stride-512", KIND_STRIDE, 512, ACCESS_WRITE, 1ull << 62, 1, 0, 0, false, false },
		{ "stride-16", KIND_STRIDE, 16, ACCESS_WRITE, 1ull << 62, 1, 0, 0, false, false },
		{ "sparse-8", KIND_SPARSE, 8, ACCESS_WRITE, 1ull << 62, 1, 0, 0, false, false },
		{ "sparse-64", KIND_SPARSE, 64, ACCESS_WRITE, 1ull << 62, 1, 0, 0, false, false },
		{ "churn", KIND_CHURN, 0, ACCESS_WRITE, 1ull << 62, 32, 0, 0, false, false },
		{ "seq", KIND_SEQ, 0, ACCESS_WRITE, 1ull << 62, 1, 0, 0, false, false },
		{ "brk-grow-8", KIND_BRK, 8, ACCESS_WRITE, UINT64_MAX, 32, 0, 0, false, false },
		/* a span of 2^32 pages: just past what 32-bit page indices hold */
		{ "stride-2", KIND_STRIDE, 2, ACCESS_WRITE, 1ull << 31, 1, 0, 0, false, false },
	};
	struct bench_hooks h = host_hooks();
	struct bench_result r;
	uint64_t need = 7;

	for (size_t i = 0; i < ARRAY_SIZE(big); i++) {
		assert_int_equal(bench_case_need(&big[i], &need), -ERANGE);
		assert_int_equal(need, 7);
		assert_false(bench_case_fits(&big[i], UINT64_MAX));
		assert_int_equal(bench_run_case(&big[i], &h, &r), -ERANGE);
	}
	/* The largest span still accepted, and a malformed case. */
	struct bench_case edge = { "stride-2", KIND_STRIDE, 2, ACCESS_WRITE,
				   (1ull << 31) - 1, 1, 0, 0, false, false };
	assert_int_equal(bench_case_need(&edge, &need), 0);
	assert_true(need > ((1ull << 31) - 1) * 4096);
	assert_false(bench_case_fits(&edge, need - 1));
	assert_true(bench_case_fits(&edge, need));
	edge.reps = 0;
	assert_int_equal(bench_case_need(&edge, &need), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_1_to_100),
		cmocka_unit_test(test_rank_small),
		cmocka_unit_test(test_compute_known),
		cmocka_unit_test(test_compute_rounding_and_big),
		cmocka_unit_test(test_sort_random),
		cmocka_unit_test(test_isqrt),
		cmocka_unit_test(test_unstable),
		cmocka_unit_test(test_csv_summary),
		cmocka_unit_test(test_csv_run_and_raw_keys),
		cmocka_unit_test(test_csv_fixed_and_overflow),
		cmocka_unit_test(test_suites),
		cmocka_unit_test(test_suite_vma_counts),
		cmocka_unit_test(test_guard_suite),
		cmocka_unit_test(test_run_seq_write),
		cmocka_unit_test(test_run_fault_costs),
		cmocka_unit_test(test_run_retouch_no_faults),
		cmocka_unit_test(test_run_stride_sparse_churn),
		cmocka_unit_test(test_run_bad_case),
		cmocka_unit_test(test_case_need_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
