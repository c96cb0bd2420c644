/*
 * suite=smp (issue 19): what concurrency does to one page fault, per core.
 *
 * Each case (a placement x an access, base pages or one folio size) runs
 * at 1, 2 and 4 cores (those <= the CPUs online), every online CPU taking
 * part in one smp_run:
 *
 *   1. setup (CPU 0): the mappings of the placement:
 *        disjoint     a VMA per core (will-it-scale page_fault1, threads)
 *        partitioned  one VMA, core i the i-th slice (pft)
 *        interleaved  one VMA, touch j of core i at unit j x cores + i, so
 *                     neighbouring pages (or folios) belong to different
 *                     cores and share last-level tables and allocator words
 *        same         one VMA every core touches whole; for writes CPU 0
 *                     first maps the warm-up pages to the zero page, so
 *                     that the cores race to replace one zero-page entry
 *   2. concurrent warm-up: after smp_barrier every core touches its first
 *      `warm` units at once, so the tables and the allocator are state
 *      the cores share (and, for same, they lose races: counted);
 *   3. measurement, one core at a time: core t touches its `pages` units,
 *      each in a window (counter before and after one load or store, as
 *      bench/patterns.c does), while every other online CPU, the ones not
 *      in the case too, is halted in WFI. Under QEMU -icount PMCCNTR_EL0
 *      counts the whole machine, so a window is exact only when no other
 *      vCPU is runnable: a peer announces PARKED, then WFIs; core t starts
 *      when every peer has announced and it has yielded once (YIELD ends
 *      its slice under icount: each peer runs its last instructions up to
 *      its WFI and halts); it passes the turn with an SGI to core t + 1
 *      (arch/aarch64/gic.h), and the last core wakes everyone. No interrupt
 *      handler: WFI completes on a pending interrupt with PSTATE.I masked,
 *      the woken core acknowledges it itself. Without a GIC in the tree
 *      (the Raspberry Pi 3) peers wait in WFE instead, which QEMU runs as a
 *      yield loop that leaks a few instructions into a window each time the
 *      vCPUs switch: the CSV's peers column says wfi or wfe.
 *   4. CPU 0 unmaps everything, checks the free-page count and the mm.
 *
 * A row per case x CPU count x core: the windows' samples, the faults this
 * core took in them, their statistics (over the samples that faulted), and
 * this core's lost races, retries and lost table links over the whole case
 * (warm-up included: that is where the cores race). The churn case
 * (smp_churn.c) runs last; each case's lock and page-cache counts are
 * kept around it and printed after the summary (smp_stats.c).
 */
#include <stdarg.h>

#include "arch/aarch64/smp.h"
#include "bench/kernel/env_kernel.h"
#include "bench/kernel/smp_bench.h"
#include "bench/kernel/smp_shootdown.h"
#include "bench/kernel/smp_park.h"
#include "bench/kernel/smp_rate.h"
#include "bench/kernel/smp_churn.h"
#include "bench/kernel/smp_stats.h"
#include "bench/env.h"
#include "bench/stats.h"
#include "boot/main.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/geometry.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include <arch/atomic.h>

enum placement { DISJOINT, PARTITIONED, INTERLEAVED, SAME };

static const char *const placement_name[] = {
	[DISJOINT] = "disjoint", [PARTITIONED] = "partitioned",
	[INTERLEAVED] = "interleaved", [SAME] = "same",
};
/* The Linux program's names for the same shapes (tools/linux/smp.c). */
static const char *const placement_pattern[] = {
	[DISJOINT] = "page_fault1", [PARTITIONED] = "pft",
	[INTERLEAVED] = "pft-interleaved", [SAME] = "same-page",
};

struct smp_case {
	enum placement pl;
	enum bench_access access;
	unsigned order;         /* 0: base pages; else folios of 2^order pages */
};

