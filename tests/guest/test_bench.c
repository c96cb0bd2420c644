/*
 * In-guest tests of the benchmark harness on the real fault path: the stage
 * stamps of a fault are monotonic, lie between the two counter reads around
 * the faulting store and add up to its end-to-end latency; taking them costs
 * no more than the measured counter-read overhead per stamp; the fault and
 * page counts a case reports are the faults its accesses took; the stage
 * marks cover every stage. Every case is checked against the memory the
 * benchmarks may use before it runs (bench_case_footprint, as run=bench
 * does): one that does not fit skips its test, saying so.
 */
#include "tests/guest/ktest.h"

#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/exception.h"
#include "arch/aarch64/image.h"
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/sysreg.h"

#include "bench/bench.h"
#include "bench/env.h"
#include "bench/kernel/env_kernel.h"
#include "bench/kernel/floors.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"

#define PAGES 64

static uint64_t lat_on[PAGES], lat_off[PAGES];

static void arm(void)
{
	for (int i = 0; i < NR_STAGES; i++)
		fault_stamp[i] = 0;
	fault_stamps_on = true;
}

static void take(uint64_t stamp[BENCH_NR_STAMPS])
{
	fault_stamps_on = false;
	for (int i = 0; i < NR_STAGES; i++)
		stamp[i] = fault_stamp[i];
}

/* Whether the PMU can time this; else the test skips, saying why. */
static bool have_pmu(void)
{
	const char *why = env_pmu_why_not();

	if (why) {
		ktest_skip("%s", why);
		return false;
	}
	env_use_counter(ENV_PMCCNTR);
	return true;
}

/* The room c runs in: `orders` folios, thp as given, the free memory now. */
static struct bench_room room(unsigned orders, bool thp)
{
	return (struct bench_room){ .folio_orders = orders, .thp = thp,
				    .free = (uint64_t)page_free_count() * PAGE_SIZE };
}

/*
 * Whether c, run with `orders` folios (thp off), fits the memory the
 * benchmarks may use (env_ram_bytes); else the test skips, saying what it
 * needs, or fails if c is malformed.
 */
static bool fits(const struct bench_case *c, unsigned orders)
{
	struct bench_room m = room(orders, false);
	struct bench_footprint f;
	uint64_t ram = env_ram_bytes();
	int err = bench_case_footprint(c, &m, &f);

	if (err) {
		ktest_fail(__FILE__, __LINE__, "case %s pages=%llu: footprint %d", c->pattern,
			   (unsigned long long)c->pages, err);
		return false;
	}
	if (f.total > ram) {
		ktest_skip("case %s %s pages=%llu needs %llu KiB, does not fit in %llu KiB",
			   c->pattern, bench_access_name(c->access), (unsigned long long)c->pages,
			   (unsigned long long)(f.total >> 10), (unsigned long long)(ram >> 10));
		return false;
	}
	return true;
}

