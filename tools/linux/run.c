/*
 * The benchmark driver of the Linux program: the same cases, calibration,
 * statistics and CSV rows as faultline's own driver, minus what needs the
 * kernel (fault-path stage stamps, TLB invalidation, the floor
 * microbenchmarks). Rows say counter=cntvct, unit=ticks, stages=off; the
 * TLB-cold cases are skipped rather than run warm under their cold name.
 *
 * Per case it prints a progress line; at the end one CSV block,
 * "faultline-csv begin linux-<suite>" ... "faultline-csv end linux-<suite>",
 * which the host extracts to results/<board>/linux-<suite>.csv.
 */
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

static void print_block(const char *name, const struct bench_meta *m, size_t n)
{
	struct csv_line l;

	kprintf("faultline-csv begin %s\n", name);
	bench_summary_header(&l);
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
		};

		if (!d->ran)
			continue;
		if (d->r.faults)
			row.baseline_p50 = baseline_p50(done, n, &d->c);
		csv_reset(&l);
		bench_summary_row(&l, m, &row);
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
		.counter = "cntvct", .unit = "ticks", .el = 0,
		.cntfrq = linux_counter_freq(), .stages = false,
		.build = FAULTLINE_BUILD_ID,
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
	info("counter-read overhead %llu ticks", (unsigned long long)h.overhead);
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
		info("case %zu/%zu %s %s pages=%llu: p50 %llu ticks", i + 1, n,
		     d->c.pattern, bench_access_name(d->c.access),
		     (unsigned long long)d->c.pages,
		     (unsigned long long)d->r.lat.p50);
	}
	if (ran == 0) {
		info("no case of suite %s ran%s%s", o->suite,
		     o->pattern ? " with pattern=" : "", o->pattern ? o->pattern : "");
		return -EINVAL;
	}
	ksnprintf(name, sizeof(name), "linux-%s", o->suite);
	print_block(name, &m, n);
	return failed ? -EIO : 0;
}