#define C(pl, acc) { pl, acc, 0 }
static const struct smp_case cases[] = {
	C(DISJOINT, ACCESS_WRITE), C(DISJOINT, ACCESS_READ), C(DISJOINT, ACCESS_RW),
	C(PARTITIONED, ACCESS_WRITE), C(PARTITIONED, ACCESS_READ), C(PARTITIONED, ACCESS_RW),
	C(INTERLEAVED, ACCESS_WRITE), C(INTERLEAVED, ACCESS_READ), C(INTERLEAVED, ACCESS_RW),
	C(SAME, ACCESS_WRITE), C(SAME, ACCESS_READ), C(SAME, ACCESS_RW),
	/* one folio size: a contiguous range (64 KiB with 4 KiB pages) */
	{ DISJOINT, ACCESS_WRITE, CONT_PTE_BITS },
	{ PARTITIONED, ACCESS_WRITE, CONT_PTE_BITS },
	{ INTERLEAVED, ACCESS_WRITE, CONT_PTE_BITS },
};

static const unsigned cpu_counts[] = { 1, 2, 4 };

/* Rows: every case at every CPU count, a row per core. */
#define SMP_MAX_ROWS (ARRAY_SIZE(cases) * (1 + 2 + 4))
/* Raw rows per core and case: its first faulted windows. */
#define SMP_RAW_MAX 64

#define TURN_DONE (NR_CPUS + 1)

/* One core's result of one case at one CPU count. */
struct core_result {
	uint64_t samples, faults, allocated;
	uint64_t lost, retry, table_lost;
	struct stats lat;
	size_t nraw;
	uint32_t raw_unit[SMP_RAW_MAX];
	uint64_t raw_lat[SMP_RAW_MAX];
};

/* What every CPU of one smp_run reads and writes. */
static struct {
	const struct smp_case *c;
	unsigned k;              /* cores in the case: 0 .. k-1 */
	unsigned online;         /* CPUs in the smp_run (all online) */
	bool wfi;                /* peers park in WFI (a GIC), else WFE */
	uint64_t warm, pages;    /* units per core: warm-up, measured */
	uint64_t step;           /* pages per unit (folio size) */
	uint8_t *base[NR_CPUS];  /* disjoint: each core's; else base[0] */
	uint64_t overhead;
	uint64_t turn;           /* the core measuring, or TURN_DONE */
	struct core_result res[NR_CPUS];
} sh;

static uint64_t lat_buf[NR_CPUS][SMP_PAGES_MAX];

struct saved_row {
	const struct smp_case *c;
	unsigned k, core;
	struct core_result r;
};
static struct saved_row rows[SMP_MAX_ROWS];
static size_t nrows;
static struct csv_line line;
static char reason[120];

/* emit: print one CSV line. */
static void emit(const struct csv_line *l)
{
	console_write(l->buf, l->len);
	console_write("\n", 1);
}

/* unit_of: the unit (folio-sized chunk) index of core i's j-th touch. */
static uint64_t unit_of(unsigned i, uint64_t j)
{
	uint64_t per = sh.warm + sh.pages;

	switch (sh.c->pl) {
	case PARTITIONED:
		return i * per + j;
	case INTERLEAVED:
		return j * sh.k + i;
	default: /* DISJOINT (own base), SAME (every core the same units) */
		return j;
	}
}

/* addr: the address core i's j-th touch lands on. */
static volatile uint64_t *addr(unsigned i, uint64_t j)
{
	uint8_t *b = sh.base[sh.c->pl == DISJOINT ? i : 0];

	return (volatile uint64_t *)(b + unit_of(i, j) * sh.step * PAGE_SIZE);
}

/* touch: access p as acc does, untimed (a read first for read-then-write). */
static void touch(volatile uint64_t *p, enum bench_access acc)
{
	if (acc == ACCESS_READ || acc == ACCESS_RW)
		(void)*p;
	if (acc != ACCESS_READ)
		*p = 1;
}

