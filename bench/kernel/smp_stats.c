/*
 * suite=smp's statistics blocks (see smp_stats.h). Every counter read here
 * is per CPU and summed on read (lib/lockstat.h, page_alloc_cache_stats,
 * the mm's per-CPU fault counters), taken on CPU 0 between smp_runs, when
 * no other CPU is inside the allocator, a lock or a fault: a case's counts
 * are exact differences of two such readings.
 */
#include "arch/aarch64/smp.h"
#include "arch/aarch64/sysreg.h"
#include "bench/kernel/smp_stats.h"
#include "lib/console.h"
#include "lib/lockstat.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/geometry.h"
#include "mm/mm.h"
#include "mm/mm_lock.h"
#include "mm/page_alloc.h"

enum { LOCK_MM_WRITER, LOCK_CONSOLE, LOCK_PAGE_RUN, NR_LOCKS };

static const char *const lock_name[NR_LOCKS] = {
	[LOCK_MM_WRITER] = "mm-writer", [LOCK_CONSOLE] = "console",
	[LOCK_PAGE_RUN] = "page-run",
};

/* One CPU's counters at one reading. */
struct cpu_reading {
	struct page_cache_stats cache;
	uint64_t faults, fault_pages, fault_lost;
};

/* Every counter at one reading. */
struct reading {
	struct lockstat_sum lock[NR_LOCKS];
	struct cpu_reading cpu[NR_CPUS];
};

/* One case's counts: the difference of its two readings. */
struct case_stats {
	const char *pattern, *access, *placement;
	unsigned order, cpus;
	struct reading d;
};

/* More than suite=smp's cases x CPU counts (smp_bench.c, smp_churn.c). */
#define MAX_CASES 64

static struct case_stats kept[MAX_CASES];
static size_t nkept;
static struct reading before;
static struct csv_line line;

/* read_all: every counter now into *r. */
static void read_all(struct reading *r)
{
	lockstat_read(&mm_writer_lockstat, &r->lock[LOCK_MM_WRITER]);
	lockstat_read(&console_lockstat, &r->lock[LOCK_CONSOLE]);
	page_alloc_run_lockstat(&r->lock[LOCK_PAGE_RUN]);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		const struct mm_pcpu *p = &current_mm->pcpu[cpu];
		struct cpu_reading *c = &r->cpu[cpu];

		page_alloc_cache_stats(cpu, &c->cache);
		c->faults = p->pcpu_nr_fault_zero + p->pcpu_nr_fault_anon +
			    p->pcpu_nr_fault_folio + p->pcpu_nr_fault_cow + p->pcpu_nr_fault_wp +
			    p->pcpu_nr_fault_af + p->pcpu_nr_fault_spurious +
			    p->pcpu_nr_fault_segv + p->pcpu_nr_fault_oom + p->pcpu_nr_fault_thp +
			    p->pcpu_nr_fault_thp_zero + p->pcpu_nr_fault_lost;
		c->fault_pages = p->pcpu_nr_fault_anon + p->pcpu_nr_fault_cow;
		c->fault_lost = p->pcpu_nr_fault_lost;
	}
}

/* lock_diff: a = b - a, field by field. */
static void lock_diff(struct lockstat_sum *a, const struct lockstat_sum *b)
{
	a->acquired = b->acquired - a->acquired;
	a->contended = b->contended - a->contended;
	a->wait = b->wait - a->wait;
	a->hold = b->hold - a->hold;
	a->timed = b->timed;
}

/* cache_diff: a = b - a, field by field (held: b's, a count not a total). */
static void cache_diff(struct page_cache_stats *a, const struct page_cache_stats *b)
{
	a->hits = b->hits - a->hits;
	a->refills = b->refills - a->refills;
	a->refill_pages = b->refill_pages - a->refill_pages;
	a->spills = b->spills - a->spills;
	a->spill_pages = b->spill_pages - a->spill_pages;
	a->frees = b->frees - a->frees;
	a->held = b->held;
}

void smp_stats_reset(void)
{
	nkept = 0;
}

void smp_stats_begin(void)
{
	read_all(&before);
}

void smp_stats_end(const char *pattern, const char *access, unsigned order, unsigned cpus,
		   const char *placement)
{
	struct case_stats *k;
	struct reading now;

	if (nkept == MAX_CASES)
		return;
	read_all(&now);
	k = &kept[nkept++];
	*k = (struct case_stats){ .pattern = pattern, .access = access, .placement = placement,
				  .order = order, .cpus = cpus, .d = before };
	for (int l = 0; l < NR_LOCKS; l++)
		lock_diff(&k->d.lock[l], &now.lock[l]);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++) {
		struct cpu_reading *c = &k->d.cpu[cpu];

		cache_diff(&c->cache, &now.cpu[cpu].cache);
		c->faults = now.cpu[cpu].faults - c->faults;
		c->fault_pages = now.cpu[cpu].fault_pages - c->fault_pages;
		c->fault_lost = now.cpu[cpu].fault_lost - c->fault_lost;
	}
}

/* emit: print one CSV line. */
static void emit(void)
{
	if (line.overflow)
		return;
	console_write(line.buf, line.len);
	console_write("\n", 1);
}

/* case_columns: the columns that name a case (after board, cpu, mode). */
static void case_columns(const struct case_stats *k)
{
	csv_str(&line, k->pattern);
	csv_str(&line, k->access);
	csv_size(&line, k->order ? PAGE_SHIFT + k->order : 0);
	csv_u64(&line, k->cpus);
	csv_str(&line, k->placement);
}

/*
 * per_tick: under icount (QEMU -icount shift=0: one nanosecond per
 * instruction) the instructions the whole machine retires per CNTVCT_EL0
 * tick, 10^9 / CNTFRQ_EL0 (16 at 62.5 MHz); 0 in other modes.
 */