KTEST(bench_stamps_monotonic_and_summing)
{
	/* what the test maps: 2 x PAGES pages, written one by one */
	struct bench_case need = { "seq", KIND_SEQ, 0, ACCESS_WRITE, 2 * PAGES, 1, 0, 0, false,
				   false };

	if (!have_pmu() || !fits(&need, 0))
		return;
	uint64_t overhead = bench_calibrate();
	uint8_t *p = env_map(2 * PAGES * PAGE_SIZE, ENV_PROT_READ | ENV_PROT_WRITE);
	KASSERT(p != NULL);

	for (int i = 0; i < PAGES; i++) {
		volatile uint64_t *v = (volatile uint64_t *)(p + i * PAGE_SIZE);
		uint64_t stamp[BENCH_NR_STAMPS], f = env_faults(), a = env_pages_allocated();

		arm();
		uint64_t t0 = env_counter();
		*v = 1;
		uint64_t t1 = env_counter();
		take(stamp);

		KEXPECT_EQ(env_faults() - f, 1);
		KEXPECT_EQ(env_pages_allocated() - a, 1);
		/* A write to a fresh page passes every stage. */
		uint64_t prev = t0, sum = 0;
		for (int s = 0; s < BENCH_NR_STAMPS; s++) {
			KEXPECT_NE(stamp[s], 0);
			if (!stamp[s])
				continue;
			KEXPECT_LE(prev, stamp[s]);
			sum += stamp[s] - prev;
			prev = stamp[s];
		}
		KEXPECT_LE(prev, t1);
		sum += t1 - prev;
		KEXPECT_EQ(sum, t1 - t0);
		lat_on[i] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
	}

	/* The same faults without stamps: nothing is stamped, and the median
	 * is lower by at most one counter read per stamp. */
	for (int i = 0; i < NR_STAGES; i++)
		fault_stamp[i] = 0;
	for (int i = 0; i < PAGES; i++) {
		volatile uint64_t *v = (volatile uint64_t *)(p + (PAGES + i) * PAGE_SIZE);
		uint64_t t0 = env_counter();
		*v = 1;
		uint64_t t1 = env_counter();
		lat_off[i] = t1 - t0 > overhead ? t1 - t0 - overhead : 0;
	}
	for (int i = 0; i < NR_STAGES; i++)
		KEXPECT_EQ(fault_stamp[i], 0);

	struct stats on, off;
	stats_compute(lat_on, PAGES, &on);
	stats_compute(lat_off, PAGES, &off);
	ktest_note("fault p50 %llu with stamps, %llu without, overhead %llu",
		   (unsigned long long)on.p50, (unsigned long long)off.p50,
		   (unsigned long long)overhead);
	/*
	 * Under -icount the counter counts instructions, so the bound is
	 * exact. Under TCG it follows the host's clock, which a loaded host
	 * stretches at random: there the medians are only reported (the
	 * stamps' order and sums above are checked either way).
	 */
	if (pmu_icount()) {
		KEXPECT_LE(on.p50, off.p50 + NR_STAGES * (overhead + 1));
		KEXPECT_LE(off.p50, on.p50);
	} else {
		ktest_note("host-clock counts: the stamp overhead bound is checked "
			   "only under -icount");
	}
	KEXPECT_EQ(env_unmap(p, 2 * PAGES * PAGE_SIZE), 0);
}

KTEST(bench_case_counts_faults)
{
	if (!have_pmu())
		return;
	struct bench_hooks h = { .overhead = bench_calibrate(), .seed = 7,
				 .stamps_arm = arm, .stamps_take = take };
	struct bench_case w = { "seq", KIND_SEQ, 0, ACCESS_WRITE, 32, 2, 0, 0, false, false };
	struct bench_case rw = { "random", KIND_RANDOM, 0, ACCESS_RW, 32, 2, 0, 0, false, false };
	struct bench_case re = { "seq", KIND_SEQ, 0, ACCESS_RETOUCH, 32, 2, 0, 0, false, false };
	struct bench_result r;

	if (!fits(&w, 0) || !fits(&rw, 0) || !fits(&re, 0))
		return;
	KASSERT_EQ(bench_run_case(&w, &h, &r), 0);
	KEXPECT_EQ(r.samples, 64);
	KEXPECT_EQ(r.faults, 64);
	KEXPECT_EQ(r.pages_allocated, 64);
	KEXPECT(r.staged);
	for (size_t i = 0; i < r.nraw; i++) {
		uint64_t sum = 0;
		for (int s = 0; s < BENCH_NR_STAGES; s++)
			sum += r.raw[i].stage[s];
		/* Parts add up to t1 - t0; latency_staged has the overhead off. */
		KEXPECT_LE(r.raw[i].latency_staged, sum);
		KEXPECT_LE(sum, r.raw[i].latency_staged + h.overhead);
	}
	bench_release(&r);

	KASSERT_EQ(bench_run_case(&rw, &h, &r), 0);
	KEXPECT_EQ(r.faults, 64);          /* the stores only: loads are untimed */
	KEXPECT_EQ(r.pages_allocated, 64); /* each replaces the zero page */
	bench_release(&r);

	KASSERT_EQ(bench_run_case(&re, &h, &r), 0);
	KEXPECT_EQ(r.faults, 0);
	KEXPECT_EQ(r.pages_allocated, 0);
	bench_release(&r);
}

/*
 * The page-size columns' classification on the real fault path: with
 * 4-page folios and step=4k, every faulting sample is counted once, a
 * fault that allocated a folio counts in folio_allocs, and folios and
 * base pages add up to the region's base pages (edges outside an aligned
 * folio fall back to base pages).
 */