/* wait_turn: park (smp_park_halt) until the turn is me or done. */
static void wait_turn(unsigned me)
{
	for (;;) {
		uint64_t t = arch_load_acquire(&sh.turn);

		if (t == me || t == TURN_DONE)
			return;
		smp_park_halt();
	}
}

/* measure: core me's windows, into sh.res[me] and lat_buf[me]. */
static void measure(unsigned me)
{
	struct core_result *r = &sh.res[me];
	enum bench_access acc = sh.c->access;
	uint64_t n = 0, alloc0 = env_cpu_pages_allocated(me);

	if (acc == ACCESS_RW)
		for (uint64_t j = sh.warm; j < sh.warm + sh.pages; j++)
			(void)*addr(me, j);
	smp_park_settle(sh.online, 0);
	for (uint64_t j = sh.warm; j < sh.warm + sh.pages; j++) {
		volatile uint64_t *p = addr(me, j);
		uint64_t f, lat = smp_window(me, p, acc, sh.overhead, &f);

		r->samples++;
		if (!f)
			continue;
		r->faults += f;
		if (r->nraw < SMP_RAW_MAX) {
			r->raw_unit[r->nraw] = (uint32_t)unit_of(me, j);
			r->raw_lat[r->nraw++] = lat;
		}
		lat_buf[me][n++] = lat;
	}
	r->allocated = env_cpu_pages_allocated(me) - alloc0;
	stats_compute(lat_buf[me], n, &r->lat);
}

uint64_t smp_window(unsigned me, volatile uint64_t *p, enum bench_access acc,
		    uint64_t overhead, uint64_t *faults)
{
	uint64_t f0 = env_cpu_faults(me), t0, t1;

	(void)bench_timed(p, acc, &t0, &t1);
	*faults = env_cpu_faults(me) - f0;
	return t1 - t0 > overhead ? t1 - t0 - overhead : 0;
}

/* pass_turn: hand the turn to the next core, or end the measurement. */
static void pass_turn(unsigned me)
{
	if (me + 1 < sh.k) {
		arch_store_release(&sh.turn, me + 1);
		smp_park_wake(me + 1);
		return;
	}
	arch_store_release(&sh.turn, TURN_DONE);
	for (unsigned p = 0; p < sh.online; p++)
		if (p != me)
			smp_park_wake(p);
}

/* worker: one CPU's part of a case (smp_run's fn on every online CPU). */
static void worker(void *arg)
{
	unsigned me = arch_cpu_id();
	const struct mm_pcpu *pc = &current_mm->pcpu[me];
	uint64_t lost = pc->pcpu_nr_fault_lost, retry = pc->pcpu_nr_fault_retry;
	uint64_t tlost = pc->pcpu_nr_table_lost;

	(void)arg;
	smp_park_cpu();
	smp_barrier();
	if (me < sh.k)
		for (uint64_t j = 0; j < sh.warm; j++)
			touch(addr(me, j), sh.c->access);
	smp_barrier();
	for (;;) {
		wait_turn(me);
		if (arch_load_acquire(&sh.turn) == TURN_DONE)
			break;
		measure(me);
		pass_turn(me);
	}
	if (me < sh.k) {
		sh.res[me].lost = pc->pcpu_nr_fault_lost - lost;
		sh.res[me].retry = pc->pcpu_nr_fault_retry - retry;
		sh.res[me].table_lost = pc->pcpu_nr_table_lost - tlost;
	}
	smp_barrier();
	smp_park_done();
}

int smp_vfail(char *first, size_t len, int err, const char *fmt, va_list ap)
{
	char buf[160];

	kvsnprintf(buf, sizeof(buf), fmt, ap);
	info("bench: %s", buf);
	if (!first[0])
		ksnprintf(first, len, "%s", buf);
	return err;
}

/* fail: print a failure line, keep the run's first for the done line; err. */
static int fail(int err, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = smp_vfail(reason, sizeof(reason), err, fmt, ap);
	va_end(ap);
	return err;
}

