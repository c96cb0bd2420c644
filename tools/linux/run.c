/*
 * The benchmark driver of the Linux program: the same cases, calibration,
 * statistics and CSV rows as faultline's own driver, minus what needs the
 * kernel (fault-path stage stamps, TLB invalidation, the floor
 * microbenchmarks). Rows say stages=off; the TLB-cold cases are skipped
 * rather than run warm under their cold name.
 *
 * Rows carry the counter the program read (counter=pmccntr or inst_retired,
 * unit=instructions under icount, host-ticks for pmccntr under TCG (QEMU's
 * virtual clock, host time), cycles on hardware; or the fallback
 * counter=cntvct, unit=ticks), and three columns after faultline's:
 *
 *   resolution    one count in the compare table's unit: instructions
 *                 under icount, ns otherwise (1.00 for a PMU count under
 *                 icount, 16.00 for a CNTVCT tick at 62.5 MHz); empty
 *                 when a count has no fixed size in that unit (PMU cycles
 *                 outside icount)
 *   linux_config  the name make compare gave the kernel's configuration
 *   cmdline       the kernel's command line (/proc/cmdline; commas, which
 *                 CSV cannot hold unquoted, become ';')
 *
 * then the page-size columns (docs/compare.md). The patterns touch 4 KiB
 * steps (bench/'s PAGE_SIZE) whatever the kernel's granule, so "pages" and
 * "samples" count 4 KiB pages, and one fault may map several of them:
 *
 *   granule          the kernel's page size, getpagesize(): 4k, 16k, 64k
 *   folio            the folio size enabled (folio=; folio.c): none,
 *                    thp-always, 16k ... 2m
 *   fault_p50        p50 over the measured samples whose fault mapped a
 *                    whole folio (the folio_allocs longest), else over all
 *                    that faulted (p50 itself is over every sample, a
 *                    no-fault touch once a fault maps 4 or more pages)
 *   pages_per_fault  samples / faults: 4 KiB pages one fault mapped, on
 *                    average
 *   cost_per_4k      (folio faults x their p50 + other faults x theirs) /
 *                    samples: the faults' cost per 4 KiB mapped (for a row
 *                    of one kind of fault, fault_p50 / pages_per_fault)
 *   folio_allocs     hugepages-<folio>kB/stats/anon_fault_alloc, and
 *   thp_fault_alloc  /proc/vmstat thp_fault_alloc: their growth over the
 *                    measured repetitions (folios of that size, PMD folios)
 *   table_pages      the most page-table pages (VmPTE of
 *                    /proc/self/status, in granule pages) one repetition's
 *                    touches added
 *
 * then what was measured (bench/csv.h's bench_run_row: toolchain, ram_mib
 * (the kernel's MemTotal), iters, step (4k: the patterns always touch
 * 4 KiB), thp (always with folio=thp-always, else never)), and
 *
 *   kernel_release   uname -r: the Linux kernel that ran
 *
 * fault_p50 .. cost_per_4k are empty when no sample faulted (re-touch);
 * pages_allocated is in the kernel's pages (granule), as Linux counts them.
 *
 * Per case it prints a progress line; at the end one CSV block,
 * "faultline-csv begin linux-<suite>" ... "faultline-csv end linux-<suite>",
 * which the host extracts to results/<board>/linux-<suite>.csv.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/csv.h"
#include "bench/env.h"
#include "bench/stats.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "tools/linux/linux.h"

#ifndef FAULTLINE_BUILD_ID
#define FAULTLINE_BUILD_ID "unknown"
#endif

#define MAX_CASES 512

struct done {
	struct bench_case c;     /* as run, after the overrides */
	struct bench_result r;
	bool ran;
	uint64_t fault_samples;  /* measured samples that faulted */
	uint64_t fault_p50;      /* p50 of the folio faults (else of all), overhead off */
	uint64_t cost_x100;      /* fault cost per 4 KiB touched, x100 (see run_logged) */
	uint64_t log_faults;     /* faults inside them (== r.faults: checked) */
	uint64_t folio_allocs, thp_fault_alloc, table_pages;
};

