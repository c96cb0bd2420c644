/*
 * suite=smp's churn case (issue 19): first writes on k - 1 cores while the
 * last core maps and unmaps a small VMA of its own over and over, each
 * call taking the mm's writer lock (mm/mm_lock.h), at 2 and 4 cores. See
 * bench/kernel/smp_churn.c and docs/bench.md ("The SMP suite").
 */
#ifndef BENCH_KERNEL_SMP_CHURN_H
#define BENCH_KERNEL_SMP_CHURN_H

#include "bench/args.h"
#include "bench/csv.h"

/* What the churn case takes from suite=smp's run (smp_bench.c). */
struct smp_churn_run {
	unsigned online;    /* CPUs online, all in each smp_run */
	uint64_t pages;     /* measured touches per faulting core */
	uint64_t warm;      /* warm-up touches per faulting core */
	uint64_t overhead;  /* the counter-read overhead */
};

/* smp_churn_cases: how many churn cases pattern= selects at `online` CPUs
 * ("", "churn" or "guarded": one per CPU count 2 and 4 that is online). */
size_t smp_churn_cases(const char *pattern, unsigned online);

/*
 * smp_churn_bench: run the selected churn cases (progress lines numbered
 * from *done of total), print their raw rows (the "smp.raw" block is
 * open) and keep their summary rows. 0, or -ENOMEM / -EIO with *why.
 */
int smp_churn_bench(const char *pattern, const struct bench_meta *m,
		    const struct smp_churn_run *run, size_t *done, size_t total,
		    const char **why);

/* smp_churn_summary: the kept summary rows (the "smp" block is open, its
 * header printed): the columns of smp_bench.c's rows. */
void smp_churn_summary(const struct bench_meta *m);

#endif
