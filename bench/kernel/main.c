/*
 * The benchmark driver inside faultline (run=bench).
 *
 *   1. choose the counter (PMCCNTR_EL0; CNTVCT_EL0 when the PMU cannot
 *      time or counter=cntvct asks; INST_RETIRED in event counter 0 when
 *      counter=inst asks) and calibrate its read overhead;
 *   2. measure the floors (bench/kernel/floors.c);
 *   3. run every case of the suite, printing each one's raw rows at once
 *      inside the "<suite>.raw" CSV block and a progress line before it;
 *      after each case, check that the free-page count is back where it
 *      was and the mm is consistent, else report the case as leaking;
 *   4. measure find_vma scaling (bench/kernel/vmascale.c);
 *   5. print the "<suite>" summary block: one row per case, with the
 *      pattern's re-touch p50 as baseline and the ratio to the floors,
 *      then the page-size columns (bench/csv.h's bench_page_row; empty
 *      for the floor and find_vma rows), then what was measured
 *      (bench/csv.h's bench_run_row: toolchain, RAM, iters, step, thp).
 */
#include <stdarg.h>

#include "arch/aarch64/cpuid.h"
#include "arch/aarch64/pmu.h"
#include "arch/aarch64/sysreg.h"
#include "bench/args.h"
#include "bench/bench.h"
#include "bench/csv.h"
#include "bench/env.h"
#include "bench/kernel/env_kernel.h"
#include "bench/kernel/floors.h"
#include "bench/kernel/main.h"
#include "bench/kernel/smp_bench.h"
#include "bench/kernel/vmascale.h"
#include "lib/assert.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include "mm/pgtable.h"

#define MAX_ROWS 96
#define NAME_MAX 32

static_assert(BENCH_NR_STAMPS == NR_STAGES, "bench stamps are mm/fault.h's stages");

/*
 * A summary row kept until the end (the raw block is open meanwhile): the
 * case as it ran and its result (bench.h's, raw samples released), or a
 * find_vma or floor row's samples and latency in the same result.
 */
struct saved {
	char pattern[NAME_MAX];
	const char *access;
	uint64_t pages;
	unsigned folio;         /* folio orders the case ran with */
	unsigned iters;         /* measured repetitions (0: floor, find_vma) */
	bool thp;               /* faults may map a block */
	bool counted;           /* a fault case: the page-size columns apply */
	struct bench_result r;
};

static struct saved rows[MAX_ROWS];
static size_t nrows;
static struct bench_meta meta;
static struct csv_line line;
static char cpu_buf[24];

/* The first failure of the run, for the done line. */
static char reason[120];

/* Print a failure line and keep the first one as the run's reason. */
static void failure(const char *fmt, ...) PRINTF_LIKE(1, 2);
static void failure(const char *fmt, ...)
{
	char buf[sizeof(reason)];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	info("%s", buf);
	if (!reason[0]) {
		const char *r = strncmp(buf, "bench: ", 7) == 0 ? buf + 7 : buf;

		memcpy(reason, r, strlen(r) + 1);
	}
}

static void emit(const struct csv_line *l)
{
	console_write(l->buf, l->len);
	console_write("\n", 1);
}

static struct saved *save(const char *pattern, const char *access,
			  uint64_t pages)
{
	if (nrows == MAX_ROWS)
		return NULL;
	struct saved *s = &rows[nrows++];
	*s = (struct saved){ .access = access, .pages = pages, .r.table_pages = ENV_UNKNOWN };
	memcpy(s->pattern, pattern, strnlen(pattern, NAME_MAX - 1));
	return s;
}

static void stamps_arm(void)
{
	for (int i = 0; i < NR_STAGES; i++)
		fault_stamp[i] = 0;
	fault_stamps_on = true;
}

static void stamps_take(uint64_t stamp[BENCH_NR_STAMPS])
{
	fault_stamps_on = false;
	for (int i = 0; i < NR_STAGES; i++)
		stamp[i] = fault_stamp[i];
}

