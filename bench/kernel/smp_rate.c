/*
 * suite=smp smp=rate (issue 19): what concurrency does to fault throughput.
 *
 * suite=smp's windows (smp_bench.c) time one core at a time while the
 * others are halted: exact under -icount, but no two faults overlap. Here
 * every core of a case faults at once, will-it-scale style:
 *
 *   page_fault1      (disjoint)     a VMA per core
 *   pft              (partitioned)  one VMA, core i its i-th slice
 *   pft-interleaved  (interleaved)  one VMA, core i's page j at j x cores + i
 *
 * each core writing one word per page (a base-page write fault each), at 1,
 * 2 and 4 cores (those <= the CPUs online). One repetition of a case:
 *
 *   1. CPU 0 maps the VMAs (base pages: folios and THP off);
 *   2. smp_run on every online CPU; after smp_barrier each core of the case
 *      reads CNTVCT_EL0 and PMCCNTR_EL0, writes its pages, reads both
 *      again; the online CPUs outside the case park (smp_park.h: WFI with a
 *      GIC, else WFE) until the last core of the case is done;
 *   3. CPU 0 unmaps, and the run fails if a page is not given back or
 *      mm_check objects.
 *
 * The first repetition is a warm-up (untimed); the next `reps` are summed.
 * Per core: faults (its own per-CPU fault counters), ns (CNTVCT ticks
 * through CNTFRQ_EL0), faults/s, ns per fault and PMCCNTR per fault (the
 * counter is per core: cycles on hardware; under TCG host-time ticks, under
 * -icount the whole machine's instructions); per case and CPU count a row
 * core=all: the faults and the sum of the cores' rates (will-it-scale's
 * total), the span from the first core's start to the last one's end
 * (wall_ns; CNTVCT is one clock for all cores) and the overlap, the cores'
 * summed time over that span (k when they ran side by side, 1 when one
 * after another); vs_one_core is a rate over the same case's one-core rate.
 */
#include <stdarg.h>

#include "arch/aarch64/pmu.h"
#include "arch/aarch64/smp.h"
#include "bench/env.h"
#include "bench/kernel/env_kernel.h"
#include "bench/kernel/smp_bench.h"
#include "bench/kernel/smp_park.h"
#include "bench/kernel/smp_rate.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include <arch/atomic.h>
#include <arch/cpu.h>

enum placement { DISJOINT, PARTITIONED, INTERLEAVED, NR_PLACEMENTS };

static const char *const placement_name[] = {
	[DISJOINT] = "disjoint", [PARTITIONED] = "partitioned", [INTERLEAVED] = "interleaved",
};
/* The Linux program's names for the same shapes (tools/linux/smp.c). */
static const char *const placement_pattern[] = {
	[DISJOINT] = "page_fault1", [PARTITIONED] = "pft", [INTERLEAVED] = "pft-interleaved",
};

static const unsigned cpu_counts[] = { 1, 2, 4 };

#define ROW_ALL NR_CPUS /* a row's core: the case's total */
#define MAX_ROWS (NR_PLACEMENTS * (1 + 2 + 4 + 3))

/* One core's sums over a case's timed repetitions. */
struct acc {
	uint64_t faults, ticks, cycles;
	uint64_t lost, retry, table_lost;
};

struct row {
	enum placement pl;
	unsigned k, core;         /* core ROW_ALL: the total */
	struct acc a;             /* ROW_ALL: the cores' sums */
	uint64_t rate;            /* faults/s (ROW_ALL: the sum of the cores') */
	uint64_t wall_ticks;      /* ROW_ALL: first start to last end, summed */
	uint64_t vs_one_x100;     /* rate (ROW_ALL: per core) / one core's, x100 */
};

/* What every CPU of one repetition reads and writes. */
static struct {
	enum placement pl;
	unsigned k, online;
	uint64_t pages;           /* per core */
	bool pmu;                 /* PMCCNTR_EL0 counts */
	uint8_t *base[NR_CPUS];   /* disjoint: each core's; else base[0] */
	uint64_t finished;        /* cores of the case done */
	uint64_t release;         /* the parked CPUs may leave */
	struct {
		uint64_t t0, t1, c0, c1, faults, lost, retry, table_lost;
	} __attribute__((aligned(64))) cpu[NR_CPUS];
} rs;