/* region_units: units (folio-sized chunks) one mapping of the case holds. */
static uint64_t region_units(const struct smp_case *c, unsigned k)
{
	uint64_t per = sh.warm + sh.pages;

	return c->pl == DISJOINT || c->pl == SAME ? per : per * k;
}

/* map_case: the case's mappings, each aligned to its unit; 0 or -ENOMEM. */
static int map_case(const struct smp_case *c, unsigned k, uint8_t **raw, uint64_t *bytes)
{
	unsigned n = c->pl == DISJOINT ? k : 1;

	*bytes = (region_units(c, k) + 1) * sh.step * PAGE_SIZE;
	for (unsigned i = 0; i < n; i++) {
		raw[i] = env_map(*bytes, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!raw[i]) {
			while (i--)
				env_unmap(raw[i], *bytes);
			return -ENOMEM;
		}
		sh.base[i] = (uint8_t *)ALIGN_UP((uintptr_t)raw[i], sh.step * PAGE_SIZE);
	}
	return 0;
}

/* case_name: "partitioned write folio", for progress and failure lines. */
static const char *case_name(const struct smp_case *c)
{
	static char buf[64];

	ksnprintf(buf, sizeof(buf), "%s %s%s", placement_name[c->pl],
		  bench_access_name(c->access), c->order ? " folio" : "");
	return buf;
}

/* run_one: case c at k cores: map, smp_run, unmap, check; its rows kept. */
static int run_one(const struct smp_case *c, unsigned k)
{
	uint8_t *raw[NR_CPUS] = { 0 };
	uint64_t bytes;
	size_t before = page_free_count();
	unsigned n = c->pl == DISJOINT ? k : 1;
	int err;

	sh.c = c;
	sh.k = k;
	sh.step = 1ull << c->order;
	sh.turn = 0;
	/* every touch may map a whole unit: the data must fit what the benchmarks may use */
	uint64_t need = (c->pl == SAME ? 1 : k) * (sh.warm + sh.pages) * sh.step * PAGE_SIZE;
	if (need > env_ram_bytes())
		return fail(-ENOMEM, "smp case %s at %u cores: needs %llu MiB, does not fit in "
			    "%llu MiB (fewer pages=)", case_name(c), k,
			    (unsigned long long)(need >> 20),
			    (unsigned long long)(env_ram_bytes() >> 20));
	memset(sh.res, 0, sizeof(sh.res));
	err = mm_set_folios(current_mm, c->order ? BIT(c->order) : 0);
	if (!err)
		err = map_case(c, k, raw, &bytes);
	if (err) {
		mm_set_folios(current_mm, 0);
		return fail(err, "smp case %s at %u cores: cannot map: %s", case_name(c), k,
			    errno_name(err));
	}
	if (c->pl == SAME && c->access == ACCESS_WRITE)
		for (uint64_t j = 0; j < sh.warm; j++)
			(void)*addr(0, j); /* the zero page the cores race to replace */
	err = smp_run(sh.online, worker, NULL);
	for (unsigned i = 0; i < n; i++)
		env_unmap(raw[i], bytes);
	mm_set_folios(current_mm, 0);
	if (err)
		return fail(err, "smp case %s at %u cores: smp_run: %s", case_name(c), k,
			    errno_name(err));
	if (page_free_count() != before)
		return fail(-EIO, "LEAK in smp case %s at %u cores: %lld pages not given back",
			    case_name(c), k, (long long)before - (long long)page_free_count());
	if (mm_check(current_mm))
		return fail(-EIO, "mm inconsistent after smp case %s at %u cores", case_name(c), k);
	for (unsigned i = 0; i < k && nrows < SMP_MAX_ROWS; i++)
		rows[nrows++] = (struct saved_row){ .c = c, .k = k, .core = i, .r = sh.res[i] };
	return 0;
}

/* peers_name: how the other CPUs waited while a core measured: wfi, wfe,
 * or none (one CPU online). */