static void tlb_cold(void)
{
	pgt_flush_all();
}

/* The board's mode when the counter cannot tell: qemu-virt exists only
 * emulated. */
static const char *board_mode(void)
{
#ifdef BOARD_QEMU_VIRT
	return "tcg";
#else
	return "hw";
#endif
}

/*
 * The run's mode: measured, not trusted. Where PMCCNTR_EL0 counts,
 * pmu_icount() tells QEMU -icount (exact instruction counts) from a clock;
 * a mode= that contradicts it is refused. mode= not given: icount if
 * measured, else the board's mode (tcg on qemu-virt, hw elsewhere). Without
 * a PMU nothing can be measured: mode= is taken as given, with a note.
 * TCG and hardware cannot be told apart this way; that part stays mode='s.
 */
static int choose_mode(const struct cmdline *cl)
{
	static const char *const names[] = { [MODE_ICOUNT] = "icount", [MODE_TCG] = "tcg",
					     [MODE_HW] = "hw" };
	const char *why = env_pmu_why_not();
	bool given = cl->mode != MODE_DEFAULT, icount;

	if (why) {
		meta.mode = given ? names[cl->mode] : board_mode();
		info("bench: mode=%s is not checked: %s", meta.mode, why);
		return 0;
	}
	icount = pmu_icount();
	if (given && cl->mode == MODE_ICOUNT && !icount) {
		failure("bench: mode=icount, but PMCCNTR_EL0 does not count instructions "
			"(NOP sleds did not differ by exactly their length): not QEMU -icount");
		return -EINVAL;
	}
	if (given && cl->mode != MODE_ICOUNT && icount) {
		failure("bench: mode=%s, but PMCCNTR_EL0 counts instructions exactly "
			"(QEMU -icount): give mode=icount or no mode=", names[cl->mode]);
		return -EINVAL;
	}
	meta.mode = icount ? "icount" : given ? names[cl->mode] : board_mode();
	if (!given)
		info("bench: mode=%s (measured: PMCCNTR_EL0 %s)", meta.mode,
		     icount ? "counts instructions exactly" : "is a clock, not -icount");
	return 0;
}

/*
 * The unit of a PMCCNTR_EL0 count in mode `mode`: one instruction under
 * icount, a core cycle on hardware, and under TCG without icount a tick of
 * QEMU's virtual clock, which follows host time: not a cycle of any core.
 */
static const char *pmccntr_unit(const char *mode)
{
	if (strcmp(mode, "icount") == 0)
		return "instructions";
	return strcmp(mode, "tcg") == 0 ? "host-ticks" : "cycles";
}

/* The counter, mode and unit of this run; -EINVAL if they cannot be had. */
static int choose_counter(const struct cmdline *cl, bool *stages)
{
	const char *why = env_pmu_why_not();
	int err = choose_mode(cl);

	if (err)
		return err;
	if (cl->counter == COUNTER_PMCCNTR && why) {
		failure("bench: counter=pmccntr asked for, but %s", why);
		return -EINVAL;
	}
	if (cl->counter == COUNTER_INST) {
		why = env_inst_why_not();
		if (why) {
			failure("bench: counter=inst asked for, but %s", why);
			return -EINVAL;
		}
		env_use_counter(ENV_INST);
		meta.counter = "inst_retired";
		meta.unit = "instructions";
	} else if (cl->counter == COUNTER_CNTVCT || why) {
		if (cl->counter != COUNTER_CNTVCT)
			info("bench: %s: timing with CNTVCT_EL0", why);
		env_use_counter(ENV_CNTVCT);
		meta.counter = "cntvct";
		meta.unit = "ticks";
	} else {
		env_use_counter(ENV_PMCCNTR);
		meta.counter = "pmccntr";
		meta.unit = pmccntr_unit(meta.mode);
	}
	*stages = cl->stages;
	if (*stages && env_counter_kind() != ENV_PMCCNTR) {
		failure("bench: stages=on needs PMCCNTR_EL0 (the fault path stamps "
		     "with it), but this run times with counter=%s", meta.counter);
		return -EINVAL;
	}
	return 0;
}

