/*
 * suite=smp's churn case (issue 19): what a writer of the mm does to the
 * faults of the other cores.
 *
 * At k cores (2 and 4), cores 0 .. k-2 fault, each in a VMA of its own
 * (page_fault1's layout, first writes), and core k-1, the churner, maps a
 * CHURN_VMA_PAGES-page VMA of its own and unmaps it again, over and over:
 * every do_mmap and do_munmap holds the mm as a writer (mm/mm_lock.h), so
 * the seq count goes odd and the writer waits until no other core is
 * inside a fault, and a fault that begins meanwhile waits for the writer
 * and looks again (its core's nr_fault_retry).
 *
 *   1. setup (CPU 0): a VMA per faulting core, CPU 0's own VMA included;
 *   2. concurrent warm-up: the faulting cores touch their first `warm`
 *      pages at once (the churner does not churn yet);
 *   3. measurement, one faulting core at a time, as smp_bench.c measures
 *      (windows around one store each), except that the churner runs:
 *      the measuring core waits until the other CPUs not in the case and
 *      the other faulting cores are parked (WFI, or WFE without a GIC),
 *      then tells the churner to go (GO, an SGI) and waits until it churns,
 *      takes its windows, and tells it to stop (STOP) and waits until it
 *      has (IDLE) before it passes the turn. The churner times each call,
 *      mmap and munmap apart.
 *   4. CPU 0 unmaps everything, checks the free-page count and the mm.
 *
 * What a window holds. Under QEMU -icount PMCCNTR_EL0 counts the whole
 * machine's instructions, and here two vCPUs are runnable: a window holds
 * this core's fault plus whatever the churner retired while it was open.
 * QEMU's single-threaded icount scheduler runs one vCPU at a time, each
 * until it waits (WFE, WFI) or its time slice ends, so the churner runs
 * inside a window only when a slice ends in it or the fault waits for the
 * churner's writer: such a window then holds the churner's instructions
 * up to its next wait, and the rows say peers=churn, never an exact path
 * length. The run stays deterministic (the slices are instruction
 * counts). The churner's calls are timed the same way, with the faulting
 * core runnable. Parallel TCG (ICOUNT=0) and hardware run the two cores
 * at once: host ticks or cycles, and retries as often as they happen.
 *
 * Rows (the "smp" block's columns): a row per faulting core, placement
 * churn, pattern churn, access write, peers churn, fault_retry the times
 * its faults waited for the churner's writer (the warm-up has none), and
 * two rows of the churner (core k-1), access mmap and munmap: samples the
 * calls it made while the cores measured, pages CHURN_VMA_PAGES, the
 * statistics over the first CHURN_SAMPLES calls of each kind.
 */
#include <stdarg.h>

#include "arch/aarch64/smp.h"
#include "bench/env.h"
#include "bench/kernel/env_kernel.h"
#include "bench/kernel/smp_bench.h"
#include "bench/kernel/smp_churn.h"
#include "bench/kernel/smp_park.h"
#include "bench/kernel/smp_stats.h"
#include "bench/stats.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/arch.h"
#include "mm/geometry.h"
#include "mm/mm.h"
#include "mm/page_alloc.h"
#include <arch/atomic.h>

#define CHURN_VMA_PAGES 4  /* the churner's VMA: mapped and unmapped, never touched */
#define CHURN_SAMPLES 4096 /* calls of each kind the statistics are over */
#define CHURN_RAW_MAX 64   /* raw rows per faulting core: its first faulted windows */

enum { IDLE, GO, STOP, QUIT };   /* what the churner is told (sh.cmd) */
enum { CALL_MMAP, CALL_MUNMAP }; /* the churner's calls */
#define TURN_DONE (NR_CPUS + 1)

static const unsigned churn_cpus[] = { 2, 4 };

/* A faulting core's result. */
struct fault_result {
	uint64_t samples, faults, allocated;
	uint64_t lost, retry, table_lost;
	struct stats lat;
	size_t nraw;
	uint32_t raw_unit[CHURN_RAW_MAX];
	uint64_t raw_lat[CHURN_RAW_MAX];
};