static struct row rows[MAX_ROWS];
static size_t nrows;
static struct csv_line line;
static char reason[120];

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

/* cycles: PMCCNTR_EL0 if it counts, else 0. */
static uint64_t cycles(void)
{
	return rs.pmu ? arch_counter() : 0;
}

/* fault_loop: core me writes one word to each of its pages, timed. */
static void fault_loop(unsigned me)
{
	const struct mm_pcpu *pc = &current_mm->pcpu[me];
	uint64_t f0 = env_cpu_faults(me), lost = pc->pcpu_nr_fault_lost;
	uint64_t retry = pc->pcpu_nr_fault_retry, tlost = pc->pcpu_nr_table_lost;
	uint8_t *p;
	uint64_t stride = PAGE_SIZE, t0, c0, t1, c1;

	switch (rs.pl) {
	case PARTITIONED:
		p = rs.base[0] + me * rs.pages * PAGE_SIZE;
		break;
	case INTERLEAVED:
		p = rs.base[0] + me * PAGE_SIZE;
		stride = rs.k * PAGE_SIZE;
		break;
	default:
		p = rs.base[me];
		break;
	}
	t0 = arch_read_cntvct();
	c0 = cycles();
	for (uint64_t j = 0; j < rs.pages; j++, p += stride)
		*(volatile uint64_t *)p = j;
	c1 = cycles();
	t1 = arch_read_cntvct();
	rs.cpu[me].t0 = t0;
	rs.cpu[me].t1 = t1;
	rs.cpu[me].c0 = c0;
	rs.cpu[me].c1 = c1;
	rs.cpu[me].faults = env_cpu_faults(me) - f0;
	rs.cpu[me].lost = pc->pcpu_nr_fault_lost - lost;
	rs.cpu[me].retry = pc->pcpu_nr_fault_retry - retry;
	rs.cpu[me].table_lost = pc->pcpu_nr_table_lost - tlost;
}

/* worker: one CPU's part of a repetition (smp_run's fn on every online CPU). */
static void worker(void *arg)
{
	unsigned me = arch_cpu_id();

	(void)arg;
	smp_park_cpu();
	smp_barrier();
	if (me < rs.k) {
		fault_loop(me);
		if (arch_fetch_add(&rs.finished, 1) == rs.k - 1) {
			arch_store_release(&rs.release, 1);
			for (unsigned c = rs.k; c < rs.online; c++)
				smp_park_wake(c);
		}
	} else {
		smp_park_wait(&rs.release);
	}
	smp_barrier();
}

/* map_case: the case's VMAs into rs.base (raw[] to unmap); 0 or -ENOMEM. */
static int map_case(uint8_t **raw, uint64_t *bytes)
{
	unsigned n = rs.pl == DISJOINT ? rs.k : 1;

	*bytes = (rs.pl == DISJOINT ? 1 : rs.k) * rs.pages * PAGE_SIZE;
	for (unsigned i = 0; i < n; i++) {
		raw[i] = env_map(*bytes, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!raw[i]) {
			while (i--)
				env_unmap(raw[i], *bytes);
			return -ENOMEM;
		}
		rs.base[i] = raw[i];
	}
	return 0;
}

/* run_rep: one repetition of the case in rs: map, smp_run, unmap, check. */
static int run_rep(void)
{
	uint8_t *raw[NR_CPUS] = { 0 };
	uint64_t bytes;
	size_t before = page_free_count();
	unsigned n = rs.pl == DISJOINT ? rs.k : 1;
	int err = map_case(raw, &bytes);

	if (err)
		return fail(err, "smp rate %s at %u cores: cannot map: %s",
			    placement_pattern[rs.pl], rs.k, errno_name(err));
	rs.finished = 0;
	rs.release = 0;
	err = smp_run(rs.online, worker, NULL);
	for (unsigned i = 0; i < n; i++)
		env_unmap(raw[i], bytes);
	if (err)
		return fail(err, "smp rate %s at %u cores: smp_run: %s",
			    placement_pattern[rs.pl], rs.k, errno_name(err));
	if (page_free_count() != before)
		return fail(-EIO, "LEAK in smp rate %s at %u cores: %lld pages not given back",
			    placement_pattern[rs.pl], rs.k,
			    (long long)before - (long long)page_free_count());
	if (mm_check(current_mm))
		return fail(-EIO, "mm inconsistent after smp rate %s at %u cores",
			    placement_pattern[rs.pl], rs.k);
	return 0;
}