static void fill_meta(bool stages)
{
	uint64_t midr = read_sysreg(midr_el1);
	const char *cpu = cpu_name(midr);

	if (!cpu) {
		ksnprintf(cpu_buf, sizeof(cpu_buf), "midr-%08llx",
			  (unsigned long long)midr);
		cpu = cpu_buf;
	}
	meta.board = FAULTLINE_BOARD;
	meta.cpu = cpu;
	meta.el = sysreg_field(read_sysreg(CurrentEL), CurrentEL_EL_SHIFT, 2);
	meta.cntfrq = read_sysreg(cntfrq_el0);
	meta.stages = stages;
	meta.build = FAULTLINE_BUILD_ID;
	meta.granule = PAGE_SHIFT == 12 ? "4k" : PAGE_SHIFT == 14 ? "16k" : "64k";
	meta.ram_bytes = (uint64_t)page_total_count() * PAGE_SIZE;
}

/* The case as this run wants it (pages=, iters= override the suite). */
static void tune(const struct cmdline *cl, const struct bench_case *in,
		 struct bench_case *out)
{
	*out = *in;
	if (cl->given & CMDLINE_PAGES)
		out->pages = cl->pages;
	if (cl->given & CMDLINE_ITERS)
		out->reps = (unsigned)cl->iters;
	out->step_4k = cl->step_4k;
}

static bool wanted(const struct cmdline *cl, const char *pattern)
{
	if (!cl->pattern[0])
		return true;
	if (strcmp(cl->pattern, "find_vma") == 0)
		return strncmp(pattern, "find_vma", 8) == 0;
	return strcmp(cl->pattern, pattern) == 0;
}

/* Whether the page count and the mm are as before; reports a leak. */
static bool leak_check(const char *what, const char *access, uint64_t pages,
		       size_t before)
{
	size_t after = page_free_count();
	bool ok = true;

	if (after != before) {
		failure("bench: LEAK in case %s %s pages=%llu: %lld pages not "
		     "given back", what, access, (unsigned long long)pages,
		     (long long)before - (long long)after);
		ok = false;
	}
	if (mm_check(current_mm)) {
		failure("bench: mm inconsistent after case %s %s pages=%llu",
		     what, access, (unsigned long long)pages);
		ok = false;
	}
	return ok;
}

/*
 * What the mm may map while c runs (its own folio and thp, else the command
 * line's), and the free memory that bounds how many folios or blocks it
 * gets.
 */
static struct bench_room room_for(const struct cmdline *cl, const struct bench_case *c)
{
	return (struct bench_room){
		.folio_orders = c->folio ? c->folio & ~BENCH_FOLIO_NONE : cl->folio_orders,
		.thp = c->thp || cl->thp,
		.free = (uint64_t)page_free_count() * PAGE_SIZE,
	};
}

/* How a case ended: measured, skipped (a suite size the RAM cannot hold),
 * or failed (the line before says why). */
enum outcome { RAN, SKIPPED, FAILED };

/*
 * Run one case, print its raw rows, keep its summary. A case whose sizes
 * overflow is a failure; one that does not fit the RAM (its footprint with
 * the folios and blocks it may map, bench_case_footprint, against what the
 * benchmarks may use, env_ram_bytes) is a failure when pages= sized it
 * (the user asked for it) and skipped when the suite did, its need in
 * *need (the default suite reaches 1 GiB; smaller machines run the rest:
 * run_suite fails the run when no case of the same pattern and access ran).
 */