static struct done done[MAX_CASES];

/* The p50 of the re-touch case over the same pattern and size, or 0. */
static uint64_t baseline_p50(const struct done *d, size_t n,
			     const struct bench_case *c)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].ran && d[i].c.access == ACCESS_RETOUCH &&
		    d[i].c.kind == c->kind && d[i].c.param == c->param &&
		    d[i].c.pages == c->pages)
			return d[i].r.lat.p50;
	return 0;
}

/* The kernel's command line, made a CSV field (see above); "" if unreadable. */
static const char *kernel_cmdline(void)
{
	static char buf[512];
	ssize_t n = 0;
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == ',' || *p == '\n' || *p == '\r')
			*p = ';';
	return buf;
}

/* uname -r, with any comma (CSV) as ';'; "unknown" if uname fails. */
const char *linux_release(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	for (char *p = u.release; *p; p++)
		if (*p == ',')
			*p = ';';
	return u.release;
}

/* The RAM the kernel manages (MemTotal), in bytes; 0 if unknown. */
static uint64_t ram_total(void)
{
	struct sysinfo si;

	return sysinfo(&si) < 0 ? 0 : (uint64_t)si.totalram * si.mem_unit;
}

/* The unit of counter c's counts in mode `mode`. */
static const char *counter_unit(enum linux_counter c, const char *mode)
{
	if (c == LINUX_CNTVCT)
		return "ticks";
	if (c == LINUX_INST || !strcmp(mode, "icount"))
		return "instructions";
	return strcmp(mode, "tcg") == 0 ? "host-ticks" : "cycles";
}

/*
 * The resolution column (x100, for csv_fixed2): one count in instructions
 * (icount) or ns; 0 when unknown.
 */
static uint64_t resolution_x100(enum linux_counter c, const char *mode,
				uint64_t cntfrq)
{
	if (c == LINUX_CNTVCT)
		return cntfrq ? (100ull * 1000000000ull + cntfrq / 2) / cntfrq : 0;
	if (!strcmp(mode, "icount"))
		return 100;
	return 0;
}

/* Touch STACK_PREFAULT bytes of stack below this frame, so the stack VMA has them. */
#define STACK_PREFAULT (256u << 10)
static __attribute__((noinline)) void stack_grow(void)
{
	volatile char buf[STACK_PREFAULT];

	for (size_t i = 0; i < sizeof(buf); i += 1024)
		buf[i] = 0;
}

/* The program's code, start and end (the linker's symbols). */
extern const char __executable_start[], etext[];

/* Map every page of the program's code now (MADV_POPULATE_READ, Linux 5.14). */
static void text_map(void)
{
	uintptr_t page = (uintptr_t)getpagesize();
	uintptr_t from = (uintptr_t)__executable_start & ~(page - 1);

	if (madvise((void *)from, (uintptr_t)etext - from, MADV_POPULATE_READ) < 0)
		info("warning: cannot map the program's code in advance; a sample "
		     "may include a fault on it");
}

/* v - overhead, or 0. */
static uint64_t less(uint64_t v, uint64_t overhead)
{
	return v > overhead ? v - overhead : 0;
}

/*
 * Run case d->c with its faulting samples logged, and fill d's page-size
 * fields; bench_run_case's return. The log's buffer is mapped and faulted
 * in before the case, so writing it adds no fault to a sample.
 */