/* ticks_ns: CNTVCT ticks at f Hz as ns (no 128-bit product). */
static uint64_t ticks_ns(uint64_t t, uint64_t f)
{
	return f ? t / f * 1000000000ull + t % f * 1000000000ull / f : 0;
}

/* rate_of: faults per second over t ticks at f Hz. */
static uint64_t rate_of(uint64_t faults, uint64_t t, uint64_t f)
{
	return t ? faults * f / t : 0;
}

/* one_core_rate: the one-core rate of placement pl, 0 if it has not run. */
static uint64_t one_core_rate(enum placement pl)
{
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].pl == pl && rows[i].k == 1 && rows[i].core == 0)
			return rows[i].rate;
	return 0;
}

/* run_case: placement pl at k cores, 1 + reps repetitions; its rows kept. */
static int run_case(enum placement pl, unsigned k, unsigned reps, uint64_t f)
{
	struct acc a[NR_CPUS] = { 0 };
	uint64_t wall = 0, need = k * rs.pages * PAGE_SIZE, one, sum = 0;
	struct row *all;

	rs.pl = pl;
	rs.k = k;
	if (need > env_ram_bytes())
		return fail(-ENOMEM, "smp rate %s at %u cores: needs %llu MiB, does not fit in "
			    "%llu MiB (fewer pages=)", placement_pattern[pl], k,
			    (unsigned long long)(need >> 20),
			    (unsigned long long)(env_ram_bytes() >> 20));
	for (unsigned rep = 0; rep <= reps; rep++) {
		uint64_t first = UINT64_MAX, last = 0;
		int err = run_rep();

		if (err)
			return err;
		if (rep == 0)
			continue; /* the warm-up */
		for (unsigned c = 0; c < k; c++) {
			a[c].faults += rs.cpu[c].faults;
			a[c].ticks += rs.cpu[c].t1 - rs.cpu[c].t0;
			a[c].cycles += rs.cpu[c].c1 - rs.cpu[c].c0;
			a[c].lost += rs.cpu[c].lost;
			a[c].retry += rs.cpu[c].retry;
			a[c].table_lost += rs.cpu[c].table_lost;
			first = MIN(first, rs.cpu[c].t0);
			last = MAX(last, rs.cpu[c].t1);
		}
		wall += last - first;
	}
	if (nrows + k + 1 > MAX_ROWS)
		return fail(-EIO, "smp rate: more than %d rows", (int)MAX_ROWS);
	all = &rows[nrows + k];
	*all = (struct row){ .pl = pl, .k = k, .core = ROW_ALL, .wall_ticks = wall };
	for (unsigned c = 0; c < k; c++) {
		struct row *r = &rows[nrows + c];

		*r = (struct row){ .pl = pl, .k = k, .core = c, .a = a[c],
				   .rate = rate_of(a[c].faults, a[c].ticks, f),
				   .wall_ticks = a[c].ticks };
		all->a.faults += a[c].faults;
		all->a.ticks += a[c].ticks;
		all->a.cycles += a[c].cycles;
		all->a.lost += a[c].lost;
		all->a.retry += a[c].retry;
		all->a.table_lost += a[c].table_lost;
		all->rate += r->rate;
	}
	nrows += k; /* the core rows, so that k = 1 finds its own */
	one = one_core_rate(pl);
	for (unsigned c = 0; c < k; c++) {
		struct row *r = &rows[nrows - k + c];

		r->vs_one_x100 = one ? (r->rate * 100 + one / 2) / one : 0;
		sum += r->rate;
	}
	all->vs_one_x100 = one ? (sum * 100 / k + one / 2) / one : 0;
	nrows++;
	info("bench: smp-rate %s cpus=%u: %llu faults/s in all, %llu per core, %llu ns per "
	     "fault, overlap x%llu.%02llu", placement_pattern[pl], k,
	     (unsigned long long)all->rate, (unsigned long long)(all->rate / k),
	     (unsigned long long)(all->a.faults ? ticks_ns(all->a.ticks, f) / all->a.faults : 0),
	     (unsigned long long)(wall ? all->a.ticks * 100 / wall / 100 : 0),
	     (unsigned long long)(wall ? all->a.ticks * 100 / wall % 100 : 0));
	return 0;
}