/* The churner's result. */
struct churn_result {
	uint64_t calls[2];
	struct stats lat[2];
	uint64_t lost, retry, table_lost;
};

/* What every CPU of one smp_run reads and writes. */
static struct {
	unsigned k, online, churner;
	uint64_t warm, pages, overhead;
	uint8_t *base[NR_CPUS];
	uint64_t turn;           /* the faulting core measuring, or TURN_DONE */
	uint64_t cmd __attribute__((aligned(64)));      /* IDLE, GO, STOP, QUIT */
	uint64_t churning __attribute__((aligned(64))); /* the churner: 1 while it churns */
	struct fault_result res[NR_CPUS];
	struct churn_result ch;
	int err;                 /* the churner's first failed call */
} sh;

/* Kept rows of every case: the faulting cores' and the churner's. */
struct kept {
	unsigned k;
	uint64_t warm, pages;
	struct fault_result res[NR_CPUS - 1];
	struct churn_result ch;
};
static struct kept kept[ARRAY_SIZE(churn_cpus)];
static size_t nkept;

/* Sample buffers, from the page allocator (not BSS): a faulting core's
 * windows, and the churner's two kinds of call. */
static uint64_t *lat_buf[NR_CPUS];
static uint64_t *call_buf[2];
#define BUF_PAGES ((NR_CPUS * SMP_PAGES_MAX + 2 * CHURN_SAMPLES) * 8 / PAGE_SIZE + 1)
static paddr_t buf_pa;

static struct csv_line line;
static char reason[120];

/* emit: print one CSV line. */
static void emit(void)
{
	if (line.overflow)
		return;
	console_write(line.buf, line.len);
	console_write("\n", 1);
}

/* fail: keep the first reason, print it; err. */
static int fail(int err, const char *fmt, ...) PRINTF_LIKE(2, 3);
static int fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = smp_vfail(reason, sizeof(reason), err, fmt, ap);
	va_end(ap);
	return err;
}

/* addr: the address of faulting core i's j-th touch (its own VMA). */
static volatile uint64_t *addr(unsigned i, uint64_t j)
{
	return (volatile uint64_t *)(sh.base[i] + j * PAGE_SIZE);
}

/* wait_turn: park until the turn is me or done. */
static void wait_turn(unsigned me)
{
	for (;;) {
		uint64_t t = arch_load_acquire(&sh.turn);

		if (t == me || t == TURN_DONE)
			return;
		smp_park_halt();
	}
}

/* tell: give the churner cmd (waking it for GO: it is parked), and wait
 * until it says `churning`. */
static void tell(uint64_t cmd, uint64_t churning)
{
	arch_store_release(&sh.cmd, cmd);
	if (cmd == GO)
		smp_park_wake(sh.churner);
	while (arch_load_acquire(&sh.churning) != churning)
		arch_wait_event();
}

/* measure: faulting core me's windows while the churner churns. */
static void measure(unsigned me)
{
	struct fault_result *r = &sh.res[me];
	uint64_t n = 0, alloc0 = env_cpu_pages_allocated(me);

	smp_park_settle(sh.online, BIT(sh.churner)); /* the churner runs */
	tell(GO, 1);
	for (uint64_t j = sh.warm; j < sh.warm + sh.pages; j++) {
		volatile uint64_t *p = addr(me, j);
		uint64_t f, lat = smp_window(me, p, ACCESS_WRITE, sh.overhead, &f);

		r->samples++;
		if (!f)
			continue;
		r->faults += f;
		if (r->nraw < CHURN_RAW_MAX) {
			r->raw_unit[r->nraw] = (uint32_t)j;
			r->raw_lat[r->nraw++] = lat;
		}
		lat_buf[me][n++] = lat;
	}
	tell(STOP, 0);
	r->allocated = env_cpu_pages_allocated(me) - alloc0;
	stats_compute(lat_buf[me], n, &r->lat);
}