static uint64_t per_tick(const struct bench_meta *m)
{
	if (strcmp(m->mode, "icount") != 0 || !m->cntfrq || 1000000000ull % m->cntfrq)
		return 0;
	return 1000000000ull / m->cntfrq;
}

/* csv_u64_or_empty: v, or an empty field when v is 0. */
static void csv_u64_or_empty(uint64_t v)
{
	if (v)
		csv_u64(&line, v);
	else
		csv_empty(&line);
}

/* locks: the "smp-locks" block, a row per case x lock. */
static void locks(const struct bench_meta *m)
{
	static const char *const head[] = {
		"board", "cpu", "mode", "counter", "unit", "pattern", "access", "folio",
		"cpus", "placement", "lock", "timed", "acquisitions", "contended", "wait",
		"hold", "instructions_per_tick", "build",
	};

	kprintf("faultline-csv begin smp-locks\n");
	csv_reset(&line);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		csv_str(&line, head[i]);
	emit();
	for (size_t i = 0; i < nkept; i++) {
		for (int l = 0; l < NR_LOCKS; l++) {
			const struct lockstat_sum *s = &kept[i].d.lock[l];

			csv_reset(&line);
			csv_str(&line, m->board);
			csv_str(&line, m->cpu);
			csv_str(&line, m->mode);
			csv_str(&line, "cntvct");
			csv_str(&line, "ticks");
			case_columns(&kept[i]);
			csv_str(&line, lock_name[l]);
			csv_str(&line, s->timed ? "all" : "contended");
			csv_u64(&line, s->acquired);
			csv_u64(&line, s->contended);
			csv_u64(&line, s->wait);
			if (s->timed)
				csv_u64(&line, s->hold);
			else
				csv_empty(&line);
			csv_u64_or_empty(per_tick(m));
			csv_str(&line, m->build);
			emit();
		}
	}
	kprintf("faultline-csv end smp-locks\n");
}

/* alloc: the "smp-alloc" block, a row per case x CPU of the case. */
static void alloc(const struct bench_meta *m)
{
	static const char *const head[] = {
		"board", "cpu", "mode", "pattern", "access", "folio", "cpus", "placement",
		"core", "hits", "refills", "refill_pages", "spills", "spill_pages", "frees",
		"faults", "fault_pages", "fault_lost", "build",
	};

	kprintf("faultline-csv begin smp-alloc\n");
	csv_reset(&line);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		csv_str(&line, head[i]);
	emit();
	for (size_t i = 0; i < nkept; i++) {
		for (unsigned cpu = 0; cpu < kept[i].cpus && cpu < NR_CPUS; cpu++) {
			const struct cpu_reading *c = &kept[i].d.cpu[cpu];

			csv_reset(&line);
			csv_str(&line, m->board);
			csv_str(&line, m->cpu);
			csv_str(&line, m->mode);
			case_columns(&kept[i]);
			csv_u64(&line, cpu);
			csv_u64(&line, c->cache.hits);
			csv_u64(&line, c->cache.refills);
			csv_u64(&line, c->cache.refill_pages);
			csv_u64(&line, c->cache.spills);
			csv_u64(&line, c->cache.spill_pages);
			csv_u64(&line, c->cache.frees);
			csv_u64(&line, c->faults);
			csv_u64(&line, c->fault_pages);
			csv_u64(&line, c->fault_lost);
			csv_str(&line, m->build);
			emit();
		}
	}
	kprintf("faultline-csv end smp-alloc\n");
}

/*
 * bringup: the "smp-bringup" block, a row per secondary CPU online, in
 * CNTVCT_EL0 ticks and, under icount, in the instructions the whole
 * machine retired meanwhile (per_tick; empty in other modes).
 */
static void bringup(const struct bench_meta *m)
{
	static const char *const head[] = {
		"board", "cpu", "mode", "method", "core", "mpidr", "counter", "unit", "cntfrq",
		"release_to_entry", "release_to_online", "instructions_per_tick",
		"release_to_entry_instructions", "release_to_online_instructions", "build",
	};
	uint64_t k = per_tick(m);
	char mpidr[24];

	kprintf("faultline-csv begin smp-bringup\n");
	csv_reset(&line);
	for (size_t i = 0; i < ARRAY_SIZE(head); i++)
		csv_str(&line, head[i]);
	emit();
	for (unsigned cpu = 1; cpu < smp_cpus_online(); cpu++) {
		struct smp_bringup b;

		if (smp_bringup_of(cpu, &b))
			continue;
		ksnprintf(mpidr, sizeof(mpidr), "0x%llx", (unsigned long long)b.mpidr);
		csv_reset(&line);
		csv_str(&line, m->board);
		csv_str(&line, m->cpu);
		csv_str(&line, m->mode);
		csv_str(&line, smp_method_name());
		csv_u64(&line, cpu);
		csv_str(&line, mpidr);
		csv_str(&line, "cntvct");
		csv_str(&line, "ticks");
		csv_u64(&line, m->cntfrq);
		csv_u64(&line, b.to_entry);
		csv_u64(&line, b.to_online);
		if (k) {
			csv_u64(&line, k);
			csv_u64(&line, b.to_entry * k);
			csv_u64(&line, b.to_online * k);
		} else {
			csv_empty(&line);
			csv_empty(&line);
			csv_empty(&line);
		}
		csv_str(&line, m->build);
		emit();
	}
	kprintf("faultline-csv end smp-bringup\n");
}

void smp_stats_print(const struct bench_meta *m)
{
	locks(m);
	alloc(m);
	bringup(m);
}
