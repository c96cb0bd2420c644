/*
 * suite=smp (issue 19): the page-fault cost per core at 1, 2 and 4 cores,
 * exact per core under QEMU -icount. See bench/kernel/smp_bench.c and
 * docs/bench.md ("The SMP suite").
 */
#ifndef BENCH_KERNEL_SMP_BENCH_H
#define BENCH_KERNEL_SMP_BENCH_H

#include <stdarg.h>

#include "bench/args.h"
#include "bench/csv.h"

/* The suite's name on the command line. */
#define SMP_SUITE "smp"

/* Measured pages (touches) per core and case unless pages= says. */
#define SMP_PAGES_DEFAULT 256
/* At most this many per core (the sample arrays are static). */
#define SMP_PAGES_MAX 4096

/*
 * smp_bench_run: run suite=smp with the counter chosen and calibrated
 * (meta filled, overhead the counter-read overhead), print its "smp.raw"
 * and "smp" CSV blocks (the churn case's rows among them: smp_churn.h),
 * then "smp-locks", "smp-alloc" and "smp-bringup" (smp_stats.h). 0, or -EINVAL (pages= out of range, a pattern=
 * that matches nothing) / -EIO (a case failed or leaked) with *why set.
 */
int smp_bench_run(const struct cmdline *cl, struct bench_meta *meta, uint64_t overhead,
		  const char **why);

/*
 * smp_window: CPU me's one timed access to p as acc does (bench_timed), the
 * counter-read overhead subtracted (0 at least); the faults me took in it
 * in *faults.
 */
uint64_t smp_window(unsigned me, volatile uint64_t *p, enum bench_access acc,
		    uint64_t overhead, uint64_t *faults);

/*
 * smp_vfail: print "bench: <message>" and keep it in first (len bytes) if
 * first is still empty (the run's first failure, for its done line); err.
 */
int smp_vfail(char *first, size_t len, int err, const char *fmt, va_list ap);

#endif