/* pass_turn: hand the turn to the next faulting core, or end the case. */
static void pass_turn(unsigned me)
{
	if (me + 1 < sh.churner) {
		arch_store_release(&sh.turn, me + 1);
		smp_park_wake(me + 1);
		return;
	}
	arch_store_release(&sh.turn, TURN_DONE);
	arch_store_release(&sh.cmd, QUIT);
	for (unsigned p = 0; p < sh.online; p++)
		if (p != me)
			smp_park_wake(p);
}

/* keep_call: count one churner call of `kind` timed t0..t1; its latency
 * kept when it is among the first CHURN_SAMPLES. */
static void keep_call(int kind, uint64_t t0, uint64_t t1)
{
	uint64_t lat = t1 - t0 > sh.overhead ? t1 - t0 - sh.overhead : 0;
	uint64_t i = sh.ch.calls[kind]++;

	if (i < CHURN_SAMPLES)
		call_buf[kind][i] = lat;
}

/*
 * churn: the churner's part: park until told; on GO say churning, then
 * map and unmap its VMA until STOP, say so (churning 0); QUIT ends it.
 */
static void churn(unsigned me)
{
	for (;;) {
		uint64_t cmd = arch_load_acquire(&sh.cmd);

		if (cmd == QUIT)
			return;
		if (cmd != GO) {
			smp_park_halt();
			continue;
		}
		arch_store_release(&sh.churning, 1);
		arch_send_event();
		while (arch_load_acquire(&sh.cmd) == GO) {
			uint64_t t0 = env_counter(), t1, t2;
			void *p = env_map(CHURN_VMA_PAGES * PAGE_SIZE,
					  ENV_PROT_READ | ENV_PROT_WRITE);
			int err;

			t1 = env_counter();
			if (!p) {
				sh.err = sh.err ? sh.err : -ENOMEM;
				break;
			}
			err = env_unmap(p, CHURN_VMA_PAGES * PAGE_SIZE);
			t2 = env_counter();
			if (err) {
				sh.err = sh.err ? sh.err : err;
				break;
			}
			keep_call(CALL_MMAP, t0, t1);
			keep_call(CALL_MUNMAP, t1, t2);
		}
		while (arch_load_acquire(&sh.cmd) == GO) /* a failed call: wait for STOP */
			arch_wait_event();
		arch_store_release(&sh.churning, 0);
		arch_send_event();
	}
}

/* worker: one CPU's part of the case (smp_run's fn on every online CPU). */
static void worker(void *arg)
{
	unsigned me = arch_cpu_id();
	const struct mm_pcpu *pc = &current_mm->pcpu[me];
	uint64_t lost = pc->pcpu_nr_fault_lost, retry = pc->pcpu_nr_fault_retry;
	uint64_t tlost = pc->pcpu_nr_table_lost;

	(void)arg;
	smp_park_cpu();
	smp_barrier();
	if (me < sh.churner)
		for (uint64_t j = 0; j < sh.warm; j++)
			*addr(me, j) = 1;
	smp_barrier();
	if (me == sh.churner) {
		churn(me);
	} else {
		for (;;) {
			wait_turn(me);
			if (arch_load_acquire(&sh.turn) == TURN_DONE)
				break;
			measure(me);
			pass_turn(me);
		}
	}
	if (me < sh.k) {
		uint64_t l = pc->pcpu_nr_fault_lost - lost, r = pc->pcpu_nr_fault_retry - retry;
		uint64_t t = pc->pcpu_nr_table_lost - tlost;

		if (me == sh.churner) {
			sh.ch.lost = l;
			sh.ch.retry = r;
			sh.ch.table_lost = t;
		} else {
			sh.res[me].lost = l;
			sh.res[me].retry = r;
			sh.res[me].table_lost = t;
		}
	}
	smp_barrier();
	smp_park_done();
}