static const char *peers_name(void)
{
	return sh.online == 1 ? "none" : sh.wfi ? "wfi" : "wfe";
}

/* raw_rows: rows[first..] as raw rows (bench/csv.h's schema, then cpus,
 * core, placement). */
static void raw_rows(const struct bench_meta *m, size_t first)
{
	static struct bench_raw raw[SMP_RAW_MAX];

	for (size_t i = first; i < nrows; i++) {
		const struct saved_row *s = &rows[i];
		struct bench_case bc = { .pattern = placement_pattern[s->c->pl],
					 .access = s->c->access, .pages = sh.pages };
		struct bench_result br = { .raw = raw, .nraw = s->r.nraw };

		for (size_t j = 0; j < s->r.nraw; j++)
			raw[j] = (struct bench_raw){ .page = s->r.raw_unit[j] * (uint32_t)sh.step,
						     .latency = s->r.raw_lat[j] };
		for (size_t j = 0; j < s->r.nraw; j++) {
			bench_raw_row(&line, m, &bc, s->c->order ? BIT(s->c->order) : 0, &br, j);
			csv_u64(&line, s->k);
			csv_u64(&line, s->core);
			csv_str(&line, placement_name[s->c->pl]);
			if (!line.overflow)
				emit(&line);
		}
	}
}

/* smp_header: the SMP columns after the summary's (docs/contract.md). */
static void smp_header(struct csv_line *l)
{
	csv_str(l, "cpus");
	csv_str(l, "core");
	csv_str(l, "placement");
	csv_str(l, "peers");
	csv_str(l, "warmup");
	csv_str(l, "warmup_pages");
	csv_str(l, "fault_lost");
	csv_str(l, "fault_retry");
	csv_str(l, "table_lost");
	csv_str(l, "tlbi");
	csv_str(l, "dsb_ish");
	csv_str(l, "tlb_flush_all");
}

/* shoot_summary: the shootdown rows (smp_shootdown.c), the summary schema
 * with its own columns: per call, the TLBIs, DSB ISHs and whole-TLB flushes. */
static void shoot_summary(const struct bench_meta *m)
{
	size_t n;
	const struct shoot_row *r = smp_shootdown_rows(&n);

	for (size_t i = 0; i < n; i++, r++) {
		struct bench_row row = {
			.pattern = "shootdown",
			.access = r->protect ? "mprotect" : "munmap",
			.pages = r->pages,
			.samples = r->samples,
			.lat = &r->lat,
			.folio = r->block ? BIT(BLOCK_SHIFT - PAGE_SHIFT) : 0,
			.table_pages = ENV_UNKNOWN,
			.iters = 1,
			.thp = r->block,
		};
		struct bench_page_row page = { .counted = false };
		uint64_t calls = r->samples ? r->samples : 1;

		bench_summary_row(&line, m, &row);
		bench_page_row(&line, &page);
		bench_run_row(&line, m, &row);
		csv_u64(&line, r->cpus);
		csv_u64(&line, 0); /* the initiator */
		csv_str(&line, "shootdown");
		csv_str(&line, peers_name());
		csv_str(&line, "call");
		csv_u64(&line, 1);
		csv_u64(&line, 0);
		csv_u64(&line, 0);
		csv_u64(&line, 0);
		csv_u64(&line, r->tlbis / calls);
		csv_u64(&line, r->flushes / calls);
		csv_u64(&line, r->flush_all / calls);
		if (!line.overflow)
			emit(&line);
	}
}

