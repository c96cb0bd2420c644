/*
 * The benchmark driver of the Linux program: the same cases, calibration,
 * statistics and CSV rows as faultline's own driver, minus what needs the
 * kernel (fault-path stage stamps, TLB invalidation, the floor
 * microbenchmarks). Rows say stages=off; the TLB-cold cases are skipped
 * rather than run warm under their cold name.
 *
 * Rows carry the counter the program read (counter=pmccntr or inst_retired,
 * unit=instructions under icount, else cycles for pmccntr; or the fallback
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
 * Per case it prints a progress line; at the end one CSV block,
 * "faultline-csv begin linux-<suite>" ... "faultline-csv end linux-<suite>",
 * which the host extracts to results/<board>/linux-<suite>.csv.
 */
#include <fcntl.h>
#include <unistd.h>

#include "bench/bench.h"
#include "bench/csv.h"
#include "bench/env.h"
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

/* The unit of counter c's counts in mode `mode`. */
static const char *counter_unit(enum linux_counter c, const char *mode)
{
	if (c == LINUX_CNTVCT)
		return "ticks";
	if (c == LINUX_INST || !strcmp(mode, "icount"))
		return "instructions";
	return "cycles";
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

/* The kernel's page size as the granule column writes it. */
static const char *linux_granule(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p == 4096 ? "4k" : p == 16384 ? "16k" : p == 65536 ? "64k" : "";
}

static void print_block(const char *name, const struct bench_meta *m, size_t n,
			const struct linux_opts *o)
{
	uint64_t res = resolution_x100(linux_counter_now(), m->mode, m->cntfrq);
	const char *cmdline = kernel_cmdline();
	struct csv_line l;

	kprintf("faultline-csv begin %s\n", name);
	bench_summary_header(&l);
	csv_str(&l, "resolution");
	csv_str(&l, "linux_config");
	csv_str(&l, "cmdline");
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
			.table_pages = d->r.table_pages,
		};

		if (!d->ran)
			continue;
		if (d->r.faults)
			row.baseline_p50 = baseline_p50(done, n, &d->c);
		csv_reset(&l);
		bench_summary_row(&l, m, &row);
		if (res)
			csv_fixed2(&l, res);
		else
			csv_empty(&l);
		csv_str(&l, o->config ? o->config : "");
		csv_str(&l, cmdline);
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
	struct bench_meta m = {
		.board = o->board, .cpu = linux_cpu_name(), .mode = o->mode,
		.counter = linux_counter_name(linux_counter_now()),
		.unit = counter_unit(linux_counter_now(), o->mode), .el = 0,
		.cntfrq = linux_counter_freq(), .stages = false,
		.build = FAULTLINE_BUILD_ID,
		.granule = linux_granule(),
	};
	size_t n = bench_suite(o->suite, &cases), ran = 0, failed = 0;
	char name[64];

	if (n == 0) {
		info("unknown suite '%s'", o->suite);
		return -EINVAL;
	}
	if (n > MAX_CASES) {
		info("suite %s has %zu cases; running the first %d", o->suite,
		     n, MAX_CASES);
		n = MAX_CASES;
	}
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
		err = bench_run_case(&d->c, &h, &d->r);
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