/* unit_name: what the rates are in: emulated host time, icount time, or real. */
static const char *unit_name(const char *mode)
{
	if (strcmp(mode, "tcg") == 0)
		return "faults/s-emulated-host-time";
	if (strcmp(mode, "icount") == 0)
		return "faults/s-icount-time";
	return "faults/s";
}

/* pmccntr_unit: what a PMCCNTR_EL0 tick is in mode (bench/kernel/main.c's rule). */
static const char *pmccntr_unit(const char *mode)
{
	if (strcmp(mode, "icount") == 0)
		return "instructions";
	return strcmp(mode, "tcg") == 0 ? "host-ticks" : "cycles";
}

/* header: the smp-rate block's column names (docs/contract.md). */
static void header(void)
{
	static const char *const cols[] = {
		"board", "cpu", "mode", "counter", "unit", "pattern", "access", "pages",
		"reps", "cpus", "core", "placement", "peers", "faults", "ns", "faults_per_s",
		"ns_per_fault", "pmccntr", "pmccntr_per_fault", "pmccntr_unit", "wall_ns",
		"overlap", "vs_one_core", "fault_lost", "fault_retry", "table_lost", "cntfrq",
		"granule", "build", "toolchain", "ram_mib",
	};

	csv_reset(&line);
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++)
		csv_str(&line, cols[i]);
}

/* print_rows: the smp-rate block, a row per case x CPU count x core, then all. */
static void print_rows(const struct bench_meta *m, unsigned reps, const char *peers)
{
	uint64_t f = m->cntfrq;

	kprintf("faultline-csv begin %s\n", SMP_RATE_BLOCK);
	header();
	console_write(line.buf, line.len);
	console_write("\n", 1);
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		uint64_t ns = ticks_ns(r->a.ticks, f);

		csv_reset(&line);
		csv_str(&line, m->board);
		csv_str(&line, m->cpu);
		csv_str(&line, m->mode);
		csv_str(&line, "cntvct");
		csv_str(&line, unit_name(m->mode));
		csv_str(&line, placement_pattern[r->pl]);
		csv_str(&line, "write");
		csv_u64(&line, rs.pages);
		csv_u64(&line, reps);
		csv_u64(&line, r->k);
		if (r->core == ROW_ALL)
			csv_str(&line, "all");
		else
			csv_u64(&line, r->core);
		csv_str(&line, placement_name[r->pl]);
		csv_str(&line, r->k == rs.online ? "none" : peers);
		csv_u64(&line, r->a.faults);
		csv_u64(&line, ns);
		csv_u64(&line, r->rate);
		if (r->a.faults)
			csv_fixed2(&line, (ns * 100 + r->a.faults / 2) / r->a.faults);
		else
			csv_empty(&line);
		if (rs.pmu) {
			csv_u64(&line, r->a.cycles);
			if (r->a.faults)
				csv_fixed2(&line, (r->a.cycles * 100 + r->a.faults / 2) / r->a.faults);
			else
				csv_empty(&line);
			csv_str(&line, pmccntr_unit(m->mode));
		} else {
			csv_empty(&line);
			csv_empty(&line);
			csv_empty(&line);
		}
		csv_u64(&line, ticks_ns(r->wall_ticks, f));
		if (r->core == ROW_ALL && r->wall_ticks)
			csv_fixed2(&line, (r->a.ticks * 100 + r->wall_ticks / 2) / r->wall_ticks);
		else
			csv_empty(&line);
		if (r->vs_one_x100)
			csv_fixed2(&line, r->vs_one_x100);
		else
			csv_empty(&line);
		csv_u64(&line, r->a.lost);
		csv_u64(&line, r->a.retry);
		csv_u64(&line, r->a.table_lost);
		csv_u64(&line, f);
		csv_str(&line, m->granule);
		csv_str(&line, m->build);
		csv_str(&line, bench_toolchain);
		csv_u64(&line, m->ram_bytes >> 20);
		if (!line.overflow) {
			console_write(line.buf, line.len);
			console_write("\n", 1);
		}
	}
	kprintf("faultline-csv end %s\n", SMP_RATE_BLOCK);
}