KTEST(bench_case_classifies_faults)
{
	if (!have_pmu())
		return;
	struct bench_hooks h = { .overhead = bench_calibrate(), .seed = 7 };
	uint64_t per_page = PAGE_SIZE / BENCH_UNIT_4K, base_pages = 16;
	struct bench_case w = { "seq", KIND_SEQ, 0, ACCESS_WRITE, base_pages * per_page, 2,
				0, 0, false, true };
	struct bench_result r;
	struct bench_case f = { "seq", KIND_SEQ, 0, ACCESS_WRITE, 4, 2, 0, BIT(2), false, false };

	if (!fits(&w, BIT(2)) || !fits(&f, BIT(2)))
		return;
	KASSERT_EQ(mm_set_folios(current_mm, BIT(2)), 0);
	int err = bench_run_case(&w, &h, &r);
	KASSERT_EQ(mm_set_folios(current_mm, 0), 0);
	KASSERT_EQ(err, 0);
	KEXPECT_EQ(r.samples, 2 * base_pages * per_page);
	KEXPECT_EQ(r.mapped_4k, r.samples);
	KEXPECT_EQ(r.fault_samples, r.faults);
	KEXPECT_EQ(r.pages_allocated, 2 * base_pages);
	KEXPECT(r.folio_allocs >= 6); /* 16 pages hold 3 aligned 4-page folios */
	KEXPECT_EQ(r.folio_allocs * 4 + (r.faults - r.folio_allocs), 2 * base_pages);
	KEXPECT_EQ(r.block_allocs, 0);
	KEXPECT_NE(r.fault_p50, 0);
	KEXPECT_NE(r.cost_4k_x100, 0);
	bench_release(&r);

	/*
	 * One touch per folio (the folio suite's cases): the units mapped are
	 * the folios' pages, not the touches, and every fault is a folio's.
	 */
	KASSERT_EQ(mm_set_folios(current_mm, BIT(2)), 0);
	err = bench_run_case(&f, &h, &r);
	KASSERT_EQ(mm_set_folios(current_mm, 0), 0);
	KASSERT_EQ(err, 0);
	KEXPECT_EQ(r.samples, 8);
	KEXPECT_EQ(r.faults, 8);
	KEXPECT_EQ(r.pages_allocated, 32);
	KEXPECT_EQ(r.folio_allocs, 8);
	KEXPECT_EQ(r.mapped_4k, 32 * per_page);
	KEXPECT_EQ(r.cost_4k_x100, (8 * r.fault_p50 * 100 + 16 * per_page) / (32 * per_page));
	bench_release(&r);
}

/*
 * The fit check on this machine's own free memory and granule: a case
 * whose every touch maps a whole folio (the folio suite's, or folio= with
 * a stride of a folio) counts a folio per touch, not a page, for as many
 * folios as the free memory holds (then base pages, as the fault falls
 * back); a case's own folio counts at least once. Here the touches are one
 * more than the free memory holds folios of the largest size.
 */
KTEST(bench_fit_counts_folios)
{
	unsigned top = FOLIO_MAX_ORDER;
	uint64_t size = PAGE_SIZE << top, ram = env_ram_bytes();
	uint64_t free = (uint64_t)page_free_count() * PAGE_SIZE, held = free / size;
	uint64_t touches = held + 1;
	struct bench_case own = { "seq", KIND_SEQ, 0, ACCESS_WRITE, touches, 1, 0, BIT(top),
				  false, false };
	struct bench_case stride = { "stride", KIND_STRIDE, 1u << top, ACCESS_WRITE, touches,
				     1, 0, 0, false, false };
	struct bench_room m = room(BIT(top), false);
	struct bench_footprint f, at_ram;

	KASSERT_EQ(m.free, free); /* nothing allocated since */
	KASSERT_EQ(bench_case_footprint(&own, &m, &f), 0);
	KEXPECT_EQ(f.data, (held ? held : 1) * size + (held ? PAGE_SIZE : 0));
	KEXPECT_LT(touches * PAGE_SIZE, f.data); /* more than a page per touch */
	m.free = ram; /* as bench_case_fits takes it */
	KASSERT_EQ(bench_case_footprint(&own, &m, &at_ram), 0);
	KEXPECT_EQ(bench_case_fits(&own, ram), at_ram.total <= ram);
	if (!held) /* not one folio of that size fits: the case does not */
		KEXPECT(!bench_case_fits(&own, ram));
	m.free = free;
	KASSERT_EQ(bench_case_footprint(&stride, &m, &f), 0);
	KEXPECT_EQ(f.data, held * size + PAGE_SIZE);
	/* with base pages the same stride maps a page per touch */
	m = room(0, false);
	KASSERT_EQ(bench_case_footprint(&stride, &m, &f), 0);
	KEXPECT_EQ(f.data, touches * PAGE_SIZE);
	KEXPECT_LE(f.total, ram);
}