static enum outcome run_case(const struct cmdline *cl, const struct bench_case *c,
			     const struct bench_hooks *h, uint64_t *need_out)
{
	const char *acc = bench_access_name(c->access);
	struct bench_result r;
	size_t before = page_free_count();
	struct bench_room room = room_for(cl, c);
	struct bench_footprint fp;
	uint64_t ram = env_ram_bytes();
	int err = bench_case_footprint(c, &room, &fp);
	uint64_t need = err ? 0 : fp.total;

	if (err == -ERANGE) {
		failure("bench: case %s %s pages=%llu: too large (sizes overflow, or "
		     "span > %llu pages)", c->pattern, acc,
		     (unsigned long long)c->pages, (unsigned long long)BENCH_SPAN_MAX);
		return FAILED;
	}
	if (!err && need > ram) {
		bool asked = cl->given & CMDLINE_PAGES;

		(asked ? failure : info)("bench: %s %s %s pages=%llu: needs %llu MiB, does "
					 "not fit in %llu MiB",
		     asked ? "case" : "skipping", c->pattern, acc, (unsigned long long)c->pages,
		     (unsigned long long)((need + (1u << 20) - 1) >> 20),
		     (unsigned long long)(ram >> 20));
		*need_out = need;
		return asked ? FAILED : SKIPPED;
	}
	unsigned folio = c->folio ? c->folio & ~BENCH_FOLIO_NONE : cl->folio_orders;
	if (!err)
		err = mm_set_folios(current_mm, folio);
	mm_set_thp(current_mm, c->thp || cl->thp);
	if (!err)
		err = bench_run_case(c, h, &r);
	mm_set_folios(current_mm, cl->folio_orders);
	mm_set_thp(current_mm, cl->thp);
	if (err) {
		failure("bench: case %s %s pages=%llu failed: %s", c->pattern, acc,
		     (unsigned long long)c->pages, errno_name(err));
		mm_drop_huge_zero(current_mm);
		leak_check(c->pattern, acc, c->pages, before);
		return FAILED;
	}
	/* the CSV's folio: the block when blocks may be mapped */
	unsigned csv_folio = c->thp || cl->thp ? BIT(BLOCK_ORDER) : folio;
	for (size_t i = 0; i < r.nraw; i++) {
		bench_raw_row(&line, &meta, c, csv_folio, &r, i);
		emit(&line);
	}
	struct saved *s = save(c->pattern, acc, c->pages);
	if (s) {
		s->r = r;
		s->r.raw = NULL; /* released below */
		s->r.nraw = 0;
		s->folio = csv_folio;
		s->iters = c->reps;
		s->thp = c->thp || cl->thp;
		s->counted = true;
	}
	bench_release(&r);
	mm_drop_huge_zero(current_mm); /* the case's areas are gone: nothing maps it */
	return leak_check(c->pattern, acc, c->pages, before) ? RAN : FAILED;
}

static void vma_row(const struct vma_row *v, void *ctx)
{
	struct saved *s = save(v->pattern, "lookup", v->nvma);

	(void)ctx;
	if (s) {
		s->r.samples = v->samples;
		s->r.lat = v->lat;
	}
}

static void floor_row(const char *name, const struct stats *st)
{
	struct saved *s = save(name, "floor", 1);

	if (s) {
		s->r.samples = st->n;
		s->r.lat = *st;
	}
}

/* The retouch p50 of the same pattern and size, or 0. */
static uint64_t baseline(const struct saved *s)
{
	for (size_t i = 0; i < nrows; i++)
		if (strcmp(rows[i].access, "retouch") == 0 &&
		    strcmp(rows[i].pattern, s->pattern) == 0 &&
		    rows[i].pages == s->pages && rows[i].folio == s->folio)
			return rows[i].r.lat.p50;
	return 0;
}