static int run_logged(struct done *d, const struct bench_hooks *h)
{
	struct linux_fault_log l = { 0 };
	uint64_t bytes = ALIGN_UP(d->c.pages * d->c.reps * 8, PAGE_SIZE);
	int err;

	l.lat = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (l.lat == MAP_FAILED)
		return -ENOMEM;
	l.max = bytes / 8;
	linux_fault_log_start(&l, d->c.pages, d->c.reps);
	err = bench_run_case(&d->c, h, &d->r);
	linux_fault_log_start(NULL, 0, 0);
	if (err == 0) {
		/*
		 * Two kinds of fault: the folio_allocs that mapped a whole folio
		 * (zeroing it all: the longest) and the others (base pages,
		 * where no aligned folio fitted, or the zero page). Each kind's
		 * p50, weighted by its count, per 4 KiB touched: a mix of both
		 * is neither's p50 over its average size.
		 */
		uint64_t n = l.n, k;

		d->folio_allocs = l.at_end.folio_allocs - l.at_measure.folio_allocs;
		d->thp_fault_alloc = l.at_end.thp_fault_alloc - l.at_measure.thp_fault_alloc;
		d->table_pages = l.table_peak;
		d->fault_samples = n;
		d->log_faults = l.faults;
		k = MIN(d->folio_allocs, n);
		stats_sort(l.lat, n);
		uint64_t folio = less(stats_rank(l.lat + (n - k), k, 500), h->overhead);
		uint64_t other = less(stats_rank(l.lat, n - k, 500), h->overhead);

		d->fault_p50 = k ? folio : other;
		if (d->r.samples)
			d->cost_x100 = ((k * folio + (n - k) * other) * 100 +
					d->r.samples / 2) / d->r.samples;
	}
	munmap(l.lat, bytes);
	return err;
}

void linux_meta(struct bench_meta *m, const struct linux_opts *o)
{
	*m = (struct bench_meta){
		.board = o->board, .cpu = linux_cpu_name(), .mode = o->mode,
		.counter = linux_counter_name(linux_counter_now()),
		.unit = counter_unit(linux_counter_now(), o->mode), .el = 0,
		.cntfrq = linux_counter_freq(), .stages = false,
		.build = FAULTLINE_BUILD_ID,
		.granule = linux_granule_name(),
		.folio = linux_folio_name(),
		.page_bytes = (uint64_t)sysconf(_SC_PAGESIZE),
		.ram_bytes = ram_total(),
		.step_4k = true,
		.thp = strcmp(linux_folio_name(), "thp-always") ? "never" : "always",
	};
}

void linux_csv_header(struct csv_line *l)
{
	bench_summary_header(l);
	csv_str(l, "resolution");
	csv_str(l, "linux_config");
	csv_str(l, "cmdline");
	bench_page_header(l); /* the page-size columns: see the top of the file */
	bench_run_header(l);
	csv_str(l, "kernel_release");
}

void linux_csv_config(struct csv_line *l, const struct bench_meta *m,
		      const struct linux_opts *o)
{
	uint64_t res = resolution_x100(linux_counter_now(), m->mode, m->cntfrq);

	if (res)
		csv_fixed2(l, res);
	else
		csv_empty(l);
	csv_str(l, o->config ? o->config : "");
	csv_str(l, kernel_cmdline());
}

void linux_prepare(void)
{
	stack_grow();
	text_map();
}

static void print_block(const char *name, const struct bench_meta *m, size_t n,
			const struct linux_opts *o)
{
	const char *release = linux_release();
	struct csv_line l;

	kprintf("faultline-csv begin %s\n", name);
	linux_csv_header(&l);
	kprintf("%s\n", l.buf);
	for (size_t i = 0; i < n; i++) {
		const struct done *d = &done[i];
		struct bench_row row = {
			.pattern = d->c.pattern,
			.access = bench_access_name(d->c.access),
			.pages = d->c.pages,
			.samples = d->r.samples,
			.faults = d->r.faults,
			.pages_allocated = d->r.pages_allocated,
			.lat = &d->r.lat,
			.unstable = d->r.unstable,
			/* the peak over the measured samples where logged */
			.table_pages = d->table_pages ? d->table_pages : d->r.table_pages,
			.iters = d->c.reps,
		};

		if (!d->ran)
			continue;
		if (d->r.faults)
			row.baseline_p50 = baseline_p50(done, n, &d->c);
		csv_reset(&l);
		bench_summary_row(&l, m, &row);
		linux_csv_config(&l, m, o);
		bench_page_row(&l, &(struct bench_page_row){
			.counted = true,
			.faults = d->fault_samples ? d->r.faults : 0,
			.mapped_4k = d->r.samples, /* every 4 KiB touched (PAGE_SIZE here) */
			.fault_p50 = d->fault_p50,
			.cost_4k_x100 = d->cost_x100,
			.folio_allocs = d->folio_allocs,
			.thp_fault_alloc = d->thp_fault_alloc,
		});
		bench_run_row(&l, m, &row);
		csv_str(&l, release);
		if (l.overflow) {
			info("CSV row of %s overflows; left out", d->c.pattern);
			continue;
		}
		kprintf("%s\n", l.buf);
	}
	kprintf("faultline-csv end %s\n", name);
}