KTEST(bench_floors_measure)
{
	struct bench_floors f;

	if (!have_pmu()) /* the floors are timed with PMCCNTR_EL0 */
		return;
	KASSERT_EQ(bench_floors(bench_calibrate(), &f), 0);
	KEXPECT_EQ(f.exception.n, FLOOR_SAMPLES);
	KEXPECT_NE(f.zero.p50, 0);
	KEXPECT_LE(f.exception.min, f.exception.p50);
	KEXPECT_NE(bench_floor_sum(&f), 0);
}

/*
 * The stage marks (mm/fault.h) in the kernel's own table: each within the
 * code, ENTRY at the vector, and every other stage marked on the path taken
 * without stamps: DECODE in el1_abort_fast, the portable stages in
 * do_page_fault_nostamp (within a page of its start: it is under 1 KiB) or
 * in the folio and block paths' out-of-line functions, which mm/fault.c
 * places just before it (within 8 KiB), EXIT in both copies of the
 * vector's fast path.
 */
KTEST(bench_stage_marks)
{
	size_t per[NR_STAGES] = { 0 };

	KASSERT(&__stop_fault_marks[0] > &__start_fault_marks[0]);
	for (const struct fault_mark *m = __start_fault_marks; m < __stop_fault_marks; m++) {
		uintptr_t pc = fault_mark_pc(m);

		KASSERT(m->stage < NR_STAGES);
		KEXPECT(pc >= (uintptr_t)__text_start && pc < (uintptr_t)__text_end);
		if (m->stage == STAGE_ENTRY)
			KEXPECT_EQ(pc, (uintptr_t)exception_vectors);
		if (m->stage == STAGE_DECODE)
			KEXPECT_LT(pc - (uintptr_t)el1_abort_fast, 256);
		if (m->stage >= STAGE_LOOKUP && m->stage <= STAGE_MAP)
			KEXPECT_LT(pc + 8192 - (uintptr_t)do_page_fault_nostamp, 8192 + 8192);
		per[m->stage]++;
	}
	KEXPECT_EQ(per[STAGE_ENTRY], 1);
	KEXPECT_EQ(per[STAGE_EXIT], 2);
	for (int s = STAGE_DECODE; s < STAGE_EXIT; s++)
		KEXPECT_GE(per[s], 1);
}

/*
 * The zeroing floor's cold ring (bench/kernel/floors.c) is sized from the
 * caches the core reports: CCSIDR_EL1 decoded in both formats (QEMU's
 * Cortex-A72 L2: 1 MiB, 16 ways, 64-byte lines), the largest cache found
 * through CLIDR_EL1, and a ring at least twice that.
 */
KTEST(floor_zero_ring_from_the_caches)
{
	uint64_t cache = cpu_cache_bytes();

	KEXPECT_EQ(cpu_ccsidr_bytes(0x707fe07aull, false), 1ull << 20);
	/* FEAT_CCIDX: NumSets [55:32] = 1023, Associativity [23:3] = 15, 64 B lines. */
	KEXPECT_EQ(cpu_ccsidr_bytes((1023ull << 32) | (15u << 3) | 2, true), 1ull << 20);
	KEXPECT_EQ(cpu_ccsidr_bytes(0, false), 16u); /* one 16-byte line, one way, one set */
	if (read_sysreg(clidr_el1) & 7)
		KEXPECT_GE(cache, 4096u);
	ktest_note("largest cache %llu KiB, zero ring %zu pages",
		   (unsigned long long)(cache >> 10), bench_zero_ring_pages());
	KEXPECT_GE((uint64_t)bench_zero_ring_pages() * PAGE_SIZE,
		   MIN(2 * (cache ? cache : 2ull << 20), 4096ull * PAGE_SIZE));
	KEXPECT_LE(bench_zero_ring_pages(), 4096u);
}

/*
 * The cold-cache variants evict with twice the largest cache the core
 * reports, not a fixed 4 MiB (QEMU's Cortex-A72 reports a 1 MiB L2: 2 MiB).
 */
KTEST(bench_evict_from_the_caches)
{
	uint64_t cache = cpu_cache_bytes();

	ktest_note("largest cache %llu KiB, eviction buffer %llu KiB",
		   (unsigned long long)(cache >> 10),
		   (unsigned long long)(bench_evict_bytes() >> 10));
	if (!cache) {
		KEXPECT_EQ(bench_evict_bytes(), 4ull << 20);
		return;
	}
	KEXPECT_EQ(bench_evict_bytes(), ALIGN_UP(MIN(2 * cache, 64ull << 20), PAGE_SIZE));
}