static void print_summary(const char *suite, uint64_t floor_sum)
{
	kprintf("faultline-csv begin %s\n", suite);
	bench_summary_header(&line);
	bench_page_header(&line);
	bench_run_header(&line);
	emit(&line);
	for (size_t i = 0; i < nrows; i++) {
		const struct saved *s = &rows[i];
		const struct bench_result *r = &s->r;
		struct bench_row row = {
			.pattern = s->pattern,
			.access = s->access,
			.pages = s->pages,
			.samples = r->samples,
			.faults = r->faults,
			.pages_allocated = r->pages_allocated,
			.lat = &r->lat,
			.stage_p50 = r->staged ? r->stage_p50 : NULL,
			.staged_p50 = r->staged_p50,
			.baseline_p50 = r->faults ? baseline(s) : 0,
			.floor_sum = r->faults ? floor_sum : 0,
			.unstable = r->unstable,
			.folio = s->folio,
			.table_pages = r->table_pages,
			.iters = s->iters,
			.thp = s->thp,
		};
		struct bench_page_row page = {
			.counted = s->counted,
			.faults = r->fault_samples ? r->faults : 0,
			.mapped_4k = r->mapped_4k,
			.fault_p50 = r->fault_p50,
			.cost_4k_x100 = r->cost_4k_x100,
			.folio_allocs = r->folio_allocs,
			.thp_fault_alloc = r->block_allocs,
		};

		bench_summary_row(&line, &meta, &row);
		bench_page_row(&line, &page);
		bench_run_row(&line, &meta, &row);
		emit(&line);
	}
	kprintf("faultline-csv end %s\n", suite);
}

/*
 * A suite may skip a case the RAM cannot hold only when a case of the same
 * pattern and access ran (a smaller size of the same sweep: the default
 * suite's seq writes reach 1 GiB). Otherwise the run fails, with the first
 * such case as the reason. True when every skip is covered.
 */
static bool skips_covered(const struct cmdline *cl, const struct bench_case *cases, size_t n,
			  const enum outcome *outcome, const uint64_t *need)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		if (!wanted(cl, cases[i].pattern) || outcome[i] != SKIPPED)
			continue;
		while (j < n && !(wanted(cl, cases[j].pattern) && outcome[j] == RAN &&
				  cases[j].access == cases[i].access &&
				  strcmp(cases[j].pattern, cases[i].pattern) == 0))
			j++;
		if (j < n)
			continue;
		failure("bench: case %s %s pages=%llu: needs %llu MiB, does not fit in %llu "
			"MiB; no %s %s case fits", cases[i].pattern,
			bench_access_name(cases[i].access), (unsigned long long)cases[i].pages,
			(unsigned long long)((need[i] + (1u << 20) - 1) >> 20),
			(unsigned long long)(env_ram_bytes() >> 20), cases[i].pattern,
			bench_access_name(cases[i].access));
		return false;
	}
	return true;
}

/* One line naming the patterns of a suite, each once, in the suite's order. */
static void list_patterns(const char *suite, const struct bench_case *cases, size_t n)
{
	char buf[320];
	int len = ksnprintf(buf, sizeof(buf), "bench: patterns of suite %s:", suite);

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < i && strcmp(cases[j].pattern, cases[i].pattern) != 0)
			j++;
		if (j == i && len < (int)sizeof(buf))
			len += ksnprintf(buf + len, sizeof(buf) - (size_t)len, " %s",
					 cases[i].pattern);
	}
	if (len < (int)sizeof(buf))
		ksnprintf(buf + len, sizeof(buf) - (size_t)len, " find_vma");
	info("%s", buf);
}

/*
 * Keys given that no selected case depends on (bench_case_uses, find_vma
 * for vmas= and seed=): each gets a warning line, as keys that do not
 * apply to run=tests do, and the run goes on.
 */