/* summary: the "smp" block, a row per case x CPU count x core. */
static void summary(const struct bench_meta *m)
{
	kprintf("faultline-csv begin %s\n", SMP_SUITE);
	csv_reset(&line);
	bench_summary_header(&line);
	bench_page_header(&line);
	bench_run_header(&line);
	smp_header(&line);
	emit(&line);
	for (size_t i = 0; i < nrows; i++) {
		const struct saved_row *s = &rows[i];
		const struct core_result *r = &s->r;
		unsigned folio = s->c->order ? BIT(s->c->order) : 0;
		struct bench_row row = {
			.pattern = placement_pattern[s->c->pl],
			.access = bench_access_name(s->c->access),
			.pages = sh.pages,
			.samples = r->samples,
			.faults = r->faults,
			.pages_allocated = r->allocated,
			.lat = &r->lat,
			.folio = folio,
			.table_pages = ENV_UNKNOWN,
			.iters = 1,
		};
		uint64_t mapped = r->allocated ? r->allocated * (PAGE_SIZE / BENCH_UNIT_4K)
					       : r->faults * (PAGE_SIZE / BENCH_UNIT_4K);
		struct bench_page_row page = {
			.counted = true,
			.faults = r->faults,
			.mapped_4k = mapped,
			.fault_p50 = r->lat.p50,
			.cost_4k_x100 = mapped ? r->lat.p50 * r->faults * 100 / mapped : 0,
			.folio_allocs = folio && r->allocated > r->faults ? r->faults : 0,
		};

		bench_summary_row(&line, m, &row);
		bench_page_row(&line, &page);
		bench_run_row(&line, m, &row);
		csv_u64(&line, s->k);
		csv_u64(&line, s->core);
		csv_str(&line, placement_name[s->c->pl]);
		csv_str(&line, peers_name());
		csv_str(&line, "concurrent");
		csv_u64(&line, sh.warm);
		csv_u64(&line, r->lost);
		csv_u64(&line, r->retry);
		csv_u64(&line, r->table_lost);
		csv_empty(&line);
		csv_empty(&line);
		csv_empty(&line);
		if (!line.overflow)
			emit(&line);
	}
	smp_churn_summary(m);
	shoot_summary(m);
	kprintf("faultline-csv end %s\n", SMP_SUITE);
}

/*
 * wanted: whether pattern= selects c (NULL: the shootdown cases): a
 * pattern or a placement name, or "guarded", the placements whose scaling
 * make test guards (disjoint, partitioned, interleaved, and the shootdowns).
 */
static bool wanted(const struct cmdline *cl, const struct smp_case *c)
{
	if (!c) /* the shootdown cases: guarded too (one DSB ISH per call) */
		return !cl->pattern[0] || strcmp(cl->pattern, "shootdown") == 0 ||
		       strcmp(cl->pattern, "guarded") == 0;
	if (strcmp(cl->pattern, "guarded") == 0)
		return c->pl != SAME;
	return !cl->pattern[0] || strcmp(cl->pattern, placement_pattern[c->pl]) == 0 ||
	       strcmp(cl->pattern, placement_name[c->pl]) == 0;
}

/* The shootdown cases' progress and failure lines, numbered with the others. */
static size_t *shoot_done, shoot_total;

static void shoot_progress(const char *what, unsigned cpus)
{
	info("bench: [%zu/%zu] smp %s cpus=%u", ++*shoot_done, shoot_total, what, cpus);
}

static void shoot_failed(int err, const char *what, unsigned cpus, const char *why)
{
	fail(err, "smp case %s at %u cores: %s", what, cpus, why);
}