int linux_bench(const struct linux_opts *o)
{
	const struct bench_case *cases;
	struct bench_hooks h = { .seed = o->seed };
	struct bench_meta m;
	size_t n = bench_suite(o->suite, &cases), ran = 0, failed = 0;
	char name[64];

	linux_meta(&m, o);
	if (n == 0) {
		info("unknown suite '%s'", o->suite);
		return -EINVAL;
	}
	if (n > MAX_CASES) {
		info("suite %s has %zu cases; running the first %d", o->suite,
		     n, MAX_CASES);
		n = MAX_CASES;
	}
	/*
	 * Map the program's code and grow its stack beyond what it will use
	 * before measuring: a code page run for the first time would
	 * otherwise take a minor fault inside a timed sample (the first
	 * measured sample of the first case runs code the warm-up did not),
	 * and a stack page touched for the first time between samples would
	 * allocate a folio the folio counters then count. (mlockall and
	 * munlockall would map everything too, but they also change the
	 * process's VMAs, and with them the cost of every later fault.)
	 */
	linux_prepare();
	h.overhead = bench_calibrate();
	info("counter-read overhead %llu %s", (unsigned long long)h.overhead, m.unit);
	for (size_t i = 0; i < n; i++) {
		struct done *d = &done[i];
		int err;

		d->c = cases[i];
		if (o->pattern && strcmp(o->pattern, d->c.pattern))
			continue;
		if (o->pages)
			d->c.pages = o->pages;
		if (o->iters)
			d->c.reps = (unsigned)o->iters;
		if (d->c.cold & COLD_TLB) {
			info("case %zu/%zu %s %s pages=%llu: skipped, EL0 cannot "
			     "invalidate the TLB", i + 1, n, d->c.pattern,
			     bench_access_name(d->c.access),
			     (unsigned long long)d->c.pages);
			continue;
		}
		if (!bench_case_fits(&d->c, env_ram_bytes())) {
			info("case %zu/%zu %s %s pages=%llu: skipped, does not fit "
			     "in %llu MiB", i + 1, n, d->c.pattern,
			     bench_access_name(d->c.access),
			     (unsigned long long)d->c.pages,
			     (unsigned long long)(env_ram_bytes() >> 20));
			continue;
		}
		err = run_logged(d, &h);
		if (err < 0) {
			info("case %zu/%zu %s %s pages=%llu: %s", i + 1, n,
			     d->c.pattern, bench_access_name(d->c.access),
			     (unsigned long long)d->c.pages, errno_name(err));
			failed++;
			continue;
		}
		bench_release(&d->r);
		d->ran = true;
		ran++;
		if (d->log_faults != d->r.faults)
			info("case %zu/%zu %s %s: %llu faults in the samples' log, %llu "
			     "counted: fault_p50 may be off", i + 1, n, d->c.pattern,
			     bench_access_name(d->c.access),
			     (unsigned long long)d->log_faults,
			     (unsigned long long)d->r.faults);
		info("case %zu/%zu %s %s pages=%llu: p50 %llu %s", i + 1, n,
		     d->c.pattern, bench_access_name(d->c.access),
		     (unsigned long long)d->c.pages,
		     (unsigned long long)d->r.lat.p50, m.unit);
	}
	if (ran == 0) {
		info("no case of suite %s ran%s%s", o->suite,
		     o->pattern ? " with pattern=" : "", o->pattern ? o->pattern : "");
		return -EINVAL;
	}
	ksnprintf(name, sizeof(name), "linux-%s", o->suite);
	print_block(name, &m, n, o);
	return failed ? -EIO : 0;
}