static void warn_unused(const struct cmdline *cl, const struct bench_case *cases, size_t n)
{
	static const struct {
		unsigned key, uses;
		const char *name, *why;
	} keys[] = {
		{ CMDLINE_PAGES, BENCH_USES_PAGES, "pages", "only find_vma runs" },
		{ CMDLINE_ITERS, BENCH_USES_PAGES, "iters", "only find_vma runs" },
		{ CMDLINE_SEED, BENCH_USES_SEED, "seed",
		  "no random, sparse or find_vma case" },
		{ CMDLINE_STEP, BENCH_USES_STEP, "step",
		  "no seq, reverse, random, stride or sparse case" },
		{ CMDLINE_STAGES, BENCH_USES_STAGES, "stages",
		  "no case times a fault (retouch and find_vma only)" },
		{ CMDLINE_FOLIO, BENCH_USES_FOLIO, "folio",
		  "no case can map one (cases with their own folio, reads, churn, "
		  "regions smaller than the folio)" },
		{ CMDLINE_THP, BENCH_USES_THP, "thp",
		  "no case can map a block (cases with their own thp, churn, "
		  "regions smaller than a block)" },
	};
	bool find_vma = wanted(cl, "find_vma");
	unsigned uses = find_vma ? BENCH_USES_SEED : 0;

	for (size_t i = 0; i < n; i++) {
		struct bench_case c;

		if (!wanted(cl, cases[i].pattern))
			continue;
		tune(cl, &cases[i], &c);
		uses |= bench_case_uses(&c, cl->folio_orders);
	}
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
		if ((cl->given & keys[k].key) && !(uses & keys[k].uses))
			info("warning: %s= has no effect on suite=%s%s%s: %s (ignored)",
			     keys[k].name, cl->suite, cl->pattern[0] ? " pattern=" : "",
			     cl->pattern, keys[k].why);
	if ((cl->given & CMDLINE_VMAS) && !find_vma)
		info("warning: vmas= has no effect on suite=%s pattern=%s: no find_vma "
		     "case (ignored)", cl->suite, cl->pattern);
}