int smp_bench_run(const struct cmdline *cl, struct bench_meta *meta, uint64_t overhead,
		  const char **why)
{
	const char *gic_why = NULL, *churn_why = NULL;
	size_t total = 0, done = 0;
	bool ok = true;

	if (cl->smp_rate) /* every core at once: bench/kernel/smp_rate.c */
		return smp_rate_run(cl, meta, why);
	reason[0] = '\0';
	nrows = 0;
	sh.online = smp_cpus_online();
	sh.overhead = overhead;
	sh.pages = cl->given & CMDLINE_PAGES ? cl->pages : SMP_PAGES_DEFAULT;
	sh.warm = sh.pages / 4 ? sh.pages / 4 : 1;
	if (sh.pages == 0 || sh.pages > SMP_PAGES_MAX) {
		fail(-EINVAL, "suite=smp: pages=%llu: 1 to %u touches per core",
		     (unsigned long long)sh.pages, SMP_PAGES_MAX);
		*why = reason;
		return -EINVAL;
	}
	if (env_counter_kind() == ENV_INST) {
		/* its 64-bit extension (env_kernel.c) is one for all CPUs */
		fail(-EINVAL, "suite=smp: counter=inst is extended to 64 bits across "
		     "one CPU's readings only: use counter=pmccntr or cntvct");
		*why = reason;
		return -EINVAL;
	}
	sh.wfi = sh.online > 1 && smp_park_init(sh.online, &gic_why);
	meta->stages = false; /* windows only: the fault path's stamps stay off */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		for (size_t j = 0; j < ARRAY_SIZE(cpu_counts); j++)
			total += wanted(cl, &cases[i]) && cpu_counts[j] <= sh.online;
	total += wanted(cl, NULL) ? smp_shootdown_cases(sh.online) : 0;
	total += smp_churn_cases(cl->pattern, sh.online);
	shoot_done = &done;
	shoot_total = total;
	smp_stats_reset();
	if (!total) {
		fail(-EINVAL, "pattern=%s matches no case of suite smp (page_fault1, pft, "
		     "pft-interleaved, same-page, shootdown, churn, a placement, or guarded)",
		     cl->pattern);
		*why = reason;
		return -EINVAL;
	}
	info("bench: suite=smp cases=%zu cpus online=%u peers=%s pages=%llu warmup=%llu "
	     "per core mode=%s counter=%s unit=%s overhead=%llu", total, sh.online, peers_name(),
	     (unsigned long long)sh.pages, (unsigned long long)sh.warm, meta->mode,
	     meta->counter, meta->unit, (unsigned long long)overhead);
	if (gic_why && sh.online > 1)
		info("bench: suite=smp: %s: peers wait in WFE, a window is not exact", gic_why);
	mm_set_thp(current_mm, false); /* base pages, or the case's own folio */
	kprintf("faultline-csv begin %s.raw\n", SMP_SUITE);
	csv_reset(&line);
	bench_raw_header(&line);
	csv_str(&line, "cpus");
	csv_str(&line, "core");
	csv_str(&line, "placement");
	emit(&line);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(cpu_counts); j++) {
			unsigned k = cpu_counts[j];
			size_t first = nrows;

			if (!wanted(cl, &cases[i]) || k > sh.online)
				continue;
			info("bench: [%zu/%zu] smp %s cpus=%u pages=%llu", ++done, total,
			     case_name(&cases[i]), k, (unsigned long long)sh.pages);
			smp_stats_begin();
			if (run_one(&cases[i], k)) {
				ok = false;
				continue;
			}
			smp_stats_end(placement_pattern[cases[i].pl], bench_access_name(cases[i].access),
				      cases[i].order, k, placement_name[cases[i].pl]);
			raw_rows(meta, first);
		}
	}
	if (smp_churn_bench(cl->pattern, meta, &(struct smp_churn_run){ sh.online,
			    sh.pages, sh.warm, overhead }, &done, total, &churn_why)) {
		ok = false; /* smp_churn.c printed why; the done line's reason is the first */
		if (!reason[0])
			ksnprintf(reason, sizeof(reason), "%s", churn_why);
	}
	kprintf("faultline-csv end %s.raw\n", SMP_SUITE);
	if (wanted(cl, NULL) &&
	    smp_shootdown_run(sh.online, overhead, shoot_progress, shoot_failed))
		ok = false;
	smp_park_exit(); /* every CPU is back in smp_run's idle loop */
	mm_set_folios(current_mm, cl->folio_orders);
	mm_set_thp(current_mm, cl->thp);
	summary(meta);
	smp_stats_print(meta);
	if (!ok) {
		*why = reason;
		return -EIO;
	}
	return 0;
}