/* wanted: whether pattern= selects placement pl (a pattern or placement name). */
static bool wanted(const struct cmdline *cl, enum placement pl)
{
	return !cl->pattern[0] || strcmp(cl->pattern, placement_pattern[pl]) == 0 ||
	       strcmp(cl->pattern, placement_name[pl]) == 0;
}

int smp_rate_run(const struct cmdline *cl, const struct bench_meta *meta, const char **why)
{
	const char *park_why = NULL, *peers;
	unsigned reps = cl->given & CMDLINE_ITERS ? (unsigned)cl->iters : SMP_RATE_REPS_DEFAULT;
	size_t total = 0, done = 0;
	bool ok = true;

	reason[0] = '\0';
	nrows = 0;
	rs.online = smp_cpus_online();
	rs.pmu = pmu_counts();
	rs.pages = cl->given & CMDLINE_PAGES ? cl->pages : SMP_RATE_BYTES_DEFAULT / PAGE_SIZE;
	if (rs.pages == 0 || rs.pages > SMP_RATE_PAGES_MAX) {
		fail(-EINVAL, "suite=smp smp=rate: pages=%llu: 1 to %u pages per core",
		     (unsigned long long)rs.pages, SMP_RATE_PAGES_MAX);
		*why = reason;
		return -EINVAL;
	}
	if (!meta->cntfrq) {
		fail(-EINVAL, "suite=smp smp=rate: CNTFRQ_EL0 is 0: no time base for faults/s");
		*why = reason;
		return -EINVAL;
	}
	for (size_t i = 0; i < NR_PLACEMENTS; i++)
		for (size_t j = 0; j < ARRAY_SIZE(cpu_counts); j++)
			total += wanted(cl, (enum placement)i) && cpu_counts[j] <= rs.online;
	if (!total) {
		fail(-EINVAL, "pattern=%s matches no case of suite=smp smp=rate (page_fault1, pft, "
		     "pft-interleaved, or a placement)", cl->pattern);
		*why = reason;
		return -EINVAL;
	}
	if (cl->given & CMDLINE_COUNTER)
		info("warning: counter= has no effect on smp=rate: each core reads CNTVCT_EL0 "
		     "and PMCCNTR_EL0 both (ignored)");
	peers = rs.online == 1 ? "none" : smp_park_init(rs.online, &park_why) ? "wfi" : "wfe";
	info("bench: suite=smp smp=rate cases=%zu cpus online=%u peers=%s pages=%llu per core "
	     "reps=%u mode=%s cntfrq=%llu pmccntr=%s", total, rs.online, peers,
	     (unsigned long long)rs.pages, reps, meta->mode, (unsigned long long)meta->cntfrq,
	     rs.pmu ? pmccntr_unit(meta->mode) : "no");
	if (park_why && rs.online > 1)
		info("bench: smp=rate: %s: CPUs outside a case wait in WFE", park_why);
	mm_set_folios(current_mm, 0);
	mm_set_thp(current_mm, false);
	for (size_t i = 0; i < NR_PLACEMENTS; i++) {
		for (size_t j = 0; j < ARRAY_SIZE(cpu_counts); j++) {
			unsigned k = cpu_counts[j];

			if (!wanted(cl, (enum placement)i) || k > rs.online)
				continue;
			info("bench: [%zu/%zu] smp-rate %s cpus=%u pages=%llu reps=%u", ++done, total,
			     placement_pattern[i], k, (unsigned long long)rs.pages, reps);
			if (run_case((enum placement)i, k, reps, meta->cntfrq))
				ok = false;
		}
	}
	smp_park_exit();
	mm_set_folios(current_mm, cl->folio_orders);
	mm_set_thp(current_mm, cl->thp);
	print_rows(meta, reps, peers);
	if (!ok) {
		*why = reason;
		return -EIO;
	}
	return 0;
}