static int run_suite(const struct cmdline *cl)
{
	const struct bench_case *cases;
	size_t ncases = bench_suite(cl->suite, &cases);
	struct bench_hooks h = { .seed = cl->seed, .tlb_cold = tlb_cold };
	struct bench_floors floors;
	bool stages, ok = true;
	static enum outcome outcome[MAX_ROWS];
	static uint64_t need[MAX_ROWS];
	int err;

	bool smp = strcmp(cl->suite, SMP_SUITE) == 0;

	if (!ncases && !smp) {
		failure("bench: unknown suite '%s' (suites: %s, %s)", cl->suite,
			bench_suite_names(), SMP_SUITE);
		return -EINVAL;
	}
	static_assert(MAX_ROWS >= 35, "an outcome per case of the largest suite");
	if (ncases > MAX_ROWS) {
		failure("bench: suite %s has %zu cases, more than %d", cl->suite, ncases, MAX_ROWS);
		return -EINVAL;
	}
	if ((cl->given & CMDLINE_ITERS) && cl->iters > BENCH_REPS_MAX) {
		failure("bench: iters=%llu: at most %d repetitions per case",
		     (unsigned long long)cl->iters, BENCH_REPS_MAX);
		return -EINVAL;
	}
	err = choose_counter(cl, &stages);
	if (err)
		return err;
	fill_meta(stages);
	meta.step_4k = cl->step_4k;
	if (smp) { /* bench/kernel/smp_bench.c: cases, rows and blocks of its own */
		const char *why = NULL;

		err = smp_bench_run(cl, &meta, bench_calibrate(), &why);
		if (err && why && !reason[0])
			memcpy(reason, why, strnlen(why, sizeof(reason) - 1));
		return err;
	}
	if (stages) {
		h.stamps_arm = stamps_arm;
		h.stamps_take = stamps_take;
	}
	const uint64_t *vc;
	size_t nvc = bench_suite_vma_counts(cl->suite, &vc);
	uint64_t one_count[1] = { cl->vmas };
	if (cl->given & CMDLINE_VMAS) {
		if (cl->vmas > VMASCALE_MAX) {
			failure("bench: vmas=%llu: at most %llu VMAs fit the address space",
			     (unsigned long long)cl->vmas, (unsigned long long)VMASCALE_MAX);
			return -EINVAL;
		}
		vc = one_count;
		nvc = 1;
	}

	size_t total = 1 + (wanted(cl, "find_vma") ? 1 : 0), done = 0;
	for (size_t i = 0; i < ncases; i++)
		total += wanted(cl, cases[i].pattern);

	if (total == 1) {
		failure("bench: pattern=%s matches no case of suite %s", cl->pattern,
		     cl->suite);
		list_patterns(cl->suite, cases, ncases);
		return -EINVAL;
	}
	warn_unused(cl, cases, ncases);

	h.overhead = bench_calibrate();
	info("bench: suite=%s cases=%zu board=%s cpu=%s mode=%s counter=%s "
	     "unit=%s stages=%s seed=%llu overhead=%llu", cl->suite, total,
	     meta.board, meta.cpu, meta.mode, meta.counter, meta.unit,
	     stages ? "on" : "off", (unsigned long long)cl->seed,
	     (unsigned long long)h.overhead);

	info("bench: [%zu/%zu] floors", ++done, total);
	size_t before = page_free_count();
	err = bench_floors(h.overhead, &floors);
	if (err) {
		failure("bench: floors failed: %s", errno_name(err));
		return -EIO;
	}
	ok &= leak_check("floors", "floor", 1, before);
	struct stats ovh = { .n = 1, .min = h.overhead, .p50 = h.overhead,
			     .p90 = h.overhead, .p99 = h.overhead,
			     .p999 = h.overhead, .max = h.overhead,
			     .mean = h.overhead };
	floor_row("counter-read", &ovh);
	floor_row("floor-exception", &floors.exception);
	floor_row("floor-zero", &floors.zero);
	floor_row("floor-pte", &floors.pte);

	kprintf("faultline-csv begin %s.raw\n", cl->suite);
	bench_raw_header(&line);
	emit(&line);
	for (size_t i = 0; i < ncases; i++) {
		struct bench_case c;

		if (!wanted(cl, cases[i].pattern))
			continue;
		tune(cl, &cases[i], &c);
		info("bench: [%zu/%zu] %s %s pages=%llu", ++done, total,
		     c.pattern, bench_access_name(c.access),
		     (unsigned long long)c.pages);
		outcome[i] = run_case(cl, &c, &h, &need[i]);
		ok &= outcome[i] != FAILED;
	}
	kprintf("faultline-csv end %s.raw\n", cl->suite);
	ok &= skips_covered(cl, cases, ncases, outcome, need);
	if (wanted(cl, "find_vma")) {
		info("bench: [%zu/%zu] find_vma with up to %llu VMAs", ++done,
		     total, (unsigned long long)vc[nvc - 1]);
		before = page_free_count();
		err = bench_vmascale(vc, nvc, h.overhead, cl->seed, vma_row, NULL);
		if (err) {
			failure("bench: find_vma scaling with up to %llu VMAs failed: %s",
			     (unsigned long long)vc[nvc - 1], errno_name(err));
			ok = false;
		}
		ok &= leak_check("find_vma", "lookup", vc[nvc - 1], before);
	}
	if (nrows == MAX_ROWS) {
		failure("bench: more than %d rows: the summary is cut short", MAX_ROWS);
		ok = false;
	}
	print_summary(cl->suite, bench_floor_sum(&floors));
	if (!ok) {
		return -EIO;
	}
	return 0;
}

int bench_main(const struct cmdline *cl, const char **why)
{
	int err;

	reason[0] = '\0';
	err = run_suite(cl);
	if (err)
		*why = reason[0] ? reason : errno_name(err);
	return err;
}