/* raw_rows: the faulting cores' first faulted windows, smp.raw's columns. */
static void raw_rows(const struct bench_meta *m, const struct kept *kp)
{
	static struct bench_raw raw[CHURN_RAW_MAX];
	struct bench_case bc = { .pattern = "churn", .access = ACCESS_WRITE, .pages = kp->pages };

	for (unsigned i = 0; i + 1 < kp->k; i++) {
		const struct fault_result *r = &kp->res[i];
		struct bench_result br = { .raw = raw, .nraw = r->nraw };

		for (size_t j = 0; j < r->nraw; j++)
			raw[j] = (struct bench_raw){ .page = r->raw_unit[j], .latency = r->raw_lat[j] };
		for (size_t j = 0; j < r->nraw; j++) {
			bench_raw_row(&line, m, &bc, 0, &br, j);
			csv_u64(&line, kp->k);
			csv_u64(&line, i);
			csv_str(&line, "churn");
			emit();
		}
	}
}

/* run_one: the churn case at k cores: map, smp_run, unmap, check; kept. */
static int run_one(unsigned k)
{
	uint64_t bytes = (sh.warm + sh.pages) * PAGE_SIZE;
	uint8_t *raw[NR_CPUS] = { 0 };
	size_t before = page_free_count();
	unsigned i;
	int err = 0;

	sh.k = k;
	sh.churner = k - 1;
	sh.turn = 0;
	sh.cmd = IDLE;
	sh.churning = 0;
	sh.err = 0;
	memset(sh.res, 0, sizeof(sh.res));
	memset(&sh.ch, 0, sizeof(sh.ch));
	if ((k - 1) * bytes > env_ram_bytes())
		return fail(-ENOMEM, "smp case churn write at %u cores: needs %llu MiB, does not "
			    "fit in %llu MiB (fewer pages=)", k,
			    (unsigned long long)(((k - 1) * bytes) >> 20),
			    (unsigned long long)(env_ram_bytes() >> 20));
	for (i = 0; i + 1 < k; i++) {
		raw[i] = env_map(bytes, ENV_PROT_READ | ENV_PROT_WRITE);
		if (!raw[i])
			break;
		sh.base[i] = raw[i];
	}
	if (i + 1 < k) {
		while (i--)
			env_unmap(raw[i], bytes);
		return fail(-ENOMEM, "smp case churn write at %u cores: cannot map: %s", k,
			    errno_name(-ENOMEM));
	}
	err = smp_run(sh.online, worker, NULL);
	for (i = 0; i + 1 < k; i++)
		env_unmap(raw[i], bytes);
	if (err)
		return fail(err, "smp case churn write at %u cores: smp_run: %s", k,
			    errno_name(err));
	if (sh.err)
		return fail(-EIO, "smp case churn write at %u cores: the churner's call failed: "
			    "%s", k, errno_name(sh.err));
	if (page_free_count() != before)
		return fail(-EIO, "LEAK in smp case churn write at %u cores: %lld pages not "
			    "given back", k, (long long)before - (long long)page_free_count());
	if (mm_check(current_mm))
		return fail(-EIO, "mm inconsistent after smp case churn write at %u cores", k);
	for (int c = CALL_MMAP; c <= CALL_MUNMAP; c++)
		stats_compute(call_buf[c], MIN(sh.ch.calls[c], (uint64_t)CHURN_SAMPLES),
			      &sh.ch.lat[c]);
	kept[nkept] = (struct kept){ .k = k, .warm = sh.warm, .pages = sh.pages, .ch = sh.ch };
	memcpy(kept[nkept++].res, sh.res, sizeof(kept[0].res));
	return 0;
}

/* wanted: whether pattern= selects the churn case. */
static bool wanted(const char *pattern)
{
	return !pattern[0] || strcmp(pattern, "churn") == 0 || strcmp(pattern, "guarded") == 0;
}

size_t smp_churn_cases(const char *pattern, unsigned online)
{
	size_t n = 0;

	for (size_t j = 0; j < ARRAY_SIZE(churn_cpus); j++)
		n += wanted(pattern) && churn_cpus[j] <= online;
	return n;
}

int smp_churn_bench(const char *pattern, const struct bench_meta *m,
		    const struct smp_churn_run *run, size_t *done, size_t total,
		    const char **why)
{
	bool ok = true;

	reason[0] = '\0';
	nkept = 0;
	if (!smp_churn_cases(pattern, run->online))
		return 0;
	sh.online = run->online;
	sh.pages = run->pages;
	sh.warm = run->warm;
	sh.overhead = run->overhead;
	buf_pa = page_alloc_run(BUF_PAGES);
	if (!buf_pa) {
		fail(-ENOMEM, "smp case churn: no %u pages for its samples", (unsigned)BUF_PAGES);
		*why = reason;
		return -ENOMEM;
	}
	for (unsigned c = 0; c < NR_CPUS; c++)
		lat_buf[c] = (uint64_t *)arch_phys_to_virt(buf_pa) + c * SMP_PAGES_MAX;
	for (int c = 0; c < 2; c++)
		call_buf[c] = lat_buf[NR_CPUS - 1] + SMP_PAGES_MAX + c * CHURN_SAMPLES;
	for (size_t j = 0; j < ARRAY_SIZE(churn_cpus); j++) {
		unsigned k = churn_cpus[j];

		if (k > run->online)
			continue;
		info("bench: [%zu/%zu] smp churn write cpus=%u pages=%llu", ++*done, total, k,
		     (unsigned long long)sh.pages);
		smp_stats_begin();
		if (run_one(k)) {
			ok = false;
			continue;
		}
		smp_stats_end("churn", "write", 0, k, "churn");
		raw_rows(m, &kept[nkept - 1]);
	}
	page_free_run(buf_pa, BUF_PAGES);
	if (!ok) {
		*why = reason;
		return -EIO;
	}
	return 0;
}

/* row: one summary row in the "smp" block's columns. */
static void row(const struct bench_meta *m, const struct kept *kp, unsigned core,
		const char *access, uint64_t pages, uint64_t samples, uint64_t faults,
		uint64_t allocated, const struct stats *lat, uint64_t warm, uint64_t lost,
		uint64_t retry, uint64_t table_lost)
{
	struct bench_row br = {
		.pattern = "churn", .access = access, .pages = pages, .samples = samples,
		.faults = faults, .pages_allocated = allocated, .lat = lat,
		.table_pages = ENV_UNKNOWN, .iters = 1,
	};
	uint64_t mapped = allocated ? allocated * (PAGE_SIZE / BENCH_UNIT_4K)
				    : faults * (PAGE_SIZE / BENCH_UNIT_4K);
	struct bench_page_row page = {
		.counted = faults > 0,
		.faults = faults,
		.mapped_4k = mapped,
		.fault_p50 = lat->p50,
		.cost_4k_x100 = mapped ? lat->p50 * faults * 100 / mapped : 0,
	};

	bench_summary_row(&line, m, &br);
	bench_page_row(&line, &page);
	bench_run_row(&line, m, &br);
	csv_u64(&line, kp->k);
	csv_u64(&line, core);
	csv_str(&line, "churn");
	csv_str(&line, "churn");
	csv_str(&line, "concurrent");
	csv_u64(&line, warm);
	csv_u64(&line, lost);
	csv_u64(&line, retry);
	csv_u64(&line, table_lost);
	csv_empty(&line); /* tlbi, dsb_ish, tlb_flush_all: shootdown rows' */
	csv_empty(&line);
	csv_empty(&line);
	emit();
}

void smp_churn_summary(const struct bench_meta *m)
{
	static const char *const call_name[2] = { "mmap", "munmap" };

	for (size_t i = 0; i < nkept; i++) {
		const struct kept *kp = &kept[i];

		for (unsigned c = 0; c + 1 < kp->k; c++) {
			const struct fault_result *r = &kp->res[c];

			row(m, kp, c, "write", kp->pages, r->samples, r->faults, r->allocated,
			    &r->lat, kp->warm, r->lost, r->retry, r->table_lost);
		}
		for (int c = CALL_MMAP; c <= CALL_MUNMAP; c++)
			row(m, kp, kp->k - 1, call_name[c], CHURN_VMA_PAGES, kp->ch.calls[c], 0, 0,
			    &kp->ch.lat[c], 0, kp->ch.lost, kp->ch.retry, kp->ch.table_lost);
	}
}
